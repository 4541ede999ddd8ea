-- Privacy (issue 5): erasure and consent in the read models.
-- An erased person's row stays (counts do not change) with every personal column purged
-- and erased_at set. consents maps a purpose to {"given": bool, "at": time} as last recorded;
-- a purpose not in it is as agreed at enrolment.
ALTER TABLE mentees ADD COLUMN erased_at TEXT;
ALTER TABLE mentees ADD COLUMN consents TEXT NOT NULL DEFAULT '{}';
ALTER TABLE mentors ADD COLUMN erased_at TEXT;
ALTER TABLE mentors ADD COLUMN consents TEXT NOT NULL DEFAULT '{}';

-- People who withdrew consent to cross-network sharing: other PINs' views of shared
-- activities leave them out. Readable by every PIN's queries (not row-level secured): it
-- holds ids only, and only to filter with.
CREATE TABLE sharing_withdrawn (
    person_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    seq BIGINT NOT NULL
);
