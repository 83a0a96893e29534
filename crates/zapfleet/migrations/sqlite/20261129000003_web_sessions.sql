-- Browser sessions. The cookie holds a random secret; only its SHA-256 is stored.
CREATE TABLE web_session (
    id TEXT PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "createdAt" BIGINT NOT NULL,
    "expiresAt" BIGINT NOT NULL
);

CREATE INDEX web_session_user ON web_session ("userId");

-- Server-wide switches an admin can flip (e.g. signups_open = 'false').
CREATE TABLE app_setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
