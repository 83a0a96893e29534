//! What an operator sees of the nodes sharing a database: `/readyz` lists
//! the live ones, the admin page every recorded one (live or dead) in
//! Portuguese and English, `/metrics` each node's work; a node stopping
//! cleanly leaves the table.

use crate::helpers::{Options, TestApp, TestDatabase, eventually, spawn_app_on_with};
use crate::on_both_backends;
use crate::pages::Browser;
use serde_json::Value;
use std::time::Duration;

on_both_backends!(readyz_the_admin_page_and_metrics_show_the_nodes);

async fn ready(app: &TestApp) -> Value {
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    ready.json().await.unwrap()
}

/// The ids of the live nodes `/readyz` lists.
async fn live(app: &TestApp) -> Vec<String> {
    let ready = ready(app).await;
    let nodes = ready["nodes"].as_array().cloned().unwrap_or_default();
    nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn readyz_the_admin_page_and_metrics_show_the_nodes(app: TestApp) {
    let me = ready(&app).await["node"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(10), "registered", || async {
        (live(&app).await == [me.clone()]).then_some(())
    })
    .await;

    let admin = Browser::new(&app);
    let csrf = admin.sign_up("raiz@loja.com.br").await;
    let page = admin.page("/admin").await;
    assert_eq!(page.text("h2:nth-of-type(2)"), "Nós do servidor");
    assert_eq!(page.count("[data-testid=nodes] tbody tr"), 1);
    let row = format!("[data-node=\"{me}\"]");
    assert!(page.text(&row).contains("(este)"), "{}", page.text(&row));
    assert_eq!(page.text(&format!("{row} .node-live")), "ativo");
    assert_eq!(
        page.text(&format!("{row} td:nth-child(4)")),
        env!("CARGO_PKG_VERSION")
    );
    let switched = admin.post("/locale", &[("_csrf", csrf.as_str())]).await;
    assert!(switched.status().is_redirection());
    let english = admin.page("/admin").await;
    assert_eq!(english.text("h2:nth-of-type(2)"), "Server nodes");
    assert_eq!(english.text(&format!("{row} .node-live")), "live");

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let metrics = metrics.text().await.unwrap();
    for kind in ["polls", "sends", "deliveries", "takeovers"] {
        let series = format!("zapfleet_node_work_total{{node=\"{me}\",kind=\"{kind}\"}}");
        assert!(metrics.contains(&series), "{series} in {metrics}");
    }

    // Another node on the database (PostgreSQL: SQLite serves one at a time).
    if app.database_url.starts_with("sqlite") {
        return;
    }
    let mut other =
        spawn_app_on_with(TestDatabase::shared(&app.database_url), Options::default()).await;
    let other_id = ready(&other).await["node"].as_str().unwrap().to_owned();
    eventually(Duration::from_secs(10), "both live", || async {
        let ids = live(&app).await;
        (ids.contains(&me) && ids.contains(&other_id)).then_some(())
    })
    .await;
    admin.post("/locale", &[("_csrf", csrf.as_str())]).await;
    let page = admin.page("/admin").await;
    assert_eq!(page.count("[data-testid=nodes] tbody tr"), 2);
    let theirs = format!("[data-node=\"{other_id}\"]");
    assert!(!page.text(&theirs).contains("(este)"));
    assert_eq!(page.text(&format!("{theirs} .node-live")), "ativo");

    // Stopping cleanly, it leaves the table.
    assert!(other.stop(Duration::from_secs(15)).await);
    eventually(Duration::from_secs(10), "the stopped node gone", || async {
        (live(&app).await == [me.clone()]).then_some(())
    })
    .await;
    let page = admin.page("/admin").await;
    assert_eq!(page.count("[data-testid=nodes] tbody tr"), 1);
}
