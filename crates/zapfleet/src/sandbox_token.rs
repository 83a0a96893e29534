//! The admin token of the sandbox `serve` runs in-process: it guards the
//! sandbox's controls (every instance's state, the phone, faults) and its admin
//! API. It comes from `ZAPFLEET_SANDBOX_TOKEN`, else from
//! `<data dir>/sandbox.token`, created (0600) on first start and reused after,
//! so a page or script that holds it keeps working across restarts.

use crate::crypto::{random_bytes, write_private};
use anyhow::Context;
use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The file, in the data folder, that keeps the generated token.
pub const FILE_NAME: &str = "sandbox.token";

/// Where the token came from: what the "SANDBOX MODE" line tells the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `ZAPFLEET_SANDBOX_TOKEN` (or `sandbox_token` in the configuration file).
    Configured,
    /// The file in the data folder.
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Configured => f.write_str("ZAPFLEET_SANDBOX_TOKEN"),
            Self::File(path) => write!(f, "the file {}", path.display()),
        }
    }
}

/// The sandbox's admin token and where it came from.
#[derive(Clone)]
pub struct SandboxToken {
    /// The token, sent in the `admintoken` header.
    pub secret: String,
    /// Where an operator finds it.
    pub source: Source,
}

impl fmt::Debug for SandboxToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxToken")
            .field("secret", &"***")
            .field("source", &self.source)
            .finish()
    }
}

/// A token must travel in an HTTP header as is.
fn checked(token: &str, origin: &dyn fmt::Display) -> anyhow::Result<String> {
    let token = token.trim();
    anyhow::ensure!(
        !token.is_empty() && token.bytes().all(|b| b.is_ascii_graphic()),
        "{origin} must be printable ASCII without spaces"
    );
    Ok(token.to_owned())
}

fn read(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(checked(&text, &path.display())?)),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The configured token, else the one in `<data dir>/sandbox.token`, which is
/// generated (and the folder created) when missing.
pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<SandboxToken> {
    if let Some(token) = configured {
        return Ok(SandboxToken {
            secret: checked(token, &Source::Configured)?,
            source: Source::Configured,
        });
    }
    let path = data_dir.join(FILE_NAME);
    let secret = match read(&path)? {
        Some(secret) => secret,
        None => {
            std::fs::create_dir_all(data_dir)
                .with_context(|| format!("cannot create {}", data_dir.display()))?;
            let secret: String = random_bytes::<24>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            match write_private(&path, &secret) {
                Ok(()) => secret,
                // Another process sharing the folder wrote it first: use theirs.
                Err(error) if error.kind() == ErrorKind::AlreadyExists => {
                    read(&path)?.with_context(|| format!("{} vanished", path.display()))?
                }
                Err(error) => {
                    return Err(error).with_context(|| format!("cannot write {}", path.display()));
                }
            }
        }
    };
    Ok(SandboxToken {
        secret,
        source: Source::File(path),
    })
}

/// The token of the sandbox a running `serve` holds, for commands that reach
/// it: the configured one, else the file's if there is one (never created here).
pub fn existing(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<Option<String>> {
    match configured {
        Some(token) => checked(token, &Source::Configured).map(Some),
        None => read(&data_dir.join(FILE_NAME)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> PathBuf {
        std::env::temp_dir().join(format!("zapfleet-sandbox-token-{}", nanoid::nanoid!(10)))
    }

    #[test]
    fn a_generated_token_is_private_and_reused() {
        let dir = folder();
        assert_eq!(existing(None, &dir).unwrap(), None);
        let first = load_or_create(None, &dir).unwrap();
        assert_eq!(first.source, Source::File(dir.join(FILE_NAME)));
        assert_eq!(first.secret.len(), 48);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = load_or_create(None, &dir).unwrap();
        assert_eq!(again.secret, first.secret);
        assert_eq!(existing(None, &dir).unwrap(), Some(first.secret.clone()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_configured_token_wins_and_must_fit_a_header() {
        let dir = folder();
        let token = load_or_create(Some("t0ken-do-sandbox"), &dir).unwrap();
        assert_eq!(token.secret, "t0ken-do-sandbox");
        assert_eq!(token.source, Source::Configured);
        assert!(!dir.exists(), "no file when configured");
        assert!(!format!("{token:?}").contains("t0ken"));
        assert!(load_or_create(Some("com espaço"), &dir).is_err());
        assert!(existing(Some("a\nb"), &dir).is_err());
    }
}
