//! Backups and restores in the audit log, wherever they run: a web job (as
//! coming from the request that started it), the command line, the schedule.

use super::Scope;
use super::export::BackupOptions;
use super::import::RestoreOptions;
use crate::domain::{AuditAction, UserId};
use crate::services::audit::{self, Actor, Target};
use crate::services::platform::Platform;

/// How a scope is named in the log (never the e-mail: the actor says whose).
fn scope_name(scope: &Scope) -> &'static str {
    match scope {
        Scope::All => "all",
        Scope::User(_) => "account",
    }
}

fn actor(owner: Option<&UserId>) -> Actor {
    owner.map(Actor::user).unwrap_or_default()
}

/// A backup ended: `instances` backed up, or `None` if it failed.
pub async fn backup_taken(
    platform: &Platform,
    owner: Option<&UserId>,
    options: &BackupOptions,
    instances: Option<u64>,
) {
    let detail = serde_json::json!({
        "scope": scope_name(&options.scope),
        "withMessages": options.with_messages,
        "ok": instances.is_some(),
        "instances": instances.unwrap_or(0),
    });
    let (actor, target) = (actor(owner), Target::none());
    audit::record(platform, actor, AuditAction::Backup, target, detail).await;
}

/// A restore ended, done (or tried, dry) when `ok`.
pub async fn restore_done(
    platform: &Platform,
    owner: Option<&UserId>,
    options: &RestoreOptions,
    ok: bool,
) {
    let detail = serde_json::json!({
        "scope": scope_name(&options.scope),
        "createUsers": options.create_users,
        "dryRun": options.dry_run,
        "ok": ok,
    });
    let (actor, target) = (actor(owner), Target::none());
    audit::record(platform, actor, AuditAction::Restore, target, detail).await;
}
