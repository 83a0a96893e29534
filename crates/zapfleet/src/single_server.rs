//! SQLite is for one server: while `serve` runs, it holds a lock that makes a
//! second server on the same database file refuse to start.

use anyhow::Context;

/// On SQLite, claims the database for this server: an exclusive lock on
/// `<file>.lock`, held while serving (the system releases it when the process
/// ends, even by SIGKILL). Two servers on one SQLite file would both claim the
/// same sends and polls, and SQLite lets only one write at a time anyway:
/// several servers need PostgreSQL. Commands that do not serve (`user`,
/// `backup`…) run beside a server and take no lock.
pub fn claim_sqlite(database_url: &str) -> anyhow::Result<Option<std::fs::File>> {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(path) = crate::store::sqlite_path(database_url) else {
        return Ok(None);
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::crypto::create_private_dir(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let lock_path = format!("{}.lock", path.display());
    let mut file = std::fs::OpenOptions::new()
        .mode(0o600)
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {lock_path}"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut holder);
            anyhow::bail!(
                "another zapfleet server is already running on this SQLite database ({}, process {}). \
                 SQLite serves one server at a time: stop the other one, or use PostgreSQL \
                 (DATABASE_URL=postgres://…) to run several",
                path.display(),
                holder.trim()
            );
        }
        Err(std::fs::TryLockError::Error(error)) => {
            return Err(error).with_context(|| format!("cannot lock {lock_path}"));
        }
    }
    // Who holds it, for the message above.
    file.set_len(0)?;
    std::io::Write::write_all(&mut file, std::process::id().to_string().as_bytes())?;
    Ok(Some(file))
}
