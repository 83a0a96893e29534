//! The `zapfleet` binary itself: accounts and tokens from the command line, and
//! `serve` starting on a fresh folder and stopping cleanly on SIGTERM.

use crate::helpers::{Backend, TestUser, fresh_database, spawn_app_on};
use reqwest::StatusCode;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn zapfleet(database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zapfleet"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("ZAPFLEET_CONFIG")
        // The same key as the apps the tests spawn, and no key file in the crate.
        .env("ZAPFLEET_SECRET_KEY", "42".repeat(32))
        .env("ZAPFLEET_DATA_DIR", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zapfleet");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_accounts_and_tokens_work_on_sqlite() {
    accounts_and_tokens(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_accounts_and_tokens_work_on_postgres() {
    accounts_and_tokens(Backend::Postgres).await;
}

async fn accounts_and_tokens(backend: Backend) {
    let Some(database) = fresh_database(backend).await else {
        return;
    };
    let url = database.url.clone();

    for _ in 0..2 {
        let migrate = zapfleet(&url, &["migrate"], None);
        assert!(
            migrate.status.success(),
            "migrate is repeatable: {}",
            stderr(&migrate)
        );
    }

    let created = zapfleet(
        &url,
        &[
            "user",
            "create",
            "--email",
            "Ana@Loja.com.br",
            "--password",
            "-",
            "--admin",
        ],
        Some("segredo123\n"),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert!(stdout(&created).contains("ana@loja.com.br"));

    let again = zapfleet(
        &url,
        &[
            "user",
            "create",
            "--email",
            "ana@loja.com.br",
            "--password",
            "outrasenha",
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("email"), "{}", stderr(&again));

    let bad = zapfleet(
        &url,
        &[
            "user",
            "create",
            "--email",
            "not-an-email",
            "--password",
            "segredo123",
        ],
        None,
    );
    assert!(!bad.status.success());
    let short = zapfleet(
        &url,
        &[
            "user",
            "create",
            "--email",
            "bia@loja.com.br",
            "--password",
            "curta",
        ],
        None,
    );
    assert!(!short.status.success());
    assert!(stderr(&short).contains("password"), "{}", stderr(&short));

    let listed = zapfleet(&url, &["user", "list"], None);
    assert!(listed.status.success());
    let listing = stdout(&listed);
    assert_eq!(listing.lines().count(), 1, "{listing}");
    assert!(
        listing.contains("ana@loja.com.br\tadmin\tactive"),
        "{listing}"
    );

    let token = zapfleet(
        &url,
        &[
            "token",
            "create",
            "--email",
            "ana@loja.com.br",
            "--name",
            "integração",
        ],
        None,
    );
    assert!(token.status.success(), "{}", stderr(&token));
    let printed = stdout(&token);
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 1, "the token alone on its line: {printed:?}");
    assert!(lines[0].starts_with("zf_") && lines[0].len() > 40);

    let nobody = zapfleet(
        &url,
        &["token", "create", "--email", "ninguem@loja.com.br"],
        None,
    );
    assert!(!nobody.status.success());
    assert_eq!(stdout(&nobody), "");

    let reset = zapfleet(
        &url,
        &[
            "user",
            "reset-password",
            "--email",
            "ana@loja.com.br",
            "--password",
            "novasenha123",
        ],
        None,
    );
    assert!(reset.status.success(), "{}", stderr(&reset));
    let reset_nobody = zapfleet(
        &url,
        &[
            "user",
            "reset-password",
            "--email",
            "x@y.com",
            "--password",
            "novasenha123",
        ],
        None,
    );
    assert!(!reset_nobody.status.success());

    // The printed token opens the API of a server on the same database.
    let app = spawn_app_on(database).await;
    let ana = TestUser {
        email: "ana@loja.com.br".into(),
        token: lines[0].to_owned(),
    };
    let created = app.create_instance(&ana, "Pela CLI", "11999999999").await;
    assert_eq!(
        app.get_instance(&ana, created["id"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
}

/// Runs `zapfleet serve` in `dir` with the defaults (SQLite in
/// `./zapfleet-data`, the in-process sandbox), on free ports.
pub fn start_serve(dir: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_zapfleet"))
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("ZAPFLEET_CONFIG")
        .env("ZAPFLEET_LISTEN", "127.0.0.1:0")
        .env("ZAPFLEET_SANDBOX_LISTEN", "127.0.0.1:0")
        .env_remove("UAZAPI_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zapfleet")
}

/// Reads a started server's log until it says where it listens; the rest of
/// the log is drained so the server never blocks on a full pipe.
pub fn serving_address(child: &mut std::process::Child) -> String {
    let mut stderr_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let started = Instant::now();
    let address = loop {
        let line = stderr_lines.next().expect("serve exited early").unwrap();
        if let Some(rest) = line.split("zapfleet is running: ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .unwrap()
                .trim_end_matches('/')
                .to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "serve did not start"
        );
    };
    std::thread::spawn(move || for _ in stderr_lines {});
    address
}

#[test]
fn serve_starts_on_a_fresh_folder_with_sqlite_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("zapfleet-serve-{}", nanoid::nanoid!(10)));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = start_serve(&dir);
    let address = serving_address(&mut child);
    let mut stream = std::net::TcpStream::connect(address.trim_start_matches("http://")).unwrap();
    write!(
        stream,
        "GET /readyz HTTP/1.1\r\nHost: zapfleet\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
    let ready = reply.starts_with("HTTP/1.1 200");
    assert!(ready, "readyz answered 200");
    assert!(
        dir.join("zapfleet-data/zapfleet.db").exists(),
        "SQLite file made in ./zapfleet-data"
    );

    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bare HTTP/1.1 GET, answering the whole reply (status line included).
fn http_get(address: &str, path: &str) -> String {
    http_get_with(address, path, "")
}

/// [`http_get`] with more header lines (each ending in CRLF).
pub fn http_get_with(address: &str, path: &str, headers: &str) -> String {
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    std::io::Read::read_to_string(&mut stream, &mut reply).unwrap();
    reply
}

#[test]
fn the_sandbox_subcommand_serves_uazapi_and_its_phone_page() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zapfleet"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--admin-token",
            "segredo",
        ])
        .env_remove("ZAPFLEET_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zapfleet sandbox");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("sandbox exited early").unwrap();
        if let Some(rest) = line.split("uazapi sandbox: ").nth(1) {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    assert!(http_get(&address, "/sandbox/").contains("uazapi sandbox"));
    let all = http_get(&address, "/instance/all");
    assert!(
        all.starts_with("HTTP/1.1 401"),
        "admin token required: {all}"
    );
    // The controls take the same --admin-token.
    let controls = http_get(&address, "/sandbox/instances");
    assert!(controls.starts_with("HTTP/1.1 401"), "{controls}");
    let controls = http_get_with(&address, "/sandbox/instances", "admintoken: segredo\r\n");
    assert!(controls.starts_with("HTTP/1.1 200"), "{controls}");
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}
