//! Request metrics in the Prometheus text format. Kept per application (not in a
//! global registry) so each test's app counts only its own requests.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
}

/// Counters and histograms of HTTP requests.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Most (method, route) label pairs kept; later ones count under `other`. Routes
/// are templates and methods a fixed set, so only a bug would reach this: the
/// cap keeps such a bug from growing `/metrics` without bound.
const MAX_SERIES: usize = 512;

/// The method label: the standard methods by name, anything else `other`, so
/// invented methods do not each make a series.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "CONNECT" => "CONNECT",
        "TRACE" => "TRACE",
        _ => "other",
    }
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        let method = method_label(method);
        let route = if inner.latency.len() >= MAX_SERIES
            && !inner
                .latency
                .contains_key(&(method.to_owned(), route.to_owned()))
        {
            "other"
        } else {
            route
        };
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = inner
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
            if seconds <= *bound {
                *count += 1;
            }
        }
        histogram.count += 1;
        histogram.sum += seconds;
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(inner) = self.inner.lock() else {
            return out;
        };
        out.push_str(
            "# HELP zapfleet_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE zapfleet_http_requests_total counter\n");
        for ((method, route, status), count) in &inner.requests {
            let _ = writeln!(
                out,
                "zapfleet_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {count}",
                escape(route)
            );
        }
        out.push_str("# HELP zapfleet_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE zapfleet_http_request_duration_seconds histogram\n");
        for ((method, route), h) in &inner.latency {
            let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
            for (bound, count) in BUCKETS.iter().zip(h.counts.iter()) {
                let _ = writeln!(
                    out,
                    "zapfleet_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "zapfleet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "zapfleet_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "zapfleet_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Where the inner [`remember_route`] layer leaves the matched route template for
/// the outer [`track`] layer, which sees the request before routing.
#[derive(Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<String>>>);

/// Middleware (outermost): times each request, unmatched ones included, and records
/// it under its route template (`/api/instances/{id}`, not the concrete path, so ids
/// do not explode the series).
pub async fn track(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let slot = RouteSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    let route = slot
        .0
        .lock()
        .ok()
        .and_then(|r| r.clone())
        .unwrap_or_else(|| "unmatched".to_owned());
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Route middleware (after routing): hands the matched route template to [`track`].
pub async fn remember_route(request: Request, next: Next) -> Response {
    if let (Some(path), Some(slot)) = (
        request.extensions().get::<MatchedPath>(),
        request.extensions().get::<RouteSlot>(),
    ) && let Ok(mut route) = slot.0.lock()
    {
        *route = Some(path.as_str().to_owned());
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/api/instances", 200, 0.003);
        metrics.observe("GET", "/api/instances", 200, 0.2);
        let text = metrics.render();
        assert!(text.contains(
            r#"zapfleet_http_requests_total{method="GET",route="/api/instances",status="200"} 2"#
        ));
        assert!(text.contains(r#"le="0.005"} 1"#));
        assert!(text.contains(r#"le="0.25"} 2"#));
        assert!(text.contains(r#"le="+Inf"} 2"#));
    }

    #[test]
    fn invented_methods_and_routes_do_not_grow_the_series() {
        let metrics = Metrics::default();
        for i in 0..5_000 {
            metrics.observe(&format!("X{i}{}", "Y".repeat(100)), "unmatched", 405, 0.001);
            metrics.observe("GET", &format!("/route/{i}"), 200, 0.001);
        }
        let inner = metrics.inner.lock().unwrap();
        assert!(
            inner.latency.len() <= MAX_SERIES + 1,
            "{}",
            inner.latency.len()
        );
        assert!(inner.requests.len() <= MAX_SERIES + 1);
        assert!(
            inner
                .latency
                .contains_key(&("other".to_owned(), "unmatched".to_owned()))
        );
        assert!(
            inner
                .latency
                .contains_key(&("GET".to_owned(), "other".to_owned()))
        );
    }
}
