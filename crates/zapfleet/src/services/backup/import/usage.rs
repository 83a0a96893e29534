//! Days of usage from a backup: an instance's own, and those of the account's
//! instances deleted since (still in its totals).

use super::instances::tally;
use super::state::State;
use crate::domain::{DayUsage, InstanceId};
use crate::services::backup::archive::BackupError;
use crate::services::backup::format::Record;
use crate::store::Restore;

impl State<'_> {
    /// A `dailyUsage` or `retiredUsage` record; a day already here is kept.
    pub(super) async fn usage_record(
        &mut self,
        restore: &mut Restore,
        record: Record,
    ) -> Result<(), BackupError> {
        match record {
            Record::DailyUsage {
                instance,
                day,
                counts,
            } => {
                if !self.instance(&instance)? {
                    self.report.history.skipped += 1;
                    return Ok(());
                }
                let usage = DayUsage {
                    day,
                    usage: counts.into(),
                };
                let added = restore
                    .insert_usage(&InstanceId::from_raw(instance), &usage)
                    .await?;
                tally(&mut self.report.history, added);
            }
            Record::RetiredUsage {
                user,
                instance,
                day,
                counts,
            } => {
                let Some(owner) = self.owner(&user)? else {
                    self.report.history.skipped += 1;
                    return Ok(());
                };
                let usage = DayUsage {
                    day,
                    usage: counts.into(),
                };
                let added = restore
                    .insert_retired_usage(&owner, &InstanceId::from_raw(instance), &usage)
                    .await?;
                tally(&mut self.report.history, added);
            }
            _ => {}
        }
        Ok(())
    }
}
