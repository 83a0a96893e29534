//! Every way a file can be wrong: each restore fails with an error that names
//! the problem, and writes nothing (the restore is one transaction, so even
//! a file cut after hundreds of good records leaves the database as it was).

use super::{Cli, PASSPHRASE, backup_of, counts, default_key, generate, temp_file, texts};
use crate::helpers::{Backend, Options, fresh_database, spawn_app_with};
use age::secrecy::SecretString;
use std::io::Write;
use zapfleet::domain::{Email, Timestamp};
use zapfleet::services::backup::archive::{Reader, passphrase};
use zapfleet::services::backup::format::Record;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_name_their_problem_and_write_nothing_on_sqlite() {
    bad_files(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_name_their_problem_and_write_nothing_on_postgres() {
    bad_files(Backend::Postgres).await;
}

fn age_file(recipient: &dyn age::Recipient, content: &[u8]) -> Vec<u8> {
    let encryptor = age::Encryptor::with_recipients(std::iter::once(recipient)).unwrap();
    let mut out = Vec::new();
    let mut writer = encryptor.wrap_output(&mut out).unwrap();
    writer.write_all(content).unwrap();
    writer.finish().unwrap();
    out
}

async fn bad_files(target: Backend) {
    let Some(source) = spawn_app_with(Backend::Sqlite, Options::stepped()).await else {
        return;
    };
    let ana = source.new_user().await;
    let user = source
        .store
        .find_user_by_email(&Email::parse(&ana.email).unwrap())
        .await
        .unwrap()
        .unwrap();
    // Enough records for the file to span several encrypted chunks.
    generate(&source.database_url, user.id.as_str(), 3, 400, 1_000).await;
    let good = temp_file("good.age");
    let cli = |url: &str| Cli {
        database_url: url.to_owned(),
        key: default_key(),
        provider_url: None,
        public_url: None,
    };
    cli(&source.database_url).ok(&[
        "backup",
        "--all",
        "--out",
        good.to_str().unwrap(),
        "--with-messages",
    ]);
    let bytes = std::fs::read(&good).unwrap();
    assert!(bytes.len() > 300_000, "several chunks: {}", bytes.len());

    let Some(database) = fresh_database(target).await else {
        return;
    };
    let restore = cli(&database.url);
    let mut records = Vec::new();
    let (mut reader, _) = Reader::open(bytes.as_slice(), passphrase(PASSPHRASE).unwrap()).unwrap();
    while let Some(record) = reader.next_record().unwrap() {
        records.push(record);
    }
    let flipped = |at: usize| {
        let mut copy = bytes.clone();
        copy[at] ^= 0x20;
        copy
    };
    let newer = Record::Manifest {
        format: "zapfleet-backup".into(),
        version: zapfleet::services::backup::format::VERSION + 1,
        zapfleet: "9.0.0".into(),
        created_at: Timestamp::from_millis(0),
        with_messages: true,
    };
    let someone = age::x25519::Identity::generate().to_public();
    let scrypt = age::scrypt::Recipient::new(SecretString::from(PASSPHRASE.to_owned()));
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        (
            "wrong passphrase",
            bytes.clone(),
            Some("outra frase qualquer"),
            "wrong passphrase",
        ),
        (
            "cut in half",
            bytes[..bytes.len() / 2].to_vec(),
            None,
            "cut short",
        ),
        (
            "cut before its last line",
            bytes[..bytes.len() - 20].to_vec(),
            None,
            "cut short",
        ),
        (
            "a byte flipped in the middle",
            flipped(bytes.len() / 2),
            None,
            "damaged",
        ),
        (
            "a byte flipped at the end",
            flipped(bytes.len() - 1),
            None,
            "damaged",
        ),
        (
            "a byte flipped in the header",
            // A letter of the scrypt salt (its case flips): the header still
            // parses, so the key it gives is wrong. (A digit there would make
            // the header unreadable; the salt is random, so pick a letter.)
            flipped(
                (40..bytes.len())
                    .find(|&i| bytes[i].is_ascii_alphabetic())
                    .unwrap(),
            ),
            None,
            "header is damaged",
        ),
        (
            "from a newer release",
            backup_of(&newer, &records),
            None,
            "newer zapfleet",
        ),
        (
            "a text file",
            b"nome;telefone\nAna;11999999999\n".to_vec(),
            None,
            "not a zapfleet backup",
        ),
        ("empty", Vec::new(), None, "not a zapfleet backup"),
        (
            "an age file of something else",
            age_file(&scrypt, b"{\"hello\": 1}\n"),
            None,
            "not a zapfleet backup",
        ),
        (
            "an age file for a key",
            age_file(&someone, b"x"),
            None,
            "not encrypted with a passphrase",
        ),
    ];
    for (what, content, passphrase, expected) in cases {
        let file = temp_file("bad.age");
        std::fs::write(&file, content).unwrap();
        let command = ["restore", file.to_str().unwrap()];
        let output = match passphrase {
            Some(other) => restore.run_as(other, &command),
            None => restore.run(&command),
        };
        let (_, err) = texts(&output);
        assert!(!output.status.success(), "{what}: refused");
        assert!(
            err.to_lowercase().contains(expected),
            "{what}: says {expected:?}, said {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert_eq!(
            counts(&database.url).await,
            (0, 0),
            "{what}: nothing written"
        );
        let _ = std::fs::remove_file(&file);
    }

    // The good file, for contrast, restores whole.
    restore.ok(&["restore", good.to_str().unwrap()]);
    assert_eq!(counts(&database.url).await, (1, 3));
    let _ = std::fs::remove_file(&good);
}
