//! Live propagation: a provider webhook's change seen by many open
//! `/api/events` streams (over 10 users), beside one stream per user; and the
//! server's memory per idle stream.

use super::webhooks::{Target, connection, targets};
use super::{Ctx, shared};
use crate::api::{Api, instance_name, phone, post_webhook};
use crate::measure::{Sample, mib};
use crate::report::{Report, Row};
use anyhow::Context;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Users the streams are spread over.
const USERS: u32 = 10;
/// Streams watching changes at once (the figure).
const LIVE_STREAMS: u32 = 1_000;

/// The change the streams wait for: a disconnection whose reason names the round.
#[derive(Clone)]
struct Round {
    reason: String,
    started: Instant,
}

/// One user's connected instance, as the provider posts about it.
struct Watched {
    api: Api,
    id: String,
    target: Target,
    owner: String,
}

/// Opens an event stream; once its answer started, keeps reading it in a task
/// that reports each matching change's delay.
async fn open(
    api: &Api,
    rounds: watch::Receiver<Round>,
    seen: mpsc::UnboundedSender<Duration>,
) -> anyhow::Result<JoinHandle<()>> {
    let mut response = api
        .http
        .get(format!("{}/api/events", api.base))
        .bearer_auth(&api.token)
        .timeout(Duration::from_secs(24 * 3600))
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "{}", response.status());
    Ok(tokio::spawn(async move {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = response.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buffer.find("\n\n") {
                let frame: String = buffer.drain(..end + 2).collect();
                let data = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim)
                    .collect::<String>();
                if !frame.contains("event: instance.status")
                    && !frame.contains("event:instance.status")
                {
                    continue;
                }
                let Ok(event) = serde_json::from_str::<Value>(&data) else {
                    continue;
                };
                let round = rounds.borrow().clone();
                if event["reason"].as_str() == Some(round.reason.as_str()) {
                    let _ = seen.send(round.started.elapsed());
                }
            }
        }
    }))
}

async fn set_up(ctx: &Ctx<'_>, users: u32) -> anyhow::Result<Vec<Watched>> {
    let mut apis = vec![ctx.api.clone()];
    for n in 1..users {
        apis.push(ctx.other_user(&format!("bench{n}@example.com")).await?);
    }
    let mut ids = Vec::new();
    for (n, api) in apis.iter().enumerate() {
        let id = api
            .create_instance(&instance_name(n as u64), &phone(n as u64))
            .await?;
        api.post(
            &format!("/instances/{id}/connect"),
            &json!({"method": "qr"}),
        )
        .await?;
        ids.push(id);
    }
    for remote in ctx.sandbox.all().await? {
        ctx.sandbox
            .scan(remote["id"].as_str().context("id")?)
            .await?;
    }
    let remote = ctx.sandbox.all().await?;
    let mut all_targets = targets(&ctx.sandbox, ctx.options.concurrency).await?;
    let mut watched = Vec::new();
    for (api, id) in apis.into_iter().zip(ids) {
        wait_for_status(&api, &id, "connected").await?;
        let key = api.get(&format!("/instances/{id}")).await?["instanceKey"]
            .as_str()
            .context("instanceKey")?
            .to_owned();
        let position = all_targets
            .iter()
            .position(|t| t.name == key)
            .context("no provider instance for an instance")?;
        let target = all_targets.swap_remove(position);
        let owner = remote
            .iter()
            .find(|r| r["id"].as_str() == Some(&target.id))
            .and_then(|r| r["owner"].as_str())
            .unwrap_or_default()
            .to_owned();
        watched.push(Watched {
            api,
            id,
            target,
            owner,
        });
    }
    Ok(watched)
}

async fn wait_for_status(api: &Api, id: &str, status: &str) -> anyhow::Result<()> {
    let started = Instant::now();
    while api.get(&format!("/instances/{id}")).await?["status"].as_str() != Some(status) {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(30),
            "instance {id} never became {status}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// Opens `per_user` streams per user, runs `rounds` disconnections (each
/// followed by a reconnection) and returns the delays seen.
async fn propagation(
    ctx: &Ctx<'_>,
    watched: &[Watched],
    per_user: u32,
    rounds: u32,
    name: &str,
) -> anyhow::Result<Row> {
    let (round_tx, round_rx) = watch::channel(Round {
        reason: String::new(),
        started: Instant::now(),
    });
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let mut streams = Vec::new();
    for user in watched {
        for _ in 0..per_user {
            streams.push(open(&user.api, round_rx.clone(), seen_tx.clone()).await?);
        }
    }
    let expected = streams.len();
    let mut sample = Sample::default();
    let before = ctx.stack.server_stats();
    let started = Instant::now();
    let http = ctx.api.http.clone();
    for round in 0..rounds {
        let reason = format!("bench round {round}");
        round_tx.send_replace(Round {
            reason: reason.clone(),
            started: Instant::now(),
        });
        for user in watched {
            let body = connection(&user.target, "disconnected", &user.owner, &reason);
            post_webhook(&http, &user.target.url, &body).await?;
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut got = 0;
        while got < expected {
            match tokio::time::timeout_at(deadline.into(), seen_rx.recv()).await {
                Ok(Some(delay)) => {
                    sample.latencies.push(delay);
                    got += 1;
                }
                _ => break,
            }
        }
        sample.ok += got as u64;
        sample.errors += (expected - got) as u64;
        if got < expected && sample.first_error.is_none() {
            sample.first_error = Some(format!("round {round}: {got} of {expected} streams saw it"));
        }
        for user in watched {
            let body = connection(&user.target, "connected", &user.owner, "");
            post_webhook(&http, &user.target.url, &body).await?;
        }
        for user in watched {
            wait_for_status(&user.api, &user.id, "connected").await?;
        }
    }
    sample.elapsed = started.elapsed();
    sample.latencies.sort_unstable();
    let after = ctx.stack.server_stats();
    for stream in streams {
        stream.abort();
    }
    let mut row = Row::from_sample(ctx.db(), name, &sample, before, after);
    row.note = format!(
        "{expected} streams over {} users, {rounds} changes each; ok/s counts deliveries",
        watched.len()
    );
    Ok(row)
}

pub async fn run(ctx: &Ctx<'_>, report: &mut Report) -> anyhow::Result<()> {
    let size = ctx.options.size;
    let users = USERS.min(size).max(1);
    let watched = set_up(ctx, users).await?;
    let rounds = (ctx.options.duration.as_secs_f64() * 4.0).clamp(2.0, 20.0) as u32;
    let row = propagation(ctx, &watched, 1, rounds, "webhook → 1 stream per user").await?;
    report.push(row.baseline(), None);
    let per_user = (LIVE_STREAMS.min(size) / users).max(1);
    let row = propagation(
        ctx,
        &watched,
        per_user,
        rounds,
        &format!("webhook → {} streams", per_user * users),
    )
    .await?;
    report.push(row, None);

    // Idle streams: the server's memory before and after opening them.
    let (_round_tx, round_rx) = watch::channel(Round {
        reason: "never".into(),
        started: Instant::now(),
    });
    let (seen_tx, _seen_rx) = mpsc::unbounded_channel();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = ctx.stack.server_stats();
    let watched = shared(watched);
    let mut streams: Vec<JoinHandle<()>> = Vec::new();
    let mut opening = Vec::new();
    for n in 0..size {
        let (watched, round_rx, seen_tx) = (watched.clone(), round_rx.clone(), seen_tx.clone());
        opening.push(tokio::spawn(async move {
            let user = &watched[n as usize % watched.len()];
            open(&user.api, round_rx, seen_tx).await
        }));
        if opening.len() == 100 || n + 1 == size {
            for handle in opening.drain(..) {
                streams.push(handle.await??);
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = ctx.stack.server_stats();
    let per_stream = (after.rss.saturating_sub(before.rss)) as f64 / f64::from(size) / 1024.0;
    report.push(
        Row::figure(
            ctx.db(),
            &format!("{size} idle streams open"),
            after,
            format!(
                "{per_stream:.1} KiB per stream (RSS {:.1} → {:.1} MiB)",
                mib(before.rss),
                mib(after.rss)
            ),
        ),
        None,
    );
    for stream in streams {
        stream.abort();
    }
    Ok(())
}
