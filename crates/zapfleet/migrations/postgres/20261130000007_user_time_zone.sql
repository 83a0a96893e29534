-- Each user's time zone: their daily statistics are cut at their own midnight
-- and their pages show their clock. Existing accounts get São Paulo's.
ALTER TABLE "user" ADD COLUMN "timeZone" text NOT NULL DEFAULT 'America/Sao_Paulo'
    CONSTRAINT user_time_zone_check CHECK (length("timeZone") BETWEEN 1 AND 64);

-- New audit actions: a user changing their password, ending their other
-- sessions or their time zone; an administrator deleting an account.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN ('sign_in', 'sign_in_failed', 'sign_up', 'instance_created', 'instance_connected', 'instance_disconnected', 'instance_deleted', 'settings_changed', 'token_created', 'token_revoked', 'user_disabled', 'user_enabled', 'backup', 'restore', 'password_changed', 'sessions_ended', 'time_zone_changed', 'user_deleted'));
