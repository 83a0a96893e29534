//! A backup or restore job as the page shows it: its counts while it runs,
//! then its download link, its report, or what went wrong.

use crate::i18n::{Locale, Msg};
use crate::services::backup::BackupError;
use crate::services::backup::import::{ConflictReason, Report, Tally};
use crate::services::backup::jobs::{Job, JobKind, Outcome};

/// A report line: what, created, kept, skipped.
pub(super) struct Line {
    pub(super) what: &'static str,
    pub(super) tally: Tally,
}

/// A job as the page shows it.
pub(super) struct JobView {
    pub(super) id: String,
    pub(super) title: &'static str,
    pub(super) running: bool,
    /// 0 to 100 when the end is known.
    pub(super) percent: Option<u32>,
    pub(super) users: u64,
    pub(super) instances: u64,
    pub(super) messages: u64,
    pub(super) records: u64,
    /// A backup ready: its size, for the download link.
    pub(super) download: Option<String>,
    pub(super) lines: Vec<Line>,
    pub(super) renamed: Vec<(String, String)>,
    pub(super) conflicts: Vec<(String, &'static str)>,
    /// Renames and conflicts beyond those listed.
    pub(super) more: u64,
    pub(super) taken_over: Option<u64>,
    pub(super) not_yet: Vec<String>,
    pub(super) error: Option<&'static str>,
}

/// What a failed backup or restore says to people.
fn error_msg(error: &BackupError) -> Msg {
    match error {
        BackupError::NotABackup => Msg::BackupNotABackup,
        BackupError::NotPassphrase => Msg::BackupNotPassphrase,
        BackupError::WrongPassphrase => Msg::BackupWrongPassphrase,
        BackupError::TooMuchWork => Msg::BackupTooMuchWork,
        BackupError::NewerFormat(_) => Msg::BackupNewerFormat,
        BackupError::Truncated => Msg::BackupTruncated,
        BackupError::Damaged(_) => Msg::BackupDamaged,
        BackupError::Inconsistent(_) => Msg::BackupInconsistent,
        BackupError::WeakPassphrase => Msg::BackupPassphraseShort,
        BackupError::Database(_) => Msg::BackupDatabase,
        BackupError::Io(_) => Msg::BackupIo,
    }
}

fn conflict_msg(reason: ConflictReason) -> Msg {
    match reason {
        ConflictReason::AccountNotHere => Msg::ConflictAccountNotHere,
        ConflictReason::OtherAccount => Msg::ConflictOtherAccount,
        ConflictReason::ProviderInstanceTaken => Msg::ConflictProviderTaken,
    }
}

fn report_lines(l: Locale, report: &Report) -> Vec<Line> {
    [
        (Msg::CountAccounts, report.users),
        (Msg::ReportTokens, report.tokens),
        (Msg::ReportWebhooks, report.webhooks),
        (Msg::CountInstances, report.instances),
        (Msg::ReportHistory, report.history),
        (Msg::CountMessages, report.messages),
    ]
    .into_iter()
    .map(|(what, tally)| Line {
        what: l.t(what),
        tally,
    })
    .collect()
}

pub(super) fn job_view(l: Locale, id: &str, job: &Job) -> JobView {
    let progress = job.progress;
    let mut view = JobView {
        id: id.to_owned(),
        title: l.t(match job.kind {
            JobKind::Backup => Msg::JobBackupRunning,
            JobKind::Restore => Msg::JobRestoreRunning,
        }),
        running: job.outcome.is_none(),
        percent: progress
            .fraction(job.size)
            .map(|done| (done * 100.0).round() as u32),
        users: progress.users,
        instances: progress.instances,
        messages: progress.messages,
        records: progress.records,
        download: None,
        lines: Vec::new(),
        renamed: Vec::new(),
        conflicts: Vec::new(),
        more: 0,
        taken_over: None,
        not_yet: Vec::new(),
        error: None,
    };
    match &job.outcome {
        None => {}
        Some(Outcome::Written { size: bytes, .. }) => {
            view.title = l.t(Msg::JobBackupReady);
            view.download = Some(super::super::format::file_size(*bytes, l));
        }
        Some(Outcome::Restored(report)) => {
            view.title = l.t(if report.dry_run {
                Msg::JobDryRun
            } else {
                Msg::JobRestored
            });
            view.lines = report_lines(l, report);
            view.renamed = report.renamed.clone();
            view.more = report.more_renamed + report.more_conflicts;
            view.conflicts = report
                .conflicts
                .iter()
                .map(|c| (c.subject.clone(), l.t(conflict_msg(c.reason))))
                .collect();
            if !report.dry_run {
                view.taken_over = Some(report.taken_over);
                view.not_yet = report.not_yet_taken_over.clone();
            }
        }
        Some(Outcome::Failed(error)) => {
            view.title = l.t(Msg::JobFailed);
            view.error = Some(l.t(error_msg(error)));
        }
    }
    view
}

/// A job this server no longer has (expired, or restarted).
pub(super) fn gone(l: Locale, id: &str) -> JobView {
    JobView {
        id: id.to_owned(),
        title: l.t(Msg::JobGone),
        running: false,
        percent: None,
        users: 0,
        instances: 0,
        messages: 0,
        records: 0,
        download: None,
        lines: Vec::new(),
        renamed: Vec::new(),
        conflicts: Vec::new(),
        more: 0,
        taken_over: None,
        not_yet: Vec::new(),
        error: None,
    }
}
