//! What the storage layer fails with.

/// Which uniqueness rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    /// An account with this e-mail exists.
    UserEmail,
    /// The user has an instance with this name (without regard to case).
    InstanceName,
    /// The random instance key collided (practically never).
    InstanceKey,
    /// The API token hash collided (practically never).
    TokenHash,
    /// The webhook secret hash collided (practically never).
    WebhookSecret,
    /// A message with this idempotency key exists on the instance.
    IdempotencyKey,
    /// A message with this WhatsApp id exists on the instance.
    ProviderMessageId,
    /// Only the server's first account may be created this way, and it exists.
    FirstAccount,
    /// A primary key or another rule.
    Other,
}

/// How each backend names the rule: PostgreSQL gives the constraint (or unique
/// index) name, SQLite the columns (`UNIQUE constraint failed: t.a, t.b`).
const RULES: &[(&str, &str, Unique)] = &[
    ("user_email_key", "user.email", Unique::UserEmail),
    (
        "whatsapp_instance_user_name",
        "whatsapp_instance.namekey",
        Unique::InstanceName,
    ),
    (
        "whatsapp_instance_instancekey_key",
        "whatsapp_instance.instancekey",
        Unique::InstanceKey,
    ),
    (
        "api_token_tokenhash_key",
        "api_token.tokenhash",
        Unique::TokenHash,
    ),
    (
        "whatsapp_instance_webhook_secret",
        "whatsapp_instance.webhooksecrethash",
        Unique::WebhookSecret,
    ),
    (
        "message_idempotency",
        "message.idempotencykey",
        Unique::IdempotencyKey,
    ),
    (
        "message_provider_id",
        "message.providermessageid",
        Unique::ProviderMessageId,
    ),
];

impl Unique {
    /// Reads the rule from a unique violation.
    fn of(error: &dyn sqlx::error::DatabaseError) -> Self {
        let constraint = error.constraint().unwrap_or_default().to_lowercase();
        let message = error.message().to_lowercase();
        RULES
            .iter()
            .find(|(name, columns, _)| constraint == *name || message.contains(columns))
            .map_or(Self::Other, |(_, _, rule)| *rule)
    }
}

/// Failures of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write.
    #[error("a record with the same unique value exists ({0:?})")]
    Conflict(Unique),
    /// `DATABASE_URL` names neither SQLite nor PostgreSQL.
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    /// A stored value that the domain refuses (hand-edited row, newer schema…).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Could not create the SQLite file's folder.
    #[error("cannot create the database folder: {0}")]
    Io(#[from] std::io::Error),
    /// The database refused or could not be reached.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(Unique::of(db.as_ref()))
            }
            sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) => {
                Self::Corrupt(error.to_string())
            }
            _ => Self::Database(error),
        }
    }
}

impl StoreError {
    /// Whether the database's disk is full: SQLite's `SQLITE_FULL` (13, also
    /// as the primary code of an extended one), PostgreSQL's `disk_full`
    /// (53100). Nothing was written; it works again once there is space.
    pub fn is_storage_full(&self) -> bool {
        let Self::Database(sqlx::Error::Database(db)) = self else {
            return false;
        };
        let code = db.code().unwrap_or_default();
        let sqlite_full = code
            .parse::<i64>()
            .is_ok_and(|extended| extended & 0xff == 13);
        sqlite_full || code == "53100" || db.message().contains("database or disk is full")
    }

    /// Whether the database could not be reached (rather than refusing).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            Self::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)
            )
        )
    }
}
