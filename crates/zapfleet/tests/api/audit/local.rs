//! What the server does by itself and what the command line does are in the
//! log too, without an address and with a user agent that says which.

use super::{account, audit};
use crate::backup::{Cli, PASSPHRASE, temp_file};
use crate::helpers::{Backend, Options, spawn_app_with};
use serde_json::Value;
use std::time::Duration;
use zapfleet::services::backup::Schedule;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_and_command_line_work_is_recorded_as_such() {
    let dir = temp_file("audited-schedule");
    let options = Options {
        backups: Some(Schedule {
            dir: dir.clone(),
            every: Duration::from_secs(3_600),
            keep: 1,
            with_messages: false,
            passphrase: PASSPHRASE.to_owned(),
        }),
        ..Options::stepped()
    };
    let app = spawn_app_with(Backend::Sqlite, options).await.unwrap();
    let (chefe, _) = account(&app, "chefe@loja.com.br", true).await;
    account(&app, "ana@loja.com.br", false).await;
    assert_eq!(
        zapfleet::workers::backups::try_execute_task(&app.platform)
            .await
            .unwrap(),
        1
    );
    let cli = Cli {
        database_url: app.database_url.clone(),
        key: "42".repeat(32),
        provider_url: None,
        public_url: None,
    };
    let file = temp_file("audited-cli.age");
    let file_text = file.display().to_string();
    cli.ok(&["backup", "--email", "ana@loja.com.br", "--out", &file_text]);
    cli.ok(&[
        "restore",
        &file_text,
        "--email",
        "ana@loja.com.br",
        "--dry-run",
    ]);
    cli.ok(&[
        "token",
        "create",
        "--email",
        "ana@loja.com.br",
        "--name",
        "script",
    ]);

    let (_, page) = audit(&app, &chefe, "limit=200").await;
    let lines = page["items"].as_array().unwrap();
    let find = |action: &str, ua: &str| -> Value {
        lines
            .iter()
            .find(|l| l["action"] == action && l["userAgent"] == ua)
            .unwrap_or_else(|| panic!("no {action} from {ua} in {lines:#?}"))
            .clone()
    };
    let scheduled = find("backup", "zapfleet (schedule)");
    assert_eq!(scheduled["ip"], Value::Null);
    assert_eq!(scheduled["detail"]["scope"], "all");
    assert_eq!(scheduled["detail"]["ok"], true);
    let by_hand = find("backup", "zapfleet (command line)");
    assert_eq!(by_hand["detail"]["scope"], "account");
    assert_eq!(by_hand["detail"]["instances"], 0);
    let tried = find("restore", "zapfleet (command line)");
    assert_eq!(tried["detail"]["dryRun"], true);
    assert_eq!(tried["detail"]["ok"], true);
    let token = find("token_created", "zapfleet (command line)");
    assert_eq!(token["targetName"], "script");
    assert_eq!(token["actorEmail"], "ana@loja.com.br");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
}
