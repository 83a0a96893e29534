//! The browser's cookies: reading them from a request and writing `Set-Cookie`.
//! Shared by the pages (sessions, CSRF) and the API (the session opens reads).

use axum::http::HeaderValue;
use axum::http::header::COOKIE;
use axum::http::request::Parts;

/// The session cookie's name: a random secret; the database keeps its SHA-256.
/// Over https it carries the `__Host-` prefix, so a neighbouring subdomain
/// cannot plant or shadow it.
pub fn session_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-zf_session"
    } else {
        "zf_session"
    }
}

/// The name of the cookie holding the CSRF token of visitors not signed in.
pub fn csrf_cookie(secure: bool) -> &'static str {
    if secure { "__Host-zf_csrf" } else { "zf_csrf" }
}

/// A cookie's value from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value (always `HttpOnly`, `Path=/`).
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age_secs: i64,
    secure: bool,
    same_site: &str,
) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age_secs}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
