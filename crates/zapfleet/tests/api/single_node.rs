//! SQLite is for one server: a second `zapfleet serve` on the same database
//! file (its workers would claim the same sends and polls) refuses to start and
//! says why; once the first has stopped, the next one starts.

use crate::cli::{serving_address, start_serve};
use std::io::Read;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn stop(mut child: Child) {
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let dir = std::env::temp_dir().join(format!("zapfleet-one-node-{}", nanoid::nanoid!(10)));
    std::fs::create_dir_all(&dir).unwrap();
    let mut first = start_serve(&dir);
    serving_address(&mut first);

    let mut second = start_serve(&dir);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("the second server did not refuse to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success());
    let mut log = String::new();
    second
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("another zapfleet server is already running on this SQLite database"),
        "{log}"
    );

    stop(first);
    let mut third = start_serve(&dir);
    serving_address(&mut third);
    stop(third);
    let _ = std::fs::remove_dir_all(&dir);
}
