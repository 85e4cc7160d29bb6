//! Hex helpers for ciphertext, keys and header fields.

/// Value of one hex digit (either case).
#[inline]
pub(crate) fn nibble(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Uppercase hex digits.
const UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `data` as uppercase hex.
pub(crate) fn encode_upper(data: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len() * 2);
    for &b in data {
        out.push(UPPER[usize::from(b >> 4)]);
        out.push(UPPER[usize::from(b & 0xF)]);
    }
}

/// Appends `value` as exactly `width` uppercase hex digits (`value` must fit).
pub(crate) fn push_fixed(value: u32, width: u32, out: &mut Vec<u8>) {
    for shift in (0..width).rev() {
        out.push(UPPER[((value >> (4 * shift)) & 0xF) as usize]);
    }
}

/// Decodes hex into `out`; on failure returns the offset of the first bad digit
/// (or the length, for an odd number of digits).
pub(crate) fn decode(text: &[u8], out: &mut Vec<u8>) -> Result<(), usize> {
    if text.len() % 2 != 0 {
        return Err(text.len());
    }
    out.reserve(text.len() / 2);
    for (i, pair) in text.chunks_exact(2).enumerate() {
        let hi = nibble(pair[0]).ok_or(2 * i)?;
        let lo = nibble(pair[1]).ok_or(2 * i + 1)?;
        out.push(hi << 4 | lo);
    }
    Ok(())
}

/// Parses 1.. hex digits as a number (caller bounds the length).
pub(crate) fn value(text: &[u8]) -> Option<u64> {
    text.iter()
        .try_fold(0u64, |acc, &b| Some(acc << 4 | u64::from(nibble(b)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut hex = Vec::new();
        encode_upper(&[0x00, 0xAB, 0x7F], &mut hex);
        assert_eq!(hex, b"00AB7F");
        let mut back = Vec::new();
        decode(b"00ab7F", &mut back).unwrap();
        assert_eq!(back, [0x00, 0xAB, 0x7F]);
        assert_eq!(decode(b"0g", &mut Vec::new()), Err(1));
        assert_eq!(decode(b"abc", &mut Vec::new()), Err(3));
        let mut fixed = Vec::new();
        push_fixed(0x4B, 4, &mut fixed);
        assert_eq!(fixed, b"004B");
        assert_eq!(value(b"579BDF"), Some(0x579BDF));
    }
}
