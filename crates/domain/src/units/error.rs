//! The one error type of the units area: loading a units folder and asking it questions.

use std::path::PathBuf;

/// What went wrong while loading a units folder or answering a query about it.
///
/// Loading errors name the file, the line (for `units.csv`) or the feature (for
/// `units.geojson`) and what was expected, so that whoever prepares another province's data
/// can fix it without reading code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UnitsError {
    /// The folder given with `--units` does not exist or is not a folder.
    #[error("units folder {dir} not found: pass --units with a folder holding units.csv and units.geojson")]
    MissingDir {
        /// The folder that was asked for.
        dir: PathBuf,
    },
    /// One of the two required files is not in the folder.
    #[error(
        "{file} not found in {dir}: pass --units with a folder holding units.csv and units.geojson"
    )]
    MissingFile {
        /// The folder that was searched.
        dir: PathBuf,
        /// The missing file name (`units.csv` or `units.geojson`).
        file: &'static str,
    },
    /// A file exists but could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file that failed.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// `units.csv` lacks a required column.
    #[error(
        "units.csv has no column {column:?} (the header must name it; see docs/units-format.md)"
    )]
    MissingColumn {
        /// The column that is required.
        column: &'static str,
    },
    /// A row of `units.csv` could not be read as CSV (wrong quoting, wrong field count, bad UTF-8).
    #[error("units.csv line {line}: {message}")]
    CsvRow {
        /// 1-based line number in the file.
        line: u64,
        /// What the CSV reader reported.
        message: String,
    },
    /// A field of `units.csv` has a value that does not fit its column.
    #[error("units.csv line {line}, column {column}: {value:?} is not {expected}")]
    BadField {
        /// 1-based line number in the file.
        line: u64,
        /// The column name.
        column: &'static str,
        /// The value found.
        value: String,
        /// What the column must hold.
        expected: &'static str,
    },
    /// The same unit code appears twice.
    #[error("{file}: unit code {code} appears twice ({where_})")]
    DuplicateCode {
        /// `units.csv` or `units.geojson`.
        file: &'static str,
        /// The repeated code.
        code: String,
        /// Where the second copy is (a line or feature number).
        where_: String,
    },
    /// `units.csv` holds units of more than one province.
    #[error("units.csv line {line}: province {found} differs from {expected} on the first row; one folder holds one province")]
    MixedProvinces {
        /// 1-based line number of the offending row.
        line: u64,
        /// The province code of the first row.
        expected: String,
        /// The province code of this row.
        found: String,
    },
    /// `old_unit_codes` and `old_units` of a row do not describe the same old units.
    #[error("units.csv line {line}: old units: {message}")]
    OldUnits {
        /// 1-based line number.
        line: u64,
        /// What does not fit.
        message: String,
    },
    /// `units.csv` has no data row.
    #[error("units.csv has no unit rows")]
    NoUnits,
    /// `units.geojson` is not a GeoJSON FeatureCollection as expected.
    #[error("units.geojson: {message}")]
    GeoJson {
        /// What is wrong, with the feature number when known.
        message: String,
    },
    /// A feature of `units.geojson` names a code that `units.csv` does not have.
    #[error("units.geojson feature {index}: code {code} is not in units.csv")]
    UnknownFeatureCode {
        /// 0-based feature index.
        index: usize,
        /// The code found.
        code: String,
    },
    /// A unit of `units.csv` has no feature in `units.geojson`.
    #[error("unit {code} (units.csv line {line}) has no feature in units.geojson")]
    MissingGeometry {
        /// The unit without a polygon.
        code: String,
        /// Its line in `units.csv`.
        line: u64,
    },
    /// The GeoJSON name of a unit differs from its name in `units.csv`: the two files were
    /// probably built from different code lists.
    #[error("units.geojson feature {index}: code {code} is named {geojson_name:?} but units.csv says {csv_name:?}; the files use different code lists")]
    NameMismatch {
        /// 0-based feature index.
        index: usize,
        /// The code both files use.
        code: String,
        /// The name in `units.csv`.
        csv_name: String,
        /// The name in `units.geojson`.
        geojson_name: String,
    },
    /// A unit's geometry is not a valid polygon or multipolygon.
    #[error("units.geojson: geometry of unit {code} is invalid: {reason}")]
    InvalidGeometry {
        /// The unit code.
        code: String,
        /// What is wrong.
        reason: String,
    },
    /// A coordinate given to a query is not a point on Earth.
    #[error("invalid coordinate: latitude {lat}, longitude {lon} (latitude must be within -90..90 and longitude within -180..180)")]
    InvalidCoordinate {
        /// The latitude given.
        lat: f64,
        /// The longitude given.
        lon: f64,
    },
    /// A query named a unit code that the directory does not hold.
    #[error("unknown unit code {code}")]
    UnknownUnit {
        /// The code asked for.
        code: String,
    },
    /// A row of an optional gazetteer file (streets.csv, streets.geojson, places.csv) is
    /// wrong.
    #[error("{file} line {line}: {message}")]
    Gazetteer {
        /// The file.
        file: &'static str,
        /// Its line (for streets.geojson: the feature's number, from 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
}
