//! The `user` table, and the marker that makes "the first account" atomic.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{Email, InstanceId, Timestamp, UserId};
use crate::i18n::Locale;

/// A stored account.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// Primary key.
    pub id: UserId,
    /// Normalized e-mail.
    pub email: Email,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// May manage other users.
    pub is_admin: bool,
    /// Disabled users cannot sign in nor use their tokens.
    pub disabled: bool,
    /// The language the user chose.
    pub locale: Locale,
    /// When the account was made.
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct UserRow {
    id: UserId,
    email: Email,
    password_hash: String,
    is_admin: bool,
    disabled: bool,
    locale: String,
    created_at: Timestamp,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id,
            email: row.email,
            password_hash: row.password_hash,
            is_admin: row.is_admin,
            disabled: row.disabled,
            locale: Locale::from_tag(&row.locale).unwrap_or_default(),
            created_at: row.created_at,
        }
    }
}

const COLUMNS: &str = r#"id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt""#;

/// A new account, password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Normalized e-mail (unique).
    pub email: Email,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Admin rights from the start.
    pub is_admin: bool,
    /// Admin rights if this is the server's first account (web sign-up).
    pub admin_if_first: bool,
    /// Create it only as the server's first account (a sign-up while sign-ups
    /// are closed: of several at once, one gets in).
    pub only_if_first: bool,
}

/// The `app_setting` key claimed by the first account ever created.
const FIRST_USER: &str = "first_user";

impl Store {
    /// Inserts an account; an e-mail already taken is a conflict. Claims the
    /// first-account marker in the same transaction, so of two accounts created
    /// at the same moment on an empty server only one is the first.
    pub async fn insert_user(
        &self,
        new: NewUser,
        now: Timestamp,
    ) -> Result<UserRecord, StoreError> {
        let id = UserId::generate();
        let mut tx = self.begin().await?;
        tx.execute(
            Sql::new(
                r#"INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, locale, "createdAt", "updatedAt")
                   VALUES ($1, $2, $3, $4, $5, 'pt-BR', $6, $6)"#,
            )
            .bind(&id)
            .bind(&new.email)
            .bind(new.password_hash)
            .bind(new.is_admin)
            .bind(false)
            .bind(now),
        )
        .await?;
        let first = tx
            .execute(
                Sql::new(
                    "INSERT INTO app_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
                )
                .bind(FIRST_USER)
                .bind(&id),
            )
            .await?
            == 1;
        if !first && new.only_if_first {
            return Err(StoreError::Conflict(super::Unique::FirstAccount));
        }
        if first && new.admin_if_first && !new.is_admin {
            tx.execute(
                Sql::new(r#"UPDATE "user" SET "isAdmin" = $1 WHERE id = $2"#)
                    .bind(true)
                    .bind(&id),
            )
            .await?;
        }
        let row: UserRow = tx
            .fetch_optional(
                Sql::new(format!(r#"SELECT {COLUMNS} FROM "user" WHERE id = $1"#)).bind(&id),
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("a new account vanished".into()))?;
        tx.commit().await?;
        Ok(row.into())
    }

    /// The account with this e-mail, if any.
    pub async fn find_user_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<UserRow> = self
            .fetch_optional(
                Sql::new(format!(r#"SELECT {COLUMNS} FROM "user" WHERE email = $1"#)).bind(email),
            )
            .await?;
        Ok(row.map(Into::into))
    }

    /// Every account, oldest first.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let rows: Vec<UserRow> = self
            .fetch_all(Sql::new(format!(
                r#"SELECT {COLUMNS} FROM "user" ORDER BY "createdAt", id"#
            )))
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Whether any account exists.
    pub async fn has_users(&self) -> Result<bool, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(Sql::new(r#"SELECT id FROM "user" LIMIT 1"#))
            .await?;
        Ok(row.is_some())
    }

    /// Disables or re-enables an account; `false` if there is no such user.
    /// Disabling also ends its browser sessions and revokes its API tokens, in
    /// the same transaction: re-enabling must not bring old credentials back.
    pub async fn set_user_disabled(
        &self,
        user: &UserId,
        disabled: bool,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let changed = tx
            .execute(
                Sql::new(r#"UPDATE "user" SET disabled = $1, "updatedAt" = $2 WHERE id = $3"#)
                    .bind(disabled)
                    .bind(now)
                    .bind(user),
            )
            .await?;
        if disabled && changed > 0 {
            tx.execute(Sql::new(r#"DELETE FROM web_session WHERE "userId" = $1"#).bind(user))
                .await?;
            tx.execute(
                Sql::new(
                    r#"UPDATE api_token SET "revokedAt" = $1 WHERE "userId" = $2 AND "revokedAt" IS NULL"#,
                )
                .bind(now)
                .bind(user),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// Replaces a password hash; `false` if there is no such user.
    pub async fn set_password_hash(
        &self,
        user: &UserId,
        hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                Sql::new(
                    r#"UPDATE "user" SET "passwordHash" = $1, "updatedAt" = $2 WHERE id = $3"#,
                )
                .bind(hash)
                .bind(now)
                .bind(user),
            )
            .await?;
        Ok(changed > 0)
    }

    /// Stores the user's language.
    pub async fn set_locale(&self, user: &UserId, locale: Locale) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE "user" SET locale = $1 WHERE id = $2"#)
                .bind(locale.tag())
                .bind(user),
        )
        .await?;
        Ok(())
    }

    /// A server-wide setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = self
            .fetch_optional(Sql::new("SELECT value FROM app_setting WHERE key = $1").bind(key))
            .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Sets a server-wide setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                "INSERT INTO app_setting (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value),
        )
        .await?;
        Ok(())
    }

    /// The ids of every instance of an account.
    pub async fn user_instance_ids(&self, user: &UserId) -> Result<Vec<InstanceId>, StoreError> {
        let rows: Vec<(InstanceId,)> = self
            .fetch_all(
                Sql::new(r#"SELECT id FROM whatsapp_instance WHERE "userId" = $1 ORDER BY id"#)
                    .bind(user),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Deletes an account and, by cascade, everything that is its own
    /// (sessions, tokens, webhooks, instances, statistics). Whether it existed.
    pub async fn delete_user(&self, user: &UserId) -> Result<bool, StoreError> {
        let deleted = self
            .execute(Sql::new(r#"DELETE FROM "user" WHERE id = $1"#).bind(user))
            .await?;
        Ok(deleted == 1)
    }
}
