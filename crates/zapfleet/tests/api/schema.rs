//! The two migration folders describe one schema: the same tables, columns (in
//! corresponding types), keys, foreign keys, unique rules, indexes and named
//! CHECK constraints, read from each database's own catalog after migrating.

use crate::helpers::{Backend, fresh_database};
use sqlx::{ConnectOptions, Connection, Row};
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;
use zapfleet::store::Store;

/// One table as a catalog describes it, in terms both backends share.
#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// (name, type class, not null), in order.
    columns: Vec<(String, &'static str, bool)>,
    primary_key: Vec<String>,
    /// (columns, referenced table, referenced columns, on delete).
    foreign_keys: BTreeSet<(Vec<String>, String, Vec<String>, String)>,
    /// Unique constraints (not indexes) by their columns.
    unique: BTreeSet<Vec<String>>,
    /// (name, unique, partial, columns) of indexes made by CREATE INDEX.
    indexes: BTreeSet<(String, bool, bool, Vec<String>)>,
    /// CHECK constraint names.
    checks: BTreeSet<String>,
}

/// What a PostgreSQL type stands for, and the SQLite type that must match it.
fn postgres_class(data_type: &str) -> &'static str {
    match data_type {
        "text" => "TEXT",
        "bigint" | "integer" => "INTEGER",
        "boolean" => "BOOLEAN",
        "timestamp with time zone" => "INTEGER (time)",
        "jsonb" => "TEXT (json)",
        "date" => "TEXT (day)",
        other => panic!("a PostgreSQL type the schema should not use: {other}"),
    }
}

/// SQLite's declared type; JSON, days and times have no type of their own there.
fn sqlite_class(declared: &str, postgres: &'static str) -> &'static str {
    match (declared, postgres) {
        ("TEXT", p @ ("TEXT (json)" | "TEXT (day)")) => p,
        ("INTEGER", p @ "INTEGER (time)") => p,
        ("TEXT", _) => "TEXT",
        ("INTEGER", _) => "INTEGER",
        ("BOOLEAN", _) => "BOOLEAN",
        (other, _) => panic!("an SQLite type the schema should not use: {other}"),
    }
}

async fn postgres_schema(url: &str) -> BTreeMap<String, Table> {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let columns = sqlx::query(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in columns {
        let table: String = row.get(0);
        let data_type: String = row.get(2);
        let nullable: String = row.get(3);
        tables.entry(table).or_default().columns.push((
            row.get(1),
            postgres_class(&data_type),
            nullable == "NO",
        ));
    }
    let constraints = sqlx::query(
        "SELECT c.conrelid::regclass::text, c.contype::text, c.conname::text,
                ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
                COALESCE(c.confrelid::regclass::text, ''),
                ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i),
                c.confdeltype::text
         FROM pg_constraint c WHERE c.connamespace = current_schema()::regnamespace
           AND c.conrelid::regclass::text <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in constraints {
        let table: String = row.get::<String, _>(0).trim_matches('"').to_owned();
        let kind: String = row.get(1);
        let columns: Vec<String> = row.get(3);
        let entry = tables.entry(table).or_default();
        match kind.as_str() {
            "p" => entry.primary_key = columns,
            "u" => drop(entry.unique.insert(columns)),
            "c" => drop(entry.checks.insert(row.get::<String, _>(2).to_lowercase())),
            "n" => {} // NOT NULL as a constraint (PostgreSQL 18+): in the columns already
            "f" => {
                let on_delete = match row.get::<String, _>(6).as_str() {
                    "c" => "CASCADE",
                    _ => "NO ACTION",
                };
                let referenced = row.get::<String, _>(4).trim_matches('"').to_owned();
                entry
                    .foreign_keys
                    .insert((columns, referenced, row.get(5), on_delete.to_owned()));
            }
            other => panic!("unexpected constraint kind {other}"),
        }
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text, i.relname::text, x.indisunique, x.indpred IS NOT NULL,
                ARRAY(SELECT a.attname::text FROM unnest(x.indkey) WITH ORDINALITY k(n, o)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o)
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> '_sqlx_migrations'
           AND i.relname NOT IN ('whatsapp_instance_search_trgm', 'whatsapp_instance_phone_trgm')
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for row in indexes {
        let table: String = row.get(0);
        tables.entry(table).or_default().indexes.insert((
            row.get(1),
            row.get(2),
            row.get(3),
            row.get(4),
        ));
    }
    tables
}

async fn sqlite_schema(url: &str, postgres: &BTreeMap<String, Table>) -> BTreeMap<String, Table> {
    let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let names: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name <> '_sqlx_migrations' AND name NOT LIKE 'instance\\_search%' ESCAPE '\\'
         ORDER BY name",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for (name, sql) in names {
        let mut table = Table::default();
        let columns: Vec<(String, String, i64, i64)> = sqlx::query_as(
            r#"SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid"#,
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        let mut keyed: Vec<(i64, String)> = Vec::new();
        for (column, declared, not_null, pk) in columns {
            let expected = postgres
                .get(&name)
                .and_then(|t| t.columns.iter().find(|c| c.0 == column))
                .map_or("TEXT", |c| c.1);
            if pk > 0 {
                keyed.push((pk, column.clone()));
            }
            table
                .columns
                .push((column, sqlite_class(&declared, expected), not_null == 1));
        }
        keyed.sort();
        table.primary_key = keyed.into_iter().map(|(_, c)| c).collect();
        let foreign: Vec<(i64, String, String, String, String)> = sqlx::query_as(
            r#"SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq"#,
        )
        .bind(&name)
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for (_, referenced, from, to, on_delete) in foreign {
            table
                .foreign_keys
                .insert((vec![from], referenced, vec![to], on_delete));
        }
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as(r#"SELECT name, "unique", origin, partial FROM pragma_index_list(?)"#)
                .bind(&name)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        for (index, unique, origin, partial) in indexes {
            let columns: Vec<(String,)> =
                sqlx::query_as("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
            let columns: Vec<String> = columns.into_iter().map(|(c,)| c).collect();
            match origin.as_str() {
                "c" => drop(
                    table
                        .indexes
                        .insert((index, unique == 1, partial == 1, columns)),
                ),
                "u" => drop(table.unique.insert(columns)),
                _ => {} // the primary key's own index
            }
        }
        table.checks = sql
            .split("CONSTRAINT ")
            .skip(1)
            .filter_map(|rest| {
                let mut words = rest.split_whitespace();
                let name = words.next()?;
                (words.next() == Some("CHECK")).then(|| name.to_lowercase())
            })
            .collect();
        tables.insert(name, table);
    }
    tables
}

/// Each engine's own substring index for instance search (pg_trgm GIN indexes;
/// an FTS5 trigram table and its shadow tables on SQLite) has no counterpart
/// in the other's catalog: left out of the comparison above, checked here to
/// exist. `listing::accent_insensitive_search` checks what they find.
async fn search_indexes_exist(pg: &str, lite: &str) {
    let mut conn = sqlx::PgConnection::connect(pg).await.unwrap();
    let (gin,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()
         AND indexname IN ('whatsapp_instance_search_trgm', 'whatsapp_instance_phone_trgm')
         AND indexdef LIKE '%USING gin%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(gin, 2, "the two trigram indexes on PostgreSQL");
    let mut conn = sqlx::sqlite::SqliteConnectOptions::from_str(lite)
        .unwrap()
        .connect()
        .await
        .unwrap();
    let (fts,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'instance_search' AND sql LIKE '%fts5%trigram%'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(fts, 1, "the FTS5 trigram table on SQLite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_describe_the_same_schema() {
    let Some(pg) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let lite = fresh_database(Backend::Sqlite).await.unwrap();
    for database in [&pg, &lite] {
        let store = Store::connect(&database.url).await.unwrap();
        store.migrate().await.unwrap();
        store.close().await;
    }
    search_indexes_exist(&pg.url, &lite.url).await;
    let postgres = postgres_schema(&pg.url).await;
    let sqlite = sqlite_schema(&lite.url, &postgres).await;
    assert_eq!(
        postgres.keys().collect::<Vec<_>>(),
        sqlite.keys().collect::<Vec<_>>(),
        "the same tables"
    );
    for (name, expected) in &postgres {
        assert_eq!(&sqlite[name], expected, "table {name}");
    }
    // The catalog reading found what it is meant to compare.
    let message = &postgres["message"];
    assert!(message.checks.contains("message_status_check"));
    assert!(
        message
            .indexes
            .iter()
            .any(|(n, _, partial, _)| n == "message_queued" && *partial)
    );
    assert!(
        postgres["instance_status_history"]
            .checks
            .contains("instance_status_history_source_check")
    );
}
