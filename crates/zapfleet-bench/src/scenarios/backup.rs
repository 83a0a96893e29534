//! Backup and restore are measured by the existing `cargo bench --bench backup`
//! (it drives the backup services directly, with their own baseline): this
//! scenario runs it rather than measuring the same thing twice.

use crate::report::Report;
use crate::{Db, Options};
use std::process::Stdio;

pub async fn run(db: Db, options: &Options, _report: &mut Report) -> anyhow::Result<()> {
    // The bench covers both databases in one run: start it once.
    if options.databases.first() != Some(&db) {
        return Ok(());
    }
    let messages = u64::from(options.size) * 100;
    eprintln!(
        "backup: running `cargo bench -p zapfleet --bench backup` with BENCH_MESSAGES={messages} (its table follows)"
    );
    let status =
        tokio::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["bench", "-p", "zapfleet", "--bench", "backup"])
            .env("BENCH_MESSAGES", messages.to_string())
            .env("BENCH_DATABASE_URL", &options.postgres_url)
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit())
            .status()
            .await?;
    anyhow::ensure!(
        status.success(),
        "cargo bench --bench backup failed: {status}"
    );
    Ok(())
}
