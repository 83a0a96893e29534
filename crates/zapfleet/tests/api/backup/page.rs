//! The Backup page in a real browser: Ana takes a backup on her old server
//! (desktop), signs up on the new one from her phone, tries a wrong
//! passphrase, does a dry run, restores, and finds her number connected.

use super::{PASSPHRASE, default_key, on_provider, provider, records, temp_file};
use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::webdriver::{self, Browser};
use serde_json::Value;
use zapfleet::services::backup::format::Record;

fn shots() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn submit_account_form(
    browser: &Browser,
    app: &TestApp,
    path: &str,
    email: &str,
    password: &str,
) {
    browser.goto(&app.url(path)).await;
    browser
        .type_into(&browser.find("#email").await, email)
        .await;
    browser
        .type_into(&browser.find("#password").await, password)
        .await;
    browser
        .click(&browser.find("button[type=submit].primary").await)
        .await;
    browser
        .find("[data-testid=overview], [data-testid=empty-state]")
        .await;
}

/// Waits until the job card, refreshed by htmx, says it ended.
async fn wait_for_job(browser: &Browser) -> String {
    browser
        .wait_for("the job to end", || async {
            // State and text read together from the card shown now: the card
            // polls itself and is replaced every second, so a handle found a
            // moment before may be gone (and read as "").
            let card = browser
                .script(
                    "const c = document.querySelector('[data-testid=backup-job]');\
                     return c && [c.dataset.state, c.innerText]",
                )
                .await;
            let state = card.get(0)?.as_str()?;
            (state != "running").then(|| card[1].as_str().unwrap_or_default().to_owned())
        })
        .await
}

/// The restore report's rows: what, created, kept, skipped.
async fn report(browser: &Browser) -> Vec<Vec<String>> {
    let rows = browser
        .script(
            "return [...document.querySelectorAll('[data-testid=restore-report] tbody tr')]
               .map(tr => [...tr.children].map(c => c.textContent.trim()))",
        )
        .await;
    serde_json::from_value(rows).unwrap()
}

async fn restore(
    browser: &Browser,
    file: &std::path::Path,
    passphrase: &str,
    dry_run: bool,
) -> String {
    browser
        .choose_file(&browser.find("#restore-file").await, file)
        .await;
    browser
        .type_into(&browser.find("#restore-passphrase").await, passphrase)
        .await;
    if dry_run {
        browser
            .click(&browser.find("[data-testid=restore-dry-run]").await)
            .await;
    }
    browser
        .click(&browser.find("[data-testid=restore-start]").await)
        .await;
    wait_for_job(browser).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_in_the_browser_restores_on_a_new_server_from_a_phone() {
    if !webdriver::available() {
        return;
    }
    let provider = provider().await;
    let old = spawn_app_with(Backend::Sqlite, on_provider(&provider, &default_key()))
        .await
        .unwrap();
    let ana = old.new_user().await;
    old.connected_instance(&ana, "Loja Virtual").await;
    let browser = Browser::start().await;

    // On the old server, at a desk: the Backup page from the menu.
    submit_account_form(
        &browser,
        &old,
        "/signin",
        &ana.email,
        "correct horse battery",
    )
    .await;
    browser
        .click(&browser.find("nav a[href='/backup']").await)
        .await;
    browser
        .type_into(&browser.find("#backup-passphrase").await, PASSPHRASE)
        .await;
    browser
        .type_into(
            &browser.find("#backup-confirm").await,
            "frase secreta do backupp",
        )
        .await;
    browser
        .click(&browser.find("[data-testid=backup-start]").await)
        .await;
    let mismatch = browser.find("#backup-confirm-error").await;
    assert_eq!(
        browser.text(&mismatch).await,
        "As duas senhas não são iguais."
    );
    browser
        .type_into(&browser.find("#backup-passphrase").await, PASSPHRASE)
        .await;
    browser
        .type_into(&browser.find("#backup-confirm").await, PASSPHRASE)
        .await;
    browser
        .click(&browser.find("[data-testid=backup-start]").await)
        .await;
    let done = wait_for_job(&browser).await;
    assert!(done.contains("Backup pronto"), "{done}");
    assert!(done.contains("Baixar o backup"), "{done}");
    browser.screenshot(&shots().join("backup-ready.png")).await;

    // The download, fetched as the link gives it.
    let bytes = browser
        .script(
            "return fetch(document.querySelector('[data-testid=backup-download]').href)
               .then(r => r.arrayBuffer())
               .then(b => { let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); return btoa(s); })",
        )
        .await;
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(bytes.as_str().unwrap())
        .unwrap();
    let names: Vec<String> = records(&bytes)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record {
            Record::Instance { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["Loja Virtual"]);
    let file = temp_file("browser.age");
    std::fs::write(&file, &bytes).unwrap();
    drop(old);

    // The new server, from a phone.
    let Some(new) =
        spawn_app_with(Backend::Postgres, on_provider(&provider, &"17".repeat(32))).await
    else {
        return;
    };
    browser.resize(390, 844).await;
    submit_account_form(
        &browser,
        &new,
        "/signup",
        &ana.email,
        "uma senha nova forte",
    )
    .await;
    browser.goto(&new.url("/backup")).await;

    let failed = restore(&browser, &file, "frase errada demais", false).await;
    assert!(failed.contains("Senha errada para este backup"), "{failed}");

    let dry = restore(&browser, &file, PASSPHRASE, true).await;
    assert!(
        dry.contains("Simulação concluída: nada foi gravado"),
        "{dry}"
    );
    let rows = report(&browser).await;
    assert_eq!(rows[3], ["Instâncias", "1", "0", "0"], "{rows:?}");

    let restored = restore(&browser, &file, PASSPHRASE, false).await;
    assert!(restored.contains("Restauração concluída"), "{restored}");
    assert_eq!(report(&browser).await[3], ["Instâncias", "1", "0", "0"]);
    browser
        .screenshot(&shots().join("backup-restored-phone.png"))
        .await;
    let taken = browser
        .text(&browser.find("[data-testid=restore-taken-over]").await)
        .await;
    assert!(taken.ends_with('1'), "{taken}");

    // Her number is on the list, connected, with no QR scanned.
    browser.goto(&new.url("/")).await;
    let badge = browser.find("[data-testid=badge]").await;
    browser
        .wait_for("the badge to say Conectado", || async {
            (browser.text(&badge).await == "Conectado").then_some(())
        })
        .await;
    let listed: Value = browser
        .script("return document.body.textContent.includes('Loja Virtual')")
        .await;
    assert_eq!(listed, true);
    let _ = std::fs::remove_file(&file);
}

/// What someone else can do with Ana's backup job: nothing. And the forms
/// refuse what a browser of hers would not send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_jobs_are_their_owners_alone() {
    use crate::pages::Browser as Http;
    use reqwest::StatusCode;
    let Some(app) = crate::helpers::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let ana = Http::new(&app);
    let csrf = ana.sign_up("ana@loja.com.br").await;
    let started = ana
        .post(
            "/backup/download",
            &[
                ("_csrf", csrf.as_str()),
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
    let got =
        crate::helpers::eventually(std::time::Duration::from_secs(10), "the backup", || async {
            let response = ana.get(&file).await;
            (response.status() == StatusCode::OK).then_some(response)
        })
        .await;
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"zapfleet-backup-")
    );
    assert_eq!(got.headers()["cache-control"], "no-store");
    assert!(records(&got.bytes().await.unwrap()).is_ok());

    app.open_sign_ups().await;
    let bia = Http::new(&app);
    let bia_csrf = bia.sign_up("bia@loja.com.br").await;
    assert_eq!(bia.get(&file).await.status(), StatusCode::NOT_FOUND);
    let card = bia
        .client
        .get(bia.url(&format!("/backup/jobs/{job}")))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!card.contains("/file"), "no link to Ana's file: {card}");

    // Without the form's token, nothing is uploaded; without a file, the field says so.
    let upload = |csrf: Option<&str>, file: Option<&[u8]>| {
        // multipart/form-data as a browser writes it, fields in the form's order.
        let boundary = "----zapfleet-test-boundary";
        let mut body = Vec::new();
        let mut field = |name: &str, file_name: Option<&str>, value: &[u8]| {
            let file_name = file_name.map_or(String::new(), |f| format!("; filename=\"{f}\""));
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file_name}\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        };
        if let Some(csrf) = csrf {
            field("_csrf", None, csrf.as_bytes());
        }
        if let Some(bytes) = file {
            field("file", Some("b.age"), bytes);
        }
        field("passphrase", None, PASSPHRASE.as_bytes());
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        bia.client
            .post(bia.url("/backup/restore"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
    };
    assert_eq!(
        upload(None, Some(b"x")).await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    // Twice the field's limit; small enough that the whole body is sent
    // before the server answers (it stops reading at the limit).
    let oversized = bia
        .client
        .post(bia.url("/backup/restore"))
        .header("content-type", "multipart/form-data; boundary=b")
        .body(format!(
            "--b\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{bia_csrf}\r\n--b\r\nContent-Disposition: form-data; name=\"passphrase\"\r\n\r\n{}\r\n--b--\r\n",
            "x".repeat(8_000)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        oversized.status(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "a passphrase is not a file"
    );
    let missing = upload(Some(&bia_csrf), None).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("Escolha o arquivo de backup.")
    );
}
