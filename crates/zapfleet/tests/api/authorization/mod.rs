//! The authorization matrix: every route the application records (its API
//! from the OpenAPI document, its pages and assets from their routers) is
//! called by each kind of caller, and each answer is checked against the
//! route's rule in [`rules`]. A route without a rule, or a rule for no
//! route, fails the test.

mod documented;
mod matrix;
mod rules;

use crate::helpers::{TestApp, TestUser};
use crate::pages::Browser;
use reqwest::{Method, StatusCode};
use rules::Owned;
use zapfleet::domain::{Email, UserId};
use zapfleet::services::{accounts, tokens};

/// The password of every account made here.
const PASSWORD: &str = "correct horse battery";

/// Someone with an API token and a signed-in browser.
pub struct Caller {
    pub token: String,
    pub browser: Browser,
    /// The CSRF token of the browser's session.
    pub csrf: String,
    pub id: UserId,
}

impl Caller {
    /// A new account, its token, and a browser signed in through the form.
    pub async fn new(app: &TestApp, admin: bool) -> Self {
        let user = if admin {
            let email = format!("admin-{}@example.com", nanoid::nanoid!(8, &LOWER));
            accounts::create_user(&app.platform, &email, PASSWORD, true)
                .await
                .unwrap();
            let token = tokens::issue(&app.platform, &user_id(app, &email).await, "tests")
                .await
                .unwrap();
            TestUser {
                email,
                token: token.secret,
            }
        } else {
            app.new_user().await
        };
        let browser = Browser::new(app);
        let form_csrf = browser.page("/signin").await.csrf();
        let signed = browser
            .post(
                "/signin",
                &[
                    ("_csrf", form_csrf.as_str()),
                    ("email", user.email.as_str()),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            signed.status(),
            StatusCode::SEE_OTHER,
            "{} signs in",
            user.email
        );
        let csrf = browser.page("/").await.csrf();
        Self {
            id: user_id(app, &user.email).await,
            token: user.token,
            browser,
            csrf,
        }
    }
}

const LOWER: [char; 26] = [
    'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's',
    't', 'u', 'v', 'w', 'x', 'y', 'z',
];

async fn user_id(app: &TestApp, email: &str) -> UserId {
    app.store
        .find_user_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// An id nothing has.
pub const MISSING: &str = "no-such-thing-0000000";

/// What the owner has, for the routes that name it.
pub struct Resources {
    pub instance: String,
    pub token: String,
    pub user: String,
    pub backup_job: String,
}

impl Resources {
    /// The route's path with its `{id}` naming the owner's resource (or no one's).
    pub fn fill(&self, path: &str, owned: Option<Owned>) -> String {
        let id = match owned {
            Some(Owned::Instance) => self.instance.as_str(),
            Some(Owned::Token) => self.token.as_str(),
            Some(Owned::User) => self.user.as_str(),
            Some(Owned::BackupJob) => self.backup_job.as_str(),
            Some(Owned::Delivery | Owned::Nothing) | None => MISSING,
        };
        path.replace("{id}", id)
            .replace("{secret}", "not-a-webhook-secret")
    }
}

/// How a request carries who sends it.
#[derive(Clone, Copy)]
pub enum Via<'a> {
    Nobody,
    Token(&'a str),
    Session(&'a Caller),
}

/// The status of a request (and where it redirects), its body never read: the
/// live events stream never ends.
pub async fn call(
    app: &TestApp,
    via: Via<'_>,
    method: &Method,
    path: &str,
) -> (StatusCode, Option<String>) {
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut request = match via {
        Via::Session(caller) => caller
            .browser
            .client
            .request(method.clone(), app.url(path))
            .header("x-csrf-token", &caller.csrf),
        Via::Token(token) => plain
            .request(method.clone(), app.url(path))
            .bearer_auth(token),
        Via::Nobody => plain.request(method.clone(), app.url(path)),
    };
    // The htmx endpoints answer htmx (the job card redirects a plain visit).
    if path.starts_with("/ui/") || (path.starts_with("/backup/jobs/") && !path.ends_with("/file")) {
        request = request.header("hx-request", "true");
    }
    if method != Method::GET {
        request = if path.starts_with("/api/") {
            request.json(&rules::json_body(method, path))
        } else {
            let csrf = match via {
                Via::Session(caller) => caller.csrf.clone(),
                _ => String::new(),
            };
            request.form(&[("_csrf", csrf)])
        };
    }
    let response = request.send().await.unwrap();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (response.status(), location)
}
