-- An instance the provider no longer knows (its token answers 401/404, and
-- the admin list lacks it: the provider was restarted without its data, or
-- someone deleted it there) is marked, not shown "connected" forever: polls
-- back off, sends fail with a reason, and the user can re-create it at the
-- provider. NULL while the provider knows it.
ALTER TABLE whatsapp_instance ADD COLUMN "providerLostAt" timestamptz;

-- The audit log learns re-creating an instance at the provider, deleting an
-- account, and what users change on their account page.
ALTER TABLE audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN ('sign_in', 'sign_in_failed', 'sign_up', 'instance_created', 'instance_connected', 'instance_disconnected', 'instance_deleted', 'settings_changed', 'token_created', 'token_revoked', 'user_disabled', 'user_enabled', 'backup', 'restore', 'password_changed', 'sessions_ended', 'time_zone_changed', 'instance_reprovisioned', 'user_deleted'));

-- Receipt reconciliation: when a sent or delivered message was last checked
-- with the provider's /message/find (receipts whose webhooks were lost, or
-- came while we were down). NULL: never.
ALTER TABLE message ADD COLUMN "receiptCheckedAt" timestamptz;
CREATE INDEX message_receipt_check ON message ("sentAt") WHERE status IN ('sent', 'delivered');
