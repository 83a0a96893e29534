//! One settings tree: defaults, then an optional TOML file, then the environment.

use crate::client_ip::TrustedProxies;
use crate::services::backup::Schedule;
use crate::services::platform::Tuning;
use crate::store::Retention;
use anyhow::Context;
use serde::Deserialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// How log lines are written (to standard error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines with key=value fields.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Everything `serve` and the other subcommands are configured with.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on (`ZAPFLEET_LISTEN`).
    pub listen: String,
    /// Database (`DATABASE_URL`): `sqlite:…` or `postgres://…`.
    pub database_url: String,
    /// Folder for local state such as the default SQLite file (`ZAPFLEET_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Log line format (`ZAPFLEET_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// The real provider (`UAZAPI_URL`); `None` runs the built-in sandbox.
    pub uazapi_url: Option<String>,
    /// Where `serve` runs the in-process sandbox (`ZAPFLEET_SANDBOX_LISTEN`).
    pub sandbox_listen: String,
    /// The in-process sandbox's admin token (`ZAPFLEET_SANDBOX_TOKEN`); default
    /// a random one kept in `<data dir>/sandbox.token`.
    pub sandbox_token: Option<String>,
    /// The provider's admin token (`UAZAPI_ADMIN_TOKEN`).
    pub uazapi_admin_token: Option<String>,
    /// How the provider reaches our webhook (`ZAPFLEET_PUBLIC_URL`); default the
    /// bound address.
    pub public_url: Option<String>,
    /// 64 hex characters (`ZAPFLEET_SECRET_KEY`); default a key generated into the data dir.
    pub secret_key: Option<String>,
    /// Worker timings (not configurable from outside; tests shorten them).
    pub tuning: Tuning,
    /// Let forward webhooks reach loopback and private addresses (`ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS`).
    pub allow_private_webhooks: bool,
    /// How long finished records are kept (`ZAPFLEET_RETAIN_*_DAYS`; 0 keeps forever).
    pub retention: Retention,
    /// Backups `serve` takes by itself (`ZAPFLEET_BACKUP_DIR`…), if any.
    pub backups: Option<Schedule>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`ZAPFLEET_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The code the first sign-up must type (`ZAPFLEET_SETUP_TOKEN`); without it,
    /// a server listening beyond loopback makes one up and logs it.
    pub setup_token: Option<String>,
}

/// The TOML file's keys; all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    log_format: Option<LogFormat>,
    uazapi_url: Option<String>,
    sandbox_listen: Option<String>,
    sandbox_token: Option<String>,
    uazapi_admin_token: Option<String>,
    public_url: Option<String>,
    secret_key: Option<String>,
    retain_messages_days: Option<u32>,
    retain_status_history_days: Option<u32>,
    retain_delivered_days: Option<u32>,
    retain_dead_days: Option<u32>,
    retain_config_history_days: Option<u32>,
    retain_audit_days: Option<u32>,
    backup_dir: Option<PathBuf>,
    backup_every: Option<String>,
    backup_keep: Option<usize>,
    backup_with_messages: Option<bool>,
    trusted_proxies: Option<String>,
    setup_token: Option<String>,
}

/// The default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Where `serve` runs the in-process sandbox by default.
pub const DEFAULT_SANDBOX_LISTEN: &str = "127.0.0.1:8081";
/// The default data folder.
pub const DEFAULT_DATA_DIR: &str = "./zapfleet-data";

impl Config {
    /// Loads the configuration. `file` is read if given (it must exist then); the
    /// environment overrides it; defaults fill the rest.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_from(file, |key| {
            std::env::var(key).ok().filter(|v| !v.is_empty())
        })
    }

    /// [`Config::load`] with the environment given as a lookup function (for tests).
    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let data_dir = env("ZAPFLEET_DATA_DIR")
            .map(PathBuf::from)
            .or(from_file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = env("DATABASE_URL")
            .or(from_file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("zapfleet.db").display()));
        let log_format = match env("ZAPFLEET_LOG_FORMAT") {
            Some(v) => match v.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => anyhow::bail!("ZAPFLEET_LOG_FORMAT must be text or json, not {other:?}"),
            },
            None => from_file.log_format.unwrap_or_default(),
        };
        let defaults = Retention::default();
        let days =
            |key: &str, file: Option<u32>, default: Option<u32>| -> anyhow::Result<Option<u32>> {
                let value = match env(key) {
                    Some(v) => Some(v.trim().parse::<u32>().with_context(|| {
                        format!("{key} must be a whole number of days (0 keeps forever), not {v:?}")
                    })?),
                    None => file,
                };
                Ok(match value {
                    Some(0) => None,
                    Some(n) => Some(n),
                    None => default,
                })
            };
        let retention = Retention {
            messages_days: days(
                "ZAPFLEET_RETAIN_MESSAGES_DAYS",
                from_file.retain_messages_days,
                defaults.messages_days,
            )?,
            status_history_days: days(
                "ZAPFLEET_RETAIN_STATUS_HISTORY_DAYS",
                from_file.retain_status_history_days,
                defaults.status_history_days,
            )?,
            delivered_days: days(
                "ZAPFLEET_RETAIN_DELIVERED_DAYS",
                from_file.retain_delivered_days,
                defaults.delivered_days,
            )?,
            dead_days: days(
                "ZAPFLEET_RETAIN_DEAD_DAYS",
                from_file.retain_dead_days,
                defaults.dead_days,
            )?,
            config_history_days: days(
                "ZAPFLEET_RETAIN_CONFIG_HISTORY_DAYS",
                from_file.retain_config_history_days,
                defaults.config_history_days,
            )?,
            audit_days: days(
                "ZAPFLEET_RETAIN_AUDIT_DAYS",
                from_file.retain_audit_days,
                defaults.audit_days,
            )?,
        };
        let backups = match env("ZAPFLEET_BACKUP_DIR")
            .map(PathBuf::from)
            .or(from_file.backup_dir)
        {
            None => None,
            Some(dir) => {
                let every = env("ZAPFLEET_BACKUP_EVERY")
                    .or(from_file.backup_every)
                    .unwrap_or_else(|| "24h".to_owned());
                let keep = match env("ZAPFLEET_BACKUP_KEEP") {
                    Some(v) => v.trim().parse::<usize>().with_context(|| {
                        format!("ZAPFLEET_BACKUP_KEEP must be a number, not {v:?}")
                    })?,
                    None => from_file.backup_keep.unwrap_or(7),
                };
                let passphrase = env("ZAPFLEET_BACKUP_PASSPHRASE").with_context(|| {
                    "ZAPFLEET_BACKUP_DIR is set: ZAPFLEET_BACKUP_PASSPHRASE must give the backups' passphrase"
                })?;
                // Refused now rather than at every scheduled backup.
                crate::services::backup::archive::passphrase(&passphrase)
                    .context("ZAPFLEET_BACKUP_PASSPHRASE")?;
                Some(Schedule {
                    dir,
                    every: parse_duration(&every).with_context(|| {
                        format!("ZAPFLEET_BACKUP_EVERY must be like 30m, 6h or 1d, not {every:?}")
                    })?,
                    keep: keep.max(1),
                    with_messages: env("ZAPFLEET_BACKUP_WITH_MESSAGES")
                        .map(|v| v == "true" || v == "1")
                        .or(from_file.backup_with_messages)
                        .unwrap_or(false),
                    passphrase,
                })
            }
        };
        let trusted_proxies = env("ZAPFLEET_TRUSTED_PROXIES")
            .or(from_file.trusted_proxies)
            .unwrap_or_default();
        let trusted_proxies = TrustedProxies::parse(&trusted_proxies).map_err(|bad| {
            anyhow::anyhow!(
                "ZAPFLEET_TRUSTED_PROXIES: {bad:?} is not an address or block like 10.0.0.0/8"
            )
        })?;
        Ok(Self {
            retention,
            backups,
            trusted_proxies,
            setup_token: env("ZAPFLEET_SETUP_TOKEN")
                .or(from_file.setup_token)
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            listen: env("ZAPFLEET_LISTEN")
                .or(from_file.listen)
                .unwrap_or_else(|| DEFAULT_LISTEN.to_owned()),
            database_url,
            data_dir,
            log_format,
            uazapi_url: env("UAZAPI_URL").or(from_file.uazapi_url),
            sandbox_listen: env("ZAPFLEET_SANDBOX_LISTEN")
                .or(from_file.sandbox_listen)
                .unwrap_or_else(|| DEFAULT_SANDBOX_LISTEN.to_owned()),
            sandbox_token: env("ZAPFLEET_SANDBOX_TOKEN").or(from_file.sandbox_token),
            uazapi_admin_token: env("UAZAPI_ADMIN_TOKEN").or(from_file.uazapi_admin_token),
            public_url: env("ZAPFLEET_PUBLIC_URL")
                .or(from_file.public_url)
                .map(|u| u.trim_end_matches('/').to_owned()),
            secret_key: env("ZAPFLEET_SECRET_KEY").or(from_file.secret_key),
            tuning: Tuning::default(),
            allow_private_webhooks: env("ZAPFLEET_ALLOW_PRIVATE_WEBHOOKS")
                .is_some_and(|v| v == "true" || v == "1"),
        })
    }
}

/// Reads a duration like `90s`, `30m`, `6h` or `1d` (at least a minute).
pub fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => number,
        "m" => number.checked_mul(60)?,
        "h" => number.checked_mul(3_600)?,
        "d" => number.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds >= 60).then(|| std::time::Duration::from_secs(seconds))
}

/// Hides the password part of a database URL.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("database_url", &redact_url(&self.database_url))
            .field("data_dir", &self.data_dir)
            .field("log_format", &self.log_format)
            .field("uazapi_url", &self.uazapi_url)
            .field("sandbox_listen", &self.sandbox_listen)
            .field("sandbox_token", &self.sandbox_token.as_ref().map(|_| "***"))
            .field(
                "uazapi_admin_token",
                &self.uazapi_admin_token.as_ref().map(|_| "***"),
            )
            .field("public_url", &self.public_url)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn defaults_to_sqlite_in_the_data_dir() {
        let config = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://./zapfleet-data/zapfleet.db");
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = std::env::temp_dir().join(format!("zapfleet-config-{}", nanoid::nanoid!(8)));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("zapfleet.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite:file.db\"\nlog_format = \"json\"\n",
        )
        .unwrap();
        let config =
            Config::load_from(Some(&file), env(&[("ZAPFLEET_LISTEN", "127.0.0.1:1")])).unwrap();
        assert_eq!(config.listen, "127.0.0.1:1");
        assert_eq!(config.database_url, "sqlite:file.db");
        assert_eq!(config.log_format, LogFormat::Json);
        std::fs::write(&file, "colour = 1\n").unwrap();
        assert!(Config::load_from(Some(&file), env(&[])).is_err());
    }

    #[test]
    fn scheduled_backups_need_a_passphrase_and_a_sane_period() {
        assert!(Config::load_from(None, env(&[])).unwrap().backups.is_none());
        assert!(Config::load_from(None, env(&[("ZAPFLEET_BACKUP_DIR", "/b")])).is_err());
        let config = Config::load_from(
            None,
            env(&[
                ("ZAPFLEET_BACKUP_DIR", "/b"),
                ("ZAPFLEET_BACKUP_PASSPHRASE", "segredo longo"),
                ("ZAPFLEET_BACKUP_EVERY", "6h"),
            ]),
        )
        .unwrap();
        let short = [
            ("ZAPFLEET_BACKUP_DIR", "/b"),
            ("ZAPFLEET_BACKUP_PASSPHRASE", "curta"),
        ];
        assert!(Config::load_from(None, env(&short)).is_err());
        let backups = config.backups.unwrap();
        assert_eq!(backups.every, std::time::Duration::from_secs(6 * 3_600));
        assert_eq!(backups.keep, 7);
        assert!(!format!("{backups:?}").contains("segredo"));
        assert_eq!(
            parse_duration("1d"),
            Some(std::time::Duration::from_secs(86_400))
        );
        for bad in ["", "10", "5s", "1w", "h", "-1h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn retention_is_in_days_and_zero_keeps_forever() {
        let config = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(config.retention, Retention::default());
        let config = Config::load_from(
            None,
            env(&[
                ("ZAPFLEET_RETAIN_MESSAGES_DAYS", "0"),
                ("ZAPFLEET_RETAIN_DELIVERED_DAYS", "2"),
            ]),
        )
        .unwrap();
        assert_eq!(config.retention.messages_days, None);
        assert_eq!(config.retention.delivered_days, Some(2));
        assert!(Config::load_from(None, env(&[("ZAPFLEET_RETAIN_DEAD_DAYS", "soon")])).is_err());
    }

    #[test]
    fn the_audit_log_is_kept_a_year_unless_told_otherwise() {
        let config = Config::load_from(None, env(&[])).unwrap();
        assert_eq!(config.retention.audit_days, Some(365));
        let config = Config::load_from(None, env(&[("ZAPFLEET_RETAIN_AUDIT_DAYS", "30")])).unwrap();
        assert_eq!(config.retention.audit_days, Some(30));
    }

    #[test]
    fn debug_output_hides_database_passwords() {
        assert_eq!(
            redact_url("postgres://zap:s3cret@db:5432/zap"),
            "postgres://zap:***@db:5432/zap"
        );
        assert_eq!(redact_url("postgres://zap@db/zap"), "postgres://zap@db/zap");
        assert_eq!(redact_url("sqlite://./x.db"), "sqlite://./x.db");
    }

    #[test]
    fn the_sandbox_listens_on_loopback_and_takes_its_token_from_the_environment() {
        let config = Config::load_from(None, env(&[])).unwrap();
        let listen: std::net::SocketAddr = config.sandbox_listen.parse().unwrap();
        assert!(listen.ip().is_loopback(), "never exposed by default");
        assert_eq!(config.sandbox_token, None);
        let config =
            Config::load_from(None, env(&[("ZAPFLEET_SANDBOX_TOKEN", "t0ken-do-sandbox")]))
                .unwrap();
        assert_eq!(config.sandbox_token.as_deref(), Some("t0ken-do-sandbox"));
        assert!(!format!("{config:?}").contains("t0ken-do-sandbox"));
    }
}
