-- Read models of each PIN's own view. Every row carries tenant_id; `seq` is the store
-- position of the event that created the row, which gives a stable order for paging.
-- A row is only changed by events of its own aggregate, which arrive in order on every bus
-- (Kafka keeps order per aggregate, not across aggregates); counts across aggregates are
-- computed when queried.

-- Per projection and bus partition: the store position of the last event applied. The
-- row with part = -1 is a floor for every partition (set by a rebuild).
CREATE TABLE projection_tracking (
    projection TEXT NOT NULL,
    part INTEGER NOT NULL,
    position BIGINT NOT NULL,
    occurred_at TEXT,
    PRIMARY KEY (projection, part)
);

-- Events a projection skipped (MENTORING_PROJECTION_ON_POISON=dead-letter).
CREATE TABLE dead_letters (
    projection TEXT NOT NULL,
    position BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    error TEXT NOT NULL,
    envelope TEXT NOT NULL,
    PRIMARY KEY (projection, position)
);

CREATE TABLE pins (
    tenant_id TEXT PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    communities TEXT NOT NULL,
    professions TEXT NOT NULL,
    seq INTEGER NOT NULL
);

CREATE TABLE cohorts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    planned_sessions INTEGER NOT NULL,
    min_group_size INTEGER NOT NULL,
    max_group_size INTEGER NOT NULL,
    state TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX cohorts_tenant ON cohorts (tenant_id, seq);

CREATE TABLE mentors (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    profession TEXT NOT NULL,
    languages TEXT NOT NULL,
    cultural_background TEXT NOT NULL,
    licence_status TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX mentors_tenant ON mentors (tenant_id, seq);

CREATE TABLE mentees (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT,
    profession TEXT NOT NULL,
    origin TEXT NOT NULL,
    languages TEXT NOT NULL,
    english_level TEXT NOT NULL,
    goals TEXT,
    enrolled_on TEXT NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX mentees_tenant ON mentees (tenant_id, seq);

CREATE TABLE trainings (
    tenant_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    completed_on TEXT NOT NULL,
    PRIMARY KEY (person_id, version)
);

CREATE TABLE outcomes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    mentee_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    evidence TEXT NOT NULL,
    cohort_id TEXT,
    seq INTEGER NOT NULL
);
CREATE INDEX outcomes_mentee ON outcomes (tenant_id, mentee_id);

CREATE TABLE mentoring_groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    cohort_id TEXT NOT NULL,
    name TEXT NOT NULL,
    mentor_id TEXT NOT NULL,
    min_size INTEGER NOT NULL,
    max_size INTEGER NOT NULL,
    planned_sessions INTEGER NOT NULL,
    mentee_count INTEGER NOT NULL DEFAULT 0,
    sessions_held INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL
);
CREATE INDEX groups_tenant ON mentoring_groups (tenant_id, seq);

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    mentee_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (group_id, mentee_id)
);
CREATE INDEX group_members_mentee ON group_members (tenant_id, mentee_id);

CREATE TABLE group_sessions (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    scheduled_on TEXT NOT NULL,
    agenda TEXT NOT NULL,
    held INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_id, number)
);

CREATE TABLE attendance (
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    mentee_id TEXT NOT NULL,
    present INTEGER NOT NULL,
    PRIMARY KEY (group_id, number, mentee_id)
);

CREATE TABLE shared_activities (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    description TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    registration_count INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL
);

CREATE TABLE activity_registrations (
    activity_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    person_tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (activity_id, person_id)
);

-- What a projector process reports: a stop (poison event) and its lag behind the bus.
CREATE TABLE projection_status (
    projection TEXT PRIMARY KEY,
    error TEXT,
    lag_events BIGINT NOT NULL DEFAULT 0,
    lag_seconds DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);
