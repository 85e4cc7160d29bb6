//! Crate-level tests: the published test vectors, responses, streams, and property tests that
//! tie the builder, the decoder and the stream splitter together.

use crate::*;
use proptest::prelude::*;
use rand::{rngs::StdRng, SeedableRng};

/// A vector as printed in the notes (`CRC LEN body`) wrapped in LF … CR.
fn wire(printed: &str) -> Vec<u8> {
    let mut f = vec![LF];
    f.extend_from_slice(printed.as_bytes());
    f.push(CR);
    f
}

/// `region` framed with a correct CRC and length.
fn framed(region: &[u8]) -> Vec<u8> {
    let mut f = format!("\n{:04X}0{:03X}", crc16(region), region.len()).into_bytes();
    f.extend_from_slice(region);
    f.push(CR);
    f
}

fn ts(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> Timestamp {
    Timestamp::from_civil(y, mo, d, h, mi, s).unwrap()
}

fn decode_plain(frame: &[u8]) -> Result<Message, Error> {
    Message::decode(frame, None, Timestamp::from_unix(0), &Window::default())
}

// ---------------------------------------------------------------------------------------------
// Vectors marked correct in the notes.

#[test]
fn vector_siadc09_fire_with_mac() {
    let f = wire(r#"8C860043"SIA-DCS"9876R579BDFL789ABC#123456A[#123456A|NFA129][M1234567890AB]"#);
    let m = decode_plain(&f).unwrap();
    assert_eq!(m.token(), Token::SiaDcs);
    assert_eq!(m.seq(), 9876);
    assert_eq!(m.receiver().unwrap().as_str(), "579BDF");
    assert_eq!(m.line().as_str(), "789ABC");
    assert_eq!(m.account().unwrap().as_str(), "123456A");
    assert_eq!(m.data_account.as_deref(), Some("123456A"));
    assert_eq!(m.events.len(), 1);
    assert_eq!(m.events[0].category, Category::FireAlarm);
    assert_eq!(m.events[0].zone, Some(129));
    assert_eq!(
        m.xdata,
        vec![XData {
            key: 'M',
            value: "1234567890AB".into()
        }]
    );
    assert!(!m.is_supervision());
    let rebuilt = MessageBuilder::new(Token::SiaDcs)
        .seq(9876)
        .receiver("579BDF")
        .line("789ABC")
        .account("123456A")
        .data("#123456A|NFA129")
        .xdata('M', "1234567890AB")
        .build()
        .unwrap();
    assert_eq!(rebuilt, f);
}

#[test]
fn vector_siadc09_encrypted_null() {
    let f = wire(
        r#"DE260072"*NULL"0000L0#000[242ff5e1d26993d8ca4a622f7d779a93096ef7ed9b5499dc13de23e1405a5764b58737251286f0d81da5134d1eebc238"#,
    );
    let key = Key::from_hex("850cba22f7dd4f033405da83e4c5bae9").unwrap();
    let h = Header::peek(&f).unwrap();
    assert!(h.encrypted);
    assert_eq!(h.token, Token::Null);
    let now = ts(2026, 9, 22, 3, 7, 50);
    let m = Message::decode(&f, Some(&key), now, &Window::default()).unwrap();
    assert_eq!(m.timestamp, Some(ts(2026, 9, 22, 3, 7, 43)));
    assert_eq!(m.data, "");
    assert!(m.events.is_empty());
    assert!(m.is_supervision());
}

#[test]
fn vector_fioletoven_plain() {
    let f = wire(r#"F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]"#);
    let m = decode_plain(&f).unwrap();
    assert_eq!(m.events[0].code, EventCode::Sia(*b"RR"));
    assert_eq!(m.events[0].text.as_deref(), Some("test"));
    let rebuilt = MessageBuilder::from_header(&m.header)
        .data(&m.data)
        .build()
        .unwrap();
    assert_eq!(rebuilt, f);

    let f = wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#);
    let m = decode_plain(&f).unwrap();
    assert!(m.events.is_empty());
    let rebuilt = MessageBuilder::new(Token::SiaDcs)
        .seq(1)
        .account("1234")
        .build()
        .unwrap();
    assert_eq!(rebuilt, f);
}

#[test]
fn vector_nak_is_rebuilt_byte_identical() {
    let f = wire(r#"E4410025"NAK"0000R0L0A0[]_16:20:01,09-24-2025"#);
    let m = decode_plain(&f).unwrap();
    assert_eq!(m.token(), Token::Nak);
    assert_eq!(m.account(), None);
    assert!(!m.needs_response());
    assert_eq!(nak(ts(2025, 9, 24, 16, 20, 1)), f);
}

#[test]
fn vector_pysiaalarm_encrypted_adm_needs_key() {
    let f = wire(
        r#"D0850078"*ADM-CID"6879R0L0#123F[64F7ADD9BA9377DBF2C014BC709329BEEE345B5F20C60B7EB9D2C6B8C222666B13D0B4A114B448B0AC555FCC658DB6EE"#,
    );
    let h = Header::peek(&f).unwrap();
    assert_eq!(h.account.unwrap().as_str(), "123F");
    assert!(h.encrypted);
    assert_eq!(
        decode_plain(&f),
        Err(Error::MissingKey {
            account: Some("123F".into())
        })
    );
    let wrong = Key::from_ascii("AAAAAAAAAAAAAAAA").unwrap();
    let err = Message::decode(
        &f,
        Some(&wrong),
        Timestamp::from_unix(0),
        &Window::default(),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Undecryptable { .. }), "{err:?}");
    assert_eq!(err.response_kind(), ResponseKind::Nak);
}

#[test]
fn vector_pysiaalarm_encrypted_null_ascii_key() {
    let f = wire(
        r#"76D80055"*NULL"0000R0L0#AAAB[B4BC8B40D0E6D959D6BEA78E88CC0B2155741A3C44FBB96D476A3E557CAD64D9"#,
    );
    let key = Key::from_ascii("AAAAAAAAAAAAAAAA").unwrap();
    let now = ts(2020, 7, 5, 18, 25, 0);
    let m = Message::decode(&f, Some(&key), now, &Window::default()).unwrap();
    assert_eq!(m.timestamp, Some(ts(2020, 7, 5, 18, 24, 52)));
    assert_eq!(m.data, "");
    assert!(m.is_supervision());
    // The same frame a day later is outside the window: NAK with the receiver time.
    let later = ts(2020, 7, 6, 18, 25, 0);
    let err = Message::decode(&f, Some(&key), later, &Window::default()).unwrap_err();
    assert!(matches!(err, Error::TimestampOutOfWindow { drift, .. } if drift == -86_408));
    assert_eq!(reply_for_error(&f, &err, later), nak(later));
}

#[test]
fn vector_deterministic_encrypted_contact_id() {
    let f = wire(
        r#"D2350096"*ADM-CID"0001L0#1234[34AA4A156D4930D99A622FED6A5D4A0C3E6C993F8719FF2F256FBB05CA54EA457D18FA7EAF15C839E5E57A0ED29659FC77D616F7641EDDD2DE8183A16A0C2DE3"#,
    );
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let sent = ts(2026, 1, 1, 12, 0, 0);
    let m = Message::decode(&f, Some(&key), sent, &Window::default()).unwrap();
    assert_eq!(m.data, "#1234|1110 01 015");
    assert_eq!(m.timestamp, Some(sent));
    let e = &m.events[0];
    assert_eq!(
        e.code,
        EventCode::ContactId {
            qualifier: Qualifier::New,
            code: 110
        }
    );
    assert_eq!(e.zone, Some(15), "zone is decimal, not hex");
    assert_eq!(e.partition, Some(1));
    assert_eq!(e.category, Category::FireAlarm);

    let rebuilt = MessageBuilder::new(Token::AdmCid)
        .seq(1)
        .account("1234")
        .contact_id(1, 110, 1, 15)
        .timestamp(sent)
        .pad(&[b'P'; 25])
        .build_encrypted(&key, &mut StdRng::seed_from_u64(0))
        .unwrap();
    assert_eq!(rebuilt, f);
}

#[test]
fn vector_real_panels() {
    // Ajax hub heartbeat: RP with text, no slash.
    let f = wire(
        r#"24810050"SIA-DCS"1660L0#000110[#000110|Nri0RP2^SL 1807110200065423^]_18:00:01,01-19-2022"#,
    );
    let m = decode_plain(&f).unwrap();
    assert!(m.is_supervision());
    assert_eq!(m.events[0].text.as_deref(), Some("SL 1807110200065423"));
    assert_eq!(m.timestamp, Some(ts(2022, 1, 19, 18, 0, 1)));

    // Contact ID periodic test with timestamp: rebuilt byte-identical.
    let f = wire(r#"F68B003B"ADM-CID"0028L0#9757[#9757|1602 00 000]_20:59:45,02-20-2024"#);
    let m = decode_plain(&f).unwrap();
    assert!(m.is_supervision());
    assert_eq!(m.events[0].category, Category::Test);
    let rebuilt = MessageBuilder::new(Token::AdmCid)
        .seq(28)
        .account("9757")
        .contact_id(1, 602, 0, 0)
        .timestamp(ts(2024, 2, 20, 20, 59, 45))
        .build()
        .unwrap();
    assert_eq!(rebuilt, f);
}

// ---------------------------------------------------------------------------------------------
// Vectors marked wrong in the notes: each is rejected, and a receiver NAKs it.

#[test]
fn vectors_with_wrong_length_are_rejected() {
    let cases: &[(&str, usize, usize)] = &[
        (
            r#"57150047"ADM-CID"0247R4F39L4F39#4F39[#4F39|3401 01 057]"#,
            0x47,
            0x2F,
        ),
        (
            r#"97F90078"SIA-DCS"6002L0#AAA[|Nri2/JC12]_12:58:23,09-15-2021"#,
            0x78,
            0x33,
        ),
        (
            r#"87570078"SIA-DCS"6002L0#AAA[|Nri1/CL501][M0026B9E4268B]_14:12:04,09-25-2019"#,
            0x78,
            0x43,
        ),
        (
            r#"02310052"SIA-DCS"6002L0#1111[|Nri1/RP000][KAAAAAAAAAAAAAAAA]_14:12:04,09-25-2019"#,
            0x52,
            0x48,
        ),
        (
            r#"5B090059"SIA-DCS"0004L0#1111[#1111|Nri1/PA501][X006E07.7777777][Y49N06.6666666]_20:45:46,04-22-2021"#,
            0x59,
            0x5B,
        ),
        (
            r#"E5D50078"SIA-DCS"6002L0#AAA[|Nri1/CL501]_14:12:04,09-25-2019"#,
            0x78,
            0x34,
        ),
        (
            r#"60AB0078"*SIA-DCS"5994L0#AAA[5AB718E008C616BF16F6468033A11326B0F7546CAB230910BCA10E4DEBA42283C436E4F8EFF50931070DDE36D5BB5F0C"#,
            0x78,
            0x75,
        ),
        (
            r#"9618004D"SIA-DCS"7960L0#123456[#123456|Nri1CL0^VX FRONTE ^]_22:40:48,04-11-2021"#,
            0x4D,
            0x47,
        ),
        (
            r#"C4160279"SIA-DCS"5268L0#AAA[Nri1/WA000]_08:40:47,07-08-2020"#,
            0x279,
            0x33,
        ),
        // The DC-09 spec examples: CRC and length were computed without the timestamp.
        (
            r#"87CD0037"ADM-CID"9876R579BDFL789ABC#12345A[#12345A|1110 00 129]_14:12:04,09-25-2011"#,
            0x37,
            0x4B,
        ),
        (
            r#"CE110032"SIA-DCS"9876R579BDFL789ABC#12345A[#12345A|NFA129]_14:12:04,09-25-2011"#,
            0x32,
            0x46,
        ),
    ];
    for (printed, stated, actual) in cases {
        let f = wire(printed);
        let expected = Error::LengthMismatch {
            stated: *stated,
            actual: *actual,
        };
        assert_eq!(Header::peek(&f), Err(expected.clone()), "{printed}");
        assert_eq!(decode_plain(&f).unwrap_err(), expected, "{printed}");
        let now = ts(2026, 1, 1, 0, 0, 0);
        assert_eq!(reply_for_error(&f, &expected, now), nak(now));
    }
}

/// Re-frames a printed vector with the length it should have had, keeping its CRC.
fn with_fixed_length(printed: &str) -> Vec<u8> {
    let body = &printed[8..];
    let mut f = format!("\n{}0{:03X}{}", &printed[..4], body.len(), body).into_bytes();
    f.push(CR);
    f
}

#[test]
fn vectors_with_right_crc_decode_once_length_is_fixed() {
    // The notes say these CRCs are right: with the length corrected, the frames decode.
    let m = decode_plain(&with_fixed_length(
        r#"57150047"ADM-CID"0247R4F39L4F39#4F39[#4F39|3401 01 057]"#,
    ))
    .unwrap();
    assert_eq!(m.events[0].category, Category::OpenClose);
    assert_eq!(m.events[0].user, Some(57));

    let m = decode_plain(&with_fixed_length(
        r#"97F90078"SIA-DCS"6002L0#AAA[|Nri2/JC12]_12:58:23,09-15-2021"#,
    ))
    .unwrap();
    // JC is not in the table: kept as unknown, and still acknowledged.
    assert_eq!(m.events[0].category, Category::Unknown);
    assert_eq!(m.events[0].raw, "JC12");
    let ack = ack_for(
        &m,
        None,
        Timestamp::from_unix(0),
        &mut StdRng::seed_from_u64(1),
    )
    .unwrap();
    assert_eq!(ack, framed(br#""ACK"6002L0#AAA[]"#));

    let m = decode_plain(&with_fixed_length(r#"5B090059"SIA-DCS"0004L0#1111[#1111|Nri1/PA501][X006E07.7777777][Y49N06.6666666]_20:45:46,04-22-2021"#)).unwrap();
    assert_eq!(m.events[0].category, Category::Panic);
    let loc = m.location().unwrap();
    assert!((loc.latitude - (49.0 + 6.6666666 / 60.0)).abs() < 1e-9);
    assert!((loc.longitude - (6.0 + 7.7777777 / 60.0)).abs() < 1e-9);

    let m = decode_plain(&with_fixed_length(
        r#"02310052"SIA-DCS"6002L0#1111[|Nri1/RP000][KAAAAAAAAAAAAAAAA]_14:12:04,09-25-2019"#,
    ))
    .unwrap();
    assert_eq!(m.xdata[0].key, 'K');

    let f = with_fixed_length(
        r#"60AB0078"*SIA-DCS"5994L0#AAA[5AB718E008C616BF16F6468033A11326B0F7546CAB230910BCA10E4DEBA42283C436E4F8EFF50931070DDE36D5BB5F0C"#,
    );
    assert_eq!(Header::peek(&f).unwrap().account.unwrap().as_str(), "AAA");

    // Wrong CRC as well: with the length fixed, the CRC is what fails.
    assert_eq!(
        Header::peek(&with_fixed_length(
            r#"9618004D"SIA-DCS"7960L0#123456[#123456|Nri1CL0^VX FRONTE ^]_22:40:48,04-11-2021"#
        )),
        Err(Error::CrcMismatch {
            stated: 0x9618,
            computed: 0xB7C9
        })
    );
    assert_eq!(
        Header::peek(&with_fixed_length(
            r#"C4160279"SIA-DCS"5268L0#AAA[Nri1/WA000]_08:40:47,07-08-2020"#
        )),
        Err(Error::CrcMismatch {
            stated: 0xC416,
            computed: 0xE9A4
        })
    );
}

// ---------------------------------------------------------------------------------------------
// Body errors, windows and keys.

/// An encrypted frame with an arbitrary plaintext (which the builder would refuse to make).
fn encrypted_frame(key: &Key, header: &str, plaintext: &[u8]) -> Vec<u8> {
    let mut plain = plaintext.to_vec();
    crate::crypto::encrypt_in_place(key, &mut plain);
    let mut region = header.as_bytes().to_vec();
    crate::hex::encode_upper(&plain, &mut region);
    framed(&region)
}

#[test]
fn encrypted_message_needs_timestamp_in_window() {
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let f = encrypted_frame(
        &key,
        r#""*ADM-CID"0001L0#1234["#,
        b"PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP|#1234|1110 01 015]",
    );
    assert_eq!(
        Message::decode(&f, Some(&key), Timestamp::from_unix(0), &Window::default()),
        Err(Error::MissingTimestamp)
    );

    let sent = ts(2026, 1, 1, 12, 0, 0);
    let f = MessageBuilder::new(Token::AdmCid)
        .account("1234")
        .contact_id(1, 110, 1, 15)
        .timestamp(sent)
        .build_encrypted(&key, &mut StdRng::seed_from_u64(3))
        .unwrap();
    let at = |secs: i64| {
        Message::decode(
            &f,
            Some(&key),
            Timestamp::from_unix(sent.unix() + secs),
            &Window::default(),
        )
    };
    assert!(at(40).is_ok()); // message 40 s old
    assert!(at(-20).is_ok()); // message 20 s ahead
    assert!(matches!(
        at(41),
        Err(Error::TimestampOutOfWindow { drift: -41, .. })
    ));
    assert!(matches!(
        at(-21),
        Err(Error::TimestampOutOfWindow { drift: 21, .. })
    ));
    // A wider window per account accepts a drifting panel.
    let wide = Window::new(300, 300);
    assert!(Message::decode(
        &f,
        Some(&key),
        Timestamp::from_unix(sent.unix() + 250),
        &wide
    )
    .is_ok());
}

#[test]
fn plain_messages_are_not_window_checked_unless_asked() {
    let f = wire(r#"F68B003B"ADM-CID"0028L0#9757[#9757|1602 00 000]_20:59:45,02-20-2024"#);
    let far = ts(2030, 1, 1, 0, 0, 0);
    assert!(Message::decode(&f, None, far, &Window::default()).is_ok());
    let strict = Window {
        check_plain: true,
        ..Window::default()
    };
    assert!(matches!(
        Message::decode(&f, None, far, &strict),
        Err(Error::TimestampOutOfWindow { .. })
    ));
}

#[test]
fn body_errors() {
    let bad = |region: &str| decode_plain(&framed(region.as_bytes())).unwrap_err();
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1"#),
        Error::BadBody { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1]x"#),
        Error::BadBody { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1[234|NFA1]"#),
        Error::BadBody { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1][x]"#),
        Error::BadXdata { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1][Mab"#),
        Error::BadXdata { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1]_25:00:00,01-01-2026"#),
        Error::BadTimestamp { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|NFA1]_12:00:00,01-01-2026x"#),
        Error::BadTimestamp { .. }
    ));
    assert!(matches!(
        bad(r#""ADM-CID"0001L0#1234[#1234|9110 01 015]"#),
        Error::BadEvent { .. }
    ));
    assert!(matches!(
        bad(r#""SIA-DCS"0001L0#1234[#1234|Nri1]"#),
        Error::BadEvent { .. }
    ));

    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let dec = |f: &[u8]| {
        Message::decode(f, Some(&key), Timestamp::from_unix(0), &Window::default()).unwrap_err()
    };
    let f = framed(br#""*NULL"0001L0#1234[0011"#);
    assert_eq!(
        dec(&f),
        Error::Undecryptable {
            reason: DecryptError::BadLength { hex_digits: 4 }
        }
    );
    let f = framed(format!(r#""*NULL"0001L0#1234[{}"#, "Z".repeat(32)).as_bytes());
    assert_eq!(
        dec(&f),
        Error::Undecryptable {
            reason: DecryptError::NotHex { offset: 0 }
        }
    );
    let f = encrypted_frame(&key, r#""*NULL"0001L0#1234["#, &[b'P'; 32]);
    assert_eq!(
        dec(&f),
        Error::Undecryptable {
            reason: DecryptError::NoDataEnd
        }
    );
}

#[test]
fn unknown_token_gets_duh_echoing_header() {
    let f = framed(br#""SIA-S2K"0042R12L3#ABCD[whatever]"#);
    let h = Header::peek(&f).unwrap();
    let err = decode_plain(&f).unwrap_err();
    assert_eq!(
        err,
        Error::UnsupportedToken {
            token: "SIA-S2K".into(),
            encrypted: false
        }
    );
    assert_eq!(err.response_kind(), ResponseKind::Duh);
    let duh = duh_for(&h);
    assert_eq!(duh, framed(br#""DUH"0042R12L3#ABCD[]"#));
    assert_eq!(reply_for_error(&f, &err, Timestamp::from_unix(0)), duh);
    // RSP and XNM parse but carry no events.
    let m = decode_plain(&framed(br#""RSP"0001L0#1234[anything]"#)).unwrap();
    assert!(m.events.is_empty() && m.data == "anything");
    let m = decode_plain(&framed(br#""XNM"0001L0#1234[][CDP]"#)).unwrap();
    assert!(m.is_supervision());
}

#[test]
fn unknown_event_codes_are_acked_not_duhed() {
    let f = framed(br#""SIA-DCS"0007L0#1234[#1234|Nri1/PE001]"#);
    let m = decode_plain(&f).unwrap();
    assert_eq!(m.events[0].category, Category::Unknown);
    assert_eq!(m.events[0].code.to_string(), "PE");
    let ack = ack_for(
        &m,
        None,
        Timestamp::from_unix(0),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert_eq!(ack, framed(br#""ACK"0007L0#1234[]"#));
}

// ---------------------------------------------------------------------------------------------
// ACK.

#[test]
fn plain_ack_echoes_header_and_omits_absent_receiver() {
    let m = decode_plain(&wire(
        r#"F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]"#,
    ))
    .unwrap();
    let ack = ack_for(
        &m,
        None,
        Timestamp::from_unix(0),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert_eq!(ack, framed(br#""ACK"0001RF3L77#1234[]"#));
    let m = decode_plain(&wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#)).unwrap();
    let ack = ack_for(
        &m,
        None,
        Timestamp::from_unix(0),
        &mut StdRng::seed_from_u64(0),
    )
    .unwrap();
    assert_eq!(ack, framed(br#""ACK"0001L0#1234[]"#));
}

#[test]
fn encrypted_ack_has_fresh_pad_timestamp_and_no_key_material() {
    let key = Key::from_ascii("KEYKEYKEYKEYKEY1").unwrap();
    let sent = ts(2026, 3, 1, 8, 0, 0);
    let f = MessageBuilder::new(Token::SiaDcs)
        .seq(42)
        .receiver("0")
        .line("2")
        .account("AAA")
        .sia("Nri1/FA015")
        .xdata('K', "KEYKEYKEYKEYKEY1")
        .timestamp(sent)
        .build_encrypted(&key, &mut StdRng::seed_from_u64(9))
        .unwrap();
    let m = Message::decode(&f, Some(&key), sent, &Window::default()).unwrap();
    let now = ts(2026, 3, 1, 8, 0, 2);
    let mut rng = StdRng::seed_from_u64(10);
    let ack1 = ack_for(&m, Some(&key), now, &mut rng).unwrap();
    let ack2 = ack_for(&m, Some(&key), now, &mut rng).unwrap();
    assert_ne!(ack1, ack2, "each encrypted ACK gets a fresh pad");
    for ack in [&ack1, &ack2] {
        let text = String::from_utf8_lossy(ack);
        assert!(
            text.starts_with("\n") && text.contains(r#""*ACK"0042R0L2#AAA["#),
            "{text}"
        );
        assert!(!text.contains("KEY") && !text.contains("[K"), "{text}");
        let back = Message::decode(ack, Some(&key), now, &Window::default()).unwrap();
        assert_eq!(back.token(), Token::Ack);
        assert_eq!(back.timestamp, Some(now));
        assert_eq!(back.data, "");
        assert_eq!((back.seq(), back.account()), (42, m.account()));
    }
    assert_eq!(
        ack_for(&m, None, now, &mut rng),
        Err(BuildError::MissingKey)
    );
}

#[test]
fn a_wrong_key_is_reported_as_undecryptable() {
    // Whatever a wrong key turns the ciphertext into, the receiver must see "wrong key", not a
    // syntax error: operators act on the reason (re-key the device, not debug its firmware).
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let wrong = Key::from_hex("ffeeddccbbaa99887766554433221100").unwrap();
    let sent = ts(2026, 3, 1, 8, 0, 0);
    let mut reasons = std::collections::BTreeMap::new();
    for seed in 0..4000 {
        let f = MessageBuilder::new(if seed % 2 == 0 {
            Token::Null
        } else {
            Token::SiaDcs
        })
        .seq((seed % 9999) as u16)
        .account("1234")
        .sia(if seed % 2 == 0 { "" } else { "Nri1/FA015" })
        .timestamp(Timestamp::from_unix(sent.unix() + seed))
        .build_encrypted(&wrong, &mut StdRng::seed_from_u64(seed as u64))
        .unwrap();
        let err = Message::decode(&f, Some(&key), sent, &Window::default()).unwrap_err();
        let name = match err {
            Error::Undecryptable { .. } => "undecryptable",
            Error::MissingTimestamp => "missing timestamp",
            other => panic!("seed {seed}: wrong key reported as {other:?}"),
        };
        *reasons.entry(name).or_insert(0) += 1;
    }
    // `]` as the last decrypted byte with nothing printable after the pad looks exactly like a
    // message without a timestamp; that is rare and still refused.
    assert!(
        reasons.get("missing timestamp").copied().unwrap_or(0) <= 40,
        "{reasons:?}"
    );
}

#[test]
fn builder_rejects_invalid_input() {
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let rng = &mut StdRng::seed_from_u64(0);
    let base = || MessageBuilder::new(Token::SiaDcs).account("1234");
    assert_eq!(
        base().seq(10000).build(),
        Err(BuildError::BadSequence { seq: 10000 })
    );
    assert!(matches!(
        base().receiver("XYZ").build(),
        Err(BuildError::BadField {
            field: "receiver",
            ..
        })
    ));
    assert!(matches!(
        base().line("").build(),
        Err(BuildError::BadField { field: "line", .. })
    ));
    assert!(matches!(
        base().account("12").build(),
        Err(BuildError::BadField {
            field: "account",
            ..
        })
    ));
    assert!(matches!(
        MessageBuilder::new(Token::SiaDcs).build(),
        Err(BuildError::MissingAccount { .. })
    ));
    assert!(matches!(
        base().data("a]b").build(),
        Err(BuildError::ForbiddenByte { byte: b']', .. })
    ));
    assert!(matches!(
        base().xdata('m', "x").build(),
        Err(BuildError::BadXdataKey { key: 'm' })
    ));
    assert_eq!(
        base().build_encrypted(&key, rng),
        Err(BuildError::MissingTimestamp)
    );
    let stamped = base().timestamp(Timestamp::from_unix(0));
    assert!(matches!(
        MessageBuilder::new(Token::Nak)
            .timestamp(Timestamp::from_unix(0))
            .build_encrypted(&key, rng),
        Err(BuildError::NotEncryptable { .. })
    ));
    assert!(matches!(
        stamped.clone().pad(b"|").build_encrypted(&key, rng),
        Err(BuildError::BadPad { .. })
    ));
    assert!(matches!(
        stamped.pad(b"ab").build_encrypted(&key, rng),
        Err(BuildError::BadPad { .. })
    ));
    assert!(matches!(
        base().data(&"x".repeat(5000)).build(),
        Err(BuildError::TooLong { .. })
    ));
}

#[test]
fn dedup_key_ignores_pad_and_timestamp() {
    let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
    let b = MessageBuilder::new(Token::AdmCid)
        .seq(5)
        .account("1234")
        .contact_id(1, 110, 1, 15);
    let t1 = ts(2026, 1, 1, 0, 0, 0);
    let t2 = ts(2026, 1, 1, 0, 1, 0);
    let f1 = b
        .clone()
        .timestamp(t1)
        .build_encrypted(&key, &mut StdRng::seed_from_u64(1))
        .unwrap();
    let f2 = b
        .clone()
        .timestamp(t2)
        .build_encrypted(&key, &mut StdRng::seed_from_u64(2))
        .unwrap();
    let m1 = Message::decode(&f1, Some(&key), t1, &Window::default()).unwrap();
    let m2 = Message::decode(&f2, Some(&key), t2, &Window::default()).unwrap();
    assert_eq!(m1.dedup_key(), m2.dedup_key());
    let plain = decode_plain(&b.clone().build().unwrap()).unwrap();
    assert_eq!(plain.dedup_key(), m1.dedup_key());
    let next = decode_plain(&b.clone().seq(6).build().unwrap()).unwrap();
    assert_ne!(next.dedup_key(), m1.dedup_key());
    let other =
        decode_plain(&b.account("1235").contact_id(1, 110, 1, 15).build().unwrap()).unwrap();
    assert_ne!(other.dedup_key(), plain.dedup_key());
    assert_eq!(plain.dedup_key().to_string().len(), 32);
}

#[test]
fn xdata_time_of_occurrence() {
    let f = MessageBuilder::new(Token::SiaDcs)
        .account("1234")
        .sia("Nri1/FA015")
        .xdata('H', "13:59:58,12-31-2012")
        .xdata('I', "Kho hàng tầng 2")
        .build()
        .unwrap();
    let m = decode_plain(&f).unwrap();
    assert_eq!(m.occurred_at(), Some(ts(2012, 12, 31, 13, 59, 58)));
    assert_eq!(m.xdata[1].value, "Kho hàng tầng 2");
}

#[test]
fn all_public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Message>();
    check::<Header>();
    check::<Event>();
    check::<Key>();
    check::<Error>();
    check::<BuildError>();
    check::<StreamDecoder>();
    check::<MessageBuilder>();
    check::<Window>();
    check::<XData>();
}

// ---------------------------------------------------------------------------------------------
// Stream decoder.

#[test]
fn stream_handles_split_joined_and_garbage() {
    let a = wire(r#"F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]"#);
    let b = wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#);
    let mut dec = StreamDecoder::default();
    dec.feed(&a[..5]);
    assert!(dec.next_frame().is_none());
    assert_eq!(dec.pending_len(), 5);
    dec.feed(&a[5..]);
    assert_eq!(dec.next_frame(), Some(Ok(a.clone())));
    // Two frames and garbage in one read.
    let mut joined = b"junk".to_vec();
    joined.extend_from_slice(&a);
    joined.extend_from_slice(b"\x00\xff");
    joined.extend_from_slice(&b);
    dec.feed(&joined);
    assert_eq!(dec.next_frame(), Some(Ok(a.clone())));
    assert_eq!(dec.next_frame(), Some(Ok(b.clone())));
    assert_eq!(dec.next_frame(), None);
    assert_eq!(dec.skipped_bytes(), 6);
    assert_eq!(dec.finish(), None);
}

#[test]
fn stream_resyncs_after_truncated_and_oversized_frames() {
    let good = wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#);
    let mut dec = StreamDecoder::new(40);
    // A frame cut short by a new LF.
    let mut input = b"\n1234".to_vec();
    input.extend_from_slice(&good);
    dec.feed(&input);
    assert_eq!(dec.next_frame(), Some(Err(Error::MissingCr { len: 5 })));
    assert_eq!(dec.next_frame(), Some(Ok(good.clone())));
    // An oversized frame, fed in pieces, never buffered beyond the limit.
    dec.feed(b"\n");
    for _ in 0..100 {
        dec.feed(&[b'A'; 10]);
        assert!(dec.pending_len() <= 40);
    }
    dec.feed(b"\r");
    assert_eq!(
        dec.next_frame(),
        Some(Err(Error::FrameTooLong { len: 1002, max: 40 }))
    );
    dec.feed(&good);
    assert_eq!(dec.next_frame(), Some(Ok(good.clone())));
    // An oversized frame followed directly by a new frame (no CR).
    let mut input = vec![LF];
    input.extend_from_slice(&[b'B'; 50]);
    input.extend_from_slice(&good);
    dec.feed(&input);
    assert!(matches!(
        dec.next_frame(),
        Some(Err(Error::FrameTooLong { .. }))
    ));
    assert_eq!(dec.next_frame(), Some(Ok(good.clone())));
    // A frame of exactly the limit passes; one byte more does not.
    let mut exact = StreamDecoder::new(good.len());
    exact.feed(&good);
    assert_eq!(exact.next_frame(), Some(Ok(good.clone())));
    let mut under = StreamDecoder::new(good.len() - 1);
    under.feed(&good);
    assert!(matches!(
        under.next_frame(),
        Some(Err(Error::FrameTooLong { .. }))
    ));
    // Connection closed mid-frame.
    dec.feed(&good[..10]);
    assert_eq!(dec.finish(), Some(Error::MissingCr { len: 10 }));
}

#[test]
fn datagram_path() {
    let good = wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#);
    assert_eq!(frame_from_datagram(&good, MAX_FRAME_LEN), Ok(&good[..]));
    assert!(matches!(
        frame_from_datagram(&good, 10),
        Err(Error::FrameTooLong { .. })
    ));
    assert!(matches!(
        frame_from_datagram(&good[1..], 100),
        Err(Error::MissingLf { .. })
    ));
    assert!(matches!(
        frame_from_datagram(&good[..good.len() - 1], 100),
        Err(Error::MissingCr { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Property tests.

fn token_strategy() -> impl Strategy<Value = Token> {
    prop::sample::select(vec![
        Token::SiaDcs,
        Token::AdmCid,
        Token::Null,
        Token::Ack,
        Token::Nak,
        Token::Duh,
        Token::Rsp,
        Token::Xnm,
    ])
}

fn hex_string(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[0-9A-Fa-f]{{{min},{max}}}")).unwrap()
}

#[derive(Debug, Clone)]
struct Spec {
    token: Token,
    seq: u16,
    receiver: Option<String>,
    line: String,
    account: String,
    cid: (u8, u16, u8, u16),
    sia: Vec<(String, u32)>,
    xdata: Vec<(char, String)>,
    timestamp: Option<i64>,
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        token_strategy(),
        0u16..=9999,
        proptest::option::of(hex_string(1, 6)),
        hex_string(1, 6),
        hex_string(3, 16),
        (
            prop::sample::select(vec![1u8, 3, 6]),
            0u16..1000,
            0u8..100,
            0u16..1000,
        ),
        prop::collection::vec(("[A-Z]{2}", 0u32..100_000), 1..4),
        prop::collection::vec((prop::char::range('A', 'Z'), "[ -Z\\\\^-~]{0,20}"), 0..3),
        proptest::option::of(Timestamp::MIN.unix()..=Timestamp::MAX.unix()),
    )
        .prop_map(
            |(token, seq, receiver, line, account, cid, sia, xdata, timestamp)| Spec {
                token,
                seq,
                receiver,
                line,
                account,
                cid,
                sia,
                xdata,
                timestamp,
            },
        )
}

fn builder_for(spec: &Spec) -> MessageBuilder {
    let mut b = MessageBuilder::new(spec.token)
        .seq(spec.seq)
        .line(&spec.line)
        .account(&spec.account);
    if let Some(r) = &spec.receiver {
        b = b.receiver(r);
    }
    b = match spec.token {
        Token::AdmCid => b.contact_id(spec.cid.0, spec.cid.1, spec.cid.2, spec.cid.3),
        Token::SiaDcs => {
            let block: Vec<String> = spec.sia.iter().map(|(c, z)| format!("{c}{z}")).collect();
            b.sia(&format!("Nri1/{}", block.join("/")))
        }
        _ => b,
    };
    for (k, v) in &spec.xdata {
        b = b.xdata(*k, v);
    }
    if let Some(t) = spec.timestamp {
        b = b.timestamp(Timestamp::from_unix(t));
    }
    b
}

fn check_round_trip(spec: &Spec, m: &Message) -> Result<(), TestCaseError> {
    prop_assert_eq!(m.token(), spec.token);
    prop_assert_eq!(m.seq(), spec.seq);
    prop_assert_eq!(
        m.receiver().map(|r| r.as_str().to_owned()),
        spec.receiver.clone()
    );
    prop_assert_eq!(m.header.line.as_str(), spec.line.as_str());
    prop_assert_eq!(
        m.header.account.as_ref().map(|a| a.as_str()),
        Some(spec.account.as_str())
    );
    prop_assert_eq!(m.xdata.len(), spec.xdata.len());
    for (x, (k, v)) in m.xdata.iter().zip(&spec.xdata) {
        prop_assert_eq!(x.key, *k);
        prop_assert_eq!(&x.value, v);
    }
    match spec.token {
        Token::AdmCid => {
            let e = &m.events[0];
            prop_assert_eq!(m.events.len(), 1);
            prop_assert_eq!(
                e.code.to_string(),
                format!("{}{:03}", spec.cid.0, spec.cid.1)
            );
            prop_assert_eq!(e.partition, Some(u32::from(spec.cid.2)));
            prop_assert_eq!(e.zone.or(e.user), Some(u32::from(spec.cid.3)));
        }
        Token::SiaDcs => {
            prop_assert_eq!(m.events.len(), spec.sia.len());
            for (e, (c, z)) in m.events.iter().zip(&spec.sia) {
                prop_assert_eq!(&e.code.to_string(), c);
                prop_assert_eq!(e.zone.or(e.user), Some(*z));
                prop_assert_eq!(e.partition, Some(1));
            }
        }
        _ => prop_assert!(m.events.is_empty()),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn plain_round_trip(spec in spec_strategy()) {
        // Only NAK may use the `A0` account form, which the builder uses without an account;
        // here every message has an account.
        let frame = builder_for(&spec).build().unwrap();
        let m = decode_plain(&frame).unwrap();
        check_round_trip(&spec, &m)?;
        prop_assert_eq!(m.timestamp.map(Timestamp::unix), spec.timestamp);
        // Rebuilding from the decoded message gives the same bytes.
        let mut again = MessageBuilder::from_header(&m.header).data(&m.data);
        for x in &m.xdata {
            again = again.xdata(x.key, &x.value);
        }
        if let Some(t) = m.timestamp {
            again = again.timestamp(t);
        }
        prop_assert_eq!(again.build().unwrap(), frame);
    }

    #[test]
    fn encrypted_round_trip(spec in spec_strategy(), key_len in prop::sample::select(vec![16usize, 24, 32]), key_seed: u64, pad_seed: u64) {
        prop_assume!(spec.token.is_encryptable());
        let mut key_rng = StdRng::seed_from_u64(key_seed);
        let key_bytes: Vec<u8> = (0..key_len).map(|_| rand::Rng::gen(&mut key_rng)).collect();
        let key = Key::from_bytes(&key_bytes).unwrap();
        let now = Timestamp::from_unix(spec.timestamp.unwrap_or(1_767_268_800));
        let b = builder_for(&spec).timestamp(now);
        let frame = b.build_encrypted(&key, &mut StdRng::seed_from_u64(pad_seed)).unwrap();
        let h = Header::peek(&frame).unwrap();
        prop_assert!(h.encrypted);
        let m = Message::decode(&frame, Some(&key), now, &Window::default()).unwrap();
        check_round_trip(&spec, &m)?;
        prop_assert_eq!(m.timestamp, Some(now));
        // Same content as the plain frame.
        let plain = decode_plain(&b.build().unwrap()).unwrap();
        prop_assert_eq!(plain.dedup_key(), m.dedup_key());
        prop_assert_eq!(&plain.events, &m.events);
    }

    #[test]
    fn decoder_never_panics_on_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let key = Key::from_bytes(&[7; 16]).unwrap();
        let _ = Header::peek(&data);
        let _ = Message::decode(&data, Some(&key), Timestamp::from_unix(0), &Window::default());
        let mut dec = StreamDecoder::new(128);
        dec.feed(&data);
        while let Some(f) = dec.next_frame() {
            if let Ok(f) = f {
                let _ = Message::decode(&f, None, Timestamp::from_unix(0), &Window::default());
            }
        }
        let _ = dec.finish();
    }

    #[test]
    fn decoder_never_panics_on_well_framed_garbage(region in prop::collection::vec(prop_oneof![
        Just(b'"'), Just(b'['), Just(b']'), Just(b'|'), Just(b'#'), Just(b'_'), Just(b'^'), Just(b'/'),
        Just(b'L'), Just(b'R'), Just(b'A'), Just(b'N'), Just(b'*'), b'0'..=b'9', b'A'..=b'Z', b'a'..=b'z', any::<u8>()
    ], 0..120), prefix in prop::sample::select(vec![
        &br#""SIA-DCS"0001L0#1234["#[..], br#""ADM-CID"0001R1L0#1234["#, br#""*SIA-DCS"0001L0#1234["#,
        br#""NAK"0000R0L0A0["#, br#""NULL"0001L0#ABC["#, b"",
    ])) {
        let mut full = prefix.to_vec();
        full.extend_from_slice(&region);
        let frame = framed(&full);
        let key = Key::from_bytes(&[1; 32]).unwrap();
        let _ = Header::peek(&frame);
        let _ = Message::decode(&frame, Some(&key), Timestamp::from_unix(0), &Window::default());
        let _ = Message::decode(&frame, None, Timestamp::from_unix(0), &Window { check_plain: true, ..Window::default() });
    }

    #[test]
    fn decrypted_garbage_never_panics(
        plain in prop_oneof![
            prop::collection::vec(any::<u8>(), 1..200),
            "[P|#0-9A-Z\\]\\[_:,^/a-z -]{1,80}".prop_map(String::into_bytes),
        ],
        prefix in prop::sample::select(vec![
            r#""*SIA-DCS"0001L0#1234["#, r#""*ADM-CID"0001R1L0#1234["#, r#""*NULL"0000L0#ABC["#, r#""*ACK"0000L0#ABC["#,
        ]),
    ) {
        let key = Key::from_bytes(&[3; 16]).unwrap();
        let mut padded = vec![b'P'; (16 - plain.len() % 16) % 16];
        padded.extend_from_slice(&plain);
        let frame = encrypted_frame(&key, prefix, &padded);
        let now = ts(2026, 1, 1, 12, 0, 0);
        if let Ok(m) = Message::decode(&frame, Some(&key), now, &Window::default()) {
            // Whatever decoded had a timestamp inside the window.
            let t = m.timestamp.unwrap();
            prop_assert!(Window::default().contains(t, now));
        }
    }

    #[test]
    fn any_chunking_yields_the_same_frames(
        pieces in prop::collection::vec(prop_oneof![
            Just(wire(r#"F4D20029"SIA-DCS"0001RF3L77#1234[#1234|NRR|Atest]"#)),
            Just(wire(r#"96ED0016"SIA-DCS"0001L0#1234[]"#)),
            Just(b"\n12345".to_vec()),
            prop::collection::vec(any::<u8>(), 0..20),
            prop::collection::vec(b'A'..=b'Z', 70..90).prop_map(|mut v| { v.insert(0, LF); v.push(CR); v }),
        ], 0..12),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let stream: Vec<u8> = pieces.concat();
        let collect = |chunks: &[&[u8]]| {
            let mut dec = StreamDecoder::new(64);
            let mut out = Vec::new();
            for c in chunks {
                dec.feed(c);
                while let Some(f) = dec.next_frame() {
                    out.push(f);
                }
                prop_assert!(dec.pending_len() <= 64);
            }
            out.push(dec.finish().map_or(Ok(Vec::new()), Err));
            Ok((out, dec.skipped_bytes()))
        };
        let whole = collect(&[&stream])?;
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&stream[last..p]);
            last = p;
        }
        chunks.push(&stream[last..]);
        let split = collect(&chunks)?;
        prop_assert_eq!(whole, split);
    }
}
