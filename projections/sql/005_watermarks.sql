-- Per projector process: the store position up to which every event is applied (all
-- partitions considered). The lowest fresh watermark answers read-your-writes queries.
CREATE TABLE projection_watermarks (
    projection TEXT NOT NULL,
    member TEXT NOT NULL,
    watermark BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (projection, member)
);
