//! The instances list in a real browser, driven only by clicks and typing:
//! bulk actions on selected rows, paging with a filter, and (at phone size)
//! the tokens' and the admin's buttons. Screenshots go to the same folder as
//! the other browser tests.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::webdriver::{self, Browser};
use serde_json::Value;
use zapfleet::services::accounts;

/// Signs in through the sign-in form.
pub(crate) async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/signin")).await;
    browser
        .type_into(&browser.find("#email").await, email)
        .await;
    browser
        .type_into(&browser.find("#password").await, password)
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser.find("[data-testid=signout]").await;
}

/// Follows a link of the main navigation (`data-testid`), opening "Menu"
/// first where the page folds it away (a phone).
pub(crate) async fn navigate(browser: &Browser, testid: &str) {
    let menu = browser.find("[data-testid=menu-toggle]").await;
    if browser.displayed(&menu).await {
        browser.click(&menu).await;
    }
    browser
        .click(&browser.find(&format!("[data-testid={testid}]")).await)
        .await;
}

/// Signs up through the sign-up form, and waits to be signed in.
pub(crate) async fn sign_up(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/signup")).await;
    browser
        .type_into(&browser.find("#email").await, email)
        .await;
    browser
        .type_into(&browser.find("#password").await, password)
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser.find("[data-testid=signout]").await;
}

/// The names in the table's rows, top to bottom.
async fn row_names(browser: &Browser) -> Vec<String> {
    let names = browser
        .script(
            "return [...document.querySelectorAll('#instance-table tbody tr td:nth-child(2) a')]\
             .map(a => a.textContent.trim())",
        )
        .await;
    names
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// The badge text of the row of `name`.
async fn badge_of(browser: &Browser, name: &str) -> Option<String> {
    let text = browser
        .script(&format!(
            "return document.querySelector(\"#instance-table tr[data-name='{name}'] [data-testid=badge]\")?.textContent"
        ))
        .await;
    text.as_str().map(str::to_owned)
}

/// Clicks the checkboxes of these rows until each is checked: a live refresh
/// may swap the table between finding a box and clicking it (the click then
/// misses the stale box, and the person clicks again).
async fn select(browser: &Browser, names: &[&str]) {
    for name in names {
        let css = format!("tr[data-name='{name}'] input[name=ids]");
        browser
            .wait_for(&format!("{name} to be checked"), || async {
                let checkbox = browser.find_now(&css).await?;
                let checked = browser
                    .script(&format!(
                        "return document.querySelector(\"{css}\")?.checked === true"
                    ))
                    .await;
                if checked == serde_json::Value::Bool(true) {
                    return Some(());
                }
                browser.try_click(&checkbox).await;
                None
            })
            .await;
    }
}

/// Clicks the checkboxes of these rows, then the bulk button, and confirms.
async fn bulk(browser: &Browser, names: &[&str], action: &str) {
    select(browser, names).await;
    run_bulk(browser, action).await;
}

/// Clicks a bulk button and confirms.
async fn run_bulk(browser: &Browser, action: &str) {
    browser
        .click(
            &browser
                .find(&format!("#bulk button[name=action][value={action}]"))
                .await,
        )
        .await;
    browser.accept_alert().await;
}

async fn wait_for_badges(browser: &Browser, names: &[&str], label: &str) {
    for name in names {
        browser
            .wait_for(&format!("{name} to read {label}"), || async {
                (badge_of(browser, name).await.as_deref() == Some(label)).then_some(())
            })
            .await;
    }
}

/// The pager's "Página x / y (n)" text, once it says `expected`.
async fn wait_for_pager(browser: &Browser, expected: &str) {
    browser
        .wait_for(&format!("the pager to say {expected}"), || async {
            let pager = browser.find_now("nav.pager span").await?;
            browser.text(&pager).await.contains(expected).then_some(())
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_actions_and_paging_work_by_clicking() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    // 27 "Filial" and 3 "Depósito": a filter that still needs two pages.
    for n in 1..=30 {
        let name = if n <= 27 {
            format!("Filial {n:02}")
        } else {
            format!("Depósito {n:02}")
        };
        app.create_instance(&user, &name, &format!("11 9{n:04}-{n:04}"))
            .await;
    }
    let shots = webdriver::screenshot_dir();
    let browser = Browser::start().await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    wait_for_pager(&browser, "1 / 2 (30)").await;
    assert_eq!(row_names(&browser).await.len(), 25);

    // Connect three rows: their badges leave "Desconectado".
    let picked = ["Filial 27", "Filial 26", "Filial 25"];
    bulk(&browser, &picked, "connect").await;
    wait_for_badges(&browser, &picked, "Conectando").await;
    browser.find("[data-testid=toast].toast-success").await;
    assert_eq!(
        badge_of(&browser, "Filial 24").await.as_deref(),
        Some("Desconectado")
    );
    browser.screenshot(&shots.join("20-bulk-connect.png")).await;

    // Disconnect them again.
    bulk(&browser, &picked, "disconnect").await;
    wait_for_badges(&browser, &picked, "Desconectado").await;

    // Delete two. While they are checked, another instance arrives and the
    // table refreshes live: the two stay checked, and go.
    select(&browser, &["Depósito 30", "Depósito 29"]).await;
    app.create_instance(&user, "Matriz 31", "11 90031-0031")
        .await;
    wait_for_pager(&browser, "1 / 2 (31)").await;
    let checked = browser
        .script("return [...document.querySelectorAll('input[name=ids]:checked')].map(b => b.closest('tr').dataset.name)")
        .await;
    assert_eq!(checked, serde_json::json!(["Depósito 30", "Depósito 29"]));
    run_bulk(&browser, "delete").await;
    wait_for_pager(&browser, "1 / 2 (29)").await;
    let names = row_names(&browser).await;
    assert!(
        !names
            .iter()
            .any(|n| n == "Depósito 30" || n == "Depósito 29")
    );
    browser.screenshot(&shots.join("21-bulk-delete.png")).await;

    // Filter, then page forward and back by clicking the pager.
    browser.type_into(&browser.find("#q").await, "Filial").await;
    wait_for_pager(&browser, "1 / 2 (27)").await;
    let first_page = row_names(&browser).await;
    assert_eq!(first_page.len(), 25);
    browser
        .click(&browser.find("[data-testid=page-next]").await)
        .await;
    wait_for_pager(&browser, "2 / 2 (27)").await;
    let second_page = row_names(&browser).await;
    assert_eq!(second_page, ["Filial 02", "Filial 01"]);
    assert_eq!(
        browser
            .script("return document.getElementById('q').value")
            .await,
        "Filial",
        "the filter stays"
    );
    browser.screenshot(&shots.join("22-page-two.png")).await;
    browser
        .click(&browser.find("[data-testid=page-previous]").await)
        .await;
    wait_for_pager(&browser, "1 / 2 (27)").await;
    assert_eq!(row_names(&browser).await, first_page);

    // A bulk action on page 2 of a filter keeps the visitor there.
    browser
        .click(&browser.find("[data-testid=page-next]").await)
        .await;
    wait_for_pager(&browser, "2 / 2 (27)").await;
    bulk(&browser, &["Filial 01"], "delete").await;
    wait_for_pager(&browser, "2 / 2 (26)").await;
    assert_eq!(row_names(&browser).await, ["Filial 02"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone_a_token_is_revoked_and_a_user_disabled_by_clicking() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    accounts::create_user(&app.platform, "chefe@loja.com.br", "uma senha forte", true)
        .await
        .unwrap();
    let other = app.new_user().await;
    let shots = webdriver::screenshot_dir();
    let browser = Browser::start().await;
    browser.resize(390, 844).await;
    sign_in(&browser, &app, "chefe@loja.com.br", "uma senha forte").await;

    // Create a token by typing, then revoke it with its button.
    browser.goto(&app.url("/tokens")).await;
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
    browser.find("[data-testid=new-token]").await;
    browser.screenshot(&shots.join("23-phone-tokens.png")).await;
    let revoke = browser.find("form[action$='/revoke'] button").await;
    assert!(browser.displayed(&revoke).await, "Revogar is visible");
    browser.click(&revoke).await;
    browser.accept_alert().await;
    browser
        .wait_for("the token to be revoked", || async {
            browser
                .find_now("form[action$='/revoke']")
                .await
                .is_none()
                .then_some(())
        })
        .await;
    browser.find("td .badge-disconnected").await;

    // Disable the other user from the admin page.
    browser.goto(&app.url("/admin")).await;
    let disable = browser
        .find("form[action$='/disabled'] button.danger")
        .await;
    assert!(browser.displayed(&disable).await, "Desativar is visible");
    browser.screenshot(&shots.join("24-phone-admin.png")).await;
    browser.click(&disable).await;
    browser
        .find("form[action$='/disabled'] button.secondary")
        .await;
    let body = browser.script("return document.body.innerText").await;
    assert!(body.as_str().unwrap().contains(&other.email));
    let record = accounts::find_user(&app.platform, &other.email)
        .await
        .unwrap();
    assert!(record.disabled, "the user is disabled");
}
