//! Dividing units among inspection working groups: equal counts, balanced workload, and
//! geographically compact groups.
//!
//! Method ("angular sectors"):
//! 1. Take the centroid of the units' centres (mean latitude and longitude).
//! 2. Sort the units by the angle of their centre around the centroid (longitude differences
//!    scaled by cos(latitude) so that angles are true on the ground), ties by code.
//! 3. Cut the circular sequence into `groups` contiguous runs: the first `n mod groups` runs
//!    get `⌈n/groups⌉` units, the others `⌊n/groups⌋`, so sizes differ by at most one. Each
//!    run is an angular sector (a wedge of the city), which keeps a group's units together.
//! 4. Try every starting position on the circle and keep the one whose heaviest and lightest
//!    group differ least in workload (population unless a workload is given); ties go to the
//!    earliest start, so the result is deterministic.
//!
//! Wedges meet at the centre, so central units of small area may go to any group; for a city
//! with a dense core (Hanoi) that is acceptable because the core units are close to each other
//! and to the headquarters. Units without valid coordinates are placed after all others.

use serde::{Deserialize, Serialize};

/// A unit to assign: code, centre and workload indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitRef {
    /// Unit code.
    pub code: String,
    /// Latitude of the unit's centre or headquarters.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Population of the unit's area.
    pub population: u64,
    /// Explicit workload weight (e.g. open findings, incidents last year); population is used
    /// when absent.
    pub workload: Option<f64>,
}

impl UnitRef {
    /// The weight used for balancing: `workload` if given and finite and non-negative,
    /// otherwise the population.
    pub fn weight(&self) -> f64 {
        match self.workload {
            Some(w) if w.is_finite() && w >= 0.0 => w,
            _ => self.population as f64,
        }
    }

    fn has_position(&self) -> bool {
        self.lat.is_finite() && self.lon.is_finite()
    }
}

/// Splits `units` into `groups` lists of unit codes (see the module documentation). Returns an
/// empty list when `groups` is 0; with more groups than units, some groups are empty.
pub fn balance_assignment(units: &[UnitRef], groups: usize) -> Vec<Vec<String>> {
    if groups == 0 {
        return Vec::new();
    }
    let n = units.len();
    if n == 0 {
        return vec![Vec::new(); groups];
    }
    let placed: Vec<&UnitRef> = units.iter().filter(|u| u.has_position()).collect();
    let (clat, clon) = if placed.is_empty() {
        (0.0, 0.0)
    } else {
        let k = placed.len() as f64;
        (
            placed.iter().map(|u| u.lat).sum::<f64>() / k,
            placed.iter().map(|u| u.lon).sum::<f64>() / k,
        )
    };
    let scale = clat.to_radians().cos();
    let mut order: Vec<(f64, &UnitRef)> = units
        .iter()
        .map(|u| {
            let angle = if u.has_position() {
                (u.lat - clat).atan2((u.lon - clon) * scale)
            } else {
                f64::INFINITY
            };
            (angle, u)
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.code.cmp(&b.1.code)));

    let q = n / groups;
    let r = n % groups;
    let sizes: Vec<usize> = (0..groups).map(|k| q + usize::from(k < r)).collect();
    // Prefix sums over the doubled circle: load of run [s, s+len) = pre[s+len] − pre[s].
    let mut pre = vec![0.0f64; 2 * n + 1];
    for i in 0..2 * n {
        pre[i + 1] = pre[i] + order[i % n].1.weight();
    }
    let mut best_start = 0;
    let mut best_spread = f64::INFINITY;
    for s in 0..n {
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut at = s;
        for &len in &sizes {
            let load = pre[at + len] - pre[at];
            lo = lo.min(load);
            hi = hi.max(load);
            at += len;
        }
        let spread = hi - lo;
        if spread < best_spread {
            best_spread = spread;
            best_start = s;
        }
    }
    let mut out = Vec::with_capacity(groups);
    let mut at = best_start;
    for &len in &sizes {
        out.push(
            (at..at + len)
                .map(|i| order[i % n].1.code.clone())
                .collect(),
        );
        at += len;
    }
    out
}

/// The workload of each group of an assignment (codes not found in `units` weigh nothing).
pub fn group_loads(units: &[UnitRef], assignment: &[Vec<String>]) -> Vec<f64> {
    let by_code: std::collections::HashMap<&str, f64> = units
        .iter()
        .map(|u| (u.code.as_str(), u.weight()))
        .collect();
    assignment
        .iter()
        .map(|g| {
            g.iter()
                .map(|c| by_code.get(c.as_str()).copied().unwrap_or(0.0))
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn synthetic(n: usize) -> Vec<UnitRef> {
        // A deterministic scatter around Hanoi with uneven populations.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        (0..n)
            .map(|i| UnitRef {
                code: format!("{:05}", i * 3 + 4),
                lat: 21.0 + (next() % 10_000) as f64 / 20_000.0 - 0.25,
                lon: 105.8 + (next() % 10_000) as f64 / 20_000.0 - 0.25,
                population: 20_000 + next() % 100_000,
                workload: None,
            })
            .collect()
    }

    #[test]
    fn seven_groups_over_126_units() {
        let units = synthetic(126);
        let groups = balance_assignment(&units, 7);
        assert_eq!(groups.len(), 7);
        assert!(groups.iter().all(|g| g.len() == 18));
        let mut all: Vec<&String> = groups.iter().flatten().collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 126);
        // Balancing by rotation does at least as well as the first rotation.
        let loads = group_loads(&units, &groups);
        let spread = |l: &[f64]| {
            l.iter().cloned().fold(f64::MIN, f64::max) - l.iter().cloned().fold(f64::MAX, f64::min)
        };
        let total: f64 = loads.iter().sum();
        assert!(spread(&loads) < total / 7.0, "loads {loads:?}");
    }

    #[test]
    fn sizes_and_edge_cases() {
        let units = synthetic(10);
        let g = balance_assignment(&units, 3);
        let sizes: Vec<usize> = g.iter().map(Vec::len).collect();
        assert_eq!(sizes, [4, 3, 3]);
        assert!(balance_assignment(&units, 0).is_empty());
        let g = balance_assignment(&units[..2], 4);
        assert_eq!(g.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1, 0, 0]);
        assert_eq!(balance_assignment(&[], 2), vec![Vec::<String>::new(); 2]);
        let mut odd = synthetic(5);
        odd[0].lat = f64::NAN;
        odd[1].workload = Some(f64::NAN);
        let g = balance_assignment(&odd, 2);
        assert_eq!(g.iter().map(Vec::len).sum::<usize>(), 5);
    }

    #[test]
    fn sectors_are_compact() {
        // Units on a circle: each group must be a run of consecutive angles.
        let units: Vec<UnitRef> = (0..12)
            .map(|i| {
                let a = i as f64 * std::f64::consts::TAU / 12.0;
                UnitRef {
                    code: format!("u{i:02}"),
                    lat: 21.0 + 0.1 * a.sin(),
                    lon: 105.8 + 0.1 * a.cos() / 21f64.to_radians().cos(),
                    population: 1000,
                    workload: None,
                }
            })
            .collect();
        let groups = balance_assignment(&units, 4);
        for g in &groups {
            let mut idx: Vec<i32> = g.iter().map(|c| c[1..].parse().unwrap()).collect();
            idx.sort();
            // Three consecutive positions modulo 12.
            let ok = (0..12).any(|s| {
                let mut want: Vec<i32> = (0..3).map(|k| (s + k) % 12).collect();
                want.sort();
                want == idx
            });
            assert!(ok, "group {g:?} is not a contiguous sector");
        }
    }

    #[test]
    fn real_hanoi_units_if_available() {
        let dir = std::env::var("BINHYEN_UNITS").unwrap_or_else(|_| {
            concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/hanoi").to_owned()
        });
        let path = std::path::Path::new(&dir).join("units.csv");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("skipping: {} not found", path.display());
            return;
        };
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr.headers().unwrap().clone();
        let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let (c_code, c_lat, c_lon, c_pop) = (
            col("code"),
            col("center_lat"),
            col("center_lon"),
            col("population"),
        );
        let units: Vec<UnitRef> = rdr
            .records()
            .map(|r| {
                let r = r.unwrap();
                UnitRef {
                    code: r[c_code].to_owned(),
                    lat: r[c_lat].parse().unwrap_or(f64::NAN),
                    lon: r[c_lon].parse().unwrap_or(f64::NAN),
                    population: r[c_pop].parse().unwrap_or(0),
                    workload: None,
                }
            })
            .collect();
        assert_eq!(units.len(), 126);
        let groups = balance_assignment(&units, 7);
        assert!(groups.iter().all(|g| g.len() == 18));
        let loads = group_loads(&units, &groups);
        let mean = loads.iter().sum::<f64>() / 7.0;
        let max = loads.iter().cloned().fold(0.0, f64::max);
        eprintln!(
            "hanoi loads / mean: {:?}",
            loads.iter().map(|l| l / mean).collect::<Vec<_>>()
        );
        assert!(max < 1.6 * mean, "loads {loads:?}");
    }

    proptest! {
        #[test]
        fn sizes_differ_by_at_most_one(n in 0usize..200, g in 1usize..20, seed in 0u64..1000) {
            let mut units = synthetic(n);
            for (i, u) in units.iter_mut().enumerate() {
                u.population = (seed * 7919 + i as u64 * 104_729) % 50_000;
            }
            let out = balance_assignment(&units, g);
            prop_assert_eq!(out.len(), g);
            let lens: Vec<usize> = out.iter().map(Vec::len).collect();
            let max = *lens.iter().max().unwrap();
            let min = *lens.iter().min().unwrap();
            prop_assert!(max - min <= 1);
            prop_assert_eq!(lens.iter().sum::<usize>(), n);
            let mut codes: Vec<&String> = out.iter().flatten().collect();
            codes.sort();
            codes.dedup();
            prop_assert_eq!(codes.len(), n);
        }
    }
}
