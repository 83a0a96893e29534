//! All SQL lives here. One pool of sqlx's `Any` driver serves SQLite and PostgreSQL
//! with the same query texts and the same migrations; nothing outside this module
//! sees sqlx.

mod connection;
mod forwarding;
mod instances;
mod messages;
mod sessions;
mod sql;
mod tokens;
mod users;

pub use connection::{HistoryEntry, ProviderLink, Reconnect, StatusChange};
pub use forwarding::Delivery;
pub use instances::{InstanceChanges, InstancePage, InstanceQuery, NewInstance, Pagination};
pub use messages::{Counter, DayStats, MessageRecord, NewMessage};
pub use sessions::SessionUser;
pub use tokens::{NewToken, TokenOwner, TokenRecord};
pub use users::{NewUser, UserRecord};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::path::Path;
use std::time::Duration;

/// The database engine behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A local SQLite file (WAL mode).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Reads the engine from a `DATABASE_URL`.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }
}

/// Failures of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (duplicate name, e-mail…).
    #[error("a record with the same unique value exists")]
    Conflict,
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
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict,
            _ => Self::Database(error),
        }
    }
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

impl Store {
    /// Connects (creating the SQLite file and its folder if needed). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let max_connections = match backend {
            Backend::Sqlite => {
                if let Some(parent) = sqlite_path(url).and_then(|p| p.parent())
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)?;
                }
                8
            }
            Backend::Postgres => 16,
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // Writers queue instead of failing at once; foreign keys are
                        // off by default in SQLite.
                        conn.execute("PRAGMA busy_timeout = 15000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect(&sqlite_create_mode(url, backend))
            .await?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: set once, readers never block the writer.
            pool.execute("PRAGMA journal_mode = WAL").await?;
        }
        Ok(Self { pool, backend })
    }

    /// Applies pending migrations; safe to run concurrently and repeatedly.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file path in a `sqlite:` URL, if it names a file.
fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

/// SQLite opens read-write but will not create the file unless asked: ask, unless
/// the URL already says what it wants.
fn sqlite_create_mode(url: &str, backend: Backend) -> String {
    if backend == Backend::Sqlite && !url.contains("mode=") {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}mode=rwc")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_sqlite_path_from_urls() {
        assert_eq!(
            sqlite_path("sqlite://./data/z.db?mode=rwc"),
            Some(Path::new("./data/z.db"))
        );
        assert_eq!(sqlite_path("sqlite:z.db"), Some(Path::new("z.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(
            sqlite_create_mode("sqlite:z.db", Backend::Sqlite),
            "sqlite:z.db?mode=rwc"
        );
        assert_eq!(
            sqlite_create_mode("sqlite:z.db?mode=ro", Backend::Sqlite),
            "sqlite:z.db?mode=ro"
        );
    }

    #[test]
    fn refuses_unknown_databases() {
        assert!(matches!(
            Backend::from_url("mysql://x"),
            Err(StoreError::UnsupportedUrl)
        ));
        assert_eq!(
            Backend::from_url("postgresql://x").unwrap(),
            Backend::Postgres
        );
    }
}
