//! What a restore did (or, dry, would do), for the command line and the page.

use serde::Serialize;

/// Created, kept and skipped records of one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Added here.
    pub created: u64,
    /// Already here, kept as it is.
    pub kept: u64,
    /// Not restored (out of scope, or by a conflict rule).
    pub skipped: u64,
}

/// A record a conflict rule kept out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    /// The account's e-mail, or the instance's name and id.
    pub subject: String,
    /// Which rule.
    pub reason: ConflictReason,
}

/// Why a record of the backup was not restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ConflictReason {
    /// The account is not on this server, and this restore may not create it.
    AccountNotHere,
    /// The instance's id belongs to another account here.
    OtherAccount,
    /// Another instance here already manages its provider instance.
    ProviderInstanceTaken,
}

impl ConflictReason {
    /// In English, for the command line and the logs.
    pub fn describe(self) -> &'static str {
        match self {
            Self::AccountNotHere => "the account is not on this server",
            Self::OtherAccount => "the instance belongs to another account here",
            Self::ProviderInstanceTaken => "its provider instance is already managed here",
        }
    }
}

/// How many renames and conflicts a report lists one by one (a crafted file
/// could make millions; the rest are counted).
pub const LISTED: usize = 100;

/// What a restore did (or, dry, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// Accounts.
    pub users: Tally,
    /// API tokens.
    pub tokens: Tally,
    /// Accounts' own webhooks.
    pub webhooks: Tally,
    /// Instances.
    pub instances: Tally,
    /// History lines, settings versions and days of statistics.
    pub history: Tally,
    /// Messages.
    pub messages: Tally,
    /// Instances restored under another name: (the backup's, the new one),
    /// the first [`LISTED`] of them.
    pub renamed: Vec<(String, String)>,
    /// Renames beyond those listed.
    pub more_renamed: u64,
    /// What was skipped by a conflict rule, and why: the first [`LISTED`].
    pub conflicts: Vec<Conflict>,
    /// Conflicts beyond those listed.
    pub more_conflicts: u64,
    /// Instances whose provider webhook now points here.
    pub taken_over: u64,
    /// Instances the provider could not be reached for (retried in the background).
    pub not_yet_taken_over: Vec<String>,
    /// Nothing was written.
    pub dry_run: bool,
}

impl Report {
    /// Notes a record a conflict rule kept out.
    pub(super) fn conflict(&mut self, subject: String, reason: ConflictReason) {
        if self.conflicts.len() < LISTED {
            self.conflicts.push(Conflict { subject, reason });
        } else {
            self.more_conflicts += 1;
        }
    }

    /// Notes an instance restored under another name.
    pub(super) fn renamed(&mut self, from: String, to: String) {
        if self.renamed.len() < LISTED {
            self.renamed.push((from, to));
        } else {
            self.more_renamed += 1;
        }
    }
}
