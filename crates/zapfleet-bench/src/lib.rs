//! Load benchmarks of zapfleet as users run it: the real `zapfleet serve` and
//! `zapfleet sandbox` started as separate processes on loopback, driven over
//! HTTP by concurrent clients of this crate, each figure beside a baseline
//! measured in the same run (see BENCHMARKS.md).
//!
//! The crate never links zapfleet: it finds the binary (an option, the
//! `ZAPFLEET_BIN` variable, or the release binary of the cargo target folder),
//! makes a fresh data folder (SQLite) or a throwaway PostgreSQL schema per run,
//! and creates its accounts and tokens with the binary's own `user create` and
//! `token create` commands.

pub mod api;
pub mod measure;
pub mod report;
pub mod scenarios;
pub mod stack;

use anyhow::{Context, bail};
pub use report::{Report, Row};
use std::path::PathBuf;
use std::time::Duration;

/// The database a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Db {
    /// A fresh SQLite file in the run's temporary folder.
    Sqlite,
    /// A throwaway schema of the PostgreSQL database in `BENCH_DATABASE_URL`.
    Postgres,
}

impl Db {
    /// How tables name it.
    pub fn label(self) -> &'static str {
        match self {
            Db::Sqlite => "SQLite",
            Db::Postgres => "PostgreSQL",
        }
    }
}

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Create to N instances, list pages (search, filter, deep cursors), status reads.
    Api,
    /// Provider webhooks (connection changes, message receipts) for N instances.
    Webhooks,
    /// A webhook's change seen by many open `/api/events` streams; memory per idle stream.
    Sse,
    /// Resident memory idle and at N instances with the poller running; poller CPU.
    Footprint,
    /// Messages per second over connected instances with zero delays.
    Outbox,
    /// Backup and restore: runs the existing `cargo bench --bench backup`.
    Backup,
}

impl Scenario {
    /// Every scenario, in the order `all` runs them.
    pub const ALL: [Scenario; 6] = [
        Scenario::Api,
        Scenario::Webhooks,
        Scenario::Sse,
        Scenario::Footprint,
        Scenario::Outbox,
        Scenario::Backup,
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Api => "api",
            Scenario::Webhooks => "webhooks",
            Scenario::Sse => "sse",
            Scenario::Footprint => "footprint",
            Scenario::Outbox => "outbox",
            Scenario::Backup => "backup",
        }
    }

    /// Parses a command-line name.
    pub fn parse(text: &str) -> anyhow::Result<Scenario> {
        Scenario::ALL
            .into_iter()
            .find(|s| s.name() == text)
            .with_context(|| {
                format!(
                    "unknown scenario {text:?} (api, webhooks, sse, footprint, outbox, backup, all)"
                )
            })
    }
}

/// How a run is made.
#[derive(Debug, Clone)]
pub struct Options {
    /// The zapfleet binary to start.
    pub binary: PathBuf,
    /// The databases to run on, in order.
    pub databases: Vec<Db>,
    /// Instances (api, webhooks, footprint, outbox: capped at 1,000 connected)
    /// or idle streams (sse).
    pub size: u32,
    /// Concurrent clients of each measured load.
    pub concurrency: usize,
    /// How long each measured load runs.
    pub duration: Duration,
    /// PostgreSQL server and database holding the throwaway schemas.
    pub postgres_url: String,
}

impl Options {
    /// Defaults for `binary`: the release binary of the cargo target folder.
    pub fn new(binary: PathBuf) -> Options {
        Options {
            binary,
            databases: vec![Db::Sqlite, Db::Postgres],
            size: 10_000,
            concurrency: 8,
            duration: Duration::from_secs(5),
            postgres_url: std::env::var("BENCH_DATABASE_URL")
                .or_else(|_| std::env::var("TEST_DATABASE_URL"))
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned()),
        }
    }

    /// A tiny run (a handful of instances, short loads): the test suite runs
    /// each scenario this way so the program cannot rot.
    pub fn smoke(binary: PathBuf, db: Db) -> Options {
        Options {
            databases: vec![db],
            size: 4,
            concurrency: 2,
            duration: Duration::from_millis(200),
            ..Options::new(binary)
        }
    }
}

/// Where the release binary is by default: `ZAPFLEET_BIN`, else
/// `$CARGO_TARGET_DIR/release/zapfleet`, else the workspace's `target/release/zapfleet`.
pub fn default_binary() -> PathBuf {
    if let Ok(path) = std::env::var("ZAPFLEET_BIN") {
        return PathBuf::from(path);
    }
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("release/zapfleet")
}

/// Runs one scenario on each database of `options` and returns its rows.
pub async fn run(scenario: Scenario, options: &Options) -> anyhow::Result<Report> {
    if scenario != Scenario::Backup && !options.binary.is_file() {
        bail!(
            "no zapfleet binary at {} (build it with `cargo build --release -p zapfleet`, or pass --bin / ZAPFLEET_BIN)",
            options.binary.display()
        );
    }
    let mut report = Report::new(scenario, options);
    for &db in &options.databases {
        scenarios::run(scenario, db, options, &mut report).await?;
    }
    Ok(report)
}
