//! The sandbox `serve` runs in-process is closed by default: its controls need
//! its admin token, which comes from `ZAPFLEET_SANDBOX_TOKEN` or a private file
//! in the data folder kept across restarts; its page asks for the token once.

use crate::cli::http_get_with;
use crate::helpers::{Backend, spawn_app};
use crate::webdriver::{self, Browser};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `serve` on a folder of its own; returns the child and its SANDBOX MODE line.
fn serve(dir: &Path, token: Option<&str>) -> (Child, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("ZAPFLEET_CONFIG")
        .env_remove("UAZAPI_URL")
        .env_remove("ZAPFLEET_SANDBOX_TOKEN")
        .env("ZAPFLEET_DATA_DIR", dir.join("data"))
        .env("ZAPFLEET_LISTEN", "127.0.0.1:0")
        .env("ZAPFLEET_SANDBOX_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(token) = token {
        command.env("ZAPFLEET_SANDBOX_TOKEN", token);
    }
    let mut child = command.spawn().expect("run zapfleet serve");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let started = Instant::now();
    let mut sandbox_line = None;
    loop {
        let line = lines.next().expect("serve exited early").unwrap();
        if line.contains("SANDBOX MODE") {
            sandbox_line = Some(line.clone());
        }
        if line.contains("zapfleet is running: ") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not start"
        );
    }
    std::thread::spawn(move || for _ in lines {});
    (child, sandbox_line.expect("a SANDBOX MODE line"))
}

/// The sandbox's address, from the SANDBOX MODE line.
fn sandbox_address(line: &str) -> String {
    let rest = line.split("runs at ").nth(1).expect("the sandbox URL");
    rest.split_whitespace().next().unwrap().to_owned()
}

fn stop(mut child: Child) {
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

/// The status line of `GET /sandbox/instances` with this token.
fn controls(address: &str, token: &str) -> String {
    let reply = http_get_with(
        address,
        "/sandbox/instances",
        &format!("admintoken: {token}\r\n"),
    );
    reply.lines().next().unwrap_or_default().to_owned()
}

#[test]
fn serve_keeps_its_sandbox_token_in_the_data_folder_or_takes_it_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("zapfleet-sandbox-{}", nanoid::nanoid!(10)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("data").join("sandbox.token");

    // First start: a random token, written privately, named in the line.
    let (child, line) = serve(&dir, None);
    let token = std::fs::read_to_string(&file).unwrap();
    assert!(token.len() >= 32, "a long random token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads it");
    }
    assert!(line.contains(&file.display().to_string()), "{line}");
    assert!(
        !line.contains(&token),
        "the line names the file, not the secret"
    );
    let address = sandbox_address(&line);
    let anonymous = http_get_with(&address, "/sandbox/instances", "");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    assert_eq!(controls(&address, "wrong"), "HTTP/1.1 403 Forbidden");
    assert_eq!(controls(&address, &token), "HTTP/1.1 200 OK");
    stop(child);

    // Restarted: the same token still opens the new sandbox.
    let (child, line) = serve(&dir, None);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), token);
    assert_eq!(controls(&sandbox_address(&line), &token), "HTTP/1.1 200 OK");
    stop(child);

    // ZAPFLEET_SANDBOX_TOKEN wins over the file.
    let (child, line) = serve(&dir, Some("t0ken-escolhido"));
    assert!(line.contains("ZAPFLEET_SANDBOX_TOKEN"), "{line}");
    let address = sandbox_address(&line);
    assert_eq!(controls(&address, "t0ken-escolhido"), "HTTP/1.1 200 OK");
    assert_eq!(controls(&address, &token), "HTTP/1.1 403 Forbidden");
    stop(child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_in_process_sandbox_shows_nothing_without_its_token() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let ana = app.new_user().await;
    let instance = app.create_instance(&ana, "Fechada", "11 98888-7777").await;
    let anonymous = app
        .client
        .get(format!("{}/sandbox/instances", app.sandbox))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let listed = app
        .sandbox(Method::GET, "/sandbox/instances", json!({}))
        .await;
    assert_eq!(listed.status(), StatusCode::OK);
    let listed: Vec<Value> = listed.json().await.unwrap();
    let twin = listed
        .iter()
        .find(|i| i["name"] == instance["instanceKey"])
        .expect("the twin");
    assert!(twin.get("token").is_none(), "{twin}");
    // The token it does not show is still the provider's, for the admin API.
    assert!(!app.provider_token(twin).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_page_asks_for_the_token_once_and_scans_a_qr() {
    if !webdriver::available() {
        return;
    }
    let app = spawn_app(Backend::Sqlite).await.unwrap();
    let ana = app.new_user().await;
    let instance = app
        .create_instance(&ana, "Pelo celular", "11 98888-7777")
        .await;
    let id = instance["id"].as_str().unwrap();
    let started = app.act(&ana, id, "connect", None).await;
    assert_eq!(started.status(), StatusCode::OK);
    let browser = Browser::start().await;
    let visible = |css: &'static str| {
        let browser = &browser;
        async move {
            let shown = browser
                .script(&format!(
                    "const e = document.querySelector('{css}'); return !!e && !e.closest('[hidden]');"
                ))
                .await;
            (shown == Value::Bool(true)).then_some(())
        }
    };

    browser.goto(&format!("{}/sandbox/", app.sandbox)).await;
    browser
        .wait_for("the token form", || visible("#token-form"))
        .await;
    browser
        .type_into(&browser.find("#token").await, "not-the-token")
        .await;
    browser
        .click(&browser.find("#token-form button").await)
        .await;
    browser
        .wait_for("the refusal", || async {
            let problem = browser.text(&browser.find("#problem").await).await;
            problem.contains("recusado").then_some(())
        })
        .await;
    browser
        .wait_for("the token form again", || visible("#token-form"))
        .await;
    browser
        .type_into(&browser.find("#token").await, &app.sandbox_token)
        .await;
    browser
        .click(&browser.find("#token-form button").await)
        .await;
    let scan = browser.find("#rows button").await;
    browser.click(&scan).await;
    app.wait_for_status(&ana, id, "connected", Duration::from_secs(10))
        .await;

    // Kept for the tab: a reload needs no token again.
    browser.goto(&format!("{}/sandbox/", app.sandbox)).await;
    browser.wait_for("the list", || visible("#rows")).await;
    browser
        .wait_for("the connected instance", || async {
            let rows = browser.text(&browser.find("#rows").await).await;
            rows.contains("connected").then_some(())
        })
        .await;
}
