//! Small HTTP clients: zapfleet's API with a bearer token, and the sandbox's
//! admin routes and controls.

use crate::stack::SANDBOX_TOKEN;
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::time::Duration;

/// A shared HTTP client (one connection pool for all the bench's clients).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_default()
}

async fn checked(response: reqwest::Response) -> anyhow::Result<reqwest::Response> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let url = response.url().path().to_owned();
    let body = response.text().await.unwrap_or_default();
    bail!(
        "{url}: {status} {}",
        body.chars().take(300).collect::<String>()
    )
}

async fn json_of(response: reqwest::Response) -> anyhow::Result<Value> {
    let response = checked(response).await?;
    if response.status() == reqwest::StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    Ok(response.json().await?)
}

/// zapfleet's API as one user.
#[derive(Clone)]
pub struct Api {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// The user's API token.
    pub token: String,
}

impl Api {
    /// `GET /api<path>`, any 2xx, its JSON.
    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        json_of(
            self.http
                .get(format!("{}/api{path}", self.base))
                .bearer_auth(&self.token)
                .send()
                .await?,
        )
        .await
    }

    /// `POST /api<path>` with a JSON body, any 2xx, its JSON.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        json_of(
            self.http
                .post(format!("{}/api{path}", self.base))
                .bearer_auth(&self.token)
                .json(body)
                .send()
                .await?,
        )
        .await
    }

    /// `PUT /api<path>` with a JSON body, any 2xx, its JSON.
    pub async fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        json_of(
            self.http
                .put(format!("{}/api{path}", self.base))
                .bearer_auth(&self.token)
                .json(body)
                .send()
                .await?,
        )
        .await
    }

    /// Creates the instance named `name` and returns its id.
    pub async fn create_instance(&self, name: &str, phone: &str) -> anyhow::Result<String> {
        let created = self
            .post("/instances", &json!({"name": name, "phone": phone}))
            .await?;
        Ok(created["id"]
            .as_str()
            .context("created instance without id")?
            .to_owned())
    }
}

/// Every instance name the bench makes follows this pattern (searches rely on it).
pub fn instance_name(i: u64) -> String {
    const CITIES: [&str; 8] = [
        "São Paulo",
        "Rio",
        "Belo Horizonte",
        "Curitiba",
        "Recife",
        "Salvador",
        "Goiânia",
        "Zé Doca",
    ];
    format!("Loja {} {i:06}", CITIES[(i % 8) as usize])
}

/// A Brazilian mobile number unique to `i`.
pub fn phone(i: u64) -> String {
    format!("+55 11 9{:08}", i % 100_000_000)
}

/// The sandbox's admin routes and controls.
#[derive(Clone)]
pub struct Sandbox {
    /// The HTTP client.
    pub http: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Sandbox {
    /// uazapi's admin `GET /instance/all`: every instance with its token.
    pub async fn all(&self) -> anyhow::Result<Vec<Value>> {
        let value = json_of(
            self.http
                .get(format!("{}/instance/all", self.base))
                .header("admintoken", SANDBOX_TOKEN)
                .send()
                .await?,
        )
        .await?;
        Ok(value.as_array().cloned().unwrap_or_default())
    }

    /// The first webhook URL an instance posts to (`GET /webhook` with its token).
    pub async fn webhook_url(&self, token: &str) -> anyhow::Result<String> {
        let value = json_of(
            self.http
                .get(format!("{}/webhook", self.base))
                .header("token", token)
                .send()
                .await?,
        )
        .await?;
        Ok(value[0]["url"]
            .as_str()
            .context("instance without a webhook")?
            .to_owned())
    }

    /// The phone scans the QR the instance `id` shows.
    pub async fn scan(&self, id: &str) -> anyhow::Result<()> {
        checked(
            self.http
                .post(format!("{}/sandbox/instances/{id}/scan", self.base))
                .header("admintoken", SANDBOX_TOKEN)
                .send()
                .await?,
        )
        .await?;
        Ok(())
    }

    /// How many messages the sandbox accepted, over all instances.
    pub async fn sent_count(&self) -> anyhow::Result<u64> {
        let value = json_of(
            self.http
                .get(format!("{}/sandbox/instances", self.base))
                .header("admintoken", SANDBOX_TOKEN)
                .send()
                .await?,
        )
        .await?;
        Ok(value
            .as_array()
            .map(|all| all.iter().filter_map(|i| i["sentCount"].as_u64()).sum())
            .unwrap_or(0))
    }

    /// `POST /send/text` as the instance holding `token`.
    pub async fn send_text(&self, token: &str, number: &str, text: &str) -> anyhow::Result<()> {
        checked(
            self.http
                .post(format!("{}/send/text", self.base))
                .header("token", token)
                .json(&json!({"number": number, "text": text}))
                .send()
                .await?,
        )
        .await?;
        Ok(())
    }
}

/// Posts a provider webhook body to zapfleet's webhook URL.
pub async fn post_webhook(http: &reqwest::Client, url: &str, body: &Value) -> anyhow::Result<()> {
    checked(http.post(url).json(body).send().await?).await?;
    Ok(())
}
