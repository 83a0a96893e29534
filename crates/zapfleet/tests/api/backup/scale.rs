//! A large account (thousands of instances, tens of thousands of messages)
//! backs up and restores in flat memory: what the records cost while they
//! stream is the same for it as for an account of one instance. The test
//! prints the figures; `cargo bench --bench backup` records throughput.

use super::{Cli, counts, default_key, generate, temp_file};
use crate::helpers::{Backend, Options, fresh_database, spawn_app_with};
use zapfleet::domain::Email;

/// The megabytes the command line says it used while records streamed.
fn streaming_megabytes(said: &str) -> f64 {
    let before = said
        .split(" MB while streaming records")
        .next()
        .filter(|_| said.contains("while streaming records"))
        .unwrap_or_else(|| panic!("no memory figure in: {said}"));
    before.rsplit(['(', ' ']).next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_account_backs_up_and_restores_in_flat_memory() {
    let Some(source) = spawn_app_with(Backend::Sqlite, Options::stepped()).await else {
        return;
    };
    let cli = |url: &str| Cli {
        database_url: url.to_owned(),
        key: default_key(),
        provider_url: None,
        public_url: None,
    };
    let mut figures = Vec::new();
    for (instances, messages) in [(1, 0), (2_000, 20_000)] {
        let user = source.new_user().await;
        let id = source
            .store
            .find_user_by_email(&Email::parse(&user.email).unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        // Messages of 2,000 characters: 40 MB of them in the large account.
        generate(
            &source.database_url,
            id.as_str(),
            instances,
            messages,
            2_000,
        )
        .await;
        let file = temp_file("scale.age");
        let said = cli(&source.database_url).ok(&[
            "backup",
            "--email",
            &user.email,
            "--out",
            file.to_str().unwrap(),
            "--with-messages",
        ]);
        println!("backup of {instances} instances, {messages} messages: {said}");
        let backup = streaming_megabytes(&said);
        let target = fresh_database(Backend::Sqlite).await.unwrap();
        let said = cli(&target.url).ok(&["restore", file.to_str().unwrap()]);
        println!("restore: {said}");
        let restore = streaming_megabytes(&said);
        assert_eq!(counts(&target.url).await, (1, i64::from(instances)));
        figures.push((backup, restore));
        let _ = std::fs::remove_file(&file);
    }
    let [(small_backup, small_restore), (large_backup, large_restore)] = figures[..] else {
        unreachable!()
    };
    // Held in memory, the large account's 40 MB of messages would show here
    // (the pages in flight and the allocator's arenas cost a few MB).
    assert!(
        large_backup < small_backup + 32.0,
        "backup: {small_backup} MB vs {large_backup} MB"
    );
    assert!(
        large_restore < small_restore + 32.0,
        "restore: {small_restore} MB vs {large_restore} MB"
    );
}
