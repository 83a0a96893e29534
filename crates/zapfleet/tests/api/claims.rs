//! The claims behind several nodes on one database, at the store, on both
//! databases: due work claimed at once by two callers goes to one of them,
//! and comes back due when its claim runs out; a send leased by a live node
//! is left alone at start-up, one leased by a dead node is taken over once.
//! (The real processes are in `nodes.rs`.)

use crate::helpers::TestApp;
use crate::on_both_backends;
use std::collections::BTreeSet;
use zapfleet::domain::{InstanceId, MessageKind, NodeId, Timestamp};
use zapfleet::store::{NewMessage, NodeRecord};

on_both_backends!(stepped:
    due_polls_and_reconnects_claimed_at_once_go_to_one_caller_each,
    a_live_nodes_send_is_left_alone_and_a_dead_nodes_is_taken_over_once,
);

const LEASE_MS: i64 = 20_000;

async fn due_polls_and_reconnects_claimed_at_once_go_to_one_caller_each(app: TestApp) {
    let ana = app.new_user().await;
    let mut ids = BTreeSet::new();
    for n in 0..6 {
        let created = app
            .create_instance(&ana, &format!("Fila {n}"), "11 98888-7777")
            .await;
        ids.insert(InstanceId::from_raw(created["id"].as_str().unwrap()));
    }
    let store = &app.store;
    let now = app.platform.now();
    store.poll_everything_now(now).await.unwrap();
    let until = now.plus_millis(LEASE_MS);
    let (first, second) = tokio::join!(
        store.claim_due_polls(now, until, 100),
        store.claim_due_polls(now, until, 100)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    let both: BTreeSet<_> = first.iter().chain(&second).cloned().collect();
    assert_eq!(both.len(), first.len() + second.len(), "none claimed twice");
    assert_eq!(both, ids, "every due poll claimed");
    assert!(
        store
            .claim_due_polls(now, until, 100)
            .await
            .unwrap()
            .is_empty()
    );
    // A claimer that never came back: the polls are due again after the lease.
    let later = until.plus_millis(1);
    let again = store
        .claim_due_polls(later, later.plus_millis(LEASE_MS), 100)
        .await
        .unwrap();
    assert_eq!(again.into_iter().collect::<BTreeSet<_>>(), ids);

    // Reconnects the same way (an instance that is disconnected, due now).
    let id = ids.first().unwrap();
    store.schedule_reconnect(id, 2, Some(now)).await.unwrap();
    let (first, second) = tokio::join!(
        store.claim_due_reconnects(now, until, 100),
        store.claim_due_reconnects(now, until, 100)
    );
    let mut claimed = first.unwrap();
    claimed.extend(second.unwrap());
    assert_eq!(claimed, vec![(id.clone(), 2)], "one caller tries it");
}

fn node(id: &NodeId, address: &str, heartbeat_at: Timestamp) -> NodeRecord {
    NodeRecord {
        id: id.clone(),
        host: "outra-maquina".into(),
        address: address.into(),
        version: "0.0.0".into(),
        started_at: heartbeat_at,
        heartbeat_at,
    }
}

async fn a_live_nodes_send_is_left_alone_and_a_dead_nodes_is_taken_over_once(app: TestApp) {
    let ana = app.new_user().await;
    let created = app.create_instance(&ana, "Envio", "11 98888-7777").await;
    let store = &app.store;
    let now = app.platform.now();
    let new = NewMessage {
        instance_id: InstanceId::from_raw(created["id"].as_str().unwrap()),
        peer: "5511977776666".into(),
        kind: MessageKind::Text,
        body: Some("oi".into()),
        media: None,
        file_name: None,
        idempotency_key: None,
        expires_at: None,
    };
    let (message, _) = store.enqueue_message(new, now).await.unwrap();
    let other = NodeId::generate();
    store
        .register_node(&node(&other, "10.0.0.2:8080", now))
        .await
        .unwrap();
    assert!(
        store
            .claim_message(&message.id, &other, now.plus_millis(60_000), now)
            .await
            .unwrap()
    );

    // Another node starting now leaves the live node's send alone.
    let me = &app.platform.node.id;
    let dead_before = now.plus_millis(-15_000);
    assert_eq!(store.end_send_leases(dead_before).await.unwrap(), 0);
    assert!(
        store
            .sends_in_doubt(me, now, dead_before, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // The other node falls silent: its send is in doubt, taken over by one.
    app.platform.clock.advance(16_000);
    let now = app.platform.now();
    let dead_before = now.plus_millis(-15_000);
    let doubtful = store
        .sends_in_doubt(me, now, dead_before, 10)
        .await
        .unwrap();
    assert_eq!(doubtful.len(), 1);
    assert_eq!(doubtful[0].send_node.as_ref(), Some(&other));
    // Two live nodes (registered at the new time) try at once.
    let (second, third) = (NodeId::generate(), NodeId::generate());
    for (id, address) in [(&second, "10.0.0.3:8080"), (&third, "10.0.0.4:8080")] {
        store.register_node(&node(id, address, now)).await.unwrap();
    }
    let until = now.plus_millis(60_000);
    let (one, another) = tokio::join!(
        store.take_send_in_doubt(&message.id, &second, now, dead_before, until),
        store.take_send_in_doubt(&message.id, &third, now, dead_before, until)
    );
    let (one, another) = (one.unwrap(), another.unwrap());
    assert!(one ^ another, "taken over exactly once: {one} {another}");
    let left = store
        .sends_in_doubt(me, now, dead_before, 10)
        .await
        .unwrap();
    assert!(left.is_empty(), "held by a live node now");

    // Its earlier run is dead the moment a node starts again on its address.
    let again = NodeId::generate();
    assert_eq!(
        store
            .register_node(&node(&again, "10.0.0.2:8080", now))
            .await
            .unwrap(),
        1
    );
}
