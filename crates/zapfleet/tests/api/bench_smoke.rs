//! The benchmark program (`crates/zapfleet-bench`) runs each scenario once at a
//! tiny size against this build's binary, so it cannot rot. No timing is
//! asserted: only that every scenario runs on both databases, nothing fails,
//! and the figures are sane (rates and memory above zero, quantiles ordered).

use zapfleet_bench::{Db, Options, Report, Scenario, run};

/// Runs one scenario on one database; `None` if PostgreSQL is asked for and
/// absent (skipped loudly, or failed with `CI=true`).
async fn smoke(scenario: Scenario, db: Db) -> Option<Report> {
    let options = Options::smoke(env!("CARGO_BIN_EXE_zapfleet").into(), db);
    if db == Db::Postgres && !zapfleet_bench::scenarios::postgres_reachable(&options).await {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "PostgreSQL is not reachable (CI=true: the benchmark smoke test may not be skipped)"
        );
        eprintln!("\n*** SKIPPED (PostgreSQL) *** bench smoke test of {scenario:?}\n");
        return None;
    }
    let report = run(scenario, &options)
        .await
        .unwrap_or_else(|e| panic!("{scenario:?} on {db:?}: {e:#}"));
    Some(report)
}

fn assert_sane(report: &Report, scenario: Scenario) {
    assert!(!report.rows.is_empty(), "{scenario:?} measured nothing");
    for row in &report.rows {
        assert_eq!(
            row.errors, 0,
            "{scenario:?} / {}: {:?}",
            row.name, row.first_error
        );
        assert!(
            row.server_rss_mib > 1.0,
            "{scenario:?} / {}: no memory read",
            row.name
        );
        assert!(
            row.server_peak_rss_mib >= row.server_rss_mib - 0.01,
            "{}: peak below now",
            row.name
        );
        if row.ok > 0 {
            assert!(row.per_second > 0.0, "{}: no rate", row.name);
        }
        assert!(
            row.p50_ms <= row.p99_ms && row.p99_ms <= row.max_ms,
            "{}: quantiles out of order",
            row.name
        );
    }
    assert!(
        report.rows.iter().any(|r| r.baseline),
        "{scenario:?} has no baseline row"
    );
    println!("{}", report.table());
}

macro_rules! smoke_tests {
    ($($name:ident => $scenario:expr),+ $(,)?) => {$(
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(report) = smoke($scenario, Db::Sqlite).await {
                    assert_sane(&report, $scenario);
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(report) = smoke($scenario, Db::Postgres).await {
                    assert_sane(&report, $scenario);
                }
            }
        }
    )+};
}

smoke_tests! {
    api => Scenario::Api,
    webhooks => Scenario::Webhooks,
    sse => Scenario::Sse,
    footprint => Scenario::Footprint,
    outbox => Scenario::Outbox,
}
