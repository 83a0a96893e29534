-- Each user's time zone: their daily statistics are cut at their own midnight
-- and their pages show their clock. Existing accounts get São Paulo's.
ALTER TABLE "user" ADD COLUMN "timeZone" text NOT NULL DEFAULT 'America/Sao_Paulo'
    CONSTRAINT user_time_zone_check CHECK (length("timeZone") BETWEEN 1 AND 64);
