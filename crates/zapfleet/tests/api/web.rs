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
    bulk_actions_apply_to_the_selected_instances_only,
    the_settings_form_saves_with_the_apis_rules,
);

/// A browser-like client: keeps cookies, does not follow redirects.
fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The body of a GET.
async fn get_page(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// A form POST.
async fn post_form(
    client: &reqwest::Client,
    url: String,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    client.post(url).form(fields).send().await.unwrap()
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
    let page = get_page(client, app.url("/signup")).await;
    let csrf = csrf_of(&page);
    let done = post_form(
        client,
        app.url("/signup"),
        &[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", "uma senha forte"),
        ],
    )
    .await;
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
    let lost = client
        .get(app.url("/nao-existe"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), StatusCode::NOT_FOUND);
    assert!(
        lost.text().await.unwrap().contains("Página não encontrada"),
        "browsers get a page, not JSON"
    );
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
    let without = post_form(
        &client,
        app.url("/ui/instances"),
        &[("name", "Sem token"), ("phone", "11999999999")],
    )
    .await;
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = post_form(
        &client,
        app.url("/ui/instances"),
        &[
            ("_csrf", "x".repeat(43).as_str()),
            ("name", "Token errado"),
            ("phone", "11999999999"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = post_form(
        &client,
        app.url("/ui/instances"),
        &[
            ("_csrf", csrf.as_str()),
            ("name", "Com token"),
            ("phone", "11999999999"),
        ],
    )
    .await;
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
    let forged = post_form(&stranger, app.url("/signout"), &[("_csrf", csrf.as_str())]).await;
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
    let page = get_page(&fresh, app.url("/signin")).await;
    let csrf = csrf_of(&page);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = post_form(
            &fresh,
            app.url("/signin"),
            &[
                ("_csrf", csrf.as_str()),
                ("email", "limite@loja.com.br"),
                ("password", "errada!!"),
            ],
        )
        .await;
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

    let home = get_page(&client, app.url("/")).await;
    assert!(home.contains("Nova Instância") && home.contains("lang=\"pt-BR\""));
    let switched = post_form(&client, app.url("/locale"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let home = get_page(&client, app.url("/")).await;
    assert!(
        home.contains("New instance") && home.contains("lang=\"en\""),
        "English, remembered for the user"
    );
}

async fn tokens_are_shown_once_and_revoking_one_cuts_its_access(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "tokens@loja.com.br").await;
    let page = post_form(
        &client,
        app.url("/tokens"),
        &[("_csrf", csrf.as_str()), ("name", "integração")],
    )
    .await
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
    let again = get_page(&client, app.url("/tokens")).await;
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
    let revoked = post_form(
        &client,
        app.url(&format!("/tokens/{id}/revoke")),
        &[("_csrf", csrf.as_str())],
    )
    .await;
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
    let close = post_form(
        &member,
        app.url("/admin/signups"),
        &[("_csrf", member_csrf.as_str()), ("value", "false")],
    )
    .await;
    assert_eq!(close.status(), StatusCode::FORBIDDEN);

    let page = get_page(&admin, app.url("/admin")).await;
    assert!(page.contains("equipe@loja.com.br"));
    let member_id = page
        .split("/admin/users/")
        .filter_map(|p| p.split('/').next())
        .last()
        .unwrap()
        .to_owned();
    let disabled = post_form(
        &admin,
        app.url(&format!("/admin/users/{member_id}/disabled")),
        &[("_csrf", admin_csrf.as_str()), ("value", "true")],
    )
    .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let kicked = member.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        kicked.headers()["location"],
        "/signin",
        "a disabled user's session ends"
    );

    let closed = post_form(
        &admin,
        app.url("/admin/signups"),
        &[("_csrf", admin_csrf.as_str()), ("value", "false")],
    )
    .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let newcomer = browser_client();
    let page = get_page(&newcomer, app.url("/signup")).await;
    let refused = post_form(
        &newcomer,
        app.url("/signup"),
        &[
            ("_csrf", csrf_of(&page).as_str()),
            ("email", "nova@loja.com.br"),
            ("password", "uma senha forte"),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn bulk_actions_apply_to_the_selected_instances_only(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "lote@loja.com.br").await;
    for (name, phone) in [
        ("Um", "11999990001"),
        ("Dois", "11999990002"),
        ("Três", "11999990003"),
    ] {
        let created = post_form(
            &client,
            app.url("/ui/instances"),
            &[("_csrf", csrf.as_str()), ("name", name), ("phone", phone)],
        )
        .await;
        assert_eq!(created.status(), StatusCode::OK);
    }
    let table = get_page(&client, app.url("/ui/instances/table?sort=name")).await;
    let ids: Vec<String> = table
        .split("name=\"ids\" value=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);

    let body = format!("_csrf={csrf}&action=connect&ids={}&ids={}", ids[0], ids[1]);
    let connected = client
        .post(app.url("/ui/instances/bulk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(connected.status(), StatusCode::OK);
    assert!(
        connected.headers()["hx-trigger"]
            .to_str()
            .unwrap()
            .contains("toast")
    );
    let table = connected.text().await.unwrap();
    assert_eq!(
        table.matches("badge-connecting").count(),
        2,
        "two connecting, the third untouched"
    );

    let body = format!("_csrf={csrf}&action=delete&ids={}", ids[2]);
    let deleted = client
        .post(app.url("/ui/instances/bulk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted
            .text()
            .await
            .unwrap()
            .matches("name=\"ids\"")
            .count(),
        2
    );

    let forged = client
        .post(app.url("/ui/instances/bulk"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("action=delete&ids={}", ids[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

async fn the_settings_form_saves_with_the_apis_rules(app: TestApp) {
    let client = browser_client();
    let csrf = sign_up(&app, &client, "config@loja.com.br").await;
    post_form(
        &client,
        app.url("/ui/instances"),
        &[
            ("_csrf", csrf.as_str()),
            ("name", "Config"),
            ("phone", "11999990001"),
        ],
    )
    .await;
    let table = get_page(&client, app.url("/ui/instances/table")).await;
    let id = table
        .split("name=\"ids\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/ui/instances/{id}/config");
    let saved = post_form(
        &client,
        app.url(&path),
        &[
            ("_csrf", csrf.as_str()),
            ("delay_min", "200"),
            ("delay_max", "900"),
            ("keep_incoming_text", "on"),
            ("hook_url", "http://127.0.0.1:9/hook"),
            ("hook_events", "message.status, instance.status"),
            ("hook_secret", "um segredo bem comprido"),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(saved.headers()["location"], format!("/instances/{id}"));
    let page = get_page(&client, app.url(&format!("/instances/{id}"))).await;
    assert!(page.contains("value=\"200\"") && page.contains("value=\"900\""));
    assert!(page.contains("message.status, instance.status"));

    let bad = post_form(
        &client,
        app.url(&path),
        &[
            ("_csrf", csrf.as_str()),
            ("delay_min", "900"),
            ("delay_max", "200"),
        ],
    )
    .await;
    let location = bad.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("?error=delays"));
    let page = get_page(&client, app.url(&location)).await;
    assert!(page.contains("data-testid=\"settings-error\""));
    let short = post_form(
        &client,
        app.url(&path),
        &[
            ("_csrf", csrf.as_str()),
            ("hook_url", "http://127.0.0.1:9/x"),
            ("hook_secret", "curto"),
        ],
    )
    .await;
    assert!(
        short.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with("?error=forwardWebhook.secret")
    );
}
