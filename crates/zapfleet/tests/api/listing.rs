//! Listing: search, status filter, sorting, page and cursor pagination.

use crate::helpers::{TestApp, expect_error};
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

on_both_backends!(
    search_finds_names_in_any_case_and_phones_by_digits,
    accent_insensitive_search,
    the_status_filter_and_sorts_order_the_list,
    cursor_pages_walk_every_instance_exactly_once,
    numbered_pages_and_totals_agree,
    bad_list_parameters_are_a_400_naming_the_parameter,
);

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn list(app: &TestApp, user: &crate::helpers::TestUser, query: &str) -> Value {
    let response = app.list_instances(user, query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

async fn search_finds_names_in_any_case_and_phones_by_digits(app: TestApp) {
    let ana = app.new_user().await;
    app.create_instance(&ana, "Atendimento São Paulo", "11999990001")
        .await;
    app.create_instance(&ana, "Vendas Rio", "21988887777").await;
    app.create_instance(&ana, "50% off_promo", "31977776666")
        .await;

    assert_eq!(
        names(&list(&app, &ana, "q=s%C3%83O").await),
        ["Atendimento São Paulo"]
    );
    assert_eq!(names(&list(&app, &ana, "q=rio").await), ["Vendas Rio"]);
    assert_eq!(names(&list(&app, &ana, "q=8888").await), ["Vendas Rio"]);
    assert_eq!(
        names(&list(&app, &ana, "q=%2B55%2021").await),
        ["Vendas Rio"],
        "formatted phone search"
    );
    // LIKE wildcards are searched literally.
    assert_eq!(names(&list(&app, &ana, "q=50%25").await), ["50% off_promo"]);
    assert_eq!(names(&list(&app, &ana, "q=f_p").await), ["50% off_promo"]);
    assert_eq!(list(&app, &ana, "q=_").await["total"], 1);
    assert_eq!(list(&app, &ana, "q=nada").await["total"], 0);
    assert_eq!(list(&app, &ana, "q=").await["total"], 3);
}

/// "sao" finds "São" and "ze" finds "Zé", through the search indexes (short
/// terms scan), and the indexes follow renames and deletions.
async fn accent_insensitive_search(app: TestApp) {
    let ana = app.new_user().await;
    app.create_instance(&ana, "São Paulo Centro", "11999990001")
        .await;
    let ze = app.create_instance(&ana, "Zé Doca", "11999990002").await;
    app.create_instance(&ana, "Açaí da Praça", "11999990003")
        .await;
    let bento = app.create_instance(&ana, "Sao Bento", "11999990004").await;
    app.create_instance(&ana, "ZEBRA", "11999990005").await;
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let found = |query: &'static str| {
        let (app, ana) = (&app, &ana);
        async move { sorted(names(&list(app, ana, query).await)) }
    };

    assert_eq!(found("q=sao").await, ["Sao Bento", "São Paulo Centro"]);
    assert_eq!(found("q=S%C3%83O").await, ["Sao Bento", "São Paulo Centro"]);
    assert_eq!(found("q=ze").await, ["ZEBRA", "Zé Doca"], "two letters");
    assert_eq!(found("q=z%C3%A9%20d").await, ["Zé Doca"]);
    assert_eq!(found("q=acai").await, ["Açaí da Praça"]);
    assert_eq!(found("q=PRACA").await, ["Açaí da Praça"]);
    assert_eq!(
        found("q=paulo%20centro&status=disconnected").await,
        ["São Paulo Centro"]
    );
    assert_eq!(list(&app, &ana, "q=sao").await["total"], 2);

    // Renamed and deleted instances are found by what they are now.
    let renamed = app
        .patch_instance(
            &ana,
            ze["id"].as_str().unwrap(),
            &serde_json::json!({"name": "Loja Nova"}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(found("q=doca").await, Vec::<String>::new());
    assert_eq!(found("q=ze").await, ["ZEBRA"]);
    assert_eq!(found("q=nova").await, ["Loja Nova"]);
    let deleted = app
        .delete_instance(&ana, bento["id"].as_str().unwrap())
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(found("q=sao").await, ["São Paulo Centro"]);
    assert_eq!(found("q=bento").await, Vec::<String>::new());

    // Another user's instances never match.
    let bia = app.new_user().await;
    app.create_instance(&bia, "São Paulo Sul", "11999990009")
        .await;
    assert_eq!(found("q=sao").await, ["São Paulo Centro"]);
}

async fn the_status_filter_and_sorts_order_the_list(app: TestApp) {
    let ana = app.new_user().await;
    app.create_instance(&ana, "bravo", "11999990002").await;
    let a = app.create_instance(&ana, "Alfa", "11999990001").await;
    let c = app.create_instance(&ana, "charlie", "11999990003").await;
    // Real states, through the provider: Alfa connected, charlie waiting for a scan.
    let started: Value = app
        .act(&ana, a["id"].as_str().unwrap(), "connect", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.scan(started["login"]["qrcode"].as_str().unwrap()).await,
        StatusCode::OK
    );
    app.wait_for_status(
        &ana,
        a["id"].as_str().unwrap(),
        "connected",
        std::time::Duration::from_secs(5),
    )
    .await;
    app.act(&ana, c["id"].as_str().unwrap(), "connect", None)
        .await;

    assert_eq!(names(&list(&app, &ana, "status=connected").await), ["Alfa"]);
    assert_eq!(
        names(&list(&app, &ana, "status=disconnected").await),
        ["bravo"]
    );
    assert_eq!(list(&app, &ana, "status=connecting").await["total"], 1);

    assert_eq!(
        names(&list(&app, &ana, "sort=name").await),
        ["Alfa", "bravo", "charlie"]
    );
    assert_eq!(
        names(&list(&app, &ana, "sort=-name").await),
        ["charlie", "bravo", "Alfa"]
    );
    assert_eq!(
        names(&list(&app, &ana, "sort=createdAt").await),
        ["bravo", "Alfa", "charlie"]
    );
    assert_eq!(
        names(&list(&app, &ana, "").await),
        ["charlie", "Alfa", "bravo"],
        "newest first by default"
    );
    assert_eq!(
        names(&list(&app, &ana, "sort=-lastConnection").await)[0],
        "Alfa",
        "never-connected ones last"
    );
    assert_eq!(
        names(&list(&app, &ana, "sort=status").await),
        ["Alfa", "charlie", "bravo"]
    );
}

async fn cursor_pages_walk_every_instance_exactly_once(app: TestApp) {
    let ana = app.new_user().await;
    let mut expected = HashSet::new();
    for i in 0..23 {
        let created = app
            .create_instance(&ana, &format!("inst-{i:03}"), &format!("119999{:05}", i))
            .await;
        expected.insert(created["id"].as_str().unwrap().to_owned());
    }
    for sort in [
        "name",
        "-name",
        "createdAt",
        "-createdAt",
        "-updatedAt",
        "status",
        "lastConnection",
    ] {
        let mut seen = Vec::new();
        let mut names_in_order = Vec::new();
        let mut query = format!("sort={sort}&limit=5");
        loop {
            let page = list(&app, &ana, &query).await;
            assert_eq!(page["total"], 23);
            for item in page["items"].as_array().unwrap() {
                seen.push(item["id"].as_str().unwrap().to_owned());
                names_in_order.push(item["name"].as_str().unwrap().to_owned());
            }
            match page["nextCursor"].as_str() {
                Some(cursor) => query = format!("sort={sort}&limit=5&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 23, "{sort}: no duplicates, no gaps");
        assert_eq!(
            seen.iter().cloned().collect::<HashSet<_>>(),
            expected,
            "{sort}"
        );
        if sort == "name" {
            let mut sorted = names_in_order.clone();
            sorted.sort();
            assert_eq!(names_in_order, sorted);
        }
    }
}

async fn numbered_pages_and_totals_agree(app: TestApp) {
    let ana = app.new_user().await;
    for i in 0..7 {
        app.create_instance(&ana, &format!("p{i}"), &format!("1199999000{i}"))
            .await;
    }
    let first = list(&app, &ana, "sort=name&limit=3&page=1").await;
    let third = list(&app, &ana, "sort=name&limit=3&page=3").await;
    let beyond = list(&app, &ana, "sort=name&limit=3&page=9").await;
    assert_eq!(names(&first), ["p0", "p1", "p2"]);
    assert_eq!(names(&third), ["p6"]);
    assert_eq!(third["page"], 3);
    assert_eq!(third["nextCursor"], Value::Null);
    assert_eq!(beyond["items"].as_array().unwrap().len(), 0);
    assert_eq!(beyond["total"], 7);
    assert_eq!(list(&app, &ana, "").await["limit"], 50);
    assert_eq!(list(&app, &ana, "limit=200").await["limit"], 200);
}

async fn bad_list_parameters_are_a_400_naming_the_parameter(app: TestApp) {
    let ana = app.new_user().await;
    let cursor_for_name = {
        for i in 0..3 {
            app.create_instance(&ana, &format!("c{i}"), &format!("1199999000{i}"))
                .await;
        }
        list(&app, &ana, "sort=name&limit=1").await["nextCursor"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let cases = [
        ("status=online".to_owned(), "status"),
        ("sort=password".to_owned(), "sort"),
        ("limit=0".to_owned(), "limit"),
        ("limit=201".to_owned(), "limit"),
        ("limit=abc".to_owned(), "limit"),
        ("page=0".to_owned(), "page"),
        ("page=-1".to_owned(), "page"),
        ("cursor=zz".to_owned(), "cursor"),
        (
            format!("sort=-createdAt&cursor={cursor_for_name}"),
            "cursor",
        ),
        (format!("page=2&cursor={cursor_for_name}"), "cursor"),
        ("colour=blue".to_owned(), "colour"),
    ];
    for (query, field) in cases {
        let error = expect_error(
            app.list_instances(&ana, &query).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(error["field"], field, "{query}: {error}");
    }
}
