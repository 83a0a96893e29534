//! The real binaries, with the sandbox as a separate process behind `UAZAPI_URL`:
//! the server is killed with SIGKILL between steps and started again, and its
//! state converges to the provider's, losing nothing.

use crate::helpers::{Backend, TestDatabase, eventually, fresh_database};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The sandbox process's admin token (its uazapi admin API and its controls).
const SANDBOX_ADMIN: &str = "adm";

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
    eventually(Duration::from_secs(30), "server ready", || async {
        client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == StatusCode::OK)
            .then_some(())
    })
    .await
}

/// The real binaries: a sandbox process, and servers started and killed at will
/// over one database, with a user and a token made by the CLI.
struct Deployment {
    _sandbox: Proc,
    sandbox: String,
    base: String,
    env: Vec<(&'static str, String)>,
    token: String,
    http: reqwest::Client,
    data_dir: std::path::PathBuf,
    _database: TestDatabase,
}

impl Deployment {
    /// SQLite's `integrity_check` on the deployment's file (no server running).
    async fn integrity_check(&self) {
        if let Some((_, url)) = self.env.iter().find(|(key, _)| *key == "DATABASE_URL") {
            crate::helpers::assert_sqlite_intact(url).await;
        }
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl Deployment {
    async fn new(backend: Backend) -> Option<Self> {
        let database = fresh_database(backend).await?;
        let data_dir =
            std::env::temp_dir().join(format!("zapfleet-restart-{}", nanoid::nanoid!(8)));
        let (sandbox_proc, line) = start(
            &[
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--admin-token",
                SANDBOX_ADMIN,
            ],
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
        let env = vec![
            ("DATABASE_URL", database.url.clone()),
            ("UAZAPI_URL", sandbox.clone()),
            ("UAZAPI_ADMIN_TOKEN", SANDBOX_ADMIN.to_owned()),
            ("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}")),
            ("ZAPFLEET_DATA_DIR", data_dir.display().to_string()),
        ];
        let mut deployment = Self {
            _sandbox: sandbox_proc,
            sandbox,
            base: format!("http://127.0.0.1:{port}"),
            env,
            token: String::new(),
            http: reqwest::Client::new(),
            data_dir,
            _database: database,
        };
        assert!(
            deployment
                .cli(&[
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
        let token = deployment
            .cli(&["token", "create", "--email", "ana@loja.com.br"])
            .stdout;
        deployment.token = String::from_utf8(token).unwrap().trim().to_owned();
        Some(deployment)
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command.args(args).env_remove("ZAPFLEET_CONFIG");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command.output().expect("cli")
    }

    /// Starts a server and waits until it is ready; killed (SIGKILL) when dropped.
    async fn serve(&self) -> Proc {
        let (server, _) = start(&["serve"], &self.env, "zapfleet is running");
        wait_until_ready(&self.http, &self.base).await;
        server
    }

    async fn api(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    /// The instance's twin at the sandbox.
    async fn twin(&self, instance_key: &Value) -> Value {
        let all: Vec<Value> = self
            .http
            .get(format!("{}/sandbox/instances", self.sandbox))
            .header("admintoken", SANDBOX_ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let twins: Vec<Value> = all
            .into_iter()
            .filter(|i| i["name"] == *instance_key)
            .collect();
        assert_eq!(twins.len(), 1, "created once at the provider");
        twins.into_iter().next().unwrap()
    }

    /// Creates an instance and starts its QR login; returns it and the QR.
    async fn connecting_instance(&self, name: &str) -> (Value, String) {
        let created: Value = self
            .api(
                reqwest::Method::POST,
                "/api/instances",
                Some(json!({"name": name, "phone": "11 98888-7777"})),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(created["provisioning"]["state"], "ready");
        let id = created["id"].as_str().unwrap();
        let started: Value = self
            .api(
                reqwest::Method::POST,
                &format!("/api/instances/{id}/connect"),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        (
            created,
            started["login"]["qrcode"].as_str().unwrap().to_owned(),
        )
    }

    async fn scan(&self, qrcode: &str) {
        let scanned = self
            .http
            .post(format!("{}/sandbox/phone/scan", self.sandbox))
            .header("admintoken", SANDBOX_ADMIN)
            .json(&json!({"qrcode": qrcode}))
            .send()
            .await
            .unwrap();
        assert_eq!(scanned.status(), StatusCode::OK);
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
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };

    // First life: create and start connecting, then SIGKILL.
    let server = deployment.serve().await;
    let (created, qrcode) = deployment.connecting_instance("Sobrevivente").await;
    let id = created["id"].as_str().unwrap();
    drop(server);

    // While it is dead, the phone scans: the provider's webhook finds nobody.
    deployment.scan(&qrcode).await;

    // Second life: reconciliation brings the instance to the provider's state.
    let _server = deployment.serve().await;
    let status = eventually(
        Duration::from_secs(20),
        "converged to connected",
        || async {
            let status: Value = deployment
                .api(
                    reqwest::Method::GET,
                    &format!("/api/instances/{id}/status"),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            (status["instance"]["status"] == "connected").then_some(status)
        },
    )
    .await;
    assert_eq!(status["history"][0]["to"], "connected");
    deployment.twin(&created["instanceKey"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_again_and_again_mid_send_sends_each_message_once_on_sqlite() {
    killed_again_and_again_mid_send(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_again_and_again_mid_send_sends_each_message_once_on_postgres() {
    killed_again_and_again_mid_send(Backend::Postgres).await;
}

/// The SIGKILL loop of the fault suite: the server is killed in the middle of a
/// queue, started again, killed again as soon as more went out, and so on.
/// `cargo test` kills it 3 times over 60 messages; `ZAPFLEET_FAULTS_LONG=1`, 20
/// times over 400. Each message reaches the provider once and in order, the
/// counters equal a recount, the status agrees, and SQLite's file is sound.
async fn killed_again_and_again_mid_send(backend: Backend) {
    let long = std::env::var("ZAPFLEET_FAULTS_LONG").is_ok_and(|v| v == "1");
    let (kills, messages) = if long { (20, 400) } else { (3, 60) };
    let Some(deployment) = Deployment::new(backend).await else {
        return;
    };
    let mut server = deployment.serve().await;
    let (created, qrcode) = deployment.connecting_instance("Envio interrompido").await;
    let id = created["id"].as_str().unwrap();
    deployment.scan(&qrcode).await;
    let config = json!({"messageDelayMinMs": 20, "messageDelayMaxMs": 40});
    deployment
        .api(
            reqwest::Method::PUT,
            &format!("/api/instances/{id}/config"),
            Some(config),
        )
        .await;
    for n in 0..messages {
        let body = json!({"to": "11977776666", "text": format!("k-{n:03}")});
        let queued = deployment
            .api(
                reqwest::Method::POST,
                &format!("/api/instances/{id}/messages"),
                Some(body),
            )
            .await;
        assert_eq!(queued.status(), StatusCode::ACCEPTED);
    }
    let sent = || async {
        deployment.twin(&created["instanceKey"]).await["sentCount"]
            .as_u64()
            .unwrap_or(0)
    };
    let step = (messages as u64 / (kills + 2)).max(1);
    for kill in 1..=kills {
        // A few more out since the last start, then SIGKILL mid-queue.
        let before = sent().await;
        eventually(
            Duration::from_secs(60),
            &format!("sends before kill {kill}"),
            || async { (sent().await >= before + step).then_some(()) },
        )
        .await;
        drop(server);
        server = deployment.serve().await;
    }

    let twin = eventually(
        Duration::from_secs(120),
        &format!("all {messages} sent after {kills} kills"),
        || async {
            let twin = deployment.twin(&created["instanceKey"]).await;
            (twin["sentCount"] == messages).then_some(twin)
        },
    )
    .await;
    assert_eq!(twin["sentTwice"], 0, "nothing sent twice across the kills");
    let order: Vec<&str> = twin["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..messages).map(|n| format!("k-{n:03}")).collect();
    assert_eq!(order, expected, "in order across the kills");
    let stats: Value = deployment
        .api(
            reqwest::Method::GET,
            &format!("/api/instances/{id}/stats"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total"]["sent"], messages, "counters equal a recount");
    let status: Value = deployment
        .api(
            reqwest::Method::GET,
            &format!("/api/instances/{id}/status"),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["instance"]["status"], twin["status"]);
    drop(server);
    deployment.integrity_check().await;
}
