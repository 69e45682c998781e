-- Migration number: 0001
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY);
