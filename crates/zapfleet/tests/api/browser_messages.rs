//! The instance page's messages beyond the latest 20: pages, filters by
//! direction, status and day chosen from the page (the live list keeps them);
//! "Tentar de novo" on a refused message; a picture sent from the computer.

use crate::browser_instance::toast_saying;
use crate::browser_list::sign_in;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use zapfleet::domain::{Day, TimeZone, Timestamp};

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
    // Found afresh each time: the live list is replaced as receipts arrive.
    browser
        .wait_for("the oldest message on page 2", || async {
            let list = browser.find_now("[data-testid=messages]").await?;
            browser.text(&list).await.contains("Oferta 1").then_some(())
        })
        .await;
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

/// A 1×1 PNG, as a person would pick from their computer.
const PICTURE: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// Types a day into a date field in the order the field shows (headless
/// chromium may show mm/dd/yyyy whatever the page's language): a first date
/// typed tells the order, as a person sees it, then the day is typed.
async fn type_date(browser: &Browser, css: &str, day: Day) {
    browser
        .type_into(&browser.find(css).await, "01022003")
        .await;
    let probe = browser
        .script(&format!("return document.querySelector('{css}').value"))
        .await;
    let d = day.to_string();
    let (year, month, day) = (&d[0..4], &d[5..7], &d[8..10]);
    let keys = if probe == "2003-02-01" {
        format!("{day}{month}{year}")
    } else {
        format!("{month}{day}{year}")
    };
    browser.type_into(&browser.find(css).await, &keys).await;
    let typed = browser
        .script(&format!("return document.querySelector('{css}').value"))
        .await;
    assert_eq!(typed, d.as_str(), "the date field holds the day typed");
}

async fn statuses(browser: &Browser) -> Vec<String> {
    let shown = browser
        .script("return [...document.querySelectorAll('[data-testid=message-status]')].map(b => b.dataset.status)")
        .await;
    shown
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Someone else's phone scanned the QR, and the provider refused a message:
/// the page flags the number, the person presses "Tentar de novo" and the
/// message goes out; they narrow the list to a day, then send a picture from
/// their computer with a caption, and the form clears.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_message_is_retried_days_are_filtered_and_a_picture_is_sent() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    let instance = app.create_instance(&user, "Vitrine", "11 98888-7777").await;
    let id = instance["id"].as_str().unwrap().to_owned();
    let started: Value = app
        .act(&user, &id, "connect", None)
        .await
        .json()
        .await
        .unwrap();
    app.sandbox(
        Method::POST,
        "/sandbox/phone/scan",
        json!({"qrcode": started["login"]["qrcode"], "phone": "5521977776666"}),
    )
    .await;
    app.wait_for_status(&user, &id, "connected", Duration::from_secs(10))
        .await;
    app.set_delays(&user, &id, 0, 0).await;
    app.sandbox(
        Method::PUT,
        "/sandbox/faults",
        json!({"error_rate": 1.0, "error_status": 400}),
    )
    .await;
    app.send(
        &user,
        &id,
        json!({"to": "11 97777-6666", "text": "Pedido 42 saiu"}),
    )
    .await;
    app.wait_for_messages(&user, &id, 1, &["failed"], Duration::from_secs(30))
        .await;
    app.sandbox(Method::DELETE, "/sandbox/faults", json!({}))
        .await;

    let browser = Browser::start().await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser.goto(&app.url(&format!("/instances/{id}"))).await;
    let flag = browser.find("[data-testid=connected-phone-differs]").await;
    assert_eq!(browser.text(&flag).await, "Diferente do número configurado");
    let number = browser
        .text(&browser.find("[data-testid=connected-phone]").await)
        .await;
    assert!(number.starts_with("+55 21 97777-6666"), "{number}");

    browser
        .click(&browser.find("[data-testid=retry-message]").await)
        .await;
    toast_saying(&browser, "Mensagem de volta na fila.").await;
    app.wait_for_messages(
        &user,
        &id,
        1,
        &["sent", "delivered", "read"],
        Duration::from_secs(30),
    )
    .await;
    // The page follows by itself (live events).
    browser
        .wait_for("the retried message to go out", || async {
            let shown = statuses(&browser).await;
            (shown.len() == 1 && ["sent", "delivered", "read"].contains(&shown[0].as_str()))
                .then_some(())
        })
        .await;
    assert!(
        browser
            .find_now("[data-testid=retry-message]")
            .await
            .is_none()
    );
    assert_eq!(app.twin(&instance).await["sentCount"], 1);

    // Tomorrow (in the account's São Paulo calendar) has no messages; today has it.
    let today = TimeZone::default().day_of(Timestamp::now());
    type_date(&browser, "#message-since", today.plus_days(1)).await;
    browser.find("[data-testid=no-messages]").await;
    type_date(&browser, "#message-since", today).await;
    browser
        .wait_for("today's message back", || async {
            (rows(&browser).await == 1).then_some(())
        })
        .await;

    // A picture with a caption, chosen from the computer.
    let folder = std::env::temp_dir().join(format!("zapfleet-picture-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let picture = folder.join("vitrine.png");
    std::fs::write(&picture, PICTURE).unwrap();
    browser
        .click(&browser.find("#send-kind option[value=image]").await)
        .await;
    let file = browser.find("#send-file").await;
    assert!(
        browser.displayed(&file).await,
        "the file field shows for media"
    );
    assert!(!browser.displayed(&browser.find("#send-text").await).await);
    browser.choose_file(&file, &picture).await;
    browser
        .type_into(&browser.find("#send-caption").await, "Nossa vitrine nova")
        .await;
    browser
        .type_into(&browser.find("#send-to").await, "11 97777-6666")
        .await;
    browser
        .click(&browser.find("[data-testid=send-message]").await)
        .await;
    toast_saying(&browser, "Mensagem na fila").await;
    browser
        .wait_for("the picture in the list", || async {
            let list = browser
                .text(&browser.find_now("[data-testid=messages]").await?)
                .await;
            list.contains("Nossa vitrine nova").then_some(())
        })
        .await;
    // The form is ready for the next text.
    let cleared = browser
        .script("return [document.querySelector('#send-kind').value, document.querySelector('#send-caption').value, document.querySelector('#send-file').files.length]")
        .await;
    assert_eq!(cleared, json!(["text", "", 0]));
    assert!(browser.displayed(&browser.find("#send-text").await).await);
    let sent = app
        .wait_for_messages(
            &user,
            &id,
            2,
            &["sent", "delivered", "read"],
            Duration::from_secs(30),
        )
        .await;
    assert!(
        sent.iter()
            .any(|m| m["kind"] == "image" && m["uploadBytes"] == PICTURE.len())
    );
    std::fs::remove_dir_all(&folder).ok();
}
