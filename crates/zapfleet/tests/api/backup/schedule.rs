//! Scheduled backups (`ZAPFLEET_BACKUP_DIR`): one when due, never two, each
//! file whole (written beside, then renamed), the oldest beyond `keep` gone.

use super::{PASSPHRASE, records, temp_file};
use crate::helpers::{Backend, Options, spawn_app_with};
use std::time::Duration;
use zapfleet::services::backup::Schedule;
use zapfleet::services::backup::format::Record;

const HOUR: i64 = 3_600_000;

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_backups_are_taken_when_due_whole_and_pruned() {
    let dir = temp_file("scheduled");
    let options = Options {
        backups: Some(Schedule {
            dir: dir.clone(),
            every: Duration::from_secs(3_600),
            keep: 2,
            with_messages: false,
            passphrase: PASSPHRASE.to_owned(),
        }),
        ..Options::stepped()
    };
    let app = spawn_app_with(Backend::Sqlite, options).await.unwrap();
    let ana = app.new_user().await;
    app.create_instance(&ana, "Loja Agendada", "11 98888-0000")
        .await;
    let step = || zapfleet::workers::backups::try_execute_task(&app.platform);

    assert_eq!(step().await.unwrap(), 1, "none yet: one now");
    assert_eq!(step().await.unwrap(), 0, "not due again");
    app.advance_clock(HOUR - 60_000);
    assert_eq!(step().await.unwrap(), 0, "a minute early");
    app.advance_clock(60_000);
    assert_eq!(step().await.unwrap(), 1, "an hour later");
    app.advance_clock(HOUR);
    assert_eq!(step().await.unwrap(), 1);

    // Three taken, two kept; nothing half-written left behind.
    let kept = names(&dir);
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept.iter()
            .all(|n| n.starts_with("zapfleet-backup-") && n.ends_with(".age")),
        "{kept:?}"
    );
    let newest = std::fs::read(dir.join(&kept[1])).unwrap();
    let instance_names: Vec<String> = records(&newest)
        .unwrap()
        .into_iter()
        .filter_map(|record| match record {
            Record::Instance { name, .. } => Some(name),
            _ => None,
        })
        .collect();
    assert_eq!(instance_names, ["Loja Agendada"]);
    let _ = std::fs::remove_dir_all(&dir);
}
