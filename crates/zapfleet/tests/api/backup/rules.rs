//! A restore over a server that already holds data follows the stated rules
//! (see `services::backup::import`): what is here is kept, an instance of
//! another account or a provider instance managed here is never taken, a
//! name in use gets a number, and every skip is reported.

use super::{PASSPHRASE, edited};
use crate::helpers::TestApp;
use crate::on_both_backends;
use serde_json::Value;
use zapfleet::domain::Email;
use zapfleet::services::backup::archive::passphrase;
use zapfleet::services::backup::export::{BackupOptions, write_backup};
use zapfleet::services::backup::import::{ConflictReason, Report, RestoreOptions, Tally, restore};
use zapfleet::services::backup::{BackupError, Scope};

on_both_backends!(a_restore_over_a_server_holding_the_data_follows_the_rules);

async fn backup(app: &TestApp, email: &str) -> Vec<u8> {
    let options = BackupOptions {
        scope: Scope::User(Email::parse(email).unwrap()),
        with_messages: true,
    };
    let (file, _) = write_backup(
        &app.platform,
        &options,
        Vec::new(),
        passphrase(PASSPHRASE).unwrap(),
        |_| {},
    )
    .await
    .unwrap();
    file
}

async fn restore_all(app: &TestApp, file: Vec<u8>, dry_run: bool) -> Result<Report, BackupError> {
    let options = RestoreOptions {
        scope: Scope::All,
        create_users: true,
        dry_run,
        untrusted: false,
    };
    restore(
        &app.platform,
        std::io::Cursor::new(file),
        passphrase(PASSPHRASE).unwrap(),
        &options,
        |_| {},
    )
    .await
}

fn tally(created: u64, kept: u64, skipped: u64) -> Tally {
    Tally {
        created,
        kept,
        skipped,
    }
}

/// Moves every record of the file to another account.
fn owned_by(email: &'static str) -> impl Fn(&mut Value) {
    move |record| {
        for field in ["email", "user"] {
            if record.get(field).is_some() {
                record[field] = email.into();
            }
        }
    }
}

/// Gives every instance of the file another id (and provider-side name).
fn new_ids(record: &mut Value) {
    if let Some(Value::String(id)) = record.get("instance") {
        record["instance"] = format!("{id}-b").into();
    }
    if record["kind"] == "instance" {
        record["id"] = format!("{}-b", record["id"].as_str().unwrap()).into();
        let key: String = record["instanceKey"]
            .as_str()
            .unwrap()
            .chars()
            .rev()
            .collect();
        record["instanceKey"] = key.into();
    }
}

async fn names(app: &TestApp, email: &str) -> Vec<String> {
    let user = app
        .store
        .find_user_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .instances_for_backup(&user.id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|dump| dump.instance.name.as_str().to_owned())
        .collect()
}

async fn a_restore_over_a_server_holding_the_data_follows_the_rules(app: TestApp) {
    let ana = app.new_user().await;
    app.connected_instance(&ana, "Loja Centro").await;
    let norte = app
        .create_instance(&ana, "Loja Norte", "11 97777-0001")
        .await;
    app.wait_until_provisioned(&ana, norte["id"].as_str().unwrap())
        .await;
    let file = backup(&app, &ana.email).await;

    // Over the server it came from: all of it is here already, and kept.
    let report = restore_all(&app, file.clone(), false).await.unwrap();
    assert_eq!(report.users, tally(0, 1, 0));
    assert_eq!(report.instances, tally(0, 2, 0));
    assert_eq!(report.history.created, 0);
    assert!(report.conflicts.is_empty() && report.renamed.is_empty());

    // Another account's file claiming these instances by their ids: the
    // account is created, the instances stay with Ana.
    let bia = "bia@loja.com.br";
    let report = restore_all(&app, edited(&file, owned_by(bia)), false)
        .await
        .unwrap();
    assert_eq!(report.users, tally(1, 0, 0));
    assert_eq!(report.instances, tally(0, 0, 2));
    assert!(
        report
            .conflicts
            .iter()
            .all(|c| c.reason == ConflictReason::OtherAccount)
    );
    assert_eq!(report.conflicts.len(), 2);
    assert!(names(&app, bia).await.is_empty());

    // Under new ids, but the same provider instances: never managed twice.
    let caio = "caio@loja.com.br";
    let claimed = edited(&file, |record| {
        owned_by(caio)(record);
        new_ids(record);
    });
    let report = restore_all(&app, claimed, false).await.unwrap();
    assert_eq!(report.instances, tally(0, 0, 2));
    assert!(
        report
            .conflicts
            .iter()
            .all(|c| c.reason == ConflictReason::ProviderInstanceTaken)
    );
    assert!(names(&app, caio).await.is_empty());

    // Ana's own instances under new ids, never created at a provider: her
    // names are taken, so they arrive numbered (and get created there).
    let copies = edited(&file, |record| {
        new_ids(record);
        if record["kind"] == "instance" {
            for field in ["providerId", "providerToken", "webhookSecret"] {
                record[field] = Value::Null;
            }
        }
    });
    let report = restore_all(&app, copies.clone(), true).await.unwrap();
    assert_eq!(
        report.instances,
        tally(2, 0, 0),
        "a dry run says what it would do"
    );
    assert_eq!(names(&app, &ana.email).await.len(), 2, "and does nothing");
    let report = restore_all(&app, copies, false).await.unwrap();
    assert_eq!(report.instances, tally(2, 0, 0));
    let mut renamed = report.renamed.clone();
    renamed.sort();
    assert_eq!(
        renamed,
        [
            ("Loja Centro".to_owned(), "Loja Centro (2)".to_owned()),
            ("Loja Norte".to_owned(), "Loja Norte (2)".to_owned())
        ]
    );
    let mut now = names(&app, &ana.email).await;
    now.sort();
    assert_eq!(
        now,
        [
            "Loja Centro",
            "Loja Centro (2)",
            "Loja Norte",
            "Loja Norte (2)"
        ]
    );

    // A provider link without its token is not taken over (the key could name
    // another server's instance at the provider): the instance comes back new,
    // under a fresh provider-side name.
    let keys = |file: &[u8]| -> Vec<String> {
        super::records(file)
            .unwrap()
            .into_iter()
            .filter_map(|record| match record {
                zapfleet::services::backup::format::Record::Instance { instance_key, .. } => {
                    Some(instance_key)
                }
                _ => None,
            })
            .collect()
    };
    let dora = "dora@loja.com.br";
    let tokenless = edited(&file, |record| {
        owned_by(dora)(record);
        // Ids unlike the copies' above.
        new_ids(record);
        new_ids(record);
        if record["kind"] == "instance" {
            record["providerToken"] = Value::Null;
        }
    });
    let report = restore_all(&app, tokenless.clone(), false).await.unwrap();
    assert_eq!(report.instances, tally(2, 0, 0));
    let dora_user = app
        .store
        .find_user_by_email(&Email::parse(dora).unwrap())
        .await
        .unwrap()
        .unwrap();
    let restored: Vec<String> = app
        .store
        .instances_for_backup(&dora_user.id, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|dump| {
            assert_eq!(dump.provider_id, None);
            dump.instance.instance_key.as_str().to_owned()
        })
        .collect();
    assert!(
        restored.iter().all(|key| !keys(&tokenless).contains(key)),
        "fresh keys"
    );

    // Messages still owed are not restored (the old server may still send them).
    let (mut reader, manifest) = zapfleet::services::backup::archive::Reader::open(
        file.as_slice(),
        passphrase(PASSPHRASE).unwrap(),
    )
    .unwrap();
    let mut with_messages = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        with_messages.push(serde_json::to_value(&record).unwrap());
    }
    let instance = with_messages
        .iter()
        .find(|r| r["kind"] == "instance")
        .unwrap()["id"]
        .clone();
    let after = with_messages
        .iter()
        .position(|r| r["kind"] == "instance")
        .unwrap()
        + 1;
    for (id, status) in [("owed-1", "queued"), ("done-1", "sent")] {
        let message = serde_json::json!({"kind": "message", "instance": instance, "id": id, "direction": "out",
            "peer": "5511966665555", "type": "text", "body": "Oi", "mediaUrl": null, "fileName": null,
            "status": status, "providerMessageId": null, "idempotencyKey": null, "attempts": 1, "error": null,
            "createdAt": "2026-11-30T00:00:00.000Z", "sentAt": null, "deliveredAt": null, "readAt": null});
        with_messages.insert(after, message);
    }
    let records: Vec<_> = with_messages
        .into_iter()
        .map(|r| serde_json::from_value(r).unwrap())
        .collect();
    let report = restore_all(&app, super::backup_of(&manifest, &records), false)
        .await
        .unwrap();
    assert_eq!(report.messages, tally(1, 0, 1));

    // Restoring one account of a file passes over the others, and the page's
    // restore (which may not create accounts) reports an account not here.
    let options = RestoreOptions {
        scope: Scope::User(Email::parse("dani@loja.com.br").unwrap()),
        create_users: false,
        dry_run: false,
        untrusted: false,
    };
    let dani = edited(&file, owned_by("dani@loja.com.br"));
    let report = restore(
        &app.platform,
        std::io::Cursor::new(dani),
        passphrase(PASSPHRASE).unwrap(),
        &options,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(report.users, tally(0, 0, 1));
    assert_eq!(report.instances, tally(0, 0, 2));
    assert_eq!(report.conflicts[0].reason, ConflictReason::AccountNotHere);
    assert!(
        app.store
            .find_user_by_email(&Email::parse("dani@loja.com.br").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}
