//! Every main screen passes axe-core, at a desktop's 1366×900 and a phone's
//! 390×844: sign-in and sign-up, the instances list, the new-instance modal
//! (clean and with an inline error), the connect modal, the instance page, API
//! tokens, backup, audit and administration. The screens are reached by
//! clicking, as a person would.

use crate::a11y;
use crate::browser_list::sign_in;
use crate::helpers::{Backend, TestApp, TestUser, spawn_app};
use crate::webdriver::{self, Browser};
use zapfleet::services::{accounts, tokens};

/// An admin with an API token (to make data) and a password (to sign in).
async fn admin(app: &TestApp) -> TestUser {
    let email = "chefe@loja.com.br".to_owned();
    let user = accounts::create_user(&app.platform, &email, "uma senha forte", true)
        .await
        .unwrap();
    let token = tokens::issue(&app.platform, &user.id, "tests")
        .await
        .unwrap();
    TestUser {
        email,
        token: token.secret,
    }
}

async fn walk_every_screen(width: u32, height: u32) {
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let user = admin(&app).await;
    app.open_sign_ups().await;
    for n in 1..=3 {
        app.create_instance(&user, &format!("Loja {n}"), &format!("11 9999{n}-000{n}"))
            .await;
    }
    let size = format!("{width}×{height}");
    let browser = Browser::start().await;
    browser.resize(width, height).await;
    let mut found = Vec::new();

    browser.goto(&app.url("/signup")).await;
    browser.find("form[action='/signup']").await;
    found.extend(a11y::violations(&browser, &format!("sign-up at {size}")).await);
    browser.goto(&app.url("/signin")).await;
    browser.find("form[action='/signin']").await;
    found.extend(a11y::violations(&browser, &format!("sign-in at {size}")).await);
    // A wrong password: the page with its error.
    browser
        .type_into(&browser.find("#email").await, &user.email)
        .await;
    browser
        .type_into(&browser.find("#password").await, "não é esta")
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser.find("[data-testid=form-error]").await;
    found.extend(a11y::violations(&browser, &format!("sign-in with an error at {size}")).await);

    sign_in(&browser, &app, &user.email, "uma senha forte").await;
    browser.find("[data-testid=badge]").await;
    found.extend(a11y::violations(&browser, &format!("the instances list at {size}")).await);

    // The new-instance modal, clean and then with an inline error.
    browser
        .click(&browser.find("[data-testid=new-instance]").await)
        .await;
    browser.find("#instance-name").await;
    found.extend(a11y::violations(&browser, &format!("the new-instance modal at {size}")).await);
    browser
        .type_into(&browser.find("#instance-name").await, "Loja Nova")
        .await;
    browser
        .type_into(&browser.find("#instance-phone").await, "123")
        .await;
    browser
        .click(&browser.find("[data-testid=create-submit]").await)
        .await;
    browser.find("[data-testid=phone-error]").await;
    // After the swap, focus is on the first invalid field.
    browser
        .wait_for("focus on the invalid phone", || async {
            (browser.script("return document.activeElement.id").await == "instance-phone")
                .then_some(())
        })
        .await;
    found.extend(
        a11y::violations(
            &browser,
            &format!("the new-instance modal with an error at {size}"),
        )
        .await,
    );
    browser
        .click(&browser.find("#new-instance [data-close-dialog]").await)
        .await;
    // Opened again, the modal is clean.
    browser
        .click(&browser.find("[data-testid=new-instance]").await)
        .await;
    let left = browser
        .script(
            "return [document.getElementById('instance-name').value, \
             document.getElementById('instance-phone').value, \
             document.querySelectorAll('#new-instance .field-error, #new-instance [aria-invalid]').length]",
        )
        .await;
    assert_eq!(
        left,
        serde_json::json!(["", "", 0]),
        "the modal opens clean"
    );
    browser
        .click(&browser.find("#new-instance [data-close-dialog]").await)
        .await;

    // The connect modal with its QR.
    browser
        .click(&browser.find("[data-testid=connect]").await)
        .await;
    browser.find("[data-testid=qr]").await;
    found.extend(a11y::violations(&browser, &format!("the connect modal at {size}")).await);
    browser
        .click(&browser.find("#connect-dialog [data-close-dialog]").await)
        .await;

    browser
        .click(&browser.find("td a[href^='/instances/']").await)
        .await;
    browser.find("[data-testid=settings-form]").await;
    found.extend(a11y::violations(&browser, &format!("the instance page at {size}")).await);

    for (path, ready, screen) in [
        ("/tokens", "#token-name", "API tokens"),
        ("/backup", "[data-testid=backup-form]", "backup"),
        ("/audit", "[data-testid=audit-table]", "the audit log"),
        ("/admin", "[data-testid=toggle-signups]", "administration"),
        ("/api/docs", "#operations details", "the API docs"),
    ] {
        browser.goto(&app.url(path)).await;
        browser.find(ready).await;
        found.extend(a11y::violations(&browser, &format!("{screen} at {size}")).await);
    }
    // The API docs, read in the browser: a route opens, and the way back leads
    // to the instances.
    browser
        .click(&browser.find("#operations details summary").await)
        .await;
    browser.find("#operations details[open]").await;
    browser
        .click(&browser.find("[data-testid=docs-back]").await)
        .await;
    browser.find("[data-testid=new-instance]").await;
    assert!(
        found.is_empty(),
        "axe-core found {} violation(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_screen_passes_axe_on_a_desktop() {
    if !webdriver::available() {
        return;
    }
    walk_every_screen(1366, 900).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_main_screen_passes_axe_on_a_phone() {
    if !webdriver::available() {
        return;
    }
    walk_every_screen(390, 844).await;
}
