//! The fire incident report ("báo cáo vụ cháy"), filled by the fire team or the operator: was it
//! a real fire (or a false alarm, and why), its cause, the premises, floors and area affected,
//! people evacuated, the damage estimate, when it was under control and put out, and the forces
//! used. The people dead, injured, trapped and rescued are the incident's casualty figures
//! ([`super::Casualties`]), not repeated here. A fire that was responded to cannot be closed
//! without a report: the fire statistics and the fire police's returns are made from it.

use super::model::{Actor, Incident, IncidentChange, IncidentEvent};
use super::validate::{check_len, MAX_CLOCK_SKEW};
use super::{IncidentError, IncidentKind, IncidentStatus, Vocabulary};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest free text of a report.
pub const MAX_REPORT_NOTES_CHARS: usize = 4_000;

/// Why an alarm or report turned out not to be a fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FalseAlarmCause {
    /// Dust, insects or dirt in a detector.
    Dust,
    /// Steam, cooking fumes or smoke that was no fire.
    Steam,
    /// A test or maintenance not announced.
    Test,
    /// A device or wiring fault.
    Fault,
    /// A malicious or prank report.
    Malicious,
    /// Anything else (say it in the notes).
    Other,
}

/// What started a fire, in the categories of the fire police's returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FireCause {
    /// Electrical fault, overload, short circuit.
    Electrical,
    /// Cooking, gas stove, kitchen.
    Cooking,
    /// Open flame: incense, votive paper, candles, welding.
    OpenFlame,
    /// Smoking materials.
    Smoking,
    /// Set on purpose.
    Arson,
    /// Lightning or another natural cause.
    Natural,
    /// A vehicle fire.
    Vehicle,
    /// A production or industrial process.
    Industrial,
    /// Not established.
    Unknown,
    /// Anything else (say it in the notes).
    Other,
}

impl Vocabulary for FalseAlarmCause {
    const ALL: &'static [Self] = &[
        FalseAlarmCause::Dust,
        FalseAlarmCause::Steam,
        FalseAlarmCause::Test,
        FalseAlarmCause::Fault,
        FalseAlarmCause::Malicious,
        FalseAlarmCause::Other,
    ];
    const WHAT: &'static str = "false-alarm cause";
    fn code(self) -> &'static str {
        match self {
            FalseAlarmCause::Dust => "dust",
            FalseAlarmCause::Steam => "steam",
            FalseAlarmCause::Test => "test",
            FalseAlarmCause::Fault => "fault",
            FalseAlarmCause::Malicious => "malicious",
            FalseAlarmCause::Other => "other",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            FalseAlarmCause::Dust => "Bụi, côn trùng trong đầu báo",
            FalseAlarmCause::Steam => "Hơi nước, khói bếp",
            FalseAlarmCause::Test => "Thử nghiệm, bảo trì",
            FalseAlarmCause::Fault => "Lỗi thiết bị",
            FalseAlarmCause::Malicious => "Báo giả cố ý",
            FalseAlarmCause::Other => "Khác",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            FalseAlarmCause::Dust => "Dust or insects in a detector",
            FalseAlarmCause::Steam => "Steam or cooking fumes",
            FalseAlarmCause::Test => "Test or maintenance",
            FalseAlarmCause::Fault => "Device fault",
            FalseAlarmCause::Malicious => "Malicious report",
            FalseAlarmCause::Other => "Other",
        }
    }
}

impl Vocabulary for FireCause {
    const ALL: &'static [Self] = &[
        FireCause::Electrical,
        FireCause::Cooking,
        FireCause::OpenFlame,
        FireCause::Smoking,
        FireCause::Arson,
        FireCause::Natural,
        FireCause::Vehicle,
        FireCause::Industrial,
        FireCause::Unknown,
        FireCause::Other,
    ];
    const WHAT: &'static str = "fire cause";
    fn code(self) -> &'static str {
        match self {
            FireCause::Electrical => "electrical",
            FireCause::Cooking => "cooking",
            FireCause::OpenFlame => "open_flame",
            FireCause::Smoking => "smoking",
            FireCause::Arson => "arson",
            FireCause::Natural => "natural",
            FireCause::Vehicle => "vehicle",
            FireCause::Industrial => "industrial",
            FireCause::Unknown => "unknown",
            FireCause::Other => "other",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            FireCause::Electrical => "Sự cố điện",
            FireCause::Cooking => "Đun nấu, bếp gas",
            FireCause::OpenFlame => "Lửa trần (hương, vàng mã, hàn cắt)",
            FireCause::Smoking => "Thuốc lá",
            FireCause::Arson => "Đốt có chủ đích",
            FireCause::Natural => "Thiên tai, sét",
            FireCause::Vehicle => "Phương tiện giao thông",
            FireCause::Industrial => "Sản xuất, công nghệ",
            FireCause::Unknown => "Chưa xác định",
            FireCause::Other => "Khác",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            FireCause::Electrical => "Electrical",
            FireCause::Cooking => "Cooking or gas stove",
            FireCause::OpenFlame => "Open flame (incense, votive paper, welding)",
            FireCause::Smoking => "Smoking",
            FireCause::Arson => "Arson",
            FireCause::Natural => "Lightning or natural",
            FireCause::Vehicle => "Vehicle",
            FireCause::Industrial => "Industrial process",
            FireCause::Unknown => "Not established",
            FireCause::Other => "Other",
        }
    }
}

/// The type of premises that burned, in the categories of the fire police's returns. The
/// codes of the fire-alarm register's facility kinds are among them, so a fire at a registered
/// facility is reported under the facility's own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PremisesKind {
    /// A family's house.
    House,
    /// A house with a shop or workshop in it.
    HouseShop,
    /// An apartment building.
    ApartmentBuilding,
    /// Rented rooms, a dormitory.
    BoardingHouse,
    /// A market or shopping centre.
    Market,
    /// A karaoke, bar or dance hall.
    KaraokeBar,
    /// A hospital or clinic.
    Hospital,
    /// A school.
    School,
    /// An office or public building.
    Office,
    /// A factory or workshop.
    Factory,
    /// A warehouse.
    Warehouse,
    /// A vehicle.
    Vehicle,
    /// Forest, field or open land.
    OpenLand,
    /// Anything else (say it in `premises`).
    Other,
}

impl Vocabulary for PremisesKind {
    const ALL: &'static [Self] = &[
        PremisesKind::House,
        PremisesKind::HouseShop,
        PremisesKind::ApartmentBuilding,
        PremisesKind::BoardingHouse,
        PremisesKind::Market,
        PremisesKind::KaraokeBar,
        PremisesKind::Hospital,
        PremisesKind::School,
        PremisesKind::Office,
        PremisesKind::Factory,
        PremisesKind::Warehouse,
        PremisesKind::Vehicle,
        PremisesKind::OpenLand,
        PremisesKind::Other,
    ];
    const WHAT: &'static str = "premises kind";
    fn code(self) -> &'static str {
        match self {
            PremisesKind::House => "house",
            PremisesKind::HouseShop => "house_shop",
            PremisesKind::ApartmentBuilding => "apartment_building",
            PremisesKind::BoardingHouse => "boarding_house",
            PremisesKind::Market => "market",
            PremisesKind::KaraokeBar => "karaoke_bar",
            PremisesKind::Hospital => "hospital",
            PremisesKind::School => "school",
            PremisesKind::Office => "office",
            PremisesKind::Factory => "factory",
            PremisesKind::Warehouse => "warehouse",
            PremisesKind::Vehicle => "vehicle",
            PremisesKind::OpenLand => "open_land",
            PremisesKind::Other => "other",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            PremisesKind::House => "Nhà ở hộ gia đình",
            PremisesKind::HouseShop => "Nhà ở kết hợp kinh doanh",
            PremisesKind::ApartmentBuilding => "Chung cư",
            PremisesKind::BoardingHouse => "Nhà trọ, ký túc xá",
            PremisesKind::Market => "Chợ, trung tâm thương mại",
            PremisesKind::KaraokeBar => "Karaoke, quán bar",
            PremisesKind::Hospital => "Bệnh viện, cơ sở y tế",
            PremisesKind::School => "Trường học",
            PremisesKind::Office => "Cơ quan, văn phòng",
            PremisesKind::Factory => "Cơ sở sản xuất",
            PremisesKind::Warehouse => "Kho hàng",
            PremisesKind::Vehicle => "Phương tiện giao thông",
            PremisesKind::OpenLand => "Rừng, bãi đất trống",
            PremisesKind::Other => "Khác",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            PremisesKind::House => "House",
            PremisesKind::HouseShop => "House with a shop",
            PremisesKind::ApartmentBuilding => "Apartment building",
            PremisesKind::BoardingHouse => "Boarding house or dormitory",
            PremisesKind::Market => "Market or shopping centre",
            PremisesKind::KaraokeBar => "Karaoke or bar",
            PremisesKind::Hospital => "Hospital or clinic",
            PremisesKind::School => "School",
            PremisesKind::Office => "Office or public building",
            PremisesKind::Factory => "Factory or workshop",
            PremisesKind::Warehouse => "Warehouse",
            PremisesKind::Vehicle => "Vehicle",
            PremisesKind::OpenLand => "Forest or open land",
            PremisesKind::Other => "Other",
        }
    }
}

/// A fire report as filed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FireReport {
    /// A real fire (false: a false alarm, with its cause).
    pub real_fire: bool,
    /// Why it was not a fire (required when `real_fire` is false).
    #[serde(default)]
    pub false_alarm_cause: Option<FalseAlarmCause>,
    /// What started it (required for a real fire; `unknown` when not established).
    #[serde(default)]
    pub cause: Option<FireCause>,
    /// The type of premises burned, for the statistics.
    #[serde(default)]
    pub premises_kind: Option<PremisesKind>,
    /// The premises burned in words, e.g. "nhà ống 4 tầng, tầng 1 bán tạp hóa".
    #[serde(default)]
    pub premises: Option<String>,
    /// Floors the fire reached.
    #[serde(default)]
    pub floors_affected: Option<u16>,
    /// Area burned, square metres.
    #[serde(default)]
    pub area_burned_m2: Option<u32>,
    /// People evacuated.
    #[serde(default)]
    pub evacuated: u32,
    /// Estimated property damage, VND (absent: not assessed yet).
    #[serde(default)]
    pub damage_vnd: Option<u64>,
    /// When the fire was brought under control.
    #[serde(default)]
    pub under_control_at: Option<DateTime<Utc>>,
    /// When it was put out.
    #[serde(default)]
    pub extinguished_at: Option<DateTime<Utc>>,
    /// Fire engines and other vehicles used.
    #[serde(default)]
    pub vehicles: u16,
    /// Firefighters and rescuers deployed.
    #[serde(default)]
    pub personnel: u16,
    /// Anything else the report should say.
    #[serde(default)]
    pub notes: Option<String>,
}

impl FireReport {
    /// The report's coded facts as (name, value), for exchange formats that carry values but
    /// no free text (the CAP export's parameters): codes, counts, amounts and times only;
    /// what was not said is left out.
    pub fn coded_values(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![("REAL_FIRE", self.real_fire.to_string())];
        let mut put = |name: &'static str, value: Option<String>| {
            if let Some(v) = value {
                out.push((name, v));
            }
        };
        put("FIRE_CAUSE", self.cause.map(|c| c.code().to_owned()));
        put(
            "FALSE_ALARM_CAUSE",
            self.false_alarm_cause.map(|c| c.code().to_owned()),
        );
        put(
            "PREMISES_KIND",
            self.premises_kind.map(|k| k.code().to_owned()),
        );
        put(
            "FLOORS_AFFECTED",
            self.floors_affected.map(|n| n.to_string()),
        );
        put("AREA_BURNED_M2", self.area_burned_m2.map(|n| n.to_string()));
        put(
            "EVACUATED",
            (self.evacuated > 0).then(|| self.evacuated.to_string()),
        );
        put("DAMAGE_VND", self.damage_vnd.map(|n| n.to_string()));
        put(
            "UNDER_CONTROL_AT",
            self.under_control_at.map(|t| t.to_rfc3339()),
        );
        put(
            "EXTINGUISHED_AT",
            self.extinguished_at.map(|t| t.to_rfc3339()),
        );
        put(
            "VEHICLES",
            (self.vehicles > 0).then(|| self.vehicles.to_string()),
        );
        put(
            "PERSONNEL",
            (self.personnel > 0).then(|| self.personnel.to_string()),
        );
        out
    }

    /// The report in one Vietnamese paragraph, for exchange formats that carry notes (the EIDO
    /// export): the verdict and its cause, the premises, the figures said, the times and the
    /// forces.
    pub fn summary_vi(&self) -> String {
        let mut parts = Vec::new();
        if self.real_fire {
            parts.push(format!(
                "Có cháy, nguyên nhân: {}",
                self.cause.map_or("chưa ghi", |c| c.label_vi())
            ));
        } else {
            parts.push(format!(
                "Báo cháy giả, nguyên nhân: {}",
                self.false_alarm_cause.map_or("chưa ghi", |c| c.label_vi())
            ));
        }
        match (self.premises_kind, &self.premises) {
            (Some(k), Some(p)) => parts.push(format!("cơ sở: {} ({p})", k.label_vi())),
            (Some(k), None) => parts.push(format!("cơ sở: {}", k.label_vi())),
            (None, Some(p)) => parts.push(format!("cơ sở: {p}")),
            (None, None) => {}
        }
        if let Some(n) = self.floors_affected {
            parts.push(format!("{n} tầng bị cháy"));
        }
        if let Some(a) = self.area_burned_m2 {
            parts.push(format!("diện tích cháy {a} m²"));
        }
        if self.evacuated > 0 {
            parts.push(format!("sơ tán {} người", self.evacuated));
        }
        match self.damage_vnd {
            Some(d) => parts.push(format!("thiệt hại ước tính {d} đồng")),
            None => parts.push("thiệt hại chưa đánh giá".to_owned()),
        }
        if let Some(t) = self.under_control_at {
            parts.push(format!("khống chế lúc {}", t.to_rfc3339()));
        }
        if let Some(t) = self.extinguished_at {
            parts.push(format!("dập tắt lúc {}", t.to_rfc3339()));
        }
        if self.vehicles > 0 || self.personnel > 0 {
            parts.push(format!(
                "lực lượng: {} phương tiện, {} người",
                self.vehicles, self.personnel
            ));
        }
        if let Some(n) = &self.notes {
            parts.push(n.clone());
        }
        parts.join("; ")
    }

    /// Checks the report against the incident it is for.
    fn check(&mut self, incident: &Incident, now: DateTime<Utc>) -> Result<(), IncidentError> {
        let field = |name: &'static str, code: &'static str, vi: &str, en: &str| {
            IncidentError::field(name, code, vi.to_owned(), en.to_owned())
        };
        if self.real_fire {
            if self.cause.is_none() {
                return Err(field(
                    "cause",
                    "required",
                    "Cần ghi nguyên nhân cháy (chọn \"chưa xác định\" nếu chưa rõ)",
                    "a real fire needs its cause (\"unknown\" when not established)",
                ));
            }
            self.false_alarm_cause = None;
        } else {
            if self.false_alarm_cause.is_none() {
                return Err(field(
                    "false_alarm_cause",
                    "required",
                    "Cần ghi nguyên nhân báo cháy giả",
                    "a false alarm needs its cause",
                ));
            }
            self.cause = None;
        }
        for text in [&mut self.premises, &mut self.notes] {
            *text = text
                .take()
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty());
        }
        let mut errors = Vec::new();
        if let Some(p) = &self.premises {
            check_len("premises", "Loại cơ sở", p, 200, &mut errors);
        }
        if let Some(n) = &self.notes {
            check_len("notes", "Ghi chú", n, MAX_REPORT_NOTES_CHARS, &mut errors);
        }
        if !errors.is_empty() {
            return Err(IncidentError::Invalid { errors });
        }
        let received = incident.times.received;
        for (name, at) in [
            ("under_control_at", self.under_control_at),
            ("extinguished_at", self.extinguished_at),
        ] {
            let Some(at) = at else { continue };
            if at > now + MAX_CLOCK_SKEW {
                return Err(IncidentError::TimeInFuture { at, now });
            }
            if at < received {
                return Err(IncidentError::field(
                    name,
                    "before_received",
                    "Thời điểm trước lúc tiếp nhận tin báo".into(),
                    format!("{name} is before the incident was received ({received})"),
                ));
            }
        }
        if let (Some(control), Some(out)) = (self.under_control_at, self.extinguished_at) {
            if out < control {
                return Err(field(
                    "extinguished_at",
                    "before_under_control",
                    "Thời điểm dập tắt trước lúc khống chế",
                    "extinguished_at is before under_control_at",
                ));
            }
        }
        Ok(())
    }
}

/// Whether the incident is of a kind that takes a fire report.
pub fn takes_fire_report(kind: IncidentKind) -> bool {
    matches!(kind, IncidentKind::Fire | IncidentKind::Explosion)
}

impl Incident {
    /// Files (or replaces) the fire report. Only fire and explosion incidents take one; a
    /// merged incident none (its survivor does). Allowed after closing, to correct it.
    pub fn file_fire_report(
        &mut self,
        mut report: FireReport,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<IncidentEvent, IncidentError> {
        if self.status == IncidentStatus::Merged {
            return Err(IncidentError::IncidentFinished {
                id: self.id,
                status: self.status,
            });
        }
        if !takes_fire_report(self.kind) {
            return Err(IncidentError::field(
                "kind",
                "not_a_fire",
                "Chỉ vụ cháy, nổ mới có báo cáo vụ cháy".into(),
                format!(
                    "a fire report is for fire and explosion incidents, not {}",
                    self.kind
                ),
            ));
        }
        report.check(self, now)?;
        let replaced = self.fire_report.is_some();
        let event = self.record(
            actor,
            now,
            IncidentChange::FireReportFiled {
                real_fire: report.real_fire,
                replaced,
            },
        );
        self.fire_report = Some(report);
        Ok(event)
    }

    /// Closing a fire that was responded to needs its report first.
    pub(crate) fn check_fire_report_before(&self, to: IncidentStatus) -> Result<(), IncidentError> {
        let responded = self.status != IncidentStatus::FalseAlarm;
        if to == IncidentStatus::Closed
            && responded
            && takes_fire_report(self.kind)
            && self.fire_report.is_none()
        {
            return Err(IncidentError::FireReportRequired { id: self.id });
        }
        Ok(())
    }
}

/// A complete report of a real fire, for tests that close fires.
#[cfg(test)]
pub(crate) fn sample_fire_report() -> FireReport {
    FireReport {
        real_fire: true,
        false_alarm_cause: None,
        cause: Some(FireCause::Electrical),
        premises_kind: Some(PremisesKind::House),
        premises: Some(" nhà ở riêng lẻ ".into()),
        floors_affected: Some(2),
        area_burned_m2: Some(60),
        evacuated: 12,
        damage_vnd: Some(350_000_000),
        under_control_at: None,
        extinguished_at: None,
        vehicles: 3,
        personnel: 18,
        notes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::model::tests::open_fire;
    use crate::incident::{Disposition, TransitionDetails};

    fn system() -> Actor {
        Actor::System {
            name: "test".into(),
        }
    }

    fn real_fire() -> FireReport {
        sample_fire_report()
    }

    fn resolved_fire() -> Incident {
        let mut inc = open_fire(1);
        let now = inc.updated_at;
        for to in [IncidentStatus::Verified, IncidentStatus::Resolved] {
            inc.transition(to, TransitionDetails::default(), system(), now)
                .expect("moves");
        }
        inc
    }

    #[test]
    fn a_responded_fire_closes_only_with_its_report() {
        let mut inc = resolved_fire();
        let now = inc.updated_at;
        let close = TransitionDetails::disposition(Disposition::ReportTaken);
        let err = inc
            .transition(IncidentStatus::Closed, close.clone(), system(), now)
            .expect_err("no report yet");
        assert!(
            matches!(err, IncidentError::FireReportRequired { .. }),
            "{err}"
        );
        assert_eq!(err.code(), "fire_report_required");
        inc.file_fire_report(real_fire(), system(), now)
            .expect("filed");
        assert_eq!(
            inc.fire_report.as_ref().and_then(|r| r.premises.as_deref()),
            Some("nhà ở riêng lẻ")
        );
        inc.transition(IncidentStatus::Closed, close, system(), now)
            .expect("closes");
    }

    #[test]
    fn a_false_alarm_closes_without_a_report_and_a_report_needs_its_causes() {
        let mut inc = open_fire(1);
        let now = inc.updated_at;
        inc.transition(
            IncidentStatus::FalseAlarm,
            TransitionDetails::reason("hơi nước"),
            system(),
            now,
        )
        .expect("false alarm");
        let mut report = real_fire();
        report.cause = None;
        let err = inc
            .file_fire_report(report.clone(), system(), now)
            .expect_err("a fire needs its cause");
        assert!(err.to_string().contains("cause"), "{err}");
        report.real_fire = false;
        let err = inc
            .file_fire_report(report.clone(), system(), now)
            .expect_err("a false alarm needs its cause");
        assert!(err.to_string().contains("false_alarm_cause"), "{err}");
        report.false_alarm_cause = Some(FalseAlarmCause::Steam);
        inc.file_fire_report(report, system(), now).expect("filed");
        inc.transition(
            IncidentStatus::Closed,
            TransitionDetails::default(),
            system(),
            now,
        )
        .expect("a false alarm closes");
    }

    #[test]
    fn times_must_follow_the_call_and_each_other() {
        let mut inc = resolved_fire();
        let now = inc.updated_at + chrono::Duration::hours(1);
        let received = inc.times.received;
        let mut report = real_fire();
        report.under_control_at = Some(received - chrono::Duration::minutes(1));
        assert!(inc.file_fire_report(report.clone(), system(), now).is_err());
        report.under_control_at = Some(received + chrono::Duration::minutes(20));
        report.extinguished_at = Some(received + chrono::Duration::minutes(10));
        let err = inc
            .file_fire_report(report.clone(), system(), now)
            .expect_err("out before control");
        assert!(err.to_string().contains("extinguished_at"), "{err}");
        report.extinguished_at = Some(now + chrono::Duration::hours(2));
        assert!(matches!(
            inc.file_fire_report(report, system(), now),
            Err(IncidentError::TimeInFuture { .. })
        ));
    }

    #[test]
    fn cause_codes_are_the_serialized_names() {
        for c in FireCause::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
        for c in FalseAlarmCause::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.code());
        }
    }

    #[test]
    fn only_fires_and_explosions_take_a_report() {
        let mut inc = open_fire(1);
        inc.kind = IncidentKind::Crime;
        let now = inc.updated_at;
        let err = inc
            .file_fire_report(real_fire(), system(), now)
            .expect_err("not a fire");
        assert!(err.to_string().contains("kind"), "{err}");
    }
}
