//! The API: create to N instances (beside a raw single-row insert on the same
//! database), list pages with search + filter and deep cursors, status reads
//! (beside `/healthz`).

use super::{Ctx, shared};
use crate::Db;
use crate::measure::Load;
use crate::report::Report;
use anyhow::Context;
use sqlx::Executor;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

const HEALTHZ: &str = "GET /healthz";
const RAW_INSERT: &str = "raw single-row insert (same database)";

pub async fn run(ctx: &Ctx<'_>, report: &mut Report) -> anyhow::Result<()> {
    let size = u64::from(ctx.options.size);
    report.push(ctx.healthz().await, None);
    report.push(raw_insert(ctx, size).await?.baseline(), None);
    let created = ctx
        .create_instances(0, size, &format!("create instances 0 → {size}"))
        .await;
    report.push(created, Some(RAW_INSERT));

    // Every id and the cursor of every page, newest first, by walking the list.
    let (ids, cursors) = walk(ctx).await?;
    anyhow::ensure!(!ids.is_empty(), "no instance was created");

    let pages: [(&str, &[&str]); 4] = [
        ("plain page of 50 (newest first)", &["limit=50"]),
        (
            "page of 50, q (name) + status",
            &[
                "limit=50&status=disconnected&q=paulo",
                "limit=50&status=disconnected&q=loja%20rio",
                "limit=50&status=disconnected&q=curitiba%2000",
            ],
        ),
        (
            "page of 50, q (phone digits)",
            &["limit=50&q=90000", "limit=50&q=1234"],
        ),
        (
            "page of 50, sorted by name, q + status",
            &["limit=50&sort=name&status=disconnected&q=salvador"],
        ),
    ];
    for (name, queries) in pages {
        let api = ctx.api.clone();
        let queries: Vec<String> = queries.iter().map(|q| format!("/instances?{q}")).collect();
        let queries = shared(queries);
        let row = ctx
            .measure(name, ctx.timed(), move |i| {
                let (api, queries) = (api.clone(), queries.clone());
                async move {
                    api.get(&queries[i as usize % queries.len()])
                        .await
                        .map(drop)
                }
            })
            .await;
        report.push(row, Some(HEALTHZ));
    }

    // Deep pages: cursors from the second half of the list.
    let deep = shared(cursors[cursors.len() / 2..].to_vec());
    if !deep.is_empty() {
        let api = ctx.api.clone();
        let row = ctx
            .measure(
                "page of 50 by cursor, past the middle",
                ctx.timed(),
                move |i| {
                    let (api, deep) = (api.clone(), deep.clone());
                    async move {
                        let cursor = &deep[i as usize % deep.len()];
                        api.get(&format!("/instances?limit=50&cursor={cursor}"))
                            .await
                            .map(drop)
                    }
                },
            )
            .await;
        report.push(row, Some(HEALTHZ));
    }

    let ids = shared(ids);
    let api = ctx.api.clone();
    let row = ctx
        .measure("GET /instances/{id}/status", ctx.timed(), move |i| {
            let (api, ids) = (api.clone(), ids.clone());
            async move {
                // A spread of instances, not one cached row.
                let id = &ids[(i as usize * 7919) % ids.len()];
                api.get(&format!("/instances/{id}/status")).await.map(drop)
            }
        })
        .await;
    report.push(row, Some(HEALTHZ));
    Ok(())
}

/// Lists every instance by cursor: the ids, and each page's next cursor.
async fn walk(ctx: &Ctx<'_>) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let (mut ids, mut cursors) = (Vec::new(), Vec::new());
    let mut path = "/instances?limit=50".to_owned();
    loop {
        let page = ctx.api.get(&path).await?;
        for item in page["items"].as_array().context("items")? {
            ids.push(item["id"].as_str().context("id")?.to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => {
                cursors.push(cursor.to_owned());
                path = format!("/instances?limit=50&cursor={cursor}");
            }
            None => return Ok((ids, cursors)),
        }
    }
}

/// The database's own floor: one-row inserts into a table shaped like an
/// instance row (primary key, user, name, time), from this process, with the
/// server's own pool settings, `concurrency` at once.
async fn raw_insert(ctx: &Ctx<'_>, count: u64) -> anyhow::Result<crate::Row> {
    let create = r#"CREATE TABLE bench_raw_insert (id TEXT PRIMARY KEY, "userId" TEXT NOT NULL, name TEXT NOT NULL, "createdAt" BIGINT NOT NULL)"#;
    let insert =
        r#"INSERT INTO bench_raw_insert (id, "userId", name, "createdAt") VALUES ($1, $2, $3, $4)"#;
    let load = Load::counted(ctx.options.concurrency, count);
    let url = ctx.stack.database_url.clone();
    let connections = ctx.options.concurrency as u32;
    let row = match ctx.db() {
        Db::Sqlite => {
            let options = SqliteConnectOptions::from_str(&url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(connections)
                .connect_with(options)
                .await?;
            pool.execute(create).await?;
            ctx.measure(RAW_INSERT, load, move |i| {
                let pool = pool.clone();
                async move {
                    sqlx::query(insert)
                        .bind(format!("raw{i:012}"))
                        .bind("bench-user")
                        .bind(format!("Loja {i}"))
                        .bind(i as i64)
                        .execute(&pool)
                        .await?;
                    Ok(())
                }
            })
            .await
        }
        Db::Postgres => {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(connections)
                .connect(&url)
                .await?;
            pool.execute(create).await?;
            ctx.measure(RAW_INSERT, load, move |i| {
                let pool = pool.clone();
                async move {
                    sqlx::query(insert)
                        .bind(format!("raw{i:012}"))
                        .bind("bench-user")
                        .bind(format!("Loja {i}"))
                        .bind(i as i64)
                        .execute(&pool)
                        .await?;
                    Ok(())
                }
            })
            .await
        }
    };
    Ok(row)
}
