//! The provider forgets instances (restarted without its data, or deleted
//! there). Before, they showed `connected` forever, were re-polled every 3 s,
//! their sends retried every second on 401 until they expired, and reconnect
//! answered 409. Now such an instance is marked lost at the provider: shown
//! so, polled rarely, sends and connects refused with a clear reason, and
//! re-created at the provider on the user's word under the same id and name.
//! Over real sockets against the sandbox, whose controls do the forgetting.

use crate::helpers::{TestApp, TestUser, expect_error};
use crate::on_both_backends;
use crate::pages::Browser;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use zapfleet::domain::InstanceId;

on_both_backends!(stepped:
    an_instance_the_provider_forgot_is_shown_lost_and_re_created_on_request,
    sends_to_a_forgotten_instance_fail_with_the_reason_and_are_not_retried,
    a_provider_restarted_without_its_data_is_seen_at_start_up,
    the_pages_show_a_lost_instance_and_re_create_it_with_a_button,
    an_instance_the_provider_knows_again_reconnects_by_itself,
);

async fn forget(app: &TestApp, instance: &Value) {
    let twin = app.twin(instance).await;
    let forgot = app
        .sandbox(
            Method::POST,
            &format!("/sandbox/instances/{}/forget", twin["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(forgot.status(), StatusCode::OK);
}

async fn instance_json(app: &TestApp, user: &TestUser, id: &str) -> Value {
    let response = app.get_instance(user, id).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn poll_now(app: &TestApp, id: &str) -> usize {
    let id = InstanceId::from_raw(id.to_owned());
    app.store
        .set_next_poll(&id, app.platform.now())
        .await
        .unwrap();
    zapfleet::workers::poller::try_execute_task(&app.platform)
        .await
        .unwrap()
}

async fn is_due(app: &TestApp, id: &str, in_ms: i64) -> bool {
    let at = app.platform.now().plus_millis(in_ms);
    app.store
        .due_polls(at, 1_000)
        .await
        .unwrap()
        .contains(&InstanceId::from_raw(id.to_owned()))
}

async fn an_instance_the_provider_forgot_is_shown_lost_and_re_created_on_request(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Esquecida").await;
    let id = instance["id"].as_str().unwrap();
    let old_twin = app.twin(&instance).await;
    forget(&app, &instance).await;

    assert_eq!(poll_now(&app, id).await, 1);
    let lost = instance_json(&app, &ana, id).await;
    assert_eq!(lost["provisioning"]["state"], "lost", "{lost}");
    assert!(lost["provisioning"]["lostAt"].is_string(), "{lost}");
    assert_eq!(lost["status"], "disconnected", "not connected forever");
    assert!(
        !is_due(&app, id, 10_000).await,
        "polled rarely now, not every 3 s"
    );
    assert!(is_due(&app, id, 13 * 60_000).await, "but still polled");

    // Sending, connecting and reconnecting say why they cannot.
    let send = app
        .send(&ana, id, json!({"to": "11977776666", "text": "oi"}))
        .await;
    let error = expect_error(send, StatusCode::CONFLICT).await;
    assert_eq!(error["code"], "provider_lost", "{error}");
    for action in ["connect", "reconnect"] {
        let refused = app.act(&ana, id, action, None).await;
        let error = expect_error(refused, StatusCode::CONFLICT).await;
        assert_eq!(error["code"], "provider_lost", "{action}: {error}");
    }
    app.advance_clock(60_000);
    assert_eq!(app.step_reconnector().await, 0, "no automatic reconnect");

    // Re-created: the same instance of ours, a new one at the provider.
    let redone = app.act(&ana, id, "reprovision", None).await;
    assert_eq!(redone.status(), StatusCode::OK);
    let redone: Value = redone.json().await.unwrap();
    assert_eq!(redone["provisioning"]["state"], "ready", "{redone}");
    assert_eq!(redone["id"], instance["id"]);
    assert_eq!(redone["name"], "Esquecida");
    let new_twin = app.twin(&instance).await;
    assert_ne!(new_twin["id"], old_twin["id"]);
    let again = app.act(&ana, id, "reprovision", None).await;
    let error = expect_error(again, StatusCode::CONFLICT).await;
    assert_eq!(error["code"], "conflict", "not lost any more");
    let connect = app.act(&ana, id, "connect", None).await;
    assert_eq!(connect.status(), StatusCode::OK, "and it connects again");
    let audit: Value = app
        .request(
            &ana,
            Method::GET,
            "/api/audit?action=instance_reprovisioned",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
}

/// The provider restored its own backup: the lost instance is found again by
/// the next (slow) poll, and since the provider still holds its WhatsApp
/// session, zapfleet resumes the connection by itself (no "Recriar" needed).
async fn an_instance_the_provider_knows_again_reconnects_by_itself(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Volta sozinha").await;
    let id = instance["id"].as_str().unwrap();
    let twin = app.twin(&instance).await;
    forget(&app, &instance).await;
    assert_eq!(poll_now(&app, id).await, 1);
    assert_eq!(
        instance_json(&app, &ana, id).await["provisioning"]["state"],
        "lost"
    );
    app.advance_clock(60_000);
    assert_eq!(app.step_reconnector().await, 0, "no reconnect while lost");

    let remembered = app
        .sandbox(
            Method::POST,
            &format!(
                "/sandbox/instances/{}/remember",
                twin["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(remembered.status(), StatusCode::OK);
    assert_eq!(poll_now(&app, id).await, 1);
    let known = instance_json(&app, &ana, id).await;
    assert_eq!(known["provisioning"]["state"], "ready", "{known}");
    assert_eq!(known["status"], "disconnected", "{known}");
    assert_eq!(
        app.step_reconnector().await,
        1,
        "a reconnect is due at once"
    );
    app.wait_for_status(&ana, id, "connected", std::time::Duration::from_secs(10))
        .await;
    assert_eq!(
        app.twin(&instance).await["id"],
        twin["id"],
        "the same one at the provider"
    );
}

async fn sends_to_a_forgotten_instance_fail_with_the_reason_and_are_not_retried(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.connected_instance(&ana, "Sem provedor").await;
    let id = instance["id"].as_str().unwrap();
    app.set_delays(&ana, id, 0, 0).await;
    forget(&app, &instance).await;
    for text in ["primeira", "segunda"] {
        let sent = app
            .send(&ana, id, json!({"to": "11977776666", "text": text}))
            .await;
        assert_eq!(
            sent.status(),
            StatusCode::ACCEPTED,
            "not known to be lost yet"
        );
    }
    zapfleet::workers::outbox::try_execute_task(&app.platform)
        .await
        .unwrap();
    let page = app.messages(&ana, id, "direction=out").await;
    for message in page["items"].as_array().unwrap() {
        assert_eq!(message["status"], "failed", "{page}");
        assert!(
            message["error"]
                .as_str()
                .is_some_and(|e| e.contains("no longer knows")),
            "{page}"
        );
    }
    assert_eq!(
        instance_json(&app, &ana, id).await["provisioning"]["state"],
        "lost"
    );
    let stats: Value = app
        .request(&ana, Method::GET, "/api/stats")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"]["failed"], 2, "counted: {stats}");
}

async fn a_provider_restarted_without_its_data_is_seen_at_start_up(app: TestApp) {
    let ana = app.new_user().await;
    let first = app.connected_instance(&ana, "Primeira").await;
    let second = app.create_instance(&ana, "Segunda", "11 97777-6666").await;
    let forgot = app
        .sandbox(Method::POST, "/sandbox/forget", json!({}))
        .await;
    assert_eq!(forgot.status(), StatusCode::OK);

    zapfleet::services::connection::reconcile(&app.platform)
        .await
        .unwrap();
    for instance in [&first, &second] {
        let id = instance["id"].as_str().unwrap();
        let seen = instance_json(&app, &ana, id).await;
        assert_eq!(seen["provisioning"]["state"], "lost", "{seen}");
        assert_eq!(seen["status"], "disconnected", "{seen}");
    }
    // The start-up poll of everything finds nothing more to do every 3 s.
    zapfleet::workers::poller::try_execute_task(&app.platform)
        .await
        .unwrap();
    for instance in [&first, &second] {
        assert!(!is_due(&app, instance["id"].as_str().unwrap(), 10_000).await);
    }
}

async fn the_pages_show_a_lost_instance_and_re_create_it_with_a_button(app: TestApp) {
    let browser = Browser::new(&app);
    let email = "perdida@loja.com.br";
    browser.sign_up(email).await;
    let owner = app
        .store
        .find_user_by_email(&zapfleet::domain::Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    let token = zapfleet::services::tokens::issue(&app.platform, &owner.id, "testes")
        .await
        .unwrap();
    let ana = TestUser {
        email: email.to_owned(),
        token: token.secret,
    };
    let instance = app.connected_instance(&ana, "Loja Perdida").await;
    let id = instance["id"].as_str().unwrap();
    forget(&app, &instance).await;
    poll_now(&app, id).await;

    let list = browser.page("/").await;
    assert_eq!(list.text("[data-testid=lost]"), "perdida no provedor");
    let page = browser.page(&format!("/instances/{id}")).await;
    assert_eq!(page.count("[data-testid=reprovision]"), 1);
    assert_eq!(
        page.count("[data-connect]"),
        0,
        "no connect button while lost"
    );
    let done = browser
        .post(
            &format!("/ui/instances/{id}/reprovision"),
            &[("_csrf", page.csrf().as_str())],
        )
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = browser.page(&format!("/instances/{id}")).await;
    assert_eq!(page.count("[data-testid=lost]"), 0);
    assert_eq!(page.count("[data-connect]"), 1, "it can connect again");
    assert_eq!(
        instance_json(&app, &ana, id).await["provisioning"]["state"],
        "ready"
    );
}
