//! Decoded alarm events ([`Event`]) from Contact ID (`ADM-CID`) and SIA DC-03 (`SIA-DCS`)
//! data blocks.

use crate::codes::{contact_id_info, sia_info, Category, CodeInfo};
use crate::error::{show, Error};
use std::fmt;

/// The Contact ID event qualifier (the `Q` of `QEEE GG ZZZ`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Qualifier {
    /// `1`: new event, or opening (disarm) for open/close codes.
    New,
    /// `3`: restore, or closing (arm) for open/close codes.
    Restore,
    /// `6`: previously reported condition still present (status).
    Status,
}

impl Qualifier {
    /// The digit as sent.
    pub fn digit(self) -> u8 {
        match self {
            Qualifier::New => 1,
            Qualifier::Restore => 3,
            Qualifier::Status => 6,
        }
    }

    fn from_digit(d: u8) -> Option<Self> {
        match d {
            1 => Some(Qualifier::New),
            3 => Some(Qualifier::Restore),
            6 => Some(Qualifier::Status),
            _ => None,
        }
    }
}

/// The code of an event, as sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventCode {
    /// Contact ID: qualifier and three-digit event code.
    ContactId {
        /// New, restore or status.
        qualifier: Qualifier,
        /// Event code 0..=999.
        code: u16,
    },
    /// SIA DC-03: two uppercase letters.
    Sia([u8; 2]),
}

impl fmt::Display for EventCode {
    /// `1110` for Contact ID (qualifier and code), `FA` for SIA.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventCode::ContactId { qualifier, code } => {
                write!(f, "{}{:03}", qualifier.digit(), code)
            }
            EventCode::Sia(c) => write!(f, "{}{}", char::from(c[0]), char::from(c[1])),
        }
    }
}

/// Meaning shown for codes missing from the tables.
const UNKNOWN_VI: &str = "Mã sự kiện không có trong bảng mã";
const UNKNOWN_EN: &str = "Event code not in the code table";

/// One alarm event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Event {
    /// The code as sent.
    pub code: EventCode,
    /// The category to route on: [`Category::Restore`] for restores, [`Category::Unknown`] for
    /// codes missing from the tables, otherwise the same as `family`.
    pub category: Category,
    /// The kind of condition the code reports, also for restores (a fire alarm restore `FH` has
    /// family [`Category::FireAlarm`] and category [`Category::Restore`]).
    pub family: Category,
    /// Whether the event ends a condition (Contact ID qualifier 3 except on open/close codes,
    /// or a SIA restore code such as `FH`, `FJ`, `FR`).
    pub restore: bool,
    /// Zone (point) number, when the code reports one.
    pub zone: Option<u32>,
    /// User number (open/close codes, SIA `id` modifier).
    pub user: Option<u32>,
    /// Partition (Contact ID group `GG`) or area (SIA `ri` modifier).
    pub partition: Option<u32>,
    /// Free text: SIA `^text^` or `|A` block.
    pub text: Option<String>,
    /// SIA `ti` (time of event) modifier as sent, e.g. `12:34`.
    pub time: Option<String>,
    /// The event as it appeared in the data block, e.g. `1110 01 015` or `FA015`.
    pub raw: String,
    info: Option<&'static CodeInfo>,
}

impl Event {
    fn new(code: EventCode, info: Option<&'static CodeInfo>, restore: bool, raw: String) -> Event {
        let family = info.map_or(Category::Unknown, |i| i.family);
        let category = match (info, restore) {
            (None, _) => Category::Unknown,
            (Some(_), true) => Category::Restore,
            (Some(_), false) => family,
        };
        Event {
            code,
            category,
            family,
            restore,
            zone: None,
            user: None,
            partition: None,
            text: None,
            time: None,
            raw,
            info,
        }
    }

    /// A Contact ID event, classified from the tables.
    pub fn contact_id(qualifier: Qualifier, code: u16, group: u32, zone_or_user: u32) -> Event {
        let raw = format!(
            "{}{:03} {:02} {:03}",
            qualifier.digit(),
            code,
            group,
            zone_or_user
        );
        Event::contact_id_raw(qualifier, code, group, zone_or_user, raw)
    }

    fn contact_id_raw(
        qualifier: Qualifier,
        code: u16,
        group: u32,
        zone_or_user: u32,
        raw: String,
    ) -> Event {
        let info = contact_id_info(code);
        let family = info.map_or(Category::Unknown, |i| i.family);
        let restore = qualifier == Qualifier::Restore && family != Category::OpenClose;
        let mut event = Event::new(EventCode::ContactId { qualifier, code }, info, restore, raw);
        event.partition = Some(group);
        if family == Category::OpenClose {
            event.user = Some(zone_or_user);
        } else {
            event.zone = Some(zone_or_user);
        }
        event
    }

    /// A SIA event with an optional address (zone, or user for open/close codes).
    pub fn sia(code: [u8; 2], address: Option<u32>) -> Event {
        let mut raw = String::with_capacity(8);
        raw.push(char::from(code[0]));
        raw.push(char::from(code[1]));
        if let Some(a) = address {
            raw.push_str(&a.to_string());
        }
        Event::sia_raw(code, address, raw)
    }

    fn sia_raw(code: [u8; 2], address: Option<u32>, raw: String) -> Event {
        let info = sia_info(code);
        let restore = info.is_some_and(|i| i.restore);
        let mut event = Event::new(EventCode::Sia(code), info, restore, raw);
        if event.family == Category::OpenClose {
            event.user = address;
        } else {
            event.zone = address;
        }
        event
    }

    /// Whether the code is in this crate's tables.
    pub fn is_known(&self) -> bool {
        self.info.is_some()
    }

    /// What the tables say about the code, if it is known.
    pub fn info(&self) -> Option<&'static CodeInfo> {
        self.info
    }

    /// Meaning of the code in Vietnamese (a fixed text for unknown codes).
    pub fn meaning_vi(&self) -> &'static str {
        self.info.map_or(UNKNOWN_VI, |i| i.vi)
    }

    /// Meaning of the code in English (a fixed text for unknown codes).
    pub fn meaning_en(&self) -> &'static str {
        self.info.map_or(UNKNOWN_EN, |i| i.en)
    }

    /// Whether this is a periodic test used as a heartbeat (SIA `RP`, Contact ID 602/603).
    pub fn is_heartbeat(&self) -> bool {
        match self.code {
            EventCode::Sia(c) => &c == b"RP",
            EventCode::ContactId { code, .. } => code == 602 || code == 603,
        }
    }
}

impl fmt::Display for Event {
    /// `FA zone 15 area 1: Fire alarm`, in English.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(z) = self.zone {
            write!(f, " zone {z}")?;
        }
        if let Some(u) = self.user {
            write!(f, " user {u}")?;
        }
        if let Some(p) = self.partition {
            write!(f, " area {p}")?;
        }
        write!(f, ": {}", self.meaning_en())?;
        if self.restore {
            f.write_str(" (restore)")?;
        }
        Ok(())
    }
}

/// Splits an optional leading `#acct|` (or a bare `|`) off a data block.
fn split_account(data: &str) -> (Option<&str>, &str) {
    if let Some(rest) = data.strip_prefix('#') {
        match rest.find('|') {
            Some(i) => (Some(&rest[..i]), &rest[i + 1..]),
            None => (Some(rest), ""),
        }
    } else if let Some(rest) = data.strip_prefix('|') {
        (None, rest)
    } else {
        (None, data)
    }
}

fn bad(data: &str, reason: &'static str) -> Error {
    Error::BadEvent {
        data: show(data.as_bytes()),
        reason,
    }
}

/// Decodes an `ADM-CID` data block: `#acct|QEEE GG ZZZ` (account optional, spaces optional).
/// Zone and group are decimal.
pub(crate) fn parse_contact_id(data: &str) -> Result<(Option<&str>, Vec<Event>), Error> {
    if data.is_empty() {
        return Ok((None, Vec::new()));
    }
    let (account, body) = split_account(data);
    let mut digits = [0u8; 9];
    let mut n = 0;
    for b in body.bytes() {
        match b {
            b' ' => {}
            b'0'..=b'9' if n < 9 => {
                digits[n] = b - b'0';
                n += 1;
            }
            b'0'..=b'9' => return Err(bad(data, "contact id event has more than 9 digits")),
            _ => return Err(bad(data, "contact id event holds a non-decimal character")),
        }
    }
    if n != 9 {
        return Err(bad(data, "contact id event needs 9 digits QEEE GG ZZZ"));
    }
    let qualifier = Qualifier::from_digit(digits[0])
        .ok_or_else(|| bad(data, "contact id qualifier is not 1, 3 or 6"))?;
    let num =
        |r: std::ops::Range<usize>| digits[r].iter().fold(0u32, |a, &d| a * 10 + u32::from(d));
    let code = num(1..4) as u16;
    let event = Event::contact_id_raw(
        qualifier,
        code,
        num(4..6),
        num(6..9),
        body.trim().to_string(),
    );
    Ok((account, vec![event]))
}

/// Reads up to 9 decimal digits starting at `*i`.
fn read_number(b: &[u8], i: &mut usize, data: &str) -> Result<Option<u32>, Error> {
    let start = *i;
    while *i < b.len() && b[*i].is_ascii_digit() {
        *i += 1;
    }
    match *i - start {
        0 => Ok(None),
        len if len > 9 => Err(bad(data, "number has more than 9 digits")),
        _ => Ok(Some(
            b[start..*i]
                .iter()
                .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0')),
        )),
    }
}

/// Reads `^text^` starting at the opening caret at `*i`.
fn read_caret_text(b: &[u8], i: &mut usize, data: &str) -> Result<String, Error> {
    let start = *i + 1;
    let len = b[start..]
        .iter()
        .position(|&c| c == b'^')
        .ok_or_else(|| bad(data, "unterminated ^text^"))?;
    *i = start + len + 1;
    Ok(String::from_utf8_lossy(&b[start..start + len]).into_owned())
}

/// Modifiers that apply to the events after them in a SIA block.
#[derive(Default)]
struct Modifiers {
    area: Option<u32>,
    user: Option<u32>,
    time: Option<String>,
}

/// Parses one SIA event block from `*i` up to the next `|` (outside `^text^`) or the end.
fn event_block(
    body: &str,
    i: &mut usize,
    data: &str,
    events: &mut Vec<Event>,
    ctx: &mut Modifiers,
) -> Result<(), Error> {
    let b = body.as_bytes();
    let before = events.len();
    while *i < b.len() && b[*i] != b'|' {
        let c = b[*i];
        if c == b'/' || c == b' ' {
            *i += 1;
        } else if c.is_ascii_lowercase() {
            if !b.get(*i + 1).is_some_and(u8::is_ascii_lowercase) {
                return Err(bad(data, "modifier is not two lowercase letters"));
            }
            let modifier = [c, b[*i + 1]];
            *i += 2;
            let start = *i;
            let allowed: fn(u8) -> bool = match &modifier {
                b"ti" => |c| c.is_ascii_digit() || c == b':',
                b"da" => |c| c.is_ascii_digit() || c == b'-',
                _ => |c| c.is_ascii_digit(),
            };
            while *i < b.len() && allowed(b[*i]) {
                *i += 1;
            }
            let value = &body[start..*i];
            if value.len() > 9 {
                return Err(bad(data, "modifier value has more than 9 characters"));
            }
            match &modifier {
                b"ri" => ctx.area = value.parse().ok(),
                b"id" => ctx.user = value.parse().ok(),
                b"ti" => ctx.time = Some(value.to_string()),
                _ => {}
            }
        } else if c.is_ascii_uppercase() {
            if !b.get(*i + 1).is_some_and(u8::is_ascii_uppercase) {
                return Err(bad(data, "event code is not two uppercase letters"));
            }
            let start = *i;
            let code = [c, b[*i + 1]];
            *i += 2;
            let address = read_number(b, i, data)?;
            let text = match b.get(*i) {
                Some(b'^') => Some(read_caret_text(b, i, data)?),
                _ => None,
            };
            let mut event = Event::sia_raw(code, address, body[start..*i].to_string());
            event.text = text;
            event.partition = ctx.area;
            if event.user.is_none() {
                event.user = ctx.user;
            }
            event.time.clone_from(&ctx.time);
            events.push(event);
        } else if c == b'^' {
            let text = read_caret_text(b, i, data)?;
            let has_event = events.len() > before;
            match events.last_mut() {
                Some(e) if has_event && e.text.is_none() => e.text = Some(text),
                _ => return Err(bad(data, "^text^ without an event code")),
            }
        } else {
            return Err(bad(data, "unexpected character in event block"));
        }
    }
    if events.len() == before {
        return Err(bad(data, "event block without an event code"));
    }
    Ok(())
}

/// Decodes a `SIA-DCS` data block.
///
/// Accepts `#acct|Nri1/FA015`, `|Nri1/CL501`, `Nri1/WA000`, `Nri1CL0^text^` (no `/`),
/// several events (`Nri1/FA015/FA016/ri2/BA003`), `ti`/`id`/`pi` modifiers, and `|A` text
/// blocks.
pub(crate) fn parse_sia(data: &str) -> Result<(Option<&str>, Vec<Event>), Error> {
    if data.is_empty() {
        return Ok((None, Vec::new()));
    }
    let (account, body) = split_account(data);
    let b = body.as_bytes();
    let mut events: Vec<Event> = Vec::new();
    let mut i = 0;
    let mut ctx = Modifiers::default();
    while i < b.len() {
        match b[i] {
            b'|' => i += 1,
            b'A' => {
                // ASCII text block: runs to the next `|`.
                let start = i + 1;
                let len = b[start..]
                    .iter()
                    .position(|&c| c == b'|')
                    .unwrap_or(b.len() - start);
                let text = String::from_utf8_lossy(&b[start..start + len]).into_owned();
                i = start + len;
                match events.last_mut() {
                    Some(e) if e.text.is_none() => e.text = Some(text),
                    Some(e) => {
                        let t = e.text.get_or_insert_with(String::new);
                        t.push(' ');
                        t.push_str(&text);
                    }
                    None => return Err(bad(data, "text block before any event")),
                }
            }
            b'N' | b'O' => {
                i += 1;
                event_block(body, &mut i, data, &mut events, &mut ctx)?;
            }
            c if c.is_ascii_lowercase() => event_block(body, &mut i, data, &mut events, &mut ctx)?,
            _ => return Err(bad(data, "data block does not start with N, O or A")),
        }
    }
    if events.is_empty() {
        return Err(bad(data, "no event in data block"));
    }
    Ok((account, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sia(data: &str) -> Vec<Event> {
        parse_sia(data).unwrap_or_else(|e| panic!("{data}: {e}")).1
    }

    #[test]
    fn contact_id_fire_zone_decimal() {
        let (acct, ev) = parse_contact_id("#1234|1110 01 015").unwrap();
        assert_eq!(acct, Some("1234"));
        let e = &ev[0];
        assert_eq!(
            e.code,
            EventCode::ContactId {
                qualifier: Qualifier::New,
                code: 110
            }
        );
        assert_eq!(e.zone, Some(15));
        assert_eq!(e.partition, Some(1));
        assert_eq!(e.category, Category::FireAlarm);
        assert!(!e.restore);
        assert_eq!(e.raw, "1110 01 015");
        assert_eq!(e.meaning_vi(), "Báo cháy");
        assert_eq!(e.code.to_string(), "1110");
    }

    #[test]
    fn contact_id_restore_and_open_close() {
        let e = &parse_contact_id("#1234|3110 01 015").unwrap().1[0];
        assert!(e.restore);
        assert_eq!(e.category, Category::Restore);
        assert_eq!(e.family, Category::FireAlarm);

        // Qualifier 3 on an open/close code is a closing (arming), not a restore.
        let e = &parse_contact_id("#4F39|3401 01 057").unwrap().1[0];
        assert!(!e.restore);
        assert_eq!(e.category, Category::OpenClose);
        assert_eq!(e.user, Some(57));
        assert_eq!(e.zone, None);

        let e = &parse_contact_id("6373 00 004").unwrap().1[0];
        assert_eq!(e.category, Category::FireTrouble);
        let e = &parse_contact_id("|111000129").unwrap().1[0];
        assert_eq!(e.zone, Some(129));
    }

    #[test]
    fn contact_id_unknown_code_is_kept() {
        let e = &parse_contact_id("#1234|1999 00 001").unwrap().1[0];
        assert_eq!(e.category, Category::Unknown);
        assert!(!e.is_known());
        assert_eq!(e.meaning_en(), UNKNOWN_EN);
    }

    #[test]
    fn contact_id_rejects_bad_events() {
        for bad in [
            "#1234|2110 01 015",
            "#1234|1110 01 01",
            "#1234|1110 01 0155",
            "#1234|1110 01 01A",
            "#1234",
        ] {
            assert!(
                matches!(parse_contact_id(bad), Err(Error::BadEvent { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn sia_basic_forms() {
        let ev = sia("#123456A|NFA129");
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].code, EventCode::Sia(*b"FA"));
        assert_eq!(ev[0].zone, Some(129));
        assert_eq!(ev[0].category, Category::FireAlarm);

        let ev = sia("|Nri1/CL501");
        assert_eq!(ev[0].category, Category::OpenClose);
        assert_eq!(ev[0].user, Some(501));
        assert_eq!(ev[0].partition, Some(1));

        let ev = sia("Nri1/WA000");
        assert_eq!(ev[0].zone, Some(0));
        assert_eq!(ev[0].category, Category::FireAlarm);

        let ev = sia("Nri0/RP0000");
        assert!(ev[0].is_heartbeat());
        assert_eq!(ev[0].category, Category::Test);
    }

    #[test]
    fn sia_real_panel_variants() {
        let ev = sia("#123456|Nri1CL0^VX FRONTE ^");
        assert_eq!(ev[0].code, EventCode::Sia(*b"CL"));
        assert_eq!(ev[0].text.as_deref(), Some("VX FRONTE "));
        assert_eq!(ev[0].raw, "CL0^VX FRONTE ^");

        let ev = sia("#000110|Nri0RP2^SL 1807110200065423^");
        assert_eq!(ev[0].code, EventCode::Sia(*b"RP"));
        assert_eq!(ev[0].zone, Some(2));
        assert_eq!(ev[0].partition, Some(0));

        let ev = sia("#123456|Nri0KR1^TAST. 001 ^");
        assert!(ev[0].restore);
        assert_eq!(ev[0].family, Category::FireAlarm);
        assert_eq!(ev[0].category, Category::Restore);

        let ev = sia("#1234|NRR|Atest");
        assert_eq!(ev[0].code, EventCode::Sia(*b"RR"));
        assert_eq!(ev[0].zone, None);
        assert_eq!(ev[0].text.as_deref(), Some("test"));

        // An extra `|` after the account.
        let ev = sia("#1234||Nri1/FA015");
        assert_eq!((ev[0].code, ev[0].zone), (EventCode::Sia(*b"FA"), Some(15)));

        let ev = sia("#006969|Nri04/OP001NM");
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].user, Some(1));
        assert_eq!(ev[1].code, EventCode::Sia(*b"NM"));
        assert_eq!(ev[1].category, Category::Unknown);
    }

    #[test]
    fn sia_several_events_and_modifiers() {
        let ev = sia("#1234|Nti10:05/id12/ri1/FA015/FA016/ri2/BA003");
        assert_eq!(ev.len(), 3);
        assert_eq!((ev[0].zone, ev[0].partition), (Some(15), Some(1)));
        assert_eq!((ev[1].zone, ev[1].partition), (Some(16), Some(1)));
        assert_eq!((ev[2].zone, ev[2].partition), (Some(3), Some(2)));
        assert_eq!(ev[2].category, Category::Burglary);
        assert_eq!(ev[0].user, Some(12));
        assert_eq!(ev[0].time.as_deref(), Some("10:05"));
        let ev = sia("Nri2/JC12");
        assert_eq!(ev[0].category, Category::Unknown);
        assert_eq!(ev[0].raw, "JC12");
        let ev = sia("NFH015");
        assert!(ev[0].restore);
    }

    #[test]
    fn sia_rejects_malformed_blocks() {
        for bad in [
            "Nri1",
            "#1234|",
            "#1234|X",
            "NFa015",
            "NF",
            "NFA^open",
            "Nri1/FA1234567890",
            "Atext",
            "N!FA1",
        ] {
            assert!(
                matches!(parse_sia(bad), Err(Error::BadEvent { .. })),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn parsers_never_panic(data in "[#|NOAFRiCLdt0-9^/: a-z]{0,40}") {
            let _ = parse_sia(&data);
            let _ = parse_contact_id(&data);
        }

        #[test]
        fn contact_id_round_trip(q in prop::sample::select(vec![1u8, 3, 6]), code in 0u16..1000, group in 0u32..100, zone in 0u32..1000) {
            let text = format!("#ABC|{q}{code:03} {group:02} {zone:03}");
            let (_, ev) = parse_contact_id(&text).unwrap();
            let e = &ev[0];
            prop_assert_eq!(e.code, EventCode::ContactId { qualifier: Qualifier::from_digit(q).unwrap(), code });
            prop_assert_eq!(e.partition, Some(group));
            prop_assert_eq!(e.zone.or(e.user), Some(zone));
        }
    }
}
