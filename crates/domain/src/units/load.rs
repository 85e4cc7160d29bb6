//! Reading `units.csv` and `units.geojson` into units and geometries, with errors that say
//! which line or feature is wrong and what was expected.

use std::collections::HashMap;
use std::io::Read;

use serde_json::Value;

use super::error::UnitsError;
use super::geometry::{Geometry, LatLon, Polygon, Position};
use super::{OldUnitLink, Share, Unit, UnitKind};

/// A unit row from `units.csv` before its geometry is attached.
pub(crate) struct Row {
    pub line: u64,
    pub unit: Unit,
    pub label_given: bool,
}

const REQUIRED: [&str; 6] = [
    "code",
    "name",
    "full_name",
    "type",
    "province_code",
    "province_name",
];

/// Reads every row of `units.csv`.
pub(crate) fn read_units_csv(reader: impl Read) -> Result<Vec<Row>, UnitsError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| csv_error(&e, 1))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect::<Vec<_>>();
    let column = |name: &str| headers.iter().position(|h| h == name);
    for name in REQUIRED {
        if column(name).is_none() {
            return Err(UnitsError::MissingColumn { column: name });
        }
    }
    let col = Columns {
        code: column("code"),
        name: column("name"),
        full_name: column("full_name"),
        kind: column("type"),
        province_code: column("province_code"),
        province_name: column("province_name"),
        area: column("area_km2"),
        population: column("population"),
        admin_center: column("admin_center"),
        lat: column("center_lat"),
        lon: column("center_lon"),
        old_codes: column("old_unit_codes"),
        old_units: column("old_units"),
        before: column("before_merger_text"),
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line();
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(&e, line)),
        }
        let line = record.position().map_or(line, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row = parse_row(&record, &col, line)?;
        if let Some(first) = seen.insert(row.unit.code.clone(), line) {
            return Err(UnitsError::DuplicateCode {
                file: "units.csv",
                code: row.unit.code,
                where_: format!("lines {first} and {line}"),
            });
        }
        if let Some(first) = rows.first() {
            if first.unit.province_code != row.unit.province_code {
                return Err(UnitsError::MixedProvinces {
                    line,
                    expected: first.unit.province_code.clone(),
                    found: row.unit.province_code,
                });
            }
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(UnitsError::NoUnits);
    }
    Ok(rows)
}

fn csv_error(e: &csv::Error, line: u64) -> UnitsError {
    let line = e.position().map_or(line, |p| p.line());
    UnitsError::CsvRow {
        line,
        message: e.to_string(),
    }
}

struct Columns {
    code: Option<usize>,
    name: Option<usize>,
    full_name: Option<usize>,
    kind: Option<usize>,
    province_code: Option<usize>,
    province_name: Option<usize>,
    area: Option<usize>,
    population: Option<usize>,
    admin_center: Option<usize>,
    lat: Option<usize>,
    lon: Option<usize>,
    old_codes: Option<usize>,
    old_units: Option<usize>,
    before: Option<usize>,
}

fn field(record: &csv::StringRecord, col: Option<usize>) -> &str {
    col.and_then(|c| record.get(c)).unwrap_or("").trim()
}

fn required(
    record: &csv::StringRecord,
    col: Option<usize>,
    column: &'static str,
    line: u64,
) -> Result<String, UnitsError> {
    let value = field(record, col);
    if value.is_empty() {
        return Err(UnitsError::BadField {
            line,
            column,
            value: String::new(),
            expected: "a non-empty value",
        });
    }
    Ok(value.to_owned())
}

fn optional_text(record: &csv::StringRecord, col: Option<usize>) -> Option<String> {
    Some(field(record, col))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn parse_row(record: &csv::StringRecord, col: &Columns, line: u64) -> Result<Row, UnitsError> {
    let code = required(record, col.code, "code", line)?;
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(UnitsError::BadField {
            line,
            column: "code",
            value: code,
            expected: "a unit code of letters and digits (keep leading zeros, e.g. 00004)",
        });
    }
    let name = required(record, col.name, "name", line)?;
    let full_name = required(record, col.full_name, "full_name", line)?;
    let kind_label = required(record, col.kind, "type", line)?;
    let province_code = required(record, col.province_code, "province_code", line)?;
    let province_name = required(record, col.province_name, "province_name", line)?;
    let area_km2 = parse_number(
        record,
        col.area,
        "area_km2",
        line,
        "a non-negative area in km²",
    )?;
    let population = parse_number(record, col.population, "population", line, "a whole number")?
        .map(|p| {
            if p.fract() == 0.0 {
                Ok(p as u64)
            } else {
                Err(UnitsError::BadField {
                    line,
                    column: "population",
                    value: field(record, col.population).to_owned(),
                    expected: "a whole number",
                })
            }
        })
        .transpose()?;
    let lat = parse_number(record, col.lat, "center_lat", line, "a latitude in degrees")?;
    let lon = parse_number(
        record,
        col.lon,
        "center_lon",
        line,
        "a longitude in degrees",
    )?;
    let label = match (lat, lon) {
        (Some(lat), Some(lon))
            if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
        {
            Some(LatLon { lat, lon })
        }
        (None, None) => None,
        _ => {
            return Err(UnitsError::BadField {
                line,
                column: "center_lat",
                value: format!("{},{}", field(record, col.lat), field(record, col.lon)),
                expected: "a latitude and a longitude in degrees, both given or both empty",
            })
        }
    };
    let old_units = parse_old_units(
        field(record, col.old_codes),
        field(record, col.old_units),
        line,
    )?;
    let unit = Unit {
        kind: UnitKind::from_label(&kind_label),
        code,
        name,
        full_name,
        kind_label,
        province_code,
        province_name,
        area_km2,
        population,
        admin_center: optional_text(record, col.admin_center),
        label: label.unwrap_or(LatLon { lat: 0.0, lon: 0.0 }),
        old_units,
        before_merger_text: optional_text(record, col.before),
        geometry: Geometry {
            polygons: Vec::new(),
        },
    };
    Ok(Row {
        line,
        unit,
        label_given: label.is_some(),
    })
}

fn parse_number(
    record: &csv::StringRecord,
    col: Option<usize>,
    column: &'static str,
    line: u64,
    expected: &'static str,
) -> Result<Option<f64>, UnitsError> {
    let value = field(record, col);
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && (v >= 0.0 || column.starts_with("center")) => Ok(Some(v)),
        _ => Err(UnitsError::BadField {
            line,
            column,
            value: value.to_owned(),
            expected,
        }),
    }
}

/// Kind words that open an old commune-level name, longest first.
pub(crate) const OLD_UNIT_KINDS: [&str; 4] = ["Thị trấn", "Đặc khu", "Phường", "Xã"];
/// Kind words that open an old district-level name, longest first.
pub(crate) const OLD_DISTRICT_KINDS: [&str; 4] = ["Thành phố", "Thị xã", "Quận", "Huyện"];

/// Splits "Phường Trúc Bạch" into ("Phường", "Trúc Bạch"); a name without a known kind word
/// keeps an empty kind.
pub(crate) fn split_kind<'s>(full: &'s str, kinds: &[&'static str]) -> (&'static str, &'s str) {
    for kind in kinds {
        if let Some(rest) = strip_prefix_ci(full, kind) {
            let rest = rest.trim_start();
            if !rest.is_empty() {
                return (kind, rest);
            }
        }
    }
    ("", full)
}

fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let mut it = s.char_indices();
    for pc in prefix.chars() {
        let (_, sc) = it.next()?;
        if sc.to_lowercase().ne(pc.to_lowercase()) {
            return None;
        }
    }
    let rest = &s[it.next().map_or(s.len(), |(i, _)| i)..];
    // The kind word must end at a word boundary.
    if rest.is_empty() || rest.starts_with(char::is_whitespace) {
        Some(rest)
    } else {
        None
    }
}

const PARTIAL_MARK: &str = "(một phần)";

/// Parses `old_unit_codes` ("00004:full;00016:partial") and `old_units` ("Phường Trúc Bạch
/// [Quận Ba Đình]; Phường Ngọc Hà [Quận Ba Đình] (một phần)"), which list the same old units
/// in the same order.
pub(crate) fn parse_old_units(
    codes: &str,
    names: &str,
    line: u64,
) -> Result<Vec<OldUnitLink>, UnitsError> {
    let err = |message: String| UnitsError::OldUnits { line, message };
    let codes: Vec<&str> = codes
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let names: Vec<&str> = names
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if codes.len() != names.len() {
        return Err(err(format!(
            "old_unit_codes lists {} units but old_units lists {}",
            codes.len(),
            names.len()
        )));
    }
    let mut out: Vec<OldUnitLink> = Vec::with_capacity(codes.len());
    for (i, (code_part, name_part)) in codes.iter().zip(&names).enumerate() {
        let (code, share) = code_part.split_once(':').ok_or_else(|| {
            err(format!(
                "entry {} of old_unit_codes is {code_part:?}, expected CODE:full or CODE:partial",
                i + 1
            ))
        })?;
        let code = code.trim();
        let share = match share.trim() {
            "full" => Share::Full,
            "partial" => Share::Partial,
            other => {
                return Err(err(format!(
                    "entry {} of old_unit_codes has share {other:?}, expected full or partial",
                    i + 1
                )))
            }
        };
        if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(format!(
                "entry {} of old_unit_codes has code {code:?}",
                i + 1
            )));
        }
        let mut text = name_part.trim();
        let marked_partial = match text.strip_suffix(PARTIAL_MARK) {
            Some(rest) => {
                text = rest.trim_end();
                true
            }
            None => false,
        };
        if marked_partial != (share == Share::Partial) {
            return Err(err(format!(
                "entry {} ({code}): old_unit_codes says {share:?} but old_units {} \"(một phần)\"; the two lists are out of step",
                i + 1,
                if marked_partial { "says" } else { "lacks" },
            )));
        }
        let (full_name, district) = match text.find('[') {
            Some(open) => {
                let close = text.rfind(']').filter(|c| *c > open).ok_or_else(|| {
                    err(format!(
                        "entry {} ({code}): unclosed [ in {name_part:?}",
                        i + 1
                    ))
                })?;
                let district = text[open + 1..close].trim();
                (
                    text[..open].trim(),
                    Some(district).filter(|d| !d.is_empty()),
                )
            }
            None => (text, None),
        };
        if full_name.is_empty() {
            return Err(err(format!("entry {} ({code}) has no name", i + 1)));
        }
        if out.iter().any(|o| o.code == code) {
            return Err(err(format!("old unit {code} is listed twice")));
        }
        let (kind, name) = split_kind(full_name, &OLD_UNIT_KINDS);
        out.push(OldUnitLink {
            code: code.to_owned(),
            full_name: full_name.to_owned(),
            name: name.to_owned(),
            kind: kind.to_owned(),
            district: district.map(str::to_owned),
            share,
        });
    }
    Ok(out)
}

/// One feature of `units.geojson`: its code, optional names, and geometry.
pub(crate) struct Feature {
    pub index: usize,
    pub code: String,
    pub name: Option<String>,
    pub full_name: Option<String>,
    pub geometry: Geometry,
}

/// Reads the FeatureCollection. Coordinates must be `[lon, lat]` (extra dimensions ignored).
pub(crate) fn read_geojson(reader: impl Read) -> Result<Vec<Feature>, UnitsError> {
    let value: Value = serde_json::from_reader(reader).map_err(|e| UnitsError::GeoJson {
        message: format!("not valid JSON: {e}"),
    })?;
    let gj = |message: String| UnitsError::GeoJson { message };
    if value.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(gj(
            "the top level must be a FeatureCollection with a features array".to_owned(),
        ));
    }
    let features = value
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| gj("the FeatureCollection has no features array".to_owned()))?;
    let mut out = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let props = feature.get("properties").and_then(Value::as_object);
        let code = match props.and_then(|p| p.get("code")) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => {
                return Err(gj(format!(
                    "feature {index}: property code is the number {n}; write it as a string so leading zeros survive"
                )))
            }
            _ => {
                return Err(gj(format!(
                    "feature {index}: no string property \"code\" naming its unit"
                )))
            }
        };
        let text = |key: &str| {
            props
                .and_then(|p| p.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let geometry = feature
            .get("geometry")
            .ok_or_else(|| gj(format!("feature {index} ({code}): no geometry")))
            .and_then(|g| {
                parse_geometry(g).map_err(|reason| UnitsError::InvalidGeometry {
                    code: code.clone(),
                    reason,
                })
            })?;
        out.push(Feature {
            index,
            name: text("name"),
            full_name: text("full_name"),
            code,
            geometry,
        });
    }
    Ok(out)
}

fn parse_geometry(g: &Value) -> Result<Geometry, String> {
    let kind = g
        .get("type")
        .and_then(Value::as_str)
        .ok_or("geometry has no type")?;
    let coords = g.get("coordinates").ok_or("geometry has no coordinates")?;
    let polygons = match kind {
        "Polygon" => vec![parse_polygon(coords)?],
        "MultiPolygon" => coords
            .as_array()
            .ok_or("MultiPolygon coordinates must be an array of polygons")?
            .iter()
            .map(parse_polygon)
            .collect::<Result<Vec<_>, _>>()?,
        other => return Err(format!("type {other} is not Polygon or MultiPolygon")),
    };
    Ok(Geometry { polygons })
}

fn parse_polygon(v: &Value) -> Result<Polygon, String> {
    let rings = v
        .as_array()
        .ok_or("polygon coordinates must be an array of rings")?;
    let mut rings = rings.iter().map(parse_ring);
    let exterior = rings.next().ok_or("polygon has no ring")??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon { exterior, holes })
}

fn parse_ring(v: &Value) -> Result<Vec<Position>, String> {
    v.as_array()
        .ok_or("a ring must be an array of positions")?
        .iter()
        .map(|p| {
            let pair = p.as_array().filter(|a| a.len() >= 2);
            match pair.map(|a| (a[0].as_f64(), a[1].as_f64())) {
                Some((Some(lon), Some(lat))) => Ok([lon, lat]),
                _ => Err(format!("position {p} is not [longitude, latitude]")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,name,full_name,type,province_code,province_name,area_km2,population,admin_center,center_lat,center_lon,old_unit_codes,old_units\n";

    #[test]
    fn parses_old_units_with_districts_and_shares() {
        let links = parse_old_units(
            "00004:full;00016:partial",
            "Phường Trúc Bạch [Quận Ba Đình]; Thị trấn Sóc Sơn [Huyện Sóc Sơn] (một phần)",
            7,
        )
        .unwrap();
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].code, "00004");
        assert_eq!(links[0].kind, "Phường");
        assert_eq!(links[0].name, "Trúc Bạch");
        assert_eq!(links[0].district.as_deref(), Some("Quận Ba Đình"));
        assert_eq!(links[0].share, Share::Full);
        assert_eq!(links[1].kind, "Thị trấn");
        assert_eq!(links[1].name, "Sóc Sơn");
        assert_eq!(links[1].share, Share::Partial);
    }

    #[test]
    fn old_units_errors_name_the_line() {
        let e = parse_old_units("00004:full", "", 9).unwrap_err();
        assert!(e.to_string().contains("line 9"), "{e}");
        let e = parse_old_units("00004:full", "Phường A [Quận B] (một phần)", 3).unwrap_err();
        assert!(e.to_string().contains("out of step"), "{e}");
        let e = parse_old_units("00004", "Phường A", 3).unwrap_err();
        assert!(e.to_string().contains("CODE:full"), "{e}");
        let e = parse_old_units("00004:half", "Phường A", 3).unwrap_err();
        assert!(e.to_string().contains("half"), "{e}");
    }

    #[test]
    fn csv_errors_carry_line_numbers() {
        let text = format!("{HEADER}00004,Ba Đình,Phường Ba Đình,phường,01,Thành phố Hà Nội,2.97,65023,x,21.03,105.83,,\n00008,Ngọc Hà,Phường Ngọc Hà,phường,01,Thành phố Hà Nội,abc,1,x,21.03,105.81,,\n");
        let Err(e) = read_units_csv(text.as_bytes()) else {
            panic!("bad area accepted")
        };
        assert!(
            matches!(
                e,
                UnitsError::BadField {
                    line: 3,
                    column: "area_km2",
                    ..
                }
            ),
            "{e}"
        );
        let dup = format!(
            "{HEADER}00004,A,Phường A,phường,01,P,,,,,,,\n00004,B,Phường B,phường,01,P,,,,,,,\n"
        );
        let Err(e) = read_units_csv(dup.as_bytes()) else {
            panic!("duplicate accepted")
        };
        assert!(e.to_string().contains("lines 2 and 3"), "{e}");
        let short = format!("{HEADER}00004,A,Phường A\n");
        let Err(e) = read_units_csv(short.as_bytes()) else {
            panic!("short row accepted")
        };
        assert!(matches!(e, UnitsError::CsvRow { line: 2, .. }), "{e}");
        let Err(e) = read_units_csv("code,name\n1,a\n".as_bytes()) else {
            panic!("missing columns accepted")
        };
        assert!(
            matches!(
                e,
                UnitsError::MissingColumn {
                    column: "full_name"
                }
            ),
            "{e}"
        );
        let mixed = format!(
            "{HEADER}00004,A,Phường A,phường,01,P,,,,,,,\n10004,B,Phường B,phường,31,Q,,,,,,,\n"
        );
        let Err(e) = read_units_csv(mixed.as_bytes()) else {
            panic!("mixed provinces accepted")
        };
        assert!(
            matches!(e, UnitsError::MixedProvinces { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn geojson_errors() {
        let Err(e) = read_geojson(r#"{"type":"Feature"}"#.as_bytes()) else {
            panic!()
        };
        assert!(e.to_string().contains("FeatureCollection"));
        let numeric = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":4},"geometry":null}]}"#;
        let Err(e) = read_geojson(numeric.as_bytes()) else {
            panic!()
        };
        assert!(e.to_string().contains("leading zeros"), "{e}");
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"1"},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#;
        let Err(e) = read_geojson(line.as_bytes()) else {
            panic!()
        };
        assert!(matches!(e, UnitsError::InvalidGeometry { .. }), "{e}");
    }

    proptest::proptest! {
        /// Formatting a list of old units the way units.csv writes it and parsing it back
        /// gives the same list.
        #[test]
        fn old_units_round_trip(
            entries in proptest::collection::vec(
                (
                    "[0-9]{5}",
                    proptest::bool::ANY,
                    proptest::sample::select(vec!["Phường", "Xã", "Thị trấn", ""]),
                    "[A-ZĐ][a-zàáảãạăâđêôơư]{1,6}( [A-ZĐ][a-zàáảãạăâđêôơư]{1,6}){0,2}",
                    proptest::option::of(proptest::sample::select(vec!["Quận Ba Đình", "Huyện Sóc Sơn", "Thị xã Sơn Tây", "Thành phố Thủ Đức"])),
                ),
                0..8,
            )
        ) {
            let mut seen = std::collections::HashSet::new();
            let entries: Vec<_> = entries.into_iter().filter(|e| seen.insert(e.0.clone())).collect();
            let codes: Vec<String> = entries
                .iter()
                .map(|(code, partial, ..)| format!("{code}:{}", if *partial { "partial" } else { "full" }))
                .collect();
            let names: Vec<String> = entries
                .iter()
                .map(|(_, partial, kind, name, district)| {
                    let full = if kind.is_empty() { name.clone() } else { format!("{kind} {name}") };
                    let district = district.map(|d| format!(" [{d}]")).unwrap_or_default();
                    let mark = if *partial { " (một phần)" } else { "" };
                    format!("{full}{district}{mark}")
                })
                .collect();
            let parsed = parse_old_units(&codes.join(";"), &names.join("; "), 2).unwrap();
            proptest::prop_assert_eq!(parsed.len(), entries.len());
            for (link, (code, partial, kind, name, district)) in parsed.iter().zip(&entries) {
                proptest::prop_assert_eq!(&link.code, code);
                proptest::prop_assert_eq!(link.share == Share::Partial, *partial);
                proptest::prop_assert_eq!(&link.name, name);
                proptest::prop_assert_eq!(link.kind.as_str(), *kind);
                proptest::prop_assert_eq!(link.district.as_deref(), *district);
            }
        }

        /// Whatever the two columns hold, parsing returns a list or an error, never panics.
        #[test]
        fn old_units_parser_never_panics(codes in "\\PC{0,40}", names in "\\PC{0,60}") {
            let _ = parse_old_units(&codes, &names, 1);
        }
    }

    #[test]
    fn kind_words_split_off() {
        assert_eq!(
            split_kind("Thị xã Sơn Tây", &OLD_DISTRICT_KINDS),
            ("Thị xã", "Sơn Tây")
        );
        assert_eq!(split_kind("Quận 3", &OLD_DISTRICT_KINDS), ("Quận", "3"));
        assert_eq!(split_kind("Xã Đàn", &OLD_UNIT_KINDS), ("Xã", "Đàn"));
        assert_eq!(split_kind("Xãhội", &OLD_UNIT_KINDS), ("", "Xãhội"));
        assert_eq!(split_kind("Hà Nội", &OLD_DISTRICT_KINDS), ("", "Hà Nội"));
    }
}
