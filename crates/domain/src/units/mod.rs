//! The reference geography of one province: its commune-level units (phường, xã, …), their
//! boundaries, which unit owns a point on the map, which unit an address names (including
//! old ward and district names from before the 2025 reform), and display boundaries.
//!
//! # Brief overview
//!
//! [`UnitDirectory::load`] reads a folder holding `units.csv` and `units.geojson` (the format
//! is described in `docs/units-format.md`). Nothing about a particular province is built in:
//! names, codes, the old→new mapping and the polygons all come from the folder.
//!
//! - [`UnitDirectory::locate`] answers "whose jurisdiction is this point?" with a
//!   [`Location`]: inside a unit (with the distance to its boundary and, near the boundary,
//!   the unit on the other side), snapped to the nearest unit when the point fell a few metres
//!   outside every polygon, or outside the jurisdiction. [`UnitDirectory::unit_at`] is the
//!   bare point-in-polygon part.
//! - [`UnitDirectory::resolve_address`] turns free address text into ranked
//!   [`AddressMatch`]es.
//! - [`UnitDirectory::feature`] and [`UnitDirectory::feature_collection`] give simplified
//!   GeoJSON for maps; lookups always use the full-resolution polygons.
//! - [`org`] describes the police organisation that matches the units: the provincial
//!   headquarters with its departments, and one police unit per commune/ward.
//!
//! # Example
//!
//! ```
//! use domain::units::{JurisdictionConfig, Location, UnitDirectory};
//!
//! let csv = "code,name,full_name,type,province_code,province_name,center_lat,center_lon,old_unit_codes,old_units\n\
//!            00001,An Bình,Phường An Bình,phường,99,Tỉnh Mẫu,10.5,106.5,00007:full,Xã Cũ [Huyện Xưa]\n";
//! let geojson = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
//!     "properties":{"code":"00001"},
//!     "geometry":{"type":"Polygon","coordinates":[[[106.4,10.4],[106.6,10.4],[106.6,10.6],[106.4,10.6],[106.4,10.4]]]}}]}"#;
//! let units = UnitDirectory::from_readers(csv.as_bytes(), geojson.as_bytes(), JurisdictionConfig::default())?;
//!
//! match units.locate(10.5, 106.5)? {
//!     Location::Inside { unit, near_boundary, .. } => {
//!         assert_eq!(unit.code, "00001");
//!         assert!(!near_boundary);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert!(units.locate(21.0, 105.8)?.is_outside());
//! assert_eq!(units.resolve_address("xa Cu, huyen Xua")[0].unit.code, "00001");
//! # Ok::<(), domain::units::UnitsError>(())
//! ```

#![warn(missing_docs)]

mod address;
mod display;
mod error;
mod gazetteer;
mod geometry;
mod index;
mod load;
mod numbering;
pub mod org;
mod resolve;
mod search;
mod slips;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Serialize;

pub use address::{AddressMatch, MatchReason};
pub use display::DisplayOptions;
pub use error::UnitsError;
pub use gazetteer::{Gazetteer, GazetteerStats, Place, Street, StreetSource, StreetUnit};
pub use geometry::{Geometry, LatLon, Polygon, Position, METRES_PER_DEGREE};
pub use index::{GridStats, JurisdictionConfig};
pub use resolve::{
    Candidate, Evidence, EvidenceKind, PointSource, Resolution, ResolvedPoint, MAX_CANDIDATES,
};
pub use search::{HitKind, SearchHit};

use address::AddressIndex;
use display::Topology;
use index::{Jurisdiction, RawLocation};

/// The kind of a commune-level unit. The label from the data is kept in
/// [`Unit::kind_label`]; this enum is for code that must branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Phường: an urban ward.
    Phuong,
    /// Xã: a rural commune.
    Xa,
    /// Thị trấn: a township (abolished in most provinces in 2025, kept for other data).
    ThiTran,
    /// Đặc khu: a special zone (island districts since 2025).
    DacKhu,
    /// Any other label.
    Other,
}

impl UnitKind {
    /// Reads a label such as "phường", "Xã" or "thi tran" (case and diacritics ignored).
    pub fn from_label(label: &str) -> UnitKind {
        match crate::text::fold(label).as_str() {
            "phuong" => UnitKind::Phuong,
            "xa" => UnitKind::Xa,
            "thi tran" => UnitKind::ThiTran,
            "dac khu" => UnitKind::DacKhu,
            _ => UnitKind::Other,
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            UnitKind::Phuong => "ward",
            UnitKind::Xa => "commune",
            UnitKind::ThiTran => "township",
            UnitKind::DacKhu => "special zone",
            UnitKind::Other => "unit",
        }
    }
}

/// How much of an old unit went into a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Share {
    /// The whole old unit went into this new unit.
    Full,
    /// Only part of it ("một phần"); the rest went to one or more other units.
    Partial,
}

/// An old (pre-reform) unit that went, wholly or in part, into a new unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OldUnitLink {
    /// The old unit's code.
    pub code: String,
    /// Its full name, e.g. "Phường Cống Vị".
    pub full_name: String,
    /// Its name without the kind word, e.g. "Cống Vị".
    pub name: String,
    /// Its kind word as written, e.g. "Phường", "Xã", "Thị trấn" (empty when none was given).
    pub kind: String,
    /// Its old district, e.g. "Quận Ba Đình", when the data gives it.
    pub district: Option<String>,
    /// Whether all of it or only part of it went into this new unit.
    pub share: Share,
}

/// One commune-level unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    /// Official unit code (mã đơn vị hành chính), e.g. "00004".
    pub code: String,
    /// Name without the kind word, e.g. "Ba Đình".
    pub name: String,
    /// Full name, e.g. "Phường Ba Đình".
    pub full_name: String,
    /// Kind, parsed from [`Unit::kind_label`].
    pub kind: UnitKind,
    /// Kind as written in the data, e.g. "phường".
    pub kind_label: String,
    /// Province code, e.g. "01".
    pub province_code: String,
    /// Province name, e.g. "Thành phố Hà Nội".
    pub province_name: String,
    /// Area in km², when given.
    pub area_km2: Option<f64>,
    /// Population, when given.
    pub population: Option<u64>,
    /// Address of the unit's administrative centre, as text.
    pub admin_center: Option<String>,
    /// A point for the label on a map: `center_lat`/`center_lon` from the data, or, when
    /// those are empty, a point computed inside the polygon.
    pub label: LatLon,
    /// Old units that went into this one, in the order of the data.
    pub old_units: Vec<OldUnitLink>,
    /// The wording of the reorganisation, when given.
    pub before_merger_text: Option<String>,
    /// Full-resolution boundary, used for lookups.
    #[serde(skip)]
    pub geometry: Geometry,
}

/// The province the directory covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Province {
    /// Province code, e.g. "01".
    pub code: String,
    /// Province name as in the data, e.g. "Thành phố Hà Nội".
    pub name: String,
}

/// Whose jurisdiction a point is in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Location<'a> {
    /// Inside `unit`'s polygon.
    Inside {
        /// The unit that owns the point.
        unit: &'a Unit,
        /// Distance to the unit's boundary in metres.
        boundary_distance_m: f64,
        /// Whether that distance is within [`JurisdictionConfig::near_boundary_m`]: the
        /// reference boundaries are only accurate to about ±50 m, so such a point may really
        /// belong to the neighbour and an operator should confirm.
        near_boundary: bool,
        /// When near the boundary, the other unit whose boundary is also within the
        /// threshold (the one on the other side). `None` when the near edge is the province's
        /// outer edge.
        neighbour: Option<&'a Unit>,
    },
    /// Outside every polygon but within [`JurisdictionConfig::snap_tolerance_m`] of `unit`
    /// (a sliver between polygons, or a few metres past the outer edge). Answered with that
    /// unit, and marked so that the answer is not mistaken for a polygon hit.
    Snapped {
        /// The nearest unit.
        unit: &'a Unit,
        /// Distance to its boundary in metres.
        distance_m: f64,
    },
    /// Outside the jurisdiction: no unit contains the point or is within the snap tolerance.
    Outside,
}

impl<'a> Location<'a> {
    /// The unit the point is attributed to, if any (inside or snapped).
    pub fn unit(&self) -> Option<&'a Unit> {
        match self {
            Location::Inside { unit, .. } | Location::Snapped { unit, .. } => Some(unit),
            Location::Outside => None,
        }
    }

    /// Whether the point is outside the jurisdiction.
    pub fn is_outside(&self) -> bool {
        matches!(self, Location::Outside)
    }
}

/// The units of one province with everything needed to answer about them.
#[derive(Debug)]
pub struct UnitDirectory {
    province: Province,
    units: Vec<Unit>,
    by_code: HashMap<String, usize>,
    jurisdiction: Jurisdiction,
    address: AddressIndex,
    topology: Topology,
    gazetteer: Gazetteer,
    /// The urban core, from which streets are numbered outwards.
    core: Option<LatLon>,
}

const UNITS_CSV: &str = "units.csv";
const UNITS_GEOJSON: &str = "units.geojson";

impl UnitDirectory {
    /// Loads `units.csv` and `units.geojson` from `dir` with the default
    /// [`JurisdictionConfig`], and the optional gazetteer files `streets.csv`,
    /// `streets.geojson` and `places.csv` when the folder has them.
    pub fn load(dir: &Path) -> Result<UnitDirectory, UnitsError> {
        Self::load_with(dir, JurisdictionConfig::default())
    }

    /// Loads `units.csv` and `units.geojson` from `dir`.
    pub fn load_with(dir: &Path, config: JurisdictionConfig) -> Result<UnitDirectory, UnitsError> {
        if !dir.is_dir() {
            return Err(UnitsError::MissingDir {
                dir: dir.to_path_buf(),
            });
        }
        let open = |file: &'static str| {
            let path = dir.join(file);
            if !path.is_file() {
                return Err(UnitsError::MissingFile {
                    dir: dir.to_path_buf(),
                    file,
                });
            }
            File::open(&path)
                .map(BufReader::new)
                .map_err(|source| UnitsError::Io { path, source })
        };
        let csv = open(UNITS_CSV)?;
        let geojson = open(UNITS_GEOJSON)?;
        let mut directory = Self::from_readers(csv, geojson, config)?;
        let optional = |file: &'static str| -> Result<Option<BufReader<File>>, UnitsError> {
            let path = dir.join(file);
            if !path.is_file() {
                return Ok(None);
            }
            File::open(&path)
                .map(|f| Some(BufReader::new(f)))
                .map_err(|source| UnitsError::Io { path, source })
        };
        let streets = optional(gazetteer::STREETS_CSV)?;
        let lines = optional(gazetteer::STREETS_GEOJSON)?;
        let places = optional(gazetteer::PLACES_CSV)?;
        if streets.is_some() || lines.is_some() || places.is_some() {
            directory.load_gazetteer(streets, lines, places)?;
        }
        Ok(directory)
    }

    /// Builds a directory from the contents of `units.csv` and `units.geojson`.
    pub fn from_readers(
        units_csv: impl Read,
        units_geojson: impl Read,
        config: JurisdictionConfig,
    ) -> Result<UnitDirectory, UnitsError> {
        let rows = load::read_units_csv(units_csv)?;
        let features = load::read_geojson(units_geojson)?;
        let by_code: HashMap<String, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.unit.code.clone(), i))
            .collect();
        let mut geometries: Vec<Option<Geometry>> = vec![None; rows.len()];
        for feature in features {
            let Some(&i) = by_code.get(&feature.code) else {
                return Err(UnitsError::UnknownFeatureCode {
                    index: feature.index,
                    code: feature.code,
                });
            };
            if geometries[i].is_some() {
                return Err(UnitsError::DuplicateCode {
                    file: UNITS_GEOJSON,
                    code: feature.code,
                    where_: format!("feature {}", feature.index),
                });
            }
            let unit = &rows[i].unit;
            let names = [
                (feature.name.as_deref(), unit.name.as_str()),
                (feature.full_name.as_deref(), unit.full_name.as_str()),
            ];
            for (geo, csv) in names {
                if let Some(geo) = geo {
                    if crate::text::fold(geo) != crate::text::fold(csv) {
                        return Err(UnitsError::NameMismatch {
                            index: feature.index,
                            code: feature.code,
                            csv_name: csv.to_owned(),
                            geojson_name: geo.to_owned(),
                        });
                    }
                }
            }
            feature
                .geometry
                .validate()
                .map_err(|reason| UnitsError::InvalidGeometry {
                    code: feature.code.clone(),
                    reason,
                })?;
            geometries[i] = Some(feature.geometry);
        }
        let mut units = Vec::with_capacity(rows.len());
        for (row, geometry) in rows.into_iter().zip(geometries) {
            let mut unit = row.unit;
            unit.geometry = geometry.ok_or_else(|| UnitsError::MissingGeometry {
                code: unit.code.clone(),
                line: row.line,
            })?;
            if !row.label_given {
                unit.label =
                    unit.geometry
                        .interior_point()
                        .ok_or_else(|| UnitsError::InvalidGeometry {
                            code: unit.code.clone(),
                            reason: "no interior point for a label".to_owned(),
                        })?;
            }
            units.push(unit);
        }
        let province = Province {
            code: units[0].province_code.clone(),
            name: units[0].province_name.clone(),
        };
        let refs: Vec<&Geometry> = units.iter().map(|u| &u.geometry).collect();
        let jurisdiction = Jurisdiction::build(&refs, config);
        let topology = Topology::build(&refs);
        let gazetteer = Gazetteer::default();
        let address = AddressIndex::build(&units, &province, &gazetteer);
        let core = numbering::urban_core(&units);
        Ok(UnitDirectory {
            province,
            units,
            by_code,
            jurisdiction,
            address,
            topology,
            gazetteer,
            core,
        })
    }

    /// Adds the street and place gazetteer from the contents of `streets.csv`,
    /// `streets.geojson` and `places.csv` (each optional), replacing any loaded before.
    pub fn load_gazetteer(
        &mut self,
        streets_csv: Option<impl Read>,
        streets_geojson: Option<impl Read>,
        places_csv: Option<impl Read>,
    ) -> Result<GazetteerStats, UnitsError> {
        let gazetteer = gazetteer::load(
            streets_csv,
            streets_geojson,
            places_csv,
            &self.by_code,
            &self.jurisdiction,
        )?;
        self.address = AddressIndex::build(&self.units, &self.province, &gazetteer);
        self.core = numbering::street_core(gazetteer.streets.iter().flat_map(|s| &s.lines))
            .or_else(|| numbering::urban_core(&self.units));
        self.gazetteer = gazetteer;
        Ok(self.gazetteer.stats())
    }

    /// The streets and places loaded (empty when the folder has none).
    pub fn gazetteer(&self) -> &Gazetteer {
        &self.gazetteer
    }

    /// The units a street runs through, as units of this directory.
    pub fn street_units<'a>(&'a self, street: &'a Street) -> impl Iterator<Item = &'a Unit> + 'a {
        street.units.iter().map(|su| &self.units[su.unit])
    }

    /// The unit a place lies in.
    pub fn place_unit(&self, place: &Place) -> &Unit {
        &self.units[place.unit]
    }

    /// The province covered.
    pub fn province(&self) -> &Province {
        &self.province
    }

    /// All units, in the order of `units.csv`.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    /// Number of units.
    pub fn len(&self) -> usize {
        self.units.len()
    }

    /// Whether there is no unit (never true for a loaded directory).
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The unit with this code.
    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.by_code.get(code).map(|i| &self.units[*i])
    }

    /// The thresholds in force.
    pub fn config(&self) -> &JurisdictionConfig {
        self.jurisdiction.config()
    }

    /// Changes the near-boundary threshold (metres); takes effect immediately.
    pub fn set_near_boundary_m(&mut self, metres: f64) {
        self.jurisdiction.set_near_boundary_m(metres);
    }

    /// Whose jurisdiction the point is in, with the distance to the boundary, the
    /// near-boundary flag and the neighbour, or a snapped or outside answer. This is the one
    /// call the server makes for a point, and the one the benchmark measures.
    pub fn locate(&self, lat: f64, lon: f64) -> Result<Location<'_>, UnitsError> {
        check(lat, lon)?;
        Ok(match self.jurisdiction.locate(lat, lon) {
            RawLocation::Inside {
                unit,
                boundary_distance_m,
                near_boundary,
                neighbour,
            } => Location::Inside {
                unit: &self.units[unit],
                boundary_distance_m,
                near_boundary,
                neighbour: neighbour.map(|n| &self.units[n]),
            },
            RawLocation::Snapped { unit, distance_m } => Location::Snapped {
                unit: &self.units[unit],
                distance_m,
            },
            RawLocation::Outside => Location::Outside,
        })
    }

    /// Only the point-in-polygon part of [`UnitDirectory::locate`]: the unit whose polygon
    /// contains the point, with no distance, no neighbour and no snapping.
    pub fn unit_at(&self, lat: f64, lon: f64) -> Result<Option<&Unit>, UnitsError> {
        check(lat, lon)?;
        Ok(self.jurisdiction.unit_at(lat, lon).map(|u| &self.units[u]))
    }

    /// Distance in metres from the point to the boundary of the unit `code`.
    pub fn boundary_distance_m(&self, code: &str, lat: f64, lon: f64) -> Result<f64, UnitsError> {
        check(lat, lon)?;
        let unit = self.index_of(code)?;
        Ok(self.jurisdiction.boundary_distance_m(unit, lat, lon))
    }

    /// The unit with the nearest boundary within `max_m` metres, and that distance. Useful to
    /// tell an operator which unit an outside point is closest to.
    pub fn nearest_unit(
        &self,
        lat: f64,
        lon: f64,
        max_m: f64,
    ) -> Result<Option<(&Unit, f64)>, UnitsError> {
        check(lat, lon)?;
        Ok(self
            .jurisdiction
            .nearest_unit(lat, lon, max_m)
            .map(|(u, d)| (&self.units[u], d)))
    }

    /// How the lookup grid's cells split; for benchmarks and documentation.
    pub fn grid_stats(&self) -> GridStats {
        self.jurisdiction.stats()
    }

    fn index_of(&self, code: &str) -> Result<usize, UnitsError> {
        self.by_code
            .get(code)
            .copied()
            .ok_or_else(|| UnitsError::UnknownUnit {
                code: code.to_owned(),
            })
    }
}

/// A directory for tests: the units of `csv` as `n` squares of 0.1° side by side, west to
/// east from 106.0 E, between 10.0 and 10.1 N, coded 001, 002, ….
#[cfg(test)]
pub(crate) fn test_squares(csv: &str, n: usize) -> UnitDirectory {
    let features: Vec<String> = (0..n)
        .map(|i| {
            let x0 = 106.0 + 0.1 * i as f64;
            format!(
                r#"{{"type":"Feature","properties":{{"code":"{:03}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},10.0],[{x1},10.0],[{x1},10.1],[{x0},10.1],[{x0},10.0]]]}}}}"#,
                i + 1,
                x1 = x0 + 0.1
            )
        })
        .collect();
    let gj = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    UnitDirectory::from_readers(csv.as_bytes(), gj.as_bytes(), JurisdictionConfig::default())
        .expect("test units load")
}

fn check(lat: f64, lon: f64) -> Result<(), UnitsError> {
    if geometry::valid_coordinate(lat, lon) {
        Ok(())
    } else {
        Err(UnitsError::InvalidCoordinate { lat, lon })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "code,name,full_name,type,province_code,province_name,center_lat,center_lon,old_unit_codes,old_units\n\
        001,Đông,Phường Đông,phường,99,Tỉnh Thử,,,,\n\
        002,Tây,Xã Tây,xã,99,Tỉnh Thử,10.5,106.45,,\n";

    fn geojson(features: &str) -> String {
        format!(r#"{{"type":"FeatureCollection","features":[{features}]}}"#)
    }

    fn feature(code: &str, x0: f64) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},10.4],[{x1},10.4],[{x1},10.6],[{x0},10.6],[{x0},10.4]]]}}}}"#,
            x1 = x0 + 0.1
        )
    }

    #[test]
    fn loads_and_computes_missing_label_point() {
        let gj = geojson(&format!(
            "{},{}",
            feature("001", 106.5),
            feature("002", 106.4)
        ));
        let d = UnitDirectory::from_readers(
            CSV.as_bytes(),
            gj.as_bytes(),
            JurisdictionConfig::default(),
        )
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d.province().name, "Tỉnh Thử");
        let east = d.get("001").unwrap();
        assert!(east.geometry.contains(east.label.lon, east.label.lat));
        assert_eq!(
            d.get("002").unwrap().label,
            LatLon {
                lat: 10.5,
                lon: 106.45
            }
        );
        assert_eq!(d.get("002").unwrap().kind, UnitKind::Xa);
        let at = d.locate(10.5, 106.55).unwrap();
        assert!(matches!(at, Location::Inside { unit, .. } if unit.code == "001"));
        assert!(matches!(
            d.locate(f64::NAN, 1.0),
            Err(UnitsError::InvalidCoordinate { .. })
        ));
        assert!(matches!(
            d.boundary_distance_m("999", 10.5, 106.5),
            Err(UnitsError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn feature_errors() {
        let cfg = JurisdictionConfig::default;
        let gj = geojson(&format!(
            "{},{}",
            feature("001", 106.5),
            feature("003", 106.4)
        ));
        let e = UnitDirectory::from_readers(CSV.as_bytes(), gj.as_bytes(), cfg()).unwrap_err();
        assert!(
            matches!(e, UnitsError::UnknownFeatureCode { index: 1, .. }),
            "{e}"
        );
        let gj = geojson(&feature("001", 106.5));
        let e = UnitDirectory::from_readers(CSV.as_bytes(), gj.as_bytes(), cfg()).unwrap_err();
        assert!(e.to_string().contains("unit 002"), "{e}");
        let gj = geojson(&format!(
            "{},{},{}",
            feature("001", 106.5),
            feature("002", 106.4),
            feature("001", 106.7)
        ));
        let e = UnitDirectory::from_readers(CSV.as_bytes(), gj.as_bytes(), cfg()).unwrap_err();
        assert!(matches!(e, UnitsError::DuplicateCode { .. }), "{e}");
        let named =
            feature("001", 106.5).replace(r#""code":"001""#, r#""code":"001","name":"Bắc""#);
        let gj = geojson(&format!("{named},{}", feature("002", 106.4)));
        let e = UnitDirectory::from_readers(CSV.as_bytes(), gj.as_bytes(), cfg()).unwrap_err();
        assert!(matches!(e, UnitsError::NameMismatch { .. }), "{e}");
        let open = feature("001", 106.5).replace(",[106.5,10.4]]]", "]]");
        let gj = geojson(&format!("{open},{}", feature("002", 106.4)));
        let e = UnitDirectory::from_readers(CSV.as_bytes(), gj.as_bytes(), cfg()).unwrap_err();
        assert!(e.to_string().contains("not closed"), "{e}");
    }

    #[test]
    fn missing_folder_and_files_say_what_to_pass() {
        let e = UnitDirectory::load(Path::new("/nonexistent/units")).unwrap_err();
        assert!(e.to_string().contains("--units"), "{e}");
        let dir = std::env::temp_dir().join(format!("binhyen-units-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = UnitDirectory::load(&dir).unwrap_err();
        assert!(e.to_string().starts_with("units.csv not found in"), "{e}");
        std::fs::write(dir.join("units.csv"), CSV).unwrap();
        let e = UnitDirectory::load(&dir).unwrap_err();
        assert!(
            e.to_string().starts_with("units.geojson not found in"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    proptest::proptest! {
        /// Arbitrary rows and arbitrary GeoJSON text give a directory or an error, never a
        /// panic.
        #[test]
        fn loading_never_panics(
            rows in proptest::collection::vec("[0-9A-Za-zàđ ,.;:\\[\\]()\"-]{0,80}", 0..4),
            text in "[\\[\\]{}:,\"0-9a-zA-Z. -]{0,120}",
        ) {
            let header = "code,name,full_name,type,province_code,province_name,center_lat,center_lon,old_unit_codes,old_units\n";
            let csv = format!("{header}{}", rows.join("\n"));
            let _ = UnitDirectory::from_readers(csv.as_bytes(), text.as_bytes(), JurisdictionConfig::default());
            let gj = geojson(&feature("001", 106.5));
            let _ = UnitDirectory::from_readers(csv.as_bytes(), gj.as_bytes(), JurisdictionConfig::default());
        }
    }

    #[test]
    fn kind_labels() {
        assert_eq!(UnitKind::from_label("Phường"), UnitKind::Phuong);
        assert_eq!(UnitKind::from_label("thi tran"), UnitKind::ThiTran);
        assert_eq!(UnitKind::from_label("Đặc khu"), UnitKind::DacKhu);
        assert_eq!(UnitKind::from_label("ấp"), UnitKind::Other);
    }
}
