//! The SQLite database and its `-wal` and `-shm` files hold every message in
//! clear and every secret sealed: only the server's own user may read them.
//! SQLite would create the database 0644 (whatever the umask lets through), so
//! the file is made here first, 0600; SQLite then gives its `-wal` and `-shm`
//! files the mode of the database file. Files an older release made readable
//! are narrowed at every start.

use crate::crypto::create_private_dir;
use std::path::{Path, PathBuf};

/// Before SQLite opens `path`: its folder (0700 if it has to be made) and the
/// file itself, private.
pub(super) fn prepare(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening for append never truncates an existing database.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
    }
    restrict(path)
}

/// Makes the database and whichever of its `-wal` and `-shm` files exist
/// readable and writable by their owner only.
pub(super) fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    for file in companions(path) {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::metadata(&file) {
            Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// The database file and the two files SQLite keeps beside it in WAL mode.
fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_wal_and_shm_files() {
        let [db, wal, shm] = companions(Path::new("/data/z.db"));
        assert_eq!(db, Path::new("/data/z.db"));
        assert_eq!(wal, Path::new("/data/z.db-wal"));
        assert_eq!(shm, Path::new("/data/z.db-shm"));
    }

    #[cfg(unix)]
    #[test]
    fn makes_new_files_private_and_narrows_old_ones() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("zapfleet-files-{}", nanoid::nanoid!(8)));
        let db = dir.join("data").join("z.db");
        prepare(&db).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(db.parent().unwrap()), 0o700);
        std::fs::write(&db, b"kept").unwrap();
        let wal = dir.join("data").join("z.db-wal");
        std::fs::write(&wal, b"").unwrap();
        for file in [&db, &wal] {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        prepare(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
        assert_eq!(std::fs::read(&db).unwrap(), b"kept", "never truncated");
        let _ = std::fs::remove_dir_all(dir);
    }
}
