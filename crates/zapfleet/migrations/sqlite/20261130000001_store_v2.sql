-- Store v2 on SQLite: the same tables, columns, constraints and indexes as on
-- PostgreSQL (a test compares the two catalogs), in SQLite's own types: times
-- are INTEGER Unix milliseconds, flags BOOLEAN (0/1), JSON and days TEXT. Every
-- state column gets a CHECK; the scheduling columns that change on every poll
-- move out of the wide instance row into instance_schedule; uploaded media moves
-- out of the message row into message_media.
--
-- Each table is rebuilt (SQLite cannot add constraints in place): the old ones
-- are renamed to *_v1, the new ones created, the rows copied, the old tables
-- dropped, all in the migration's one transaction. Webhook signing secrets are
-- marked `plain:` here and sealed by the upgrade step that runs right after the
-- migrations (services::upgrade), in the same command.

DROP INDEX whatsapp_instance_user_name;
DROP INDEX whatsapp_instance_user_created;
DROP INDEX whatsapp_instance_user_updated;
DROP INDEX whatsapp_instance_user_status;
DROP INDEX api_token_user;
DROP INDEX whatsapp_instance_webhook_secret;
DROP INDEX whatsapp_instance_provision_due;
DROP INDEX whatsapp_instance_poll_due;
DROP INDEX whatsapp_instance_reconnect_due;
DROP INDEX instance_status_history_instance;
DROP INDEX web_session_user;
DROP INDEX message_idempotency;
DROP INDEX message_provider_id;
DROP INDEX message_outbox;
DROP INDEX message_list;
DROP INDEX webhook_delivery_due;
DROP INDEX webhook_delivery_user;
DROP INDEX instance_config_history_instance;

ALTER TABLE "user" RENAME TO user_v1;
ALTER TABLE whatsapp_instance RENAME TO whatsapp_instance_v1;
ALTER TABLE api_token RENAME TO api_token_v1;
ALTER TABLE instance_status_history RENAME TO instance_status_history_v1;
ALTER TABLE provider_deletion RENAME TO provider_deletion_v1;
ALTER TABLE web_session RENAME TO web_session_v1;
ALTER TABLE app_setting RENAME TO app_setting_v1;
ALTER TABLE message RENAME TO message_v1;
ALTER TABLE instance_daily_stats RENAME TO instance_daily_stats_v1;
ALTER TABLE message_receipt_pending RENAME TO message_receipt_pending_v1;
ALTER TABLE user_webhook RENAME TO user_webhook_v1;
ALTER TABLE webhook_delivery RENAME TO webhook_delivery_v1;
ALTER TABLE instance_config_history RENAME TO instance_config_history_v1;

CREATE TABLE "user" (
    id TEXT NOT NULL CONSTRAINT user_pkey PRIMARY KEY,
    email TEXT NOT NULL CONSTRAINT user_email_key UNIQUE,
    "passwordHash" TEXT NOT NULL,
    "isAdmin" BOOLEAN NOT NULL DEFAULT 0,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    locale TEXT NOT NULL DEFAULT 'pt-BR' CONSTRAINT user_locale_check CHECK (locale IN ('pt-BR', 'en')),
    "createdAt" INTEGER NOT NULL,
    "updatedAt" INTEGER NOT NULL
);

CREATE TABLE whatsapp_instance (
    id TEXT NOT NULL CONSTRAINT whatsapp_instance_pkey PRIMARY KEY,
    name TEXT NOT NULL,
    -- Case-folded name (computed in Rust, see InstanceName::key): uniqueness and search.
    "nameKey" TEXT NOT NULL,
    phone TEXT,
    status TEXT NOT NULL DEFAULT 'disconnected'
        CONSTRAINT whatsapp_instance_status_check CHECK (status IN ('disconnected', 'connecting', 'connected')),
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceKey" TEXT NOT NULL CONSTRAINT whatsapp_instance_instanceKey_key UNIQUE,
    "createdAt" INTEGER NOT NULL,
    "updatedAt" INTEGER NOT NULL,
    "lastConnection" INTEGER,
    -- The settings document (domain::InstanceSettings); webhook secrets sealed.
    config TEXT NOT NULL DEFAULT '{}',
    "provisionState" TEXT NOT NULL DEFAULT 'pending'
        CONSTRAINT whatsapp_instance_provisionState_check CHECK ("provisionState" IN ('pending', 'ready')),
    "provisionError" TEXT,
    "providerId" TEXT,
    -- Sealed (XChaCha20-Poly1305, see crypto.rs).
    "providerToken" TEXT,
    "webhookSecret" TEXT,
    -- SHA-256 of the webhook secret, hex: how incoming webhooks find the instance.
    "webhookSecretHash" TEXT,
    "profileName" TEXT,
    -- After a logout (by the user or from the phone): never reconnected automatically.
    "loggedOut" BOOLEAN NOT NULL DEFAULT 0,
    -- While connecting: the QR data URI or pairing code, and when it expires.
    "loginMethod" TEXT CONSTRAINT whatsapp_instance_loginMethod_check CHECK ("loginMethod" IN ('qr', 'code')),
    "loginCode" TEXT,
    "loginExpiresAt" INTEGER
);

-- What the workers schedule, apart from the instance row (see the PostgreSQL
-- migration for why). NULL means "nothing due".
CREATE TABLE instance_schedule (
    "instanceId" TEXT NOT NULL CONSTRAINT instance_schedule_pkey PRIMARY KEY
        REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "provisionAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextProvisionAt" INTEGER,
    "nextPollAt" INTEGER,
    "reconnectAttempts" INTEGER NOT NULL DEFAULT 0,
    "nextReconnectAt" INTEGER,
    "nextSendAt" INTEGER
);

CREATE TABLE api_token (
    id TEXT NOT NULL CONSTRAINT api_token_pkey PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    -- SHA-256 of the secret, hex: the secret itself is shown once and never stored.
    "tokenHash" TEXT NOT NULL CONSTRAINT api_token_tokenHash_key UNIQUE,
    prefix TEXT NOT NULL,
    "createdAt" INTEGER NOT NULL,
    "lastUsedAt" INTEGER,
    "revokedAt" INTEGER
);

CREATE TABLE instance_status_history (
    id TEXT NOT NULL CONSTRAINT instance_status_history_pkey PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "fromStatus" TEXT NOT NULL
        CONSTRAINT instance_status_history_fromStatus_check CHECK ("fromStatus" IN ('disconnected', 'connecting', 'connected')),
    "toStatus" TEXT NOT NULL
        CONSTRAINT instance_status_history_toStatus_check CHECK ("toStatus" IN ('disconnected', 'connecting', 'connected')),
    reason TEXT NOT NULL,
    source TEXT NOT NULL
        CONSTRAINT instance_status_history_source_check CHECK (source IN ('user', 'webhook', 'poll', 'reconcile', 'reconnect')),
    at INTEGER NOT NULL,
    -- The order changes were recorded in, within the instance: MAX + 1 on insert.
    seq INTEGER NOT NULL
);

CREATE TABLE provider_deletion (
    id TEXT NOT NULL CONSTRAINT provider_deletion_pkey PRIMARY KEY,
    "providerToken" TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" INTEGER NOT NULL,
    "lastError" TEXT,
    "createdAt" INTEGER NOT NULL
);

CREATE TABLE web_session (
    id TEXT NOT NULL CONSTRAINT web_session_pkey PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "createdAt" INTEGER NOT NULL,
    "expiresAt" INTEGER NOT NULL
);

CREATE TABLE app_setting (
    key TEXT NOT NULL CONSTRAINT app_setting_pkey PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE message (
    id TEXT NOT NULL CONSTRAINT message_pkey PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    direction TEXT NOT NULL CONSTRAINT message_direction_check CHECK (direction IN ('out', 'in')),
    peer TEXT NOT NULL,
    kind TEXT NOT NULL CONSTRAINT message_kind_check CHECK (kind IN ('text', 'image', 'video', 'document', 'audio')),
    body TEXT,
    "mediaUrl" TEXT,
    "fileName" TEXT,
    status TEXT NOT NULL CONSTRAINT message_status_check
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')),
    "providerMessageId" TEXT,
    "idempotencyKey" TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" INTEGER NOT NULL,
    "expiresAt" INTEGER,
    error TEXT,
    -- Send order within the instance: MAX + 1 on insert (SQLite writes one at a time).
    seq INTEGER NOT NULL,
    "createdAt" INTEGER NOT NULL,
    "updatedAt" INTEGER NOT NULL,
    "sentAt" INTEGER,
    "deliveredAt" INTEGER,
    "readAt" INTEGER
);

CREATE TABLE message_media (
    "messageId" TEXT NOT NULL CONSTRAINT message_media_pkey PRIMARY KEY REFERENCES message (id) ON DELETE CASCADE,
    -- Decoded size (before the data, so reading it skips the file).
    bytes INTEGER NOT NULL,
    data TEXT NOT NULL
);

CREATE TABLE instance_daily_stats (
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    -- UTC day, YYYY-MM-DD.
    day TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    "read" INTEGER NOT NULL DEFAULT 0,
    disconnections INTEGER NOT NULL DEFAULT 0,
    "connectedMs" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT instance_daily_stats_pkey PRIMARY KEY ("instanceId", day)
);

CREATE TABLE message_receipt_pending (
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "providerMessageId" TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT message_receipt_pending_status_check CHECK (status IN ('delivered', 'read')),
    at INTEGER NOT NULL,
    CONSTRAINT message_receipt_pending_pkey PRIMARY KEY ("instanceId", "providerMessageId", status)
);

CREATE TABLE user_webhook (
    "userId" TEXT NOT NULL CONSTRAINT user_webhook_pkey PRIMARY KEY REFERENCES "user" (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    events TEXT NOT NULL DEFAULT '[]',
    secret TEXT NOT NULL,
    "updatedAt" INTEGER NOT NULL
);

CREATE TABLE webhook_delivery (
    id TEXT NOT NULL CONSTRAINT webhook_delivery_pkey PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceId" TEXT,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    event TEXT NOT NULL CONSTRAINT webhook_delivery_event_check CHECK (event IN (
        'instance.created', 'instance.deleted', 'instance.updated', 'instance.status', 'instance.qrcode',
        'instance.paircode', 'instance.provisioning', 'message.status', 'message.receipt', 'message.received')),
    body TEXT NOT NULL,
    status TEXT NOT NULL CONSTRAINT webhook_delivery_status_check CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" INTEGER NOT NULL,
    "lastError" TEXT,
    "createdAt" INTEGER NOT NULL,
    "deliveredAt" INTEGER
);

CREATE TABLE instance_config_history (
    id TEXT NOT NULL CONSTRAINT instance_config_history_pkey PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    config TEXT NOT NULL,
    "changedAt" INTEGER NOT NULL
);

INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt")
SELECT id, email, "passwordHash", "isAdmin" <> 0, disabled <> 0, locale, "createdAt", "updatedAt"
FROM user_v1;

INSERT INTO whatsapp_instance (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt",
    "lastConnection", config, "provisionState", "provisionError", "providerId", "providerToken", "webhookSecret",
    "webhookSecretHash", "profileName", "loggedOut", "loginMethod", "loginCode", "loginExpiresAt")
SELECT id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt", "lastConnection",
    CASE WHEN json_extract(config, '$.forwardWebhook.secret') IS NOT NULL
        THEN json_set(json_remove(config, '$.forwardWebhook.secret'), '$.forwardWebhook.secretSealed',
                      'plain:' || json_extract(config, '$.forwardWebhook.secret'))
        ELSE json(config) END,
    "provisionState", "provisionError", "providerId", "providerToken", "webhookSecret",
    "webhookSecretHash", "profileName", "loggedOut" <> 0, "loginMethod", "loginCode", "loginExpiresAt"
FROM whatsapp_instance_v1;

INSERT INTO instance_schedule ("instanceId", "provisionAttempts", "nextProvisionAt", "nextPollAt",
    "reconnectAttempts", "nextReconnectAt", "nextSendAt")
SELECT id, "provisionAttempts",
    CASE WHEN "provisionState" = 'pending' THEN "nextProvisionAt" END,
    CASE WHEN "provisionState" = 'ready' THEN "nextPollAt" END,
    "reconnectAttempts", "nextReconnectAt",
    CASE WHEN "nextSendAt" > 0 THEN "nextSendAt" END
FROM whatsapp_instance_v1;

INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt")
SELECT id, "userId", name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt"
FROM api_token_v1;

INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at, seq)
SELECT id, "instanceId", "fromStatus", "toStatus", reason, source, at,
    ROW_NUMBER() OVER (PARTITION BY "instanceId" ORDER BY at, id)
FROM instance_status_history_v1;

INSERT INTO provider_deletion (id, "providerToken", attempts, "nextAttemptAt", "lastError", "createdAt")
SELECT id, "providerToken", attempts, "nextAttemptAt", "lastError", "createdAt"
FROM provider_deletion_v1;

INSERT INTO web_session (id, "userId", "createdAt", "expiresAt")
SELECT id, "userId", "createdAt", "expiresAt"
FROM web_session_v1;

INSERT INTO app_setting (key, value) SELECT key, value FROM app_setting_v1;
-- The first account administers the server; this marker makes "first" atomic.
INSERT INTO app_setting (key, value)
SELECT 'first_user', id FROM "user" ORDER BY "createdAt", id LIMIT 1
ON CONFLICT (key) DO NOTHING;

INSERT INTO message (id, "instanceId", direction, peer, kind, body, "mediaUrl", "fileName", status,
    "providerMessageId", "idempotencyKey", attempts, "nextAttemptAt", "expiresAt", error, seq,
    "createdAt", "updatedAt", "sentAt", "deliveredAt", "readAt")
SELECT id, "instanceId", direction, peer, kind, body,
    CASE WHEN "mediaUrl" LIKE 'http://%' OR "mediaUrl" LIKE 'https://%' THEN "mediaUrl" END,
    "fileName", status, "providerMessageId", "idempotencyKey", attempts, "nextAttemptAt",
    "expiresAt", error, seq, "createdAt", "updatedAt", "sentAt", "deliveredAt", "readAt"
FROM message_v1;

INSERT INTO message_media ("messageId", bytes, data)
SELECT id,
    length("mediaUrl") / 4 * 3 - CASE WHEN "mediaUrl" LIKE '%==' THEN 2 WHEN "mediaUrl" LIKE '%=' THEN 1 ELSE 0 END,
    "mediaUrl"
FROM message_v1
WHERE "mediaUrl" IS NOT NULL AND "mediaUrl" NOT LIKE 'http://%' AND "mediaUrl" NOT LIKE 'https://%';

INSERT INTO instance_daily_stats ("instanceId", day, sent, received, failed, delivered, "read", disconnections, "connectedMs")
SELECT "instanceId", day, sent, received, failed, delivered, "read", disconnections, "connectedMs"
FROM instance_daily_stats_v1;

INSERT INTO message_receipt_pending ("instanceId", "providerMessageId", status, at)
SELECT "instanceId", "providerMessageId", status, at
FROM message_receipt_pending_v1;

INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt")
SELECT "userId", url, events, 'plain:' || secret, "updatedAt"
FROM user_webhook_v1;

INSERT INTO webhook_delivery (id, "userId", "instanceId", url, secret, event, body, status, attempts,
    "nextAttemptAt", "lastError", "createdAt", "deliveredAt")
SELECT id, "userId", "instanceId", url, secret, event, body, status, attempts,
    "nextAttemptAt", "lastError", "createdAt", "deliveredAt"
FROM webhook_delivery_v1;

INSERT INTO instance_config_history (id, "instanceId", config, "changedAt")
SELECT id, "instanceId", json_remove(config, '$.forwardWebhook.secret'), "changedAt"
FROM instance_config_history_v1;

DROP TABLE instance_config_history_v1;
DROP TABLE webhook_delivery_v1;
DROP TABLE user_webhook_v1;
DROP TABLE message_receipt_pending_v1;
DROP TABLE instance_daily_stats_v1;
DROP TABLE message_v1;
DROP TABLE app_setting_v1;
DROP TABLE web_session_v1;
DROP TABLE provider_deletion_v1;
DROP TABLE instance_status_history_v1;
DROP TABLE api_token_v1;
DROP TABLE whatsapp_instance_v1;
DROP TABLE user_v1;

CREATE UNIQUE INDEX whatsapp_instance_user_name ON whatsapp_instance ("userId", "nameKey");
CREATE UNIQUE INDEX whatsapp_instance_webhook_secret ON whatsapp_instance ("webhookSecretHash");
CREATE INDEX whatsapp_instance_user_created ON whatsapp_instance ("userId", "createdAt", id);
CREATE INDEX whatsapp_instance_user_updated ON whatsapp_instance ("userId", "updatedAt", id);
CREATE INDEX whatsapp_instance_user_status ON whatsapp_instance ("userId", status, id);

CREATE INDEX instance_schedule_provision_due ON instance_schedule ("nextProvisionAt") WHERE "nextProvisionAt" IS NOT NULL;
CREATE INDEX instance_schedule_poll_due ON instance_schedule ("nextPollAt") WHERE "nextPollAt" IS NOT NULL;
CREATE INDEX instance_schedule_reconnect_due ON instance_schedule ("nextReconnectAt") WHERE "nextReconnectAt" IS NOT NULL;

CREATE INDEX api_token_user ON api_token ("userId");
CREATE INDEX instance_status_history_instance ON instance_status_history ("instanceId", seq);
CREATE INDEX instance_status_history_at ON instance_status_history (at);
CREATE INDEX provider_deletion_due ON provider_deletion ("nextAttemptAt");
CREATE INDEX web_session_user ON web_session ("userId");
CREATE INDEX web_session_expires ON web_session ("expiresAt");

CREATE UNIQUE INDEX message_idempotency ON message ("instanceId", "idempotencyKey") WHERE "idempotencyKey" IS NOT NULL;
CREATE UNIQUE INDEX message_provider_id ON message ("instanceId", "providerMessageId");
CREATE INDEX message_list ON message ("instanceId", seq);
CREATE INDEX message_created ON message ("createdAt");
CREATE INDEX message_queued ON message ("instanceId", seq) WHERE status = 'queued';
CREATE INDEX message_queued_expiry ON message ("expiresAt") WHERE status = 'queued';
CREATE INDEX message_sending ON message ("nextAttemptAt") WHERE status = 'sending';

CREATE INDEX webhook_delivery_due ON webhook_delivery ("nextAttemptAt") WHERE status = 'pending';
CREATE INDEX webhook_delivery_user ON webhook_delivery ("userId", "createdAt");
CREATE INDEX webhook_delivery_finished ON webhook_delivery ("createdAt") WHERE status <> 'pending';
CREATE INDEX instance_config_history_instance ON instance_config_history ("instanceId", "changedAt");
