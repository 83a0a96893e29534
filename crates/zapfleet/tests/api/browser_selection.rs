//! The instances list as a person uses it: the bulk bar waits for a selection
//! and counts it, "select all matching" reaches the rows on other pages, each
//! row offers the action that fits its state, and the filters, sort and page
//! live in the address bar (reload and Back keep them).

use crate::browser_list::sign_in;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use serde_json::json;

async fn count_text(browser: &Browser) -> String {
    browser
        .text(&browser.find("[data-selected-count]").await)
        .await
}

async fn bulk_disabled(browser: &Browser) -> serde_json::Value {
    browser
        .script("return [...document.querySelectorAll('#bulk button[name=action]')].map(b => b.disabled)")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_all_matching_row_actions_and_the_address_bar() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = app.new_user().await;
    for n in 1..=28 {
        app.create_instance(
            &user,
            &format!("Filial {n:02}"),
            &format!("11 9{n:04}-{n:04}"),
        )
        .await;
    }
    app.create_instance(&user, "Matriz", "11 98888-0000").await;
    let browser = Browser::start().await;
    sign_in(&browser, &app, &user.email, "correct horse battery").await;
    browser.find("[data-testid=badge]").await;

    // Nothing selected: the bulk buttons wait.
    assert_eq!(bulk_disabled(&browser).await, json!([true, true, true]));
    assert_eq!(count_text(&browser).await, "0");

    // Filter by typing: the address bar follows; a reload keeps the filter.
    browser.type_into(&browser.find("#q").await, "Filial").await;
    browser
        .wait_for("the filter in the address bar", || async {
            browser.url().await.contains("q=Filial").then_some(())
        })
        .await;
    browser.goto(&browser.url().await).await;
    browser.find("[data-testid=badge]").await;
    assert_eq!(
        browser
            .script("return document.getElementById('q').value")
            .await,
        json!("Filial")
    );
    // Page 2, then Back to page 1.
    browser
        .click(&browser.find("[data-testid=page-next]").await)
        .await;
    browser
        .wait_for("page 2 in the address bar", || async {
            browser.url().await.contains("page=2").then_some(())
        })
        .await;
    browser.script("history.back()").await;
    browser
        .wait_for("page 1 again", || async {
            let pager = browser.find_now("nav.pager span").await?;
            browser.text(&pager).await.contains("1 / 2").then_some(())
        })
        .await;
    assert!(
        browser.url().await.contains("q=Filial"),
        "Back keeps the filter"
    );

    // Select this page, then every matching instance: the count says 28.
    browser
        .click(&browser.find("[data-testid=select-all]").await)
        .await;
    assert_eq!(count_text(&browser).await, "25");
    assert_eq!(bulk_disabled(&browser).await, json!([false, false, false]));
    let matching = browser.find("[data-testid=select-matching]").await;
    assert!(browser.text(&matching).await.contains("28"));
    browser.click(&matching).await;
    assert_eq!(count_text(&browser).await, "28");
    browser
        .click(&browser.find("#bulk button[value=connect]").await)
        .await;
    browser.accept_alert().await;
    browser.find("[data-testid=toast].toast-success").await;
    // All 28, on both pages, left "Desconectado"; the Matriz did not.
    let connecting = crate::helpers::eventually(
        std::time::Duration::from_secs(10),
        "28 instances connecting",
        || async {
            let listed: serde_json::Value = app
                .list_instances(&user, "status=connecting&limit=100")
                .await
                .json()
                .await
                .ok()?;
            (listed["total"] == 28).then_some(listed)
        },
    )
    .await;
    assert!(
        connecting["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["name"].as_str().unwrap().starts_with("Filial"))
    );

    // A row offers the action that fits its state, and follows it live.
    browser.type_into(&browser.find("#q").await, "Matriz").await;
    browser
        .wait_for("only the Matriz", || async {
            let rows = browser
                .script("return document.querySelectorAll('#instance-table tbody tr').length")
                .await;
            (rows == json!(1)).then_some(())
        })
        .await;
    let row = "tr[data-name='Matriz']";
    let shown = |what: &'static str| {
        let browser = &browser;
        async move {
            let found = browser.find(&format!("{row} [data-testid={what}]")).await;
            browser.displayed(&found).await
        }
    };
    assert!(shown("connect").await && !shown("row-disconnect").await);
    browser
        .click(&browser.find(&format!("{row} [data-testid=connect]")).await)
        .await;
    browser
        .click(&browser.find("[data-testid=simulate-scan]").await)
        .await;
    browser.find("[data-testid=connected-state]").await;
    browser
        .wait_for("the announcement", || async {
            let said = browser
                .script(
                    "return document.querySelector('[data-testid=connect-announce]').textContent",
                )
                .await;
            said.as_str()
                .filter(|s| s.contains("Conectado!"))
                .map(|_| ())
        })
        .await;
    browser
        .click(&browser.find("#connect-dialog [data-close-dialog]").await)
        .await;
    browser
        .wait_for("Desconectar on the connected row", || async {
            (shown("row-disconnect").await && !shown("connect").await).then_some(())
        })
        .await;
    browser
        .click(
            &browser
                .find(&format!("{row} [data-testid=row-disconnect]"))
                .await,
        )
        .await;
    browser.accept_alert().await;
    browser
        .wait_for("Conectar again", || async {
            (shown("connect").await && !shown("row-disconnect").await).then_some(())
        })
        .await;
}
