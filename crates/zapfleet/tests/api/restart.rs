//! The real binaries, with the sandbox as a separate process behind `UAZAPI_URL`:
//! the server is killed with SIGKILL between steps and started again, and its
//! state converges to the provider's, losing nothing.

use crate::helpers::{Backend, fresh_database};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `zapfleet` with `args` and `env`, and returns it with the first stderr
/// line containing `marker` (its announced address).
fn start(args: &[&str], env: &[(&str, String)], marker: &str) -> (Proc, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
    command
        .args(args)
        .env_remove("ZAPFLEET_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start zapfleet");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = loop {
        let line = lines
            .next()
            .expect("exited before announcing itself")
            .unwrap();
        if line.contains(marker) {
            break line;
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (Proc(child), line)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_ready(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == StatusCode::OK)
    {
        assert!(Instant::now() < deadline, "server not ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_comes_back_in_step_with_the_provider_on_sqlite() {
    killed_server_converges(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_comes_back_in_step_with_the_provider_on_postgres() {
    killed_server_converges(Backend::Postgres).await;
}

async fn killed_server_converges(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let data_dir = std::env::temp_dir().join(format!("zapfleet-restart-{}", nanoid::nanoid!(8)));
    let (_sandbox, line) = start(
        &["sandbox", "--listen", "127.0.0.1:0", "--admin-token", "adm"],
        &[],
        "uazapi sandbox: ",
    );
    let sandbox = line
        .split("uazapi sandbox: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = vec![
        ("DATABASE_URL", database.url.clone()),
        ("UAZAPI_URL", sandbox.clone()),
        ("UAZAPI_ADMIN_TOKEN", "adm".to_owned()),
        ("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}")),
        ("ZAPFLEET_DATA_DIR", data_dir.display().to_string()),
        ("ZAPFLEET_SANDBOX_LISTEN", "127.0.0.1:0".to_owned()),
    ];
    let cli = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command.args(args).env_remove("ZAPFLEET_CONFIG");
        for (key, value) in &env {
            command.env(key, value);
        }
        command.output().expect("cli")
    };
    assert!(
        cli(&[
            "user",
            "create",
            "--email",
            "ana@loja.com.br",
            "--password",
            "segredo123"
        ])
        .status
        .success()
    );
    let token = String::from_utf8(cli(&["token", "create", "--email", "ana@loja.com.br"]).stdout)
        .unwrap()
        .trim()
        .to_owned();
    let http = reqwest::Client::new();

    // First life: create and start connecting, then SIGKILL.
    let (server, _) = start(&["serve"], &env, "zapfleet is running");
    wait_until_ready(&http, &base).await;
    let created: Value = http
        .post(format!("{base}/api/instances"))
        .bearer_auth(&token)
        .json(&json!({"name": "Sobrevivente", "phone": "11 98888-7777"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["provisioning"]["state"], "ready");
    let started: Value = http
        .post(format!("{base}/api/instances/{id}/connect"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let qrcode = started["login"]["qrcode"].as_str().unwrap().to_owned();
    drop(server);

    // While it is dead, the phone scans: the provider's webhook finds nobody.
    let scanned = http
        .post(format!("{sandbox}/sandbox/phone/scan"))
        .json(&json!({"qrcode": qrcode}))
        .send()
        .await
        .unwrap();
    assert_eq!(scanned.status(), StatusCode::OK);

    // Second life: reconciliation brings the instance to the provider's state.
    let (_server, _) = start(&["serve"], &env, "zapfleet is running");
    wait_until_ready(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status: Value = http
            .get(format!("{base}/api/instances/{id}/status"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if status["instance"]["status"] == "connected" {
            assert_eq!(status["history"][0]["to"], "connected");
            break;
        }
        assert!(Instant::now() < deadline, "never converged: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let all: Vec<Value> = http
        .get(format!("{sandbox}/sandbox/instances"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        all.iter()
            .filter(|i| i["name"] == created["instanceKey"])
            .count(),
        1,
        "created once at the provider"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_send_sends_every_message_exactly_once() {
    let Some(database) = fresh_database(Backend::Postgres).await else {
        return;
    };
    let data_dir = std::env::temp_dir().join(format!("zapfleet-midsend-{}", nanoid::nanoid!(8)));
    let (_sandbox, line) = start(
        &["sandbox", "--listen", "127.0.0.1:0", "--admin-token", "adm"],
        &[],
        "uazapi sandbox: ",
    );
    let sandbox = line
        .split("uazapi sandbox: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = vec![
        ("DATABASE_URL", database.url.clone()),
        ("UAZAPI_URL", sandbox.clone()),
        ("UAZAPI_ADMIN_TOKEN", "adm".to_owned()),
        ("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}")),
        ("ZAPFLEET_DATA_DIR", data_dir.display().to_string()),
    ];
    let cli = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command.args(args).env_remove("ZAPFLEET_CONFIG");
        for (key, value) in &env {
            command.env(key, value);
        }
        command.output().expect("cli")
    };
    assert!(
        cli(&[
            "user",
            "create",
            "--email",
            "ana@loja.com.br",
            "--password",
            "segredo123"
        ])
        .status
        .success()
    );
    let token = String::from_utf8(cli(&["token", "create", "--email", "ana@loja.com.br"]).stdout)
        .unwrap()
        .trim()
        .to_owned();
    let http = reqwest::Client::new();

    let (server, _) = start(&["serve"], &env, "zapfleet is running");
    wait_until_ready(&http, &base).await;
    let created: Value = http
        .post(format!("{base}/api/instances"))
        .bearer_auth(&token)
        .json(&json!({"name": "Envio interrompido", "phone": "11 98888-7777"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let started: Value = http
        .post(format!("{base}/api/instances/{id}/connect"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    http.post(format!("{sandbox}/sandbox/phone/scan"))
        .json(&json!({"qrcode": started["login"]["qrcode"]}))
        .send()
        .await
        .unwrap();
    http.put(format!("{base}/api/instances/{id}/config"))
        .bearer_auth(&token)
        .json(&json!({"messageDelayMinMs": 20, "messageDelayMaxMs": 40}))
        .send()
        .await
        .unwrap();
    for n in 0..60 {
        let queued = http
            .post(format!("{base}/api/instances/{id}/messages"))
            .bearer_auth(&token)
            .json(&json!({"to": "11977776666", "text": format!("k-{n:02}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
    }
    // Let some go out, then kill the server in the middle of the queue.
    tokio::time::sleep(Duration::from_millis(600)).await;
    drop(server);

    let (_server, _) = start(&["serve"], &env, "zapfleet is running");
    wait_until_ready(&http, &base).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let all: Vec<Value> = http
            .get(format!("{sandbox}/sandbox/instances"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let twin = all
            .iter()
            .find(|i| i["name"] == created["instanceKey"])
            .unwrap();
        if twin["sentCount"] == 60 {
            assert_eq!(twin["sentTwice"], 0, "nothing sent twice across the crash");
            let order: Vec<&str> = twin["sent"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["text"].as_str().unwrap())
                .collect();
            let expected: Vec<String> = (0..60).map(|n| format!("k-{n:02}")).collect();
            assert_eq!(order, expected, "in order across the crash");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not all sent after the restart: {}",
            twin["sentCount"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}
