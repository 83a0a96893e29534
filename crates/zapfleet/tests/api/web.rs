//! The pages over plain HTTP: sign-in required, CSRF on every form, sign-in
//! attempts limited, pages in Portuguese or English.

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::{Browser, Page};
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

async fn signed_out_visitors_are_sent_to_sign_in(app: TestApp) {
    let browser = Browser::new(&app);
    for path in ["/", "/instances/whatever"] {
        let response = browser.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(response.headers()["location"], "/signin");
    }
    let lost = browser
        .client
        .get(browser.url("/nao-existe"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), StatusCode::NOT_FOUND);
    let lost = Page::parse(&lost.text().await.unwrap());
    assert_eq!(
        lost.text("main p:first-of-type"),
        "Página não encontrada.",
        "browsers get a page, not JSON"
    );
    let signin = browser.get("/signin").await;
    assert_eq!(signin.status(), StatusCode::OK);
    let csp = signin.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"));
    let page = Page::parse(&signin.text().await.unwrap());
    assert_eq!(page.text("h1"), "Entrar");
    assert_eq!(page.count("script:not([src])"), 0, "no inline script");
    assert_eq!(page.count("[style]"), 0, "no inline style");
}

async fn forms_without_the_csrf_token_are_refused(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("csrf@loja.com.br").await;
    let without = browser
        .post(
            "/ui/instances",
            &[("name", "Sem token"), ("phone", "11999999999")],
        )
        .await;
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    let wrong = browser
        .post(
            "/ui/instances",
            &[
                ("_csrf", "x".repeat(43).as_str()),
                ("name", "Token errado"),
                ("phone", "11999999999"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let right = browser
        .post(
            "/ui/instances",
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
    Browser::new(&app).sign_up("limite@loja.com.br").await;
    let fresh = Browser::new(&app);
    let csrf = fresh.page("/signin").await.csrf();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = fresh
            .post(
                "/signin",
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
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("primeira@loja.com.br").await;
    let users = app.store.list_users().await.unwrap();
    let first = users
        .iter()
        .find(|u| u.email.as_str() == "primeira@loja.com.br")
        .unwrap();
    assert!(first.is_admin, "the first account administers the server");

    let home = browser.page("/").await;
    assert_eq!(home.attr("html", "lang"), "pt-BR");
    assert_eq!(home.text("[data-testid=new-instance]"), "Nova Instância");
    assert_eq!(
        home.count("nav a[href='/admin']"),
        1,
        "the admin sees the admin page"
    );
    let switched = browser.post("/locale", &[("_csrf", csrf.as_str())]).await;
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let home = browser.page("/").await;
    assert_eq!(
        home.attr("html", "lang"),
        "en",
        "English, remembered for the user"
    );
    assert_eq!(home.text("[data-testid=new-instance]"), "New instance");
}

async fn tokens_are_shown_once_and_revoking_one_cuts_its_access(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("tokens@loja.com.br").await;
    let created = browser
        .post(
            "/tokens",
            &[("_csrf", csrf.as_str()), ("name", "integração")],
        )
        .await;
    let secret = Page::parse(&created.text().await.unwrap()).text("[data-testid=new-token]");
    assert!(secret.starts_with("zf_"));
    let again = browser.page("/tokens").await;
    assert_eq!(again.count("[data-testid=new-token]"), 0, "shown once only");
    assert_eq!(again.texts("tbody tr td:first-child"), ["integração"]);

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
    let revoke = again.attr("form[action$='/revoke']", "action");
    let revoked = browser.post(&revoke, &[("_csrf", csrf.as_str())]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(api(secret).await, StatusCode::UNAUTHORIZED);
}

async fn admins_disable_users_and_close_sign_ups_and_nobody_else_can(app: TestApp) {
    let admin = Browser::new(&app);
    let admin_csrf = admin.sign_up("chefe@loja.com.br").await;
    app.open_sign_ups().await;
    let member = Browser::new(&app);
    let member_csrf = member.sign_up("equipe@loja.com.br").await;

    assert_eq!(member.get("/admin").await.status(), StatusCode::FORBIDDEN);
    let close = member
        .post(
            "/admin/signups",
            &[("_csrf", member_csrf.as_str()), ("value", "false")],
        )
        .await;
    assert_eq!(close.status(), StatusCode::FORBIDDEN);

    let page = admin.page("/admin").await;
    assert_eq!(
        page.texts("tbody tr td:first-child"),
        ["chefe@loja.com.br", "equipe@loja.com.br"]
    );
    let disable = page.attr("form[action^='/admin/users/']", "action");
    let disabled = admin
        .post(
            &disable,
            &[("_csrf", admin_csrf.as_str()), ("value", "true")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let kicked = member.get("/").await;
    assert_eq!(
        kicked.headers()["location"],
        "/signin",
        "a disabled user's session ends"
    );

    let closed = admin
        .post(
            "/admin/signups",
            &[("_csrf", admin_csrf.as_str()), ("value", "false")],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::SEE_OTHER);
    let newcomer = Browser::new(&app);
    let csrf = newcomer.page("/signup").await.csrf();
    let refused = newcomer
        .post(
            "/signup",
            &[
                ("_csrf", csrf.as_str()),
                ("email", "nova@loja.com.br"),
                ("password", "uma senha forte"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
}

async fn bulk_actions_apply_to_the_selected_instances_only(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("lote@loja.com.br").await;
    for (name, phone) in [
        ("Um", "11999990001"),
        ("Dois", "11999990002"),
        ("Três", "11999990003"),
    ] {
        let created = browser
            .post(
                "/ui/instances",
                &[("_csrf", csrf.as_str()), ("name", name), ("phone", phone)],
            )
            .await;
        assert_eq!(created.status(), StatusCode::OK);
    }
    let table = browser.page("/ui/instances/table?sort=name").await;
    let ids = table.attrs("input[name=ids]", "value");
    assert_eq!(ids.len(), 3);

    let bulk = |body: String| {
        browser
            .client
            .post(browser.url("/ui/instances/bulk"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let connected = bulk(format!(
        "_csrf={csrf}&action=connect&ids={}&ids={}",
        ids[0], ids[1]
    ))
    .await
    .unwrap();
    assert_eq!(connected.status(), StatusCode::OK);
    assert!(
        connected.headers()["hx-trigger"]
            .to_str()
            .unwrap()
            .contains("toast")
    );
    let table = Page::parse(&connected.text().await.unwrap());
    assert_eq!(
        table.count("[data-testid=badge].badge-connecting"),
        2,
        "two connecting, the third untouched"
    );

    let deleted = bulk(format!("_csrf={csrf}&action=delete&ids={}", ids[2]))
        .await
        .unwrap();
    let table = Page::parse(&deleted.text().await.unwrap());
    let mut left = table.attrs("input[name=ids]", "value");
    left.sort();
    let mut expected = ids[..2].to_vec();
    expected.sort();
    assert_eq!(left, expected);

    let forged = bulk(format!("action=delete&ids={}", ids[0])).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
}

async fn the_settings_form_saves_with_the_apis_rules(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("config@loja.com.br").await;
    browser
        .post(
            "/ui/instances",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Config"),
                ("phone", "11999990001"),
            ],
        )
        .await;
    let id = browser
        .page("/ui/instances/table")
        .await
        .attr("input[name=ids]", "value");
    let path = format!("/ui/instances/{id}/config");
    let secret = "um segredo bem comprido";
    // Delays in seconds (a comma works too), events as checkboxes.
    let saved = browser
        .post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("delay_min", "0,2"),
                ("delay_max", "0.9"),
                ("keep_incoming_text", "on"),
                ("hook_url", "http://127.0.0.1:9/hook"),
                ("hook_events", "message.status"),
                ("hook_events", "instance.status"),
                ("hook_secret", secret),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        saved.headers()["location"],
        format!("/instances/{id}?done=saved")
    );
    let page = browser.page(&format!("/instances/{id}?done=saved")).await;
    assert_eq!(page.attr("#delay-min", "value"), "0.2");
    assert_eq!(page.attr("#delay-max", "value"), "0.9");
    assert_eq!(
        page.attrs("input[name=hook_events][checked]", "value"),
        ["instance.status", "message.status"]
    );
    assert_eq!(
        page.attr("template[data-flash]", "data-flash"),
        "Configurações salvas."
    );
    assert_eq!(page.attr("#hook-secret", "type"), "password");
    assert!(
        page.attrs("#hook-secret", "value").is_empty(),
        "a saved secret is never shown again"
    );
    assert!(!page.html.html().contains(secret));
    let config = browser.page(&format!("/instances/{id}")).await;
    assert!(
        config
            .attrs("template[data-flash]", "data-flash")
            .is_empty()
    );

    // Saved again without a secret: the saved one is kept.
    let kept = browser
        .post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("hook_url", "http://127.0.0.1:9/hook2"),
            ],
        )
        .await;
    assert_eq!(
        kept.headers()["location"],
        format!("/instances/{id}?done=saved")
    );

    // A mistake: the page again, with what was typed and the error beside it.
    let bad = browser
        .post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("delay_min", "9"),
                ("delay_max", "2"),
                ("hook_url", "http://127.0.0.1:9/hook3"),
                ("hook_events", "message.received"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::pages::Page::parse(&bad.text().await.unwrap());
    assert_eq!(
        page.text("[data-testid=settings-error]"),
        "Os intervalos vão de 0 a 600 segundos, e o mínimo não pode passar do máximo."
    );
    assert_eq!(page.attr("#delay-min", "value"), "9");
    assert_eq!(page.attr("#delay-min", "aria-invalid"), "true");
    assert_eq!(page.attr("#hook-url", "value"), "http://127.0.0.1:9/hook3");
    assert_eq!(
        page.attrs("input[name=hook_events][checked]", "value"),
        ["message.received"]
    );
    assert_eq!(page.count("[data-testid=settings-details][open]"), 1);
    let short = browser
        .post(
            &path,
            &[
                ("_csrf", csrf.as_str()),
                ("hook_url", "http://127.0.0.1:9/x"),
                ("hook_secret", "curto"),
            ],
        )
        .await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = crate::pages::Page::parse(&short.text().await.unwrap());
    assert_eq!(page.attr("#hook-secret", "aria-invalid"), "true");
}
