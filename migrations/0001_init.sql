-- Migration number: 0001
-- D1 holds no event data and no personal data: the tenant registry, the admin audit log (kept
-- after a tenant is purged) and personal-data-free hourly aggregates. Tenant config itself is in KV.

-- One row per tenant, for listing and for the optimistic-concurrency check of admin writes.
CREATE TABLE IF NOT EXISTS tenants (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  region     TEXT NOT NULL CHECK (region IN ('eu', 'us', 'global')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Every admin mutation. `detail` is JSON naming the changed fields; never a secret value.
CREATE TABLE IF NOT EXISTS audit_log (
  id        TEXT PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  action    TEXT NOT NULL,
  target_id TEXT NOT NULL,
  detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS audit_log_tenant_at ON audit_log (tenant_id, at);

-- Counts per tenant, UTC hour, metric and destination ('' = not per destination). No identifiers.
CREATE TABLE IF NOT EXISTS hourly_stats (
  tenant_id      TEXT NOT NULL,
  hour           TEXT NOT NULL,
  metric         TEXT NOT NULL,
  destination_id TEXT NOT NULL DEFAULT '',
  count          INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, hour, metric, destination_id)
);
