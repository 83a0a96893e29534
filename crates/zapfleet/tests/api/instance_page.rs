//! The instance page shows what the API shows, through the same services: an
//! uploaded file appears as what it is, never as its data.

use crate::helpers::TestApp;
use crate::on_both_backends;
use crate::pages::Browser;
use reqwest::StatusCode;
use serde_json::json;
use zapfleet::domain::Email;
use zapfleet::services::tokens;

on_both_backends!(an_upload_without_caption_shows_as_a_file_not_as_its_data);

async fn an_upload_without_caption_shows_as_a_file_not_as_its_data(app: TestApp) {
    let browser = Browser::new(&app);
    let csrf = browser.sign_up("fotos@loja.com.br").await;
    browser
        .post(
            "/ui/instances",
            &[
                ("_csrf", csrf.as_str()),
                ("name", "Fotos"),
                ("phone", "11999990001"),
            ],
        )
        .await;
    let id = browser
        .page("/ui/instances/table")
        .await
        .attr("input[name=ids]", "value");
    let owner = app
        .store
        .find_user_by_email(&Email::parse("fotos@loja.com.br").unwrap())
        .await
        .unwrap()
        .unwrap();
    let token = tokens::issue(&app.platform, &owner.id, "testes")
        .await
        .unwrap();
    // 1,800 bytes of a picture, base64: far longer than any text cell.
    let data = "iVBORw0KGgoA".repeat(200);
    let sent = app
        .client
        .post(app.url(&format!("/api/instances/{id}/messages")))
        .bearer_auth(&token.secret)
        .json(&json!({"to": "11977776666", "media": {"kind": "image", "data": data}}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::ACCEPTED);
    let shown: serde_json::Value = sent.json().await.unwrap();
    assert_eq!(shown["uploadBytes"], 1_800);
    assert!(shown.get("mediaUrl").is_none_or(serde_json::Value::is_null));

    let page = browser.page(&format!("/instances/{id}")).await;
    let cells = page.texts("#messages-list td:nth-child(3)");
    assert_eq!(cells, ["[imagem] 2 KB"]);
    assert!(
        !page.html.html().contains("iVBORw0KGgo"),
        "no data on the page"
    );
}
