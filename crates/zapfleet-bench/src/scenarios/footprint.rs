//! Resident memory idle and at N instances with the poller running, and the
//! CPU the server (the poller, nothing else asks) spends at N.

use super::Ctx;
use crate::measure::ProcSnapshot;
use crate::report::{Report, Row, cpu_percent};
use std::time::{Duration, Instant};

pub async fn run(ctx: &Ctx<'_>, report: &mut Report) -> anyhow::Result<()> {
    let size = u64::from(ctx.options.size);
    // Settle: start-up reconciliation and the first polls.
    tokio::time::sleep(ctx.options.duration.min(Duration::from_secs(2))).await;
    let idle = ctx.stack.server_stats();
    report.push(
        Row::figure(ctx.db(), "idle, no instances", idle, String::new()).baseline(),
        None,
    );
    let created = ctx
        .create_instances(0, size, &format!("setup: create {size} instances"))
        .await;
    anyhow::ensure!(
        created.errors == 0,
        "setup failed: {:?}",
        created.first_error
    );
    report.push(created, None);

    // The window: no request from us; the poller polls each instance on its
    // schedule (disconnected ones every 5 min, so 1/300 of them a second).
    let window = (ctx.options.duration * 4).max(Duration::from_millis(500));
    let (server, sandbox) = (ctx.stack.server_pid(), ctx.stack.sandbox_pid());
    let before = (ProcSnapshot::read(server), ProcSnapshot::read(sandbox));
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let seconds = started.elapsed().as_secs_f64();
    let after = (ProcSnapshot::read(server), ProcSnapshot::read(sandbox));
    let mut row = Row::figure(
        ctx.db(),
        &format!("{size} instances, poller running, no requests"),
        after.0,
        format!(
            "over {seconds:.0} s; the sandbox answering the polls used {:.1} % CPU",
            cpu_percent(before.1, after.1, seconds)
        ),
    );
    row.server_cpu_percent = cpu_percent(before.0, after.0, seconds);
    row.seconds = seconds;
    report.push(row, None);
    Ok(())
}
