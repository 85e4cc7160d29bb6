//! Bulk import of criminal cases (`POST /api/cases/import`): a previous register or a unit's
//! spreadsheet taken over as CSV or XLSX, checked row by row, with every bad row named by its
//! line and the reason. It goes through the same spooled, two-pass import as facilities and
//! devices (`import_slices`): `mode=all` (default) writes nothing when a row is bad,
//! `mode=valid-only` writes the good rows and reports the others.
//!
//! Columns (English or Vietnamese header, any order, case-insensitive; see
//! `docs/statistics.md`): `case_ref` (Số vụ án), `unit` (Đơn vị: the unit code or its
//! Vietnamese name), `article` (Điều), `clause` (Khoản), `bracket_max` (Khung hình phạt:
//! `non_custodial`, `prison:<months>`, `life` or `death`), `summary` (Tóm tắt), `discovered_at`
//! (Ngày phát hiện), `solved_at` (Ngày khám phá), `status` (Trạng thái), `status_at` (Ngày
//! trạng thái), `suspects` (Số đối tượng). Dates are `YYYY-MM-DD`, `DD/MM/YYYY`, either with
//! `HH:MM[:SS]`, in Vietnam time unless an offset is given (RFC 3339), or a spreadsheet date
//! number.

use crate::api::facilities::{
    import_slices, ImportMode, ImportQuery, RowError, SliceCheck, SliceRows, IMPORT_LIMIT,
};
use crate::api::spooled_csv::{LineShift, SpooledCsv};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiResult, Query};
use axum::extract::{DefaultBodyLimit, State};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use domain::access::Role;
use domain::stats::period::vn_offset;
use domain::stats::{CaseStatus, MaxPenalty};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use store::NewCase;

/// The columns and the Vietnamese headers accepted for each (compared after folding case and
/// diacritics).
const COLUMNS: &[(&str, &[&str])] = &[
    ("case_ref", &["so vu an", "so ho so"]),
    ("unit", &["don vi", "unit_code", "ma don vi"]),
    ("article", &["dieu"]),
    ("clause", &["khoan"]),
    (
        "bracket_max",
        &["khung hinh phat", "muc hinh phat cao nhat"],
    ),
    ("summary", &["tom tat", "noi dung"]),
    ("discovered_at", &["ngay phat hien"]),
    ("solved_at", &["ngay kham pha"]),
    ("status", &["trang thai"]),
    ("status_at", &["ngay trang thai"]),
    ("suspects", &["so doi tuong"]),
];

const REQUIRED: &[&str] = &[
    "case_ref",
    "unit",
    "article",
    "bracket_max",
    "discovered_at",
];

/// The column a header names, if any.
fn column_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    let folded = domain::text::fold(&h);
    COLUMNS.iter().find_map(|(name, vi)| {
        (h == *name || folded == name.replace('_', " ") || vi.contains(&folded.as_str()))
            .then_some(*name)
    })
}

/// Reads a date or date-time: RFC 3339 with its offset; `YYYY-MM-DD` or `DD/MM/YYYY`, with
/// an optional `HH:MM[:SS]`, in Vietnam time; or a spreadsheet date number (days since
/// 1899-12-30, Vietnam time).
pub fn parse_when(text: &str) -> Result<DateTime<Utc>, String> {
    let t = text.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    let local = |n: NaiveDateTime| {
        vn_offset()
            .from_local_datetime(&n)
            .single()
            .map(|d| d.with_timezone(&Utc))
            .ok_or_else(|| format!("{t:?} is not a date"))
    };
    if let Ok(serial) = t.parse::<f64>() {
        // Spreadsheets store dates as days since 1899-12-30; 1 to 2958465 is 1900..9999.
        if (1.0..2_958_466.0).contains(&serial) {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .ok_or_else(|| "no epoch".to_owned())?;
            let secs = (serial * 86_400.0).round() as i64;
            return local(base + chrono::Duration::seconds(secs));
        }
        return Err(format!("{t:?} is not a date"));
    }
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, rest)) => (d.trim(), Some(rest.trim())),
        None => (t, None),
    };
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(date, "%d/%m/%Y"))
        .map_err(|_| format!("{t:?} is not a date (YYYY-MM-DD or DD/MM/YYYY)"))?;
    let time = match time {
        None => NaiveTime::MIN,
        Some(tm) => NaiveTime::parse_from_str(tm, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(tm, "%H:%M"))
            .map_err(|_| format!("{t:?}: the time is not HH:MM or HH:MM:SS"))?,
    };
    local(date.and_time(time))
}

/// Reads a bracket maximum: `non_custodial`, `prison:<months>` (1 to 360), `life` or `death`
/// (also `chung thân`, `tử hình`, `không giam giữ`).
pub fn parse_bracket(text: &str) -> Result<MaxPenalty, String> {
    let t = domain::text::fold(text).replace(' ', "_");
    let wrong = || {
        format!(
            "{:?} is not a bracket maximum (non_custodial, prison:<months>, life or death)",
            text.trim()
        )
    };
    match t.as_str() {
        "non_custodial" | "khong_giam_giu" => return Ok(MaxPenalty::NonCustodial),
        "life" | "chung_than" => return Ok(MaxPenalty::Life),
        "death" | "tu_hinh" => return Ok(MaxPenalty::Death),
        _ => {}
    }
    let months = text
        .trim()
        .strip_prefix("prison:")
        .ok_or_else(wrong)?
        .trim()
        .parse::<u32>()
        .map_err(|_| wrong())?;
    if !(1..=360).contains(&months) {
        return Err(format!("prison:{months}: 1 to 360 months"));
    }
    Ok(MaxPenalty::PrisonMonths(months))
}

/// Checks the cases of an import, slice after slice: what it remembers is the case numbers
/// seen so far in the file, for duplicates.
#[derive(Default)]
pub(crate) struct CaseRows {
    seen: HashMap<String, u64>,
    names: Option<Arc<HashMap<String, Vec<String>>>>,
}

impl CaseRows {
    /// Unit codes by folded full name and short name.
    fn names(&mut self, state: &AppState) -> Arc<HashMap<String, Vec<String>>> {
        self.names
            .get_or_insert_with(|| {
                let mut m: HashMap<String, Vec<String>> = HashMap::new();
                for u in state.units.units() {
                    let mut keys: HashSet<String> = HashSet::new();
                    keys.insert(domain::text::fold(&u.full_name));
                    keys.insert(domain::text::fold(&u.name));
                    for k in keys {
                        m.entry(k).or_default().push(u.code.clone());
                    }
                }
                Arc::new(m)
            })
            .clone()
    }
}

/// The CSV of a slice as rows keyed by column name, with their lines; `Err` for a file that
/// cannot be read (no header, a missing column, a malformed record).
type Rows = Vec<(u64, HashMap<&'static str, String>)>;

fn read_rows(text: &str) -> Result<Rows, Vec<RowError>> {
    let err = |line: u64, message: String| RowError {
        line,
        feature: None,
        field: None,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<Option<&'static str>> = match reader.headers() {
        Ok(h) => h.iter().map(column_of).collect(),
        Err(e) => return Err(vec![err(1, format!("cannot read the header: {e}"))]),
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|r| !headers.contains(&Some(**r)))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(vec![err(
            1,
            format!("missing column(s): {}", missing.join(", ")),
        )]);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let map = headers
                    .iter()
                    .zip(r.iter())
                    .filter_map(|(h, v)| Some(((*h)?, v.to_owned())))
                    .filter(|(_, v)| !v.is_empty())
                    .collect();
                rows.push((line, map));
            }
            Err(e) => errors.push(err(
                e.position().map_or(0, |p| p.line()),
                format!("malformed row: {e}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

impl SliceCheck for CaseRows {
    type Row = NewCase;

    async fn check(
        &mut self,
        state: &AppState,
        (text, shift): (String, LineShift),
    ) -> ApiResult<SliceRows<NewCase>> {
        let rows = match read_rows(&text) {
            Ok(rows) => rows,
            Err(mut errors) => {
                for e in &mut errors {
                    e.line = shift.line(e.line);
                }
                return Ok((vec![], Err(errors)));
            }
        };
        let refs: Vec<String> = rows
            .iter()
            .filter_map(|(_, r)| r.get("case_ref").cloned())
            .collect();
        let stored: HashSet<String> = state
            .store
            .existing_case_refs(&refs)
            .await?
            .into_iter()
            .collect();
        let names = self.names(state);
        let now = Utc::now();
        let mut good = Vec::new();
        let mut errors = Vec::new();
        for (line, row) in rows {
            let line = shift.line(line);
            let before = errors.len();
            let mut bad = |field: &str, message: String| {
                errors.push(RowError {
                    line,
                    feature: None,
                    field: Some(field.to_owned()),
                    message,
                })
            };
            let get = |f: &str| row.get(f).map(String::as_str);
            let case_ref = get("case_ref").unwrap_or_default().to_owned();
            if case_ref.is_empty() || case_ref.chars().count() > 64 {
                bad("case_ref", "1 to 64 characters".into());
            } else if stored.contains(&case_ref) {
                bad(
                    "case_ref",
                    format!("case {case_ref} is already in the register"),
                );
            } else if let Some(first) = self.seen.get(&case_ref) {
                bad(
                    "case_ref",
                    format!("case {case_ref} is already on line {first} of this file"),
                );
            } else {
                self.seen.insert(case_ref.clone(), line);
            }
            let unit = match get("unit") {
                None => {
                    bad("unit", "the unit (code or name) is required".into());
                    None
                }
                Some(u) if state.units.get(u).is_some() => Some(u.to_owned()),
                Some(u) => match names.get(&domain::text::fold(u)).map(Vec::as_slice) {
                    Some([code]) => Some(code.clone()),
                    Some([_, _, ..]) => {
                        bad(
                            "unit",
                            format!("{u:?} names more than one unit: give its code"),
                        );
                        None
                    }
                    _ => {
                        bad("unit", format!("no unit with the code or name {u:?}"));
                        None
                    }
                },
            };
            let article = match get("article").map(|a| a.parse::<u16>()) {
                Some(Ok(a)) if (1..=domain::stats::cases::MAX_ARTICLE as u16).contains(&a) => {
                    Some(a)
                }
                Some(_) => {
                    bad(
                        "article",
                        format!(
                            "{:?} is not a Penal Code article number",
                            get("article").unwrap_or_default()
                        ),
                    );
                    None
                }
                None => {
                    bad("article", "the article is required".into());
                    None
                }
            };
            let clause = match get("clause").map(|c| c.parse::<u8>()) {
                Some(Ok(c)) if c > 0 => Some(c),
                Some(_) => {
                    bad(
                        "clause",
                        format!("{:?} is not a clause number", get("clause").unwrap_or("")),
                    );
                    None
                }
                None => None,
            };
            let bracket = match get("bracket_max").map(parse_bracket) {
                Some(Ok(b)) => Some(b),
                Some(Err(e)) => {
                    bad("bracket_max", e);
                    None
                }
                None => {
                    bad("bracket_max", "the bracket maximum is required".into());
                    None
                }
            };
            let mut when = |field: &str, required: bool| match get(field).map(parse_when) {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => {
                    bad(field, e);
                    None
                }
                None => {
                    if required {
                        bad(field, "the date is required".into());
                    }
                    None
                }
            };
            let discovered_at = when("discovered_at", true);
            let solved_at = when("solved_at", false);
            let status_at = when("status_at", false);
            let status = match get("status").map(str::parse::<CaseStatus>) {
                Some(Ok(s)) => Some(s),
                Some(Err(e)) => {
                    bad("status", e);
                    None
                }
                None => None,
            };
            let suspects = match get("suspects").map(str::parse::<u32>) {
                Some(Ok(n)) => Some(n),
                Some(Err(_)) => {
                    bad(
                        "suspects",
                        format!(
                            "{:?} is not a number of people",
                            get("suspects").unwrap_or("")
                        ),
                    );
                    None
                }
                None => None,
            };
            let summary = get("summary").unwrap_or_default().to_owned();
            if summary.chars().count() > 2000 {
                bad("summary", "at most 2000 characters".into());
            }
            if errors.len() > before {
                continue;
            }
            let (Some(unit), Some(article), Some(bracket_max), Some(discovered_at)) =
                (unit, article, bracket, discovered_at)
            else {
                continue;
            };
            let new = NewCase {
                case_ref,
                unit,
                article,
                clause,
                bracket_max,
                summary,
                discovered_at,
                solved_at,
                status,
                status_at,
                suspects,
            };
            match new.check(now) {
                Ok(()) => good.push(new),
                Err(e) => errors.push(RowError {
                    line,
                    feature: None,
                    field: None,
                    message: e.to_string(),
                }),
            }
        }
        Ok((good, Ok(errors)))
    }
}

/// Imports cases from CSV or XLSX; every bad row is reported by line (the header is line 1).
/// With `mode=all` (default) a file with a bad row writes nothing (422 `invalid_rows`); with
/// `mode=valid-only` the good rows are written (201) and the others listed.
#[utoipa::path(post, path = "/api/cases/import", tag = "cases", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = crate::api::facilities::ImportReport),
              (status = 422, body = Object), (status = 403, body = crate::error::ErrorBody)))]
pub async fn import(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<ImportQuery>,
    csv: SpooledCsv,
) -> ApiResult<Response> {
    principal.require(&[Role::Admin, Role::Operator])?;
    import_slices::<CaseRows>(state, principal, q.mode.unwrap_or(ImportMode::All), csv).await
}

/// The import route.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route(
        "/api/cases/import",
        post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT)),
    )
}

/// The import path for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(import))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn dates_read_in_vietnam_time() {
        assert_eq!(parse_when("2026-03-01").unwrap(), t("2026-02-28T17:00:00Z"));
        assert_eq!(
            parse_when("01/03/2026 08:30").unwrap(),
            t("2026-03-01T01:30:00Z")
        );
        assert_eq!(
            parse_when("2026-03-01T08:30:15").unwrap(),
            t("2026-03-01T01:30:15Z")
        );
        assert_eq!(
            parse_when("2026-03-01T08:30:00Z").unwrap(),
            t("2026-03-01T08:30:00Z")
        );
        // 46082 is 2026-03-01 in a spreadsheet.
        assert_eq!(parse_when("46082").unwrap(), t("2026-02-28T17:00:00Z"));
        for bad in [
            "",
            "2026-02-30",
            "31/31/2026",
            "hôm qua",
            "2026-03-01 25:00",
            "-3",
        ] {
            assert!(parse_when(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn brackets_read_from_their_spelling() {
        assert_eq!(parse_bracket("prison:36"), Ok(MaxPenalty::PrisonMonths(36)));
        assert_eq!(parse_bracket("non_custodial"), Ok(MaxPenalty::NonCustodial));
        assert_eq!(parse_bracket("Chung thân"), Ok(MaxPenalty::Life));
        assert_eq!(parse_bracket("death"), Ok(MaxPenalty::Death));
        for bad in ["prison:0", "prison:x", "36", "prison:999", "jail"] {
            assert!(parse_bracket(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_read_in_english_and_vietnamese() {
        assert_eq!(column_of("case_ref"), Some("case_ref"));
        assert_eq!(column_of("Số vụ án"), Some("case_ref"));
        assert_eq!(column_of("ĐƠN VỊ"), Some("unit"));
        assert_eq!(column_of("Điều"), Some("article"));
        assert_eq!(column_of("Khoản"), Some("clause"));
        assert_eq!(column_of("Ngày phát hiện"), Some("discovered_at"));
        assert_eq!(column_of("Discovered At"), Some("discovered_at"));
        assert_eq!(column_of("ghi chú"), None);
    }
}
