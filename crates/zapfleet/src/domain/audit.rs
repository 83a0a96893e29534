//! The audit log's vocabulary: what was done ([`AuditAction`]), from where
//! ([`RequestMeta`]), and the cursor that pages through it, newest first.

use super::text_enum::text_enum;
use super::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// Something a person did that the audit log keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Signed in to the pages.
    SignIn,
    /// A sign-in with a wrong e-mail or password, or for a disabled account.
    SignInFailed,
    /// Created an account from the sign-up page.
    SignUp,
    /// Created an instance.
    InstanceCreated,
    /// Asked an instance to connect (QR or pairing code).
    InstanceConnected,
    /// Logged an instance out of WhatsApp.
    InstanceDisconnected,
    /// Deleted an instance.
    InstanceDeleted,
    /// Saved an instance's settings.
    SettingsChanged,
    /// Created an API token.
    TokenCreated,
    /// Revoked an API token.
    TokenRevoked,
    /// An administrator disabled an account.
    UserDisabled,
    /// An administrator re-enabled an account.
    UserEnabled,
    /// Took a backup.
    Backup,
    /// Restored a backup.
    Restore,
    /// Changed their own password.
    PasswordChanged,
    /// Signed out their other browser sessions.
    SessionsEnded,
    /// Changed their time zone.
    TimeZoneChanged,
    /// Re-created at the provider an instance the provider had forgotten.
    InstanceReprovisioned,
    /// An administrator deleted an account (and its instances at the provider).
    UserDeleted,
}

text_enum!(AuditAction, "audit action" {
    SignIn => "sign_in",
    SignInFailed => "sign_in_failed",
    SignUp => "sign_up",
    InstanceCreated => "instance_created",
    InstanceConnected => "instance_connected",
    InstanceDisconnected => "instance_disconnected",
    InstanceDeleted => "instance_deleted",
    SettingsChanged => "settings_changed",
    TokenCreated => "token_created",
    TokenRevoked => "token_revoked",
    UserDisabled => "user_disabled",
    UserEnabled => "user_enabled",
    Backup => "backup",
    Restore => "restore",
    PasswordChanged => "password_changed",
    SessionsEnded => "sessions_ended",
    TimeZoneChanged => "time_zone_changed",
    InstanceReprovisioned => "instance_reprovisioned",
    UserDeleted => "user_deleted",
});

/// Longest user agent kept; the rest is cut (a header can be kilobytes).
pub const MAX_USER_AGENT_CHARS: usize = 300;
/// Longest e-mail or target name kept (what a failed sign-in typed is anyone's text).
pub const MAX_TEXT_CHARS: usize = 200;

/// Text from outside made safe to keep and show: control characters (a
/// newline would forge a line in an export) are dropped, and it is cut to
/// `max` characters.
pub fn clean_text(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Where a request came from: the client's address and its user agent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// The client's IP address.
    pub ip: Option<String>,
    /// The `User-Agent` header, cleaned and cut to [`MAX_USER_AGENT_CHARS`].
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// What the command line and the server's own schedule record as their
    /// origin: no address, and a user agent that says which.
    pub fn local(what: &str) -> Self {
        Self {
            ip: None,
            user_agent: Some(format!("zapfleet ({what})")),
        }
    }

    /// From the client's address and its raw `User-Agent`.
    pub fn new(ip: Option<std::net::IpAddr>, user_agent: Option<&str>) -> Self {
        Self {
            ip: ip.map(|ip| ip.to_canonical().to_string()),
            user_agent: user_agent
                .map(|ua| clean_text(ua, MAX_USER_AGENT_CHARS))
                .filter(|ua| !ua.is_empty()),
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Increasing with each line written: newest has the largest.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// Whose action (none for a failed sign-in with an unknown e-mail, or the
    /// command line without an account).
    pub user_id: Option<UserId>,
    /// The actor's e-mail at the time (or the one typed, for failed sign-ins).
    pub actor_email: Option<String>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to: an instance, token or user id.
    pub target_id: Option<String>,
    /// The target's name at the time (an instance's or token's name, a user's e-mail).
    pub target_name: Option<String>,
    /// The client's IP address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// A few facts about the action, never a secret.
    pub detail: serde_json::Value,
}

/// Where the next page of the audit log starts: just before this line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    /// The last line shown.
    pub before: i64,
}

impl AuditCursor {
    /// The opaque, URL-safe form (hex of a small JSON document, like the
    /// instance list's cursors).
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        json.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Reads a cursor back; `None` for anything this server did not make.
    pub fn decode(text: &str) -> Option<Self> {
        if !text.len().is_multiple_of(2) || text.len() > 256 {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| {
                text.get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect::<Option<Vec<u8>>>()?;
        serde_json::from_slice(&bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_back_and_serde_agrees() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert_eq!(
                serde_json::to_value(action).unwrap(),
                serde_json::Value::String(action.as_str().to_owned())
            );
        }
        assert_eq!(AuditAction::parse("drop_table"), None);
    }

    #[test]
    fn request_meta_keeps_no_control_characters_and_no_novels() {
        let meta = RequestMeta::new(
            Some("::ffff:10.1.2.3".parse().unwrap()),
            Some(&format!("evil\r\nX-Forged: 1{}", "a".repeat(5000))),
        );
        assert_eq!(meta.ip.as_deref(), Some("10.1.2.3"));
        let ua = meta.user_agent.unwrap();
        assert!(ua.starts_with("evilX-Forged: 1"));
        assert_eq!(ua.chars().count(), MAX_USER_AGENT_CHARS);
        assert_eq!(RequestMeta::new(None, Some("\n")).user_agent, None);
    }

    #[test]
    fn cursors_round_trip_and_junk_is_refused() {
        let cursor = AuditCursor { before: 42 };
        assert_eq!(AuditCursor::decode(&cursor.encode()), Some(cursor));
        for junk in ["", "zz", "abc", "7b7d", &"00".repeat(200)] {
            assert_eq!(AuditCursor::decode(junk), None, "{junk}");
        }
    }
}
