//! The backup file: the JSON Lines of [`format`](super::format) encrypted with
//! a passphrase in the standard [age](https://age-encryption.org) format (an
//! scrypt recipient), so `age -d` opens it without zapfleet. Writing and
//! reading stream: memory stays flat whatever the size.

use super::format::{FORMAT, Record, VERSION};
use age::secrecy::SecretString;
use sha2::{Digest, Sha256};
use std::io::{self, BufRead, BufReader, Read, Write};

/// scrypt's work factor (N = 2^18, 256 MiB, about a second), fixed rather than
/// tuned to the machine like the age library's default, so that every backup
/// costs the same memory to write and opens anywhere (the `age` tool's own).
const WORK_FACTOR: u8 = 18;
/// The most work a file given by the operator may ask to open (N = 2^20, 1 GiB).
const MAX_WORK_FACTOR: u8 = 20;
/// A line longer than this is not one of ours (and is not read into memory).
const MAX_LINE: u64 = 16 * 1024 * 1024;
/// What can go wrong with a backup file; each says what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// Not an age file, or an age file without a zapfleet manifest.
    #[error("this is not a zapfleet backup")]
    NotABackup,
    /// An age file, but encrypted to keys rather than a passphrase.
    #[error("this file is not encrypted with a passphrase")]
    NotPassphrase,
    /// The passphrase does not open it (or the header that holds its salt
    /// was changed: the two cannot be told apart).
    #[error("wrong passphrase (or the file's header is damaged)")]
    WrongPassphrase,
    /// Its passphrase costs more work than this machine accepts to try.
    #[error("the file asks for more work to decrypt than allowed")]
    TooMuchWork,
    /// Made by a newer zapfleet.
    #[error(
        "made by a newer zapfleet (backup format {0}, this one reads up to {VERSION}): upgrade first"
    )]
    NewerFormat(u32),
    /// It ends before its last line.
    #[error("the file is truncated")]
    Truncated,
    /// A byte changed, a line is not a record, or the checksum does not match.
    #[error("the file is damaged: {0}")]
    Damaged(String),
    /// Records that break the format's order or refer to what is not there.
    #[error("the backup is inconsistent: {0}")]
    Inconsistent(String),
    /// The passphrase is empty or too short.
    #[error("the passphrase must have at least 8 characters")]
    WeakPassphrase,
    /// The database refused or did not answer; nothing was written.
    #[error("the database refused or did not answer: {0}")]
    Database(String),
    /// Reading or writing failed (disk full, permissions…).
    #[error("cannot read or write the file: {0}")]
    Io(#[from] io::Error),
}

/// A passphrase of a human: at least 8 characters.
pub fn passphrase(text: &str) -> Result<SecretString, BackupError> {
    if text.chars().count() < 8 {
        return Err(BackupError::WeakPassphrase);
    }
    Ok(SecretString::from(text.to_owned()))
}

/// Writes records into an encrypted backup, counting and hashing what it writes.
pub struct Writer<W: Write> {
    out: age::stream::StreamWriter<W>,
    hasher: Sha256,
    records: u64,
}

impl<W: Write> Writer<W> {
    /// Starts a file: the age header, then the manifest line.
    pub fn start(out: W, passphrase: SecretString, manifest: &Record) -> Result<Self, BackupError> {
        let mut recipient = age::scrypt::Recipient::new(passphrase);
        recipient.set_work_factor(WORK_FACTOR);
        let out =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| BackupError::Io(io::Error::other(e.to_string())))?
                .wrap_output(out)?;
        let mut writer = Self {
            out,
            hasher: Sha256::new(),
            records: 0,
        };
        writer.write(manifest)?;
        Ok(writer)
    }

    /// Adds a record.
    pub fn write(&mut self, record: &Record) -> Result<(), BackupError> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        self.hasher.update(&line);
        self.out.write_all(&line)?;
        self.records += 1;
        Ok(())
    }

    /// Ends the file with its [`Record::End`] and returns the output.
    pub fn finish(mut self) -> Result<W, BackupError> {
        let end = Record::End {
            records: self.records,
            sha256: hex(&self.hasher.finalize_reset()),
        };
        let mut line = serde_json::to_vec(&end).map_err(io::Error::other)?;
        line.push(b'\n');
        self.out.write_all(&line)?;
        Ok(self.out.finish()?)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads the records of an encrypted backup, checking its order, count and checksum.
pub struct Reader<R: Read> {
    lines: BufReader<age::stream::StreamReader<BufReader<R>>>,
    hasher: Sha256,
    records: u64,
    done: bool,
}

fn open_error(error: age::DecryptError) -> BackupError {
    use age::DecryptError as E;
    match error {
        E::DecryptionFailed | E::KeyDecryptionFailed => BackupError::WrongPassphrase,
        E::NoMatchingKeys => BackupError::NotPassphrase,
        E::ExcessiveWork { .. } => BackupError::TooMuchWork,
        E::Io(error) if error.kind() == io::ErrorKind::UnexpectedEof => BackupError::Truncated,
        _ => BackupError::NotABackup,
    }
}

fn read_error(error: io::Error) -> BackupError {
    match error.kind() {
        io::ErrorKind::UnexpectedEof => BackupError::Truncated,
        // age authenticates every 64 KiB chunk: one that fails was changed, or is
        // the last one of a file cut short (the two cannot be told apart).
        io::ErrorKind::InvalidData => BackupError::Damaged(
            "a part fails its authentication: a byte changed, or the file was cut short".into(),
        ),
        _ => BackupError::Io(error),
    }
}

impl<R: Read> Reader<R> {
    /// Opens a file: decrypts its header and reads its manifest. Returns the
    /// reader (past the manifest) and the manifest.
    pub fn open(input: R, passphrase: SecretString) -> Result<(Self, Record), BackupError> {
        Self::open_with(input, passphrase, false)
    }

    /// [`open`](Self::open) for a file from an untrusted source (a web
    /// upload): it may ask for no more work than zapfleet itself writes, so
    /// that opening it costs 256 MiB at most.
    pub fn open_untrusted(
        input: R,
        passphrase: SecretString,
    ) -> Result<(Self, Record), BackupError> {
        Self::open_with(input, passphrase, true)
    }

    fn open_with(
        input: R,
        passphrase: SecretString,
        untrusted: bool,
    ) -> Result<(Self, Record), BackupError> {
        let mut input = BufReader::new(input);
        // What does not begin as an age file is no backup (rather than a
        // truncated one); what begins as one but stops short is truncated.
        let start = input.fill_buf().map_err(read_error)?;
        let magic: &[u8] = b"age-encryption.org/v1\n";
        let compared = start.len().min(magic.len());
        if start.is_empty() || start[..compared] != magic[..compared] {
            return Err(BackupError::NotABackup);
        }
        let decryptor = age::Decryptor::new_buffered(input).map_err(open_error)?;
        if !decryptor.is_scrypt() {
            return Err(BackupError::NotPassphrase);
        }
        let mut identity = age::scrypt::Identity::new(passphrase);
        identity.set_max_work_factor(if untrusted {
            WORK_FACTOR
        } else {
            MAX_WORK_FACTOR
        });
        let stream = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(open_error)?;
        let mut reader = Self {
            lines: BufReader::new(stream),
            hasher: Sha256::new(),
            records: 0,
            done: false,
        };
        let Some(line) = reader.line()? else {
            return Err(BackupError::NotABackup);
        };
        // The format and version first: a newer release's manifest may have
        // fields this one cannot read, and should say "newer", not "not a backup".
        let first: serde_json::Value =
            serde_json::from_slice(&line).map_err(|_| BackupError::NotABackup)?;
        if first["kind"] != "manifest" || first["format"] != FORMAT {
            return Err(BackupError::NotABackup);
        }
        match first["version"].as_u64().map(u32::try_from) {
            Some(Ok(version)) if version > VERSION => {
                return Err(BackupError::NewerFormat(version));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) => return Err(BackupError::NewerFormat(u32::MAX)),
            None => return Err(BackupError::NotABackup),
        }
        let manifest = serde_json::from_value(first).map_err(|_| BackupError::NotABackup)?;
        Ok((reader, manifest))
    }

    /// The next raw line, with its newline; `None` at the end of the stream.
    fn line(&mut self) -> Result<Option<Vec<u8>>, BackupError> {
        let mut line = Vec::new();
        let read = (&mut self.lines)
            .take(MAX_LINE)
            .read_until(b'\n', &mut line)
            .map_err(read_error)?;
        if read == 0 {
            return Ok(None);
        }
        if line.last() != Some(&b'\n') {
            return Err(if read as u64 == MAX_LINE {
                BackupError::Damaged("a line is too long".into())
            } else {
                BackupError::Truncated
            });
        }
        self.hasher.update(&line);
        self.records += 1;
        Ok(Some(line))
    }

    /// The next record; `None` after the last one, once the count and the
    /// checksum were checked.
    pub fn next_record(&mut self) -> Result<Option<Record>, BackupError> {
        if self.done {
            return Ok(None);
        }
        // The checksum covers the lines before the end line, not the end line itself.
        let before = self.hasher.clone();
        let counted = self.records;
        let Some(line) = self.line()? else {
            return Err(BackupError::Truncated);
        };
        let record: Record = serde_json::from_slice(&line)
            .map_err(|e| BackupError::Damaged(format!("record {}: {e}", counted + 1)))?;
        if let Record::End { records, sha256 } = &record {
            if *records != counted || *sha256 != hex(&before.finalize()) {
                return Err(BackupError::Damaged("the checksum does not match".into()));
            }
            let mut rest = Vec::new();
            if (&mut self.lines)
                .take(1)
                .read_to_end(&mut rest)
                .map_err(read_error)?
                > 0
            {
                return Err(BackupError::Damaged("data after the end".into()));
            }
            self.done = true;
            return Ok(None);
        }
        if matches!(record, Record::Manifest { .. }) {
            return Err(BackupError::Damaged("a second manifest".into()));
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    fn sample() -> Vec<u8> {
        let manifest = Record::manifest(Timestamp::from_millis(0), false);
        let mut writer = Writer::start(
            Vec::new(),
            passphrase("senha muito boa").unwrap(),
            &manifest,
        )
        .unwrap();
        writer
            .write(&Record::StatusChange {
                instance: "i".into(),
                id: "h".into(),
                from: crate::domain::InstanceStatus::Disconnected,
                to: crate::domain::InstanceStatus::Connecting,
                reason: "ção".into(),
                source: crate::domain::StatusSource::User,
                at: Timestamp::from_millis(5),
            })
            .unwrap();
        writer.finish().unwrap()
    }

    fn read_all(bytes: &[u8], secret: &str) -> Result<Vec<Record>, BackupError> {
        let (mut reader, _) = Reader::open(bytes, passphrase(secret)?)?;
        let mut records = Vec::new();
        while let Some(record) = reader.next_record()? {
            records.push(record);
        }
        Ok(records)
    }

    #[test]
    fn reads_back_what_it_wrote() {
        let records = read_all(&sample(), "senha muito boa").unwrap();
        assert_eq!(records.len(), 1);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let file = sample();
        assert!(matches!(
            read_all(&file, "outra senha qualquer"),
            Err(BackupError::WrongPassphrase)
        ));
        let text = read_all(b"just some text\n", "senha muito boa");
        assert!(matches!(text, Err(BackupError::NotABackup)), "{text:?}");
        // Cut inside age's last chunk: that chunk fails its authentication.
        assert!(matches!(
            read_all(&file[..file.len() - 10], "senha muito boa"),
            Err(BackupError::Damaged(_))
        ));
        // Whole chunks, but the lines stop before the end line.
        let mut manifest =
            serde_json::to_vec(&Record::manifest(Timestamp::from_millis(0), false)).unwrap();
        manifest.push(b'\n');
        let cut = {
            let secret = SecretString::from("senha muito boa".to_owned());
            let encryptor = age::Encryptor::with_user_passphrase(secret);
            let mut out = Vec::new();
            let mut writer = encryptor.wrap_output(&mut out).unwrap();
            writer.write_all(&manifest).unwrap();
            writer.finish().unwrap();
            out
        };
        assert!(matches!(
            read_all(&cut, "senha muito boa"),
            Err(BackupError::Truncated)
        ));
        let mut flipped = file.clone();
        let last = flipped.len() - 20;
        flipped[last] ^= 1;
        assert!(matches!(
            read_all(&flipped, "senha muito boa"),
            Err(BackupError::Damaged(_))
        ));
        assert!(matches!(
            passphrase("curta"),
            Err(BackupError::WeakPassphrase)
        ));
    }
}
