//! The audit log: every action leaves its line with where it came from; each
//! user reads their own lines and the administrator everyone's; pages go
//! newest first; old lines go with the retention rules, and none is ever changed.

mod actions;
mod local;
mod page;
mod visibility;

use crate::helpers::{TestApp, TestUser};
use crate::pages::Page;
use reqwest::redirect::Policy;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use zapfleet::domain::{Email, UserId};
use zapfleet::services::{accounts, tokens};

/// A browser with its own user agent: keeps cookies, does not follow redirects.
pub struct Agent {
    pub client: reqwest::Client,
    base: String,
}

impl Agent {
    pub fn new(app: &TestApp, user_agent: &str) -> Self {
        Self {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .user_agent(user_agent)
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn page(&self, path: &str) -> Page {
        let response = self.client.get(self.url(path)).send().await.unwrap();
        Page::parse(&response.text().await.unwrap())
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts the sign-in or sign-up form; returns the answer's status and the CSRF token.
    pub async fn account_form(
        &self,
        path: &str,
        email: &str,
        password: &str,
    ) -> (StatusCode, String) {
        let csrf = self.page(path).await.csrf();
        let response = self
            .post(
                path,
                &[
                    ("_csrf", csrf.as_str()),
                    ("email", email),
                    ("password", password),
                ],
            )
            .await;
        let status = response.status();
        // Signing in renews the token: the one of the new session is on every page.
        let csrf = if status == StatusCode::SEE_OTHER {
            self.page("/").await.csrf()
        } else {
            csrf
        };
        (status, csrf)
    }
}

/// An account made the way the command line makes them, with an API token.
pub async fn account(app: &TestApp, email: &str, admin: bool) -> (TestUser, UserId) {
    let user = accounts::create_user(&app.platform, email, "correct horse battery", admin)
        .await
        .unwrap();
    let token = tokens::issue(&app.platform, &user.id, "tests")
        .await
        .unwrap();
    (
        TestUser {
            email: email.to_owned(),
            token: token.secret,
        },
        user.id,
    )
}

/// The user id of an e-mail.
pub async fn user_id(app: &TestApp, email: &str) -> UserId {
    app.store
        .find_user_by_email(&Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id
}

/// `GET /api/audit?{query}` as `user`: the status and the body.
pub async fn audit(app: &TestApp, user: &TestUser, query: &str) -> (StatusCode, Value) {
    let response = app
        .request(user, Method::GET, &format!("/api/audit?{query}"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// The actions of a page of lines, in order.
pub fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["action"].as_str().unwrap().to_owned())
        .collect()
}
