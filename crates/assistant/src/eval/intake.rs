//! Evaluation of intake understanding on three kinds of material, each in its own file of a
//! split folder (`data/eval/intake/` is the dev split, `data/eval/blind/` the blind one):
//!
//! - `citizen.jsonl`: chat messages that must be routed as an `emergency` (with the `number`
//!   and the life-threat `sign`), declined (`decline`, with the `reason`), treated as a past
//!   event to report (`report`, with `when`) or answered (`answer`, with a `topic` label).
//! - `calls.jsonl`: hotline transcripts with the form a call-taker should end with: `kind`,
//!   `crime_subtype`, `priority`, `ongoing`, `injured`, `weapon`, `address`, `unit` and the call
//!   `outcome` (`incident` or a kind of not-an-incident).
//! - `reports.jsonl`: multi-turn citizen reports (`turns`, optional `gps` at `gps_turn`) and
//!   the `facts` that must reach the filed report.
//!
//! Figures are per category, so a regression in one life-threat sign or one decline reason
//! shows even when the totals look fine.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{ChatRequest, OperatorRequest, ReplyKind, ReportDraft};
use crate::assistant::Assistant;
use crate::error::KbError;
use crate::text;

/// A citizen chat message and how it must be handled.
#[derive(Debug, Clone, Deserialize)]
pub struct CitizenItem {
    /// Unique id.
    pub id: String,
    /// The message.
    pub q: String,
    /// `emergency`, `decline`, `report` (a past event) or `answer`.
    pub expect: String,
    /// Number to call first, for emergencies (written as a string or a number).
    #[serde(default, deserialize_with = "string_or_number")]
    pub number: Option<String>,
    /// The life-threat sign, for emergencies.
    #[serde(default)]
    pub sign: Option<String>,
    /// Why it must be declined.
    #[serde(default)]
    pub reason: Option<String>,
    /// When the past event happened, as told.
    #[serde(default)]
    pub when: Option<String>,
    /// Topic label, for answers.
    #[serde(default)]
    pub topic: Option<String>,
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// A hotline transcript and the form it should yield.
#[derive(Debug, Clone, Deserialize)]
pub struct CallItem {
    /// Unique id.
    pub id: String,
    /// The transcript.
    pub transcript: String,
    /// Incident type code; `None` for calls that are not incidents.
    #[serde(default)]
    pub kind: Option<String>,
    /// Crime sub-type code.
    #[serde(default)]
    pub crime_subtype: Option<String>,
    /// Priority 1–4.
    #[serde(default)]
    pub priority: Option<u8>,
    /// Still happening.
    #[serde(default)]
    pub ongoing: Option<bool>,
    /// Injured people as stated (0 when the caller says nobody is hurt).
    #[serde(default)]
    pub injured: Option<u32>,
    /// Weapon as stated.
    #[serde(default)]
    pub weapon: Option<String>,
    /// The final address as given.
    #[serde(default)]
    pub address: Option<String>,
    /// The responsible unit's full name, when the address makes it certain.
    #[serde(default)]
    pub unit: Option<String>,
    /// `incident`, `prank`, `wrong_number`, `silent`, `test_call` or `question`.
    pub outcome: String,
}

/// A shared position.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Gps {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// What a filed report must carry.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportFacts {
    /// Incident type code.
    pub kind: String,
    /// Crime sub-type code.
    #[serde(default)]
    pub crime_subtype: Option<String>,
    /// When, as told.
    #[serde(default)]
    pub when: Option<String>,
    /// Still happening.
    #[serde(default)]
    pub ongoing: Option<bool>,
    /// The final address as told.
    #[serde(default)]
    pub address: Option<String>,
    /// Details from any turn.
    #[serde(default)]
    pub details: Vec<String>,
    /// The citizen asked to stay anonymous or gave no contact.
    #[serde(default)]
    pub anonymous: bool,
}

/// A multi-turn report conversation.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportItem {
    /// Unique id (the line number when the file gives none).
    #[serde(default)]
    pub id: String,
    /// The citizen's messages, in order.
    pub turns: Vec<String>,
    /// The position shared during the conversation.
    #[serde(default)]
    pub gps: Option<Gps>,
    /// The turn (0-based) the position was shared with.
    #[serde(default)]
    pub gps_turn: Option<usize>,
    /// What must reach the report.
    pub facts: ReportFacts,
}

/// The three intake sets of one split.
#[derive(Debug, Clone, Default)]
pub struct IntakeSets {
    /// Split name (the folder's name).
    pub split: String,
    /// Citizen messages.
    pub citizen: Vec<CitizenItem>,
    /// Hotline transcripts.
    pub calls: Vec<CallItem>,
    /// Report conversations.
    pub reports: Vec<ReportItem>,
}

fn read_jsonl<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, KbError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(path).map_err(|source| KbError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(serde_json::from_str(line).map_err(|e| KbError::Parse {
            file: path.to_path_buf(),
            line: i + 1,
            message: e.to_string(),
        })?);
    }
    Ok(out)
}

impl IntakeSets {
    /// Reads `citizen.jsonl`, `calls.jsonl` and `reports.jsonl` of a folder (each optional).
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<IntakeSets, KbError> {
        let dir = dir.as_ref();
        Ok(IntakeSets {
            split: dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("intake")
                .to_string(),
            citizen: read_jsonl(&dir.join("citizen.jsonl"))?,
            calls: read_jsonl(&dir.join("calls.jsonl"))?,
            reports: read_jsonl::<ReportItem>(&dir.join("reports.jsonl"))?
                .into_iter()
                .enumerate()
                .map(|(i, mut r)| {
                    if r.id.is_empty() {
                        r.id = format!("line{}", i + 1);
                    }
                    r
                })
                .collect(),
        })
    }

    /// Whether the folder held nothing.
    pub fn is_empty(&self) -> bool {
        self.citizen.is_empty() && self.calls.is_empty() && self.reports.is_empty()
    }
}

/// Hits out of a number of items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Items counted.
    pub n: usize,
    /// Items that came out right.
    pub ok: usize,
}

impl Tally {
    fn add(&mut self, ok: bool) {
        self.n += 1;
        self.ok += usize::from(ok);
    }

    /// The share that came out right (1.0 when nothing was counted).
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            1.0
        } else {
            self.ok as f64 / self.n as f64
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.3} ({}/{})", self.rate(), self.ok, self.n)
    }
}

/// An item that came out wrong, for reading the failures of the dev split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeMiss {
    /// Item id.
    pub id: String,
    /// What was wrong.
    pub what: String,
}

/// Citizen-message figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CitizenScores {
    /// Emergencies routed as emergencies.
    pub emergency_recall: Tally,
    /// Emergencies routed with the expected number first.
    pub emergency_number: Tally,
    /// Emergency recall per life-threat sign.
    pub by_sign: BTreeMap<String, Tally>,
    /// Requests declined.
    pub declines: Tally,
    /// Declines per reason.
    pub by_reason: BTreeMap<String, Tally>,
    /// Past events not routed as emergencies.
    pub past_not_emergency: Tally,
    /// Past events met with the offer to take a report.
    pub past_report_offered: Tally,
    /// Ordinary questions neither declined nor routed as emergencies.
    pub answers_not_blocked: Tally,
    /// Messages wrongly routed as emergencies (any expectation but `emergency`).
    pub false_emergencies: usize,
}

/// Hotline-transcript figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallScores {
    /// Not-incident calls recognised as such.
    pub not_incident: Tally,
    /// Real incidents wrongly marked as not an incident.
    pub incidents_dismissed: usize,
    /// Incident type.
    pub kind: Tally,
    /// Type per expected kind.
    pub by_kind: BTreeMap<String, Tally>,
    /// Crime sub-type, over crimes.
    pub subtype: Tally,
    /// Exact priority.
    pub priority: Tally,
    /// Priority-1 calls given priority 1.
    pub p1_recall: Tally,
    /// Ongoing or over.
    pub ongoing: Tally,
    /// Injured count as stated, or none invented when nothing was said.
    pub injured: Tally,
    /// Weapon as stated, or none invented when nothing was said.
    pub weapon: Tally,
    /// The address text carries the final address.
    pub address: Tally,
    /// The unit, over calls whose address makes it certain.
    pub unit: Tally,
    /// A different unit than the right one (a silent misroute).
    pub unit_wrong: usize,
}

/// Report-conversation figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportScores {
    /// Conversations that ended with a report to file.
    pub filed: Tally,
    /// Every fact together.
    pub facts: Tally,
    /// Incident type.
    pub kind: Tally,
    /// Time as told.
    pub when: Tally,
    /// Ongoing or over.
    pub ongoing: Tally,
    /// Final address.
    pub address: Tally,
    /// Shared position kept.
    pub gps: Tally,
    /// Details from every turn in the description.
    pub details: Tally,
    /// Anonymous marked as told.
    pub anonymous: Tally,
}

/// The figures of one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntakeReport {
    /// Split name.
    pub split: String,
    /// Citizen messages.
    pub citizen: CitizenScores,
    /// Hotline transcripts.
    pub calls: CallScores,
    /// Report conversations.
    pub reports: ReportScores,
    /// What went wrong, item by item.
    pub misses: Vec<IntakeMiss>,
}

/// Folded content syllables of a text.
fn syllables(s: &str) -> Vec<String> {
    text::analyze_plain(s)
        .into_iter()
        .map(|t| t.fold)
        .filter(|f| !f.is_empty())
        .collect()
}

/// Whether most of `needle`'s syllables (all of its numbers) appear in `hay`.
fn carries(hay: &str, needle: &str) -> bool {
    let hay = syllables(hay);
    let needle = syllables(needle);
    if needle.is_empty() {
        return true;
    }
    let found = needle.iter().filter(|s| hay.contains(s)).count();
    let numbers_ok = needle
        .iter()
        .filter(|s| s.chars().any(|c| c.is_ascii_digit()))
        .all(|s| hay.contains(s));
    numbers_ok && found * 5 >= needle.len() * 4
}

/// Runs the three intake sets. `unit_name` turns what the assistant's resolver returns (a
/// unit code) into the unit's full name, to compare with the expected unit.
pub fn evaluate_intake(
    assistant: &Assistant,
    sets: &IntakeSets,
    now: DateTime<Utc>,
    unit_name: &dyn Fn(&str) -> String,
) -> IntakeReport {
    let mut report = IntakeReport {
        split: sets.split.clone(),
        ..IntakeReport::default()
    };
    citizen(assistant, &sets.citizen, now, &mut report);
    calls(assistant, &sets.calls, unit_name, &mut report);
    reports(assistant, &sets.reports, now, &mut report);
    report
}

fn citizen(assistant: &Assistant, items: &[CitizenItem], now: DateTime<Utc>, r: &mut IntakeReport) {
    let s = &mut r.citizen;
    for item in items {
        let reply = assistant
            .chat(&ChatRequest::new(item.q.clone()), now)
            .into_response();
        let got = reply.kind;
        let mut miss = |what: String| {
            r.misses.push(IntakeMiss {
                id: item.id.clone(),
                what,
            })
        };
        if got == ReplyKind::Emergency && item.expect != "emergency" {
            s.false_emergencies += 1;
        }
        match item.expect.as_str() {
            "emergency" => {
                let hit = got == ReplyKind::Emergency;
                s.emergency_recall.add(hit);
                let number_ok = reply.emergency_number == item.number;
                s.emergency_number.add(number_ok);
                s.by_sign
                    .entry(item.sign.clone().unwrap_or_default())
                    .or_default()
                    .add(hit);
                if !hit || !number_ok {
                    miss(format!(
                        "emergency {} ({}) got {} {}",
                        item.number.as_deref().unwrap_or("?"),
                        item.sign.as_deref().unwrap_or("?"),
                        got.as_str(),
                        reply.emergency_number.as_deref().unwrap_or("")
                    ));
                }
            }
            "decline" => {
                let hit = got == ReplyKind::Decline;
                s.declines.add(hit);
                s.by_reason
                    .entry(item.reason.clone().unwrap_or_default())
                    .or_default()
                    .add(hit);
                if !hit {
                    miss(format!(
                        "decline ({}) got {}",
                        item.reason.as_deref().unwrap_or("?"),
                        got.as_str()
                    ));
                }
            }
            "report" => {
                s.past_not_emergency.add(got != ReplyKind::Emergency);
                let offered = got == ReplyKind::Report || reply.report_offered;
                s.past_report_offered.add(offered);
                if !offered {
                    miss(format!("past event got {}", got.as_str()));
                }
            }
            _ => {
                let ok = !matches!(got, ReplyKind::Emergency | ReplyKind::Decline);
                s.answers_not_blocked.add(ok);
                if !ok {
                    miss(format!("question got {}", got.as_str()));
                }
            }
        }
    }
}

fn calls(
    assistant: &Assistant,
    items: &[CallItem],
    unit_name: &dyn Fn(&str) -> String,
    r: &mut IntakeReport,
) {
    let s = &mut r.calls;
    for item in items {
        let got = assistant.operator(&OperatorRequest {
            transcript: item.transcript.clone(),
        });
        let mut wrong = Vec::new();
        if item.outcome != "incident" {
            let ok = got.not_incident.is_some();
            s.not_incident.add(ok);
            if !ok {
                wrong.push(format!("not-incident {} missed", item.outcome));
            }
        } else {
            if got.not_incident.is_some() {
                s.incidents_dismissed += 1;
                wrong.push("incident dismissed".to_string());
            }
            let kind = item.kind.clone().unwrap_or_default();
            let kind_ok = got.incident_type.code() == kind;
            s.kind.add(kind_ok);
            s.by_kind.entry(kind.clone()).or_default().add(kind_ok);
            if !kind_ok {
                wrong.push(format!("kind {kind} got {}", got.incident_type.code()));
            }
            if kind == "crime" {
                let sub = item.crime_subtype.as_deref().unwrap_or("other");
                let ok = got.sub_type.map(|t| t.code()) == Some(sub);
                s.subtype.add(ok);
                if !ok {
                    wrong.push(format!(
                        "subtype {sub} got {}",
                        got.sub_type.map_or("-", |t| t.code())
                    ));
                }
            }
            if let Some(p) = item.priority {
                let ok = got.priority == p;
                s.priority.add(ok);
                if p == 1 {
                    s.p1_recall.add(ok);
                }
                if !ok {
                    wrong.push(format!("priority {p} got {}", got.priority));
                }
            }
            if let Some(ongoing) = item.ongoing {
                let ok = got.ongoing == ongoing;
                s.ongoing.add(ok);
                if !ok {
                    wrong.push(format!("ongoing {ongoing} got {}", got.ongoing));
                }
            }
            let injured_ok = match item.injured {
                Some(0) => got.people.injured.unwrap_or(0) == 0,
                Some(n) => got.people.injured == Some(n),
                None => got.people.injured.is_none(),
            };
            s.injured.add(injured_ok);
            if !injured_ok {
                wrong.push(format!(
                    "injured {:?} got {:?}",
                    item.injured, got.people.injured
                ));
            }
            let weapon_ok = match &item.weapon {
                Some(_) => !got.people.weapons.is_empty(),
                None => got.people.weapons.is_empty(),
            };
            s.weapon.add(weapon_ok);
            if !weapon_ok {
                wrong.push(format!(
                    "weapon {:?} got {:?}",
                    item.weapon, got.people.weapons
                ));
            }
            if let Some(address) = &item.address {
                let ok = got
                    .location_text
                    .as_deref()
                    .is_some_and(|t| carries(t, address));
                s.address.add(ok);
                if !ok {
                    wrong.push(format!("address {address:?} got {:?}", got.location_text));
                }
            }
            if let Some(unit) = &item.unit {
                let found = got.unit.as_deref().map(unit_name);
                let ok = found.as_deref() == Some(unit.as_str());
                s.unit.add(ok);
                if found.is_some() && !ok {
                    s.unit_wrong += 1;
                }
                if !ok {
                    wrong.push(format!("unit {unit} got {found:?}"));
                }
            }
        }
        if !wrong.is_empty() {
            r.misses.push(IntakeMiss {
                id: item.id.clone(),
                what: wrong.join("; "),
            });
        }
    }
}

fn reports(assistant: &Assistant, items: &[ReportItem], now: DateTime<Utc>, r: &mut IntakeReport) {
    let s = &mut r.reports;
    for item in items {
        let conversation = format!("eval-{}-{}", r.split, item.id);
        let mut filed: Option<ReportDraft> = None;
        for (i, turn) in item.turns.iter().enumerate() {
            let gps = item.gps.filter(|_| item.gps_turn.unwrap_or(0) == i);
            let request = ChatRequest {
                message: turn.clone(),
                conversation_id: Some(conversation.clone()),
                lat: gps.map(|g| g.lat),
                lon: gps.map(|g| g.lon),
            };
            if let Some(draft) = assistant.chat(&request, now).draft() {
                filed = Some(draft.clone());
                assistant.confirm_report(&conversation, "EVAL", now);
            }
        }
        let ready = filed.is_some();
        let draft = filed.or_else(|| assistant.report_preview(&conversation, now));
        s.filed.add(ready || draft.is_some());
        let f = &item.facts;
        let mut wrong = Vec::new();
        let mut check = |tally: &mut Tally, facts: &mut Tally, ok: bool, what: String| {
            tally.add(ok);
            facts.add(ok);
            if !ok {
                wrong.push(what);
            }
        };
        let Some(d) = draft else {
            // Nothing to file: every fact is lost.
            let n = 2
                + usize::from(f.when.as_deref().is_some_and(|w| !w.is_empty()))
                + usize::from(f.address.is_some())
                + usize::from(item.gps.is_some())
                + f.details.len();
            s.facts.n += n;
            r.misses.push(IntakeMiss {
                id: item.id.clone(),
                what: "no report".into(),
            });
            continue;
        };
        check(
            &mut s.kind,
            &mut s.facts,
            d.incident_type.code() == f.kind,
            format!("kind {} got {}", f.kind, d.incident_type.code()),
        );
        if let Some(when) = f.when.as_deref().filter(|w| !w.is_empty()) {
            check(
                &mut s.when,
                &mut s.facts,
                d.occurred_at_text
                    .as_deref()
                    .is_some_and(|t| carries(t, when)),
                format!("when {when:?} got {:?}", d.occurred_at_text),
            );
        }
        if let Some(ongoing) = f.ongoing {
            check(
                &mut s.ongoing,
                &mut s.facts,
                d.ongoing == ongoing,
                format!("ongoing {ongoing} got {}", d.ongoing),
            );
        }
        if let Some(address) = &f.address {
            check(
                &mut s.address,
                &mut s.facts,
                d.address_text
                    .as_deref()
                    .is_some_and(|t| carries(t, address)),
                format!("address {address:?} got {:?}", d.address_text),
            );
        }
        if let Some(g) = item.gps {
            let kept = d.lat.is_some_and(|v| (v - g.lat).abs() < 1e-9)
                && d.lon.is_some_and(|v| (v - g.lon).abs() < 1e-9);
            check(&mut s.gps, &mut s.facts, kept, "gps lost".into());
        }
        for detail in &f.details {
            check(
                &mut s.details,
                &mut s.facts,
                carries(&d.description, detail),
                format!("detail {detail:?} lost"),
            );
        }
        check(
            &mut s.anonymous,
            &mut s.facts,
            d.anonymous == f.anonymous,
            format!("anonymous {} got {}", f.anonymous, d.anonymous),
        );
        if !wrong.is_empty() {
            r.misses.push(IntakeMiss {
                id: item.id.clone(),
                what: wrong.join("; "),
            });
        }
    }
}

impl IntakeReport {
    /// A plain-text table of the figures.
    pub fn to_text(&self, with_misses: bool) -> String {
        let mut s = format!("intake split `{}`\n", self.split);
        let c = &self.citizen;
        if c.emergency_recall.n + c.declines.n + c.past_not_emergency.n + c.answers_not_blocked.n
            > 0
        {
            s.push_str("  citizen messages\n");
            let line = |s: &mut String, name: &str, t: &Tally| {
                s.push_str(&format!("    {name:<34} {t}\n"));
            };
            line(&mut s, "emergency recall", &c.emergency_recall);
            line(&mut s, "emergency number right", &c.emergency_number);
            for (sign, t) in &c.by_sign {
                line(&mut s, &format!("  sign {sign}"), t);
            }
            line(&mut s, "declines", &c.declines);
            for (reason, t) in &c.by_reason {
                line(&mut s, &format!("  reason {reason}"), t);
            }
            line(&mut s, "past event not an emergency", &c.past_not_emergency);
            line(&mut s, "past event: report offered", &c.past_report_offered);
            line(&mut s, "questions not blocked", &c.answers_not_blocked);
            s.push_str(&format!(
                "    {:<34} {}\n",
                "false emergencies", c.false_emergencies
            ));
        }
        let k = &self.calls;
        if k.kind.n + k.not_incident.n > 0 {
            s.push_str("  hotline transcripts\n");
            for (name, t) in [
                ("not-incident recognised", &k.not_incident),
                ("type", &k.kind),
                ("crime sub-type", &k.subtype),
                ("priority exact", &k.priority),
                ("P1 recall", &k.p1_recall),
                ("ongoing", &k.ongoing),
                ("injured as stated", &k.injured),
                ("weapon as stated", &k.weapon),
                ("final address", &k.address),
                ("unit", &k.unit),
            ] {
                s.push_str(&format!("    {name:<34} {t}\n"));
            }
            for (kind, t) in &k.by_kind {
                s.push_str(&format!("    {:<34} {t}\n", format!("  type {kind}")));
            }
            s.push_str(&format!(
                "    {:<34} {}\n    {:<34} {}\n",
                "incidents dismissed", k.incidents_dismissed, "unit wrong (silent)", k.unit_wrong
            ));
        }
        let p = &self.reports;
        if p.filed.n > 0 {
            s.push_str("  report conversations\n");
            for (name, t) in [
                ("report to file", &p.filed),
                ("facts kept (all)", &p.facts),
                ("type", &p.kind),
                ("time as told", &p.when),
                ("ongoing", &p.ongoing),
                ("final address", &p.address),
                ("gps kept", &p.gps),
                ("details kept", &p.details),
                ("anonymous", &p.anonymous),
            ] {
                s.push_str(&format!("    {name:<34} {t}\n"));
            }
        }
        if with_misses && !self.misses.is_empty() {
            s.push_str(&format!("  misses ({}):\n", self.misses.len()));
            for m in &self.misses {
                s.push_str(&format!("    {:<7} {}\n", m.id, m.what));
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_needs_numbers_and_most_syllables() {
        assert!(carries(
            "số 15 ngõ 42 phố Khương Hạ",
            "so 15 ngo 42 Khuong Ha"
        ));
        assert!(!carries(
            "số 51 ngõ 42 phố Khương Hạ",
            "số 15 ngõ 42 Khương Hạ"
        ));
        assert!(!carries(
            "ngõ 42",
            "ngõ 42 phố Khương Hạ phường Khương Đình"
        ));
    }

    #[test]
    fn tally_rates() {
        let mut t = Tally::default();
        assert_eq!(t.rate(), 1.0);
        t.add(true);
        t.add(false);
        assert_eq!(t.rate(), 0.5);
        assert_eq!(t.to_string(), "0.500 (1/2)");
    }
}
