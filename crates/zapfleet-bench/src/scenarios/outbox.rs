//! The outbox: messages per second over connected instances with zero delays,
//! beside the sandbox's send endpoint hit directly by the bench's clients.

use super::{Ctx, all_ids, shared};
use crate::measure::{Load, drive};
use crate::report::{Report, Row};
use anyhow::Context;
use serde_json::json;
use std::time::{Duration, Instant};

const DIRECT: &str = "sandbox POST /send/text, direct";
/// The most instances the scenario connects (the figure).
const MAX_CONNECTED: u32 = 1_000;
/// Messages per instance.
const PER_INSTANCE: u64 = 5;

/// Connects every instance of the first account: connect through the API,
/// the sandbox's phone scans each QR, then waits until zapfleet shows them all
/// connected.
pub async fn connect_all(ctx: &Ctx<'_>, ids: &[String]) -> anyhow::Result<()> {
    let concurrency = ctx.options.concurrency;
    let (api, list) = (ctx.api.clone(), shared(ids.to_vec()));
    let sample = drive(Load::counted(concurrency, ids.len() as u64), move |i| {
        let (api, list) = (api.clone(), list.clone());
        async move {
            api.post(
                &format!("/instances/{}/connect", list[i as usize]),
                &json!({"method": "qr"}),
            )
            .await
            .map(drop)
        }
    })
    .await;
    anyhow::ensure!(sample.errors == 0, "connect: {:?}", sample.first_error);
    let remote = shared(ctx.sandbox.all().await?);
    let sandbox = ctx.sandbox.clone();
    let list = remote.clone();
    let sample = drive(Load::counted(concurrency, remote.len() as u64), move |i| {
        let (sandbox, list) = (sandbox.clone(), list.clone());
        async move {
            let id = list[i as usize]["id"].as_str().context("id")?.to_owned();
            sandbox.scan(&id).await
        }
    })
    .await;
    anyhow::ensure!(sample.errors == 0, "scan: {:?}", sample.first_error);
    let started = Instant::now();
    loop {
        let page = ctx.api.get("/instances?status=connected&limit=1").await?;
        if page["total"].as_u64() == Some(ids.len() as u64) {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "only {} of {} connected",
            page["total"],
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn run(ctx: &Ctx<'_>, report: &mut Report) -> anyhow::Result<()> {
    let instances = u64::from(ctx.options.size.min(MAX_CONNECTED));
    let messages = instances * PER_INSTANCE;
    let setup = ctx
        .create_instances(
            0,
            instances,
            &format!("setup: create {instances} instances"),
        )
        .await;
    anyhow::ensure!(setup.errors == 0, "setup failed: {:?}", setup.first_error);
    let ids = all_ids(ctx).await?;
    connect_all(ctx, &ids).await?;
    let (api, list) = (ctx.api.clone(), shared(ids.clone()));
    let sample = drive(
        Load::counted(ctx.options.concurrency, ids.len() as u64),
        move |i| {
            let (api, list) = (api.clone(), list.clone());
            async move {
                api.put(
                    &format!("/instances/{}/config", list[i as usize]),
                    &json!({"messageDelayMinMs": 0, "messageDelayMaxMs": 0}),
                )
                .await
                .map(drop)
            }
        },
    )
    .await;
    anyhow::ensure!(sample.errors == 0, "config: {:?}", sample.first_error);

    // Baseline: the same number of sends straight at the sandbox.
    let tokens: Vec<String> = ctx
        .sandbox
        .all()
        .await?
        .iter()
        .filter_map(|i| i["token"].as_str().map(str::to_owned))
        .collect();
    let (sandbox, tokens) = (ctx.sandbox.clone(), shared(tokens));
    let row = ctx
        .measure(
            DIRECT,
            Load::counted(ctx.options.concurrency, messages),
            move |i| {
                let (sandbox, tokens) = (sandbox.clone(), tokens.clone());
                async move {
                    let token = &tokens[i as usize % tokens.len()];
                    sandbox
                        .send_text(token, "5511988887777", &format!("direto {i}"))
                        .await
                }
            },
        )
        .await
        .baseline();
    report.push(row, None);
    let already = ctx.sandbox.sent_count().await?;

    // Queue every message through the API, then wait until the sandbox has
    // them all: the outbox's rate is the messages over the whole time.
    let before = ctx.stack.server_stats();
    let started = Instant::now();
    let (api, list) = (ctx.api.clone(), shared(ids));
    let queued = drive(Load::counted(ctx.options.concurrency, messages), move |i| {
        let (api, list) = (api.clone(), list.clone());
        async move {
            let id = &list[i as usize % list.len()];
            api.post(
                &format!("/instances/{id}/messages"),
                &json!({"to": "5511988887777", "text": format!("pela fila {i}")}),
            )
            .await
            .map(drop)
        }
    })
    .await;
    let after_queue = ctx.stack.server_stats();
    let mut queue_row = Row::from_sample(
        ctx.db(),
        "POST /instances/{id}/messages (queue)",
        &queued,
        before,
        after_queue,
    );
    queue_row.note = format!("{messages} messages over {instances} connected instances");
    report.push(queue_row, Some(DIRECT));
    loop {
        let sent = ctx.sandbox.sent_count().await? - already;
        if sent >= queued.ok {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "only {sent} of {} sent",
            queued.ok
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let after = ctx.stack.server_stats();
    let mut row = Row::figure(
        ctx.db(),
        "sent through the outbox (queue → provider)",
        after,
        format!("from the first POST to the last send seen by the sandbox, {seconds:.1} s"),
    );
    row.ok = queued.ok;
    row.seconds = seconds;
    row.per_second = queued.ok as f64 / seconds.max(1e-9);
    row.server_cpu_percent = crate::report::cpu_percent(before, after, seconds);
    report.push(row, Some(DIRECT));
    Ok(())
}
