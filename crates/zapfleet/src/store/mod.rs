//! All SQL lives here, behind one [`Store`] API that the rest of the code uses
//! without seeing sqlx. It runs on SQLite or PostgreSQL through their native
//! drivers: the same statement text where the dialects agree, per-backend text
//! where they differ, and one migration folder per backend (a test keeps the two
//! schemas alike).

mod audit;
mod backup_read;
mod config_history;
mod deletions;
mod error;
mod files;
mod instances;
mod links;
mod listing;
mod message_retry;
mod messages;
mod name_keys;
mod outbox;
mod profile;
mod provider_lost;
mod receipt_checks;
mod receipts;
mod restore;
mod restore_usage;
mod retention;
mod schedule;
mod sealed;
mod sessions;
mod sql;
mod stats;
mod status;
mod throttle;
mod tokens;
mod types;
mod users;
mod webhooks;

pub use audit::{AuditQuery, NewAuditEvent};
pub use backup_read::{InstanceDump, MessageDump, StatusChangeDump, TokenDump};
pub use deletions::OwedDeletion;
pub use error::{StoreError, Unique};
pub use instances::{InstanceChanges, NewInstance};
pub use links::ProviderLink;
pub use listing::{InstancePage, InstanceQuery, Pagination};
pub use message_retry::Retried;
pub use messages::{MessageFilter, MessageRecord, NewMedia, NewMessage};
pub use receipt_checks::ReceiptCheck;
pub use restore::{Restore, RestoredInstance};
pub use retention::{Purged, Retention};
pub use sealed::{Resealed, SealedPlace};
pub use sessions::SessionUser;
pub use stats::Counter;
pub use status::{HistoryEntry, StatusChange};
pub use throttle::Gate;
pub use tokens::{NewToken, TokenOwner, TokenRecord};
pub use users::{NewUser, UserRecord};
pub use webhooks::{Attempted, Delivery, NewDelivery};

use sql::{Either, FromRows, Sql, run};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, Postgres};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};
use std::path::Path;
use std::str::FromStr;
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

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// A pooled SQLite connection goes back clean: one left inside a
/// transaction (a COMMIT that failed on a full disk leaves SQLite's
/// transaction open while the caller has moved on) is rolled back, and one
/// that cannot even do that is discarded. Before, such a connection held the
/// write lock for good: every write failed with "database is locked" after
/// space came back, until a restart.
async fn release_clean(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    match sqlx::query("ROLLBACK").execute(&mut *conn).await {
        Ok(_) => {
            tracing::warn!("a pooled connection was left inside a transaction: rolled back");
            Ok(true)
        }
        Err(sqlx::Error::Database(e)) if e.message().contains("no transaction is active") => {
            Ok(true)
        }
        Err(error) => {
            tracing::warn!(%error, "a pooled connection is discarded");
            Ok(false)
        }
    }
}

/// Writers wait this long for SQLite's lock before failing.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);

impl Store {
    /// Connects (creating the SQLite file and its folder if needed). Does not migrate.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = match Backend::from_url(url)? {
            Backend::Sqlite => {
                let file = sqlite_path(url);
                if let Some(path) = file {
                    files::prepare(path)?;
                }
                // WAL: readers never block the writer. Foreign keys are off by
                // default in SQLite.
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(15))
                    .after_release(|conn, _| Box::pin(release_clean(conn)))
                    .connect_with(options)
                    .await?;
                // The first connection made the -wal and -shm files.
                if let Some(path) = file {
                    files::restrict(path)?;
                }
                Pool::Sqlite(pool)
            }
            Backend::Postgres => Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(15))
                    .connect_with(PgConnectOptions::from_str(url)?)
                    .await?,
            ),
        };
        Ok(Self { pool })
    }

    /// Applies pending migrations; safe to run concurrently and repeatedly. (The
    /// upgrade step in `services::upgrade` runs after it.)
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
            Pool::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: (i32,) = self.fetch_one(Sql::new("SELECT 1")).await?;
        Ok(())
    }

    /// Whether the database can write: commits a one-row change (a full disk
    /// answers reads but refuses this), for readiness checks.
    pub async fn write_probe(&self, now: crate::domain::Timestamp) -> Result<(), StoreError> {
        self.execute(
            Sql::new(
                "INSERT INTO app_setting (key, value) VALUES ('ready_probe', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(now.to_rfc3339()),
        )
        .await?;
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(pool) => pool.close().await,
            Pool::Postgres(pool) => pool.close().await,
        }
    }

    /// The text for this backend, where the dialects differ.
    fn dialect(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend() {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }

    fn executor(&self) -> Either<&SqlitePool, &PgPool> {
        match &self.pool {
            Pool::Sqlite(pool) => Either::Sqlite(pool),
            Pool::Postgres(pool) => Either::Postgres(pool),
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout): every transaction
    /// here writes, and a deferred one that read first (as preparing a
    /// statement that touches the FTS5 search table does) cannot upgrade once
    /// another connection has written, failing with "database is locked"
    /// instead of waiting.
    async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    async fn fetch_all<T: FromRows>(&self, sql: Sql) -> Result<Vec<T>, StoreError> {
        Ok(run!(self.executor(), sql, query_as_with.fetch_all)?)
    }

    async fn fetch_optional<T: FromRows>(&self, sql: Sql) -> Result<Option<T>, StoreError> {
        Ok(run!(self.executor(), sql, query_as_with.fetch_optional)?)
    }

    async fn fetch_one<T: FromRows>(&self, sql: Sql) -> Result<T, StoreError> {
        Ok(run!(self.executor(), sql, query_as_with.fetch_one)?)
    }

    /// Runs a statement; returns how many rows it changed.
    async fn execute(&self, sql: Sql) -> Result<u64, StoreError> {
        Ok(run!(self.executor(), sql, rows_affected)?)
    }
}

/// A transaction on either backend; dropped without [`Tx::commit`], it rolls back.
enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    fn executor(&mut self) -> Either<&mut sqlx::SqliteConnection, &mut sqlx::PgConnection> {
        match self {
            Self::Sqlite(tx) => Either::Sqlite(&mut **tx),
            Self::Postgres(tx) => Either::Postgres(&mut **tx),
        }
    }

    async fn commit(self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(tx) => tx.commit().await?,
            Self::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    async fn fetch_all<T: FromRows>(&mut self, sql: Sql) -> Result<Vec<T>, StoreError> {
        Ok(run!(self.executor(), sql, query_as_with.fetch_all)?)
    }

    async fn fetch_optional<T: FromRows>(&mut self, sql: Sql) -> Result<Option<T>, StoreError> {
        Ok(run!(self.executor(), sql, query_as_with.fetch_optional)?)
    }

    async fn execute(&mut self, sql: Sql) -> Result<u64, StoreError> {
        Ok(run!(self.executor(), sql, rows_affected)?)
    }
}

/// The file path in a `sqlite:` URL, if it names a file.
pub fn sqlite_path(url: &str) -> Option<&Path> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::ConnectOptions;

    #[test]
    fn reads_the_sqlite_path_from_urls() {
        assert_eq!(
            sqlite_path("sqlite://./data/z.db?mode=rwc"),
            Some(Path::new("./data/z.db"))
        );
        assert_eq!(sqlite_path("sqlite:z.db"), Some(Path::new("z.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
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

    /// A connection that goes back to the pool inside a write transaction
    /// (as after a COMMIT that failed on a full disk) must not hold SQLite's
    /// write lock for good: before, every later write failed with "database
    /// is locked".
    #[tokio::test]
    async fn a_connection_left_in_a_transaction_is_rolled_back_on_release() {
        let dir = std::env::temp_dir().join(format!(
            "zapfleet-release-{:x}",
            u64::from_le_bytes(crate::crypto::random_bytes::<8>())
        ));
        let url = format!("sqlite://{}", dir.join("z.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        let Pool::Sqlite(pool) = &store.pool else {
            unreachable!()
        };
        let mut conn = pool.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO app_setting (key, value) VALUES ('left', 'open')")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);
        // Another writer (its own connection, not the pool's) gets the lock
        // within its busy timeout, and the abandoned write is gone.
        let mut other = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .busy_timeout(Duration::from_secs(5))
            .connect()
            .await
            .unwrap();
        let written = sqlx::query("INSERT INTO app_setting (key, value) VALUES ('other', 'ok')")
            .execute(&mut other)
            .await;
        assert!(written.is_ok(), "{written:?}");
        let left: Option<(String,)> =
            sqlx::query_as("SELECT value FROM app_setting WHERE key = 'left'")
                .fetch_optional(&mut other)
                .await
                .unwrap();
        assert_eq!(left, None, "rolled back");
        drop(other);
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
