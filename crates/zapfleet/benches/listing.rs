//! How listing behaves at 10,000 instances for one user (the scale the product
//! promises), on SQLite and, when reachable, PostgreSQL.
//!
//! Run: `cargo bench --bench listing` (optionally `BENCH_DATABASE_URL=postgres://…`
//! for the PostgreSQL half; default the local `test` database, in a fresh schema).
//! Baseline: the same deep page fetched with offset pagination (`page=`), measured in
//! the same run, beside keyset pagination (`cursor=`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use sqlx::{Connection, Executor};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zapfleet::config::Config;
use zapfleet::domain::{InstanceName, Phone, Timestamp, UserId};
use zapfleet::services::accounts;
use zapfleet::services::instances::{self, ListInstances};
use zapfleet::services::platform::Platform;
use zapfleet::startup;
use zapfleet::store::{NewInstance, Store};

const INSTANCES: usize = 10_000;
const RUNS: usize = 200;

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("zapfleet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = format!("sqlite://{}", dir.join("bench.db").display());
    bench("SQLite", &sqlite).await;
    let _ = std::fs::remove_dir_all(&dir);

    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    match sqlx::PgConnection::connect(&admin).await {
        Ok(mut conn) => {
            let schema = format!("zfbench_{}", std::process::id());
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .await
                .unwrap();
            let separator = if admin.contains('?') { '&' } else { '?' };
            bench(
                "PostgreSQL",
                &format!("{admin}{separator}options=-c%20search_path%3D{schema}"),
            )
            .await;
            conn.execute(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .await
                .unwrap();
        }
        Err(error) => println!("PostgreSQL skipped: {error}"),
    }
}

async fn bench(label: &str, url: &str) {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    // Listing never calls the provider: a client pointed nowhere is enough.
    let provider =
        Arc::new(uazapi::Client::new("http://127.0.0.1:9", "", Duration::from_secs(1)).unwrap());
    let mut config = Config::load_from(None, |_| None).unwrap();
    config.secret_key = Some("42".repeat(32));
    let platform = startup::platform(&config, store.clone(), provider).unwrap();
    let owner = accounts::create_user(&platform, "bench@example.com", "bench password", false)
        .await
        .unwrap();
    let neighbour = accounts::create_user(&platform, "other@example.com", "bench password", false)
        .await
        .unwrap();

    let started = Instant::now();
    for i in 0..INSTANCES {
        for user in [&owner.id, &neighbour.id] {
            let new = NewInstance {
                user_id: user.clone(),
                name: InstanceName::parse(&format!("Loja {i:05}")).unwrap(),
                phone: Some(Phone::parse(&format!("11 9{i:08}")).unwrap()),
                // Listing never reads these; they only need to be unique.
                webhook_secret_sealed: String::new(),
                webhook_secret_hash: format!("{user}-{i}"),
            };
            let now = Timestamp::now();
            store.insert_instance(new, now, now).await.unwrap();
        }
    }
    let per_create = started.elapsed() / (2 * INSTANCES as u32);
    println!(
        "\n## {label}: {INSTANCES} instances for the measured user (+{INSTANCES} for another)"
    );
    println!("insert (sequential, one statement each): {per_create:.2?} per instance");
    println!("| query | p50 | p95 |");
    println!("| --- | --- | --- |");

    let user = &owner.id;
    report(
        "first page, limit 50, newest first",
        measure(&platform, user, ListInstances::default),
    )
    .await;
    let deep_cursor = cursor_at_depth(&platform, user, 9_950).await;
    report(
        "page at depth 9,950 by offset (`page=200`) — baseline",
        measure(&platform, user, || ListInstances {
            page: Some(200),
            ..Default::default()
        }),
    )
    .await;
    report(
        "page at depth 9,950 by cursor",
        measure(&platform, user, || ListInstances {
            cursor: Some(deep_cursor.clone()),
            ..Default::default()
        }),
    )
    .await;
    report(
        "search `q=loja 09` (name)",
        measure(&platform, user, || ListInstances {
            q: Some("loja 09".into()),
            ..Default::default()
        }),
    )
    .await;
    report(
        "search `q=90000` (phone digits)",
        measure(&platform, user, || ListInstances {
            q: Some("90000".into()),
            ..Default::default()
        }),
    )
    .await;
    report(
        "status filter `connected` (no match), sort by name",
        measure(&platform, user, || ListInstances {
            status: Some("connected".into()),
            sort: Some("name".into()),
            ..Default::default()
        }),
    )
    .await;
    store.close().await;
}

/// The cursor that starts the page after `depth` rows in the default order.
async fn cursor_at_depth(platform: &Platform, user: &UserId, depth: usize) -> String {
    let mut cursor = None;
    for _ in 0..depth / 50 {
        let page = instances::list(
            platform,
            user,
            ListInstances {
                cursor: cursor.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        cursor = page.next.map(|c| c.encode());
    }
    cursor.expect("deep enough")
}

async fn measure(
    platform: &Platform,
    user: &UserId,
    input: impl Fn() -> ListInstances,
) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let page = instances::list(platform, user, input()).await.unwrap();
        samples.push(started.elapsed());
        assert!(page.total >= 0);
    }
    samples.sort();
    samples
}

async fn report(label: &str, samples: impl std::future::Future<Output = Vec<Duration>>) {
    let samples = samples.await;
    let p50 = samples[samples.len() / 2];
    let p95 = samples[samples.len() * 95 / 100];
    println!("| {label} | {p50:.2?} | {p95:.2?} |");
}
