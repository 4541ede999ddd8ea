-- A counter per PIN that the projection moves in the same transaction as every batch that
-- applies an event of that PIN: the result cache's key for the PIN's own reads
-- (gateway/tenant_versions.py), read as one row instead of counting the PIN's feed.
-- A rebuild starts it again from nothing, in a table of its own (another oid).
CREATE TABLE tenant_versions (
    tenant_id TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
