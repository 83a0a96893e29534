//! The scenarios, and what they share: a started stack, one account, timed
//! loads measured with the server's CPU and memory.

mod api;
mod backup;
mod footprint;
mod outbox;
mod sse;
mod webhooks;

use crate::api::{Api, Sandbox, http, instance_name, phone};
use crate::measure::{Load, Sample, drive};
use crate::report::Row;
use crate::stack::Stack;
use crate::{Db, Options, Report, Scenario};
use sqlx::Connection;
use std::future::Future;
use std::sync::Arc;

/// Whether the PostgreSQL server of `options` answers.
pub async fn postgres_reachable(options: &Options) -> bool {
    sqlx::PgConnection::connect(&options.postgres_url)
        .await
        .is_ok()
}

/// A running stack with one account.
pub struct Ctx<'a> {
    /// The processes.
    pub stack: Stack,
    /// The run's options.
    pub options: &'a Options,
    /// The first account's API.
    pub api: Api,
    /// The sandbox's controls.
    pub sandbox: Sandbox,
}

impl Ctx<'_> {
    /// The database.
    pub fn db(&self) -> Db {
        self.stack.db
    }

    /// The default timed load.
    pub fn timed(&self) -> Load {
        Load::timed(self.options.concurrency, self.options.duration)
    }

    /// Runs `request` under `load` and turns the sample and the server's
    /// counters into a row.
    pub async fn measure<F, Fut>(&self, name: &str, load: Load, request: F) -> Row
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let before = self.stack.server_stats();
        let sample: Sample = drive(load, request).await;
        let after = self.stack.server_stats();
        Row::from_sample(self.db(), name, &sample, before, after)
    }

    /// Another account's API, made with the command line.
    pub async fn other_user(&self, email: &str) -> anyhow::Result<Api> {
        Ok(Api {
            token: self.stack.account(email).await?,
            ..self.api.clone()
        })
    }

    /// Creates instances `from..to` of the first account (names and phones of
    /// `instance_name`/`phone`), `concurrency` at once; returns the row.
    pub async fn create_instances(&self, from: u64, to: u64, name: &str) -> Row {
        let api = self.api.clone();
        self.measure(
            name,
            Load::counted(self.options.concurrency, to - from),
            move |i| {
                let api = api.clone();
                async move {
                    api.create_instance(&instance_name(from + i), &phone(from + i))
                        .await
                        .map(drop)
                }
            },
        )
        .await
    }

    /// The `/healthz` baseline: the server answering with no work.
    pub async fn healthz(&self) -> Row {
        let (http, url) = (self.api.http.clone(), format!("{}/healthz", self.api.base));
        self.measure("GET /healthz", self.timed(), move |_| {
            let (http, url) = (http.clone(), url.clone());
            async move {
                let response = http.get(&url).send().await?;
                anyhow::ensure!(response.status().is_success(), "{}", response.status());
                Ok(())
            }
        })
        .await
        .baseline()
    }
}

/// Runs `scenario` on `db` and adds its rows to `report`.
pub async fn run(
    scenario: Scenario,
    db: Db,
    options: &Options,
    report: &mut Report,
) -> anyhow::Result<()> {
    if scenario == Scenario::Backup {
        return backup::run(db, options, report).await;
    }
    if db == Db::Postgres && !postgres_reachable(options).await {
        eprintln!(
            "*** SKIPPED (PostgreSQL): {} does not answer ***",
            options.postgres_url
        );
        return Ok(());
    }
    eprintln!("{} on {}:", scenario.name(), db.label());
    let stack = Stack::start(db, options).await?;
    let http = http();
    let token = stack.account("bench@example.com").await?;
    let ctx = Ctx {
        api: Api {
            http: http.clone(),
            base: stack.server_url.clone(),
            token,
        },
        sandbox: Sandbox {
            http,
            base: stack.sandbox_url.clone(),
        },
        stack,
        options,
    };
    let result = match scenario {
        Scenario::Api => api::run(&ctx, report).await,
        Scenario::Webhooks => webhooks::run(&ctx, report).await,
        Scenario::Sse => sse::run(&ctx, report).await,
        Scenario::Footprint => footprint::run(&ctx, report).await,
        Scenario::Outbox => outbox::run(&ctx, report).await,
        Scenario::Backup => Ok(()),
    };
    ctx.stack.stop().await?;
    result
}

/// Every instance id of the first account, newest first.
pub async fn all_ids(ctx: &Ctx<'_>) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut path = "/instances?limit=200".to_owned();
    loop {
        let page = ctx.api.get(&path).await?;
        for item in page["items"].as_array().into_iter().flatten() {
            if let Some(id) = item["id"].as_str() {
                ids.push(id.to_owned());
            }
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => path = format!("/instances?limit=200&cursor={cursor}"),
            None => return Ok(ids),
        }
    }
}

/// Shares a value with request closures.
fn shared<T>(value: T) -> Arc<T> {
    Arc::new(value)
}
