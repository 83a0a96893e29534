//! The instances list: filters, pages, the "Nova Instância" form and bulk actions.

use super::super::session::{SignedIn, Visitor};
use super::super::{PageCtx, charts, render, toast, trigger};
use super::Row;
use crate::domain::{InstanceId, LoginMethod, ProvisionState, Usage};
use crate::error::AppError;
use crate::i18n::{Locale, Msg};
use crate::services::stats::{self, Period};
use crate::services::{connection, instances};
use crate::state::AppState;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde::Deserialize;

/// Rows per page in the UI.
const PAGE_SIZE: u32 = 25;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct Filters {
    q: String,
    status: String,
    sort: String,
    page: u32,
}

impl Filters {
    fn query(&self, page: u32) -> String {
        let enc = |s: &str| {
            s.bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect::<String>()
        };
        format!(
            "q={}&status={}&sort={}&page={page}",
            enc(&self.q),
            enc(&self.status),
            enc(&self.sort)
        )
    }
}

#[derive(Template)]
#[template(path = "instances_table.html")]
struct Table {
    l: Locale,
    rows: Vec<Row>,
    total: i64,
    page: u32,
    pages: u32,
    filtered: bool,
    prev_query: String,
    next_query: String,
}

async fn load_table(
    state: &AppState,
    signed: &SignedIn,
    filters: &Filters,
) -> Result<Table, AppError> {
    let l = signed.visitor.locale;
    let user = &signed.user.user_id;
    let page = filters.page.max(1);
    let input = instances::ListInstances {
        q: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        status: Some(filters.status.clone()).filter(|s| !s.is_empty()),
        sort: Some(filters.sort.clone()).filter(|s| !s.is_empty()),
        page: Some(page),
        cursor: None,
        limit: Some(PAGE_SIZE),
    };
    // Bad filters from a hand-edited URL fall back to the defaults.
    let listed = match instances::list(&state.platform, user, input).await {
        Ok(listed) => listed,
        Err(AppError::BadRequest { .. }) => {
            let defaults = instances::ListInstances {
                limit: Some(PAGE_SIZE),
                ..Default::default()
            };
            instances::list(&state.platform, user, defaults).await?
        }
        Err(other) => return Err(other),
    };
    let pages = u32::try_from(listed.total.max(0))
        .unwrap_or(u32::MAX)
        .div_ceil(PAGE_SIZE)
        .max(1);
    // A page past the end (its last rows were just deleted) shows the last page.
    if page > pages {
        let last = Filters {
            page: pages,
            ..filters.clone()
        };
        return Box::pin(load_table(state, signed, &last)).await;
    }
    let usage =
        instances::recent_usage(&state.platform, &signed.user.time_zone, &listed.items).await?;
    let rows = listed
        .items
        .iter()
        .map(|i| {
            let mut r = Row::of(l, &signed.user.time_zone, i);
            (r.sent, r.received) = usage.get(&i.id).copied().unwrap_or_default();
            r
        })
        .collect();
    Ok(Table {
        l,
        rows,
        total: listed.total,
        page,
        pages,
        filtered: !filters.q.is_empty() || !filters.status.is_empty(),
        prev_query: filters.query(page.saturating_sub(1).max(1)),
        next_query: filters.query(page + 1),
    })
}

#[derive(Template)]
#[template(path = "instance_form.html")]
struct NewInstanceForm {
    l: Locale,
    csrf: String,
    name: String,
    phone: String,
    name_error: Option<&'static str>,
    phone_error: Option<&'static str>,
}

impl NewInstanceForm {
    fn empty(visitor: &Visitor) -> Self {
        Self {
            l: visitor.locale,
            csrf: visitor.csrf.clone(),
            name: String::new(),
            phone: String::new(),
            name_error: None,
            phone_error: None,
        }
    }
}

#[derive(Template)]
#[template(path = "instances.html")]
struct IndexPage {
    page: PageCtx,
    filters_q: String,
    filters_status: String,
    filters_sort: String,
    table_html: String,
    form_html: String,
    overview: Usage,
    overview_chart: String,
}

/// `?done=deleted` after an instance page's "Excluir": a toast.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct Done {
    done: String,
}

pub(super) async fn index(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filters): Query<Filters>,
    Query(done): Query<Done>,
) -> Result<Response, AppError> {
    let table = load_table(&state, &signed, &filters).await?;
    let l = signed.visitor.locale;
    let period = Period::last_days(stats::today_in(&state.platform, &signed.user.time_zone), 14);
    let overview = stats::usage(&state.platform, &signed.user.user_id, None, period, true).await?;
    let overview_chart =
        charts::messages_per_day(&overview.days, l) + &charts::table_per_day(&overview.days, l);
    let mut page = PageCtx::new(&signed.visitor, &state);
    page.flash = (done.done == "deleted").then(|| l.t(Msg::InstanceDeletedToast).to_owned());
    Ok(render(&IndexPage {
        page,
        filters_q: filters.q,
        filters_status: filters.status,
        filters_sort: filters.sort,
        table_html: table.render().map_err(|e| AppError::Internal(e.into()))?,
        form_html: NewInstanceForm::empty(&signed.visitor)
            .render()
            .map_err(|e| AppError::Internal(e.into()))?,
        overview: overview.total,
        overview_chart,
    }))
}

/// The table alone. When the visitor changed the filters or the page (not a
/// live refresh of the table itself), the address bar follows, so reload and
/// Back keep what is shown.
pub(super) async fn table(
    State(state): State<AppState>,
    signed: SignedIn,
    headers: HeaderMap,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let table = load_table(&state, &signed, &filters).await?;
    let mut response = render(&table);
    let trigger = headers.get("hx-trigger").and_then(|v| v.to_str().ok());
    if trigger.is_some_and(|t| t != "instance-table")
        && let Ok(url) = HeaderValue::from_str(&format!("/?{}", filters.query(table.page)))
    {
        response.headers_mut().insert("hx-push-url", url);
    }
    Ok(response)
}

/// Most instances one "select all matching" acts on.
const MAX_MATCHING: usize = 10_000;

/// Every instance matching the filters (all pages), for "select all matching".
async fn matching_ids(
    state: &AppState,
    signed: &SignedIn,
    filters: &Filters,
) -> Result<Vec<InstanceId>, AppError> {
    let mut ids = Vec::new();
    for page in 1.. {
        let input = instances::ListInstances {
            q: Some(filters.q.clone()).filter(|q| !q.is_empty()),
            status: Some(filters.status.clone()).filter(|s| !s.is_empty()),
            sort: Some(filters.sort.clone()).filter(|s| !s.is_empty()),
            page: Some(page),
            cursor: None,
            limit: Some(instances::MAX_LIMIT),
        };
        let listed = instances::list(&state.platform, &signed.user.user_id, input).await?;
        let done = listed.items.len() < instances::MAX_LIMIT as usize;
        ids.extend(listed.items.into_iter().map(|i| i.id));
        if done || ids.len() >= MAX_MATCHING {
            break;
        }
    }
    ids.truncate(MAX_MATCHING);
    Ok(ids)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewInstance {
    name: String,
    phone: String,
    _csrf: String,
}

/// The modal's form: inline errors from the same rules as the API, or a fresh
/// form plus an `instanceCreated` event (toast, close, refresh).
pub(super) async fn create(
    State(state): State<AppState>,
    signed: SignedIn,
    Form(form): Form<NewInstance>,
) -> Result<Response, AppError> {
    signed.visitor.check_csrf(Some(&form._csrf))?;
    let l = signed.visitor.locale;
    let input = instances::CreateInstance {
        name: form.name.clone(),
        phone: form.phone.clone(),
    };
    match instances::create(&state.platform, &signed.user.user_id, input).await {
        Ok(instance) => {
            let (message, kind) = if instance.provision_state == ProvisionState::Pending {
                (l.t(Msg::InstanceCreatedProviderDown), "error")
            } else {
                (l.t(Msg::InstanceCreated), "success")
            };
            Ok(trigger(
                render(&NewInstanceForm::empty(&signed.visitor)),
                "instanceCreated",
                message,
                kind,
            ))
        }
        Err(AppError::Invalid { field, message } | AppError::Conflict { field, message }) => {
            let mut again = NewInstanceForm::empty(&signed.visitor);
            again.name = form.name;
            again.phone = form.phone;
            if field == "phone" {
                again.phone_error = Some(l.t(message));
            } else {
                again.name_error = Some(l.t(message));
            }
            Ok(render(&again))
        }
        Err(other) => Err(other),
    }
}

/// The bulk form: an action and the checked instances, plus the filters and
/// page on screen (so the table comes back as the visitor left it).
#[derive(Default)]
struct Bulk {
    action: String,
    ids: Vec<String>,
    /// "Select all matching": every instance the filters find, on every page.
    all: bool,
    csrf: String,
    filters: Filters,
}

/// Connect, disconnect or delete the selected instances; the table comes back.
pub(super) async fn bulk(
    State(state): State<AppState>,
    signed: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    // Repeated `ids` fields: parse the form by hand (serde_urlencoded wants one value per key).
    let mut form = Bulk::default();
    for (key, value) in
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body).unwrap_or_default()
    {
        match key.as_str() {
            "action" => form.action = value,
            "ids" => form.ids.push(value),
            "all" => form.all = value == "1",
            "_csrf" => form.csrf = value,
            "q" => form.filters.q = value,
            "status" => form.filters.status = value,
            "sort" => form.filters.sort = value,
            "page" => form.filters.page = value.parse().unwrap_or(1),
            _ => {}
        }
    }
    signed.visitor.check_csrf(Some(&form.csrf))?;
    let user = &signed.user.user_id;
    let mut failed = 0;
    let ids = if form.all {
        matching_ids(&state, &signed, &form.filters).await?
    } else {
        form.ids
            .iter()
            .take(500)
            .map(|id| InstanceId::from_raw(id.as_str()))
            .collect()
    };
    for id in ids {
        let result = match form.action.as_str() {
            "connect" => connection::connect(&state.platform, user, &id, LoginMethod::Qr)
                .await
                .map(|_| ()),
            "disconnect" => connection::disconnect(&state.platform, user, &id)
                .await
                .map(|_| ()),
            "delete" => instances::delete(&state.platform, user, &id).await,
            _ => Err(AppError::NotFound),
        };
        if result.is_err() {
            failed += 1;
        }
    }
    let table = load_table(&state, &signed, &form.filters).await?;
    let l = signed.visitor.locale;
    let message = if failed == 0 {
        l.t(Msg::ActionDone).to_owned()
    } else {
        format!("{} ({failed} ✗)", l.t(Msg::ActionDone))
    };
    let kind = if failed == 0 { "success" } else { "error" };
    Ok(toast(render(&table), &message, kind))
}
