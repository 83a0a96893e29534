//! Who reads which lines, the pages, and what retention removes (and that
//! nothing else changes a line).

use super::{account, actions, audit};
use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Connection;

on_both_backends!(
    users_read_their_own_lines_and_the_admin_reads_everyones,
    the_log_pages_newest_first_with_a_cursor,
);
on_both_backends!(stepped: old_lines_go_with_the_retention_rules_and_none_is_ever_changed);

async fn users_read_their_own_lines_and_the_admin_reads_everyones(app: TestApp) {
    let (chefe, _) = account(&app, "chefe@loja.com.br", true).await;
    let (ana, ana_id) = account(&app, "ana@loja.com.br", false).await;
    let (bia, bia_id) = account(&app, "bia@loja.com.br", false).await;
    app.create_instance(&ana, "Loja da Ana", "11 97777-0001")
        .await;
    app.create_instance(&bia, "Loja da Bia", "11 97777-0002")
        .await;

    let (status, mine) = audit(&app, &ana, "").await;
    assert_eq!(status, StatusCode::OK);
    let lines = mine["items"].as_array().unwrap();
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l["userId"] == ana_id.to_string().as_str()),
        "{mine}"
    );
    assert!(!mine.to_string().contains("Loja da Bia"));
    assert_eq!(actions(&mine), ["instance_created", "token_created"]);

    // Another user's lines do not exist for her; her own id is fine.
    let (status, _) = audit(&app, &ana, &format!("userId={bia_id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, again) = audit(&app, &ana, &format!("userId={ana_id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["items"], mine["items"]);

    // The administrator reads everyone's, or one user's.
    let (_, all) = audit(&app, &chefe, "limit=200").await;
    let all_text = all.to_string();
    assert!(all_text.contains("Loja da Ana") && all_text.contains("Loja da Bia"));
    let (_, bias) = audit(&app, &chefe, &format!("userId={bia_id}")).await;
    assert!(
        bias["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["userId"] == bia_id.to_string().as_str())
    );
    assert_eq!(actions(&bias), ["instance_created", "token_created"]);

    // Filtered by action; an unknown action is a clear 400.
    let (_, created) = audit(&app, &chefe, "action=instance_created").await;
    assert_eq!(actions(&created), ["instance_created", "instance_created"]);
    let (status, error) = audit(&app, &chefe, "action=drop_table").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["error"]["field"], "action");

    // Without a token, nothing.
    let anonymous = app.client.get(app.url("/api/audit")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // The generated API document describes it.
    let openapi: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let route = &openapi["paths"]["/api/audit"]["get"];
    assert_eq!(route["tags"][0], "audit", "{route}");
    let params: Vec<&str> = route["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["action", "userId", "cursor", "limit"]);
}

async fn the_log_pages_newest_first_with_a_cursor(app: TestApp) {
    let (ana, _) = account(&app, "ana@loja.com.br", false).await;
    for n in 1..=4 {
        app.create_instance(&ana, &format!("Loja {n}"), &format!("11 97777-000{n}"))
            .await;
    }
    // Four instances and the token: five lines, two a page.
    let mut seen: Vec<Value> = Vec::new();
    let mut query = "limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (status, page) = audit(&app, &ana, &query).await;
        assert_eq!(status, StatusCode::OK);
        pages += 1;
        seen.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let names: Vec<&str> = seen
        .iter()
        .map(|l| l["targetName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Loja 4", "Loja 3", "Loja 2", "Loja 1", "tests"]);

    // A cursor keeps its filter's company; junk is a 400.
    let (_, first) = audit(&app, &ana, "limit=1&action=instance_created").await;
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let (_, second) = audit(
        &app,
        &ana,
        &format!("limit=1&action=instance_created&cursor={cursor}"),
    )
    .await;
    assert_eq!(second["items"][0]["targetName"], "Loja 3");
    for bad in ["cursor=zz", "cursor=7b7d", "limit=0", "limit=201"] {
        let (status, _) = audit(&app, &ana, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

const DAY: i64 = 86_400_000;

async fn old_lines_go_with_the_retention_rules_and_none_is_ever_changed(app: TestApp) {
    let (ana, _) = account(&app, "ana@loja.com.br", false).await;
    app.create_instance(&ana, "Antiga", "11 97777-0001").await;
    // A year and a day later (the default keeps 365 days), a new line.
    app.advance_clock(366 * DAY);
    app.create_instance(&ana, "Nova", "11 97777-0002").await;
    let (_, before) = audit(&app, &ana, "").await;
    assert_eq!(
        actions(&before),
        ["instance_created", "instance_created", "token_created"]
    );

    let removed = zapfleet::workers::retention::try_execute_task(&app.platform)
        .await
        .unwrap();
    assert!(removed >= 2, "{removed}");
    let (_, after) = audit(&app, &ana, "").await;
    assert_eq!(actions(&after), ["instance_created"]);
    assert_eq!(after["items"][0]["targetName"], "Nova");

    // Append-only: the database itself refuses to change a line.
    let update = "UPDATE audit_event SET \"actorEmail\" = 'outro@x.com'";
    let refused = if app.database_url.starts_with("sqlite") {
        let mut conn = sqlx::SqliteConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query(update).execute(&mut conn).await.map(|_| ())
    } else {
        let mut conn = sqlx::PgConnection::connect(&app.database_url)
            .await
            .unwrap();
        sqlx::query(update).execute(&mut conn).await.map(|_| ())
    };
    let error = refused.expect_err("lines cannot be changed").to_string();
    assert!(error.contains("append-only"), "{error}");
    let (_, unchanged) = audit(&app, &ana, "").await;
    assert_eq!(unchanged["items"][0]["actorEmail"], "ana@loja.com.br");
}
