//! `zapfleet backup` and `zapfleet restore`: the passphrase from the
//! environment or the terminal, progress on the terminal, a summary at the end.

use crate::config::Config;
use crate::domain::Email;
use crate::domain::RequestMeta;
use crate::services::audit::REQUEST_META;
use crate::services::backup::audit::{backup_taken, restore_done};
use crate::services::backup::export::{BackupOptions, write_backup_file};
use crate::services::backup::import::{Report, RestoreOptions, Tally, restore as restore_backup};
use crate::services::backup::{Progress, Scope, archive, current_memory, peak_memory};
use crate::startup::command_platform;
use age::secrecy::SecretString;
use anyhow::Context;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// The environment variable that gives the passphrase to scripts.
pub const PASSPHRASE_ENV: &str = "ZAPFLEET_BACKUP_PASSPHRASE";

/// The passphrase: from the environment, else asked on the terminal (twice
/// when it will encrypt).
fn passphrase(confirm: bool) -> anyhow::Result<SecretString> {
    if let Ok(text) = std::env::var(PASSPHRASE_ENV) {
        return Ok(archive::passphrase(&text)?);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("set {PASSPHRASE_ENV}, or run on a terminal to type the passphrase");
    }
    let text = rpassword::prompt_password("Backup passphrase: ")?;
    if confirm && rpassword::prompt_password("Again: ")? != text {
        anyhow::bail!("the two passphrases differ");
    }
    Ok(archive::passphrase(&text)?)
}

fn scope(email: Option<&str>) -> anyhow::Result<Scope> {
    Ok(match email {
        Some(email) => {
            Scope::User(Email::parse(email).map_err(|_| anyhow::anyhow!("not an e-mail: {email}"))?)
        }
        None => Scope::All,
    })
}

/// Progress on a terminal (one line rewritten in place: a bar when the end is
/// known, i.e. instances backed up or bytes of the file restored, and the
/// counts) and the memory used while records stream.
struct Meter {
    size: Option<u64>,
    streaming: Arc<AtomicU64>,
}

impl Meter {
    fn new(size: Option<u64>) -> Self {
        Self {
            size,
            streaming: Arc::default(),
        }
    }

    fn callback(&self) -> impl FnMut(Progress) + Send + use<> {
        let terminal = std::io::stderr().is_terminal();
        let (size, streaming) = (self.size, self.streaming.clone());
        move |progress: Progress| {
            if progress.records > 0
                && let Some(now) = current_memory()
            {
                streaming.fetch_max(now, Ordering::Relaxed);
            }
            if !terminal {
                return;
            }
            let bar = progress.fraction(size).map_or_else(String::new, |done| {
                let filled = (done * 30.0).round() as usize;
                format!(
                    "[{}{}] {:>3.0}% ",
                    "#".repeat(filled),
                    "-".repeat(30 - filled),
                    done * 100.0
                )
            });
            eprint!(
                "\r{bar}{} accounts · {} instances · {} messages · {} records ",
                progress.users, progress.instances, progress.messages, progress.records
            );
            let _ = std::io::stderr().flush();
        }
    }

    /// The memory figures of the summary.
    fn memory(&self) -> String {
        let mut said = peak_memory().map_or_else(String::new, |bytes| {
            format!("; peak memory {}", megabytes(bytes))
        });
        let streaming = self.streaming.load(Ordering::Relaxed);
        if streaming > 0 {
            said.push_str(&format!(
                " ({} while streaming records)",
                megabytes(streaming)
            ));
        }
        said
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

/// Runs `work` as coming from the command line, for the audit log.
async fn on_command_line<T>(work: impl Future<Output = T>) -> T {
    REQUEST_META
        .scope(RequestMeta::local("command line"), work)
        .await
}

/// `zapfleet backup`.
pub async fn backup(
    config: &Config,
    email: Option<&str>,
    out: &Path,
    with_messages: bool,
) -> anyhow::Result<()> {
    let platform = command_platform(config).await?;
    let options = BackupOptions {
        scope: scope(email)?,
        with_messages,
    };
    let passphrase = passphrase(true)?;
    let meter = Meter::new(None);
    let started = std::time::Instant::now();
    let written = write_backup_file(&platform, &options, out, passphrase, meter.callback()).await;
    let instances = written.as_ref().ok().map(|counts| counts.instances);
    on_command_line(backup_taken(&platform, None, &options, instances)).await;
    let counts = written.with_context(|| format!("backup not written to {}", out.display()))?;
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or_default();
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    eprintln!(
        "backup written to {}: {} accounts, {} instances, {} messages, {} records, {} in {:.1?}{}",
        out.display(),
        counts.users,
        counts.instances,
        counts.messages,
        counts.records,
        megabytes(size),
        started.elapsed(),
        meter.memory()
    );
    Ok(())
}

fn line(what: &str, tally: Tally) -> String {
    format!(
        "{what}: {} created, {} kept, {} skipped",
        tally.created, tally.kept, tally.skipped
    )
}

/// The report, for people.
pub fn describe(report: &Report) -> Vec<String> {
    let mut lines = vec![
        line("accounts", report.users),
        line("API tokens", report.tokens),
        line("account webhooks", report.webhooks),
        line("instances", report.instances),
        line("history, settings versions and statistics", report.history),
        line("messages", report.messages),
    ];
    lines.extend(
        report
            .renamed
            .iter()
            .map(|(from, to)| format!("renamed: {from} → {to} (the name was taken)")),
    );
    lines.extend(
        report
            .conflicts
            .iter()
            .map(|c| format!("skipped: {}: {}", c.subject, c.reason.describe())),
    );
    if report.more_renamed > 0 {
        lines.push(format!("… and {} more renamed", report.more_renamed));
    }
    if report.more_conflicts > 0 {
        lines.push(format!("… and {} more skipped", report.more_conflicts));
    }
    if !report.dry_run {
        lines.push(format!(
            "taken over at the provider: {}{}",
            report.taken_over,
            if report.not_yet_taken_over.is_empty() {
                String::new()
            } else {
                format!(
                    "; not yet ({} instances): the provider was not reached, `serve` retries",
                    report.not_yet_taken_over.len()
                )
            }
        ));
    }
    lines
}

/// `zapfleet restore`.
pub async fn restore(
    config: &Config,
    file: &Path,
    email: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let platform = command_platform(config).await?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let meter = Meter::new(input.metadata().map(|m| m.len()).ok());
    let options = RestoreOptions {
        scope: scope(email)?,
        create_users: true,
        dry_run,
        untrusted: false,
    };
    let started = std::time::Instant::now();
    let report = restore_backup(
        &platform,
        std::io::BufReader::new(input),
        passphrase(false)?,
        &options,
        meter.callback(),
    )
    .await;
    on_command_line(restore_done(&platform, None, &options, report.is_ok())).await;
    let report = report.with_context(|| format!("nothing restored from {}", file.display()))?;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
    for line in describe(&report) {
        println!("{line}");
    }
    eprintln!(
        "{} in {:.1?}{}",
        if dry_run {
            "dry run, nothing written"
        } else {
            "restored"
        },
        started.elapsed(),
        meter.memory()
    );
    Ok(())
}
