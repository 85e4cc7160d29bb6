//! Building frames: the general [`MessageBuilder`] (for device simulators and tests) and the
//! receiver's responses [`ack_for`], [`nak`] and [`duh_for`].
//!
//! Builders write into a caller's `Vec<u8>` (`write_*`) or return a new one. Responses never
//! carry key material, and an encrypted ACK always gets a fresh random pad.

use crate::crc::crc16;
use crate::crypto::{self, is_pad_byte, PadSource};
use crate::error::{BuildError, Error, ResponseKind};
use crate::header::{Account, Header, Line, Receiver, Token, CR, LF};
use crate::hex;
use crate::key::Key;
use crate::message::Message;
use crate::time::Timestamp;

/// Builds any DC-09 frame, plain or encrypted.
///
/// ```
/// use dc09::{MessageBuilder, Token};
/// let frame = MessageBuilder::new(Token::SiaDcs)
///     .seq(1)
///     .receiver("F3")
///     .line("77")
///     .account("1234")
///     .data("#1234|NRR|Atest")
///     .build()
///     .unwrap();
/// assert_eq!(frame, b"\nF4D20029\"SIA-DCS\"0001RF3L77#1234[#1234|NRR|Atest]\r");
/// ```
#[derive(Clone, Debug)]
pub struct MessageBuilder {
    token: Token,
    seq: u16,
    receiver: Option<String>,
    line: String,
    account: Option<String>,
    data: String,
    xdata: Vec<(char, String)>,
    timestamp: Option<Timestamp>,
    pad: Option<Vec<u8>>,
}

impl MessageBuilder {
    /// A builder for `token`, with sequence 0, no receiver, line `0`, no account, empty data.
    pub fn new(token: Token) -> Self {
        MessageBuilder {
            token,
            seq: 0,
            receiver: None,
            line: "0".into(),
            account: None,
            data: String::new(),
            xdata: Vec::new(),
            timestamp: None,
            pad: None,
        }
    }

    /// A builder that reproduces a decoded header (token, seq, receiver, line, account).
    pub fn from_header(header: &Header) -> Self {
        let mut b = MessageBuilder::new(header.token)
            .seq(header.seq)
            .line(header.line.as_str());
        b.receiver = header.receiver.map(|r| r.as_str().to_owned());
        b.account = header.account.map(|a| a.as_str().to_owned());
        b
    }

    /// Sequence number, 0..=9999.
    pub fn seq(mut self, seq: u16) -> Self {
        self.seq = seq;
        self
    }

    /// Receiver number as 1–6 hex digits.
    pub fn receiver(mut self, receiver: &str) -> Self {
        self.receiver = Some(receiver.to_owned());
        self
    }

    /// Line (account prefix) as 1–6 hex digits.
    pub fn line(mut self, line: &str) -> Self {
        self.line = line.to_owned();
        self
    }

    /// Account as 3–16 hex digits.
    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.to_owned());
        self
    }

    /// The data block content verbatim, e.g. `#1234|Nri1/FA015`.
    pub fn data(mut self, data: &str) -> Self {
        self.data = data.to_owned();
        self
    }

    /// A Contact ID event `#acct|QEEE GG ZZZ` as data (set the account first).
    /// `qualifier` is 1, 3 or 6; the numbers are written in decimal.
    pub fn contact_id(mut self, qualifier: u8, code: u16, group: u8, zone: u16) -> Self {
        let acct = self.account.clone().unwrap_or_default();
        self.data = format!("#{acct}|{qualifier}{code:03} {group:02} {zone:03}");
        self
    }

    /// A SIA-DCS event block as data, prefixed with `#acct|` (set the account first),
    /// e.g. `sia("Nri1/FA015")`.
    pub fn sia(mut self, block: &str) -> Self {
        let acct = self.account.clone().unwrap_or_default();
        self.data = format!("#{acct}|{block}");
        self
    }

    /// Appends an extended data block `[<key><value>]`.
    pub fn xdata(mut self, key: char, value: &str) -> Self {
        self.xdata.push((key, value.to_owned()));
        self
    }

    /// Timestamp (mandatory for encrypted frames).
    pub fn timestamp(mut self, timestamp: Timestamp) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Uses these exact pad bytes instead of random ones (for reproducible test vectors). The
    /// pad must hold no `|`, `[`, `]`, `^` and make the plaintext a whole number of blocks.
    pub fn pad(mut self, pad: &[u8]) -> Self {
        self.pad = Some(pad.to_vec());
        self
    }

    fn checked_header(&self) -> Result<Header, BuildError> {
        if self.seq > 9999 {
            return Err(BuildError::BadSequence { seq: self.seq });
        }
        let field = |name: &'static str, value: &str| BuildError::BadField {
            field: name,
            value: value.to_owned(),
        };
        let receiver = match &self.receiver {
            Some(r) => Some(Receiver::new(r).ok_or_else(|| field("receiver", r))?),
            None => None,
        };
        let line = Line::new(&self.line).ok_or_else(|| field("line", &self.line))?;
        let account = match &self.account {
            Some(a) => Some(Account::new(a).ok_or_else(|| field("account", a))?),
            None if self.token == Token::Nak => None,
            None => {
                return Err(BuildError::MissingAccount {
                    token: self.token.to_string(),
                })
            }
        };
        for (part, text) in std::iter::once(("data", self.data.as_str()))
            .chain(self.xdata.iter().map(|(_, v)| ("xdata", v.as_str())))
        {
            if let Some(b) = text.bytes().find(|&b| matches!(b, b'[' | b']' | LF | CR)) {
                return Err(BuildError::ForbiddenByte { part, byte: b });
            }
        }
        if let Some((key, _)) = self.xdata.iter().find(|(k, _)| !k.is_ascii_uppercase()) {
            return Err(BuildError::BadXdataKey { key: *key });
        }
        Ok(Header {
            token: self.token,
            encrypted: false,
            seq: self.seq,
            receiver,
            line,
            account,
        })
    }

    /// The part after the data `[`: `data][xdata]…_timestamp`.
    fn write_content(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.data.as_bytes());
        out.push(b']');
        for (k, v) in &self.xdata {
            out.push(b'[');
            let mut buf = [0u8; 4];
            out.extend_from_slice(k.encode_utf8(&mut buf).as_bytes());
            out.extend_from_slice(v.as_bytes());
            out.push(b']');
        }
        if let Some(ts) = self.timestamp {
            out.push(b'_');
            ts.write_dc09(out);
        }
    }

    /// Appends the plain frame to `out`.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), BuildError> {
        let header = self.checked_header()?;
        let mut region = Vec::with_capacity(64 + self.data.len());
        write_region_start(&header, &mut region);
        self.write_content(&mut region);
        finish_frame(&region, out)
    }

    /// The plain frame.
    pub fn build(&self) -> Result<Vec<u8>, BuildError> {
        let mut out = Vec::new();
        self.write(&mut out)?;
        Ok(out)
    }

    /// Appends the encrypted frame to `out`, with a random pad from `pad` (unless an explicit
    /// pad was set with [`MessageBuilder::pad`]).
    pub fn write_encrypted(
        &self,
        key: &Key,
        pad: &mut (impl PadSource + ?Sized),
        out: &mut Vec<u8>,
    ) -> Result<(), BuildError> {
        let mut header = self.checked_header()?;
        if !self.token.is_encryptable() {
            return Err(BuildError::NotEncryptable {
                token: self.token.to_string(),
            });
        }
        if self.timestamp.is_none() {
            return Err(BuildError::MissingTimestamp);
        }
        header.encrypted = true;
        let mut content = Vec::with_capacity(48 + self.data.len());
        self.write_content(&mut content);
        let mut plain = Vec::with_capacity(content.len() + 17);
        match &self.pad {
            Some(p) => {
                if p.iter().any(|&b| !is_pad_byte(b)) {
                    return Err(BuildError::BadPad {
                        len: p.len(),
                        reason: "holds `|`, `[`, `]` or `^`",
                    });
                }
                if (p.len() + 1 + content.len()) % crypto::BLOCK != 0 {
                    return Err(BuildError::BadPad {
                        len: p.len(),
                        reason: "plaintext is not a whole number of 16-byte blocks",
                    });
                }
                plain.extend_from_slice(p);
            }
            None => {
                let n = crypto::pad_len(content.len());
                plain.resize(n, 0);
                crypto::random_pad(pad, &mut plain);
            }
        }
        plain.push(b'|');
        plain.extend_from_slice(&content);
        crypto::encrypt_in_place(key, &mut plain);
        let mut region = Vec::with_capacity(32 + plain.len() * 2);
        write_region_start(&header, &mut region);
        hex::encode_upper(&plain, &mut region);
        finish_frame(&region, out)
    }

    /// The encrypted frame.
    pub fn build_encrypted(
        &self,
        key: &Key,
        pad: &mut (impl PadSource + ?Sized),
    ) -> Result<Vec<u8>, BuildError> {
        let mut out = Vec::new();
        self.write_encrypted(key, pad, &mut out)?;
        Ok(out)
    }
}

/// Writes `"[*]TOKEN"seq[R]L#acct[`.
fn write_region_start(header: &Header, region: &mut Vec<u8>) {
    region.push(b'"');
    if header.encrypted {
        region.push(b'*');
    }
    region.extend_from_slice(header.token.as_str().as_bytes());
    region.push(b'"');
    header.write_fields(region);
    region.push(b'[');
}

/// Appends LF, CRC, length, `region` and CR to `out`.
fn finish_frame(region: &[u8], out: &mut Vec<u8>) -> Result<(), BuildError> {
    if region.len() > 0xFFF {
        return Err(BuildError::TooLong { len: region.len() });
    }
    out.reserve(region.len() + 10);
    out.push(LF);
    hex::push_fixed(u32::from(crc16(region)), 4, out);
    out.push(b'0');
    hex::push_fixed(region.len() as u32, 3, out);
    out.extend_from_slice(region);
    out.push(CR);
    Ok(())
}

/// Appends the ACK for `msg` to `out`: `"ACK"` echoing seq, receiver, line and account.
///
/// When `msg` was encrypted the ACK is `"*ACK"`, encrypted with `key`, with a fresh random pad
/// from `pad` and the receiver time `now` as its timestamp. A plain message gets a plain ACK
/// without timestamp, and `key`, `pad` and `now` are unused. No key material is ever written.
pub fn write_ack_for(
    msg: &Message,
    key: Option<&Key>,
    now: Timestamp,
    pad: &mut (impl PadSource + ?Sized),
    out: &mut Vec<u8>,
) -> Result<(), BuildError> {
    let account = msg.header.account.ok_or(BuildError::NoAccountToEcho)?;
    let header = Header {
        token: Token::Ack,
        encrypted: msg.header.encrypted,
        seq: msg.header.seq,
        receiver: msg.header.receiver,
        line: msg.header.line,
        account: Some(account),
    };
    let mut region = Vec::with_capacity(96);
    write_region_start(&header, &mut region);
    if header.encrypted {
        let key = key.ok_or(BuildError::MissingKey)?;
        // `]_HH:MM:SS,MM-DD-YYYY` is 21 bytes; pad + `|` + 21 = 32.
        let mut plain = [0u8; 32];
        let n = crypto::pad_len(21);
        crypto::random_pad(pad, &mut plain[..n]);
        plain[n] = b'|';
        plain[n + 1] = b']';
        plain[n + 2] = b'_';
        let mut ts = Vec::with_capacity(19);
        now.write_dc09(&mut ts);
        plain[n + 3..].copy_from_slice(&ts);
        crypto::encrypt_in_place(key, &mut plain);
        hex::encode_upper(&plain, &mut region);
    } else {
        region.push(b']');
    }
    finish_frame(&region, out)
}

/// The ACK for `msg` (see [`write_ack_for`]).
pub fn ack_for(
    msg: &Message,
    key: Option<&Key>,
    now: Timestamp,
    pad: &mut (impl PadSource + ?Sized),
) -> Result<Vec<u8>, BuildError> {
    let mut out = Vec::with_capacity(96);
    write_ack_for(msg, key, now, pad, &mut out)?;
    Ok(out)
}

/// The NAK: `"NAK"0000R0L0A0[]_<now>`, never encrypted. The panel may set its clock from it.
pub fn nak(now: Timestamp) -> Vec<u8> {
    let mut region = Vec::with_capacity(40);
    region.extend_from_slice(b"\"NAK\"0000R0L0A0[]_");
    now.write_dc09(&mut region);
    let mut out = Vec::with_capacity(50);
    // 37 bytes, well under the limit.
    let _ = finish_frame(&region, &mut out);
    out
}

/// The DUH for a frame whose header was read: `"DUH"` echoing seq, receiver, line and account
/// (`A0` if the header had none), never encrypted.
pub fn duh_for(header: &Header) -> Vec<u8> {
    let duh = Header {
        token: Token::Duh,
        encrypted: false,
        ..*header
    };
    let mut region = Vec::with_capacity(48);
    write_region_start(&duh, &mut region);
    region.push(b']');
    let mut out = Vec::with_capacity(60);
    let _ = finish_frame(&region, &mut out);
    out
}

/// The response to a frame that failed to decode with `error`: DUH echoing its header for an
/// unsupported token, otherwise a NAK stamped `now`.
pub fn reply_for_error(frame: &[u8], error: &Error, now: Timestamp) -> Vec<u8> {
    match (error.response_kind(), Header::peek(frame)) {
        (ResponseKind::Duh, Ok(header)) => duh_for(&header),
        _ => nak(now),
    }
}
