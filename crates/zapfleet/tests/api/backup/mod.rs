//! Backups, told as their users live them: a server moved to another one
//! (and another database, and another key) with every WhatsApp session kept;
//! the conflict rules of a restore over a server that holds data; files that
//! are wrong in every way a file can be; a large account in flat memory;
//! scheduled backups; and the Backup page in a real browser.

mod bad_files;
mod generated;
mod moving;
mod page;
mod rules;
mod scale;
mod schedule;
mod uploads;

use crate::helpers::Options;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use uazapi_sandbox::SandboxServer;
use zapfleet::services::backup::BackupError;
use zapfleet::services::backup::archive::{Reader, Writer, passphrase};
use zapfleet::services::backup::format::Record;

/// The passphrase of the tests' backups.
pub const PASSPHRASE: &str = "frase secreta do backup";
/// The admin token of the provider the tests start.
const ADMIN_TOKEN: &str = "token-de-admin-dos-testes";
/// The key the tests' apps seal with, unless told otherwise.
pub fn default_key() -> String {
    "42".repeat(32)
}

/// A provider that outlives the servers using it, as a real one does.
pub async fn provider() -> SandboxServer {
    uazapi_sandbox::spawn("127.0.0.1:0", ADMIN_TOKEN)
        .await
        .expect("start the provider")
}

/// An app on `provider`, sealing with `key`.
pub fn on_provider(provider: &SandboxServer, key: &str) -> Options {
    Options {
        provider: Some((provider.url(), ADMIN_TOKEN.to_owned())),
        secret_key: Some(key.to_owned()),
        ..Options::default()
    }
}

/// How the command line reaches a server's database and provider.
pub struct Cli {
    pub database_url: String,
    pub key: String,
    pub provider_url: Option<String>,
    /// Where the server that shares this database listens (provider webhooks go there).
    pub public_url: Option<String>,
}

impl Cli {
    /// Runs `zapfleet args…` with the tests' passphrase in the environment.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_as(PASSPHRASE, args)
    }

    /// Runs `zapfleet args…` with this passphrase in the environment.
    pub fn run_as(&self, passphrase: &str, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command
            .args(args)
            .env_remove("ZAPFLEET_CONFIG")
            .env("DATABASE_URL", &self.database_url)
            .env("ZAPFLEET_SECRET_KEY", &self.key)
            .env("ZAPFLEET_DATA_DIR", std::env::temp_dir())
            .env("ZAPFLEET_BACKUP_PASSPHRASE", passphrase)
            .stdin(Stdio::null());
        if let Some(url) = &self.provider_url {
            command
                .env("UAZAPI_URL", url)
                .env("UAZAPI_ADMIN_TOKEN", ADMIN_TOKEN);
        }
        if let Some(url) = &self.public_url {
            command.env("ZAPFLEET_PUBLIC_URL", url);
        }
        command.output().expect("run zapfleet")
    }

    /// Runs and expects success; returns stdout and stderr together.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        let (out, err) = texts(&output);
        assert!(output.status.success(), "zapfleet {args:?} failed: {err}");
        format!("{out}{err}")
    }
}

/// Standard output and standard error.
pub fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A path in the temporary folder no other test uses.
pub fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("zapfleet-test-{}-{name}", nanoid::nanoid!(10)))
}

/// The records of a backup, without its manifest and end line.
pub fn records(bytes: &[u8]) -> Result<Vec<Record>, BackupError> {
    let (mut reader, _manifest) = Reader::open(bytes, passphrase(PASSPHRASE)?)?;
    let mut records = Vec::new();
    while let Some(record) = reader.next_record()? {
        records.push(record);
    }
    Ok(records)
}

/// A backup file of these records, as this release writes it.
pub fn backup_of(manifest: &Record, records: &[Record]) -> Vec<u8> {
    let mut writer = Writer::start(Vec::new(), passphrase(PASSPHRASE).unwrap(), manifest).unwrap();
    for record in records {
        writer.write(record).unwrap();
    }
    writer.finish().unwrap()
}

/// The same backup with each record (as JSON) changed by `edit`: what a
/// backup from another server, or a hand-edited one, looks like.
pub fn edited(file: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let (mut reader, manifest) = Reader::open(file, passphrase(PASSPHRASE).unwrap()).unwrap();
    let mut changed = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        let mut value = serde_json::to_value(&record).unwrap();
        edit(&mut value);
        changed.push(serde_json::from_value(value).unwrap());
    }
    backup_of(&manifest, &changed)
}

/// Adds `instances` instances to the account, and `messages` sent messages
/// of `body` characters spread over its first instances, straight in SQL
/// (a large account in a second).
pub async fn generate(database_url: &str, user: &str, instances: u32, messages: u32, body: u32) {
    use sqlx::{Connection, Executor};
    let tag = nanoid::nanoid!(6, &nanoid::alphabet::SAFE[..62]);
    let spread = instances.min(50);
    if database_url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        let numbers = |count: u32| {
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
            )
        };
        conn.execute(sqlx::AssertSqlSafe(format!(
            r#"{} INSERT INTO whatsapp_instance (id, name, "nameKey", status, "userId", "instanceKey", "createdAt", "updatedAt", config, "provisionState")
               SELECT 'gen-{tag}-' || i, 'Gerada {tag} ' || i, 'gerada {tag} ' || i, 'disconnected', '{user}', 'genkey-{tag}-' || i, 0, 0, '{{}}', 'pending' FROM n"#,
            numbers(instances)
        )))
        .await
        .unwrap();
        if messages == 0 {
            return;
        }
        conn.execute(sqlx::AssertSqlSafe(format!(
            r#"{} INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, attempts, "nextAttemptAt", seq, "createdAt", "updatedAt", "sentAt")
               SELECT 'genmsg-{tag}-' || i, 'gen-{tag}-' || (1 + i % {spread}), 'out', '5511999990000', 'text',
                      substr(hex(randomblob({body})), 1, {body}), 'sent', 1, 0, i, 0, 0, 0 FROM n"#,
            numbers(messages)
        )))
        .await
        .unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(database_url).await.unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!(
            r#"INSERT INTO whatsapp_instance (id, name, "nameKey", status, "userId", "instanceKey", "createdAt", "updatedAt", config, "provisionState")
               SELECT 'gen-{tag}-' || i, 'Gerada {tag} ' || i, 'gerada {tag} ' || i, 'disconnected', '{user}', 'genkey-{tag}-' || i, now(), now(), '{{}}', 'pending'
               FROM generate_series(1, {instances}) AS i"#
        )))
        .await
        .unwrap();
        conn.execute(sqlx::AssertSqlSafe(format!(
            r#"INSERT INTO message (id, "instanceId", direction, peer, kind, body, status, attempts, "nextAttemptAt", seq, "createdAt", "updatedAt", "sentAt")
               SELECT 'genmsg-{tag}-' || i, 'gen-{tag}-' || (1 + i % {spread}), 'out', '5511999990000', 'text',
                      left(repeat(md5(i::text), {body} / 32 + 1), {body}), 'sent', 1, now(), i, now(), now(), now()
               FROM generate_series(1, {messages}) AS i"#
        )))
        .await
        .unwrap();
    }
}

/// How many accounts and instances a database holds (nothing written, when both are 0).
pub async fn counts(database_url: &str) -> (i64, i64) {
    let store = zapfleet::store::Store::connect(database_url).await.unwrap();
    let users = store.list_users().await.unwrap();
    let mut instances = 0;
    for user in &users {
        instances += store
            .count_instances_for_backup(Some(&user.id))
            .await
            .unwrap() as i64;
    }
    (users.len() as i64, instances)
}
