//! `/api/instances`: create, list, read, change and delete instances.

use super::auth::AuthUser;
use super::extract::{ApiJson, ApiPath, ApiQuery};
use crate::domain::{Instance, InstanceId, InstanceStatus, ProvisionState};
use crate::error::{AppError, ErrorBody};
use crate::services::instances::{self, CreateInstance, ListInstances, UpdateInstance};
use crate::services::settings::SettingsView;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The instance routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_instances, create_instance))
        .routes(routes!(create_instance_legacy))
        .routes(routes!(get_instance, update_instance, delete_instance))
}

/// A WhatsApp instance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceBody {
    /// Identifier.
    #[schema(example = "V1StGXR8_Z5jdHi6B-myT")]
    pub id: String,
    /// Display name.
    #[schema(example = "Loja Centro")]
    pub name: String,
    /// Digits of the E.164 number.
    #[schema(example = "5511999999999")]
    pub phone: Option<String>,
    /// The number as people write it.
    #[schema(example = "+55 11 99999-9999")]
    pub phone_formatted: Option<String>,
    /// Connection state.
    pub status: InstanceStatus,
    /// Random public key (nanoid, 21 URL-safe characters).
    pub instance_key: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
    /// Last change (RFC 3339).
    pub updated_at: String,
    /// Last time it became connected (RFC 3339).
    pub last_connection: Option<String>,
    /// Settings (as `GET …/config` shows them: never a webhook's secret).
    pub config: SettingsView,
    /// WhatsApp display name, once connected.
    pub profile_name: Option<String>,
    /// The number WhatsApp reports as logged in (digits), once the provider
    /// said; it may be another phone than `phone` (someone scanned the QR with
    /// another phone).
    pub connected_phone: Option<String>,
    /// `true` when `connectedPhone` is another line than `phone` (a Brazilian
    /// mobile written with or without its ninth digit is the same line).
    pub connected_phone_differs: bool,
    /// Whether the instance exists at the provider yet.
    pub provisioning: Provisioning,
}

/// Where the instance stands at the provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provisioning {
    /// `pending` (retried in the background), `ready`, or `lost` (the
    /// provider no longer knows it: sends and connects answer `409`
    /// `provider_lost`; `POST …/reprovision` creates it there again).
    pub state: ProvisioningState,
    /// Why the last attempt failed while pending, or why it is lost.
    pub error: Option<String>,
    /// Since when it is lost at the provider (RFC 3339).
    #[serde(rename = "lostAt", skip_serializing_if = "Option::is_none")]
    pub lost_at: Option<String>,
}

/// Where the instance stands at the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProvisioningState {
    /// Being created there (retried in the background).
    Pending,
    /// Created there.
    Ready,
    /// The provider no longer knows it.
    Lost,
}

impl From<Instance> for InstanceBody {
    fn from(i: Instance) -> Self {
        let connected_phone_differs = i.connected_phone_differs();
        Self {
            id: i.id.to_string(),
            name: i.name.to_string(),
            phone_formatted: i.phone.as_ref().map(|p| p.international()),
            phone: i.phone.map(|p| p.to_string()),
            status: i.status,
            instance_key: i.instance_key.to_string(),
            created_at: i.created_at.to_rfc3339(),
            updated_at: i.updated_at.to_rfc3339(),
            last_connection: i.last_connection.map(|t| t.to_rfc3339()),
            config: SettingsView::from(&i.settings),
            profile_name: i.profile_name,
            connected_phone_differs,
            connected_phone: i.connected_phone,
            provisioning: match (i.provider_lost_at, i.provision_state) {
                (Some(at), _) => Provisioning {
                    state: ProvisioningState::Lost,
                    error: Some(crate::services::provider_lost::LOST_REASON.to_owned()),
                    lost_at: Some(at.to_rfc3339()),
                },
                (None, state) => Provisioning {
                    state: match state {
                        ProvisionState::Pending => ProvisioningState::Pending,
                        ProvisionState::Ready => ProvisioningState::Ready,
                    },
                    error: i.provision_error,
                    lost_at: None,
                },
            },
        }
    }
}

/// What a new instance needs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInstanceBody {
    /// 1 to 100 characters, unique among your instances (case-insensitive).
    #[schema(example = "Loja Centro")]
    pub name: String,
    /// Any valid number; Brazil is assumed without a country code.
    #[schema(example = "(11) 99999-9999")]
    pub phone: String,
}

/// Fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstanceBody {
    /// New name.
    pub name: Option<String>,
    /// New phone; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// List parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Text in the name (case-insensitive) or digits in the phone.
    pub q: Option<String>,
    /// `disconnected`, `connecting` or `connected`.
    pub status: Option<String>,
    /// `name`, `createdAt`, `updatedAt`, `status` or `lastConnection`; `-` in front
    /// for descending. Default `-createdAt`.
    pub sort: Option<String>,
    /// Page number from 1 (offset pagination). Not with `cursor`.
    pub page: Option<u32>,
    /// `nextCursor` of the previous page (keyset pagination, fast at any depth).
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// A page of instances.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstanceList {
    /// The page.
    pub items: Vec<InstanceBody>,
    /// How many instances match the filters in all.
    pub total: i64,
    /// Page size used.
    pub limit: u32,
    /// The page number, when paging by number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

async fn create(
    state: AppState,
    user: AuthUser,
    body: CreateInstanceBody,
) -> Result<(StatusCode, Json<InstanceBody>), AppError> {
    let input = CreateInstance {
        name: body.name,
        phone: body.phone,
    };
    let instance = instances::create(&state.platform, &user.user_id, input).await?;
    Ok((StatusCode::CREATED, Json(instance.into())))
}

/// Create an instance.
#[utoipa::path(post, path = "/instances", tag = "instances", request_body = CreateInstanceBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = InstanceBody),
        (status = 400, description = "Unreadable body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "Name already used", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
async fn create_instance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<CreateInstanceBody>,
) -> Result<(StatusCode, Json<InstanceBody>), AppError> {
    create(state, user, body).await
}

/// Create an instance (the original endpoint; same as `POST /api/instances`).
#[utoipa::path(post, path = "/instances/create", tag = "instances", request_body = CreateInstanceBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = InstanceBody),
        (status = 400, description = "Unreadable body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 409, description = "Name already used", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
async fn create_instance_legacy(
    State(state): State<AppState>,
    user: AuthUser,
    ApiJson(body): ApiJson<CreateInstanceBody>,
) -> Result<(StatusCode, Json<InstanceBody>), AppError> {
    create(state, user, body).await
}

/// List your instances: search, filter, sort, paginate.
#[utoipa::path(get, path = "/instances", tag = "instances", params(ListParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page", body = InstanceList),
        (status = 400, description = "Bad parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
async fn list_instances(
    State(state): State<AppState>,
    user: AuthUser,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<InstanceList>, AppError> {
    let page_number = params.page;
    let input = ListInstances {
        q: params.q,
        status: params.status,
        sort: params.sort,
        page: params.page,
        cursor: params.cursor,
        limit: params.limit,
    };
    let limit = input.limit.unwrap_or(instances::DEFAULT_LIMIT);
    let page = instances::list(&state.platform, &user.user_id, input).await?;
    Ok(Json(InstanceList {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        limit,
        page: page_number,
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// One instance.
#[utoipa::path(get, path = "/instances/{id}", tag = "instances", params(("id" = String, Path, description = "Instance id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The instance", body = InstanceBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
    ))]
async fn get_instance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<InstanceBody>, AppError> {
    let instance =
        instances::get(&state.platform, &user.user_id, &InstanceId::from_raw(id)).await?;
    Ok(Json(instance.into()))
}

/// Rename an instance or change its phone.
#[utoipa::path(patch, path = "/instances/{id}", tag = "instances", params(("id" = String, Path, description = "Instance id")),
    request_body = UpdateInstanceBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = InstanceBody),
        (status = 400, description = "Unreadable body", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
        (status = 409, description = "Name already used", body = ErrorBody),
        (status = 422, description = "A field breaks a rule", body = ErrorBody),
    ))]
async fn update_instance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<UpdateInstanceBody>,
) -> Result<Json<InstanceBody>, AppError> {
    let input = UpdateInstance {
        name: body.name,
        phone: body.phone,
    };
    let instance = instances::update(
        &state.platform,
        &user.user_id,
        &InstanceId::from_raw(id),
        input,
    )
    .await?;
    Ok(Json(instance.into()))
}

/// Delete an instance.
#[utoipa::path(delete, path = "/instances/{id}", tag = "instances", params(("id" = String, Path, description = "Instance id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such instance of yours", body = ErrorBody),
    ))]
async fn delete_instance(
    State(state): State<AppState>,
    user: AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    instances::delete(&state.platform, &user.user_id, &InstanceId::from_raw(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
