//! Dispatch: resources, their status machine, recommendations and assignment checks.
//!
//! # Recommendation
//!
//! [`recommend_plan`] answers "who goes": it fills the incident's response plan
//! ([`super::plans`]) line by line with the available resources of each kind that are estimated
//! to arrive first ([`super::travel`]), says what is missing ("thiếu 1 xe thang"), then lists
//! other useful resources. Resources already on the incident count toward their line.
//!
//! [`recommend`] lists the resources of the kinds an incident type can use
//! ([`ResourceKind::for_incident`]: fire → engines, ladders, tankers, rescue teams, ambulances,
//! patrols; medical → ambulance; crime → patrol; …) that are `available`, closest first, with
//! no plan. Distance is the
//! **straight-line** (great-circle) distance from the resource's current position — or its home
//! position when the last position is older than [`RecommendOptions::max_position_age`] — to the
//! incident. Roads, rivers and one-way streets are not taken into account, and every reason text
//! says so ("cách 2,4 km theo đường chim bay"), so that nobody mistakes it for a travel time.
//!
//! [`recommend_with`] with `include_unavailable` also lists busy and off-duty resources, each
//! with the reason it cannot be sent.
//!
//! # Assignment
//!
//! [`assign_resource`] is a pure check-and-apply on the two values in memory. Atomicity between
//! concurrent dispatchers is the store's job: it must assign only if the resource row is still
//! `available` (conditional update) and report a lost race as
//! [`IncidentError::ResourceUnavailable`], which the server maps to HTTP 409 like the in-memory
//! check does.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::catalogue::{ResourceKind, Vocabulary};
use super::error::IncidentError;
use super::geo::{format_distance_en, format_distance_vi, GeoPoint};
use super::model::{
    Actor, Incident, IncidentChange, IncidentEvent, IncidentId, ResourceAssignment,
    TransitionDetails,
};
use super::plans::SelectedPlan;
use super::status::{IncidentStatus, ResourceStatus};
use super::travel::{format_eta, AreaType, Departure, TravelModel};

/// A dispatchable resource: a fire engine, a patrol, an ambulance, a team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Store id.
    pub id: i64,
    /// Call sign, e.g. `CC-07`.
    pub call_sign: String,
    /// Kind.
    pub kind: ResourceKind,
    /// Owning unit or station code.
    pub unit_code: Option<String>,
    /// Current status.
    pub status: ResourceStatus,
    /// Since when (time of the last status event).
    pub status_since: DateTime<Utc>,
    /// Last reported position (AVL / phone GPS).
    pub position: Option<GeoPoint>,
    /// When that position was reported.
    pub position_at: Option<DateTime<Utc>>,
    /// Home position (station, unit headquarters).
    pub home: Option<GeoPoint>,
    /// The incident it is committed to, if any.
    pub incident_id: Option<IncidentId>,
}

/// A change of a resource's status, for its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceEvent {
    /// The resource.
    pub resource_id: i64,
    /// When (never earlier than the previous status change).
    pub at: DateTime<Utc>,
    /// The caller's `now` when it had to be clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clamped_from: Option<DateTime<Utc>>,
    /// Who.
    pub actor: Actor,
    /// Previous status.
    pub from: ResourceStatus,
    /// New status.
    pub to: ResourceStatus,
    /// The incident concerned.
    pub incident_id: Option<IncidentId>,
    /// Comment.
    pub reason: Option<String>,
}

impl Resource {
    /// Whether the resource can take a new assignment (only `available` ones can).
    pub fn check_assignable(&self) -> Result<(), IncidentError> {
        if self.status == ResourceStatus::Available {
            Ok(())
        } else {
            Err(IncidentError::ResourceUnavailable {
                resource_id: self.id,
                status: self.status,
            })
        }
    }

    /// Moves the resource to `to`. Moving to `dispatched` needs the incident; moving to
    /// `available` or `off_duty` frees it from its incident.
    pub fn transition(
        &mut self,
        to: ResourceStatus,
        incident: Option<IncidentId>,
        reason: Option<String>,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<ResourceEvent, IncidentError> {
        self.status.check_transition(to)?;
        if to == ResourceStatus::Dispatched && incident.is_none() {
            return Err(IncidentError::field(
                "incident_id",
                "required",
                "Cần chỉ rõ vụ việc khi điều động".into(),
                "dispatching a resource needs the incident".into(),
            ));
        }
        let (at, clamped_from) = if now < self.status_since {
            (self.status_since, Some(now))
        } else {
            (now, None)
        };
        let from = self.status;
        self.status = to;
        self.status_since = at;
        match to {
            ResourceStatus::Dispatched => self.incident_id = incident,
            ResourceStatus::Available | ResourceStatus::OffDuty => self.incident_id = None,
            _ => {}
        }
        Ok(ResourceEvent {
            resource_id: self.id,
            at,
            clamped_from,
            actor,
            from,
            to,
            incident_id: incident.or(self.incident_id),
            reason: reason
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
        })
    }

    /// Records a new position report (not an event: positions arrive every few seconds).
    /// Older reports than the one held are ignored.
    pub fn update_position(&mut self, point: GeoPoint, at: DateTime<Utc>) {
        if !point.is_valid() {
            return;
        }
        if self.position_at.is_none_or(|prev| at >= prev) {
            self.position = Some(point);
            self.position_at = Some(at);
        }
    }
}

/// Where a recommendation's distance was measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum PositionSource {
    /// A recent position report.
    Current,
    /// The home position (the last report was too old or missing).
    Home,
    /// An old position report (no home position known).
    Stale {
        /// Age of the report in minutes.
        minutes: i64,
    },
    /// No position at all.
    Unknown,
}

/// Why a listed resource cannot be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Exclusion {
    /// Committed to an incident (dispatched, en route, on scene).
    Busy {
        /// Its status.
        status: ResourceStatus,
        /// The incident it works on.
        incident_id: Option<IncidentId>,
    },
    /// Returning from an incident; clears to available first.
    Returning,
    /// Off duty.
    OffDuty,
    /// Already working on this incident.
    AlreadyAssigned,
}

/// One line of a recommendation list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = DispatchRecommendation))]
pub struct Recommendation {
    /// Resource id.
    pub resource_id: i64,
    /// Call sign.
    pub call_sign: String,
    /// Kind.
    pub kind: ResourceKind,
    /// Owning unit.
    pub unit_code: Option<String>,
    /// Its status.
    pub status: ResourceStatus,
    /// Straight-line distance to the incident, metres (None when a position is missing).
    pub distance_m: Option<f64>,
    /// Where the distance was measured from.
    pub position_source: PositionSource,
    /// Set when the resource cannot be sent.
    pub exclusion: Option<Exclusion>,
    /// Explanation for the operator, in Vietnamese.
    pub reason_vi: String,
    /// The same in English.
    pub reason_en: String,
    /// Estimated seconds to arrive ([`super::travel`]); `None` without a distance.
    #[serde(default)]
    pub eta_s: Option<u32>,
    /// The estimate as said to the operator ("~7 phút").
    #[serde(default)]
    pub eta_vi: Option<String>,
    /// The same in English.
    #[serde(default)]
    pub eta_en: Option<String>,
    /// In a plan recommendation: whether it fills a line of the plan or is an extra.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RecommendationRole>,
}

/// What a line of a plan recommendation is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecommendationRole {
    /// Fills a line of the response plan: dispatch it with the plan.
    Plan,
    /// Another useful resource, beyond the plan.
    Extra,
}

/// Options of [`recommend_with`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecommendOptions {
    /// Also list busy and off-duty resources, with the reason they cannot be sent.
    pub include_unavailable: bool,
    /// Positions older than this are not trusted; the home position is used instead.
    /// Default 30 minutes.
    #[serde(with = "secs")]
    pub max_position_age: Duration,
    /// At most this many lines (after sorting).
    pub limit: Option<usize>,
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            include_unavailable: false,
            max_position_age: Duration::minutes(30),
            limit: None,
        }
    }
}

mod secs {
    use chrono::Duration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(d.num_seconds())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::seconds(i64::deserialize(d)?))
    }
}

/// Available resources of the right kinds for the incident, closest first.
pub fn recommend(
    incident: &Incident,
    resources: &[Resource],
    now: DateTime<Utc>,
) -> Vec<Recommendation> {
    recommend_with(incident, resources, now, &RecommendOptions::default())
}

/// [`recommend`] with options. Unavailable resources, when included, come after every
/// available one.
pub fn recommend_with(
    incident: &Incident,
    resources: &[Resource],
    now: DateTime<Utc>,
    opts: &RecommendOptions,
) -> Vec<Recommendation> {
    let wanted = ResourceKind::for_incident(incident.kind, incident.crime_subtype);
    let kind_rank = |k: ResourceKind| wanted.iter().position(|w| *w == k).unwrap_or(usize::MAX);
    let target = incident.location.point.filter(GeoPoint::is_valid);
    let travel = Travel {
        model: TravelModel::default(),
        area: AreaType::Urban,
    };

    let mut out: Vec<Recommendation> = resources
        .iter()
        .filter(|r| wanted.contains(&r.kind))
        .filter_map(|r| {
            let line = line_for(incident, r, target, now, opts, &travel);
            (line.exclusion.is_none() || opts.include_unavailable).then_some(line)
        })
        .collect();

    out.sort_by(|a, b| {
        a.exclusion
            .is_some()
            .cmp(&b.exclusion.is_some())
            .then_with(|| match (a.distance_m, b.distance_m) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| kind_rank(a.kind).cmp(&kind_rank(b.kind)))
            .then_with(|| a.call_sign.cmp(&b.call_sign))
            .then_with(|| a.resource_id.cmp(&b.resource_id))
    });
    if let Some(limit) = opts.limit {
        out.truncate(limit);
    }
    out
}

/// The travel estimate used for one recommendation.
struct Travel {
    model: TravelModel,
    area: AreaType,
}

/// One resource's line: its exclusion, distance, estimated arrival and the reason text.
fn line_for(
    incident: &Incident,
    r: &Resource,
    target: Option<GeoPoint>,
    now: DateTime<Utc>,
    opts: &RecommendOptions,
    travel: &Travel,
) -> Recommendation {
    let exclusion = exclusion_of(incident, r);
    let (from, source) = position_of(r, now, opts.max_position_age);
    let distance_m = match (from, target) {
        (Some(a), Some(b)) => Some(a.distance_m(&b)),
        _ => None,
    };
    let departure = match source {
        PositionSource::Current => Departure::OnTheRoad,
        _ => Departure::Station,
    };
    let eta_s = distance_m.map(|d| {
        travel
            .model
            .estimate_s(d, r.kind, departure, travel.area, now)
    });
    let (mut reason_vi, mut reason_en) =
        reasons(r, distance_m, source, target.is_some(), exclusion);
    let (eta_vi, eta_en) = match eta_s.map(format_eta) {
        Some((vi, en)) => {
            if exclusion.is_none() {
                reason_vi.push_str(&format!("; ước tính đến {vi}"));
                reason_en.push_str(&format!("; estimated arrival {en}"));
            }
            (Some(vi), Some(en))
        }
        None => (None, None),
    };
    Recommendation {
        resource_id: r.id,
        call_sign: r.call_sign.clone(),
        kind: r.kind,
        unit_code: r.unit_code.clone(),
        status: r.status,
        distance_m,
        position_source: source,
        exclusion,
        reason_vi,
        reason_en,
        eta_s,
        eta_vi,
        eta_en,
        role: None,
    }
}

/// Where the distances of a plan recommendation are measured to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginSource {
    /// The incident's own coordinates (GPS, facility, map click).
    Incident,
    /// A point found from the incident's address (street, place, junction).
    ResolvedPoint,
    /// The centre of the responsible unit: the incident has an address but no point.
    UnitCentre,
    /// Nothing: no distances.
    None,
}

/// The point a plan recommendation measures to, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    /// The point.
    pub point: Option<GeoPoint>,
    /// Where it comes from.
    pub source: OriginSource,
}

impl Origin {
    /// What the operator is told about it (Vietnamese, English).
    pub fn note(&self) -> (String, String) {
        let (vi, en) = match self.source {
            OriginSource::Incident => (
                "Khoảng cách tính đến tọa độ của vụ việc.",
                "Distances are to the incident's coordinates.",
            ),
            OriginSource::ResolvedPoint => (
                "Khoảng cách tính đến điểm tìm được từ địa chỉ (gần đúng).",
                "Distances are to the point found from the address (approximate).",
            ),
            OriginSource::UnitCentre => (
                "Vụ việc chưa có tọa độ: khoảng cách tính đến trung tâm xã/phường phụ trách, chỉ để sắp xếp.",
                "The incident has no coordinates: distances are to the centre of the responsible unit, for ordering only.",
            ),
            OriginSource::None => (
                "Vụ việc chưa có tọa độ và chưa có đơn vị phụ trách: chưa tính được khoảng cách.",
                "The incident has no coordinates and no unit: no distances.",
            ),
        };
        (vi.to_string(), en.to_string())
    }
}

/// How a plan recommendation is made: the plan, the point to measure to, and the travel model.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanContext {
    /// The chosen plan ([`super::plans::PlanBook::select`]).
    pub plan: SelectedPlan,
    /// Where to measure to.
    pub origin: Origin,
    /// Urban or rural, for the speed.
    pub area: AreaType,
    /// The travel model.
    pub travel: TravelModel,
}

/// One line of the plan and how it is filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanFill {
    /// The kind.
    pub kind: ResourceKind,
    /// How many the plan asks for.
    pub needed: u8,
    /// How many of that kind already work on the incident.
    pub assigned: u8,
    /// The closest available resources that fill the rest, by estimated arrival.
    pub resource_ids: Vec<i64>,
    /// How many cannot be filled now.
    pub missing: u8,
    /// "thiếu 1 xe thang chữa cháy", when something is missing.
    pub missing_vi: Option<String>,
    /// The same in English.
    pub missing_en: Option<String>,
}

/// A kind the plan cannot fill now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Shortfall {
    /// The kind.
    pub kind: ResourceKind,
    /// How many are missing.
    pub missing: u8,
    /// What to tell the operator.
    pub text_vi: String,
    /// The same in English.
    pub text_en: String,
}

/// The answer to "who goes": the plan, each line filled by the closest available resources,
/// what is missing, and the other useful resources after them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecommendation {
    /// The plan.
    pub plan: SelectedPlan,
    /// Where the distances are measured to.
    pub origin: Origin,
    /// Each plan line and how it is filled.
    pub lines: Vec<PlanFill>,
    /// The resources that fill the plan, to dispatch in one action (plan order).
    pub plan_resource_ids: Vec<i64>,
    /// What cannot be filled now.
    pub shortfalls: Vec<Shortfall>,
    /// Every listed resource: the plan's first (plan order), then extras by estimated arrival,
    /// then, when asked for, those that cannot be sent.
    pub recommendations: Vec<Recommendation>,
    /// Extras left out by the limit.
    pub extras_left_out: usize,
}

/// Fills the plan: for each line, the closest available resources of its kind by estimated
/// arrival (those already on the incident count toward the line); what cannot be filled is a
/// shortfall; then other available resources useful for the incident type, by estimated
/// arrival, at most `opts.limit` of them; then, with `include_unavailable`, those that cannot
/// be sent. A resource fills at most one line.
pub fn recommend_plan(
    incident: &Incident,
    resources: &[Resource],
    ctx: &PlanContext,
    now: DateTime<Utc>,
    opts: &RecommendOptions,
) -> PlanRecommendation {
    let travel = Travel {
        model: ctx.travel,
        area: ctx.area,
    };
    let target = ctx.origin.point.filter(GeoPoint::is_valid);
    let plan_kinds: Vec<ResourceKind> = ctx.plan.lines.iter().map(|l| l.kind).collect();
    let useful = ResourceKind::for_incident(incident.kind, incident.crime_subtype);
    let mut candidates: Vec<Recommendation> = resources
        .iter()
        .filter(|r| plan_kinds.contains(&r.kind) || useful.contains(&r.kind))
        .map(|r| line_for(incident, r, target, now, opts, &travel))
        .collect();
    candidates.sort_by(by_arrival);

    let mut taken = vec![false; candidates.len()];
    let mut lines = Vec::with_capacity(ctx.plan.lines.len());
    let mut picked: Vec<Recommendation> = Vec::new();
    for line in &ctx.plan.lines {
        let assigned = incident
            .resources
            .iter()
            .filter(|a| a.is_active() && a.kind == line.kind)
            .count()
            .min(usize::from(u8::MAX)) as u8;
        let mut wanted = line.count.saturating_sub(assigned);
        let mut ids = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            if wanted == 0 {
                break;
            }
            if !taken[i] && c.kind == line.kind && c.exclusion.is_none() {
                taken[i] = true;
                wanted -= 1;
                ids.push(c.resource_id);
                let mut rec = c.clone();
                rec.role = Some(RecommendationRole::Plan);
                picked.push(rec);
            }
        }
        let (missing_vi, missing_en) = if wanted > 0 {
            let (vi, en) = shortfall_text(line.kind, wanted);
            (Some(vi), Some(en))
        } else {
            (None, None)
        };
        lines.push(PlanFill {
            kind: line.kind,
            needed: line.count,
            assigned,
            resource_ids: ids,
            missing: wanted,
            missing_vi,
            missing_en,
        });
    }
    let shortfalls = lines
        .iter()
        .filter_map(|l| {
            Some(Shortfall {
                kind: l.kind,
                missing: l.missing,
                text_vi: l.missing_vi.clone()?,
                text_en: l.missing_en.clone()?,
            })
        })
        .collect();
    let plan_resource_ids = picked.iter().map(|r| r.resource_id).collect();

    let limit = opts.limit.unwrap_or(usize::MAX);
    let mut extras: Vec<Recommendation> = Vec::new();
    let mut unavailable: Vec<Recommendation> = Vec::new();
    let mut extras_left_out = 0;
    for (i, c) in candidates.into_iter().enumerate() {
        if taken[i] {
            continue;
        }
        if c.exclusion.is_some() {
            if opts.include_unavailable {
                unavailable.push(c);
            }
        } else if extras.len() < limit {
            let mut rec = c;
            rec.role = Some(RecommendationRole::Extra);
            extras.push(rec);
        } else {
            extras_left_out += 1;
        }
    }
    unavailable.truncate(limit);
    let mut recommendations = picked;
    recommendations.extend(extras);
    recommendations.extend(unavailable);
    PlanRecommendation {
        plan: ctx.plan.clone(),
        origin: ctx.origin,
        lines,
        plan_resource_ids,
        shortfalls,
        recommendations,
        extras_left_out,
    }
}

/// Known arrival first, earliest first; then by distance, call sign and id.
fn by_arrival(a: &Recommendation, b: &Recommendation) -> std::cmp::Ordering {
    let none_last = |x: Option<u32>, y: Option<u32>| match (x, y) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    };
    none_last(a.eta_s, b.eta_s)
        .then_with(|| {
            a.distance_m
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.distance_m.unwrap_or(f64::INFINITY))
        })
        .then_with(|| a.call_sign.cmp(&b.call_sign))
        .then_with(|| a.resource_id.cmp(&b.resource_id))
}

/// "thiếu 1 xe thang chữa cháy"; a missing ambulance says to ask 115.
fn shortfall_text(kind: ResourceKind, missing: u8) -> (String, String) {
    let mut vi = format!("thiếu {missing} {}", kind.label_vi().to_lowercase());
    let mut en = format!("{missing} {} short", kind.label_en().to_lowercase());
    if kind == ResourceKind::Ambulance {
        vi.push_str(": đề nghị cấp cứu 115");
        en.push_str(": request one from 115");
    }
    (vi, en)
}

fn exclusion_of(incident: &Incident, r: &Resource) -> Option<Exclusion> {
    let on_this = incident.active_resources().any(|a| a.resource_id == r.id);
    if on_this {
        return Some(Exclusion::AlreadyAssigned);
    }
    match r.status {
        ResourceStatus::Available => None,
        ResourceStatus::OffDuty => Some(Exclusion::OffDuty),
        ResourceStatus::Returning => Some(Exclusion::Returning),
        status => Some(Exclusion::Busy {
            status,
            incident_id: r.incident_id,
        }),
    }
}

fn position_of(
    r: &Resource,
    now: DateTime<Utc>,
    max_age: Duration,
) -> (Option<GeoPoint>, PositionSource) {
    let fresh = match (r.position, r.position_at) {
        (Some(p), Some(at)) if p.is_valid() && now - at <= max_age => Some(p),
        _ => None,
    };
    if let Some(p) = fresh {
        return (Some(p), PositionSource::Current);
    }
    if let Some(home) = r.home.filter(GeoPoint::is_valid) {
        return (Some(home), PositionSource::Home);
    }
    match (r.position, r.position_at) {
        (Some(p), Some(at)) if p.is_valid() => (
            Some(p),
            PositionSource::Stale {
                minutes: (now - at).num_minutes(),
            },
        ),
        (Some(p), None) if p.is_valid() => (Some(p), PositionSource::Stale { minutes: 0 }),
        _ => (None, PositionSource::Unknown),
    }
}

fn reasons(
    r: &Resource,
    distance_m: Option<f64>,
    source: PositionSource,
    incident_located: bool,
    exclusion: Option<Exclusion>,
) -> (String, String) {
    let mut vi = format!(
        "{} {} ({})",
        r.kind.label_vi(),
        r.call_sign,
        r.status.label_vi().to_lowercase()
    );
    let mut en = format!(
        "{} {} ({})",
        r.kind.label_en(),
        r.call_sign,
        r.status.label_en().to_lowercase()
    );
    match distance_m {
        Some(d) => {
            let (from_vi, from_en) = match source {
                PositionSource::Current => (
                    "vị trí hiện tại".to_string(),
                    "its current position".to_string(),
                ),
                PositionSource::Home => (
                    "vị trí thường trực".to_string(),
                    "its home position".to_string(),
                ),
                PositionSource::Stale { minutes } => (
                    format!("vị trí ghi nhận {minutes} phút trước"),
                    format!("a position reported {minutes} min ago"),
                ),
                PositionSource::Unknown => (String::new(), String::new()),
            };
            vi.push_str(&format!(
                ", cách {} theo đường chim bay từ {from_vi}",
                format_distance_vi(d)
            ));
            en.push_str(&format!(
                ", {} straight-line distance from {from_en}",
                format_distance_en(d)
            ));
        }
        None if !incident_located => {
            vi.push_str(", vụ việc chưa có tọa độ nên chưa tính được khoảng cách");
            en.push_str(", distance unknown: the incident has no coordinates");
        }
        None => {
            vi.push_str(", chưa rõ vị trí");
            en.push_str(", position unknown");
        }
    }
    if let Some(x) = exclusion {
        let (why_vi, why_en) = match x {
            Exclusion::Busy {
                incident_id: Some(id),
                ..
            } => (
                format!("đang làm nhiệm vụ tại vụ việc #{id}"),
                format!("busy on incident #{id}"),
            ),
            Exclusion::Busy { .. } => ("đang làm nhiệm vụ".to_string(), "busy".to_string()),
            Exclusion::Returning => (
                "đang trở về, cần chuyển sang sẵn sàng trước".to_string(),
                "returning; must clear to available first".to_string(),
            ),
            Exclusion::OffDuty => ("ngoài ca trực".to_string(), "off duty".to_string()),
            Exclusion::AlreadyAssigned => (
                "đã được điều động cho vụ việc này".to_string(),
                "already assigned to this incident".to_string(),
            ),
        };
        vi.push_str(&format!(" — không điều động được: {why_vi}"));
        en.push_str(&format!(" — cannot be sent: {why_en}"));
    }
    (vi, en)
}

/// What an assignment produced: the resource's status event and the incident's events
/// (`resource_assigned`, plus `status_changed` to `dispatched` when it was the first).
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentOutcome {
    /// The resource's `available → dispatched` event.
    pub resource_event: ResourceEvent,
    /// Events appended to the incident.
    pub incident_events: Vec<IncidentEvent>,
}

/// Sends `resource` to `incident`. Checks everything before changing anything: the incident is
/// open and in a dispatchable status (`received`, `verified`, `dispatched`, `en_route`,
/// `on_scene`; a `resolved` one must be reopened first), the resource is not already on it,
/// and it is `available`
/// ([`IncidentError::ResourceUnavailable`] otherwise — HTTP 409). The first assignment moves a
/// `received` or `verified` incident to `dispatched`.
pub fn assign_resource(
    incident: &mut Incident,
    resource: &mut Resource,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<AssignmentOutcome, IncidentError> {
    incident.ensure_open()?;
    let moves_incident = matches!(
        incident.status,
        IncidentStatus::Received | IncidentStatus::Verified
    );
    let joins = matches!(
        incident.status,
        IncidentStatus::Dispatched | IncidentStatus::EnRoute | IncidentStatus::OnScene
    );
    if incident.status == IncidentStatus::Resolved {
        // Allowed only as a reopen, which needs a reason: reopen first, then assign.
        return Err(IncidentError::ReasonRequired {
            action: "reopen a resolved incident",
        });
    }
    if !moves_incident && !joins {
        return Err(IncidentError::IllegalTransition {
            from: incident.status,
            to: IncidentStatus::Dispatched,
            allowed: incident.status.allowed_targets().to_vec(),
        });
    }
    if incident
        .active_resources()
        .any(|a| a.resource_id == resource.id)
    {
        return Err(IncidentError::ResourceAlreadyAssigned {
            resource_id: resource.id,
            incident_id: incident.id,
        });
    }
    resource.check_assignable()?;

    let resource_event = resource.transition(
        ResourceStatus::Dispatched,
        Some(incident.id),
        None,
        actor.clone(),
        now,
    )?;
    let mut incident_events = vec![incident.record(
        actor.clone(),
        now,
        IncidentChange::ResourceAssigned {
            resource_id: resource.id,
            call_sign: resource.call_sign.clone(),
            kind: resource.kind,
        },
    )];
    let at = incident_events[0].at;
    incident.resources.push(ResourceAssignment {
        resource_id: resource.id,
        call_sign: resource.call_sign.clone(),
        kind: resource.kind,
        assigned_at: at,
        released_at: None,
    });
    if moves_incident {
        incident_events.push(incident.transition(
            IncidentStatus::Dispatched,
            TransitionDetails::default(),
            actor,
            now,
        )?);
    }
    Ok(AssignmentOutcome {
        resource_event,
        incident_events,
    })
}

/// Releases `resource` from `incident` (stood down, or finished): the assignment gets its
/// release time and the resource moves to `to` (`available` or `returning`). Works on closed
/// incidents too, so that units can be cleared after the paperwork.
pub fn release_resource(
    incident: &mut Incident,
    resource: &mut Resource,
    to: ResourceStatus,
    reason: Option<String>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(ResourceEvent, IncidentEvent), IncidentError> {
    if !matches!(to, ResourceStatus::Available | ResourceStatus::Returning) {
        return Err(IncidentError::IllegalResourceTransition {
            from: resource.status,
            to,
            allowed: vec![ResourceStatus::Available, ResourceStatus::Returning],
        });
    }
    if incident.status == IncidentStatus::Merged {
        return Err(IncidentError::IncidentFinished {
            id: incident.id,
            status: incident.status,
        });
    }
    let Some(idx) = incident
        .resources
        .iter()
        .position(|a| a.resource_id == resource.id && a.is_active())
    else {
        return Err(IncidentError::ResourceNotAssigned {
            resource_id: resource.id,
            incident_id: incident.id,
        });
    };
    resource.status.check_transition(to)?;
    let resource_event = resource.transition(to, Some(incident.id), reason, actor.clone(), now)?;
    let event = incident.record(
        actor,
        now,
        IncidentChange::ResourceReleased {
            resource_id: resource.id,
            call_sign: resource.call_sign.clone(),
        },
    );
    incident.resources[idx].released_at = Some(event.at);
    Ok((resource_event, event))
}

/// A resource on the incident reports `en_route` or `on_scene` (the "one tap" of the field
/// app): the resource moves, and the incident follows when it is behind — the first unit en
/// route puts a `dispatched` incident `en_route`, the first on scene puts it `on_scene`.
pub fn report_resource_status(
    incident: &mut Incident,
    resource: &mut Resource,
    to: ResourceStatus,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<(ResourceEvent, Vec<IncidentEvent>), IncidentError> {
    incident.ensure_open()?;
    if !matches!(to, ResourceStatus::EnRoute | ResourceStatus::OnScene) {
        return Err(IncidentError::IllegalResourceTransition {
            from: resource.status,
            to,
            allowed: vec![ResourceStatus::EnRoute, ResourceStatus::OnScene],
        });
    }
    if !incident
        .active_resources()
        .any(|a| a.resource_id == resource.id)
    {
        return Err(IncidentError::ResourceNotAssigned {
            resource_id: resource.id,
            incident_id: incident.id,
        });
    }
    resource.status.check_transition(to)?;
    let resource_event = resource.transition(to, Some(incident.id), None, actor.clone(), now)?;
    let follow = match (incident.status, to) {
        (IncidentStatus::Dispatched, ResourceStatus::EnRoute) => Some(IncidentStatus::EnRoute),
        (IncidentStatus::Dispatched | IncidentStatus::EnRoute, ResourceStatus::OnScene) => {
            Some(IncidentStatus::OnScene)
        }
        _ => None,
    };
    let mut events = Vec::new();
    if let Some(status) = follow {
        events.push(incident.transition(status, TransitionDetails::default(), actor, now)?);
    }
    Ok((resource_event, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::catalogue::{CrimeSubtype, IncidentKind};
    use crate::incident::model::tests::{new_fire, open_fire, open_with, operator, t0};

    fn res(
        id: i64,
        sign: &str,
        kind: ResourceKind,
        status: ResourceStatus,
        pos: Option<GeoPoint>,
    ) -> Resource {
        Resource {
            id,
            call_sign: sign.into(),
            kind,
            unit_code: Some("PC07".into()),
            status,
            status_since: t0() - Duration::hours(1),
            position: pos,
            position_at: pos.map(|_| t0() - Duration::minutes(2)),
            home: None,
            incident_id: None,
        }
    }

    // Incident at Hàng Bạc (21.0288, 105.8525). Offsets of 0.01° latitude ≈ 1.1 km.
    fn fleet() -> Vec<Resource> {
        use ResourceKind as K;
        use ResourceStatus as S;
        vec![
            res(
                1,
                "CC-01",
                K::FireEngine,
                S::Available,
                Some(GeoPoint::new(21.0508, 105.8525)),
            ), // ~2.4 km
            res(
                2,
                "CC-02",
                K::FireEngine,
                S::Available,
                Some(GeoPoint::new(21.0338, 105.8525)),
            ), // ~0.56 km
            res(
                3,
                "CNCH-1",
                K::RescueTeam,
                S::Available,
                Some(GeoPoint::new(21.0388, 105.8525)),
            ), // ~1.1 km
            res(
                4,
                "TT-01",
                K::Patrol,
                S::EnRoute,
                Some(GeoPoint::new(21.0298, 105.8525)),
            ),
            res(
                5,
                "TT-02",
                K::Patrol,
                S::OffDuty,
                Some(GeoPoint::new(21.0290, 105.8525)),
            ),
            res(
                6,
                "CT-115",
                K::Ambulance,
                S::Available,
                Some(GeoPoint::new(21.0289, 105.8525)),
            ),
            res(7, "CC-03", K::FireEngine, S::Available, None),
            res(
                8,
                "TT-03",
                K::Patrol,
                S::Returning,
                Some(GeoPoint::new(21.0300, 105.8525)),
            ),
        ]
    }

    #[test]
    fn recommends_right_kinds_closest_first_excluding_busy() {
        let inc = open_fire(1);
        let recs = recommend(&inc, &fleet(), t0());
        let signs: Vec<_> = recs.iter().map(|r| r.call_sign.as_str()).collect();
        // The ambulance goes to fires too; busy/off-duty/returning patrols are excluded;
        // the engine without position comes last.
        assert_eq!(signs, ["CT-115", "CC-02", "CNCH-1", "CC-01", "CC-03"]);
        assert!(recs.iter().all(|r| r.exclusion.is_none()));
        let recs = &recs[1..];
        let first = &recs[0];
        assert_eq!(first.position_source, PositionSource::Current);
        assert_eq!(
            first.reason_vi,
            "Xe chữa cháy CC-02 (sẵn sàng), cách 560 m theo đường chim bay từ vị trí hiện tại; ước tính đến ~2 phút"
        );
        assert!(
            recs[2]
                .reason_vi
                .contains("cách 2,4 km theo đường chim bay"),
            "{}",
            recs[2].reason_vi
        );
        assert!(
            recs[2].reason_en.contains("2.4 km straight-line distance"),
            "{}",
            recs[2].reason_en
        );
        assert_eq!(recs[3].distance_m, None);
        assert!(recs[3].reason_vi.ends_with("chưa rõ vị trí"));
    }

    #[test]
    fn all_mode_lists_unavailable_last_with_reasons() {
        let inc = open_fire(1);
        let opts = RecommendOptions {
            include_unavailable: true,
            ..Default::default()
        };
        let recs = recommend_with(&inc, &fleet(), t0(), &opts);
        let signs: Vec<_> = recs.iter().map(|r| r.call_sign.as_str()).collect();
        assert_eq!(
            signs,
            ["CT-115", "CC-02", "CNCH-1", "CC-01", "CC-03", "TT-02", "TT-01", "TT-03"]
        );
        let off = recs.iter().find(|r| r.call_sign == "TT-02").unwrap();
        assert_eq!(off.exclusion, Some(Exclusion::OffDuty));
        assert!(
            off.reason_vi
                .ends_with("không điều động được: ngoài ca trực"),
            "{}",
            off.reason_vi
        );
        let ret = recs.iter().find(|r| r.call_sign == "TT-03").unwrap();
        assert_eq!(ret.exclusion, Some(Exclusion::Returning));
        let limited = recommend_with(
            &inc,
            &fleet(),
            t0(),
            &RecommendOptions {
                limit: Some(2),
                ..opts
            },
        );
        assert_eq!(limited.len(), 2);
    }

    #[test]
    fn kinds_follow_the_incident_type() {
        let mut medical = new_fire();
        medical.kind = IncidentKind::Medical;
        let inc = open_with(2, medical, t0());
        let recs = recommend(&inc, &fleet(), t0());
        assert_eq!(
            recs.iter()
                .map(|r| r.call_sign.as_str())
                .collect::<Vec<_>>(),
            ["CT-115"]
        );

        let mut crime = new_fire();
        crime.kind = IncidentKind::Crime;
        crime.crime_subtype = Some(CrimeSubtype::Theft);
        let inc = open_with(3, crime, t0());
        let recs = recommend(&inc, &fleet(), t0());
        assert!(
            recs.is_empty(),
            "every patrol is busy, off duty or returning"
        );
    }

    #[test]
    fn stale_positions_fall_back_to_home() {
        let inc = open_fire(1);
        let mut r = res(
            1,
            "CC-09",
            ResourceKind::FireEngine,
            ResourceStatus::Available,
            Some(GeoPoint::new(21.0388, 105.8525)),
        );
        r.position_at = Some(t0() - Duration::hours(3));
        r.home = Some(GeoPoint::new(21.0508, 105.8525));
        let recs = recommend(&inc, std::slice::from_ref(&r), t0());
        assert_eq!(recs[0].position_source, PositionSource::Home);
        assert!(recs[0].reason_vi.contains("từ vị trí thường trực"));
        r.home = None;
        let recs = recommend(&inc, &[r], t0());
        assert_eq!(
            recs[0].position_source,
            PositionSource::Stale { minutes: 180 }
        );
        assert!(recs[0].reason_vi.contains("vị trí ghi nhận 180 phút trước"));
    }

    #[test]
    fn incident_without_coordinates_still_lists_resources() {
        let mut input = new_fire();
        input.location.point = None;
        let inc = open_with(4, input, t0());
        let recs = recommend(&inc, &fleet(), t0());
        assert_eq!(recs.len(), 5);
        assert!(recs.iter().all(|r| r.distance_m.is_none()));
        assert!(recs[0].reason_vi.contains("vụ việc chưa có tọa độ"));
    }

    #[test]
    fn assignment_checks_then_applies() {
        let mut inc = open_fire(1);
        let mut fleet = fleet();
        let now = t0() + Duration::seconds(30);
        let out = assign_resource(&mut inc, &mut fleet[1], operator(), now).unwrap();
        assert_eq!(out.resource_event.from, ResourceStatus::Available);
        assert_eq!(out.resource_event.to, ResourceStatus::Dispatched);
        assert_eq!(fleet[1].incident_id, Some(inc.id));
        assert_eq!(
            out.incident_events.len(),
            2,
            "resource_assigned + status_changed"
        );
        assert_eq!(inc.status, IncidentStatus::Dispatched);
        assert_eq!(inc.times.dispatched, Some(now));

        // The same resource again: conflict.
        let err = assign_resource(&mut inc, &mut fleet[1], operator(), now).unwrap_err();
        assert!(matches!(
            err,
            IncidentError::ResourceAlreadyAssigned { resource_id: 2, .. }
        ));
        assert!(err.is_conflict());
        // A busy resource: conflict, and nothing changes.
        let before = inc.clone();
        let err = assign_resource(&mut inc, &mut fleet[3], operator(), now).unwrap_err();
        assert_eq!(
            err,
            IncidentError::ResourceUnavailable {
                resource_id: 4,
                status: ResourceStatus::EnRoute
            }
        );
        assert_eq!(err.code(), "resource_unavailable");
        assert_eq!(inc, before);
        // A resolved incident must be reopened (with a reason) before sending more.
        let mut resolved = open_fire(9);
        resolved.verify(None, operator(), now).unwrap();
        resolved
            .transition(
                IncidentStatus::Resolved,
                TransitionDetails::default(),
                operator(),
                now,
            )
            .unwrap();
        assert_eq!(
            assign_resource(&mut resolved, &mut fleet[0], operator(), now).unwrap_err(),
            IncidentError::ReasonRequired {
                action: "reopen a resolved incident"
            }
        );
        // A second engine joins without another status change.
        let out = assign_resource(&mut inc, &mut fleet[0], operator(), now).unwrap();
        assert_eq!(out.incident_events.len(), 1);
        // Already-assigned resources are flagged in the all-mode list.
        let recs = recommend_with(
            &inc,
            &fleet,
            now,
            &RecommendOptions {
                include_unavailable: true,
                ..Default::default()
            },
        );
        let cc02 = recs.iter().find(|r| r.call_sign == "CC-02").unwrap();
        assert_eq!(cc02.exclusion, Some(Exclusion::AlreadyAssigned));
    }

    #[test]
    fn field_reports_move_the_incident_forward() {
        let mut inc = open_fire(1);
        let mut fleet = fleet();
        let t = |s| t0() + Duration::seconds(s);
        assign_resource(&mut inc, &mut fleet[1], operator(), t(30)).unwrap();
        assign_resource(&mut inc, &mut fleet[0], operator(), t(35)).unwrap();
        let (_, evs) = report_resource_status(
            &mut inc,
            &mut fleet[1],
            ResourceStatus::EnRoute,
            operator(),
            t(90),
        )
        .unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(inc.status, IncidentStatus::EnRoute);
        let (_, evs) = report_resource_status(
            &mut inc,
            &mut fleet[0],
            ResourceStatus::EnRoute,
            operator(),
            t(95),
        )
        .unwrap();
        assert!(evs.is_empty(), "already en route");
        report_resource_status(
            &mut inc,
            &mut fleet[1],
            ResourceStatus::OnScene,
            operator(),
            t(400),
        )
        .unwrap();
        assert_eq!(inc.status, IncidentStatus::OnScene);
        assert_eq!(inc.times.on_scene, Some(t(400)));
        // A resource not on the incident cannot report for it.
        assert!(matches!(
            report_resource_status(
                &mut inc,
                &mut fleet[2],
                ResourceStatus::EnRoute,
                operator(),
                t(401)
            ),
            Err(IncidentError::ResourceNotAssigned { .. })
        ));
        // Release.
        let (rev, iev) = release_resource(
            &mut inc,
            &mut fleet[1],
            ResourceStatus::Returning,
            None,
            operator(),
            t(2000),
        )
        .unwrap();
        assert_eq!(rev.to, ResourceStatus::Returning);
        assert!(matches!(
            iev.change,
            IncidentChange::ResourceReleased { resource_id: 2, .. }
        ));
        assert_eq!(inc.active_resources().count(), 1);
        fleet[1]
            .transition(ResourceStatus::Available, None, None, operator(), t(2500))
            .unwrap();
        assert_eq!(fleet[1].incident_id, None);
    }

    #[test]
    fn resource_transitions_and_clock() {
        let mut r = res(
            1,
            "CC-01",
            ResourceKind::FireEngine,
            ResourceStatus::OffDuty,
            None,
        );
        let err = r
            .transition(
                ResourceStatus::Dispatched,
                Some(IncidentId(1)),
                None,
                operator(),
                t0(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            IncidentError::IllegalResourceTransition { .. }
        ));
        r.transition(ResourceStatus::Available, None, None, operator(), t0())
            .unwrap();
        assert!(r
            .transition(ResourceStatus::Dispatched, None, None, operator(), t0())
            .is_err());
        let ev = r
            .transition(
                ResourceStatus::Dispatched,
                Some(IncidentId(1)),
                None,
                operator(),
                t0() - Duration::seconds(5),
            )
            .unwrap();
        assert_eq!(ev.at, t0());
        assert_eq!(ev.clamped_from, Some(t0() - Duration::seconds(5)));
        // Older position reports do not overwrite newer ones.
        r.update_position(GeoPoint::new(21.0, 105.8), t0());
        r.update_position(GeoPoint::new(22.0, 105.8), t0() - Duration::seconds(10));
        assert_eq!(r.position, Some(GeoPoint::new(21.0, 105.8)));
        r.update_position(GeoPoint::new(99.0, 105.8), t0() + Duration::seconds(10));
        assert_eq!(
            r.position,
            Some(GeoPoint::new(21.0, 105.8)),
            "invalid point ignored"
        );
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        fn any_resource() -> impl Strategy<Value = Resource> {
            (
                1i64..10_000,
                proptest::sample::select(<ResourceKind as Vocabulary>::ALL.to_vec()),
                proptest::sample::select(ResourceStatus::ALL.to_vec()),
                proptest::option::of((20.8f64..21.3, 105.5f64..106.0)),
                proptest::option::of(0i64..120),
            )
                .prop_map(|(id, kind, status, pos, age)| Resource {
                    id,
                    call_sign: format!("R-{id}"),
                    kind,
                    unit_code: None,
                    status,
                    status_since: t0() - Duration::hours(2),
                    position: pos.map(|(a, b)| GeoPoint::new(a, b)),
                    position_at: age.map(|m| t0() - Duration::minutes(m)),
                    home: None,
                    incident_id: None,
                })
        }

        proptest! {
            #[test]
            fn recommendations_are_sorted_and_filtered(
                fleet in proptest::collection::vec(any_resource(), 0..40),
                kind in proptest::sample::select(<IncidentKind as Vocabulary>::ALL.to_vec()),
                all in any::<bool>(),
            ) {
                let mut input = new_fire();
                input.kind = kind;
                let inc = open_with(1, input, t0());
                let opts = RecommendOptions { include_unavailable: all, ..Default::default() };
                let recs = recommend_with(&inc, &fleet, t0(), &opts);
                let wanted = ResourceKind::for_incident(kind, None);
                for r in &recs {
                    prop_assert!(wanted.contains(&r.kind));
                    prop_assert_eq!(r.exclusion.is_none(), r.status == ResourceStatus::Available);
                    prop_assert!(r.reason_vi.contains(&r.call_sign));
                    if r.distance_m.is_some() {
                        prop_assert!(r.reason_vi.contains("theo đường chim bay"));
                        prop_assert!(r.reason_en.contains("straight-line"));
                    }
                }
                if !all {
                    prop_assert!(recs.iter().all(|r| r.exclusion.is_none()));
                }
                let expected = fleet
                    .iter()
                    .filter(|r| wanted.contains(&r.kind) && (all || r.status == ResourceStatus::Available))
                    .count();
                prop_assert_eq!(recs.len(), expected);
                for w in recs.windows(2) {
                    let (a, b) = (&w[0], &w[1]);
                    prop_assert!(a.exclusion.is_none() || b.exclusion.is_some(), "available first");
                    if a.exclusion.is_some() == b.exclusion.is_some() {
                        match (a.distance_m, b.distance_m) {
                            (Some(x), Some(y)) => prop_assert!(x <= y),
                            (None, Some(_)) => prop_assert!(false, "unknown distance before a known one"),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::incident::catalogue::IncidentKind;
    use crate::incident::model::tests::{open_fire, operator, t0};
    use crate::incident::plans::{PlanBook, PlanSubject};

    fn at(id: i64, sign: &str, kind: ResourceKind, km_north: f64) -> Resource {
        Resource {
            id,
            call_sign: sign.into(),
            kind,
            unit_code: None,
            status: ResourceStatus::Available,
            status_since: t0() - Duration::hours(1),
            position: None,
            position_at: None,
            // The fire of `open_fire` is at 21.0288, 105.8525; 0.009° ≈ 1 km.
            home: Some(GeoPoint::new(21.0288 + km_north * 0.009, 105.8525)),
            incident_id: None,
        }
    }

    fn high_rise() -> PlanContext {
        let plan = PlanBook::defaults()
            .select(&PlanSubject {
                kind: IncidentKind::Fire,
                subtype: None,
                priority: crate::incident::Priority::P1,
                facility_kind: Some("apartment_building"),
                floors: Some(41),
            })
            .unwrap();
        PlanContext {
            plan,
            origin: Origin {
                point: Some(GeoPoint::new(21.0288, 105.8525)),
                source: OriginSource::Incident,
            },
            area: AreaType::Urban,
            travel: TravelModel::default(),
        }
    }

    /// Six patrols close by, engines further out, one ladder, one rescue team, one ambulance.
    fn city() -> Vec<Resource> {
        use ResourceKind as K;
        let mut fleet: Vec<Resource> = (0..6)
            .map(|i| at(100 + i, &format!("TT-{i}"), K::Patrol, 0.2 + i as f64 * 0.1))
            .collect();
        fleet.push(at(1, "CC-1", K::FireEngine, 3.0));
        fleet.push(at(2, "CC-2", K::FireEngine, 2.0));
        fleet.push(at(3, "CC-3", K::FireEngine, 6.0));
        fleet.push(at(4, "CC-4", K::FireEngine, 9.0));
        fleet.push(at(5, "THANG-1", K::AerialLadder, 5.0));
        fleet.push(at(6, "CNCH-1", K::RescueTeam, 4.0));
        fleet.push(at(7, "CT-1", K::Ambulance, 1.5));
        fleet
    }

    #[test]
    fn a_high_rise_fire_gets_its_plan_before_any_patrol() {
        let inc = open_fire(1);
        let rec = recommend_plan(
            &inc,
            &city(),
            &high_rise(),
            t0(),
            &RecommendOptions::default(),
        );
        let signs: Vec<&str> = rec
            .recommendations
            .iter()
            .map(|r| r.call_sign.as_str())
            .collect();
        // Plan order: three closest engines, the ladder, rescue, ambulance, then one patrol.
        assert_eq!(
            &signs[..7],
            ["CC-2", "CC-1", "CC-3", "THANG-1", "CNCH-1", "CT-1", "TT-0"]
        );
        assert_eq!(rec.plan_resource_ids, vec![2, 1, 3, 5, 6, 7, 100]);
        assert!(rec.shortfalls.is_empty());
        assert!(rec.recommendations[..7]
            .iter()
            .all(|r| r.role == Some(RecommendationRole::Plan) && r.eta_s.is_some()));
        // Then the extras by arrival: the fourth engine comes after the closer patrols.
        assert!(rec.recommendations[7..]
            .iter()
            .all(|r| r.role == Some(RecommendationRole::Extra)));
        let etas: Vec<u32> = rec.recommendations[7..]
            .iter()
            .filter_map(|r| r.eta_s)
            .collect();
        assert!(etas.windows(2).all(|w| w[0] <= w[1]), "{etas:?}");
        assert!(rec.recommendations[0].reason_vi.contains("ước tính đến"));
    }

    #[test]
    fn what_is_missing_is_said_and_what_is_assigned_counts() {
        let mut inc = open_fire(1);
        let mut fleet = city();
        fleet.retain(|r| r.kind != ResourceKind::AerialLadder && r.call_sign != "CC-4");
        // CC-3 is already on the incident: the plan needs two more engines, not three.
        let idx = fleet.iter().position(|r| r.call_sign == "CC-3").unwrap();
        assign_resource(&mut inc, &mut fleet[idx], operator(), t0()).unwrap();
        let rec = recommend_plan(
            &inc,
            &fleet,
            &high_rise(),
            t0(),
            &RecommendOptions::default(),
        );
        let engines = &rec.lines[0];
        assert_eq!(engines.kind, ResourceKind::FireEngine);
        assert_eq!((engines.needed, engines.assigned), (3, 1));
        assert_eq!(engines.resource_ids, vec![2, 1]);
        assert_eq!(engines.missing, 0);
        let ladder = &rec.lines[1];
        assert_eq!(ladder.missing, 1);
        assert_eq!(
            ladder.missing_vi.as_deref(),
            Some("thiếu 1 xe thang chữa cháy")
        );
        assert_eq!(rec.shortfalls.len(), 1);
        assert!(!rec.plan_resource_ids.contains(&3), "already there");
    }

    #[test]
    fn without_coordinates_the_unit_centre_still_orders_by_estimate() {
        let inc = open_fire(1);
        let mut ctx = high_rise();
        ctx.origin = Origin {
            point: Some(GeoPoint::new(21.0288, 105.8525)),
            source: OriginSource::UnitCentre,
        };
        let rec = recommend_plan(&inc, &city(), &ctx, t0(), &RecommendOptions::default());
        assert!(rec.recommendations.iter().all(|r| r.eta_s.is_some()));
        assert!(rec.origin.note().0.contains("trung tâm xã/phường"));
        ctx.origin = Origin {
            point: None,
            source: OriginSource::None,
        };
        let rec = recommend_plan(&inc, &city(), &ctx, t0(), &RecommendOptions::default());
        // No distances: still the plan's kinds in plan order, by call sign within a kind.
        assert_eq!(rec.plan_resource_ids.len(), 7);
        assert!(rec.recommendations.iter().all(|r| r.eta_s.is_none()));
    }

    #[test]
    fn no_ambulance_in_the_fleet_says_to_ask_115_and_limits_count_only_extras() {
        let inc = open_fire(1);
        let mut fleet = city();
        fleet.retain(|r| r.kind != ResourceKind::Ambulance);
        let opts = RecommendOptions {
            limit: Some(2),
            ..RecommendOptions::default()
        };
        let rec = recommend_plan(&inc, &fleet, &high_rise(), t0(), &opts);
        assert!(rec.shortfalls[0].text_vi.contains("115"));
        let extras = rec
            .recommendations
            .iter()
            .filter(|r| r.role == Some(RecommendationRole::Extra))
            .count();
        assert_eq!(extras, 2);
        assert_eq!(
            rec.extras_left_out, 4,
            "five patrols and an engine, two shown"
        );
    }

    #[test]
    fn busy_resources_never_fill_the_plan() {
        let inc = open_fire(1);
        let mut fleet = city();
        for r in fleet
            .iter_mut()
            .filter(|r| r.kind == ResourceKind::FireEngine)
        {
            r.status = ResourceStatus::OnScene;
            r.incident_id = Some(IncidentId(99));
        }
        let opts = RecommendOptions {
            include_unavailable: true,
            ..RecommendOptions::default()
        };
        let rec = recommend_plan(&inc, &fleet, &high_rise(), t0(), &opts);
        assert_eq!(rec.lines[0].missing, 3);
        assert_eq!(
            rec.lines[0].missing_vi.as_deref(),
            Some("thiếu 3 xe chữa cháy")
        );
        let busy: Vec<_> = rec
            .recommendations
            .iter()
            .filter(|r| r.exclusion.is_some())
            .collect();
        assert_eq!(busy.len(), 4);
        assert!(busy.iter().all(|r| r.role.is_none()));
    }
}
