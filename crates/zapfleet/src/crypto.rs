//! Encryption at rest for provider credentials (XChaCha20-Poly1305, random 192-bit
//! nonces), and the secret key it uses.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::Aead;
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use std::path::Path;

/// Marks the format of stored ciphertexts, so the scheme can change later.
const VERSION: &str = "v1:";
const NONCE_LEN: usize = 24;

/// A value that could not be decrypted: wrong key, or tampered with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decrypt a stored secret: wrong ZAPFLEET_SECRET_KEY or corrupted data")]
pub struct DecryptError;

/// Encrypts and decrypts short secrets with the server's key.
#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
    /// The root of keys derived for other purposes (never the cipher's key).
    derivation: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

/// SHA-256 of a random secret, hex: how API tokens, session cookies and webhook
/// secrets are looked up. (They are random enough that a plain hash is safe;
/// passwords use Argon2.)
pub fn sha256_hex(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Compares two secrets in constant time (for their common length).
pub fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Fresh random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0_u8; N];
    // The OS generator only fails on broken systems; a zeroed nonce would be
    // catastrophic, so refuse to go on.
    #[allow(clippy::expect_used)]
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    bytes
}

impl SecretBox {
    /// From a 32-byte key.
    pub fn new(key: &[u8; 32]) -> Self {
        #[allow(clippy::expect_used)]
        let cipher = XChaCha20Poly1305::new_from_slice(key).expect("32-byte key");
        let derivation = {
            use sha2::{Digest, Sha256};
            Sha256::new()
                .chain_update(b"zapfleet derived keys\0")
                .chain_update(key)
                .finalize()
                .into()
        };
        Self { cipher, derivation }
    }

    /// A key for one purpose (`label`), derived from the server's key: the
    /// same on every server sharing the key, useless for decrypting anything.
    pub fn derived_key(&self, label: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::new()
            .chain_update(self.derivation)
            .chain_update(label.as_bytes())
            .finalize()
            .into()
    }

    /// `v1:` + base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plaintext: &str) -> String {
        let nonce_bytes = random_bytes::<NONCE_LEN>();
        let nonce = XNonce::from(nonce_bytes);
        // Encryption of an in-memory buffer cannot fail for short inputs.
        let sealed = self
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", STANDARD_NO_PAD.encode(out))
    }

    /// The plaintext of [`SecretBox::encrypt`]'s output.
    pub fn decrypt(&self, stored: &str) -> Result<String, DecryptError> {
        let encoded = stored.strip_prefix(VERSION).ok_or(DecryptError)?;
        let bytes = STANDARD_NO_PAD.decode(encoded).map_err(|_| DecryptError)?;
        if bytes.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| DecryptError)?;
        let plain = self
            .cipher
            .decrypt(&nonce, sealed)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plain).map_err(|_| DecryptError)
    }
}

/// Parses a key given as 64 hex characters.
pub fn parse_key(text: &str) -> anyhow::Result<[u8; 32]> {
    let text = text.trim();
    anyhow::ensure!(
        text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()),
        "ZAPFLEET_SECRET_KEY must be 64 hexadecimal characters (32 bytes); generate one with: openssl rand -hex 32"
    );
    let mut key = [0_u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)?;
    }
    Ok(key)
}

/// The key from `ZAPFLEET_SECRET_KEY`, else from `<data dir>/secret.key`, which is
/// created (mode 0600) on first start. Losing it makes stored provider tokens
/// unreadable: back it up with the database.
pub fn load_or_create_key(configured: Option<&str>, data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    if let Some(text) = configured {
        return parse_key(text);
    }
    let path = data_dir.join("secret.key");
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        return parse_key(&text).with_context(|| format!("invalid key in {}", path.display()));
    }
    create_private_dir(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let key = random_bytes::<32>();
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    write_private(&path, &hex).with_context(|| format!("cannot write {}", path.display()))?;
    tracing::warn!(path = %path.display(), "generated a new secret key: back it up with the database");
    Ok(key)
}

/// Creates a folder (and its missing parents) that only this user may enter
/// (0700): the data folder holds the key and the database. A folder that
/// already exists is left as its owner made it.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Writes a new file only its owner can read (0600 on Unix); fails if it exists.
#[cfg(unix)]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_hashes_are_sha256_hex() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn round_trips_and_never_repeats_a_ciphertext() {
        let secrets = SecretBox::new(&[7; 32]);
        let a = secrets.encrypt("123e4567-e89b-12d3-a456-426614174000");
        let b = secrets.encrypt("123e4567-e89b-12d3-a456-426614174000");
        assert_ne!(a, b, "random nonces");
        assert!(!a.contains("123e4567"));
        assert_eq!(
            secrets.decrypt(&a).unwrap(),
            "123e4567-e89b-12d3-a456-426614174000"
        );
    }

    #[test]
    fn refuses_other_keys_and_tampering() {
        let sealed = SecretBox::new(&[7; 32]).encrypt("token");
        assert_eq!(SecretBox::new(&[8; 32]).decrypt(&sealed), Err(DecryptError));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(
            SecretBox::new(&[7; 32]).decrypt(&tampered),
            Err(DecryptError)
        );
        assert_eq!(SecretBox::new(&[7; 32]).decrypt("plain"), Err(DecryptError));
    }

    #[test]
    fn keys_are_made_once_and_kept_private() {
        let dir = std::env::temp_dir().join(format!("zapfleet-key-{}", nanoid::nanoid!(8)));
        let first = load_or_create_key(None, &dir).unwrap();
        assert_eq!(load_or_create_key(None, &dir).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700, "the data folder is private");
        }
        assert!(parse_key("abc").is_err());
        assert_eq!(parse_key(&"0f".repeat(32)).unwrap(), [15; 32]);
        let _ = std::fs::remove_dir_all(dir);
    }
}
