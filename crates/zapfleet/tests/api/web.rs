//! The pages over plain HTTP: sign-in required, CSRF on every form, sign-in
//! attempts limited, pages in Portuguese or English.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

on_both_backends!(
    signed_out_visitors_are_sent_to_sign_in,
    forms_without_the_csrf_token_are_refused,
    sign_in_attempts_are_limited,
    the_first_account_is_the_admin_and_pages_speak_its_language,
    tokens_are_shown_once_and_revoking_one_cuts_its_access,
    admins_disable_users_and_close_sign_ups_and_nobody_else_can,
);

/// A browser-like client: keeps cookies, does not follow redirects.
fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

async fn sign_up(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let page = client
        .get(app.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let done = client
        .post(app.url("/signup"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", "uma senha forte"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "{}",
        done.text().await.unwrap_or_default()
    );
    csrf
}

async fn signed_out_visitors_are_sent_to_sign_in(app: TestApp) {
    let client = browser_client();
    for path in ["/", "/instances/whatever"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/signin");
    }
    let signin = client.get(app.url("/signin")).send().await.unwrap();
    assert_eq!(signin.status(), StatusCode::OK);
    let csp = signin.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"));
    let html = signin.text().await.unwrap();
    assert!(html.contains("Entrar"));
    assert!(
        !html.contains("<script>") && !html.contains("style=\""),
        "no inline script or style"
    );
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "csrf@loja.com.br").await;
    let without = client
        .post(app.url("/ui/instances"))
        .form(&[("name", "Sem token"), ("phone", "11999999999")])
        .send()
        .await
        .unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = client
        .post(app.url("/ui/instances"))
        .form(&[
            ("_csrf", "x".repeat(43).as_str()),
            ("name", "Token errado"),
            ("phone", "11999999999"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = client
        .post(app.url("/ui/instances"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("name", "Com token"),
            ("phone", "11999999999"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(
        right.headers()["hx-trigger"]
            .to_str()
            .unwrap()
            .contains("instanceCreated")
    );

    // Another site's form: the browser sends the session cookie but not our token.
    let stranger = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    let forged = stranger
        .post(app.url("/signout"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        forged.status(),
        StatusCode::FORBIDDEN,
        "a token without its cookie proves nothing"
    );
}

async fn sign_in_attempts_are_limited(app: TestApp) {
    let client = browser_client();
    sign_up(&app, &client, "limite@loja.com.br").await;
    let fresh = browser_client();
    let page = fresh
        .get(app.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = fresh
            .post(app.url("/signin"))
            .form(&[
                ("_csrf", csrf.as_str()),
                ("email", "limite@loja.com.br"),
                ("password", "errada!!"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push(response.status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(*statuses.last().unwrap(), StatusCode::TOO_MANY_REQUESTS);
}

async fn the_first_account_is_the_admin_and_pages_speak_its_language(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "primeira@loja.com.br").await;
    let users = app.store.list_users().await.unwrap();
    let first = users
        .iter()
        .find(|u| u.email.as_str() == "primeira@loja.com.br")
        .unwrap();
    assert!(first.is_admin, "the first account administers the server");

    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Nova Instância") && home.contains("lang=\"pt-BR\""));
    let switched = client
        .post(app.url("/locale"))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("New instance") && home.contains("lang=\"en\""),
        "English, remembered for the user"
    );
}

async fn tokens_are_shown_once_and_revoking_one_cuts_its_access(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "tokens@loja.com.br").await;
    let page = client
        .post(app.url("/tokens"))
        .form(&[("_csrf", csrf.as_str()), ("name", "integração")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = page
        .split("data-testid=\"new-token\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(secret.starts_with("zf_"));
    let again = client
        .get(app.url("/tokens"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains(&secret), "shown once only");
    assert!(again.contains("integração"));

    let api = |token: String| {
        let app = &app;
        async move {
            app.client
                .get(app.url("/api/instances"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(api(secret.clone()).await, StatusCode::OK);
    let id = again
        .split("/tokens/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let revoked = client
        .post(app.url(&format!("/tokens/{id}/revoke")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(secret).await, StatusCode::UNAUTHORIZED);
}

async fn admins_disable_users_and_close_sign_ups_and_nobody_else_can(app: TestApp) {
    let admin = browser_client();
    let admin_csrf = sign_up(&app, &admin, "chefe@loja.com.br").await;
    let member = browser_client();
    let member_csrf = sign_up(&app, &member, "equipe@loja.com.br").await;

    assert_eq!(
        member.get(app.url("/admin")).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let close = member
        .post(app.url("/admin/signups"))
        .form(&[("_csrf", member_csrf.as_str()), ("value", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(close.status(), StatusCode::FORBIDDEN);

    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("equipe@loja.com.br"));
    let member_id = page
        .split("/admin/users/")
        .filter_map(|p| p.split('/').next())
        .last()
        .unwrap()
        .to_owned();
    let disabled = admin
        .post(app.url(&format!("/admin/users/{member_id}/disabled")))
        .form(&[("_csrf", admin_csrf.as_str()), ("value", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let kicked = member.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        kicked.headers()["location"],
        "/signin",
        "a disabled user's session ends"
    );

    let closed = admin
        .post(app.url("/admin/signups"))
        .form(&[("_csrf", admin_csrf.as_str()), ("value", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let newcomer = browser_client();
    let page = newcomer
        .get(app.url("/signup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let refused = newcomer
        .post(app.url("/signup"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("email", "nova@loja.com.br"),
            ("password", "uma senha forte"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}
