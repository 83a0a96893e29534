-- Daily statistics belong to the user as well as the instance: deleting an
-- instance no longer cascades its past days away (a user's totals for last
-- month must not drop because a number was retired). They still go with the
-- user. And a message keeps the provider's own time beside ours, for
-- diagnosis only: our dates and counters never use it (a provider clock days
-- ahead once dated messages in the future and counted them on the wrong day).

ALTER TABLE instance_daily_stats DROP CONSTRAINT instance_daily_stats_instanceId_fkey;
ALTER TABLE instance_daily_stats ADD COLUMN "userId" text
    CONSTRAINT instance_daily_stats_userId_fkey REFERENCES "user" (id) ON DELETE CASCADE;
UPDATE instance_daily_stats s SET "userId" = i."userId" FROM whatsapp_instance i WHERE i.id = s."instanceId";
ALTER TABLE instance_daily_stats ALTER COLUMN "userId" SET NOT NULL;
-- A user's overview: all their instances' days, kept or deleted.
CREATE INDEX instance_daily_stats_user ON instance_daily_stats ("userId", day);

ALTER TABLE message ADD COLUMN "providerAt" timestamptz;
