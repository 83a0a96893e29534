//! Each action leaves its line: who, what, the target, the client's address
//! and user agent, and a detail without secrets.

use super::{Agent, audit, user_id};
use crate::helpers::{TestApp, TestUser, eventually};
use crate::on_both_backends;
use crate::pages::multipart;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

on_both_backends!(every_action_leaves_its_line_with_where_it_came_from);

const ADMIN_UA: &str = "Navegador-Chefe/1.0";
const STRANGER_UA: &str = "Curioso/2.0";
const API_UA: &str = "cliente-api/3.0";
const PASSPHRASE: &str = "frase secreta do backup";

/// An API call with our own user agent.
async fn api(
    app: &TestApp,
    user: &TestUser,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut request = app.request(user, method, path).header("user-agent", API_UA);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().status()
}

/// Starts a backup from the page and waits for its file; returns the bytes.
async fn backup(admin: &Agent, csrf: &str) -> Vec<u8> {
    let started = admin
        .post(
            "/backup/download",
            &[
                ("_csrf", csrf),
                ("passphrase", PASSPHRASE),
                ("confirm", PASSPHRASE),
            ],
        )
        .await;
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let job = started.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/backup?job=")
        .to_owned();
    let file = format!("/backup/jobs/{job}/file");
    let got = eventually(Duration::from_secs(20), "the backup file", || async {
        let response = admin.client.get(admin.url(&file)).send().await.unwrap();
        (response.status() == StatusCode::OK).then_some(response)
    })
    .await;
    got.bytes().await.unwrap().to_vec()
}

/// Uploads a backup to restore, as a dry run.
async fn restore(admin: &Agent, csrf: &str, file: &[u8]) {
    let (content_type, body) = multipart(&[
        ("_csrf", None, csrf.as_bytes()),
        ("file", Some("b.age"), file),
        ("passphrase", None, PASSPHRASE.as_bytes()),
        ("dry_run", None, b"on"),
    ]);
    let response = admin
        .client
        .post(admin.url("/backup/restore"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

async fn every_action_leaves_its_line_with_where_it_came_from(app: TestApp) {
    // Signing up, in, and failing to, from two browsers.
    let admin = Agent::new(&app, ADMIN_UA);
    let (status, csrf) = admin
        .account_form("/signup", "chefe@loja.com.br", "uma senha forte")
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let admin_id = user_id(&app, "chefe@loja.com.br").await;
    let stranger = Agent::new(&app, STRANGER_UA);
    let tries = [
        (
            "chefe@loja.com.br",
            "senha errada!",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "Ninguem@Loja.com.br",
            "qualquer coisa",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "chefe@loja.com.br",
            "uma senha forte",
            StatusCode::SEE_OTHER,
        ),
    ];
    for (email, password, expected) in tries {
        let (status, _) = stranger.account_form("/signin", email, password).await;
        assert_eq!(status, expected, "{email}");
    }

    // Tokens: one kept for the API, one revoked.
    for name in ["para a API", "descartável"] {
        let made = admin
            .post("/tokens", &[("_csrf", csrf.as_str()), ("name", name)])
            .await;
        assert_eq!(made.status(), StatusCode::OK);
    }
    let tokens = admin.page("/tokens").await;
    let names = tokens.texts("tbody tr td:first-child");
    let revokes = tokens.attrs("form[action$='/revoke']", "action");
    let thrown = &revokes[names.iter().position(|n| n == "descartável").unwrap()];
    let thrown_id = thrown
        .trim_start_matches("/tokens/")
        .trim_end_matches("/revoke")
        .to_owned();
    assert_eq!(
        admin
            .post(thrown, &[("_csrf", csrf.as_str())])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let token = zapfleet::services::tokens::issue(&app.platform, &admin_id, "testes")
        .await
        .unwrap();
    let chefe = TestUser {
        email: "chefe@loja.com.br".into(),
        token: token.secret,
    };

    // An instance's life through the API.
    let created = app
        .request(&chefe, Method::POST, "/api/instances")
        .header("user-agent", API_UA)
        .json(&json!({"name": "Loja Auditada", "phone": "11 98888-1234"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_until_provisioned(&chefe, &id).await;
    let path = format!("/api/instances/{id}");
    assert_eq!(
        api(&app, &chefe, Method::POST, &format!("{path}/connect"), None).await,
        StatusCode::OK
    );
    assert_eq!(
        api(
            &app,
            &chefe,
            Method::POST,
            &format!("{path}/disconnect"),
            None
        )
        .await,
        StatusCode::OK
    );
    let config = json!({"autoReconnect": false, "forwardWebhook": {"url": "http://127.0.0.1:9/h", "secret": "um segredo bem comprido"}});
    assert_eq!(
        api(
            &app,
            &chefe,
            Method::PUT,
            &format!("{path}/config"),
            Some(config)
        )
        .await,
        StatusCode::OK
    );
    assert_eq!(
        api(&app, &chefe, Method::DELETE, &path, None).await,
        StatusCode::NO_CONTENT
    );

    // The administrator disables an account, takes a backup and tries it.
    let (_, bia_id) = super::account(&app, "bia@loja.com.br", false).await;
    let disabled = admin
        .post(
            &format!("/admin/users/{bia_id}/disabled"),
            &[("_csrf", csrf.as_str()), ("value", "true")],
        )
        .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let file = backup(&admin, &csrf).await;
    restore(&admin, &csrf, &file).await;
    let lines = eventually(Duration::from_secs(20), "the restore's line", || async {
        let (_, page) = audit(&app, &chefe, "limit=200").await;
        let lines = page["items"].as_array().unwrap().clone();
        lines
            .iter()
            .any(|l| l["action"] == "restore")
            .then_some(lines)
    })
    .await;

    let line = |action: &str, pick: &dyn Fn(&Value) -> bool| -> Value {
        lines
            .iter()
            .find(|l| l["action"] == action && pick(l))
            .unwrap_or_else(|| panic!("no {action} line in {lines:#?}"))
            .clone()
    };
    let admin_str = admin_id.to_string();
    let from = |l: &Value, ua: &str| {
        assert_eq!(l["ip"], "127.0.0.1", "{l}");
        assert_eq!(l["userAgent"], ua, "{l}");
    };
    let any = |_: &Value| true;

    let signed_up = line("sign_up", &any);
    from(&signed_up, ADMIN_UA);
    assert_eq!(signed_up["userId"], admin_str.as_str());
    assert_eq!(signed_up["actorEmail"], "chefe@loja.com.br");
    assert_eq!(signed_up["detail"], json!({"admin": true}));

    let wrong = line("sign_in_failed", &|l| {
        l["detail"]["reason"] == "wrong_password"
    });
    from(&wrong, STRANGER_UA);
    assert_eq!(wrong["userId"], admin_str.as_str(), "against the account");
    let unknown = line("sign_in_failed", &|l| {
        l["detail"]["reason"] == "unknown_account"
    });
    from(&unknown, STRANGER_UA);
    assert_eq!(unknown["userId"], Value::Null);
    assert_eq!(
        unknown["actorEmail"], "ninguem@loja.com.br",
        "the e-mail typed"
    );
    from(&line("sign_in", &any), STRANGER_UA);

    let made = line("token_created", &|l| l["targetName"] == "descartável");
    from(&made, ADMIN_UA);
    assert_eq!(made["targetId"], thrown_id.as_str());
    let revoked = line("token_revoked", &any);
    from(&revoked, ADMIN_UA);
    assert_eq!(revoked["targetId"], thrown_id.as_str());

    for action in [
        "instance_created",
        "instance_connected",
        "instance_disconnected",
        "settings_changed",
        "instance_deleted",
    ] {
        let l = line(action, &any);
        from(&l, API_UA);
        assert_eq!(l["targetId"], id.as_str(), "{action}");
        assert_eq!(l["targetName"], "Loja Auditada", "{action}");
        assert_eq!(l["userId"], admin_str.as_str());
    }
    assert_eq!(
        line("instance_connected", &any)["detail"],
        json!({"method": "qr"})
    );
    let settings = line("settings_changed", &any);
    let changed = settings["detail"]["changed"].as_array().unwrap();
    assert!(
        changed.contains(&json!("autoReconnect")) && changed.contains(&json!("forwardWebhook"))
    );
    assert!(
        !settings.to_string().contains("um segredo"),
        "no secret in the log"
    );

    let off = line("user_disabled", &any);
    from(&off, ADMIN_UA);
    assert_eq!(off["targetId"], bia_id.to_string().as_str());
    assert_eq!(off["targetName"], "bia@loja.com.br");

    let backed_up = line("backup", &any);
    from(&backed_up, ADMIN_UA);
    assert_eq!(backed_up["detail"]["ok"], true);
    let restored = line("restore", &any);
    from(&restored, ADMIN_UA);
    assert_eq!(restored["detail"]["dryRun"], true);
    assert!(!lines.iter().any(|l| l.to_string().contains(PASSPHRASE)));

    // Newest first.
    let ids: Vec<i64> = lines.iter().map(|l| l["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
}
