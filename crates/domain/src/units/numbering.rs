//! Where a house number lies along its street.
//!
//! Vietnamese streets are numbered from the end nearer the city centre outwards, odd numbers on
//! the left and even on the right (the national rules for numbering houses). A number therefore
//! says roughly how far from that end the house is, and on which side. That is enough to tell
//! which of the units a long street runs through holds "số 20 Đội Cấn", or which side of a
//! street that is itself a boundary. It is an estimate: lots differ in width, and a street's
//! line in the data may be partial. The resolver uses it to order candidates, never to assign a
//! unit by itself.
//!
//! The centre is read from the data rather than configured: the old core of a city is where its
//! named streets are densest, so it is the middle of the densest square kilometre of street
//! lines (without lines: the mean label point of the smallest tenth of the units). A street
//! whose two ends lie at about the same distance from the centre has no "nearer end", and gets
//! no estimate.

use super::geometry::{LatLon, Position, Scale};
use super::Unit;

/// Metres of street per house number: the low, likely and high reading (a number n is about
/// n/2 lots along its side; lots run from 3 to 10 metres).
const METRES_PER_NUMBER: [f64; 3] = [1.5, 3.0, 5.0];
/// Added on both sides of the window, metres.
const SLACK_M: f64 = 40.0;
/// Spacing of the points sampled along the street, metres.
const SAMPLE_M: f64 = 15.0;
/// How far to the numbered side a sample is moved, metres: beyond the middle of the road, not
/// past the first row of houses.
const SIDE_OFFSET_M: f64 = 15.0;
/// The nearer end must be nearer the centre by this share of the street's length.
const MIN_RADIAL: f64 = 0.25;
/// Shortest street worth an estimate, metres.
const MIN_LENGTH_M: f64 = 100.0;
/// Largest house number read as a position (past it, the number is likely something else).
pub(crate) const MAX_NUMBER: u32 = 3000;

/// The stretch of a street where a house number lies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stretch {
    /// Likely distance from the numbered end, metres (clamped to the street's length).
    pub at_m: f64,
    /// The street's point at that distance, on the number's side.
    pub point: LatLon,
    /// Points on the number's side of the street inside the window.
    pub samples: Vec<LatLon>,
}

/// The urban core of a province: the mean label point of its smallest units (by area).
pub(crate) fn urban_core(units: &[Unit]) -> Option<LatLon> {
    let mut areas: Vec<(f64, LatLon)> = units
        .iter()
        .filter_map(|u| {
            let area = u.area_km2.filter(|a| *a > 0.0).or_else(|| {
                let a = polygon_area_km2(u.geometry.rings());
                (a > 0.0).then_some(a)
            })?;
            Some((area, u.label))
        })
        .collect();
    if areas.is_empty() {
        return None;
    }
    areas.sort_by(|a, b| a.0.total_cmp(&b.0));
    let take = (areas.len() / 10).max(1).min(areas.len());
    let n = take as f64;
    let (lat, lon) = areas[..take]
        .iter()
        .fold((0.0, 0.0), |(la, lo), (_, p)| (la + p.lat, lo + p.lon));
    Some(LatLon {
        lat: lat / n,
        lon: lon / n,
    })
}

/// Size of the grid cells in which street density is counted, degrees (about a kilometre).
const CELL_DEG: f64 = 0.01;

/// The middle of the densest part of the street network: the cell of [`CELL_DEG`] with the most
/// street length, and the length-weighted mean of the segments in it and around it.
pub(crate) fn street_core<'a>(lines: impl Iterator<Item = &'a Vec<Position>>) -> Option<LatLon> {
    use std::collections::HashMap;
    let cell = |p: Position| {
        (
            (p[0] / CELL_DEG).floor() as i64,
            (p[1] / CELL_DEG).floor() as i64,
        )
    };
    // Per segment: its middle and length (metres).
    let mut segments: Vec<(Position, f64)> = Vec::new();
    for part in lines {
        for w in part.windows(2) {
            let mid = [(w[0][0] + w[1][0]) / 2.0, (w[0][1] + w[1][1]) / 2.0];
            let s = Scale::at(mid[1]);
            let len = (((w[1][0] - w[0][0]) * s.kx).powi(2) + ((w[1][1] - w[0][1]) * s.ky).powi(2))
                .sqrt();
            segments.push((mid, len));
        }
    }
    let mut density: HashMap<(i64, i64), f64> = HashMap::new();
    for &(mid, len) in &segments {
        *density.entry(cell(mid)).or_default() += len;
    }
    let (&(cx, cy), _) = density
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))?;
    let (mut lat, mut lon, mut weight) = (0.0, 0.0, 0.0);
    for &(mid, len) in &segments {
        let (x, y) = cell(mid);
        if (x - cx).abs() <= 1 && (y - cy).abs() <= 1 {
            lat += mid[1] * len;
            lon += mid[0] * len;
            weight += len;
        }
    }
    (weight > 0.0).then(|| LatLon {
        lat: lat / weight,
        lon: lon / weight,
    })
}

/// Area of rings in km² (holes counted as land: close enough to rank units by size).
fn polygon_area_km2<'a>(rings: impl Iterator<Item = &'a Vec<Position>>) -> f64 {
    let mut total = 0.0;
    for ring in rings {
        let Some(first) = ring.first() else { continue };
        let s = Scale::at(first[1]);
        let twice: f64 = ring
            .windows(2)
            .map(|w| {
                let (x0, y0) = ((w[0][0] - first[0]) * s.kx, (w[0][1] - first[1]) * s.ky);
                let (x1, y1) = ((w[1][0] - first[0]) * s.kx, (w[1][1] - first[1]) * s.ky);
                x0 * y1 - x1 * y0
            })
            .sum();
        total += twice.abs() / 2.0;
    }
    total / 1e6
}

/// Where house `number` lies along a street drawn by `lines`, numbered away from `core`.
/// `None` when the street is too short, has no nearer end, or the number lies past its end.
pub(crate) fn stretch(lines: &[Vec<Position>], core: LatLon, number: u32) -> Option<Stretch> {
    if number == 0 || number > MAX_NUMBER {
        return None;
    }
    let s = Scale::at(core.lat);
    // Local metres around the core: x east, y north.
    let xy = |p: Position| ((p[0] - core.lon) * s.kx, (p[1] - core.lat) * s.ky);
    let to_ll = |(x, y): (f64, f64)| LatLon {
        lat: core.lat + y / s.ky,
        lon: core.lon + x / s.kx,
    };
    let vertices: Vec<(f64, f64)> = lines.iter().flatten().map(|&p| xy(p)).collect();
    let first = *vertices.first()?;
    let d2 = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2);
    let farthest = |from: (f64, f64)| {
        vertices
            .iter()
            .copied()
            .max_by(|a, b| d2(*a, from).total_cmp(&d2(*b, from)))
    };
    // The two ends: the vertex farthest from any vertex, and the one farthest from it.
    let a = farthest(first)?;
    let b = farthest(a)?;
    let length = d2(a, b).sqrt();
    if length < MIN_LENGTH_M {
        return None;
    }
    let (da, db) = (d2(a, (0.0, 0.0)).sqrt(), d2(b, (0.0, 0.0)).sqrt());
    if (da - db).abs() < MIN_RADIAL * length {
        return None;
    }
    let (start, end) = if da < db { (a, b) } else { (b, a) };
    let dir = ((end.0 - start.0) / length, (end.1 - start.1) / length);
    let along = |p: (f64, f64)| (p.0 - start.0) * dir.0 + (p.1 - start.1) * dir.1;

    let n = f64::from(number);
    let lo = (n * METRES_PER_NUMBER[0] - SLACK_M).max(0.0);
    let hi = (n * METRES_PER_NUMBER[2] + SLACK_M).min(length);
    if lo >= length {
        return None;
    }
    let at_m = (n * METRES_PER_NUMBER[1]).min(length);
    // Odd numbers on the left of the way out, even on the right.
    let side = if number % 2 == 1 { 1.0 } else { -1.0 };

    let mut samples = Vec::new();
    let mut best: Option<(f64, (f64, f64))> = None;
    for part in lines {
        for w in part.windows(2) {
            let (p, q) = (xy(w[0]), xy(w[1]));
            let seg = d2(p, q).sqrt();
            if seg == 0.0 {
                continue;
            }
            // The segment's direction, turned to point away from the numbered end.
            let mut u = ((q.0 - p.0) / seg, (q.1 - p.1) / seg);
            if u.0 * dir.0 + u.1 * dir.1 < 0.0 {
                u = (-u.0, -u.1);
            }
            let left = (-u.1, u.0);
            let steps = (seg / SAMPLE_M).ceil().max(1.0) as usize;
            for k in 0..=steps {
                let t = k as f64 / steps as f64;
                let c = (p.0 + (q.0 - p.0) * t, p.1 + (q.1 - p.1) * t);
                let pos = along(c);
                let moved = (
                    c.0 + side * SIDE_OFFSET_M * left.0,
                    c.1 + side * SIDE_OFFSET_M * left.1,
                );
                if (lo..=hi).contains(&pos) {
                    samples.push(to_ll(moved));
                }
                let off = (pos - at_m).abs();
                if best.is_none_or(|(b, _)| off < b) {
                    best = Some((off, moved));
                }
            }
        }
    }
    let (_, point) = best?;
    if samples.is_empty() {
        return None;
    }
    Some(Stretch {
        at_m,
        point: to_ll(point),
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CORE: LatLon = LatLon {
        lat: 21.0,
        lon: 105.85,
    };

    /// A straight street running east from about 1 km east of the core, `len_m` long.
    fn east_street(len_m: f64) -> Vec<Vec<Position>> {
        let s = Scale::at(CORE.lat);
        let x0 = 1000.0;
        let pts: Vec<Position> = (0..=10)
            .map(|i| {
                let x = x0 + len_m * f64::from(i) / 10.0;
                [CORE.lon + x / s.kx, CORE.lat]
            })
            .collect();
        vec![pts]
    }

    fn east_m(p: LatLon) -> f64 {
        (p.lon - CORE.lon) * Scale::at(CORE.lat).kx
    }

    fn north_m(p: LatLon) -> f64 {
        (p.lat - CORE.lat) * Scale::at(CORE.lat).ky
    }

    #[test]
    fn low_numbers_lie_at_the_end_nearer_the_centre() {
        let street = east_street(2000.0);
        let low = stretch(&street, CORE, 20).unwrap();
        assert!((low.at_m - 60.0).abs() < 1e-9);
        assert!((east_m(low.point) - 1060.0).abs() < SAMPLE_M);
        assert!(low
            .samples
            .iter()
            .all(|p| east_m(*p) <= 1000.0 + 140.0 + 1.0));
        // Drawn in the other direction, the same street is numbered from the same end.
        let mut reversed = street.clone();
        reversed[0].reverse();
        let again = stretch(&reversed, CORE, 20).unwrap();
        assert!((east_m(again.point) - east_m(low.point)).abs() < SAMPLE_M);
        let high = stretch(&street, CORE, 400).unwrap();
        assert!(east_m(high.point) > 2000.0);
    }

    #[test]
    fn odd_numbers_are_on_the_left_of_the_way_out() {
        let street = east_street(2000.0);
        // Going east, the left is north.
        assert!(north_m(stretch(&street, CORE, 21).unwrap().point) > 10.0);
        assert!(north_m(stretch(&street, CORE, 22).unwrap().point) < -10.0);
    }

    #[test]
    fn no_estimate_without_a_nearer_end_or_past_the_end() {
        // A street that circles the core at one distance: no end is nearer.
        let s = Scale::at(CORE.lat);
        let arc: Vec<Position> = (0..=8)
            .map(|i| {
                let a = f64::from(i) * 0.2;
                [
                    CORE.lon + 1500.0 * a.cos() / s.kx,
                    CORE.lat + 1500.0 * a.sin() / s.ky,
                ]
            })
            .collect();
        assert!(stretch(&[arc], CORE, 10).is_none());
        assert!(stretch(&east_street(300.0), CORE, 500).is_none());
        assert!(stretch(&east_street(50.0), CORE, 2).is_none());
        assert!(stretch(&east_street(2000.0), CORE, 0).is_none());
        assert!(stretch(&[], CORE, 10).is_none());
    }
}
