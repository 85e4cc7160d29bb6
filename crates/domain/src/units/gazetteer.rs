//! The street and place gazetteer of a province: named streets with the units they run
//! through (and their lines, where the data has them) and named places (hospitals, bridges,
//! markets, …) with a point. Both are optional files of the units folder; their format is in
//! `docs/units-format.md`.
//!
//! Loading checks every unit code against the directory and joins each line of
//! `streets.geojson` to its row of `streets.csv` (by name and unit list). What a street is
//! known by decides how much it can say: a street with lines knows the units it crosses and a
//! point in each; a street known only from an old district's list only knows "somewhere in
//! these units".

use std::collections::HashMap;
use std::io::Read;

use serde::Serialize;
use serde_json::Value;

use super::error::UnitsError;
use super::geometry::{LatLon, Position, Scale};
use super::index::Jurisdiction;
use crate::text::fold;

/// How a street's units were found, which says how far they can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreetSource {
    /// From the street's line intersected with the unit polygons: the units it crosses.
    Geometry,
    /// From a list of an old district's streets: candidates only, somewhere in that district.
    District,
    /// From a unit headquarters' address: that unit is known, the street's other units are not.
    AdminCenter,
}

/// One unit a street runs through.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetUnit {
    /// Index of the unit in the directory.
    pub(crate) unit: usize,
    /// Length of the street inside the unit, metres, when known.
    pub length_m: Option<f64>,
    /// A point of the street inside that unit, when the street has a line there.
    pub point: Option<LatLon>,
}

/// One street of the gazetteer (a row of `streets.csv`, with its line when known).
#[derive(Debug, Clone, PartialEq)]
pub struct Street {
    /// Name without the kind word, e.g. "Kim Mã".
    pub name: String,
    /// Kind word, e.g. "phố", "đường", "ngõ" (may be empty).
    pub kind: String,
    /// Name as signposted, e.g. "Phố Kim Mã" (the name when the data gives none).
    pub full_name: String,
    /// Other spellings.
    pub alt_names: Vec<String>,
    /// Old (pre-2025) districts the street is in, without their kind word, most likely first.
    pub old_districts: Vec<String>,
    /// The units it runs through, best first.
    pub units: Vec<StreetUnit>,
    /// How those units were found.
    pub source: StreetSource,
    /// The line was cut by the edge of the data it came from: the street may run through
    /// more units than listed.
    pub clipped: bool,
    /// A representative point, when known.
    pub point: Option<LatLon>,
    /// The street's line as parts of `[lon, lat]` positions (empty when not known).
    pub lines: Vec<Vec<Position>>,
    /// Bounding box of the lines: `[min lon, min lat, max lon, max lat]`.
    pub bbox: Option<[f64; 4]>,
}

/// One named place (a landmark) of the gazetteer.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// Name as the data writes it, e.g. "Bệnh viện Bạch Mai".
    pub name: String,
    /// Category, e.g. "hospital", "bridge", "market".
    pub category: String,
    /// Where it is.
    pub point: LatLon,
    /// Index of the unit that owns the point.
    pub(crate) unit: usize,
}

/// Streets and places of one province; empty when the folder has neither file.
#[derive(Debug, Default)]
pub struct Gazetteer {
    /// Streets, in file order.
    pub streets: Vec<Street>,
    /// Places, in file order.
    pub places: Vec<Place>,
}

/// What the gazetteer holds, for `/readyz`, the log and the documentation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GazetteerStats {
    /// Streets (rows).
    pub streets: usize,
    /// Streets with a line.
    pub streets_with_lines: usize,
    /// Streets known only as candidates of an old district.
    pub streets_district_only: usize,
    /// Places.
    pub places: usize,
}

impl Gazetteer {
    /// Counts of what is loaded.
    pub fn stats(&self) -> GazetteerStats {
        GazetteerStats {
            streets: self.streets.len(),
            streets_with_lines: self.streets.iter().filter(|s| !s.lines.is_empty()).count(),
            streets_district_only: self
                .streets
                .iter()
                .filter(|s| s.source == StreetSource::District)
                .count(),
            places: self.places.len(),
        }
    }
}

/// A file of the gazetteer, named in errors.
pub(crate) const STREETS_CSV: &str = "streets.csv";
pub(crate) const STREETS_GEOJSON: &str = "streets.geojson";
pub(crate) const PLACES_CSV: &str = "places.csv";

fn row_error(file: &'static str, line: u64, message: impl Into<String>) -> UnitsError {
    UnitsError::Gazetteer {
        file,
        line,
        message: message.into(),
    }
}

/// Column positions by header name (case and diacritics ignored).
struct Header(HashMap<String, usize>);

impl Header {
    fn read(
        csv: &mut csv::Reader<impl Read>,
        file: &'static str,
        required: &[&str],
    ) -> Result<Header, UnitsError> {
        let header = csv
            .headers()
            .map_err(|e| row_error(file, 1, e.to_string()))?;
        let map: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (fold(h).replace(' ', "_"), i))
            .collect();
        for r in required {
            if !map.contains_key(*r) {
                return Err(row_error(file, 1, format!("missing column {r:?}")));
            }
        }
        Ok(Header(map))
    }

    fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.0
            .get(name)
            .and_then(|&i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

fn parse_f64(
    file: &'static str,
    line: u64,
    column: &str,
    value: &str,
) -> Result<Option<f64>, UnitsError> {
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
        .ok_or_else(|| row_error(file, line, format!("{column}: {value:?} is not a number")))
}

fn split_list(value: &str) -> Vec<String> {
    value
        .split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads the gazetteer's files. `unit_index` maps a unit code to its index; `jurisdiction`
/// places points.
pub(crate) fn load(
    streets_csv: Option<impl Read>,
    streets_geojson: Option<impl Read>,
    places_csv: Option<impl Read>,
    unit_index: &HashMap<String, usize>,
    jurisdiction: &Jurisdiction,
) -> Result<Gazetteer, UnitsError> {
    let mut streets = match streets_csv {
        Some(r) => read_streets(r, unit_index)?,
        None => Vec::new(),
    };
    if let Some(r) = streets_geojson {
        attach_lines(&mut streets, r, unit_index)?;
    }
    for street in &mut streets {
        finish_street(street, jurisdiction);
    }
    let places = match places_csv {
        Some(r) => read_places(r, unit_index, jurisdiction)?,
        None => Vec::new(),
    };
    Ok(Gazetteer { streets, places })
}

fn unit_codes(
    file: &'static str,
    line: u64,
    value: &str,
    unit_index: &HashMap<String, usize>,
) -> Result<Vec<usize>, UnitsError> {
    let mut out = Vec::new();
    for code in split_list(value) {
        let &u = unit_index.get(&code).ok_or_else(|| {
            row_error(file, line, format!("unit code {code} is not in units.csv"))
        })?;
        if !out.contains(&u) {
            out.push(u);
        }
    }
    Ok(out)
}

fn read_streets(
    reader: impl Read,
    unit_index: &HashMap<String, usize>,
) -> Result<Vec<Street>, UnitsError> {
    let file = STREETS_CSV;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = Header::read(&mut csv, file, &["name", "units"])?;
    let mut out = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| row_error(file, line, e.to_string()))?;
        let name = header.get(&record, "name");
        if name.is_empty() {
            return Err(row_error(file, line, "empty name"));
        }
        let units = unit_codes(file, line, header.get(&record, "units"), unit_index)?;
        if units.is_empty() {
            return Err(row_error(file, line, "no unit code in units"));
        }
        let mut lengths: HashMap<usize, f64> = HashMap::new();
        for part in split_list(header.get(&record, "unit_lengths_m")) {
            let Some((code, metres)) = part.split_once(':') else {
                return Err(row_error(file, line, format!("unit_lengths_m: {part:?}")));
            };
            let metres = parse_f64(file, line, "unit_lengths_m", metres.trim())?;
            if let (Some(&u), Some(m)) = (unit_index.get(code.trim()), metres) {
                lengths.insert(u, m);
            }
        }
        let method = fold(header.get(&record, "units_method"));
        let source = if method.starts_with("geometry") {
            StreetSource::Geometry
        } else if method.starts_with("admin") {
            StreetSource::AdminCenter
        } else {
            StreetSource::District
        };
        let lat = parse_f64(file, line, "lat", header.get(&record, "lat"))?;
        let lon = parse_f64(file, line, "lon", header.get(&record, "lon"))?;
        let point = match (lat, lon) {
            (Some(lat), Some(lon)) if super::geometry::valid_coordinate(lat, lon) => {
                Some(LatLon { lat, lon })
            }
            (None, None) => None,
            _ => return Err(row_error(file, line, "lat and lon must be given together")),
        };
        let kind = header.get(&record, "kind").to_owned();
        let full_name = match header.get(&record, "full_name") {
            "" if kind.is_empty() => name.to_owned(),
            "" => format!("{} {name}", capitalise(&kind)),
            full => full.to_owned(),
        };
        out.push(Street {
            name: name.to_owned(),
            kind,
            full_name,
            alt_names: split_list(header.get(&record, "alt_names"))
                .into_iter()
                .flat_map(|a| {
                    a.split('/')
                        .map(|s| s.trim().to_owned())
                        .collect::<Vec<_>>()
                })
                .filter(|a| !a.is_empty() && fold(a) != fold(name))
                .collect(),
            old_districts: split_list(header.get(&record, "old_districts")),
            units: units
                .into_iter()
                .map(|unit| StreetUnit {
                    unit,
                    length_m: lengths.get(&unit).copied(),
                    point: None,
                })
                .collect(),
            source,
            clipped: method.contains("clipped"),
            point,
            lines: Vec::new(),
            bbox: None,
        });
    }
    Ok(out)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Joins each feature of `streets.geojson` to the row with the same name and unit list (the
/// first one without a line yet); a feature with no row becomes a street of its own.
fn attach_lines(
    streets: &mut Vec<Street>,
    reader: impl Read,
    unit_index: &HashMap<String, usize>,
) -> Result<(), UnitsError> {
    let file = STREETS_GEOJSON;
    let value: Value = serde_json::from_reader(reader)
        .map_err(|e| row_error(file, e.line() as u64, format!("not valid JSON: {e}")))?;
    let Some(features) = value.get("features").and_then(Value::as_array) else {
        return Err(row_error(file, 1, "not a FeatureCollection"));
    };
    for (i, feature) in features.iter().enumerate() {
        let at = i as u64 + 1;
        let props = feature.get("properties").unwrap_or(&Value::Null);
        let text = |key: &str| props.get(key).and_then(Value::as_str).unwrap_or("").trim();
        let name = text("name");
        if name.is_empty() {
            return Err(row_error(file, at, "feature without a name"));
        }
        let lines = parse_lines(feature.get("geometry").unwrap_or(&Value::Null))
            .map_err(|m| row_error(file, at, format!("feature {name:?}: {m}")))?;
        let units = unit_codes(file, at, text("units"), unit_index)?;
        let key = fold(name);
        let row = streets.iter_mut().find(|s| {
            s.lines.is_empty()
                && fold(&s.name) == key
                && s.units.iter().map(|u| u.unit).collect::<Vec<_>>() == units
        });
        match row {
            Some(street) => street.lines = lines,
            None => {
                if units.is_empty() {
                    return Err(row_error(
                        file,
                        at,
                        format!("feature {name:?} has no units"),
                    ));
                }
                streets.push(Street {
                    name: name.to_owned(),
                    kind: text("kind").to_owned(),
                    full_name: match text("full_name") {
                        "" => name.to_owned(),
                        f => f.to_owned(),
                    },
                    alt_names: Vec::new(),
                    old_districts: split_list(text("old_districts")),
                    units: units
                        .into_iter()
                        .map(|unit| StreetUnit {
                            unit,
                            length_m: None,
                            point: None,
                        })
                        .collect(),
                    source: StreetSource::Geometry,
                    clipped: false,
                    point: None,
                    lines,
                    bbox: None,
                });
            }
        }
    }
    Ok(())
}

fn parse_lines(geometry: &Value) -> Result<Vec<Vec<Position>>, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry.get("coordinates").ok_or("no coordinates")?;
    let line = |v: &Value| -> Result<Vec<Position>, String> {
        let points = v.as_array().ok_or("a line is not an array")?;
        let mut out = Vec::with_capacity(points.len());
        for p in points {
            let lon = p.get(0).and_then(Value::as_f64);
            let lat = p.get(1).and_then(Value::as_f64);
            match (lon, lat) {
                (Some(lon), Some(lat)) if super::geometry::valid_coordinate(lat, lon) => {
                    out.push([lon, lat])
                }
                _ => return Err(format!("bad position {p}")),
            }
        }
        if out.len() < 2 {
            return Err("a line needs two positions".into());
        }
        Ok(out)
    };
    match kind {
        "LineString" => Ok(vec![line(coords)?]),
        "MultiLineString" => coords
            .as_array()
            .ok_or_else(|| "coordinates are not an array".to_owned())?
            .iter()
            .map(line)
            .collect(),
        other => Err(format!("geometry type {other:?} is not a line")),
    }
}

/// Fills the bounding box, the point in each unit, and the representative point.
fn finish_street(street: &mut Street, jurisdiction: &Jurisdiction) {
    if street.lines.is_empty() {
        if let (Some(p), Some(first)) = (street.point, street.units.first_mut()) {
            if jurisdiction.unit_at(p.lat, p.lon) == Some(first.unit) {
                first.point = Some(p);
            }
        }
        return;
    }
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    // Per unit: the vertices that fall in it, to take the middle one.
    let mut inside: HashMap<usize, Vec<Position>> = HashMap::new();
    for line in &street.lines {
        for (k, p) in line.iter().enumerate() {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
            if let Some(u) = jurisdiction.unit_at(p[1], p[0]) {
                inside.entry(u).or_default().push(*p);
            }
            // Segment midpoints too: a short piece inside a unit may hold no vertex.
            if let Some(next) = line.get(k + 1) {
                let mid = [(p[0] + next[0]) / 2.0, (p[1] + next[1]) / 2.0];
                if let Some(u) = jurisdiction.unit_at(mid[1], mid[0]) {
                    inside.entry(u).or_default().push(mid);
                }
            }
        }
    }
    street.bbox = Some(bbox);
    for su in &mut street.units {
        if let Some(points) = inside.get(&su.unit) {
            let p = points[points.len() / 2];
            su.point = Some(LatLon {
                lat: p[1],
                lon: p[0],
            });
        }
    }
    if street.point.is_none() {
        street.point = street.units.iter().find_map(|u| u.point);
    }
}

fn read_places(
    reader: impl Read,
    unit_index: &HashMap<String, usize>,
    jurisdiction: &Jurisdiction,
) -> Result<Vec<Place>, UnitsError> {
    let file = PLACES_CSV;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header = Header::read(&mut csv, file, &["name", "lat", "lon"])?;
    let mut out = Vec::new();
    for (i, record) in csv.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| row_error(file, line, e.to_string()))?;
        let name = header.get(&record, "name");
        if name.is_empty() {
            return Err(row_error(file, line, "empty name"));
        }
        let lat = parse_f64(file, line, "lat", header.get(&record, "lat"))?;
        let lon = parse_f64(file, line, "lon", header.get(&record, "lon"))?;
        let (Some(lat), Some(lon)) = (lat, lon) else {
            return Err(row_error(file, line, "lat and lon are required"));
        };
        if !super::geometry::valid_coordinate(lat, lon) {
            return Err(row_error(file, line, format!("invalid point {lat}, {lon}")));
        }
        let given = header.get(&record, "unit_code");
        let unit = if given.is_empty() {
            match jurisdiction.unit_at(lat, lon) {
                Some(u) => u,
                // Outside every unit: not a place of this province.
                None => continue,
            }
        } else {
            *unit_index.get(given).ok_or_else(|| {
                row_error(file, line, format!("unit code {given} is not in units.csv"))
            })?
        };
        out.push(Place {
            name: name.to_owned(),
            category: header.get(&record, "category").to_owned(),
            point: LatLon { lat, lon },
            unit,
        });
    }
    Ok(out)
}

/// Where two streets come closest, and how far apart they are there (metres): the crossing
/// point when their lines cross. `None` when either has no line or their boxes are more than
/// `max_m` apart.
pub(crate) fn closest_approach(a: &Street, b: &Street, max_m: f64) -> Option<(LatLon, f64)> {
    let (ba, bb) = (a.bbox?, b.bbox?);
    let scale = Scale::at((ba[1] + ba[3]) / 2.0);
    let gap = scale.dist2_box_to_box(
        &super::geometry::Bbox {
            min: [ba[0], ba[1]],
            max: [ba[2], ba[3]],
        },
        [bb[0], bb[1]],
        [bb[2], bb[3]],
    );
    if gap > max_m * max_m {
        return None;
    }
    let mut best: Option<(Position, f64)> = None;
    let mut consider = |p: Position, d2: f64| {
        if best.is_none_or(|(_, b)| d2 < b) {
            best = Some((p, d2));
        }
    };
    for la in &a.lines {
        for sa in la.windows(2) {
            for lb in &b.lines {
                for sb in lb.windows(2) {
                    if let Some(x) = crossing(sa[0], sa[1], sb[0], sb[1]) {
                        consider(x, 0.0);
                        continue;
                    }
                    for (p, s) in [(sa[0], sb), (sa[1], sb), (sb[0], sa), (sb[1], sa)] {
                        let d2 = scale.dist2_to_segment(p, s[0], s[1]);
                        // The midpoint between the vertex and the nearest end is close enough
                        // for a junction's point.
                        let q = nearest_on_segment(p, s[0], s[1], &scale);
                        consider([(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0], d2);
                    }
                }
            }
        }
    }
    let (p, d2) = best?;
    let d = d2.sqrt();
    (d <= max_m).then_some((
        LatLon {
            lat: p[1],
            lon: p[0],
        },
        d,
    ))
}

fn nearest_on_segment(p: Position, a: Position, b: Position, scale: &Scale) -> Position {
    let abx = (b[0] - a[0]) * scale.kx;
    let aby = (b[1] - a[1]) * scale.ky;
    let apx = (p[0] - a[0]) * scale.kx;
    let apy = (p[1] - a[1]) * scale.ky;
    let len2 = abx * abx + aby * aby;
    let t = if len2 > 0.0 {
        ((apx * abx + apy * aby) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]
}

/// The point where segments p1–p2 and q1–q2 cross, if they do.
fn crossing(p1: Position, p2: Position, q1: Position, q2: Position) -> Option<Position> {
    let r = [p2[0] - p1[0], p2[1] - p1[1]];
    let s = [q2[0] - q1[0], q2[1] - q1[1]];
    let denom = r[0] * s[1] - r[1] * s[0];
    if denom == 0.0 {
        return None;
    }
    let qp = [q1[0] - p1[0], q1[1] - p1[1]];
    let t = (qp[0] * s[1] - qp[1] * s[0]) / denom;
    let u = (qp[0] * r[1] - qp[1] * r[0]) / denom;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u))
        .then(|| [p1[0] + t * r[0], p1[1] + t * r[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn street(lines: Vec<Vec<Position>>) -> Street {
        let mut s = Street {
            name: "X".into(),
            kind: String::new(),
            full_name: "X".into(),
            alt_names: Vec::new(),
            old_districts: Vec::new(),
            units: Vec::new(),
            source: StreetSource::Geometry,
            clipped: false,
            point: None,
            lines,
            bbox: None,
        };
        let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in s.lines.iter().flatten() {
            bbox = [
                bbox[0].min(p[0]),
                bbox[1].min(p[1]),
                bbox[2].max(p[0]),
                bbox[3].max(p[1]),
            ];
        }
        s.bbox = Some(bbox);
        s
    }

    #[test]
    fn crossing_streets_meet_at_their_crossing() {
        let a = street(vec![vec![[105.0, 21.0], [105.01, 21.0]]]);
        let b = street(vec![vec![[105.005, 20.995], [105.005, 21.005]]]);
        let (p, d) = closest_approach(&a, &b, 50.0).unwrap();
        assert!(d == 0.0);
        assert!((p.lon - 105.005).abs() < 1e-9 && (p.lat - 21.0).abs() < 1e-9);
    }

    #[test]
    fn streets_that_stop_short_meet_within_the_limit_only() {
        let a = street(vec![vec![[105.0, 21.0], [105.01, 21.0]]]);
        // Starts about 22 m north of a.
        let b = street(vec![vec![[105.005, 21.0002], [105.005, 21.005]]]);
        let (p, d) = closest_approach(&a, &b, 50.0).unwrap();
        assert!((d - 22.2).abs() < 1.0, "{d}");
        assert!((p.lat - 21.0001).abs() < 1e-6);
        assert!(closest_approach(&a, &b, 10.0).is_none());
        let far = street(vec![vec![[105.1, 21.1], [105.2, 21.2]]]);
        assert!(closest_approach(&a, &far, 100.0).is_none());
    }

    #[test]
    fn lines_parse_and_reject_bad_positions() {
        let ok: Value =
            serde_json::json!({"type":"LineString","coordinates":[[105.0,21.0],[105.1,21.1]]});
        assert_eq!(parse_lines(&ok).unwrap().len(), 1);
        let bad: Value =
            serde_json::json!({"type":"LineString","coordinates":[[105.0,21.0],["x",21.1]]});
        assert!(parse_lines(&bad).is_err());
        let short: Value = serde_json::json!({"type":"LineString","coordinates":[[105.0,21.0]]});
        assert!(parse_lines(&short).is_err());
        let poly: Value = serde_json::json!({"type":"Polygon","coordinates":[]});
        assert!(parse_lines(&poly).is_err());
    }
}
