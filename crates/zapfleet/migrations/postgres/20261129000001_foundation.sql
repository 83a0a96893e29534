-- One schema for SQLite and PostgreSQL: only types both understand through sqlx's
-- Any driver (TEXT, BIGINT), so times are Unix milliseconds, flags are 0/1 and JSON
-- is TEXT. Mixed-case column names are
-- quoted because PostgreSQL would fold them otherwise, and "user" is reserved there.

CREATE TABLE "user" (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    "passwordHash" TEXT NOT NULL,
    "isAdmin" BIGINT NOT NULL DEFAULT 0 CHECK ("isAdmin" IN (0, 1)),
    disabled BIGINT NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    locale TEXT NOT NULL DEFAULT 'pt-BR',
    "createdAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL
);

CREATE TABLE whatsapp_instance (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- Case-folded name (computed in Rust, see InstanceName::key): uniqueness and search.
    "nameKey" TEXT NOT NULL,
    phone TEXT,
    status TEXT NOT NULL DEFAULT 'disconnected'
        CHECK (status IN ('disconnected', 'connecting', 'connected')),
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceKey" TEXT NOT NULL UNIQUE,
    "createdAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL,
    "lastConnection" BIGINT,
    config TEXT NOT NULL DEFAULT '{}'
);

CREATE UNIQUE INDEX whatsapp_instance_user_name ON whatsapp_instance ("userId", "nameKey");
CREATE INDEX whatsapp_instance_user_created ON whatsapp_instance ("userId", "createdAt", id);
CREATE INDEX whatsapp_instance_user_updated ON whatsapp_instance ("userId", "updatedAt", id);
CREATE INDEX whatsapp_instance_user_status ON whatsapp_instance ("userId", status, id);

CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- SHA-256 of the secret, hex: the secret itself is shown once and never stored.
    "tokenHash" TEXT NOT NULL UNIQUE,
    -- The first characters of the secret, so a person can tell tokens apart.
    prefix TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL,
    "lastUsedAt" BIGINT,
    "revokedAt" BIGINT
);

CREATE INDEX api_token_user ON api_token ("userId");
