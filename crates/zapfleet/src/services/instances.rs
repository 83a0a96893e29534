//! Creating, reading, listing, changing and deleting instances.

use super::audit::{self, Actor, Target};
use super::credentials::{Sealed, open};
use super::platform::Platform;
use super::provisioning::provision_now;
use super::webhooks::secret_hash;
use crate::domain::{
    AuditAction, Cursor, EventKind, Instance, InstanceId, InstanceName, InstanceSort,
    InstanceStatus, Phone, TimeZone, UserId,
};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::store::{InstanceChanges, InstancePage, InstanceQuery, NewInstance, Pagination};
use std::collections::HashMap;

/// Largest page a list returns.
pub const MAX_LIMIT: u32 = 200;
/// Page size when none is asked for.
pub const DEFAULT_LIMIT: u32 = 50;

/// A create request as received.
#[derive(Debug, Clone)]
pub struct CreateInstance {
    /// Display name.
    pub name: String,
    /// Phone number as typed.
    pub phone: String,
}

/// A change request as received; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UpdateInstance {
    /// New name.
    pub name: Option<String>,
    /// New phone (`Some(None)` clears it).
    pub phone: Option<Option<String>>,
}

/// A list request as received (query string values).
#[derive(Debug, Clone, Default)]
pub struct ListInstances {
    /// Search text.
    pub q: Option<String>,
    /// Status filter.
    pub status: Option<String>,
    /// Sort (`name`, `-createdAt`…).
    pub sort: Option<String>,
    /// Page number from 1.
    pub page: Option<u32>,
    /// Cursor from a previous page.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
}

fn parse_name(name: &str) -> Result<InstanceName, AppError> {
    InstanceName::parse(name).map_err(|e| AppError::invalid("name", e))
}

fn parse_phone(phone: &str) -> Result<Phone, AppError> {
    Phone::parse(phone).map_err(|e| AppError::invalid("phone", e))
}

/// How long the creating request has to provision before the provisioner may step in.
const PROVISION_GRACE_MS: i64 = 60_000;

/// Creates an instance for `user` and, right away, its twin at the provider. If
/// the provider fails, the instance is kept (its `provisionError` says why) and
/// the provisioner retries in the background.
#[tracing::instrument(skip_all, fields(user = %user))]
pub async fn create(
    platform: &Platform,
    user: &UserId,
    input: CreateInstance,
) -> Result<Instance, AppError> {
    let name = parse_name(&input.name)?;
    let phone = parse_phone(&input.phone)?;
    let secret = nanoid::nanoid!(43);
    let new = NewInstance {
        user_id: user.clone(),
        name,
        phone: Some(phone),
        webhook_secret_sealed: platform.secrets.encrypt(&secret),
        webhook_secret_hash: secret_hash(&secret),
    };
    let now = platform.now();
    let instance = platform
        .store
        .insert_instance(new, now, now.plus_millis(PROVISION_GRACE_MS))
        .await?;
    tracing::info!(instance = %instance.id, "instance created");
    let target = Target::new(&instance.id, Some(&instance.name.to_string()));
    let detail = serde_json::json!({});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::InstanceCreated,
        target,
        detail,
    )
    .await;
    if let Err(error) = provision_now(platform, &instance.id).await {
        tracing::warn!(instance = %instance.id, %error, "provider not reached; provisioning continues in the background");
    }
    platform.events.publish(
        user,
        EventKind::InstanceCreated,
        serde_json::json!({"id": instance.id}),
    );
    get(platform, user, &instance.id).await
}

/// One of the user's instances; 404 for anything else.
pub async fn get(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
) -> Result<Instance, AppError> {
    platform
        .store
        .get_instance(user, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renames and/or changes the phone.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn update(
    platform: &Platform,
    user: &UserId,
    id: &InstanceId,
    input: UpdateInstance,
) -> Result<Instance, AppError> {
    let changes = InstanceChanges {
        name: input.name.as_deref().map(parse_name).transpose()?,
        phone: match input.phone {
            Some(Some(phone)) => Some(Some(parse_phone(&phone)?)),
            Some(None) => Some(None),
            None => None,
        },
    };
    platform
        .store
        .update_instance(user, id, changes, platform.now())
        .await?
        .ok_or(AppError::NotFound)
}

/// Deletes one of the user's instances, here and at the provider. If the
/// provider cannot be reached, the deletion there is owed and retried.
#[tracing::instrument(skip_all, fields(user = %user, instance = %id))]
pub async fn delete(platform: &Platform, user: &UserId, id: &InstanceId) -> Result<(), AppError> {
    let store = &platform.store;
    // Its name, for the audit log (the row is about to go).
    let name = store
        .get_instance(user, id)
        .await?
        .map(|i| i.name.to_string());
    let token_sealed = store
        .provider_link(id)
        .await?
        .filter(|l| l.user_id == *user)
        .and_then(|l| l.token_sealed);
    if !store.delete_instance(user, id).await? {
        return Err(AppError::NotFound);
    }
    tracing::info!("instance deleted");
    let target = Target::new(id, name.as_deref());
    let detail = serde_json::json!({});
    audit::record(
        platform,
        Actor::user(user),
        AuditAction::InstanceDeleted,
        target,
        detail,
    )
    .await;
    platform.events.publish(
        user,
        EventKind::InstanceDeleted,
        serde_json::json!({"id": id}),
    );
    if let Some(sealed) = token_sealed {
        // A token that does not open stays owed too: the session would go on
        // running at the provider if the deletion were dropped.
        let deleted = match open(platform, Sealed::ProviderToken, &sealed) {
            Ok(token) => platform
                .provider
                .delete(&token)
                .await
                .map_err(AppError::from),
            Err(error) => Err(error),
        };
        if let Err(error) = deleted {
            tracing::warn!(%error, "provider deletion owed; retried in the background");
            store
                .queue_provider_deletion(&sealed, platform.now())
                .await?;
        }
    }
    Ok(())
}

/// A page of the user's instances.
pub async fn list(
    platform: &Platform,
    user: &UserId,
    input: ListInstances,
) -> Result<InstancePage, AppError> {
    let query = list_query(input)?;
    Ok(platform.store.list_instances(user, &query).await?)
}

/// Messages sent and received in the last 30 days by each of these instances
/// (for a page of the list).
pub async fn recent_usage(
    platform: &Platform,
    zone: &TimeZone,
    instances: &[Instance],
) -> Result<HashMap<InstanceId, (i64, i64)>, AppError> {
    let ids: Vec<InstanceId> = instances.iter().map(|i| i.id.clone()).collect();
    let since = super::stats::today_in(platform, zone).plus_days(-29);
    Ok(platform.store.usage_since(&ids, since).await?)
}

fn bad_query(message: Msg, field: &str) -> AppError {
    AppError::BadRequest {
        message,
        detail: None,
        field: Some(field.to_owned()),
    }
}

/// Validates list parameters; each mistake names its parameter.
fn list_query(input: ListInstances) -> Result<InstanceQuery, AppError> {
    // Names hold no control characters, so a search with them finds nothing
    // more without them; PostgreSQL would refuse a NUL (a 500).
    let search = input
        .q
        .map(|q| {
            q.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|q| !q.is_empty());
    let status = match input
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(
            s.parse::<InstanceStatus>()
                .map_err(|_| bad_query(Msg::BadStatus, "status"))?,
        ),
        None => None,
    };
    let sort = match input.sort.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => InstanceSort::parse(s).ok_or_else(|| bad_query(Msg::BadSort, "sort"))?,
        None => InstanceSort::default(),
    };
    let limit = input.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_query(Msg::BadLimit, "limit"));
    }
    let pagination = match (input.page, input.cursor.filter(|c| !c.is_empty())) {
        (Some(_), Some(_)) => {
            return Err(bad_query(Msg::PageAndCursor, "cursor"));
        }
        (Some(0), None) => return Err(bad_query(Msg::BadPage, "page")),
        (Some(page), None) => Pagination::Page(page),
        (None, Some(cursor)) => Pagination::After(Some(
            Cursor::decode(&cursor, sort).map_err(|_| bad_query(Msg::BadCursor, "cursor"))?,
        )),
        (None, None) => Pagination::After(None),
    };
    Ok(InstanceQuery {
        search,
        status,
        sort,
        pagination,
        limit,
    })
}
