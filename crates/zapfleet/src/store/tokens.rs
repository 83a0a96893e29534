//! The `api_token` table. Only hashes of the secrets are stored.

use super::sql::Sql;
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
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub struct TokenOwner {
    /// The token.
    #[sqlx(rename = "id")]
    pub token_id: TokenId,
    /// Its owner.
    pub user_id: UserId,
    /// Whether the owner is an admin.
    pub is_admin: bool,
    /// When the token was last seen (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
}

/// A stored token as its owner sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
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

impl Store {
    /// Stores a new token.
    pub async fn insert_token(&self, new: NewToken, now: Timestamp) -> Result<TokenId, StoreError> {
        let id = TokenId::generate();
        self.execute(
            Sql::new(
                r#"INSERT INTO api_token (id, "userId", name, "tokenHash", prefix, "createdAt")
                   VALUES ($1, $2, $3, $4, $5, $6)"#,
            )
            .bind(&id)
            .bind(&new.user_id)
            .bind(new.name.as_str())
            .bind(new.hash)
            .bind(new.prefix)
            .bind(now),
        )
        .await?;
        Ok(id)
    }

    /// The owner of a live token (not revoked, owner not disabled).
    pub async fn find_token_owner(&self, hash: &str) -> Result<Option<TokenOwner>, StoreError> {
        self.fetch_optional(
            Sql::new(
                r#"SELECT t.id, t."userId", u."isAdmin", t."lastUsedAt"
                   FROM api_token t JOIN "user" u ON u.id = t."userId"
                   WHERE t."tokenHash" = $1 AND t."revokedAt" IS NULL AND u.disabled = $2"#,
            )
            .bind(hash)
            .bind(false),
        )
        .await
    }

    /// The user's tokens, newest first (never the secrets, which are not stored).
    pub async fn list_tokens(&self, user: &UserId) -> Result<Vec<TokenRecord>, StoreError> {
        self.fetch_all(
            Sql::new(
                r#"SELECT id, name, prefix, "createdAt", "lastUsedAt", "revokedAt" FROM api_token
                   WHERE "userId" = $1 ORDER BY "createdAt" DESC, id"#,
            )
            .bind(user),
        )
        .await
    }

    /// Revokes one of the user's tokens; `false` if there is no such live token.
    pub async fn revoke_token(
        &self,
        user: &UserId,
        id: &TokenId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self
            .execute(
                Sql::new(
                    r#"UPDATE api_token SET "revokedAt" = $1 WHERE id = $2 AND "userId" = $3 AND "revokedAt" IS NULL"#,
                )
                .bind(now)
                .bind(id)
                .bind(user),
            )
            .await?;
        Ok(changed > 0)
    }

    /// Records that a token was used.
    pub async fn touch_token(&self, id: &TokenId, at: Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(r#"UPDATE api_token SET "lastUsedAt" = $1 WHERE id = $2"#)
                .bind(at)
                .bind(id),
        )
        .await?;
        Ok(())
    }
}
