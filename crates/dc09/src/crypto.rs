//! AES-CBC with an all-zero IV, the random pad, and the sources of pad bytes.
//!
//! DC-09 encrypts everything after the `[` of the data block up to the end of the timestamp:
//! `pad | data ] [xdata]… _timestamp`, prefixed with pad bytes so that the total is a whole
//! number of 16-byte blocks, and sends it as hex. Pad bytes are random and never `|`, `[`, `]`
//! (DC-09-2013 5.4.4) nor `^` (DC-09-2026).

use crate::error::DecryptError;
use crate::key::{Key, KeySize};
use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use aes::{Aes128, Aes192, Aes256};
use rand_core::{CryptoRng, RngCore};

/// AES block size.
pub(crate) const BLOCK: usize = 16;

/// Bytes that may never appear in a pad.
pub const FORBIDDEN_PAD_BYTES: [u8; 4] = [b'|', b'[', b']', b'^'];

/// Whether `b` may appear in a pad.
pub fn is_pad_byte(b: u8) -> bool {
    !FORBIDDEN_PAD_BYTES.contains(&b)
}

/// A source of pad bytes for encrypted frames.
///
/// Every cryptographically secure RNG (`rand_core::RngCore + CryptoRng`, for example
/// `rand::rngs::OsRng` or `StdRng`) is a pad source. Implement this trait to draw pad bytes from
/// elsewhere; implementations must fill `pad` with unpredictable bytes, and the builder replaces
/// any forbidden byte by asking again.
pub trait PadSource {
    /// Fills `pad` with random bytes.
    fn fill_pad(&mut self, pad: &mut [u8]);
}

impl<R: RngCore + CryptoRng + ?Sized> PadSource for R {
    fn fill_pad(&mut self, pad: &mut [u8]) {
        self.fill_bytes(pad);
    }
}

/// Fills `pad` with allowed pad bytes from `source`.
pub(crate) fn random_pad(source: &mut (impl PadSource + ?Sized), pad: &mut [u8]) {
    source.fill_pad(pad);
    let mut one = [0u8; 1];
    for b in pad.iter_mut() {
        // 4 of 256 values are excluded, so this loop ends quickly for any real source.
        while !is_pad_byte(*b) {
            source.fill_pad(&mut one);
            *b = one[0];
        }
    }
}

/// Pad length for `content_len` bytes that follow the pad terminator `|`: the smallest
/// positive number that makes `pad + 1 + content_len` a multiple of 16.
pub(crate) fn pad_len(content_len: usize) -> usize {
    let rem = (content_len + 1) % BLOCK;
    if rem == 0 {
        BLOCK
    } else {
        BLOCK - rem
    }
}

macro_rules! with_cipher {
    ($key:expr, $cipher:ident => $body:expr) => {
        match $key.size() {
            KeySize::Aes128 => {
                type $cipher = Aes128;
                $body
            }
            KeySize::Aes192 => {
                type $cipher = Aes192;
                $body
            }
            KeySize::Aes256 => {
                type $cipher = Aes256;
                $body
            }
        }
    };
}

/// Encrypts `buf` in place (length must be a multiple of 16) with a zero IV.
pub(crate) fn encrypt_in_place(key: &Key, buf: &mut [u8]) {
    debug_assert_eq!(buf.len() % BLOCK, 0);
    let iv = [0u8; BLOCK];
    with_cipher!(key, C => {
        // Key length matches the cipher by construction of `Key`.
        if let Ok(mut enc) = cbc::Encryptor::<C>::new_from_slices(key.secret(), &iv) {
            for block in buf.chunks_exact_mut(BLOCK) {
                enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
            }
        }
    })
}

/// Decodes hex ciphertext and decrypts it with a zero IV.
pub(crate) fn decrypt_hex(
    key: &Key,
    hex_text: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), DecryptError> {
    if hex_text.is_empty() || hex_text.len() % (2 * BLOCK) != 0 {
        return Err(DecryptError::BadLength {
            hex_digits: hex_text.len(),
        });
    }
    out.clear();
    crate::hex::decode(hex_text, out).map_err(|offset| DecryptError::NotHex { offset })?;
    let iv = [0u8; BLOCK];
    with_cipher!(key, C => {
        if let Ok(mut dec) = cbc::Decryptor::<C>::new_from_slices(key.secret(), &iv) {
            for block in out.chunks_exact_mut(BLOCK) {
                dec.decrypt_block_mut(GenericArray::from_mut_slice(block));
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pad source that yields forbidden bytes first, to exercise the replacement loop.
    struct Nasty(u8);
    impl PadSource for Nasty {
        fn fill_pad(&mut self, pad: &mut [u8]) {
            for b in pad {
                *b = FORBIDDEN_PAD_BYTES[usize::from(self.0) % 4];
                self.0 = self.0.wrapping_add(1);
                if self.0 > 8 {
                    *b = b'x';
                }
            }
        }
    }

    #[test]
    fn pad_never_holds_forbidden_bytes() {
        let mut pad = [0u8; 16];
        random_pad(&mut Nasty(0), &mut pad);
        assert!(pad.iter().all(|&b| is_pad_byte(b)));
    }

    #[test]
    fn pad_lengths() {
        assert_eq!(pad_len(15), 16);
        assert_eq!(pad_len(14), 1);
        assert_eq!(pad_len(0), 15);
        assert_eq!(pad_len(38), 9);
        for n in 0..100 {
            let p = pad_len(n);
            assert!((1..=16).contains(&p));
            assert_eq!((p + 1 + n) % 16, 0);
        }
    }

    #[test]
    fn deterministic_vector_decrypts() {
        // Computed with pycryptodome: AES-128-CBC, zero IV.
        let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
        let ct = b"34AA4A156D4930D99A622FED6A5D4A0C3E6C993F8719FF2F256FBB05CA54EA457D18FA7EAF15C839E5E57A0ED29659FC77D616F7641EDDD2DE8183A16A0C2DE3";
        let mut out = Vec::new();
        decrypt_hex(&key, ct, &mut out).unwrap();
        assert_eq!(
            out,
            b"PPPPPPPPPPPPPPPPPPPPPPPPP|#1234|1110 01 015]_12:00:00,01-01-2026"
        );
        let mut again = out.clone();
        encrypt_in_place(&key, &mut again);
        let mut hex = Vec::new();
        crate::hex::encode_upper(&again, &mut hex);
        assert_eq!(hex, ct);
    }

    #[test]
    fn ciphertext_shape_errors() {
        let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
        let mut out = Vec::new();
        assert_eq!(
            decrypt_hex(&key, b"", &mut out),
            Err(DecryptError::BadLength { hex_digits: 0 })
        );
        assert_eq!(
            decrypt_hex(&key, &[b'0'; 30], &mut out),
            Err(DecryptError::BadLength { hex_digits: 30 })
        );
        let mut bad = [b'0'; 32];
        bad[7] = b'x';
        assert_eq!(
            decrypt_hex(&key, &bad, &mut out),
            Err(DecryptError::NotHex { offset: 7 })
        );
    }
}
