//! Backups: a user's (or every user's) accounts, instances, their secrets,
//! history and statistics, and optionally the message log, in one encrypted
//! file that restores into this server or another (SQLite or PostgreSQL), so
//! WhatsApp sessions held at the provider are taken over without a new QR.
//!
//! - [`format`]: the records (JSON Lines), independent of the tables.
//! - [`archive`]: the encrypted file (age, passphrase), streamed both ways.
//! - [`export`]: reading what to back up, a page at a time.
//! - [`import`]: restoring in one transaction, with the conflict rules.
//! - [`jobs`]: backups and restores the web runs in the background.
//! - [`audit`]: their lines in the audit log.

pub mod archive;
pub mod audit;
pub mod export;
pub mod files;
pub mod format;
pub mod import;
pub mod jobs;

pub use archive::BackupError;

use super::credentials::{Sealed, open};
use super::platform::Platform;
use crate::domain::{Email, InstanceSettings};
use serde_json::Value;

/// Backups `serve` takes by itself (`ZAPFLEET_BACKUP_DIR` and friends).
#[derive(Clone)]
pub struct Schedule {
    /// Where the files go.
    pub dir: std::path::PathBuf,
    /// How often.
    pub every: std::time::Duration,
    /// How many files to keep (the oldest go).
    pub keep: usize,
    /// Include the message log.
    pub with_messages: bool,
    /// The passphrase (`ZAPFLEET_BACKUP_PASSPHRASE`).
    pub passphrase: String,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schedule")
            .field("dir", &self.dir)
            .field("every", &self.every)
            .field("keep", &self.keep)
            .field("with_messages", &self.with_messages)
            .field("passphrase", &"***")
            .finish()
    }
}

/// Whose data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every account.
    All,
    /// One account, by e-mail.
    User(Email),
}

impl Scope {
    /// Whether the account with this e-mail is in scope.
    pub fn includes(&self, email: &str) -> bool {
        match self {
            Self::All => true,
            Self::User(wanted) => wanted.as_str() == email,
        }
    }
}

/// How far a backup or restore has come, for progress displays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Accounts.
    pub users: u64,
    /// Instances.
    pub instances: u64,
    /// Messages.
    pub messages: u64,
    /// Every record.
    pub records: u64,
    /// Instances there are to back up (0 when unknown).
    pub instances_total: u64,
    /// Bytes of the file read so far (restores).
    pub bytes: u64,
}

impl Progress {
    /// How far along, from 0 to 1, when it can be told: instances backed up of
    /// those there are, or bytes restored of the file's `size`.
    pub fn fraction(&self, size: Option<u64>) -> Option<f64> {
        let (done, total) = match size {
            Some(size) => (self.bytes, size),
            None => (self.instances, self.instances_total),
        };
        (total > 0).then(|| (done as f64 / total as f64).min(1.0))
    }
}

/// The settings as a backup holds them: a forward webhook's secret in clear
/// under `secret` (the file is encrypted), not sealed with this server's key.
fn settings_out(platform: &Platform, settings: &InstanceSettings) -> Result<Value, BackupError> {
    let mut document = settings.to_config();
    if let (Some(hook), Some(webhook)) = (
        document
            .get_mut("forwardWebhook")
            .and_then(Value::as_object_mut),
        &settings.forward_webhook,
    ) {
        let secret = open(platform, Sealed::SigningSecret, &webhook.secret_sealed)
            .map_err(|_| BackupError::Inconsistent(unreadable_secret()))?;
        hook.remove("secretSealed");
        hook.insert("secret".into(), Value::String(secret));
    }
    Ok(document)
}

/// The settings of a backup, the webhook's secret sealed with this server's key.
fn settings_in(platform: &Platform, mut document: Value) -> InstanceSettings {
    if let Some(hook) = document
        .get_mut("forwardWebhook")
        .and_then(Value::as_object_mut)
        && let Some(Value::String(secret)) = hook.remove("secret")
    {
        hook.insert(
            "secretSealed".into(),
            Value::String(platform.secrets.encrypt(&secret)),
        );
    }
    InstanceSettings::from_config(&document)
}

fn unreadable_secret() -> String {
    "a stored secret does not open with this server's ZAPFLEET_SECRET_KEY".into()
}

/// The peak memory of this process so far, in bytes (Linux), for the reports
/// of long backups and restores.
pub fn peak_memory() -> Option<u64> {
    memory_line("VmHWM:")
}

/// The memory this process uses now, in bytes (Linux). Sampled while records
/// stream, it shows what the records cost apart from the passphrase's key
/// derivation (scrypt's 256 MiB, freed before the first record).
pub fn current_memory() -> Option<u64> {
    memory_line("VmRSS:")
}

fn memory_line(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
