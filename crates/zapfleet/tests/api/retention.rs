//! Nothing grows forever: the retention worker purges expired sessions, old
//! finished messages, old status history and finished deliveries, and never
//! what is still owed (a queued message) nor an instance's newest settings.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use serde_json::json;
use zapfleet::domain::{Email, EventKind, InstanceId, MessageKind};
use zapfleet::store::{Attempted, MessageFilter, NewDelivery};

on_both_backends!(stepped: the_retention_worker_purges_what_is_old_and_keeps_what_is_owed);

const DAY: i64 = 86_400_000;

async fn the_retention_worker_purges_what_is_old_and_keeps_what_is_owed(app: TestApp) {
    let ana = app.new_user().await;
    let created = app.create_instance(&ana, "Antiga", "11 98888-7777").await;
    let id = created["id"].as_str().unwrap();
    let instance = InstanceId::from_raw(id);
    let user = app
        .store
        .find_user_by_email(&Email::parse(&ana.email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let store = &app.store;
    let then = app.platform.now();

    // Things of more than a year ago (past every default retention): a message received, a status change, a
    // settings version, a delivery made, a session that expired long since.
    assert!(
        store
            .record_incoming(
                &instance,
                "wa-velho",
                "5511911112222",
                MessageKind::Text,
                Some("oi"),
                then,
                None
            )
            .await
            .unwrap()
    );
    assert_eq!(
        app.act(&ana, id, "connect", None).await.status(),
        StatusCode::OK
    );
    for auto_reconnect in [false, true] {
        let config = app
            .request(&ana, Method::PUT, &format!("/api/instances/{id}/config"))
            .json(&json!({"autoReconnect": auto_reconnect}))
            .send()
            .await
            .unwrap();
        assert_eq!(config.status(), StatusCode::OK);
        app.advance_clock(1);
    }
    let queued = app
        .request(&ana, Method::POST, &format!("/api/instances/{id}/messages"))
        .json(&json!({"to": "11977776666", "text": "ainda na fila", "waitSeconds": 86_400}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), StatusCode::ACCEPTED);
    store
        .queue_delivery(
            NewDelivery {
                user_id: user.clone(),
                instance_id: Some(instance.clone()),
                url: "https://example.com/h".into(),
                secret_sealed: "v1:x".into(),
                event: EventKind::InstanceStatus,
                body: json!({"event": "instance.status"}),
            },
            then,
        )
        .await
        .unwrap();
    let delivery = store.list_deliveries(&user, None, None, 10).await.unwrap()[0]
        .id
        .clone();
    store
        .record_delivery(&delivery, &Attempted::Delivered, then)
        .await
        .unwrap();
    store
        .insert_session("sessao-velha", &user, then, then.plus_millis(DAY))
        .await
        .unwrap();

    let retention = || zapfleet::workers::retention::try_execute_task(&app.platform);
    assert_eq!(retention().await.unwrap(), 0, "nothing is old yet");
    app.advance_clock(400 * DAY);
    assert!(retention().await.unwrap() >= 4);

    let (messages, _) = store
        .list_messages(&user, &instance, MessageFilter::default(), 1, 10)
        .await
        .unwrap();
    let texts: Vec<_> = messages
        .iter()
        .map(|m| m.body.clone().unwrap_or_default())
        .collect();
    assert_eq!(
        texts,
        ["ainda na fila"],
        "the queued message is owed work, the old one went"
    );
    assert!(
        store
            .status_history(&user, &instance, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .list_deliveries(&user, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .find_session("sessao-velha", app.platform.now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .config_history(&user, &instance, 10)
            .await
            .unwrap()
            .len(),
        1,
        "the newest settings version stays"
    );
    assert_eq!(retention().await.unwrap(), 0, "a second pass finds nothing");
}
