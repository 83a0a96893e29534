//! The browser-facing defences: CSRF tokens bound to the session and renewed
//! at every sign-in, cross-site requests refused whatever they carry, cookies
//! and HSTS fit for https, nothing of a user's cached, a disabled user's
//! sessions and tokens gone for good, and the JSON error for oversized bodies.

use crate::helpers::{TestApp, expect_error};
use crate::on_both_backends;
use crate::pages::Browser;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

on_both_backends!(
    csrf_tokens_belong_to_one_session_and_change_at_every_sign_in,
    requests_the_browser_marks_as_cross_site_are_refused,
    disabling_a_user_ends_its_sessions_and_tokens_for_good,
    nothing_of_a_user_is_cached_and_oversized_bodies_get_the_json_error,
);
on_both_backends!(
    @with crate::helpers::Options { public_url: Some("https://zap.loja.com.br".to_owned()), ..crate::helpers::Options::default() };
    https_servers_send_hsts_and_host_prefixed_cookies
);

/// Creates an instance through the page's form, as its submit button would.
async fn create_through_form(browser: &Browser, csrf: &str, name: &str) -> StatusCode {
    browser
        .post(
            "/ui/instances",
            &[("_csrf", csrf), ("name", name), ("phone", "11999999999")],
        )
        .await
        .status()
}

async fn csrf_tokens_belong_to_one_session_and_change_at_every_sign_in(app: TestApp) {
    let ana = Browser::new(&app);
    let before = ana.page("/signup").await.csrf();
    let ana_csrf = ana.sign_up("ana@loja.com.br").await;
    assert_ne!(before, ana_csrf, "signing in renews the token");
    assert_eq!(
        create_through_form(&ana, &before, "Velho").await,
        StatusCode::FORBIDDEN,
        "the token from before sign-in is dead"
    );
    assert_eq!(
        create_through_form(&ana, &ana_csrf, "Ana 1").await,
        StatusCode::OK
    );

    app.open_sign_ups().await;
    let bia = Browser::new(&app);
    let bia_csrf = bia.sign_up("bia@loja.com.br").await;
    assert_ne!(ana_csrf, bia_csrf);
    assert_eq!(
        create_through_form(&ana, &bia_csrf, "Trocado").await,
        StatusCode::FORBIDDEN,
        "another session's token is worth nothing"
    );

    // Signing out and in again: a new session, a new token; the old one is dead.
    ana.post("/signout", &[("_csrf", ana_csrf.as_str())]).await;
    let csrf = ana.page("/signin").await.csrf();
    let back = ana
        .post(
            "/signin",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "ana@loja.com.br"),
                ("password", "uma senha forte"),
            ],
        )
        .await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let renewed = ana.page("/").await.csrf();
    assert_ne!(renewed, ana_csrf);
    assert_eq!(
        create_through_form(&ana, &ana_csrf, "Antigo").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        create_through_form(&ana, &renewed, "Ana 2").await,
        StatusCode::OK
    );
}

/// The instance form posted with extra headers, as a browser would add them.
async fn post_with(browser: &Browser, csrf: &str, headers: &[(&str, &str)]) -> StatusCode {
    let mut request = browser.client.post(browser.url("/ui/instances")).form(&[
        ("_csrf", csrf),
        ("name", "Cruzada"),
        ("phone", "11999999999"),
    ]);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    request.send().await.unwrap().status()
}

async fn requests_the_browser_marks_as_cross_site_are_refused(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("cruzado@loja.com.br").await;
    for (headers, why) in [
        (
            [("sec-fetch-site", "cross-site"), ("origin", "null")],
            "Sec-Fetch-Site",
        ),
        (
            [("origin", "https://golpe.example"), ("x-old-browser", "1")],
            "a foreign Origin",
        ),
        (
            [
                ("origin", "https://golpe.example"),
                ("sec-fetch-site", "same-site"),
            ],
            "a sibling site",
        ),
    ] {
        assert_eq!(
            post_with(&browser, &csrf, &headers).await,
            StatusCode::FORBIDDEN,
            "{why}"
        );
    }
    let ours = [
        ("origin", app.address.as_str()),
        ("sec-fetch-site", "same-origin"),
    ];
    assert_eq!(
        post_with(&browser, &csrf, &ours).await,
        StatusCode::OK,
        "our own pages still work"
    );
}

async fn disabling_a_user_ends_its_sessions_and_tokens_for_good(app: TestApp) {
    let admin = Browser::new(&app);
    let admin_csrf = admin.sign_up("chefe@loja.com.br").await;
    let member = app.new_user().await;
    let browser = Browser::new(&app);
    let csrf = browser.page("/signin").await.csrf();
    let signed_in = browser
        .post(
            "/signin",
            &[
                ("_csrf", csrf.as_str()),
                ("email", member.email.as_str()),
                ("password", "correct horse battery"),
            ],
        )
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.list_instances(&member, "").await.status(),
        StatusCode::OK
    );

    let page = admin.page("/admin").await;
    let toggle = page.attr("form[action^='/admin/users/']", "action");
    for value in ["true", "false"] {
        let done = admin
            .post(&toggle, &[("_csrf", admin_csrf.as_str()), ("value", value)])
            .await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER, "disabled={value}");
    }
    // Re-enabled, but what was issued before is gone: sign in again, new token.
    expect_error(
        app.list_instances(&member, "").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert_eq!(browser.get("/").await.headers()["location"], "/signin");
}

async fn nothing_of_a_user_is_cached_and_oversized_bodies_get_the_json_error(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("cache@loja.com.br").await;
    for path in ["/", "/signin", "/api/instances", "/api/openapi.json"] {
        let response = browser.get(path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none(),
            "no HSTS over plain http"
        );
    }
    let script = browser.get("/static/app.js").await;
    assert_ne!(
        script.headers()["cache-control"],
        "no-store",
        "static files cache"
    );

    // A form over the body limit: the JSON error, not the framework's plain text.
    let huge = "x".repeat(200 * 1024);
    let response = browser
        .post(
            "/ui/instances",
            &[
                ("_csrf", csrf.as_str()),
                ("name", huge.as_str()),
                ("phone", "1"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(error["code"], "payload_too_large");
    let user = app.new_user().await;
    let response = app
        .request(&user, reqwest::Method::POST, "/api/instances")
        .header("content-type", "application/json")
        .body(format!("{{\"name\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    expect_error(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

async fn https_servers_send_hsts_and_host_prefixed_cookies(app: TestApp) {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let response = client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-zf_csrf="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain="), "{cookie}");
}
