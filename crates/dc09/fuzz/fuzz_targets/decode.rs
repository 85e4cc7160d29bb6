//! Fuzz target over the whole receive path: the stream splitter, the header reader, the
//! decoder (with and without a key) and the responses.
//!
//! Invariants checked besides "no panic":
//! - every frame the stream yields starts with LF, ends with CR and respects the size limit;
//! - a decoded plain message, rebuilt with `MessageBuilder`, decodes to the same message;
//! - every decoded message that needs an answer can be ACKed, and the ACK decodes.
#![no_main]

use dc09::{ack_for, reply_for_error, Header, Key, Message, MessageBuilder, StreamDecoder, Timestamp, Window};
use libfuzzer_sys::fuzz_target;

/// A pad source that needs no RNG crate: a counter (fine for fuzzing, never for production).
struct Counter(u8);
impl dc09::PadSource for Counter {
    fn fill_pad(&mut self, pad: &mut [u8]) {
        for b in pad {
            self.0 = self.0.wrapping_add(37);
            *b = self.0;
        }
    }
}

const MAX: usize = 512;

fn check_frame(frame: &[u8], key: &Key, now: Timestamp) {
    assert!(frame.len() <= MAX && frame[0] == b'\n' && frame[frame.len() - 1] == b'\r');
    let window = Window::default();
    let _ = Header::peek(frame);
    for k in [None, Some(key)] {
        match Message::decode(frame, k, now, &window) {
            Ok(msg) => {
                if !msg.is_encrypted() {
                    let mut b = MessageBuilder::from_header(&msg.header).data(&msg.data);
                    for x in &msg.xdata {
                        b = b.xdata(x.key, &x.value);
                    }
                    if let Some(t) = msg.timestamp {
                        b = b.timestamp(t);
                    }
                    if let Ok(rebuilt) = b.build() {
                        let again = Message::decode(&rebuilt, None, now, &window).expect("rebuilt frame decodes");
                        assert_eq!(again, msg);
                    }
                }
                if msg.needs_response() && msg.account().is_some() {
                    let ack = ack_for(&msg, k, now, &mut Counter(0)).expect("ack builds");
                    let back = Message::decode(&ack, k, now, &window).expect("ack decodes");
                    assert_eq!(back.seq(), msg.seq());
                }
                let _ = msg.dedup_key();
                let _ = msg.location();
            }
            Err(err) => {
                let reply = reply_for_error(frame, &err, now);
                assert!(Header::peek(&reply).is_ok());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // The first byte picks the chunk size, so the stream sees many splits of the same input.
    let chunk = usize::from(data[0] % 64) + 1;
    let input = &data[1..];
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").expect("valid key");
    let now = Timestamp::from_civil(2026, 1, 1, 12, 0, 0).expect("valid time");

    // The whole input as one UDP datagram.
    if let Ok(frame) = dc09::frame_from_datagram(input, MAX) {
        check_frame(frame, &key, now);
    }

    // The same input as a TCP stream.
    let mut decoder = StreamDecoder::new(MAX);
    let mut whole = StreamDecoder::new(MAX);
    whole.feed(input);
    for piece in input.chunks(chunk) {
        decoder.feed(piece);
        assert!(decoder.pending_len() <= MAX);
        while let Some(result) = decoder.next_frame() {
            assert_eq!(Some(&result), whole.next_frame().as_ref(), "chunking changed the frames");
            if let Ok(frame) = result {
                check_frame(&frame, &key, now);
            }
        }
    }
    assert_eq!(decoder.finish(), whole.finish());
    assert!(whole.next_frame().is_none());
});
