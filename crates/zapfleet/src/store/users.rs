//! The `user` table.

use super::{Store, StoreError};
use crate::domain::{Email, Timestamp, UserId};
use sqlx::AssertSqlSafe;

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
    /// When the account was made.
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    is_admin: i64,
    disabled: i64,
    created_at: i64,
}

impl From<UserRow> for UserRecord {
    fn from(row: UserRow) -> Self {
        Self {
            id: UserId::from_raw(row.id),
            email: Email::from_stored(row.email),
            password_hash: row.password_hash,
            is_admin: row.is_admin != 0,
            disabled: row.disabled != 0,
            created_at: Timestamp::from_millis(row.created_at),
        }
    }
}

const COLUMNS: &str = r#"id, email, "passwordHash", "isAdmin", disabled, "createdAt""#;

/// A new account, password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Normalized e-mail (unique).
    pub email: Email,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Admin rights.
    pub is_admin: bool,
}

impl Store {
    /// Inserts an account; an e-mail already taken is a [`StoreError::Conflict`].
    pub async fn insert_user(&self, new: NewUser) -> Result<UserRecord, StoreError> {
        let now = Timestamp::now().millis();
        let sql = format!(
            r#"INSERT INTO "user" (id, email, "passwordHash", "isAdmin", disabled, "createdAt", "updatedAt")
               VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING {COLUMNS}"#
        );
        let row: UserRow = sqlx::query_as(AssertSqlSafe(sql))
            .bind(UserId::generate().as_str().to_owned())
            .bind(new.email.as_str().to_owned())
            .bind(new.password_hash)
            .bind(i64::from(new.is_admin))
            .bind(now)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.into())
    }

    /// The account with this e-mail, if any.
    pub async fn find_user_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<UserRecord>, StoreError> {
        let sql = format!(r#"SELECT {COLUMNS} FROM "user" WHERE email = $1"#);
        let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(email.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Into::into))
    }

    /// Every account, oldest first.
    pub async fn list_users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let sql = format!(r#"SELECT {COLUMNS} FROM "user" ORDER BY "createdAt", id"#);
        let rows: Vec<UserRow> = sqlx::query_as(AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Disables or re-enables an account (disabled users lose their sessions and tokens' use).
    pub async fn set_user_disabled(
        &self,
        user: &UserId,
        disabled: bool,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query(r#"UPDATE "user" SET disabled = $1, "updatedAt" = $2 WHERE id = $3"#)
                .bind(i64::from(disabled))
                .bind(Timestamp::now().millis())
                .bind(user.as_str().to_owned())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Replaces a password hash; `false` if there is no such user.
    pub async fn set_password_hash(&self, user: &UserId, hash: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query(r#"UPDATE "user" SET "passwordHash" = $1, "updatedAt" = $2 WHERE id = $3"#)
                .bind(hash.to_owned())
                .bind(Timestamp::now().millis())
                .bind(user.as_str().to_owned())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}
