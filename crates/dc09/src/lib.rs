//! Sans-IO implementation of ANSI/SIA DC-09, the protocol alarm panels use to report events to
//! a central station over TCP or UDP.
//!
//! Bytes in, typed values out; responses are built as bytes. This crate has no sockets, no
//! async, no clock and no global random number generator: the caller passes the current time
//! (`now`), the account keys, and a random source for the pad of encrypted responses. Every
//! function is deterministic given its inputs, so a receiver built on it can be tested with a
//! virtual clock and a seeded RNG.
//!
//! # Brief overview
//!
//! - [`StreamDecoder`] splits a TCP byte stream into frames (LF … CR), resynchronising after
//!   garbage, with bounded memory. A UDP datagram is one frame ([`frame_from_datagram`]).
//! - [`Header::peek`] checks CRC and length and reads the clear header (token, encrypted flag,
//!   sequence, receiver, line, account) without a key, so the caller can look up the account's
//!   [`Key`].
//! - [`Message::decode`] decrypts (AES-128/192/256-CBC, zero IV), checks the timestamp window
//!   ([`Window`], +20/−40 s) and decodes Contact ID and SIA-DCS data into [`Event`]s with a
//!   [`Category`] and Vietnamese/English meanings, plus extended data ([`XData`]).
//! - [`ack_for`], [`nak`] and [`duh_for`] build the responses; [`Error::response_kind`] (or
//!   [`reply_for_error`]) says which one a failed frame gets. [`MessageBuilder`] builds any
//!   frame, plain or encrypted, for device simulators and tests.
//! - [`Message::dedup_key`] identifies retransmissions.
//!
//! # Example: a receiver's loop body
//!
//! ```
//! use dc09::{ack_for, reply_for_error, Category, Header, Key, Message, MessageBuilder,
//!            StreamDecoder, Timestamp, Token, Window};
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! let now = Timestamp::from_civil(2026, 1, 1, 12, 0, 5).unwrap();
//! let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
//! let mut rng = StdRng::seed_from_u64(7); // use OsRng or another CSPRNG in production
//!
//! // A panel reports a fire alarm in zone 15 (here built with the crate's own builder).
//! let sent = MessageBuilder::new(Token::AdmCid)
//!     .seq(1)
//!     .account("1234")
//!     .contact_id(1, 110, 1, 15)
//!     .timestamp(Timestamp::from_civil(2026, 1, 1, 12, 0, 0).unwrap())
//!     .build_encrypted(&key, &mut rng)
//!     .unwrap();
//!
//! // The receiver feeds whatever TCP delivered, in any chunks.
//! let mut decoder = StreamDecoder::new(dc09::MAX_FRAME_LEN);
//! let (first, second) = sent.split_at(20);
//! decoder.feed(first);
//! decoder.feed(second);
//!
//! while let Some(frame) = decoder.next_frame() {
//!     let frame = frame.expect("framing error: answer with dc09::nak(now)");
//!     // Read the clear header, find the account's key, then decode.
//!     let header = Header::peek(&frame).unwrap();
//!     let account_key = match header.account {
//!         Some(a) if a.as_str() == "1234" => Some(&key),
//!         _ => None,
//!     };
//!     let reply = match Message::decode(&frame, account_key, now, &Window::default()) {
//!         Ok(msg) => {
//!             let event = &msg.events[0];
//!             assert_eq!(event.category, Category::FireAlarm);
//!             assert_eq!(event.zone, Some(15));
//!             assert_eq!(event.meaning_vi(), "Báo cháy");
//!             // Store the message durably first, then acknowledge it.
//!             ack_for(&msg, account_key, now, &mut rng).unwrap()
//!         }
//!         Err(err) => reply_for_error(&frame, &err, now),
//!     };
//!     assert!(reply.starts_with(b"\n") && reply.windows(6).any(|w| w == b"\"*ACK\""));
//! }
//! ```
//!
//! # What it will not do
//!
//! It never reads the clock, opens a socket, spawns a thread, logs, or looks up keys itself.
//! It never sends DUH for an unknown event code (such events are ACKed and reported as
//! [`Category::Unknown`]), never echoes key material, and never checks the timestamp window of
//! plain messages unless asked ([`Window::check_plain`]).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod codes;
mod crc;
mod crypto;
mod error;
mod event;
mod header;
mod hex;
mod key;
mod message;
mod stream;
mod time;
mod xdata;

pub use builder::{ack_for, duh_for, nak, reply_for_error, write_ack_for, MessageBuilder};
pub use codes::{contact_id_codes, contact_id_info, sia_codes, sia_info, Category, CodeInfo};
pub use crc::crc16;
pub use crypto::{is_pad_byte, PadSource, FORBIDDEN_PAD_BYTES};
pub use error::{BuildError, DecryptError, Error, ResponseKind};
pub use event::{Event, EventCode, Qualifier};
pub use header::{Account, Header, Line, Receiver, Token, TokenName, CR, LF, MAX_FRAME_LEN};
pub use key::{Key, KeyError, KeyFormat, KeySize};
pub use message::{DedupKey, Message};
pub use stream::{frame_from_datagram, StreamDecoder};
pub use time::{Civil, Timestamp, Window};
pub use xdata::{Location, XData};

#[cfg(test)]
mod tests;

/// The README's example, compiled as a doctest so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
