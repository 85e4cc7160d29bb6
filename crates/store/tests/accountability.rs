//! Tasks, campaigns, cases and the statistics SQL, on SQLite and (with `BINHYEN_TEST_PG`) on
//! PostgreSQL. The statistics are checked against the domain's reference functions on the
//! same fixture: the test fails if SQL and domain disagree.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::inspection::{FindingSeverity, ItemResult, Verdict};
use domain::stats::{
    crime_year_on_year, fire_report, incident_counts, incident_series, incident_year_on_year,
    response_times, CaseRow, CategoryMap, CrimeGroup, FamilyMap, Granularity, GroupBy, IncidentRow,
    MaxPenalty, Period, ResponseGroupBy, ResponseTargets, Severity, Stage, StatsError,
};
use domain::tasks::{Evidence, NewTask, PersonRef, TaskPolicy, TaskSource, TaskStatus};
use rand::{Rng, SeedableRng};
use store::{
    AccountabilityError, Actor, AuditFilter, CaseFilter, NewCase, Recommend, Store, StoreError,
    TaskFilter,
};

/// A store plus a raw connection URL to the same database, for fixtures.
struct Fixture {
    store: Store,
    url: String,
    _dir: Option<common::TempDir>,
}

async fn sqlite_fixture() -> Fixture {
    let dir = common::TempDir::new();
    let path = dir.path.join("test.db");
    let store = Store::open(&store::DbTarget::Sqlite(path.clone()))
        .await
        .unwrap();
    Fixture {
        store,
        url: format!("sqlite://{}", path.display()),
        _dir: Some(dir),
    }
}

async fn pg_fixture() -> Fixture {
    let url = common::fresh_pg_schema(&common::pg_base()).await;
    let store = Store::open(&store::DbTarget::Postgres(url.clone()))
        .await
        .unwrap();
    Fixture {
        store,
        url,
        _dir: None,
    }
}

/// Runs statements on the fixture's database outside the store.
async fn exec(url: &str, statements: &[String]) {
    use sqlx::Connection;
    if url.starts_with("sqlite://") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        for s in statements {
            sqlx::query(s).execute(&mut c).await.unwrap();
        }
    }
}

/// The incident rows the statistics read, as a table in place of the view over `incidents`,
/// so that the fixture can carry damage the incident workflow does not record.
fn incident_ddl() -> Vec<String> {
    vec![
        format!("DROP VIEW {}", store::INCIDENT_SOURCE),
        "CREATE TABLE incident_stats (unit TEXT NOT NULL, category TEXT NOT NULL, \
         priority BIGINT NOT NULL, created_at BIGINT NOT NULL, closed_at BIGINT, \
         dispatch_secs BIGINT, travel_secs BIGINT, control_secs BIGINT, \
         deaths BIGINT NOT NULL DEFAULT 0, injured BIGINT NOT NULL DEFAULT 0, \
         rescued BIGINT NOT NULL DEFAULT 0, damage_vnd BIGINT, \
         confirmed BIGINT NOT NULL DEFAULT 1, false_alarm BIGINT NOT NULL DEFAULT 0)"
            .into(),
        "CREATE INDEX incident_stats_created ON incident_stats(created_at, unit, category)".into(),
    ]
}

fn opt(v: Option<impl ToString>) -> String {
    v.map_or("NULL".into(), |x| x.to_string())
}

/// Multi-row INSERT statements for incident rows (codes are generated, never user text).
fn incident_inserts(rows: &[IncidentRow], per_statement: usize) -> Vec<String> {
    rows.chunks(per_statement)
        .map(|chunk| {
            let mut sql = String::from(
                "INSERT INTO incident_stats (unit, category, priority, created_at, closed_at, \
                 dispatch_secs, travel_secs, control_secs, deaths, injured, rescued, damage_vnd, \
                 confirmed, false_alarm) VALUES ",
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('{}','{}',{},{},{},{},{},{},{},{},{},{},{},{})",
                    r.unit,
                    r.category,
                    r.priority,
                    r.created_at.timestamp_millis(),
                    opt(r.closed_at.map(|t| t.timestamp_millis())),
                    opt(r.dispatch_secs),
                    opt(r.travel_secs),
                    opt(r.control_secs),
                    r.deaths,
                    r.injured,
                    r.rescued,
                    opt(r.damage_vnd),
                    i64::from(r.confirmed),
                    i64::from(r.false_alarm)
                ));
            }
            sql
        })
        .collect()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn person(id: &str) -> PersonRef {
    PersonRef::new(id, &format!("Cán bộ {id}"))
}

fn new_task(unit: &str, owner: &str, deadline: DateTime<Utc>) -> NewTask {
    NewTask {
        id: String::new(),
        title: "Rà soát hộ tạm trú".into(),
        description: "Rà soát toàn bộ hộ tạm trú trên địa bàn".into(),
        owner: person(owner),
        unit: unit.into(),
        assigner: person("1"),
        deadline,
        expected_result: "Danh sách hộ tạm trú được cập nhật".into(),
        source: TaskSource::LeaderAssignment { reference: None },
    }
}

fn actor() -> Actor {
    Actor::system("test")
}

// ---------------------------------------------------------------------------------------------

async fn tasks_are_created_listed_and_updated(store: Store) {
    let now = t("2026-03-01T02:00:00Z");
    let policy = TaskPolicy::default();
    let a = store
        .create_task(
            &new_task("00004", "7", now + Duration::days(3)),
            &policy,
            &actor(),
            now,
        )
        .await
        .unwrap();
    let b = store
        .create_task(
            &new_task("00008", "8", now + Duration::days(1)),
            &policy,
            &actor(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(a.task.id(), a.id.to_string());
    assert_eq!(a.version, 1);
    assert_eq!(store.task(a.id).await.unwrap(), a);

    // A refused task (no expected result) writes nothing, not even an audit row.
    let mut bad = new_task("00004", "7", now + Duration::days(1));
    bad.expected_result = " ".into();
    let err = store.create_task(&bad, &policy, &actor(), now).await;
    assert!(matches!(err, Err(AccountabilityError::Task(_))), "{err:?}");
    let all = store.list_tasks(&TaskFilter::default(), now).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, b.id, "ordered by deadline");
    let audits = store
        .list_audit(&AuditFilter {
            object_type: Some("task".into()),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audits.len(), 2);

    let by_unit = store
        .list_tasks(
            &TaskFilter {
                unit: Some("00004".into()),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(by_unit.len(), 1);
    let by_owner = store
        .list_tasks(
            &TaskFilter {
                owner: Some("8".into()),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(by_owner[0].id, b.id);
    let later = now + Duration::days(2);
    let overdue = store
        .list_tasks(
            &TaskFilter {
                overdue: Some(true),
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(overdue.iter().map(|s| s.id).collect::<Vec<_>>(), [b.id]);
    let not_overdue = store
        .list_tasks(
            &TaskFilter {
                overdue: Some(false),
                ..Default::default()
            },
            later,
        )
        .await
        .unwrap();
    assert_eq!(not_overdue.iter().map(|s| s.id).collect::<Vec<_>>(), [a.id]);

    // Progress, then completion with evidence.
    let at = now + Duration::hours(1);
    let a2 = store
        .update_task(a.id, Some(1), "task.progress", &actor(), at, |task| {
            task.add_progress(person("7"), 40, "Đã rà soát 3 tổ dân phố", at)
        })
        .await
        .unwrap();
    assert_eq!(a2.version, 2);
    assert_eq!(a2.task.status(), TaskStatus::InProgress);
    assert_eq!(a2.task.progress(), 40);
    // A stale version is refused and changes nothing.
    let stale = store
        .update_task(a.id, Some(1), "task.progress", &actor(), at, |task| {
            task.add_progress(person("7"), 50, "x", at)
        })
        .await;
    assert!(
        matches!(
            stale,
            Err(AccountabilityError::StaleVersion { current: 2, .. })
        ),
        "{stale:?}"
    );
    // A domain refusal changes nothing either.
    let over = store
        .update_task(a.id, None, "task.progress", &actor(), at, |task| {
            task.add_progress(person("7"), 101, "x", at)
        })
        .await;
    assert!(matches!(over, Err(AccountabilityError::Task(_))));
    assert_eq!(store.task(a.id).await.unwrap(), a2);
    let done = store
        .update_task(a.id, Some(2), "task.complete", &actor(), at, |task| {
            task.complete(
                person("7"),
                "Đã cập nhật 120 hộ",
                vec![Evidence {
                    description: "Báo cáo".into(),
                    reference: "BC-12".into(),
                }],
                &policy,
                at,
            )
        })
        .await
        .unwrap();
    assert_eq!(done.task.status(), TaskStatus::Done);
    assert!(store.task(999_999).await.is_err());
}

async fn concurrent_task_edits_do_not_overwrite_each_other(store: Store) {
    let now = t("2026-03-01T02:00:00Z");
    let task = store
        .create_task(
            &new_task("00004", "7", now + Duration::days(3)),
            &TaskPolicy::default(),
            &actor(),
            now,
        )
        .await
        .unwrap();
    let mut handles = Vec::new();
    for i in 0..8u8 {
        let s = store.clone();
        handles.push(tokio::spawn(async move {
            let at = now + Duration::minutes(i64::from(i) + 1);
            s.update_task(task.id, Some(1), "task.progress", &actor(), at, |t| {
                t.add_progress(person("7"), 10 + i, "song song", at)
            })
            .await
        }));
    }
    let mut ok = 0;
    for h in handles {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AccountabilityError::StaleVersion { .. })
            | Err(AccountabilityError::Store(StoreError::Conflict(_))) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one edit of version 1 wins");
    let after = store.task(task.id).await.unwrap();
    assert_eq!(after.version, 2);
    assert_eq!(after.task.notes().len(), 1);
}

async fn overdue_is_published_once_per_deadline(store: Store) {
    let now = t("2026-03-01T02:00:00Z");
    let mut feed = store.subscribe();
    let task = store
        .create_task(
            &new_task("00004", "7", now + Duration::hours(1)),
            &TaskPolicy::default(),
            &actor(),
            now,
        )
        .await
        .unwrap();
    let created = feed.recv().await.unwrap();
    assert_eq!(created.kind, "task.created");
    assert!(store.flag_overdue_tasks(now).await.unwrap().is_empty());
    let later = now + Duration::hours(2);
    let flagged = store.flag_overdue_tasks(later).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0].kind, "task.overdue");
    assert_eq!(flagged[0].unit_code.as_deref(), Some("00004"));
    assert_eq!(flagged[0].payload["id"], task.id);
    let seen = feed.recv().await.unwrap();
    assert_eq!(seen.kind, "task.overdue");
    // Once only.
    assert!(store.flag_overdue_tasks(later).await.unwrap().is_empty());
    // The assigner moves the deadline: a new deadline that passes is published again.
    let at = later + Duration::minutes(1);
    store
        .update_task(task.id, None, "task.deadline", &actor(), at, |t| {
            t.change_deadline(person("1"), at + Duration::hours(1), "bổ sung hồ sơ", at)
        })
        .await
        .unwrap();
    assert!(store.flag_overdue_tasks(at).await.unwrap().is_empty());
    let again = store
        .flag_overdue_tasks(at + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    // Done tasks are never flagged.
    let t2 = store
        .create_task(
            &new_task("00004", "7", now + Duration::hours(1)),
            &TaskPolicy::default(),
            &actor(),
            now,
        )
        .await
        .unwrap();
    store
        .update_task(t2.id, None, "task.cancel", &actor(), now, |t| {
            t.cancel("không còn cần thiết", now)
        })
        .await
        .unwrap();
    assert!(store
        .flag_overdue_tasks(now + Duration::days(5))
        .await
        .unwrap()
        .is_empty());
}

async fn a_campaign_runs_from_groups_to_closure(store: Store) {
    let now = t("2026-04-01T02:00:00Z");
    let c = store
        .create_campaign("Kiểm tra quý II", &actor(), now)
        .await
        .unwrap();
    assert_eq!(c.version, 1);
    let (c, group) = store
        .update_campaign(c.id, Some(1), "campaign.group", &actor(), now, |c| {
            let g = c.add_group("Đoàn 1", person("2"), vec![person("3")])?;
            c.assign_units(g, vec!["00004".into(), "00008".into()])?;
            Ok(g)
        })
        .await
        .unwrap();
    assert_eq!(c.version, 2);
    // A stale edit is refused.
    let stale = store
        .update_campaign(c.id, Some(1), "campaign.edit", &actor(), now, |c| {
            c.add_item("Mục mới", "New item")
        })
        .await;
    assert!(matches!(
        stale,
        Err(AccountabilityError::StaleVersion { .. })
    ));
    let (c, visit) = store
        .update_campaign(c.id, None, "campaign.visit", &actor(), now, |c| {
            c.start(now)?;
            c.schedule_visit(
                group,
                "00004",
                chrono::NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
            )
        })
        .await
        .unwrap();
    let items: Vec<u32> = c.campaign.checklist().iter().map(|i| i.id).collect();
    let (c, findings) = store
        .update_campaign(c.id, None, "campaign.record", &actor(), now, |c| {
            let results = items
                .iter()
                .map(|&id| ItemResult {
                    item_id: id,
                    verdict: if id == items[0] {
                        Verdict::NotMet
                    } else {
                        Verdict::Met
                    },
                    notes: if id == items[0] {
                        "Sổ theo dõi chưa cập nhật".into()
                    } else {
                        String::new()
                    },
                    severity: FindingSeverity::Medium,
                })
                .collect();
            c.record_visit(visit, results, "BB-01/2026", now)
        })
        .await
        .unwrap();
    assert_eq!(findings.len(), 1);
    let (c, task) = store
        .recommend_finding(
            c.id,
            findings[0],
            &Recommend {
                text: "Cập nhật sổ theo dõi cư trú".into(),
                owner: person("7"),
                assigner: person("2"),
                deadline: now + Duration::days(30),
            },
            &TaskPolicy::default(),
            Some(c.version),
            &actor(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(task.campaign_id, Some(c.id));
    assert_eq!(task.task.unit(), "00004");
    let spawned = store
        .list_tasks(
            &TaskFilter {
                campaign_id: Some(c.id),
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(spawned.len(), 1);
    // Closing with an open finding is refused.
    let refused = store
        .update_campaign(c.id, None, "campaign.close", &actor(), now, |c| {
            c.close(now)
        })
        .await;
    assert!(matches!(refused, Err(AccountabilityError::Inspection(_))));
    // Verification needs the task done.
    let early = store
        .verify_finding(
            c.id,
            findings[0],
            &person("2"),
            "đã kiểm tra",
            None,
            &actor(),
            now,
        )
        .await;
    assert!(
        matches!(early, Err(AccountabilityError::Inspection(_))),
        "{early:?}"
    );
    let at = now + Duration::days(3);
    store
        .update_task(task.id, None, "task.complete", &actor(), at, |t| {
            t.complete(
                person("7"),
                "Đã cập nhật sổ",
                vec![Evidence {
                    description: "Ảnh sổ".into(),
                    reference: "IMG-1".into(),
                }],
                &TaskPolicy::default(),
                at,
            )
        })
        .await
        .unwrap();
    let c = store
        .verify_finding(
            c.id,
            findings[0],
            &person("2"),
            "đã kiểm tra",
            None,
            &actor(),
            at,
        )
        .await
        .unwrap();
    let (c, ()) = store
        .update_campaign(c.id, None, "campaign.close", &actor(), at, |c| c.close(at))
        .await
        .unwrap();
    assert_eq!(
        c.campaign.status(),
        domain::inspection::CampaignStatus::Closed
    );
    assert_eq!(store.list_campaigns().await.unwrap().len(), 1);
    let p = c.campaign.progress(at);
    assert_eq!((p.findings_open, p.findings_closed), (0, 1));
}

async fn cases_are_recorded_classified_and_solved(store: Store) {
    let now = t("2026-03-20T02:00:00Z");
    let new = NewCase {
        case_ref: "VA-2026-001".into(),
        unit: "00004".into(),
        article: 173,
        clause: Some(2),
        bracket_max: MaxPenalty::PrisonMonths(84),
        summary: "Trộm cắp tài sản".into(),
        discovered_at: t("2026-03-01T03:00:00Z"),
        solved_at: None,
        status: None,
        status_at: None,
        suspects: None,
    };
    let c = store.create_case(&new, &actor(), now).await.unwrap();
    assert_eq!(c.severity, Severity::Serious);
    assert_eq!(c.group, CrimeGroup::Ttxh);
    let dup = store.create_case(&new, &actor(), now).await;
    assert!(matches!(
        dup,
        Err(AccountabilityError::Store(StoreError::Conflict(_)))
    ));
    let mut bad = new.clone();
    bad.case_ref = "VA-2026-002".into();
    bad.solved_at = Some(t("2026-02-01T00:00:00Z"));
    assert!(matches!(
        store.create_case(&bad, &actor(), now).await,
        Err(AccountabilityError::Stats(_))
    ));
    // Solving before discovery is refused; solving after is stored.
    assert!(store
        .set_case_solved(c.id, Some(t("2026-02-01T00:00:00Z")), None, &actor(), now)
        .await
        .is_err());
    let solved = store
        .set_case_solved(
            c.id,
            Some(t("2026-03-05T00:00:00Z")),
            Some(1),
            &actor(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(solved.version, 2);
    assert!(matches!(
        store
            .set_case_solved(c.id, None, Some(1), &actor(), now)
            .await,
        Err(AccountabilityError::StaleVersion { .. })
    ));
    let list = store
        .list_cases(&CaseFilter {
            unit: Some("00004".into()),
            solved: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    let none = store
        .list_cases(&CaseFilter {
            unit: Some("00008".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
}

async fn the_article_table_is_the_default_mapping_and_can_be_replaced(store: Store) {
    assert_eq!(store.article_map().await.unwrap(), CategoryMap::default());
    let custom = CategoryMap::from_csv("article,group\n173-174,high_tech\n").unwrap();
    store
        .set_article_map(&custom, &actor(), Utc::now())
        .await
        .unwrap();
    assert_eq!(store.article_map().await.unwrap(), custom);
}

async fn case_statuses_keep_their_history_and_the_solved_date(store: Store) {
    use domain::stats::CaseStatus;
    use store::CaseStatusInput;
    let now = t("2026-05-20T02:00:00Z");
    let new = NewCase {
        case_ref: "VA-2026-101".into(),
        unit: "00004".into(),
        article: 173,
        clause: Some(1),
        bracket_max: MaxPenalty::PrisonMonths(36),
        summary: String::new(),
        discovered_at: t("2026-03-01T03:00:00Z"),
        solved_at: None,
        status: None,
        status_at: None,
        suspects: Some(2),
    };
    let c = store.create_case(&new, &actor(), now).await.unwrap();
    assert_eq!(c.status, CaseStatus::Prosecuted);
    assert_eq!(c.status_at, new.discovered_at);
    assert_eq!(c.suspects, Some(2));
    let change = |status, at: &str| CaseStatusInput {
        status,
        at: t(at),
        decision_no: Some("12/QĐ".into()),
        note: None,
    };
    let c = store
        .change_case_status(
            c.id,
            &change(CaseStatus::Suspended, "2026-03-10T00:00:00Z"),
            Some(c.version),
            &actor(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(c.status, CaseStatus::Suspended);
    assert_eq!(c.record.solved_at, None);
    // A stale version, a move the procedure forbids, and a date before the current status.
    assert!(matches!(
        store
            .change_case_status(
                c.id,
                &change(CaseStatus::Investigating, "2026-03-11T00:00:00Z"),
                Some(1),
                &actor(),
                now
            )
            .await,
        Err(AccountabilityError::StaleVersion { .. })
    ));
    assert!(matches!(
        store
            .change_case_status(
                c.id,
                &change(CaseStatus::Concluded, "2026-03-11T00:00:00Z"),
                Some(c.version),
                &actor(),
                now
            )
            .await,
        Err(AccountabilityError::Stats(
            StatsError::CaseTransition { .. }
        ))
    ));
    assert!(matches!(
        store
            .change_case_status(
                c.id,
                &change(CaseStatus::Investigating, "2026-03-09T00:00:00Z"),
                Some(c.version),
                &actor(),
                now
            )
            .await,
        Err(AccountabilityError::Stats(
            StatsError::CaseStatusDate { .. }
        ))
    ));
    let c = store
        .change_case_status(
            c.id,
            &change(CaseStatus::Investigating, "2026-03-15T00:00:00Z"),
            Some(c.version),
            &actor(),
            now,
        )
        .await
        .unwrap();
    // Concluding solves the case on the conclusion's date.
    let c = store
        .change_case_status(
            c.id,
            &change(CaseStatus::Concluded, "2026-04-02T00:00:00Z"),
            Some(c.version),
            &actor(),
            now,
        )
        .await
        .unwrap();
    assert_eq!(c.record.solved_at, Some(t("2026-04-02T00:00:00Z")));
    // A concluded case cannot be un-solved.
    assert!(store
        .set_case_solved(c.id, None, Some(c.version), &actor(), now)
        .await
        .is_err());
    let history = store.case_status_history(c.id).await.unwrap();
    let statuses: Vec<_> = history.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [
            CaseStatus::Prosecuted,
            CaseStatus::Suspended,
            CaseStatus::Investigating,
            CaseStatus::Concluded
        ]
    );
    assert_eq!(history[1].decision_no.as_deref(), Some("12/QĐ"));
    assert_eq!(history[3].at, t("2026-04-02T00:00:00Z"));
    assert_eq!(history[3].actor_name, actor().name);
    // A register taken over may start a case at any status; concluding then solves it.
    let mut imported = new.clone();
    imported.case_ref = "VA-2026-102".into();
    imported.status = Some(CaseStatus::SentForProsecution);
    imported.status_at = Some(t("2026-04-01T00:00:00Z"));
    store
        .import_cases(&[imported], &actor(), now)
        .await
        .unwrap();
    let list = store
        .list_cases(&CaseFilter {
            solved: Some(true),
            ..Default::default()
        })
        .await
        .unwrap();
    let i = list.iter().find(|c| c.record.id == "VA-2026-102").unwrap();
    assert_eq!(i.status, CaseStatus::SentForProsecution);
    assert_eq!(i.record.solved_at, Some(t("2026-04-01T00:00:00Z")));
    assert_eq!(store.case_status_history(i.id).await.unwrap().len(), 1);
    // A status dated in the future is refused.
    let mut future = new.clone();
    future.case_ref = "VA-2026-103".into();
    future.status_at = Some(t("2026-06-01T00:00:00Z"));
    assert!(store.create_case(&future, &actor(), now).await.is_err());
}

on_both_backends!(
    tasks_are_created_listed_and_updated,
    concurrent_task_edits_do_not_overwrite_each_other,
    overdue_is_published_once_per_deadline,
    a_campaign_runs_from_groups_to_closure,
    cases_are_recorded_classified_and_solved,
    case_statuses_keep_their_history_and_the_solved_date,
    the_article_table_is_the_default_mapping_and_can_be_replaced,
);

// ---------------------------------------------------------------------------------------------
// Statistics: SQL against the domain reference on the same random fixture.
// ---------------------------------------------------------------------------------------------

const UNITS: [&str; 5] = ["00004", "00008", "00025", "00031", "00040"];
const CATEGORIES: [&str; 6] = [
    "fire",
    "explosion",
    "rescue",
    "theft",
    "traffic_accident",
    "fight",
];
const ARTICLES: [u16; 8] = [123, 134, 173, 174, 188, 249, 290, 260];

/// An instant near a reporting-month edge most of the time, so that the boundaries are
/// exercised; otherwise anywhere from 2024-12 to 2026-12.
fn random_instant(rng: &mut impl Rng) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2024, 12, 1, 0, 0, 0).unwrap();
    if rng.gen_bool(0.3) {
        // 17:00 UTC on the 14th = 00:00 on the 15th in Vietnam: the edge itself ± a minute.
        let month = rng.gen_range(0..24);
        let edge = base + chrono::Months::new(month);
        let edge = Utc
            .with_ymd_and_hms(
                chrono::Datelike::year(&edge),
                chrono::Datelike::month(&edge),
                14,
                17,
                0,
                0,
            )
            .unwrap();
        edge + Duration::seconds(rng.gen_range(-90..90))
    } else {
        base + Duration::seconds(rng.gen_range(0..(760 * 86_400)))
    }
}

fn random_incidents(n: usize, seed: u64) -> Vec<IncidentRow> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let mut r = IncidentRow::new(
                UNITS[rng.gen_range(0..UNITS.len())],
                CATEGORIES[rng.gen_range(0..CATEGORIES.len())],
                rng.gen_range(1..=3),
                random_instant(&mut rng),
            );
            r.dispatch_secs = rng.gen_bool(0.85).then(|| rng.gen_range(5..400));
            r.travel_secs = rng.gen_bool(0.8).then(|| rng.gen_range(60..1500));
            r.control_secs = rng.gen_bool(0.3).then(|| rng.gen_range(60..5000));
            r.deaths = rng.gen_range(0..2);
            r.injured = rng.gen_range(0..4);
            r.rescued = rng.gen_range(0..5);
            r.damage_vnd = rng.gen_bool(0.4).then(|| rng.gen_range(0..2_000_000_000));
            // Some reports are false alarms, some cancelled or never verified.
            r.false_alarm = rng.gen_bool(0.1);
            r.confirmed = !r.false_alarm && rng.gen_bool(0.9);
            r
        })
        .collect()
}

fn random_cases(n: usize, seed: u64) -> Vec<NewCase> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let brackets = [
        MaxPenalty::NonCustodial,
        MaxPenalty::PrisonMonths(36),
        MaxPenalty::PrisonMonths(84),
        MaxPenalty::PrisonMonths(180),
        MaxPenalty::Life,
    ];
    (0..n)
        .map(|i| {
            let discovered_at = random_instant(&mut rng);
            let solved_at = rng
                .gen_bool(0.7)
                .then(|| discovered_at + Duration::seconds(rng.gen_range(0..(120 * 86_400))));
            NewCase {
                case_ref: format!("VA-{i:05}"),
                unit: UNITS[rng.gen_range(0..UNITS.len())].into(),
                article: ARTICLES[rng.gen_range(0..ARTICLES.len())],
                clause: Some(1),
                bracket_max: brackets[rng.gen_range(0..brackets.len())],
                summary: String::new(),
                discovered_at,
                solved_at,
                status: None,
                status_at: None,
                suspects: None,
            }
        })
        .collect()
}

fn periods() -> Vec<Period> {
    [
        "R2026-03",
        "R2026-01",
        "R2026-Q1",
        "R2026-Q4",
        "R2026-H1",
        "R2026-H2",
        "R2026-9M",
        "R2026",
        "2026-03",
        "2026-Q2",
        "2026",
        "2026-02-10..2026-03-20",
    ]
    .iter()
    .map(|p| p.parse().unwrap())
    .collect()
}

async fn sql_statistics_agree_with_the_domain(f: Fixture) {
    let store = &f.store;
    let incidents = random_incidents(3000, 7);
    let mut statements = incident_ddl();
    statements.extend(incident_inserts(&incidents, 400));
    exec(&f.url, &statements).await;
    let cases = random_cases(600, 11);
    // A batch with one invalid case (solved before it was discovered) writes nothing…
    let mut bad = cases[..10].to_vec();
    bad[7].solved_at = Some(bad[7].discovered_at - Duration::days(1));
    assert!(store
        .import_cases(&bad, &actor(), Utc::now())
        .await
        .is_err());
    // …and the rest go in half imported in one batch, half one by one.
    store
        .import_cases(&cases[..300], &actor(), Utc::now())
        .await
        .unwrap();
    for c in &cases[300..] {
        store.create_case(c, &actor(), Utc::now()).await.unwrap();
    }
    let case_rows: Vec<CaseRow> = cases
        .iter()
        .map(|c| CaseRow {
            unit: c.unit.clone(),
            article: c.article,
            severity: Severity::from_max_penalty(c.bracket_max),
            discovered_at: c.discovered_at,
            solved_at: c.solved_at,
        })
        .collect();
    let map = CategoryMap::default();
    let families = FamilyMap::default();
    let targets = ResponseTargets::default();
    let only = |unit: &str| -> Vec<IncidentRow> {
        incidents
            .iter()
            .filter(|r| r.unit == unit)
            .cloned()
            .collect()
    };
    let only_cases = |unit: &str| -> Vec<CaseRow> {
        case_rows
            .iter()
            .filter(|r| r.unit == unit)
            .cloned()
            .collect()
    };
    for p in periods() {
        for by in [
            GroupBy::Total,
            GroupBy::Unit,
            GroupBy::Category,
            GroupBy::UnitCategory,
        ] {
            assert_eq!(
                store.stats_incident_counts(&p, by, None).await.unwrap(),
                incident_counts(&incidents, &p, by),
                "counts {p} {by:?}"
            );
            assert_eq!(
                store.stats_incident_yoy(&p, by, None).await.unwrap(),
                incident_year_on_year(&incidents, &p, by).unwrap(),
                "incident yoy {p} {by:?}"
            );
            assert_eq!(
                store.stats_crime_yoy(&p, by, None).await.unwrap(),
                crime_year_on_year(&case_rows, &p, &map, by).unwrap(),
                "crime yoy {p} {by:?}"
            );
            assert_eq!(
                store.stats_crime_yoy(&p, by, Some("00008")).await.unwrap(),
                crime_year_on_year(&only_cases("00008"), &p, &map, by).unwrap(),
                "crime yoy of one unit {p} {by:?}"
            );
            assert_eq!(
                store
                    .stats_incident_yoy(&p, by, Some("00025"))
                    .await
                    .unwrap(),
                incident_year_on_year(&only("00025"), &p, by).unwrap(),
                "incident yoy of one unit {p} {by:?}"
            );
        }
        for g in [
            Granularity::Day,
            Granularity::Month,
            Granularity::ReportingMonth,
        ] {
            if p.days() > 120 && g == Granularity::Day {
                continue;
            }
            for by in [GroupBy::Total, GroupBy::UnitCategory] {
                assert_eq!(
                    store.stats_incident_series(&p, g, by, None).await.unwrap(),
                    incident_series(&incidents, &p, g, by).unwrap(),
                    "series {p} {g:?} {by:?}"
                );
            }
        }
        for stage in [
            Stage::Dispatch,
            Stage::Travel,
            Stage::CallToArrival,
            Stage::Control,
        ] {
            for by in [
                ResponseGroupBy::Total,
                ResponseGroupBy::Unit,
                ResponseGroupBy::Priority,
                ResponseGroupBy::UnitPriority,
            ] {
                assert_eq!(
                    store
                        .stats_response_times(&p, stage, &targets, by, None)
                        .await
                        .unwrap(),
                    response_times(&incidents, &p, stage, &targets, by),
                    "response {p} {stage:?} {by:?}"
                );
            }
            assert_eq!(
                store
                    .stats_response_times(
                        &p,
                        stage,
                        &ResponseTargets::none(),
                        ResponseGroupBy::Unit,
                        Some("00004")
                    )
                    .await
                    .unwrap(),
                response_times(
                    &only("00004"),
                    &p,
                    stage,
                    &ResponseTargets::none(),
                    ResponseGroupBy::Unit
                ),
                "response without targets {p} {stage:?}"
            );
        }
        assert_eq!(
            store.stats_fires(&p, &families, None).await.unwrap(),
            fire_report(&incidents, &p, &families, None).unwrap(),
            "fires {p}"
        );
        assert_eq!(
            store
                .stats_fires(&p, &families, Some("00031"))
                .await
                .unwrap(),
            fire_report(&incidents, &p, &families, Some("00031")).unwrap(),
            "fires of one unit {p}"
        );
    }
    // A family map with several categories per family and an empty family.
    let wide = FamilyMap {
        fire: vec!["fire".into(), "explosion".into()],
        explosion: vec![],
        rescue: vec!["rescue".into(), "traffic_accident".into()],
    };
    let p: Period = "R2026".parse().unwrap();
    assert_eq!(
        store.stats_fires(&p, &wide, None).await.unwrap(),
        fire_report(&incidents, &p, &wide, None).unwrap()
    );
}

#[tokio::test]
async fn sqlite_sql_statistics_agree_with_the_domain() {
    sql_statistics_agree_with_the_domain(sqlite_fixture().await).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
async fn postgres_sql_statistics_agree_with_the_domain() {
    sql_statistics_agree_with_the_domain(pg_fixture().await).await;
}

async fn missing_incident_source_is_reported(f: Fixture) {
    // The migrations define the view over the incidents table.
    assert!(f.store.incident_source_available().await.unwrap());
    exec(&f.url, &[format!("DROP VIEW {}", store::INCIDENT_SOURCE)]).await;
    assert!(!f.store.incident_source_available().await.unwrap());
}

#[tokio::test]
async fn sqlite_missing_incident_source_is_reported() {
    missing_incident_source_is_reported(sqlite_fixture().await).await;
}

#[tokio::test]
#[ignore = "PostgreSQL: set BINHYEN_TEST_PG and run with --ignored"]
async fn postgres_missing_incident_source_is_reported() {
    missing_incident_source_is_reported(pg_fixture().await).await;
}
