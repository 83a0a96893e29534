//! Files at rest: the data folder and the SQLite database, its `-wal` and
//! `-shm` files and the key file are readable by the server's user only.

use zapfleet::config::Config;
use zapfleet::startup::Application;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_folder_and_the_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("zapfleet-private-{}", nanoid::nanoid!(10)));
    let data = root.join("data");
    let data_text = data.display().to_string();
    // No key and no DATABASE_URL: the key file and SQLite in the data folder.
    let config = Config::load_from(None, |name| match name {
        "ZAPFLEET_DATA_DIR" => Some(data_text.clone()),
        "ZAPFLEET_LISTEN" | "ZAPFLEET_SANDBOX_LISTEN" => Some("127.0.0.1:0".to_owned()),
        _ => None,
    })
    .unwrap();
    let mode = |name: &str| {
        std::fs::metadata(data.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .permissions()
            .mode()
            & 0o777
    };
    let app = Application::build(&config).await.unwrap();
    assert_eq!(mode(""), 0o700, "the data folder");
    for file in [
        "secret.key",
        "zapfleet.db",
        "zapfleet.db-wal",
        "zapfleet.db-shm",
    ] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    drop(app);

    // Files an older release left readable to all are narrowed at start.
    for file in ["zapfleet.db", "zapfleet.db-wal", "zapfleet.db-shm"] {
        let path = data.join(file);
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let app = Application::build(&config).await.unwrap();
    for file in ["zapfleet.db", "zapfleet.db-wal", "zapfleet.db-shm"] {
        assert_eq!(mode(file), 0o600, "{file}");
    }
    drop(app);
    let _ = std::fs::remove_dir_all(root);
}
