//! The fixed vocabulary of the command center: incident types and crime sub-types, intake
//! channels, priorities, responding services, closing dispositions and resource kinds.
//!
//! Every code here is a stable snake_case string shared with the store, the HTTP API, the alarm
//! receiver and the citizen assistant, so renaming one is a breaking change. Each value carries a
//! Vietnamese label (what operators read) and an English one (for integrators and exports).
//!
//! # Export codes
//!
//! [`IncidentKind::apco_code`] and [`CrimeSubtype::apco_code`] give the closest code of the APCO
//! common incident-type list (APCO ANS 2.103, as carried by the NIEM `apco` namespace and the EIDO
//! incident-type registry). [`Disposition::apco_code`] gives the APCO ANS 1.111.2 common disposition
//! code where one is known. `docs/cap-eido.md` has the full table and the reasoning behind each
//! choice.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::IncidentError;

/// Common behaviour of the vocabulary enums: a stable code and two labels.
pub trait Vocabulary: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// The stable snake_case code used in storage and APIs.
    fn code(self) -> &'static str;
    /// Vietnamese label shown to operators and citizens.
    fn label_vi(self) -> &'static str;
    /// English label.
    fn label_en(self) -> &'static str;
    /// Name of the vocabulary, used in error messages ("incident type", "channel", …).
    const WHAT: &'static str;

    /// Looks a value up by its code (exact, lowercase).
    fn from_code(code: &str) -> Result<Self, IncidentError> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.code() == code)
            .ok_or_else(|| IncidentError::UnknownCode {
                what: Self::WHAT,
                code: code.to_string(),
            })
    }
}

/// Implements `Display` (the code) and `FromStr` (from the code) for a vocabulary enum.
macro_rules! code_traits {
    ($t:ty) => {
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
        impl FromStr for $t {
            type Err = IncidentError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$t as Vocabulary>::from_code(s)
            }
        }
    };
}

/// The service that answers an incident type: police (113), fire and rescue (114) or the
/// medical emergency service (115).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// Công an, hotline 113.
    Police,
    /// Cảnh sát PCCC và CNCH, hotline 114.
    FireRescue,
    /// Cấp cứu y tế, hotline 115.
    Ambulance,
}

impl Service {
    /// The national hotline number of the service.
    pub fn hotline(self) -> &'static str {
        match self {
            Service::Police => "113",
            Service::FireRescue => "114",
            Service::Ambulance => "115",
        }
    }
}

impl Vocabulary for Service {
    const ALL: &'static [Self] = &[Service::Police, Service::FireRescue, Service::Ambulance];
    const WHAT: &'static str = "service";
    fn code(self) -> &'static str {
        match self {
            Service::Police => "police",
            Service::FireRescue => "fire_rescue",
            Service::Ambulance => "ambulance",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            Service::Police => "Công an (113)",
            Service::FireRescue => "Cứu hỏa, cứu nạn cứu hộ (114)",
            Service::Ambulance => "Cấp cứu y tế (115)",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Service::Police => "Police (113)",
            Service::FireRescue => "Fire and rescue (114)",
            Service::Ambulance => "Ambulance (115)",
        }
    }
}
code_traits!(Service);

/// Incident priority, 1 (highest) to 4. Serialized as the bare number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Priority {
    /// 1 — life or property in immediate danger.
    P1 = 1,
    /// 2 — urgent, a threat that may grow.
    P2 = 2,
    /// 3 — needs attendance, no immediate threat.
    P3 = 3,
    /// 4 — can wait or be handled by advice.
    P4 = 4,
}

impl Priority {
    /// All priorities, highest first.
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// The number 1..=4.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// Index 0..=3, for per-priority tables.
    pub fn index(self) -> usize {
        self as usize - 1
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Priority::P1 => "Khẩn cấp",
            Priority::P2 => "Cao",
            Priority::P3 => "Trung bình",
            Priority::P4 => "Thấp",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Priority::P1 => "Emergency",
            Priority::P2 => "High",
            Priority::P3 => "Normal",
            Priority::P4 => "Low",
        }
    }
}

impl TryFrom<u8> for Priority {
    type Error = IncidentError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(Priority::P1),
            2 => Ok(Priority::P2),
            3 => Ok(Priority::P3),
            4 => Ok(Priority::P4),
            other => Err(IncidentError::UnknownCode {
                what: "priority",
                code: other.to_string(),
            }),
        }
    }
}

impl From<Priority> for u8 {
    fn from(p: Priority) -> u8 {
        p.number()
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// Sub-type of a `crime` incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeSubtype {
    /// Cướp.
    Robbery,
    /// Trộm cắp.
    Theft,
    /// Hành hung, cố ý gây thương tích.
    Assault,
    /// Đánh nhau.
    Fight,
    /// Vũ khí.
    Weapons,
    /// Ma túy.
    Drugs,
    /// Lừa đảo.
    Fraud,
    /// Bắt cóc.
    Kidnapping,
    /// Bạo lực gia đình.
    DomesticViolence,
    /// Khác.
    Other,
}

impl CrimeSubtype {
    /// Default priority of a crime of this sub-type.
    pub fn default_priority(self) -> Priority {
        match self {
            CrimeSubtype::Robbery | CrimeSubtype::Weapons | CrimeSubtype::Kidnapping => {
                Priority::P1
            }
            CrimeSubtype::Assault | CrimeSubtype::Fight | CrimeSubtype::DomesticViolence => {
                Priority::P2
            }
            CrimeSubtype::Theft | CrimeSubtype::Drugs | CrimeSubtype::Other => Priority::P3,
            CrimeSubtype::Fraud => Priority::P4,
        }
    }

    /// Closest APCO common incident-type code.
    pub fn apco_code(self) -> &'static str {
        match self {
            CrimeSubtype::Robbery => "ROBBERY",
            CrimeSubtype::Theft => "LARCENY",
            CrimeSubtype::Assault => "ASSAULT",
            CrimeSubtype::Fight => "FIGHT",
            CrimeSubtype::Weapons => "WEAPON",
            CrimeSubtype::Drugs => "DRUGS",
            CrimeSubtype::Fraud => "FRAUD",
            CrimeSubtype::Kidnapping => "ABDUCTNF",
            CrimeSubtype::DomesticViolence => "DVA",
            CrimeSubtype::Other => "INVEST",
        }
    }
}

impl Vocabulary for CrimeSubtype {
    const ALL: &'static [Self] = &[
        CrimeSubtype::Robbery,
        CrimeSubtype::Theft,
        CrimeSubtype::Assault,
        CrimeSubtype::Fight,
        CrimeSubtype::Weapons,
        CrimeSubtype::Drugs,
        CrimeSubtype::Fraud,
        CrimeSubtype::Kidnapping,
        CrimeSubtype::DomesticViolence,
        CrimeSubtype::Other,
    ];
    const WHAT: &'static str = "crime sub-type";
    fn code(self) -> &'static str {
        match self {
            CrimeSubtype::Robbery => "robbery",
            CrimeSubtype::Theft => "theft",
            CrimeSubtype::Assault => "assault",
            CrimeSubtype::Fight => "fight",
            CrimeSubtype::Weapons => "weapons",
            CrimeSubtype::Drugs => "drugs",
            CrimeSubtype::Fraud => "fraud",
            CrimeSubtype::Kidnapping => "kidnapping",
            CrimeSubtype::DomesticViolence => "domestic_violence",
            CrimeSubtype::Other => "other",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            CrimeSubtype::Robbery => "Cướp tài sản",
            CrimeSubtype::Theft => "Trộm cắp",
            CrimeSubtype::Assault => "Cố ý gây thương tích",
            CrimeSubtype::Fight => "Đánh nhau",
            CrimeSubtype::Weapons => "Liên quan vũ khí",
            CrimeSubtype::Drugs => "Ma túy",
            CrimeSubtype::Fraud => "Lừa đảo",
            CrimeSubtype::Kidnapping => "Bắt cóc",
            CrimeSubtype::DomesticViolence => "Bạo lực gia đình",
            CrimeSubtype::Other => "Tội phạm khác",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            CrimeSubtype::Robbery => "Robbery",
            CrimeSubtype::Theft => "Theft",
            CrimeSubtype::Assault => "Assault",
            CrimeSubtype::Fight => "Fight",
            CrimeSubtype::Weapons => "Weapons",
            CrimeSubtype::Drugs => "Drugs",
            CrimeSubtype::Fraud => "Fraud",
            CrimeSubtype::Kidnapping => "Kidnapping",
            CrimeSubtype::DomesticViolence => "Domestic violence",
            CrimeSubtype::Other => "Other crime",
        }
    }
}
code_traits!(CrimeSubtype);

/// The type of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    /// Cháy.
    Fire,
    /// Nổ.
    Explosion,
    /// Cứu nạn, cứu hộ.
    Rescue,
    /// Tai nạn giao thông.
    TrafficAccident,
    /// Tội phạm (see [`CrimeSubtype`]).
    Crime,
    /// Gây rối trật tự công cộng.
    PublicOrder,
    /// Ngập lụt, thiên tai.
    Flood,
    /// Người mất tích.
    MissingPerson,
    /// Cấp cứu y tế.
    Medical,
    /// Khác.
    Other,
}

impl IncidentKind {
    /// Default priority of a new incident of this type (crime: see
    /// [`CrimeSubtype::default_priority`], used when a sub-type is given).
    pub fn default_priority(self) -> Priority {
        match self {
            IncidentKind::Fire
            | IncidentKind::Explosion
            | IncidentKind::Rescue
            | IncidentKind::Medical => Priority::P1,
            IncidentKind::TrafficAccident
            | IncidentKind::Crime
            | IncidentKind::Flood
            | IncidentKind::MissingPerson => Priority::P2,
            IncidentKind::PublicOrder => Priority::P3,
            IncidentKind::Other => Priority::P4,
        }
    }

    /// Default priority given an optional crime sub-type.
    pub fn default_priority_with(self, subtype: Option<CrimeSubtype>) -> Priority {
        match (self, subtype) {
            (IncidentKind::Crime, Some(sub)) => sub.default_priority(),
            _ => self.default_priority(),
        }
    }

    /// The service that leads the response.
    pub fn service(self) -> Service {
        match self {
            IncidentKind::Fire
            | IncidentKind::Explosion
            | IncidentKind::Rescue
            | IncidentKind::Flood => Service::FireRescue,
            IncidentKind::Medical => Service::Ambulance,
            IncidentKind::TrafficAccident
            | IncidentKind::Crime
            | IncidentKind::PublicOrder
            | IncidentKind::MissingPerson
            | IncidentKind::Other => Service::Police,
        }
    }

    /// Closest APCO common incident-type code for exports (EIDO
    /// `incidentTypeCommonRegistryText`). For crimes the sub-type gives a finer code; see
    /// [`IncidentKind::apco_code_with`].
    pub fn apco_code(self) -> &'static str {
        match self {
            IncidentKind::Fire => "FUNK",
            IncidentKind::Explosion => "EXPLOS",
            IncidentKind::Rescue => "RESCUE",
            IncidentKind::TrafficAccident => "MVAUNK",
            IncidentKind::Crime => "INVEST",
            IncidentKind::PublicOrder => "DISORD",
            IncidentKind::Flood => "WATER",
            IncidentKind::MissingPerson => "PERMISS",
            IncidentKind::Medical => "SICK",
            IncidentKind::Other => "CITASST",
        }
    }

    /// APCO code taking the crime sub-type into account.
    pub fn apco_code_with(self, subtype: Option<CrimeSubtype>) -> &'static str {
        match (self, subtype) {
            (IncidentKind::Crime, Some(sub)) => sub.apco_code(),
            _ => self.apco_code(),
        }
    }

    /// Whether two types may describe the same event when reported by different callers
    /// (a fire and an explosion at the same address, a crash and an injured person, …).
    /// Used by duplicate detection; symmetric and reflexive.
    pub fn is_related_to(self, other: IncidentKind) -> bool {
        use IncidentKind as K;
        if self == other {
            return true;
        }
        let group = |k: K| -> &'static [u8] {
            match k {
                K::Fire | K::Explosion => &[1, 2],
                K::Rescue => &[1, 3, 4],
                K::Flood => &[3],
                K::TrafficAccident | K::Medical => &[2, 4, 5],
                K::Crime | K::PublicOrder => &[6],
                K::MissingPerson => &[7],
                K::Other => &[8],
            }
        };
        // Fire/explosion (1) pair with rescue (1) and with injuries (2); rescue pairs with floods
        // (3) and with traffic accidents and medical calls (4); traffic and medical (5) pair with
        // each other; crime and public order (6) pair with each other.
        group(self).iter().any(|g| group(other).contains(g))
    }
}

impl Vocabulary for IncidentKind {
    const ALL: &'static [Self] = &[
        IncidentKind::Fire,
        IncidentKind::Explosion,
        IncidentKind::Rescue,
        IncidentKind::TrafficAccident,
        IncidentKind::Crime,
        IncidentKind::PublicOrder,
        IncidentKind::Flood,
        IncidentKind::MissingPerson,
        IncidentKind::Medical,
        IncidentKind::Other,
    ];
    const WHAT: &'static str = "incident type";
    fn code(self) -> &'static str {
        match self {
            IncidentKind::Fire => "fire",
            IncidentKind::Explosion => "explosion",
            IncidentKind::Rescue => "rescue",
            IncidentKind::TrafficAccident => "traffic_accident",
            IncidentKind::Crime => "crime",
            IncidentKind::PublicOrder => "public_order",
            IncidentKind::Flood => "flood",
            IncidentKind::MissingPerson => "missing_person",
            IncidentKind::Medical => "medical",
            IncidentKind::Other => "other",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            IncidentKind::Fire => "Cháy",
            IncidentKind::Explosion => "Nổ",
            IncidentKind::Rescue => "Cứu nạn, cứu hộ",
            IncidentKind::TrafficAccident => "Tai nạn giao thông",
            IncidentKind::Crime => "Tội phạm",
            IncidentKind::PublicOrder => "Gây rối trật tự công cộng",
            IncidentKind::Flood => "Ngập lụt, thiên tai",
            IncidentKind::MissingPerson => "Người mất tích",
            IncidentKind::Medical => "Cấp cứu y tế",
            IncidentKind::Other => "Khác",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            IncidentKind::Fire => "Fire",
            IncidentKind::Explosion => "Explosion",
            IncidentKind::Rescue => "Rescue",
            IncidentKind::TrafficAccident => "Traffic accident",
            IncidentKind::Crime => "Crime",
            IncidentKind::PublicOrder => "Public order disturbance",
            IncidentKind::Flood => "Flood or disaster",
            IncidentKind::MissingPerson => "Missing person",
            IncidentKind::Medical => "Medical emergency",
            IncidentKind::Other => "Other",
        }
    }
}
code_traits!(IncidentKind);

/// How the incident reached the command center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A fire-alarm or security transmission device.
    AlarmDevice,
    /// A call to the 113 police hotline.
    #[serde(rename = "hotline_113")]
    Hotline113,
    /// A call to the 114 fire and rescue hotline.
    #[serde(rename = "hotline_114")]
    Hotline114,
    /// The citizen assistant (chat).
    Assistant,
    /// The public web report form.
    WebReport,
    /// Reported by an officer in the field.
    FieldOfficer,
}

impl Channel {
    /// True for voice calls, which map to an EIDO call component.
    pub fn is_call(self) -> bool {
        matches!(self, Channel::Hotline113 | Channel::Hotline114)
    }
}

impl Vocabulary for Channel {
    const ALL: &'static [Self] = &[
        Channel::AlarmDevice,
        Channel::Hotline113,
        Channel::Hotline114,
        Channel::Assistant,
        Channel::WebReport,
        Channel::FieldOfficer,
    ];
    const WHAT: &'static str = "channel";
    fn code(self) -> &'static str {
        match self {
            Channel::AlarmDevice => "alarm_device",
            Channel::Hotline113 => "hotline_113",
            Channel::Hotline114 => "hotline_114",
            Channel::Assistant => "assistant",
            Channel::WebReport => "web_report",
            Channel::FieldOfficer => "field_officer",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            Channel::AlarmDevice => "Thiết bị truyền tin báo cháy",
            Channel::Hotline113 => "Tổng đài 113",
            Channel::Hotline114 => "Tổng đài 114",
            Channel::Assistant => "Trợ lý ảo",
            Channel::WebReport => "Phản ánh qua cổng thông tin",
            Channel::FieldOfficer => "Cán bộ tại hiện trường",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Channel::AlarmDevice => "Alarm transmission device",
            Channel::Hotline113 => "113 hotline",
            Channel::Hotline114 => "114 hotline",
            Channel::Assistant => "Citizen assistant",
            Channel::WebReport => "Web report",
            Channel::FieldOfficer => "Field officer",
        }
    }
}
code_traits!(Channel);

/// How an incident ended, recorded when it is closed or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// A report was taken (APCO 01).
    ReportTaken,
    /// A crime report (tố giác, tin báo về tội phạm) was registered for settlement; closing
    /// with it opens the entry in the crime-report register.
    CrimeReportTaken,
    /// An arrest was made (APCO 03).
    ArrestMade,
    /// Attended; nothing needed to be done.
    NoActionRequired,
    /// Unfounded or false alarm (APCO 17).
    FalseAlarm,
    /// Handed to a partner agency (APCO 15).
    Referred,
    /// The caller cancelled the request (APCO 10, event cancelled).
    CancelledByCaller,
    /// Duplicate of another incident (APCO 22).
    Duplicate,
    /// Nobody or nothing found at the scene (APCO 14).
    UnableToLocate,
    /// Cancelled before any unit arrived (APCO 32).
    CancelledPriorToArrival,
}

impl Disposition {
    /// The APCO ANS 1.111.2 common disposition code, where one is known. `None` means the
    /// registry code for this disposition has not been confirmed; exports then carry only our
    /// own code (see `docs/cap-eido.md`).
    pub fn apco_code(self) -> Option<&'static str> {
        match self {
            Disposition::ReportTaken => Some("01"),
            Disposition::CrimeReportTaken => Some("01"),
            Disposition::ArrestMade => Some("03"),
            Disposition::NoActionRequired => None,
            Disposition::FalseAlarm => Some("17"),
            Disposition::Referred => Some("15"),
            Disposition::CancelledByCaller => Some("10"),
            Disposition::Duplicate => Some("22"),
            Disposition::UnableToLocate => Some("14"),
            Disposition::CancelledPriorToArrival => Some("32"),
        }
    }

    /// Whether this disposition fits an incident that ended by cancellation rather than by a
    /// response (the `cancelled` status).
    pub fn is_cancellation(self) -> bool {
        matches!(
            self,
            Disposition::CancelledByCaller
                | Disposition::Duplicate
                | Disposition::CancelledPriorToArrival
                | Disposition::Referred
                | Disposition::FalseAlarm
        )
    }
}

impl Vocabulary for Disposition {
    const ALL: &'static [Self] = &[
        Disposition::ReportTaken,
        Disposition::CrimeReportTaken,
        Disposition::ArrestMade,
        Disposition::NoActionRequired,
        Disposition::FalseAlarm,
        Disposition::Referred,
        Disposition::CancelledByCaller,
        Disposition::Duplicate,
        Disposition::UnableToLocate,
        Disposition::CancelledPriorToArrival,
    ];
    const WHAT: &'static str = "disposition";
    fn code(self) -> &'static str {
        match self {
            Disposition::ReportTaken => "report_taken",
            Disposition::CrimeReportTaken => "crime_report_taken",
            Disposition::ArrestMade => "arrest_made",
            Disposition::NoActionRequired => "no_action_required",
            Disposition::FalseAlarm => "false_alarm",
            Disposition::Referred => "referred",
            Disposition::CancelledByCaller => "cancelled_by_caller",
            Disposition::Duplicate => "duplicate",
            Disposition::UnableToLocate => "unable_to_locate",
            Disposition::CancelledPriorToArrival => "cancelled_prior_to_arrival",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            Disposition::ReportTaken => "Đã lập biên bản, tiếp nhận tin báo",
            Disposition::CrimeReportTaken => "Đã tiếp nhận tố giác, tin báo về tội phạm",
            Disposition::ArrestMade => "Đã bắt giữ đối tượng",
            Disposition::NoActionRequired => "Không cần xử lý thêm",
            Disposition::FalseAlarm => "Tin báo sai, báo động giả",
            Disposition::Referred => "Chuyển cơ quan chức năng khác",
            Disposition::CancelledByCaller => "Người báo hủy yêu cầu",
            Disposition::Duplicate => "Trùng với vụ việc khác",
            Disposition::UnableToLocate => "Không xác định được hiện trường",
            Disposition::CancelledPriorToArrival => "Hủy trước khi lực lượng đến",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            Disposition::ReportTaken => "Report taken",
            Disposition::CrimeReportTaken => "Crime report registered",
            Disposition::ArrestMade => "Arrest made",
            Disposition::NoActionRequired => "No action required",
            Disposition::FalseAlarm => "Unfounded / false alarm",
            Disposition::Referred => "Referred to another agency",
            Disposition::CancelledByCaller => "Cancelled by caller",
            Disposition::Duplicate => "Duplicate",
            Disposition::UnableToLocate => "Unable to locate",
            Disposition::CancelledPriorToArrival => "Cancelled prior to arrival",
        }
    }
}
code_traits!(Disposition);

/// Kind of a dispatchable resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// Tổ tuần tra of a commune/ward police unit.
    Patrol,
    /// Xe chữa cháy.
    FireEngine,
    /// Tổ cứu nạn, cứu hộ.
    RescueTeam,
    /// Xe cứu thương.
    Ambulance,
    /// Cảnh sát giao thông.
    TrafficPolice,
    /// Tổ công tác của Công an thành phố (city-level team, e.g. 141 / rapid response).
    CityTeam,
    /// Xe thang / xe nâng chữa cháy cứu nạn (aerial ladder or platform).
    AerialLadder,
    /// Xe chở nước chữa cháy (water tanker).
    WaterTanker,
    /// Tổ xử lý sự cố hóa chất, phóng xạ (hazardous-materials team).
    Hazmat,
}

impl ResourceKind {
    /// The resource kinds sent to an incident type, most important first.
    pub fn for_incident(
        kind: IncidentKind,
        subtype: Option<CrimeSubtype>,
    ) -> &'static [ResourceKind] {
        use ResourceKind as R;
        match kind {
            IncidentKind::Fire => &[
                R::FireEngine,
                R::AerialLadder,
                R::WaterTanker,
                R::RescueTeam,
                R::Ambulance,
                R::Patrol,
            ],
            IncidentKind::Explosion => &[
                R::FireEngine,
                R::Hazmat,
                R::RescueTeam,
                R::Ambulance,
                R::Patrol,
            ],
            IncidentKind::Rescue => &[
                R::RescueTeam,
                R::FireEngine,
                R::AerialLadder,
                R::Ambulance,
                R::Patrol,
            ],
            IncidentKind::TrafficAccident => &[R::TrafficPolice, R::Ambulance, R::Patrol],
            IncidentKind::Crime => match subtype {
                Some(CrimeSubtype::Robbery | CrimeSubtype::Weapons | CrimeSubtype::Kidnapping) => {
                    &[R::Patrol, R::CityTeam]
                }
                _ => &[R::Patrol],
            },
            IncidentKind::PublicOrder => &[R::Patrol, R::CityTeam],
            IncidentKind::Flood => &[R::RescueTeam, R::FireEngine, R::Patrol],
            IncidentKind::MissingPerson => &[R::Patrol],
            IncidentKind::Medical => &[R::Ambulance],
            IncidentKind::Other => &[R::Patrol],
        }
    }
}

impl Vocabulary for ResourceKind {
    const ALL: &'static [Self] = &[
        ResourceKind::Patrol,
        ResourceKind::FireEngine,
        ResourceKind::RescueTeam,
        ResourceKind::Ambulance,
        ResourceKind::TrafficPolice,
        ResourceKind::CityTeam,
        ResourceKind::AerialLadder,
        ResourceKind::WaterTanker,
        ResourceKind::Hazmat,
    ];
    const WHAT: &'static str = "resource kind";
    fn code(self) -> &'static str {
        match self {
            ResourceKind::Patrol => "patrol",
            ResourceKind::FireEngine => "fire_engine",
            ResourceKind::RescueTeam => "rescue_team",
            ResourceKind::Ambulance => "ambulance",
            ResourceKind::TrafficPolice => "traffic_police",
            ResourceKind::CityTeam => "city_team",
            ResourceKind::AerialLadder => "aerial_ladder",
            ResourceKind::WaterTanker => "water_tanker",
            ResourceKind::Hazmat => "hazmat",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            ResourceKind::Patrol => "Tổ tuần tra",
            ResourceKind::FireEngine => "Xe chữa cháy",
            ResourceKind::RescueTeam => "Tổ cứu nạn cứu hộ",
            ResourceKind::Ambulance => "Xe cứu thương",
            ResourceKind::TrafficPolice => "Cảnh sát giao thông",
            ResourceKind::CityTeam => "Tổ công tác thành phố",
            ResourceKind::AerialLadder => "Xe thang chữa cháy",
            ResourceKind::WaterTanker => "Xe chở nước",
            ResourceKind::Hazmat => "Tổ xử lý hóa chất",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            ResourceKind::Patrol => "Patrol",
            ResourceKind::FireEngine => "Fire engine",
            ResourceKind::RescueTeam => "Rescue team",
            ResourceKind::Ambulance => "Ambulance",
            ResourceKind::TrafficPolice => "Traffic police",
            ResourceKind::CityTeam => "City team",
            ResourceKind::AerialLadder => "Aerial ladder",
            ResourceKind::WaterTanker => "Water tanker",
            ResourceKind::Hazmat => "Hazmat team",
        }
    }
}
code_traits!(ResourceKind);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T>()
    where
        T: Vocabulary + PartialEq + fmt::Debug + Serialize + for<'de> Deserialize<'de>,
    {
        for v in T::ALL {
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.code()), "serde code of {v:?}");
            let back: T = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, v);
            assert_eq!(T::from_code(v.code()).unwrap(), *v);
            assert!(!v.label_vi().is_empty() && !v.label_en().is_empty());
        }
        assert!(T::from_code("no_such_code").is_err());
    }

    #[test]
    fn codes_round_trip_through_serde_and_lookup() {
        round_trip::<IncidentKind>();
        round_trip::<CrimeSubtype>();
        round_trip::<Channel>();
        round_trip::<Disposition>();
        round_trip::<ResourceKind>();
        round_trip::<Service>();
    }

    #[test]
    fn fixed_codes_other_parts_rely_on() {
        let kinds: Vec<_> = IncidentKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            kinds,
            [
                "fire",
                "explosion",
                "rescue",
                "traffic_accident",
                "crime",
                "public_order",
                "flood",
                "missing_person",
                "medical",
                "other"
            ]
        );
        let channels: Vec<_> = Channel::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            channels,
            [
                "alarm_device",
                "hotline_113",
                "hotline_114",
                "assistant",
                "web_report",
                "field_officer"
            ]
        );
        let subs: Vec<_> = CrimeSubtype::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            subs,
            [
                "robbery",
                "theft",
                "assault",
                "fight",
                "weapons",
                "drugs",
                "fraud",
                "kidnapping",
                "domestic_violence",
                "other"
            ]
        );
    }

    #[test]
    fn priority_serializes_as_number() {
        assert_eq!(serde_json::to_string(&Priority::P1).unwrap(), "1");
        assert_eq!(serde_json::from_str::<Priority>("4").unwrap(), Priority::P4);
        assert!(serde_json::from_str::<Priority>("0").is_err());
        assert!(serde_json::from_str::<Priority>("5").is_err());
        assert!(Priority::P1 < Priority::P2);
    }

    #[test]
    fn services_and_defaults() {
        assert_eq!(IncidentKind::Fire.service(), Service::FireRescue);
        assert_eq!(IncidentKind::Medical.service().hotline(), "115");
        assert_eq!(IncidentKind::Crime.service().hotline(), "113");
        assert_eq!(IncidentKind::Fire.default_priority(), Priority::P1);
        assert_eq!(
            IncidentKind::Crime.default_priority_with(Some(CrimeSubtype::Robbery)),
            Priority::P1
        );
        assert_eq!(
            IncidentKind::Crime.default_priority_with(Some(CrimeSubtype::Fraud)),
            Priority::P4
        );
        assert_eq!(
            IncidentKind::Crime.apco_code_with(Some(CrimeSubtype::Theft)),
            "LARCENY"
        );
    }

    #[test]
    fn relatedness_is_symmetric_and_reflexive() {
        for a in IncidentKind::ALL {
            assert!(a.is_related_to(*a));
            for b in IncidentKind::ALL {
                assert_eq!(a.is_related_to(*b), b.is_related_to(*a), "{a} vs {b}");
            }
        }
        assert!(IncidentKind::Fire.is_related_to(IncidentKind::Explosion));
        assert!(IncidentKind::TrafficAccident.is_related_to(IncidentKind::Medical));
        assert!(IncidentKind::Crime.is_related_to(IncidentKind::PublicOrder));
        assert!(!IncidentKind::Fire.is_related_to(IncidentKind::Crime));
        assert!(!IncidentKind::Other.is_related_to(IncidentKind::Fire));
    }

    #[test]
    fn resource_kinds_per_incident() {
        assert_eq!(
            ResourceKind::for_incident(IncidentKind::Fire, None),
            &[
                ResourceKind::FireEngine,
                ResourceKind::AerialLadder,
                ResourceKind::WaterTanker,
                ResourceKind::RescueTeam,
                ResourceKind::Ambulance,
                ResourceKind::Patrol
            ]
        );
        assert_eq!(
            ResourceKind::for_incident(IncidentKind::Medical, None),
            &[ResourceKind::Ambulance]
        );
        assert_eq!(
            ResourceKind::for_incident(IncidentKind::Crime, None),
            &[ResourceKind::Patrol]
        );
    }
}
