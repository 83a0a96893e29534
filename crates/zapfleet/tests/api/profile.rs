//! The account page over HTTP, as a browser posts it: a time zone that moves
//! where the user's days begin, a password change that signs out the other
//! sessions, and "sign out of all other sessions".

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::Browser;
use reqwest::StatusCode;
use zapfleet::domain::{Day, Email, InstanceId, MessageKind, TimeZone, Timestamp, UserId};

on_both_backends!(
    days_are_cut_at_each_users_midnight,
    a_password_change_signs_out_the_other_sessions,
    signing_out_other_sessions_keeps_this_one,
    the_time_zone_comes_from_sign_up_and_the_account_page
);

async fn user_id(app: &TestApp, email: &str) -> UserId {
    let email = Email::parse(email).unwrap();
    app.store
        .find_user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A message received at 00:03 UTC on 30/11 is an evening message of 29/11
/// in São Paulo and a morning one of 30/11 in Tokyo: each owner's counters say so.
async fn days_are_cut_at_each_users_midnight(app: TestApp) {
    let at = Timestamp::parse_rfc3339("2026-11-30T00:03:00Z").unwrap();
    let mut counted = Vec::new();
    for zone in ["America/Sao_Paulo", "Asia/Tokyo"] {
        let owner = app.new_user().await;
        let user = user_id(&app, &owner.email).await;
        app.store
            .set_time_zone(&user, &TimeZone::parse(zone).unwrap())
            .await
            .unwrap();
        let instance = app.create_instance(&owner, "Fuso", "11 98888-7777").await;
        let instance = InstanceId::from_raw(instance["id"].as_str().unwrap());
        app.store
            .record_incoming(
                &instance,
                "wa-1",
                "5511977776666",
                MessageKind::Text,
                Some("oi"),
                at,
                None,
            )
            .await
            .unwrap();
        let from = Day::parse("2026-11-28").unwrap();
        let to = Day::parse("2026-12-01").unwrap();
        let days = app
            .store
            .daily_stats(&user, Some(&instance), from, to)
            .await
            .unwrap();
        let received: Vec<(String, i64)> = days
            .iter()
            .filter(|d| d.usage.received > 0)
            .map(|d| (d.day.to_string(), d.usage.received))
            .collect();
        counted.push(received);
    }
    assert_eq!(
        counted,
        vec![
            vec![("2026-11-29".to_owned(), 1)],
            vec![("2026-11-30".to_owned(), 1)]
        ]
    );
}

/// Signs in through the sign-in form.
async fn sign_in(app: &TestApp, email: &str, password: &str) -> (Browser, StatusCode) {
    let browser = Browser::new(app);
    let csrf = browser.page("/signin").await.csrf();
    let answer = browser
        .post(
            "/signin",
            &[("_csrf", &csrf), ("email", email), ("password", password)],
        )
        .await;
    let status = answer.status();
    (browser, status)
}

/// Whether the browser's session still opens the instances page.
async fn signed_in(browser: &Browser) -> bool {
    browser.get("/").await.status() == StatusCode::OK
}

async fn a_password_change_signs_out_the_other_sessions(app: TestApp) {
    let ana = app.new_user().await;
    let (desk, status) = sign_in(&app, &ana.email, "correct horse battery").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (phone, _) = sign_in(&app, &ana.email, "correct horse battery").await;
    assert!(signed_in(&phone).await);

    let page = desk.page("/account").await;
    assert_eq!(page.text("[data-testid=session-count]"), "2");
    let csrf = page.csrf();
    // A wrong current password changes nothing and says which field is wrong.
    let refused = desk
        .post(
            "/account/password",
            &[
                ("_csrf", &csrf),
                ("current_password", "chute"),
                ("password", "outra senha boa"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::pages::Page::parse(&refused.text().await.unwrap());
    assert_eq!(
        page.text("#current-password-error"),
        "A senha atual não confere."
    );
    assert!(signed_in(&phone).await, "nothing changed");
    // Too short a new password is refused on its own field.
    let short = desk
        .post(
            "/account/password",
            &[
                ("_csrf", &csrf),
                ("current_password", "correct horse battery"),
                ("password", "curta"),
            ],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::pages::Page::parse(&short.text().await.unwrap());
    assert!(page.text("#new-password-error").contains("8 caracteres"));

    let changed = desk
        .post(
            "/account/password",
            &[
                ("_csrf", &csrf),
                ("current_password", "correct horse battery"),
                ("password", "outra senha boa"),
            ],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let page = crate::pages::Page::parse(&changed.text().await.unwrap());
    assert!(
        page.text("[data-testid=account-notice]")
            .starts_with("Senha trocada")
    );
    assert!(signed_in(&desk).await, "this session stays");
    assert!(!signed_in(&phone).await, "the other one is out");
    let (_, old) = sign_in(&app, &ana.email, "correct horse battery").await;
    assert_eq!(
        old,
        StatusCode::UNAUTHORIZED,
        "the old password no longer opens"
    );
    let (_, new) = sign_in(&app, &ana.email, "outra senha boa").await;
    assert_eq!(new, StatusCode::SEE_OTHER);
    let audit = desk.page("/audit?action=password_changed").await;
    assert_eq!(audit.count("tbody tr"), 1);
}

async fn signing_out_other_sessions_keeps_this_one(app: TestApp) {
    let ana = app.new_user().await;
    let (desk, _) = sign_in(&app, &ana.email, "correct horse battery").await;
    let (phone, _) = sign_in(&app, &ana.email, "correct horse battery").await;
    let (tablet, _) = sign_in(&app, &ana.email, "correct horse battery").await;
    // Someone else's session is not touched.
    let bia = app.new_user().await;
    let (other, _) = sign_in(&app, &bia.email, "correct horse battery").await;

    let csrf = desk.page("/account").await.csrf();
    let forged = desk
        .post("/account/sessions/end-others", &[("_csrf", "forjado")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(signed_in(&phone).await);
    let done = desk
        .post("/account/sessions/end-others", &[("_csrf", &csrf)])
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let page = crate::pages::Page::parse(&done.text().await.unwrap());
    assert_eq!(page.text("[data-testid=session-count]"), "1");
    assert!(signed_in(&desk).await);
    assert!(!signed_in(&phone).await && !signed_in(&tablet).await);
    assert!(signed_in(&other).await, "another user's session stays");
}

async fn the_time_zone_comes_from_sign_up_and_the_account_page(app: TestApp) {
    app.open_sign_ups().await;
    // The sign-up form carries what the browser's script read.
    let browser = Browser::new(&app);
    let csrf = browser.page("/signup").await.csrf();
    let email = format!("fuso-{}@example.com", nanoid::nanoid!(6).to_lowercase());
    let done = browser
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", &email),
                ("password", "uma senha forte"),
                ("time_zone", "America/Manaus"),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = browser.page("/account").await;
    assert_eq!(
        page.attr("#time-zone option[selected]", "value"),
        "America/Manaus"
    );
    // Brazil's zones come first, then every other one.
    assert_eq!(page.attr("#time-zone option", "value"), "America/Sao_Paulo");
    assert!(page.count("#time-zone option") > 300);

    let csrf = page.csrf();
    let bad = browser
        .post(
            "/account/time-zone",
            &[("_csrf", &csrf), ("time_zone", "Marte/Olimpo")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::pages::Page::parse(&bad.text().await.unwrap());
    assert_eq!(
        page.text("#time-zone-error"),
        "Escolha um fuso horário da lista."
    );
    assert_eq!(
        page.attr("#time-zone option[selected]", "value"),
        "America/Manaus",
        "unchanged"
    );
    let saved = browser
        .post(
            "/account/time-zone",
            &[("_csrf", &csrf), ("time_zone", "Europe/Lisbon")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let user = user_id(&app, &email).await;
    assert_eq!(
        app.store.time_zone(&user).await.unwrap().name(),
        "Europe/Lisbon"
    );

    // A sign-up whose browser said nothing usable gets São Paulo's.
    let other = Browser::new(&app);
    let csrf = other.page("/signup").await.csrf();
    let email = format!("sem-fuso-{}@example.com", nanoid::nanoid!(6).to_lowercase());
    other
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", &email),
                ("password", "uma senha forte"),
                ("time_zone", "nada"),
            ],
        )
        .await;
    let user = user_id(&app, &email).await;
    assert_eq!(
        app.store.time_zone(&user).await.unwrap().name(),
        "America/Sao_Paulo"
    );
}
