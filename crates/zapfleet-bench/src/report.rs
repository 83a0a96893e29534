//! The rows a run measured: printed as a Markdown table, written as JSON.

use crate::measure::{ProcSnapshot, Sample, mib};
use crate::{Db, Options, Scenario};
use serde::Serialize;
use std::path::Path;

/// One measured figure.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    /// The database of the run.
    pub db: Db,
    /// What was measured.
    pub name: String,
    /// Whether this row is a baseline other rows are compared with.
    pub baseline: bool,
    /// Operations that succeeded.
    pub ok: u64,
    /// Operations that failed.
    pub errors: u64,
    /// The first failure, if any.
    pub first_error: Option<String>,
    /// Wall time.
    pub seconds: f64,
    /// Successful operations per second.
    pub per_second: f64,
    /// Latencies, milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, milliseconds.
    pub p99_ms: f64,
    /// Slowest, milliseconds.
    pub max_ms: f64,
    /// The server's CPU during the measure (100 = one core busy).
    pub server_cpu_percent: f64,
    /// The server's resident memory at the end, MiB.
    pub server_rss_mib: f64,
    /// The server's peak resident memory so far, MiB.
    pub server_peak_rss_mib: f64,
    /// Throughput as a share of the named baseline's (same database, same run).
    pub vs_baseline: Option<(String, f64)>,
    /// What else to know about the figure.
    pub note: String,
}

impl Row {
    /// A row from a load's sample and the server's counters before and after.
    pub fn from_sample(
        db: Db,
        name: &str,
        sample: &Sample,
        before: ProcSnapshot,
        after: ProcSnapshot,
    ) -> Row {
        let seconds = sample.elapsed.as_secs_f64();
        Row {
            db,
            name: name.to_owned(),
            baseline: false,
            ok: sample.ok,
            errors: sample.errors,
            first_error: sample.first_error.clone(),
            seconds,
            per_second: sample.per_second(),
            p50_ms: sample.quantile_ms(0.50),
            p99_ms: sample.quantile_ms(0.99),
            max_ms: sample.quantile_ms(1.0),
            server_cpu_percent: cpu_percent(before, after, seconds),
            server_rss_mib: mib(after.rss),
            server_peak_rss_mib: mib(after.peak_rss),
            vs_baseline: None,
            note: String::new(),
        }
    }

    /// A row holding one value and no latencies (memory, CPU).
    pub fn figure(db: Db, name: &str, snapshot: ProcSnapshot, note: String) -> Row {
        Row {
            db,
            name: name.to_owned(),
            baseline: false,
            ok: 0,
            errors: 0,
            first_error: None,
            seconds: 0.0,
            per_second: 0.0,
            p50_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
            server_cpu_percent: 0.0,
            server_rss_mib: mib(snapshot.rss),
            server_peak_rss_mib: mib(snapshot.peak_rss),
            vs_baseline: None,
            note,
        }
    }

    /// Marks the row as a baseline.
    pub fn baseline(mut self) -> Row {
        self.baseline = true;
        self
    }

    /// Adds a note.
    pub fn note(mut self, note: impl Into<String>) -> Row {
        self.note = note.into();
        self
    }
}

/// Share of one core the process used between two snapshots, in percent.
pub fn cpu_percent(before: ProcSnapshot, after: ProcSnapshot, seconds: f64) -> f64 {
    if seconds <= 0.0 {
        return 0.0;
    }
    (after.cpu_seconds - before.cpu_seconds).max(0.0) / seconds * 100.0
}

/// Everything one scenario measured.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The scenario.
    pub scenario: Scenario,
    /// The size asked for.
    pub size: u32,
    /// Clients at once.
    pub concurrency: usize,
    /// Seconds each timed load ran.
    pub duration_seconds: f64,
    /// The rows, in the order measured.
    pub rows: Vec<Row>,
}

impl Report {
    /// An empty report for a run.
    pub fn new(scenario: Scenario, options: &Options) -> Report {
        Report {
            scenario,
            size: options.size,
            concurrency: options.concurrency,
            duration_seconds: options.duration.as_secs_f64(),
            rows: Vec::new(),
        }
    }

    /// Adds a row, comparing its throughput with the baseline named `of`
    /// (same database) when given; prints it at once so long runs show progress.
    pub fn push(&mut self, mut row: Row, of: Option<&str>) {
        if let Some(base) = of.and_then(|name| {
            self.rows
                .iter()
                .find(|r| r.db == row.db && r.name == name && r.per_second > 0.0)
        }) {
            row.vs_baseline = Some((base.name.clone(), row.per_second / base.per_second));
        }
        eprintln!("  {}", line(&row));
        self.rows.push(row);
    }

    /// The rows as a Markdown table.
    pub fn table(&self) -> String {
        let mut out = format!(
            "## {} (size {}, {} clients, {:.1} s per load)\n\n",
            self.scenario.name(),
            self.size,
            self.concurrency,
            self.duration_seconds
        );
        out.push_str("| db | measure | ok/s | p50 ms | p99 ms | max ms | vs baseline | server CPU % | RSS MiB | peak MiB | errors | note |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }

    /// Writes the report as JSON.
    pub fn write_json(&self, path: &Path) -> anyhow::Result<()> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, serde_json::to_vec_pretty(self)?)?;
        Ok(())
    }
}

fn line(row: &Row) -> String {
    let name = if row.baseline {
        format!("{} — **baseline**", row.name)
    } else {
        row.name.clone()
    };
    let number = |v: f64, digits: usize| {
        if v == 0.0 {
            String::new()
        } else {
            format!("{v:.digits$}")
        }
    };
    let ratio = row
        .vs_baseline
        .as_ref()
        .map(|(_, r)| format!("{:.0} %", r * 100.0))
        .unwrap_or_default();
    let errors = match (&row.first_error, row.errors) {
        (_, 0) => String::new(),
        (Some(e), n) => format!("{n} ({})", e.chars().take(80).collect::<String>()),
        (None, n) => n.to_string(),
    };
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {} |",
        row.db.label(),
        name,
        number(row.per_second, 0),
        number(row.p50_ms, 2),
        number(row.p99_ms, 2),
        number(row.max_ms, 1),
        ratio,
        number(row.server_cpu_percent, 0),
        row.server_rss_mib,
        row.server_peak_rss_mib,
        errors,
        row.note
    )
}
