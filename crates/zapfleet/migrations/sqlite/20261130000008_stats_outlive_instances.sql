-- Daily statistics belong to the user as well as the instance: deleting an
-- instance no longer cascades its past days away (a user's totals for last
-- month must not drop because a number was retired). They still go with the
-- user. And a message keeps the provider's own time beside ours, for
-- diagnosis only: our dates and counters never use it (a provider clock days
-- ahead once dated messages in the future and counted them on the wrong day).
--
-- SQLite cannot drop a foreign key in place: the table is rebuilt, "userId"
-- last (as PostgreSQL's ADD COLUMN puts it).

ALTER TABLE instance_daily_stats RENAME TO instance_daily_stats_v2;

CREATE TABLE instance_daily_stats (
    "instanceId" TEXT NOT NULL,
    -- UTC day, YYYY-MM-DD.
    day TEXT NOT NULL,
    sent INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    delivered INTEGER NOT NULL DEFAULT 0,
    "read" INTEGER NOT NULL DEFAULT 0,
    disconnections INTEGER NOT NULL DEFAULT 0,
    "connectedMs" INTEGER NOT NULL DEFAULT 0,
    "userId" TEXT NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    CONSTRAINT instance_daily_stats_pkey PRIMARY KEY ("instanceId", day)
);

INSERT INTO instance_daily_stats ("instanceId", day, sent, received, failed, delivered, "read", disconnections,
    "connectedMs", "userId")
SELECT s."instanceId", s.day, s.sent, s.received, s.failed, s.delivered, s."read", s.disconnections,
    s."connectedMs", i."userId"
FROM instance_daily_stats_v2 s JOIN whatsapp_instance i ON i.id = s."instanceId";

DROP TABLE instance_daily_stats_v2;

-- A user's overview: all their instances' days, kept or deleted.
CREATE INDEX instance_daily_stats_user ON instance_daily_stats ("userId", day);

ALTER TABLE message ADD COLUMN "providerAt" INTEGER;
