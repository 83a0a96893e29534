-- Search by substring through an index (the Performance issue), folded for
-- accents as well as case (the i18n issue: "sao" finds "São", "ze" finds "Zé").
--
-- "searchKey" is the instance name lower-cased and stripped of accents, computed
-- in Rust (SQL cannot: NFKC, Unicode case, combining marks); start-up fills it
-- for rows written before this migration (see services/upgrade.rs).
ALTER TABLE whatsapp_instance ADD COLUMN "searchKey" TEXT NOT NULL DEFAULT '';

-- SQLite's own substring index: an FTS5 table with the trigram tokenizer over the
-- search key and the phone digits, kept in step by triggers. It holds no copy of
-- the text (external content) and points at instances by rowid: the instance
-- table keeps its rowids (it is never VACUUMed; a migration that rebuilds the
-- table must run the 'rebuild' command below again).
CREATE VIRTUAL TABLE instance_search USING fts5(
    "searchKey", phone,
    content = 'whatsapp_instance', content_rowid = 'rowid', tokenize = 'trigram'
);

CREATE TRIGGER instance_search_insert AFTER INSERT ON whatsapp_instance BEGIN
    INSERT INTO instance_search (rowid, "searchKey", phone) VALUES (new.rowid, new."searchKey", new.phone);
END;

CREATE TRIGGER instance_search_delete AFTER DELETE ON whatsapp_instance BEGIN
    INSERT INTO instance_search (instance_search, rowid, "searchKey", phone)
    VALUES ('delete', old.rowid, old."searchKey", old.phone);
END;

CREATE TRIGGER instance_search_update AFTER UPDATE OF "searchKey", phone ON whatsapp_instance BEGIN
    INSERT INTO instance_search (instance_search, rowid, "searchKey", phone)
    VALUES ('delete', old.rowid, old."searchKey", old.phone);
    INSERT INTO instance_search (rowid, "searchKey", phone) VALUES (new.rowid, new."searchKey", new.phone);
END;

INSERT INTO instance_search (instance_search) VALUES ('rebuild');
