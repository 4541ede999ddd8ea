-- Follow-ups (issue 12): each mentee's 3-, 6- and 12-month follow-up after each of their
-- rounds, scheduled when they join the round (due_on from the round's end) and recorded once:
-- recorded_on set, with the outcome recorded at it (outcome_id) or none ("no change").
-- Read models made before this migration hold no follow-ups of rounds joined earlier:
-- `mentoring rebuild` fills them from the event store.
CREATE TABLE follow_ups (
    tenant_id TEXT NOT NULL,
    mentee_id TEXT NOT NULL,
    cohort_id TEXT NOT NULL,
    months INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    recorded_on TEXT,
    outcome_id TEXT,
    seq BIGINT NOT NULL,
    PRIMARY KEY (mentee_id, cohort_id, months)
);
CREATE INDEX follow_ups_due ON follow_ups (tenant_id, due_on);
