//! The main flows in a real browser (Debian's headless chromium): sign up, create
//! an instance (a bad phone first), connect, scan through the sandbox phone, and
//! watch the badge turn "Conectado" without reload in two tabs; then disconnect
//! and reconnect. Screenshots of each screen go to a folder the test prints.

use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use reqwest::StatusCode;
use serde_json::json;

/// Waits until the page's status badge reads `label`.
async fn wait_for_badge(browser: &Browser, label: &str) {
    browser
        .wait_for(&format!("the badge to say {label}"), || async {
            (browser
                .text(&browser.find("[data-testid=badge]").await)
                .await
                == label)
                .then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_signs_up_creates_and_connects_an_instance_live() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let shots = webdriver::screenshot_dir();
    println!("screenshots: {}", shots.display());
    let browser = Browser::start().await;

    // A signed-out visitor is sent to sign-in.
    browser.goto(&app.url("/")).await;
    browser.find("form[action='/signin']").await;
    assert!(browser.url().await.ends_with("/signin"));
    browser.find("[data-testid=sandbox-banner]").await;
    browser.screenshot(&shots.join("01-signin.png")).await;

    // Sign up: the first account, straight to an empty list.
    crate::browser_list::sign_up(&browser, &app, "ana@loja.com.br", "uma senha forte").await;
    browser.find("[data-testid=empty-state]").await;
    browser.screenshot(&shots.join("02-empty.png")).await;

    // "Nova Instância": a bad phone gets an inline error from the server's rules.
    browser
        .click(&browser.find("[data-testid=new-instance]").await)
        .await;
    browser
        .type_into(&browser.find("#instance-name").await, "Loja Centro")
        .await;
    browser
        .type_into(&browser.find("#instance-phone").await, "12345")
        .await;
    browser
        .click(&browser.find("[data-testid=create-submit]").await)
        .await;
    let error = browser.find("[data-testid=phone-error]").await;
    assert!(
        browser.text(&error).await.contains("DDD"),
        "the inline error explains the rule"
    );
    browser.screenshot(&shots.join("03-inline-error.png")).await;

    // Correct it: a toast, the modal closes, the row appears.
    browser
        .type_into(&browser.find("#instance-phone").await, "(11) 99999-9999")
        .await;
    browser
        .click(&browser.find("[data-testid=create-submit]").await)
        .await;
    let toast = browser.find("[data-testid=toast]").await;
    assert!(browser.text(&toast).await.contains("criada"));
    let badge = browser.find("[data-testid=badge]").await;
    assert_eq!(browser.text(&badge).await, "Desconectado");
    assert_eq!(
        browser
            .script("return document.getElementById('new-instance').open")
            .await,
        json!(false)
    );
    assert!(
        browser
            .script("return document.body.innerText")
            .await
            .as_str()
            .unwrap()
            .contains("+55 11 99999-9999")
    );
    browser.screenshot(&shots.join("04-created.png")).await;

    // A second tab on the same list.
    let first_tab = browser.tab().await;
    let second_tab = browser.new_tab().await;
    browser.switch_to(&second_tab).await;
    browser.goto(&app.url("/")).await;
    browser.find("[data-testid=badge]").await;
    browser.switch_to(&first_tab).await;

    // Connect: the QR shows, the badge says connecting.
    browser
        .click(&browser.find("[data-testid=connect]").await)
        .await;
    browser.find("[data-testid=qr]").await;
    let src = browser
        .script("return document.querySelector('[data-testid=qr]').src")
        .await;
    let src = src.as_str().unwrap().to_owned();
    assert!(src.starts_with("data:image/png;base64,"));
    wait_for_badge(&browser, "Conectando").await;
    browser.screenshot(&shots.join("05-qr.png")).await;

    // The phone scans the QR it was shown: connected, live, in both tabs.
    let scanned = app
        .client
        .post(format!("{}/sandbox/phone/scan", app.sandbox))
        .header("admintoken", &app.sandbox_token)
        .json(&json!({"qrcode": src}))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), StatusCode::OK);
    browser
        .wait_for("the modal's success state", || async {
            browser
                .script("return document.querySelector('[data-connect-modal]').dataset.status")
                .await
                .as_str()
                .map(|s| s == "connected")
                .unwrap_or(false)
                .then_some(())
        })
        .await;
    browser.find("[data-testid=connected-state]").await;
    wait_for_badge(&browser, "Conectado").await;
    browser.screenshot(&shots.join("06-connected.png")).await;
    browser.switch_to(&second_tab).await;
    wait_for_badge(&browser, "Conectado").await;
    browser.screenshot(&shots.join("07-second-tab.png")).await;
    browser.switch_to(&first_tab).await;

    // The instance page: disconnect (confirmed), then reconnect with "simular leitura".
    browser
        .script("document.getElementById('connect-dialog').close()")
        .await;
    browser
        .click(&browser.find("td a[href^='/instances/']").await)
        .await;
    browser.find("[data-testid=disconnect]").await;
    browser
        .click(&browser.find("[data-testid=disconnect]").await)
        .await;
    browser.accept_alert().await;
    wait_for_badge(&browser, "Desconectado").await;
    browser
        .screenshot(&shots.join("08-instance-page.png"))
        .await;
    browser
        .click(&browser.find("button[data-connect]").await)
        .await;
    browser.find("[data-testid=qr]").await;
    browser
        .click(&browser.find("[data-testid=simulate-scan]").await)
        .await;
    wait_for_badge(&browser, "Conectado").await;
    browser.screenshot(&shots.join("09-reconnected.png")).await;

    // Send a message from the instance page: it appears, and moves to "read" live.
    browser
        .script("document.getElementById('connect-dialog').close()")
        .await;
    // Sent empty, the browser's own check speaks the page's language.
    browser
        .click(&browser.find("[data-testid=send-message]").await)
        .await;
    assert_eq!(
        browser
            .script("return document.getElementById('send-to').validationMessage")
            .await,
        "Preencha este campo."
    );
    browser
        .type_into(&browser.find("#send-to").await, "(11) 97777-6666")
        .await;
    browser
        .type_into(&browser.find("#send-text").await, "Olá do zapfleet")
        .await;
    browser
        .click(&browser.find("[data-testid=send-message]").await)
        .await;
    // The outbox paces sends (1 to 3 s by default) and the sandbox's phone
    // reads a moment later: on a loaded machine this takes more than 10 s.
    crate::helpers::eventually(
        std::time::Duration::from_secs(30),
        "the message to be read",
        || async {
            let status = browser.find_now("[data-testid=message-status]").await?;
            // The page speaks Portuguese: "lida", never the stored "read".
            (browser.text(&status).await == "lida").then_some(())
        },
    )
    .await;
    browser.goto(&browser.url().await).await;
    let stats = browser
        .text(&browser.find("[data-testid=stats]").await)
        .await;
    assert!(
        stats.contains("Enviadas\n1") || stats.contains("Enviadas 1"),
        "{stats}"
    );
    assert!(
        browser
            .script("return document.querySelectorAll('svg.chart rect').length")
            .await
            .as_u64()
            .unwrap()
            == 28
    );
    browser
        .screenshot(&shots.join("10-messages-and-stats.png"))
        .await;
    browser.goto(&app.url("/")).await;
    let overview = browser
        .text(&browser.find("[data-testid=overview]").await)
        .await;
    assert!(
        overview.contains("Enviadas\n1") || overview.contains("Enviadas 1"),
        "{overview}"
    );
    assert_eq!(
        browser
            .text(&browser.find("[data-testid=usage]").await)
            .await,
        "1 / 0"
    );
    browser.screenshot(&shots.join("11-overview.png")).await;
}
