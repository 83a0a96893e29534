//! The provider link of instances, their status changes (with history), and what
//! the workers schedule: provisioning, polls, reconnects, owed provider deletions.

use super::instances::{COLUMNS, InstanceRow};
use super::messages::Counter;
use super::sql::{Arg, Sql};
use super::{Store, StoreError};
use crate::domain::{
    Instance, InstanceId, InstanceStatus, Login, ProvisionState, Timestamp, UserId,
};
use sqlx::{Acquire, AssertSqlSafe};

/// What the platform needs to act on an instance at the provider. Secrets stay
/// sealed here; only the services open them.
#[derive(Debug, Clone)]
pub struct ProviderLink {
    /// Our instance.
    pub instance_id: InstanceId,
    /// Its owner.
    pub user_id: UserId,
    /// Our public key, used as the provider-side name (unique: lets a retried
    /// provisioning find an instance a lost answer created).
    pub instance_key: String,
    /// The provider's id, once provisioned.
    pub provider_id: Option<String>,
    /// The provider token, encrypted.
    pub token_sealed: Option<String>,
    /// The webhook secret, encrypted.
    pub webhook_secret_sealed: Option<String>,
    /// Provisioning attempts so far.
    pub provision_attempts: i64,
    /// Not (fully) provisioned yet.
    pub pending: bool,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct LinkRow {
    id: String,
    user_id: String,
    instance_key: String,
    provider_id: Option<String>,
    provider_token: Option<String>,
    webhook_secret: Option<String>,
    provision_attempts: i64,
    provision_state: String,
}

impl From<LinkRow> for ProviderLink {
    fn from(row: LinkRow) -> Self {
        Self {
            instance_id: InstanceId::from_raw(row.id),
            user_id: UserId::from_raw(row.user_id),
            instance_key: row.instance_key,
            provider_id: row.provider_id,
            token_sealed: row.provider_token,
            webhook_secret_sealed: row.webhook_secret,
            provision_attempts: row.provision_attempts,
            pending: row.provision_state != ProvisionState::Ready.as_str(),
        }
    }
}

const LINK_COLUMNS: &str = r#"id, "userId", "instanceKey", "providerId", "providerToken", "webhookSecret", "provisionAttempts", "provisionState""#;

/// What happens to automatic reconnection with a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    /// Leave the schedule as it is.
    Keep,
    /// Nothing scheduled, attempts back to zero (connected, or the user acted).
    Clear,
    /// Try again at this time; this is attempt number `attempts`.
    Schedule {
        /// Attempt number.
        attempts: i64,
        /// When.
        at: Timestamp,
    },
}

/// A status change to apply if the instance is still in `from`.
#[derive(Debug, Clone)]
pub struct StatusChange<'a> {
    /// The instance.
    pub id: &'a InstanceId,
    /// The status we believe it has (the change only applies if so).
    pub from: InstanceStatus,
    /// The new status.
    pub to: InstanceStatus,
    /// Why, for the history (`QR scanned`, `401: logged out from another device`…).
    pub reason: &'a str,
    /// Who reported it: `user`, `webhook`, `poll`, `reconcile`, `reconnect`.
    pub source: &'a str,
    /// When.
    pub at: Timestamp,
    /// New WhatsApp display name, if known.
    pub profile_name: Option<String>,
    /// New logged-out flag, if it changes.
    pub logged_out: Option<bool>,
    /// The login in progress (`Some(None)` clears it).
    pub login: Option<Option<Login>>,
    /// Reconnection schedule.
    pub reconnect: Reconnect,
    /// When leaving `connected`: how long it lasted (counted in the daily statistics).
    pub connected_ms: Option<i64>,
}

/// One line of an instance's status history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Previous status.
    pub from: InstanceStatus,
    /// New status.
    pub to: InstanceStatus,
    /// Why.
    pub reason: String,
    /// Who reported it.
    pub source: String,
    /// When.
    pub at: Timestamp,
}

fn push_login(sql: &mut Sql, sets: &mut Vec<String>, login: Option<&Login>) {
    let (method, code, expires) = match login {
        Some(l) => (
            Arg::Text(l.method.as_str().to_owned()),
            Arg::Text(l.code.clone()),
            Arg::Int(l.expires_at.millis()),
        ),
        None => (Arg::NullText, Arg::NullText, Arg::NullInt),
    };
    let (m, c, e) = (sql.arg(method), sql.arg(code), sql.arg(expires));
    sets.push(format!(
        r#""loginMethod" = {m}, "loginCode" = {c}, "loginExpiresAt" = {e}"#
    ));
}

impl Store {
    /// The provider link of any instance (internal: not scoped to a user).
    pub async fn provider_link(&self, id: &InstanceId) -> Result<Option<ProviderLink>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM whatsapp_instance WHERE id = $1");
        let row: Option<LinkRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Any instance by id (internal: workers and webhooks, not users).
    pub async fn instance_by_id(&self, id: &InstanceId) -> Result<Option<Instance>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM whatsapp_instance WHERE id = $1");
        let row: Option<InstanceRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Instance::try_from).transpose()
    }

    /// The instance whose webhook secret hashes to `hash`, with its sealed token.
    pub async fn instance_by_webhook_hash(
        &self,
        hash: &str,
    ) -> Result<Option<(Instance, Option<String>)>, StoreError> {
        let sql =
            format!(r#"SELECT {COLUMNS} FROM whatsapp_instance WHERE "webhookSecretHash" = $1"#);
        let row: Option<InstanceRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(hash.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let instance = Instance::try_from(row)?;
        let token = self
            .provider_link(&instance.id)
            .await?
            .and_then(|l| l.token_sealed);
        Ok(Some((instance, token)))
    }

    /// Instances waiting to be provisioned whose retry time has come.
    pub async fn due_provisioning(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<ProviderLink>, StoreError> {
        let sql = format!(
            r#"SELECT {LINK_COLUMNS} FROM whatsapp_instance
               WHERE "provisionState" = 'pending' AND "nextProvisionAt" <= $1
               ORDER BY "nextProvisionAt", id LIMIT $2"#
        );
        let rows: Vec<LinkRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(now.millis())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every provisioned instance (for reconciliation with the provider).
    pub async fn provisioned_links(&self) -> Result<Vec<ProviderLink>, StoreError> {
        let sql = format!(
            r#"SELECT {LINK_COLUMNS} FROM whatsapp_instance WHERE "provisionState" = 'ready'"#
        );
        let rows: Vec<LinkRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Claims the next provisioning attempt: counts it before it is made (so a
    /// crash mid-attempt is known, and the next attempt looks for what the lost
    /// one may have created) and leases the instance until `lease_until`. `false`
    /// if another worker or request claimed it first.
    pub async fn claim_provision_attempt(
        &self,
        id: &InstanceId,
        seen_attempts: i64,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            r#"UPDATE whatsapp_instance SET "provisionAttempts" = $1, "nextProvisionAt" = $2
               WHERE id = $3 AND "provisionAttempts" = $4 AND "provisionState" = 'pending'"#,
        )
        .bind(seen_attempts + 1)
        .bind(lease_until.millis())
        .bind(id.as_str().to_owned())
        .bind(seen_attempts)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Keeps the provider's id and sealed token as soon as they are known, before
    /// the rest of provisioning (the webhook) is done.
    pub async fn save_provider_identity(
        &self,
        id: &InstanceId,
        provider_id: &str,
        token_sealed: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            r#"UPDATE whatsapp_instance SET "providerId" = $1, "providerToken" = $2 WHERE id = $3"#,
        )
        .bind(provider_id.to_owned())
        .bind(token_sealed.to_owned())
        .bind(id.as_str().to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks provisioning done (the identity was saved by
    /// [`Store::save_provider_identity`]); polls start right away.
    pub async fn mark_provisioned(
        &self,
        id: &InstanceId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            r#"UPDATE whatsapp_instance SET "provisionState" = 'ready', "provisionError" = NULL,
               "nextPollAt" = $1, "updatedAt" = $1 WHERE id = $2"#,
        )
        .bind(now.millis())
        .bind(id.as_str().to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a failed provisioning attempt and when to retry.
    pub async fn mark_provision_failed(
        &self,
        id: &InstanceId,
        error: &str,
        attempts: i64,
        retry_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            r#"UPDATE whatsapp_instance SET "provisionError" = $1, "provisionAttempts" = $2, "nextProvisionAt" = $3
               WHERE id = $4 AND "provisionState" = 'pending'"#,
        )
        .bind(error.to_owned())
        .bind(attempts)
        .bind(retry_at.millis())
        .bind(id.as_str().to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Applies a status change if the instance is still in `change.from`, and
    /// records it in the history, atomically. `false`: someone else changed it first.
    pub async fn change_status(&self, change: &StatusChange<'_>) -> Result<bool, StoreError> {
        let mut sql = Sql::default();
        let to = sql.arg(Arg::Text(change.to.as_str().to_owned()));
        let at = sql.arg(Arg::Int(change.at.millis()));
        let mut sets = vec![format!(r#"status = {to}, "updatedAt" = {at}"#)];
        if change.to == InstanceStatus::Connected {
            sets.push(format!(r#""lastConnection" = {at}"#));
        }
        if let Some(name) = &change.profile_name {
            let name = sql.arg(Arg::Text(name.clone()));
            sets.push(format!(r#""profileName" = {name}"#));
        }
        if let Some(logged_out) = change.logged_out {
            let flag = sql.arg(Arg::Int(i64::from(logged_out)));
            sets.push(format!(r#""loggedOut" = {flag}"#));
        }
        if let Some(login) = &change.login {
            push_login(&mut sql, &mut sets, login.as_ref());
        }
        match change.reconnect {
            Reconnect::Keep => {}
            Reconnect::Clear => {
                sets.push(r#""reconnectAttempts" = 0, "nextReconnectAt" = NULL"#.to_owned())
            }
            Reconnect::Schedule { attempts, at: when } => {
                let (n, w) = (
                    sql.arg(Arg::Int(attempts)),
                    sql.arg(Arg::Int(when.millis())),
                );
                sets.push(format!(
                    r#""reconnectAttempts" = {n}, "nextReconnectAt" = {w}"#
                ));
            }
        }
        let id = sql.arg(Arg::Text(change.id.as_str().to_owned()));
        let from = sql.arg(Arg::Text(change.from.as_str().to_owned()));
        sql.text = format!(
            "UPDATE whatsapp_instance SET {} WHERE id = {id} AND status = {from}",
            sets.join(", ")
        );

        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if sql.query().execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            r#"INSERT INTO instance_status_history (id, "instanceId", "fromStatus", "toStatus", reason, source, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        )
        .bind(InstanceId::generate().as_str().to_owned())
        .bind(change.id.as_str().to_owned())
        .bind(change.from.as_str())
        .bind(change.to.as_str())
        .bind(change.reason.to_owned())
        .bind(change.source.to_owned())
        .bind(change.at.millis())
        .execute(&mut *tx)
        .await?;
        if change.from == InstanceStatus::Connected && change.to == InstanceStatus::Disconnected {
            super::messages::bump(
                &mut tx,
                change.id.as_str(),
                change.at,
                Counter::Disconnections,
                1,
            )
            .await?;
        }
        if let Some(ms) = change.connected_ms.filter(|ms| *ms > 0) {
            super::messages::bump(
                &mut tx,
                change.id.as_str(),
                change.at,
                Counter::ConnectedMs,
                ms,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Replaces the login in progress (a new QR while connecting), without a status change.
    pub async fn set_login(
        &self,
        id: &InstanceId,
        login: Option<&Login>,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::default();
        let mut sets = Vec::new();
        push_login(&mut sql, &mut sets, login);
        let id = sql.arg(Arg::Text(id.as_str().to_owned()));
        sql.text = format!(
            "UPDATE whatsapp_instance SET {} WHERE id = {id}",
            sets.join(", ")
        );
        sql.query().execute(&self.pool).await?;
        Ok(())
    }

    /// Records the WhatsApp display name.
    pub async fn set_profile_name(
        &self,
        id: &InstanceId,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE whatsapp_instance SET "profileName" = $1 WHERE id = $2"#)
            .bind(name.map(str::to_owned))
            .bind(id.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sets or clears the logged-out flag and the reconnect schedule (user actions).
    pub async fn set_logged_out(
        &self,
        id: &InstanceId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        sqlx::query(
            r#"UPDATE whatsapp_instance SET "loggedOut" = $1, "reconnectAttempts" = 0, "nextReconnectAt" = NULL WHERE id = $2"#,
        )
        .bind(i64::from(logged_out))
        .bind(id.as_str().to_owned())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Provisioned instances whose next poll is due, soonest first.
    pub async fn due_polls(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<InstanceId>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            r#"SELECT id FROM whatsapp_instance WHERE "provisionState" = 'ready' AND "nextPollAt" <= $1
               ORDER BY "nextPollAt", id LIMIT $2"#,
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id,)| InstanceId::from_raw(id))
            .collect())
    }

    /// When to poll an instance next.
    pub async fn set_next_poll(&self, id: &InstanceId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE whatsapp_instance SET "nextPollAt" = $1 WHERE id = $2"#)
            .bind(at.millis())
            .bind(id.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Makes every provisioned instance due for a poll now (start-up reconciliation).
    pub async fn poll_everything_now(&self, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query(
            r#"UPDATE whatsapp_instance SET "nextPollAt" = $1 WHERE "provisionState" = 'ready'"#,
        )
        .bind(now.millis())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Disconnected instances whose automatic reconnect is due.
    pub async fn due_reconnects(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(InstanceId, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            r#"SELECT id, "reconnectAttempts" FROM whatsapp_instance
               WHERE "nextReconnectAt" IS NOT NULL AND "nextReconnectAt" <= $1 AND status = 'disconnected' AND "loggedOut" = 0
               ORDER BY "nextReconnectAt", id LIMIT $2"#,
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, n)| (InstanceId::from_raw(id), n))
            .collect())
    }

    /// Schedules (or, with `None`, cancels) the next automatic reconnect.
    pub async fn schedule_reconnect(
        &self,
        id: &InstanceId,
        attempts: i64,
        at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE whatsapp_instance SET "reconnectAttempts" = $1, "nextReconnectAt" = $2 WHERE id = $3"#)
            .bind(attempts)
            .bind(at.map(Timestamp::millis))
            .bind(id.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The user's instance's status history, newest first.
    pub async fn status_history(
        &self,
        user: &UserId,
        id: &InstanceId,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            r#"SELECT h."fromStatus", h."toStatus", h.reason, h.source, h.at
               FROM instance_status_history h JOIN whatsapp_instance i ON i.id = h."instanceId"
               WHERE h."instanceId" = $1 AND i."userId" = $2 ORDER BY h.at DESC, h.id DESC LIMIT $3"#,
        )
        .bind(id.as_str().to_owned())
        .bind(user.as_str().to_owned())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(from, to, reason, source, at)| {
                let parse = |s: &str| {
                    s.parse::<InstanceStatus>()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))
                };
                Ok(HistoryEntry {
                    from: parse(&from)?,
                    to: parse(&to)?,
                    reason,
                    source,
                    at: Timestamp::from_millis(at),
                })
            })
            .collect()
    }

    /// Remembers a provider-side deletion still owed.
    pub async fn queue_provider_deletion(
        &self,
        token_sealed: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"INSERT INTO provider_deletion (id, "providerToken", "nextAttemptAt", "createdAt") VALUES ($1, $2, $3, $3)"#)
            .bind(InstanceId::generate().as_str().to_owned())
            .bind(token_sealed.to_owned())
            .bind(now.millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Owed deletions whose retry time has come: (id, sealed token, attempts).
    pub async fn due_provider_deletions(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            r#"SELECT id, "providerToken", attempts FROM provider_deletion WHERE "nextAttemptAt" <= $1
               ORDER BY "nextAttemptAt", id LIMIT $2"#,
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// An owed deletion is done (or no longer possible).
    pub async fn finish_provider_deletion(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM provider_deletion WHERE id = $1")
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An owed deletion failed again; retry later.
    pub async fn retry_provider_deletion(
        &self,
        id: &str,
        error: &str,
        attempts: i64,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE provider_deletion SET attempts = $1, "nextAttemptAt" = $2, "lastError" = $3 WHERE id = $4"#)
            .bind(attempts)
            .bind(at.millis())
            .bind(error.to_owned())
            .bind(id.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
