//! Water sources for fire fighting ("nguồn nước chữa cháy"): hydrants, lakes, ponds, tanks,
//! wells and rivers, whether an engine can reach them, and whether they can be used now.
//!
//! The rules here check a source as it is entered or imported, choose the usable sources
//! nearest a fire, and generate a plausible registry for a province whose real survey is not
//! public. Distances are straight-line (see [`crate::incident::geo`]); every text built from
//! them says so.

use crate::incident::{FieldError, GeoPoint, Vocabulary};
use crate::records::generate::SplitMix64;
use crate::text::{fold, tidy};
use crate::units::UnitDirectory;
use crate::units::METRES_PER_DEGREE;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// Longest name or address of a source.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest notes of a source.
pub const MAX_NOTES_CHARS: usize = 2_000;
/// Longest external reference (the survey's own number for the source).
pub const MAX_REFERENCE_CHARS: usize = 64;
/// Largest volume accepted, in cubic metres (West Lake holds about 20 million).
pub const MAX_CAPACITY_M3: f64 = 100_000_000.0;
/// Largest flow accepted, in litres per second (a large hydrant main gives about 100).
pub const MAX_FLOW_LPS: f64 = 10_000.0;
/// How far the nearest usable sources are looked for around a fire, in metres: beyond it a
/// hose line is no longer laid from the source, a tanker shuttles instead.
pub const NEAR_RADIUS_M: f64 = 2_000.0;
/// How many nearby sources a fire or a pre-plan lists.
pub const NEAR_LIMIT: usize = 5;

/// What kind of water source it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterKind {
    /// A fire hydrant on the mains ("trụ nước chữa cháy").
    Hydrant,
    /// A lake ("hồ").
    Lake,
    /// A pond ("ao").
    Pond,
    /// A built tank or reservoir ("bể nước").
    Tank,
    /// A well ("giếng").
    Well,
    /// A river, stream or canal ("sông, kênh, mương").
    River,
}

impl Vocabulary for WaterKind {
    const ALL: &'static [Self] = &[
        WaterKind::Hydrant,
        WaterKind::Lake,
        WaterKind::Pond,
        WaterKind::Tank,
        WaterKind::Well,
        WaterKind::River,
    ];
    const WHAT: &'static str = "water source kind";
    fn code(self) -> &'static str {
        match self {
            WaterKind::Hydrant => "hydrant",
            WaterKind::Lake => "lake",
            WaterKind::Pond => "pond",
            WaterKind::Tank => "tank",
            WaterKind::Well => "well",
            WaterKind::River => "river",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            WaterKind::Hydrant => "Trụ nước chữa cháy",
            WaterKind::Lake => "Hồ",
            WaterKind::Pond => "Ao",
            WaterKind::Tank => "Bể nước",
            WaterKind::Well => "Giếng",
            WaterKind::River => "Sông, kênh, mương",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            WaterKind::Hydrant => "Hydrant",
            WaterKind::Lake => "Lake",
            WaterKind::Pond => "Pond",
            WaterKind::Tank => "Tank",
            WaterKind::Well => "Well",
            WaterKind::River => "River or canal",
        }
    }
}

/// Whether a source can be used now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaterStatus {
    /// Checked and usable.
    Usable,
    /// Broken or under repair.
    UnderRepair,
    /// Dry or too low in the dry season.
    DrySeason,
}

impl Vocabulary for WaterStatus {
    const ALL: &'static [Self] = &[
        WaterStatus::Usable,
        WaterStatus::UnderRepair,
        WaterStatus::DrySeason,
    ];
    const WHAT: &'static str = "water source status";
    fn code(self) -> &'static str {
        match self {
            WaterStatus::Usable => "usable",
            WaterStatus::UnderRepair => "under_repair",
            WaterStatus::DrySeason => "dry_season",
        }
    }
    fn label_vi(self) -> &'static str {
        match self {
            WaterStatus::Usable => "Sử dụng được",
            WaterStatus::UnderRepair => "Đang hỏng, sửa chữa",
            WaterStatus::DrySeason => "Cạn mùa khô",
        }
    }
    fn label_en(self) -> &'static str {
        match self {
            WaterStatus::Usable => "Usable",
            WaterStatus::UnderRepair => "Out of order",
            WaterStatus::DrySeason => "Dry in the dry season",
        }
    }
}

/// A value of `V` from its code or either of its labels, ignoring case and diacritics
/// ("trụ nước chữa cháy", "tru nuoc chua chay", "Hydrant" and "hydrant" all name one kind).
pub fn parse_label<V: Vocabulary>(text: &str) -> Option<V> {
    let folded = fold(text.trim());
    let snake = folded.replace([' ', '-'], "_");
    V::ALL
        .iter()
        .copied()
        .find(|v| snake == v.code() || folded == fold(v.label_vi()) || folded == fold(v.label_en()))
}

/// A water source as entered or imported, before it is checked: every field as text or
/// number, as a form or a CSV row gives it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaterSourceDraft {
    /// A kind code or label.
    pub kind: String,
    /// Name or short description ("Hồ Thành Công, bờ phía Nam").
    pub name: String,
    /// Latitude in degrees.
    pub lat: Option<f64>,
    /// Longitude in degrees.
    pub lon: Option<f64>,
    /// Address or landmark, when it helps to find it.
    pub address: Option<String>,
    /// Volume in cubic metres (lakes, ponds, tanks).
    pub capacity_m3: Option<f64>,
    /// Flow in litres per second (hydrants, wells).
    pub flow_lps: Option<f64>,
    /// Whether a fire engine can get to within hose reach (default: yes).
    pub engine_access: Option<bool>,
    /// A status code or label (default: usable).
    pub status: Option<String>,
    /// The survey's own number for the source.
    pub reference: Option<String>,
    /// Anything the fire team should know (access, season, pump needed).
    pub notes: Option<String>,
}

/// A checked water source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterSource {
    /// Its kind.
    pub kind: WaterKind,
    /// Name or short description.
    pub name: String,
    /// Where it is.
    pub point: GeoPoint,
    /// Address or landmark.
    pub address: Option<String>,
    /// Volume in cubic metres.
    pub capacity_m3: Option<f64>,
    /// Flow in litres per second.
    pub flow_lps: Option<f64>,
    /// Whether an engine can get to it.
    pub engine_access: bool,
    /// Whether it can be used now.
    pub status: WaterStatus,
    /// The survey's own number.
    pub reference: Option<String>,
    /// Notes for the fire team.
    pub notes: Option<String>,
}

impl WaterSourceDraft {
    /// Checks every field and gives the source, or every problem at once.
    pub fn check(&self) -> Result<WaterSource, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = parse_label::<WaterKind>(&self.kind);
        if kind.is_none() {
            errors.push(FieldError::new(
                "kind",
                "unknown_code",
                format!(
                    "Loại nguồn nước không rõ: {:?}. Dùng một trong: {}",
                    self.kind,
                    codes::<WaterKind>()
                ),
                format!(
                    "unknown water source kind {:?}; use one of {}",
                    self.kind,
                    codes::<WaterKind>()
                ),
            ));
        }
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => Some(WaterStatus::Usable),
            Some(s) => {
                let status = parse_label::<WaterStatus>(s);
                if status.is_none() {
                    errors.push(FieldError::new(
                        "status",
                        "unknown_code",
                        format!(
                            "Tình trạng không rõ: {s:?}. Dùng một trong: {}",
                            codes::<WaterStatus>()
                        ),
                        format!(
                            "unknown status {s:?}; use one of {}",
                            codes::<WaterStatus>()
                        ),
                    ));
                }
                status
            }
        };
        let name = tidy(&self.name);
        if name.is_empty() {
            errors.push(required("name", "Tên hoặc mô tả"));
        } else {
            too_long(&mut errors, "name", &name, MAX_NAME_CHARS);
        }
        let point = match (self.lat, self.lon) {
            (Some(lat), Some(lon)) => {
                let p = GeoPoint::new(lat, lon);
                if p.is_valid() {
                    Some(p)
                } else {
                    errors.push(FieldError::new(
                        "lat",
                        "invalid_point",
                        format!("Tọa độ không hợp lệ: {lat}, {lon}"),
                        format!("not a point on Earth: {lat}, {lon}"),
                    ));
                    None
                }
            }
            _ => {
                errors.push(required("lat", "Tọa độ (lat, lon)"));
                None
            }
        };
        let address = optional(
            &mut errors,
            "address",
            self.address.as_deref(),
            MAX_NAME_CHARS,
        );
        let reference = optional(
            &mut errors,
            "reference",
            self.reference.as_deref(),
            MAX_REFERENCE_CHARS,
        );
        let notes = optional(&mut errors, "notes", self.notes.as_deref(), MAX_NOTES_CHARS);
        let capacity_m3 = amount(
            &mut errors,
            "capacity_m3",
            self.capacity_m3,
            MAX_CAPACITY_M3,
        );
        let flow_lps = amount(&mut errors, "flow_lps", self.flow_lps, MAX_FLOW_LPS);
        match (kind, status, point) {
            (Some(kind), Some(status), Some(point)) if errors.is_empty() => Ok(WaterSource {
                kind,
                name,
                point,
                address,
                capacity_m3,
                flow_lps,
                engine_access: self.engine_access.unwrap_or(true),
                status,
                reference,
                notes,
            }),
            _ => Err(errors),
        }
    }
}

fn codes<V: Vocabulary>() -> String {
    V::ALL
        .iter()
        .map(|v| v.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn required(field: &str, what_vi: &str) -> FieldError {
    FieldError::new(
        field,
        "required",
        format!("{what_vi}: bắt buộc"),
        format!("{field}: required"),
    )
}

fn too_long(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "too_long",
            format!("{field}: tối đa {max} ký tự"),
            format!("{field}: at most {max} characters"),
        ));
    }
}

fn optional(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Option<String> {
    let v = tidy(value?);
    if v.is_empty() {
        return None;
    }
    too_long(errors, field, &v, max);
    Some(v)
}

fn amount(errors: &mut Vec<FieldError>, field: &str, value: Option<f64>, max: f64) -> Option<f64> {
    let v = value?;
    if !(v.is_finite() && (0.0..=max).contains(&v)) {
        errors.push(FieldError::new(
            field,
            "out_of_range",
            format!("{field}: phải từ 0 đến {max}"),
            format!("{field}: must be 0 to {max}"),
        ));
        return None;
    }
    Some(v)
}

/// The latitude and longitude bounds (`[min_lat, min_lon, max_lat, max_lon]`) of a square
/// that holds every point within `radius_m` of `at`: a database's index narrows the search
/// to it before the exact distances are measured.
pub fn bounds_around(at: GeoPoint, radius_m: f64) -> [f64; 4] {
    let dlat = radius_m / METRES_PER_DEGREE;
    // A degree of longitude shrinks with the cosine of the latitude; near the poles the
    // square would wrap, so it is capped at the whole circle.
    let cos = at.lat.to_radians().cos().abs().max(1e-6);
    let dlon = (dlat / cos).min(180.0);
    [at.lat - dlat, at.lon - dlon, at.lat + dlat, at.lon + dlon]
}

/// A source near a point, and how far it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near<T> {
    /// The source (or its handle).
    pub item: T,
    /// Straight-line distance in metres.
    pub distance_m: f64,
}

/// The usable sources within `radius_m` of `at`, nearest first (equal distances in the order
/// given), at most `limit`. Sources out of order or dry are left out: a fire team that drives
/// to a dry pond has lost minutes.
pub fn nearest_usable<'a, T: Copy>(
    at: GeoPoint,
    sources: impl IntoIterator<Item = (T, &'a WaterSource)>,
    radius_m: f64,
    limit: usize,
) -> Vec<Near<T>> {
    let mut near: Vec<Near<T>> = sources
        .into_iter()
        .filter(|(_, s)| s.status == WaterStatus::Usable)
        .map(|(item, s)| Near {
            item,
            distance_m: at.distance_m(&s.point),
        })
        .filter(|n| n.distance_m <= radius_m)
        .collect();
    near.sort_by(|a, b| {
        a.distance_m
            .partial_cmp(&b.distance_m)
            .unwrap_or(Ordering::Equal)
    });
    near.truncate(limit);
    near
}

/// What [`generate`] makes per unit, on average, and how the kinds are mixed: most sources
/// are hydrants on the mains of the dense wards, the rest open water.
const KIND_WEIGHTS: [(WaterKind, u32); 6] = [
    (WaterKind::Hydrant, 70),
    (WaterKind::Lake, 8),
    (WaterKind::Pond, 10),
    (WaterKind::Tank, 6),
    (WaterKind::Well, 3),
    (WaterKind::River, 3),
];

/// A generated registry of `per_unit` sources in every unit of `units`, each at a random
/// point inside the unit's boundary: deterministic for a seed, and marked as generated by the
/// caller. No real registry is public; this gives the map, the pre-plans and the tests
/// something of the right size and shape (Hà Nội surveyed about 11,500 sources for 126 units,
/// about 90 each).
pub fn generate(units: &UnitDirectory, per_unit: usize, seed: u64) -> Vec<(String, WaterSource)> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(units.len() * per_unit);
    for unit in units.units() {
        let bbox = unit.geometry.bbox();
        let mut made = 0;
        // Rejection sampling inside the bounding box; a unit too thin to hit in many tries
        // gets fewer sources rather than a loop without end.
        let mut tries = 0;
        while made < per_unit && tries < per_unit * 200 {
            tries += 1;
            let lon = bbox.min[0] + rng.unit() * (bbox.max[0] - bbox.min[0]);
            let lat = bbox.min[1] + rng.unit() * (bbox.max[1] - bbox.min[1]);
            if !unit.geometry.contains(lon, lat) {
                continue;
            }
            made += 1;
            let kind = *rng.weighted(&KIND_WEIGHTS);
            let status = if rng.chance(0.08) {
                WaterStatus::UnderRepair
            } else if kind != WaterKind::Hydrant && kind != WaterKind::Tank && rng.chance(0.15) {
                WaterStatus::DrySeason
            } else {
                WaterStatus::Usable
            };
            let (capacity_m3, flow_lps) = match kind {
                WaterKind::Hydrant => (None, Some(rng.range(10, 30) as f64)),
                WaterKind::Well => (None, Some(rng.range(2, 8) as f64)),
                WaterKind::Tank => (Some(rng.range(20, 300) as f64), None),
                WaterKind::Pond => (Some(rng.range(200, 5_000) as f64), None),
                WaterKind::Lake => (Some(rng.range(5_000, 200_000) as f64), None),
                WaterKind::River => (None, None),
            };
            let source = WaterSource {
                kind,
                name: format!("{} số {made} ({})", short_name(kind), unit.name),
                point: GeoPoint::new(round6(lat), round6(lon)),
                address: None,
                capacity_m3,
                flow_lps,
                engine_access: kind == WaterKind::Hydrant || rng.chance(0.8),
                status,
                reference: Some(format!("SIM-{}-{made:03}", unit.code)),
                notes: None,
            };
            out.push((unit.code.clone(), source));
        }
    }
    out
}

/// What a generated source is called, the kind being shown beside it: "Trụ số 20 (Hoàn Kiếm)".
fn short_name(kind: WaterKind) -> &'static str {
    match kind {
        WaterKind::Hydrant => "Trụ",
        WaterKind::Lake => "Hồ",
        WaterKind::Pond => "Ao",
        WaterKind::Tank => "Bể",
        WaterKind::Well => "Giếng",
        WaterKind::River => "Điểm lấy nước",
    }
}

/// Six decimals: about 10 cm, finer than any survey of a hydrant.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Whether an incident of this kind needs water: fires and explosions.
pub fn needed_for(kind: crate::incident::IncidentKind) -> bool {
    use crate::incident::IncidentKind as K;
    matches!(kind, K::Fire | K::Explosion)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> WaterSourceDraft {
        WaterSourceDraft {
            kind: "Trụ nước chữa cháy".into(),
            name: "  Trụ số 12 ".into(),
            lat: Some(21.03),
            lon: Some(105.85),
            flow_lps: Some(20.0),
            ..WaterSourceDraft::default()
        }
    }

    fn source(lat: f64, lon: f64, status: WaterStatus) -> WaterSource {
        WaterSource {
            kind: WaterKind::Hydrant,
            name: "x".into(),
            point: GeoPoint::new(lat, lon),
            address: None,
            capacity_m3: None,
            flow_lps: None,
            engine_access: true,
            status,
            reference: None,
            notes: None,
        }
    }

    #[test]
    fn a_draft_is_checked_and_tidied() {
        let s = draft().check().unwrap();
        assert_eq!(s.kind, WaterKind::Hydrant);
        assert_eq!(s.name, "Trụ số 12");
        assert_eq!(s.status, WaterStatus::Usable);
        assert!(s.engine_access);
        assert_eq!(s.flow_lps, Some(20.0));
    }

    #[test]
    fn kinds_and_statuses_are_read_from_codes_and_labels() {
        assert_eq!(
            parse_label::<WaterKind>("tru nuoc chua chay"),
            Some(WaterKind::Hydrant)
        );
        assert_eq!(
            parse_label::<WaterKind>("River or canal"),
            Some(WaterKind::River)
        );
        assert_eq!(parse_label::<WaterKind>("Ao"), Some(WaterKind::Pond));
        assert_eq!(
            parse_label::<WaterStatus>("under-repair"),
            Some(WaterStatus::UnderRepair)
        );
        assert_eq!(
            parse_label::<WaterStatus>("Cạn mùa khô"),
            Some(WaterStatus::DrySeason)
        );
        assert_eq!(parse_label::<WaterKind>("ocean"), None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = WaterSourceDraft {
            kind: "ocean".into(),
            name: " ".into(),
            lat: Some(95.0),
            lon: Some(105.0),
            capacity_m3: Some(-1.0),
            flow_lps: Some(f64::NAN),
            status: Some("maybe".into()),
            reference: Some("x".repeat(65)),
            ..WaterSourceDraft::default()
        };
        let errors = bad.check().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "kind",
            "status",
            "name",
            "lat",
            "reference",
            "capacity_m3",
            "flow_lps",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
        let no_point = WaterSourceDraft {
            lat: None,
            ..draft()
        };
        assert_eq!(no_point.check().unwrap_err()[0].code, "required");
    }

    #[test]
    fn the_nearest_usable_sources_come_first_and_the_others_are_left_out() {
        let fire = GeoPoint::new(21.0300, 105.8500);
        let sources = [
            source(21.0400, 105.8500, WaterStatus::Usable), // ~1,112 m
            source(21.0310, 105.8500, WaterStatus::Usable), // ~111 m
            source(21.0301, 105.8500, WaterStatus::UnderRepair), // ~11 m, broken
            source(21.0305, 105.8500, WaterStatus::DrySeason), // ~56 m, dry
            source(21.0600, 105.8500, WaterStatus::Usable), // ~3.3 km, too far
            source(21.0320, 105.8500, WaterStatus::Usable), // ~222 m
        ];
        let near = nearest_usable(fire, sources.iter().enumerate(), NEAR_RADIUS_M, 2);
        let order: Vec<usize> = near.iter().map(|n| n.item).collect();
        assert_eq!(order, vec![1, 5]);
        assert!(
            (near[0].distance_m - 111.2).abs() < 1.0,
            "{}",
            near[0].distance_m
        );
        let all = nearest_usable(fire, sources.iter().enumerate(), NEAR_RADIUS_M, 10);
        assert_eq!(
            all.iter().map(|n| n.item).collect::<Vec<_>>(),
            vec![1, 5, 0]
        );
    }

    #[test]
    fn the_bounds_hold_every_point_within_the_radius() {
        let at = GeoPoint::new(21.03, 105.85);
        let [min_lat, min_lon, max_lat, max_lon] = bounds_around(at, 2_000.0);
        for bearing in 0..36 {
            let a = f64::from(bearing) * 10f64.to_radians();
            // A point 1,999 m away in each direction (small-distance approximation).
            let dlat = 1_999.0 * a.cos() / METRES_PER_DEGREE;
            let dlon = 1_999.0 * a.sin() / (METRES_PER_DEGREE * at.lat.to_radians().cos());
            let (lat, lon) = (at.lat + dlat, at.lon + dlon);
            assert!((min_lat..=max_lat).contains(&lat) && (min_lon..=max_lon).contains(&lon));
        }
        // And not much more: about 2 km of latitude each way.
        assert!(((max_lat - at.lat) * METRES_PER_DEGREE - 2_000.0).abs() < 1.0);
    }

    #[test]
    fn only_fires_and_explosions_need_water() {
        use crate::incident::IncidentKind as K;
        assert!(needed_for(K::Fire) && needed_for(K::Explosion));
        assert!(!needed_for(K::Medical));
    }
}
