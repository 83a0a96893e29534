//! `zapfleet-bench <scenario|all> [--db sqlite|postgres|both] [--size N]
//! [--concurrency C] [--seconds S] [--bin PATH] [--json FILE]`

use anyhow::{Context, bail};
use std::path::PathBuf;
use std::time::Duration;
use zapfleet_bench::{Db, Options, Scenario, default_binary, run};

const USAGE: &str = "usage: zapfleet-bench <api|webhooks|sse|footprint|outbox|backup|all> \
[--db sqlite|postgres|both] [--size N] [--concurrency C] [--seconds S] [--bin PATH] [--json FILE]";

fn value<'a>(
    args: &mut impl Iterator<Item = &'a String>,
    flag: &str,
) -> anyhow::Result<&'a String> {
    args.next()
        .with_context(|| format!("{flag} needs a value\n{USAGE}"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut args = args.iter();
    let scenario = args.next().context(USAGE)?;
    let scenarios = if scenario == "all" {
        Scenario::ALL.to_vec()
    } else {
        vec![Scenario::parse(scenario)?]
    };
    let mut options = Options::new(default_binary());
    let mut json: Option<PathBuf> = None;
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--db" => {
                options.databases = match value(&mut args, flag)?.as_str() {
                    "sqlite" => vec![Db::Sqlite],
                    "postgres" => vec![Db::Postgres],
                    "both" => vec![Db::Sqlite, Db::Postgres],
                    other => bail!("unknown database {other:?}\n{USAGE}"),
                }
            }
            "--size" => options.size = value(&mut args, flag)?.parse()?,
            "--concurrency" => options.concurrency = value(&mut args, flag)?.parse()?,
            "--seconds" => {
                options.duration = Duration::from_secs_f64(value(&mut args, flag)?.parse()?)
            }
            "--bin" => options.binary = PathBuf::from(value(&mut args, flag)?),
            "--json" => json = Some(PathBuf::from(value(&mut args, flag)?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown option {other:?}\n{USAGE}"),
        }
    }
    let mut reports = Vec::new();
    for scenario in scenarios {
        let report = run(scenario, &options).await?;
        println!("{}", report.table());
        reports.push(report);
    }
    let path = json
        .unwrap_or_else(|| std::env::temp_dir().join(format!("zapfleet-bench-{scenario}.json")));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&reports)?)?;
    eprintln!("JSON written to {}", path.display());
    Ok(())
}
