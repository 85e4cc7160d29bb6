//! Device keys at rest: the server's master key (AES-256-GCM), sealing and unsealing the DC-09
//! keys of devices, and the fingerprint shown in their place.
//!
//! The master key comes from `BINHYEN_MASTER_KEY` (64 hex digits), from `--master-key-file`,
//! or, on SQLite only, from `<data-dir>/master.key`, generated once with mode 0600. With
//! PostgreSQL every node must unseal the same keys, so a generated per-node file would be
//! wrong: there the key must be given.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use dc09::{Key, KeyFormat};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Environment variable holding the master key as 64 hex digits.
pub const MASTER_KEY_ENV: &str = "BINHYEN_MASTER_KEY";
/// File name of the generated master key inside the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";
/// Associated data bound into every sealed key.
const AAD: &[u8] = b"binhyen dc09 device key v1";
/// Prefix of the sealed form, so that a future format can be told apart.
const SEALED_PREFIX: &str = "v1:";

/// Why a key could not be loaded, sealed or unsealed.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// The master key text is not 64 hex digits.
    #[error("master key from {source_name} is not 64 hex digits")]
    BadMasterKey {
        /// Where it was read.
        source_name: String,
    },
    /// The master key file cannot be read or written.
    #[error("master key file {path}: {error}")]
    File {
        /// The file.
        path: PathBuf,
        /// What failed.
        error: std::io::Error,
    },
    /// PostgreSQL mode without a shared master key.
    #[error(
        "no master key: with PostgreSQL every node must share one, so set BINHYEN_MASTER_KEY \
         (64 hex digits, e.g. from `openssl rand -hex 32`) or pass --master-key-file on every node"
    )]
    MissingForPostgres,
    /// A sealed key cannot be opened (another master key, or damaged).
    #[error("sealed key cannot be opened: {reason}")]
    Unseal {
        /// What was wrong.
        reason: &'static str,
    },
    /// The device key text is not valid for its format.
    #[error("invalid device key: {0}")]
    BadDeviceKey(String),
}

/// The server's master key.
pub struct MasterKey {
    cipher: Aes256Gcm,
    /// Key for fingerprints, derived from the master key.
    fp_key: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

fn parse_hex32(text: &str, source_name: &str) -> Result<[u8; 32], KeyStoreError> {
    let bad = || KeyStoreError::BadMasterKey {
        source_name: source_name.to_owned(),
    };
    let bytes = hex::decode(text.trim()).map_err(|_| bad())?;
    bytes.try_into().map_err(|_| bad())
}

impl MasterKey {
    /// A master key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> MasterKey {
        let mut h = Sha256::new();
        h.update(b"binhyen key fingerprint\0");
        h.update(bytes);
        MasterKey {
            cipher: Aes256Gcm::new(&bytes.into()),
            fp_key: h.finalize().into(),
        }
    }

    /// Finds the master key: the environment variable, then `file`, then (SQLite only) the
    /// generated file in `data_dir`, created on first use with mode 0600.
    pub fn load(
        env_value: Option<&str>,
        file: Option<&Path>,
        data_dir: &Path,
        postgres: bool,
    ) -> Result<MasterKey, KeyStoreError> {
        if let Some(text) = env_value.filter(|t| !t.trim().is_empty()) {
            return Ok(MasterKey::from_bytes(parse_hex32(text, MASTER_KEY_ENV)?));
        }
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|error| KeyStoreError::File {
                path: path.to_owned(),
                error,
            })?;
            return Ok(MasterKey::from_bytes(parse_hex32(
                &text,
                &path.display().to_string(),
            )?));
        }
        if postgres {
            return Err(KeyStoreError::MissingForPostgres);
        }
        let path = data_dir.join(MASTER_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(MasterKey::from_bytes(parse_hex32(
                &text,
                &path.display().to_string(),
            )?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut bytes);
                write_new_secret(&path, &hex::encode(bytes)).map_err(|error| {
                    KeyStoreError::File {
                        path: path.clone(),
                        error,
                    }
                })?;
                tracing::info!(path = %path.display(), "generated the master key for device keys");
                Ok(MasterKey::from_bytes(bytes))
            }
            Err(error) => Err(KeyStoreError::File { path, error }),
        }
    }

    /// Seals a device key's text (as entered) with a fresh random nonce.
    pub fn seal(&self, key_text: &str) -> Result<String, KeyStoreError> {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: key_text.as_bytes(),
                    aad: AAD,
                },
            )
            .map_err(|_| KeyStoreError::Unseal {
                reason: "encryption failed",
            })?;
        Ok(format!(
            "{SEALED_PREFIX}{}{}",
            hex::encode(nonce),
            hex::encode(sealed)
        ))
    }

    /// Opens a sealed key back into its text.
    pub fn unseal(&self, sealed: &str) -> Result<String, KeyStoreError> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(KeyStoreError::Unseal {
                reason: "unknown format",
            })?;
        let bytes = hex::decode(body).map_err(|_| KeyStoreError::Unseal { reason: "not hex" })?;
        if bytes.len() < 12 + 16 {
            return Err(KeyStoreError::Unseal {
                reason: "too short",
            });
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: AAD,
                },
            )
            .map_err(|_| KeyStoreError::Unseal {
                reason: "authentication failed (another master key?)",
            })?;
        String::from_utf8(plain).map_err(|_| KeyStoreError::Unseal {
            reason: "not utf-8",
        })
    }

    /// A short fingerprint of a device key: the same key always gives the same fingerprint
    /// under one master key, and without the master key it says nothing about the key.
    pub fn fingerprint(&self, key_text: &str, format: KeyFormat) -> String {
        let mut h = Sha256::new();
        h.update(self.fp_key);
        h.update(match format {
            KeyFormat::Hex => key_text.to_ascii_lowercase().into_bytes(),
            KeyFormat::Ascii => key_text.as_bytes().to_vec(),
        });
        let digest = h.finalize();
        let hex = hex::encode(&digest[..8]);
        format!(
            "{}:{}:{}:{}",
            &hex[0..4],
            &hex[4..8],
            &hex[8..12],
            &hex[12..16]
        )
    }

    /// Opens a device's sealed key into a DC-09 key.
    pub fn device_key(&self, sealed: &str, format: &str) -> Result<Key, KeyStoreError> {
        let format = parse_format(format)?;
        let text = self.unseal(sealed)?;
        Key::parse(&text, format).map_err(|e| KeyStoreError::BadDeviceKey(e.to_string()))
    }
}

/// `hex` or `ascii`.
pub fn parse_format(format: &str) -> Result<KeyFormat, KeyStoreError> {
    match format {
        "hex" => Ok(KeyFormat::Hex),
        "ascii" => Ok(KeyFormat::Ascii),
        other => Err(KeyStoreError::BadDeviceKey(format!(
            "key format {other:?} is neither hex nor ascii"
        ))),
    }
}

/// Writes a new secret file readable by its owner only; refuses to overwrite.
fn write_new_secret(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master() -> MasterKey {
        MasterKey::from_bytes([7u8; 32])
    }

    #[test]
    fn seal_round_trips_and_hides_the_key() {
        let m = master();
        let text = "000102030405060708090a0b0c0d0e0f";
        let sealed = m.seal(text).unwrap();
        assert!(!sealed.contains(text));
        assert_ne!(sealed, m.seal(text).unwrap(), "fresh nonce each time");
        assert_eq!(m.unseal(&sealed).unwrap(), text);
        let key = m.device_key(&sealed, "hex").unwrap();
        assert_eq!(key.size().bits(), 128);
    }

    #[test]
    fn another_master_key_cannot_unseal() {
        let sealed = master().seal("AAAAAAAAAAAAAAAA").unwrap();
        let other = MasterKey::from_bytes([8u8; 32]);
        assert!(matches!(
            other.unseal(&sealed),
            Err(KeyStoreError::Unseal { .. })
        ));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push('0');
        assert!(master().unseal(&tampered).is_err() || tampered == sealed);
        assert!(master().unseal("v2:00").is_err());
    }

    #[test]
    fn fingerprints_are_stable_and_keyed() {
        let m = master();
        let a = m.fingerprint("000102030405060708090A0B0C0D0E0F", KeyFormat::Hex);
        assert_eq!(
            a,
            m.fingerprint("000102030405060708090a0b0c0d0e0f", KeyFormat::Hex)
        );
        assert_eq!(a.len(), 19);
        assert!(!a.contains("0001020304"));
        let other = MasterKey::from_bytes([9u8; 32]);
        assert_ne!(
            a,
            other.fingerprint("000102030405060708090a0b0c0d0e0f", KeyFormat::Hex)
        );
    }

    #[test]
    fn master_key_file_is_generated_once_with_owner_only_access() {
        let dir = std::env::temp_dir().join(format!("binhyen-mk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let _ = std::fs::remove_file(dir.join(MASTER_KEY_FILE));
        let a = MasterKey::load(None, None, &dir, false).unwrap();
        let sealed = a.seal("k1k2k3k4k5k6k7k8").unwrap();
        let b = MasterKey::load(None, None, &dir, false).unwrap();
        assert_eq!(b.unseal(&sealed).unwrap(), "k1k2k3k4k5k6k7k8");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join(MASTER_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn postgres_requires_a_given_key() {
        let dir = std::env::temp_dir();
        let err = MasterKey::load(None, None, &dir, true).unwrap_err();
        assert!(err.to_string().contains("BINHYEN_MASTER_KEY"));
        assert!(err.to_string().contains("--master-key-file"));
        let hexkey = "11".repeat(32);
        assert!(MasterKey::load(Some(&hexkey), None, &dir, true).is_ok());
        assert!(matches!(
            MasterKey::load(Some("abc"), None, &dir, true),
            Err(KeyStoreError::BadMasterKey { .. })
        ));
    }
}
