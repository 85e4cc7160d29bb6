//! Live positions of resources (automatic vehicle location): what a position report is, how
//! the OsmAnd protocol that vehicle trackers and GPS apps speak is read, which reports are
//! believable, and when a last known position is too old to be shown as live.
//!
//! The OsmAnd protocol (as Traccar extended it) comes in two shapes: query or form parameters
//! (`id`, `lat`, `lon`, `timestamp`, `speed` in knots, `bearing`, `altitude`, `accuracy`,
//! `hdop`, `batt`, `valid`, or `location=lat,lon`) and a JSON body (`device_id` and a
//! `location` with `timestamp` and `coords`, speed in m/s). Both are read into the same
//! [`Fix`].

use crate::incident::GeoPoint;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Deserialize;
use std::fmt;

/// A last position older than this is shown as stale: trackers and the field app report every
/// few seconds to a minute while on duty, so five minutes of silence means the device is off,
/// out of coverage or broken.
pub const STALE_AFTER: Duration = Duration::minutes(5);

/// How far ahead of the server's clock a report's time may be (a phone's clock drifts).
pub const MAX_CLOCK_AHEAD: Duration = Duration::minutes(5);

/// Knots to km/h.
const KNOT_KMH: f64 = 1.852;

/// When a position reported at `at` stops being live.
pub fn stale_at(at: DateTime<Utc>) -> DateTime<Utc> {
    at + STALE_AFTER
}

/// Whether a position reported at `at` is stale at `now`.
pub fn is_stale(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= stale_at(at)
}

/// Where a position report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// A vehicle tracker or GPS app over the OsmAnd protocol.
    Tracker,
    /// The field app on an officer's phone.
    App,
    /// An integration through the API, or a status report with a position.
    Api,
}

impl Source {
    /// Stable code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Source::Tracker => "tracker",
            Source::App => "app",
            Source::Api => "api",
        }
    }

    /// The source for a stored code.
    pub fn from_code(code: &str) -> Option<Source> {
        match code {
            "tracker" => Some(Source::Tracker),
            "app" => Some(Source::App),
            "api" => Some(Source::Api),
            _ => None,
        }
    }
}

/// One position fix: where, when, and how well it is known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// When the device took the fix.
    pub at: DateTime<Utc>,
    pub point: GeoPoint,
    /// Horizontal accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// Ground speed, km/h.
    pub speed_kmh: Option<f64>,
    /// Heading, degrees clockwise from north, 0 ..< 360.
    pub heading: Option<f64>,
}

/// Why a report is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum FixError {
    /// A required field is absent.
    Missing(&'static str),
    /// A field is present but unreadable or out of range.
    Invalid { field: &'static str, value: String },
    /// The device says its fix is not valid (no satellite lock).
    NotValid,
    /// The fix is further in the future than [`MAX_CLOCK_AHEAD`].
    FromTheFuture(DateTime<Utc>),
    /// The fix is older than the history kept.
    TooOld(DateTime<Utc>),
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixError::Missing(field) => write!(f, "{field}: missing"),
            FixError::Invalid { field, value } => write!(f, "{field}: cannot use {value:?}"),
            FixError::NotValid => f.write_str("valid: the device reports no position fix"),
            FixError::FromTheFuture(at) => {
                write!(
                    f,
                    "timestamp: {} is ahead of the server's clock",
                    at.to_rfc3339()
                )
            }
            FixError::TooOld(at) => {
                write!(
                    f,
                    "timestamp: {} is older than the history kept",
                    at.to_rfc3339()
                )
            }
        }
    }
}

impl std::error::Error for FixError {}

impl Fix {
    /// Checks a fix against the server's clock: not ahead by more than [`MAX_CLOCK_AHEAD`],
    /// not older than `oldest` (the start of the history kept), a valid point, and optional
    /// figures in range.
    pub fn check(self, now: DateTime<Utc>, oldest: DateTime<Utc>) -> Result<Fix, FixError> {
        if !self.point.is_valid() {
            return Err(FixError::Invalid {
                field: "lat",
                value: format!("{},{}", self.point.lat, self.point.lon),
            });
        }
        // 0,0 is what broken trackers send without a lock.
        if self.point.lat == 0.0 && self.point.lon == 0.0 {
            return Err(FixError::NotValid);
        }
        if self.at > now + MAX_CLOCK_AHEAD {
            return Err(FixError::FromTheFuture(self.at));
        }
        if self.at < oldest {
            return Err(FixError::TooOld(self.at));
        }
        let in_range = |field, v: Option<f64>, max: f64| match v {
            Some(x) if !x.is_finite() || !(0.0..=max).contains(&x) => Err(FixError::Invalid {
                field,
                value: x.to_string(),
            }),
            _ => Ok(()),
        };
        in_range("accuracy", self.accuracy_m, 100_000.0)?;
        in_range("speed", self.speed_kmh, 1_000.0)?;
        in_range("heading", self.heading, 360.0)?;
        Ok(Fix {
            heading: self.heading.map(|h| h % 360.0),
            ..self
        })
    }
}

/// One OsmAnd report: the device it names and its fix (unchecked; see [`Fix::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OsmAndReport {
    pub device_id: String,
    pub fix: Fix,
}

/// Reads an OsmAnd report from query or form parameters. A report without `timestamp` takes
/// `now` (the time it arrived). Unknown parameters (battery, odometer, custom ones) are
/// ignored.
pub fn parse_osmand_params<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    now: DateTime<Utc>,
) -> Result<OsmAndReport, FixError> {
    let mut device_id = None;
    let (mut lat, mut lon, mut at) = (None, None, None);
    let (mut speed, mut heading, mut accuracy, mut hdop) = (None, None, None, None);
    for (key, value) in params {
        let value = value.trim();
        match key {
            "id" | "deviceid" => device_id = Some(value.to_owned()),
            "lat" => lat = Some(number("lat", value)?),
            "lon" => lon = Some(number("lon", value)?),
            "location" => {
                let (a, b) = value
                    .split_once(',')
                    .ok_or_else(|| invalid("location", value))?;
                lat = Some(number("location", a)?);
                lon = Some(number("location", b)?);
            }
            "timestamp" => at = Some(timestamp(value)?),
            "speed" => speed = Some(number("speed", value)? * KNOT_KMH),
            "bearing" | "heading" => heading = Some(number("bearing", value)?),
            "accuracy" => accuracy = Some(number("accuracy", value)?),
            "hdop" => hdop = Some(number("hdop", value)?),
            "valid" => match value {
                "true" | "1" => {}
                "false" | "0" => return Err(FixError::NotValid),
                other => return Err(invalid("valid", other)),
            },
            _ => {}
        }
    }
    let device_id = device_id
        .filter(|d| !d.is_empty())
        .ok_or(FixError::Missing("id"))?;
    Ok(OsmAndReport {
        device_id,
        fix: Fix {
            at: at.unwrap_or(now),
            point: GeoPoint::new(
                lat.ok_or(FixError::Missing("lat"))?,
                lon.ok_or(FixError::Missing("lon"))?,
            ),
            // A dilution of precision is not metres; keep it only when nothing better came.
            accuracy_m: accuracy.or(hdop.map(|h| h * 5.0)),
            speed_kmh: speed,
            heading,
        },
    })
}

#[derive(Deserialize)]
struct JsonReport {
    device_id: Option<String>,
    location: JsonLocation,
}

#[derive(Deserialize)]
struct JsonLocation {
    timestamp: Option<String>,
    coords: JsonCoords,
}

#[derive(Deserialize)]
struct JsonCoords {
    latitude: f64,
    longitude: f64,
    accuracy: Option<f64>,
    /// Metres per second; negative when unknown.
    speed: Option<f64>,
    /// Degrees; negative when unknown.
    heading: Option<f64>,
}

/// Reads the JSON shape of an OsmAnd report. The device id may come from the body or, when the
/// body has none, from `query_id` (the `id` query parameter).
pub fn parse_osmand_json(
    body: &[u8],
    query_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<OsmAndReport, FixError> {
    let report: JsonReport = serde_json::from_slice(body).map_err(|e| FixError::Invalid {
        field: "body",
        value: e.to_string(),
    })?;
    let device_id = report
        .device_id
        .or_else(|| query_id.map(str::to_owned))
        .filter(|d| !d.trim().is_empty())
        .ok_or(FixError::Missing("device_id"))?;
    let at = match report.location.timestamp.as_deref() {
        Some(t) => timestamp(t)?,
        None => now,
    };
    let known = |v: Option<f64>| v.filter(|x| *x >= 0.0);
    let c = report.location.coords;
    Ok(OsmAndReport {
        device_id: device_id.trim().to_owned(),
        fix: Fix {
            at,
            point: GeoPoint::new(c.latitude, c.longitude),
            accuracy_m: known(c.accuracy),
            speed_kmh: known(c.speed).map(|ms| ms * 3.6),
            heading: known(c.heading),
        },
    })
}

fn invalid(field: &'static str, value: &str) -> FixError {
    FixError::Invalid {
        field,
        value: value.chars().take(64).collect(),
    }
}

fn number(field: &'static str, value: &str) -> Result<f64, FixError> {
    value
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| invalid(field, value))
}

/// A report's time: unix seconds, unix milliseconds (13 digits and more), or RFC 3339.
pub fn timestamp(value: &str) -> Result<DateTime<Utc>, FixError> {
    let value = value.trim();
    if let Ok(n) = value.parse::<i64>() {
        let parsed = if n.abs() >= 100_000_000_000 {
            Utc.timestamp_millis_opt(n).single()
        } else {
            Utc.timestamp_opt(n, 0).single()
        };
        return parsed.ok_or_else(|| invalid("timestamp", value));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if secs.is_finite() && secs.abs() < 1e11 {
            return Utc
                .timestamp_millis_opt((secs * 1000.0).round() as i64)
                .single()
                .ok_or_else(|| invalid("timestamp", value));
        }
    }
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| invalid("timestamp", value))
}

/// The reports of a batch that move each resource's last position: per resource, the newest
/// report, kept only when newer than the position already known (`known`, by resource).
/// Reports arrive out of order (a phone replays what it queued offline), and an old one must
/// never move a vehicle back.
pub fn latest_per_resource<'a, T>(
    reports: impl IntoIterator<Item = (i64, &'a Fix, T)>,
) -> Vec<(i64, &'a Fix, T)> {
    let mut newest: std::collections::HashMap<i64, (&'a Fix, T)> = Default::default();
    for (id, fix, extra) in reports {
        match newest.get(&id) {
            Some((kept, _)) if kept.at > fix.at => {}
            _ => {
                newest.insert(id, (fix, extra));
            }
        }
    }
    let mut out: Vec<_> = newest.into_iter().map(|(id, (f, e))| (id, f, e)).collect();
    out.sort_by_key(|(id, _, _)| *id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap()
    }

    fn params(q: &str) -> Result<OsmAndReport, FixError> {
        let pairs: Vec<(&str, &str)> = q.split('&').filter_map(|kv| kv.split_once('=')).collect();
        parse_osmand_params(pairs, now())
    }

    #[test]
    fn query_parameters_are_read_with_their_units() {
        let r = params("id=xe-01&lat=21.0285&lon=105.8542&timestamp=1796630400&speed=10&bearing=90&accuracy=8&batt=77")
            .unwrap();
        assert_eq!(r.device_id, "xe-01");
        assert_eq!(r.fix.point, GeoPoint::new(21.0285, 105.8542));
        assert_eq!(r.fix.at.timestamp(), 1_796_630_400);
        assert!(
            (r.fix.speed_kmh.unwrap() - 18.52).abs() < 1e-9,
            "knots become km/h"
        );
        assert_eq!(r.fix.heading, Some(90.0));
        assert_eq!(r.fix.accuracy_m, Some(8.0));
    }

    #[test]
    fn location_deviceid_and_missing_time() {
        let r = params("deviceid=abc&location=21.1,105.9").unwrap();
        assert_eq!(r.device_id, "abc");
        assert_eq!(r.fix.point, GeoPoint::new(21.1, 105.9));
        assert_eq!(r.fix.at, now(), "no timestamp: the arrival time");
        assert_eq!(
            params("id=abc&lat=21&lon=105&hdop=2")
                .unwrap()
                .fix
                .accuracy_m,
            Some(10.0)
        );
    }

    #[test]
    fn timestamps_in_seconds_milliseconds_fractions_and_rfc3339() {
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 7, 59, 0).unwrap();
        assert_eq!(timestamp(&t.timestamp().to_string()).unwrap(), t);
        assert_eq!(timestamp(&t.timestamp_millis().to_string()).unwrap(), t);
        assert_eq!(timestamp("2026-12-07T07:59:00Z").unwrap(), t);
        assert_eq!(timestamp("2026-12-07T14:59:00+07:00").unwrap(), t);
        assert_eq!(
            timestamp(&format!("{}.5", t.timestamp())).unwrap(),
            t + Duration::milliseconds(500)
        );
        assert!(timestamp("hôm qua").is_err());
        assert!(timestamp("99999999999999999999").is_err());
    }

    #[test]
    fn missing_or_bad_fields_are_named() {
        assert_eq!(params("lat=21&lon=105"), Err(FixError::Missing("id")));
        assert_eq!(params("id=&lat=21&lon=105"), Err(FixError::Missing("id")));
        assert_eq!(params("id=a&lon=105"), Err(FixError::Missing("lat")));
        assert!(matches!(
            params("id=a&lat=abc&lon=105"),
            Err(FixError::Invalid { field: "lat", .. })
        ));
        assert!(matches!(
            params("id=a&lat=NaN&lon=105"),
            Err(FixError::Invalid { field: "lat", .. })
        ));
        assert_eq!(
            params("id=a&lat=21&lon=105&valid=false"),
            Err(FixError::NotValid)
        );
        assert!(params("id=a&location=21").is_err());
    }

    #[test]
    fn json_reports_of_newer_clients() {
        let body = br#"{"location":{"timestamp":"2026-12-07T07:59:30.000Z","coords":
            {"latitude":21.03,"longitude":105.85,"accuracy":5,"speed":10,"heading":-1,"altitude":12},
            "is_moving":true,"battery":{"level":0.5}},"device_id":"48241179"}"#;
        let r = parse_osmand_json(body, None, now()).unwrap();
        assert_eq!(r.device_id, "48241179");
        assert_eq!(r.fix.point, GeoPoint::new(21.03, 105.85));
        assert_eq!(r.fix.speed_kmh, Some(36.0), "m/s become km/h");
        assert_eq!(r.fix.heading, None, "a negative heading is unknown");
        let no_id = br#"{"location":{"coords":{"latitude":21.0,"longitude":105.8}}}"#;
        assert_eq!(
            parse_osmand_json(no_id, Some("q-1"), now())
                .unwrap()
                .device_id,
            "q-1"
        );
        assert_eq!(
            parse_osmand_json(no_id, None, now()),
            Err(FixError::Missing("device_id"))
        );
        assert!(parse_osmand_json(b"{not json", None, now()).is_err());
    }

    #[test]
    fn checks_against_the_clock_and_ranges() {
        let oldest = now() - Duration::days(30);
        let fix = |at, lat, lon| Fix {
            at,
            point: GeoPoint::new(lat, lon),
            accuracy_m: None,
            speed_kmh: None,
            heading: Some(360.0),
        };
        let ok = fix(now(), 21.0, 105.8).check(now(), oldest).unwrap();
        assert_eq!(ok.heading, Some(0.0), "360° is north");
        let ahead = now() + MAX_CLOCK_AHEAD + Duration::seconds(1);
        assert_eq!(
            fix(ahead, 21.0, 105.8).check(now(), oldest),
            Err(FixError::FromTheFuture(ahead))
        );
        assert!(fix(now() + Duration::minutes(4), 21.0, 105.8)
            .check(now(), oldest)
            .is_ok());
        let old = oldest - Duration::seconds(1);
        assert_eq!(
            fix(old, 21.0, 105.8).check(now(), oldest),
            Err(FixError::TooOld(old))
        );
        assert_eq!(
            fix(now(), 0.0, 0.0).check(now(), oldest),
            Err(FixError::NotValid)
        );
        assert!(fix(now(), 91.0, 105.8).check(now(), oldest).is_err());
        let fast = Fix {
            speed_kmh: Some(5_000.0),
            ..fix(now(), 21.0, 105.8)
        };
        assert!(matches!(
            fast.check(now(), oldest),
            Err(FixError::Invalid { field: "speed", .. })
        ));
    }

    #[test]
    fn staleness() {
        let at = now();
        assert!(!is_stale(at, at + STALE_AFTER - Duration::seconds(1)));
        assert!(is_stale(at, at + STALE_AFTER));
    }

    #[test]
    fn an_older_report_never_moves_a_resource_back() {
        let f = |min| Fix {
            at: now() + Duration::minutes(min),
            point: GeoPoint::new(21.0, 105.0 + min as f64 / 100.0),
            accuracy_m: None,
            speed_kmh: None,
            heading: None,
        };
        let (a, b, c, d) = (f(2), f(1), f(3), f(0));
        let latest = latest_per_resource([(7, &a, 'a'), (7, &b, 'b'), (9, &d, 'd'), (7, &c, 'c')]);
        assert_eq!(
            latest
                .iter()
                .map(|(id, _, e)| (*id, *e))
                .collect::<Vec<_>>(),
            vec![(7, 'c'), (9, 'd')]
        );
    }

    #[test]
    fn source_codes_round_trip() {
        for s in [Source::Tracker, Source::App, Source::Api] {
            assert_eq!(Source::from_code(s.code()), Some(s));
        }
        assert_eq!(Source::from_code("gps"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_parameters_never_panic(
            pairs in proptest::collection::vec(("[a-z]{1,9}", "\\PC{0,24}"), 0..8),
            body in "\\PC{0,200}",
        ) {
            let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            if let Ok(r) = parse_osmand_params(refs, now()) {
                let _ = r.fix.check(now(), now() - Duration::days(30));
            }
            let _ = parse_osmand_json(body.as_bytes(), Some("x"), now());
            let _ = timestamp(&body);
        }
    }
}
