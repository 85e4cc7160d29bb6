//! Finding streets, places and units by name for the map's search box, and the street lines
//! of a map view simplified for its zoom: what lets an operator find an address on a map
//! without a tile server.

use serde::Serialize;

use super::gazetteer::Street;
use super::geometry::{LatLon, Position, Scale};
use super::UnitDirectory;
use crate::text::fold;

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// A commune-level unit.
    Unit,
    /// A named place.
    Place,
    /// A street.
    Street,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    /// What it is.
    pub kind: HitKind,
    /// Its name, e.g. "Phố Kim Mã", "Bệnh viện Bạch Mai", "Phường Kim Liên".
    pub name: String,
    /// The units it lies in (codes), best first.
    pub units: Vec<String>,
    /// Where to put the map, when known.
    pub point: Option<LatLon>,
}

/// How well a folded name matches a folded query: the whole name, its start, the start of
/// one of its words; `None` otherwise.
fn rank(name: &str, query: &str) -> Option<u8> {
    if name == query {
        Some(0)
    } else if name.starts_with(query) {
        Some(1)
    } else if name.contains(&format!(" {query}")) {
        Some(2)
    } else {
        None
    }
}

impl UnitDirectory {
    /// Streets, places and units whose name (diacritics and case ignored) is the query,
    /// starts with it, or has a word starting with it; best first, at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let q = fold(query);
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut hits: Vec<(u8, HitKind, usize, SearchHit)> = Vec::new();
        for unit in &self.units {
            if let Some(r) =
                rank(&fold(&unit.name), &q).or_else(|| rank(&fold(&unit.full_name), &q))
            {
                hits.push((
                    r,
                    HitKind::Unit,
                    unit.full_name.len(),
                    SearchHit {
                        kind: HitKind::Unit,
                        name: unit.full_name.clone(),
                        units: vec![unit.code.clone()],
                        point: Some(unit.label),
                    },
                ));
            }
        }
        for place in &self.gazetteer.places {
            if let Some(r) = rank(&fold(&place.name), &q) {
                hits.push((
                    r,
                    HitKind::Place,
                    place.name.len(),
                    SearchHit {
                        kind: HitKind::Place,
                        name: place.name.clone(),
                        units: vec![self.units[place.unit].code.clone()],
                        point: Some(place.point),
                    },
                ));
            }
        }
        for street in &self.gazetteer.streets {
            let r = std::iter::once(&street.name)
                .chain(&street.alt_names)
                .chain(std::iter::once(&street.full_name))
                .filter_map(|n| rank(&fold(n), &q))
                .min();
            if let Some(r) = r {
                hits.push((
                    r,
                    HitKind::Street,
                    street.full_name.len(),
                    SearchHit {
                        kind: HitKind::Street,
                        name: street.full_name.clone(),
                        units: self.street_units(street).map(|u| u.code.clone()).collect(),
                        point: street.point,
                    },
                ));
            }
        }
        hits.sort_by_key(|h| (h.0, h.1, h.2));
        hits.into_iter().take(limit).map(|(_, _, _, h)| h).collect()
    }

    /// The streets with a line that meets the box `[min lon, min lat, max lon, max lat]`,
    /// with their lines simplified to `tolerance_m` metres (Douglas–Peucker).
    pub fn streets_in(
        &self,
        bbox: [f64; 4],
        tolerance_m: f64,
    ) -> impl Iterator<Item = (&Street, Vec<Vec<Position>>)> + '_ {
        let scale = Scale::at((bbox[1] + bbox[3]) / 2.0);
        self.gazetteer.streets.iter().filter_map(move |s| {
            let b = s.bbox?;
            let meets = b[0] <= bbox[2] && b[2] >= bbox[0] && b[1] <= bbox[3] && b[3] >= bbox[1];
            meets.then(|| {
                let lines = s
                    .lines
                    .iter()
                    .map(|l| simplify(l, tolerance_m, &scale))
                    .collect();
                (s, lines)
            })
        })
    }
}

/// Douglas–Peucker: the line with every vertex dropped that lies within `tolerance_m` of the
/// simplified line; the ends are kept.
pub(crate) fn simplify(line: &[Position], tolerance_m: f64, scale: &Scale) -> Vec<Position> {
    if line.len() <= 2 || tolerance_m <= 0.0 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0, line.len() - 1)];
    let limit = tolerance_m * tolerance_m;
    while let Some((a, b)) = stack.pop() {
        let mut worst = (0.0, a);
        for (i, p) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = scale.dist2_to_segment(*p, line[a], line[b]);
            if d > worst.0 {
                worst = (d, i);
            }
        }
        if worst.0 > limit {
            keep[worst.1] = true;
            stack.push((a, worst.1));
            stack.push((worst.1, b));
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(p, k)| k.then_some(*p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplifying_keeps_the_ends_and_the_corners() {
        let scale = Scale::at(21.0);
        // A nearly straight line with one real corner.
        let line = vec![
            [105.0, 21.0],
            [105.001, 21.000_001],
            [105.002, 21.0],
            [105.002, 21.002],
        ];
        let s = simplify(&line, 5.0, &scale);
        assert_eq!(s, vec![[105.0, 21.0], [105.002, 21.0], [105.002, 21.002]]);
        assert_eq!(simplify(&line, 0.0, &scale), line);
        assert_eq!(simplify(&line[..2], 100.0, &scale), line[..2].to_vec());
    }

    #[test]
    fn names_match_whole_start_or_word() {
        assert_eq!(rank("kim ma", "kim ma"), Some(0));
        assert_eq!(rank("kim ma thuong", "kim ma"), Some(1));
        assert_eq!(rank("pho kim ma", "kim"), Some(2));
        assert_eq!(rank("pho kim ma", "im"), None);
    }
}
