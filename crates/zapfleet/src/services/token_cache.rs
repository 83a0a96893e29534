//! A short memory of API tokens already checked, so a client sending thousands
//! of requests a second does not cost a database lookup each. Entries live a
//! few seconds; revoking a token or disabling its owner on this server forgets
//! them at once (another server sharing the database sees it within the
//! lifetime, [`TOKEN_CACHE_TTL`]).

use crate::domain::{Timestamp, TokenId, UserId};
use crate::store::TokenOwner;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a checked token is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(5);
/// Most tokens remembered at once (a flood of distinct tokens clears it).
const CAPACITY: usize = 10_000;

/// Checked tokens by the SHA-256 of their secret.
#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, (TokenOwner, Instant)>>,
    /// Counts forgets: a lookup that began before one may not store its answer.
    forgets: AtomicU64,
}

impl TokenCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (TokenOwner, Instant)>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The owner of a token checked less than [`TOKEN_CACHE_TTL`] ago.
    pub fn get(&self, hash: &str) -> Option<TokenOwner> {
        let entries = self.entries();
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
            .map(|(owner, _)| owner.clone())
    }

    /// Where forgetting stands: take it before asking the database, give it
    /// to [`put`](Self::put) after.
    pub fn generation(&self) -> u64 {
        self.forgets.load(Ordering::SeqCst)
    }

    /// Remembers a token the database vouched for, unless something was
    /// forgotten since `generation` (the answer may predate a revocation).
    pub fn put(&self, hash: &str, owner: TokenOwner, generation: u64) {
        let mut entries = self.entries();
        if self.forgets.load(Ordering::SeqCst) != generation {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE_TTL);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(hash.to_owned(), (owner, Instant::now()));
    }

    /// Records a use written to the database, so the next minute's requests
    /// do not write it again.
    pub fn touched(&self, hash: &str, at: Timestamp) {
        if let Some((owner, _)) = self.entries().get_mut(hash) {
            owner.last_used_at = Some(at);
        }
    }

    /// Forgets a revoked token.
    pub fn forget_token(&self, id: &TokenId) {
        let mut entries = self.entries();
        self.forgets.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, (owner, _)| owner.token_id != *id);
    }

    /// Forgets every token of a user (disabled, or its rights changed).
    pub fn forget_user(&self, user: &UserId) {
        let mut entries = self.entries();
        self.forgets.fetch_add(1, Ordering::SeqCst);
        entries.retain(|_, (owner, _)| owner.user_id != *user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(token: &str, user: &str) -> TokenOwner {
        TokenOwner {
            token_id: TokenId::from_raw(token.to_owned()),
            user_id: UserId::from_raw(user.to_owned()),
            is_admin: false,
            last_used_at: None,
        }
    }

    #[test]
    fn remembers_until_the_token_or_its_user_is_forgotten() {
        let cache = TokenCache::default();
        let generation = cache.generation();
        cache.put("h1", owner("t1", "u1"), generation);
        cache.put("h2", owner("t2", "u1"), generation);
        cache.put("h3", owner("t3", "u2"), generation);
        assert_eq!(
            cache.get("h1").map(|o| o.token_id),
            Some(TokenId::from_raw("t1"))
        );
        cache.forget_token(&TokenId::from_raw("t1"));
        assert!(cache.get("h1").is_none());
        assert!(cache.get("h2").is_some());
        cache.forget_user(&UserId::from_raw("u1"));
        assert!(cache.get("h2").is_none());
        assert!(cache.get("h3").is_some());
        assert!(cache.get("unknown").is_none());
    }

    #[test]
    fn an_answer_older_than_a_revocation_is_not_kept() {
        let cache = TokenCache::default();
        let before = cache.generation();
        // The database answered, then the token was revoked, then the answer arrives.
        cache.forget_token(&TokenId::from_raw("t1"));
        cache.put("h1", owner("t1", "u1"), before);
        assert!(cache.get("h1").is_none());
    }
}
