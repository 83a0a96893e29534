//! The account page in a real browser, by clicks and typing: the time zone the
//! browser reported at sign-up, picking another one, changing the password
//! (a wrong current one first), and, at phone size, signing out every other
//! session.

use crate::browser_list::navigate;
use crate::helpers::{Backend, spawn_app};
use crate::pages;
use crate::webdriver::{self, Browser};
use reqwest::StatusCode;

/// Waits for the account page's notice to read `expected`.
async fn wait_for_notice(browser: &Browser, expected: &str) {
    browser
        .wait_for(&format!("the notice {expected:?}"), || async {
            let notice = browser.find_now("[data-testid=account-notice]").await?;
            browser
                .text(&notice)
                .await
                .starts_with(expected)
                .then_some(())
        })
        .await;
}

/// A second session of the same account, opened over HTTP like another device.
async fn other_device(
    app: &crate::helpers::TestApp,
    email: &str,
    password: &str,
) -> pages::Browser {
    let device = pages::Browser::new(app);
    let csrf = device.page("/signin").await.csrf();
    let answer = device
        .post(
            "/signin",
            &[("_csrf", &csrf), ("email", email), ("password", password)],
        )
        .await;
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    device
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_page_works_by_clicking_on_desktop_and_phone() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let shots = webdriver::screenshot_dir();
    let browser = Browser::start().await;
    let email = "conta@example.com";

    // Sign up through the form.
    crate::browser_list::sign_up(&browser, &app, email, "uma senha forte").await;
    let reported = browser
        .script("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        .await;

    // The account page, from the navigation: the browser's zone is the account's.
    navigate(&browser, "nav-account").await;
    let picked = browser.find("#time-zone").await;
    let stored = browser
        .script("return document.getElementById('time-zone').value")
        .await;
    assert_eq!(stored, reported, "the zone the browser reported at sign-up");
    browser.screenshot(&shots.join("40-account.png")).await;

    // Pick Manaus and save.
    browser.click(&picked).await;
    browser
        .click(
            &browser
                .find("#time-zone option[value='America/Manaus']")
                .await,
        )
        .await;
    browser
        .click(&browser.find("[data-testid=save-time-zone]").await)
        .await;
    wait_for_notice(&browser, "Fuso horário salvo.").await;
    assert_eq!(
        browser
            .script("return document.getElementById('time-zone').value")
            .await,
        "America/Manaus"
    );

    // Change the password: a wrong current one is pointed out, then the right one.
    let phone = other_device(&app, email, "uma senha forte").await;
    browser
        .type_into(&browser.find("#current-password").await, "não é esta")
        .await;
    browser
        .type_into(&browser.find("#new-password").await, "outra senha forte")
        .await;
    browser
        .click(&browser.find("[data-testid=change-password]").await)
        .await;
    let error = browser.find("#current-password-error").await;
    assert_eq!(browser.text(&error).await, "A senha atual não confere.");
    assert_eq!(
        browser
            .script(
                "return document.getElementById('current-password').getAttribute('aria-invalid')"
            )
            .await,
        "true",
        "the field is marked invalid"
    );
    browser
        .type_into(&browser.find("#current-password").await, "uma senha forte")
        .await;
    browser
        .type_into(&browser.find("#new-password").await, "outra senha forte")
        .await;
    browser
        .click(&browser.find("[data-testid=change-password]").await)
        .await;
    wait_for_notice(&browser, "Senha trocada.").await;
    assert_eq!(
        phone.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "the other device was signed out"
    );

    // At phone size: two more devices, then "sign out of all other sessions".
    browser.resize(390, 844).await;
    let tablet = other_device(&app, email, "outra senha forte").await;
    let laptop = other_device(&app, email, "outra senha forte").await;
    navigate(&browser, "nav-account").await;
    let count = browser.find("[data-testid=session-count]").await;
    assert_eq!(browser.text(&count).await, "3");
    browser
        .click(&browser.find("[data-testid=end-other-sessions]").await)
        .await;
    browser.accept_alert().await;
    wait_for_notice(&browser, "Outras sessões encerradas").await;
    let count = browser.find("[data-testid=session-count]").await;
    assert_eq!(browser.text(&count).await, "1");
    assert_eq!(tablet.get("/").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/").await.status(), StatusCode::SEE_OTHER);
    browser
        .screenshot(&shots.join("41-account-phone.png"))
        .await;
}
