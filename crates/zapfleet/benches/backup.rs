//! Backup and restore of one large account (10,000 instances, 1,000,000
//! messages by default) on SQLite and, when reachable, PostgreSQL: throughput,
//! and the memory used while records stream.
//!
//! Run: `cargo bench --bench backup` (`BENCH_MESSAGES=…` to change the message
//! count; `BENCH_DATABASE_URL=postgres://…` for the PostgreSQL half, default the
//! local `test` database, in throwaway schemas).
//! Baseline: reading the same rows through the same store pages, with nothing
//! serialized, hashed or encrypted, measured in the same run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::{Connection, Executor};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use zapfleet::config::Config;
use zapfleet::domain::{Email, UserId};
use zapfleet::services::accounts;
use zapfleet::services::backup::archive::passphrase;
use zapfleet::services::backup::export::{BackupOptions, write_backup_file};
use zapfleet::services::backup::import::{RestoreOptions, restore};
use zapfleet::services::backup::{Progress, Scope, current_memory};
use zapfleet::services::platform::Platform;
use zapfleet::startup;
use zapfleet::store::Store;

const INSTANCES: u32 = 10_000;
const PASSPHRASE: &str = "frase do benchmark";

#[tokio::main]
async fn main() {
    let messages: u32 = std::env::var("BENCH_MESSAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join(format!("zapfleet-bench-backup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = |name: &str| format!("sqlite://{}", dir.join(name).display());
    bench(
        "SQLite",
        &sqlite("from.db"),
        &sqlite("to.db"),
        messages,
        &dir,
    )
    .await;

    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    match sqlx::PgConnection::connect(&admin).await {
        Ok(mut conn) => {
            let schemas = [0, 1].map(|n| format!("zfbench_backup_{}_{n}", std::process::id()));
            let separator = if admin.contains('?') { '&' } else { '?' };
            let url =
                |schema: &str| format!("{admin}{separator}options=-c%20search_path%3D{schema}");
            for schema in &schemas {
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .await
                    .unwrap();
            }
            bench(
                "PostgreSQL",
                &url(&schemas[0]),
                &url(&schemas[1]),
                messages,
                &dir,
            )
            .await;
            for schema in &schemas {
                conn.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                    .await
                    .unwrap();
            }
        }
        Err(error) => println!("PostgreSQL skipped: {error}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

async fn platform(url: &str) -> Platform {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    // Instances without a provider id are not taken over: no provider is called.
    let provider =
        Arc::new(uazapi::Client::new("http://127.0.0.1:9", "", Duration::from_secs(1)).unwrap());
    let mut config = Config::load_from(None, |_| None).unwrap();
    config.secret_key = Some("42".repeat(32));
    startup::platform(&config, store, provider).unwrap()
}

/// The most memory seen in progress callbacks, i.e. while records stream.
fn meter(peak: &Arc<AtomicU64>) -> impl FnMut(Progress) + Send + use<> {
    let peak = peak.clone();
    move |_| {
        if let Some(now) = current_memory() {
            peak.fetch_max(now, Ordering::Relaxed);
        }
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

async fn bench(label: &str, from: &str, to: &str, messages: u32, dir: &std::path::Path) {
    let source = platform(from).await;
    let user = accounts::create_user(&source, "bench@example.com", "bench password", false)
        .await
        .unwrap();
    let started = Instant::now();
    generate(from, &user.id, messages).await;
    println!(
        "\n## {label}: {INSTANCES} instances, {messages} messages (generated in {:.1?})",
        started.elapsed()
    );
    println!(
        "before: {:.0} MiB resident",
        mib(current_memory().unwrap_or_default())
    );

    // Baseline: the same pages read, nothing else done.
    let started = Instant::now();
    let rows = read_only(&source, &user.id).await;
    let baseline = started.elapsed();
    println!("| step | time | records/s | MB/s | resident while streaming |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| read the rows only (baseline) | {baseline:.1?} | {:.0} | | |",
        rows as f64 / baseline.as_secs_f64()
    );

    let file = dir.join(format!("{label}.age"));
    let peak = Arc::new(AtomicU64::new(0));
    let options = BackupOptions {
        scope: Scope::User(Email::parse("bench@example.com").unwrap()),
        with_messages: true,
    };
    let started = Instant::now();
    let counts = write_backup_file(
        &source,
        &options,
        &file,
        passphrase(PASSPHRASE).unwrap(),
        meter(&peak),
    )
    .await
    .unwrap();
    let took = started.elapsed();
    let size = std::fs::metadata(&file).unwrap().len();
    println!(
        "| backup ({:.0} MB file) | {took:.1?} | {:.0} | {:.1} | {:.0} MiB |",
        size as f64 / 1e6,
        counts.records as f64 / took.as_secs_f64(),
        size as f64 / 1e6 / took.as_secs_f64(),
        mib(peak.load(Ordering::Relaxed))
    );

    let target = platform(to).await;
    let peak = Arc::new(AtomicU64::new(0));
    let options = RestoreOptions {
        scope: Scope::All,
        create_users: true,
        dry_run: false,
        untrusted: false,
    };
    let input = std::io::BufReader::new(std::fs::File::open(&file).unwrap());
    let started = Instant::now();
    let report = restore(
        &target,
        input,
        passphrase(PASSPHRASE).unwrap(),
        &options,
        meter(&peak),
    )
    .await
    .unwrap();
    let took = started.elapsed();
    assert_eq!(report.instances.created, u64::from(INSTANCES));
    assert_eq!(report.messages.created, u64::from(messages));
    println!(
        "| restore | {took:.1?} | {:.0} | {:.1} | {:.0} MiB |",
        counts.records as f64 / took.as_secs_f64(),
        size as f64 / 1e6 / took.as_secs_f64(),
        mib(peak.load(Ordering::Relaxed))
    );
    let _ = std::fs::remove_file(&file);
}

/// Every row a backup of the account reads, through the same store pages.
async fn read_only(platform: &Platform, user: &UserId) -> u64 {
    let store = platform.store();
    let mut rows = 0;
    let mut after = None;
    loop {
        let page = store
            .instances_for_backup(user, after.as_ref(), 200)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.instance.id.clone());
        for dump in page {
            rows += 1;
            let mut seq = 0;
            loop {
                let messages = store
                    .messages_for_backup(&dump.instance.id, seq, 1_000)
                    .await
                    .unwrap();
                let Some(last) = messages.last() else { break };
                seq = last.seq;
                rows += messages.len() as u64;
            }
        }
    }
    rows
}

/// The account's instances and messages (about 200 characters each), in SQL.
async fn generate(url: &str, user: &UserId, messages: u32) {
    let user = user.as_str();
    let statements = if url.starts_with("sqlite:") {
        let numbers = |n: u32| {
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})")
        };
        vec![
            format!(
                r#"{} INSERT INTO whatsapp_instance (id, name, "nameKey", status, "userId", "instanceKey", "createdAt", "updatedAt", config, "provisionState")
                   SELECT 'gen-' || i, 'Loja ' || i, 'loja ' || i, 'disconnected', '{user}', 'genkey-' || i, 0, 0, '{{}}', 'pending' FROM n"#,
                numbers(INSTANCES)
            ),
            format!(
                r#"{} INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, attempts, "nextAttemptAt", seq, "createdAt", "updatedAt", "sentAt")
                   SELECT 'msg-' || i, 'gen-' || (1 + i % {INSTANCES}), 'out', '5511999990000', 'text',
                          substr(hex(randomblob(100)), 1, 200), 'delivered', 1, 0, i, 0, 0, 0 FROM n"#,
                numbers(messages)
            ),
        ]
    } else {
        vec![
            format!(
                r#"INSERT INTO whatsapp_instance (id, name, "nameKey", status, "userId", "instanceKey", "createdAt", "updatedAt", config, "provisionState")
                   SELECT 'gen-' || i, 'Loja ' || i, 'loja ' || i, 'disconnected', '{user}', 'genkey-' || i, now(), now(), '{{}}', 'pending'
                   FROM generate_series(1, {INSTANCES}) AS i"#
            ),
            format!(
                r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, attempts, "nextAttemptAt", seq, "createdAt", "updatedAt", "sentAt")
                   SELECT 'msg-' || i, 'gen-' || (1 + i % {INSTANCES}), 'out', '5511999990000', 'text',
                          repeat(md5(i::text), 7), 'delivered', 1, now(), i, now(), now(), now()
                   FROM generate_series(1, {messages}) AS i"#
            ),
        ]
    };
    let store_url = url.to_owned();
    if store_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(&store_url).await.unwrap();
        for statement in statements {
            conn.execute(sqlx::AssertSqlSafe(statement)).await.unwrap();
        }
    } else {
        let mut conn = sqlx::PgConnection::connect(&store_url).await.unwrap();
        for statement in statements {
            conn.execute(sqlx::AssertSqlSafe(statement)).await.unwrap();
        }
    }
}
