//! Boundaries for maps: GeoJSON features with geometry simplified by Douglas–Peucker.
//!
//! Simplification is for display only; lookups always use the full-resolution polygons.
//! Neighbouring units share their boundary vertex for vertex, so each ring is cut at the
//! vertices where the set of units sharing the boundary changes (junctions), and each piece
//! is simplified on its own. Both neighbours then simplify the same piece of shared boundary
//! in the same way and the simplified map has no new slivers or overlaps along shared edges.

use std::collections::HashMap;

use serde_json::{json, Value};

use super::geometry::{Geometry, Position, Scale};
use super::{Unit, UnitDirectory, UnitsError};

/// How to draw boundaries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DisplayOptions {
    /// Douglas–Peucker tolerance in metres: vertices closer than this to the simplified line
    /// are dropped. 0 keeps every vertex. Default 15 m.
    pub tolerance_m: f64,
}

impl Default for DisplayOptions {
    fn default() -> Self {
        DisplayOptions { tolerance_m: 15.0 }
    }
}

/// For each unit, ring by ring, which vertices must be kept (junctions between neighbours).
#[derive(Debug)]
pub(crate) struct Topology {
    pinned: Vec<Vec<Vec<bool>>>,
    scale: Scale,
}

fn vertex_key(p: Position) -> (i64, i64) {
    ((p[0] * 1e7).round() as i64, (p[1] * 1e7).round() as i64)
}

impl Topology {
    pub fn build(geometries: &[&Geometry]) -> Topology {
        let mut owners: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        let mut lat_sum = 0.0;
        let mut n = 0usize;
        for (u, g) in geometries.iter().enumerate() {
            for ring in g.rings() {
                for p in &ring[..ring.len() - 1] {
                    let list = owners.entry(vertex_key(*p)).or_default();
                    if !list.contains(&(u as u32)) {
                        list.push(u as u32);
                    }
                    lat_sum += p[1];
                    n += 1;
                }
            }
        }
        for list in owners.values_mut() {
            list.sort_unstable();
        }
        let pinned = geometries
            .iter()
            .map(|g| {
                g.rings()
                    .map(|ring| {
                        let open = &ring[..ring.len() - 1];
                        let sets: Vec<&Vec<u32>> =
                            open.iter().map(|p| &owners[&vertex_key(*p)]).collect();
                        let k = open.len();
                        let mut pins: Vec<bool> = (0..k)
                            .map(|i| {
                                sets[i] != sets[(i + k - 1) % k] || sets[i] != sets[(i + 1) % k]
                            })
                            .collect();
                        if !pins.iter().any(|p| *p) {
                            // No junction: pin the smallest vertex, which every ring sharing
                            // this whole boundary also picks.
                            let first = (0..k)
                                .min_by_key(|i| vertex_key(open[*i]))
                                .unwrap_or_default();
                            if let Some(pin) = pins.get_mut(first) {
                                *pin = true;
                            }
                        }
                        pins
                    })
                    .collect()
            })
            .collect();
        let mean_lat = if n == 0 { 0.0 } else { lat_sum / n as f64 };
        Topology {
            pinned,
            scale: Scale::at(mean_lat),
        }
    }

    fn simplify_ring(&self, ring: &[Position], pins: &[bool], tolerance_m: f64) -> Vec<Position> {
        if tolerance_m <= 0.0 {
            return ring.to_vec();
        }
        let open = &ring[..ring.len() - 1];
        let k = open.len();
        let Some(first_pin) = pins.iter().position(|p| *p) else {
            return ring.to_vec();
        };
        let mut keep = vec![false; k];
        // Walk the ring from one pin to the next (cyclically) and simplify each run.
        let mut start = first_pin;
        loop {
            let mut end = (start + 1) % k;
            while !pins[end] {
                end = (end + 1) % k;
            }
            let run: Vec<usize> = if end > start {
                (start..=end).collect()
            } else {
                (start..k).chain(0..=end).collect()
            };
            keep[start] = true;
            self.douglas_peucker(open, &run, tolerance_m, &mut keep);
            start = end;
            if start == first_pin {
                break;
            }
        }
        let mut out: Vec<Position> = (0..k)
            .map(|j| (first_pin + j) % k)
            .filter(|i| keep[*i])
            .map(|i| open[i])
            .collect();
        if out.len() < 3 {
            return ring.to_vec();
        }
        out.push(out[0]);
        out
    }

    /// Marks in `keep` the vertices of `run` (indices into `points`) that Douglas–Peucker
    /// keeps; the run's end points are always kept.
    fn douglas_peucker(&self, points: &[Position], run: &[usize], tol: f64, keep: &mut [bool]) {
        let tol2 = tol * tol;
        let mut stack = vec![(0usize, run.len() - 1)];
        keep[run[0]] = true;
        keep[run[run.len() - 1]] = true;
        while let Some((a, b)) = stack.pop() {
            if b <= a + 1 {
                continue;
            }
            let (pa, pb) = (points[run[a]], points[run[b]]);
            let mut far = (a, 0.0);
            for (i, &v) in run.iter().enumerate().take(b).skip(a + 1) {
                let d2 = self.scale.dist2_to_segment(points[v], pa, pb);
                if d2 > far.1 {
                    far = (i, d2);
                }
            }
            // A closed run (a == b in space) always splits, so it keeps some area.
            if far.1 > tol2 || (pa == pb && far.0 != a) {
                keep[run[far.0]] = true;
                stack.push((a, far.0));
                stack.push((far.0, b));
            }
        }
    }

    fn simplified(&self, unit: usize, geometry: &Geometry, tolerance_m: f64) -> Value {
        let mut ring_pins = self.pinned[unit].iter();
        let polygons: Vec<Value> = geometry
            .polygons
            .iter()
            .map(|polygon| {
                let rings: Vec<Value> = polygon
                    .rings()
                    .map(|ring| {
                        let pins = ring_pins.next().map(Vec::as_slice).unwrap_or(&[]);
                        let simplified = if pins.len() + 1 == ring.len() {
                            self.simplify_ring(ring, pins, tolerance_m)
                        } else {
                            ring.clone()
                        };
                        Value::Array(simplified.iter().map(|p| position_json(*p)).collect())
                    })
                    .collect();
                Value::Array(rings)
            })
            .collect();
        if polygons.len() == 1 {
            json!({"type": "Polygon", "coordinates": polygons[0]})
        } else {
            json!({"type": "MultiPolygon", "coordinates": polygons})
        }
    }
}

/// Six decimals (about 0.1 m) is more than the data's accuracy and keeps the JSON small.
fn position_json(p: Position) -> Value {
    let round = |v: f64| (v * 1e6).round() / 1e6;
    json!([round(p[0]), round(p[1])])
}

fn feature_json(unit: &Unit, geometry: Value) -> Value {
    json!({
        "type": "Feature",
        "properties": {
            "code": unit.code,
            "name": unit.name,
            "full_name": unit.full_name,
            "kind": unit.kind_label,
        },
        "geometry": geometry,
    })
}

impl UnitDirectory {
    /// One unit's boundary as a GeoJSON Feature with properties `code`, `name`,
    /// `full_name` and `kind`, simplified for display.
    pub fn feature(&self, code: &str, options: &DisplayOptions) -> Result<Value, UnitsError> {
        let u = self.index_of(code)?;
        let unit = &self.units[u];
        Ok(feature_json(
            unit,
            self.topology
                .simplified(u, &unit.geometry, options.tolerance_m),
        ))
    }

    /// Every unit's boundary as one GeoJSON FeatureCollection, in directory order.
    pub fn feature_collection(&self, options: &DisplayOptions) -> Value {
        let features: Vec<Value> = self
            .units
            .iter()
            .enumerate()
            .map(|(u, unit)| {
                feature_json(
                    unit,
                    self.topology
                        .simplified(u, &unit.geometry, options.tolerance_m),
                )
            })
            .collect();
        json!({"type": "FeatureCollection", "features": features})
    }
}

#[cfg(test)]
mod tests {
    use super::super::geometry::Polygon;
    use super::*;

    /// A wiggly shared edge between two squares: both sides must simplify it identically.
    fn two_units() -> Vec<Geometry> {
        let shared: Vec<Position> = (0..=20)
            .map(|i| {
                let y = 10.0 + 0.005 * i as f64;
                let wiggle = if i % 2 == 0 { 0.0 } else { 0.00001 };
                [106.1 + wiggle, y]
            })
            .collect();
        let mut west = vec![[106.0, 10.0]];
        west.extend(shared.iter().copied());
        west.push([106.0, 10.1]);
        west.push([106.0, 10.0]);
        let mut east: Vec<Position> = shared.iter().rev().copied().collect();
        east.push([106.2, 10.0]);
        east.insert(0, [106.2, 10.1]);
        east.push([106.2, 10.1]);
        vec![
            Geometry {
                polygons: vec![Polygon {
                    exterior: west,
                    holes: vec![],
                }],
            },
            Geometry {
                polygons: vec![Polygon {
                    exterior: east,
                    holes: vec![],
                }],
            },
        ]
    }

    fn interior_vertices(v: &Value) -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = v["coordinates"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| vertex_key([p[0].as_f64().unwrap(), p[1].as_f64().unwrap()]))
            .filter(|(x, _)| *x > 1_060_000_000 + 500_000 && *x < 1_060_000_000 + 1_500_000)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn shared_edges_simplify_identically_and_drop_wiggles() {
        let geoms = two_units();
        for g in &geoms {
            g.validate().unwrap();
        }
        let refs: Vec<&Geometry> = geoms.iter().collect();
        let topo = Topology::build(&refs);
        let west = topo.simplified(0, &geoms[0], 5.0);
        let east = topo.simplified(1, &geoms[1], 5.0);
        let (w, e) = (interior_vertices(&west), interior_vertices(&east));
        assert_eq!(w, e);
        // The 1 m wiggles are gone: only the two ends of the shared edge remain.
        assert_eq!(w.len(), 2, "{w:?}");
        // Tolerance 0 keeps everything.
        let full = topo.simplified(0, &geoms[0], 0.0);
        assert_eq!(
            full["coordinates"][0].as_array().unwrap().len(),
            geoms[0].polygons[0].exterior.len()
        );
    }

    #[test]
    fn simplified_ring_stays_closed_and_large_enough() {
        let geoms = two_units();
        let refs: Vec<&Geometry> = geoms.iter().collect();
        let topo = Topology::build(&refs);
        let v = topo.simplified(0, &geoms[0], 1e6);
        let ring = v["coordinates"][0].as_array().unwrap();
        assert!(ring.len() >= 4);
        assert_eq!(ring.first(), ring.last());
    }
}
