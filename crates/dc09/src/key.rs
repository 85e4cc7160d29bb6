//! Account keys for AES-128/192/256.
//!
//! Two conventions exist in the field and both are supported, because the operator must be able
//! to say which one a panel uses:
//! - [`Key::from_hex`]: the DC-09 convention, 32/48/64 hex digits that decode to 16/24/32 bytes.
//! - [`Key::from_ascii`]: the convention of several panels and receivers (Home Assistant's SIA
//!   integration among them), where the ASCII bytes of a 16/24/32-character string are the key.
//!
//! A [`Key`] never shows its bytes: `Debug` prints only the key size, and the bytes are wiped on
//! drop.

use std::fmt;
use zeroize::Zeroize;

/// The AES variant a key selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySize {
    /// 16-byte key.
    Aes128,
    /// 24-byte key.
    Aes192,
    /// 32-byte key.
    Aes256,
}

impl KeySize {
    /// Key length in bits.
    pub const fn bits(self) -> u16 {
        match self {
            KeySize::Aes128 => 128,
            KeySize::Aes192 => 192,
            KeySize::Aes256 => 256,
        }
    }

    /// Key length in bytes.
    pub const fn bytes(self) -> usize {
        self.bits() as usize / 8
    }
}

/// How a key is written in configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyFormat {
    /// 32/48/64 hex digits (DC-09).
    Hex,
    /// The ASCII bytes of a 16/24/32-character string.
    Ascii,
}

/// Why a key could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key does not have 16, 24 or 32 bytes (or twice that many hex digits).
    #[error("key of {len} {unit} is not an aes-128/192/256 key")]
    BadLength {
        /// Length that was given.
        len: usize,
        /// `"bytes"`, `"hex digits"` or `"characters"`.
        unit: &'static str,
    },
    /// A character of a hex key is not a hex digit.
    #[error("key character at position {position} is not a hex digit")]
    NotHex {
        /// Zero-based position of the offending character.
        position: usize,
    },
    /// A character of an ASCII key is not printable ASCII.
    #[error("key character at position {position} is not printable ascii")]
    NotAscii {
        /// Zero-based position of the offending character.
        position: usize,
    },
}

/// An AES key for one account (or one receiver line).
#[derive(Clone)]
pub struct Key {
    bytes: [u8; 32],
    size: KeySize,
}

impl Key {
    /// A key from its raw 16, 24 or 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Key, KeyError> {
        let size = match bytes.len() {
            16 => KeySize::Aes128,
            24 => KeySize::Aes192,
            32 => KeySize::Aes256,
            len => return Err(KeyError::BadLength { len, unit: "bytes" }),
        };
        let mut key = Key {
            bytes: [0; 32],
            size,
        };
        key.bytes[..bytes.len()].copy_from_slice(bytes);
        Ok(key)
    }

    /// A key written as 32, 48 or 64 hex digits (either case), the DC-09 convention.
    pub fn from_hex(text: &str) -> Result<Key, KeyError> {
        let digits = text.as_bytes();
        if !matches!(digits.len(), 32 | 48 | 64) {
            return Err(KeyError::BadLength {
                len: digits.len(),
                unit: "hex digits",
            });
        }
        let mut raw = [0u8; 32];
        for (i, pair) in digits.chunks_exact(2).enumerate() {
            let hi = crate::hex::nibble(pair[0]).ok_or(KeyError::NotHex { position: 2 * i })?;
            let lo = crate::hex::nibble(pair[1]).ok_or(KeyError::NotHex {
                position: 2 * i + 1,
            })?;
            raw[i] = hi << 4 | lo;
        }
        let key = Key::from_bytes(&raw[..digits.len() / 2]);
        raw.zeroize();
        key
    }

    /// A key made of the ASCII bytes of a 16, 24 or 32-character string.
    pub fn from_ascii(text: &str) -> Result<Key, KeyError> {
        if let Some(position) = text.bytes().position(|b| !(0x20..0x7F).contains(&b)) {
            return Err(KeyError::NotAscii { position });
        }
        Key::from_bytes(text.as_bytes()).map_err(|_| KeyError::BadLength {
            len: text.len(),
            unit: "characters",
        })
    }

    /// A key in the given configuration format.
    pub fn parse(text: &str, format: KeyFormat) -> Result<Key, KeyError> {
        match format {
            KeyFormat::Hex => Key::from_hex(text),
            KeyFormat::Ascii => Key::from_ascii(text),
        }
    }

    /// The AES variant.
    pub fn size(&self) -> KeySize {
        self.size
    }

    /// The raw key bytes (crate-internal: the only way out is into a cipher).
    pub(crate) fn secret(&self) -> &[u8] {
        &self.bytes[..self.size.bytes()]
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for Key {
    /// Shows the key size only, never the bytes or a fingerprint of them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key(AES-{})", self.size.bits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_ascii_conventions() {
        let hex = Key::from_hex("000102030405060708090a0b0c0d0e0F").unwrap();
        assert_eq!(hex.size(), KeySize::Aes128);
        assert_eq!(hex.secret(), (0u8..16).collect::<Vec<_>>().as_slice());
        let ascii = Key::from_ascii("AAAAAAAAAAAAAAAA").unwrap();
        assert_eq!(ascii.secret(), [0x41u8; 16].as_slice());
        assert_eq!(
            Key::from_ascii(&"k".repeat(24)).unwrap().size(),
            KeySize::Aes192
        );
        assert_eq!(
            Key::from_hex(&"ab".repeat(32)).unwrap().size(),
            KeySize::Aes256
        );
        assert_eq!(
            Key::parse("AAAAAAAAAAAAAAAA", KeyFormat::Ascii)
                .unwrap()
                .size(),
            KeySize::Aes128
        );
    }

    #[test]
    fn rejects_bad_keys() {
        assert_eq!(
            Key::from_hex("0011").unwrap_err(),
            KeyError::BadLength {
                len: 4,
                unit: "hex digits"
            }
        );
        assert_eq!(
            Key::from_hex("ZZ0102030405060708090a0b0c0d0e0f").unwrap_err(),
            KeyError::NotHex { position: 0 }
        );
        assert_eq!(
            Key::from_ascii("158888888888888").unwrap_err(),
            KeyError::BadLength {
                len: 15,
                unit: "characters"
            }
        );
        assert_eq!(
            Key::from_ascii("AAAAAAAA\u{7}AAAAAAA").unwrap_err(),
            KeyError::NotAscii { position: 8 }
        );
        assert!(Key::from_bytes(&[0; 17]).is_err());
    }

    #[test]
    fn debug_hides_key_bytes() {
        let key = Key::from_hex("850cba22f7dd4f033405da83e4c5bae9").unwrap();
        let shown = format!("{key:?}");
        assert_eq!(shown, "Key(AES-128)");
        let ascii = Key::from_ascii("SECRETSECRETSECR").unwrap();
        assert!(!format!("{ascii:?}").contains("SECRET"));
    }
}
