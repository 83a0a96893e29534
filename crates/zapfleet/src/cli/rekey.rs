//! `zapfleet rekey`: moves every stored secret from the old key to the new one.

use crate::config::Config;
use crate::crypto::{SecretBox, parse_key};
use crate::services::secret_key;
use crate::startup::unchecked_command_platform;
use anyhow::Context;

/// Re-seals under the configured key (`ZAPFLEET_SECRET_KEY`) what the old key
/// sealed: `old_key`, else the data folder's `secret.key`.
pub(super) async fn rekey(config: &Config, old_key: Option<&str>) -> anyhow::Result<()> {
    let new_text = config.secret_key.as_deref().context(
        "put the new key in ZAPFLEET_SECRET_KEY (or secret_key in the config file); \
         generate one with: openssl rand -hex 32",
    )?;
    let new = parse_key(new_text).context("the new key (ZAPFLEET_SECRET_KEY)")?;
    let key_file = config.data_dir.join("secret.key");
    let old = match old_key {
        Some(text) => {
            parse_key(text).context("the old key (--old-key or ZAPFLEET_OLD_SECRET_KEY)")?
        }
        None => {
            let text = std::fs::read_to_string(&key_file).with_context(|| {
                format!(
                    "give the current key with --old-key or ZAPFLEET_OLD_SECRET_KEY (cannot read {})",
                    key_file.display()
                )
            })?;
            parse_key(&text).with_context(|| format!("invalid key in {}", key_file.display()))?
        }
    };
    anyhow::ensure!(
        old != new,
        "the old and the new key are the same: nothing to re-seal"
    );
    let platform = unchecked_command_platform(config).await?;
    let changed = secret_key::rekey(&platform, &SecretBox::new(&old)).await;
    platform.store.close().await;
    let changed = changed?;
    eprintln!(
        "{changed} secret(s) re-sealed under the new key, in one transaction; \
         start zapfleet with this ZAPFLEET_SECRET_KEY from now on"
    );
    if old_key.is_none() {
        eprintln!(
            "{} holds the old key and is not read while ZAPFLEET_SECRET_KEY is set",
            key_file.display()
        );
    }
    Ok(())
}
