//! Restoring a backup, in one transaction (whole or not at all), by these rules:
//!
//! - **Accounts** are matched by e-mail. One that exists here is kept as it is
//!   (password, language, role); a missing one is created as the backup had it,
//!   unless the restore may not create accounts (the web page restores into the
//!   signed-in account only).
//! - **API tokens** are matched by their hash, **the account's webhook** by its
//!   account: what exists is kept, what is missing is added.
//! - **Instances** are matched by id. One that exists here for the same account
//!   is kept as it is (it is newer than any backup), and whatever of its history
//!   it lacks is added. One that exists for another account is skipped, and so is
//!   one whose provider instance another instance here already manages (a
//!   provider instance is never managed twice). One whose name the account
//!   already uses for another instance is restored as "name (2)" (the first free
//!   number). The rest are created, their secrets sealed with this server's key.
//! - **History, settings versions, statistics and messages** are added when
//!   missing and never overwrite what is here.
//!
//! A second restore of the same file therefore changes nothing. After the
//! transaction, each created instance that exists at the provider has its
//! webhook pointed at this server and its status asked at once: a connected
//! session stays connected, with no new QR.
//!
//! - [`report`]: what a restore says it did.
//! - [`state`]: the records applied one by one, in the file's order.
//! - [`instances`]: the rules for instances.

mod instances;
mod report;
mod state;
mod usage;

pub use report::{Conflict, ConflictReason, Report, Tally};

use super::archive::{BackupError, Reader};
use super::format::Record;
use super::{Progress, Scope};
use crate::domain::{InstanceId, ProvisionState, StatusSource};
use crate::services::platform::Platform;
use crate::services::{connection, provisioning};
use age::secrecy::SecretString;
use state::State;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Records in flight between the decrypting thread and the database.
const IN_FLIGHT: usize = 256;

/// How a restore goes.
#[derive(Debug, Clone)]
pub struct RestoreOptions {
    /// Whose data is restored (others in the file are passed over).
    pub scope: Scope,
    /// Accounts missing here may be created.
    pub create_users: bool,
    /// Do everything, report it, and undo it.
    pub dry_run: bool,
    /// The file comes from a web upload: it may ask for no more decryption
    /// work than zapfleet writes (256 MiB rather than 1 GiB).
    pub untrusted: bool,
}

/// Restores a backup from `input` (the encrypted file). The file is decrypted
/// and parsed on a blocking thread; the records reach the database through a
/// bounded queue, so memory stays flat. `progress` is called every thousand records.
pub async fn restore<R: Read + Send + 'static>(
    platform: &Platform,
    input: R,
    passphrase: SecretString,
    options: &RestoreOptions,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<Report, BackupError> {
    let (sender, mut records) = mpsc::channel::<Result<Record, BackupError>>(IN_FLIGHT);
    let opened = tokio::sync::oneshot::channel::<Result<(), BackupError>>();
    let (opened_tx, opened_rx) = opened;
    let read = Arc::new(AtomicU64::new(0));
    let input = Counting {
        inner: input,
        read: read.clone(),
    };
    let untrusted = options.untrusted;
    let reader = tokio::task::spawn_blocking(move || {
        let opened = if untrusted {
            Reader::open_untrusted(input, passphrase)
        } else {
            Reader::open(input, passphrase)
        };
        let mut reader = match opened {
            Ok((reader, _manifest)) => {
                let _ = opened_tx.send(Ok(()));
                reader
            }
            Err(error) => {
                let _ = opened_tx.send(Err(error));
                return false;
            }
        };
        // True once the end line was read and checked.
        loop {
            let next = reader.next_record().transpose();
            let Some(item) = next else { return true };
            let failed = item.is_err();
            if sender.blocking_send(item).is_err() || failed {
                return false;
            }
        }
    });
    opened_rx
        .await
        .map_err(|_| BackupError::Io(std::io::Error::other("the backup reader stopped")))??;

    let mut restore = platform.store().begin_restore().await?;
    let mut state = State::new(platform, options);
    while let Some(item) = records.recv().await {
        state.apply(&mut restore, item?).await?;
        if state.progress.records.is_multiple_of(1_000) {
            state.progress.bytes = read.load(Ordering::Relaxed);
            progress(state.progress);
        }
    }
    // Committing needs the end line checked: a reader that stopped otherwise
    // (it cannot, short of a bug) must not leave half a file written.
    if !matches!(reader.await, Ok(true)) {
        return Err(BackupError::Damaged(
            "the file was not read to its end".into(),
        ));
    }
    state.progress.bytes = read.load(Ordering::Relaxed);
    progress(state.progress);
    if options.dry_run {
        return Ok(state.report);
    }
    restore.commit().await?;
    let State {
        mut report,
        created,
        ..
    } = state;
    take_over(platform, &created, &mut report).await;
    Ok(report)
}

/// Counts the bytes read from the file, for progress.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Points the provider's webhook of each created instance at this server and
/// asks for its status. A provider that cannot be reached leaves the instance
/// pending: the provisioner retries.
async fn take_over(platform: &Platform, created: &[InstanceId], report: &mut Report) {
    for id in created {
        let done = async {
            provisioning::provision_now(platform, id)
                .await
                .map_err(|e| e.to_string())?;
            let provisioned = platform
                .store()
                .provider_link(id)
                .await
                .map_err(|e| e.to_string())?
                .is_some_and(|l| l.provision_state == ProvisionState::Ready);
            if !provisioned {
                return Err("the provider was not reached".to_owned());
            }
            connection::refresh(platform, id, StatusSource::Reconcile)
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        match done {
            Ok(_) => report.taken_over += 1,
            Err(error) => {
                tracing::warn!(instance = %id, %error, "restored instance not taken over yet");
                report.not_yet_taken_over.push(id.to_string());
            }
        }
    }
}
