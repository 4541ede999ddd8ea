-- Group formation: each proposal of groups for a cohort, as the coordinator reviews it.
-- `result` holds the proposed groups and the mentees left out, with their explanations
-- (JSON, as recorded by the proposal's events); proposals stay after acceptance or
-- rejection. Rows are changed only by events of their own proposal.
CREATE TABLE group_proposals (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    cohort_id TEXT NOT NULL,
    state TEXT NOT NULL,
    result TEXT NOT NULL,
    report TEXT NOT NULL,
    settings TEXT NOT NULL,
    edits INTEGER NOT NULL DEFAULT 0,
    group_ids TEXT NOT NULL DEFAULT '[]',
    rejection_reason TEXT,
    proposed_at TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX group_proposals_cohort ON group_proposals (tenant_id, cohort_id, seq);
