//! Input for opening an incident, and its validation.
//!
//! Two shapes of input exist:
//!
//! * [`NewIncident`] — typed, for Rust callers (the alarm receiver, the citizen assistant).
//! * [`NewIncidentForm`] — codes as plain strings and coordinates as two optional numbers, the
//!   way an HTTP form or JSON body arrives. Its validation reports unknown codes as field errors
//!   together with every other problem, so the operator sees all mistakes at once.
//!
//! Both end in a [`ValidNewIncident`], the only thing [`Incident::open`](super::Incident::open)
//! accepts: strings trimmed, phone normalized, priority resolved from the type when not given.
//!
//! Phone numbers are stored normalized (`0912345678`, foreign numbers as `+33612345678`) and shown
//! in lists through [`masked_phone`] (`0912***678`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::alarm::AlarmSignal;
use super::catalogue::{Channel, CrimeSubtype, IncidentKind, Priority, Vocabulary};
use super::error::{FieldError, IncidentError};
use super::geo::GeoPoint;

/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Longest accepted address text, in characters.
pub const MAX_ADDRESS_CHARS: usize = 300;
/// Longest accepted caller name, in characters.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest accepted note, in characters.
pub const MAX_NOTE_CHARS: usize = 4_000;
/// Longest accepted reason (cancel, transfer, …), in characters.
pub const MAX_REASON_CHARS: usize = 1_000;
/// Longest accepted unit code.
pub const MAX_UNIT_CODE_CHARS: usize = 20;
/// Longest accepted device identifier.
pub const MAX_DEVICE_ID_CHARS: usize = 64;
/// How far in the future a reported time may lie before it is refused rather than clamped to
/// `now`: two servers' clocks may disagree by a little, never by minutes.
pub const MAX_CLOCK_SKEW: Duration = Duration::seconds(120);

/// Where the incident is. At least a point or an address is required.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentLocation {
    /// Coordinates, when known (GPS of the caller, the facility, a map click).
    pub point: Option<GeoPoint>,
    /// Address as said or typed.
    pub address: Option<String>,
    /// Code of the commune/ward unit responsible for the place (e.g. `00004`), when resolved.
    pub unit_code: Option<String>,
    /// True when the point lies close to the boundary between two units, so the operator should
    /// double-check the owner.
    #[serde(default)]
    pub near_boundary: bool,
    /// Distance to the nearest unit boundary in metres, when computed.
    pub boundary_distance_m: Option<f64>,
    /// Set when the address named a pre-2025 ward or district and was mapped to the current
    /// unit, e.g. "phường Trúc Bạch (cũ) → phường Ba Đình".
    pub resolved_from_old_name: Option<String>,
    /// True when the location fits several units (or contradicts itself) and no unit was
    /// assigned from it: a person must pick among `unit_candidates`.
    #[serde(default)]
    pub unit_uncertain: bool,
    /// The units the location resolver found, best first, with why; kept so that every
    /// channel shows the same choice.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_candidates: Vec<UnitCandidate>,
    /// Where `point` comes from: `gps`, `place`, `junction`, `street`, `unit_centre`, or
    /// `map` for a point set by hand; `None` when not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_source: Option<String>,
}

/// A candidate unit for an incident's location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitCandidate {
    /// Unit code.
    pub code: String,
    /// Unit name, e.g. "Phường Kim Liên".
    pub full_name: String,
    /// Resolver score, 0..=1 (only the order is meaningful).
    pub score: f32,
    /// Why, in words, e.g. "Phố Kim Mã; Phường Cống Vị, Quận Ba Đình (một phần)".
    pub why: String,
}

/// Most candidates kept on an incident.
pub const MAX_UNIT_CANDIDATES: usize = 12;

/// Who reported the incident.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// Name, if given.
    pub name: Option<String>,
    /// Phone number, normalized (`0912345678` or `+…` for foreign numbers).
    pub phone: Option<String>,
}

impl Caller {
    /// The phone number with its middle hidden, for lists and boards.
    pub fn masked_phone(&self) -> Option<String> {
        self.phone.as_deref().map(masked_phone)
    }
}

/// Typed input for a new incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIncident {
    /// Incident type.
    pub kind: IncidentKind,
    /// Crime sub-type; only with `kind = crime`.
    pub crime_subtype: Option<CrimeSubtype>,
    /// Priority; defaults from the type (and crime sub-type).
    pub priority: Option<Priority>,
    /// Intake channel.
    pub channel: Channel,
    /// Location.
    pub location: IncidentLocation,
    /// Caller.
    #[serde(default)]
    pub caller: Caller,
    /// What happened, in the reporter's or operator's words.
    pub description: String,
    /// Facility the incident concerns (alarm incidents), by its store id.
    pub facility_id: Option<i64>,
    /// Alarm transmission device, by its identifier (account number).
    pub device_id: Option<String>,
    /// Alarm signals that opened the incident.
    #[serde(default)]
    pub signals: Vec<AlarmSignal>,
    /// When the report was received, if earlier than the moment the incident is opened (an
    /// alarm signal's arrival, the start of a call). Defaults to `now`.
    pub reported_at: Option<DateTime<Utc>>,
}

/// Untyped input for a new incident, as it arrives from a form or a JSON body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewIncidentForm {
    /// Incident type code, e.g. `fire`.
    pub kind: String,
    /// Crime sub-type code, e.g. `robbery`.
    pub crime_subtype: Option<String>,
    /// Priority 1..=4.
    pub priority: Option<u8>,
    /// Channel code, e.g. `hotline_113`.
    pub channel: String,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Address text.
    pub address: Option<String>,
    /// Unit code.
    pub unit_code: Option<String>,
    /// Near-boundary flag.
    pub near_boundary: bool,
    /// Distance to the nearest boundary, metres.
    pub boundary_distance_m: Option<f64>,
    /// Old-name resolution note.
    pub resolved_from_old_name: Option<String>,
    /// The unit is uncertain (see [`IncidentLocation::unit_uncertain`]).
    pub unit_uncertain: bool,
    /// Candidate units.
    pub unit_candidates: Vec<UnitCandidate>,
    /// Where the point comes from.
    pub point_source: Option<String>,
    /// Caller name.
    pub caller_name: Option<String>,
    /// Caller phone.
    pub caller_phone: Option<String>,
    /// Description.
    pub description: String,
    /// Facility id.
    pub facility_id: Option<i64>,
    /// Device id.
    pub device_id: Option<String>,
    /// Report time.
    pub reported_at: Option<DateTime<Utc>>,
}

/// A new incident that passed validation. Build it with [`NewIncident::validate`] or
/// [`NewIncidentForm::validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidNewIncident {
    pub(crate) inner: NewIncident,
    pub(crate) priority: Priority,
    pub(crate) reported_at: DateTime<Utc>,
}

impl ValidNewIncident {
    /// The cleaned input.
    pub fn input(&self) -> &NewIncident {
        &self.inner
    }

    /// The resolved priority.
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The resolved report time (never after the `now` used for validation).
    pub fn reported_at(&self) -> DateTime<Utc> {
        self.reported_at
    }
}

impl NewIncident {
    /// Validates and cleans the input. `now` bounds `reported_at` (see [`MAX_CLOCK_SKEW`]).
    pub fn validate(self, now: DateTime<Utc>) -> Result<ValidNewIncident, IncidentError> {
        let mut errors = Vec::new();
        let valid = check(self, now, &mut errors);
        if errors.is_empty() {
            Ok(valid)
        } else {
            Err(IncidentError::Invalid { errors })
        }
    }
}

impl NewIncidentForm {
    /// Parses the codes and validates everything, reporting all problems together.
    pub fn validate(self, now: DateTime<Utc>) -> Result<ValidNewIncident, IncidentError> {
        let mut errors = Vec::new();
        let kind = match IncidentKind::from_code(self.kind.trim()) {
            Ok(k) => k,
            Err(_) => {
                errors.push(FieldError::new(
                    "kind",
                    "unknown_code",
                    format!("Loại vụ việc không hợp lệ: \"{}\"", self.kind),
                    format!("unknown incident type \"{}\"", self.kind),
                ));
                IncidentKind::Other
            }
        };
        let crime_subtype = match self.crime_subtype.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => match CrimeSubtype::from_code(code) {
                Ok(s) => Some(s),
                Err(_) => {
                    errors.push(FieldError::new(
                        "crime_subtype",
                        "unknown_code",
                        format!("Loại tội phạm không hợp lệ: \"{code}\""),
                        format!("unknown crime sub-type \"{code}\""),
                    ));
                    None
                }
            },
        };
        let channel = match Channel::from_code(self.channel.trim()) {
            Ok(c) => c,
            Err(_) => {
                errors.push(FieldError::new(
                    "channel",
                    "unknown_code",
                    format!("Kênh tiếp nhận không hợp lệ: \"{}\"", self.channel),
                    format!("unknown channel \"{}\"", self.channel),
                ));
                Channel::WebReport
            }
        };
        let priority = match self.priority {
            None => None,
            Some(n) => match Priority::try_from(n) {
                Ok(p) => Some(p),
                Err(_) => {
                    errors.push(FieldError::new(
                        "priority",
                        "out_of_range",
                        format!("Mức ưu tiên phải từ 1 đến 4, nhận được {n}"),
                        format!("priority must be 1 to 4, got {n}"),
                    ));
                    None
                }
            },
        };
        let point = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => Some(GeoPoint::new(lat, lon)),
            (None, None) => None,
            (Some(_), None) => {
                errors.push(FieldError::new(
                    "location.lon",
                    "required",
                    "Thiếu kinh độ đi kèm vĩ độ".into(),
                    "longitude is missing while latitude is given".into(),
                ));
                None
            }
            (None, Some(_)) => {
                errors.push(FieldError::new(
                    "location.lat",
                    "required",
                    "Thiếu vĩ độ đi kèm kinh độ".into(),
                    "latitude is missing while longitude is given".into(),
                ));
                None
            }
        };
        let typed = NewIncident {
            kind,
            crime_subtype,
            priority,
            channel,
            location: IncidentLocation {
                point,
                address: self.address,
                unit_code: self.unit_code,
                near_boundary: self.near_boundary,
                boundary_distance_m: self.boundary_distance_m,
                resolved_from_old_name: self.resolved_from_old_name,
                unit_uncertain: self.unit_uncertain,
                unit_candidates: self.unit_candidates,
                point_source: self.point_source,
            },
            caller: Caller {
                name: self.caller_name,
                phone: self.caller_phone,
            },
            description: self.description,
            facility_id: self.facility_id,
            device_id: self.device_id,
            signals: Vec::new(),
            reported_at: self.reported_at,
        };
        let valid = check(typed, now, &mut errors);
        if errors.is_empty() {
            Ok(valid)
        } else {
            Err(IncidentError::Invalid { errors })
        }
    }
}

/// Trims a string and turns an empty one into `None`.
pub(crate) fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// Pushes a `too_long` error when `value` exceeds `max` characters.
pub(crate) fn check_len(
    field: &str,
    label_vi: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
) {
    let n = value.chars().count();
    if n > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("{label_vi} dài {n} ký tự, tối đa {max}"),
            format!("{field} is {n} characters long, at most {max} allowed"),
        ));
    }
}

/// Checks a required free-text reason and returns it trimmed.
pub(crate) fn required_reason(
    action: &'static str,
    reason: Option<&str>,
) -> Result<String, IncidentError> {
    let text = reason.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(IncidentError::ReasonRequired { action });
    }
    let mut errors = Vec::new();
    check_len("reason", "Lý do", text, MAX_REASON_CHARS, &mut errors);
    if errors.is_empty() {
        Ok(text.to_string())
    } else {
        Err(IncidentError::Invalid { errors })
    }
}

fn check(mut n: NewIncident, now: DateTime<Utc>, errors: &mut Vec<FieldError>) -> ValidNewIncident {
    if n.crime_subtype.is_some() && n.kind != IncidentKind::Crime {
        errors.push(FieldError::new(
            "crime_subtype",
            "subtype_without_crime",
            format!(
                "Chỉ vụ việc loại \"Tội phạm\" mới có loại tội phạm (đang chọn \"{}\")",
                n.kind.label_vi()
            ),
            format!(
                "a crime sub-type is only allowed for crime incidents, not {}",
                n.kind
            ),
        ));
    }

    n.description = n.description.trim().to_string();
    if n.description.is_empty() {
        errors.push(FieldError::new(
            "description",
            "required",
            "Cần mô tả ngắn gọn sự việc".into(),
            "a description is required".into(),
        ));
    }
    check_len(
        "description",
        "Mô tả",
        &n.description,
        MAX_DESCRIPTION_CHARS,
        errors,
    );

    // Location.
    let loc = &mut n.location;
    loc.address = clean_opt(loc.address.take());
    loc.unit_code = clean_opt(loc.unit_code.take());
    loc.resolved_from_old_name = clean_opt(loc.resolved_from_old_name.take());
    if let Some(p) = loc.point {
        if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat)) {
            errors.push(FieldError::new(
                "location.lat",
                "out_of_range",
                format!("Vĩ độ {} nằm ngoài khoảng -90 đến 90", p.lat),
                format!("latitude {} is outside -90..90", p.lat),
            ));
        }
        if !(p.lon.is_finite() && (-180.0..=180.0).contains(&p.lon)) {
            errors.push(FieldError::new(
                "location.lon",
                "out_of_range",
                format!("Kinh độ {} nằm ngoài khoảng -180 đến 180", p.lon),
                format!("longitude {} is outside -180..180", p.lon),
            ));
        }
    }
    if loc.point.is_none() && loc.address.is_none() {
        errors.push(FieldError::new(
            "location",
            "location_required",
            "Cần có tọa độ hoặc địa chỉ nơi xảy ra sự việc".into(),
            "a location (coordinates) or an address is required".into(),
        ));
    }
    if let Some(a) = &loc.address {
        check_len("location.address", "Địa chỉ", a, MAX_ADDRESS_CHARS, errors);
    }
    if let Some(u) = &loc.unit_code {
        if u.chars().count() > MAX_UNIT_CODE_CHARS || !u.chars().all(|c| c.is_ascii_alphanumeric())
        {
            errors.push(FieldError::new(
                "location.unit_code",
                "invalid_unit_code",
                format!("Mã đơn vị \"{u}\" không hợp lệ"),
                format!(
                    "unit code \"{u}\" must be up to {MAX_UNIT_CODE_CHARS} ASCII letters or digits"
                ),
            ));
        }
    }
    if let Some(d) = loc.boundary_distance_m {
        if !d.is_finite() || d < 0.0 {
            errors.push(FieldError::new(
                "location.boundary_distance_m",
                "out_of_range",
                "Khoảng cách đến ranh giới không hợp lệ".into(),
                format!("boundary distance {d} must be a non-negative number"),
            ));
        }
    }
    loc.unit_candidates.truncate(MAX_UNIT_CANDIDATES);
    for c in &mut loc.unit_candidates {
        c.why = c.why.chars().take(MAX_ADDRESS_CHARS).collect();
        if !c.score.is_finite() {
            c.score = 0.0;
        }
    }
    if let Some(note) = &loc.resolved_from_old_name {
        check_len(
            "location.resolved_from_old_name",
            "Ghi chú địa danh cũ",
            note,
            MAX_ADDRESS_CHARS,
            errors,
        );
    }

    // Caller.
    n.caller.name = clean_opt(n.caller.name.take());
    if let Some(name) = &n.caller.name {
        check_len("caller.name", "Tên người báo", name, MAX_NAME_CHARS, errors);
    }
    n.caller.phone = match clean_opt(n.caller.phone.take()) {
        None => None,
        Some(raw) => match normalize_phone(&raw) {
            Some(p) => Some(p),
            None => {
                errors.push(FieldError::new(
                    "caller.phone",
                    "invalid_phone",
                    format!("Số điện thoại \"{raw}\" không đúng định dạng Việt Nam"),
                    format!("\"{raw}\" is not a plausible Vietnamese phone number"),
                ));
                None
            }
        },
    };

    n.device_id = clean_opt(n.device_id.take());
    if let Some(d) = &n.device_id {
        check_len("device_id", "Mã thiết bị", d, MAX_DEVICE_ID_CHARS, errors);
    }
    if n.signals.len() > super::alarm::MAX_SIGNALS_PER_INCIDENT {
        errors.push(FieldError::new(
            "signals",
            "too_many",
            "Quá nhiều tín hiệu báo động trong một yêu cầu".into(),
            format!(
                "at most {} alarm signals per incident",
                super::alarm::MAX_SIGNALS_PER_INCIDENT
            ),
        ));
    }

    let reported_at = match n.reported_at {
        None => now,
        Some(at) if at <= now => at,
        Some(at) if at - now <= MAX_CLOCK_SKEW => now,
        Some(at) => {
            errors.push(FieldError::new(
                "reported_at",
                "in_future",
                "Thời điểm tiếp nhận nằm ở tương lai".into(),
                format!("reported_at {at} is later than now ({now})"),
            ));
            now
        }
    };
    n.reported_at = Some(reported_at);

    let priority = n
        .priority
        .unwrap_or_else(|| n.kind.default_priority_with(n.crime_subtype));
    n.priority = Some(priority);
    ValidNewIncident {
        inner: n,
        priority,
        reported_at,
    }
}

/// Normalizes a phone number, or returns `None` when it is not plausible.
///
/// Accepted: Vietnamese mobiles (10 digits, `03`, `05`, `07`, `08`, `09`), Vietnamese landlines
/// (11 digits starting `02`), both also written with `+84`, `84` or `0084` instead of the leading
/// `0`; and foreign numbers in international form (`+` and 8–15 digits), which tourists roaming in
/// Vietnam call from. Spaces, dots, dashes and parentheses are ignored.
pub fn normalize_phone(input: &str) -> Option<String> {
    let mut plus = false;
    let mut digits = String::with_capacity(input.len());
    for (i, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return None,
        }
    }
    let national = if plus {
        match digits.strip_prefix("84") {
            Some(rest) => format!("0{rest}"),
            None => {
                let ok = (8..=15).contains(&digits.len()) && !digits.starts_with('0');
                return ok.then(|| format!("+{digits}"));
            }
        }
    } else if let Some(rest) = digits.strip_prefix("0084") {
        format!("0{rest}")
    } else if digits.starts_with("84") && (digits.len() == 11 || digits.len() == 12) {
        format!("0{}", &digits[2..])
    } else {
        digits
    };
    let b = national.as_bytes();
    let mobile = b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9');
    let landline = b.len() == 11 && b[0] == b'0' && b[1] == b'2';
    (mobile || landline).then_some(national)
}

/// Hides the middle of a phone number: `0912345678` → `0912***678`. Short strings keep only
/// their first and last character.
pub fn masked_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    if n >= 8 {
        let head: String = chars[..4].iter().collect();
        let tail: String = chars[n - 3..].iter().collect();
        format!("{head}***{tail}")
    } else if n >= 2 {
        format!("{}***{}", chars[0], chars[n - 1])
    } else {
        "***".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap()
    }

    fn form() -> NewIncidentForm {
        NewIncidentForm {
            kind: "crime".into(),
            crime_subtype: Some("theft".into()),
            channel: "hotline_113".into(),
            address: Some("  12 Hàng Bạc, phường Hoàn Kiếm ".into()),
            caller_phone: Some("+84 912 345 678".into()),
            description: " Mất xe máy trước cửa nhà ".into(),
            ..Default::default()
        }
    }

    fn field_codes(err: IncidentError) -> Vec<(String, String)> {
        match err {
            IncidentError::Invalid { errors } => {
                errors.into_iter().map(|e| (e.field, e.code)).collect()
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn valid_form_is_cleaned() {
        let v = form().validate(now()).unwrap();
        let n = v.input();
        assert_eq!(n.kind, IncidentKind::Crime);
        assert_eq!(n.crime_subtype, Some(CrimeSubtype::Theft));
        assert_eq!(v.priority(), Priority::P3);
        assert_eq!(n.caller.phone.as_deref(), Some("0912345678"));
        assert_eq!(n.caller.masked_phone().as_deref(), Some("0912***678"));
        assert_eq!(n.description, "Mất xe máy trước cửa nhà");
        assert_eq!(
            n.location.address.as_deref(),
            Some("12 Hàng Bạc, phường Hoàn Kiếm")
        );
        assert_eq!(v.reported_at(), now());
    }

    #[test]
    fn all_field_errors_are_reported_together() {
        let f = NewIncidentForm {
            kind: "earthquake".into(),
            channel: "fax".into(),
            priority: Some(7),
            lat: Some(95.0),
            lon: Some(105.0),
            caller_phone: Some("12345".into()),
            description: "   ".into(),
            ..Default::default()
        };
        let codes = field_codes(f.validate(now()).unwrap_err());
        for expected in [
            ("kind", "unknown_code"),
            ("channel", "unknown_code"),
            ("priority", "out_of_range"),
            ("location.lat", "out_of_range"),
            ("caller.phone", "invalid_phone"),
            ("description", "required"),
        ] {
            assert!(
                codes.contains(&(expected.0.to_string(), expected.1.to_string())),
                "{expected:?} missing from {codes:?}"
            );
        }
    }

    #[test]
    fn location_or_address_is_required() {
        let f = NewIncidentForm {
            address: Some("   ".into()),
            ..form()
        };
        assert_eq!(
            field_codes(f.validate(now()).unwrap_err()),
            [("location".to_string(), "location_required".to_string())]
        );
        let f = NewIncidentForm {
            address: None,
            lat: Some(21.03),
            lon: Some(105.85),
            ..form()
        };
        assert!(f.validate(now()).is_ok());
        let f = NewIncidentForm {
            address: None,
            lat: Some(21.03),
            ..form()
        };
        let codes = field_codes(f.validate(now()).unwrap_err());
        assert!(
            codes.contains(&("location.lon".into(), "required".into())),
            "{codes:?}"
        );
    }

    #[test]
    fn subtype_only_with_crime_and_lengths_are_limited() {
        let f = NewIncidentForm {
            kind: "fire".into(),
            description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
            ..form()
        };
        let codes = field_codes(f.validate(now()).unwrap_err());
        assert!(codes.contains(&("crime_subtype".into(), "subtype_without_crime".into())));
        assert!(codes.contains(&("description".into(), "too_long".into())));
        // Length counts characters, not bytes: 4000 Vietnamese letters are fine.
        let f = NewIncidentForm {
            description: "ệ".repeat(MAX_DESCRIPTION_CHARS),
            ..form()
        };
        assert!(f.validate(now()).is_ok());
    }

    #[test]
    fn reported_time_in_the_future_is_clamped_or_refused() {
        let f = NewIncidentForm {
            reported_at: Some(now() + Duration::seconds(30)),
            ..form()
        };
        assert_eq!(f.validate(now()).unwrap().reported_at(), now());
        let f = NewIncidentForm {
            reported_at: Some(now() + Duration::minutes(10)),
            ..form()
        };
        let codes = field_codes(f.validate(now()).unwrap_err());
        assert_eq!(
            codes,
            [("reported_at".to_string(), "in_future".to_string())]
        );
        let earlier = now() - Duration::minutes(3);
        let f = NewIncidentForm {
            reported_at: Some(earlier),
            ..form()
        };
        assert_eq!(f.validate(now()).unwrap().reported_at(), earlier);
    }

    #[test]
    fn phone_normalization() {
        for (input, expected) in [
            ("0912345678", Some("0912345678")),
            ("0912.345.678", Some("0912345678")),
            ("+84912345678", Some("0912345678")),
            ("84912345678", Some("0912345678")),
            ("0084 912 345 678", Some("0912345678")),
            ("(024) 3825 1234", Some("02438251234")),
            ("+84 24 3825 1234", Some("02438251234")),
            ("0312345678", Some("0312345678")),
            ("+33 6 12 34 56 78", Some("+33612345678")),
            ("0112345678", None),
            ("091234567", None),
            ("09123456789", None),
            ("113", None),
            ("0912-abc-678", None),
            ("++84912345678", None),
            ("", None),
        ] {
            assert_eq!(
                normalize_phone(input).as_deref(),
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn masking() {
        assert_eq!(masked_phone("0912345678"), "0912***678");
        assert_eq!(masked_phone("02438251234"), "0243***234");
        assert_eq!(masked_phone("+33612345678"), "+336***678");
        assert_eq!(masked_phone("12345"), "1***5");
        assert_eq!(masked_phone("1"), "***");
    }

    proptest! {
        #[test]
        fn normalized_phones_are_stable(digits in "[35789][0-9]{8}") {
            let p = format!("0{digits}");
            let n = normalize_phone(&p).unwrap();
            prop_assert_eq!(&n, &p);
            prop_assert_eq!(normalize_phone(&format!("+84{digits}")).unwrap(), p.clone());
            prop_assert_eq!(normalize_phone(&n).unwrap(), n.clone());
            let masked = masked_phone(&n);
            prop_assert!(masked.starts_with(&n[..4]) && masked.ends_with(&n[7..]));
            prop_assert_eq!(&masked[4..7], "***");
            prop_assert_eq!(masked.len(), 10);
        }

        #[test]
        fn normalize_never_panics(input in "\\PC{0,24}") {
            let _ = normalize_phone(&input);
            let _ = masked_phone(&input);
        }
    }
}
