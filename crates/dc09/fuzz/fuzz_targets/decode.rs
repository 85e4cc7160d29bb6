//! Fuzz target over the whole receive path: the stream splitter, the header reader, the
//! decoder (with and without a key) and the responses.
//!
//! The first input byte picks a mode, so that random bytes also reach the parsers behind the
//! CRC check and behind decryption:
//! - 0–3: the rest is a TCP stream (and a UDP datagram), split into chunks of a size taken from
//!   the same byte;
//! - 4: the rest is the region of one frame (from the token on), framed with a correct CRC and
//!   length;
//! - 5: the rest is the plaintext of an encrypted `*SIA-DCS`/`*ADM-CID`/`*NULL` body (front-padded
//!   to whole blocks), encrypted with the fuzzing key and framed correctly.
//!
//! Invariants checked besides "no panic":
//! - every frame the stream yields starts with LF, ends with CR and respects the size limit;
//! - a decoded plain message, rebuilt with `MessageBuilder`, decodes to the same message;
//! - every decoded message that needs an answer can be ACKed, and the ACK decodes.
#![no_main]

use aes::cipher::{generic_array::GenericArray, BlockEncryptMut, KeyIvInit};
use dc09::{
    ack_for, reply_for_error, Header, Key, Message, MessageBuilder, StreamDecoder, Timestamp,
    Window,
};
use libfuzzer_sys::fuzz_target;

const KEY: [u8; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

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
    assert!(frame[0] == b'\n' && frame[frame.len() - 1] == b'\r');
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
                        let again = Message::decode(&rebuilt, None, now, &window)
                            .expect("rebuilt frame decodes");
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

/// `region` wrapped in LF, CRC, length and CR.
fn frame_region(region: &[u8]) -> Vec<u8> {
    let mut f = format!("\n{:04X}0{:03X}", dc09::crc16(region), region.len() & 0xFFF).into_bytes();
    f.extend_from_slice(region);
    f.push(b'\r');
    f
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let key = Key::from_bytes(&KEY).expect("valid key");
    let now = Timestamp::from_civil(2026, 1, 1, 12, 0, 0).expect("valid time");
    let input = &data[1..];
    match data[0] % 6 {
        4 if input.len() <= 0xFFF => {
            check_frame(&frame_region(input), &key, now);
            return;
        }
        5 if input.len() <= 1000 => {
            let mut plain = vec![b'P'; (16 - input.len() % 16) % 16];
            plain.extend_from_slice(input);
            if plain.is_empty() {
                return;
            }
            let mut enc = cbc::Encryptor::<aes::Aes128>::new(&KEY.into(), &[0u8; 16].into());
            for block in plain.chunks_exact_mut(16) {
                enc.encrypt_block_mut(GenericArray::from_mut_slice(block));
            }
            let prefix: &[u8] = match data[1] % 3 {
                0 => br#""*SIA-DCS"0001L0#1234["#,
                1 => br#""*ADM-CID"0001R1L0#1234["#,
                _ => br#""*NULL"0000L0#ABC["#,
            };
            let mut region = prefix.to_vec();
            for b in &plain {
                region.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            check_frame(&frame_region(&region), &key, now);
            return;
        }
        4 | 5 => return,
        _ => {}
    }
    // The first byte also picks the chunk size, so the stream sees many splits of one input.
    let chunk = usize::from(data[0] % 64) + 1;

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
            assert_eq!(
                Some(&result),
                whole.next_frame().as_ref(),
                "chunking changed the frames"
            );
            if let Ok(frame) = result {
                assert!(frame.len() <= MAX);
                check_frame(&frame, &key, now);
            }
        }
    }
    assert_eq!(decoder.finish(), whole.finish());
    assert!(whole.next_frame().is_none());
});
