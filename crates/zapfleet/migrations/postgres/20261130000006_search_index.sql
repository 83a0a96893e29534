-- Search by substring through an index (the Performance issue), folded for
-- accents as well as case (the i18n issue: "sao" finds "São", "ze" finds "Zé").
--
-- "searchKey" is the instance name lower-cased and stripped of accents, computed
-- in Rust (SQL cannot: NFKC, Unicode case, combining marks); start-up fills it
-- for rows written before this migration (see services/upgrade.rs).
ALTER TABLE whatsapp_instance ADD COLUMN "searchKey" TEXT NOT NULL DEFAULT '';

-- pg_trgm lives database-wide, in public (tests and some setups give each
-- server its own schema); the lock keeps two servers migrating at once from
-- both trying to create it.
SELECT pg_advisory_xact_lock(2026113000000006);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Trigram indexes answer LIKE '%…%' on the key and the phone digits.
CREATE INDEX whatsapp_instance_search_trgm ON whatsapp_instance USING gin ("searchKey" public.gin_trgm_ops);
CREATE INDEX whatsapp_instance_phone_trgm ON whatsapp_instance USING gin (phone public.gin_trgm_ops);
