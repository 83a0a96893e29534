-- The link between an instance and its provider-side twin, its login state, and
-- what the workers (provisioner, poller, reconnector) schedule. Secrets are
-- encrypted (v1: XChaCha20-Poly1305) except the webhook secret's SHA-256, which
-- routes incoming webhooks.

ALTER TABLE whatsapp_instance ADD COLUMN "provisionState" TEXT NOT NULL DEFAULT 'pending'
    CHECK ("provisionState" IN ('pending', 'ready'));
ALTER TABLE whatsapp_instance ADD COLUMN "provisionError" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "provisionAttempts" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_instance ADD COLUMN "nextProvisionAt" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_instance ADD COLUMN "providerId" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "providerToken" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "webhookSecret" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "webhookSecretHash" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "profileName" TEXT;
-- 1 after a logout (by the user or from the phone): never reconnected automatically.
ALTER TABLE whatsapp_instance ADD COLUMN "loggedOut" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_instance ADD COLUMN "reconnectAttempts" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE whatsapp_instance ADD COLUMN "nextReconnectAt" BIGINT;
ALTER TABLE whatsapp_instance ADD COLUMN "nextPollAt" BIGINT NOT NULL DEFAULT 0;
-- While connecting: 'qr' or 'code', the QR data URI or pairing code, and its expiry.
ALTER TABLE whatsapp_instance ADD COLUMN "loginMethod" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "loginCode" TEXT;
ALTER TABLE whatsapp_instance ADD COLUMN "loginExpiresAt" BIGINT;

CREATE UNIQUE INDEX whatsapp_instance_webhook_secret ON whatsapp_instance ("webhookSecretHash");
CREATE INDEX whatsapp_instance_provision_due ON whatsapp_instance ("provisionState", "nextProvisionAt");
CREATE INDEX whatsapp_instance_poll_due ON whatsapp_instance ("nextPollAt");
CREATE INDEX whatsapp_instance_reconnect_due ON whatsapp_instance ("nextReconnectAt");

CREATE TABLE instance_status_history (
    id TEXT PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "fromStatus" TEXT NOT NULL,
    "toStatus" TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- What reported it: user, webhook, poll, reconcile, reconnect.
    source TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE INDEX instance_status_history_instance ON instance_status_history ("instanceId", at);

-- Provider-side deletions still owed (the provider was down when the user deleted).
CREATE TABLE provider_deletion (
    id TEXT PRIMARY KEY,
    "providerToken" TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    "nextAttemptAt" BIGINT NOT NULL,
    "lastError" TEXT,
    "createdAt" BIGINT NOT NULL
);
