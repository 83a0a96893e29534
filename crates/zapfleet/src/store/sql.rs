//! The one way SQL runs here: a text with `$n` placeholders and typed arguments,
//! bound natively for SQLite or PostgreSQL. Most statements are the same text on
//! both; where the dialects differ, the caller picks the text by
//! [`Backend`](super::Backend). Arguments carry their type even when NULL, so
//! PostgreSQL always knows what a placeholder is.

use crate::domain::{Day, Timestamp};
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, AssertSqlSafe, FromRow};

/// A typed argument.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    /// `timestamptz` on PostgreSQL, Unix milliseconds on SQLite.
    Time(Option<Timestamp>),
    /// `jsonb` on PostgreSQL, text on SQLite.
    Json(Value),
    /// `date` on PostgreSQL, `YYYY-MM-DD` on SQLite.
    Day(Day),
}

/// SQL text and its arguments, numbered as they are added.
#[derive(Debug, Default)]
pub(super) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// A statement whose placeholders are filled by [`Sql::bind`], in order.
    pub(super) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            args: Vec::new(),
        }
    }

    /// Adds the next argument.
    pub(super) fn bind(mut self, value: impl Into<Arg>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Adds an argument and returns its placeholder (`$3`), for SQL built piece by piece.
    pub(super) fn arg(&mut self, value: impl Into<Arg>) -> String {
        self.args.push(value.into());
        format!("${}", self.args.len())
    }

    /// Appends text (for SQL built piece by piece).
    pub(super) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(super) fn sqlite(self) -> Result<(AssertSqlSafe<String>, SqliteArguments), sqlx::Error> {
        let mut out = SqliteArguments::default();
        let added = self.args.into_iter().try_for_each(|arg| match arg {
            Arg::Text(v) => out.add(v),
            Arg::Int(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Time(v) => out.add(v.map(Timestamp::millis)),
            Arg::Json(v) => out.add(v.to_string()),
            Arg::Day(v) => out.add(v.to_string()),
        });
        added.map_err(sqlx::Error::Encode)?;
        Ok((AssertSqlSafe(self.text), out))
    }

    pub(super) fn postgres(self) -> Result<(AssertSqlSafe<String>, PgArguments), sqlx::Error> {
        let mut out = PgArguments::default();
        let added = self.args.into_iter().try_for_each(|arg| match arg {
            Arg::Text(v) => out.add(v),
            Arg::Int(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Time(v) => out.add(v.map(Timestamp::to_offset_date_time)),
            Arg::Json(v) => out.add(sqlx::types::Json(v)),
            Arg::Day(v) => out.add(v.date()),
        });
        added.map_err(sqlx::Error::Encode)?;
        Ok((AssertSqlSafe(self.text), out))
    }
}

/// A row type readable from both backends (`#[derive(sqlx::FromRow)]` gives both).
pub(super) trait FromRows:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

impl<T> FromRows for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// An executor of either backend: a pool, or a transaction's connection.
pub(super) enum Either<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// Runs `$sql` as `sqlx::$query(…).$method(executor)` on whichever backend `$on` is.
macro_rules! run {
    ($on:expr, $sql:expr, rows_affected) => {{
        match $on {
            $crate::store::sql::Either::Sqlite(executor) => match $sql.sqlite() {
                Ok((text, args)) => sqlx::query_with(text, args)
                    .execute(executor)
                    .await
                    .map(|done| done.rows_affected()),
                Err(error) => Err(error),
            },
            $crate::store::sql::Either::Postgres(executor) => match $sql.postgres() {
                Ok((text, args)) => sqlx::query_with(text, args)
                    .execute(executor)
                    .await
                    .map(|done| done.rows_affected()),
                Err(error) => Err(error),
            },
        }
    }};
    ($on:expr, $sql:expr, $query:ident . $method:ident) => {{
        match $on {
            $crate::store::sql::Either::Sqlite(executor) => match $sql.sqlite() {
                Ok((text, args)) => sqlx::$query(text, args).$method(executor).await,
                Err(error) => Err(error),
            },
            $crate::store::sql::Either::Postgres(executor) => match $sql.postgres() {
                Ok((text, args)) => sqlx::$query(text, args).$method(executor).await,
                Err(error) => Err(error),
            },
        }
    }};
}

pub(super) use run;

/// Turns a value into a typed argument.
macro_rules! arg_from {
    ($($ty:ty => |$v:ident| $body:expr),+ $(,)?) => {$(
        impl From<$ty> for Arg {
            fn from($v: $ty) -> Self {
                $body
            }
        }
    )+};
}

arg_from! {
    &str => |v| Arg::Text(Some(v.to_owned())),
    String => |v| Arg::Text(Some(v)),
    &String => |v| Arg::Text(Some(v.clone())),
    Option<String> => |v| Arg::Text(v),
    Option<&str> => |v| Arg::Text(v.map(str::to_owned)),
    i64 => |v| Arg::Int(Some(v)),
    Option<i64> => |v| Arg::Int(v),
    bool => |v| Arg::Bool(v),
    Timestamp => |v| Arg::Time(Some(v)),
    Option<Timestamp> => |v| Arg::Time(v),
    Value => |v| Arg::Json(v),
    Day => |v| Arg::Day(v),
}
