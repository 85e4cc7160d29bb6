//! The location resolver against the Hà Nội reference data with its street gazetteer and
//! places (`../shared/data/hanoi`, or the folder named by `BINHYEN_UNITS`): the misroutes
//! found by trying the product as a new user would, and the rules behind them.

use domain::units::{EvidenceKind, LatLon, PointSource, Resolution};

mod common;
use common::{code_of as code, hanoi};

fn codes(r: &Resolution<'_>) -> Vec<String> {
    r.candidates.iter().map(|c| c.unit.code.clone()).collect()
}

fn assigned(text: &str) -> Option<String> {
    hanoi().resolve(text).assigned().map(|u| u.code.clone())
}

#[test]
fn the_gazetteer_loads_with_the_units() {
    let stats = hanoi().gazetteer().stats();
    assert!(stats.streets > 1_000, "{stats:?}");
    assert!(stats.streets_with_lines > 500, "{stats:?}");
    assert!(stats.places > 100, "{stats:?}");
}

/// Streets named like a former or current commune elsewhere never resolve to that commune
/// when written as streets.
#[test]
fn streets_named_like_communes_never_go_to_the_commune() {
    let communes = [
        ("Nguyễn Trãi", "Xã Thượng Phúc"),
        ("Lê Lợi", "Xã Chương Dương"),
        ("Trần Phú", "Xã Trần Phú"),
        ("Quang Trung", "Xã Kiều Phú"),
        ("Quang Trung", "Xã Tây Phương"),
        ("Hoàng Diệu", "Xã Quảng Bị"),
    ];
    for (street, commune) in communes {
        let commune = code(commune);
        for text in [
            format!("số 12 phố {street}"),
            format!("12 {street}"),
            format!("đường {street}"),
            format!("ngã tư {street}"),
            format!("ngã ba {street}"),
            domain::text::fold(&format!("so 5 {street}")),
        ] {
            let r = hanoi().resolve(&text);
            assert_ne!(
                r.assigned().map(|u| u.code.clone()),
                Some(commune.clone()),
                "{text}: {:?}",
                codes(&r)
            );
            assert!(
                r.candidates.first().map(|c| &c.unit.code) != Some(&commune),
                "{text}: {:?}",
                codes(&r)
            );
        }
    }
}

#[test]
fn the_junction_of_nguyen_trai_and_khuat_duy_tien_is_in_thanh_xuan_not_thuong_phuc() {
    let r = hanoi().resolve("ngã tư Nguyễn Trãi – Khuất Duy Tiến");
    let all = codes(&r);
    assert!(all.contains(&code("Phường Thanh Xuân")), "{all:?}");
    assert!(!all.contains(&code("Xã Thượng Phúc")), "{all:?}");
}

#[test]
fn a_hospital_wins_over_the_ward_it_is_named_after() {
    for text in [
        "Bệnh viện Bạch Mai, 78 Giải Phóng",
        "cổng bệnh viện Bạch Mai",
        "bv bach mai",
    ] {
        let r = hanoi().resolve(text);
        assert_eq!(
            r.assigned().map(|u| u.full_name.as_str()),
            Some("Phường Kim Liên"),
            "{text}: {:?}",
            codes(&r)
        );
        assert_eq!(r.point.map(|p| p.source), Some(PointSource::Place));
        assert_eq!(r.candidates[0].evidence[0].kind, EvidenceKind::Place);
    }
    // The ward itself, written as a ward.
    assert_eq!(assigned("phường Bạch Mai"), Some(code("Phường Bạch Mai")));
}

#[test]
fn a_street_through_several_units_lists_them_and_assigns_none() {
    let r = hanoi().resolve("số 5 Trần Duy Hưng");
    assert!(r.ambiguous);
    assert!(r.candidates.len() > 1);
    // With its ward, it is settled.
    let r = hanoi().resolve("56 Kim Mã, phường Giảng Võ");
    assert_eq!(
        r.assigned().map(|u| u.full_name.as_str()),
        Some("Phường Giảng Võ")
    );
}

/// Streets are numbered from the end nearer the centre, odd on the left: the number orders
/// the units of a street through several, and never assigns one by itself.
#[test]
fn a_house_number_orders_the_units_of_a_long_street() {
    for (text, first, other) in [
        // Đội Cấn starts in Ba Đình and runs out west through Ngọc Hà.
        ("số 20 Đội Cấn", "Phường Ba Đình", "Phường Ngọc Hà"),
        ("số 600 Đội Cấn", "Phường Ngọc Hà", "Phường Ba Đình"),
        // Quang Trung starts in Cửa Nam and ends in Hai Bà Trưng.
        ("29 Quang Trung", "Phường Cửa Nam", "Phường Hai Bà Trưng"),
    ] {
        let r = hanoi().resolve(text);
        let all = codes(&r);
        assert_eq!(all.first(), Some(&code(first)), "{text}: {all:?}");
        assert!(all.contains(&code(other)), "{text}: {all:?}");
        assert!(r.assigned().is_none(), "{text}: {all:?}");
        assert!(r.ambiguous, "{text}");
        assert!(
            r.candidates[0]
                .evidence
                .iter()
                .any(|e| e.label.contains("từ đầu phố")),
            "{text}: {:?}",
            r.candidates[0].evidence
        );
    }
    // Without a number, the longest share leads.
    let r = hanoi().resolve("phố Đội Cấn");
    assert_eq!(codes(&r).first(), Some(&code("Phường Ngọc Hà")));
}

/// A street name with one letter slipped is read as the street, for a person to confirm; words
/// that are not after a street word are never "corrected" into a street.
#[test]
fn a_slip_in_a_street_name_gives_candidates_never_a_unit() {
    let r = hanoi().resolve("ngõ 51 khâm thiêm");
    let all = codes(&r);
    assert!(
        all.contains(&code("Phường Văn Miếu - Quốc Tử Giám")),
        "{all:?}"
    );
    assert!(r.ambiguous && r.assigned().is_none(), "{all:?}");
    assert!(r.candidates[0]
        .evidence
        .iter()
        .any(|e| e.kind == EvidenceKind::Slip && e.label.contains("kham thien")));
    // Typed right, no slip is read.
    let right = hanoi().resolve("ngõ 51 Khâm Thiên");
    assert!(right.candidates[0]
        .evidence
        .iter()
        .all(|e| e.kind != EvidenceKind::Slip));
    // "lăng Bác" is not a slip of "Hàng Bạc".
    assert!(hanoi()
        .resolve("quảng trường lăng Bác")
        .candidates
        .is_empty());
}

/// A name that fits more units than are listed says how many fit.
#[test]
fn a_cut_candidate_list_gives_the_real_count() {
    // Quang Trung: three units in the centre, and a dozen more through Hà Đông's list.
    let r = hanoi().resolve("phố Quang Trung");
    assert_eq!(r.candidates.len(), domain::units::MAX_CANDIDATES);
    assert!(r.total > r.candidates.len(), "{}", r.total);
    // With a point shared, the text's other units still count.
    let gps = hanoi().resolve_at(
        "phố Quang Trung",
        Some(LatLon {
            lat: 21.0245,
            lon: 105.8490,
        }),
    );
    assert!(gps.gps_used);
    assert!(gps.total >= r.total, "{} < {}", gps.total, r.total);
    // A short list is whole.
    let one = hanoi().resolve("phường Ba Đình");
    assert_eq!(one.total, one.candidates.len());
}

#[test]
fn a_street_inside_one_unit_is_assigned_with_its_point() {
    let r = hanoi().resolve("số 12 Hàng Bạc");
    assert_eq!(
        r.assigned().map(|u| u.full_name.as_str()),
        Some("Phường Hoàn Kiếm")
    );
    assert_eq!(r.point.map(|p| p.source), Some(PointSource::Street));
}

#[test]
fn neighbours_and_eateries_are_not_addresses() {
    for text in [
        "nhà hàng xóm đang cháy",
        "xóm trọ đang có đánh nhau",
        "ở nhà hàng ăn",
        "ngay chỗ tôi đứng",
    ] {
        let r = hanoi().resolve(text);
        assert!(r.assigned().is_none(), "{text}: {:?}", codes(&r));
    }
}

#[test]
fn gps_wins_over_text() {
    // Hoàn Kiếm lake, while the text names a street in Ba Đình.
    let r = hanoi().resolve_at(
        "số 2 phố Trúc Bạch",
        Some(LatLon {
            lat: 21.0287,
            lon: 105.8524,
        }),
    );
    assert!(r.gps_used);
    assert_eq!(
        r.assigned().map(|u| u.full_name.as_str()),
        Some("Phường Hoàn Kiếm")
    );
    assert_eq!(r.point.map(|p| p.source), Some(PointSource::Gps));
}

#[test]
fn an_old_district_after_a_street_narrows_the_street() {
    // Trần Phú in Hà Đông, not the one in Ba Đình.
    let r = hanoi().resolve("số 10 Trần Phú, Hà Đông");
    assert!(r.ambiguous);
    assert!(
        !codes(&r).contains(&code("Phường Ba Đình")),
        "{:?}",
        codes(&r)
    );
    let r = hanoi().resolve("số 10 phố Trần Phú, quận Ba Đình");
    assert!(codes(&r).contains(&code("Phường Ba Đình")));
    assert!(!codes(&r).contains(&code("Phường Hà Đông")));
}

#[test]
fn the_map_search_finds_streets_places_and_units() {
    let hits = hanoi().search("kim ma", 10);
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .any(|h| h.name == "Phố Kim Mã" && h.point.is_some()));
    let hits = hanoi().search("bach mai", 10);
    assert!(hits
        .iter()
        .any(|h| h.name == "Phường Bạch Mai" && h.kind == domain::units::HitKind::Unit));
    assert!(hits
        .iter()
        .any(|h| h.name.contains("Bạch Mai") && h.kind == domain::units::HitKind::Place));
    assert!(hanoi().search("", 10).is_empty());
    assert!(hanoi().search("zzzz", 10).is_empty());
}

#[test]
fn the_map_gets_the_streets_of_its_view_simplified() {
    // Around Hoàn Kiếm lake.
    let bbox = [105.845, 21.024, 105.860, 21.034];
    let fine: Vec<_> = hanoi().streets_in(bbox, 0.0).collect();
    assert!(fine.len() > 20, "{}", fine.len());
    let vertices = |v: &[(&domain::units::Street, Vec<Vec<[f64; 2]>>)]| -> usize {
        v.iter().flat_map(|(_, l)| l.iter().map(Vec::len)).sum()
    };
    let coarse: Vec<_> = hanoi().streets_in(bbox, 20.0).collect();
    assert_eq!(coarse.len(), fine.len());
    assert!(vertices(&coarse) < vertices(&fine));
    assert!(hanoi()
        .streets_in([0.0, 0.0, 1.0, 1.0], 0.0)
        .next()
        .is_none());
}
