//! Browser sessions: the cookie holds a random secret, the table its SHA-256.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{Email, TimeZone, Timestamp, UserId};
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
    /// Where the user's days begin and end.
    pub time_zone: TimeZone,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct SessionRow {
    id: UserId,
    email: Email,
    is_admin: bool,
    locale: String,
    time_zone: String,
}

impl Store {
    /// Stores a session under the hash of its cookie secret.
    pub async fn insert_session(
        &self,
        hash: &str,
        user: &UserId,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                r#"INSERT INTO web_session (id, "userId", "createdAt", "expiresAt") VALUES ($1, $2, $3, $4)"#,
            )
            .bind(hash)
            .bind(user)
            .bind(now)
            .bind(expires_at),
        )
        .await?;
        Ok(())
    }

    /// The live session with this hash (not expired, user not disabled).
    pub async fn find_session(
        &self,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<SessionUser>, StoreError> {
        let row: Option<SessionRow> = self
            .fetch_optional(
                Sql::new(
                    r#"SELECT u.id, u.email, u."isAdmin", u.locale, u."timeZone" FROM web_session s JOIN "user" u ON u.id = s."userId"
                       WHERE s.id = $1 AND s."expiresAt" > $2 AND u.disabled = $3"#,
                )
                .bind(hash)
                .bind(now)
                .bind(false),
            )
            .await?;
        Ok(row.map(|row| SessionUser {
            user_id: row.id,
            email: row.email.as_str().to_owned(),
            is_admin: row.is_admin,
            locale: Locale::from_tag(&row.locale).unwrap_or_default(),
            time_zone: TimeZone::or_default(&row.time_zone),
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, hash: &str) -> Result<(), StoreError> {
        self.execute(Sql::new("DELETE FROM web_session WHERE id = $1").bind(hash))
            .await?;
        Ok(())
    }
}
