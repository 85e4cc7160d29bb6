//! Time as data: the [`Timestamp`] type, the DC-09 `HH:MM:SS,MM-DD-YYYY` format and the
//! acceptance [`Window`] for encrypted messages.
//!
//! The crate never reads a clock. Callers pass `now` as a [`Timestamp`] (UTC unix seconds), so
//! decoding is deterministic and testable with a virtual clock.

use std::fmt;

/// A UTC instant with one-second resolution, stored as unix seconds.
///
/// DC-09 timestamps carry a four-digit year, so the representable range is
/// `0000-01-01T00:00:00Z` ..= `9999-12-31T23:59:59Z`; [`Timestamp::from_unix`] saturates to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// The calendar fields of a [`Timestamp`] (proleptic Gregorian, UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year, 0..=9999.
    pub year: u16,
    /// Month, 1..=12.
    pub month: u8,
    /// Day of the month, 1..=31.
    pub day: u8,
    /// Hour, 0..=23.
    pub hour: u8,
    /// Minute, 0..=59.
    pub minute: u8,
    /// Second, 0..=59.
    pub second: u8,
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both values are small and positive by construction.
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Timestamp {
    /// The earliest representable instant, `0000-01-01T00:00:00Z`.
    pub const MIN: Timestamp = Timestamp(-62_167_219_200);
    /// The latest representable instant, `9999-12-31T23:59:59Z`.
    pub const MAX: Timestamp = Timestamp(253_402_300_799);

    /// Builds a timestamp from unix seconds, saturating to [`Timestamp::MIN`]..=[`Timestamp::MAX`].
    pub const fn from_unix(secs: i64) -> Self {
        if secs < Self::MIN.0 {
            Self::MIN
        } else if secs > Self::MAX.0 {
            Self::MAX
        } else {
            Timestamp(secs)
        }
    }

    /// Unix seconds.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// Builds a timestamp from calendar fields, or `None` if any field is out of range.
    pub fn from_civil(
        year: u16,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
    ) -> Option<Self> {
        let (y, m) = (i64::from(year), u32::from(month));
        if year > 9999 || !(1..=12).contains(&m) || day == 0 || u32::from(day) > days_in_month(y, m)
        {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let days = days_from_civil(y, m, u32::from(day));
        Some(Timestamp(
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second),
        ))
    }

    /// The calendar fields of this instant.
    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        // In range by construction of `Timestamp`.
        Civil {
            year: year as u16,
            month: month as u8,
            day: day as u8,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }

    /// Seconds from `other` to `self` (positive when `self` is later).
    pub const fn seconds_since(self, other: Timestamp) -> i64 {
        self.0 - other.0
    }

    /// Parses the DC-09 form `HH:MM:SS,MM-DD-YYYY` (without the leading `_`).
    pub fn parse_dc09(text: &[u8]) -> Option<Self> {
        if text.len() != 19 {
            return None;
        }
        let sep_ok = text[2] == b':'
            && text[5] == b':'
            && text[8] == b','
            && text[11] == b'-'
            && text[14] == b'-';
        if !sep_ok {
            return None;
        }
        let num = |range: std::ops::Range<usize>| -> Option<u16> {
            text[range].iter().try_fold(0u16, |acc, &b| {
                b.is_ascii_digit().then(|| acc * 10 + u16::from(b - b'0'))
            })
        };
        let hour = num(0..2)?;
        let minute = num(3..5)?;
        let second = num(6..8)?;
        let month = num(9..11)?;
        let day = num(12..14)?;
        let year = num(15..19)?;
        Self::from_civil(
            year,
            month as u8,
            day as u8,
            hour as u8,
            minute as u8,
            second as u8,
        )
    }

    /// Appends the DC-09 form `HH:MM:SS,MM-DD-YYYY` (without the leading `_`) to `out`.
    pub fn write_dc09(self, out: &mut Vec<u8>) {
        let c = self.civil();
        let two = |v: u8, out: &mut Vec<u8>| {
            out.push(b'0' + v / 10);
            out.push(b'0' + v % 10);
        };
        two(c.hour, out);
        out.push(b':');
        two(c.minute, out);
        out.push(b':');
        two(c.second, out);
        out.push(b',');
        two(c.month, out);
        out.push(b'-');
        two(c.day, out);
        out.push(b'-');
        two((c.year / 100) as u8, out);
        two((c.year % 100) as u8, out);
    }

    /// The DC-09 form `HH:MM:SS,MM-DD-YYYY` as a string.
    pub fn to_dc09_string(self) -> String {
        let mut out = Vec::with_capacity(19);
        self.write_dc09(&mut out);
        out.into_iter().map(char::from).collect()
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, e.g. `2026-01-01T12:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// How far the timestamp of an encrypted message may be from the receiver's clock.
///
/// DC-09 accepts a message stamped up to 20 s after and 40 s before the receiver time
/// (`Window::default()`). Panels with drifting clocks can be given a wider window per account.
/// Plain messages are not checked unless [`Window::check_plain`] is set: the standard only
/// requires the check for encrypted ones, and a receiver that rejects plain messages for clock
/// drift NAKs panels that never promised a correct clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Seconds the message time may be ahead of the receiver time (DC-09: 20).
    pub ahead: u32,
    /// Seconds the message time may be behind the receiver time (DC-09: 40).
    pub behind: u32,
    /// Also check plain messages that carry a timestamp.
    pub check_plain: bool,
}

impl Window {
    /// The DC-09 window: +20 s / −40 s, encrypted messages only.
    pub const DC09: Window = Window {
        ahead: 20,
        behind: 40,
        check_plain: false,
    };

    /// A window of `ahead` seconds into the future and `behind` seconds into the past.
    pub const fn new(ahead: u32, behind: u32) -> Self {
        Window {
            ahead,
            behind,
            check_plain: false,
        }
    }

    /// Whether a message stamped `timestamp` is acceptable at receiver time `now`.
    pub fn contains(&self, timestamp: Timestamp, now: Timestamp) -> bool {
        let drift = timestamp.seconds_since(now);
        drift <= i64::from(self.ahead) && drift >= -i64::from(self.behind)
    }
}

impl Default for Window {
    fn default() -> Self {
        Window::DC09
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_instants() {
        let t = Timestamp::from_civil(2026, 1, 1, 12, 0, 0).unwrap();
        assert_eq!(t.unix(), 1_767_268_800);
        assert_eq!(t.to_string(), "2026-01-01T12:00:00Z");
        assert_eq!(t.to_dc09_string(), "12:00:00,01-01-2026");
        assert_eq!(Timestamp::from_unix(0).to_string(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59Z");
        assert_eq!(Timestamp::from_unix(i64::MAX), Timestamp::MAX);
        assert_eq!(Timestamp::from_unix(i64::MIN), Timestamp::MIN);
    }

    #[test]
    fn parses_dc09_form() {
        let t = Timestamp::parse_dc09(b"14:12:04,09-25-2011").unwrap();
        assert_eq!(t.to_string(), "2011-09-25T14:12:04Z");
        let leap = Timestamp::parse_dc09(b"23:59:59,02-29-2024").unwrap();
        assert_eq!(leap.to_string(), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn rejects_bad_dc09_form() {
        for bad in [
            &b"24:00:00,01-01-2026"[..],
            b"12:60:00,01-01-2026",
            b"12:00:60,01-01-2026",
            b"12:00:00,13-01-2026",
            b"12:00:00,00-01-2026",
            b"12:00:00,02-29-2025",
            b"12:00:00,04-31-2025",
            b"12:00:00,01-00-2026",
            b"12:00:00 01-01-2026",
            b"12:00:00,01-01-26",
            b"1a:00:00,01-01-2026",
            b"12:00:00,01-01-2026x",
            b"+1:00:00,01-01-2026",
        ] {
            assert_eq!(
                Timestamp::parse_dc09(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn window_edges() {
        let now = Timestamp::from_unix(1_000_000);
        let w = Window::default();
        assert!(w.contains(Timestamp::from_unix(1_000_020), now));
        assert!(!w.contains(Timestamp::from_unix(1_000_021), now));
        assert!(w.contains(Timestamp::from_unix(999_960), now));
        assert!(!w.contains(Timestamp::from_unix(999_959), now));
        let wide = Window::new(300, 300);
        assert!(wide.contains(Timestamp::from_unix(999_700), now));
    }

    proptest! {
        #[test]
        fn civil_round_trip(secs in Timestamp::MIN.unix()..=Timestamp::MAX.unix()) {
            let t = Timestamp::from_unix(secs);
            let c = t.civil();
            prop_assert_eq!(Timestamp::from_civil(c.year, c.month, c.day, c.hour, c.minute, c.second), Some(t));
            let text = t.to_dc09_string();
            prop_assert_eq!(Timestamp::parse_dc09(text.as_bytes()), Some(t));
        }

        #[test]
        fn parse_never_panics(data in proptest::collection::vec(any::<u8>(), 0..24)) {
            let _ = Timestamp::parse_dc09(&data);
        }
    }
}
