//! Backups and restores started from the web: they run in the background
//! (a large account takes minutes) while the page shows their counts, and
//! their files live in the system's temporary folder until fetched or expired.
//!
//! Each costs scrypt's 256 MiB and a full read of the account, so only
//! [`RUNNING_AT_ONCE`] run at a time on a server, one per account, and an
//! account keeps one finished job (and file) at most; more get [`Busy`].

use super::export::{BackupOptions, write_backup_file};
use super::import::{Report, RestoreOptions, restore};
use super::{BackupError, Progress};
use crate::domain::UserId;
use crate::services::audit;
use crate::services::platform::Platform;
use age::secrecy::SecretString;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Backups or restores running at once on a server.
pub const RUNNING_AT_ONCE: usize = 2;
/// How long a finished job (and its file) is kept.
const KEPT_FOR: Duration = Duration::from_secs(3_600);

/// Another backup or restore is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("another backup or restore is running")]
pub struct Busy;

/// A file in the temporary folder, removed when dropped.
#[derive(Debug)]
pub struct TempFile(PathBuf);

impl TempFile {
    /// A fresh name in the system's temporary folder (nothing created yet).
    pub fn new(what: &str) -> Self {
        Self(std::env::temp_dir().join(format!("zapfleet-{what}-{}", nanoid::nanoid!(16))))
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What a job is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Writing a backup to download.
    Backup,
    /// Restoring an uploaded backup (or trying it, dry).
    Restore,
}

/// How a job ended.
#[derive(Debug)]
pub enum Outcome {
    /// A backup ready to download.
    Written {
        /// The file.
        file: TempFile,
        /// Its size in bytes.
        size: u64,
        /// The name to download it as.
        name: String,
    },
    /// A restore done (or tried).
    Restored(Report),
    /// It failed; nothing was written.
    Failed(BackupError),
}

/// One job, as the page shows it.
#[derive(Debug)]
pub struct Job {
    /// Whose: nobody else sees it.
    pub owner: UserId,
    /// Backup or restore.
    pub kind: JobKind,
    /// Counts so far.
    pub progress: Progress,
    /// The uploaded file's size (restores), for the bar.
    pub size: Option<u64>,
    /// Set when it ends.
    pub outcome: Option<Outcome>,
    ended: Option<Instant>,
}

/// Forgets the jobs that ended over [`KEPT_FOR`] ago (their files go with them).
fn forget_expired(jobs: &mut HashMap<String, Job>) {
    jobs.retain(|_, job| job.ended.is_none_or(|ended| ended.elapsed() < KEPT_FOR));
}

/// The jobs of this server, in memory (a restart forgets them and their files).
#[derive(Clone)]
pub struct Jobs {
    jobs: Arc<Mutex<HashMap<String, Job>>>,
    running: Arc<Semaphore>,
}

impl Default for Jobs {
    fn default() -> Self {
        Self {
            jobs: Arc::default(),
            running: Arc::new(Semaphore::new(RUNNING_AT_ONCE)),
        }
    }
}

/// A job's place, taken before its input arrives (an upload is read only
/// when the server has room for it). Dropped unused, it is given back.
pub struct Slot {
    jobs: Jobs,
    id: String,
    permit: Option<OwnedSemaphorePermit>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        if self.permit.is_some() {
            self.jobs.lock().remove(&self.id);
        }
    }
}

impl Jobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a place for one of the owner's jobs: refused while another of
    /// theirs runs or the server runs [`RUNNING_AT_ONCE`]. The owner's
    /// finished jobs are forgotten (their files removed): one file each at most.
    pub fn reserve(&self, owner: &UserId, kind: JobKind) -> Result<Slot, Busy> {
        let mut jobs = self.lock();
        forget_expired(&mut jobs);
        if jobs
            .values()
            .any(|job| &job.owner == owner && job.outcome.is_none())
        {
            return Err(Busy);
        }
        let permit = self.running.clone().try_acquire_owned().map_err(|_| Busy)?;
        jobs.retain(|_, job| &job.owner != owner);
        let id = nanoid::nanoid!(21);
        jobs.insert(
            id.clone(),
            Job {
                owner: owner.clone(),
                kind,
                progress: Progress::default(),
                size: None,
                outcome: None,
                ended: None,
            },
        );
        Ok(Slot {
            jobs: self.clone(),
            id,
            permit: Some(permit),
        })
    }

    /// Starts writing a backup in `slot`; returns the job's id.
    pub fn start_backup(
        &self,
        platform: &Platform,
        mut slot: Slot,
        options: BackupOptions,
        passphrase: SecretString,
    ) -> String {
        let permit = slot.permit.take();
        let (jobs, platform, job) = (self.clone(), platform.clone(), slot.id.clone());
        let (owner, meta) = (self.owner_of(&slot.id), audit::current_meta());
        tokio::spawn(async move {
            let file = TempFile::new("backup");
            let name = super::files::scheduled_name(platform.now());
            let written = write_backup_file(
                &platform,
                &options,
                file.path(),
                passphrase,
                jobs.progress_of(&job),
            )
            .await;
            // Recorded as coming from the request that started it.
            let instances = written.as_ref().ok().map(|counts| counts.instances);
            let recorded =
                super::audit::backup_taken(&platform, owner.as_ref(), &options, instances);
            audit::REQUEST_META.scope(meta, recorded).await;
            let outcome = match written.and_then(|_| Ok(std::fs::metadata(file.path())?.len())) {
                Ok(size) => Outcome::Written { file, size, name },
                Err(error) => Outcome::Failed(error),
            };
            jobs.end(&job, outcome);
            drop(permit);
        });
        slot.id.clone()
    }

    /// Starts restoring `upload` (an uploaded backup, removed afterwards) in
    /// `slot`; returns the job's id.
    pub fn start_restore(
        &self,
        platform: &Platform,
        mut slot: Slot,
        upload: TempFile,
        passphrase: SecretString,
        options: RestoreOptions,
    ) -> String {
        let permit = slot.permit.take();
        let size = std::fs::metadata(upload.path()).map(|m| m.len()).ok();
        if let Some(job) = self.lock().get_mut(&slot.id) {
            job.size = size;
        }
        let (jobs, platform, job) = (self.clone(), platform.clone(), slot.id.clone());
        let (owner, meta) = (self.owner_of(&slot.id), audit::current_meta());
        tokio::spawn(async move {
            let outcome = match std::fs::File::open(upload.path()) {
                Ok(input) => {
                    let input = std::io::BufReader::new(input);
                    match restore(
                        &platform,
                        input,
                        passphrase,
                        &options,
                        jobs.progress_of(&job),
                    )
                    .await
                    {
                        Ok(report) => Outcome::Restored(report),
                        Err(error) => Outcome::Failed(error),
                    }
                }
                Err(error) => Outcome::Failed(error.into()),
            };
            drop(upload);
            let ok = matches!(outcome, Outcome::Restored(_));
            let recorded = super::audit::restore_done(&platform, owner.as_ref(), &options, ok);
            audit::REQUEST_META.scope(meta, recorded).await;
            jobs.end(&job, outcome);
            drop(permit);
        });
        slot.id.clone()
    }

    /// Whose job `id` is.
    fn owner_of(&self, id: &str) -> Option<UserId> {
        self.lock().get(id).map(|job| job.owner.clone())
    }

    /// Looks at the owner's job `id` (`None`: no such job of theirs).
    pub fn with<T>(&self, owner: &UserId, id: &str, look: impl FnOnce(&Job) -> T) -> Option<T> {
        let mut jobs = self.lock();
        forget_expired(&mut jobs);
        jobs.get(id).filter(|job| &job.owner == owner).map(look)
    }

    /// The backup file of the owner's finished job, opened for reading, its
    /// size and name.
    pub fn open_file(&self, owner: &UserId, id: &str) -> Option<(std::fs::File, u64, String)> {
        self.with(owner, id, |job| match &job.outcome {
            Some(Outcome::Written { file, size, name }) => std::fs::File::open(file.path())
                .ok()
                .map(|f| (f, *size, name.clone())),
            _ => None,
        })
        .flatten()
    }

    fn progress_of(&self, id: &str) -> impl FnMut(Progress) + Send + use<> {
        let (jobs, id) = (self.jobs.clone(), id.to_owned());
        move |progress| {
            let mut jobs = jobs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(job) = jobs.get_mut(&id) {
                job.progress = progress;
            }
        }
    }

    fn end(&self, id: &str, outcome: Outcome) {
        if let Outcome::Failed(error) = &outcome {
            tracing::warn!(job = id, %error, "backup job failed");
        }
        let mut jobs = self
            .jobs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(job) = jobs.get_mut(id) {
            job.outcome = Some(outcome);
            job.ended = Some(Instant::now());
        }
    }
}
