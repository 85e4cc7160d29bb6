//! Placing an incident: the point and the address of a report turned into the responsible
//! unit by the one location resolver ([`UnitDirectory::resolve_at`]), with the candidates kept
//! when the unit is uncertain. Every intake channel (hotline, field officer, web report,
//! assistant, operator mode) places its incidents here.

use super::geo::GeoPoint;
use super::validate::{IncidentLocation, UnitCandidate};
use crate::units::{
    Candidate, EvidenceKind, LatLon, Location, PointSource, Resolution, UnitDirectory,
};

/// The code of a point's source, as stored on the incident.
pub fn point_source_code(source: PointSource) -> &'static str {
    match source {
        PointSource::Gps => "gps",
        PointSource::Place => "place",
        PointSource::Junction => "junction",
        PointSource::Street => "street",
        PointSource::UnitCentre => "unit_centre",
    }
}

/// Why a candidate, in words: the labels of its evidence, strongest first, each once.
pub fn candidate_why(c: &Candidate<'_>) -> String {
    let mut labels: Vec<&str> = Vec::new();
    for e in &c.evidence {
        if !labels.contains(&e.label.as_str()) {
            labels.push(&e.label);
        }
    }
    labels.join("; ")
}

/// The candidates of a resolution as an incident keeps them.
pub fn unit_candidates(r: &Resolution<'_>) -> Vec<UnitCandidate> {
    r.candidates
        .iter()
        .map(|c| UnitCandidate {
            code: c.unit.code.clone(),
            full_name: c.unit.full_name.clone(),
            score: (c.score * 100.0).round() / 100.0,
            why: candidate_why(c),
        })
        .collect()
}

/// Where a report is: the shared point's unit when it falls in the jurisdiction (with the
/// distance to the boundary and the near-boundary flag), otherwise the unit the address
/// settles on. When the address fits several units, no unit is set, `unit_uncertain` is true
/// and `unit_candidates` lists them; a point found from the address (a place, a junction, a
/// street inside the assigned unit) is kept with its source.
pub fn place(
    units: &UnitDirectory,
    point: Option<GeoPoint>,
    address: Option<&str>,
) -> IncidentLocation {
    let address = address.map(str::trim).filter(|a| !a.is_empty());
    let shared = point.filter(|p| p.is_valid()).map(|p| LatLon {
        lat: p.lat,
        lon: p.lon,
    });
    let mut out = IncidentLocation {
        point,
        address: address.map(str::to_owned),
        ..IncidentLocation::default()
    };
    if let Some(p) = shared {
        match units.locate(p.lat, p.lon) {
            Ok(Location::Inside {
                boundary_distance_m,
                near_boundary,
                ..
            }) => {
                out.near_boundary = near_boundary;
                out.boundary_distance_m = Some(boundary_distance_m.round());
            }
            Ok(Location::Snapped { distance_m, .. }) => {
                out.near_boundary = true;
                out.boundary_distance_m = Some(distance_m.round());
            }
            Ok(Location::Outside) | Err(_) => {}
        }
    }
    let r = units.resolve_at(address.unwrap_or(""), shared);
    if r.candidates.is_empty() {
        return out;
    }
    if r.gps_used {
        out.point_source = Some(point_source_code(PointSource::Gps).to_owned());
    }
    match r.assigned() {
        Some(unit) => {
            out.unit_code = Some(unit.code.clone());
            let top = &r.candidates[0];
            if out.point.is_none() && top.point.source != PointSource::UnitCentre {
                out.point = Some(GeoPoint::new(top.point.lat, top.point.lon));
                out.point_source = Some(point_source_code(top.point.source).to_owned());
            }
            if let Some(e) = top.evidence.first() {
                if matches!(e.kind, EvidenceKind::OldUnit | EvidenceKind::OldDistrict) {
                    out.resolved_from_old_name = Some(format!("{} → {}", e.label, unit.full_name));
                }
            }
            if r.candidates.len() > 1 {
                out.unit_candidates = unit_candidates(&r);
            }
        }
        None => {
            out.unit_uncertain = true;
            out.unit_candidates = unit_candidates(&r);
        }
    }
    out
}
