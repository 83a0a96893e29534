//! Taking a backup: the records of the accounts in scope, read a page at a
//! time and written into an encrypted file as they come (memory stays flat).

use super::archive::{BackupError, Writer};
use super::files::Partial;
use super::format::Record;
use super::{Progress, Scope, settings_out, unreadable_secret};
use crate::services::credentials::{Sealed, open};
use crate::services::platform::Platform;
use crate::store::StoreError;
use age::secrecy::SecretString;
use std::io::Write;
use tokio::sync::mpsc;

/// Instances read per page.
const INSTANCES_PAGE: i64 = 200;
/// History lines and messages read per page.
const ROWS_PAGE: i64 = 1_000;
/// Records in flight between the reader and the writer.
const IN_FLIGHT: usize = 256;

/// What to back up.
#[derive(Debug, Clone)]
pub struct BackupOptions {
    /// Whose data.
    pub scope: Scope,
    /// Include the message log (finished messages; uploaded files are not kept).
    pub with_messages: bool,
}

impl From<StoreError> for BackupError {
    fn from(error: StoreError) -> Self {
        BackupError::Database(error.to_string())
    }
}

/// Writes a backup into `out`. The records are read from the database on this
/// task and encrypted on a blocking thread, a bounded queue between them.
/// `progress` is called every thousand records. Returns `out` and the counts.
pub async fn write_backup<W: Write + Send + 'static>(
    platform: &Platform,
    options: &BackupOptions,
    out: W,
    passphrase: SecretString,
    mut progress: impl FnMut(Progress) + Send,
) -> Result<(W, Progress), BackupError> {
    let manifest = Record::manifest(platform.now(), options.with_messages);
    let (sender, mut receiver) = mpsc::channel::<Record>(IN_FLIGHT);
    let writer = tokio::task::spawn_blocking(move || {
        let mut writer = Writer::start(out, passphrase, &manifest)?;
        while let Some(record) = receiver.blocking_recv() {
            writer.write(&record)?;
        }
        writer.finish()
    });
    let mut counts = Progress::default();
    let read = read_records(platform, options, &sender, &mut counts, &mut progress).await;
    drop(sender);
    let written = writer
        .await
        .map_err(|e| BackupError::Io(std::io::Error::other(e)))?;
    match (read, written) {
        (Ok(()), written) => Ok((written?, counts)),
        // The writer stopped first (a full disk…): the reader only saw it go.
        (Err(_), Err(write_error)) => Err(write_error),
        (Err(read_error), Ok(_)) => Err(read_error),
    }
}

/// Writes a backup into the file at `path`, which appears whole or not at all
/// (a failed backup leaves no file, and never a half-written one).
pub async fn write_backup_file(
    platform: &Platform,
    options: &BackupOptions,
    path: &std::path::Path,
    passphrase: SecretString,
    progress: impl FnMut(Progress) + Send,
) -> Result<Progress, BackupError> {
    let (partial, file) = Partial::create(path)?;
    let (file, counts) = write_backup(platform, options, file, passphrase, progress).await?;
    tokio::task::spawn_blocking(move || partial.finish(file))
        .await
        .map_err(|e| BackupError::Io(std::io::Error::other(e)))??;
    Ok(counts)
}

async fn read_records(
    platform: &Platform,
    options: &BackupOptions,
    sender: &mpsc::Sender<Record>,
    counts: &mut Progress,
    progress: &mut (impl FnMut(Progress) + Send),
) -> Result<(), BackupError> {
    let store = platform.store();
    let users = match &options.scope {
        Scope::All => store.list_users().await?,
        Scope::User(email) => store.find_user_by_email(email).await?.into_iter().collect(),
    };
    if users.is_empty() {
        return Err(BackupError::Inconsistent("no such account".into()));
    }
    counts.instances_total = match &options.scope {
        Scope::All => store.count_instances_for_backup(None).await?,
        Scope::User(_) => store.count_instances_for_backup(Some(&users[0].id)).await?,
    };
    progress(*counts);
    let mut emit = async |record: Record, counts: &mut Progress| -> Result<(), BackupError> {
        match &record {
            Record::User { .. } => counts.users += 1,
            Record::Instance { .. } => counts.instances += 1,
            Record::Message { .. } => counts.messages += 1,
            _ => {}
        }
        counts.records += 1;
        if counts.records.is_multiple_of(1_000) {
            progress(*counts);
        }
        sender.send(record).await.map_err(|_| {
            BackupError::Io(std::io::Error::other(
                "the backup file stopped being written",
            ))
        })
    };
    for user in users {
        let email = user.email.as_str().to_owned();
        emit(
            Record::User {
                email: email.clone(),
                password_hash: user.password_hash.clone(),
                locale: user.locale.tag().to_owned(),
                is_admin: user.is_admin,
                disabled: user.disabled,
                created_at: user.created_at,
            },
            counts,
        )
        .await?;
        for token in store.tokens_for_backup(&user.id).await? {
            emit(
                Record::Token {
                    user: email.clone(),
                    name: token.name,
                    token_hash: token.token_hash,
                    prefix: token.prefix,
                    created_at: token.created_at,
                    last_used_at: token.last_used_at,
                    revoked_at: token.revoked_at,
                },
                counts,
            )
            .await?;
        }
        if let Some(webhook) = store.user_webhook(&user.id).await? {
            let secret = open(platform, Sealed::SigningSecret, &webhook.secret_sealed)
                .map_err(|_| BackupError::Inconsistent(unreadable_secret()))?;
            emit(
                Record::UserWebhook {
                    user: email.clone(),
                    url: webhook.url,
                    events: webhook
                        .events
                        .iter()
                        .map(|e| e.as_str().to_owned())
                        .collect(),
                    secret,
                },
                counts,
            )
            .await?;
        }
        let mut after = None;
        loop {
            let page = store
                .instances_for_backup(&user.id, after.as_ref(), INSTANCES_PAGE)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.instance.id.clone());
            for dump in page {
                let opened = |sealed: &Option<String>, what| {
                    sealed
                        .as_deref()
                        .map(|s| open(platform, what, s))
                        .transpose()
                        .map_err(|_| BackupError::Inconsistent(unreadable_secret()))
                };
                let i = &dump.instance;
                let id = i.id.as_str().to_owned();
                emit(
                    Record::Instance {
                        user: email.clone(),
                        id: id.clone(),
                        name: i.name.as_str().to_owned(),
                        phone: i.phone.as_ref().map(|p| p.digits().to_owned()),
                        status: i.status,
                        instance_key: i.instance_key.as_str().to_owned(),
                        created_at: i.created_at,
                        updated_at: i.updated_at,
                        last_connection: i.last_connection,
                        settings: settings_out(platform, &i.settings)?,
                        provider_id: dump.provider_id.clone(),
                        provider_token: opened(&dump.token_sealed, Sealed::ProviderToken)?,
                        webhook_secret: opened(&dump.webhook_secret_sealed, Sealed::WebhookSecret)?,
                        profile_name: i.profile_name.clone(),
                        logged_out: i.logged_out,
                    },
                    counts,
                )
                .await?;
                for (version, changed_at, settings) in store.versions_for_backup(&i.id).await? {
                    let record = Record::SettingsVersion {
                        instance: id.clone(),
                        id: version,
                        changed_at,
                        settings,
                    };
                    emit(record, counts).await?;
                }
                let mut seq = 0;
                loop {
                    let lines = store.history_for_backup(&i.id, seq, ROWS_PAGE).await?;
                    let Some(last) = lines.last() else { break };
                    seq = last.seq;
                    for h in lines {
                        let record = Record::StatusChange {
                            instance: id.clone(),
                            id: h.id,
                            from: h.from_status,
                            to: h.to_status,
                            reason: h.reason,
                            source: h.source,
                            at: h.at,
                        };
                        emit(record, counts).await?;
                    }
                }
                for day in store.usage_for_backup(&i.id).await? {
                    let record = Record::DailyUsage {
                        instance: id.clone(),
                        day: day.day,
                        counts: day.usage.into(),
                    };
                    emit(record, counts).await?;
                }
                if options.with_messages {
                    let mut seq = 0;
                    loop {
                        let messages = store.messages_for_backup(&i.id, seq, ROWS_PAGE).await?;
                        let Some(last) = messages.last() else { break };
                        seq = last.seq;
                        for m in messages {
                            let record = Record::Message {
                                instance: id.clone(),
                                id: m.id,
                                direction: m.direction,
                                peer: m.peer,
                                message_kind: m.kind,
                                body: m.body,
                                media_url: m.media_url,
                                file_name: m.file_name,
                                status: m.status,
                                provider_message_id: m.provider_message_id,
                                idempotency_key: m.idempotency_key,
                                attempts: m.attempts,
                                error: m.error,
                                created_at: m.created_at,
                                sent_at: m.sent_at,
                                delivered_at: m.delivered_at,
                                read_at: m.read_at,
                            };
                            emit(record, counts).await?;
                        }
                    }
                }
            }
        }
        // Days of instances deleted since still count in the account's totals.
        for (instance, day) in store.retired_usage_for_backup(&user.id).await? {
            let record = Record::RetiredUsage {
                user: email.clone(),
                instance: instance.as_str().to_owned(),
                day: day.day,
                counts: day.usage.into(),
            };
            emit(record, counts).await?;
        }
    }
    progress(*counts);
    Ok(())
}
