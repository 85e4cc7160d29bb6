//! 2-step verification codes: TOTP (RFC 6238) over HOTP (RFC 4226) with HMAC-SHA-1, 30-second
//! steps and 6 digits, which is what authenticator apps expect from an `otpauth://` URI. Pure
//! logic: the time comes in as a unix timestamp, and the secret as bytes.
//!
//! Secrets at rest are sealed with the server's master key when there is one (the same key that
//! seals device keys), so that a copy of the database alone does not give them away.

use crate::receiver::keys::MasterKey;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;

/// Length of one step, in seconds.
pub const STEP_SECONDS: i64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// How many steps before or after the current one are accepted (clock drift, slow typing).
pub const SKEW_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Issuer shown by authenticator apps.
pub const ISSUER: &str = "Bình Yên";

/// Prefix of a secret sealed with the master key.
const SEALED: &str = "sealed:";
/// Prefix of a secret stored as it is (no master key on this deployment).
const PLAIN: &str = "plain:";
/// Marks the sealed text as a TOTP secret, so that a sealed device key cannot pass for one.
const SEALED_KIND: &str = "totp:";

/// The HOTP value of `counter` (RFC 4226, section 5.3), reduced to `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    binary % 10u32.pow(digits)
}

/// The step a unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The 6-digit code of `step`, zero-padded.
pub fn code_for_step(secret: &[u8], step: i64) -> String {
    let counter = u64::try_from(step).unwrap_or(0);
    format!(
        "{:0width$}",
        hotp(secret, counter, DIGITS),
        width = DIGITS as usize
    )
}

/// The step of `code` within [`SKEW_STEPS`] of the time `unix_seconds`, if it is valid.
/// Spaces a user may type between digit groups are ignored; every candidate is compared
/// without an early exit.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_seconds);
    let mut found = None;
    for step in (now - SKEW_STEPS)..=(now + SKEW_STEPS) {
        if step >= 0 && constant_time_eq(code_for_step(secret, step).as_bytes(), code.as_bytes()) {
            found = found.or(Some(step));
        }
    }
    found
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps take secrets.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (either case, padding and spaces ignored); `None` on any other character.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !matches!(c, b'=' | b' ')) {
        let value = BASE32.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The `otpauth://` URI an authenticator app scans (as a QR code) or opens.
pub fn otpauth_uri(account: &str, secret_base32: &str) -> String {
    let issuer = percent_encode(ISSUER);
    format!(
        "otpauth://totp/{issuer}:{}?secret={secret_base32}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(account)
    )
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why a stored secret cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Sealed, and this server has no master key (or another one).
    #[error("the 2-step secret cannot be opened: {0}")]
    Unseal(String),
    /// Not a form this server writes.
    #[error("the stored 2-step secret is damaged")]
    Damaged,
}

/// The stored form of a secret: sealed with the master key when there is one.
pub fn store_secret(master: Option<&MasterKey>, secret: &[u8]) -> Result<String, SecretError> {
    let text = base32_encode(secret);
    match master {
        Some(key) => key
            .seal(&format!("{SEALED_KIND}{text}"))
            .map(|sealed| format!("{SEALED}{sealed}"))
            .map_err(|e| SecretError::Unseal(e.to_string())),
        None => Ok(format!("{PLAIN}{text}")),
    }
}

/// The secret back from its stored form.
pub fn open_secret(master: Option<&MasterKey>, stored: &str) -> Result<Vec<u8>, SecretError> {
    let text = if let Some(sealed) = stored.strip_prefix(SEALED) {
        let key = master.ok_or_else(|| {
            SecretError::Unseal("sealed with a master key this server does not have".into())
        })?;
        let opened = key
            .unseal(sealed)
            .map_err(|e| SecretError::Unseal(e.to_string()))?;
        opened
            .strip_prefix(SEALED_KIND)
            .ok_or(SecretError::Damaged)?
            .to_owned()
    } else {
        stored
            .strip_prefix(PLAIN)
            .ok_or(SecretError::Damaged)?
            .to_owned()
    };
    base32_decode(&text)
        .filter(|s| !s.is_empty())
        .ok_or(SecretError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1: the 8-digit codes; 6 digits are their last six.
        for (t, eight) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            let counter = step_at(t) as u64;
            assert_eq!(hotp(RFC_SECRET, counter, 8), eight, "T={t}");
            assert_eq!(
                code_for_step(RFC_SECRET, step_at(t)),
                format!("{:06}", eight % 1_000_000)
            );
        }
        assert_eq!(code_for_step(RFC_SECRET, step_at(59)), "287082");
    }

    #[test]
    fn rfc_4226_hotp_vectors() {
        let expected = [755224, 287082, 359152, 969429, 338314];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), *code);
        }
    }

    #[test]
    fn codes_match_within_one_step_only() {
        let t = 1_111_111_109;
        let step = step_at(t);
        let code = code_for_step(RFC_SECRET, step);
        assert_eq!(matching_step(RFC_SECRET, &code, t), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, t + 30), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, t - 30), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code, t + 90), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(RFC_SECRET, &spaced, t), Some(step));
        for bad in ["", "12345", "1234567", "abcdef", "２８７０８２"] {
            assert_eq!(matching_step(RFC_SECRET, bad, t), None, "{bad:?}");
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_encode(b"f"), "MY");
        assert_eq!(
            base32_encode(RFC_SECRET),
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        );
        assert_eq!(
            base32_decode("mzxw6ytboi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1"), None);
        let secret = new_secret();
        assert_eq!(base32_decode(&base32_encode(&secret)), Some(secret));
    }

    #[test]
    fn uri_names_issuer_account_and_parameters() {
        let uri = otpauth_uri("admin", "GEZDGNBV");
        assert_eq!(
            uri,
            "otpauth://totp/B%C3%ACnh%20Y%C3%AAn:admin?secret=GEZDGNBV&issuer=B%C3%ACnh%20Y%C3%AAn\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn secrets_are_sealed_when_a_master_key_exists() {
        let master = MasterKey::from_bytes([7; 32]);
        let stored = store_secret(Some(&master), RFC_SECRET).unwrap();
        assert!(stored.starts_with("sealed:"));
        assert!(!stored.contains(&base32_encode(RFC_SECRET)));
        assert_eq!(open_secret(Some(&master), &stored).unwrap(), RFC_SECRET);
        assert!(open_secret(None, &stored).is_err());
        let other = MasterKey::from_bytes([8; 32]);
        assert!(open_secret(Some(&other), &stored).is_err());
        // A sealed device key is not a TOTP secret.
        let device = format!("sealed:{}", master.seal("00112233").unwrap());
        assert!(open_secret(Some(&master), &device).is_err());

        let plain = store_secret(None, RFC_SECRET).unwrap();
        assert!(plain.starts_with("plain:"));
        assert_eq!(open_secret(None, &plain).unwrap(), RFC_SECRET);
        assert!(open_secret(None, "garbage").is_err());
    }
}
