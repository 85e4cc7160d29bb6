//! Jurisdiction and address-resolution throughput on one core, over the reference data in
//! `../shared/data/hanoi` (or the folder named by `BINHYEN_UNITS`).
//!
//! Run with `cargo bench -p domain --bench jurisdiction`. It times `UnitDirectory::locate`
//! (the call the server makes: point-in-polygon, distance to the boundary, neighbour,
//! snapping) and the bare `unit_at` over 1,000,000 points drawn uniformly from the province's
//! bounding box, and `resolve_address` over a mix of old and new addresses. Each measurement
//! is repeated and the median run is reported.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use domain::units::{Location, UnitDirectory};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const POINTS: usize = 1_000_000;
const RUNS: usize = 5;

fn data_dir() -> PathBuf {
    std::env::var_os("BINHYEN_UNITS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/data/hanoi"
            ))
        })
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<F: FnMut() -> usize>(mut f: F) -> (Duration, usize) {
    let mut runs = Vec::with_capacity(RUNS);
    let mut check = 0;
    f(); // warm caches
    for _ in 0..RUNS {
        let start = Instant::now();
        check = f();
        runs.push(start.elapsed());
    }
    (median(runs), check)
}

fn main() {
    let start = Instant::now();
    let units = UnitDirectory::load(&data_dir()).expect("units folder loads");
    let load = start.elapsed();
    let stats = units.grid_stats();
    println!(
        "loaded {} units in {:.1} ms; grid {}x{}: {} inside, {} outside, {} mixed cells ({:.1}% mixed)",
        units.len(),
        load.as_secs_f64() * 1e3,
        stats.cols,
        stats.rows,
        stats.inside,
        stats.outside,
        stats.mixed,
        100.0 * stats.mixed as f64 / (stats.cols * stats.rows) as f64
    );

    let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) =
        (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for u in units.units() {
        for p in u.geometry.rings().flatten() {
            min_lon = min_lon.min(p[0]);
            max_lon = max_lon.max(p[0]);
            min_lat = min_lat.min(p[1]);
            max_lat = max_lat.max(p[1]);
        }
    }
    let mut rng = StdRng::seed_from_u64(2025);
    let points: Vec<(f64, f64)> = (0..POINTS)
        .map(|_| {
            (
                rng.gen_range(min_lat..max_lat),
                rng.gen_range(min_lon..max_lon),
            )
        })
        .collect();

    let (elapsed, inside) = time(|| {
        let mut inside = 0;
        for &(lat, lon) in &points {
            if let Ok(Location::Inside { .. }) =
                black_box(units.locate(black_box(lat), black_box(lon)))
            {
                inside += 1;
            }
        }
        inside
    });
    println!(
        "locate:   {:>10.0} lookups/s ({:.0} ns each; {} of {} points inside a unit)",
        POINTS as f64 / elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / POINTS as f64,
        inside,
        POINTS
    );

    let (elapsed, hits) = time(|| {
        points
            .iter()
            .filter(|&&(lat, lon)| {
                matches!(
                    black_box(units.unit_at(black_box(lat), black_box(lon))),
                    Ok(Some(_))
                )
            })
            .count()
    });
    println!(
        "unit_at:  {:>10.0} lookups/s ({:.0} ns each; {} hits)",
        POINTS as f64 / elapsed.as_secs_f64(),
        elapsed.as_nanos() as f64 / POINTS as f64,
        hits
    );

    let addresses = [
        "số 12 phố Trúc Bạch, phường Trúc Bạch, quận Ba Đình, Hà Nội",
        "phường Cống Vị, quận Ba Đình",
        "cong vi ba dinh",
        "P. Kim Mã Q. Ba Đình",
        "Số 2, phố Trúc Bạch, phường Ba Đình",
        "xã Thanh Xuân, huyện Sóc Sơn",
        "phuong mai dong da",
        "Văn Miếu - Quốc Tử Giám",
        "ngõ 5 Láng Hạ, Đống Đa, Hà Nội",
        "quận Hoàn Kiếm",
        "thôn 3, xã Bát Tràng, huyện Gia Lâm, thành phố Hà Nội",
        "không có địa chỉ nào ở đây",
    ];
    let calls = 20_000;
    let (elapsed, found) = time(|| {
        let mut found = 0;
        for i in 0..calls {
            found +=
                black_box(units.resolve_address(black_box(addresses[i % addresses.len()]))).len();
        }
        found
    });
    println!(
        "resolve_address: {:>7.0} calls/s ({:.1} µs each; {} candidates per run)",
        calls as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / calls as f64,
        found
    );
}
