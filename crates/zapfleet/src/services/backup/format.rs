//! The plain format inside a backup file: JSON Lines, one record per line,
//! independent of the database's tables (a backup taken before an upgrade
//! restores after it). Described for people in `docs/backup-format.md`.
//!
//! The first line is the [`Record::Manifest`], the last the [`Record::End`]
//! with the count of the records between and the SHA-256 of every byte before
//! it. In between, each account comes before its tokens, webhook and instances,
//! and each instance before its versions, status changes, statistics and
//! messages, so a restore reads the file once, front to back.

use crate::domain::{
    Day, Direction, InstanceStatus, MessageKind, MessageStatus, StatusSource, Timestamp, Usage,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `format` of the manifest.
pub const FORMAT: &str = "zapfleet-backup";
/// The version of the format this release writes (and the newest it reads).
/// 2 added [`Record::RetiredUsage`]; a version-1 file is read as it always was.
pub const VERSION: u32 = 2;

/// The counts of one day of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DayCounts {
    /// Messages accepted by WhatsApp.
    pub sent: i64,
    /// Messages received.
    pub received: i64,
    /// Messages given up.
    pub failed: i64,
    /// Messages delivered.
    pub delivered: i64,
    /// Messages read.
    pub read: i64,
    /// Connections lost.
    pub disconnections: i64,
    /// Milliseconds connected.
    pub connected_ms: i64,
}

impl From<Usage> for DayCounts {
    fn from(u: Usage) -> Self {
        Self {
            sent: u.sent,
            received: u.received,
            failed: u.failed,
            delivered: u.delivered,
            read: u.read,
            disconnections: u.disconnections,
            connected_ms: u.connected_ms,
        }
    }
}

impl From<DayCounts> for Usage {
    fn from(c: DayCounts) -> Self {
        Self {
            sent: c.sent,
            received: c.received,
            failed: c.failed,
            delivered: c.delivered,
            read: c.read,
            disconnections: c.disconnections,
            connected_ms: c.connected_ms,
        }
    }
}

/// One line of a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Record {
    /// What the file is: always the first line.
    #[serde(rename_all = "camelCase")]
    Manifest {
        /// Always [`FORMAT`].
        format: String,
        /// The format's version.
        version: u32,
        /// The zapfleet version that wrote it.
        zapfleet: String,
        /// When.
        created_at: Timestamp,
        /// Whether the message log is in it.
        with_messages: bool,
    },
    /// An account.
    #[serde(rename_all = "camelCase")]
    User {
        /// Its e-mail (what identifies it across servers).
        email: String,
        /// Argon2id PHC string.
        password_hash: String,
        /// `pt-BR` or `en`.
        locale: String,
        /// Administers the server.
        is_admin: bool,
        /// Cannot sign in.
        disabled: bool,
        /// When it was made.
        created_at: Timestamp,
    },
    /// An API token of the account before it (only its hash: the secret was never kept).
    #[serde(rename_all = "camelCase")]
    Token {
        /// The owner's e-mail.
        user: String,
        /// Label.
        name: String,
        /// SHA-256 of the secret, hex.
        token_hash: String,
        /// The secret's first characters.
        prefix: String,
        /// Created.
        created_at: Timestamp,
        /// Last used.
        last_used_at: Option<Timestamp>,
        /// Revoked.
        revoked_at: Option<Timestamp>,
    },
    /// The account's own forward webhook.
    #[serde(rename_all = "camelCase")]
    UserWebhook {
        /// The owner's e-mail.
        user: String,
        /// Where events go.
        url: String,
        /// Event kinds; empty means all.
        events: Vec<String>,
        /// The signing secret, in clear (the file is encrypted).
        secret: String,
    },
    /// An instance of the account before it.
    #[serde(rename_all = "camelCase")]
    Instance {
        /// The owner's e-mail.
        user: String,
        /// Its id (kept across servers).
        id: String,
        /// Display name.
        name: String,
        /// E.164 digits.
        phone: Option<String>,
        /// Last known connection status.
        status: InstanceStatus,
        /// The random public key (the provider-side name).
        instance_key: String,
        /// Created.
        created_at: Timestamp,
        /// Last changed.
        updated_at: Timestamp,
        /// Last became connected.
        last_connection: Option<Timestamp>,
        /// The settings; a forward webhook's secret in clear under `secret`.
        settings: Value,
        /// The provider's id, once created there.
        provider_id: Option<String>,
        /// The provider token, in clear: with it the WhatsApp session is taken
        /// over without a new QR.
        provider_token: Option<String>,
        /// The secret in the URL the provider posts to, in clear.
        webhook_secret: Option<String>,
        /// WhatsApp display name.
        profile_name: Option<String>,
        /// Logged out: not reconnected automatically.
        logged_out: bool,
    },
    /// A saved version of the instance's settings (never with secrets).
    #[serde(rename_all = "camelCase")]
    SettingsVersion {
        /// The instance.
        instance: String,
        /// Its id.
        id: String,
        /// When it was saved.
        changed_at: Timestamp,
        /// The settings then.
        settings: Value,
    },
    /// A change of the instance's status.
    #[serde(rename_all = "camelCase")]
    StatusChange {
        /// The instance.
        instance: String,
        /// Its id.
        id: String,
        /// Previous status.
        from: InstanceStatus,
        /// New status.
        to: InstanceStatus,
        /// Why.
        reason: String,
        /// Who reported it.
        source: StatusSource,
        /// When.
        at: Timestamp,
    },
    /// A day of the instance's usage.
    #[serde(rename_all = "camelCase")]
    DailyUsage {
        /// The instance.
        instance: String,
        /// The day (the owner's calendar day).
        day: Day,
        /// What was counted.
        #[serde(flatten)]
        counts: DayCounts,
    },
    /// A day of usage of an instance deleted since (format 2): it stays in the
    /// account's totals, so it comes after the account's instances.
    #[serde(rename_all = "camelCase")]
    RetiredUsage {
        /// The account (its e-mail).
        user: String,
        /// The id the deleted instance had.
        instance: String,
        /// The day (the owner's calendar day).
        day: Day,
        /// What was counted.
        #[serde(flatten)]
        counts: DayCounts,
    },
    /// A finished message of the instance (queued ones are not kept: sent
    /// again from another server, they could be sent twice).
    #[serde(rename_all = "camelCase")]
    Message {
        /// The instance.
        instance: String,
        /// Its id (the provider's `track_id`).
        id: String,
        /// Sent or received.
        direction: Direction,
        /// The other party.
        peer: String,
        /// What it carries.
        #[serde(rename = "type")]
        message_kind: MessageKind,
        /// Text or caption.
        body: Option<String>,
        /// A media URL (uploaded files are not kept).
        media_url: Option<String>,
        /// Document name.
        file_name: Option<String>,
        /// Where it stands.
        status: MessageStatus,
        /// WhatsApp's id.
        provider_message_id: Option<String>,
        /// The client's idempotency key.
        idempotency_key: Option<String>,
        /// Send attempts.
        attempts: i64,
        /// Why it failed.
        error: Option<String>,
        /// Stored.
        created_at: Timestamp,
        /// Accepted by WhatsApp.
        sent_at: Option<Timestamp>,
        /// Delivered.
        delivered_at: Option<Timestamp>,
        /// Read.
        read_at: Option<Timestamp>,
    },
    /// The last line: how many records came before it (the manifest included)
    /// and the SHA-256 (hex) of every byte before this line.
    #[serde(rename_all = "camelCase")]
    End {
        /// Records before this one.
        records: u64,
        /// SHA-256 of the bytes before this line, hex.
        sha256: String,
    },
}

impl Record {
    /// The manifest of a file written now by this release.
    pub fn manifest(created_at: Timestamp, with_messages: bool) -> Self {
        Self::Manifest {
            format: FORMAT.to_owned(),
            version: VERSION,
            zapfleet: env!("CARGO_PKG_VERSION").to_owned(),
            created_at,
            with_messages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_are_one_json_object_with_their_kind() {
        let at = Timestamp::from_millis(1_764_374_400_123);
        let line = serde_json::to_value(Record::manifest(at, true)).unwrap();
        assert_eq!(
            line,
            json!({"kind": "manifest", "format": "zapfleet-backup", "version": 2,
                   "zapfleet": env!("CARGO_PKG_VERSION"), "createdAt": "2025-11-29T00:00:00.123Z",
                   "withMessages": true})
        );
        let counts = DayCounts {
            sent: 1,
            received: 2,
            failed: 0,
            delivered: 1,
            read: 1,
            disconnections: 0,
            connected_ms: 5,
        };
        let usage = Record::DailyUsage {
            instance: "i".into(),
            day: Day::parse("2025-11-29").unwrap(),
            counts,
        };
        let text = serde_json::to_string(&usage).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"dailyUsage","instance":"i","day":"2025-11-29","sent":1,"received":2,"failed":0,"delivered":1,"read":1,"disconnections":0,"connectedMs":5}"#,
            "the same line format 1 wrote"
        );
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), usage);
        let retired = Record::RetiredUsage {
            user: "ana@loja.com.br".into(),
            instance: "gone".into(),
            day: Day::parse("2025-11-28").unwrap(),
            counts,
        };
        let text = serde_json::to_string(&retired).unwrap();
        assert!(
            text.starts_with(
                r#"{"kind":"retiredUsage","user":"ana@loja.com.br","instance":"gone""#
            ),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Record>(&text).unwrap(), retired);
        assert!(serde_json::from_str::<Record>(r#"{"kind":"somethingNew"}"#).is_err());
    }
}
