//! Residence and foreigner records, and their measured data quality: "đúng, đủ, sạch, sống"
//! (correct, complete, clean, alive).
//!
//! # Brief overview
//! - [`types`]: persons, households, residence registrations, accommodation establishments and
//!   foreigners' declarations, each kept by one unit (commune/ward code).
//! - [`pin`]: structure of the 12-digit personal identification number, masking.
//! - [`rules`]: every rule as data (id, dimension, legal basis, validity dates, parameters),
//!   built in from `rules.toml`, overridable by a TOML/JSON file.
//! - [`Checker`]: evaluates the rules in force on the check date over a [`RecordSet`] and
//!   returns [`Finding`]s, explained in Vietnamese and English; [`Checker::score`] turns them into
//!   per-unit and city rates ([`QualityReport`]).
//! - [`findings`]: the resolve/dismiss workflow and [`reconcile`] across runs; [`merge`]:
//!   merging duplicate persons with an audit trail.
//! - [`generate`]: deterministic synthetic residents with planted errors and their answer key;
//!   [`measure`](measure::measure) compares findings with it.
//! - [`csv_import`]: CSV parsing with a per-row report.
//!
//! Nothing here reads a clock or touches storage: `now` is an argument, and the address-to-unit
//! lookup is a caller-supplied [`AddressResolver`].
//!
//! # Example
//! ```
//! use chrono::{TimeZone, Utc};
//! use domain::records::{assess, generate_residents, RuleSet};
//!
//! let now = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
//! let units = vec!["00070".to_string(), "00004".to_string()];
//! let data = generate_residents(500, 0.0, 7, &units, now).unwrap();
//! let rules = RuleSet::builtin();
//! let resolver = data.resolver();
//! let result = assess(data.records(), &rules, Some(&resolver), now).unwrap();
//! assert!(result.findings.is_empty());
//! assert_eq!(result.report.city.correct.rate, Some(1.0));
//! ```

pub mod check;
pub mod clean;
pub mod csv_import;
pub mod findings;
pub mod fxhash;
pub mod generate;
pub mod measure;
pub mod merge;
pub mod pin;
pub mod quality;
pub mod resolve;
pub mod rules;
pub mod types;

pub use check::Checker;
pub use csv_import::{parse_declarations_csv, parse_persons_csv, ImportReport, RowError};
pub use findings::{reconcile, work_list, Finding, FindingKey, FindingStatus, StatusChange};
pub use generate::{generate_residents, Generated, GeneratorConfig};
pub use measure::{measure, Detection, DetectionReport, PlantedError};
pub use merge::{merge_persons, FieldChange, FieldConflict, MergeResult, Repoint};
pub use pin::{mask_document, mask_pin, validate_pin, PinContext, PinIssue};
pub use quality::{DimensionScore, QualityReport, UnitQuality};
pub use resolve::{AddressResolver, UnitSuffixResolver};
pub use rules::{ActiveRules, Dimension, Rule, RuleId, RuleSet, Severity};
pub use types::{
    Establishment, EstablishmentKind, ForeignerDeclaration, Household, PermitKind, Person,
    RecordKind, RecordRef, RecordSet, RecordStatus, Registration, RegistrationKind, Sex,
};

use chrono::{DateTime, NaiveDate, Utc};

/// Errors of the records area.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordsError {
    /// A rule file could not be parsed.
    #[error("invalid {format} rule file: {message}")]
    RuleFile {
        /// `toml` or `json`.
        format: &'static str,
        /// The parser's message.
        message: String,
    },
    /// A rule id that no check implements.
    #[error("unknown rule id {id:?}")]
    UnknownRule {
        /// The id found.
        id: String,
    },
    /// Two versions of one rule are valid on the same day.
    #[error("rule {rule} has versions with overlapping validity")]
    OverlappingVersions {
        /// The rule id.
        rule: String,
    },
    /// A rule version ends before it starts.
    #[error("rule {rule} is valid to {valid_to}, before it is valid from {valid_from}")]
    InvalidValidity {
        /// The rule id.
        rule: String,
        /// Start of validity.
        valid_from: NaiveDate,
        /// End of validity.
        valid_to: NaiveDate,
    },
    /// A parameter the rule needs is absent.
    #[error("rule {rule} lacks parameter {param:?}")]
    MissingParam {
        /// The rule id.
        rule: String,
        /// The parameter name.
        param: String,
    },
    /// A parameter has the wrong type or range.
    #[error("rule {rule} parameter {param:?} must be {expected}")]
    BadParam {
        /// The rule id.
        rule: String,
        /// The parameter name.
        param: String,
        /// What was expected.
        expected: String,
    },
    /// A required-fields list names a field the record type does not have.
    #[error("rule {rule} names unknown field {field:?}")]
    UnknownField {
        /// The rule id.
        rule: String,
        /// The field name.
        field: String,
    },
    /// A finding status change that the workflow does not allow.
    #[error("a finding cannot go from {from:?} to {to:?}")]
    InvalidTransition {
        /// Current status.
        from: FindingStatus,
        /// Requested status.
        to: FindingStatus,
    },
    /// A status change or merge without the acting user.
    #[error("the acting user is required")]
    MissingActor,
    /// A status change or merge without a reason.
    #[error("a reason is required")]
    MissingReason,
    /// Merging a person with itself.
    #[error("cannot merge person {id} with itself")]
    SamePerson {
        /// The person id.
        id: String,
    },
    /// The generator needs at least one unit.
    #[error("the generator needs at least one unit code")]
    NoUnits,
    /// The error rate is not within 0..=1.
    #[error("error rate {rate} is not between 0 and 1")]
    BadErrorRate {
        /// The rate given.
        rate: f64,
    },
    /// A CSV file lacks required columns.
    #[error("csv header lacks required columns: {}", missing.join(", "))]
    CsvHeader {
        /// The missing column names.
        missing: Vec<String>,
    },
    /// A CSV file could not be read at all.
    #[error("unreadable csv: {message}")]
    Csv {
        /// The reader's message.
        message: String,
    },
}

/// Findings and scores of one check run.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// Every finding, ordered by record then rule (all open: reconcile with stored findings
    /// before scoring if statuses matter).
    pub findings: Vec<Finding>,
    /// Rates per unit and for the city.
    pub report: QualityReport,
}

/// Checks and scores `records` in one call: the rules of `rules` in force on `now`'s date, with
/// `resolver` for the address rules (skipped when `None`).
pub fn assess(
    records: RecordSet<'_>,
    rules: &RuleSet,
    resolver: Option<&dyn AddressResolver>,
    now: DateTime<Utc>,
) -> Result<Assessment, RecordsError> {
    let checker = Checker::new(rules, resolver, now)?;
    let findings = checker.check(records);
    let report = checker.score(records, &findings);
    Ok(Assessment { findings, report })
}
