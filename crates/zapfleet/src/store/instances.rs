//! The `whatsapp_instance` table.

use super::sql::{Arg, Sql};
use super::{Store, StoreError};
use crate::domain::{
    Cursor, Instance, InstanceId, InstanceKey, InstanceName, InstanceSort, InstanceStatus, Login,
    LoginMethod, Phone, ProvisionState, SortField, SortValue, Timestamp, UserId,
};
use sqlx::AssertSqlSafe;

pub(super) const COLUMNS: &str = r#"id, name, phone, status, "userId", "instanceKey", "createdAt", "updatedAt", "lastConnection", config,
    "provisionState", "provisionError", "profileName", "loggedOut", "loginMethod", "loginCode", "loginExpiresAt""#;

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
pub(super) struct InstanceRow {
    id: String,
    name: String,
    phone: Option<String>,
    status: String,
    user_id: String,
    instance_key: String,
    created_at: i64,
    updated_at: i64,
    last_connection: Option<i64>,
    config: String,
    provision_state: String,
    provision_error: Option<String>,
    profile_name: Option<String>,
    logged_out: i64,
    login_method: Option<String>,
    login_code: Option<String>,
    login_expires_at: Option<i64>,
}

impl TryFrom<InstanceRow> for Instance {
    type Error = StoreError;

    fn try_from(row: InstanceRow) -> Result<Self, StoreError> {
        let status = row
            .status
            .parse::<InstanceStatus>()
            .map_err(|e| StoreError::Corrupt(format!("instance {}: {e}", row.id)))?;
        let config = serde_json::from_str(&row.config)
            .map_err(|e| StoreError::Corrupt(format!("instance {} config: {e}", row.id)))?;
        let provision_state = row
            .provision_state
            .parse::<ProvisionState>()
            .map_err(|e| StoreError::Corrupt(format!("instance {}: {e}", row.id)))?;
        let login = match (
            row.login_method.as_deref().and_then(LoginMethod::parse),
            row.login_code,
            row.login_expires_at,
        ) {
            (Some(method), Some(code), Some(expires)) => Some(Login {
                method,
                code,
                expires_at: Timestamp::from_millis(expires),
            }),
            _ => None,
        };
        Ok(Instance {
            id: InstanceId::from_raw(row.id),
            user_id: UserId::from_raw(row.user_id),
            name: InstanceName::from_stored(row.name),
            phone: row.phone.map(Phone::from_stored),
            status,
            instance_key: InstanceKey::from_stored(row.instance_key),
            created_at: Timestamp::from_millis(row.created_at),
            updated_at: Timestamp::from_millis(row.updated_at),
            last_connection: row.last_connection.map(Timestamp::from_millis),
            config,
            provision_state,
            provision_error: row.provision_error,
            profile_name: row.profile_name,
            logged_out: row.logged_out != 0,
            login,
        })
    }
}

/// What a new instance is made of; the store adds ids, key, times and defaults.
#[derive(Debug, Clone)]
pub struct NewInstance {
    /// Owner.
    pub user_id: UserId,
    /// Validated name.
    pub name: InstanceName,
    /// Validated phone.
    pub phone: Option<Phone>,
    /// The per-instance webhook secret, encrypted.
    pub webhook_secret_sealed: String,
    /// SHA-256 of the webhook secret, hex (how incoming webhooks find the instance).
    pub webhook_secret_hash: String,
}

/// Fields a user may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct InstanceChanges {
    /// New name.
    pub name: Option<InstanceName>,
    /// New phone (`Some(None)` clears it).
    pub phone: Option<Option<Phone>>,
}

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

/// The SQL expression a sort field orders by.
fn sort_column(field: SortField) -> &'static str {
    match field {
        SortField::Name => r#""nameKey""#,
        SortField::CreatedAt => r#""createdAt""#,
        SortField::UpdatedAt => r#""updatedAt""#,
        SortField::Status => "status",
        SortField::LastConnection => r#"COALESCE("lastConnection", -1)"#,
    }
}

fn sort_value(instance: &Instance, field: SortField) -> SortValue {
    match field {
        SortField::Name => SortValue::Text(instance.name.key()),
        SortField::CreatedAt => SortValue::Int(instance.created_at.millis()),
        SortField::UpdatedAt => SortValue::Int(instance.updated_at.millis()),
        SortField::Status => SortValue::Text(instance.status.as_str().to_owned()),
        SortField::LastConnection => {
            SortValue::Int(instance.last_connection.map_or(-1, Timestamp::millis))
        }
    }
}

impl Store {
    /// Inserts an instance. A name the user already has (in any case) is a
    /// [`StoreError::Conflict`].
    pub async fn insert_instance(&self, new: NewInstance) -> Result<Instance, StoreError> {
        let now = Timestamp::now().millis();
        let sql = format!(
            r#"INSERT INTO whatsapp_instance
               (id, name, "nameKey", phone, status, "userId", "instanceKey", "createdAt", "updatedAt", config,
                "webhookSecret", "webhookSecretHash", "nextProvisionAt")
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, '{{}}', $9, $10, $11)
               RETURNING {COLUMNS}"#
        );
        let row: InstanceRow = sqlx::query_as(AssertSqlSafe(sql))
            .bind(InstanceId::generate().as_str().to_owned())
            .bind(new.name.as_str().to_owned())
            .bind(new.name.key())
            .bind(new.phone.as_ref().map(|p| p.digits().to_owned()))
            .bind(InstanceStatus::Disconnected.as_str())
            .bind(new.user_id.as_str().to_owned())
            .bind(InstanceKey::generate().as_str().to_owned())
            .bind(now)
            .bind(new.webhook_secret_sealed)
            .bind(new.webhook_secret_hash)
            // The creating request provisions it; the provisioner steps in only
            // if that fails or the process dies first.
            .bind(now + 60_000)
            .fetch_one(&self.pool)
            .await?;
        row.try_into()
    }

    /// One instance of this user; another user's instance is `None`, like a missing one.
    pub async fn get_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
    ) -> Result<Option<Instance>, StoreError> {
        let sql =
            format!(r#"SELECT {COLUMNS} FROM whatsapp_instance WHERE id = $1 AND "userId" = $2"#);
        let row: Option<InstanceRow> = sqlx::query_as(AssertSqlSafe(sql))
            .bind(id.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .fetch_optional(&self.pool)
            .await?;
        row.map(Instance::try_from).transpose()
    }

    /// Applies the changes in one statement; `None` if the user has no such instance.
    pub async fn update_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
        changes: InstanceChanges,
    ) -> Result<Option<Instance>, StoreError> {
        let mut sql = Sql::default();
        let now = sql.arg(Arg::Int(Timestamp::now().millis()));
        let mut sets = vec![format!(r#""updatedAt" = {now}"#)];
        if let Some(name) = &changes.name {
            let name_ref = sql.arg(Arg::Text(name.as_str().to_owned()));
            let key_ref = sql.arg(Arg::Text(name.key()));
            sets.push(format!(r#"name = {name_ref}, "nameKey" = {key_ref}"#));
        }
        match &changes.phone {
            Some(Some(phone)) => {
                let phone_ref = sql.arg(Arg::Text(phone.digits().to_owned()));
                sets.push(format!("phone = {phone_ref}"));
            }
            Some(None) => sets.push("phone = NULL".to_owned()),
            None => {}
        }
        let id_ref = sql.arg(Arg::Text(id.as_str().to_owned()));
        let user_ref = sql.arg(Arg::Text(user.as_str().to_owned()));
        sql.text = format!(
            r#"UPDATE whatsapp_instance SET {} WHERE id = {id_ref} AND "userId" = {user_ref} RETURNING {COLUMNS}"#,
            sets.join(", ")
        );
        let row: Option<InstanceRow> = sql.query_as().fetch_optional(&self.pool).await?;
        row.map(Instance::try_from).transpose()
    }

    /// Replaces the settings document; `None` if the user has no such instance.
    pub async fn set_config(
        &self,
        user: &UserId,
        id: &InstanceId,
        config: &serde_json::Value,
    ) -> Result<Option<()>, StoreError> {
        let done = sqlx::query(r#"UPDATE whatsapp_instance SET config = $1, "updatedAt" = $2 WHERE id = $3 AND "userId" = $4"#)
            .bind(config.to_string())
            .bind(Timestamp::now().millis())
            .bind(id.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok((done.rows_affected() > 0).then_some(()))
    }

    /// Deletes; `false` if the user has no such instance.
    pub async fn delete_instance(
        &self,
        user: &UserId,
        id: &InstanceId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(r#"DELETE FROM whatsapp_instance WHERE id = $1 AND "userId" = $2"#)
            .bind(id.as_str().to_owned())
            .bind(user.as_str().to_owned())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// One page of the user's instances, with the total matching the filters.
    pub async fn list_instances(
        &self,
        user: &UserId,
        query: &InstanceQuery,
    ) -> Result<InstancePage, StoreError> {
        let mut sql = Sql::default();
        let mut filters = vec![format!(
            r#""userId" = {}"#,
            sql.arg(Arg::Text(user.as_str().to_owned()))
        )];
        if let Some(search) = query.search.as_deref() {
            let name_ref = sql.arg(Arg::Text(like_contains(
                &crate::domain::instance_name::fold_case(search),
            )));
            let digits: String = search.chars().filter(char::is_ascii_digit).collect();
            if digits.is_empty() {
                filters.push(format!(r#""nameKey" LIKE {name_ref} ESCAPE '\'"#));
            } else {
                let phone_ref = sql.arg(Arg::Text(like_contains(&digits)));
                filters.push(format!(
                    r#"("nameKey" LIKE {name_ref} ESCAPE '\' OR phone LIKE {phone_ref} ESCAPE '\')"#
                ));
            }
        }
        if let Some(status) = query.status {
            filters.push(format!(
                "status = {}",
                sql.arg(Arg::Text(status.as_str().to_owned()))
            ));
        }

        sql.text = format!(
            "SELECT COUNT(*) FROM whatsapp_instance WHERE {}",
            filters.join(" AND ")
        );
        let (total,): (i64,) = sql.query_as().fetch_one(&self.pool).await?;

        let column = sort_column(query.sort.field);
        let (direction, comparison) = if query.sort.descending {
            ("DESC", "<")
        } else {
            ("ASC", ">")
        };
        let mut offset = 0_i64;
        match &query.pagination {
            Pagination::Page(page) => {
                offset = i64::from(page.saturating_sub(1)) * i64::from(query.limit)
            }
            Pagination::After(Some(cursor)) => {
                let value_ref = sql.arg(match &cursor.value {
                    SortValue::Int(i) => Arg::Int(*i),
                    SortValue::Text(s) => Arg::Text(s.clone()),
                });
                let id_ref = sql.arg(Arg::Text(cursor.id.clone()));
                filters.push(format!(
                    "({column}, id) {comparison} ({value_ref}, {id_ref})"
                ));
            }
            Pagination::After(None) => {}
        }
        // One row more than asked tells whether a next page exists.
        let limit_ref = sql.arg(Arg::Int(i64::from(query.limit) + 1));
        let offset_ref = sql.arg(Arg::Int(offset));
        sql.text = format!(
            "SELECT {COLUMNS} FROM whatsapp_instance WHERE {} ORDER BY {column} {direction}, id {direction} LIMIT {limit_ref} OFFSET {offset_ref}",
            filters.join(" AND ")
        );
        let rows: Vec<InstanceRow> = sql.query_as().fetch_all(&self.pool).await?;
        let mut items = rows
            .into_iter()
            .map(Instance::try_from)
            .collect::<Result<Vec<_>, _>>()?;
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
