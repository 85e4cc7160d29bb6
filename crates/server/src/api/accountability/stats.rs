//! Statistics over HTTP, one route per report, each also downloadable with
//! `?format=csv|xlsx`: incident counts by unit or type with the same period of the previous
//! year, the incident series, crimes with the clearance rate, response times, and fire,
//! explosion and rescue figures. Every figure is computed by the store over the real incident
//! table and the case register, with the definitions of `domain::stats` (also returned with
//! each report and at `/api/stats/definitions`).
//!
//! Periods: `period=` in the text form of `domain::stats::Period` (`R2026-03` a police
//! reporting month, `2026-Q1` a calendar quarter, …), or `from=`/`to=` Vietnam dates (both
//! included); by default the current reporting month. A unit officer's reports are limited to
//! their own unit; other roles see the city and may ask for one unit with `unit=`.

use super::{export, scoped_unit, unit_name, Format, LangParam};
use crate::app::AppState;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorCode, Json, Query};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, NaiveDate, Utc};
use domain::incident::{FalseAlarmCause, FireCause, PremisesKind, Vocabulary};
use domain::report::{Lang, Table};
use domain::stats::compare::{SERIOUS_CLEARANCE_TARGET_PCT, TTXH_CLEARANCE_TARGET_PCT};
use domain::stats::definitions::{definition, Definition, DEFINITIONS};
use domain::stats::period::vn_date;
use domain::stats::periodic::PeriodicFigures;
use domain::stats::{
    push_breakdown, BreakdownLine, Change, ClearanceFigures, CrimeGroup, CrimeRow, FamilyMap,
    FireFamily, FireFigures, Granularity, GroupBy, GroupKey, Period, ResponseGroupBy,
    ResponseTargets, Stage,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The query of every report; `granularity` applies to the series, `stage` to response times.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// `R2026-03` (reporting month 15/02–14/03), `R2026-Q1`, `R2026-H1`, `R2026-9M`, `R2026`,
    /// `2026-03`, `2026-Q1`, `2026`, or `2026-01-01..2026-03-31`. Default: the current
    /// reporting month.
    pub period: Option<String>,
    /// First Vietnam day of a custom period (instead of `period`).
    pub from: Option<NaiveDate>,
    /// Last Vietnam day, included (default: today).
    pub to: Option<NaiveDate>,
    /// One unit (a unit officer: always their own).
    pub unit: Option<String>,
    /// Grouping. Incidents: unit (default), kind, unit_kind, total. Crimes: unit (default),
    /// group, unit_group, total. Response times: unit (default), priority, unit_priority,
    /// total. Series: total (default), unit, kind, unit_kind.
    pub by: Option<String>,
    /// Series only: day (default), month or reporting_month.
    #[param(value_type = Option<String>)]
    pub granularity: Option<Granularity>,
    /// Response times only: dispatch, travel, call_to_arrival (default) or control.
    #[param(value_type = Option<String>)]
    pub stage: Option<Stage>,
    /// json (default), csv or xlsx.
    pub format: Option<Format>,
    /// Labels of an export: vi (default) or en.
    pub lang: Option<LangParam>,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

/// The period a query names.
pub fn period_of(q: &StatsQuery, now: DateTime<Utc>) -> ApiResult<Period> {
    match (q.period.as_deref(), q.from, q.to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            Err(bad("give period, or from and to, not both"))
        }
        (Some(p), None, None) => p.parse().map_err(|e| bad(format!("period: {e}"))),
        (None, Some(from), to) => Period::custom(from, to.unwrap_or_else(|| vn_date(now)))
            .map_err(|e| bad(format!("from/to: {e}"))),
        (None, None, Some(_)) => Err(bad("to needs from")),
        (None, None, None) => {
            Period::reporting_month_of(now).map_err(|e| bad(format!("period: {e}")))
        }
    }
}

fn group_by(by: Option<&str>, default: GroupBy, category_word: &str) -> ApiResult<GroupBy> {
    let Some(by) = by else {
        return Ok(default);
    };
    let unit_category = format!("unit_{category_word}");
    match by {
        "total" => Ok(GroupBy::Total),
        "unit" => Ok(GroupBy::Unit),
        b if b == category_word || b == "category" => Ok(GroupBy::Category),
        b if b == unit_category || b == "unit_category" => Ok(GroupBy::UnitCategory),
        other => Err(bad(format!(
            "by: {other:?} is not one of total, unit, {category_word}, {unit_category}"
        ))),
    }
}

/// A period as reports show it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodView {
    /// Text form, usable as `period=`.
    pub code: String,
    pub label: String,
    pub label_en: String,
    /// First Vietnam day.
    pub from: NaiveDate,
    /// Last Vietnam day (included).
    pub to: NaiveDate,
    /// The half-open UTC window `[utc_start, utc_end)`.
    pub utc_start: DateTime<Utc>,
    pub utc_end: DateTime<Utc>,
}

impl From<&Period> for PeriodView {
    fn from(p: &Period) -> Self {
        let (utc_start, utc_end) = p.utc_range();
        PeriodView {
            code: p.to_string(),
            label: p.label_vi(),
            label_en: p.label_en(),
            from: p.first_day(),
            to: p.last_day(),
            utc_start,
            utc_end,
        }
    }
}

/// A group key with only the parts that are set: `{"unit": "00004"}`, `{"category": "fire"}`,
/// both, or `{}` for the whole city.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
}

impl From<&GroupKey> for KeyView {
    fn from(k: &GroupKey) -> Self {
        KeyView {
            unit: k.unit.clone(),
            category: k.category.clone(),
        }
    }
}

fn definitions(keys: &[&str]) -> Vec<&'static Definition> {
    keys.iter().filter_map(|k| definition(k)).collect()
}

/// Answers a report as JSON, or as the export its query asks for.
fn answer<T: Serialize>(
    q: &StatsQuery,
    body: T,
    table: impl FnOnce(Lang) -> Result<Table, domain::stats::StatsError>,
    stem: &str,
    period: &Period,
) -> ApiResult<Response> {
    match q.format.unwrap_or_default() {
        Format::Json => Ok(Json(body).into_response()),
        format => {
            let lang: Lang = q.lang.unwrap_or_default().into();
            let t = table(lang).map_err(ApiError::internal)?;
            export(&t, format, lang, &format!("{stem}-{period}"))
        }
    }
}

/// One row of the incident report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CountRowView {
    pub key: KeyView,
    pub unit_name: Option<String>,
    /// `{current, previous, diff, pct}`; `pct` is null ("không so sánh được") when the
    /// previous count is 0.
    pub count: Change,
}

/// Incidents in a period compared with the same period of the previous year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentReport {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    pub unit: Option<String>,
    /// total, unit, category or unit_category.
    #[schema(value_type = String)]
    pub by: GroupBy,
    pub rows: Vec<CountRowView>,
    pub total: Change,
    pub definitions: Vec<&'static Definition>,
}

/// Incidents opened in the period by unit or by type, with the same period of the previous
/// year and the change (`incident_count`, `year_on_year`).
#[utoipa::path(get, path = "/api/stats/incidents", tag = "stats", params(StatsQuery),
    responses((status = 200, body = IncidentReport), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn incidents(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let by = group_by(q.by.as_deref(), GroupBy::Unit, "kind")?;
    let report = state
        .store
        .stats_incident_yoy(&period, by, unit.as_deref())
        .await?;
    let body = IncidentReport {
        period: (&report.period).into(),
        previous_period: (&report.previous_period).into(),
        unit: unit.clone(),
        by,
        rows: report
            .rows
            .iter()
            .map(|r| CountRowView {
                key: (&r.key).into(),
                unit_name: r.key.unit.as_deref().and_then(|u| unit_name(&state, u)),
                count: r.count,
            })
            .collect(),
        total: report.total,
        definitions: definitions(&["reporting_period", "incident_count", "year_on_year"]),
    };
    answer(&q, body, |l| report.to_table(l), "incidents", &period)
}

/// Incidents per bucket of a period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeriesReport {
    pub period: PeriodView,
    pub unit: Option<String>,
    #[schema(value_type = String)]
    pub granularity: Granularity,
    #[schema(value_type = String)]
    pub by: GroupBy,
    /// The buckets (days, calendar months or reporting months), clipped to the period.
    pub buckets: Vec<PeriodView>,
    /// The groups; with `by=total` one empty key.
    pub keys: Vec<KeyView>,
    /// `counts[b][k]`: incidents of `keys[k]` opened in `buckets[b]`.
    pub counts: Vec<Vec<u64>>,
    /// Incidents per bucket, all groups together.
    pub totals: Vec<u64>,
    pub definitions: Vec<&'static Definition>,
}

/// Incidents opened per day, calendar month or reporting month of the period.
#[utoipa::path(get, path = "/api/stats/incidents/series", tag = "stats", params(StatsQuery),
    responses((status = 200, body = SeriesReport), (status = 400, body = crate::error::ErrorBody)))]
pub async fn series(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let by = group_by(q.by.as_deref(), GroupBy::Total, "kind")?;
    let granularity = q.granularity.unwrap_or(Granularity::Day);
    if granularity == Granularity::Day && period.days() > 366 {
        return Err(bad(
            "granularity=day is limited to periods of at most 366 days",
        ));
    }
    let mut s = state
        .store
        .stats_incident_series(&period, granularity, by, unit.as_deref())
        .await?;
    if by == GroupBy::Total && s.keys.is_empty() {
        s.keys.push(GroupKey::total());
        s.counts.push(vec![0; s.buckets.len()]);
    }
    let counts: Vec<Vec<u64>> = (0..s.buckets.len())
        .map(|b| s.counts.iter().map(|per_key| per_key[b]).collect())
        .collect();
    let body = SeriesReport {
        period: (&period).into(),
        unit,
        granularity,
        by,
        buckets: s.buckets.iter().map(PeriodView::from).collect(),
        keys: s.keys.iter().map(KeyView::from).collect(),
        totals: counts.iter().map(|row| row.iter().sum()).collect(),
        counts,
        definitions: definitions(&["reporting_period", "incident_count"]),
    };
    answer(&q, body, |l| s.to_table(l), "incident-series", &period)
}

/// One row of the crime report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrimeRowView {
    pub key: KeyView,
    pub unit_name: Option<String>,
    pub group_label: Option<String>,
    /// recorded, cleared, rate_pct, serious_recorded, serious_cleared, serious_rate_pct,
    /// backlog_cleared.
    pub current: ClearanceFigures,
    pub previous: ClearanceFigures,
    pub recorded: Change,
    pub cleared: Change,
    /// Change of the clearance rate in percentage points.
    pub rate_change_points: Option<f64>,
}

fn crime_row(state: &AppState, r: &CrimeRow) -> CrimeRowView {
    CrimeRowView {
        key: (&r.key).into(),
        unit_name: r.key.unit.as_deref().and_then(|u| unit_name(state, u)),
        group_label: r
            .key
            .category
            .as_deref()
            .and_then(|c| c.parse::<CrimeGroup>().ok())
            .map(|g| g.label_vi().to_owned()),
        current: r.current,
        previous: r.previous,
        recorded: r.recorded,
        cleared: r.cleared,
        rate_change_points: r.rate_change_points,
    }
}

/// The National Assembly's clearance targets.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClearanceTargets {
    /// Social-order (TTXH) cases: at least this percent.
    pub ttxh_pct: f64,
    /// Very and especially serious cases: at least this percent.
    pub serious_pct: f64,
}

/// Crimes and their clearance rate, compared with the same period of the previous year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CrimeReportView {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    pub unit: Option<String>,
    #[schema(value_type = String)]
    pub by: GroupBy,
    pub rows: Vec<CrimeRowView>,
    pub total: CrimeRowView,
    pub targets: ClearanceTargets,
    pub definitions: Vec<&'static Definition>,
}

/// Cases recorded and cleared, the clearance rate and the serious-crime clearance rate, by
/// unit or crime group, year on year (`clearance_rate`, `serious_clearance_rate`,
/// `crime_group`).
#[utoipa::path(get, path = "/api/stats/crimes", tag = "stats", params(StatsQuery),
    responses((status = 200, body = CrimeReportView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn crimes(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let by = group_by(q.by.as_deref(), GroupBy::Unit, "group")?;
    let report = state
        .store
        .stats_crime_yoy(&period, by, unit.as_deref())
        .await?;
    let body = CrimeReportView {
        period: (&report.period).into(),
        previous_period: (&report.previous_period).into(),
        unit: unit.clone(),
        by,
        rows: report.rows.iter().map(|r| crime_row(&state, r)).collect(),
        total: crime_row(&state, &report.total),
        targets: ClearanceTargets {
            ttxh_pct: TTXH_CLEARANCE_TARGET_PCT,
            serious_pct: SERIOUS_CLEARANCE_TARGET_PCT,
        },
        definitions: definitions(&[
            "reporting_period",
            "clearance_rate",
            "serious_clearance_rate",
            "crime_group",
            "year_on_year",
        ]),
    };
    answer(&q, body, |l| report.to_table(l), "crimes", &period)
}

/// One unit's line of the periodic crime report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodicLineView {
    pub unit: String,
    /// The unit's Vietnamese name (e.g. "Phường Ba Đình").
    pub unit_name: String,
    #[serde(flatten)]
    pub figures: PeriodicFigures,
}

/// The periodic crime report (báo cáo định kỳ tình hình tội phạm).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PeriodicReportView {
    /// Who issues the report, for its heading (e.g. "Công an Thành phố Hà Nội").
    pub issued_by: String,
    pub period: PeriodView,
    pub previous_period: PeriodView,
    /// The unit asked for (a unit officer: always their own).
    pub unit: Option<String>,
    /// One line per unit with any figure, by unit code.
    pub rows: Vec<PeriodicLineView>,
    pub total: PeriodicFigures,
    /// Crime groups of `by_group`, in order, with their labels.
    pub groups: Vec<GroupLabel>,
    pub definitions: Vec<&'static Definition>,
}

/// A crime group and its labels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupLabel {
    pub group: String,
    pub label: String,
    pub label_en: String,
}

/// The periodic crime report of a period, by unit with a total line: cases discovered, the
/// same period last year, cases solved and the clearance rate, very and especially serious
/// cases, cases open at the period's end, and cases by crime group (definitions in
/// `domain::stats::periodic`). `format=csv|xlsx` downloads it with the units' names.
#[utoipa::path(get, path = "/api/stats/crime-report", tag = "stats", params(StatsQuery),
    responses((status = 200, body = PeriodicReportView), (status = 403, body = crate::error::ErrorBody),
              (status = 400, body = crate::error::ErrorBody)))]
pub async fn periodic_report(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    if q.by.is_some() || q.granularity.is_some() || q.stage.is_some() {
        return Err(bad(
            "this report is always by unit: by, granularity and stage do not apply",
        ));
    }
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let previous = period
        .same_period_previous_year()
        .map_err(|e| bad(format!("period: {e}")))?;
    let (cases, map) = tokio::try_join!(
        state.store.stats_periodic_cases(
            previous.utc_range().0,
            period.utc_range().1,
            unit.as_deref()
        ),
        state.store.article_map(),
    )?;
    let report = domain::stats::periodic::periodic_report(&cases, &period, &map)
        .map_err(super::stats_error)?;
    let name = |code: &str| unit_name(&state, code).unwrap_or_else(|| code.to_owned());
    let body = PeriodicReportView {
        issued_by: format!("Công an {}", state.units.province().name),
        period: (&report.period).into(),
        previous_period: (&report.previous_period).into(),
        unit: unit.clone(),
        rows: report
            .rows
            .iter()
            .map(|r| PeriodicLineView {
                unit_name: name(&r.unit),
                unit: r.unit.clone(),
                figures: r.figures.clone(),
            })
            .collect(),
        total: report.total.clone(),
        groups: CrimeGroup::ALL
            .iter()
            .map(|g| GroupLabel {
                group: g.code().to_owned(),
                label: g.label_vi().to_owned(),
                label_en: g.label_en().to_owned(),
            })
            .collect(),
        definitions: definitions(&[
            "reporting_period",
            "clearance_rate",
            "crime_group",
            "year_on_year",
        ]),
    };
    answer(
        &q,
        body,
        |l| report.to_table(l, name),
        "crime-report",
        &period,
    )
}

/// One row of the response-time report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponseRowView {
    pub unit: Option<String>,
    pub unit_name: Option<String>,
    pub priority: Option<u8>,
    /// Incidents with the duration measured.
    pub count: u64,
    /// Median, seconds (nearest rank).
    pub p50: u32,
    /// 90th percentile, seconds (nearest rank).
    pub p90: u32,
    pub mean: f64,
    pub with_target: u64,
    pub within_target: u64,
    pub within_target_pct: Option<f64>,
}

/// One response-time target, in seconds.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TargetView {
    #[schema(value_type = String)]
    pub stage: Stage,
    /// The priority it applies to; null for every priority without its own target.
    pub priority: Option<u8>,
    pub secs: u32,
}

fn target_views(targets: &ResponseTargets, stage: Stage) -> Vec<TargetView> {
    let mut out: Vec<TargetView> = targets
        .by_stage_priority
        .iter()
        .filter(|((s, _), _)| *s == stage)
        .map(|((s, p), secs)| TargetView {
            stage: *s,
            priority: Some(*p),
            secs: *secs,
        })
        .collect();
    if let Some(secs) = targets.by_stage.get(&stage) {
        out.push(TargetView {
            stage,
            priority: None,
            secs: *secs,
        });
    }
    out
}

/// Response-time distribution of one stage.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ResponseReportView {
    pub period: PeriodView,
    pub unit: Option<String>,
    #[schema(value_type = String)]
    pub stage: Stage,
    pub stage_label: String,
    pub by: String,
    pub rows: Vec<ResponseRowView>,
    /// The targets the shares are computed against: a per-priority target wins over the
    /// stage's own (`priority` null).
    pub targets: Vec<TargetView>,
    pub definitions: Vec<&'static Definition>,
}

/// Median and 90th percentile of a response stage per unit (and/or priority), with the share
/// within target (`response_time`).
#[utoipa::path(get, path = "/api/stats/response-times", tag = "stats", params(StatsQuery),
    responses((status = 200, body = ResponseReportView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn response_times(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let by_text = q.by.clone().unwrap_or_else(|| "unit".to_owned());
    let by = match by_text.as_str() {
        "total" => ResponseGroupBy::Total,
        "unit" => ResponseGroupBy::Unit,
        "priority" => ResponseGroupBy::Priority,
        "unit_priority" => ResponseGroupBy::UnitPriority,
        other => {
            return Err(bad(format!(
                "by: {other:?} is not one of total, unit, priority, unit_priority"
            )))
        }
    };
    let stage = q.stage.unwrap_or(Stage::CallToArrival);
    // The same targets as the live timers of this server.
    let targets = ResponseTargets::from(&state.cad.targets);
    let report = state
        .store
        .stats_response_times(&period, stage, &targets, by, unit.as_deref())
        .await?;
    let body = ResponseReportView {
        period: (&period).into(),
        unit: unit.clone(),
        stage,
        stage_label: stage.label_vi().to_owned(),
        by: by_text,
        rows: report
            .rows
            .iter()
            .map(|r| ResponseRowView {
                unit_name: r.unit.as_deref().and_then(|u| unit_name(&state, u)),
                unit: r.unit.clone(),
                priority: r.priority,
                count: r.count,
                p50: r.p50,
                p90: r.p90,
                mean: r.mean,
                with_target: r.with_target,
                within_target: r.within_target,
                within_target_pct: r.within_target_pct,
            })
            .collect(),
        targets: target_views(&targets, stage),
        definitions: definitions(&["reporting_period", "response_time"]),
    };
    answer(&q, body, |l| report.to_table(l), "response-times", &period)
}

/// One family of the fire report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FireRowView {
    /// fire, explosion or rescue.
    pub family: String,
    pub label: String,
    /// count, deaths, injured, rescued, damage_vnd, damage_assessed.
    pub current: FireFigures,
    pub previous: FireFigures,
    pub count: Change,
    pub deaths: Change,
    pub injured: Change,
}

/// How many of a period's fires or false alarms had one cause.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CauseCount {
    /// The cause's code; null for false alarms without a fire report.
    pub code: Option<String>,
    pub label: String,
    pub label_en: String,
    pub count: u64,
    /// For fires: their dead, injured, rescued and damage (`count` is `figures.count`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figures: Option<FireFigures>,
}

impl CauseCount {
    /// A count of `code` of the vocabulary `V`; `missing` names the absence of a code.
    fn of<V: Vocabulary>(code: Option<String>, count: u64, missing: (&str, &str)) -> CauseCount {
        let known = code.as_deref().and_then(|c| V::from_code(c).ok());
        let (label, label_en) = match (known, &code) {
            (Some(v), _) => (v.label_vi().to_owned(), v.label_en().to_owned()),
            (None, Some(c)) => (c.clone(), c.clone()),
            (None, None) => (missing.0.to_owned(), missing.1.to_owned()),
        };
        CauseCount {
            code,
            label,
            label_en,
            count,
            figures: None,
        }
    }
}

/// Fire, explosion and rescue figures, year on year.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FireStatsView {
    pub period: PeriodView,
    pub previous_period: PeriodView,
    pub unit: Option<String>,
    pub rows: Vec<FireRowView>,
    /// Fires of the period by the cause their fire report gives (real fires with a report).
    pub causes: Vec<CauseCount>,
    /// The same fires by the type of premises their report gives (`code` null: not said).
    pub premises: Vec<CauseCount>,
    /// Every family's figures of the period per unit (units with none left out).
    pub units: Vec<FireUnitView>,
    pub definitions: Vec<&'static Definition>,
}

/// One unit's fires, explosions or rescues of the period.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FireUnitView {
    pub unit_code: String,
    pub unit_name: Option<String>,
    /// `fire`, `explosion` or `rescue`.
    pub family: String,
    pub label: String,
    pub figures: FireFigures,
}

/// Fires, explosions and rescues: incidents, casualties, people rescued and assessed damage,
/// with the same period of the previous year (`fire_figures`).
#[utoipa::path(get, path = "/api/stats/fires", tag = "stats", params(StatsQuery),
    responses((status = 200, body = FireStatsView), (status = 400, body = crate::error::ErrorBody)))]
pub async fn fires(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let period = period_of(&q, Utc::now())?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let families = FamilyMap::default();
    let (report, causes, premises, units) = tokio::try_join!(
        state.store.stats_fires(&period, &families, unit.as_deref()),
        state.store.stats_fire_causes(&period, unit.as_deref()),
        state.store.stats_fire_premises(&period, unit.as_deref()),
        state
            .store
            .stats_fires_by_unit(&period, &families, unit.as_deref()),
    )?;
    let with_figures = |mut c: CauseCount, f: FireFigures| {
        c.figures = Some(f);
        c
    };
    let body = FireStatsView {
        period: (&report.period).into(),
        previous_period: (&report.previous_period).into(),
        unit: unit.clone(),
        rows: report
            .rows
            .iter()
            .map(|r| FireRowView {
                family: r.family.code().to_owned(),
                label: r.family.label_vi().to_owned(),
                current: r.current,
                previous: r.previous,
                count: r.count,
                deaths: r.deaths,
                injured: r.injured,
            })
            .collect(),
        causes: causes
            .into_iter()
            .map(|(code, f)| {
                with_figures(
                    CauseCount::of::<FireCause>(Some(code), f.count, ("", "")),
                    f,
                )
            })
            .collect(),
        premises: premises
            .into_iter()
            .map(|(code, f)| {
                with_figures(
                    CauseCount::of::<PremisesKind>(
                        code,
                        f.count,
                        ("Báo cáo không ghi loại cơ sở", "Premises not given"),
                    ),
                    f,
                )
            })
            .collect(),
        units: units
            .into_iter()
            .map(|(code, family, figures)| FireUnitView {
                unit_name: state.units.get(&code).map(|u| u.full_name.clone()),
                unit_code: code,
                family: family.code().to_owned(),
                label: family.label_vi().to_owned(),
                figures,
            })
            .collect(),
        definitions: definitions(&["reporting_period", "fire_figures", "year_on_year"]),
    };
    let lines = |counts: &[CauseCount]| -> Vec<BreakdownLine> {
        counts
            .iter()
            .map(|c| BreakdownLine {
                label_vi: c.label.clone(),
                label_en: c.label_en.clone(),
                figures: c.figures.unwrap_or_default(),
            })
            .collect()
    };
    let (causes, premises) = (lines(&body.causes), lines(&body.premises));
    let by_unit: Vec<BreakdownLine> = body
        .units
        .iter()
        .map(|u| {
            let name = u.unit_name.as_deref().unwrap_or(&u.unit_code);
            let family = FireFamily::ALL
                .into_iter()
                .find(|f| f.code() == u.family)
                .unwrap_or(FireFamily::Fire);
            BreakdownLine {
                label_vi: format!("{name} — {}", family.label_vi()),
                label_en: format!("{name} — {}", family.label_en()),
                figures: u.figures,
            }
        })
        .collect();
    answer(
        &q,
        body,
        |l| {
            let mut t = report.to_table(l)?;
            push_breakdown(
                &mut t,
                l,
                ("Vụ cháy theo nguyên nhân", "Fires by cause"),
                &causes,
            )?;
            push_breakdown(
                &mut t,
                l,
                ("Vụ cháy theo loại cơ sở", "Fires by type of premises"),
                &premises,
            )?;
            push_breakdown(&mut t, l, ("Theo đơn vị", "By unit"), &by_unit)?;
            Ok(t)
        },
        "fires",
        &period,
    )
}

/// One facility's false alarms.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FacilityFalseAlarmView {
    pub facility_id: i64,
    pub name: String,
    pub unit_code: String,
    pub false_alarms: u64,
    /// Its devices in service now.
    pub devices: u64,
    /// False alarms per 100 of its devices per month; null without devices.
    pub rate_per_100_devices_month: Option<f64>,
}

/// One device's false alarms.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeviceFalseAlarmView {
    pub account: String,
    pub facility_id: i64,
    pub facility_name: String,
    pub false_alarms: u64,
}

/// False alarms of the fire-alarm link (`false_alarm_rate`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FalseAlarmView {
    pub period: PeriodView,
    pub unit: Option<String>,
    /// Devices in service (enabled) in the scope now.
    pub devices: u64,
    /// Incidents opened by an alarm device in the period and found false.
    pub false_alarms: u64,
    /// Days of the period passed so far, the rate's time base.
    pub elapsed_days: f64,
    /// False alarms per 100 devices per month; null without devices or time passed.
    pub rate_per_100_devices_month: Option<f64>,
    /// Every facility with a false alarm in the period, most first.
    pub facilities: Vec<FacilityFalseAlarmView>,
    /// The devices with the most false alarms (at most 20).
    pub worst_devices: Vec<DeviceFalseAlarmView>,
    /// Every device with a false alarm in the period (`worst_devices` lists the first 20).
    pub devices_with_false_alarms: u64,
    /// False alarms by the cause their fire report gives, most first.
    pub causes: Vec<CauseCount>,
    pub definitions: Vec<&'static Definition>,
}

/// How many of the worst devices a false-alarm report lists.
const WORST_DEVICES: i64 = 20;

/// False alarms of the fire-alarm link per facility and per device, and their rate per 100
/// devices per month (`false_alarm_rate`); the exports list the facilities.
#[utoipa::path(get, path = "/api/stats/false-alarms", tag = "stats", params(StatsQuery),
    responses((status = 200, body = FalseAlarmView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn false_alarms(
    State(state): State<Arc<AppState>>,
    principal: Principal,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    let now = Utc::now();
    let period = period_of(&q, now)?;
    let unit = scoped_unit(&state, &principal, q.unit.as_deref())?;
    let report = state
        .store
        .stats_false_alarms(&period, unit.as_deref(), WORST_DEVICES, now)
        .await?;
    let body = FalseAlarmView {
        period: (&report.period).into(),
        unit: unit.clone(),
        devices: report.devices,
        false_alarms: report.false_alarms,
        elapsed_days: report.elapsed_days,
        rate_per_100_devices_month: report.rate(),
        facilities: report
            .facilities
            .iter()
            .map(|f| FacilityFalseAlarmView {
                facility_id: f.facility_id,
                name: f.name.clone(),
                unit_code: f.unit_code.clone(),
                false_alarms: f.false_alarms,
                devices: f.devices,
                rate_per_100_devices_month: report.facility_rate(f),
            })
            .collect(),
        worst_devices: report
            .worst_devices
            .iter()
            .map(|d| DeviceFalseAlarmView {
                account: d.account.clone(),
                facility_id: d.facility_id,
                facility_name: d.facility_name.clone(),
                false_alarms: d.false_alarms,
            })
            .collect(),
        devices_with_false_alarms: report.devices_with_false_alarms,
        causes: report
            .causes
            .iter()
            .map(|(code, n)| {
                CauseCount::of::<FalseAlarmCause>(
                    code.clone(),
                    *n,
                    ("Chưa có báo cáo vụ cháy", "No fire report"),
                )
            })
            .collect(),
        definitions: definitions(&["reporting_period", "false_alarm_rate"]),
    };
    answer(&q, body, |_| report.to_table(), "false-alarms", &period)
}

/// The definition of every statistic, in Vietnamese and English, with its SQL.
#[utoipa::path(get, path = "/api/stats/definitions", tag = "stats",
    responses((status = 200, body = [Definition])))]
pub async fn all_definitions(_principal: Principal) -> Json<&'static [Definition]> {
    Json(DEFINITIONS)
}

/// The statistics routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/stats/incidents", get(incidents))
        .route("/api/stats/incidents/series", get(series))
        .route("/api/stats/crimes", get(crimes))
        .route("/api/stats/crime-report", get(periodic_report))
        .route("/api/stats/response-times", get(response_times))
        .route("/api/stats/fires", get(fires))
        .route("/api/stats/false-alarms", get(false_alarms))
        .route("/api/stats/definitions", get(all_definitions))
}

/// The statistics paths for the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    incidents,
    series,
    crimes,
    periodic_report,
    response_times,
    fires,
    false_alarms,
    all_definitions
))]
pub struct Doc;

#[cfg(test)]
mod tests {
    use super::*;

    fn q(period: Option<&str>, from: Option<&str>, to: Option<&str>) -> StatsQuery {
        StatsQuery {
            period: period.map(str::to_owned),
            from: from.map(|d| d.parse().unwrap()),
            to: to.map(|d| d.parse().unwrap()),
            unit: None,
            by: None,
            granularity: None,
            stage: None,
            format: None,
            lang: None,
        }
    }

    #[test]
    fn periods_come_from_text_dates_or_the_current_reporting_month() {
        let now: DateTime<Utc> = "2026-03-14T17:30:00Z".parse().unwrap();
        // 00:30 on 15 March in Hà Nội: reporting month 4.
        assert_eq!(
            period_of(&q(None, None, None), now).unwrap().to_string(),
            "R2026-04"
        );
        assert_eq!(
            period_of(&q(Some("R2026-Q1"), None, None), now)
                .unwrap()
                .to_string(),
            "R2026-Q1"
        );
        assert_eq!(
            period_of(&q(None, Some("2026-03-01"), None), now)
                .unwrap()
                .to_string(),
            "2026-03-01..2026-03-15"
        );
        assert!(period_of(&q(Some("R2026"), Some("2026-01-01"), None), now).is_err());
        assert!(period_of(&q(None, None, Some("2026-01-01")), now).is_err());
        assert!(period_of(&q(Some("2026-13"), None, None), now).is_err());
        assert!(period_of(&q(None, Some("2026-03-02"), Some("2026-03-01")), now).is_err());
    }

    #[test]
    fn groupings_accept_the_console_words() {
        assert_eq!(
            group_by(Some("kind"), GroupBy::Unit, "kind").unwrap(),
            GroupBy::Category
        );
        assert_eq!(
            group_by(None, GroupBy::Unit, "kind").unwrap(),
            GroupBy::Unit
        );
        assert_eq!(
            group_by(Some("unit_group"), GroupBy::Unit, "group").unwrap(),
            GroupBy::UnitCategory
        );
        assert!(group_by(Some("colour"), GroupBy::Unit, "kind").is_err());
    }
}
