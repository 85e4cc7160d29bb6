//! Decoding a whole frame into a [`Message`]: decryption, data block, extended data,
//! timestamp and its window, and event payloads.

use crate::crypto;
use crate::error::{show, DecryptError, Error};
use crate::event::{parse_contact_id, parse_sia, Event};
use crate::header::{envelope, parse_header, Account, Header, Line, Receiver, Token};
use crate::key::Key;
use crate::time::{Timestamp, Window};
use crate::xdata::{Location, XData};
use std::fmt;

/// A decoded DC-09 message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Message {
    /// The clear header.
    pub header: Header,
    /// The data block content, decrypted and without pad, e.g. `#1234|1110 01 015`.
    pub data: String,
    /// Decoded events; empty for NULL, ACK and other messages without event data.
    pub events: Vec<Event>,
    /// Extended data blocks in order, verbatim.
    pub xdata: Vec<XData>,
    /// The message timestamp, if present (always present when encrypted).
    pub timestamp: Option<Timestamp>,
    /// The account written inside the data block (`#acct|…`), if any.
    pub data_account: Option<String>,
}

/// A stable identity of a message's content, to recognise retransmissions.
///
/// Computed over token, account, receiver, line, sequence number, data and extended data —
/// not over the pad or ciphertext (a retransmitted encrypted frame carries a fresh pad) and not
/// over the timestamp (a panel that retransmits an encrypted message must refresh it to pass the
/// window). Sequence numbers wrap at 10000, so compare keys only within a bounded time horizon
/// (minutes, not days). The value is FNV-1a 128 and does not change between releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey(pub u128);

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// FNV-1a, 128-bit.
struct Fnv(u128);

impl Fnv {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    fn field(&mut self, bytes: &[u8]) {
        // Length-prefix each field so that field boundaries cannot be shifted.
        for &b in (bytes.len() as u32).to_le_bytes().iter().chain(bytes) {
            self.0 ^= u128::from(b);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }
}

/// What follows the data block: extended data and the timestamp.
struct Tail {
    xdata: Vec<XData>,
    timestamp: Option<Timestamp>,
}

/// Parses `[xdata]… [_timestamp]` that follows the `]` of the data block. `base` is the offset
/// of `tail` in the body, for error reports.
fn parse_tail(tail: &[u8], base: usize) -> Result<Tail, Error> {
    let mut xdata = Vec::new();
    let mut i = 0;
    while i < tail.len() {
        match tail[i] {
            b'[' => {
                let len = tail[i + 1..]
                    .iter()
                    .position(|&b| b == b']')
                    .ok_or_else(|| Error::BadXdata {
                        field: show(&tail[i..]),
                    })?;
                let block = &tail[i + 1..i + 1 + len];
                match block.first() {
                    Some(k) if k.is_ascii_uppercase() => xdata.push(XData {
                        key: char::from(*k),
                        value: String::from_utf8_lossy(&block[1..]).into_owned(),
                    }),
                    _ => {
                        return Err(Error::BadXdata {
                            field: show(&tail[i..i + len + 2]),
                        })
                    }
                }
                i += len + 2;
            }
            b'_' => {
                let field = &tail[i + 1..];
                let timestamp =
                    Timestamp::parse_dc09(field).ok_or_else(|| Error::BadTimestamp {
                        field: show(&tail[i..]),
                    })?;
                return Ok(Tail {
                    xdata,
                    timestamp: Some(timestamp),
                });
            }
            _ => {
                return Err(Error::BadBody {
                    offset: base + i,
                    reason: "expected `[` or `_` after the data block",
                })
            }
        }
    }
    Ok(Tail {
        xdata,
        timestamp: None,
    })
}

fn utf8(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

impl Message {
    /// Decodes one whole frame (LF … CR).
    ///
    /// - `key`: the key of the account in the header, needed only when the frame is encrypted
    ///   (use [`Header::peek`] first to learn the account). A key given for a plain frame is
    ///   ignored.
    /// - `now`: the receiver's current time, against which the timestamp of an encrypted frame
    ///   (mandatory) is checked with `window`.
    ///
    /// Unsupported tokens fail with [`Error::UnsupportedToken`] (answer DUH); every other error
    /// calls for a NAK (see [`Error::response_kind`]). Events with unknown codes are decoded as
    /// [`Category::Unknown`](crate::Category::Unknown), never rejected.
    pub fn decode(
        frame: &[u8],
        key: Option<&Key>,
        now: Timestamp,
        window: &Window,
    ) -> Result<Message, Error> {
        let env = envelope(frame)?;
        let (header, body) = parse_header(env.region)?;
        if let Token::Other(name) = header.token {
            return Err(Error::UnsupportedToken {
                token: name.as_str().to_owned(),
                encrypted: header.encrypted,
            });
        }
        // `body` starts with `[`, checked by the header parser.
        let inner = &body[1..];
        let (data, tail) = if header.encrypted {
            let key = key.ok_or_else(|| Error::MissingKey {
                account: header.account.map(|a| a.as_str().to_owned()),
            })?;
            let mut plain = Vec::with_capacity(inner.len() / 2);
            crypto::decrypt_hex(key, inner, &mut plain)
                .map_err(|reason| Error::Undecryptable { reason })?;
            // The pad never holds `|` or `]`: data starts after the first `|` if it comes before
            // the first `]`; without `|` (some senders omit it on empty data) the data is empty.
            let close = plain
                .iter()
                .position(|&b| b == b']')
                .ok_or(Error::Undecryptable {
                    reason: DecryptError::NoDataEnd,
                })?;
            let start = plain[..close]
                .iter()
                .position(|&b| b == b'|')
                .map_or(close, |p| p + 1);
            // DC-09 plaintext is printable ASCII; anything else after the pad means a wrong key.
            if let Some(&byte) = plain[start..].iter().find(|&&b| !(0x20..0x7F).contains(&b)) {
                return Err(Error::Undecryptable {
                    reason: DecryptError::Garbled { byte },
                });
            }
            // A tail that does not even start like extended data or a timestamp came out of a
            // wrong key, not out of a sender's syntax error.
            let tail = &plain[close + 1..];
            if tail.first().is_some_and(|b| !matches!(b, b'[' | b'_')) {
                return Err(Error::Undecryptable {
                    reason: DecryptError::GarbledTail,
                });
            }
            let tail = parse_tail(tail, close + 1)?;
            (utf8(&plain[start..close]), tail)
        } else {
            let close = inner
                .iter()
                .position(|&b| b == b']')
                .ok_or(Error::BadBody {
                    offset: 0,
                    reason: "data block has no closing `]`",
                })?;
            if let Some(p) = inner[..close].iter().position(|&b| b == b'[') {
                return Err(Error::BadBody {
                    offset: p + 1,
                    reason: "`[` inside the data block",
                });
            }
            let tail = parse_tail(&inner[close + 1..], close + 2)?;
            (utf8(&inner[..close]), tail)
        };

        match tail.timestamp {
            None if header.encrypted => return Err(Error::MissingTimestamp),
            Some(ts) if (header.encrypted || window.check_plain) && !window.contains(ts, now) => {
                return Err(Error::TimestampOutOfWindow {
                    timestamp: ts,
                    now,
                    drift: ts.seconds_since(now),
                    window: *window,
                });
            }
            _ => {}
        }

        let (data_account, events) = match header.token {
            Token::AdmCid => parse_contact_id(&data)?,
            Token::SiaDcs => parse_sia(&data)?,
            _ => (None, Vec::new()),
        };
        let data_account = data_account.map(str::to_owned);
        Ok(Message {
            header,
            events,
            xdata: tail.xdata,
            timestamp: tail.timestamp,
            data_account,
            data,
        })
    }

    /// The id token.
    pub fn token(&self) -> Token {
        self.header.token
    }

    /// Whether the frame was encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.header.encrypted
    }

    /// Sequence number, 0..=9999.
    pub fn seq(&self) -> u16 {
        self.header.seq
    }

    /// Receiver number, if sent.
    pub fn receiver(&self) -> Option<Receiver> {
        self.header.receiver
    }

    /// Line (account prefix).
    pub fn line(&self) -> Line {
        self.header.line
    }

    /// Account from the clear header (`None` only for the `A0` form of a NAK).
    pub fn account(&self) -> Option<Account> {
        self.header.account
    }

    /// Whether the message only proves the link is alive: NULL or XNM, an event message with no
    /// event, or one whose events are all periodic-test heartbeats (SIA `RP`, Contact ID
    /// 602/603, which some panels send instead of NULL). Any message restarts the supervision
    /// timer; these carry nothing else.
    pub fn is_supervision(&self) -> bool {
        match self.header.token {
            Token::Null | Token::Xnm => true,
            Token::SiaDcs | Token::AdmCid => self.events.iter().all(Event::is_heartbeat),
            _ => false,
        }
    }

    /// Whether the message should be answered (every token but ACK, NAK and DUH).
    pub fn needs_response(&self) -> bool {
        !self.header.token.is_response()
    }

    /// Position from the `X` and `Y` extended data blocks, when both are present and valid.
    pub fn location(&self) -> Option<Location> {
        let longitude = self.xdata.iter().find_map(XData::longitude)?;
        let latitude = self.xdata.iter().find_map(XData::latitude)?;
        Some(Location {
            latitude,
            longitude,
        })
    }

    /// Time of occurrence from an `H` extended data block.
    pub fn occurred_at(&self) -> Option<Timestamp> {
        self.xdata.iter().find_map(XData::occurred_at)
    }

    /// Stable identity of this message's content, to recognise retransmissions
    /// (see [`DedupKey`]).
    pub fn dedup_key(&self) -> DedupKey {
        let mut h = Fnv(Fnv::OFFSET);
        let hd = &self.header;
        h.field(hd.token.as_str().as_bytes());
        h.field(
            hd.account
                .as_ref()
                .map_or(&b""[..], |a| a.as_str().as_bytes()),
        );
        h.field(
            hd.receiver
                .as_ref()
                .map_or(&b""[..], |r| r.as_str().as_bytes()),
        );
        h.field(hd.line.as_str().as_bytes());
        h.field(&hd.seq.to_be_bytes());
        h.field(self.data.as_bytes());
        for x in &self.xdata {
            h.field(x.key.to_string().as_bytes());
            h.field(x.value.as_bytes());
        }
        DedupKey(h.0)
    }
}
