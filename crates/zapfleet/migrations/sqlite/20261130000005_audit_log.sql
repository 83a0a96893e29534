-- The audit log: who did what, when and from where. Append-only: lines are
-- never changed (a trigger refuses UPDATE); only the retention purge deletes
-- them. No foreign key to "user": a line outlives the account it names.
-- AUTOINCREMENT: ids are never reused, even after the newest lines are purged.
CREATE TABLE audit_event (
    id INTEGER NOT NULL CONSTRAINT audit_event_pkey PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    "userId" TEXT,
    -- The actor's e-mail at the time, or the one typed for a failed sign-in.
    "actorEmail" TEXT,
    action TEXT NOT NULL
        CONSTRAINT audit_event_action_check CHECK (action IN ('sign_in', 'sign_in_failed', 'sign_up', 'instance_created', 'instance_connected', 'instance_disconnected', 'instance_deleted', 'settings_changed', 'token_created', 'token_revoked', 'user_disabled', 'user_enabled', 'backup', 'restore')),
    "targetId" TEXT,
    "targetName" TEXT,
    ip TEXT,
    "userAgent" TEXT,
    -- A few facts about the action (JSON), never a secret.
    detail TEXT NOT NULL
);

-- A user's own lines, newest first (optionally one action), and everyone's by action.
CREATE INDEX audit_event_user ON audit_event ("userId", id);
CREATE INDEX audit_event_action ON audit_event (action, id);
-- The retention purge.
CREATE INDEX audit_event_at ON audit_event (at);

CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
