//! The instance page as a person uses it, at a desktop's size and a phone's:
//! edit the name and phone (a mistake first: the error beside the field, what
//! was typed kept), settings in seconds with event checkboxes (same), toasts
//! for save, disconnect and delete, the send form cleared after a send, and
//! the status history growing live. axe-core checks the page with its errors.

use crate::a11y;
use crate::browser_list::sign_in;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use serde_json::json;

/// Waits for a toast that says `words`.
pub(crate) async fn toast_saying(browser: &Browser, words: &str) {
    browser
        .wait_for(&format!("a toast saying {words}"), || async {
            let text = browser
                .script("return [...document.querySelectorAll('[data-testid=toast]')].map(t => t.textContent).join(' | ')")
                .await;
            text.as_str().filter(|t| t.contains(words)).map(|_| ())
        })
        .await;
}

async fn history_lines(browser: &Browser) -> u64 {
    browser
        .script("return document.querySelectorAll('[data-testid=history] tr').length")
        .await
        .as_u64()
        .unwrap_or(0)
}

async fn value(browser: &Browser, css: &str) -> serde_json::Value {
    browser
        .script(&format!("return document.querySelector('{css}').value"))
        .await
}

async fn edit_settings_and_send(width: u32, height: u32) {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    app.create_instance(&user, "Loja Centro", "11 99999-0001")
        .await;
    let browser = Browser::start().await;
    browser.resize(width, height).await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser
        .click(&browser.find("td a[href^='/instances/']").await)
        .await;
    browser.find("[data-testid=edit-details]").await;
    let mut found = Vec::new();

    // Messages come before the settings, which are folded.
    let order = browser
        .script("const m = document.getElementById('messages-title'), s = document.getElementById('settings-title'); return !!(m.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING)")
        .await;
    assert_eq!(order, json!(true), "messages first");
    let delay = browser.find("#delay-min").await;
    assert!(!browser.displayed(&delay).await, "settings start folded");

    // Edit: a bad phone first.
    browser
        .click(&browser.find("[data-testid=edit-details] summary").await)
        .await;
    browser
        .type_into(&browser.find("#edit-name").await, "Loja Centro 2")
        .await;
    browser
        .type_into(&browser.find("#edit-phone").await, "123")
        .await;
    browser
        .click(&browser.find("[data-testid=edit-submit]").await)
        .await;
    let error = browser.find("[data-testid=edit-phone-error]").await;
    assert!(browser.text(&error).await.contains("DDD"));
    assert_eq!(value(&browser, "#edit-name").await, json!("Loja Centro 2"));
    assert_eq!(value(&browser, "#edit-phone").await, json!("123"));
    browser
        .wait_for("focus on the field to fix", || async {
            (browser.script("return document.activeElement.id").await == "edit-phone").then_some(())
        })
        .await;
    found.extend(a11y::violations(&browser, "the instance page with an edit error").await);
    browser
        .type_into(&browser.find("#edit-phone").await, "(21) 98888-7777")
        .await;
    browser
        .click(&browser.find("[data-testid=edit-submit]").await)
        .await;
    toast_saying(&browser, "Instância atualizada.").await;
    assert_eq!(
        browser.text(&browser.find("h1").await).await,
        "Loja Centro 2"
    );
    assert_eq!(
        browser
            .text(&browser.find("[data-testid=configured-phone]").await)
            .await,
        "+55 21 98888-7777"
    );
    assert!(
        !browser.url().await.contains("done="),
        "a reload would not toast again"
    );

    // Settings: delays in seconds, events as labelled checkboxes; a mistake first.
    browser
        .click(&browser.find("[data-testid=settings-details] summary").await)
        .await;
    browser
        .type_into(&browser.find("#delay-min").await, "9")
        .await;
    browser
        .type_into(&browser.find("#delay-max").await, "2")
        .await;
    browser
        .click(
            &browser
                .find("input[name=hook_events][value='message.received']")
                .await,
        )
        .await;
    let labels = browser
        .text(&browser.find("[data-testid=hook-events]").await)
        .await;
    assert!(labels.contains("Mensagens recebidas"), "{labels}");
    browser
        .click(&browser.find("[data-testid=settings-save]").await)
        .await;
    let error = browser.find("[data-testid=settings-error]").await;
    assert!(browser.text(&error).await.contains("segundos"));
    assert_eq!(value(&browser, "#delay-min").await, json!("9"));
    assert_eq!(
        browser
            .script("return document.querySelector(\"input[name=hook_events][value='message.received']\").checked")
            .await,
        json!(true),
        "the checked event stays checked"
    );
    found.extend(a11y::violations(&browser, "the instance page with a settings error").await);
    browser
        .type_into(&browser.find("#delay-min").await, "1,5")
        .await;
    browser
        .click(&browser.find("[data-testid=settings-save]").await)
        .await;
    toast_saying(&browser, "Configurações salvas.").await;
    browser
        .click(&browser.find("[data-testid=settings-details] summary").await)
        .await;
    assert_eq!(value(&browser, "#delay-min").await, json!("1.5"));
    assert_eq!(
        browser
            .script("return document.getElementById('hook-secret').type")
            .await,
        json!("password")
    );

    // Connect with "Simular leitura": the history grows without a reload.
    let before = history_lines(&browser).await;
    browser
        .click(&browser.find("button[data-connect]").await)
        .await;
    browser
        .click(&browser.find("[data-testid=simulate-scan]").await)
        .await;
    browser.find("[data-testid=connected-state]").await;
    browser
        .click(&browser.find("#connect-dialog [data-close-dialog]").await)
        .await;
    browser
        .wait_for("the history to grow live", || async {
            (history_lines(&browser).await >= before + 2).then_some(())
        })
        .await;
    let reconnect = browser.find("button[data-connect]").await;
    assert!(
        !browser.displayed(&reconnect).await,
        "no Reconectar while connected"
    );

    // Send: the form clears.
    browser
        .type_into(&browser.find("#send-to").await, "(11) 97777-6666")
        .await;
    browser
        .type_into(&browser.find("#send-text").await, "Olá")
        .await;
    browser
        .click(&browser.find("[data-testid=send-message]").await)
        .await;
    browser.find("[data-testid=message-status]").await;
    browser
        .wait_for("the form to clear", || async {
            (value(&browser, "#send-text").await == json!("")).then_some(())
        })
        .await;
    assert_eq!(value(&browser, "#send-to").await, json!(""));

    // Disconnect and delete, each confirmed with a toast.
    browser
        .click(&browser.find("[data-testid=disconnect]").await)
        .await;
    browser.accept_alert().await;
    toast_saying(&browser, "Instância desconectada.").await;
    let reconnect = browser.find("button[data-connect]").await;
    assert!(
        browser.displayed(&reconnect).await,
        "Reconectar after a disconnect"
    );
    browser
        .click(&browser.find("[data-testid=delete]").await)
        .await;
    browser.accept_alert().await;
    toast_saying(&browser, "Instância excluída.").await;
    assert!(
        found.is_empty(),
        "axe-core found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_page_edits_saves_sends_and_follows_live_on_a_desktop() {
    if !webdriver::available() {
        return;
    }
    edit_settings_and_send(1366, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_instance_page_edits_saves_sends_and_follows_live_on_a_phone() {
    if !webdriver::available() {
        return;
    }
    edit_settings_and_send(390, 844).await;
}
