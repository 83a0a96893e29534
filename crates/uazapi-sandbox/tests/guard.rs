//! The sandbox is not an open door: its controls need the admin token and never
//! give out an instance's token, it answers only to its own host names and to
//! its own origin, and every answer carries the security headers.

#![allow(clippy::unwrap_used)]

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uazapi_sandbox::SandboxServer;

const ADMIN: &str = "admin-secret";

async fn sandbox() -> SandboxServer {
    uazapi_sandbox::spawn("127.0.0.1:0", ADMIN).await.unwrap()
}

/// An instance created through uazapi's admin API, waiting for a QR scan.
async fn connecting(server: &SandboxServer) -> (Value, String) {
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{}/instance/create", server.url()))
        .header("admintoken", ADMIN)
        .json(&json!({"name": "guarded"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let connecting: Value = http
        .post(format!("{}/instance/connect", server.url()))
        .header("token", &token)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (connecting["instance"].clone(), token)
}

async fn call(
    server: &SandboxServer,
    method: Method,
    path: &str,
    admin: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", server.url()))
        .json(&body);
    if let Some(token) = admin {
        request = request.header("admintoken", token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn every_control_needs_the_admin_token() {
    let server = sandbox().await;
    let (instance, _) = connecting(&server).await;
    let id = instance["id"].as_str().unwrap();
    let controls = [
        (Method::GET, "/sandbox/instances".to_owned(), json!({})),
        (Method::GET, "/sandbox/faults".to_owned(), json!({})),
        (Method::PUT, "/sandbox/faults".to_owned(), json!({})),
        (Method::DELETE, "/sandbox/faults".to_owned(), json!({})),
        (
            Method::POST,
            "/sandbox/clock/advance".to_owned(),
            json!({"ms": 1}),
        ),
        (
            Method::POST,
            "/sandbox/phone/pair".to_owned(),
            json!({"paircode": "X", "phone": "5511988887777"}),
        ),
        (
            Method::POST,
            "/sandbox/phone/scan".to_owned(),
            json!({"qrcode": "nothing"}),
        ),
        (
            Method::POST,
            format!("/sandbox/instances/{id}/incoming"),
            json!({"from": "5511955554444", "text": "Oi"}),
        ),
        (
            Method::POST,
            format!("/sandbox/instances/{id}/drop"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/sandbox/instances/{id}/scan"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/sandbox/instances/{id}/forget"),
            json!({}),
        ),
        (Method::POST, "/sandbox/forget".to_owned(), json!({})),
    ];
    for (method, path, body) in controls {
        let anonymous = call(&server, method.clone(), &path, None, body.clone()).await;
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        let wrong = call(&server, method.clone(), &path, Some("admin-secreT"), body).await;
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    // Nothing happened: the instance still waits for its QR.
    let all: Vec<Value> = call(
        &server,
        Method::GET,
        "/sandbox/instances",
        Some(ADMIN),
        json!({}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(all[0]["status"], "connecting");
    // With the token, the page's own scan button connects it.
    let scanned = call(
        &server,
        Method::POST,
        &format!("/sandbox/instances/{id}/scan"),
        Some(ADMIN),
        json!({}),
    )
    .await;
    assert_eq!(scanned.status(), StatusCode::OK);
    let scanned: Value = scanned.json().await.unwrap();
    assert_eq!(scanned["instance"]["status"], "connected");
}

#[tokio::test]
async fn controls_never_give_out_an_instance_token() {
    let server = sandbox().await;
    let (instance, token) = connecting(&server).await;
    let listed = call(
        &server,
        Method::GET,
        "/sandbox/instances",
        Some(ADMIN),
        json!({}),
    )
    .await;
    assert_eq!(listed.status(), StatusCode::OK);
    let text = listed.text().await.unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], instance["id"]);
    assert!(all[0].get("token").is_none(), "{text}");
    assert!(!text.contains(&token));

    let scanned = call(
        &server,
        Method::POST,
        "/sandbox/phone/scan",
        Some(ADMIN),
        json!({"qrcode": instance["qrcode"]}),
    )
    .await;
    assert_eq!(scanned.status(), StatusCode::OK);
    let text = scanned.text().await.unwrap();
    assert!(text.contains("\"connected\""), "{text}");
    assert!(!text.contains(&token), "{text}");

    let id = instance["id"].as_str().unwrap();
    let dropped = call(
        &server,
        Method::POST,
        &format!("/sandbox/instances/{id}/drop"),
        Some(ADMIN),
        json!({}),
    )
    .await;
    assert_eq!(dropped.status(), StatusCode::OK);
    assert!(!dropped.text().await.unwrap().contains(&token));
}

#[tokio::test]
async fn a_foreign_host_or_origin_is_refused() {
    let server = sandbox().await;
    let http = reqwest::Client::new();
    let port = server.addr().port();
    for path in ["/sandbox/", "/sandbox/instances", "/instance/all"] {
        // A DNS-rebinding page names its own host.
        let rebound = http
            .get(format!("{}{path}", server.url()))
            .header("host", format!("attacker.example:{port}"))
            .header("admintoken", ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
        assert_eq!(rebound.headers()["x-frame-options"], "DENY");
    }
    // Loopback names are the sandbox's own.
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let own = http
            .get(format!("{}/sandbox/instances", server.url()))
            .header("host", &host)
            .header("admintoken", ADMIN)
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::OK, "{host}");
    }
    // A browser's request from another site is refused even with the token.
    let cross = http
        .post(format!("{}/sandbox/clock/advance", server.url()))
        .header("origin", "http://attacker.example")
        .header("admintoken", ADMIN)
        .json(&json!({"ms": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let same = http
        .post(format!("{}/sandbox/clock/advance", server.url()))
        .header("origin", server.url())
        .header("admintoken", ADMIN)
        .json(&json!({"ms": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_page_asks_for_the_token_and_every_answer_has_the_security_headers() {
    let server = sandbox().await;
    let http = reqwest::Client::new();
    for path in [
        "/sandbox/",
        "/sandbox/page.js",
        "/sandbox/page.css",
        "/sandbox/instances",
        "/instance/all",
        "/instance/status",
    ] {
        let response = http
            .get(format!("{}{path}", server.url()))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
    }
    // The page itself holds no data and no inline script: it loads its script,
    // which asks for the token and sends it as a header.
    let page = http
        .get(format!("{}/sandbox/", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(r#"<script src="/sandbox/page.js" defer></script>"#));
    assert_eq!(page.matches("<script").count(), 1, "no inline script");
    assert!(!page.contains(" style="), "no inline style");
    assert!(page.contains(r#"id="token-form""#));
    let script = http
        .get(format!("{}/sandbox/page.js", server.url()))
        .send()
        .await
        .unwrap();
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let script = script.text().await.unwrap();
    assert!(script.contains("sessionStorage") && script.contains("admintoken"));
    assert!(!script.contains("innerHTML"), "data is shown as text");
}
