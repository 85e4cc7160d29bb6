//! Codec micro-benchmarks: frames per second on one core for the receiver's hot paths.
//!
//! Run with `cargo bench -p dc09 --bench codec`.

use dc09::{
    write_ack_for, Header, Key, Message, MessageBuilder, StreamDecoder, Timestamp, Token, Window,
};
use divan::{black_box, counter::ItemsCount, Bencher};
use rand::{rngs::StdRng, SeedableRng};

fn main() {
    divan::main();
}

/// A plain Contact ID fire alarm, zone 15, as a panel sends it.
fn plain_fire() -> Vec<u8> {
    MessageBuilder::new(Token::AdmCid)
        .seq(1)
        .receiver("1")
        .line("0")
        .account("1234")
        .contact_id(1, 110, 1, 15)
        .timestamp(now())
        .build()
        .expect("valid frame")
}

fn key() -> Key {
    Key::from_hex("000102030405060708090a0b0c0d0e0f").expect("valid key")
}

fn now() -> Timestamp {
    Timestamp::from_civil(2026, 1, 1, 12, 0, 0).expect("valid time")
}

/// The same alarm encrypted with AES-128 (`*ADM-CID`).
fn encrypted_fire() -> Vec<u8> {
    MessageBuilder::new(Token::AdmCid)
        .seq(1)
        .account("1234")
        .contact_id(1, 110, 1, 15)
        .timestamp(now())
        .build_encrypted(&key(), &mut StdRng::seed_from_u64(1))
        .expect("valid frame")
}

#[divan::bench]
fn decode_plain_adm_cid_fire(bencher: Bencher) {
    let frame = plain_fire();
    let window = Window::default();
    bencher
        .counter(ItemsCount::new(1usize))
        .bench(|| Message::decode(black_box(&frame), None, now(), &window).expect("decodes"));
}

#[divan::bench]
fn peek_then_decode_aes128_adm_cid_fire(bencher: Bencher) {
    let frame = encrypted_fire();
    let key = key();
    let window = Window::default();
    bencher.counter(ItemsCount::new(1usize)).bench(|| {
        let header = Header::peek(black_box(&frame)).expect("header");
        black_box(header.account);
        Message::decode(&frame, Some(&key), now(), &window).expect("decodes")
    });
}

#[divan::bench]
fn build_encrypted_ack_aes128(bencher: Bencher) {
    let key = key();
    let msg =
        Message::decode(&encrypted_fire(), Some(&key), now(), &Window::default()).expect("decodes");
    let mut rng = StdRng::seed_from_u64(2);
    let mut out = Vec::with_capacity(128);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        out.clear();
        write_ack_for(black_box(&msg), Some(&key), now(), &mut rng, &mut out).expect("builds");
        black_box(out.len())
    });
}

#[divan::bench]
fn build_plain_ack(bencher: Bencher) {
    let msg = Message::decode(&plain_fire(), None, now(), &Window::default()).expect("decodes");
    let mut rng = StdRng::seed_from_u64(2);
    let mut out = Vec::with_capacity(128);
    bencher.counter(ItemsCount::new(1usize)).bench_local(|| {
        out.clear();
        write_ack_for(black_box(&msg), None, now(), &mut rng, &mut out).expect("builds");
        black_box(out.len())
    });
}

#[divan::bench]
fn stream_split_100_frames(bencher: Bencher) {
    let stream: Vec<u8> = (0..100).flat_map(|_| plain_fire()).collect();
    bencher.counter(ItemsCount::new(100usize)).bench_local(|| {
        let mut dec = StreamDecoder::default();
        let mut n = 0;
        for chunk in black_box(&stream).chunks(1460) {
            dec.feed(chunk);
            while let Some(frame) = dec.next_frame() {
                n += frame.map(|f| f.len()).unwrap_or(0);
            }
        }
        n
    });
}
