//! Errors of decoding ([`Error`]) and building ([`BuildError`]) frames, and the response each
//! decoding error calls for ([`ResponseKind`]).

use crate::time::{Timestamp, Window};

/// At most this many bytes of offending input are copied into an error.
const SHOWN: usize = 40;

/// The offending bytes as text, cut to a readable length.
pub(crate) fn show(bytes: &[u8]) -> String {
    let cut = &bytes[..bytes.len().min(SHOWN)];
    let mut text = String::from_utf8_lossy(cut).into_owned();
    if bytes.len() > SHOWN {
        text.push('…');
    }
    text
}

/// What the receiver should send back for a frame that failed to decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseKind {
    /// `"NAK"0000R0L0A0[]_<receiver time>`: the frame was not received correctly (or its
    /// timestamp was outside the window); the panel retries and may resync its clock.
    Nak,
    /// `"DUH"` echoing the header: the frame is well formed but its id token is not supported.
    Duh,
}

/// Why the frame could not be decrypted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// A character of the ciphertext is not a hex digit.
    #[error("ciphertext character at offset {offset} is not a hex digit")]
    NotHex {
        /// Offset in the ciphertext.
        offset: usize,
    },
    /// The ciphertext is empty or not a whole number of 16-byte blocks.
    #[error("ciphertext of {hex_digits} hex digits is not a whole number of aes blocks")]
    BadLength {
        /// Number of hex digits received.
        hex_digits: usize,
    },
    /// The plaintext has no `]` closing the data block.
    #[error("plaintext has no closing bracket (wrong key?)")]
    NoDataEnd,
    /// The plaintext after the pad holds control or non-ASCII bytes, the usual result of a wrong
    /// key.
    #[error("plaintext holds byte {byte:#04x}, not printable ascii (wrong key?)")]
    Garbled {
        /// The first control byte found.
        byte: u8,
    },
    /// What follows the data block inside the ciphertext is neither extended data nor a
    /// timestamp, the other usual result of a wrong key.
    #[error("plaintext after the data block is not extended data or a timestamp (wrong key?)")]
    GarbledTail,
}

/// Why a frame was rejected. Every variant carries the offending data.
///
/// [`Error::response_kind`] says whether to answer NAK or DUH.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The frame does not start with LF (0x0A).
    #[error("frame does not start with lf (first byte {first:?})")]
    MissingLf {
        /// The first byte, if any.
        first: Option<u8>,
    },
    /// The frame does not end with CR (0x0D), or a new LF arrived before the CR.
    #[error("frame of {len} bytes does not end with cr")]
    MissingCr {
        /// Bytes received for this frame.
        len: usize,
    },
    /// LF or CR inside the frame, where neither may appear.
    #[error("stray control byte {byte:#04x} at offset {offset} inside the frame")]
    StrayControl {
        /// Offset from the start of the frame.
        offset: usize,
        /// The LF or CR byte.
        byte: u8,
    },
    /// The frame is longer than allowed; in a stream it was skipped up to the next LF.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLong {
        /// Bytes seen (in a stream: at least this many).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The frame is too short to hold CRC, length and header.
    #[error("frame of {len} bytes is too short for a dc-09 header")]
    TooShort {
        /// Frame length.
        len: usize,
    },
    /// The CRC field is not four hex digits.
    #[error("crc field {field:?} is not 4 hex digits")]
    BadCrcField {
        /// The field as received.
        field: String,
    },
    /// The CRC in the frame differs from the CRC of its content.
    #[error("crc mismatch: frame says {stated:04X}, content gives {computed:04X}")]
    CrcMismatch {
        /// CRC written in the frame.
        stated: u16,
        /// CRC computed over the content.
        computed: u16,
    },
    /// The length field is not `0` followed by three hex digits.
    #[error("length field {field:?} is not `0` and 3 hex digits")]
    BadLengthField {
        /// The field as received.
        field: String,
    },
    /// The length in the frame differs from the length of its content.
    #[error("length mismatch: frame says {stated}, content is {actual} bytes")]
    LengthMismatch {
        /// Length written in the frame.
        stated: usize,
        /// Length of the content.
        actual: usize,
    },
    /// The id token is not a quoted, printable token (or `*` on NAK/DUH).
    #[error("malformed id token {token:?}")]
    BadToken {
        /// The token text as received.
        token: String,
    },
    /// A well-formed id token this crate does not decode; answer DUH.
    #[error("unsupported id token {token:?}")]
    UnsupportedToken {
        /// The token without quotes or `*`.
        token: String,
        /// Whether it carried the `*` of an encrypted body.
        encrypted: bool,
    },
    /// The sequence number is not four decimal digits.
    #[error("sequence number {field:?} is not 4 decimal digits")]
    BadSequence {
        /// The field as received.
        field: String,
    },
    /// The receiver field is not `R` and 1–6 hex digits.
    #[error("receiver field {field:?} is not `R` and 1-6 hex digits")]
    BadReceiver {
        /// The field as received.
        field: String,
    },
    /// The line (account prefix) field is missing or not `L` and 1–6 hex digits.
    #[error("line field {field:?} is not `L` and 1-6 hex digits")]
    BadLine {
        /// The field as received.
        field: String,
    },
    /// The account field is missing or not `#` and 3–16 hex digits.
    #[error("account field {field:?} is not `#` and 3-16 hex digits")]
    BadAccount {
        /// The field as received.
        field: String,
    },
    /// The data block or what follows it is malformed.
    #[error("malformed body at offset {offset}: {reason}")]
    BadBody {
        /// Offset in the (decrypted) body, counted from the `[` of the data block.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// An extended data block is malformed.
    #[error("malformed extended data block {field:?}")]
    BadXdata {
        /// The block as received.
        field: String,
    },
    /// The timestamp is not `_HH:MM:SS,MM-DD-YYYY` with valid values.
    #[error("timestamp {field:?} is not a valid _HH:MM:SS,MM-DD-YYYY")]
    BadTimestamp {
        /// The field as received.
        field: String,
    },
    /// An encrypted message without the mandatory timestamp.
    #[error("encrypted message has no timestamp")]
    MissingTimestamp,
    /// The timestamp of an encrypted message is outside the accepted window.
    #[error("timestamp {timestamp} is {drift} s from receiver time {now}, outside +{}/-{} s", window.ahead, window.behind)]
    TimestampOutOfWindow {
        /// Time in the message.
        timestamp: Timestamp,
        /// Receiver time passed to the decoder.
        now: Timestamp,
        /// `timestamp - now` in seconds.
        drift: i64,
        /// The window that was applied.
        window: Window,
    },
    /// The encrypted body could not be decrypted.
    #[error("undecryptable body: {reason}")]
    Undecryptable {
        /// What went wrong.
        #[source]
        reason: DecryptError,
    },
    /// The frame is encrypted and no key was supplied for its account.
    #[error("encrypted frame for account {account:?} but no key was supplied")]
    MissingKey {
        /// The account from the clear header (`None` for the `A0` form).
        account: Option<String>,
    },
    /// The event data of an ADM-CID or SIA-DCS block cannot be decoded.
    #[error("undecodable event data {data:?}: {reason}")]
    BadEvent {
        /// The data block as received.
        data: String,
        /// What was wrong.
        reason: &'static str,
    },
}

impl Error {
    /// The response this error calls for: DUH for an unsupported id token, NAK otherwise.
    ///
    /// Unknown *event codes* are not errors: such events are decoded as
    /// [`Category::Unknown`](crate::Category::Unknown) and the message is ACKed.
    pub fn response_kind(&self) -> ResponseKind {
        match self {
            Error::UnsupportedToken { .. } => ResponseKind::Duh,
            _ => ResponseKind::Nak,
        }
    }
}

/// Why a frame could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The sequence number is above 9999.
    #[error("sequence number {seq} is above 9999")]
    BadSequence {
        /// The number given.
        seq: u16,
    },
    /// A header field has the wrong syntax.
    #[error("{field} {value:?} is not valid")]
    BadField {
        /// `"receiver"`, `"line"`, `"account"` or `"token"`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// The message needs an account (only NAK may use the `A0` form).
    #[error("a {token} message needs an account")]
    MissingAccount {
        /// The token being built.
        token: String,
    },
    /// Data or extended data holds a byte that cannot appear there.
    #[error("{part} holds forbidden byte {byte:#04x}")]
    ForbiddenByte {
        /// `"data"` or `"xdata"`.
        part: &'static str,
        /// The byte.
        byte: u8,
    },
    /// An extended data key is not an uppercase ASCII letter.
    #[error("extended data key {key:?} is not an uppercase letter")]
    BadXdataKey {
        /// The key given.
        key: char,
    },
    /// Encryption was asked for a token that is never encrypted (NAK, DUH).
    #[error("{token} messages are never encrypted")]
    NotEncryptable {
        /// The token.
        token: String,
    },
    /// An encrypted message was built without the mandatory timestamp.
    #[error("encrypted messages need a timestamp")]
    MissingTimestamp,
    /// The message being answered was encrypted and no key was given for the ACK.
    #[error("the message was encrypted; its ack needs the account key")]
    MissingKey,
    /// An explicit pad is invalid.
    #[error("pad of {len} bytes is invalid: {reason}")]
    BadPad {
        /// Pad length given.
        len: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The region covered by the length field would exceed 0xFFF bytes.
    #[error("message of {len} bytes exceeds the 4095 bytes a length field can state")]
    TooLong {
        /// Length of the region.
        len: usize,
    },
    /// The message to answer carries no account (it is itself a NAK).
    #[error("cannot answer a message without an account")]
    NoAccountToEcho,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_kinds() {
        let duh = Error::UnsupportedToken {
            token: "SIA-S2K".into(),
            encrypted: false,
        };
        assert_eq!(duh.response_kind(), ResponseKind::Duh);
        assert_eq!(
            Error::CrcMismatch {
                stated: 1,
                computed: 2
            }
            .response_kind(),
            ResponseKind::Nak
        );
        assert_eq!(Error::MissingTimestamp.response_kind(), ResponseKind::Nak);
    }

    #[test]
    fn messages_are_lowercase_and_carry_data() {
        let e = Error::LengthMismatch {
            stated: 0x78,
            actual: 0x33,
        };
        assert_eq!(
            e.to_string(),
            "length mismatch: frame says 120, content is 51 bytes"
        );
        let e = Error::CrcMismatch {
            stated: 0x9618,
            computed: 0xB7C9,
        };
        assert_eq!(
            e.to_string(),
            "crc mismatch: frame says 9618, content gives B7C9"
        );
        assert_eq!(show(&[b'a'; 50]).chars().count(), SHOWN + 1);
    }
}
