-- The audit trail (docs/audit.md). Every stored event is a leaf of the global Merkle tree (all
-- events in store order) and of its PIN's tree. The audit projection appends in store order
-- and moves its projection_tracking row ('audit_log', part 0) in the same transaction.

-- One row per stored event: its leaf in the global tree (leaf_index = events before it; store
-- positions have gaps) and in its PIN's tree (tenant_index), and the leaf hash
-- SHA-256(0x00 || canonical stored event).
CREATE TABLE audit_leaves (
    leaf_index BIGINT PRIMARY KEY,
    position BIGINT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    tenant_index BIGINT NOT NULL,
    leaf_hash BYTEA NOT NULL
);
CREATE UNIQUE INDEX audit_leaves_tenant ON audit_leaves (tenant_id, tenant_index);

-- Complete (perfect) subtrees above the leaves: node (level, idx) of a tree covers its leaves
-- [idx * 2^level, (idx + 1) * 2^level). They never change once complete; any root or proof
-- is computed from O(log n) of them. tree: 'global' or the tenant id.
CREATE TABLE audit_nodes (
    tree TEXT NOT NULL,
    level INTEGER NOT NULL,
    idx BIGINT NOT NULL,
    hash BYTEA NOT NULL,
    PRIMARY KEY (tree, level, idx)
);

-- The current size and root of each tree.
CREATE TABLE audit_trees (
    tree TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    root BYTEA NOT NULL
);

-- Signed checkpoints (Ed25519 over origin, size, root, time); one per tree and size.
CREATE TABLE audit_checkpoints (
    tree TEXT NOT NULL,
    tree_size BIGINT NOT NULL,
    origin TEXT NOT NULL,
    root_hash BYTEA NOT NULL,
    issued_at TEXT NOT NULL,
    key_id TEXT NOT NULL,
    signature BYTEA NOT NULL,
    PRIMARY KEY (tree, tree_size)
);

-- Funder reports already computed, by checkpoint and scope (a cache: recomputable).
CREATE TABLE audit_reports (
    report_key TEXT PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    document TEXT NOT NULL
);
