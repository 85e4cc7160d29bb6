use super::*;
use chrono::Duration;
use proptest::prelude::*;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn owner() -> PersonRef {
    PersonRef::new("u-owner", "Thượng úy Trần Thị B")
}

fn chief() -> PersonRef {
    PersonRef::new("u-chief", "Trung tá Lê Văn C")
}

fn leader() -> PersonRef {
    PersonRef::new("u-leader", "Đại tá Phạm Văn D")
}

fn new_task(id: &str, deadline_days: i64) -> NewTask {
    NewTask {
        id: id.into(),
        title: "Rà soát người nước ngoài tạm trú quá hạn".into(),
        description: "Rà soát, xử lý các trường hợp khai báo tạm trú quá 12 giờ".into(),
        owner: owner(),
        unit: "00004".into(),
        assigner: leader(),
        deadline: t0() + Duration::days(deadline_days),
        expected_result: "100% trường hợp được xác minh".into(),
        source: TaskSource::LeaderAssignment {
            reference: Some("KH 12/CAP".into()),
        },
    }
}

fn evidence() -> Vec<Evidence> {
    vec![Evidence {
        description: "Biên bản xác minh".into(),
        reference: "BB-2026-031".into(),
    }]
}

#[test]
fn create_checks_required_attributes() {
    let policy = TaskPolicy::default();
    let mut n = new_task("T1", 10);
    n.expected_result = "  ".into();
    assert_eq!(
        Task::create(n, &policy, t0()).unwrap_err(),
        TaskError::Missing {
            field: "expected_result"
        }
    );
    let lax = TaskPolicy {
        require_expected_result: false,
        ..TaskPolicy::default()
    };
    let mut n = new_task("T1", 10);
    n.expected_result.clear();
    assert!(Task::create(n, &lax, t0()).is_ok());
    let n = new_task("T1", 0);
    assert!(matches!(
        Task::create(n, &policy, t0()),
        Err(TaskError::DeadlineNotAfterCreation { .. })
    ));
    let mut n = new_task("T1", 10);
    n.owner.display_name.clear();
    assert!(Task::create(n, &policy, t0()).is_err());
}

#[test]
fn lifecycle_open_progress_done() {
    let policy = TaskPolicy::default();
    let mut t = Task::create(new_task("T1", 10), &policy, t0()).unwrap();
    assert_eq!(t.status(), TaskStatus::Open);
    assert_eq!(t.board_status(t0()), BoardStatus::NotStarted);
    t.add_progress(
        owner(),
        40,
        "Đã xác minh 8/20 trường hợp",
        t0() + Duration::days(1),
    )
    .unwrap();
    assert_eq!(t.status(), TaskStatus::InProgress);
    assert_eq!(t.progress(), 40);
    assert_eq!(
        t.add_progress(owner(), 101, "x", t0() + Duration::days(2)),
        Err(TaskError::ProgressAbove100 { percent: 101 })
    );
    // Notes are append-only in time: an earlier date is refused.
    assert!(matches!(
        t.add_progress(owner(), 50, "x", t0()),
        Err(TaskError::OutOfOrder { .. })
    ));
    assert_eq!(
        t.complete(
            owner(),
            "Đã xác minh 20/20",
            vec![],
            &policy,
            t0() + Duration::days(3)
        ),
        Err(TaskError::EvidenceRequired)
    );
    t.complete(
        owner(),
        "Đã xác minh 20/20",
        evidence(),
        &policy,
        t0() + Duration::days(3),
    )
    .unwrap();
    assert_eq!(t.status(), TaskStatus::Done);
    assert_eq!(t.progress(), 100);
    assert_eq!(
        t.board_status(t0() + Duration::days(30)),
        BoardStatus::DoneOnTime
    );
    assert_eq!(t.notes().len(), 1);
    // Done is not active.
    assert_eq!(
        t.add_progress(owner(), 100, "x", t0() + Duration::days(4)),
        Err(TaskError::InvalidTransition {
            from: TaskStatus::Done,
            action: "report progress on"
        })
    );
    assert!(matches!(
        t.cancel("x", t0() + Duration::days(4)),
        Err(TaskError::InvalidTransition { .. })
    ));
}

#[test]
fn overdue_is_derived_from_now() {
    let policy = TaskPolicy::default();
    let t = Task::create(new_task("T1", 1), &policy, t0()).unwrap();
    let deadline = t.deadline();
    assert!(!t.is_overdue(deadline));
    assert!(t.is_overdue(deadline + Duration::seconds(1)));
    assert_eq!(
        t.board_status(deadline + Duration::seconds(1)),
        BoardStatus::Overdue
    );
    let mut late = t.clone();
    late.complete(
        owner(),
        "xong",
        evidence(),
        &policy,
        deadline + Duration::days(1),
    )
    .unwrap();
    assert!(!late.is_overdue(deadline + Duration::days(2)));
    assert_eq!(
        late.board_status(deadline + Duration::days(2)),
        BoardStatus::DoneLate
    );
}

#[test]
fn cancel_reopen_and_deadline_rules() {
    let policy = TaskPolicy::default();
    let mut t = Task::create(new_task("T1", 5), &policy, t0()).unwrap();
    assert_eq!(
        t.change_deadline(owner(), t0() + Duration::days(9), "xin gia hạn", t0()),
        Err(TaskError::NotAssigner {
            action: "change the deadline",
            assigner: "u-leader".into(),
            by: "u-owner".into()
        })
    );
    t.change_deadline(
        leader(),
        t0() + Duration::days(9),
        "bổ sung phạm vi",
        t0() + Duration::hours(1),
    )
    .unwrap();
    assert_eq!(t.deadline(), t0() + Duration::days(9));
    assert_eq!(t.original_deadline(), t0() + Duration::days(5));
    t.complete(
        owner(),
        "xong",
        evidence(),
        &policy,
        t0() + Duration::days(2),
    )
    .unwrap();
    assert!(matches!(
        t.reopen(owner(), "chưa đạt", t0() + Duration::days(3)),
        Err(TaskError::NotAssigner { .. })
    ));
    t.reopen(leader(), "chưa đủ hồ sơ", t0() + Duration::days(3))
        .unwrap();
    assert_eq!(t.status(), TaskStatus::InProgress);
    assert!(t.outcome().is_none());
    assert_eq!(t.progress(), 0);
    assert!(t.notes().last().unwrap().text.contains("chưa đủ hồ sơ"));
    assert_eq!(
        t.cancel(" ", t0() + Duration::days(4)),
        Err(TaskError::Missing { field: "reason" })
    );
    t.cancel("trùng nhiệm vụ khác", t0() + Duration::days(4))
        .unwrap();
    assert_eq!(
        t.board_status(t0() + Duration::days(40)),
        BoardStatus::Cancelled
    );
    assert!(matches!(
        t.start(t0() + Duration::days(5)),
        Err(TaskError::InvalidTransition { .. })
    ));
    assert!(matches!(
        t.reopen(leader(), "x", t0() + Duration::days(5)),
        Err(TaskError::InvalidTransition { .. })
    ));
}

#[test]
fn serde_round_trip_revalidates() {
    let policy = TaskPolicy::default();
    let mut t = Task::create(new_task("T1", 5), &policy, t0()).unwrap();
    t.add_progress(owner(), 30, "bắt đầu", t0() + Duration::hours(2))
        .unwrap();
    let json = serde_json::to_string(&t).unwrap();
    let back: Task = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    let bad = json.replace("\"progress\":30", "\"progress\":130");
    assert!(serde_json::from_str::<Task>(&bad).is_err());
    let mut rec = t.record().clone();
    rec.status = TaskStatus::Done;
    assert!(Task::try_from(rec).is_err());
}

fn org() -> Org {
    let unit = |code: &str, parent: Option<&str>, chief: Option<&str>| OrgUnit {
        code: code.into(),
        name: format!("Đơn vị {code}"),
        parent: parent.map(Into::into),
        chief: chief.map(Into::into),
    };
    let person = |id: &str, name: &str, unit: &str| OrgPerson {
        user_id: id.into(),
        display_name: name.into(),
        unit: unit.into(),
        title: String::new(),
    };
    Org::new(
        vec![
            unit("CAHN", None, Some("u-leader")),
            unit("00004", Some("CAHN"), Some("u-chief")),
            unit("00008", Some("CAHN"), None),
        ],
        vec![
            person("u-leader", "Đại tá Phạm Văn D", "CAHN"),
            person("u-chief", "Trung tá Lê Văn C", "00004"),
            person("u-owner", "Thượng úy Trần Thị B", "00004"),
        ],
    )
    .unwrap()
}

#[test]
fn chain_owner_chief_assigner() {
    let policy = TaskPolicy::default();
    let org = org();
    let t = Task::create(new_task("T1", 5), &policy, t0()).unwrap();
    let chain = chain_of_responsibility(&t, &org).unwrap();
    let names: Vec<&str> = chain.iter().map(|l| l.person.user_id.as_str()).collect();
    assert_eq!(names, ["u-owner", "u-chief", "u-leader"]);
    assert_eq!(
        chain[1].roles,
        vec![Role::UnitChief {
            unit: "00004".into()
        }]
    );
    // The chief owns it: the next chief up is the city leader, who also assigned it.
    let mut n = new_task("T2", 5);
    n.owner = chief();
    let t = Task::create(n, &policy, t0()).unwrap();
    let chain = chain_of_responsibility(&t, &org).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(
        chain[1].roles,
        vec![
            Role::UnitChief {
                unit: "CAHN".into()
            },
            Role::Assigner
        ]
    );
    // A unit without a chief climbs to its parent.
    let mut n = new_task("T3", 5);
    n.unit = "00008".into();
    let t = Task::create(n, &policy, t0()).unwrap();
    let chain = chain_of_responsibility(&t, &org).unwrap();
    assert_eq!(chain[1].person.user_id, "u-leader");
    let mut n = new_task("T4", 5);
    n.unit = "99999".into();
    let t = Task::create(n, &policy, t0()).unwrap();
    assert_eq!(
        chain_of_responsibility(&t, &org),
        Err(TaskError::UnknownUnit {
            code: "99999".into()
        })
    );
}

#[test]
fn org_rejects_cycles_and_dangling_references() {
    let u = |code: &str, parent: Option<&str>| OrgUnit {
        code: code.into(),
        name: code.into(),
        parent: parent.map(Into::into),
        chief: None,
    };
    assert!(matches!(
        Org::new(vec![u("A", Some("B")), u("B", Some("A"))], vec![]),
        Err(TaskError::UnitCycle { .. })
    ));
    assert!(matches!(
        Org::new(vec![u("A", Some("Z"))], vec![]),
        Err(TaskError::UnknownUnit { .. })
    ));
    let mut a = u("A", None);
    a.chief = Some("ghost".into());
    assert!(matches!(
        Org::new(vec![a], vec![]),
        Err(TaskError::UnknownPerson { .. })
    ));
}

#[test]
fn boards_put_overdue_first_then_deadline() {
    let policy = TaskPolicy::default();
    let mut tasks = vec![
        Task::create(new_task("late-far", 2), &policy, t0()).unwrap(),
        Task::create(new_task("soon", 20), &policy, t0()).unwrap(),
        Task::create(new_task("later", 30), &policy, t0()).unwrap(),
        Task::create(new_task("late-near", 1), &policy, t0()).unwrap(),
        Task::create(new_task("done", 3), &policy, t0()).unwrap(),
    ];
    tasks[4]
        .complete(
            owner(),
            "xong",
            evidence(),
            &policy,
            t0() + Duration::days(1),
        )
        .unwrap();
    let mut other = new_task("elsewhere", 1);
    other.unit = "00008".into();
    other.owner = chief();
    tasks.push(Task::create(other, &policy, t0()).unwrap());
    let now = t0() + Duration::days(5);
    let ids = |v: Vec<&Task>| v.iter().map(|t| t.id().to_owned()).collect::<Vec<_>>();
    assert_eq!(
        ids(board_for_unit(&tasks, "00004", false, now)),
        ["late-near", "late-far", "soon", "later"]
    );
    assert_eq!(
        ids(board_for_unit(&tasks, "00004", true, now)),
        ["late-near", "late-far", "soon", "later", "done"]
    );
    assert_eq!(
        ids(board_for_person(&tasks, "u-chief", false, now)),
        ["elsewhere"]
    );
    let by_unit = boards_by_unit(&tasks, false, now);
    assert_eq!(by_unit.keys().collect::<Vec<_>>(), ["00004", "00008"]);
    let by_person = boards_by_person(&tasks, true, now);
    assert_eq!(by_person["u-owner"].len(), 5);
    let s = summarize(&tasks, now);
    assert_eq!((s.overdue, s.not_started, s.done_on_time), (3, 2, 1));
    let table = tasks_table(&board_for_unit(&tasks, "00004", false, now), now, Lang::Vi).unwrap();
    assert_eq!(table.rows.len(), 4);
    assert_eq!(
        table.cell(0, "status"),
        Some(&Cell::text("Quá hạn chưa hoàn thành"))
    );
}

proptest! {
    #[test]
    fn progress_never_exceeds_100_and_notes_stay_ordered(steps in proptest::collection::vec((0u8..=255, 0i64..3), 1..30)) {
        let policy = TaskPolicy::default();
        let mut t = Task::create(new_task("P", 100), &policy, t0()).unwrap();
        let mut now = t0();
        for (pct, dt) in steps {
            now += Duration::hours(dt);
            let r = t.add_progress(owner(), pct, "cập nhật", now);
            prop_assert_eq!(r.is_ok(), pct <= 100);
            prop_assert!(t.progress() <= 100);
        }
        prop_assert!(t.notes().windows(2).all(|w| w[0].at <= w[1].at));
    }
}
