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

    browser
        .click(&browser.find("[data-testid=messages-next]").await)
        .await;
    pager_says(&browser, "2 / 2 (23)").await;
    assert_eq!(rows(&browser).await, 3);
    let oldest = browser
        .text(&browser.find("[data-testid=messages]").await)
        .await;
    assert!(oldest.contains("Oferta 1"), "{oldest}");
    browser
        .click(&browser.find("[data-testid=messages-previous]").await)
        .await;
    pager_says(&browser, "1 / 2 (23)").await;

    // Only received messages: none yet.
    browser
        .click(&browser.find("#message-direction option[value=in]").await)
        .await;
    browser.find("[data-testid=no-messages]").await;
    // Sent ones again: both pages back.
    browser
        .click(&browser.find("#message-direction option[value=out]").await)
        .await;
    pager_says(&browser, "1 / 2 (23)").await;
}
