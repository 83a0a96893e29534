//! Listing a user's instances: search, filter, sort and keyset pages.

use super::instances::{COLUMNS, InstanceRow};
use super::sql::{Arg, Sql};
use super::{Backend, Store, StoreError};
use crate::domain::{
    Cursor, Instance, InstanceSort, InstanceStatus, SortField, SortValue, Timestamp, UserId,
    instance_name::fold_for_search,
};

/// The shortest text the trigram indexes can find; shorter searches scan the
/// user's instances (they match so many that the scan stops early anyway).
const TRIGRAM_CHARS: usize = 3;

/// How a page is chosen.
#[derive(Debug, Clone)]
pub enum Pagination {
    /// Page numbers from 1 (simple, but deep pages cost more).
    Page(u32),
    /// After the row a cursor points at; `None` for the first page.
    After(Option<Cursor>),
}

/// A list request, already validated.
#[derive(Debug, Clone)]
pub struct InstanceQuery {
    /// Case-insensitive text found in the name, or digits found in the phone.
    pub search: Option<String>,
    /// Only instances in this state.
    pub status: Option<InstanceStatus>,
    /// Order.
    pub sort: InstanceSort,
    /// Which page.
    pub pagination: Pagination,
    /// Page size (the caller caps it).
    pub limit: u32,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct InstancePage {
    /// The rows.
    pub items: Vec<Instance>,
    /// How many instances match the filters in all.
    pub total: i64,
    /// Where the next page starts, if there is one.
    pub next: Option<Cursor>,
}

/// Escapes LIKE wildcards so a search for `50%` finds the text `50%`.
fn like_contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The condition "`column` contains `text`", through the engine's trigram
/// index: an FTS5 `MATCH` on SQLite, a `LIKE` that `pg_trgm` answers on
/// PostgreSQL. `column` is `"searchKey"` or `phone`, both indexed.
fn contains(sql: &mut Sql, backend: Backend, column: &str, text: &str) -> String {
    if backend == Backend::Sqlite && text.chars().count() >= TRIGRAM_CHARS {
        // A phrase in one column: the trigram tokenizer makes it a substring search.
        let phrase = format!(
            "{{{}}} : \"{}\"",
            column.trim_matches('"'),
            text.replace('"', "\"\"")
        );
        let phrase_ref = sql.arg(phrase);
        format!(
            "i.rowid IN (SELECT rowid FROM instance_search WHERE instance_search MATCH {phrase_ref})"
        )
    } else {
        let pattern_ref = sql.arg(like_contains(text));
        format!(r#"i.{column} LIKE {pattern_ref} ESCAPE '\'"#)
    }
}

/// The SQL expression a sort field orders by. Never-connected instances sort
/// as the oldest connections (the epoch).
fn sort_column(field: SortField, backend: Backend) -> &'static str {
    match (field, backend) {
        (SortField::Name, _) => r#"i."nameKey""#,
        (SortField::CreatedAt, _) => r#"i."createdAt""#,
        (SortField::UpdatedAt, _) => r#"i."updatedAt""#,
        (SortField::Status, _) => "i.status",
        (SortField::LastConnection, Backend::Sqlite) => r#"COALESCE(i."lastConnection", 0)"#,
        (SortField::LastConnection, Backend::Postgres) => {
            r#"COALESCE(i."lastConnection", 'epoch'::timestamptz)"#
        }
    }
}

fn sort_value(instance: &Instance, field: SortField) -> SortValue {
    match field {
        SortField::Name => SortValue::Text(instance.name.key()),
        SortField::CreatedAt => SortValue::Int(instance.created_at.millis()),
        SortField::UpdatedAt => SortValue::Int(instance.updated_at.millis()),
        SortField::Status => SortValue::Text(instance.status.as_str().to_owned()),
        SortField::LastConnection => {
            SortValue::Int(instance.last_connection.map_or(0, Timestamp::millis))
        }
    }
}

/// A cursor's value as an argument: times are bound as times.
fn cursor_arg(value: &SortValue) -> Arg {
    match value {
        SortValue::Int(ms) => Arg::Time(Some(Timestamp::from_millis(*ms))),
        SortValue::Text(text) => Arg::Text(Some(text.clone())),
    }
}

/// The WHERE conditions of a list request, their arguments added to `sql`.
/// A search matches the name without regard to case or accents ("sao" finds
/// "São"), or, when it holds digits, those digits in the phone.
fn filters(sql: &mut Sql, backend: Backend, user: &UserId, query: &InstanceQuery) -> Vec<String> {
    let mut filters = vec![format!(r#"i."userId" = {}"#, sql.arg(user))];
    if let Some(search) = query.search.as_deref() {
        let name = contains(sql, backend, r#""searchKey""#, &fold_for_search(search));
        let digits: String = search.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            filters.push(name);
        } else {
            let phone = contains(sql, backend, "phone", &digits);
            filters.push(format!("({name} OR {phone})"));
        }
    }
    if let Some(status) = query.status {
        filters.push(format!("i.status = {}", sql.arg(status)));
    }
    filters
}

impl Store {
    /// One page of the user's instances, with the total matching the filters.
    pub async fn list_instances(
        &self,
        user: &UserId,
        query: &InstanceQuery,
    ) -> Result<InstancePage, StoreError> {
        let mut count = Sql::default();
        let conditions = filters(&mut count, self.backend(), user, query);
        count.push(&format!(
            "SELECT COUNT(*) FROM whatsapp_instance i WHERE {}",
            conditions.join(" AND ")
        ));
        let (total,): (i64,) = self.fetch_one(count).await?;

        let mut page = Sql::default();
        let mut conditions = filters(&mut page, self.backend(), user, query);
        let column = sort_column(query.sort.field, self.backend());
        let (direction, comparison) = if query.sort.descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        let mut offset = 0_i64;
        match &query.pagination {
            Pagination::Page(number) => {
                offset = i64::from(number.saturating_sub(1)) * i64::from(query.limit)
            }
            Pagination::After(Some(cursor)) => {
                let value_ref = page.arg(cursor_arg(&cursor.value));
                let id_ref = page.arg(cursor.id.as_str());
                conditions.push(format!(
                    "({column}, i.id) {comparison} ({value_ref}, {id_ref})"
                ));
            }
            Pagination::After(None) => {}
        }
        // One row more than asked tells whether a next page exists.
        let limit_ref = page.arg(i64::from(query.limit) + 1);
        let offset_ref = page.arg(offset);
        page.push(&format!(
            "SELECT {COLUMNS} FROM whatsapp_instance i WHERE {} ORDER BY {column} {direction}, i.id {direction} LIMIT {limit_ref} OFFSET {offset_ref}",
            conditions.join(" AND ")
        ));
        let rows: Vec<InstanceRow> = self.fetch_all(page).await?;
        let mut items: Vec<Instance> = rows.into_iter().map(Into::into).collect();
        let has_more = items.len() > query.limit as usize;
        items.truncate(query.limit as usize);
        let next = match items.last() {
            Some(last) if has_more => Some(Cursor {
                field: query.sort.field,
                descending: query.sort.descending,
                value: sort_value(last, query.sort.field),
                id: last.id.as_str().to_owned(),
            }),
            _ => None,
        };
        Ok(InstancePage { items, total, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
