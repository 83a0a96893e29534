//! What an attacker tried against sign-in and sign-up, kept refused: wrong
//! passwords slow down only the address that sends them (the owner is never
//! locked out), limits live in the database (a restart or a second server sees
//! them), sign-ups close after the first account, say nothing about who has an
//! account and refuse common passwords, and a server exposed before its owner
//! arrives asks the first account for the setup code from its log.

use crate::helpers::{Options, TestApp, TestDatabase, spawn_app_on_with};
use crate::on_both_backends;
use crate::pages::{Browser, Page};
use reqwest::StatusCode;

on_both_backends!(
    @with crate::helpers::Options { trusted_proxies: Some("127.0.0.1"), ..crate::helpers::Options::stepped() };
    wrong_passwords_slow_down_only_their_address_and_never_lock_the_owner_out
);
on_both_backends!(
    forwarded_addresses_from_strangers_are_not_believed,
    sign_ups_close_after_the_first_account_until_an_admin_opens_them,
    sign_up_answers_alike_for_taken_e_mails_and_refuses_common_passwords,
    limits_are_kept_in_the_database_for_every_server,
);
on_both_backends!(
    @with crate::helpers::Options { setup_token: Some("codigo-de-instalacao-42".to_owned()), ..crate::helpers::Options::default() };
    the_first_account_needs_the_setup_code_when_the_server_has_one
);

const EMAIL: &str = "dona@loja.com.br";
const PASSWORD: &str = "uma senha forte";

/// Posts the sign-in form as a browser behind our proxy at `address`.
async fn sign_in_from(app: &TestApp, address: &str, password: &str) -> reqwest::Response {
    let browser = Browser::new(app);
    let csrf = browser.page("/signin").await.csrf();
    browser
        .client
        .post(browser.url("/signin"))
        .header("x-forwarded-for", address)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", EMAIL),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

async fn wrong_passwords_slow_down_only_their_address_and_never_lock_the_owner_out(app: TestApp) {
    Browser::new(&app).sign_up(EMAIL).await;

    // A guesser rotating addresses: each one is new, so none is slowed, and the
    // account itself is never locked.
    for i in 1..=12 {
        let guess = sign_in_from(&app, &format!("203.0.113.{i}"), "chute errado").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    let owner = sign_in_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(owner.status(), StatusCode::SEE_OTHER, "the owner gets in");

    // One address guessing: five failures are free, then it waits, and its
    // waiting does not even check the password.
    for i in 1..=5 {
        let guess = sign_in_from(&app, "203.0.113.99", "chute errado").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let waiting = sign_in_from(&app, "203.0.113.99", PASSWORD).await;
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(waiting.headers()["retry-after"], "15");
    let page = Page::parse(&waiting.text().await.unwrap());
    assert!(page.text("main").contains("Muitas tentativas"));
    let elsewhere = sign_in_from(&app, "198.51.100.7", PASSWORD).await;
    assert_eq!(
        elsewhere.status(),
        StatusCode::SEE_OTHER,
        "other places are not slowed"
    );

    // The wait grows with each failure after it.
    app.advance_clock(15_001);
    let again = sign_in_from(&app, "203.0.113.99", "chute errado").await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    app.advance_clock(15_001);
    let still = sign_in_from(&app, "203.0.113.99", PASSWORD).await;
    assert_eq!(still.status(), StatusCode::TOO_MANY_REQUESTS, "now 30 s");
    assert_eq!(still.headers()["retry-after"], "15");

    // After the wait, the right password gets in and wipes the slate clean.
    app.advance_clock(15_001);
    let back = sign_in_from(&app, "203.0.113.99", PASSWORD).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    let fresh = sign_in_from(&app, "203.0.113.99", "chute errado").await;
    assert_eq!(
        fresh.status(),
        StatusCode::UNAUTHORIZED,
        "counting starts over"
    );
}

async fn forwarded_addresses_from_strangers_are_not_believed(app: TestApp) {
    Browser::new(&app).sign_up(EMAIL).await;
    // No proxy is trusted: the header is the guesser's own claim and changes nothing.
    let mut statuses = Vec::new();
    for i in 1..=6 {
        let guess = sign_in_from(&app, &format!("203.0.113.{i}"), "chute errado").await;
        statuses.push(guess.status());
    }
    assert_eq!(statuses[4], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
}

async fn limits_are_kept_in_the_database_for_every_server(mut app: TestApp) {
    Browser::new(&app).sign_up(EMAIL).await;
    for _ in 0..5 {
        let guess = sign_in_from(&app, "203.0.113.1", "chute errado").await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    // Another server on the same database; on SQLite (one server at a time),
    // this one after a restart.
    if app.database_url.starts_with("sqlite") {
        assert!(app.stop(std::time::Duration::from_secs(15)).await);
    }
    let other =
        spawn_app_on_with(TestDatabase::shared(&app.database_url), Options::default()).await;
    let guess = sign_in_from(&other, "203.0.113.1", "chute errado").await;
    assert_eq!(guess.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn sign_ups_close_after_the_first_account_until_an_admin_opens_them(app: TestApp) {
    let admin = Browser::new(&app);
    let admin_csrf = admin.sign_up(EMAIL).await;
    let late = Browser::new(&app);
    let csrf = late.page("/signup").await.csrf();
    let closed = late
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", "tarde@loja.com.br"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::FORBIDDEN);
    let page = Page::parse(&closed.text().await.unwrap());
    assert!(page.text("main").contains("Novas contas estão fechadas"));

    let admin_page = admin.page("/admin").await;
    assert_eq!(admin_page.text("[data-testid=toggle-signups]"), "Reativar");
    let opened = admin
        .post(
            "/admin/signups",
            &[("_csrf", &admin_csrf), ("value", "true")],
        )
        .await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let now_open = late
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", "tarde@loja.com.br"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(now_open.status(), StatusCode::SEE_OTHER);
}

async fn sign_up_answers_alike_for_taken_e_mails_and_refuses_common_passwords(app: TestApp) {
    let admin = Browser::new(&app);
    let admin_csrf = admin.sign_up(EMAIL).await;
    admin
        .post(
            "/admin/signups",
            &[("_csrf", &admin_csrf), ("value", "true")],
        )
        .await;
    let visitor = Browser::new(&app);
    let csrf = visitor.page("/signup").await.csrf();
    let taken = visitor
        .post(
            "/signup",
            &[("_csrf", &csrf), ("email", EMAIL), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = Page::parse(&taken.text().await.unwrap());
    let said = page.text("#email-error");
    assert_eq!(
        said,
        "Não foi possível criar a conta com esses dados. Se você já tem conta, entre."
    );
    assert!(!said.contains("existe"), "never says the account exists");

    for common in ["12345678", "Senha123", "aaaaaaaa"] {
        let refused = visitor
            .post(
                "/signup",
                &[
                    ("_csrf", &csrf),
                    ("email", "nova@loja.com.br"),
                    ("password", common),
                ],
            )
            .await;
        assert_eq!(
            refused.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{common}"
        );
        let page = Page::parse(&refused.text().await.unwrap());
        assert!(
            page.text("#password-error").contains("conhecida demais"),
            "{common}"
        );
    }

    // Sign-ups from one address are limited, successful or not: five went
    // through the form (the admin's, the taken e-mail, three weak passwords).
    let limited = visitor
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", "mais@loja.com.br"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn the_first_account_needs_the_setup_code_when_the_server_has_one(app: TestApp) {
    let browser = Browser::new(&app);
    let form = browser.page("/signup").await;
    assert_eq!(form.count("input[name=setup]"), 1, "the form asks for it");
    let csrf = form.csrf();
    for (code, why) in [(None, "missing"), (Some("chute"), "wrong")] {
        let mut fields = vec![
            ("_csrf", csrf.as_str()),
            ("email", EMAIL),
            ("password", PASSWORD),
        ];
        if let Some(code) = code {
            fields.push(("setup", code));
        }
        let refused = browser.post("/signup", &fields).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        let page = Page::parse(&refused.text().await.unwrap());
        assert!(
            page.text("#setup-error")
                .contains("Código de instalação incorreto")
        );
    }
    let done = browser
        .post(
            "/signup",
            &[
                ("_csrf", &csrf),
                ("email", EMAIL),
                ("password", PASSWORD),
                ("setup", "codigo-de-instalacao-42"),
            ],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        Browser::new(&app)
            .page("/signup")
            .await
            .count("input[name=setup]"),
        0,
        "only the first account needs it"
    );
    assert_eq!(
        browser.get("/admin").await.status(),
        StatusCode::OK,
        "and it is the admin"
    );
}
