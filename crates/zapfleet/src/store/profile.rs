//! What a user sets for themselves: their time zone, and which of their browser
//! sessions stay signed in.

use super::sql::Sql;
use super::{Store, StoreError, Tx};
use crate::domain::{InstanceId, TimeZone, Timestamp, UserId};

impl Store {
    /// Stores the user's time zone.
    pub async fn set_time_zone(&self, user: &UserId, zone: &TimeZone) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE "user" SET "timeZone" = $1 WHERE id = $2"#)
                .bind(zone.name())
                .bind(user),
        )
        .await?;
        Ok(())
    }

    /// The user's time zone (the default for an unknown user).
    pub async fn time_zone(&self, user: &UserId) -> Result<TimeZone, StoreError> {
        let name: Option<(String,)> = self
            .fetch_optional(Sql::new(r#"SELECT "timeZone" FROM "user" WHERE id = $1"#).bind(user))
            .await?;
        Ok(name
            .map(|(n,)| TimeZone::or_default(&n))
            .unwrap_or_default())
    }

    /// The user's password hash, if the user exists.
    pub async fn password_hash(&self, user: &UserId) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(
                Sql::new(r#"SELECT "passwordHash" FROM "user" WHERE id = $1"#).bind(user),
            )
            .await?;
        Ok(row.map(|(h,)| h))
    }

    /// How many live sessions the user has.
    pub async fn count_sessions(&self, user: &UserId, now: Timestamp) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .fetch_one(
                Sql::new(
                    r#"SELECT COUNT(*) FROM web_session WHERE "userId" = $1 AND "expiresAt" > $2"#,
                )
                .bind(user)
                .bind(now),
            )
            .await?;
        Ok(n)
    }

    /// Ends every session of the user but the one with this hash; how many ended.
    pub async fn delete_other_sessions(
        &self,
        user: &UserId,
        keep_hash: &str,
    ) -> Result<u64, StoreError> {
        self.execute(
            Sql::new(r#"DELETE FROM web_session WHERE "userId" = $1 AND id <> $2"#)
                .bind(user)
                .bind(keep_hash),
        )
        .await
    }
}

/// The time zone of the instance's owner, read inside a transaction (daily
/// counters are cut at the owner's midnight).
pub(super) async fn owner_time_zone(
    tx: &mut Tx,
    instance: &InstanceId,
) -> Result<TimeZone, StoreError> {
    let name: Option<(String,)> = tx
        .fetch_optional(
            Sql::new(
                r#"SELECT u."timeZone" FROM whatsapp_instance i JOIN "user" u ON u.id = i."userId" WHERE i.id = $1"#,
            )
            .bind(instance),
        )
        .await?;
    Ok(name
        .map(|(n,)| TimeZone::or_default(&n))
        .unwrap_or_default())
}
