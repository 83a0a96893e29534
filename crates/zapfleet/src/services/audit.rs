//! The audit log: who did what, when and from where. The services where the
//! actions happen call [`record`]; people read their own lines (the
//! administrator reads everyone's) through [`list`].
//!
//! Where a request came from (client address, user agent) is known only at the
//! HTTP edge: a middleware puts it in [`REQUEST_META`] for the request's task,
//! and [`record`] reads it there, so the use-cases keep their signatures and the
//! command line and workers record with no address. Work a request hands to
//! another task (a backup job) carries it along with [`current_meta`].

use super::platform::Platform;
use crate::domain::audit::{MAX_TEXT_CHARS, clean_text};
use crate::domain::{AuditAction, AuditCursor, AuditEvent, Email, RequestMeta, UserId};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::{AuditQuery, NewAuditEvent};
use serde_json::Value;

tokio::task_local! {
    /// Where the request being served came from (set by a middleware).
    pub static REQUEST_META: RequestMeta;
}

/// Where the current request came from; empty outside a request.
pub fn current_meta() -> RequestMeta {
    REQUEST_META.try_with(Clone::clone).unwrap_or_default()
}

/// Who acted.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The account, when known.
    pub user_id: Option<UserId>,
    /// The e-mail to keep; `None` takes the account's current one.
    pub email: Option<String>,
}

impl Actor {
    /// A signed-in user or a token's owner.
    pub fn user(user: &UserId) -> Self {
        Self {
            user_id: Some(user.clone()),
            email: None,
        }
    }
}

/// What an action was done to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Its id (an instance, token or user id).
    pub id: Option<String>,
    /// Its name at the time.
    pub name: Option<String>,
}

impl Target {
    /// Nothing in particular (signing in, a backup).
    pub fn none() -> Self {
        Self::default()
    }

    /// An id and, if known, a name.
    pub fn new(id: impl std::fmt::Display, name: Option<&str>) -> Self {
        Self {
            id: Some(id.to_string()),
            name: name.map(|n| clean_text(n, MAX_TEXT_CHARS)),
        }
    }
}

/// Adds a line to the audit log, from where the current request came. It runs
/// after the action succeeded, which stands either way: a failure to write the
/// line is logged as a warning (with what was lost), never silent and never
/// turned into a failure of the action.
pub async fn record(
    platform: &Platform,
    actor: Actor,
    action: AuditAction,
    target: Target,
    detail: Value,
) {
    let event = NewAuditEvent {
        at: platform.now(),
        user_id: actor.user_id,
        actor_email: actor.email.map(|e| clean_text(&e, MAX_TEXT_CHARS)),
        action,
        target_id: target.id,
        target_name: target.name,
        meta: current_meta(),
        detail,
    };
    let lost = (event.user_id.clone(), event.target_id.clone());
    if let Err(error) = platform.store.insert_audit_event(event).await {
        tracing::warn!(
            %error,
            action = action.as_str(),
            user = ?lost.0,
            target = ?lost.1,
            "could not write an audit log line"
        );
    }
}

/// Records a sign-in attempt: against the account when the e-mail has one,
/// else against the e-mail typed (the sign-in limiter caps how many). Why one
/// failed is kept for the account's owner and the administrator.
pub async fn sign_in(
    platform: &Platform,
    typed_email: &str,
    user: Option<(&UserId, bool)>,
    succeeded: bool,
) {
    let (action, detail) = match (succeeded, user) {
        (true, _) => (AuditAction::SignIn, serde_json::json!({})),
        (false, None) => (
            AuditAction::SignInFailed,
            serde_json::json!({"reason": "unknown_account"}),
        ),
        (false, Some((_, true))) => (
            AuditAction::SignInFailed,
            serde_json::json!({"reason": "account_disabled"}),
        ),
        (false, Some((_, false))) => (
            AuditAction::SignInFailed,
            serde_json::json!({"reason": "wrong_password"}),
        ),
    };
    let actor = Actor {
        user_id: user.map(|(id, _)| id.clone()),
        // An unknown e-mail is kept as typed (trimmed): it is what was tried.
        email: user.is_none().then(|| typed_email.trim().to_lowercase()),
    };
    record(platform, actor, action, Target::none(), detail).await;
}

/// Who is reading the log.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// Their account.
    pub user_id: UserId,
    /// Administrators read everyone's lines.
    pub is_admin: bool,
}

/// What a reader asks for, unchecked.
#[derive(Debug, Clone, Default)]
pub struct ListAudit {
    /// Only this action (its stored name, e.g. `sign_in`).
    pub action: Option<String>,
    /// Only this account's lines (administrators; others may name only themselves).
    pub user: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to [`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    pub limit: Option<u32>,
}

/// Lines per page unless asked.
pub const DEFAULT_LIMIT: u32 = 50;
/// Most lines per page.
pub const MAX_LIMIT: u32 = 200;

/// A page of the log, newest first.
#[derive(Debug, Clone)]
pub struct AuditPage {
    /// The lines.
    pub items: Vec<AuditEvent>,
    /// Where the next (older) page starts, if there is one.
    pub next: Option<AuditCursor>,
}

fn bad_query(message: Msg, field: &str) -> AppError {
    AppError::BadRequest {
        message,
        detail: None,
        field: Some(field.to_owned()),
    }
}

/// A page of the log: a user's own lines, or, for the administrator, everyone's
/// (or one user's). Asking for another user's lines without being the
/// administrator is 404, as for anything else of theirs.
pub async fn list(
    platform: &Platform,
    viewer: &Viewer,
    input: ListAudit,
) -> Result<AuditPage, AppError> {
    let action = match input.action.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            Some(AuditAction::parse(text).ok_or_else(|| bad_query(Msg::BadAuditAction, "action"))?)
        }
    };
    let asked = input
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(UserId::from_raw);
    let user = match (viewer.is_admin, asked) {
        (true, asked) => asked,
        (false, Some(other)) if other != viewer.user_id => return Err(AppError::NotFound),
        (false, _) => Some(viewer.user_id.clone()),
    };
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_query(Msg::BadLimit, "limit"));
    }
    let before = match input.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(text) => Some(
            AuditCursor::decode(text)
                .ok_or_else(|| bad_query(Msg::BadCursor, "cursor"))?
                .before,
        ),
        None => None,
    };
    let query = AuditQuery {
        user,
        action,
        before,
        limit,
    };
    let (items, more) = platform.store.list_audit_events(&query).await?;
    let next = match items.last() {
        Some(last) if more => Some(AuditCursor { before: last.id }),
        _ => None,
    };
    Ok(AuditPage { items, next })
}

/// The e-mail of an account, to name it as an action's target.
pub async fn user_email(platform: &Platform, user: &UserId) -> Option<Email> {
    platform.store.user_email(user).await.ok().flatten()
}

/// How an action is named on the pages.
pub fn label(action: AuditAction) -> Msg {
    match action {
        AuditAction::SignIn => Msg::ActionSignIn,
        AuditAction::SignInFailed => Msg::ActionSignInFailed,
        AuditAction::SignUp => Msg::ActionSignUp,
        AuditAction::InstanceCreated => Msg::ActionInstanceCreated,
        AuditAction::InstanceConnected => Msg::ActionInstanceConnected,
        AuditAction::InstanceDisconnected => Msg::ActionInstanceDisconnected,
        AuditAction::InstanceDeleted => Msg::ActionInstanceDeleted,
        AuditAction::SettingsChanged => Msg::ActionSettingsChanged,
        AuditAction::TokenCreated => Msg::ActionTokenCreated,
        AuditAction::TokenRevoked => Msg::ActionTokenRevoked,
        AuditAction::UserDisabled => Msg::ActionUserDisabled,
        AuditAction::UserEnabled => Msg::ActionUserEnabled,
        AuditAction::Backup => Msg::ActionBackup,
        AuditAction::Restore => Msg::ActionRestore,
        AuditAction::PasswordChanged => Msg::ActionPasswordChanged,
        AuditAction::SessionsEnded => Msg::ActionSessionsEnded,
        AuditAction::TimeZoneChanged => Msg::ActionTimeZoneChanged,
        AuditAction::InstanceReprovisioned => Msg::ActionInstanceReprovisioned,
        AuditAction::UserDeleted => Msg::ActionUserDeleted,
    }
}
