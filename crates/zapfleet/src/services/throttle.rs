//! Sign-in and sign-up limits over the store's counters: each guarded attempt
//! enters its gates first, then is settled as a success (forgiven) or a failure
//! (the key waits as its policy says).

use super::platform::Platform;
use crate::crypto::sha256_hex;
use crate::domain::{ThrottlePolicy, Timestamp};
use crate::error::AppError;
use crate::store::Gate;
use std::net::IpAddr;

/// A gate an attempt went through, to settle once the outcome is known.
#[derive(Debug)]
pub struct Passed {
    key: String,
    policy: ThrottlePolicy,
    count: u32,
}

/// The counter key for a purpose and its parts, hashed so that the table holds
/// no e-mails or addresses.
fn key(purpose: &str, parts: &[&str]) -> String {
    format!("{purpose}:{}", sha256_hex(&parts.join("\n")))
}

/// The keys of a sign-in: the (address, e-mail) pair, and the address alone.
pub fn sign_in_gates(client: IpAddr, email: &str) -> [(String, ThrottlePolicy); 2] {
    let address = client.to_string();
    let email = email.trim().to_lowercase();
    [
        (
            key("sign-in", &[&address, &email]),
            ThrottlePolicy::SIGN_IN_PAIR,
        ),
        (
            key("sign-in-address", &[&address]),
            ThrottlePolicy::SIGN_IN_ADDRESS,
        ),
    ]
}

/// The key of a sign-up: the address.
pub fn sign_up_gates(client: IpAddr) -> [(String, ThrottlePolicy); 1] {
    [(
        key("sign-up", &[&client.to_string()]),
        ThrottlePolicy::SIGN_UP_ADDRESS,
    )]
}

/// Goes through every gate, or stops at the first closed one (until when)
/// after giving back the attempts already counted.
pub async fn enter(
    platform: &Platform,
    gates: impl IntoIterator<Item = (String, ThrottlePolicy)>,
) -> Result<Result<Vec<Passed>, Timestamp>, AppError> {
    let mut passed = Vec::new();
    for (key, policy) in gates {
        match platform
            .store
            .throttle_enter(&key, policy, platform.now())
            .await?
        {
            Gate::Open { count } => passed.push(Passed { key, policy, count }),
            Gate::Closed { until } => {
                succeeded(platform, passed, false).await?;
                return Ok(Err(until));
            }
        }
    }
    Ok(Ok(passed))
}

/// The attempt failed: each key waits as its policy says.
pub async fn failed(platform: &Platform, passed: Vec<Passed>) -> Result<(), AppError> {
    for gate in passed {
        platform
            .store
            .throttle_fail(&gate.key, gate.policy, gate.count, platform.now())
            .await?;
    }
    Ok(())
}

/// The attempt succeeded: it does not count. With `reset`, the first gate
/// (the most specific key) forgets its earlier failures too.
pub async fn succeeded(
    platform: &Platform,
    passed: Vec<Passed>,
    reset: bool,
) -> Result<(), AppError> {
    for (i, gate) in passed.into_iter().enumerate() {
        if reset && i == 0 {
            platform.store.throttle_clear(&gate.key).await?;
        } else {
            platform.store.throttle_forgive(&gate.key).await?;
        }
    }
    Ok(())
}
