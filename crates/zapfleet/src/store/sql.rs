//! Dynamically built SQL with positional `$n` arguments (one text for both databases).

use sqlx::AssertSqlSafe;
use sqlx::any::{AnyArguments, AnyRow};

/// A positional argument. Nulls carry their type: PostgreSQL refuses a text NULL
/// in a BIGINT column.
pub(super) enum Arg {
    Int(i64),
    Text(String),
    NullInt,
    NullText,
}

/// SQL text plus its arguments, numbered as they are added.
#[derive(Default)]
pub(super) struct Sql {
    pub(super) text: String,
    args: Vec<Arg>,
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {
        $args.iter().fold($query, |q, arg| match arg {
            Arg::Int(i) => q.bind(*i),
            Arg::Text(s) => q.bind(s.clone()),
            Arg::NullInt => q.bind(None::<i64>),
            Arg::NullText => q.bind(None::<String>),
        })
    };
}

impl Sql {
    /// Adds an argument and returns its placeholder (`$3`).
    pub(super) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    /// A query returning rows of `T`.
    pub(super) fn query_as<'q, T>(&'q self) -> sqlx::query::QueryAs<'q, sqlx::Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        bind_all!(sqlx::query_as(AssertSqlSafe(self.text.clone())), self.args)
    }

    /// A statement whose rows are not read.
    pub(super) fn query(&self) -> sqlx::query::Query<'_, sqlx::Any, AnyArguments> {
        bind_all!(sqlx::query(AssertSqlSafe(self.text.clone())), self.args)
    }
}
