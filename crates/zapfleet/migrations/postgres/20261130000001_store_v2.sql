-- Store v2: native PostgreSQL types. Times become timestamptz, flags boolean,
-- JSON jsonb, statistics days date; every state column gets a CHECK; message
-- send order is an identity column; the scheduling columns that change on every
-- poll move out of the wide instance row into instance_schedule; uploaded media
-- moves out of the message row into message_media.
--
-- Each table is rebuilt: the old ones are renamed to *_v1 (with their indexes),
-- the new ones created in their final form, the rows copied, the old tables
-- dropped. It all runs in one transaction: an upgrade applies whole or not at all.
-- Webhook signing secrets cannot be encrypted in SQL (the key lives in the
-- process): they are marked `plain:` here and sealed by the upgrade step that
-- runs right after the migrations (services::upgrade), in the same command.

CREATE FUNCTION pg_temp.ms(value bigint) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE AS $$ SELECT 'epoch'::timestamptz + value * interval '1 millisecond' $$;

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

-- Index names are unique per schema: free them for the new tables.
DO $$
DECLARE old record;
BEGIN
    FOR old IN SELECT indexname FROM pg_indexes
               WHERE schemaname = current_schema() AND tablename LIKE '%\_v1' LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', old.indexname, old.indexname || '_v1');
    END LOOP;
END $$;

CREATE TABLE "user" (
    id text CONSTRAINT user_pkey PRIMARY KEY,
    email text NOT NULL CONSTRAINT user_email_key UNIQUE,
    "passwordHash" text NOT NULL,
    "isAdmin" boolean NOT NULL DEFAULT false,
    disabled boolean NOT NULL DEFAULT false,
    locale text NOT NULL DEFAULT 'pt-BR' CONSTRAINT user_locale_check CHECK (locale IN ('pt-BR', 'en')),
    "createdAt" timestamptz NOT NULL,
    "updatedAt" timestamptz NOT NULL
);

CREATE TABLE whatsapp_instance (
    id text CONSTRAINT whatsapp_instance_pkey PRIMARY KEY,
    name text NOT NULL,
    -- Case-folded name (computed in Rust, see InstanceName::key): uniqueness and search.
    "nameKey" text NOT NULL,
    phone text,
    status text NOT NULL DEFAULT 'disconnected'
        CONSTRAINT whatsapp_instance_status_check CHECK (status IN ('disconnected', 'connecting', 'connected')),
    "userId" text NOT NULL CONSTRAINT whatsapp_instance_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceKey" text NOT NULL CONSTRAINT whatsapp_instance_instanceKey_key UNIQUE,
    "createdAt" timestamptz NOT NULL,
    "updatedAt" timestamptz NOT NULL,
    "lastConnection" timestamptz,
    -- The settings document (domain::InstanceSettings); webhook secrets sealed.
    config jsonb NOT NULL DEFAULT '{}',
    "provisionState" text NOT NULL DEFAULT 'pending'
        CONSTRAINT whatsapp_instance_provisionState_check CHECK ("provisionState" IN ('pending', 'ready')),
    "provisionError" text,
    "providerId" text,
    -- Sealed (XChaCha20-Poly1305, see crypto.rs).
    "providerToken" text,
    "webhookSecret" text,
    -- SHA-256 of the webhook secret, hex: how incoming webhooks find the instance.
    "webhookSecretHash" text,
    "profileName" text,
    -- After a logout (by the user or from the phone): never reconnected automatically.
    "loggedOut" boolean NOT NULL DEFAULT false,
    -- While connecting: the QR data URI or pairing code, and when it expires.
    "loginMethod" text CONSTRAINT whatsapp_instance_loginMethod_check CHECK ("loginMethod" IN ('qr', 'code')),
    "loginCode" text,
    "loginExpiresAt" timestamptz
);

-- What the workers schedule, apart from the instance row: these columns change on
-- every poll and send, and updating an indexed column of the wide row would
-- rewrite all of its indexes. NULL means "nothing due".
CREATE TABLE instance_schedule (
    "instanceId" text CONSTRAINT instance_schedule_pkey PRIMARY KEY
        CONSTRAINT instance_schedule_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    -- Provisioning: attempts are counted before they are made; the next one is
    -- due at this time (also the lease of an attempt under way). NULL once provisioned.
    "provisionAttempts" bigint NOT NULL DEFAULT 0,
    "nextProvisionAt" timestamptz,
    -- The poller's next look at the provider (NULL until provisioned).
    "nextPollAt" timestamptz,
    "reconnectAttempts" bigint NOT NULL DEFAULT 0,
    "nextReconnectAt" timestamptz,
    -- Pacing: the next send may not start before this.
    "nextSendAt" timestamptz
);

CREATE TABLE api_token (
    id text CONSTRAINT api_token_pkey PRIMARY KEY,
    "userId" text NOT NULL CONSTRAINT api_token_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    name text NOT NULL,
    -- SHA-256 of the secret, hex: the secret itself is shown once and never stored.
    "tokenHash" text NOT NULL CONSTRAINT api_token_tokenHash_key UNIQUE,
    prefix text NOT NULL,
    "createdAt" timestamptz NOT NULL,
    "lastUsedAt" timestamptz,
    "revokedAt" timestamptz
);

CREATE TABLE instance_status_history (
    id text CONSTRAINT instance_status_history_pkey PRIMARY KEY,
    "instanceId" text NOT NULL
        CONSTRAINT instance_status_history_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "fromStatus" text NOT NULL
        CONSTRAINT instance_status_history_fromStatus_check CHECK ("fromStatus" IN ('disconnected', 'connecting', 'connected')),
    "toStatus" text NOT NULL
        CONSTRAINT instance_status_history_toStatus_check CHECK ("toStatus" IN ('disconnected', 'connecting', 'connected')),
    reason text NOT NULL,
    source text NOT NULL
        CONSTRAINT instance_status_history_source_check CHECK (source IN ('user', 'webhook', 'poll', 'reconcile', 'reconnect')),
    at timestamptz NOT NULL,
    -- The order changes were recorded in (two can share a millisecond).
    seq bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL
);

-- Provider-side deletions still owed (the provider was down when the user deleted).
CREATE TABLE provider_deletion (
    id text CONSTRAINT provider_deletion_pkey PRIMARY KEY,
    "providerToken" text NOT NULL,
    attempts bigint NOT NULL DEFAULT 0,
    "nextAttemptAt" timestamptz NOT NULL,
    "lastError" text,
    "createdAt" timestamptz NOT NULL
);

CREATE TABLE web_session (
    id text CONSTRAINT web_session_pkey PRIMARY KEY,
    "userId" text NOT NULL CONSTRAINT web_session_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    "createdAt" timestamptz NOT NULL,
    "expiresAt" timestamptz NOT NULL
);

CREATE TABLE app_setting (
    key text CONSTRAINT app_setting_pkey PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE message (
    id text CONSTRAINT message_pkey PRIMARY KEY,
    "instanceId" text NOT NULL CONSTRAINT message_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    direction text NOT NULL CONSTRAINT message_direction_check CHECK (direction IN ('out', 'in')),
    -- Recipient (out) or sender (in): E.164 digits, or a group JID.
    peer text NOT NULL,
    kind text NOT NULL CONSTRAINT message_kind_check CHECK (kind IN ('text', 'image', 'video', 'document', 'audio')),
    body text,
    -- A media URL the provider downloads; uploads live in message_media.
    "mediaUrl" text,
    "fileName" text,
    status text NOT NULL CONSTRAINT message_status_check
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')),
    "providerMessageId" text,
    "idempotencyKey" text,
    attempts bigint NOT NULL DEFAULT 0,
    -- queued: not before this; sending: the lease (after it, the send is checked at the provider).
    "nextAttemptAt" timestamptz NOT NULL,
    -- Give up waiting for a connection after this.
    "expiresAt" timestamptz,
    error text,
    -- Send order (within an instance, by increasing seq).
    seq bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,
    "createdAt" timestamptz NOT NULL,
    "updatedAt" timestamptz NOT NULL,
    "sentAt" timestamptz,
    "deliveredAt" timestamptz,
    "readAt" timestamptz
);

-- Uploaded files, apart from the message row so lists never read them. Kept as
-- the base64 text the provider's `file` field takes.
CREATE TABLE message_media (
    "messageId" text CONSTRAINT message_media_pkey PRIMARY KEY
        CONSTRAINT message_media_messageId_fkey REFERENCES message (id) ON DELETE CASCADE,
    -- Decoded size (before the data, so SQLite reads it without the file).
    bytes bigint NOT NULL,
    data text NOT NULL
);

CREATE TABLE instance_daily_stats (
    "instanceId" text NOT NULL
        CONSTRAINT instance_daily_stats_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    -- UTC day.
    day date NOT NULL,
    sent bigint NOT NULL DEFAULT 0,
    received bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    delivered bigint NOT NULL DEFAULT 0,
    "read" bigint NOT NULL DEFAULT 0,
    disconnections bigint NOT NULL DEFAULT 0,
    "connectedMs" bigint NOT NULL DEFAULT 0,
    CONSTRAINT instance_daily_stats_pkey PRIMARY KEY ("instanceId", day)
);

-- Receipts that arrived before the send's answer was recorded.
CREATE TABLE message_receipt_pending (
    "instanceId" text NOT NULL
        CONSTRAINT message_receipt_pending_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "providerMessageId" text NOT NULL,
    status text NOT NULL CONSTRAINT message_receipt_pending_status_check CHECK (status IN ('delivered', 'read')),
    at timestamptz NOT NULL,
    CONSTRAINT message_receipt_pending_pkey PRIMARY KEY ("instanceId", "providerMessageId", status)
);

CREATE TABLE user_webhook (
    "userId" text CONSTRAINT user_webhook_pkey PRIMARY KEY
        CONSTRAINT user_webhook_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    url text NOT NULL,
    -- Event kinds; empty means all.
    events jsonb NOT NULL DEFAULT '[]',
    -- The signing secret, sealed.
    secret text NOT NULL,
    "updatedAt" timestamptz NOT NULL
);

CREATE TABLE webhook_delivery (
    id text CONSTRAINT webhook_delivery_pkey PRIMARY KEY,
    "userId" text NOT NULL CONSTRAINT webhook_delivery_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE,
    -- No foreign key: the log outlives a deleted instance.
    "instanceId" text,
    url text NOT NULL,
    -- The signing secret, sealed.
    secret text NOT NULL,
    event text NOT NULL CONSTRAINT webhook_delivery_event_check CHECK (event IN (
        'instance.created', 'instance.deleted', 'instance.updated', 'instance.status', 'instance.qrcode',
        'instance.paircode', 'instance.provisioning', 'message.status', 'message.receipt', 'message.received')),
    body jsonb NOT NULL,
    status text NOT NULL CONSTRAINT webhook_delivery_status_check CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts bigint NOT NULL DEFAULT 0,
    "nextAttemptAt" timestamptz NOT NULL,
    "lastError" text,
    "createdAt" timestamptz NOT NULL,
    "deliveredAt" timestamptz
);

CREATE TABLE instance_config_history (
    id text CONSTRAINT instance_config_history_pkey PRIMARY KEY,
    "instanceId" text NOT NULL
        CONSTRAINT instance_config_history_instanceId_fkey REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    -- The settings as saved, without webhook secrets.
    config jsonb NOT NULL,
    "changedAt" timestamptz NOT NULL
);

INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt")
SELECT id, email, "passwordHash", "isAdmin" <> 0, disabled <> 0, locale, pg_temp.ms("createdAt"), pg_temp.ms("updatedAt")
FROM user_v1;

INSERT INTO whatsapp_instance (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt",
    "lastConnection", config, "provisionState", "provisionError", "providerId", "providerToken", "webhookSecret",
    "webhookSecretHash", "profileName", "loggedOut", "loginMethod", "loginCode", "loginExpiresAt")
SELECT id, name, "nameKey", phone, status, "userId", "instanceKey", pg_temp.ms("createdAt"), pg_temp.ms("updatedAt"),
    pg_temp.ms("lastConnection"),
    CASE WHEN config::jsonb -> 'forwardWebhook' ? 'secret'
        THEN jsonb_set(config::jsonb #- '{forwardWebhook,secret}', '{forwardWebhook,secretSealed}',
                       to_jsonb('plain:' || (config::jsonb -> 'forwardWebhook' ->> 'secret')))
        ELSE config::jsonb END,
    "provisionState", "provisionError", "providerId", "providerToken", "webhookSecret",
    "webhookSecretHash", "profileName", "loggedOut" <> 0, "loginMethod", "loginCode", pg_temp.ms("loginExpiresAt")
FROM whatsapp_instance_v1;

INSERT INTO instance_schedule ("instanceId", "provisionAttempts", "nextProvisionAt", "nextPollAt",
    "reconnectAttempts", "nextReconnectAt", "nextSendAt")
SELECT id, "provisionAttempts",
    CASE WHEN "provisionState" = 'pending' THEN pg_temp.ms("nextProvisionAt") END,
    CASE WHEN "provisionState" = 'ready' THEN pg_temp.ms("nextPollAt") END,
    "reconnectAttempts", pg_temp.ms("nextReconnectAt"),
    CASE WHEN "nextSendAt" > 0 THEN pg_temp.ms("nextSendAt") END
FROM whatsapp_instance_v1;

INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt", "lastUsedAt", "revokedAt")
SELECT id, "userId", name, "tokenHash", prefix, pg_temp.ms("createdAt"), pg_temp.ms("lastUsedAt"), pg_temp.ms("revokedAt")
FROM api_token_v1;

INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at, seq)
SELECT id, "instanceId", "fromStatus", "toStatus", reason, source, pg_temp.ms(at), ROW_NUMBER() OVER (ORDER BY at, id)
FROM instance_status_history_v1;
SELECT setval(pg_get_serial_sequence('instance_status_history', 'seq'), COALESCE(MAX(seq), 0) + 1, false)
FROM instance_status_history;

INSERT INTO provider_deletion (id, "providerToken", attempts, "nextAttemptAt", "lastError", "createdAt")
SELECT id, "providerToken", attempts, pg_temp.ms("nextAttemptAt"), "lastError", pg_temp.ms("createdAt")
FROM provider_deletion_v1;

INSERT INTO web_session (id, "userId", "createdAt", "expiresAt")
SELECT id, "userId", pg_temp.ms("createdAt"), pg_temp.ms("expiresAt")
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
    "fileName", status, "providerMessageId", "idempotencyKey", attempts, pg_temp.ms("nextAttemptAt"),
    pg_temp.ms("expiresAt"), error, seq, pg_temp.ms("createdAt"), pg_temp.ms("updatedAt"),
    pg_temp.ms("sentAt"), pg_temp.ms("deliveredAt"), pg_temp.ms("readAt")
FROM message_v1;

INSERT INTO message_media ("messageId", bytes, data)
SELECT id,
    length("mediaUrl") / 4 * 3 - CASE WHEN "mediaUrl" LIKE '%==' THEN 2 WHEN "mediaUrl" LIKE '%=' THEN 1 ELSE 0 END,
    "mediaUrl"
FROM message_v1
WHERE "mediaUrl" IS NOT NULL AND "mediaUrl" NOT LIKE 'http://%' AND "mediaUrl" NOT LIKE 'https://%';

SELECT setval(pg_get_serial_sequence('message', 'seq'), COALESCE(MAX(seq), 0) + 1, false) FROM message;

INSERT INTO instance_daily_stats ("instanceId", day, sent, received, failed, delivered, "read", disconnections, "connectedMs")
SELECT "instanceId", day::date, sent, received, failed, delivered, "read", disconnections, "connectedMs"
FROM instance_daily_stats_v1;

INSERT INTO message_receipt_pending ("instanceId", "providerMessageId", status, at)
SELECT "instanceId", "providerMessageId", status, pg_temp.ms(at)
FROM message_receipt_pending_v1;

INSERT INTO user_webhook ("userId", url, events, secret, "updatedAt")
SELECT "userId", url, events::jsonb, 'plain:' || secret, pg_temp.ms("updatedAt")
FROM user_webhook_v1;

INSERT INTO webhook_delivery (id, "userId", "instanceId", url, secret, event, body, status, attempts,
    "nextAttemptAt", "lastError", "createdAt", "deliveredAt")
SELECT id, "userId", "instanceId", url, secret, event, body::jsonb, status, attempts,
    pg_temp.ms("nextAttemptAt"), "lastError", pg_temp.ms("createdAt"), pg_temp.ms("deliveredAt")
FROM webhook_delivery_v1;

-- Versions of settings keep no secret: they are for reading back, not for signing.
INSERT INTO instance_config_history (id, "instanceId", config, "changedAt")
SELECT id, "instanceId", config::jsonb #- '{forwardWebhook,secret}', pg_temp.ms("changedAt")
FROM instance_config_history_v1;

DROP TABLE instance_config_history_v1, webhook_delivery_v1, user_webhook_v1, message_receipt_pending_v1,
    instance_daily_stats_v1, message_v1, app_setting_v1, web_session_v1, provider_deletion_v1,
    instance_status_history_v1, api_token_v1, whatsapp_instance_v1, user_v1;

CREATE UNIQUE INDEX whatsapp_instance_user_name ON whatsapp_instance ("userId", "nameKey");
CREATE UNIQUE INDEX whatsapp_instance_webhook_secret ON whatsapp_instance ("webhookSecretHash");
CREATE INDEX whatsapp_instance_user_created ON whatsapp_instance ("userId", "createdAt", id);
CREATE INDEX whatsapp_instance_user_updated ON whatsapp_instance ("userId", "updatedAt", id);
CREATE INDEX whatsapp_instance_user_status ON whatsapp_instance ("userId", status, id);

-- The workers' queues: only what is due is indexed.
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
