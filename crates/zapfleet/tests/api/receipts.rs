//! Receipts that race their send: WhatsApp can acknowledge a message before our
//! database has recorded that it was sent. Such receipts are parked and applied
//! when the send is recorded; none may be lost or counted twice, whatever the
//! interleaving (on PostgreSQL the two really run at once).

use crate::helpers::TestApp;
use crate::on_both_backends;
use futures_util::future::join_all;
use zapfleet::domain::{InstanceId, MessageId, MessageKind, MessageStatus, Receipt, UserId};
use zapfleet::store::{MessageFilter, NewMessage};

on_both_backends!(stepped: receipts_racing_their_send_are_applied_once_and_never_lost);

const MESSAGES: usize = 60;

async fn receipts_racing_their_send_are_applied_once_and_never_lost(app: TestApp) {
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Corrida", "11 98888-7777").await;
    let instance = InstanceId::from_raw(instance["id"].as_str().unwrap());
    let email = zapfleet::domain::Email::parse(&ana.email).unwrap();
    let user: UserId = app
        .store
        .find_user_by_email(&email)
        .await
        .unwrap()
        .unwrap()
        .id;
    let store = &app.store;
    let now = app.platform.now();

    let mut ids: Vec<MessageId> = Vec::new();
    for n in 0..MESSAGES {
        let new = NewMessage {
            instance_id: instance.clone(),
            peer: "5511977776666".into(),
            kind: MessageKind::Text,
            body: Some(format!("corrida {n}")),
            media: None,
            file_name: None,
            idempotency_key: None,
            expires_at: None,
        };
        let (message, _) = store.enqueue_message(new, now).await.unwrap();
        assert!(
            store
                .claim_message(&message.id, now.plus_millis(60_000), now)
                .await
                .unwrap()
        );
        ids.push(message.id);
    }
    // Each send's answer and its read receipt arrive at the same moment.
    let races = ids.iter().enumerate().flat_map(|(n, id)| {
        let provider_id = format!("wa-{n}");
        let sent = {
            let provider_id = provider_id.clone();
            async move {
                store.mark_sent(id, &provider_id, now, None).await.unwrap();
            }
        };
        let read = {
            let instance = instance.clone();
            async move {
                store
                    .apply_receipt(&instance, &[provider_id], Receipt::Read, now)
                    .await
                    .unwrap();
            }
        };
        [
            Box::pin(sent) as std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
            Box::pin(read),
        ]
    });
    join_all(races).await;
    // The outbox's pass settles what was parked while its send was being recorded.
    store.sweep_parked_receipts(1_000).await.unwrap();

    let (messages, _) = store
        .list_messages(&user, &instance, MessageFilter::default(), 1, 200)
        .await
        .unwrap();
    let unread: Vec<_> = messages
        .iter()
        .filter(|m| m.status != MessageStatus::Read)
        .map(|m| (m.id.as_str(), m.status))
        .collect();
    assert!(unread.is_empty(), "receipts lost: {unread:?}");
    // The user has the default zone: counters are cut at its midnight.
    let day = zapfleet::domain::TimeZone::default().day_of(now);
    let stats = store
        .daily_stats(&user, Some(&instance), day, day)
        .await
        .unwrap();
    let usage = stats[0].usage;
    assert_eq!(
        (usage.sent, usage.delivered, usage.read),
        (MESSAGES as i64, MESSAGES as i64, MESSAGES as i64),
        "each step counted once"
    );
    let late = store
        .apply_receipt(&instance, &["wa-0".into()], Receipt::Read, now)
        .await
        .unwrap();
    assert_eq!(late, 0, "a repeated receipt changes nothing");
}
