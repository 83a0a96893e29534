//! The account's forward webhook as a page: set it by typing (a short secret
//! first: the error beside it, the URL and events kept), watch a delivery fail
//! until it is a dead letter, send it again with "Reenviar" and see it
//! delivered. axe-core checks the page, at a desktop's size and a phone's.

use crate::a11y;
use crate::browser_list::{navigate, sign_in};
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A receiver that answers 500 to its first `failures` requests, then 200.
async fn receiver(failures: usize) -> (String, Arc<AtomicUsize>) {
    let left = Arc::new(AtomicUsize::new(failures));
    let accepted = Arc::new(AtomicUsize::new(0));
    let (state, seen) = (left.clone(), accepted.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let (state, seen) = (state.clone(), seen.clone());
            async move {
                if state.load(Ordering::SeqCst) > 0 {
                    state.fetch_sub(1, Ordering::SeqCst);
                    return StatusCode::INTERNAL_SERVER_ERROR;
                }
                seen.fetch_add(1, Ordering::SeqCst);
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, accepted)
}

/// Reloads the page until the first delivery's status label reads `label`.
async fn wait_for_delivery(browser: &Browser, label: &str) {
    browser
        .wait_for(&format!("a delivery that reads {label}"), || async {
            browser.script("location.reload()").await;
            let status = browser.find("[data-testid=delivery-status-label]").await;
            (browser.text(&status).await == label).then_some(())
        })
        .await;
}

async fn set_fail_and_replay(width: u32, height: u32) {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    let (url, accepted) = receiver(10).await;
    let browser = Browser::start().await;
    browser.resize(width, height).await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    navigate(&browser, "nav-webhooks").await;
    browser.find("[data-testid=no-deliveries]").await;
    let mut found = a11y::violations(&browser, "the webhooks page").await;

    // A secret too short: the error, and the URL and events kept.
    browser
        .type_into(&browser.find("#webhook-url").await, &url)
        .await;
    browser
        .click(
            &browser
                .find("input[name=events][value='instance.created']")
                .await,
        )
        .await;
    browser
        .type_into(&browser.find("#webhook-secret").await, "curto")
        .await;
    browser
        .click(&browser.find("[data-testid=webhook-save]").await)
        .await;
    let error = browser.find("[data-testid=webhook-error]").await;
    assert!(browser.text(&error).await.contains("16 a 200"));
    assert_eq!(
        browser
            .script("return document.getElementById('webhook-url').value")
            .await,
        json!(url)
    );
    assert_eq!(
        browser
            .script("return document.querySelector(\"input[name=events][value='instance.created']\").checked")
            .await,
        json!(true)
    );
    found.extend(a11y::violations(&browser, "the webhooks page with an error").await);
    browser
        .type_into(
            &browser.find("#webhook-secret").await,
            "um segredo bem comprido",
        )
        .await;
    browser
        .click(&browser.find("[data-testid=webhook-save]").await)
        .await;
    browser.find("[data-testid=toast]").await;
    browser.find("[data-testid=webhook-remove]").await;

    // An instance is created: its event fails until it is a dead letter.
    app.create_instance(&user, "Loja Centro", "11 99999-0001")
        .await;
    wait_for_delivery(&browser, "Falhou").await;
    let events = browser
        .text(&browser.find("[data-testid=deliveries]").await)
        .await;
    assert!(events.contains("Instância criada"), "{events}");
    found.extend(a11y::violations(&browser, "the delivery log").await);

    // "Reenviar": the receiver accepts it now.
    browser
        .click(&browser.find("[data-testid=replay]").await)
        .await;
    browser.find("[data-testid=toast]").await;
    wait_for_delivery(&browser, "Entregue").await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert!(
        found.is_empty(),
        "axe-core found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_webhook_is_set_fails_and_is_replayed_on_a_desktop() {
    if !webdriver::available() {
        return;
    }
    set_fail_and_replay(1366, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_webhook_is_set_fails_and_is_replayed_on_a_phone() {
    if !webdriver::available() {
        return;
    }
    set_fail_and_replay(390, 844).await;
}
