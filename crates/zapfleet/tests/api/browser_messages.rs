//! The instance page's messages beyond the latest 20: pages, and filters by
//! direction and status chosen from the page (the live list keeps them).

use crate::browser_list::sign_in;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use serde_json::json;

async fn rows(browser: &Browser) -> u64 {
    browser
        .script("return document.querySelectorAll('[data-testid=messages] tbody tr').length")
        .await
        .as_u64()
        .unwrap_or(0)
}

/// Clicks `css`, found afresh each time, until `shown` is on the page: the live
/// list may be replaced between finding and clicking (the click then misses,
/// and a person clicks again).
async fn click_until(browser: &Browser, css: &str, shown: &str) {
    browser
        .wait_for(&format!("{css} to show {shown}"), || async {
            let shown = browser
                .script(&format!(
                    "return (document.querySelector('[data-testid=messages-pager]')?.textContent || '').includes('{shown}') || !!document.querySelector('{shown}')"
                ))
                .await;
            if shown == serde_json::Value::Bool(true) {
                return Some(());
            }
            if let Some(target) = browser.find_now(css).await {
                browser.try_click(&target).await;
            }
            None
        })
        .await;
}

async fn pager_says(browser: &Browser, expected: &str) {
    browser
        .wait_for(&format!("the messages pager to say {expected}"), || async {
            let pager = browser.find_now("[data-testid=messages-pager]").await?;
            browser.text(&pager).await.contains(expected).then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_page_past_the_latest_twenty_and_filter_by_direction() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    let instance = app.connected_instance(&user, "Loja Centro").await;
    let id = instance["id"].as_str().unwrap().to_owned();
    for n in 1..=23 {
        let sent = app
            .send(
                &user,
                &id,
                json!({"to": "11 97777-6666", "text": format!("Oferta {n}")}),
            )
            .await;
        assert!(sent.status().is_success());
    }
    let browser = Browser::start().await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser.goto(&app.url(&format!("/instances/{id}"))).await;
    pager_says(&browser, "1 / 2 (23)").await;
    assert_eq!(rows(&browser).await, 20);

    click_until(&browser, "[data-testid=messages-next]", "2 / 2 (23)").await;
    assert_eq!(rows(&browser).await, 3);
    let oldest = browser
        .text(&browser.find("[data-testid=messages]").await)
        .await;
    assert!(oldest.contains("Oferta 1"), "{oldest}");
    click_until(&browser, "[data-testid=messages-previous]", "1 / 2 (23)").await;

    // Only received messages: none yet.
    click_until(
        &browser,
        "#message-direction option[value=in]",
        "[data-testid=no-messages]",
    )
    .await;
    // Sent ones again: both pages back.
    click_until(
        &browser,
        "#message-direction option[value=out]",
        "1 / 2 (23)",
    )
    .await;
}
