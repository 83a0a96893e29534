//! The `api_token` table. Only hashes of the secrets are stored.

use super::{Store, StoreError};
use crate::domain::{Timestamp, TokenId, TokenName, UserId};

/// A token to store: its hash and a short prefix for people to recognise it.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// Owner.
    pub user_id: UserId,
    /// Label.
    pub name: TokenName,
    /// SHA-256 of the secret, hex.
    pub hash: String,
    /// The secret's first characters.
    pub prefix: String,
}

/// Who a presented token belongs to.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    /// The token.
    pub token_id: TokenId,
    /// Its owner.
    pub user_id: UserId,
    /// Whether the owner is an admin.
    pub is_admin: bool,
    /// When the token was last seen (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
}

/// A stored token as its owner sees it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Id.
    pub id: TokenId,
    /// Label.
    pub name: String,
    /// The secret's first characters.
    pub prefix: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last use (to the minute).
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct OwnerRow {
    id: String,
    user_id: String,
    is_admin: i64,
    last_used_at: Option<i64>,
}

impl Store {
    /// Stores a new token.
    pub async fn insert_token(&self, new: NewToken) -> Result<TokenId, StoreError> {
        let id = TokenId::generate();
        sqlx::query(
            r#"INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt")
               VALUES ($1, $2, $3, $4, $5, $6)"#,
        )
        .bind(id.as_str().to_owned())
        .bind(new.user_id.as_str().to_owned())
        .bind(new.name.as_str().to_owned())
        .bind(new.hash)
        .bind(new.prefix)
        .bind(Timestamp::now().millis())
        .execute(&self.pool)
        .await?;
        Ok(id)
    }

    /// The owner of a live token (not revoked, owner not disabled).
    pub async fn find_token_owner(&self, hash: &str) -> Result<Option<TokenOwner>, StoreError> {
        let row: Option<OwnerRow> = sqlx::query_as(
            r#"SELECT t.id, t."userId", u."isAdmin", t."lastUsedAt"
               FROM api_token t JOIN "user" u ON u.id = t."userId"
               WHERE t."tokenHash" = $1 AND t."revokedAt" IS NULL AND u.disabled = 0"#,
        )
        .bind(hash.to_owned())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| TokenOwner {
            token_id: TokenId::from_raw(row.id),
            user_id: UserId::from_raw(row.user_id),
            is_admin: row.is_admin != 0,
            last_used_at: row.last_used_at.map(Timestamp::from_millis),
        }))
    }

    /// The user's tokens, newest first (never the secrets, which are not stored).
    pub async fn list_tokens(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            r#"SELECT id, name, prefix, "createdAt", "lastUsedAt", "revokedAt" FROM api_token
               WHERE "userId" = $1 ORDER BY "createdAt" DESC, id"#,
        )
        .bind(user.as_str().to_owned())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| TokenRecord {
                id: TokenId::from_raw(row.id),
                name: row.name,
                prefix: row.prefix,
                created_at: Timestamp::from_millis(row.created_at),
                last_used_at: row.last_used_at.map(Timestamp::from_millis),
                revoked_at: row.revoked_at.map(Timestamp::from_millis),
            })
            .collect())
    }

    /// Revokes one of the user's tokens; `false` if there is no such live token.
    pub async fn revoke_token(&self, user: &UserId, id: &TokenId) -> Result<bool, StoreError> {
        let done = sqlx::query(r#"UPDATE api_token SET "revokedAt" = $1 WHERE id = $2 AND "userId" = $3 AND "revokedAt" IS NULL"#)
            .bind(Timestamp::now().millis())
            .bind(id.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records that a token was used.
    pub async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        sqlx::query(r#"UPDATE api_token SET "lastUsedAt" = $1 WHERE id = $2"#)
            .bind(at.millis())
            .bind(id.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
