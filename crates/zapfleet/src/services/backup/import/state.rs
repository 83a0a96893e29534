//! The records of a backup applied one by one, in the file's order: each
//! account before its records, each instance before its own.

use super::RestoreOptions;
use super::instances::{history_document, tally};
use super::report::{ConflictReason, Report};
use crate::domain::instance_key::INSTANCE_KEY_LEN;
use crate::domain::{
    Email, Instance, InstanceId, InstanceKey, InstanceName, MessageStatus, Phone, ProvisionState,
    UserId,
};
use crate::i18n::Locale;
use crate::services::backup::archive::BackupError;
use crate::services::backup::format::Record;
use crate::services::backup::{Progress, settings_in};
use crate::services::platform::Platform;
use crate::services::webhooks::secret_hash;
use crate::store::{MessageDump, Restore, RestoredInstance, StatusChangeDump, TokenDump};
use std::collections::HashMap;

/// The restore's memory while it reads the file front to back.
pub(super) struct State<'a> {
    pub(super) platform: &'a Platform,
    options: &'a RestoreOptions,
    /// What it did so far.
    pub(super) report: Report,
    /// The account being read: its e-mail, and its id here if restored.
    user: Option<(String, Option<UserId>)>,
    /// Each instance of the file seen so far: restored here (created or kept), or not.
    instances: HashMap<String, Restored>,
    /// Instances created, to take over after the commit.
    pub(super) created: Vec<InstanceId>,
    /// The next number to try for a taken name, by account and name.
    pub(super) next_number: HashMap<String, u32>,
    /// The counts so far.
    pub(super) progress: Progress,
}

/// A key as zapfleet makes them (a nanoid): the provider-side name.
fn valid_key(key: &str) -> bool {
    key.len() == INSTANCE_KEY_LEN
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// E.164 digits, as phones are stored.
fn valid_phone(digits: &str) -> bool {
    (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

impl<'a> State<'a> {
    /// Before the first record.
    pub(super) fn new(platform: &'a Platform, options: &'a RestoreOptions) -> Self {
        Self {
            platform,
            options,
            report: Report {
                dry_run: options.dry_run,
                ..Report::default()
            },
            user: None,
            instances: HashMap::new(),
            created: Vec::new(),
            next_number: HashMap::new(),
            progress: Progress::default(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Restored {
    Yes,
    No,
}

pub(super) fn bad(what: impl Into<String>) -> BackupError {
    BackupError::Inconsistent(what.into())
}

impl State<'_> {
    /// The account the record says it belongs to: the one being read.
    pub(super) fn owner(&self, user: &str) -> Result<Option<UserId>, BackupError> {
        match &self.user {
            Some((email, id)) if email == user => Ok(id.clone()),
            _ => Err(bad(format!("a record of {user} outside its account"))),
        }
    }

    /// Whether the instance a record belongs to was restored.
    pub(super) fn instance(&self, id: &str) -> Result<bool, BackupError> {
        match self.instances.get(id) {
            Some(restored) => Ok(*restored == Restored::Yes),
            None => Err(bad(format!(
                "a record of instance {id} before the instance"
            ))),
        }
    }

    /// Applies one record of the file.
    pub(super) async fn apply(
        &mut self,
        restore: &mut Restore,
        record: Record,
    ) -> Result<(), BackupError> {
        self.progress.records += 1;
        let now = self.platform.now();
        match record {
            Record::User {
                email,
                password_hash,
                locale,
                is_admin,
                disabled,
                created_at,
            } => {
                self.progress.users += 1;
                let id = if !self.options.scope.includes(&email) {
                    self.report.users.skipped += 1;
                    None
                } else {
                    let parsed =
                        Email::parse(&email).map_err(|_| bad(format!("e-mail {email:?}")))?;
                    match restore.user_by_email(&parsed).await? {
                        Some(id) => {
                            self.report.users.kept += 1;
                            Some(id)
                        }
                        None if self.options.create_users => {
                            self.report.users.created += 1;
                            let locale = Locale::from_tag(&locale).unwrap_or_default();
                            Some(
                                restore
                                    .insert_user(
                                        &parsed,
                                        &password_hash,
                                        locale,
                                        is_admin,
                                        disabled,
                                        created_at,
                                        now,
                                    )
                                    .await?,
                            )
                        }
                        None => {
                            self.report.users.skipped += 1;
                            self.report
                                .conflict(email.clone(), ConflictReason::AccountNotHere);
                            None
                        }
                    }
                };
                self.user = Some((email, id));
            }
            Record::Token {
                user,
                name,
                token_hash,
                prefix,
                created_at,
                last_used_at,
                revoked_at,
            } => match self.owner(&user)? {
                Some(owner) => {
                    let token = TokenDump {
                        name,
                        token_hash,
                        prefix,
                        created_at,
                        last_used_at,
                        revoked_at,
                    };
                    tally(
                        &mut self.report.tokens,
                        restore.insert_token(&owner, &token).await?,
                    );
                }
                None => self.report.tokens.skipped += 1,
            },
            Record::UserWebhook {
                user,
                url,
                events,
                secret,
            } => match self.owner(&user)? {
                Some(owner) => {
                    let webhook = crate::domain::ForwardWebhook {
                        url,
                        events: events
                            .iter()
                            .filter_map(|e| crate::domain::EventKind::parse(e))
                            .collect(),
                        secret_sealed: self.platform.secrets.encrypt(&secret),
                    };
                    tally(
                        &mut self.report.webhooks,
                        restore.insert_user_webhook(&owner, &webhook, now).await?,
                    );
                }
                None => self.report.webhooks.skipped += 1,
            },
            Record::Instance {
                user,
                id,
                name,
                phone,
                status,
                instance_key,
                created_at,
                updated_at,
                last_connection,
                settings,
                provider_id,
                provider_token,
                webhook_secret,
                profile_name,
                logged_out,
            } => {
                self.progress.instances += 1;
                let restored = match self.owner(&user)? {
                    None => {
                        self.report.instances.skipped += 1;
                        Restored::No
                    }
                    Some(owner) => {
                        // The provider link is taken over only whole: without its
                        // token, the key could name another server's instance at
                        // the provider, which adoption would then capture.
                        let (instance_key, provider_id, provider_token, webhook_secret) =
                            match (provider_id, provider_token) {
                                (Some(provider_id), Some(token)) => {
                                    if !valid_key(&instance_key) {
                                        return Err(bad(format!("instance key {instance_key:?}")));
                                    }
                                    let secret =
                                        webhook_secret.unwrap_or_else(|| nanoid::nanoid!(43));
                                    (
                                        InstanceKey::from_stored(instance_key),
                                        Some(provider_id),
                                        Some(token),
                                        secret,
                                    )
                                }
                                // A new provider instance: a new name and webhook secret for it.
                                _ => (InstanceKey::generate(), None, None, nanoid::nanoid!(43)),
                            };
                        if phone.as_deref().is_some_and(|p| !valid_phone(p)) {
                            return Err(bad(format!("phone {phone:?}")));
                        }
                        let settings = settings_in(self.platform, settings);
                        if !settings.delays_valid() {
                            return Err(bad(format!("the delays of instance {id}")));
                        }
                        let instance = Instance {
                            id: InstanceId::from_raw(id.as_str()),
                            user_id: owner,
                            name: InstanceName::parse(&name)
                                .map_err(|_| bad(format!("instance name {name:?}")))?,
                            phone: phone.as_deref().map(Phone::from_stored),
                            status,
                            instance_key,
                            created_at,
                            updated_at,
                            last_connection,
                            settings,
                            provision_state: ProvisionState::Pending,
                            provision_error: None,
                            profile_name,
                            logged_out,
                            login: None,
                            provider_lost_at: None, // a lost one shows at its first poll
                            connected_phone: None,  // learnt again at its first poll
                        };
                        let restored = RestoredInstance {
                            provider_id,
                            token_sealed: provider_token.map(|t| self.platform.secrets.encrypt(&t)),
                            webhook_secret_hash: Some(secret_hash(&webhook_secret)),
                            webhook_secret_sealed: Some(
                                self.platform.secrets.encrypt(&webhook_secret),
                            ),
                            instance,
                        };
                        self.instance_record(restore, restored).await?
                    }
                };
                self.instances.insert(id, restored);
            }
            Record::SettingsVersion {
                instance,
                id,
                changed_at,
                settings,
            } => {
                if self.instance(&instance)? {
                    let settings = history_document(settings)?;
                    let added = restore
                        .insert_version(&InstanceId::from_raw(instance), &id, changed_at, &settings)
                        .await?;
                    tally(&mut self.report.history, added);
                } else {
                    self.report.history.skipped += 1;
                }
            }
            Record::StatusChange {
                instance,
                id,
                from,
                to,
                reason,
                source,
                at,
            } => {
                if self.instance(&instance)? {
                    let change = StatusChangeDump {
                        id,
                        from_status: from,
                        to_status: to,
                        reason,
                        source,
                        at,
                        seq: 0,
                    };
                    let added = restore
                        .insert_status_change(&InstanceId::from_raw(instance), &change)
                        .await?;
                    tally(&mut self.report.history, added);
                } else {
                    self.report.history.skipped += 1;
                }
            }
            record @ (Record::DailyUsage { .. } | Record::RetiredUsage { .. }) => {
                self.usage_record(restore, record).await?;
            }
            Record::Message {
                instance,
                id,
                direction,
                peer,
                message_kind,
                body,
                media_url,
                file_name,
                status,
                provider_message_id,
                idempotency_key,
                attempts,
                error,
                created_at,
                sent_at,
                delivered_at,
                read_at,
            } => {
                self.progress.messages += 1;
                // A message still owed could be sent twice (here and by the
                // server it came from): only finished ones are restored.
                let finished = !matches!(status, MessageStatus::Queued | MessageStatus::Sending);
                if self.instance(&instance)? && finished {
                    let message = MessageDump {
                        id,
                        direction,
                        peer,
                        kind: message_kind,
                        body,
                        media_url,
                        file_name,
                        status,
                        provider_message_id,
                        idempotency_key,
                        attempts,
                        error,
                        created_at,
                        sent_at,
                        delivered_at,
                        read_at,
                        seq: 0,
                    };
                    let added = restore
                        .insert_message(&InstanceId::from_raw(instance), &message)
                        .await?;
                    tally(&mut self.report.messages, added);
                } else {
                    self.report.messages.skipped += 1;
                }
            }
            Record::Manifest { .. } | Record::End { .. } => {
                return Err(bad("a manifest or an end in the middle"));
            }
        }
        Ok(())
    }
}
