//! Scheduled backups (`ZAPFLEET_BACKUP_DIR`): every `every`, a backup of all
//! accounts written whole into the folder, the oldest beyond `keep` removed.
//! Due is decided from the newest file's name, so a restart neither skips a
//! backup nor takes one too many.

use crate::domain::RequestMeta;
use crate::services::audit::REQUEST_META;
use crate::services::backup::archive;
use crate::services::backup::audit::backup_taken;
use crate::services::backup::export::{BackupOptions, write_backup_file};
use crate::services::backup::files::{self, scheduled_files, scheduled_name};
use crate::services::backup::{Schedule, Scope};
use crate::services::platform::Platform;
use anyhow::Context;

/// One step: takes a backup if one is due; returns 1 if it did.
pub async fn try_execute_task(platform: &Platform) -> anyhow::Result<usize> {
    let Some(schedule) = &platform.backups else {
        return Ok(0);
    };
    let now = platform.now();
    std::fs::create_dir_all(&schedule.dir)
        .with_context(|| format!("cannot create {}", schedule.dir.display()))?;
    if !is_due(schedule, now)? {
        return Ok(0);
    }
    let path = schedule.dir.join(scheduled_name(now));
    let options = BackupOptions {
        scope: Scope::All,
        with_messages: schedule.with_messages,
    };
    let passphrase = archive::passphrase(&schedule.passphrase)?;
    let started = std::time::Instant::now();
    let written = write_backup_file(platform, &options, &path, passphrase, |_| {}).await;
    let instances = written.as_ref().ok().map(|counts| counts.instances);
    let recorded = backup_taken(platform, None, &options, instances);
    REQUEST_META
        .scope(RequestMeta::local("schedule"), recorded)
        .await;
    let counts =
        written.with_context(|| format!("scheduled backup not written to {}", path.display()))?;
    let removed = files::prune(&schedule.dir, schedule.keep)
        .with_context(|| format!("cannot remove old backups from {}", schedule.dir.display()))?;
    tracing::info!(
        file = %path.display(),
        instances = counts.instances,
        records = counts.records,
        removed,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "scheduled backup written"
    );
    Ok(1)
}

/// Whether the newest backup in the folder is `every` old (or there is none).
fn is_due(schedule: &Schedule, now: crate::domain::Timestamp) -> anyhow::Result<bool> {
    let every = i64::try_from(schedule.every.as_millis()).unwrap_or(i64::MAX);
    // Names sort by time: one named before `now - every` is that old.
    let threshold = scheduled_name(now.plus_millis(-every));
    let files = scheduled_files(&schedule.dir)?;
    Ok(files
        .last()
        .and_then(|newest| newest.file_name())
        .and_then(|name| name.to_str())
        .is_none_or(|newest| newest <= threshold.as_str()))
}
