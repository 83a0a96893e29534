//! Driving a load with concurrent clients and reading a process's CPU and
//! memory from `/proc`.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` times (`getconf CLK_TCK`,
/// 100 on every Linux this runs on).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time and memory of a process at one moment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcSnapshot {
    /// User + system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// Resident set now (VmRSS), in bytes.
    pub rss: u64,
    /// The most resident memory so far (VmHWM), in bytes.
    pub peak_rss: u64,
}

impl ProcSnapshot {
    /// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; zeros where not Linux.
    pub fn read(pid: u32) -> ProcSnapshot {
        let mut snapshot = ProcSnapshot::default();
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The command name (field 2) may hold spaces: count fields after its ')'.
            let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
            let fields: Vec<&str> = after.split_whitespace().collect();
            // utime and stime are fields 14 and 15, i.e. 11 and 12 after the name.
            let ticks: f64 = [11, 12]
                .iter()
                .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
                .sum();
            snapshot.cpu_seconds = ticks / TICKS_PER_SECOND;
        }
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            for line in status.lines() {
                let kib = |line: &str| -> u64 {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                        .unwrap_or(0)
                        * 1024
                };
                if line.starts_with("VmRSS:") {
                    snapshot.rss = kib(line);
                } else if line.starts_with("VmHWM:") {
                    snapshot.peak_rss = kib(line);
                }
            }
        }
        snapshot
    }
}

/// Bytes as MiB.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// How a load runs: `concurrency` clients, each sending its next request as
/// soon as the previous answered, until `duration` passed or `requests` were sent.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Clients at once.
    pub concurrency: usize,
    /// Stop after this long.
    pub duration: Duration,
    /// Stop after this many requests (`u64::MAX`: only the duration counts).
    pub requests: u64,
}

impl Load {
    /// A load bounded by time only.
    pub fn timed(concurrency: usize, duration: Duration) -> Load {
        Load {
            concurrency,
            duration,
            requests: u64::MAX,
        }
    }

    /// A load of exactly `requests` requests, however long they take.
    pub fn counted(concurrency: usize, requests: u64) -> Load {
        Load {
            concurrency,
            duration: Duration::MAX,
            requests,
        }
    }
}

/// Latencies and counts of one load.
#[derive(Debug, Clone, Default)]
pub struct Sample {
    /// Requests that answered as expected.
    pub ok: u64,
    /// Requests that failed (the first failure is in `first_error`).
    pub errors: u64,
    /// The first failure's text.
    pub first_error: Option<String>,
    /// Wall time of the whole load.
    pub elapsed: Duration,
    /// Every successful request's latency, sorted.
    pub latencies: Vec<Duration>,
}

impl Sample {
    /// Successful requests per second.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency below which `q` (0–1) of requests answered, in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.latencies, q)
    }
}

/// The `q` quantile of sorted latencies, in milliseconds (0 when empty).
pub fn quantile_ms(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index].as_secs_f64() * 1000.0
}

/// Runs `request(i)` for i = 0, 1, 2… under `load` and collects latencies.
/// A request that returns an error is counted and its latency left out.
pub async fn drive<F, Fut>(load: Load, request: F) -> Sample
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let request = Arc::new(request);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..load.concurrency.max(1) {
        let (request, next) = (request.clone(), next.clone());
        workers.push(tokio::spawn(async move {
            let mut sample = Sample::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= load.requests || started.elapsed() >= load.duration {
                    break;
                }
                let sent = Instant::now();
                match request(i).await {
                    Ok(()) => {
                        sample.ok += 1;
                        sample.latencies.push(sent.elapsed());
                    }
                    Err(error) => {
                        sample.errors += 1;
                        sample
                            .first_error
                            .get_or_insert_with(|| format!("{error:#}"));
                    }
                }
            }
            sample
        }));
    }
    let mut total = Sample::default();
    for worker in workers {
        let sample = match worker.await {
            Ok(sample) => sample,
            Err(error) => Sample {
                errors: 1,
                first_error: Some(error.to_string()),
                ..Sample::default()
            },
        };
        total.ok += sample.ok;
        total.errors += sample.errors;
        if total.first_error.is_none() {
            total.first_error = sample.first_error;
        }
        total.latencies.extend(sample.latencies);
    }
    total.elapsed = started.elapsed();
    total.latencies.sort_unstable();
    total
}
