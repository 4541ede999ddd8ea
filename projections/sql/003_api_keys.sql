-- API keys of each PIN: only the hash of a key's secret. Read before the caller's PIN is
-- known (to authenticate), so this table is not under row-level security; it holds no
-- personal data, and queries listing keys filter by tenant.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    expires_at TEXT,
    revoked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    seq BIGINT NOT NULL
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, seq);
