-- Messages (a durable outbox for what we send, a record of what arrives) and
-- daily usage counters kept up to date in the same transactions.

CREATE TABLE message (
    id TEXT PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
    -- Recipient (out) or sender (in): E.164 digits, or a group JID.
    peer TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'image', 'video', 'document', 'audio')),
    body TEXT,
    "mediaUrl" TEXT,
    "fileName" TEXT,
    status TEXT NOT NULL
        CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'received')),
    "providerMessageId" TEXT,
    "idempotencyKey" TEXT,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- queued: not before this; sending: the lease (after it, the send is checked at the provider).
    "nextAttemptAt" BIGINT NOT NULL DEFAULT 0,
    -- Give up waiting for a connection after this.
    "expiresAt" BIGINT,
    error TEXT,
    -- Send order within the instance.
    seq BIGINT NOT NULL,
    "createdAt" BIGINT NOT NULL,
    "updatedAt" BIGINT NOT NULL,
    "sentAt" BIGINT,
    "deliveredAt" BIGINT,
    "readAt" BIGINT
);

CREATE UNIQUE INDEX message_idempotency ON message ("instanceId", "idempotencyKey");
CREATE UNIQUE INDEX message_provider_id ON message ("instanceId", "providerMessageId");
CREATE INDEX message_outbox ON message (status, "instanceId", seq);
CREATE INDEX message_list ON message ("instanceId", "createdAt", id);

-- Pacing: the instance's next send may not start before this.
ALTER TABLE whatsapp_instance ADD COLUMN "nextSendAt" BIGINT NOT NULL DEFAULT 0;

CREATE TABLE instance_daily_stats (
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    -- UTC day, YYYY-MM-DD.
    day TEXT NOT NULL,
    sent BIGINT NOT NULL DEFAULT 0,
    received BIGINT NOT NULL DEFAULT 0,
    failed BIGINT NOT NULL DEFAULT 0,
    delivered BIGINT NOT NULL DEFAULT 0,
    "read" BIGINT NOT NULL DEFAULT 0,
    disconnections BIGINT NOT NULL DEFAULT 0,
    "connectedMs" BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY ("instanceId", day)
);

-- Receipts that arrived before the send's answer was recorded (the provider can
-- be faster than our database): applied as soon as the message id is known.
CREATE TABLE message_receipt_pending (
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    "providerMessageId" TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('delivered', 'read')),
    at BIGINT NOT NULL,
    PRIMARY KEY ("instanceId", "providerMessageId", status)
);
