-- Migration number: 0002
-- Deleted tenant ids. Written before a tenant's data is purged and never removed: the id is
-- retired, so webhooks and beacons still addressed to it answer 410 and a new tenant cannot
-- inherit what a platform keeps sending to the old one. Holds the id and the time only.
CREATE TABLE IF NOT EXISTS tenant_tombstones (
  id         TEXT PRIMARY KEY,
  deleted_at TEXT NOT NULL
);
