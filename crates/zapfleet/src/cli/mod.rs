//! The command line: `serve` (default), `migrate`, `user …`, `token …`,
//! `backup`, `restore`, `rekey`, `sandbox`.

mod backup;
mod rekey;

use crate::config::Config;
use crate::services::{accounts, tokens, user_deletion};
use crate::shutdown::shutdown_signal;
use crate::startup::{Application, command_platform};
use crate::telemetry;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;

/// zapfleet: create, connect, watch and run many WhatsApp instances.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// Optional TOML configuration file; environment variables override it.
    #[arg(long, env = "ZAPFLEET_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web UI, the API and the workers (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Write an encrypted backup of one account (`--email`) or all (`--all`).
    /// The passphrase comes from ZAPFLEET_BACKUP_PASSPHRASE or is asked for.
    Backup {
        /// The account to back up.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        email: Option<String>,
        /// Back up every account.
        #[arg(long)]
        all: bool,
        /// The file to write (it appears whole or not at all).
        #[arg(long)]
        out: PathBuf,
        /// Include the message log (finished messages; uploaded files are not kept).
        #[arg(long)]
        with_messages: bool,
    },
    /// Restore a backup into this server, in one transaction; `--dry-run` only
    /// says what it would do. The passphrase comes from
    /// ZAPFLEET_BACKUP_PASSPHRASE or is asked for.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Restore only this account.
        #[arg(long)]
        email: Option<String>,
        /// Say what would be created, kept or skipped, and write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Re-seal every stored secret under a new key, in one transaction: the
    /// new key from ZAPFLEET_SECRET_KEY, the old one from --old-key (or the
    /// data folder's secret.key). Stop the servers first.
    Rekey {
        /// The key the secrets are sealed with now (64 hex characters).
        #[arg(long, env = "ZAPFLEET_OLD_SECRET_KEY", hide_env_values = true)]
        old_key: Option<String>,
    },
    /// Run the uazapi-compatible sandbox alone (its controls are under /sandbox/).
    Sandbox {
        /// Address to listen on.
        #[arg(long, default_value = crate::config::DEFAULT_SANDBOX_LISTEN)]
        listen: String,
        /// The admin token clients must send in the `admintoken` header, to
        /// uazapi's admin routes and to the controls under /sandbox/.
        #[arg(long, env = "UAZAPI_ADMIN_TOKEN")]
        admin_token: String,
    },
}

/// `zapfleet user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create {
        /// E-mail (the login).
        #[arg(long)]
        email: String,
        /// Password (at least 8 characters); `-` reads it from standard input.
        #[arg(long)]
        password: String,
        /// Give the account admin rights.
        #[arg(long)]
        admin: bool,
    },
    /// List accounts.
    List,
    /// Delete an account: its instances are logged out and deleted at the
    /// provider (owed and retried by `serve` when the provider is down), its
    /// sessions and tokens end.
    Delete {
        /// E-mail of the account.
        #[arg(long)]
        email: String,
    },
    /// Set a new password.
    ResetPassword {
        /// E-mail of the account.
        #[arg(long)]
        email: String,
        /// New password; `-` reads it from standard input.
        #[arg(long)]
        password: String,
    },
}

/// `zapfleet token …`
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once, alone on its line.
    Create {
        /// E-mail of the token's owner.
        #[arg(long)]
        email: String,
        /// A label to tell tokens apart.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    let default_filter = match command {
        Command::Serve | Command::Sandbox { .. } => "info,sqlx=warn,tower_http=info",
        _ => "warn",
    };
    telemetry::init(config.log_format, default_filter);
    match command {
        Command::Serve => serve(&config).await,
        Command::Migrate => {
            command_platform(&config).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::User(command) => user(&config, command).await,
        Command::Backup {
            email,
            all: _,
            out,
            with_messages,
        } => backup::backup(&config, email.as_deref(), &out, with_messages).await,
        Command::Restore {
            file,
            email,
            dry_run,
        } => backup::restore(&config, &file, email.as_deref(), dry_run).await,
        Command::Rekey { old_key } => rekey::rekey(&config, old_key.as_deref()).await,
        Command::Sandbox {
            listen,
            admin_token,
        } => {
            if admin_token.is_empty() {
                anyhow::bail!("--admin-token must not be empty");
            }
            // Listening for signals before saying we run: a stop right after is heard.
            let stop = shutdown_signal();
            let server = uazapi_sandbox::spawn(&listen, &admin_token)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            eprintln!(
                "uazapi sandbox: {} (the phone: {}/sandbox/, opened with the --admin-token). It is for trying and testing: never expose it",
                server.url(),
                server.url()
            );
            tokio::select! {
                () = server.wait() => {},
                () = stop => {},
            }
            Ok(())
        }
        Command::Token(TokenCommand::Create { email, name }) => {
            let platform = command_platform(&config).await?;
            let owner = accounts::find_user(&platform, &email)
                .await
                .map_err(user_error(&email))?;
            let issued = tokens::issue(&platform, &owner.id, &name);
            let local = crate::domain::RequestMeta::local("command line");
            let token = crate::services::audit::REQUEST_META
                .scope(local, issued)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!("{}", token.secret);
            Ok(())
        }
    }
}

async fn serve(config: &Config) -> anyhow::Result<()> {
    let stop = shutdown_signal();
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    match (app.sandbox_url(), app.sandbox_token_source()) {
        (Some(url), Some(token)) => eprintln!(
            "SANDBOX MODE: no UAZAPI_URL, so a simulated uazapi runs at {url} (its phone: {url}/sandbox/; its admin token, for the phone and the `admintoken` header: {token}). It is for trying and testing: never expose it"
        ),
        _ => tracing::info!("using the uazapi provider at UAZAPI_URL"),
    }
    tracing::info!(%addr, "zapfleet listening");
    eprintln!("zapfleet is running: http://{addr}/ (API docs: http://{addr}/api/docs)");
    app.run_until_stopped(stop).await
}

fn user_error(email: &str) -> impl FnOnce(crate::error::AppError) -> anyhow::Error + '_ {
    move |error| match error {
        crate::error::AppError::NotFound => anyhow::anyhow!("no user with e-mail {email}"),
        other => anyhow::anyhow!("{}", describe(&other)),
    }
}

/// An [`AppError`](crate::error::AppError) as one line for a terminal.
pub(crate) fn describe(error: &crate::error::AppError) -> String {
    use crate::error::AppError;
    match error {
        AppError::Invalid { field, message } => {
            format!("{field}: {}", message.text(crate::i18n::Locale::En))
        }
        AppError::Conflict { field, message } => {
            format!("{field}: {}", message.text(crate::i18n::Locale::En))
        }
        other => other.to_string(),
    }
}

fn read_password(password: String) -> anyhow::Result<String> {
    if password != "-" {
        return Ok(password);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn user(config: &Config, command: UserCommand) -> anyhow::Result<()> {
    let platform = command_platform(config).await?;
    match command {
        UserCommand::Create {
            email,
            password,
            admin,
        } => {
            let password = read_password(password)?;
            let user = accounts::create_user(&platform, &email, &password, admin)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!("{}\t{}", user.id, user.email);
        }
        UserCommand::List => {
            let users = accounts::list_users(&platform)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            for user in users {
                let role = if user.is_admin { "admin" } else { "user" };
                let state = if user.disabled { "disabled" } else { "active" };
                println!(
                    "{}\t{}\t{role}\t{state}\t{}",
                    user.id,
                    user.email,
                    user.created_at.to_rfc3339()
                );
            }
        }
        UserCommand::Delete { email } => {
            let deleted = user_deletion::delete_by_email(&platform, &email)
                .await
                .map_err(user_error(&email))?;
            eprintln!("deleted {email} and its {} instance(s)", deleted.instances);
        }
        UserCommand::ResetPassword { email, password } => {
            let password = read_password(password)?;
            accounts::reset_password(&platform, &email, &password)
                .await
                .map_err(user_error(&email))?;
            eprintln!("password changed for {email}");
        }
    }
    Ok(())
}
