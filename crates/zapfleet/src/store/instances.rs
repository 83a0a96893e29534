//! The `whatsapp_instance` table: creating, reading, changing and deleting
//! instances, their settings, and the login shown while connecting.

use super::sql::{Arg, Sql};
use super::{Store, StoreError};
use crate::domain::{
    Instance, InstanceId, InstanceKey, InstanceName, InstanceSettings, InstanceStatus, Login,
    LoginMethod, Phone, ProvisionState, Timestamp, UserId,
};
use sqlx::types::Json;

pub(super) const COLUMNS: &str = r#"i.id, i.name, i.phone, i.status, i."userId", i."instanceKey", i."createdAt", i."updatedAt",
    i."lastConnection", i.config, i."provisionState", i."provisionError", i."profileName", i."loggedOut",
    i."loginMethod", i."loginCode", i."loginExpiresAt", i."providerLostAt", i."connectedPhone""#;

/// [`COLUMNS`] for a `RETURNING` clause (SQLite takes no table alias there).
const RETURNING: &str = r#"id, name, phone, status, "userId", "instanceKey", "createdAt", "updatedAt",
    "lastConnection", config, "provisionState", "provisionError", "profileName", "loggedOut",
    "loginMethod", "loginCode", "loginExpiresAt", "providerLostAt", "connectedPhone""#;

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub(super) struct InstanceRow {
    id: InstanceId,
    name: InstanceName,
    phone: Option<Phone>,
    status: InstanceStatus,
    user_id: UserId,
    instance_key: InstanceKey,
    created_at: Timestamp,
    updated_at: Timestamp,
    last_connection: Option<Timestamp>,
    config: Json<serde_json::Value>,
    provision_state: ProvisionState,
    provision_error: Option<String>,
    profile_name: Option<String>,
    logged_out: bool,
    login_method: Option<LoginMethod>,
    login_code: Option<String>,
    login_expires_at: Option<Timestamp>,
    provider_lost_at: Option<Timestamp>,
    connected_phone: Option<String>,
}

impl From<InstanceRow> for Instance {
    fn from(row: InstanceRow) -> Self {
        let login = match (row.login_method, row.login_code, row.login_expires_at) {
            (Some(method), Some(code), Some(expires_at)) => Some(Login {
                method,
                code,
                expires_at,
            }),
            _ => None,
        };
        Instance {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            phone: row.phone,
            status: row.status,
            instance_key: row.instance_key,
            created_at: row.created_at,
            updated_at: row.updated_at,
            last_connection: row.last_connection,
            settings: InstanceSettings::from_config(&row.config.0),
            provision_state: row.provision_state,
            provision_error: row.provision_error,
            profile_name: row.profile_name,
            logged_out: row.logged_out,
            login,
            provider_lost_at: row.provider_lost_at,
            connected_phone: row.connected_phone,
        }
    }
}

/// What a new instance is made of; the store adds ids, key, times and defaults.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Owner.
    pub user_id: UserId,
    /// Validated name.
    pub name: InstanceName,
    /// Validated phone.
    pub phone: Option<Phone>,
    /// The per-instance webhook secret, sealed.
    pub webhook_secret_sealed: String,
    /// SHA-256 of the webhook secret, hex (how incoming webhooks find the instance).
    pub webhook_secret_hash: String,
}

/// Fields a user may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct InstanceChanges {
    /// New name.
    pub name: Option<InstanceName>,
    /// New phone (`Some(None)` clears it).
    pub phone: Option<Option<Phone>>,
}

/// The sets of a login change (all NULL clears it).
pub(super) fn login_sets(sql: &mut Sql, sets: &mut Vec<String>, login: Option<&Login>) {
    let method = sql.arg(login.map(|l| l.method.as_str()));
    let code = sql.arg(login.map(|l| l.code.as_str()));
    let expires = sql.arg(login.map(|l| l.expires_at));
    sets.push(format!(
        r#""loginMethod" = {method}, "loginCode" = {code}, "loginExpiresAt" = {expires}"#
    ));
}

impl Store {
    /// Inserts an instance (and its empty schedule). A name the user already has
    /// (in any case) is a conflict. The creating request provisions it; the
    /// provisioner steps in only after `provision_after`.
    pub async fn insert_instance(
        &self,
        new: NewInstance,
        now: Timestamp,
        provision_after: Timestamp,
    ) -> Result<Instance, StoreError> {
        let id = InstanceId::generate();
        let mut tx = self.begin().await?;
        let row: Option<InstanceRow> = tx
            .fetch_optional(
                Sql::new(format!(
                    r#"INSERT INTO whatsapp_instance
                   (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt", config,
                    "webhookSecret", "webhookSecretHash", "searchKey")
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12) RETURNING {RETURNING}"#
                ))
            .bind(&id)
            .bind(new.name.as_str())
            .bind(new.name.key())
            .bind(new.phone.as_ref().map(|p| p.digits().to_owned()))
            .bind(InstanceStatus::Disconnected)
            .bind(&new.user_id)
            .bind(InstanceKey::generate().as_str())
            .bind(now)
            .bind(InstanceSettings::default().to_config())
            .bind(new.webhook_secret_sealed)
            .bind(new.webhook_secret_hash)
            .bind(new.name.search_key()),
        )
        .await?;
        tx.execute(
            Sql::new(r#"INSERT INTO instance_schedule ("instanceId", "nextProvisionAt") VALUES ($1, $2)"#)
                .bind(&id)
                .bind(provision_after),
        )
        .await?;
        tx.commit().await?;
        row.map(Instance::from)
            .ok_or_else(|| StoreError::Corrupt("a new instance vanished".into()))
    }

    /// One instance of this user; another user's instance is `None`, like a missing one.
    pub async fn get_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
    ) -> Result<Option<Instance>, StoreError> {
        let row: Option<InstanceRow> = self
            .fetch_optional(
                Sql::new(format!(
                    r#"SELECT {COLUMNS} FROM whatsapp_instance i WHERE i.id = $1 AND i."userId" = $2"#
                ))
                .bind(id)
                .bind(user),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// Any instance by id (internal: workers and webhooks, not users).
    pub async fn instance_by_id(&self, id: &InstanceId) -> Result<Option<Instance>, StoreError> {
        let row: Option<InstanceRow> = self
            .fetch_optional(
                Sql::new(format!(
                    "SELECT {COLUMNS} FROM whatsapp_instance i WHERE i.id = $1"
                ))
                .bind(id),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// The instance whose webhook secret hashes to `hash`.
    pub async fn instance_by_webhook_hash(
        &self,
        hash: &str,
    ) -> Result<Option<Instance>, StoreError> {
        let row: Option<InstanceRow> = self
            .fetch_optional(
                Sql::new(format!(
                    r#"SELECT {COLUMNS} FROM whatsapp_instance i WHERE i."webhookSecretHash" = $1"#
                ))
                .bind(hash),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// Applies the changes in one statement; `None` if the user has no such instance.
    pub async fn update_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
        changes: InstanceChanges,
        now: Timestamp,
    ) -> Result<Option<Instance>, StoreError> {
        let mut sql = Sql::default();
        let mut sets = vec![format!(r#""updatedAt" = {}"#, sql.arg(now))];
        if let Some(name) = &changes.name {
            let name_ref = sql.arg(name.as_str());
            let key_ref = sql.arg(name.key());
            let search_ref = sql.arg(name.search_key());
            sets.push(format!(
                r#"name = {name_ref}, "nameKey" = {key_ref}, "searchKey" = {search_ref}"#
            ));
        }
        if let Some(phone) = &changes.phone {
            let phone_ref = sql.arg(phone.as_ref().map(|p| p.digits().to_owned()));
            sets.push(format!("phone = {phone_ref}"));
        }
        let id_ref = sql.arg(id);
        let user_ref = sql.arg(user);
        sql.push(&format!(
            r#"UPDATE whatsapp_instance SET {} WHERE id = {id_ref} AND "userId" = {user_ref}"#,
            sets.join(", ")
        ));
        if self.execute(sql).await? == 0 {
            return Ok(None);
        }
        self.get_instance(user, id).await
    }

    /// Replaces the settings and keeps a version of them, in one transaction;
    /// `false` if the user has no such instance.
    pub async fn save_settings(
        &self,
        user: &UserId,
        id: &InstanceId,
        settings: &InstanceSettings,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = tx
            .execute(
                Sql::new(
                    r#"UPDATE whatsapp_instance SET config = $1, "updatedAt" = $2 WHERE id = $3 AND "userId" = $4"#,
                )
                .bind(settings.to_config())
                .bind(now)
                .bind(id)
                .bind(user),
            )
            .await?;
        if changed == 0 {
            return Ok(false);
        }
        tx.execute(
            Sql::new(
                r#"INSERT INTO instance_config_history (id, "instanceId", config, "changedAt") VALUES ($1, $2, $3, $4)"#,
            )
            .bind(InstanceId::generate().as_str())
            .bind(id)
            .bind(settings.to_history())
            .bind(now),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes; `false` if the user has no such instance.
    pub async fn delete_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                Sql::new(r#"DELETE FROM whatsapp_instance WHERE id = $1 AND "userId" = $2"#)
                    .bind(id)
                    .bind(user),
            )
            .await?;
        Ok(changed > 0)
    }

    /// Replaces the login in progress (a new QR while connecting), without a status change.
    pub async fn set_login(
        &self,
        id: &InstanceId,
        login: Option<&Login>,
    ) -> Result<(), StoreError> {
        let mut sql = Sql::default();
        let mut sets = Vec::new();
        login_sets(&mut sql, &mut sets, login);
        let id_ref = sql.arg(id);
        sql.push(&format!(
            "UPDATE whatsapp_instance SET {} WHERE id = {id_ref}",
            sets.join(", ")
        ));
        self.execute(sql).await?;
        Ok(())
    }

    /// Records the WhatsApp display name.
    pub async fn set_profile_name(
        &self,
        id: &InstanceId,
        name: Option<&str>,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE whatsapp_instance SET "profileName" = $1 WHERE id = $2"#)
                .bind(name)
                .bind(id),
        )
        .await?;
        Ok(())
    }

    /// Records the number WhatsApp reports as logged in; the owner when it
    /// changed (to tell their pages), `None` when it was already known.
    pub async fn set_connected_phone(
        &self,
        id: &InstanceId,
        digits: &str,
    ) -> Result<Option<UserId>, StoreError> {
        let changed: Option<(UserId,)> = self
            .fetch_optional(
                Sql::new(
                    r#"UPDATE whatsapp_instance SET "connectedPhone" = $1
                       WHERE id = $2 AND ("connectedPhone" IS NULL OR "connectedPhone" <> $1)
                       RETURNING "userId""#,
                )
                .bind(digits)
                .bind(id),
            )
            .await?;
        Ok(changed.map(|(user,)| user))
    }

    /// Sets or clears the logged-out flag and cancels automatic reconnects (the
    /// user acted).
    pub async fn set_logged_out(
        &self,
        id: &InstanceId,
        logged_out: bool,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(r#"UPDATE whatsapp_instance SET "loggedOut" = $1 WHERE id = $2"#)
                .bind(logged_out)
                .bind(id),
        )
        .await?;
        tx.execute(
            Sql::new(
                r#"UPDATE instance_schedule SET "reconnectAttempts" = 0, "nextReconnectAt" = $1 WHERE "instanceId" = $2"#,
            )
            .bind(Arg::Time(None))
            .bind(id),
        )
        .await?;
        tx.commit().await
    }

    /// The settings of webhooks still holding a `plain:` secret from the
    /// upgrade to store v2 (see `services::upgrade`).
    pub async fn instances_with_plain_webhook_secret(&self) -> Result<Vec<Instance>, StoreError> {
        let filter = self.dialect(
            r#"json_extract(i.config, '$.forwardWebhook.secretSealed') LIKE 'plain:%'"#,
            r#"i.config -> 'forwardWebhook' ->> 'secretSealed' LIKE 'plain:%'"#,
        );
        let rows: Vec<InstanceRow> = self
            .fetch_all(Sql::new(format!(
                "SELECT {COLUMNS} FROM whatsapp_instance i WHERE {filter}"
            )))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Rewrites an instance's settings document without a new version (upgrade step).
    pub async fn replace_settings(
        &self,
        id: &InstanceId,
        settings: &InstanceSettings,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new("UPDATE whatsapp_instance SET config = $1 WHERE id = $2")
                .bind(settings.to_config())
                .bind(id),
        )
        .await?;
        Ok(())
    }
}
