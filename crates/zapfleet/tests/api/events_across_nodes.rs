//! Live events and forward webhooks across nodes, with the real binaries: two
//! `zapfleet serve` processes on one PostgreSQL schema and one sandbox process.
//! A provider webhook that lands on one node reaches the streams of the other;
//! a stream resumes on another node with `Last-Event-ID`; and a node killed
//! between a change and its fan-out still has its forward webhook delivered
//! after a restart (on SQLite too, one node there).

use crate::forwarding::{SECRET, start_receiver};
use crate::helpers::{Backend, EventStream, SseEvent, TestDatabase, eventually, fresh_database};
use crate::restart::{Proc, SANDBOX_ADMIN, free_port, start, wait_until_ready};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;
use std::process::Command;
use std::time::Duration;

/// A sandbox process, and servers over one database that share a key.
struct Cluster {
    _sandbox: Proc,
    sandbox: String,
    database: TestDatabase,
    token: String,
    http: reqwest::Client,
    dirs: Vec<std::path::PathBuf>,
}

/// One `zapfleet serve` of a cluster.
struct Node {
    proc: Proc,
    base: String,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Cluster {
    async fn new(backend: Backend) -> Option<Self> {
        let database = fresh_database(backend).await?;
        let args = [
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--admin-token",
            SANDBOX_ADMIN,
        ];
        let (sandbox_proc, line) = start(&args, &[], "uazapi sandbox: ");
        let sandbox = line.split("uazapi sandbox: ").nth(1).unwrap();
        let sandbox = sandbox.split_whitespace().next().unwrap().to_owned();
        let mut cluster = Self {
            _sandbox: sandbox_proc,
            sandbox,
            database,
            token: String::new(),
            http: reqwest::Client::new(),
            dirs: Vec::new(),
        };
        let created = cluster.cli(&[
            "user",
            "create",
            "--email",
            "ana@loja.com.br",
            "--password",
            "segredo123",
        ]);
        assert!(created.status.success(), "{created:?}");
        let token = cluster.cli(&["token", "create", "--email", "ana@loja.com.br"]);
        cluster.token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
        Some(cluster)
    }

    fn env(&self, port: u16, data_dir: &std::path::Path) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.database.url.clone()),
            ("UAZAPI_URL", self.sandbox.clone()),
            ("UAZAPI_ADMIN_TOKEN", SANDBOX_ADMIN.to_owned()),
            ("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}")),
            ("ZAPFLEET_DATA_DIR", data_dir.display().to_string()),
            // Every node opens what another sealed.
            ("ZAPFLEET_SECRET_KEY", "42".repeat(32)),
            // The forward receiver is on loopback.
            ("ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS", "1".to_owned()),
        ]
    }

    fn cli(&mut self, args: &[&str]) -> std::process::Output {
        let dir = self.data_dir();
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command.args(args).env_remove("ZAPFLEET_CONFIG");
        for (key, value) in self.env(free_port(), &dir) {
            command.env(key, value);
        }
        command.output().expect("cli")
    }

    fn data_dir(&mut self) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("zapfleet-nodes-{}", nanoid::nanoid!(8)));
        self.dirs.push(dir.clone());
        dir
    }

    /// Starts a server (with `extra` settings) and waits until it is ready.
    async fn serve(&mut self, port: u16, extra: &[(&'static str, &str)]) -> Node {
        let dir = self.data_dir();
        let mut env = self.env(port, &dir);
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let (proc, _) = start(&["serve"], &env, "zapfleet is running");
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&self.http, &base).await;
        Node { proc, base }
    }

    async fn api(&self, node: &Node, method: Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", node.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// `GET /api/events` on `node`, resuming after `last` if given.
    async fn events(&self, node: &Node, last: Option<u64>) -> EventStream {
        let mut request = self
            .http
            .get(format!("{}/api/events", node.base))
            .bearer_auth(&self.token);
        if let Some(last) = last {
            request = request.header("last-event-id", last.to_string());
        }
        EventStream::of(request.send().await.unwrap())
    }

    async fn sandbox_post(&self, path: &str, body: Value) {
        let answer = self
            .http
            .post(format!("{}{path}", self.sandbox))
            .header("admintoken", SANDBOX_ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
    }

    /// An instance created and connected through `node` (so the provider
    /// posts its webhooks there); returns its id and its twin's id.
    async fn connected_instance(&self, node: &Node, name: &str) -> (String, String) {
        let body = json!({"name": name, "phone": "11 98888-7777"});
        let created = self
            .api(node, Method::POST, "/api/instances", Some(body))
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let started = self
            .api(
                node,
                Method::POST,
                &format!("/api/instances/{id}/connect"),
                None,
            )
            .await;
        let qrcode = started["login"]["qrcode"].as_str().unwrap();
        self.sandbox_post("/sandbox/phone/scan", json!({"qrcode": qrcode}))
            .await;
        eventually(Duration::from_secs(30), "connected", || async {
            let status = self
                .api(
                    node,
                    Method::GET,
                    &format!("/api/instances/{id}/status"),
                    None,
                )
                .await;
            (status["instance"]["status"] == "connected").then_some(())
        })
        .await;
        let twins: Vec<Value> = self
            .http
            .get(format!("{}/sandbox/instances", self.sandbox))
            .header("admintoken", SANDBOX_ADMIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let twin = twins
            .iter()
            .find(|t| t["name"] == created["instanceKey"])
            .expect("the twin");
        (id, twin["id"].as_str().unwrap().to_owned())
    }

    /// Ends the PostgreSQL connections of the cluster's event listeners, as a
    /// network cut would; returns how many there were.
    async fn drop_listeners(&self) -> i64 {
        let mut conn = sqlx::PgConnection::connect(&self.database.url)
            .await
            .unwrap();
        let (ended,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE query = 'LISTEN \"zapfleet_events_' || left(md5(current_schema()), 16) || '\"') AS ended",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        ended
    }

    /// A message from `from` reaches the instance (the provider's webhook).
    async fn incoming(&self, twin: &str, from: &str) {
        let body = json!({"from": from, "text": "oi"});
        self.sandbox_post(&format!("/sandbox/instances/{twin}/incoming"), body)
            .await;
    }
}

/// Reads `stream` until a `message.received` from `from`.
async fn received_from(stream: &mut EventStream, from: &str) -> SseEvent {
    stream
        .wait_for("message.received", Duration::from_secs(20), |data| {
            data["from"] == from
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_on_one_node_reaches_the_streams_of_another() {
    let Some(mut cluster) = Cluster::new(Backend::Postgres).await else {
        return;
    };
    let a = cluster.serve(free_port(), &[]).await;
    let b = cluster.serve(free_port(), &[]).await;
    let (_, twin) = cluster.connected_instance(&a, "Dois nós").await;

    let mut on_b = cluster.events(&b, None).await;
    // Only webhooks bring incoming messages: this one lands on node A.
    cluster.incoming(&twin, "5511911110001").await;
    let event = received_from(&mut on_b, "5511911110001").await;
    assert!(event.id > 0);

    // The listeners' connections drop: they connect again and catch up, so
    // what happens meanwhile still reaches node B's stream.
    assert_eq!(cluster.drop_listeners().await, 2, "one listener per node");
    cluster.incoming(&twin, "5511911110002").await;
    received_from(&mut on_b, "5511911110002").await;
    drop((a.proc, b.proc));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_resumes_on_another_node_with_exactly_what_it_missed() {
    let Some(mut cluster) = Cluster::new(Backend::Postgres).await else {
        return;
    };
    let a = cluster.serve(free_port(), &[]).await;
    let b = cluster.serve(free_port(), &[]).await;
    let (id, twin) = cluster.connected_instance(&a, "Retoma").await;

    let mut on_a = cluster.events(&a, None).await;
    cluster.incoming(&twin, "5511922220001").await;
    let first = received_from(&mut on_a, "5511922220001").await;
    drop(on_a);

    // While no stream is open: two more messages, one after the other (the
    // provider's webhooks could otherwise overtake each other).
    for (n, from) in [(2, "5511922220002"), (3, "5511922220003")] {
        cluster.incoming(&twin, from).await;
        eventually(Duration::from_secs(20), "recorded", || async {
            let page = cluster
                .api(
                    &a,
                    Method::GET,
                    &format!("/api/instances/{id}/messages?direction=in"),
                    None,
                )
                .await;
            (page["items"].as_array().unwrap().len() == n).then_some(())
        })
        .await;
    }

    // Node B, told the last id seen on node A, sends exactly the missed ones.
    let mut on_b = cluster.events(&b, Some(first.id)).await;
    let mut missed = Vec::new();
    while missed.len() < 2 {
        let event = on_b
            .next(Duration::from_secs(20))
            .await
            .expect("the missed events");
        assert!(event.id > first.id, "only what came after: {event:?}");
        if event.kind == "message.received" {
            missed.push(event);
        }
    }
    assert_eq!(missed[0].data["from"], "5511922220002");
    assert_eq!(missed[1].data["from"], "5511922220003");
    assert!(missed[0].id < missed[1].id, "in order");
    drop((a.proc, b.proc));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_webhook_survives_a_crash_before_its_fan_out_on_sqlite() {
    crash_before_fan_out(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_webhook_survives_a_crash_before_its_fan_out_on_postgres() {
    crash_before_fan_out(Backend::Postgres).await;
}

async fn crash_before_fan_out(backend: Backend) {
    let Some(mut cluster) = Cluster::new(backend).await else {
        return;
    };
    let (url, receiver) = start_receiver(0).await;
    let port = free_port();

    // First life: changes are recorded, but never fanned out.
    let held = cluster
        .serve(port, &[("ZAPFLEET_TEST_HOLD_FAN_OUT", "1")])
        .await;
    let hook = json!({"url": url, "events": ["instance.status"], "secret": SECRET});
    cluster
        .api(&held, Method::PUT, "/api/webhook", Some(hook))
        .await;
    cluster.connected_instance(&held, "Sem perda").await;
    // The change is committed (the API shows it): SIGKILL.
    drop(held.proc);
    assert!(receiver.statuses().is_empty(), "nothing was fanned out");

    // Second life, as usual: the recorded change is forwarded.
    let _node = cluster.serve(port, &[]).await;
    eventually(Duration::from_secs(30), "connected forwarded", || async {
        receiver
            .statuses()
            .contains(&"connected".to_owned())
            .then_some(())
    })
    .await;
}
