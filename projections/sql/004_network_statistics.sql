-- Programme statistics across PINs, kept by the tenant-views projection from events of one
-- aggregate each (so they are right whatever order Kafka delivers aggregates in). No
-- personal data: counts per PIN, cohort (or '' when none) and profession (or '').
CREATE TABLE network_stats (
    tenant_id TEXT NOT NULL,
    cohort_id TEXT NOT NULL,
    profession TEXT NOT NULL,
    metric TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, cohort_id, profession, metric)
);

-- Names of cohorts for the statistics (cohorts themselves are each PIN's own).
CREATE TABLE network_cohorts (
    cohort_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL
);
