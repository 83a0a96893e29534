//! Accounts in the browser when things go wrong: many first sign-ups at once, a
//! database that stops answering during sign-in, and errors shown as pages.

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{Browser, Page};
use futures_util::future::join_all;
use reqwest::StatusCode;

on_both_backends!(
    of_first_sign_ups_at_the_same_moment_only_one_gets_in_as_admin,
    a_database_outage_at_sign_in_is_not_a_wrong_password,
    page_errors_are_pages_and_htmx_errors_are_toasts,
);

async fn of_first_sign_ups_at_the_same_moment_only_one_gets_in_as_admin(app: TestApp) {
    let browsers: Vec<Browser> = (0..12).map(|_| Browser::new(&app)).collect();
    let mut tokens = Vec::new();
    for browser in &browsers {
        tokens.push(browser.page("/signup").await.csrf());
    }
    let signed_up = join_all(browsers.iter().zip(&tokens).enumerate().map(
        |(n, (browser, csrf))| async move {
            let email = format!("dono{n}@loja.com.br");
            browser
                .post(
                    "/signup",
                    &[
                        ("_csrf", csrf.as_str()),
                        ("email", &email),
                        ("password", "uma senha forte"),
                    ],
                )
                .await
                .status()
        },
    ))
    .await;
    // Sign-ups close once the first account exists; the others are refused
    // (or slowed, all coming from one address).
    assert_eq!(
        signed_up
            .iter()
            .filter(|s| **s == StatusCode::SEE_OTHER)
            .count(),
        1,
        "{signed_up:?}"
    );
    assert!(
        signed_up.iter().all(|s| [
            StatusCode::SEE_OTHER,
            StatusCode::FORBIDDEN,
            StatusCode::TOO_MANY_REQUESTS
        ]
        .contains(s)),
        "{signed_up:?}"
    );
    let users = app.store.list_users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert!(
        users[0].is_admin,
        "the first account administers the server"
    );
}

async fn a_database_outage_at_sign_in_is_not_a_wrong_password(app: TestApp) {
    Browser::new(&app).sign_up("queda@loja.com.br").await;
    let browser = Browser::new(&app);
    let csrf = browser.page("/signin").await.csrf();
    app.store.close().await;
    let answer = browser
        .post(
            "/signin",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "queda@loja.com.br"),
                ("password", "uma senha forte"),
            ],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "a page, not JSON"
    );
    let page = Page::parse(&answer.text().await.unwrap());
    assert_eq!(
        page.text("main p:first-of-type"),
        "Banco de dados indisponível. Tente novamente em instantes."
    );
}

async fn page_errors_are_pages_and_htmx_errors_are_toasts(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("erros@loja.com.br").await;
    let path = "/ui/instances/nao-existe/disconnect";
    let answer = browser.post(path, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    let page = Page::parse(&answer.text().await.unwrap());
    assert_eq!(page.text("main h1"), "Não encontrado.");
    assert_eq!(page.attr("html", "lang"), "pt-BR");

    let htmx = browser
        .client
        .post(browser.url(path))
        .header("hx-request", "true")
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(htmx.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        htmx.headers()["hx-reswap"],
        "none",
        "the page stays as it is"
    );
    let trigger = htmx.headers()["hx-trigger"].to_str().unwrap().to_owned();
    let toast: serde_json::Value = serde_json::from_str(&trigger).unwrap();
    assert_eq!(toast["toast"]["kind"], "error");
    assert_eq!(toast["toast"]["message"], "Não encontrado.");
}
