-- What happened in each PIN, as projected: no personal data, only the event's type, the
-- record it changed and when. Streamed to the PIN's live subscriptions.
CREATE TABLE activity_feed (
    tenant_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, position)
);
