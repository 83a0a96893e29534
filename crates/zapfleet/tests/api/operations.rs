//! Health, readiness, metrics, the OpenAPI document and the docs page.

use crate::helpers::TestApp;
use crate::on_both_backends;
use reqwest::StatusCode;
use serde_json::Value;

on_both_backends!(
    health_and_readiness_report_the_database,
    metrics_count_requests_by_route_and_status,
    the_openapi_document_describes_the_instance_api,
    the_docs_page_works_offline_under_a_strict_policy,
);

async fn health_and_readiness_report_the_database(app: TestApp) {
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");

    app.store.close().await;
    let unready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(unready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        StatusCode::OK,
        "alive even when the database is not"
    );
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    let ana = app.new_user().await;
    let created = app.create_instance(&ana, "Medida", "11999999999").await;
    app.get_instance(&ana, created["id"].as_str().unwrap())
        .await;
    app.get_instance(&ana, "missing").await;
    app.client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text().await.unwrap();
    for line in [
        r#"zapfleet_http_requests_total{method="POST",route="/api/instances",status="201"} 1"#,
        r#"zapfleet_http_requests_total{method="GET",route="/api/instances/{id}",status="200"} 1"#,
        r#"zapfleet_http_requests_total{method="GET",route="/api/instances/{id}",status="404"} 1"#,
        r#"zapfleet_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"zapfleet_http_request_duration_seconds_count{method="GET",route="/api/instances/{id}"} 2"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
}

async fn the_openapi_document_describes_the_instance_api(app: TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = &doc["paths"];
    for (path, method) in [
        ("/api/instances", "get"),
        ("/api/instances", "post"),
        ("/api/instances/create", "post"),
        ("/api/instances/{id}", "get"),
        ("/api/instances/{id}", "patch"),
        ("/api/instances/{id}", "delete"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            paths[path][method].is_object(),
            "{method} {path} documented"
        );
    }
    assert!(paths["/api/instances"]["post"]["responses"]["409"].is_object());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let params: Vec<&str> = paths["/api/instances"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["q", "status", "sort", "page", "cursor", "limit"] {
        assert!(params.contains(&name), "{name}");
    }
}

async fn the_docs_page_works_offline_under_a_strict_policy(app: TestApp) {
    let page = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("default-src 'self'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no external assets"
    );
    for asset in ["/api/docs/docs.js", "/api/docs/docs.css"] {
        assert!(html.contains(asset));
        let response = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let body = response.text().await.unwrap();
        assert!(
            !body.contains("https://") && !body.contains("http://"),
            "{asset} loads nothing external"
        );
    }
    // Its controls speak the visitor's language, and it leads back to the app.
    for (language, back, send) in [
        ("pt-BR,pt", "Voltar às instâncias", "Enviar"),
        ("en", "Back to the instances", "Send"),
    ] {
        let page = app
            .client
            .get(app.url("/api/docs"))
            .header("accept-language", language)
            .send()
            .await
            .unwrap();
        let page = crate::pages::Page::parse(&page.text().await.unwrap());
        assert_eq!(page.text("[data-testid=docs-back]"), format!("← {back}"));
        assert_eq!(page.attr("a[data-testid=docs-back]", "href"), "/");
        let texts = page.attr("meta[name=zf-docs-texts]", "content");
        let texts: serde_json::Value = serde_json::from_str(&texts).unwrap();
        assert_eq!(texts["send"], send);
    }
}
