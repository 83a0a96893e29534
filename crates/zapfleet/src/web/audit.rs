//! The audit log page: the signed-in user's own actions (the administrator's:
//! everyone's), newest first, a page at a time, filtered by action.

use super::format::When;
use super::session::SignedIn;
use super::{PageCtx, render};
use crate::domain::AuditAction;
use crate::error::AppError;
use crate::i18n::Msg;
use crate::routes::Routes;
use crate::services::audit::{self, ListAudit, Viewer};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

/// Lines per page.
const PAGE_SIZE: u32 = 50;

pub fn routes() -> Routes<AppState> {
    Routes::new().route("/audit", get(audit_page))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filters {
    action: String,
    cursor: String,
}

/// An action in the filter.
struct ActionChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

/// A line as the page shows it.
struct Line {
    at: When,
    who: String,
    action: &'static str,
    action_key: &'static str,
    target: String,
    ip: String,
    user_agent: String,
    detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    page: PageCtx,
    actions: Vec<ActionChoice>,
    lines: Vec<Line>,
    /// Query string of the next (older) page, if any.
    older: Option<String>,
    /// Query string of the first page, when this is not it.
    newest: Option<String>,
}

async fn audit_page(
    State(state): State<AppState>,
    signed: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AppError> {
    let viewer = Viewer {
        user_id: signed.user.user_id.clone(),
        is_admin: signed.user.is_admin,
    };
    let input = ListAudit {
        action: Some(filters.action.clone()),
        user: None,
        cursor: Some(filters.cursor.clone()),
        limit: Some(PAGE_SIZE),
    };
    let listed = audit::list(&state.platform, &viewer, input).await?;
    let l = signed.visitor.locale;
    let lines = listed
        .items
        .into_iter()
        .map(|e| Line {
            at: When::of(e.at, &signed.user.time_zone, l),
            who: e.actor_email.unwrap_or_default(),
            action: l.t(audit::label(e.action)),
            action_key: e.action.as_str(),
            target: e.target_name.or(e.target_id).unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            user_agent: e.user_agent.unwrap_or_default(),
            detail: super::audit_detail::audit_detail(l, &e.detail),
        })
        .collect();
    // Action names are plain ASCII words: safe in a query string as they are.
    let action = AuditAction::parse(filters.action.trim()).map(AuditAction::as_str);
    let with_action = |rest: String| match action {
        Some(a) => format!("action={a}{rest}"),
        None => rest.trim_start_matches('&').to_owned(),
    };
    let older = listed
        .next
        .map(|c| with_action(format!("&cursor={}", c.encode())));
    let newest = (!filters.cursor.is_empty()).then(|| with_action(String::new()));
    let actions = AuditAction::ALL
        .iter()
        .map(|a| ActionChoice {
            value: a.as_str(),
            label: l.t(audit::label(*a)),
            selected: Some(a.as_str()) == action,
        })
        .collect();
    Ok(render(&AuditPage {
        page: PageCtx::new(&signed.visitor, &state),
        actions,
        lines,
        older,
        newest,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_label_in_both_languages() {
        use crate::i18n::Locale;
        for action in AuditAction::ALL {
            let msg: Msg = audit::label(*action);
            assert_ne!(msg.text(Locale::PtBr), msg.text(Locale::En), "{action}");
        }
    }
}
