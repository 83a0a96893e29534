//! Backup files from outside, generated: random bytes, sound archives cut
//! short or with a byte flipped, and random records inside a correctly
//! encrypted archive. The reader and the restore answer with a typed error or
//! a result, never a panic; the Backup page's restore never with a 500.
//! Archives are encrypted with a low scrypt work factor (the reader accepts
//! any up to its limit), so each case costs microseconds, not a second.

use super::PASSPHRASE;
use crate::helpers::{Backend, TestApp, spawn_app};
use age::secrecy::SecretString;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::Write;
use zapfleet::services::backup::archive::{Reader, passphrase};
use zapfleet::services::backup::format::Record;
use zapfleet::services::backup::import::{RestoreOptions, restore};
use zapfleet::services::backup::{BackupError, Scope};

/// scrypt's work factor for the generated archives (N = 2^2).
const LOW_WORK: u8 = 2;

/// Encrypts plain JSON Lines as a backup file is (age, scrypt recipient).
pub fn encrypt(plain: &[u8]) -> Vec<u8> {
    let mut recipient = age::scrypt::Recipient::new(SecretString::from(PASSPHRASE.to_owned()));
    recipient.set_work_factor(LOW_WORK);
    let encryptor =
        age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
            .unwrap();
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).unwrap();
    writer.write_all(plain).unwrap();
    writer.finish().unwrap();
    out
}

/// The plain format around `lines`: the manifest first, the end line last
/// with the right count and checksum, so only the lines themselves are wrong.
pub fn plain(lines: &[Vec<u8>]) -> Vec<u8> {
    let manifest = Record::manifest(
        zapfleet::domain::Timestamp::from_millis(1_764_374_400_000),
        true,
    );
    let mut out = serde_json::to_vec(&manifest).unwrap();
    out.push(b'\n');
    for line in lines {
        out.extend_from_slice(line);
        out.push(b'\n');
    }
    let end =
        json!({"kind": "end", "records": lines.len() + 1, "sha256": hex(&Sha256::digest(&out))});
    out.extend_from_slice(&serde_json::to_vec(&end).unwrap());
    out.push(b'\n');
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One record of each kind, as this release writes them.
fn sound_records() -> Vec<Value> {
    let at = "2025-11-29T00:00:00.000Z";
    vec![
        json!({"kind": "user", "email": "ana@example.com", "passwordHash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "locale": "pt-BR", "isAdmin": false, "disabled": false, "createdAt": at}),
        json!({"kind": "token", "user": "ana@example.com", "name": "ci", "tokenHash": "ab".repeat(32), "prefix": "zf_abcd", "createdAt": at, "lastUsedAt": null, "revokedAt": null}),
        json!({"kind": "userWebhook", "user": "ana@example.com", "url": "https://example.com/hook", "events": [], "secret": "um segredo de dezesseis"}),
        json!({"kind": "instance", "user": "ana@example.com", "id": "inst-1", "name": "Loja", "phone": "5511999990001", "status": "disconnected", "instanceKey": "a".repeat(21), "createdAt": at, "updatedAt": at, "lastConnection": null, "settings": {}, "providerId": null, "providerToken": null, "webhookSecret": null, "profileName": null, "loggedOut": false}),
        json!({"kind": "settingsVersion", "instance": "inst-1", "id": "sv-1", "changedAt": at, "settings": {}}),
        json!({"kind": "statusChange", "instance": "inst-1", "id": "sc-1", "from": "disconnected", "to": "connecting", "reason": "pedido", "source": "user", "at": at}),
        json!({"kind": "dailyUsage", "instance": "inst-1", "day": "2025-11-29", "sent": 1, "received": 2, "failed": 0, "delivered": 1, "read": 1, "disconnections": 0, "connectedMs": 5}),
        json!({"kind": "message", "instance": "inst-1", "id": "m-1", "direction": "out", "peer": "5511988887777", "type": "text", "body": "oi", "mediaUrl": null, "fileName": null, "status": "sent", "providerMessageId": null, "idempotencyKey": null, "attempts": 1, "error": null, "createdAt": at, "sentAt": null, "deliveredAt": null, "readAt": null}),
    ]
}

/// Any JSON a field could be replaced with.
fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::from),
        "[\\x00-\\x1f\u{202e}\u{200b}a-z0-9@._-]{0,20}".prop_map(Value::from),
        (0usize..5000).prop_map(|n| Value::from("x".repeat(n))),
        Just(json!({"a": [1, {"b": null}]})),
        Just(json!([])),
    ]
}

/// A record line: a sound record with some fields replaced, or any text.
pub fn record_line() -> impl Strategy<Value = Vec<u8>> {
    let edited = (
        0..sound_records().len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any_value()), 0..4),
    )
        .prop_map(|(which, edits)| {
            let mut record = sound_records().swap_remove(which);
            let object = record.as_object_mut().unwrap();
            for (field, value) in edits {
                let key = object
                    .keys()
                    .nth(field.index(object.len()))
                    .unwrap()
                    .clone();
                object.insert(key, value);
            }
            serde_json::to_vec(&record).unwrap()
        });
    prop_oneof![
        4 => edited,
        1 => "[^\n]{0,80}".prop_map(String::into_bytes),
    ]
}

/// Reads a whole file as the restore does, or says why not.
fn read_all(file: &[u8]) -> Result<Vec<Record>, BackupError> {
    let (mut reader, _manifest) = Reader::open_untrusted(file, passphrase(PASSPHRASE)?)?;
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    Ok(records)
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn the_sound_records_read_back() {
    let lines: Vec<_> = sound_records()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    let records = read_all(&encrypt(&plain(&lines))).unwrap();
    assert_eq!(records.len(), lines.len());
}

#[test]
fn random_bytes_are_not_a_backup() {
    let magic = b"age-encryption.org/v1\n".to_vec();
    let bytes = proptest::collection::vec(any::<u8>(), 0..600);
    let file = (any::<bool>(), bytes).prop_map(move |(with_magic, bytes)| {
        if with_magic {
            [magic.clone(), bytes].concat()
        } else {
            bytes
        }
    });
    runner(256)
        .run(&file, |file| {
            prop_assert!(read_all(&file).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_cut_or_flipped_archive_is_a_typed_error() {
    let lines: Vec<_> = sound_records()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    let sound = encrypt(&plain(&lines));
    let len = sound.len();
    let damage = (0..len, 1u8..=255, any::<bool>());
    runner(256)
        .run(&damage, |(at, mask, cut)| {
            let mut file = sound.clone();
            if cut {
                file.truncate(at);
            } else {
                file[at] ^= mask;
            }
            let read = read_all(&file);
            prop_assert!(read.is_err(), "damage at {at} (cut: {cut}) went unnoticed");
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_records_in_a_sound_archive_read_or_fail_typed() {
    let lines = proptest::collection::vec(record_line(), 0..12);
    runner(128)
        .run(&lines, |lines| {
            // Whatever the lines, the reader answers: a typed error or the records.
            let _ = read_all(&encrypt(&plain(&lines)));
            Ok(())
        })
        .unwrap();
}

#[test]
fn random_records_restore_or_fail_typed_on_sqlite() {
    random_records_restore(Backend::Sqlite);
}

#[test]
fn random_records_restore_or_fail_typed_on_postgres() {
    random_records_restore(Backend::Postgres);
}

/// Restores (as a dry run, as an upload would) archives of random records:
/// a report or a typed error that is about the file, never a panic, and never
/// the database refusing what the restore should have refused first.
fn random_records_restore(backend: Backend) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let Some(app): Option<TestApp> = runtime.block_on(spawn_app(backend)) else {
        return;
    };
    let options = RestoreOptions {
        scope: Scope::All,
        create_users: true,
        dry_run: true,
        untrusted: true,
    };
    // The generator starts from records the restore takes as they are.
    let sound: Vec<_> = sound_records()
        .iter()
        .map(|r| serde_json::to_vec(r).unwrap())
        .collect();
    let file = std::io::Cursor::new(encrypt(&plain(&sound)));
    let report = runtime
        .block_on(restore(
            &app.platform,
            file,
            passphrase(PASSPHRASE).unwrap(),
            &options,
            |_| {},
        ))
        .unwrap();
    assert!(report.dry_run);
    let lines = proptest::collection::vec(record_line(), 0..10);
    runner(48)
        .run(&lines, |lines| {
            let file = std::io::Cursor::new(encrypt(&plain(&lines)));
            let secret = passphrase(PASSPHRASE).unwrap();
            let restored = runtime.block_on(restore(&app.platform, file, secret, &options, |_| {}));
            prop_assert!(
                !matches!(restored, Err(BackupError::Database(_) | BackupError::Io(_))),
                "{restored:?}"
            );
            Ok(())
        })
        .unwrap();
    runtime.block_on(async move { drop(app) });
}
