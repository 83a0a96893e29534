-- Each user's time zone: their daily statistics are cut at their own midnight
-- and their pages show their clock. Existing accounts get São Paulo's.
ALTER TABLE "user" ADD COLUMN "timeZone" TEXT NOT NULL DEFAULT 'America/Sao_Paulo'
    CONSTRAINT user_time_zone_check CHECK (length("timeZone") BETWEEN 1 AND 64);

-- New audit actions: a user changing their password, ending their other
-- sessions or their time zone; an administrator deleting an account. SQLite
-- cannot change a CHECK in place: the table is copied into one with the new
-- list (ids kept, and the AUTOINCREMENT high-water mark with them).
CREATE TABLE audit_event_new (
    id INTEGER NOT NULL CONSTRAINT audit_event_pkey PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    "userId" TEXT,
    -- The actor's e-mail at the time, or the one typed for a failed sign-in.
    "actorEmail" TEXT,
    action TEXT NOT NULL
        CONSTRAINT audit_event_action_check CHECK (action IN ('sign_in', 'sign_in_failed', 'sign_up', 'instance_created', 'instance_connected', 'instance_disconnected', 'instance_deleted', 'settings_changed', 'token_created', 'token_revoked', 'user_disabled', 'user_enabled', 'backup', 'restore', 'password_changed', 'sessions_ended', 'time_zone_changed', 'user_deleted')),
    "targetId" TEXT,
    "targetName" TEXT,
    ip TEXT,
    "userAgent" TEXT,
    -- A few facts about the action (JSON), never a secret.
    detail TEXT NOT NULL
);
INSERT INTO audit_event_new (id, at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail)
    SELECT id, at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail FROM audit_event;
DELETE FROM sqlite_sequence WHERE name = 'audit_event_new';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'audit_event_new', seq FROM sqlite_sequence WHERE name = 'audit_event';
DROP TABLE audit_event;
ALTER TABLE audit_event_new RENAME TO audit_event;

CREATE INDEX audit_event_user ON audit_event ("userId", id);
CREATE INDEX audit_event_action ON audit_event (action, id);
CREATE INDEX audit_event_at ON audit_event (at);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
