//! At a phone's 390×844: the sandbox note and the header stay within ~120 px
//! (the navigation folds behind "Menu"),
//! tables become stacked cards whose cells name their column, and every action
//! (the list's row buttons, Revogar) is on screen. And a tab left open from an
//! older session gets "reload the page", not a bare error.

use crate::browser_list::sign_in;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_the_header_is_short_and_tables_are_cards() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    app.create_instance(&user, "Loja Centro", "11 99999-0001")
        .await;
    let browser = Browser::start().await;
    browser.resize(390, 844).await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser.find("[data-testid=badge]").await;

    let bottom = browser
        .script(
            "return document.querySelector('[data-testid=top-bar]').getBoundingClientRect().bottom",
        )
        .await;
    assert!(
        bottom.as_f64().unwrap() <= 120.0,
        "the sandbox note and the header take {bottom} px"
    );
    // The navigation is folded behind "Menu" and opens in place.
    let account = browser.find("[data-testid=nav-account]").await;
    assert!(!browser.displayed(&account).await, "folded until asked");
    browser
        .click(&browser.find("[data-testid=menu-toggle]").await)
        .await;
    assert!(
        browser.displayed(&account).await,
        "Menu opens the navigation"
    );
    assert_eq!(
        browser
            .script("return document.querySelector('[data-testid=menu-toggle]').getAttribute('aria-expanded')")
            .await,
        json!("true")
    );
    browser
        .click(&browser.find("[data-testid=menu-toggle]").await)
        .await;
    assert!(!browser.displayed(&account).await, "and closes again");
    // No sideways scrolling of the page itself.
    let overflow = browser
        .script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        )
        .await;
    assert!(
        overflow.as_f64().unwrap() <= 0.0,
        "the page is {overflow} px too wide"
    );

    // The row is a card: its phone and last connection are there, labelled.
    let labels = browser
        .script("return [...document.querySelectorAll('#instance-table tbody td[data-label]')].map(td => td.dataset.label)")
        .await;
    for column in ["Nome", "Telefone", "Status", "Última conexão"] {
        assert!(
            labels
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l.as_str().is_some_and(|l| l.contains(column))),
            "{column} in {labels}"
        );
    }
    let phone = browser.find("#instance-table tbody td:nth-child(3)").await;
    assert!(
        browser.displayed(&phone).await,
        "the phone shows on a phone"
    );
    let all = browser.find("[data-testid=select-all]").await;
    assert!(browser.displayed(&all).await, "select-all shows on a phone");
    browser.click(&all).await;
    let delete = browser.find("#bulk button[value=delete]").await;
    assert!(browser.displayed(&delete).await);
    assert_eq!(
        browser
            .script("return document.querySelector('#bulk button[value=delete]').disabled")
            .await,
        json!(false),
        "the bulk bar works from a phone"
    );
    let connect = browser.find("[data-testid=connect]").await;
    assert!(browser.displayed(&connect).await);
    let table_scrolls = browser
        .script("const w = document.querySelector('#instance-table .table-wrap'); return w.scrollWidth > w.clientWidth + 1")
        .await;
    assert_eq!(table_scrolls, json!(false), "the cards fit the screen");
}

/// Signs out and back in, in the current tab.
async fn sign_in_again(browser: &Browser, app: &crate::helpers::TestApp, email: &str) {
    browser.goto(&app.url("/")).await;
    browser
        .click(&browser.find("[data-testid=signout]").await)
        .await;
    browser.find("form[action='/signin']").await;
    sign_in(browser, app, email, "correct horse battery").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_from_an_older_session_is_told_to_reload() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    app.create_instance(&user, "Loja Centro", "11 99999-0001")
        .await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser.find("[data-testid=badge]").await;
    let old_tab = browser.tab().await;

    // Another tab signs out and in again: a new session, a new CSRF token.
    let new_tab = browser.new_tab().await;
    browser.switch_to(&new_tab).await;
    sign_in_again(&browser, &app, &user.email).await;
    browser.switch_to(&old_tab).await;

    // An htmx action from the old tab: a toast that says to reload.
    browser
        .click(
            &browser
                .find("tr[data-name='Loja Centro'] input[name=ids]")
                .await,
        )
        .await;
    browser
        .click(&browser.find("#bulk button[value=disconnect]").await)
        .await;
    browser.accept_alert().await;
    let toast = browser.find("[data-testid=toast].toast-error").await;
    let text = browser.text(&toast).await;
    assert!(text.contains("Recarregue a página"), "{text}");
    assert_eq!(
        browser
            .script("return document.querySelectorAll('[data-testid=toast]').length")
            .await,
        json!(1),
        "one toast that explains, not a second bare 'Erro'"
    );

    // A plain form from a page loaded before the next sign-in: a page that says the same.
    browser.goto(&app.url("/tokens")).await;
    browser.find("#token-name").await;
    browser.switch_to(&new_tab).await;
    sign_in_again(&browser, &app, &user.email).await;
    browser.switch_to(&old_tab).await;
    browser
        .type_into(&browser.find("#token-name").await, "integração")
        .await;
    browser
        .click(
            &browser
                .find("form[action='/tokens'] button[type=submit]")
                .await,
        )
        .await;
    let body = browser
        .wait_for("the reload page", || async {
            let body = browser.script("return document.body.innerText").await;
            body.as_str()
                .filter(|b| b.contains("Recarregar a página"))
                .map(str::to_owned)
        })
        .await;
    assert!(body.contains("Recarregue a página"), "{body}");
}
