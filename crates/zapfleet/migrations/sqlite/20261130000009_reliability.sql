-- An instance the provider no longer knows (its token answers 401/404, and
-- the admin list lacks it: the provider was restarted without its data, or
-- someone deleted it there) is marked, not shown "connected" forever: polls
-- back off, sends fail with a reason, and the user can re-create it at the
-- provider. NULL while the provider knows it.
ALTER TABLE whatsapp_instance ADD COLUMN "providerLostAt" INTEGER;

-- The audit log learns re-creating an instance at the provider, deleting an
-- account, and what users change on their account page (password, other
-- sessions, time zone). SQLite cannot change a CHECK in place: the table is rebuilt (with
-- its trigger and indexes), keeping its ids and its AUTOINCREMENT counter.
DROP TRIGGER audit_event_append_only;
DROP INDEX audit_event_user;
DROP INDEX audit_event_action;
DROP INDEX audit_event_at;
ALTER TABLE audit_event RENAME TO audit_event_v5;

CREATE TABLE audit_event (
    id INTEGER NOT NULL CONSTRAINT audit_event_pkey PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    "userId" TEXT,
    -- The actor's e-mail at the time, or the one typed for a failed sign-in.
    "actorEmail" TEXT,
    action TEXT NOT NULL
        CONSTRAINT audit_event_action_check CHECK (action IN ('sign_in', 'sign_in_failed', 'sign_up', 'instance_created', 'instance_connected', 'instance_disconnected', 'instance_deleted', 'settings_changed', 'token_created', 'token_revoked', 'user_disabled', 'user_enabled', 'backup', 'restore', 'password_changed', 'sessions_ended', 'time_zone_changed', 'instance_reprovisioned', 'user_deleted')),
    "targetId" TEXT,
    "targetName" TEXT,
    ip TEXT,
    "userAgent" TEXT,
    -- A few facts about the action (JSON), never a secret.
    detail TEXT NOT NULL
);

INSERT INTO audit_event (id, at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail)
SELECT id, at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail
FROM audit_event_v5;
-- Ids are never reused, even those of lines purged before this rebuild.
DELETE FROM sqlite_sequence WHERE name = 'audit_event';
INSERT INTO sqlite_sequence (name, seq) SELECT 'audit_event', seq FROM sqlite_sequence WHERE name = 'audit_event_v5';
DROP TABLE audit_event_v5;

CREATE INDEX audit_event_user ON audit_event ("userId", id);
CREATE INDEX audit_event_action ON audit_event (action, id);
CREATE INDEX audit_event_at ON audit_event (at);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;

-- Receipt reconciliation: when a sent or delivered message was last checked
-- with the provider's /message/find (receipts whose webhooks were lost, or
-- came while we were down). NULL: never.
ALTER TABLE message ADD COLUMN "receiptCheckedAt" INTEGER;
CREATE INDEX message_receipt_check ON message ("sentAt") WHERE status IN ('sent', 'delivered');
