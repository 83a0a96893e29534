//! Many requests at once: nothing lost, nothing duplicated.

use crate::helpers::{TestApp, TestUser, expect_error};
use crate::on_both_backends;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;
use tokio::task::JoinSet;

on_both_backends!(
    two_hundred_concurrent_creates_are_all_stored_once,
    racing_creates_of_one_name_let_exactly_one_win,
);

async fn two_hundred_concurrent_creates_are_all_stored_once(app: TestApp) {
    let ana = app.new_user().await;
    let bodies = (0..200)
        .map(|i| json!({"name": format!("Instância {i:03}"), "phone": format!("1198{i:07}")}))
        .collect();
    let mut created = Vec::new();
    for response in create_all(&app, &ana, bodies).await {
        assert_eq!(response.status(), StatusCode::CREATED);
        created.push(response.json::<Value>().await.unwrap());
    }

    let ids: HashSet<_> = created
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let keys: HashSet<_> = created
        .iter()
        .map(|i| i["instanceKey"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(keys.len(), 200);

    let mut listed = HashSet::new();
    let mut query = "limit=200&sort=name".to_owned();
    loop {
        let page: Value = app.list_instances(&ana, &query).await.json().await.unwrap();
        assert_eq!(page["total"], 200);
        for item in page["items"].as_array().unwrap() {
            assert!(
                listed.insert(item["id"].as_str().unwrap().to_owned()),
                "listed twice"
            );
        }
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=200&sort=name&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(listed, ids);
}

async fn racing_creates_of_one_name_let_exactly_one_win(app: TestApp) {
    let ana = app.new_user().await;
    let bodies = (0..20)
        .map(|i| {
            let name = if i % 2 == 0 { "Disputada" } else { "DISPUTADA" };
            json!({"name": name, "phone": "11999990001"})
        })
        .collect();
    let mut created = 0;
    for response in create_all(&app, &ana, bodies).await {
        if response.status() == StatusCode::CREATED {
            created += 1;
        } else {
            assert_eq!(
                expect_error(response, StatusCode::CONFLICT).await["field"],
                "name"
            );
        }
    }
    assert_eq!(created, 1);
    let page: Value = app.list_instances(&ana, "").await.json().await.unwrap();
    assert_eq!(page["total"], 1);
}

/// Sends every body to `POST /api/instances` at once, each from its own task.
async fn create_all(app: &TestApp, user: &TestUser, bodies: Vec<Value>) -> Vec<Response> {
    let mut tasks = JoinSet::new();
    for body in bodies {
        let request = app
            .request(user, Method::POST, "/api/instances")
            .json(&body);
        tasks.spawn(async move { request.send().await.expect("send") });
    }
    tasks.join_all().await
}
