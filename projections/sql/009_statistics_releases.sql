-- Releases of the public programme statistics: computed from network_stats at one moment,
-- every breakdown protected together (projections/disclosure_control.py), then served as they
-- are until the next release. Public data: counts only, NULL where suppressed. Kept across a
-- rebuild of the read models (a release is history, not a projection of events).
CREATE TABLE statistics_releases (
    id BIGINT PRIMARY KEY,
    released_at TEXT NOT NULL,
    position BIGINT NOT NULL,
    threshold INTEGER NOT NULL,
    method TEXT NOT NULL,
    checkpoint_tree_size BIGINT,
    checkpoint_root TEXT
);

CREATE TABLE statistics_release_values (
    release_id BIGINT NOT NULL REFERENCES statistics_releases (id),
    dimension TEXT NOT NULL,
    cell TEXT NOT NULL,
    label TEXT NOT NULL,
    metric TEXT NOT NULL,
    value BIGINT,
    PRIMARY KEY (release_id, dimension, cell, metric)
);
