//! The clear part of a frame: CRC and length checks, the id token and the
//! `seq [Rrcvr] Lpref #acct` header.
//!
//! [`Header::peek`] validates the frame envelope and reads the header without any key, so the
//! caller can find the account's key before calling [`Message::decode`](crate::Message::decode).

use crate::crc::crc16;
use crate::error::{show, Error};
use crate::hex;
use std::fmt;

/// Line feed, the first byte of every frame.
pub const LF: u8 = 0x0A;
/// Carriage return, the last byte of every frame.
pub const CR: u8 = 0x0D;

/// The longest frame the length field can describe: LF, CRC (4), `0LLL` (4), 0xFFF bytes, CR.
pub const MAX_FRAME_LEN: usize = 1 + 4 + 4 + 0xFFF + 1;

macro_rules! hex_field {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $min:literal, $max:literal) => {
        $(#[$doc])*
        ///
        /// Kept exactly as received (case and leading zeros), so that responses echo it verbatim.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name {
            len: u8,
            buf: [u8; $max],
        }

        impl $name {
            /// Fewest hex digits allowed.
            pub const MIN_DIGITS: usize = $min;
            /// Most hex digits allowed.
            pub const MAX_DIGITS: usize = $max;

            /// The field from its hex digits (without the prefix letter), if the syntax is valid.
            pub fn new(digits: &str) -> Option<Self> {
                Self::from_bytes(digits.as_bytes())
            }

            pub(crate) fn from_bytes(digits: &[u8]) -> Option<Self> {
                if digits.len() < $min || digits.len() > $max || !digits.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
                let mut buf = [0u8; $max];
                buf[..digits.len()].copy_from_slice(digits);
                Some(Self { len: digits.len() as u8, buf })
            }

            /// The hex digits as received.
            pub fn as_str(&self) -> &str {
                // Only ASCII hex digits are ever stored.
                std::str::from_utf8(self.as_bytes()).unwrap_or_default()
            }

            pub(crate) fn as_bytes(&self) -> &[u8] {
                &self.buf[..usize::from(self.len)]
            }

            /// The numeric value of the hex digits.
            pub fn value(&self) -> u64 {
                hex::value(self.as_bytes()).unwrap_or_default()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.as_str())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

hex_field!(
    /// Receiver number, the `R` field: 1–6 hex digits.
    Receiver, "R", 1, 6
);
hex_field!(
    /// Line (account prefix), the `L` field: 1–6 hex digits; `0` when unused.
    Line, "L", 1, 6
);
hex_field!(
    /// Account number, the `#` field: 3–16 hex digits.
    Account, "#", 3, 16
);

/// The name inside the quotes of an id token not known to this crate (at most 16 bytes).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenName {
    len: u8,
    buf: [u8; 16],
}

impl TokenName {
    /// The token text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for TokenName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

/// The id token of a frame, without its quotes and without the `*` of encryption.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// `SIA-DCS`: SIA DC-03 event data.
    SiaDcs,
    /// `ADM-CID`: Ademco Contact ID (DC-05) event data.
    AdmCid,
    /// `NULL`: link test (supervision).
    Null,
    /// `ACK`: positive acknowledgement.
    Ack,
    /// `NAK`: negative acknowledgement (never encrypted).
    Nak,
    /// `DUH`: well formed but not supported (never encrypted).
    Duh,
    /// `RSP`: response data (DC-09-2026); parsed, not acted on.
    Rsp,
    /// `XNM`: extended null message (DC-09-2026); a link test.
    Xnm,
    /// Any other well-formed token (legacy formats such as `SIA-S2K`); answered with DUH.
    Other(TokenName),
}

impl Token {
    /// The token text as written between the quotes (without `*`).
    pub fn as_str(&self) -> &str {
        match self {
            Token::SiaDcs => "SIA-DCS",
            Token::AdmCid => "ADM-CID",
            Token::Null => "NULL",
            Token::Ack => "ACK",
            Token::Nak => "NAK",
            Token::Duh => "DUH",
            Token::Rsp => "RSP",
            Token::Xnm => "XNM",
            Token::Other(name) => name.as_str(),
        }
    }

    /// The token for a name, if it is syntactically valid: 1–16 bytes of `A-Z`, `0-9`, `-`, `_`.
    pub fn from_name(name: &str) -> Option<Token> {
        Token::from_bytes(name.as_bytes())
    }

    fn from_bytes(name: &[u8]) -> Option<Token> {
        Some(match name {
            b"SIA-DCS" => Token::SiaDcs,
            b"ADM-CID" => Token::AdmCid,
            b"NULL" => Token::Null,
            b"ACK" => Token::Ack,
            b"NAK" => Token::Nak,
            b"DUH" => Token::Duh,
            b"RSP" => Token::Rsp,
            b"XNM" => Token::Xnm,
            _ => {
                let valid = !name.is_empty()
                    && name.len() <= 16
                    && name.iter().all(|&b| {
                        b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                    });
                if !valid {
                    return None;
                }
                let mut buf = [0u8; 16];
                buf[..name.len()].copy_from_slice(name);
                Token::Other(TokenName {
                    len: name.len() as u8,
                    buf,
                })
            }
        })
    }

    /// Whether this crate decodes messages with this token (everything but [`Token::Other`]).
    pub fn is_supported(&self) -> bool {
        !matches!(self, Token::Other(_))
    }

    /// Whether the token is a response (ACK, NAK, DUH), which is never answered.
    pub fn is_response(&self) -> bool {
        matches!(self, Token::Ack | Token::Nak | Token::Duh)
    }

    /// Whether the token may carry the `*` of an encrypted body (all but NAK and DUH).
    pub fn is_encryptable(&self) -> bool {
        !matches!(self, Token::Nak | Token::Duh)
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The clear header of a frame: everything needed to pick a key and to build a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Header {
    /// The id token.
    pub token: Token,
    /// Whether the token had a `*` (encrypted body).
    pub encrypted: bool,
    /// Sequence number, 0..=9999.
    pub seq: u16,
    /// Receiver number, if the sender included one.
    pub receiver: Option<Receiver>,
    /// Line (account prefix).
    pub line: Line,
    /// Account; `None` only for the `A0` form a NAK uses.
    pub account: Option<Account>,
}

/// The checked parts of a frame.
pub(crate) struct Envelope<'a> {
    /// The region covered by CRC and length: from the opening quote to the byte before CR.
    pub region: &'a [u8],
}

/// Checks LF/CR, size, control bytes, the length field and the CRC.
///
/// The length is checked before the CRC: a length mismatch is the clearer report of a truncated
/// or padded frame.
pub(crate) fn envelope(frame: &[u8]) -> Result<Envelope<'_>, Error> {
    if frame.len() > MAX_FRAME_LEN {
        return Err(Error::FrameTooLong {
            len: frame.len(),
            max: MAX_FRAME_LEN,
        });
    }
    if frame.first() != Some(&LF) {
        return Err(Error::MissingLf {
            first: frame.first().copied(),
        });
    }
    if frame.len() < 2 || frame.last() != Some(&CR) {
        return Err(Error::MissingCr { len: frame.len() });
    }
    let inner = &frame[1..frame.len() - 1];
    if let Some(i) = inner.iter().position(|&b| b == LF || b == CR) {
        return Err(Error::StrayControl {
            offset: i + 1,
            byte: inner[i],
        });
    }
    // CRC(4) + length(4) + the shortest region `"X"0000L0#000[]` (14).
    if inner.len() < 8 + 14 {
        return Err(Error::TooShort { len: frame.len() });
    }
    let (crc_field, rest) = inner.split_at(4);
    let (len_field, region) = rest.split_at(4);
    let stated_len = match (len_field[0], hex::value(&len_field[1..])) {
        (b'0', Some(v)) if len_field[1..].iter().all(u8::is_ascii_hexdigit) => v as usize,
        _ => {
            return Err(Error::BadLengthField {
                field: show(len_field),
            })
        }
    };
    if stated_len != region.len() {
        return Err(Error::LengthMismatch {
            stated: stated_len,
            actual: region.len(),
        });
    }
    let stated_crc = match hex::value(crc_field) {
        Some(v) if crc_field.iter().all(u8::is_ascii_hexdigit) => v as u16,
        _ => {
            return Err(Error::BadCrcField {
                field: show(crc_field),
            })
        }
    };
    let computed = crc16(region);
    if stated_crc != computed {
        return Err(Error::CrcMismatch {
            stated: stated_crc,
            computed,
        });
    }
    Ok(Envelope { region })
}

/// Takes the bytes of `s` while `pred` holds.
fn take_while(s: &[u8], pred: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().position(|&b| !pred(b)).unwrap_or(s.len());
    s.split_at(n)
}

/// Parses the header at the start of `region`; returns it and the body starting at `[`.
pub(crate) fn parse_header(region: &[u8]) -> Result<(Header, &[u8]), Error> {
    // "id"
    let bad_token = || Error::BadToken {
        token: show(&region[..region.len().min(20)]),
    };
    let rest = region.strip_prefix(b"\"").ok_or_else(bad_token)?;
    let close = rest
        .iter()
        .take(18)
        .position(|&b| b == b'"')
        .ok_or_else(bad_token)?;
    let (name, rest) = (&rest[..close], &rest[close + 1..]);
    let (encrypted, name) = match name.strip_prefix(b"*") {
        Some(n) => (true, n),
        None => (false, name),
    };
    let token = Token::from_bytes(name).ok_or_else(bad_token)?;
    if encrypted && !token.is_encryptable() {
        return Err(bad_token());
    }

    // seq: 4 decimal digits.
    if rest.len() < 4 || !rest[..4].iter().all(u8::is_ascii_digit) {
        return Err(Error::BadSequence {
            field: show(&rest[..rest.len().min(4)]),
        });
    }
    let seq = rest[..4]
        .iter()
        .fold(0u16, |acc, &b| acc * 10 + u16::from(b - b'0'));
    let mut rest = &rest[4..];

    // [Rrcvr]
    let mut receiver = None;
    if let Some(after) = rest.strip_prefix(b"R") {
        let (digits, after) = take_while(after, |b| b.is_ascii_hexdigit());
        receiver = Some(
            Receiver::from_bytes(digits).ok_or_else(|| Error::BadReceiver {
                field: show(&rest[..(digits.len() + 2).min(rest.len())]),
            })?,
        );
        rest = after;
    }

    // Lpref: hex digits up to `#` (or up to `[` for the NAK form `L0A0`).
    let after_l = rest.strip_prefix(b"L").ok_or_else(|| Error::BadLine {
        field: show(&rest[..rest.len().min(8)]),
    })?;
    let (run, after_run) = take_while(after_l, |b| b.is_ascii_hexdigit());
    let (line_digits, account, rest) = match after_run.first() {
        Some(b'#') => {
            let (acct, after) = take_while(&after_run[1..], |b| b.is_ascii_hexdigit());
            let account = Account::from_bytes(acct).ok_or_else(|| Error::BadAccount {
                field: show(&after_run[..(acct.len() + 2).min(after_run.len())]),
            })?;
            (run, Some(account), after)
        }
        Some(b'[') if token == Token::Nak => {
            // `L0A0`: the `A` is itself a hex digit, so split the run at its last `A`.
            let split = run
                .iter()
                .rposition(|&b| b == b'A')
                .ok_or_else(|| Error::BadAccount { field: show(run) })?;
            if split + 1 == run.len() {
                return Err(Error::BadAccount { field: show(run) });
            }
            (&run[..split], None, after_run)
        }
        _ => {
            return Err(Error::BadAccount {
                field: show(&after_run[..after_run.len().min(18)]),
            })
        }
    };
    let line = Line::from_bytes(line_digits).ok_or_else(|| Error::BadLine {
        field: show(line_digits),
    })?;
    if rest.first() != Some(&b'[') {
        return Err(Error::BadAccount {
            field: show(&rest[..rest.len().min(18)]),
        });
    }
    Ok((
        Header {
            token,
            encrypted,
            seq,
            receiver,
            line,
            account,
        },
        rest,
    ))
}

impl Header {
    /// Validates the frame envelope (LF, CR, length, CRC) and reads the clear header.
    ///
    /// `frame` is one whole frame from LF to CR, as returned by
    /// [`StreamDecoder::next_frame`](crate::StreamDecoder::next_frame) or received in one UDP
    /// datagram. No key is needed: use the account to find it, then call
    /// [`Message::decode`](crate::Message::decode). Unknown tokens succeed here as
    /// [`Token::Other`], so the caller can answer them with [`duh_for`](crate::duh_for).
    pub fn peek(frame: &[u8]) -> Result<Header, Error> {
        let env = envelope(frame)?;
        parse_header(env.region).map(|(h, _)| h)
    }

    /// Writes `"TOKEN"seq[Rrcvr]Lline#acct` (or `A0` for a missing account) for `token`.
    pub(crate) fn write_fields(&self, out: &mut Vec<u8>) {
        let seq = self.seq.min(9999);
        out.extend_from_slice(&[
            b'0' + (seq / 1000) as u8,
            b'0' + (seq / 100 % 10) as u8,
            b'0' + (seq / 10 % 10) as u8,
            b'0' + (seq % 10) as u8,
        ]);
        if let Some(r) = &self.receiver {
            out.push(b'R');
            out.extend_from_slice(r.as_bytes());
        }
        out.push(b'L');
        out.extend_from_slice(self.line.as_bytes());
        match &self.account {
            Some(a) => {
                out.push(b'#');
                out.extend_from_slice(a.as_bytes());
            }
            None => out.extend_from_slice(b"A0"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(region: &str) -> Vec<u8> {
        let mut f = format!("\n{:04X}0{:03X}", crc16(region.as_bytes()), region.len()).into_bytes();
        f.extend_from_slice(region.as_bytes());
        f.push(CR);
        f
    }

    #[test]
    fn peeks_full_header() {
        let f = frame(r#""SIA-DCS"9876R579BDFL789ABC#123456A[#123456A|NFA129][M1234567890AB]"#);
        let h = Header::peek(&f).unwrap();
        assert_eq!(h.token, Token::SiaDcs);
        assert!(!h.encrypted);
        assert_eq!(h.seq, 9876);
        assert_eq!(h.receiver.unwrap().as_str(), "579BDF");
        assert_eq!(h.receiver.unwrap().value(), 0x579BDF);
        assert_eq!(h.line.as_str(), "789ABC");
        assert_eq!(h.account.unwrap().as_str(), "123456A");
    }

    #[test]
    fn peeks_nak_form() {
        let f = frame(r#""NAK"0000R0L0A0[]_16:20:01,09-24-2025"#);
        let h = Header::peek(&f).unwrap();
        assert_eq!(h.token, Token::Nak);
        assert_eq!(h.line.as_str(), "0");
        assert_eq!(h.receiver.unwrap().as_str(), "0");
        assert_eq!(h.account, None);
    }

    #[test]
    fn unknown_token_peeks_as_other() {
        let f = frame(r#""SIA-S2K"0001L0#1234[]"#);
        let h = Header::peek(&f).unwrap();
        assert_eq!(h.token.as_str(), "SIA-S2K");
        assert!(!h.token.is_supported());
    }

    #[test]
    fn header_field_errors() {
        type Check = fn(&Error) -> bool;
        let cases: &[(&str, Check)] = &[
            (r#""SIA DCS"0001L0#1234[]"#, |e| {
                matches!(e, Error::BadToken { .. })
            }),
            (r#"SIA-DCS0001L0#1234[]"#, |e| {
                matches!(e, Error::BadToken { .. })
            }),
            (r#""*NAK"0001L0#1234[]"#, |e| {
                matches!(e, Error::BadToken { .. })
            }),
            (r#""*DUH"0001L0#1234[]"#, |e| {
                matches!(e, Error::BadToken { .. })
            }),
            (r#""ACK"00A1L0#1234[]"#, |e| {
                matches!(e, Error::BadSequence { .. })
            }),
            (r#""ACK"001L0#1234[]  "#, |e| {
                matches!(e, Error::BadSequence { .. })
            }),
            (r#""ACK"0001RL0#1234[]"#, |e| {
                matches!(e, Error::BadReceiver { .. })
            }),
            (r#""ACK"0001R1234567L0#1234[]"#, |e| {
                matches!(e, Error::BadReceiver { .. })
            }),
            (r#""ACK"0001R1#1234[]"#, |e| {
                matches!(e, Error::BadLine { .. })
            }),
            (r#""ACK"0001L#1234[]"#, |e| {
                matches!(e, Error::BadLine { .. })
            }),
            (r#""ACK"0001L1234567#1234[]"#, |e| {
                matches!(e, Error::BadLine { .. })
            }),
            (r#""ACK"0001L0#12[]"#, |e| {
                matches!(e, Error::BadAccount { .. })
            }),
            (r#""ACK"0001L0#12345678901234567[]"#, |e| {
                matches!(e, Error::BadAccount { .. })
            }),
            (r#""ACK"0001L0#12G4[]"#, |e| {
                matches!(e, Error::BadAccount { .. })
            }),
            (r#""ACK"0001L0A0[]xxxxxxxx"#, |e| {
                matches!(e, Error::BadAccount { .. })
            }),
            (r#""NAK"0001L0A[]xxxxxxxxx"#, |e| {
                matches!(e, Error::BadAccount { .. })
            }),
        ];
        for (region, check) in cases {
            let err = Header::peek(&frame(region)).unwrap_err();
            assert!(check(&err), "{region}: {err:?}");
        }
    }

    #[test]
    fn envelope_errors() {
        let good = frame(r#""SIA-DCS"0001L0#1234[]"#);
        assert!(Header::peek(&good).is_ok());

        let mut no_lf = good.clone();
        no_lf[0] = b'X';
        assert_eq!(
            Header::peek(&no_lf),
            Err(Error::MissingLf { first: Some(b'X') })
        );

        let no_cr = &good[..good.len() - 1];
        assert!(matches!(Header::peek(no_cr), Err(Error::MissingCr { .. })));

        let mut stray = good.clone();
        stray[15] = CR;
        assert_eq!(
            Header::peek(&stray),
            Err(Error::StrayControl {
                offset: 15,
                byte: CR
            })
        );

        let mut bad_crc = good.clone();
        bad_crc[20] = b'2';
        assert!(matches!(
            Header::peek(&bad_crc),
            Err(Error::CrcMismatch { .. })
        ));

        let mut bad_crc_field = good.clone();
        bad_crc_field[2] = b'G';
        assert!(matches!(
            Header::peek(&bad_crc_field),
            Err(Error::BadCrcField { .. })
        ));

        let mut bad_len_field = good.clone();
        bad_len_field[5] = b'1';
        assert!(matches!(
            Header::peek(&bad_len_field),
            Err(Error::BadLengthField { .. })
        ));

        let mut short = good.clone();
        short.remove(20);
        assert!(matches!(
            Header::peek(&short),
            Err(Error::LengthMismatch { .. })
        ));

        let mut huge = vec![LF];
        huge.resize(MAX_FRAME_LEN + 1, b'A');
        assert!(matches!(
            Header::peek(&huge),
            Err(Error::FrameTooLong { .. })
        ));

        assert!(matches!(Header::peek(b"\n\r"), Err(Error::TooShort { .. })));
        assert_eq!(Header::peek(b""), Err(Error::MissingLf { first: None }));
    }
}
