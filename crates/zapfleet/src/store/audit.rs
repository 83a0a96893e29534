//! The audit log: lines are added and read, never changed (the table refuses
//! updates); only the retention purge removes old ones.

use super::sql::Sql;
use super::{Store, StoreError};
use crate::domain::{AuditAction, AuditEvent, Email, RequestMeta, Timestamp, UserId};
use serde_json::Value;
use sqlx::types::Json;

/// A line to add.
#[derive(Debug, Clone)]
pub struct NewAuditEvent {
    /// When.
    pub at: Timestamp,
    /// Whose action, if an account is known.
    pub user_id: Option<UserId>,
    /// The e-mail to show; `None` takes the account's current one.
    pub actor_email: Option<String>,
    /// What was done.
    pub action: AuditAction,
    /// What it was done to.
    pub target_id: Option<String>,
    /// The target's name at the time.
    pub target_name: Option<String>,
    /// From where.
    pub meta: RequestMeta,
    /// A few facts, never a secret.
    pub detail: Value,
}

/// Which lines to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this account's lines (`None`: everyone's).
    pub user: Option<UserId>,
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only lines older than this one (the cursor).
    pub before: Option<i64>,
    /// Page size (the caller caps it).
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
#[sqlx(rename_all = "camelCase")]
struct AuditRow {
    id: i64,
    at: Timestamp,
    user_id: Option<UserId>,
    actor_email: Option<String>,
    action: AuditAction,
    target_id: Option<String>,
    target_name: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: Json<Value>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        Self {
            id: row.id,
            at: row.at,
            user_id: row.user_id,
            actor_email: row.actor_email,
            action: row.action,
            target_id: row.target_id,
            target_name: row.target_name,
            ip: row.ip,
            user_agent: row.user_agent,
            detail: row.detail.0,
        }
    }
}

impl Store {
    /// Adds a line. The actor's e-mail, when not given, is the account's at
    /// this moment (read in the same statement).
    pub async fn insert_audit_event(&self, event: NewAuditEvent) -> Result<(), StoreError> {
        let user_id = event.user_id.as_ref().map(|u| u.as_str().to_owned());
        self.execute(
            Sql::new(
                r#"INSERT INTO audit_event (at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail)
                   VALUES ($1, $2, COALESCE($3, (SELECT email FROM "user" WHERE id = $2)), $4, $5, $6, $7, $8, $9)"#,
            )
            .bind(event.at)
            .bind(user_id)
            .bind(event.actor_email)
            .bind(event.action)
            .bind(event.target_id)
            .bind(event.target_name)
            .bind(event.meta.ip)
            .bind(event.meta.user_agent)
            .bind(event.detail),
        )
        .await?;
        Ok(())
    }

    /// A page of lines, newest first, and whether older ones remain.
    pub async fn list_audit_events(
        &self,
        query: &AuditQuery,
    ) -> Result<(Vec<AuditEvent>, bool), StoreError> {
        let mut sql = Sql::default();
        let mut conditions = Vec::new();
        if let Some(user) = &query.user {
            conditions.push(format!(r#""userId" = {}"#, sql.arg(user)));
        }
        if let Some(action) = query.action {
            conditions.push(format!("action = {}", sql.arg(action)));
        }
        if let Some(before) = query.before {
            conditions.push(format!("id < {}", sql.arg(before)));
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conditions.join(" AND "))
        };
        // One row more than asked tells whether a next page exists.
        let limit = sql.arg(i64::from(query.limit) + 1);
        sql.push(&format!(
            r#"SELECT id, at, "userId", "actorEmail", action, "targetId", "targetName", ip, "userAgent", detail
               FROM audit_event {filter} ORDER BY id DESC LIMIT {limit}"#
        ));
        let rows: Vec<AuditRow> = self.fetch_all(sql).await?;
        let mut events: Vec<AuditEvent> = rows.into_iter().map(Into::into).collect();
        let more = events.len() > query.limit as usize;
        events.truncate(query.limit as usize);
        Ok((events, more))
    }
}

impl Store {
    /// The e-mail of an account, if it exists (to name it as an action's target).
    pub async fn user_email(&self, user: &UserId) -> Result<Option<Email>, StoreError> {
        let row: Option<(Email,)> = self
            .fetch_optional(Sql::new(r#"SELECT email FROM "user" WHERE id = $1"#).bind(user))
            .await?;
        Ok(row.map(|(email,)| email))
    }
}
