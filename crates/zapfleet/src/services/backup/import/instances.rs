//! The rules for an instance of a backup (see the module's documentation).

use super::report::{ConflictReason, Tally};
use super::state::{Restored, State, bad};
use crate::domain::InstanceName;
use crate::domain::instance_name::MAX_NAME_CHARS;
use crate::services::backup::archive::BackupError;
use crate::store::{Restore, RestoredInstance};

impl State<'_> {
    /// The rules for an instance of the backup (see the module's documentation).
    pub(super) async fn instance_record(
        &mut self,
        restore: &mut Restore,
        mut restored: RestoredInstance,
    ) -> Result<Restored, BackupError> {
        let instance = &restored.instance;
        let label = format!("{} ({})", instance.name, instance.id);
        match restore.instance_owner(&instance.id).await? {
            Some(owner) if owner == instance.user_id => {
                self.report.instances.kept += 1;
                return Ok(Restored::Yes);
            }
            Some(_) => {
                self.report.instances.skipped += 1;
                self.report.conflict(label, ConflictReason::OtherAccount);
                return Ok(Restored::No);
            }
            None => {}
        }
        if restore
            .provider_instance_taken(
                restored.provider_id.as_deref(),
                instance.instance_key.as_str(),
                restored.webhook_secret_hash.as_deref(),
            )
            .await?
        {
            self.report.instances.skipped += 1;
            self.report
                .conflict(label, ConflictReason::ProviderInstanceTaken);
            return Ok(Restored::No);
        }
        let original = instance.name.as_str().to_owned();
        let mut name = restored.instance.name.clone();
        // Numbers already tried for this name in this restore are not tried
        // again: a file of thousands of same-named instances stays linear.
        let tried = format!("{}\n{}", restored.instance.user_id, name.key());
        let mut number = self.next_number.get(&tried).copied().unwrap_or(2);
        while restore
            .name_taken(&restored.instance.user_id, &name.key())
            .await?
        {
            name = numbered(&original, number)?;
            number += 1;
        }
        self.next_number.insert(tried, number);
        if name.as_str() != original {
            self.report.renamed(original, name.as_str().to_owned());
            restored.instance.name = name;
        }
        // A login in progress belongs to the server that showed it.
        if restored.instance.status == crate::domain::InstanceStatus::Connecting {
            restored.instance.status = crate::domain::InstanceStatus::Disconnected;
        }
        restore
            .insert_instance(&restored, self.platform.now())
            .await?;
        if restored.provider_id.is_some() && restored.token_sealed.is_some() {
            self.created.push(restored.instance.id.clone());
        }
        self.report.instances.created += 1;
        Ok(Restored::Yes)
    }
}

/// "name (n)", the name shortened so that it stays within the length limit.
fn numbered(original: &str, number: u32) -> Result<InstanceName, BackupError> {
    let suffix = format!(" ({number})");
    let room = MAX_NAME_CHARS - suffix.chars().count();
    let base: String = original.chars().take(room).collect();
    let candidate = format!("{}{suffix}", base.trim_end());
    InstanceName::parse(&candidate).map_err(|_| bad(format!("name {candidate:?}")))
}

/// A settings version as it is kept: the document of its time as it was
/// (older versions may hold fields this release no longer writes), but never
/// a secret, as versions never hold them.
pub(super) fn history_document(
    mut document: serde_json::Value,
) -> Result<serde_json::Value, BackupError> {
    let Some(fields) = document.as_object_mut() else {
        return Err(bad("a settings version that is not an object"));
    };
    if let Some(hook) = fields
        .get_mut("forwardWebhook")
        .and_then(serde_json::Value::as_object_mut)
    {
        hook.remove("secret");
        hook.remove("secretSealed");
    }
    Ok(document)
}

pub(super) fn tally(tally: &mut Tally, added: bool) {
    if added {
        tally.created += 1;
    } else {
        tally.kept += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numbered_name_stays_within_the_limit() {
        assert_eq!(numbered("Loja", 2).unwrap().as_str(), "Loja (2)");
        let long = "x".repeat(MAX_NAME_CHARS);
        let name = numbered(&long, 12).unwrap();
        assert_eq!(name.as_str().chars().count(), MAX_NAME_CHARS);
        assert!(name.as_str().ends_with("x (12)"));
    }
}
