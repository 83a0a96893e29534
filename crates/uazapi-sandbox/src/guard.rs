//! What keeps the sandbox from being an open door: its controls need the admin
//! token, every request must name a host the sandbox is known by (so a page on
//! a DNS-rebound name cannot reach it), a browser's cross-site requests are
//! refused, and every answer carries the same security headers as zapfleet's.

use crate::Sandbox;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::IpAddr;

/// Only the sandbox's own files (scripts, styles, images) and `data:` images
/// (the QR codes); no inline script; no framing.
pub const CSP: &str = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The headers every answer carries unless its handler set its own.
const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
];

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

/// Compares secrets in time that depends on their length only.
pub fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (given.as_bytes(), expected.as_bytes());
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The `admintoken` check, as uazapi answers it: 401 without the header, 403
/// with a wrong one.
pub fn check_admin(sandbox: &Sandbox, headers: &HeaderMap) -> Result<(), (u16, &'static str)> {
    match headers.get("admintoken").and_then(|v| v.to_str().ok()) {
        None => Err((401, "Unauthorized")),
        Some(token) if same_secret(token, sandbox.admin_token()) => Ok(()),
        Some(_) => Err((403, "Invalid AdminToken Header")),
    }
}

/// The controls' gate: they read every instance's state and play its phone,
/// so only who holds the admin token may use them.
pub async fn admin_only(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    match check_admin(&sandbox, request.headers()) {
        Ok(()) => next.run(request).await,
        Err((status, message)) => refuse(
            StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED),
            message,
        ),
    }
}

/// The host part of a `Host` header or URI authority, lower case, without port,
/// brackets or a trailing dot.
fn host_name(authority: &str) -> String {
    let authority = authority.trim().to_ascii_lowercase();
    let host = match authority.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((host, _)) => host.to_owned(),
            None => return String::new(),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host.to_owned(),
            _ => authority,
        },
    };
    host.trim_end_matches('.').to_owned()
}

/// Whether a request naming `authority` is meant for this sandbox: a loopback
/// name or address, or the host it was told to listen on.
pub fn host_allowed(authority: &str, listen_host: Option<&str>) -> bool {
    let host = host_name(authority);
    if host.is_empty() {
        return false;
    }
    host == "localhost"
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || listen_host.is_some_and(|listen| host_name(listen) == host)
}

/// The host `listen` names (`127.0.0.1:8081` → `127.0.0.1`). `0.0.0.0` counts
/// too: a browser names it only on a page of that very origin (the sandbox's
/// own), and that is where `serve`'s banner points when told to listen there.
pub fn listen_host(listen: &str) -> Option<String> {
    let host = host_name(listen);
    (!host.is_empty()).then_some(host)
}

/// Refuses requests for a foreign host (421) and a browser's requests from
/// another origin (403); a request without `Origin` (curl, our client, a
/// same-origin navigation) passes.
pub async fn host_and_origin(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let authority = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    let Some(authority) = authority.filter(|a| host_allowed(a, sandbox.listen_host())) else {
        return refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "this sandbox answers only to loopback names and the host it listens on",
        );
    };
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        let own = format!("http://{authority}");
        let same = origin
            .to_str()
            .is_ok_and(|o| o.eq_ignore_ascii_case(own.trim()));
        if !same {
            return refuse(StatusCode::FORBIDDEN, "cross-origin requests are refused");
        }
    }
    next.run(request).await
}

/// Adds the security headers to every answer.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_names_and_the_listen_host_are_this_sandbox() {
        for ok in [
            "127.0.0.1:8081",
            "127.9.9.9",
            "localhost:8081",
            "LOCALHOST.",
            "[::1]:8081",
            "[::1]",
        ] {
            assert!(host_allowed(ok, None), "{ok}");
        }
        for foreign in [
            "evil.example:8081",
            "10.0.0.5:8081",
            "localhost.evil.example",
            "",
            "[::1",
        ] {
            assert!(!host_allowed(foreign, None), "{foreign}");
        }
        assert!(host_allowed("sandbox:8081", Some("sandbox")));
        assert!(host_allowed(
            "10.0.0.5:8081",
            listen_host("10.0.0.5:8081").as_deref()
        ));
        assert_eq!(listen_host("[::1]:8081").as_deref(), Some("::1"));
        // Listening everywhere does not open the sandbox to every name.
        let everywhere = listen_host("0.0.0.0:8081");
        assert!(host_allowed("0.0.0.0:8081", everywhere.as_deref()));
        assert!(!host_allowed("192.168.1.5:8081", everywhere.as_deref()));
        assert!(!host_allowed("evil.example:8081", everywhere.as_deref()));
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("ab", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
