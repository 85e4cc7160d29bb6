//! The units directory against the Hà Nội reference data in `../shared/data/hanoi` (or the
//! folder named by `BINHYEN_UNITS`): loading, jurisdiction of known points, and old ward
//! names from before the 2025 reform; and the simulated water-source registry, every source
//! inside the unit it is filed under.

use std::collections::{BTreeSet, HashMap};

use domain::units::org::PoliceOrganisation;
use domain::units::{
    DisplayOptions, Geometry, Location, MatchReason, Share, UnitDirectory, UnitsError,
};
use domain::water::{generate, WaterKind, WaterStatus};

mod common;
use common::{code_of, data_dir, hanoi};

fn inside_code(lat: f64, lon: f64) -> String {
    match hanoi().locate(lat, lon).unwrap() {
        Location::Inside { unit, .. } => unit.code.clone(),
        other => panic!("({lat}, {lon}) is not inside a unit: {other:?}"),
    }
}

#[test]
fn all_126_units_load_with_unique_codes() {
    let d = hanoi();
    assert_eq!(d.len(), 126);
    assert_eq!(d.province().code, "01");
    assert_eq!(d.province().name, "Thành phố Hà Nội");
    let codes: BTreeSet<&str> = d.units().iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes.len(), 126);
    let phuong = d
        .units()
        .iter()
        .filter(|u| u.kind_label == "phường")
        .count();
    assert_eq!((phuong, 126 - phuong), (51, 75));
    let ba_dinh = d.get("00004").unwrap();
    assert_eq!(ba_dinh.full_name, "Phường Ba Đình");
    assert_eq!(ba_dinh.old_units.len(), 10);
    assert_eq!(ba_dinh.old_units[0].full_name, "Phường Trúc Bạch");
    assert_eq!(
        ba_dinh.old_units[0].district.as_deref(),
        Some("Quận Ba Đình")
    );
    assert_eq!(ba_dinh.old_units[2].share, Share::Partial);
    // PROVENANCE.md says Ba Vì has two parts; the file itself has one multipolygon, Yên Bài.
    let multi: Vec<(&str, usize)> = d
        .units()
        .iter()
        .filter(|u| u.geometry.polygons.len() > 1)
        .map(|u| (u.full_name.as_str(), u.geometry.polygons.len()))
        .collect();
    assert_eq!(multi, [("Xã Yên Bài", 3)]);
}

/// A point inside the geometry found without the code under test: on 200 horizontal lines
/// across the bounding box, the middle of the widest span between two crossings.
fn interior_point(g: &Geometry) -> (f64, f64) {
    let pts = g.rings().flatten();
    let (min_y, max_y) = pts.fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p[1]), hi.max(p[1]))
    });
    let mut best = (0.0, 0.0, f64::MIN);
    for i in 0..200 {
        let y = min_y + (max_y - min_y) * (i as f64 + 0.5) / 200.0;
        let mut xs: Vec<f64> = Vec::new();
        for ring in g.rings() {
            for w in ring.windows(2) {
                let (a, b) = (w[0], w[1]);
                if (a[1] > y) != (b[1] > y) {
                    xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]));
                }
            }
        }
        xs.sort_by(f64::total_cmp);
        for pair in xs.chunks_exact(2) {
            if pair[1] - pair[0] > best.2 {
                best = (y, (pair[0] + pair[1]) / 2.0, pair[1] - pair[0]);
            }
        }
    }
    (best.0, best.1)
}

#[test]
fn an_interior_point_of_every_polygon_maps_back_to_its_unit() {
    let d = hanoi();
    for unit in d.units() {
        let (lat, lon) = interior_point(&unit.geometry);
        assert_eq!(inside_code(lat, lon), unit.code, "{}", unit.full_name);
        assert_eq!(d.unit_at(lat, lon).unwrap().unwrap().code, unit.code);
    }
}

#[test]
fn every_label_point_is_inside_its_unit() {
    // center_lat/center_lon come from another source than the polygons; all 126 agree.
    let d = hanoi();
    for u in d.units() {
        let at = d.unit_at(u.label.lat, u.label.lon).unwrap();
        assert_eq!(at.map(|x| &x.code), Some(&u.code), "{}", u.full_name);
    }
}

#[test]
fn a_point_in_a_gap_between_polygons_snaps_to_the_nearest_unit() {
    // One of the microscopic gaps left between polygons (PROVENANCE: 9 remain), in Sóc Sơn:
    // no polygon contains the point, units surround it, the nearest is about 4 m away.
    let d = hanoi();
    let (lat, lon) = (21.2875681, 105.7410929);
    assert!(d.unit_at(lat, lon).unwrap().is_none());
    for (dlat, dlon) in [(0.003, 0.0), (-0.003, 0.0), (0.0, 0.003), (0.0, -0.003)] {
        assert!(d.unit_at(lat + dlat, lon + dlon).unwrap().is_some());
    }
    match d.locate(lat, lon).unwrap() {
        Location::Snapped { unit, distance_m } => {
            assert_eq!(unit.full_name, "Xã Kim Anh");
            assert!(distance_m > 1.0 && distance_m < 10.0, "{distance_m}");
        }
        other => panic!("{other:?}"),
    }
}

#[derive(Debug, serde::Deserialize)]
struct Place {
    name: String,
    lat: f64,
    lon: f64,
    unit_code: String,
    unit_name: String,
}

#[test]
fn every_place_maps_to_its_listed_unit() {
    let d = hanoi();
    let mut reader = csv::Reader::from_path(data_dir().join("places.csv")).unwrap();
    // The first 60 rows, checked by hand against the polygons; later rows may lie just
    // outside the province.
    let places: Vec<Place> = reader.deserialize().map(Result::unwrap).take(60).collect();
    assert_eq!(places.len(), 60);
    for p in &places {
        let location = d.locate(p.lat, p.lon).unwrap();
        let unit = location
            .unit()
            .unwrap_or_else(|| panic!("{} is outside: {location:?}", p.name));
        assert_eq!(
            (unit.code.as_str(), unit.full_name.as_str()),
            (p.unit_code.as_str(), p.unit_name.as_str()),
            "{} at {}, {}: {location:?}",
            p.name,
            p.lat,
            p.lon
        );
        assert!(matches!(location, Location::Inside { .. }), "{}", p.name);
    }
}

#[test]
fn provenance_point_tests() {
    let cases = [
        (21.0287, 105.8524, "Phường Hoàn Kiếm"), // Hoàn Kiếm lake
        (21.2187, 105.8042, "Xã Nội Bài"),       // Nội Bài airport
        (21.0286, 105.8356, "Phường Văn Miếu - Quốc Tử Giám"), // Văn Miếu
        (21.0368, 105.8347, "Phường Ba Đình"),   // Ba Đình square
        (21.0205, 105.7641, "Phường Từ Liêm"),   // Mỹ Đình national stadium
        (20.9757, 105.9122, "Xã Bát Tràng"),     // Bát Tràng pottery village
        (20.6175, 105.7466, "Xã Hương Sơn"),     // Chùa Hương
        (21.1413, 105.5048, "Phường Sơn Tây"),   // Sơn Tây citadel
        (21.0009, 105.8410, "Phường Kim Liên"),  // Bạch Mai hospital
        (21.0254, 105.8078, "Phường Láng"),      // Nhi Trung ương hospital
    ];
    for (lat, lon, name) in cases {
        assert_eq!(
            inside_code(lat, lon),
            code_of(name),
            "{name} at {lat}, {lon}"
        );
    }
}

#[test]
fn van_mieu_north_west_corner_is_flagged_near_the_boundary() {
    // PROVENANCE: this corner of Văn Miếu falls in Ô Chợ Dừa because of the ±50 m accuracy.
    match hanoi().locate(21.0293, 105.8355).unwrap() {
        Location::Inside {
            unit,
            near_boundary,
            neighbour,
            boundary_distance_m,
        } => {
            assert_eq!(unit.full_name, "Phường Ô Chợ Dừa");
            assert!(near_boundary, "{boundary_distance_m} m");
            assert_eq!(
                neighbour.unwrap().full_name,
                "Phường Văn Miếu - Quốc Tử Giám"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn points_outside_hanoi_are_refused() {
    let d = hanoi();
    let outside = [
        (20.8449, 106.6881), // Hải Phòng
        (10.7769, 106.7009), // Hồ Chí Minh City
        (20.2000, 107.2000), // Gulf of Tonkin
        (0.0, 0.0),
        (21.0, 104.0), // Sơn La side, west of the bounding box
        (21.5, 105.8), // north of the bounding box
    ];
    for (lat, lon) in outside {
        assert_eq!(
            d.locate(lat, lon).unwrap(),
            Location::Outside,
            "{lat}, {lon}"
        );
        assert!(d.unit_at(lat, lon).unwrap().is_none());
    }
    for (lat, lon) in [
        (f64::NAN, 105.85),
        (21.03, f64::NAN),
        (f64::INFINITY, 105.85),
        (21.03, f64::NEG_INFINITY),
        (90.5, 105.85),
        (-91.0, 105.85),
        (21.03, 180.5),
    ] {
        assert!(
            matches!(
                d.locate(lat, lon),
                Err(UnitsError::InvalidCoordinate { .. })
            ),
            "{lat}, {lon}"
        );
    }
}

#[test]
fn points_just_outside_the_outer_edge_snap_and_farther_ones_do_not() {
    let d = hanoi();
    // Walk east from an interior point of the easternmost unit until leaving Hà Nội.
    let east = d
        .units()
        .iter()
        .max_by(|a, b| a.label.lon.total_cmp(&b.label.lon))
        .unwrap();
    let (lat, mut lon) = interior_point(&east.geometry);
    let step = 1.0 / 111_000.0; // about a metre
    while d.unit_at(lat, lon).unwrap().is_some() {
        lon += step;
    }
    // Now just outside, within a metre or two of the edge.
    match d.locate(lat, lon).unwrap() {
        Location::Snapped { unit, distance_m } => {
            assert_eq!(unit.code, east.code);
            assert!(distance_m < 2.0, "{distance_m}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        d.locate(lat, lon + 200.0 * step).unwrap(),
        Location::Outside
    );
}

/// Old units as units.csv lists them, read here without the code under test.
struct OldUnit {
    full_name: String,
    district: String,
    targets: BTreeSet<String>,
}

fn old_units_from_csv() -> Vec<OldUnit> {
    let mut reader = csv::Reader::from_path(data_dir().join("units.csv")).unwrap();
    let mut by_code: HashMap<String, OldUnit> = HashMap::new();
    for row in reader.deserialize::<HashMap<String, String>>() {
        let row = row.unwrap();
        let codes = row["old_unit_codes"].split(';');
        let names = row["old_units"].split("; ");
        for (code, name) in codes.zip(names) {
            let code = code.split(':').next().unwrap().to_owned();
            let name = name.trim_end_matches(" (một phần)");
            let (full_name, district) = name.split_once(" [").unwrap();
            let entry = by_code.entry(code).or_insert_with(|| OldUnit {
                full_name: full_name.to_owned(),
                district: district.trim_end_matches(']').to_owned(),
                targets: BTreeSet::new(),
            });
            entry.targets.insert(row["code"].clone());
        }
    }
    let mut all: Vec<OldUnit> = by_code.into_values().collect();
    all.sort_by(|a, b| {
        a.full_name
            .cmp(&b.full_name)
            .then(a.district.cmp(&b.district))
    });
    all
}

fn split_kind(full: &str) -> (&str, &str) {
    for kind in ["Thị trấn", "Thị xã", "Phường", "Xã", "Quận", "Huyện"] {
        if let Some(rest) = full.strip_prefix(kind) {
            return (kind, rest.trim());
        }
    }
    panic!("no kind word in {full}")
}

fn abbreviation(kind: &str) -> &'static str {
    match kind {
        "Phường" => "P.",
        "Xã" => "X.",
        "Thị trấn" => "TT.",
        "Quận" => "Q.",
        "Huyện" => "H.",
        "Thị xã" => "TX.",
        other => panic!("{other}"),
    }
}

fn top(d: &UnitDirectory, text: &str, k: usize) -> BTreeSet<String> {
    d.resolve_address(text)
        .iter()
        .take(k)
        .map(|m| m.unit.code.clone())
        .collect()
}

/// Every old unit of the mapping (526 in Hà Nội), four ways: full names with diacritics,
/// folded names, abbreviations, and the old ward alone.
#[test]
fn every_old_unit_maps_to_its_new_units() {
    let d = hanoi();
    let olds = old_units_from_csv();
    assert!(olds.len() >= 500, "{}", olds.len());
    let mut checked = 0;
    for old in &olds {
        let (kind, name) = split_kind(&old.full_name);
        let (dkind, dname) = split_kind(&old.district);
        let k = old.targets.len();
        let queries = [
            format!("{}, {}", old.full_name, old.district),
            domain::text::fold(&format!("{name} {dname}")),
            format!(
                "{} {} {} {}",
                abbreviation(kind),
                name,
                abbreviation(dkind),
                dname
            ),
            format!(
                "số 7, ngõ 12, {}, {}, Hà Nội",
                old.full_name.to_lowercase(),
                old.district
            ),
        ];
        for q in &queries {
            let got = top(d, q, k);
            assert_eq!(got, old.targets, "{q:?} → {:?}", d.resolve_address(q));
            let first = &d.resolve_address(q)[0];
            assert!(
                matches!(
                    first.reason,
                    MatchReason::OldUnit {
                        district_given: true,
                        ..
                    }
                ),
                "{q:?}: {:?}",
                first.reason
            );
            checked += 1;
        }
        // Without the district every new unit is still among the candidates.
        let alone = d.resolve_address(&old.full_name);
        let codes: BTreeSet<String> = alone.iter().map(|m| m.unit.code.clone()).collect();
        assert!(
            codes.is_superset(&old.targets),
            "{} → {codes:?}",
            old.full_name
        );
        checked += 1;
    }
    assert!(checked >= 2500);
}

fn codes(text: &str) -> Vec<String> {
    hanoi()
        .resolve_address(text)
        .iter()
        .map(|m| m.unit.full_name.clone())
        .collect()
}

/// Cases checked by hand against units.csv.
#[test]
fn hand_checked_old_names() {
    // Fully merged: Trúc Bạch went whole into Ba Đình.
    assert_eq!(codes("phường Trúc Bạch, quận Ba Đình"), ["Phường Ba Đình"]);
    assert_eq!(
        codes("số 12 phố Trúc Bạch, phường Trúc Bạch, quận Ba Đình, Hà Nội"),
        ["Phường Ba Đình"]
    );
    // Split in two: Cống Vị went partly to Ngọc Hà and partly to Giảng Võ.
    assert_eq!(
        codes("phường Cống Vị, quận Ba Đình"),
        ["Phường Ngọc Hà", "Phường Giảng Võ"]
    );
    assert_eq!(
        codes("cong vi ba dinh"),
        ["Phường Ngọc Hà", "Phường Giảng Võ"]
    );
    // Split in three.
    assert_eq!(
        codes("P. Kim Mã Q. Ba Đình"),
        ["Phường Ba Đình", "Phường Ngọc Hà", "Phường Giảng Võ"]
    );
    // Split, and one part kept the name: that part first.
    assert_eq!(
        codes("phường Ngọc Hà, quận Ba Đình")[..2],
        ["Phường Ngọc Hà", "Phường Ba Đình"]
    );
    assert_eq!(
        codes("Phường Hàng Trống, Quận Hoàn Kiếm"),
        ["Phường Hoàn Kiếm", "Phường Cửa Nam"]
    );
    assert_eq!(codes("Xã Bát Tràng, Huyện Gia Lâm")[0], "Xã Bát Tràng");
    // The same old name in three districts, disambiguated by the district.
    assert_eq!(
        codes("phường Quang Trung, quận Đống Đa"),
        ["Phường Kim Liên", "Phường Đống Đa"]
    );
    assert_eq!(
        codes("phuong quang trung quan ha dong"),
        ["Phường Kiến Hưng", "Phường Hà Đông"]
    );
    assert_eq!(
        codes("xã Quang Trung, huyện Thạch Thất"),
        ["Xã Kiều Phú", "Xã Tây Phương"]
    );
    assert_eq!(codes("Quang Trung").len(), 6);
    assert_eq!(
        codes("phường Minh Khai, quận Hai Bà Trưng"),
        ["Phường Bạch Mai", "Phường Tương Mai"]
    );
    assert_eq!(codes("xa minh khai huyen hoai duc"), ["Xã Dương Hòa"]);
    // An old commune whose name is a new ward elsewhere: the district decides.
    assert_eq!(codes("xã Thanh Xuân, huyện Sóc Sơn")[0], "Xã Nội Bài");
    assert_eq!(codes("phường Thanh Xuân")[0], "Phường Thanh Xuân");
    assert_eq!(
        codes("phường Chương Dương, quận Hoàn Kiếm")[0],
        "Phường Hồng Hà"
    );
    assert_eq!(codes("xã Chương Dương")[0], "Xã Chương Dương");
    assert_eq!(codes("xã Yên Sở, huyện Hoài Đức")[0], "Xã Dương Hòa");
    assert_eq!(codes("phường Yên Sở")[0], "Phường Yên Sở");
    // Old townships.
    assert_eq!(codes("Thị trấn Sóc Sơn, huyện Sóc Sơn"), ["Xã Sóc Sơn"]);
    assert_eq!(codes("TT. Trạm Trôi, H. Hoài Đức"), ["Xã Hoài Đức"]);
    assert_eq!(codes("thi tran chuc son chuong my"), ["Phường Chương Mỹ"]);
    // A one-syllable old ward typed without diacritics, with its district.
    assert_eq!(
        codes("buoi tay ho")[0],
        codes("Phường Bưởi, quận Tây Hồ")[0]
    );
    // Old district alone: every unit that took part of it, the one named like it first.
    let district = codes("quận Ba Đình");
    assert_eq!(district[0], "Phường Ba Đình");
    assert!(district.contains(&"Phường Giảng Võ".to_owned()));
    let m = hanoi().resolve_address("quận Ba Đình");
    assert!(m.iter().all(|m| matches!(
        m.reason,
        MatchReason::OldDistrict {
            district: "Quận Ba Đình"
        }
    )));
}

#[test]
fn new_names_and_addresses_in_the_new_form() {
    assert_eq!(
        codes("Số 2, phố Trúc Bạch, phường Ba Đình")[0],
        "Phường Ba Đình"
    );
    // The old ward of the same name went partly into Ô Chợ Dừa: offered second.
    assert_eq!(
        codes("Văn Miếu - Quốc Tử Giám"),
        ["Phường Văn Miếu - Quốc Tử Giám", "Phường Ô Chợ Dừa"]
    );
    let m = hanoi().resolve_address("Văn Miếu - Quốc Tử Giám");
    assert_eq!(m[0].reason, MatchReason::UnitName);
    assert!(matches!(
        m[1].reason,
        MatchReason::OldUnit {
            district_given: false,
            ..
        }
    ));
    assert_eq!(
        codes("van mieu quoc tu giam")[0],
        "Phường Văn Miếu - Quốc Tử Giám"
    );
    assert_eq!(codes("Phường Láng, Hà Nội"), ["Phường Láng"]);
    assert_eq!(codes("xa noi bai tp ha noi"), ["Xã Nội Bài"]);
    let m = hanoi().resolve_address("P. Hoàn Kiếm");
    assert_eq!(m[0].reason, MatchReason::UnitName);
    assert_eq!(m[0].score, 1.0);
    // A street alone is not a unit.
    assert!(codes("phố Kim Mã").is_empty());
    assert!(codes("đường Láng").is_empty());
    assert!(codes("Hà Nội").is_empty());
}

#[test]
fn display_boundaries_are_simplified_and_complete() {
    let d = hanoi();
    let fc = d.feature_collection(&DisplayOptions::default());
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 126);
    let count = |v: &serde_json::Value| -> usize {
        let polys = if v["geometry"]["type"] == "Polygon" {
            vec![&v["geometry"]["coordinates"]]
        } else {
            v["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .collect()
        };
        polys
            .iter()
            .flat_map(|p| p.as_array().unwrap())
            .map(|r| r.as_array().unwrap().len())
            .sum()
    };
    let simplified: usize = features.iter().map(count).sum();
    let full: usize = d.units().iter().map(|u| u.geometry.vertex_count()).sum();
    assert!(simplified < full, "{simplified} vs {full}");
    let one = d
        .feature("00004", &DisplayOptions { tolerance_m: 0.0 })
        .unwrap();
    assert_eq!(one["properties"]["full_name"], "Phường Ba Đình");
    assert_eq!(one["properties"]["kind"], "phường");
    assert_eq!(count(&one), d.get("00004").unwrap().geometry.vertex_count());
    assert!(d.feature("99999", &DisplayOptions::default()).is_err());
}

#[test]
fn police_organisation_has_one_unit_per_commune() {
    let org = PoliceOrganisation::from_directory(hanoi());
    assert_eq!(org.headquarters.name, "Công an Thành phố Hà Nội");
    assert_eq!(org.communes.len(), 126);
    assert_eq!(org.commune("00004").unwrap().name, "Công an phường Ba Đình");
    let noi_bai = code_of("Xã Nội Bài");
    assert_eq!(org.commune(&noi_bai).unwrap().name, "Công an xã Nội Bài");
    assert!(org.department("PC07").is_some());
}

#[test]
fn every_generated_water_source_lies_in_its_unit_and_a_seed_repeats() {
    let units = hanoi();
    let sources = generate(units, 20, 7);
    assert_eq!(
        sources.len(),
        20 * units.len(),
        "every unit got its sources"
    );
    for (code, s) in &sources {
        let found = match units.locate(s.point.lat, s.point.lon).unwrap() {
            Location::Inside { unit, .. } | Location::Snapped { unit, .. } => unit.code.clone(),
            Location::Outside => panic!("{} is outside the city", s.name),
        };
        assert_eq!(&found, code, "{}", s.name);
        assert!(s
            .reference
            .as_deref()
            .unwrap()
            .starts_with(&format!("SIM-{code}-")));
    }
    assert_eq!(sources, generate(units, 20, 7));
    assert_ne!(sources, generate(units, 20, 8));

    let share = |f: &dyn Fn(&domain::water::WaterSource) -> bool| {
        sources.iter().filter(|(_, s)| f(s)).count() as f64 / sources.len() as f64
    };
    let hydrants = share(&|s| s.kind == WaterKind::Hydrant);
    let usable = share(&|s| s.status == WaterStatus::Usable);
    assert!((0.6..0.8).contains(&hydrants), "hydrants {hydrants}");
    assert!((0.8..0.97).contains(&usable), "usable {usable}");
    assert!(sources
        .iter()
        .all(|(_, s)| s.kind != WaterKind::Hydrant || s.flow_lps.is_some()));
}
