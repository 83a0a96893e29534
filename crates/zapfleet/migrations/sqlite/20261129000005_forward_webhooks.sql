-- Forwarding events to the users' own URLs: one webhook per user (all their
-- instances; a per-instance one lives in the instance's settings), a durable
-- delivery queue with its log and dead letters, and the history of settings.

CREATE TABLE user_webhook (
    "userId" TEXT PRIMARY KEY REFERENCES "user" (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- JSON array of event kinds; empty means all.
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    "updatedAt" BIGINT NOT NULL
);

CREATE TABLE webhook_delivery (
    id TEXT PRIMARY KEY,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "instanceId" TEXT,
    url TEXT NOT NULL,
    -- The signing secret, encrypted.
    secret TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    "nextAttemptAt" BIGINT NOT NULL,
    "lastError" TEXT,
    "createdAt" BIGINT NOT NULL,
    "deliveredAt" BIGINT
);

CREATE INDEX webhook_delivery_due ON webhook_delivery (status, "nextAttemptAt");
CREATE INDEX webhook_delivery_user ON webhook_delivery ("userId", "createdAt");

CREATE TABLE instance_config_history (
    id TEXT PRIMARY KEY,
    "instanceId" TEXT NOT NULL REFERENCES whatsapp_instance (id) ON DELETE CASCADE,
    config TEXT NOT NULL,
    "changedAt" BIGINT NOT NULL
);

CREATE INDEX instance_config_history_instance ON instance_config_history ("instanceId", "changedAt");
