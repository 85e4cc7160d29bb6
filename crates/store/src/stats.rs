//! Statistics as aggregate SQL: the definitions of `domain::stats` (and `docs/statistics.md`)
//! computed by the database with `GROUP BY` over indexed time ranges, on SQLite and on
//! PostgreSQL alike. The results come back in the domain's report types, so that the API and
//! the exports render them with the same code as the reference functions, and the tests
//! compare the two on fixtures.
//!
//! Incidents are read from the relation named by [`INCIDENT_SOURCE`], whose columns are the
//! fields of `domain::stats::IncidentRow` (see its documentation); cases from `cases` joined
//! with `article_groups`. Only the few hundred grouped rows travel to Rust, where the whole
//! city total and the per-bucket roll-up of a series are summed (counts are additive; rates
//! and percentiles are never combined in Rust: percentiles are computed per group by SQL).

use crate::accountability::{AccResult, AccountabilityError};
use crate::{to_millis, Store};
use chrono::{DateTime, Utc};
use domain::stats::false_alarms::{
    elapsed_days, DeviceFalseAlarms, FacilityFalseAlarms, FalseAlarmReport,
};
use domain::stats::periodic::PeriodicCaseRow;
use domain::stats::{
    rate_pct, Change, ClearanceFigures, CountReport, CountRow, CrimeReport, CrimeRow, FamilyMap,
    FireFamily, FireFigures, FireReport, Granularity, GroupBy, GroupKey, Period, ResponseGroupBy,
    ResponseReport, ResponseRow, ResponseTargets, Series, Stage,
};
use domain::stats::{CaseStatus, Severity};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};

/// The relation the incident statistics read: one row per incident with the columns `unit`,
/// `category`, `priority`, `created_at`, `closed_at`, `dispatch_secs`, `travel_secs`,
/// `control_secs`, `deaths`, `injured`, `rescued`, `damage_vnd`, `confirmed`, `false_alarm`
/// (times in unix milliseconds, durations in seconds, flags 0 or 1), i.e.
/// `domain::stats::IncidentRow` as SQL. It is the view over the real `incidents` table
/// (migrations 0002, 0006 and 0014); an incident not yet given to a unit has the empty code as
/// its `unit`.
pub const INCIDENT_SOURCE: &str = "incident_stats";

const DAY_MS: i64 = 86_400_000;

/// A case as the periodic report's query returns it: unit, article, severity code,
/// discovered, solved, status code and status date (times in unix milliseconds).
type PeriodicSqlRow = (String, i64, String, i64, Option<i64>, String, i64);

fn ms(r: (DateTime<Utc>, DateTime<Utc>)) -> (i64, i64) {
    (to_millis(r.0), to_millis(r.1))
}

/// The fire figures of a row with the columns `n`, `deaths`, `injured`, `rescued`, `damage`,
/// `assessed` and `false_alarms` (sums that are NULL over no rows read as 0).
fn figures_of<R: Row>(r: &R) -> Result<FireFigures, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'q> Option<i64>: sqlx::Decode<'q, R::Database> + sqlx::Type<R::Database>,
{
    let get = |c: &str| -> Result<u64, sqlx::Error> {
        Ok(count(r.try_get::<Option<i64>, _>(c)?.unwrap_or(0)))
    };
    Ok(FireFigures {
        count: get("n")?,
        deaths: get("deaths")?,
        injured: get("injured")?,
        rescued: get("rescued")?,
        damage_vnd: get("damage")?,
        damage_assessed: get("assessed")?,
        false_alarms: get("false_alarms")?,
    })
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Grouping columns of an incident query for `by`, as `(select list, group by list)`.
fn incident_group(by: GroupBy) -> (&'static str, &'static str) {
    match by {
        GroupBy::Total => ("", ""),
        GroupBy::Unit => ("unit AS g_unit, ", "GROUP BY unit"),
        GroupBy::Category => ("category AS g_cat, ", "GROUP BY category"),
        GroupBy::UnitCategory => (
            "unit AS g_unit, category AS g_cat, ",
            "GROUP BY unit, category",
        ),
    }
}

fn key_from<R: Row>(row: &R, by: GroupBy) -> Result<GroupKey, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let unit = match by {
        GroupBy::Unit | GroupBy::UnitCategory => Some(
            row.try_get::<Option<String>, _>("g_unit")?
                .unwrap_or_default(),
        ),
        _ => None,
    };
    let category = match by {
        GroupBy::Category | GroupBy::UnitCategory => Some(row.try_get::<String, _>("g_cat")?),
        _ => None,
    };
    Ok(GroupKey { unit, category })
}

fn roll_up(key: &GroupKey, by: GroupBy) -> GroupKey {
    GroupKey {
        unit: match by {
            GroupBy::Unit | GroupBy::UnitCategory => key.unit.clone(),
            _ => None,
        },
        category: match by {
            GroupBy::Category | GroupBy::UnitCategory => key.category.clone(),
            _ => None,
        },
    }
}

/// The crime counts of one (unit, group) in one window, as SQL returns them.
#[derive(Debug, Clone, Copy, Default)]
struct CrimeCounts {
    recorded: u64,
    cleared: u64,
    serious_recorded: u64,
    serious_cleared: u64,
    backlog: u64,
}

impl CrimeCounts {
    fn add(&mut self, o: &CrimeCounts) {
        self.recorded += o.recorded;
        self.cleared += o.cleared;
        self.serious_recorded += o.serious_recorded;
        self.serious_cleared += o.serious_cleared;
        self.backlog += o.backlog;
    }

    fn figures(&self) -> ClearanceFigures {
        ClearanceFigures {
            recorded: self.recorded,
            cleared: self.cleared,
            rate_pct: rate_pct(self.cleared, self.recorded),
            serious_recorded: self.serious_recorded,
            serious_cleared: self.serious_cleared,
            serious_rate_pct: rate_pct(self.serious_cleared, self.serious_recorded),
            backlog_cleared: self.backlog,
        }
    }
}

fn crime_row(key: GroupKey, cur: &CrimeCounts, prev: &CrimeCounts) -> CrimeRow {
    let current = cur.figures();
    let previous = prev.figures();
    CrimeRow {
        key,
        recorded: Change::new(current.recorded, previous.recorded),
        cleared: Change::new(current.cleared, previous.cleared),
        rate_change_points: match (current.rate_pct, previous.rate_pct) {
            (Some(a), Some(b)) => Some(a - b),
            _ => None,
        },
        current,
        previous,
    }
}

fn stage_expr(stage: Stage) -> &'static str {
    match stage {
        Stage::Dispatch => "dispatch_secs",
        Stage::Travel => "travel_secs",
        Stage::CallToArrival => "(dispatch_secs + travel_secs)",
        Stage::Control => "control_secs",
    }
}

impl Store {
    /// Incidents opened in `period`, per group (`incident_count`), optionally for one unit.
    pub async fn stats_incident_counts(
        &self,
        period: &Period,
        by: GroupBy,
        unit: Option<&str>,
    ) -> AccResult<Vec<(GroupKey, u64)>> {
        let (start, end) = ms(period.utc_range());
        let (cols, group) = incident_group(by);
        let sql = format!(
            "SELECT {cols}COUNT(*) AS n FROM {INCIDENT_SOURCE} \
             WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR unit = $3) {group}"
        );
        let mut out: Vec<(GroupKey, u64)> = on_read!(self, |pool| {
            sqlx::query(&sql)
                .bind(start)
                .bind(end)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((key_from(r, by)?, count(r.try_get("n")?))))
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        out.retain(|(_, n)| *n > 0);
        out.sort();
        Ok(out)
    }

    /// Incidents opened in `period` per group and per bucket of `granularity`: SQL counts per
    /// Vietnam day (a day is exactly 24 h in UTC+7), and the days are summed into the buckets.
    pub async fn stats_incident_series(
        &self,
        period: &Period,
        granularity: Granularity,
        by: GroupBy,
        unit: Option<&str>,
    ) -> AccResult<Series> {
        let buckets = period.split(granularity)?;
        let starts: Vec<i64> = buckets.iter().map(|b| to_millis(b.utc_range().0)).collect();
        let (start, end) = ms(period.utc_range());
        let (cols, group) = incident_group(by);
        let group = if group.is_empty() {
            "GROUP BY day_index".to_owned()
        } else {
            format!("{group}, day_index")
        };
        let sql = format!(
            "SELECT {cols}(created_at - $1) / 86400000 AS day_index, COUNT(*) AS n \
             FROM {INCIDENT_SOURCE} \
             WHERE created_at >= $1 AND created_at < $2 AND ($3 IS NULL OR unit = $3) {group}"
        );
        let rows: Vec<(GroupKey, i64, u64)> = on_read!(self, |pool| {
            sqlx::query(&sql)
                .bind(start)
                .bind(end)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        key_from(r, by)?,
                        r.try_get("day_index")?,
                        count(r.try_get("n")?),
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        let mut acc: BTreeMap<GroupKey, Vec<u64>> = BTreeMap::new();
        for (key, day, n) in rows {
            let instant = start + day * DAY_MS;
            let b = starts.partition_point(|s| *s <= instant).saturating_sub(1);
            acc.entry(key).or_insert_with(|| vec![0; buckets.len()])[b] += n;
        }
        let (keys, counts) = acc.into_iter().unzip();
        Ok(Series {
            buckets,
            keys,
            counts,
        })
    }

    /// Incidents in `period` and in the same period of the previous year (`year_on_year`).
    pub async fn stats_incident_yoy(
        &self,
        period: &Period,
        by: GroupBy,
        unit: Option<&str>,
    ) -> AccResult<CountReport> {
        let previous_period = period.same_period_previous_year()?;
        // The two windows are counted at once, on two connections (two cores).
        let (cur, prev) = tokio::try_join!(
            self.stats_incident_counts(period, by, unit),
            self.stats_incident_counts(&previous_period, by, unit),
        )?;
        let mut acc: BTreeMap<GroupKey, [u64; 2]> = BTreeMap::new();
        for (slot, rows) in [(0usize, cur), (1, prev)] {
            for (key, n) in rows {
                acc.entry(key).or_default()[slot] += n;
            }
        }
        let mut rows: Vec<CountRow> = acc
            .into_iter()
            .map(|(key, [c, p])| CountRow {
                key,
                count: Change::new(c, p),
            })
            .collect();
        rows.retain(|r| r.count.current + r.count.previous > 0);
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        let total = Change::new(
            rows.iter().map(|r| r.count.current).sum(),
            rows.iter().map(|r| r.count.previous).sum(),
        );
        Ok(CountReport {
            period: *period,
            previous_period,
            by,
            rows,
            total,
        })
    }

    async fn crime_counts(
        &self,
        window: (i64, i64),
        unit: Option<&str>,
    ) -> AccResult<Vec<((String, String), CrimeCounts)>> {
        const SERIOUS: &str = "c.severity IN ('very_serious', 'especially_serious')";
        let sql = format!(
            "SELECT c.unit_code AS unit, COALESCE(g.grp, 'other') AS grp, \
             COUNT(CASE WHEN c.discovered_at >= $1 AND c.discovered_at < $2 THEN 1 END) AS recorded, \
             COUNT(CASE WHEN c.discovered_at >= $1 AND c.discovered_at < $2 AND c.solved_at < $2 \
                   THEN 1 END) AS cleared, \
             COUNT(CASE WHEN c.discovered_at >= $1 AND c.discovered_at < $2 AND {SERIOUS} \
                   THEN 1 END) AS serious_recorded, \
             COUNT(CASE WHEN c.discovered_at >= $1 AND c.discovered_at < $2 AND c.solved_at < $2 \
                   AND {SERIOUS} THEN 1 END) AS serious_cleared, \
             COUNT(CASE WHEN c.discovered_at < $1 AND c.solved_at >= $1 AND c.solved_at < $2 \
                   THEN 1 END) AS backlog \
             FROM cases c LEFT JOIN article_groups g ON g.article = c.article \
             WHERE ((c.discovered_at >= $1 AND c.discovered_at < $2) \
                    OR (c.solved_at >= $1 AND c.solved_at < $2)) \
             AND ($3 IS NULL OR c.unit_code = $3) \
             GROUP BY c.unit_code, COALESCE(g.grp, 'other')"
        );
        Ok(on_read!(self, |pool| {
            sqlx::query(&sql)
                .bind(window.0)
                .bind(window.1)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        (r.try_get("unit")?, r.try_get("grp")?),
                        CrimeCounts {
                            recorded: count(r.try_get("recorded")?),
                            cleared: count(r.try_get("cleared")?),
                            serious_recorded: count(r.try_get("serious_recorded")?),
                            serious_cleared: count(r.try_get("serious_cleared")?),
                            backlog: count(r.try_get("backlog")?),
                        },
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        }))
    }

    /// Crime figures with the clearance rate for `period` and the same period of the previous
    /// year (`clearance_rate`, `serious_clearance_rate`, `crime_group`). SQL groups by unit
    /// and crime group; other groupings sum those counts and recompute the rates.
    pub async fn stats_crime_yoy(
        &self,
        period: &Period,
        by: GroupBy,
        unit: Option<&str>,
    ) -> AccResult<CrimeReport> {
        let previous_period = period.same_period_previous_year()?;
        let (cur, prev) = tokio::try_join!(
            self.crime_counts(ms(period.utc_range()), unit),
            self.crime_counts(ms(previous_period.utc_range()), unit),
        )?;
        let mut acc: HashMap<GroupKey, [CrimeCounts; 2]> = HashMap::new();
        for (slot, rows) in [(0usize, cur), (1, prev)] {
            for ((u, g), c) in rows {
                let key = roll_up(&GroupKey::unit_category(&u, &g), by);
                acc.entry(key).or_default()[slot].add(&c);
            }
        }
        let mut total = [CrimeCounts::default(); 2];
        let mut rows: Vec<CrimeRow> = acc
            .into_iter()
            .map(|(k, [c, p])| {
                total[0].add(&c);
                total[1].add(&p);
                crime_row(k, &c, &p)
            })
            .collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(CrimeReport {
            period: *period,
            previous_period,
            by,
            rows,
            total: crime_row(GroupKey::total(), &total[0], &total[1]),
        })
    }

    /// The cases the periodic crime report (`domain::stats::periodic`) reads: those of `unit`
    /// (or every unit) discovered before `end` that were discovered since `since` (the start
    /// of the same period last year) or were not solved before `end` (they may be open at the
    /// end). A case ends on its status date when its status is final.
    pub async fn stats_periodic_cases(
        &self,
        since: DateTime<Utc>,
        end: DateTime<Utc>,
        unit: Option<&str>,
    ) -> AccResult<Vec<PeriodicCaseRow>> {
        let rows: Vec<PeriodicSqlRow> = on_read!(self, |pool| {
            sqlx::query_as(
                "SELECT unit_code, article, severity, discovered_at, solved_at, status, \
                     status_at FROM cases WHERE discovered_at < $2 \
                     AND (discovered_at >= $1 OR solved_at IS NULL OR solved_at >= $2) \
                     AND ($3 IS NULL OR unit_code = $3)",
            )
            .bind(to_millis(since))
            .bind(to_millis(end))
            .bind(unit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(
                |(unit, article, severity, discovered, solved, status, status_at)| {
                    let corrupt = |what: &'static str, detail: String| {
                        AccountabilityError::Store(crate::StoreError::Corrupt { what, detail })
                    };
                    let severity = Severity::ALL
                        .into_iter()
                        .find(|s| s.code() == severity)
                        .ok_or_else(|| corrupt("cases.severity", severity.clone()))?;
                    let status: CaseStatus = status
                        .parse()
                        .map_err(|e: String| corrupt("cases.status", e))?;
                    Ok(PeriodicCaseRow {
                        unit,
                        article: u16::try_from(article)
                            .map_err(|e| corrupt("cases.article", e.to_string()))?,
                        severity,
                        discovered_at: crate::from_millis(discovered),
                        solved_at: solved.map(crate::from_millis),
                        ended_at: status.is_final().then(|| crate::from_millis(status_at)),
                    })
                },
            )
            .collect()
    }

    /// Response-time distribution of one stage (`response_time`): per group, the count, p50
    /// and p90 by nearest rank (window functions), the mean, and the share within the target
    /// of each incident's priority.
    pub async fn stats_response_times(
        &self,
        period: &Period,
        stage: Stage,
        targets: &ResponseTargets,
        by: ResponseGroupBy,
        unit: Option<&str>,
    ) -> AccResult<ResponseReport> {
        let (start, end) = ms(period.utc_range());
        let parts: &[&str] = match by {
            ResponseGroupBy::Total => &[],
            ResponseGroupBy::Unit => &["unit"],
            ResponseGroupBy::Priority => &["priority"],
            ResponseGroupBy::UnitPriority => &["unit", "priority"],
        };
        let select = parts.iter().map(|p| format!("{p}, ")).collect::<String>();
        let partition = if parts.is_empty() {
            String::new()
        } else {
            format!("PARTITION BY {}", parts.join(", "))
        };
        let group = if parts.is_empty() {
            String::new()
        } else {
            format!("GROUP BY {}", parts.join(", "))
        };
        // The target of a row's priority: per-priority targets first, then the stage's own.
        let mut binds: Vec<i64> = Vec::new();
        let mut target = String::from("CASE");
        for ((s, prio), secs) in &targets.by_stage_priority {
            if *s == stage {
                // Parameters $1..$3 are the window and the unit.
                binds.push(i64::from(*prio));
                let p = binds.len() + 3;
                binds.push(i64::from(*secs));
                target.push_str(&format!(" WHEN priority = ${p} THEN ${}", p + 1));
            }
        }
        match targets.by_stage.get(&stage) {
            Some(secs) => {
                binds.push(i64::from(*secs));
                target.push_str(&format!(" ELSE ${} END", binds.len() + 3));
            }
            None if binds.is_empty() => target = "CAST(NULL AS BIGINT)".to_owned(),
            None => target.push_str(" END"),
        }
        let s = stage_expr(stage);
        let sql = format!(
            "WITH d AS (SELECT unit, priority, {s} AS s, {target} AS target FROM {INCIDENT_SOURCE} \
                 WHERE created_at >= $1 AND created_at < $2 AND {s} IS NOT NULL \
                 AND ($3 IS NULL OR unit = $3)), \
             r AS (SELECT d.*, ROW_NUMBER() OVER ({partition} ORDER BY s) AS rn, \
                   COUNT(*) OVER ({partition}) AS n FROM d) \
             SELECT {select}COUNT(*) AS cnt, \
                 MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN s END) AS p50, \
                 MAX(CASE WHEN rn = (90 * n + 99) / 100 THEN s END) AS p90, \
                 CAST(SUM(s) AS BIGINT) AS total, \
                 COUNT(target) AS with_target, \
                 COUNT(CASE WHEN s <= target THEN 1 END) AS within \
             FROM r {group}"
        );
        let has_unit = parts.contains(&"unit");
        let has_prio = parts.contains(&"priority");
        let mut rows: Vec<ResponseRow> = on_read!(self, |pool| {
            let mut q = sqlx::query(&sql).bind(start).bind(end).bind(unit);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    let n = count(r.try_get("cnt")?);
                    let total: Option<i64> = r.try_get("total")?;
                    let with_target = count(r.try_get("with_target")?);
                    let within = count(r.try_get("within")?);
                    let secs = |c: &str| -> Result<u32, sqlx::Error> {
                        Ok(r.try_get::<Option<i64>, _>(c)?
                            .and_then(|v| u32::try_from(v).ok())
                            .unwrap_or(0))
                    };
                    Ok(ResponseRow {
                        unit: if has_unit {
                            Some(r.try_get::<Option<String>, _>("unit")?.unwrap_or_default())
                        } else {
                            None
                        },
                        priority: if has_prio {
                            u8::try_from(r.try_get::<i64, _>("priority")?).ok()
                        } else {
                            None
                        },
                        count: n,
                        p50: secs("p50")?,
                        p90: secs("p90")?,
                        mean: count(total.unwrap_or(0)) as f64 / n as f64,
                        with_target,
                        within_target: within,
                        within_target_pct: rate_pct(within, with_target),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        // Without grouping, an empty window still gives one row of zeros.
        rows.retain(|r| r.count > 0);
        rows.sort_by(|a, b| (&a.unit, a.priority).cmp(&(&b.unit, b.priority)));
        Ok(ResponseReport {
            period: *period,
            stage,
            rows,
        })
    }

    async fn fire_figures(
        &self,
        window: (i64, i64),
        map: &FamilyMap,
        unit: Option<&str>,
    ) -> AccResult<[FireFigures; 3]> {
        let mut out = [FireFigures::default(); 3];
        for (_, fam, figures) in self.fire_figures_by(window, map, unit, false).await? {
            out[fam as usize] = figures;
        }
        Ok(out)
    }

    /// The sums of [`Store::fire_figures`] per family, and per unit too when `by_unit` (the
    /// unit is `None` otherwise).
    async fn fire_figures_by(
        &self,
        window: (i64, i64),
        map: &FamilyMap,
        unit: Option<&str>,
        by_unit: bool,
    ) -> AccResult<Vec<(Option<String>, FireFamily, FireFigures)>> {
        let mut binds: Vec<&str> = Vec::new();
        let mut case = String::from("CASE");
        for (i, list) in [&map.fire, &map.explosion, &map.rescue]
            .into_iter()
            .enumerate()
        {
            if list.is_empty() {
                continue;
            }
            let marks: Vec<String> = list
                .iter()
                .map(|c| {
                    binds.push(c);
                    format!("${}", binds.len() + 3)
                })
                .collect();
            case.push_str(&format!(
                " WHEN category IN ({}) THEN {i}",
                marks.join(", ")
            ));
        }
        if binds.is_empty() {
            return Ok(Vec::new());
        }
        case.push_str(" END");
        let (unit_col, group) = if by_unit {
            ("unit", "unit, fam")
        } else {
            ("CAST(NULL AS TEXT)", "fam")
        };
        let sql = format!(
            "SELECT {unit_col} AS unit_code, fam, CAST(SUM(confirmed) AS BIGINT) AS n, \
             CAST(SUM(confirmed * deaths) AS BIGINT) AS deaths, \
             CAST(SUM(confirmed * injured) AS BIGINT) AS injured, \
             CAST(SUM(confirmed * rescued) AS BIGINT) AS rescued, \
             CAST(COALESCE(SUM(CASE WHEN confirmed = 1 THEN damage_vnd END), 0) AS BIGINT) AS damage, \
             COUNT(CASE WHEN confirmed = 1 THEN damage_vnd END) AS assessed, \
             CAST(SUM((1 - confirmed) * false_alarm) AS BIGINT) AS false_alarms \
             FROM (SELECT CAST({case} AS BIGINT) AS fam, unit, deaths, injured, rescued, \
                          damage_vnd, confirmed, false_alarm \
                   FROM {INCIDENT_SOURCE} WHERE created_at >= $1 AND created_at < $2 \
                   AND ($3 IS NULL OR unit = $3)) f \
             WHERE fam IS NOT NULL GROUP BY {group} ORDER BY {group}"
        );
        let rows: Vec<(Option<String>, i64, FireFigures)> = on_read!(self, |pool| {
            let mut q = sqlx::query(&sql).bind(window.0).bind(window.1).bind(unit);
            for b in &binds {
                q = q.bind(*b);
            }
            q.fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<Option<String>, _>("unit_code")?,
                        r.try_get::<i64, _>("fam")?,
                        figures_of(r)?,
                    ))
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(u, fam, f)| {
                let family = FireFamily::ALL.get(usize::try_from(fam).ok()?).copied()?;
                Some((u, family, f))
            })
            .collect())
    }

    /// Fires, explosions and rescues of `period` per unit and family (units with none left
    /// out), counted as [`Store::stats_fires`] counts them.
    pub async fn stats_fires_by_unit(
        &self,
        period: &Period,
        map: &FamilyMap,
        unit: Option<&str>,
    ) -> AccResult<Vec<(String, FireFamily, FireFigures)>> {
        Ok(self
            .fire_figures_by(ms(period.utc_range()), map, unit, true)
            .await?
            .into_iter()
            .filter_map(|(u, fam, f)| Some((u?, fam, f)))
            .filter(|(_, _, f)| f.count > 0 || f.false_alarms > 0)
            .collect())
    }

    pub async fn stats_fires(
        &self,
        period: &Period,
        map: &FamilyMap,
        unit: Option<&str>,
    ) -> AccResult<FireReport> {
        let previous_period = period.same_period_previous_year()?;
        let (cur, prev) = tokio::try_join!(
            self.fire_figures(ms(period.utc_range()), map, unit),
            self.fire_figures(ms(previous_period.utc_range()), map, unit),
        )?;
        let rows = FireFamily::ALL
            .into_iter()
            .enumerate()
            .map(|(i, family)| domain::stats::fire::FamilyRow {
                family,
                current: cur[i],
                previous: prev[i],
                count: Change::new(cur[i].count, prev[i].count),
                deaths: Change::new(cur[i].deaths, prev[i].deaths),
                injured: Change::new(cur[i].injured, prev[i].injured),
            })
            .collect();
        Ok(FireReport {
            period: *period,
            previous_period,
            rows,
        })
    }

    /// False alarms of the fire-alarm link in `period`: incidents opened by an alarm device
    /// and declared false (`false_alarm` of the statistics relation), per facility (every one,
    /// most first) and for the `worst` devices, with the devices in service in the scope now.
    pub async fn stats_false_alarms(
        &self,
        period: &Period,
        unit: Option<&str>,
        worst: i64,
        now: DateTime<Utc>,
    ) -> AccResult<FalseAlarmReport> {
        let (from, to) = ms(period.utc_range());
        // Incidents opened by an alarm device and declared false, with their facility ...
        const FROM: &str = "FROM incident_stats s JOIN incidents i ON i.id = s.id \
             JOIN facilities f ON f.id = i.facility_id";
        // ... in the period and scope.
        const WHERE: &str = "WHERE s.false_alarm = 1 AND s.channel = 'alarm_device' \
             AND s.created_at >= $1 AND s.created_at < $2 AND ($3 IS NULL OR s.unit = $3)";
        let by_facility = format!(
            "SELECT f.id AS facility_id, f.name AS name, f.unit_code AS unit_code, \
             COUNT(*) AS n, (SELECT COUNT(*) FROM devices d WHERE d.facility_id = f.id \
             AND d.enabled = 1) AS devices {FROM} {WHERE} \
             GROUP BY f.id, f.name, f.unit_code ORDER BY n DESC, f.id"
        );
        let by_device = format!(
            "SELECT d.account AS account, f.id AS facility_id, f.name AS facility_name, \
             COUNT(*) AS n {FROM} JOIN devices d ON d.account = i.device_id {WHERE} \
             GROUP BY d.account, f.id, f.name ORDER BY n DESC, d.account LIMIT $4"
        );
        let devices_with = format!(
            "SELECT COUNT(DISTINCT d.account) {FROM} JOIN devices d ON d.account = i.device_id \
             {WHERE}"
        );
        let by_cause = format!(
            "SELECT i.false_alarm_cause AS cause, COUNT(*) AS n {FROM} {WHERE} \
             GROUP BY i.false_alarm_cause ORDER BY n DESC, i.false_alarm_cause"
        );
        let in_service =
            "SELECT COUNT(*) FROM devices d JOIN facilities f ON f.id = d.facility_id \
             WHERE d.enabled = 1 AND ($1 IS NULL OR f.unit_code = $1)";
        let (facilities, worst_devices, devices_with, causes, devices) = on_read!(self, |pool| {
            let facilities = sqlx::query(&by_facility)
                .bind(from)
                .bind(to)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(FacilityFalseAlarms {
                        facility_id: r.try_get("facility_id")?,
                        name: r.try_get("name")?,
                        unit_code: r.try_get("unit_code")?,
                        false_alarms: count(r.try_get("n")?),
                        devices: count(r.try_get("devices")?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let worst_devices = sqlx::query(&by_device)
                .bind(from)
                .bind(to)
                .bind(unit)
                .bind(worst)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| {
                    Ok(DeviceFalseAlarms {
                        account: r.try_get("account")?,
                        facility_id: r.try_get("facility_id")?,
                        facility_name: r.try_get("facility_name")?,
                        false_alarms: count(r.try_get("n")?),
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let devices_with: i64 = sqlx::query_scalar(&devices_with)
                .bind(from)
                .bind(to)
                .bind(unit)
                .fetch_one(pool)
                .await?;
            let causes = sqlx::query(&by_cause)
                .bind(from)
                .bind(to)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("cause")?, count(r.try_get("n")?))))
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let devices: i64 = sqlx::query_scalar(in_service)
                .bind(unit)
                .fetch_one(pool)
                .await?;
            Ok::<_, sqlx::Error>((facilities, worst_devices, devices_with, causes, devices))
        })?;
        Ok(FalseAlarmReport {
            period: *period,
            devices: count(devices),
            false_alarms: facilities.iter().map(|f| f.false_alarms).sum(),
            elapsed_days: elapsed_days(period, now),
            facilities,
            worst_devices,
            devices_with_false_alarms: count(devices_with),
            causes,
        })
    }

    /// Fires in `period` by the cause their fire report gives: incidents whose report says a
    /// real fire and that are confirmed (not cancelled or merged as a duplicate), most first.
    pub async fn stats_fire_causes(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> AccResult<Vec<(String, FireFigures)>> {
        let rows = self
            .real_fires_by("COALESCE(i.fire_cause, 'unknown')", period, unit)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(code, f)| (code.unwrap_or_else(|| "unknown".to_owned()), f))
            .collect())
    }

    /// Fires in `period` by the type of premises their fire report gives (`None`: a report
    /// that does not say), counted like [`Store::stats_fire_causes`].
    pub async fn stats_fire_premises(
        &self,
        period: &Period,
        unit: Option<&str>,
    ) -> AccResult<Vec<(Option<String>, FireFigures)>> {
        self.real_fires_by("i.premises_kind", period, unit).await
    }

    /// Confirmed real fires of `period` grouped by `key`, an expression over the incident row
    /// (one of this module's constants, never input), most first.
    async fn real_fires_by(
        &self,
        key: &'static str,
        period: &Period,
        unit: Option<&str>,
    ) -> AccResult<Vec<(Option<String>, FireFigures)>> {
        let (from, to) = ms(period.utc_range());
        let sql = format!(
            "SELECT {key} AS code, COUNT(*) AS n, CAST(SUM(s.deaths) AS BIGINT) AS deaths, \
             CAST(SUM(s.injured) AS BIGINT) AS injured, \
             CAST(SUM(s.rescued) AS BIGINT) AS rescued, \
             CAST(COALESCE(SUM(s.damage_vnd), 0) AS BIGINT) AS damage, \
             COUNT(s.damage_vnd) AS assessed, CAST(0 AS BIGINT) AS false_alarms \
             FROM incident_stats s JOIN incidents i ON i.id = s.id \
             WHERE i.real_fire = 1 AND s.confirmed = 1 AND s.created_at >= $1 \
             AND s.created_at < $2 AND ($3 IS NULL OR s.unit = $3) \
             GROUP BY {key} ORDER BY n DESC, code"
        );
        Ok(on_read!(self, |pool| {
            sqlx::query(&sql)
                .bind(from)
                .bind(to)
                .bind(unit)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("code")?, figures_of(r)?)))
                .collect::<Result<Vec<_>, sqlx::Error>>()
        })?)
    }

    /// Whether the incident relation the statistics read exists in this database.
    pub async fn incident_source_available(&self) -> AccResult<bool> {
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {INCIDENT_SOURCE} LIMIT 1) x");
        let result: Result<i64, sqlx::Error> = on_read!(self, |pool| {
            sqlx::query_scalar(&sql).fetch_one(pool).await
        });
        match result {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(_)) => Ok(false),
            Err(e) => Err(AccountabilityError::from(e)),
        }
    }
}
