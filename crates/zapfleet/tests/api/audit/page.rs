//! The audit page in a real browser: signed in, an instance created by
//! clicking, the header's link opens the log, in Portuguese, on a desktop and
//! on a phone.

use crate::browser_list::navigate;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use zapfleet::services::accounts;

/// The texts of the log's rows, once it shows `expected` lines.
async fn rows(browser: &Browser, expected: usize) -> Vec<String> {
    browser
        .wait_for(&format!("{expected} audit rows"), || async {
            let texts = browser
                .script(
                    "return [...document.querySelectorAll('[data-testid=audit-table] tbody tr')].map(r => r.innerText)",
                )
                .await;
            let texts: Vec<String> = texts
                .as_array()?
                .iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect();
            (texts.len() == expected).then_some(texts)
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_shows_what_was_done_on_a_desktop_and_a_phone() {
    if !webdriver::available() {
        return;
    }
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    accounts::create_user(&app.platform, "ana@loja.com.br", "uma senha forte", false)
        .await
        .unwrap();
    let browser = Browser::start().await;

    // Sign in through the form.
    browser.goto(&app.url("/signin")).await;
    browser
        .type_into(&browser.find("#email").await, "ana@loja.com.br")
        .await;
    browser
        .type_into(&browser.find("#password").await, "uma senha forte")
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser.find("[data-testid=empty-state]").await;

    // "Nova Instância", by clicking.
    browser
        .click(&browser.find("[data-testid=new-instance]").await)
        .await;
    browser
        .type_into(&browser.find("#instance-name").await, "Loja Centro")
        .await;
    browser
        .type_into(&browser.find("#instance-phone").await, "(11) 99999-9999")
        .await;
    browser
        .click(&browser.find("[data-testid=create-submit]").await)
        .await;
    browser.find("[data-testid=badge]").await;

    // The header's link opens the log: newest first, in Portuguese.
    navigate(&browser, "nav-audit").await;
    browser.find("[data-testid=audit-table]").await;
    assert!(browser.url().await.ends_with("/audit"));
    assert_eq!(browser.text(&browser.find("h1").await).await, "Auditoria");
    let desktop = rows(&browser, 2).await;
    assert!(desktop[0].contains("Criou instância"), "{desktop:?}");
    assert!(desktop[0].contains("Loja Centro"), "{desktop:?}");
    assert!(desktop[0].contains("127.0.0.1"), "where from: {desktop:?}");
    assert!(desktop[1].contains("Entrou"), "{desktop:?}");
    assert!(desktop[1].contains("ana@loja.com.br"), "{desktop:?}");
    assert!(
        !desktop.iter().any(|line| line.contains('{')),
        "details read as words, not JSON: {desktop:?}"
    );

    // Only the sign-ins, through the filter.
    browser
        .script("document.querySelector('[data-testid=audit-action]').value = 'sign_in'")
        .await;
    browser
        .click(&browser.find("[data-testid=audit-filter]").await)
        .await;
    browser
        .wait_for("the filtered page", || async {
            browser.url().await.contains("action=sign_in").then_some(())
        })
        .await;
    let filtered = rows(&browser, 1).await;
    assert!(filtered[0].contains("Entrou"), "{filtered:?}");

    // On a phone: the link is behind the header's Menu, the action and target still read.
    browser.resize(390, 844).await;
    browser.goto(&app.url("/")).await;
    navigate(&browser, "nav-audit").await;
    let phone = rows(&browser, 2).await;
    assert!(phone[0].contains("Criou instância"), "{phone:?}");
    assert!(phone[0].contains("Loja Centro"), "{phone:?}");
    let overflow = browser
        .script("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(
        overflow,
        serde_json::json!(true),
        "no sideways scrolling on a phone"
    );
}
