//! Browser sessions, users' language and server-wide settings.

use super::{Store, StoreError};
use crate::domain::{Timestamp, UserId};
use crate::i18n::Locale;

/// Who a session belongs to.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The account.
    pub user_id: UserId,
    /// Its e-mail.
    pub email: String,
    /// Admin rights.
    pub is_admin: bool,
    /// The language the user chose.
    pub locale: Locale,
}

impl Store {
    /// Stores a session under the hash of its cookie secret.
    pub async fn insert_session(
        &self,
        hash: &str,
        user: &UserId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(r#"INSERT INTO web_session (id, "userId", "createdAt", "expiresAt") VALUES ($1, $2, $3, $4)"#)
            .bind(hash.to_owned())
            .bind(user.as_str().to_owned())
            .bind(Timestamp::now().millis())
            .bind(expires_at.millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The live session with this hash (not expired, user not disabled).
    pub async fn find_session(&self, hash: &str) -> Result<Option<SessionUser>, StoreError> {
        let row: Option<(String, String, i64, String)> = sqlx::query_as(
            r#"SELECT u.id, u.email, u."isAdmin", u.locale FROM web_session s JOIN "user" u ON u.id = s."userId"
               WHERE s.id = $1 AND s."expiresAt" > $2 AND u.disabled = 0"#,
        )
        .bind(hash.to_owned())
        .bind(Timestamp::now().millis())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, email, admin, locale)| SessionUser {
            user_id: UserId::from_raw(id),
            email,
            is_admin: admin != 0,
            locale: Locale::from_tag(&locale).unwrap_or_default(),
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM web_session WHERE id = $1")
            .bind(hash.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Stores the user's language.
    pub async fn set_locale(&self, user: &UserId, locale: Locale) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE "user" SET locale = $1 WHERE id = $2"#)
            .bind(locale.tag())
            .bind(user.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// How many accounts exist.
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(r#"SELECT COUNT(*) FROM "user""#)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }

    /// A server-wide setting.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = sqlx::query_as("SELECT value FROM app_setting WHERE key = $1")
            .bind(key.to_owned())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|(v,)| v))
    }

    /// Sets a server-wide setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO app_setting (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key.to_owned())
            .bind(value.to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
