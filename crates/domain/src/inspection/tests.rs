use super::*;
use crate::tasks::Evidence;
use chrono::Duration;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-04-01T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn person(id: &str) -> PersonRef {
    PersonRef::new(id, &format!("Cán bộ {id}"))
}

fn units(n: usize) -> Vec<UnitRef> {
    (0..n)
        .map(|i| {
            let a = i as f64 * 0.7;
            UnitRef {
                code: format!("{:05}", 4 + i * 3),
                lat: 21.0 + 0.2 * a.sin() * (1.0 + i as f64 / n as f64),
                lon: 105.8 + 0.2 * a.cos(),
                population: 30_000 + (i as u64 * 7_919) % 60_000,
                workload: None,
            }
        })
        .collect()
}

fn all_met(c: &Campaign) -> Vec<ItemResult> {
    c.checklist()
        .iter()
        .map(|i| ItemResult {
            item_id: i.id,
            verdict: Verdict::Met,
            notes: String::new(),
            severity: FindingSeverity::Low,
        })
        .collect()
}

#[test]
fn checklist_is_editable_until_the_first_visit() {
    let mut c = Campaign::new("KT-2026-1", "Kiểm tra công tác quý II", t0()).unwrap();
    assert_eq!(c.checklist().len(), 5);
    assert_eq!(
        c.checklist()[0].title_en,
        "Residence and foreigner management"
    );
    let extra = c
        .add_item("Phòng cháy, chữa cháy", "Fire prevention")
        .unwrap();
    let first = c.checklist()[0].id;
    c.rename_item(first, "Quản lý cư trú", "Residence management")
        .unwrap();
    c.remove_item(c.checklist()[2].id).unwrap();
    assert_eq!(c.checklist().len(), 5);
    assert_eq!(
        c.remove_item(999),
        Err(InspectionError::UnknownItem { id: 999 })
    );
    let g = c
        .add_group("Đoàn 1", person("pgd1"), vec![person("m1")])
        .unwrap();
    c.assign_units(g, vec!["00004".into()]).unwrap();
    c.start(t0()).unwrap();
    // Still editable: nothing recorded yet.
    c.rename_item(extra, "PCCC và CNCH", "Fire and rescue")
        .unwrap();
    let v = c
        .schedule_visit(g, "00004", t0().date_naive() + Duration::days(3))
        .unwrap();
    c.record_visit(v, all_met(&c), "BB-01", t0() + Duration::days(3))
        .unwrap();
    assert_eq!(c.add_item("x", "x"), Err(InspectionError::ChecklistLocked));
    assert_eq!(c.remove_item(extra), Err(InspectionError::ChecklistLocked));
}

#[test]
fn planning_rules() {
    let mut c = Campaign::new("KT", "Kiểm tra", t0()).unwrap();
    assert!(matches!(
        c.start(t0()),
        Err(InspectionError::NotReady { .. })
    ));
    let g1 = c.add_group("Đoàn 1", person("a"), vec![]).unwrap();
    let g2 = c.add_group("Đoàn 2", person("b"), vec![]).unwrap();
    c.assign_units(g1, vec!["00004".into(), "00004".into()])
        .unwrap();
    assert_eq!(c.groups()[0].units, ["00004"]);
    assert_eq!(
        c.assign_units(g2, vec!["00004".into()]),
        Err(InspectionError::UnitTaken {
            unit: "00004".into(),
            group: g1
        })
    );
    assert!(matches!(
        c.start(t0()),
        Err(InspectionError::NotReady { .. })
    ));
    c.assign_units(g2, vec!["00008".into()]).unwrap();
    assert_eq!(
        c.schedule_visit(g1, "00004", t0().date_naive()),
        Err(InspectionError::WrongStatus {
            status: CampaignStatus::Planning,
            action: "schedule a visit"
        })
    );
    c.start(t0()).unwrap();
    assert!(matches!(
        c.add_group("Đoàn 3", person("c"), vec![]),
        Err(InspectionError::WrongStatus { .. })
    ));
    assert_eq!(
        c.schedule_visit(g1, "00008", t0().date_naive()),
        Err(InspectionError::UnitNotInGroup {
            unit: "00008".into(),
            group: g1
        })
    );
}

#[test]
fn visit_records_must_judge_every_item_once() {
    let mut c = Campaign::new("KT", "Kiểm tra", t0()).unwrap();
    let g = c.add_group("Đoàn 1", person("a"), vec![]).unwrap();
    c.assign_units(g, vec!["00004".into()]).unwrap();
    c.start(t0()).unwrap();
    let v = c.schedule_visit(g, "00004", t0().date_naive()).unwrap();
    let mut r = all_met(&c);
    let first = r[0].item_id;
    r.remove(0);
    r.push(r[0].clone());
    r.push(ItemResult {
        item_id: 77,
        verdict: Verdict::Met,
        notes: String::new(),
        severity: FindingSeverity::Low,
    });
    match c.record_visit(v, r, "BB", t0()) {
        Err(InspectionError::IncompleteRecord {
            missing,
            repeated,
            unknown,
        }) => {
            assert_eq!(missing, vec![first]);
            assert_eq!(repeated.len(), 1);
            assert_eq!(unknown, vec![77]);
        }
        other => panic!("{other:?}"),
    }
    let mut r = all_met(&c);
    r[1].verdict = Verdict::NotMet;
    assert_eq!(
        c.record_visit(v, r, "BB", t0()),
        Err(InspectionError::FindingWithoutNotes { item: r_id(&c, 1) })
    );
    c.record_visit(v, all_met(&c), "BB", t0()).unwrap();
    assert!(matches!(
        c.record_visit(v, all_met(&c), "BB", t0()),
        Err(InspectionError::VisitNotPlanned { .. })
    ));
}

fn r_id(c: &Campaign, i: usize) -> u32 {
    c.checklist()[i].id
}

/// Seven groups over 126 units → visits → findings → tasks → remediation → closure.
#[test]
fn campaign_end_to_end() {
    let policy = TaskPolicy::default();
    let mut c = Campaign::new("KT-2026-Q2", "Kiểm tra toàn diện công an cấp xã", t0()).unwrap();
    for k in 1..=7 {
        c.add_group(
            &format!("Đoàn số {k}"),
            PersonRef::new(&format!("pgd{k}"), &format!("Phó Giám đốc {k}")),
            vec![person(&format!("tv{k}a")), person(&format!("tv{k}b"))],
        )
        .unwrap();
    }
    let all_units = units(126);
    c.assign_balanced(&all_units).unwrap();
    assert!(c.groups().iter().all(|g| g.units.len() == 18));
    c.start(t0()).unwrap();

    // Every group visits every unit; in the first unit of each group, two items are not met.
    let mut tasks: Vec<Task> = Vec::new();
    let mut findings = Vec::new();
    let groups = c.groups().to_vec();
    let day = t0().date_naive();
    for g in &groups {
        for (i, unit) in g.units.iter().enumerate() {
            let v = c
                .schedule_visit(g.id, unit, day + Duration::days(i as i64))
                .unwrap();
            let mut results = all_met(&c);
            if i == 0 {
                results[0].verdict = Verdict::NotMet;
                results[0].notes = "Chưa cập nhật kịp thời thông tin tạm trú".into();
                results[0].severity = FindingSeverity::High;
                results[3].verdict = Verdict::NotMet;
                results[3].notes = "Tỷ lệ hồ sơ trực tuyến thấp".into();
            }
            let ids = c
                .record_visit(
                    v,
                    results,
                    &format!("BB-{}-{unit}", g.id),
                    t0() + Duration::days(i as i64),
                )
                .unwrap();
            findings.extend(ids);
        }
    }
    assert_eq!(findings.len(), 14);
    let p = c.progress(t0() + Duration::days(20));
    assert_eq!((p.units_assigned, p.units_visited), (126, 126));
    assert_eq!((p.findings_open, p.findings_closed), (14, 0));
    assert_eq!(p.remediation_rate_pct, Some(0.0));

    // Each finding becomes a task owned by a named officer of the unit.
    let rec_time = t0() + Duration::days(20);
    for (n, &f) in findings.iter().enumerate() {
        let finding = c.finding(f).unwrap().clone();
        let task = c
            .recommend(
                f,
                RecommendationInput {
                    task_id: format!("NV-{n}"),
                    text: "Rà soát, cập nhật đầy đủ và báo cáo kết quả".into(),
                    owner: PersonRef::new(&format!("cb-{}", finding.unit), "Trưởng Công an phường"),
                    assigner: groups
                        .iter()
                        .find(|g| g.id == finding.group_id)
                        .unwrap()
                        .leader
                        .clone(),
                    deadline: rec_time + Duration::days(30),
                },
                &policy,
                rec_time,
            )
            .unwrap();
        assert_eq!(task.unit(), finding.unit);
        assert_eq!(
            task.source(),
            &TaskSource::InspectionFinding {
                campaign_id: "KT-2026-Q2".into(),
                finding_id: f
            }
        );
        tasks.push(task);
    }
    assert!(matches!(
        c.recommend(
            findings[0],
            RecommendationInput {
                task_id: "dup".into(),
                text: "x".into(),
                owner: person("x"),
                assigner: person("y"),
                deadline: rec_time + Duration::days(1),
            },
            &policy,
            rec_time
        ),
        Err(InspectionError::AlreadyRecommended { .. })
    ));

    // Closing now fails and names every open finding.
    match c.close(rec_time) {
        Err(InspectionError::CannotClose {
            open_findings,
            planned_visits,
        }) => {
            assert_eq!(open_findings.len(), 14);
            assert!(planned_visits.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // Past the deadline, open findings are overdue.
    let late = rec_time + Duration::days(31);
    assert_eq!(c.progress(late).findings_overdue, 14);

    // A task not yet done cannot close its finding.
    assert!(matches!(
        c.verify_remediation(findings[0], &tasks[0], person("pgd1"), "ok", late),
        Err(InspectionError::NotRemediated { .. })
    ));
    // Nor can somebody else's task.
    assert!(matches!(
        c.verify_remediation(findings[0], &tasks[1], person("pgd1"), "ok", late),
        Err(InspectionError::NotRemediated { .. })
    ));

    // Units complete their tasks; the groups verify 13 findings and accept the last one.
    for (n, task) in tasks.iter_mut().enumerate() {
        if n == 13 {
            continue;
        }
        let owner = task.owner().clone();
        task.add_progress(
            owner.clone(),
            60,
            "Đang rà soát",
            rec_time + Duration::days(5),
        )
        .unwrap();
        task.complete(
            owner,
            "Đã cập nhật 100% hồ sơ",
            vec![Evidence {
                description: "Báo cáo khắc phục".into(),
                reference: format!("BC-{n}"),
            }],
            &policy,
            rec_time + Duration::days(10),
        )
        .unwrap();
        c.verify_remediation(
            findings[n],
            task,
            person("pgd"),
            "Đã kiểm tra lại",
            rec_time + Duration::days(12),
        )
        .unwrap();
    }
    let p = c.progress(rec_time + Duration::days(12));
    assert_eq!((p.findings_open, p.findings_closed), (1, 13));
    assert!(p.per_group.iter().all(|g| g.units_visited == 18));
    assert_eq!(p.per_unit.len(), 126);
    assert_eq!(
        p.per_unit.iter().filter(|u| u.findings_closed > 0).count(),
        7
    );
    assert_eq!(p.per_unit.iter().filter(|u| u.findings_open > 0).count(), 1);
    assert_eq!(p.groups_table().unwrap().rows.len(), 7);
    assert_eq!(p.units_table(Lang::Vi).unwrap().rows.len(), 126);

    assert!(c.close(rec_time + Duration::days(12)).is_err());
    assert_eq!(
        c.accept_finding(
            findings[13],
            person("pgd7"),
            " ",
            rec_time + Duration::days(13)
        ),
        Err(InspectionError::Missing { field: "reason" })
    );
    c.accept_finding(
        findings[13],
        person("pgd7"),
        "Thuộc thẩm quyền cấp trên, đã báo cáo",
        rec_time + Duration::days(13),
    )
    .unwrap();
    assert_eq!(
        c.accept_finding(
            findings[13],
            person("pgd7"),
            "again",
            rec_time + Duration::days(13)
        ),
        Err(InspectionError::FindingClosed { id: findings[13] })
    );
    c.close(rec_time + Duration::days(14)).unwrap();
    assert_eq!(c.status(), CampaignStatus::Closed);
    assert_eq!(
        c.progress(rec_time + Duration::days(14))
            .remediation_rate_pct,
        Some(100.0)
    );
    assert!(matches!(
        c.accept_finding(findings[0], person("x"), "y", rec_time),
        Err(InspectionError::WrongStatus { .. })
    ));

    // The campaign survives a JSON round trip (the store keeps it as a document).
    let json = serde_json::to_string(&c).unwrap();
    let back: Campaign = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

#[test]
fn planned_visits_block_closure_until_cancelled() {
    let mut c = Campaign::new("KT", "Kiểm tra", t0()).unwrap();
    let g = c.add_group("Đoàn 1", person("a"), vec![]).unwrap();
    c.assign_units(g, vec!["00004".into()]).unwrap();
    c.start(t0()).unwrap();
    let v = c.schedule_visit(g, "00004", t0().date_naive()).unwrap();
    assert_eq!(
        c.close(t0()),
        Err(InspectionError::CannotClose {
            open_findings: vec![],
            planned_visits: vec![v]
        })
    );
    c.cancel_visit(v).unwrap();
    assert!(matches!(
        c.cancel_visit(v),
        Err(InspectionError::VisitNotPlanned { .. })
    ));
    c.close(t0()).unwrap();
    assert_eq!(c.progress(t0()).units_visited, 0);
}
