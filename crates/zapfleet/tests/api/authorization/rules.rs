//! Who may call each route: the rule table of the authorization matrix. Every
//! route the application records (see `zapfleet::routes`) needs a line here.

use reqwest::Method;

/// What a route's `{id}` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owned {
    /// The route names nothing of anyone's.
    Nothing,
    /// An instance.
    Instance,
    /// An API token.
    Token,
    /// An account (admin routes).
    User,
    /// A backup job of the Backup page.
    BackupJob,
    /// A forward-webhook delivery.
    Delivery,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone: health, docs, assets.
    Public,
    /// Anyone, signed in or not: the sign-in and sign-up forms, signing out.
    Visitor,
    /// The provider, holding an instance's unguessable secret in the path.
    Webhook,
    /// `/api`: an API token (or the session, for reads) of the owner.
    Api(Owned),
    /// A page or htmx endpoint: the owner's session.
    Page(Owned),
    /// An admin's page: an admin's session.
    Admin(Owned),
}

use Owned::*;
use Rule::*;

/// The rules, by method and path (as routed, with `{id}`).
pub const RULES: &[(&str, &str, Rule)] = &[
    // Operations and docs.
    ("GET", "/healthz", Public),
    ("GET", "/readyz", Public),
    ("GET", "/metrics", Public),
    ("GET", "/api/openapi.json", Public),
    ("GET", "/api/docs", Public),
    ("GET", "/api/docs/docs.js", Public),
    ("GET", "/api/docs/docs.css", Public),
    ("GET", "/static/htmx.min.js", Public),
    ("GET", "/static/app.js", Public),
    ("GET", "/static/app.css", Public),
    // The provider's webhook.
    ("POST", "/api/webhooks/uazapi/{secret}", Webhook),
    // The API.
    ("GET", "/api/instances", Api(Nothing)),
    ("POST", "/api/instances", Api(Nothing)),
    ("POST", "/api/instances/create", Api(Nothing)),
    ("GET", "/api/instances/{id}", Api(Instance)),
    ("PATCH", "/api/instances/{id}", Api(Instance)),
    ("DELETE", "/api/instances/{id}", Api(Instance)),
    ("POST", "/api/instances/{id}/connect", Api(Instance)),
    ("POST", "/api/instances/{id}/reconnect", Api(Instance)),
    ("POST", "/api/instances/{id}/disconnect", Api(Instance)),
    ("POST", "/api/instances/{id}/reprovision", Api(Instance)),
    ("GET", "/api/instances/{id}/status", Api(Instance)),
    ("GET", "/api/instances/{id}/config", Api(Instance)),
    ("PUT", "/api/instances/{id}/config", Api(Instance)),
    ("GET", "/api/instances/{id}/config/history", Api(Instance)),
    ("GET", "/api/instances/{id}/messages", Api(Instance)),
    ("POST", "/api/instances/{id}/messages", Api(Instance)),
    (
        "POST",
        "/api/instances/{id}/messages/{messageId}/retry",
        Api(Instance),
    ),
    ("GET", "/api/instances/{id}/stats", Api(Instance)),
    ("GET", "/api/stats", Api(Nothing)),
    ("GET", "/api/events", Api(Nothing)),
    ("GET", "/api/webhook", Api(Nothing)),
    ("PUT", "/api/webhook", Api(Nothing)),
    ("DELETE", "/api/webhook", Api(Nothing)),
    ("GET", "/api/webhook-deliveries", Api(Nothing)),
    ("POST", "/api/webhook-deliveries/{id}/replay", Api(Delivery)),
    ("GET", "/api/audit", Api(Nothing)),
    // Signing in and out.
    ("GET", "/signin", Visitor),
    ("POST", "/signin", Visitor),
    ("GET", "/signup", Visitor),
    ("POST", "/signup", Visitor),
    ("POST", "/signout", Visitor),
    // The pages.
    ("GET", "/", Page(Nothing)),
    ("POST", "/locale", Page(Nothing)),
    ("GET", "/ui/instances/table", Page(Nothing)),
    ("POST", "/ui/instances", Page(Nothing)),
    ("POST", "/ui/instances/bulk", Page(Nothing)),
    ("GET", "/instances/{id}", Page(Instance)),
    ("POST", "/ui/instances/{id}/connect", Page(Instance)),
    ("POST", "/ui/instances/{id}/simulate-scan", Page(Instance)),
    ("POST", "/ui/instances/{id}/disconnect", Page(Instance)),
    ("POST", "/ui/instances/{id}/reprovision", Page(Instance)),
    ("POST", "/ui/instances/{id}/delete", Page(Instance)),
    ("POST", "/ui/instances/{id}/config", Page(Instance)),
    ("POST", "/ui/instances/{id}/edit", Page(Instance)),
    ("GET", "/ui/instances/{id}/messages", Page(Instance)),
    ("POST", "/ui/instances/{id}/messages", Page(Instance)),
    (
        "POST",
        "/ui/instances/{id}/messages/{message}/retry",
        Page(Instance),
    ),
    ("GET", "/tokens", Page(Nothing)),
    ("POST", "/tokens", Page(Nothing)),
    ("POST", "/tokens/{id}/revoke", Page(Token)),
    ("GET", "/audit", Page(Nothing)),
    ("GET", "/webhooks", Page(Nothing)),
    ("POST", "/webhooks", Page(Nothing)),
    ("POST", "/webhooks/remove", Page(Nothing)),
    ("POST", "/webhooks/deliveries/{id}/replay", Page(Delivery)),
    ("GET", "/backup", Page(Nothing)),
    ("POST", "/backup/download", Page(Nothing)),
    ("POST", "/backup/restore", Page(Nothing)),
    ("GET", "/backup/jobs/{id}", Page(BackupJob)),
    ("GET", "/backup/jobs/{id}/file", Page(BackupJob)),
    ("GET", "/account", Page(Nothing)),
    ("POST", "/account/time-zone", Page(Nothing)),
    ("POST", "/account/password", Page(Nothing)),
    ("POST", "/account/sessions/end-others", Page(Nothing)),
    ("GET", "/admin", Admin(Nothing)),
    ("POST", "/admin/users/{id}/disabled", Admin(User)),
    ("POST", "/admin/users/{id}/delete", Admin(User)),
    ("POST", "/admin/signups", Admin(Nothing)),
];

/// The methods a route may answer; each path is probed with all of them.
pub const METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// The rule of a route, if it has one.
pub fn rule(method: &Method, path: &str) -> Option<Rule> {
    RULES
        .iter()
        .find(|(m, p, _)| *m == method.as_str() && *p == path)
        .map(|(_, _, rule)| *rule)
}

/// A valid JSON body for the API routes that read one before looking the
/// instance up, so that the instance's owner is what decides the answer.
pub fn json_body(method: &Method, path: &str) -> serde_json::Value {
    match (method.as_str(), path.rsplit('/').next()) {
        ("POST", Some("messages")) => {
            serde_json::json!({"to": "11988887777", "text": "oi", "waitSeconds": 0})
        }
        ("PATCH", _) => serde_json::json!({"name": "Outro nome"}),
        _ => serde_json::json!({}),
    }
}
