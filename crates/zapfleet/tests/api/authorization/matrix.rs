//! The matrix itself: which routes exist, and what each caller gets from each.

use super::rules::{METHODS, Owned, Rule, rule};
use super::{Caller, Resources, Via, call};
use crate::helpers::{TestApp, eventually};
use crate::on_both_backends;
use reqwest::{Method, StatusCode};
use std::time::Duration;
use zapfleet::domain::TokenId;
use zapfleet::services::tokens;

on_both_backends!(every_route_answers_each_kind_of_caller_by_its_rule);

/// Every (method, path) the application answers: each recorded path probed
/// with each method; 405 means the path does not take that method.
async fn routed(app: &TestApp, resources: &Resources) -> Vec<(Method, String)> {
    let mut found = Vec::new();
    let mut unanswered = Vec::new();
    for path in zapfleet::routes::route_paths() {
        let concrete = resources.fill(&path, Some(Owned::Nothing));
        let mut methods = Vec::new();
        for method in METHODS {
            let (status, _) = call(app, Via::Nobody, &method, &concrete).await;
            if status != StatusCode::METHOD_NOT_ALLOWED {
                methods.push(method);
            }
        }
        // A path that takes every method is one the router does not know
        // (the fallback's 404 answers them all).
        if methods.is_empty() || methods.len() == METHODS.len() {
            unanswered.push(path.clone());
        }
        found.extend(methods.into_iter().map(|m| (m, path.clone())));
    }
    assert!(
        unanswered.is_empty(),
        "listed but not routed: {unanswered:#?}"
    );
    found
}

async fn every_route_answers_each_kind_of_caller_by_its_rule(app: TestApp) {
    app.open_sign_ups().await;
    let admin = Caller::new(&app, true).await;
    let owner = Caller::new(&app, false).await;
    let other = Caller::new(&app, false).await;
    let revoked = Caller::new(&app, false).await;
    let disabled = Caller::new(&app, false).await;

    // What the owner has: an instance, a token, a finished backup job.
    let instance = app
        .create_instance(
            &crate::helpers::TestUser {
                email: String::new(),
                token: owner.token.clone(),
            },
            "Da Dona",
            "11999990001",
        )
        .await;
    let token: TokenId = tokens::list(&app.platform, &owner.id).await.unwrap()[0]
        .id
        .clone();
    let started = owner
        .browser
        .post(
            "/backup/download",
            &[
                ("_csrf", owner.csrf.as_str()),
                ("passphrase", "uma frase secreta"),
                ("confirm", "uma frase secreta"),
            ],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let backup_job = started.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/backup?job=")
        .to_owned();
    let file = format!("/backup/jobs/{backup_job}/file");
    eventually(Duration::from_secs(20), "the backup", || async {
        (owner.browser.get(&file).await.status() == StatusCode::OK).then_some(())
    })
    .await;
    let webhook = app
        .client
        .put(app.url("/api/webhook"))
        .bearer_auth(&owner.token)
        .json(&serde_json::json!({"url": "http://127.0.0.1:9/hook", "secret": "um segredo de dezesseis"}))
        .send()
        .await
        .unwrap();
    assert!(webhook.status().is_success(), "{}", webhook.status());
    let resources = Resources {
        instance: instance["id"].as_str().unwrap().to_owned(),
        token: token.to_string(),
        user: owner.id.to_string(),
        backup_job,
    };

    // Revoked through the service, disabled through the admin page.
    let revoked_tokens = tokens::list(&app.platform, &revoked.id).await.unwrap();
    tokens::revoke(&app.platform, &revoked.id, &revoked_tokens[0].id)
        .await
        .unwrap();
    let disabling = admin
        .browser
        .post(
            &format!("/admin/users/{}/disabled", disabled.id),
            &[("_csrf", admin.csrf.as_str()), ("value", "true")],
        )
        .await;
    assert_eq!(disabling.status(), StatusCode::SEE_OTHER);

    // Every route has a rule, every rule a route.
    let routes = routed(&app, &resources).await;
    let unruled: Vec<_> = routes
        .iter()
        .filter(|(m, p)| rule(m, p).is_none())
        .collect();
    assert!(unruled.is_empty(), "routes without a rule: {unruled:#?}");
    let stale: Vec<_> = super::rules::RULES
        .iter()
        .filter(|(m, p, _)| !routes.iter().any(|(rm, rp)| rm.as_str() == *m && rp == p))
        .collect();
    assert!(stale.is_empty(), "rules for no route: {stale:#?}");

    let mut wrong = Vec::new();
    for (method, path) in &routes {
        let rule = rule(method, path).unwrap();
        for (who, via, expected) in
            expectations(rule, method, &owner, &other, &revoked, &disabled, &admin)
        {
            let owned = match rule {
                Rule::Api(owned) | Rule::Page(owned) | Rule::Admin(owned) => Some(owned),
                _ => None,
            };
            let concrete = resources.fill(path, owned);
            let (status, location) = call(&app, via, method, &concrete).await;
            let expected = match expected {
                // Someone else's thing answers as a thing that does not exist.
                Expect::LikeMissing => {
                    let missing = path.replace("{id}", super::MISSING);
                    let (status, location) = call(&app, via, method, &missing).await;
                    Expect::Exactly(status, location)
                }
                other => other,
            };
            if !expected.accepts(status, location.as_deref()) {
                wrong.push(format!(
                    "{method} {path} by {who}: {status} {location:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");

    // Nothing the others tried changed the owner's things.
    let still = app
        .client
        .get(app.url(&format!("/api/instances/{}", resources.instance)))
        .bearer_auth(&owner.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "the owner's token and instance are intact"
    );
}

/// What a caller must get.
#[derive(Debug, Clone)]
pub enum Expect {
    /// What the same caller gets for an id that does not exist.
    LikeMissing,
    /// This status and redirect.
    Exactly(StatusCode, Option<String>),
    /// A 2xx.
    Success,
    /// Exactly this status.
    Status(StatusCode),
    /// Sent to the sign-in page.
    SignIn,
}

impl Expect {
    fn accepts(&self, status: StatusCode, location: Option<&str>) -> bool {
        match self {
            Expect::LikeMissing => false,
            Expect::Exactly(expected, redirect) => {
                status == *expected && location == redirect.as_deref()
            }
            Expect::Success => status.is_success(),
            Expect::Status(expected) => status == *expected,
            Expect::SignIn => status == StatusCode::SEE_OTHER && location == Some("/signin"),
        }
    }
}

/// Who calls, how, and what they must get, for a route of this rule.
fn expectations<'a>(
    rule: Rule,
    method: &Method,
    owner: &'a Caller,
    other: &'a Caller,
    revoked: &'a Caller,
    disabled: &'a Caller,
    admin: &'a Caller,
) -> Vec<(&'static str, Via<'a>, Expect)> {
    let read = method == Method::GET;
    let unauthenticated = || Expect::Status(StatusCode::UNAUTHORIZED);
    let not_found = || Expect::Status(StatusCode::NOT_FOUND);
    let mut checks = vec![(
        "anonymous",
        Via::Nobody,
        match rule {
            Rule::Public => Expect::Success,
            // A form without its CSRF token is refused.
            Rule::Visitor if read => Expect::Success,
            Rule::Visitor => Expect::Status(StatusCode::FORBIDDEN),
            Rule::Webhook | Rule::Api(_) => unauthenticated(),
            Rule::Page(_) | Rule::Admin(_) => Expect::SignIn,
        },
    )];
    match rule {
        Rule::Public => {
            checks.push((
                "a revoked token",
                Via::Token(&revoked.token),
                Expect::Success,
            ));
        }
        Rule::Visitor => {}
        Rule::Webhook => {
            // The caller's own credentials open no webhook: only its secret does.
            checks.push((
                "a user's token",
                Via::Token(&owner.token),
                unauthenticated(),
            ));
        }
        Rule::Api(owned) => {
            checks.push((
                "a revoked token",
                Via::Token(&revoked.token),
                unauthenticated(),
            ));
            checks.push((
                "a disabled user's token",
                Via::Token(&disabled.token),
                unauthenticated(),
            ));
            checks.push((
                "a disabled user's session",
                Via::Session(disabled),
                unauthenticated(),
            ));
            if owned != Owned::Nothing {
                checks.push((
                    "another user's token",
                    Via::Token(&other.token),
                    not_found(),
                ));
            }
            if read && owned != Owned::Delivery {
                checks.push((
                    "the owner's token",
                    Via::Token(&owner.token),
                    Expect::Success,
                ));
            }
        }
        Rule::Page(owned) => {
            checks.push((
                "a revoked token",
                Via::Token(&revoked.token),
                Expect::SignIn,
            ));
            checks.push((
                "a disabled user's session",
                Via::Session(disabled),
                Expect::SignIn,
            ));
            if owned != Owned::Nothing {
                checks.push((
                    "another user's session",
                    Via::Session(other),
                    Expect::LikeMissing,
                ));
            }
            if read {
                checks.push(("the owner's session", Via::Session(owner), Expect::Success));
            }
        }
        Rule::Admin(_) => {
            checks.push((
                "a revoked token",
                Via::Token(&revoked.token),
                Expect::SignIn,
            ));
            checks.push((
                "a disabled user's session",
                Via::Session(disabled),
                Expect::SignIn,
            ));
            checks.push((
                "a non-admin's session",
                Via::Session(other),
                Expect::Status(StatusCode::FORBIDDEN),
            ));
            if read {
                checks.push(("an admin's session", Via::Session(admin), Expect::Success));
            }
        }
    }
    checks
}
