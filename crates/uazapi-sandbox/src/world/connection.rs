//! The connection state machine: logging in by QR or pairing code (the phone's
//! scan or typed code), QR rotation and login timeouts, drops and logouts.

use super::ids::random_u64;
use super::stamps::stamp;
use super::{ApiError, Notice, World};
use crate::qr;
use serde_json::Value;
use uazapi::Status;

/// A QR is valid this long before the next one replaces it.
pub const QR_ROTATION_MS: i64 = 20_000;
/// Connecting by QR gives up after this.
pub const QR_TIMEOUT_MS: i64 = 120_000;
/// Connecting by pairing code gives up after this.
pub const PAIRCODE_TIMEOUT_MS: i64 = 300_000;

/// A login in progress.
#[derive(Debug, Clone)]
pub(super) enum Login {
    Qr {
        text: String,
        image: String,
        shown: bool,
        rotated_ms: i64,
        expires_ms: i64,
    },
    Code {
        code: String,
        phone: String,
        expires_ms: i64,
    },
}

fn new_qr(id: &str, now_ms: i64, expires_ms: i64) -> Login {
    let text = format!("2@{:016x}{:016x},{id},{now_ms}", random_u64(), random_u64());
    let image = qr::to_data_uri(&text).unwrap_or_default();
    Login::Qr {
        text,
        image,
        shown: false,
        rotated_ms: now_ms,
        expires_ms,
    }
}

fn pair_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let n = random_u64();
    let chars: String = (0..8)
        .map(|i| ALPHABET[((n >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

impl World {
    /// `/instance/connect`: QR without a phone, pairing code with one.
    pub fn connect(
        &mut self,
        token: &str,
        phone: Option<&str>,
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        let busy = self
            .instances
            .values()
            .filter(|i| i.status != Status::Disconnected && i.id != id)
            .count();
        let instance = self.get_mut(&id)?;
        if instance.status == Status::Connected {
            return Ok((instance.to_json(), Vec::new()));
        }
        if let Some(max) = self.faults.max_connected
            && busy >= max
        {
            return Err(ApiError::new(
                429,
                "Maximum number of connected instances reached",
            ));
        }
        let instance = self.get_mut(&id)?;
        if instance.session {
            // The phone is still paired: the connection comes back by itself.
            instance.status = Status::Connected;
            instance.login = None;
            return Ok((instance.to_json(), vec![instance.connection_notice(false)]));
        }
        instance.login = Some(match phone {
            Some(phone) => Login::Code {
                code: pair_code(),
                phone: phone.to_owned(),
                expires_ms: now_ms + PAIRCODE_TIMEOUT_MS,
            },
            None => new_qr(&instance.id, now_ms, now_ms + QR_TIMEOUT_MS),
        });
        instance.status = Status::Connecting;
        if let Some(Login::Qr { shown, .. }) = &mut instance.login {
            *shown = true;
        }
        Ok((instance.to_json(), vec![instance.connection_notice(false)]))
    }

    /// `/instance/status`: shows the current QR (which makes it scannable).
    pub fn status(&mut self, token: &str) -> Result<Value, ApiError> {
        let id = self.id_of_token(token)?;
        let instance = self.get_mut(&id)?;
        if let Some(Login::Qr { shown, .. }) = &mut instance.login {
            *shown = true;
        }
        Ok(instance.to_json())
    }

    /// `/instance/disconnect`: a logout; the session is thrown away.
    pub fn logout(&mut self, token: &str, now_ms: i64) -> Result<(Value, Vec<Notice>), ApiError> {
        let id = self.id_of_token(token)?;
        self.fall(&id, "401: logged out by the API", true, now_ms)
    }

    /// The connection falls (a drop) or is ended (a logout).
    pub fn fall(
        &mut self,
        id: &str,
        reason: &str,
        logout: bool,
        now_ms: i64,
    ) -> Result<(Value, Vec<Notice>), ApiError> {
        let instance = self.get_mut(id)?;
        let was = instance.status;
        instance.status = Status::Disconnected;
        instance.login = None;
        if logout {
            instance.session = false;
        }
        if was == Status::Disconnected {
            return Ok((instance.to_json(), Vec::new()));
        }
        instance.last_disconnect = stamp(now_ms);
        instance.last_disconnect_reason = reason.to_owned();
        Ok((instance.to_json(), vec![instance.connection_notice(logout)]))
    }

    /// The phone scans a QR: it must be the current, shown, unexpired QR of a
    /// connecting instance.
    pub fn scan(
        &mut self,
        text: &str,
        phone: Option<&str>,
        now_ms: i64,
    ) -> Option<(Value, Vec<Notice>)> {
        let id = self.instances.values().find_map(|i| match &i.login {
            Some(Login::Qr {
                text: current,
                shown: true,
                expires_ms,
                ..
            }) if current == text && now_ms < *expires_ms && i.status == Status::Connecting => {
                Some(i.id.clone())
            }
            _ => None,
        })?;
        Some(self.log_in(&id, phone.map(str::to_owned)))
    }

    /// The phone types a pairing code: it must be the phone that asked for it.
    pub fn pair(&mut self, code: &str, phone: &str, now_ms: i64) -> Option<(Value, Vec<Notice>)> {
        let wanted = code.trim().to_ascii_uppercase();
        let id = self.instances.values().find_map(|i| match &i.login {
            Some(Login::Code {
                code,
                phone: asked,
                expires_ms,
            }) if *code == wanted && asked == phone && now_ms < *expires_ms => Some(i.id.clone()),
            _ => None,
        })?;
        Some(self.log_in(&id, Some(phone.to_owned())))
    }

    /// `pub(super)` so tests of other concerns can start from a connected instance.
    pub(super) fn log_in(&mut self, id: &str, phone: Option<String>) -> (Value, Vec<Notice>) {
        let Some(instance) = self.instances.get_mut(id) else {
            return (Value::Null, Vec::new());
        };
        instance.status = Status::Connected;
        instance.login = None;
        instance.session = true;
        instance.owner = phone
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| format!("5511{:09}", random_u64() % 1_000_000_000));
        instance.profile_name = format!(
            "Sandbox {}",
            &instance.owner[instance.owner.len().saturating_sub(4)..]
        );
        (instance.to_json(), vec![instance.connection_notice(false)])
    }

    /// The time-driven half of logging in: unused QRs and codes time out, and a
    /// QR older than [`QR_ROTATION_MS`] is replaced.
    pub(super) fn advance_logins(&mut self, now_ms: i64) -> Vec<Notice> {
        let mut notices = Vec::new();
        for instance in self.instances.values_mut() {
            let expired = match &instance.login {
                Some(Login::Qr { expires_ms, .. } | Login::Code { expires_ms, .. }) => {
                    now_ms >= *expires_ms
                }
                None => false,
            };
            if expired {
                instance.status = Status::Disconnected;
                instance.login = None;
                instance.last_disconnect = stamp(now_ms);
                instance.last_disconnect_reason =
                    "timeout: QR code or pairing code not used in time".into();
                notices.push(instance.connection_notice(false));
                continue;
            }
            if let Some(Login::Qr {
                rotated_ms,
                expires_ms,
                ..
            }) = &instance.login
                && now_ms - rotated_ms >= QR_ROTATION_MS
            {
                instance.login = Some(new_qr(&instance.id, now_ms, *expires_ms));
                notices.push(instance.connection_notice(false));
                // Pushed by the webhook: the new QR counts as shown.
                if let Some(Login::Qr { shown, .. }) = &mut instance.login {
                    *shown = true;
                }
            }
        }
        notices
    }

    /// The current QR text of a connecting instance (for the sandbox page's button).
    pub fn current_qr(&self, id: &str) -> Option<String> {
        match &self.instances.get(id)?.login {
            Some(Login::Qr { text, .. }) => Some(text.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_codes_are_two_groups_of_four() {
        let code = pair_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
    }
}
