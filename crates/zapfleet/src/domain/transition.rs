//! Deciding what a report about an instance's connection changes: the pure half
//! of the state machine (the services persist the decision and publish it).

use super::connection::reconnect_delay_ms;
use super::instance_status::Cause;
use super::{InstanceStatus, Login, LoginMethod, Timestamp};

/// What we know of an instance when a report arrives.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    /// Its recorded status.
    pub status: InstanceStatus,
    /// The login in progress, if connecting.
    pub login: Option<&'a Login>,
    /// Its WhatsApp display name.
    pub profile_name: Option<&'a str>,
    /// When it last became connected.
    pub last_connection: Option<Timestamp>,
    /// Logged out: never reconnected automatically.
    pub logged_out: bool,
    /// The user's automatic-reconnect setting.
    pub auto_reconnect: bool,
}

/// What the provider reports (a webhook, a poll, a connect's answer…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The provider's state.
    pub status: InstanceStatus,
    /// Why (`QR scanned`, `401: logged out from another device`…); empty if not said.
    pub reason: String,
    /// A logout: never reconnect automatically.
    pub logged_out: bool,
    /// WhatsApp display name, when known.
    pub profile_name: Option<String>,
    /// The QR data URI shown while connecting (empty if none).
    pub qrcode: String,
    /// The pairing code (empty if none).
    pub paircode: String,
    /// The provider knows the number that was logged in (its owner or display
    /// name): a session existed, so a drop is worth reconnecting even when we
    /// never heard that it had connected (that webhook may have been lost).
    pub had_session: bool,
    /// The number the provider says is logged in, when it said one.
    pub owner: Option<super::Phone>,
}

impl Report {
    /// A report of `status` with nothing else said.
    pub fn status(status: InstanceStatus) -> Self {
        Self {
            status,
            reason: String::new(),
            logged_out: false,
            profile_name: None,
            qrcode: String::new(),
            paircode: String::new(),
            had_session: false,
            owner: None,
        }
    }
}

/// What happens to automatic reconnection with a status change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reconnect {
    /// Leave the schedule as it is.
    Keep,
    /// Nothing scheduled, attempts back to zero (connected, or the user acted).
    Clear,
    /// Try again at this time; this is attempt number `attempts`.
    Schedule {
        /// Attempt number.
        attempts: i64,
        /// When.
        at: Timestamp,
    },
}

/// A change of status, with everything that changes along with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The status it leaves (the change applies only if it is still this one).
    pub from: InstanceStatus,
    /// The new status.
    pub to: InstanceStatus,
    /// Why, for the history.
    pub reason: String,
    /// When.
    pub at: Timestamp,
    /// New WhatsApp display name, if reported.
    pub profile_name: Option<String>,
    /// New logged-out flag, if it changes.
    pub logged_out: Option<bool>,
    /// The login in progress afterwards (`None` clears it).
    pub login: Option<Login>,
    /// Reconnection schedule.
    pub reconnect: Reconnect,
    /// When leaving `connected`: how long it lasted (counted in the daily statistics).
    pub connected_ms: Option<i64>,
    /// Poll at once: a login began (connecting is polled often), or connected
    /// without a profile name (webhooks do not carry it).
    pub poll_now: bool,
}

/// The outcome of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing new: a repeated state (replays and duplicates land here).
    Nothing,
    /// Same status, with a new login code (the QR rotated) and/or display name.
    Refresh {
        /// The new login, if it changed.
        login: Option<Login>,
        /// The new display name, if it changed.
        profile_name: Option<String>,
    },
    /// A change of status.
    Transition(Transition),
}

/// The login a report shows: a pairing code, else a QR, else the one already
/// known. A new QR of the same login keeps the login's deadline.
fn login_from(report: &Report, previous: Option<&Login>, now: Timestamp) -> Option<Login> {
    let (method, code) = if !report.paircode.is_empty() {
        (LoginMethod::Code, report.paircode.clone())
    } else if !report.qrcode.is_empty() {
        (LoginMethod::Qr, report.qrcode.clone())
    } else {
        return previous.cloned();
    };
    let expires_at = match previous {
        Some(p) if p.method == method => p.expires_at,
        _ => now.plus_millis(method.timeout_ms()),
    };
    Some(Login {
        method,
        code,
        expires_at,
    })
}

fn default_reason(from: InstanceStatus, to: InstanceStatus) -> &'static str {
    match (from, to) {
        (_, InstanceStatus::Connected) => "connected",
        (InstanceStatus::Connecting, InstanceStatus::Disconnected) => "login not completed in time",
        (_, InstanceStatus::Disconnected) => "connection lost",
        (_, InstanceStatus::Connecting) => "connecting",
    }
}

/// Decides what `report` changes. `jitter` (0..1) spreads automatic reconnects.
pub fn decide(current: &Current<'_>, report: &Report, now: Timestamp, jitter: f64) -> Decision {
    let to = report.status;
    let login = (to == InstanceStatus::Connecting)
        .then(|| login_from(report, current.login, now))
        .flatten();
    let profile_name = report.profile_name.clone().filter(|n| !n.is_empty());
    if !current.status.can_become(to, Cause::ProviderReported) {
        let login = login.filter(|l| Some(l) != current.login);
        let profile_name = profile_name.filter(|n| {
            to == InstanceStatus::Connected && Some(n.as_str()) != current.profile_name
        });
        return if login.is_none() && profile_name.is_none() {
            Decision::Nothing
        } else {
            Decision::Refresh {
                login,
                profile_name,
            }
        };
    }
    let reconnect = match to {
        InstanceStatus::Connected => Reconnect::Clear,
        InstanceStatus::Disconnected if report.logged_out => Reconnect::Clear,
        // From what the provider says, not only from what we happened to
        // record: a session that was connected at the provider and dropped.
        InstanceStatus::Disconnected
            if (current.status == InstanceStatus::Connected || report.had_session)
                && current.auto_reconnect
                && !current.logged_out =>
        {
            Reconnect::Schedule {
                attempts: 1,
                at: now.plus_millis(reconnect_delay_ms(1, jitter)),
            }
        }
        _ => Reconnect::Keep,
    };
    let reason = if report.reason.is_empty() {
        default_reason(current.status, to).to_owned()
    } else {
        report.reason.clone()
    };
    Decision::Transition(Transition {
        from: current.status,
        to,
        reason,
        at: now,
        // A login began: poll it every few seconds from now on, since its
        // webhooks may be lost (the last poll may have been hours apart).
        poll_now: to == InstanceStatus::Connecting
            || (to == InstanceStatus::Connected && profile_name.is_none()),
        profile_name,
        logged_out: match to {
            InstanceStatus::Connected => Some(false),
            InstanceStatus::Disconnected if report.logged_out => Some(true),
            _ => None,
        },
        login,
        reconnect,
        connected_ms: (current.status == InstanceStatus::Connected)
            .then(|| current.last_connection.map(|t| now.millis_since(t)))
            .flatten(),
    })
}

#[cfg(test)]
mod tests {
    use super::InstanceStatus::*;
    use super::*;

    const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

    fn current(status: InstanceStatus) -> Current<'static> {
        Current {
            status,
            login: None,
            profile_name: None,
            last_connection: None,
            logged_out: false,
            auto_reconnect: true,
        }
    }

    fn transition(decision: Decision) -> Transition {
        match decision {
            Decision::Transition(t) => t,
            other => panic!("expected a transition, got {other:?}"),
        }
    }

    #[test]
    fn a_repeated_state_changes_nothing() {
        for &status in InstanceStatus::ALL {
            assert_eq!(
                decide(&current(status), &Report::status(status), NOW, 0.5),
                Decision::Nothing
            );
        }
    }

    #[test]
    fn a_new_qr_while_connecting_refreshes_the_login_and_keeps_its_deadline() {
        let first = Login {
            method: LoginMethod::Qr,
            code: "data:qr-1".into(),
            expires_at: NOW.plus_millis(60_000),
        };
        let mut now = current(Connecting);
        now.login = Some(&first);
        let mut report = Report::status(Connecting);
        report.qrcode = "data:qr-2".into();
        let Decision::Refresh {
            login,
            profile_name,
        } = decide(&now, &report, NOW, 0.5)
        else {
            panic!("expected a refresh");
        };
        let login = login.unwrap();
        assert_eq!(login.code, "data:qr-2");
        assert_eq!(login.expires_at, first.expires_at);
        assert_eq!(profile_name, None);
        report.qrcode = "data:qr-1".into();
        assert_eq!(decide(&now, &report, NOW, 0.5), Decision::Nothing);
    }

    #[test]
    fn connecting_starts_a_login_with_the_methods_deadline() {
        let mut report = Report::status(Connecting);
        report.paircode = "ABCD-1234".into();
        let t = transition(decide(&current(Disconnected), &report, NOW, 0.5));
        let login = t.login.unwrap();
        assert_eq!(login.method, LoginMethod::Code);
        assert_eq!(login.expires_at, NOW.plus_millis(300_000));
        assert_eq!(t.reason, "connecting");
        assert_eq!(t.reconnect, Reconnect::Keep);
        assert!(t.poll_now, "a login is polled often from its start");
    }

    #[test]
    fn a_drop_the_provider_knew_as_a_session_reconnects_even_if_we_saw_only_connecting() {
        // The `connected` webhook was lost: we still say connecting.
        let mut dropped = Report::status(Disconnected);
        dropped.had_session = true;
        let t = transition(decide(&current(Connecting), &dropped, NOW, 0.5));
        assert!(matches!(
            t.reconnect,
            Reconnect::Schedule { attempts: 1, .. }
        ));
        // A login that simply was not completed is not a drop.
        let t = transition(decide(
            &current(Connecting),
            &Report::status(Disconnected),
            NOW,
            0.5,
        ));
        assert_eq!(t.reconnect, Reconnect::Keep);
    }

    #[test]
    fn connecting_clears_reconnects_and_the_logout_and_asks_for_the_name() {
        let t = transition(decide(
            &current(Connecting),
            &Report::status(Connected),
            NOW,
            0.5,
        ));
        assert_eq!(t.reconnect, Reconnect::Clear);
        assert_eq!(t.logged_out, Some(false));
        assert_eq!(t.login, None);
        assert!(t.poll_now, "no profile name yet");
        let mut named = Report::status(Connected);
        named.profile_name = Some("Loja Centro".into());
        assert!(!transition(decide(&current(Connecting), &named, NOW, 0.5)).poll_now);
    }

    #[test]
    fn a_drop_schedules_a_reconnect_and_counts_the_time_connected() {
        let mut was = current(Connected);
        was.last_connection = Some(NOW.plus_millis(-90_000));
        let t = transition(decide(&was, &Report::status(Disconnected), NOW, 0.5));
        assert_eq!(
            t.reconnect,
            Reconnect::Schedule {
                attempts: 1,
                at: NOW.plus_millis(2_000)
            }
        );
        assert_eq!(t.connected_ms, Some(90_000));
        assert_eq!(t.reason, "connection lost");
    }

    #[test]
    fn a_logout_or_a_switched_off_reconnect_schedules_nothing() {
        let mut logout = Report::status(Disconnected);
        logout.logged_out = true;
        let t = transition(decide(&current(Connected), &logout, NOW, 0.5));
        assert_eq!(t.reconnect, Reconnect::Clear);
        assert_eq!(t.logged_out, Some(true));

        let mut off = current(Connected);
        off.auto_reconnect = false;
        let t = transition(decide(&off, &Report::status(Disconnected), NOW, 0.5));
        assert_eq!(t.reconnect, Reconnect::Keep);

        let mut out = current(Connected);
        out.logged_out = true;
        let t = transition(decide(&out, &Report::status(Disconnected), NOW, 0.5));
        assert_eq!(t.reconnect, Reconnect::Keep);
    }

    #[test]
    fn a_new_display_name_of_a_connected_instance_is_a_refresh() {
        let mut named = Report::status(Connected);
        named.profile_name = Some("Loja".into());
        assert_eq!(
            decide(&current(Connected), &named, NOW, 0.5),
            Decision::Refresh {
                login: None,
                profile_name: Some("Loja".into())
            }
        );
        let mut same = current(Connected);
        same.profile_name = Some("Loja");
        assert_eq!(decide(&same, &named, NOW, 0.5), Decision::Nothing);
    }
}
