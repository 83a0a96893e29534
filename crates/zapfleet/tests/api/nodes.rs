//! Several `zapfleet serve` processes ("nodes") on one PostgreSQL schema and
//! one sandbox process, all real binaries over real sockets: every message
//! is sent exactly once whichever node queued it, also when one node is
//! SIGKILLed midway (the other takes its work over within seconds); no
//! instance is polled, or reconnected, by two nodes at once; and a node
//! starting again does not cut short a live node's send in flight.
//!
//! `cargo test` runs a bounded form; `ZAPFLEET_FAULTS_LONG=1` a longer one.

use crate::helpers::{Backend, TestDatabase, eventually, fresh_database};
use crate::restart::{Proc, SANDBOX_ADMIN, free_port, start, wait_until_ready};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::process::Command;
use std::time::Duration;

/// How a node's heartbeat is tuned here: a node is dead 2 s after its last beat.
const HEARTBEAT_MS: &str = "200";
const DEAD_AFTER_MS: &str = "2000";

fn long() -> bool {
    std::env::var("ZAPFLEET_FAULTS_LONG").is_ok_and(|v| v == "1")
}

/// One sandbox process and one PostgreSQL schema; nodes start and stop at will.
struct Cluster {
    _sandbox: Proc,
    sandbox: String,
    env: Vec<(&'static str, String)>,
    token: String,
    http: reqwest::Client,
    data_dir: std::path::PathBuf,
    database: TestDatabase,
}

/// A running node: its process and where its API is.
struct Node {
    process: Proc,
    base: String,
    port: u16,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

impl Cluster {
    async fn new() -> Option<Self> {
        let database = fresh_database(Backend::Postgres).await?;
        let data_dir = std::env::temp_dir().join(format!("zapfleet-nodes-{}", nanoid::nanoid!(8)));
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
        let env = vec![
            ("DATABASE_URL", database.url.clone()),
            ("UAZAPI_URL", sandbox.clone()),
            ("UAZAPI_ADMIN_TOKEN", SANDBOX_ADMIN.to_owned()),
            ("ZAPFLEET_DATA_DIR", data_dir.display().to_string()),
            // Every node opens the others' sealed provider tokens.
            ("ZAPFLEET_SECRET_KEY", "5a".repeat(32)),
            ("ZAPFLEET_NODE_HEARTBEAT_MS", HEARTBEAT_MS.to_owned()),
            ("ZAPFLEET_NODE_DEAD_AFTER_MS", DEAD_AFTER_MS.to_owned()),
            ("ZAPFLEET_POLL_INTERVAL_MS", "150".to_owned()),
        ];
        let mut cluster = Self {
            _sandbox: sandbox_proc,
            sandbox,
            env,
            token: String::new(),
            http: reqwest::Client::new(),
            data_dir,
            database,
        };
        let email = "ana@loja.com.br";
        let created = cluster.cli(&[
            "user",
            "create",
            "--email",
            email,
            "--password",
            "segredo123",
        ]);
        assert!(created.status.success(), "{created:?}");
        let token = cluster.cli(&["token", "create", "--email", email]).stdout;
        cluster.token = String::from_utf8(token).unwrap().trim().to_owned();
        Some(cluster)
    }

    fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zapfleet"));
        command.args(args).env_remove("ZAPFLEET_CONFIG");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command.output().expect("cli")
    }

    /// Starts a node on `port` and waits until it is ready.
    async fn serve(&self, port: u16) -> Node {
        let mut env = self.env.clone();
        env.push(("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}")));
        let (process, _) = start(&["serve"], &env, "zapfleet is running");
        let base = format!("http://127.0.0.1:{port}");
        wait_until_ready(&self.http, &base).await;
        Node {
            process,
            base,
            port,
        }
    }

    async fn api(
        &self,
        node: &Node,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .request(method, format!("{}{path}", node.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn control(&self, method: Method, path: &str, body: Value) -> reqwest::Response {
        self.http
            .request(method, format!("{}{path}", self.sandbox))
            .header("admintoken", SANDBOX_ADMIN)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Every instance at the sandbox, with its sends and call counts.
    async fn twins(&self) -> Vec<Value> {
        let all = self
            .control(Method::GET, "/sandbox/instances", json!({}))
            .await;
        all.json().await.unwrap()
    }

    async fn twin(&self, instance: &Value) -> Value {
        let twins = self.twins().await;
        let mut found = twins
            .into_iter()
            .filter(|t| t["name"] == instance["instanceKey"]);
        let twin = found.next().expect("created at the provider");
        assert!(found.next().is_none(), "created once at the provider");
        twin
    }

    /// An instance created through `node`, connected, with `delay_ms`
    /// between sends.
    async fn connected_instance(&self, node: &Node, name: &str, delay_ms: u64) -> Value {
        let created = self.new_instance(node, name, delay_ms).await;
        self.connect(node, &created).await;
        created
    }

    /// An instance created through `node` (not connected), with `delay_ms`
    /// between sends.
    async fn new_instance(&self, node: &Node, name: &str, delay_ms: u64) -> Value {
        let created = self
            .api(
                node,
                Method::POST,
                "/api/instances",
                Some(json!({"name": name, "phone": "11 98888-7777"})),
            )
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let created: Value = created.json().await.unwrap();
        let id = created["id"].as_str().unwrap().to_owned();
        let config = json!({"messageDelayMinMs": delay_ms, "messageDelayMaxMs": delay_ms});
        let set = self
            .api(
                node,
                Method::PUT,
                &format!("/api/instances/{id}/config"),
                Some(config),
            )
            .await;
        assert_eq!(set.status(), StatusCode::OK);
        created
    }

    /// Connects an instance through `node` (the phone scans the QR).
    async fn connect(&self, node: &Node, created: &Value) {
        let id = created["id"].as_str().unwrap();
        let started: Value = self
            .api(
                node,
                Method::POST,
                &format!("/api/instances/{id}/connect"),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        let qrcode = started["login"]["qrcode"].as_str().unwrap();
        let scanned = self
            .control(
                Method::POST,
                "/sandbox/phone/scan",
                json!({"qrcode": qrcode}),
            )
            .await;
        assert_eq!(scanned.status(), StatusCode::OK);
        self.wait_connected(node, id).await;
    }

    async fn wait_connected(&self, node: &Node, id: &str) {
        eventually(Duration::from_secs(20), "connected", || async {
            let status: Value = self
                .api(
                    node,
                    Method::GET,
                    &format!("/api/instances/{id}/status"),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            (status["instance"]["status"] == "connected").then_some(())
        })
        .await;
    }

    /// Queues `count` messages on `instance` through `node`, `prefix`-named,
    /// up to `parallel` requests at once (1: in order).
    async fn queue(
        &self,
        node: &Node,
        instance: &Value,
        prefix: &str,
        count: usize,
        parallel: usize,
    ) {
        let id = instance["id"].as_str().unwrap();
        let mut running = tokio::task::JoinSet::new();
        for n in 0..count {
            let request = self
                .http
                .post(format!("{}/api/instances/{id}/messages", node.base))
                .bearer_auth(&self.token)
                .json(&json!({"to": "11977776666", "text": format!("{prefix}-{n:04}")}));
            running.spawn(async move { request.send().await.unwrap().status() });
            if running.len() >= parallel {
                assert_eq!(
                    running.join_next().await.unwrap().unwrap(),
                    StatusCode::ACCEPTED
                );
            }
        }
        for status in running.join_all().await {
            assert_eq!(status, StatusCode::ACCEPTED);
        }
    }

    async fn faults(&self, body: Value) {
        let set = self.control(Method::PUT, "/sandbox/faults", body).await;
        assert_eq!(set.status(), StatusCode::OK);
    }

    /// The live nodes `node`'s `/readyz` lists.
    async fn live_nodes(&self, node: &Node) -> Vec<Value> {
        let ready: Value = self
            .http
            .get(format!("{}/readyz", node.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ready["nodes"].as_array().cloned().unwrap_or_default()
    }

    /// A node's id, from its `/readyz`.
    async fn node_id(&self, node: &Node) -> String {
        let ready: Value = self
            .http
            .get(format!("{}/readyz", node.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        ready["node"].as_str().unwrap().to_owned()
    }

    /// A node's work counter from its `/metrics`.
    async fn work(&self, node: &Node, kind: &str) -> u64 {
        let text = self
            .http
            .get(format!("{}/metrics", node.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find(|l| {
                l.starts_with("zapfleet_node_work_total") && l.contains(&format!("kind=\"{kind}\""))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// Stops a node cleanly (SIGTERM) and waits for it to exit.
fn stop(node: Node) {
    let mut process = node.process;
    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(process.0.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let status = process.0.wait().unwrap();
    assert!(status.success(), "graceful exit: {status:?}");
}

async fn sent_total(cluster: &Cluster) -> u64 {
    cluster
        .twins()
        .await
        .iter()
        .map(|t| t["sentCount"].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_send_every_message_exactly_once_even_when_one_is_killed() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let (instances, per_node) = if long() { (20, 2_500) } else { (10, 500) };
    let a = cluster.serve(free_port()).await;
    let b = cluster.serve(free_port()).await;
    eventually(Duration::from_secs(10), "each node sees both", || async {
        (cluster.live_nodes(&a).await.len() == 2 && cluster.live_nodes(&b).await.len() == 2)
            .then_some(())
    })
    .await;
    let mut all = Vec::new();
    for n in 0..instances {
        let node = if n % 2 == 0 { &a } else { &b };
        all.push(cluster.new_instance(node, &format!("Loja {n}"), 0).await);
    }

    // Half through each node's API, spread over every instance.
    let share = per_node / instances;
    for (n, instance) in all.iter().enumerate() {
        cluster
            .queue(&a, instance, &format!("a{n}"), share, 16)
            .await;
        cluster
            .queue(&b, instance, &format!("b{n}"), share, 16)
            .await;
    }
    let total = (share * 2 * instances) as u64;
    // Everything is queued while the instances wait for their phone; once
    // connected, sending takes some seconds, and the kill lands in its middle.
    cluster.faults(json!({"latency_ms": 50})).await;
    for (n, instance) in all.iter().enumerate() {
        cluster
            .connect(if n % 2 == 0 { &a } else { &b }, instance)
            .await;
    }
    eventually(Duration::from_secs(60), "sending under way", || async {
        (sent_total(&cluster).await >= total / 4).then_some(())
    })
    .await;
    // The kill lands while A has a send in flight (sends slowed for the
    // moment, so one is still in flight when the signal arrives).
    cluster
        .faults(json!({"latency_ms": 50, "send_latency_ms": 400}))
        .await;
    let a_id = cluster.node_id(&a).await;
    let db = sqlx::PgPool::connect(&cluster.database.url).await.unwrap();
    eventually(Duration::from_secs(30), "A sending", || {
        let query = sqlx::query_scalar::<_, i64>(
            r#"SELECT count(*) FROM message WHERE status = 'sending' AND "sendNode" = $1"#,
        )
        .bind(a_id.clone());
        let db = &db;
        async move { (query.fetch_one(db).await.unwrap() > 0).then_some(()) }
    })
    .await;
    let before_kill = cluster.work(&b, "takeovers").await;
    drop(a); // SIGKILL, mid-send.
    cluster.faults(json!({"latency_ms": 50})).await;

    // Within seconds of the kill (2 s to be dead, then the survivor sends
    // the rest, about 160 a second here).
    let settle = Duration::from_secs(if long() { 120 } else { 30 });
    eventually(settle, "every message sent by the survivor", || async {
        (sent_total(&cluster).await >= total).then_some(())
    })
    .await;
    for instance in &all {
        let twin = cluster.twin(instance).await;
        assert_eq!(twin["sentTwice"], 0, "exactly once: {}", twin["name"]);
        assert_eq!(
            twin["sentCount"],
            share * 2,
            "all of them: {}",
            twin["name"]
        );
        let id = instance["id"].as_str().unwrap();
        let listed: Value = cluster
            .api(
                &b,
                Method::GET,
                &format!("/api/instances/{id}/messages?direction=out&limit=200"),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        let items = listed["items"].as_array().unwrap();
        assert!(items.iter().all(|m| m["status"] != "failed"), "none failed");
    }
    assert!(cluster.work(&b, "sends").await > 0, "the survivor sent");
    // The dead node is dropped from the live list within seconds.
    eventually(
        Duration::from_secs(10),
        "the killed node no longer live",
        || async { (cluster.live_nodes(&b).await.len() == 1).then_some(()) },
    )
    .await;
    let took_over = cluster.work(&b, "takeovers").await;
    assert!(
        took_over > before_kill,
        "the killed node's sends in flight were taken over"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_instance_is_polled_or_reconnected_by_two_nodes_at_once() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let a = cluster.serve(free_port()).await;
    let b = cluster.serve(free_port()).await;
    let count = if long() { 12 } else { 4 };
    let mut all = Vec::new();
    for n in 0..count {
        let node = if n % 2 == 0 { &a } else { &b };
        all.push(
            cluster
                .connected_instance(node, &format!("Polida {n}"), 0)
                .await,
        );
    }
    // Status calls take almost a worker tick (500 ms) and longer than the
    // poll interval: two nodes polling one instance would overlap at the
    // sandbox, whatever the phase of their ticks.
    cluster.faults(json!({"latency_ms": 400})).await;
    let rounds = if long() { 40 } else { 8 };
    eventually(
        Duration::from_secs(60),
        "many polls by both nodes",
        || async {
            let twins = cluster.twins().await;
            let polled = twins
                .iter()
                .all(|t| t["statusCalls"].as_u64().unwrap_or(0) >= rounds);
            (polled && cluster.work(&a, "polls").await > 0 && cluster.work(&b, "polls").await > 0)
                .then_some(())
        },
    )
    .await;

    // A drop: one reconnect, by one node.
    let dropped = &all[0];
    let twin = cluster.twin(dropped).await;
    let connects = twin["connectCalls"].as_u64().unwrap();
    let drop = cluster
        .control(
            Method::POST,
            &format!("/sandbox/instances/{}/drop", twin["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(drop.status(), StatusCode::OK);
    eventually(Duration::from_secs(30), "reconnected", || async {
        let twin = cluster.twin(dropped).await;
        (twin["status"] == "connected" && twin["connectCalls"].as_u64() > Some(connects))
            .then_some(())
    })
    .await;
    cluster
        .wait_connected(&a, dropped["id"].as_str().unwrap())
        .await;

    for instance in &all {
        let twin = cluster.twin(instance).await;
        assert_eq!(
            twin["statusMaxConcurrent"], 1,
            "polled by one node at a time: {twin}"
        );
        assert_eq!(
            twin["connectMaxConcurrent"], 1,
            "connected by one node at a time: {twin}"
        );
    }
    let twin = cluster.twin(dropped).await;
    assert_eq!(
        twin["connectCalls"],
        connects + 1,
        "one reconnect attempt: {twin}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_starting_again_does_not_cut_short_a_live_nodes_send() {
    let Some(cluster) = Cluster::new().await else {
        return;
    };
    let a = cluster.serve(free_port()).await;
    let b_port = free_port();
    let mut b = Some(cluster.serve(b_port).await);
    // Paced, so each turn is one send and a node stops quickly.
    let instance = cluster.connected_instance(&a, "Lenta", 50).await;
    let id = instance["id"].as_str().unwrap().to_owned();
    let (messages, restarts) = if long() { (24, 8) } else { (8, 3) };
    // Sends take over a second while lookups answer at once: a restart
    // lands while a send is in flight, and the provider cannot tell yet.
    cluster.faults(json!({"send_latency_ms": 1_500})).await;
    cluster.queue(&a, &instance, "lenta", messages, 1).await;

    for _ in 0..restarts {
        if let Some(node) = b.take() {
            stop(node);
        }
        // Only A is up: a message in flight now is A's.
        eventually(Duration::from_secs(30), "A sending", || async {
            let listed: Value = cluster
                .api(
                    &a,
                    Method::GET,
                    &format!("/api/instances/{id}/messages?direction=out&limit=200"),
                    None,
                )
                .await
                .json()
                .await
                .unwrap();
            let items = listed["items"].as_array().unwrap().clone();
            items.iter().any(|m| m["status"] == "sending").then_some(())
        })
        .await;
        let started = cluster.serve(b_port).await;
        assert_eq!(started.port, b_port);
        b = Some(started);
    }
    cluster.faults(json!({})).await;
    let twin = eventually(Duration::from_secs(60), "all sent", || async {
        let twin = cluster.twin(&instance).await;
        (twin["sentCount"].as_u64() >= Some(messages as u64)).then_some(twin)
    })
    .await;
    assert_eq!(twin["sentTwice"], 0, "nothing sent twice: {twin}");
    assert_eq!(twin["sentCount"], messages, "all of them: {twin}");
    let order: Vec<&str> = twin["sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (0..messages).map(|n| format!("lenta-{n:04}")).collect();
    assert_eq!(order, expected, "in order across the restarts");
}
