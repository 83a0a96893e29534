//! Provider webhooks for N instances at the highest rate the clients reach:
//! connection changes and message receipts, beside the same endpoint doing no
//! work (an unknown secret: one lookup, then 401) and `/healthz`.

use super::{Ctx, shared};
use crate::api::{Sandbox, post_webhook};
use crate::measure::{Load, drive};
use crate::report::Report;
use anyhow::Context;
use serde_json::{Value, json};
use std::sync::Mutex;

const NO_WORK: &str = "webhook with an unknown secret (401, no work)";

/// What the bench needs to post as the provider for one instance.
#[derive(Debug, Clone)]
pub struct Target {
    /// zapfleet's webhook URL for the instance (holds its secret).
    pub url: String,
    /// The provider's token of the instance (the body must carry it).
    pub token: String,
    /// The provider-side instance name.
    pub name: String,
    /// The provider-side instance id.
    pub id: String,
}

/// Every provider instance with its webhook URL, read from the sandbox as
/// the provider knows them (uazapi's admin list, then `GET /webhook` each).
pub async fn targets(sandbox: &Sandbox, concurrency: usize) -> anyhow::Result<Vec<Target>> {
    let all = sandbox.all().await?;
    let all = shared(all);
    let found = shared(Mutex::new(Vec::new()));
    let (list, out, sandbox) = (all.clone(), found.clone(), sandbox.clone());
    let sample = drive(Load::counted(concurrency, all.len() as u64), move |i| {
        let (list, out, sandbox) = (list.clone(), out.clone(), sandbox.clone());
        async move {
            let instance = &list[i as usize];
            let token = instance["token"].as_str().context("token")?.to_owned();
            let url = sandbox.webhook_url(&token).await?;
            let target = Target {
                url,
                token,
                name: instance["name"].as_str().unwrap_or_default().to_owned(),
                id: instance["id"].as_str().unwrap_or_default().to_owned(),
            };
            out.lock()
                .map_err(|_| anyhow::anyhow!("poisoned"))?
                .push(target);
            Ok(())
        }
    })
    .await;
    if let Some(error) = sample.first_error {
        anyhow::bail!("reading webhook URLs: {error}");
    }
    let targets = std::mem::take(&mut *found.lock().map_err(|_| anyhow::anyhow!("poisoned"))?);
    Ok(targets)
}

/// A `connection` event body as uazapi posts it.
pub fn connection(target: &Target, status: &str, owner: &str, reason: &str) -> Value {
    let mut instance = json!({"name": target.name, "status": status});
    if status == "disconnected" && !reason.is_empty() {
        instance["lastDisconnect"] = json!("2026-11-30T00:00:00Z");
        instance["lastDisconnectReason"] = json!(reason);
    }
    json!({"EventType": "connection", "instanceName": target.name, "owner": owner,
           "token": target.token, "instance": instance})
}

/// A `messages_update` read receipt for a message id.
fn receipt(target: &Target, message_id: &str) -> Value {
    let chat = "5511988887777@s.whatsapp.net";
    json!({"EventType": "messages_update", "instanceName": target.name, "owner": "",
           "token": target.token, "type": "ReadReceipt", "state": "Delivered",
           "event": {"Chat": chat, "Sender": chat, "sender_pn": chat, "sender_lid": "",
                     "IsFromMe": "False", "IsGroup": "False", "MessageIDs": [message_id],
                     "Timestamp": "1795000000", "Type": "Delivered"}})
}

pub async fn run(ctx: &Ctx<'_>, report: &mut Report) -> anyhow::Result<()> {
    let size = u64::from(ctx.options.size);
    let setup = ctx
        .create_instances(0, size, &format!("setup: create {size} instances"))
        .await;
    anyhow::ensure!(setup.errors == 0, "setup failed: {:?}", setup.first_error);
    report.push(setup, None);
    let targets = shared(targets(&ctx.sandbox, ctx.options.concurrency).await?);
    anyhow::ensure!(
        targets.len() as u64 == size,
        "{} provider instances",
        targets.len()
    );
    report.push(ctx.healthz().await, None);

    let http = ctx.api.http.clone();
    let unknown = format!("{}/api/webhooks/uazapi/{}", ctx.api.base, "x".repeat(43));
    let body = shared(connection(&targets[0], "connecting", "", ""));
    let row = ctx
        .measure(NO_WORK, ctx.timed(), move |_| {
            let (http, unknown, body) = (http.clone(), unknown.clone(), body.clone());
            async move {
                let status = http.post(&unknown).json(&*body).send().await?.status();
                anyhow::ensure!(status == 401, "expected 401, got {status}");
                Ok(())
            }
        })
        .await
        .baseline();
    report.push(row, None);

    // Each instance in turn goes connecting, then disconnected (with a reason),
    // and so on: every event is a real change (unless the poller, asked to look
    // at a connecting instance at once, got there first).
    let (http, list) = (ctx.api.http.clone(), targets.clone());
    let row = ctx
        .measure(
            "connection webhooks (status changes)",
            ctx.timed(),
            move |i| {
                let (http, list) = (http.clone(), list.clone());
                async move {
                    let target = &list[i as usize % list.len()];
                    let round = i / list.len() as u64;
                    let body = if round.is_multiple_of(2) {
                        connection(target, "connecting", "", "")
                    } else {
                        connection(target, "disconnected", "", &format!("bench {round}"))
                    };
                    post_webhook(&http, &target.url, &body).await
                }
            },
        )
        .await
        .note("half connecting, half disconnected; the poller checks connecting ones at once");
    report.push(row, Some(NO_WORK));

    let (http, list) = (ctx.api.http.clone(), targets.clone());
    let row = ctx
        .measure("message-ack webhooks (receipts)", ctx.timed(), move |i| {
            let (http, list) = (http.clone(), list.clone());
            async move {
                let target = &list[i as usize % list.len()];
                let body = receipt(target, &format!("3EB0BENCH{i:012}"));
                post_webhook(&http, &target.url, &body).await
            }
        })
        .await
        .note("receipts of messages not sent here: each is parked for a day");
    report.push(row, Some(NO_WORK));
    Ok(())
}
