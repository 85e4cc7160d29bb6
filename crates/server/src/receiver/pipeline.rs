//! What the receiver does with one frame, before any I/O: check it, find its device, decode
//! it, and decide the answer. A valid message becomes a [`FrameRecord`] to store durably and
//! the ACK to send once it is stored; anything else gets its NAK or DUH at once (and is kept
//! for forensics).

use super::registry::{DeviceEntry, Registry};
use chrono::{DateTime, Utc};
use dc09::{Category, Error, Header, Message, PadSource, Timestamp, Token, Window};
use std::net::IpAddr;
use std::sync::Arc;
use store::{FrameRecord, SignalInput};

/// Messages without timestamp are deduplicated within time buckets of this many seconds (the
/// current and the previous bucket), so a sequence number that wraps later is not mistaken for
/// a retransmission.
pub const DEDUP_BUCKET_SECS: i64 = 300;

/// Every result and reason the receiver counts (`binhyen_dc09_frames_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// ACK of a new message.
    AckNew,
    /// ACK of a retransmission (stored once).
    AckDuplicate,
    NakFraming,
    NakTooLong,
    NakCrc,
    NakLength,
    NakFormat,
    NakUnknownAccount,
    NakDisabled,
    NakWrongKey,
    NakNoKey,
    NakTimestamp,
    NakPlainRefused,
    /// An unencrypted message from a source outside `--dc09-plain-sources`.
    NakPlainSource,
    NakStoreFailed,
    /// NAK of a valid message that found the writer's queue full past the admission wait:
    /// the device retransmits later, nothing was acknowledged.
    NakOverload,
    DuhUnsupportedToken,
    /// A response token (ACK/NAK/DUH) from a device: nothing to answer.
    IgnoredResponse,
    /// Dropped without an answer: the source is being slowed down.
    DroppedThrottled,
}

impl Outcome {
    /// Every outcome, for the metrics.
    pub const ALL: [Outcome; 19] = [
        Outcome::AckNew,
        Outcome::AckDuplicate,
        Outcome::NakFraming,
        Outcome::NakTooLong,
        Outcome::NakCrc,
        Outcome::NakLength,
        Outcome::NakFormat,
        Outcome::NakUnknownAccount,
        Outcome::NakDisabled,
        Outcome::NakWrongKey,
        Outcome::NakNoKey,
        Outcome::NakTimestamp,
        Outcome::NakPlainRefused,
        Outcome::NakPlainSource,
        Outcome::NakStoreFailed,
        Outcome::NakOverload,
        Outcome::DuhUnsupportedToken,
        Outcome::IgnoredResponse,
        Outcome::DroppedThrottled,
    ];

    /// `(result, reason)` labels.
    pub fn labels(self) -> (&'static str, &'static str) {
        match self {
            Outcome::AckNew => ("ack", "new"),
            Outcome::AckDuplicate => ("ack", "duplicate"),
            Outcome::NakFraming => ("nak", "framing"),
            Outcome::NakTooLong => ("nak", "too_long"),
            Outcome::NakCrc => ("nak", "crc"),
            Outcome::NakLength => ("nak", "length"),
            Outcome::NakFormat => ("nak", "format"),
            Outcome::NakUnknownAccount => ("nak", "unknown_account"),
            Outcome::NakDisabled => ("nak", "device_disabled"),
            Outcome::NakWrongKey => ("nak", "wrong_key"),
            Outcome::NakNoKey => ("nak", "no_key"),
            Outcome::NakTimestamp => ("nak", "timestamp"),
            Outcome::NakPlainRefused => ("nak", "plain_refused"),
            Outcome::NakPlainSource => ("nak", "plain_source"),
            Outcome::NakStoreFailed => ("nak", "store_failed"),
            Outcome::NakOverload => ("nak", "overload"),
            Outcome::DuhUnsupportedToken => ("duh", "unsupported_token"),
            Outcome::IgnoredResponse => ("none", "response_token"),
            Outcome::DroppedThrottled => ("dropped", "throttled"),
        }
    }

    /// Whether it counts against the source as garbage (slowing it down when repeated).
    pub fn is_garbage(self) -> bool {
        matches!(
            self,
            Outcome::NakFraming
                | Outcome::NakTooLong
                | Outcome::NakCrc
                | Outcome::NakLength
                | Outcome::NakFormat
                | Outcome::NakUnknownAccount
                | Outcome::NakWrongKey
        )
    }
}

/// The outcome a decoding error calls for.
pub fn outcome_of(error: &Error) -> Outcome {
    match error {
        Error::MissingLf { .. }
        | Error::MissingCr { .. }
        | Error::StrayControl { .. }
        | Error::TooShort { .. } => Outcome::NakFraming,
        Error::FrameTooLong { .. } => Outcome::NakTooLong,
        Error::BadCrcField { .. } | Error::CrcMismatch { .. } => Outcome::NakCrc,
        Error::BadLengthField { .. } | Error::LengthMismatch { .. } => Outcome::NakLength,
        Error::MissingTimestamp | Error::TimestampOutOfWindow { .. } => Outcome::NakTimestamp,
        Error::Undecryptable { .. } => Outcome::NakWrongKey,
        Error::MissingKey { .. } => Outcome::NakNoKey,
        Error::UnsupportedToken { .. } => Outcome::DuhUnsupportedToken,
        _ => Outcome::NakFormat,
    }
}

/// What to do with a frame.
pub enum Decision {
    /// Answer now (NAK, DUH, or nothing for a response token) and keep the frame as rejected.
    Reply {
        reply: Option<Vec<u8>>,
        outcome: Outcome,
        record: FrameRecord,
    },
    /// Store the message durably, then send `ack`.
    Store {
        record: FrameRecord,
        ack: Vec<u8>,
        device: Arc<DeviceEntry>,
        /// The NAK to send instead if storing fails.
        nak: Vec<u8>,
    },
}

/// The source addresses allowed to send unencrypted messages (`--dc09-plain-sources`): a
/// plain message carries no secret, so anyone who knows a device's account number could
/// forge one; pinning plain devices to the networks they sit on narrows that. Empty: any
/// source (the devices' own `allow_plain` still decides).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlainSources(Vec<(IpAddr, u8)>);

impl PlainSources {
    /// Parses addresses and CIDR blocks (`192.0.2.7`, `10.20.0.0/16`, `2001:db8::/32`).
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<PlainSources, String> {
        let mut nets = Vec::new();
        for item in list {
            let item = item.as_ref().trim();
            if item.is_empty() {
                continue;
            }
            let (addr, prefix) = match item.split_once('/') {
                Some((a, p)) => (a, Some(p)),
                None => (item, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("not an address or CIDR block: {item}"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                Some(p) => p
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= max)
                    .ok_or_else(|| format!("bad prefix length in {item}"))?,
                None => max,
            };
            nets.push((addr, prefix));
        }
        Ok(PlainSources(nets))
    }

    /// Whether no restriction is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` may send unencrypted messages.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.is_empty()
            || self.0.iter().any(|(net, prefix)| match (net, ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                    u32::from(*n) & mask == u32::from(a) & mask
                }
                (IpAddr::V6(n), IpAddr::V6(a)) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                    u128::from(*n) & mask == u128::from(a) & mask
                }
                _ => false,
            })
    }

    fn allows_peer(&self, peer: &str) -> bool {
        self.is_empty()
            || peer
                .parse::<std::net::SocketAddr>()
                .is_ok_and(|a| self.allows(a.ip()))
    }
}

/// Where a frame came from.
#[derive(Debug, Clone)]
pub struct Origin {
    pub transport: &'static str,
    pub peer: String,
}

/// snake_case name of a dc09 category.
pub fn category_code(c: Category) -> &'static str {
    match c {
        Category::FireAlarm => "fire_alarm",
        Category::FireSupervisory => "fire_supervisory",
        Category::FireTrouble => "fire_trouble",
        Category::OtherTrouble => "other_trouble",
        Category::Communication => "communication",
        Category::Test => "test",
        Category::Restore => "restore",
        Category::Panic => "panic",
        Category::Medical => "medical",
        Category::Burglary => "burglary",
        Category::Hazard => "hazard",
        Category::OpenClose => "open_close",
        Category::Status => "status",
        _ => "unknown",
    }
}

/// Whether a signal of this family needs work after it is stored: an incident (alarms) or a
/// facility trouble (troubles), or, for a restore, marking that done.
pub fn is_actionable(family: Category) -> bool {
    matches!(
        family,
        Category::FireAlarm
            | Category::Panic
            | Category::Medical
            | Category::Burglary
            | Category::FireTrouble
            | Category::FireSupervisory
            | Category::OtherTrouble
            | Category::Communication
    )
}

fn frame_text(frame: &[u8]) -> String {
    let inner = frame
        .strip_prefix(b"\n")
        .unwrap_or(frame)
        .strip_suffix(b"\r")
        .unwrap_or(frame);
    let inner = if inner.len() > 2048 {
        &inner[..2048]
    } else {
        inner
    };
    String::from_utf8_lossy(inner).into_owned()
}

/// The receiver's current time as a DC-09 timestamp.
pub fn dc09_now(now: DateTime<Utc>) -> Timestamp {
    Timestamp::from_unix(now.timestamp())
}

fn rejected(
    frame: &[u8],
    origin: &Origin,
    header: Option<&Header>,
    device: Option<&DeviceEntry>,
    outcome: Outcome,
    reply: Option<Vec<u8>>,
    now: DateTime<Utc>,
) -> Decision {
    let (result, reason) = outcome.labels();
    Decision::Reply {
        reply,
        outcome,
        record: FrameRecord {
            received_at: now,
            transport: origin.transport,
            peer: origin.peer.clone(),
            account: header.and_then(|h| h.account.map(|a| a.as_str().to_owned())),
            device_id: device.map(|d| d.id),
            result,
            reason,
            frame: frame_text(frame),
            dedup_key: None,
            dedup_probe: None,
            signals: Vec::new(),
        },
    }
}

/// The dedup key of a valid message (and the key of the previous time bucket to probe, for a
/// message without timestamp).
///
/// The key starts with the time (the message's, or the bucket's), so that the keys written
/// together sort together: each commit then touches a few pages of the unique index instead
/// of one page per device.
pub fn dedup_keys(msg: &Message, account: &str, now: DateTime<Utc>) -> (String, Option<String>) {
    let base = format!("{account}:{:04}:{}", msg.seq(), msg.dedup_key());
    match msg.timestamp {
        Some(ts) => (format!("t{}:{base}", ts.unix()), None),
        None => {
            let bucket = now.timestamp().div_euclid(DEDUP_BUCKET_SECS);
            (
                format!("b{bucket}:{base}"),
                Some(format!("b{}:{base}", bucket - 1)),
            )
        }
    }
}

/// Decides what to do with one frame (already split from the stream or taken from a
/// datagram). `framing` is the framing error from the stream decoder, if any.
pub fn decide(
    frame: &[u8],
    origin: &Origin,
    registry: &Registry,
    window: &Window,
    plain_sources: &PlainSources,
    now: DateTime<Utc>,
    rng: &mut (impl PadSource + ?Sized),
) -> Decision {
    let ts_now = dc09_now(now);
    let nak = || Some(dc09::nak(ts_now));
    let header = match Header::peek(frame) {
        Ok(h) => h,
        Err(e) => {
            let outcome = outcome_of(&e);
            let reply = dc09::reply_for_error(frame, &e, ts_now);
            return rejected(frame, origin, None, None, outcome, Some(reply), now);
        }
    };
    if header.token.is_response() {
        return rejected(
            frame,
            origin,
            Some(&header),
            None,
            Outcome::IgnoredResponse,
            None,
            now,
        );
    }
    if let Token::Other(_) = header.token {
        let reply = dc09::duh_for(&header);
        return rejected(
            frame,
            origin,
            Some(&header),
            None,
            Outcome::DuhUnsupportedToken,
            Some(reply),
            now,
        );
    }
    let Some(account) = header.account else {
        return rejected(
            frame,
            origin,
            Some(&header),
            None,
            Outcome::NakUnknownAccount,
            nak(),
            now,
        );
    };
    let Some(device) = registry.get(account.as_str()) else {
        return rejected(
            frame,
            origin,
            Some(&header),
            None,
            Outcome::NakUnknownAccount,
            nak(),
            now,
        );
    };
    let fixed_mismatch = |fixed: &Option<String>, sent: Option<&str>| match fixed {
        Some(f) => sent.is_none_or(|s| !s.eq_ignore_ascii_case(f)),
        None => false,
    };
    if fixed_mismatch(
        &device.receiver,
        header.receiver.as_ref().map(|r| r.as_str()),
    ) || fixed_mismatch(&device.line, Some(header.line.as_str()))
    {
        return rejected(
            frame,
            origin,
            Some(&header),
            Some(&device),
            Outcome::NakUnknownAccount,
            nak(),
            now,
        );
    }
    if !device.enabled {
        return rejected(
            frame,
            origin,
            Some(&header),
            Some(&device),
            Outcome::NakDisabled,
            nak(),
            now,
        );
    }
    if !header.encrypted && !device.allow_plain {
        return rejected(
            frame,
            origin,
            Some(&header),
            Some(&device),
            Outcome::NakPlainRefused,
            nak(),
            now,
        );
    }
    // The device's own sources, else the receiver's.
    let sources = device.plain_sources.as_ref().unwrap_or(plain_sources);
    if !header.encrypted && !sources.allows_peer(&origin.peer) {
        return rejected(
            frame,
            origin,
            Some(&header),
            Some(&device),
            Outcome::NakPlainSource,
            nak(),
            now,
        );
    }
    let msg = match Message::decode(frame, device.key.as_ref(), ts_now, window) {
        Ok(m) => m,
        Err(e) => {
            let outcome = outcome_of(&e);
            let reply = dc09::reply_for_error(frame, &e, ts_now);
            return rejected(
                frame,
                origin,
                Some(&header),
                Some(&device),
                outcome,
                Some(reply),
                now,
            );
        }
    };
    let ack = match dc09::ack_for(&msg, device.key.as_ref(), ts_now, rng) {
        Ok(a) => a,
        Err(_) => {
            return rejected(
                frame,
                origin,
                Some(&header),
                Some(&device),
                Outcome::NakNoKey,
                nak(),
                now,
            )
        }
    };
    let (dedup_key, dedup_probe) = dedup_keys(&msg, &device.account, now);
    let signals = msg
        .events
        .iter()
        .filter(|e| !e.is_heartbeat())
        .map(|e| SignalInput {
            device_id: device.id,
            facility_id: device.facility_id,
            unit_code: device.unit_code.clone(),
            code: e.code.to_string(),
            category: category_code(e.category).to_owned(),
            family: category_code(e.family).to_owned(),
            restore: e.restore,
            zone: e.zone.map(|z| z.to_string()),
            partition: e.partition.map(i64::from),
            text: e.text.clone(),
            meaning_vi: e.meaning_vi().to_owned(),
            raw_event: e.raw.clone(),
            actionable: is_actionable(e.family),
        })
        .collect();
    let reason = if msg.is_supervision() {
        "supervision"
    } else {
        "event"
    };
    Decision::Store {
        record: FrameRecord {
            received_at: now,
            transport: origin.transport,
            peer: origin.peer.clone(),
            account: Some(device.account.clone()),
            device_id: Some(device.id),
            result: "ack",
            reason,
            frame: frame_text(frame),
            dedup_key: Some(dedup_key),
            dedup_probe,
            signals,
        },
        ack,
        nak: dc09::nak(ts_now),
        device,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dc09::{Key, MessageBuilder};
    use rand::{rngs::StdRng, SeedableRng};

    fn registry_with(account: &str, key: Option<Key>, allow_plain: bool) -> Registry {
        let r = Registry::new(None);
        r.insert_for_test(DeviceEntry {
            id: 1,
            account: account.to_owned(),
            receiver: None,
            line: None,
            facility_id: 10,
            unit_code: "00004".into(),
            key,
            allow_plain,
            plain_sources: None,
            enabled: true,
        });
        r
    }

    fn origin() -> Origin {
        Origin {
            transport: "tcp",
            peer: "127.0.0.1:5000".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_268_800, 0).unwrap()
    }

    #[test]
    fn plain_fire_alarm_is_stored_then_acked() {
        let reg = registry_with("1234", None, true);
        let frame = MessageBuilder::new(Token::AdmCid)
            .seq(7)
            .account("1234")
            .contact_id(1, 110, 1, 15)
            .build()
            .unwrap();
        let mut rng = StdRng::seed_from_u64(1);
        match decide(
            &frame,
            &origin(),
            &reg,
            &Window::default(),
            &PlainSources::default(),
            now(),
            &mut rng,
        ) {
            Decision::Store { record, ack, .. } => {
                assert_eq!(record.signals.len(), 1);
                assert_eq!(record.signals[0].category, "fire_alarm");
                assert_eq!(record.signals[0].zone.as_deref(), Some("15"));
                assert!(record.signals[0].actionable);
                assert!(record.dedup_probe.is_some(), "no timestamp: bucket probe");
                let text = String::from_utf8_lossy(&ack).into_owned();
                assert!(text.contains("\"ACK\"0007L0#1234[]"), "{text}");
            }
            Decision::Reply { outcome, .. } => panic!("refused: {outcome:?}"),
        }
    }

    #[test]
    fn each_refusal_has_its_reason() {
        let key = Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap();
        let reg = registry_with("1234", Some(key), false);
        let mut rng = StdRng::seed_from_u64(2);
        let plain = MessageBuilder::new(Token::Null)
            .seq(1)
            .account("1234")
            .build()
            .unwrap();
        let outcome = |frame: &[u8], rng: &mut StdRng| match decide(
            frame,
            &origin(),
            &reg,
            &Window::default(),
            &PlainSources::default(),
            now(),
            rng,
        ) {
            Decision::Reply { outcome, reply, .. } => (outcome, reply),
            Decision::Store { .. } => (Outcome::AckNew, None),
        };
        assert_eq!(outcome(&plain, &mut rng).0, Outcome::NakPlainRefused);
        let unknown = MessageBuilder::new(Token::Null)
            .seq(1)
            .account("9999")
            .build()
            .unwrap();
        assert_eq!(outcome(&unknown, &mut rng).0, Outcome::NakUnknownAccount);
        let mut bad_crc = plain.clone();
        bad_crc[1] = if bad_crc[1] == b'0' { b'1' } else { b'0' };
        assert_eq!(outcome(&bad_crc, &mut rng).0, Outcome::NakCrc);
        let wrong_key = Key::from_hex("ffeeddccbbaa99887766554433221100").unwrap();
        let ts = dc09_now(now());
        let enc = MessageBuilder::new(Token::Null)
            .seq(2)
            .account("1234")
            .timestamp(ts)
            .build_encrypted(&wrong_key, &mut rng)
            .unwrap();
        assert_eq!(outcome(&enc, &mut rng).0, Outcome::NakWrongKey);
        let stale = MessageBuilder::new(Token::Null)
            .seq(3)
            .account("1234")
            .timestamp(Timestamp::from_unix(ts.unix() - 600))
            .build_encrypted(
                &Key::from_hex("000102030405060708090a0b0c0d0e0f").unwrap(),
                &mut rng,
            )
            .unwrap();
        let (o, reply) = outcome(&stale, &mut rng);
        assert_eq!(o, Outcome::NakTimestamp);
        let reply = String::from_utf8(reply.unwrap()).unwrap();
        assert!(
            reply.contains("\"NAK\"0000R0L0A0[]_12:00:00,01-01-2026"),
            "{reply}"
        );
        let legacy = MessageBuilder::new(Token::from_name("SIA-S2K").unwrap())
            .seq(4)
            .account("1234")
            .build()
            .unwrap();
        let (o, reply) = outcome(&legacy, &mut rng);
        assert_eq!(o, Outcome::DuhUnsupportedToken);
        assert!(String::from_utf8(reply.unwrap())
            .unwrap()
            .contains("\"DUH\"0004"));
    }

    /// The outcome of `frame` sent over TCP from `peer`, with the receiver's `sources`.
    fn from_peer(
        frame: &[u8],
        reg: &Registry,
        peer: &str,
        sources: &PlainSources,
        rng: &mut StdRng,
    ) -> Outcome {
        let origin = Origin {
            transport: "tcp",
            peer: peer.into(),
        };
        match decide(frame, &origin, reg, &Window::default(), sources, now(), rng) {
            Decision::Reply { outcome, .. } => outcome,
            Decision::Store { .. } => Outcome::AckNew,
        }
    }

    #[test]
    fn plain_messages_only_from_the_allowed_sources() {
        let reg = registry_with("1234", None, true);
        let mut rng = StdRng::seed_from_u64(4);
        let frame = MessageBuilder::new(Token::AdmCid)
            .seq(9)
            .account("1234")
            .contact_id(1, 110, 1, 1)
            .build()
            .unwrap();
        let sources =
            PlainSources::parse(&["10.20.0.0/16", "2001:db8::/32", " 192.0.2.7 "]).unwrap();
        let outcome = |peer: &str, rng: &mut StdRng| from_peer(&frame, &reg, peer, &sources, rng);
        assert_eq!(outcome("10.20.3.4:5000", &mut rng), Outcome::AckNew);
        assert_eq!(outcome("192.0.2.7:5000", &mut rng), Outcome::AckNew);
        assert_eq!(
            outcome("[::ffff:10.20.9.9]:5000", &mut rng),
            Outcome::AckNew
        );
        assert_eq!(outcome("[2001:db8::1]:5000", &mut rng), Outcome::AckNew);
        assert_eq!(outcome("10.21.0.1:5000", &mut rng), Outcome::NakPlainSource);
        assert_eq!(outcome("192.0.2.8:5000", &mut rng), Outcome::NakPlainSource);
        assert_eq!(outcome("not an address", &mut rng), Outcome::NakPlainSource);
        assert!(PlainSources::parse(&["10.0.0.0/33"]).is_err());
        assert!(PlainSources::parse(&["ten"]).is_err());
        assert!(PlainSources::parse(&["0.0.0.0/0"])
            .unwrap()
            .allows("8.8.8.8".parse().unwrap()));
    }

    /// A device's own list replaces the receiver's: a panel pinned to its line is refused
    /// from anywhere else, even where the receiver's list (or no list) would let it in.
    #[test]
    fn a_devices_own_plain_sources_replace_the_receivers() {
        let reg = Registry::new(None);
        reg.insert_for_test(DeviceEntry {
            id: 1,
            account: "1234".into(),
            receiver: None,
            line: None,
            facility_id: 10,
            unit_code: "00004".into(),
            key: None,
            allow_plain: true,
            plain_sources: Some(PlainSources::parse(&["198.51.100.7"]).unwrap()),
            enabled: true,
        });
        let mut rng = StdRng::seed_from_u64(5);
        let frame = MessageBuilder::new(Token::AdmCid)
            .seq(9)
            .account("1234")
            .contact_id(1, 110, 1, 1)
            .build()
            .unwrap();
        let mut outcome = |peer: &str, receivers: &PlainSources| {
            from_peer(&frame, &reg, peer, receivers, &mut rng)
        };
        let any = PlainSources::default();
        let receivers = PlainSources::parse(&["10.0.0.0/8"]).unwrap();
        assert_eq!(outcome("198.51.100.7:4000", &any), Outcome::AckNew);
        assert_eq!(outcome("198.51.100.7:4000", &receivers), Outcome::AckNew);
        assert_eq!(outcome("198.51.100.8:4000", &any), Outcome::NakPlainSource);
        assert_eq!(
            outcome("10.1.2.3:4000", &receivers),
            Outcome::NakPlainSource
        );
    }

    #[test]
    fn retransmissions_share_a_key_and_wrapped_sequences_do_not() {
        let reg = registry_with("1234", None, true);
        let mut rng = StdRng::seed_from_u64(3);
        let build = |seq, ts: i64| {
            MessageBuilder::new(Token::SiaDcs)
                .seq(seq)
                .account("1234")
                .sia("Nri1/FA015")
                .timestamp(Timestamp::from_unix(ts))
                .build()
                .unwrap()
        };
        let key_of = |frame: &[u8], rng: &mut StdRng| match decide(
            frame,
            &origin(),
            &reg,
            &Window::default(),
            &PlainSources::default(),
            now(),
            rng,
        ) {
            Decision::Store { record, .. } => record.dedup_key.unwrap(),
            Decision::Reply { outcome, .. } => panic!("{outcome:?}"),
        };
        let t = now().timestamp();
        assert_eq!(
            key_of(&build(5, t), &mut rng),
            key_of(&build(5, t), &mut rng)
        );
        assert_ne!(
            key_of(&build(5, t), &mut rng),
            key_of(&build(5, t + 3600), &mut rng)
        );
        assert_ne!(
            key_of(&build(5, t), &mut rng),
            key_of(&build(6, t), &mut rng)
        );
    }

    #[test]
    fn keys_sort_by_time_before_account() {
        // Keys written in one commit must sort together in the unique index, whatever
        // devices they come from.
        let ts = Timestamp::from_unix(now().timestamp());
        let msg = |account: &str, ts: Option<Timestamp>| {
            let b = MessageBuilder::new(Token::SiaDcs)
                .seq(1)
                .account(account)
                .sia("Nri1/RP");
            let b = match ts {
                Some(ts) => b.timestamp(ts),
                None => b,
            };
            let frame = b.build().unwrap();
            Message::decode(
                &frame,
                None,
                Timestamp::from_unix(now().timestamp()),
                &Window::default(),
            )
            .unwrap()
        };
        let early = Timestamp::from_unix(now().timestamp() - 1);
        let (a, _) = dedup_keys(&msg("FFFF", Some(early)), "FFFF", now());
        let (b, _) = dedup_keys(&msg("0001", Some(ts)), "0001", now());
        assert!(a < b, "{a} vs {b}");
        let (a, probe) = dedup_keys(&msg("FFFF", None), "FFFF", now());
        let (b, _) = dedup_keys(
            &msg("0001", None),
            "0001",
            now() + chrono::Duration::seconds(DEDUP_BUCKET_SECS),
        );
        assert!(a < b, "{a} vs {b}");
        assert!(probe.is_some_and(|p| p < a));
    }
}
