//! The processes under test: `zapfleet sandbox` and `zapfleet serve` on free
//! loopback ports, a fresh data folder, and a fresh database (SQLite file or
//! PostgreSQL schema), stopped and removed when the stack is dropped.

use crate::measure::ProcSnapshot;
use crate::{Db, Options};
use anyhow::{Context, bail};
use sqlx::{Connection, Executor};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// A fixed key: the command-line calls and the server must share it.
const SECRET_KEY: &str = "6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a6a";
/// The sandbox's admin token (loopback only, thrown away with the run).
pub const SANDBOX_TOKEN: &str = "bench-sandbox-admin-token";
/// The password of every account the bench makes.
const PASSWORD: &str = "bench password 1234";

static RUNS: AtomicU32 = AtomicU32::new(0);

/// A running server and sandbox.
pub struct Stack {
    /// The database.
    pub db: Db,
    /// `http://127.0.0.1:<port>` of zapfleet.
    pub server_url: String,
    /// `http://127.0.0.1:<port>` of the sandbox.
    pub sandbox_url: String,
    /// The database URL the server uses.
    pub database_url: String,
    binary: PathBuf,
    dir: PathBuf,
    server: Option<Child>,
    sandbox: Child,
    /// The PostgreSQL admin URL and throwaway schema, to drop at the end.
    schema: Option<(String, String)>,
}

fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Stack {
    /// Starts the sandbox and the server on a fresh database, and waits until
    /// both answer.
    pub async fn start(db: Db, options: &Options) -> anyhow::Result<Stack> {
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}_{run}", std::process::id());
        let dir = std::env::temp_dir().join(format!("zapfleet-bench-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let (database_url, schema) = match db {
            Db::Sqlite => (
                format!("sqlite://{}", dir.join("zapfleet.db").display()),
                None,
            ),
            Db::Postgres => {
                let admin = options.postgres_url.clone();
                let schema = format!("zfbench_{tag}");
                let mut conn = sqlx::PgConnection::connect(&admin)
                    .await
                    .with_context(|| format!("PostgreSQL at {admin}"))?;
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE SCHEMA \"{schema}\"")))
                    .await?;
                let separator = if admin.contains('?') { '&' } else { '?' };
                (
                    format!("{admin}{separator}options=-c%20search_path%3D{schema}"),
                    Some((admin, schema)),
                )
            }
        };
        let sandbox_port = free_port()?;
        let sandbox = Command::new(&options.binary)
            .args([
                "sandbox",
                "--listen",
                &format!("127.0.0.1:{sandbox_port}"),
                "--admin-token",
                SANDBOX_TOKEN,
            ])
            .env("RUST_LOG", "warn")
            .env("ZAPFLEET_DATA_DIR", dir.join("sandbox-data"))
            .stdout(Stdio::null())
            .stderr(log_file(&dir, "sandbox.log")?)
            .kill_on_drop(true)
            .spawn()
            .context("starting zapfleet sandbox")?;
        let mut stack = Stack {
            db,
            server_url: String::new(),
            sandbox_url: format!("http://127.0.0.1:{sandbox_port}"),
            database_url,
            binary: options.binary.clone(),
            dir,
            server: None,
            sandbox,
            schema,
        };
        wait_until_up(&format!("{}/instance/all", stack.sandbox_url), &stack.dir).await?;
        let port = free_port()?;
        stack.server_url = format!("http://127.0.0.1:{port}");
        let server = stack
            .command()
            .arg("serve")
            .env("ZAPFLEET_LISTEN", format!("127.0.0.1:{port}"))
            .env("UAZAPI_URL", &stack.sandbox_url)
            .env("UAZAPI_ADMIN_TOKEN", SANDBOX_TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log_file(&stack.dir, "server.log")?)
            .kill_on_drop(true)
            .spawn()
            .context("starting zapfleet serve")?;
        stack.server = Some(server);
        wait_until_up(&format!("{}/healthz", stack.server_url), &stack.dir).await?;
        Ok(stack)
    }

    /// The binary with this stack's configuration (database, data folder, key).
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.database_url)
            .env("ZAPFLEET_DATA_DIR", self.dir.join("data"))
            .env("ZAPFLEET_SECRET_KEY", SECRET_KEY);
        command
    }

    /// Creates an account and returns an API token for it, with the binary's
    /// own `user create` and `token create`.
    pub async fn account(&self, email: &str) -> anyhow::Result<String> {
        let created = self
            .command()
            .args(["user", "create", "--email", email, "--password", PASSWORD])
            .output()
            .await?;
        if !created.status.success() {
            bail!(
                "user create failed: {}",
                String::from_utf8_lossy(&created.stderr)
            );
        }
        let token = self
            .command()
            .args(["token", "create", "--email", email, "--name", "bench"])
            .output()
            .await?;
        if !token.status.success() {
            bail!(
                "token create failed: {}",
                String::from_utf8_lossy(&token.stderr)
            );
        }
        let text = String::from_utf8(token.stdout)?;
        Ok(text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .context("token create printed nothing")?
            .to_owned())
    }

    /// The server's process id.
    pub fn server_pid(&self) -> u32 {
        self.server.as_ref().and_then(Child::id).unwrap_or(0)
    }

    /// The sandbox's process id.
    pub fn sandbox_pid(&self) -> u32 {
        self.sandbox.id().unwrap_or(0)
    }

    /// The server's CPU time and memory now.
    pub fn server_stats(&self) -> ProcSnapshot {
        ProcSnapshot::read(self.server_pid())
    }

    /// Stops both processes and removes the data folder and the schema.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill().await;
        }
        let _ = self.sandbox.kill().await;
        if let Some((admin, schema)) = self.schema.take() {
            let mut conn = sqlx::PgConnection::connect(&admin).await?;
            conn.execute(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA \"{schema}\" CASCADE"
            )))
            .await?;
        }
        if std::env::var_os("ZAPFLEET_BENCH_KEEP").is_some() {
            eprintln!("logs and data kept in {}", self.dir.display());
            self.dir = PathBuf::new();
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        Ok(())
    }
}

impl Drop for Stack {
    /// A run that failed half-way still removes its folder (the processes die
    /// with their handles; a PostgreSQL schema stays, named `zfbench_*`).
    fn drop(&mut self) {
        if !self.dir.as_os_str().is_empty() && std::env::var_os("ZAPFLEET_BENCH_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn log_file(dir: &Path, name: &str) -> anyhow::Result<Stdio> {
    Ok(std::fs::File::create(dir.join(name))?.into())
}

/// Waits until `url` answers at all (any status), for up to a minute; says
/// what the logs hold if it never does.
async fn wait_until_up(url: &str, dir: &Path) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if http
            .get(url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let logs: String = ["sandbox.log", "server.log"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    bail!("{url} never answered; logs:\n{logs}")
}
