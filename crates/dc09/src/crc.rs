//! CRC-16/ARC, the checksum of a DC-09 frame.
//!
//! Polynomial 0x8005 (reflected 0xA001), initial value 0, no final XOR: the same table as
//! SIA DC-07 Appendix B. In a frame it covers the bytes from the opening quote of the id token up
//! to the last byte before the closing CR, and is written as four uppercase hex digits.

/// Slice-by-8 lookup tables, built at compile time. `TABLES[0]` is the classic byte-wise
/// table; `TABLES[k]` advances a byte through `k` further zero bytes, so eight input bytes are
/// folded in with eight independent lookups instead of a chain of eight dependent ones.
static TABLES: [[u16; 256]; 8] = build_tables();

const fn build_tables() -> [[u16; 256]; 8] {
    let mut tables = [[0u16; 256]; 8];
    tables[0] = build_table();
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[k - 1][i];
            tables[k][i] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    tables
}

const fn build_table() -> [u16; 256] {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u16;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xA001
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// Computes CRC-16/ARC over `data`.
///
/// ```
/// assert_eq!(dc09::crc16(b"123456789"), 0xBB3D);
/// ```
pub fn crc16(data: &[u8]) -> u16 {
    let t = &TABLES;
    let mut crc = 0u16;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let x = crc ^ u16::from_le_bytes([c[0], c[1]]);
        crc = t[7][usize::from(x & 0xFF)]
            ^ t[6][usize::from(x >> 8)]
            ^ t[5][usize::from(c[2])]
            ^ t[4][usize::from(c[3])]
            ^ t[3][usize::from(c[4])]
            ^ t[2][usize::from(c[5])]
            ^ t[1][usize::from(c[6])]
            ^ t[0][usize::from(c[7])];
    }
    chunks.remainder().iter().fold(crc, |crc, &byte| {
        (crc >> 8) ^ t[0][usize::from((crc ^ u16::from(byte)) & 0xFF)]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit-by-bit reference implementation, to check the table.
    fn slow(data: &[u8]) -> u16 {
        let mut crc = 0u16;
        for &b in data {
            crc ^= u16::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xA001
                } else {
                    crc >> 1
                };
            }
        }
        crc
    }

    #[test]
    fn catalogue_check_value() {
        // The check value of CRC-16/ARC in the CRC catalogue.
        assert_eq!(crc16(b"123456789"), 0xBB3D);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn spec_vector() {
        let body = br#""SIA-DCS"9876R579BDFL789ABC#123456A[#123456A|NFA129][M1234567890AB]"#;
        assert_eq!(crc16(body), 0x8C86);
    }

    proptest::proptest! {
        #[test]
        fn table_matches_bitwise(data: Vec<u8>) {
            proptest::prop_assert_eq!(crc16(&data), slow(&data));
        }
    }
}
