//! Deleting an account (missing before): from the admin page (confirmed) or
//! `zapfleet user delete --email`, its instances are logged out and deleted
//! at the provider, its sessions and tokens end, and the audit log keeps a
//! line. Checked against the sandbox over real sockets: it no longer has them.

use crate::helpers::{Backend, SANDBOX_TOKEN, TestApp, TestUser, spawn_app};
use crate::on_both_backends;
use crate::pages::Browser;
use crate::webdriver;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::process::Command;
use zapfleet::services::{accounts, tokens};

on_both_backends!(
    an_admin_deletes_a_user_with_its_instances_at_the_provider,
    the_command_line_deletes_a_user_with_its_instances_at_the_provider,
);

/// A signed-in administrator (the first account) with an API token too.
async fn admin(app: &TestApp) -> (Browser, String, TestUser) {
    let browser = Browser::new(app);
    let email = "chefe@loja.com.br";
    let csrf = browser.sign_up(email).await;
    let user = accounts::find_user(&app.platform, email).await.unwrap();
    assert!(user.is_admin);
    let token = tokens::issue(&app.platform, &user.id, "testes")
        .await
        .unwrap();
    (
        browser,
        csrf,
        TestUser {
            email: email.to_owned(),
            token: token.secret,
        },
    )
}

/// A user with two instances, one connected; their provider-side ids.
async fn user_with_instances(app: &TestApp) -> (TestUser, Vec<Value>) {
    let bia = app.new_user().await;
    let connected = app.connected_instance(&bia, "Conectada").await;
    let idle = app.create_instance(&bia, "Parada", "11 97777-6666").await;
    app.wait_until_provisioned(&bia, idle["id"].as_str().unwrap())
        .await;
    let mut twins = Vec::new();
    for instance in [&connected, &idle] {
        twins.push(app.twin(instance).await);
    }
    (bia, twins)
}

async fn sandbox_ids(app: &TestApp) -> Vec<Value> {
    let all: Vec<Value> = app
        .sandbox(Method::GET, "/sandbox/instances", serde_json::json!({}))
        .await
        .json()
        .await
        .unwrap();
    all.into_iter().map(|i| i["id"].clone()).collect()
}

async fn audit_lines(app: &TestApp, admin: &TestUser) -> Value {
    app.request(admin, Method::GET, "/api/audit?action=user_deleted")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn an_admin_deletes_a_user_with_its_instances_at_the_provider(app: TestApp) {
    let (browser, csrf, chefe) = admin(&app).await;
    let (bia, twins) = user_with_instances(&app).await;
    let kept = app
        .create_instance(&chefe, "Do Chefe", "11 96666-5555")
        .await;
    let bia_id = accounts::find_user(&app.platform, &bia.email)
        .await
        .unwrap()
        .id;

    let deleted = browser
        .post(
            &format!("/admin/users/{bia_id}/delete"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);

    let left = sandbox_ids(&app).await;
    for twin in &twins {
        assert!(
            !left.contains(&twin["id"]),
            "deleted at the provider: {left:?}"
        );
    }
    assert_eq!(left.len(), 1, "the admin's own instance stays");
    assert_eq!(app.twins(&kept).await.len(), 1);
    assert_eq!(
        app.list_instances(&bia, "").await.status(),
        StatusCode::UNAUTHORIZED,
        "its token ends"
    );
    assert!(
        accounts::find_user(&app.platform, &bia.email)
            .await
            .is_err()
    );
    let lines = audit_lines(&app, &chefe).await;
    let line = &lines["items"][0];
    assert_eq!(line["targetName"], bia.email.as_str(), "{lines}");

    // Not one's own account.
    let me = accounts::find_user(&app.platform, &chefe.email)
        .await
        .unwrap()
        .id;
    let refused = browser
        .post(
            &format!("/admin/users/{me}/delete"),
            &[("_csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
}

async fn the_command_line_deletes_a_user_with_its_instances_at_the_provider(app: TestApp) {
    let (_browser, _csrf, chefe) = admin(&app).await;
    let (bia, twins) = user_with_instances(&app).await;
    let run = |email: &str| {
        Command::new(env!("CARGO_BIN_EXE_zapfleet"))
            .args(["user", "delete", "--email", email])
            .env("DATABASE_URL", &app.database_url)
            .env_remove("ZAPFLEET_CONFIG")
            .env("ZAPFLEET_SECRET_KEY", "42".repeat(32))
            .env("ZAPFLEET_DATA_DIR", std::env::temp_dir())
            .env("UAZAPI_URL", &app.sandbox)
            .env("UAZAPI_ADMIN_TOKEN", SANDBOX_TOKEN)
            .output()
            .expect("run zapfleet")
    };
    let done = run(&bia.email);
    let said = String::from_utf8_lossy(&done.stderr).into_owned();
    assert!(done.status.success(), "{said}");
    assert!(said.contains("2 instance"), "{said}");
    let left = sandbox_ids(&app).await;
    for twin in &twins {
        assert!(
            !left.contains(&twin["id"]),
            "deleted at the provider: {left:?}"
        );
    }
    // The server learns of it from the database: a token it checked in the
    // last seconds is kept that long (the token cache's window).
    crate::helpers::eventually(
        std::time::Duration::from_secs(10),
        "the token refused by the server",
        || async {
            (app.list_instances(&bia, "").await.status() == StatusCode::UNAUTHORIZED).then_some(())
        },
    )
    .await;
    assert_eq!(
        audit_lines(&app, &chefe).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let again = run(&bia.email);
    assert!(!again.status.success(), "no such user any more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_deletes_a_user_by_clicking_and_confirming() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    accounts::create_user(&app.platform, "chefe@loja.com.br", "uma senha forte", true)
        .await
        .unwrap();
    let (bia, twins) = user_with_instances(&app).await;
    let browser = webdriver::Browser::start().await;
    browser.goto(&app.url("/signin")).await;
    browser
        .type_into(&browser.find("#email").await, "chefe@loja.com.br")
        .await;
    browser
        .type_into(&browser.find("#password").await, "uma senha forte")
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser.find("[data-testid=signout]").await;

    browser.goto(&app.url("/admin")).await;
    browser
        .click(&browser.find("[data-testid=delete-user]").await)
        .await;
    browser.accept_alert().await;
    browser
        .wait_for("the user's row to go", || async {
            let body = browser.script("return document.body.innerText").await;
            (!body.as_str().unwrap_or_default().contains(&bia.email)).then_some(())
        })
        .await;
    assert!(
        accounts::find_user(&app.platform, &bia.email)
            .await
            .is_err()
    );
    let left = sandbox_ids(&app).await;
    for twin in &twins {
        assert!(
            !left.contains(&twin["id"]),
            "deleted at the provider: {left:?}"
        );
    }
}
