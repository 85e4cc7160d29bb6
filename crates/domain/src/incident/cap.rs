//! OASIS Common Alerting Protocol 1.2 export (`urn:oasis:names:tc:emergency:cap:1.2`).
//!
//! Two kinds of messages are produced, both with one `info` block in Vietnamese (`vi-VN`) and
//! one in English (`en-US`):
//!
//! * [`incident_to_cap`] — an alert about an incident, for partner agencies or the public:
//!   category, event, urgency, severity and certainty derived from the type, priority and
//!   status; the area as a circle around the incident plus the unit code as a geocode.
//! * [`public_warning_to_cap`] — a warning written by the command center (a flood, a large
//!   fire's smoke), with its own areas (circles and polygons) and texts.
//!
//! The XML is written by hand in the element order of the CAP 1.2 schema; every text is
//! escaped. `sent`, `expires` and the times in `references` use the `+07:00` offset and whole
//! seconds, as the schema's pattern requires. The export never includes the caller's name or
//! phone: CAP is for alerting; incident exchange with caller data is EIDO's job
//! ([`super::eido`]). The tests validate the output against the official XSD with `xmllint`
//! (see `docs/cap-eido.md`).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{IncidentKind, Vocabulary};
use super::error::IncidentError;
use super::geo::GeoPoint;
use super::model::Incident;
use super::number::{vietnam_offset, IncidentNumber};
use super::status::IncidentStatus;

/// CAP namespace.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

/// `geocode` value name carrying the commune/ward unit code (our own convention).
pub const GEOCODE_UNIT: &str = "VN-ADMIN-CODE";

macro_rules! cap_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// The value as written in CAP.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
        }
    };
}

cap_enum!(
    /// `alert/status`.
    CapStatus {
        /// Actionable by all targeted recipients.
        Actual => "Actual",
        /// Exercise.
        Exercise => "Exercise",
        /// Network message.
        System => "System",
        /// Test.
        Test => "Test",
        /// Draft.
        Draft => "Draft",
    }
);

cap_enum!(
    /// `info/category`.
    CapCategory {
        /// Geophysical.
        Geo => "Geo",
        /// Meteorological, including floods.
        Met => "Met",
        /// General emergency and public safety.
        Safety => "Safety",
        /// Law enforcement, security.
        Security => "Security",
        /// Rescue and recovery.
        Rescue => "Rescue",
        /// Fire suppression and rescue.
        Fire => "Fire",
        /// Medical and public health.
        Health => "Health",
        /// Pollution, environment.
        Env => "Env",
        /// Transportation.
        Transport => "Transport",
        /// Infrastructure.
        Infra => "Infra",
        /// Chemical, biological, radiological, nuclear, explosive.
        Cbrne => "CBRNE",
        /// Other.
        Other => "Other",
    }
);

cap_enum!(
    /// `info/urgency`.
    CapUrgency {
        /// Act now.
        Immediate => "Immediate",
        /// Act within the next hour.
        Expected => "Expected",
        /// Act in the near future.
        Future => "Future",
        /// No longer required.
        Past => "Past",
        /// Unknown.
        Unknown => "Unknown",
    }
);

cap_enum!(
    /// `info/severity`.
    CapSeverity {
        /// Extraordinary threat to life or property.
        Extreme => "Extreme",
        /// Significant threat.
        Severe => "Severe",
        /// Possible threat.
        Moderate => "Moderate",
        /// Minimal to no known threat.
        Minor => "Minor",
        /// Unknown.
        Unknown => "Unknown",
    }
);

cap_enum!(
    /// `info/certainty`.
    CapCertainty {
        /// Determined to have occurred or to be ongoing.
        Observed => "Observed",
        /// Likely (p > ~50 %).
        Likely => "Likely",
        /// Possible but not likely.
        Possible => "Possible",
        /// Not expected to occur.
        Unlikely => "Unlikely",
        /// Unknown.
        Unknown => "Unknown",
    }
);

cap_enum!(
    /// `info/responseType`.
    CapResponseType {
        /// Take shelter.
        Shelter => "Shelter",
        /// Relocate.
        Evacuate => "Evacuate",
        /// Make preparations.
        Prepare => "Prepare",
        /// Execute a pre-planned activity.
        Execute => "Execute",
        /// Avoid the subject event.
        Avoid => "Avoid",
        /// Attend to information sources.
        Monitor => "Monitor",
        /// Evaluate the information.
        Assess => "Assess",
        /// The event no longer poses a threat.
        AllClear => "AllClear",
        /// No action recommended.
        None => "None",
    }
);

/// Who may see the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum CapScope {
    /// General public.
    Public,
    /// Users with a known operational requirement; `restriction` says who.
    Restricted {
        /// Rule for limiting distribution.
        restriction: String,
    },
    /// Named recipients only.
    Private {
        /// Space-separated addresses.
        addresses: String,
    },
}

/// A reference to an earlier message, for updates and cancellations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapReference {
    /// Sender of the earlier message.
    pub sender: String,
    /// Its identifier.
    pub identifier: String,
    /// Its `sent` time.
    pub sent: DateTime<Utc>,
}

/// `alert/msgType`, with the references that updates and cancellations need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msg_type", rename_all = "snake_case")]
pub enum CapMsgType {
    /// A new alert.
    Alert,
    /// Updates earlier messages.
    Update {
        /// The messages updated.
        references: Vec<CapReference>,
    },
    /// Cancels earlier messages.
    Cancel {
        /// The messages cancelled.
        references: Vec<CapReference>,
    },
}

/// Settings of a CAP export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapOptions {
    /// `sender`: a globally unique id of the originator, e.g. `tttch@congan.hanoi.gov.vn`.
    pub sender: String,
    /// Human-readable sender name, Vietnamese.
    pub sender_name_vi: String,
    /// Human-readable sender name, English.
    pub sender_name_en: String,
    /// Actual, Exercise, Test, …
    pub status: CapStatus,
    /// Public, Restricted or Private.
    pub scope: CapScope,
    /// Alert, Update or Cancel.
    pub msg_type: CapMsgType,
    /// Radius of the circle drawn around an incident, km.
    pub radius_km: f64,
    /// `expires` = `sent` + this, when set.
    #[serde(default, with = "opt_secs")]
    pub expires_after: Option<Duration>,
    /// `web` link for more information.
    pub web: Option<String>,
    /// `contact` text.
    pub contact: Option<String>,
    /// Include the incident's free-text description (may contain personal data; keep off
    /// for public messages).
    #[serde(default)]
    pub include_incident_description: bool,
}

impl CapOptions {
    /// Options with the usual defaults: `Actual`, `Public`, `Alert`, a 0.5 km circle, no
    /// expiry.
    pub fn new(sender: &str, sender_name_vi: &str, sender_name_en: &str) -> Self {
        Self {
            sender: sender.to_string(),
            sender_name_vi: sender_name_vi.to_string(),
            sender_name_en: sender_name_en.to_string(),
            status: CapStatus::Actual,
            scope: CapScope::Public,
            msg_type: CapMsgType::Alert,
            radius_km: 0.5,
            expires_after: None,
            web: None,
            contact: None,
            include_incident_description: false,
        }
    }
}

mod opt_secs {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.num_seconds()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<i64>::deserialize(d)?.map(Duration::seconds))
    }
}

/// An area of a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapArea {
    /// Description in Vietnamese.
    pub desc_vi: String,
    /// Description in English.
    pub desc_en: String,
    /// Polygons, each a ring of points (closed automatically if the last point differs from
    /// the first; at least three distinct points).
    #[serde(default)]
    pub polygons: Vec<Vec<GeoPoint>>,
    /// Circles: centre and radius in km.
    #[serde(default)]
    pub circles: Vec<(GeoPoint, f64)>,
    /// Geocodes as (valueName, value), e.g. (`VN-ADMIN-CODE`, `00004`).
    #[serde(default)]
    pub geocodes: Vec<(String, String)>,
}

/// A public warning written by the command center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicWarning {
    /// Unique identifier within the sender, e.g. `HN-CB-2026-0007` (no spaces, commas, `<`, `&`).
    pub identifier: String,
    /// Categories.
    pub categories: Vec<CapCategory>,
    /// Event, Vietnamese ("Ngập lụt").
    pub event_vi: String,
    /// Event, English.
    pub event_en: String,
    /// Recommended responses.
    #[serde(default)]
    pub response_types: Vec<CapResponseType>,
    /// Urgency.
    pub urgency: CapUrgency,
    /// Severity.
    pub severity: CapSeverity,
    /// Certainty.
    pub certainty: CapCertainty,
    /// Headline, Vietnamese.
    pub headline_vi: String,
    /// Headline, English.
    pub headline_en: String,
    /// Description, Vietnamese.
    pub description_vi: String,
    /// Description, English.
    pub description_en: String,
    /// Instruction, Vietnamese.
    pub instruction_vi: Option<String>,
    /// Instruction, English.
    pub instruction_en: Option<String>,
    /// Expected onset.
    pub onset: Option<DateTime<Utc>>,
    /// Expiry (overrides `CapOptions::expires_after`).
    pub expires: Option<DateTime<Utc>>,
    /// Areas (at least one).
    pub areas: Vec<CapArea>,
    /// Incidents the warning is about.
    #[serde(default)]
    pub incidents: Vec<IncidentNumber>,
}

// ---------------------------------------------------------------------------------------------
// Mapping from incidents.

/// CAP categories of an incident type.
pub fn categories_for(kind: IncidentKind) -> &'static [CapCategory] {
    match kind {
        IncidentKind::Fire => &[CapCategory::Fire],
        IncidentKind::Explosion => &[CapCategory::Fire, CapCategory::Safety],
        IncidentKind::Rescue => &[CapCategory::Rescue],
        IncidentKind::TrafficAccident => &[CapCategory::Transport],
        IncidentKind::Crime | IncidentKind::PublicOrder => &[CapCategory::Security],
        IncidentKind::Flood => &[CapCategory::Met],
        IncidentKind::MissingPerson => &[CapCategory::Rescue],
        IncidentKind::Medical => &[CapCategory::Health],
        IncidentKind::Other => &[CapCategory::Other],
    }
}

/// Urgency from priority and status: finished incidents are `Past`.
pub fn urgency_for(incident: &Incident) -> CapUrgency {
    use super::catalogue::Priority as P;
    match incident.status {
        IncidentStatus::Resolved
        | IncidentStatus::Closed
        | IncidentStatus::Cancelled
        | IncidentStatus::Merged
        | IncidentStatus::FalseAlarm => CapUrgency::Past,
        _ => match incident.priority {
            P::P1 | P::P2 => CapUrgency::Immediate,
            P::P3 => CapUrgency::Expected,
            P::P4 => CapUrgency::Future,
        },
    }
}

/// Severity from priority.
pub fn severity_for(incident: &Incident) -> CapSeverity {
    use super::catalogue::Priority as P;
    match incident.priority {
        P::P1 => CapSeverity::Severe,
        P::P2 => CapSeverity::Moderate,
        P::P3 | P::P4 => CapSeverity::Minor,
    }
}

/// Certainty from status: unverified reports are `Likely` (alarm devices) or `Possible`
/// (people); verified and later are `Observed`; a false alarm is `Unlikely`.
pub fn certainty_for(incident: &Incident) -> CapCertainty {
    match incident.status {
        IncidentStatus::Received => {
            if incident.channel == super::catalogue::Channel::AlarmDevice {
                CapCertainty::Likely
            } else {
                CapCertainty::Possible
            }
        }
        IncidentStatus::FalseAlarm => CapCertainty::Unlikely,
        IncidentStatus::Cancelled | IncidentStatus::Merged => CapCertainty::Unknown,
        IncidentStatus::Closed if incident.disposition == Some(super::Disposition::FalseAlarm) => {
            CapCertainty::Unlikely
        }
        _ => CapCertainty::Observed,
    }
}

fn response_for(incident: &Incident) -> CapResponseType {
    if urgency_for(incident) == CapUrgency::Past {
        return CapResponseType::AllClear;
    }
    match incident.kind {
        IncidentKind::Fire
        | IncidentKind::Explosion
        | IncidentKind::TrafficAccident
        | IncidentKind::Crime
        | IncidentKind::PublicOrder
        | IncidentKind::Rescue => CapResponseType::Avoid,
        IncidentKind::Flood => CapResponseType::Prepare,
        IncidentKind::MissingPerson => CapResponseType::Monitor,
        IncidentKind::Medical | IncidentKind::Other => CapResponseType::None,
    }
}

fn instruction_for(incident: &Incident) -> (&'static str, &'static str) {
    if urgency_for(incident) == CapUrgency::Past {
        return (
            "Sự việc đã được xử lý hoặc không còn nguy hiểm.",
            "The incident has been dealt with or is no longer a threat.",
        );
    }
    match incident.kind {
        IncidentKind::Fire | IncidentKind::Explosion => (
            "Tránh xa khu vực, nhường đường cho xe chữa cháy. Gọi 114 nếu phát hiện người mắc kẹt.",
            "Stay away from the area and give way to fire engines. Call 114 if anyone is trapped.",
        ),
        IncidentKind::Rescue => (
            "Tránh xa khu vực để lực lượng cứu nạn làm việc. Gọi 114 nếu cần hỗ trợ.",
            "Keep clear so rescuers can work. Call 114 if you need help.",
        ),
        IncidentKind::TrafficAccident => (
            "Đi đường khác, giảm tốc độ khi qua khu vực và làm theo hướng dẫn của cảnh sát giao thông.",
            "Use another route, slow down near the scene and follow traffic police instructions.",
        ),
        IncidentKind::Crime | IncidentKind::PublicOrder => (
            "Tránh khu vực và làm theo hướng dẫn của lực lượng công an. Báo tin qua số 113.",
            "Avoid the area and follow police instructions. Report information on 113.",
        ),
        IncidentKind::Flood => (
            "Không đi vào vùng nước ngập, chuẩn bị di chuyển đến nơi cao và theo dõi thông báo.",
            "Do not enter flood water, prepare to move to higher ground and follow announcements.",
        ),
        IncidentKind::MissingPerson => (
            "Nếu có thông tin, hãy gọi 113.",
            "If you have any information, call 113.",
        ),
        IncidentKind::Medical => (
            "Nhường đường cho xe cấp cứu. Gọi 115 khi cần cấp cứu.",
            "Give way to ambulances. Call 115 for medical emergencies.",
        ),
        IncidentKind::Other => (
            "Theo dõi thông báo của cơ quan chức năng.",
            "Follow announcements from the authorities.",
        ),
    }
}

/// CAP alert for an incident (one `vi-VN` and one `en-US` info block).
pub fn incident_to_cap(
    incident: &Incident,
    opts: &CapOptions,
    now: DateTime<Utc>,
) -> Result<String, IncidentError> {
    let sent = now;
    let identifier = format!(
        "{}-{}",
        incident.number,
        sent.with_timezone(&vietnam_offset())
            .format("%Y%m%dT%H%M%S")
    );
    let (event_vi, event_en) = match (incident.kind, incident.crime_subtype) {
        (IncidentKind::Crime, Some(s)) => (
            format!("{} - {}", incident.kind.label_vi(), s.label_vi()),
            format!("{} - {}", incident.kind.label_en(), s.label_en()),
        ),
        _ => (
            incident.kind.label_vi().to_string(),
            incident.kind.label_en().to_string(),
        ),
    };
    let address = incident
        .location
        .address
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    let place = address
        .clone()
        .or_else(|| {
            incident
                .assignment
                .primary_unit
                .as_ref()
                .map(|u| format!("đơn vị {u}"))
        })
        .or_else(|| {
            incident
                .location
                .point
                .map(|p| format!("{:.5}, {:.5}", p.lat, p.lon))
        })
        .unwrap_or_else(|| "Hà Nội".to_string());
    let place_en = address
        .or_else(|| {
            incident
                .assignment
                .primary_unit
                .as_ref()
                .map(|u| format!("unit {u}"))
        })
        .or_else(|| {
            incident
                .location
                .point
                .map(|p| format!("{:.5}, {:.5}", p.lat, p.lon))
        })
        .unwrap_or_else(|| "Hanoi".to_string());

    let mut description_vi = format!(
        "Vụ việc {}: {}. Mức ưu tiên {} ({}). Trạng thái: {}. Địa điểm: {}.",
        incident.number,
        event_vi,
        incident.priority.number(),
        incident.priority.label_vi(),
        incident.status.label_vi(),
        place
    );
    let mut description_en = format!(
        "Incident {}: {}. Priority {} ({}). Status: {}. Location: {}.",
        incident.number,
        event_en,
        incident.priority.number(),
        incident.priority.label_en(),
        incident.status.label_en(),
        place_en
    );
    if opts.include_incident_description && !incident.description.is_empty() {
        description_vi.push_str(&format!(" Nội dung: {}", incident.description));
        description_en.push_str(&format!(" Report (Vietnamese): {}", incident.description));
    }

    let mut area = CapArea {
        desc_vi: place.clone(),
        desc_en: place_en.clone(),
        polygons: Vec::new(),
        circles: Vec::new(),
        geocodes: Vec::new(),
    };
    if let Some(p) = incident.location.point {
        area.circles.push((p, opts.radius_km));
    }
    if let Some(u) = &incident.assignment.primary_unit {
        area.geocodes.push((GEOCODE_UNIT.to_string(), u.clone()));
    }
    let (instr_vi, instr_en) = instruction_for(incident);
    let event_codes = vec![
        (
            "APCO".to_string(),
            incident
                .kind
                .apco_code_with(incident.crime_subtype)
                .to_string(),
        ),
        ("BINHYEN".to_string(), incident.kind.code().to_string()),
    ];
    let mut parameters = vec![
        (
            "BINHYEN_STATUS".to_string(),
            incident.status.code().to_string(),
        ),
        (
            "BINHYEN_PRIORITY".to_string(),
            incident.priority.number().to_string(),
        ),
    ];
    // The casualty figures and the fire report's coded facts: counts and codes, no free text.
    let c = &incident.casualties;
    for (name, n) in [
        ("DEAD", c.dead),
        ("INJURED", c.injured),
        ("TRAPPED", c.trapped),
        ("RESCUED", c.rescued),
    ] {
        if n > 0 {
            parameters.push((format!("BINHYEN_{name}"), n.to_string()));
        }
    }
    if let Some(report) = &incident.fire_report {
        parameters.extend(
            report
                .coded_values()
                .into_iter()
                .map(|(name, value)| (format!("BINHYEN_{name}"), value)),
        );
    }
    let expires = opts.expires_after.map(|d| sent + d);
    let common = InfoCommon {
        categories: categories_for(incident.kind).to_vec(),
        response_types: vec![response_for(incident)],
        urgency: urgency_for(incident),
        severity: severity_for(incident),
        certainty: certainty_for(incident),
        event_codes,
        onset: Some(incident.times.received),
        expires,
        parameters,
        areas: vec![area],
    };
    let headline =
        |event: &str, place: &str, sep: &str| truncate(&format!("{event}{sep}{place}"), 160);
    let infos = vec![
        InfoText {
            language: "vi-VN",
            event: event_vi.clone(),
            sender_name: opts.sender_name_vi.clone(),
            headline: headline(&event_vi, &place, " tại "),
            description: description_vi,
            instruction: Some(instr_vi.to_string()),
        },
        InfoText {
            language: "en-US",
            event: event_en.clone(),
            sender_name: opts.sender_name_en.clone(),
            headline: headline(&event_en, &place_en, " at "),
            description: description_en,
            instruction: Some(instr_en.to_string()),
        },
    ];
    render_alert(
        &identifier,
        &[incident.number.to_string()],
        opts,
        sent,
        &common,
        &infos,
    )
}

/// CAP alert for a public warning.
pub fn public_warning_to_cap(
    warning: &PublicWarning,
    opts: &CapOptions,
    now: DateTime<Utc>,
) -> Result<String, IncidentError> {
    if warning.areas.is_empty() {
        return Err(export_err("a public warning needs at least one area"));
    }
    if warning.categories.is_empty() {
        return Err(export_err("a public warning needs at least one category"));
    }
    let common = InfoCommon {
        categories: warning.categories.clone(),
        response_types: warning.response_types.clone(),
        urgency: warning.urgency,
        severity: warning.severity,
        certainty: warning.certainty,
        event_codes: Vec::new(),
        onset: warning.onset,
        expires: warning
            .expires
            .or_else(|| opts.expires_after.map(|d| now + d)),
        parameters: Vec::new(),
        areas: warning.areas.clone(),
    };
    let infos = vec![
        InfoText {
            language: "vi-VN",
            event: warning.event_vi.clone(),
            sender_name: opts.sender_name_vi.clone(),
            headline: truncate(&warning.headline_vi, 160),
            description: warning.description_vi.clone(),
            instruction: warning.instruction_vi.clone(),
        },
        InfoText {
            language: "en-US",
            event: warning.event_en.clone(),
            sender_name: opts.sender_name_en.clone(),
            headline: truncate(&warning.headline_en, 160),
            description: warning.description_en.clone(),
            instruction: warning.instruction_en.clone(),
        },
    ];
    let incidents: Vec<String> = warning.incidents.iter().map(|n| n.to_string()).collect();
    render_alert(&warning.identifier, &incidents, opts, now, &common, &infos)
}

// ---------------------------------------------------------------------------------------------
// Rendering.

struct InfoCommon {
    categories: Vec<CapCategory>,
    response_types: Vec<CapResponseType>,
    urgency: CapUrgency,
    severity: CapSeverity,
    certainty: CapCertainty,
    event_codes: Vec<(String, String)>,
    onset: Option<DateTime<Utc>>,
    expires: Option<DateTime<Utc>>,
    parameters: Vec<(String, String)>,
    areas: Vec<CapArea>,
}

struct InfoText {
    language: &'static str,
    event: String,
    sender_name: String,
    headline: String,
    description: String,
    instruction: Option<String>,
}

fn export_err(reason: impl Into<String>) -> IncidentError {
    IncidentError::Export {
        reason: reason.into(),
    }
}

/// CAP forbids spaces, commas and the restricted characters `<` and `&` in identifiers and
/// senders (they are joined with commas and spaces in `references`).
fn check_token(what: &str, value: &str) -> Result<(), IncidentError> {
    if value.is_empty() {
        return Err(export_err(format!("{what} is empty")));
    }
    if let Some(c) = value
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&') || c.is_control())
    {
        return Err(export_err(format!(
            "{what} {value:?} contains the forbidden character {c:?}"
        )));
    }
    Ok(())
}

/// `YYYY-MM-DDThh:mm:ss+07:00`, as the CAP schema's pattern for `sent` demands.
pub fn cap_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&vietnam_offset())
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn render_alert(
    identifier: &str,
    incidents: &[String],
    opts: &CapOptions,
    sent: DateTime<Utc>,
    common: &InfoCommon,
    infos: &[InfoText],
) -> Result<String, IncidentError> {
    check_token("identifier", identifier)?;
    check_token("sender", &opts.sender)?;
    for i in incidents {
        check_token("incident number", i)?;
    }
    if !(opts.radius_km.is_finite() && opts.radius_km >= 0.0) {
        return Err(export_err(format!(
            "radius {} km is not a non-negative number",
            opts.radius_km
        )));
    }

    let mut x = Xml::default();
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.raw(&format!("<alert xmlns=\"{CAP_NAMESPACE}\">\n"));
    x.el(1, "identifier", identifier);
    x.el(1, "sender", &opts.sender);
    x.el(1, "sent", &cap_time(sent));
    x.el(1, "status", opts.status.as_str());
    let (msg_type, references) = match &opts.msg_type {
        CapMsgType::Alert => ("Alert", None),
        CapMsgType::Update { references } => ("Update", Some(references)),
        CapMsgType::Cancel { references } => ("Cancel", Some(references)),
    };
    x.el(1, "msgType", msg_type);
    match &opts.scope {
        CapScope::Public => x.el(1, "scope", "Public"),
        CapScope::Restricted { restriction } => {
            if restriction.trim().is_empty() {
                return Err(export_err("scope Restricted needs a restriction"));
            }
            x.el(1, "scope", "Restricted");
            x.el(1, "restriction", restriction.trim());
        }
        CapScope::Private { addresses } => {
            if addresses.trim().is_empty() {
                return Err(export_err("scope Private needs addresses"));
            }
            x.el(1, "scope", "Private");
            x.el(1, "addresses", addresses.trim());
        }
    }
    if let Some(refs) = references {
        if refs.is_empty() {
            return Err(export_err(format!(
                "msgType {msg_type} needs at least one reference"
            )));
        }
        let mut parts = Vec::new();
        for r in refs {
            check_token("reference sender", &r.sender)?;
            check_token("reference identifier", &r.identifier)?;
            parts.push(format!(
                "{},{},{}",
                r.sender,
                r.identifier,
                cap_time(r.sent)
            ));
        }
        x.el(1, "references", &parts.join(" "));
    }
    if !incidents.is_empty() {
        x.el(1, "incidents", &incidents.join(" "));
    }
    for info in infos {
        render_info(&mut x, opts, common, info)?;
    }
    x.raw("</alert>\n");
    Ok(x.out)
}

fn render_info(
    x: &mut Xml,
    opts: &CapOptions,
    c: &InfoCommon,
    t: &InfoText,
) -> Result<(), IncidentError> {
    if t.event.trim().is_empty() {
        return Err(export_err("event is empty"));
    }
    x.open(1, "info");
    x.el(2, "language", t.language);
    for cat in &c.categories {
        x.el(2, "category", cat.as_str());
    }
    x.el(2, "event", t.event.trim());
    for r in &c.response_types {
        x.el(2, "responseType", r.as_str());
    }
    x.el(2, "urgency", c.urgency.as_str());
    x.el(2, "severity", c.severity.as_str());
    x.el(2, "certainty", c.certainty.as_str());
    for (name, value) in &c.event_codes {
        x.open(2, "eventCode");
        x.el(3, "valueName", name);
        x.el(3, "value", value);
        x.close(2, "eventCode");
    }
    if let Some(onset) = c.onset {
        x.el(2, "onset", &cap_time(onset));
    }
    if let Some(expires) = c.expires {
        x.el(2, "expires", &cap_time(expires));
    }
    if !t.sender_name.trim().is_empty() {
        x.el(2, "senderName", t.sender_name.trim());
    }
    if !t.headline.trim().is_empty() {
        x.el(2, "headline", t.headline.trim());
    }
    if !t.description.trim().is_empty() {
        x.el(2, "description", t.description.trim());
    }
    if let Some(i) = t
        .instruction
        .as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        x.el(2, "instruction", i);
    }
    if let Some(web) = opts.web.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        x.el(2, "web", web);
    }
    if let Some(contact) = opts
        .contact
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        x.el(2, "contact", contact);
    }
    for (name, value) in &c.parameters {
        x.open(2, "parameter");
        x.el(3, "valueName", name);
        x.el(3, "value", value);
        x.close(2, "parameter");
    }
    for area in &c.areas {
        let desc = if t.language == "vi-VN" {
            &area.desc_vi
        } else {
            &area.desc_en
        };
        if desc.trim().is_empty() {
            return Err(export_err("areaDesc is empty"));
        }
        x.open(2, "area");
        x.el(3, "areaDesc", desc.trim());
        for ring in &area.polygons {
            x.el(3, "polygon", &polygon_text(ring)?);
        }
        for (centre, radius) in &area.circles {
            if !centre.is_valid() || !radius.is_finite() || *radius < 0.0 {
                return Err(export_err("circle centre or radius out of range"));
            }
            x.el(
                3,
                "circle",
                &format!("{},{} {}", num(centre.lat), num(centre.lon), num(*radius)),
            );
        }
        for (name, value) in &area.geocodes {
            x.open(3, "geocode");
            x.el(4, "valueName", name);
            x.el(4, "value", value);
            x.close(3, "geocode");
        }
        x.close(2, "area");
    }
    x.close(1, "info");
    Ok(())
}

/// `lat,lon lat,lon …`, closed, at least four pairs (CAP 1.2 §3.3.2).
fn polygon_text(ring: &[GeoPoint]) -> Result<String, IncidentError> {
    if ring.iter().any(|p| !p.is_valid()) {
        return Err(export_err("polygon point out of range"));
    }
    let mut pts: Vec<GeoPoint> = ring.to_vec();
    if pts.first() != pts.last() {
        if let Some(first) = pts.first().copied() {
            pts.push(first);
        }
    }
    if pts.len() < 4 {
        return Err(export_err("a polygon needs at least three distinct points"));
    }
    Ok(pts
        .iter()
        .map(|p| format!("{},{}", num(p.lat), num(p.lon)))
        .collect::<Vec<_>>()
        .join(" "))
}

/// Decimal number with at most six decimals and no trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

fn truncate(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max_chars - 1).collect();
        t.push('…');
        t
    }
}

/// Minimal indented XML writer.
#[derive(Default)]
struct Xml {
    out: String,
}

impl Xml {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn indent(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    fn el(&mut self, level: usize, name: &str, text: &str) {
        self.indent(level);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn open(&mut self, level: usize, name: &str) {
        self.indent(level);
        self.out.push_str(&format!("<{name}>\n"));
    }

    fn close(&mut self, level: usize, name: &str) {
        self.indent(level);
        self.out.push_str(&format!("</{name}>\n"));
    }
}

/// Escapes text for XML element content and drops characters XML 1.0 cannot carry.
pub fn xml_escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    escape_into(&mut s, text);
    s
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::catalogue::Disposition;
    use crate::incident::model::tests::{open_fire, operator, t0};

    fn opts() -> CapOptions {
        CapOptions::new(
            "tttch@congan.hanoi.gov.vn",
            "Trung tâm Thông tin chỉ huy CATP Hà Nội",
            "Hanoi Police Command Information Center",
        )
    }

    #[test]
    fn incident_alert_has_both_languages_and_mapped_values() {
        let inc = open_fire(123);
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"));
        assert!(xml.contains("<identifier>HN-2026-000123-20260301T140000</identifier>"));
        assert!(
            xml.contains("<sent>2026-03-01T14:00:00+07:00</sent>"),
            "{xml}"
        );
        assert!(xml.contains("<incidents>HN-2026-000123</incidents>"));
        assert!(
            xml.contains("<language>vi-VN</language>")
                && xml.contains("<language>en-US</language>")
        );
        assert!(xml.contains("<category>Fire</category>"));
        assert!(xml.contains("<urgency>Immediate</urgency>"));
        assert!(xml.contains("<severity>Severe</severity>"));
        assert!(xml.contains("<certainty>Possible</certainty>"));
        assert!(xml.contains("<headline>Cháy tại 12 Hàng Bạc, phường Hoàn Kiếm</headline>"));
        assert!(xml.contains("<circle>21.0288,105.8525 0.5</circle>"));
        assert!(xml.contains("<valueName>VN-ADMIN-CODE</valueName>\n        <value>00070</value>"));
        assert!(xml.contains("<value>FUNK</value>"));
        // No personal data.
        assert!(!xml.contains("0912345678") && !xml.contains("Trần Thị Bình"));
        assert!(!xml.contains("Khói bốc ra"), "free text only on request");
    }

    #[test]
    fn the_fire_report_and_casualties_travel_as_coded_parameters_without_free_text() {
        let mut inc = open_fire(1);
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        assert!(!xml.contains("BINHYEN_REAL_FIRE") && !xml.contains("BINHYEN_DEAD"));
        inc.verify(None, operator(), t0()).unwrap();
        inc.record_casualties(
            crate::incident::Casualties {
                dead: 0,
                injured: 2,
                trapped: 0,
                rescued: 5,
            },
            None,
            operator(),
            t0(),
        )
        .unwrap();
        inc.file_fire_report(
            crate::incident::fire_report::sample_fire_report(),
            operator(),
            t0(),
        )
        .unwrap();
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        for (name, value) in [
            ("BINHYEN_INJURED", "2"),
            ("BINHYEN_RESCUED", "5"),
            ("BINHYEN_REAL_FIRE", "true"),
            ("BINHYEN_FIRE_CAUSE", "electrical"),
            ("BINHYEN_PREMISES_KIND", "house"),
            ("BINHYEN_DAMAGE_VND", "350000000"),
            ("BINHYEN_VEHICLES", "3"),
        ] {
            assert!(
                xml.contains(&format!(
                    "<valueName>{name}</valueName>\n      <value>{value}</value>"
                )),
                "{name} in {xml}"
            );
        }
        assert!(!xml.contains("BINHYEN_DEAD"), "zero counts are left out");
        assert!(
            !xml.contains("nhà ở riêng lẻ"),
            "the premises in words stay out"
        );
    }

    #[test]
    fn status_changes_the_mapping() {
        let mut inc = open_fire(1);
        inc.verify(None, operator(), t0()).unwrap();
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        assert!(xml.contains("<certainty>Observed</certainty>"));
        inc.mark_false_alarm("không cháy", operator(), t0())
            .unwrap();
        inc.close(Some(Disposition::FalseAlarm), None, operator(), t0())
            .unwrap();
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        assert!(xml.contains("<urgency>Past</urgency>"));
        assert!(xml.contains("<certainty>Unlikely</certainty>"));
        assert!(xml.contains("<responseType>AllClear</responseType>"));
    }

    #[test]
    fn text_is_escaped() {
        let mut inc = open_fire(1);
        inc.location.address = Some("Ngõ 5 <Hàng Bạc> & \"chợ\" 'cũ'\u{1}".into());
        let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
        assert!(
            xml.contains("Ngõ 5 &lt;Hàng Bạc&gt; &amp; &quot;chợ&quot; &apos;cũ&apos;</areaDesc>"),
            "{xml}"
        );
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn options_are_checked() {
        let inc = open_fire(1);
        let mut o = opts();
        o.sender = "tttch congan".into();
        assert!(matches!(
            incident_to_cap(&inc, &o, t0()),
            Err(IncidentError::Export { .. })
        ));
        let mut o = opts();
        o.scope = CapScope::Restricted {
            restriction: " ".into(),
        };
        assert!(incident_to_cap(&inc, &o, t0()).is_err());
        let mut o = opts();
        o.msg_type = CapMsgType::Update { references: vec![] };
        assert!(incident_to_cap(&inc, &o, t0()).is_err());
        let mut o = opts();
        o.msg_type = CapMsgType::Cancel {
            references: vec![CapReference {
                sender: o.sender.clone(),
                identifier: "HN-2026-000001-20260301T135900".into(),
                sent: t0() - Duration::minutes(1),
            }],
        };
        let xml = incident_to_cap(&inc, &o, t0()).unwrap();
        assert!(xml.contains(
            "<references>tttch@congan.hanoi.gov.vn,HN-2026-000001-20260301T135900,2026-03-01T13:59:00+07:00</references>"
        ));
    }

    #[test]
    fn polygons_are_closed_and_checked() {
        let ring = vec![
            GeoPoint::new(21.0, 105.8),
            GeoPoint::new(21.1, 105.8),
            GeoPoint::new(21.1, 105.9),
        ];
        assert_eq!(
            polygon_text(&ring).unwrap(),
            "21,105.8 21.1,105.8 21.1,105.9 21,105.8"
        );
        assert!(polygon_text(&ring[..2]).is_err());
        assert!(polygon_text(&[GeoPoint::new(95.0, 0.0); 4]).is_err());
    }

    #[test]
    fn numbers_and_times() {
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0000001), "0");
        assert_eq!(num(105.85251234), "105.852512");
        assert_eq!(cap_time(t0()), "2026-03-01T14:00:00+07:00");
        assert_eq!(truncate("abcdef", 4), "abc…");
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn unescape(s: &str) -> String {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        }

        proptest! {
            #[test]
            fn escaping_round_trips_and_leaves_no_markup(text in "\\PC{0,60}") {
                let e = xml_escape(&text);
                prop_assert!(!e.contains('<') && !e.contains('>'));
                prop_assert!(e.chars().all(|c| c == '\t' || c == '\n' || c == '\r' || c as u32 >= 0x20));
                let kept: String = text
                    .chars()
                    .filter(|c| matches!(c, '\t' | '\n' | '\r') || (*c as u32) >= 0x20)
                    .filter(|c| *c != '\u{FFFE}' && *c != '\u{FFFF}')
                    .collect();
                prop_assert_eq!(unescape(&e), kept);
            }

            #[test]
            fn any_address_exports(address in "[ \\t]{0,3}|\\PC{1,80}") {
                let mut inc = open_fire(1);
                inc.location.address = Some(address);
                let xml = incident_to_cap(&inc, &opts(), t0()).unwrap();
                prop_assert_eq!(xml.matches("<areaDesc>").count(), 2);
                prop_assert_eq!(xml.matches("</alert>").count(), 1);
            }
        }
    }
}
