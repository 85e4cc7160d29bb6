//! Readable incident numbers such as `HN-2026-000123`.
//!
//! The number is what an operator reads out on the radio and what a citizen types to look up a
//! report, so it is short, uppercase and unambiguous: a province prefix (configurable, `HN` for
//! Hà Nội), the year in Vietnam local time, and a sequence number that restarts every year,
//! zero-padded to six digits (wider if a year ever passes 999 999).
//!
//! The store owns the sequence: it allocates `(year, seq)` atomically (one counter per prefix
//! and year) and builds the number with [`IncidentNumber::new`]. [`IncidentNumber::local_year`]
//! gives the year to use for a `now`, so that a call at 00:30 on 1 January in Hà Nội (still
//! 31 December in UTC) gets the new year's number.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use super::error::IncidentError;

/// UTC offset of Vietnam (Asia/Ho_Chi_Minh, no daylight saving): +07:00.
pub const VIETNAM_OFFSET_SECS: i32 = 7 * 3600;

/// The Vietnam time zone as a fixed offset.
pub fn vietnam_offset() -> FixedOffset {
    FixedOffset::east_opt(VIETNAM_OFFSET_SECS).expect("+07:00 is inside the ±24 h range")
}

/// A readable incident number. Serialized as its text form (`"HN-2026-000123"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IncidentNumber {
    prefix: String,
    year: i32,
    seq: u32,
}

impl IncidentNumber {
    /// Builds a number. The prefix must be 1–6 ASCII letters (it is upper-cased), the year
    /// 2000–9999 and the sequence at least 1.
    pub fn new(prefix: &str, year: i32, seq: u32) -> Result<Self, IncidentError> {
        let prefix_up = prefix.to_ascii_uppercase();
        let input = || format!("{prefix}-{year}-{seq}");
        if prefix_up.is_empty()
            || prefix_up.len() > 6
            || !prefix_up.bytes().all(|b| b.is_ascii_uppercase())
        {
            return Err(IncidentError::InvalidNumber {
                input: input(),
                reason: "prefix must be 1 to 6 ASCII letters",
            });
        }
        if !(2000..=9999).contains(&year) {
            return Err(IncidentError::InvalidNumber {
                input: input(),
                reason: "year must be between 2000 and 9999",
            });
        }
        if seq == 0 {
            return Err(IncidentError::InvalidNumber {
                input: input(),
                reason: "sequence starts at 1",
            });
        }
        Ok(Self {
            prefix: prefix_up,
            year,
            seq,
        })
    }

    /// The year of `now` in Vietnam local time, which numbers restart on.
    pub fn local_year(now: DateTime<Utc>) -> i32 {
        now.with_timezone(&vietnam_offset()).year()
    }

    /// Province prefix, e.g. `HN`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// Sequence within the year.
    pub fn seq(&self) -> u32 {
        self.seq
    }

    /// Parses a number typed by a person: surrounding spaces are ignored, the prefix may be
    /// lowercase, and the sequence may be written without its leading zeros (`hn-2026-123`).
    pub fn parse(input: &str) -> Result<Self, IncidentError> {
        let err = |reason| IncidentError::InvalidNumber {
            input: input.to_string(),
            reason,
        };
        let trimmed = input.trim();
        let mut parts = trimmed.split('-');
        let (Some(prefix), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err("expected PREFIX-YEAR-SEQUENCE"));
        };
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("year must be four digits"));
        }
        if seq.is_empty() || seq.len() > 10 || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("sequence must be 1 to 10 digits"));
        }
        let year: i32 = year.parse().map_err(|_| err("year must be four digits"))?;
        let seq: u32 = seq.parse().map_err(|_| err("sequence is too large"))?;
        Self::new(prefix, year, seq).map_err(|e| match e {
            IncidentError::InvalidNumber { reason, .. } => err(reason),
            other => other,
        })
    }
}

impl fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:06}", self.prefix, self.year, self.seq)
    }
}

impl FromStr for IncidentNumber {
    type Err = IncidentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for IncidentNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IncidentNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        IncidentNumber::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn formats_with_zero_padding() {
        let n = IncidentNumber::new("HN", 2026, 123).unwrap();
        assert_eq!(n.to_string(), "HN-2026-000123");
        assert_eq!(
            IncidentNumber::new("hcm", 2026, 1_234_567)
                .unwrap()
                .to_string(),
            "HCM-2026-1234567"
        );
    }

    #[test]
    fn parses_what_people_type() {
        let n = IncidentNumber::parse("  hn-2026-123 ").unwrap();
        assert_eq!((n.prefix(), n.year(), n.seq()), ("HN", 2026, 123));
        assert_eq!(n.to_string(), "HN-2026-000123");
    }

    #[test]
    fn rejects_malformed_numbers_with_a_reason() {
        for (input, reason) in [
            ("HN2026000123", "expected PREFIX-YEAR-SEQUENCE"),
            ("HN-26-000123", "year must be four digits"),
            ("HN-2026-12a", "sequence must be 1 to 10 digits"),
            ("HN-2026-", "sequence must be 1 to 10 digits"),
            ("H1-2026-000001", "prefix must be 1 to 6 ASCII letters"),
            ("HN-2026-000000", "sequence starts at 1"),
            ("HN-1999-000001", "year must be between 2000 and 9999"),
            ("HN-2026-99999999999", "sequence must be 1 to 10 digits"),
            ("HN-2026-9999999999", "sequence is too large"),
            ("HN-2026-1-2", "expected PREFIX-YEAR-SEQUENCE"),
            ("HÀ-2026-000001", "prefix must be 1 to 6 ASCII letters"),
        ] {
            match IncidentNumber::parse(input) {
                Err(IncidentError::InvalidNumber {
                    input: i,
                    reason: r,
                }) => {
                    assert_eq!(i, input);
                    assert_eq!(r, reason, "for {input}");
                }
                other => panic!("{input}: {other:?}"),
            }
        }
    }

    #[test]
    fn local_year_turns_at_vietnam_midnight() {
        // 2025-12-31 17:30 UTC is 2026-01-01 00:30 in Hà Nội.
        let now = Utc.with_ymd_and_hms(2025, 12, 31, 17, 30, 0).unwrap();
        assert_eq!(IncidentNumber::local_year(now), 2026);
        let before = Utc.with_ymd_and_hms(2025, 12, 31, 16, 59, 59).unwrap();
        assert_eq!(IncidentNumber::local_year(before), 2025);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let n = IncidentNumber::new("HN", 2026, 7).unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"HN-2026-000007\"");
        let back: IncidentNumber = serde_json::from_str("\"HN-2026-000007\"").unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<IncidentNumber>("\"nope\"").is_err());
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(prefix in "[A-Za-z]{1,6}", year in 2000i32..=9999, seq in 1u32..=u32::MAX) {
            let n = IncidentNumber::new(&prefix, year, seq).unwrap();
            let text = n.to_string();
            prop_assert_eq!(IncidentNumber::parse(&text).unwrap(), n.clone());
            prop_assert_eq!(IncidentNumber::parse(&text.to_lowercase()).unwrap(), n);
        }

        #[test]
        fn parse_never_panics(input in "\\PC{0,30}") {
            let _ = IncidentNumber::parse(&input);
        }
    }
}
