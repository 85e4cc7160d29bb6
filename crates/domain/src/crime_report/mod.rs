//! The crime-report register (sổ tiếp nhận, giải quyết tố giác, tin báo về tội phạm, kiến nghị
//! khởi tố): what was received, by which unit, under which legal clock, and how it was settled.
//!
//! A [`CrimeReport`] is received ([`CrimeReport::receive`]) from an incident, a citizen, an
//! agency or the citizen assistant, and starts its [`Clock`] under the [`LimitRule`] in force on
//! the day of receipt. While it is being verified its limit may be extended
//! ([`CrimeReport::extend`]); it ends with one of the outcomes of Art. 147–148 of the Criminal
//! Procedure Code ([`CrimeReport::decide`]): a decision to prosecute (which opens a case), not
//! to prosecute, to suspend (the clock stops until a decision to resume restarts it,
//! [`CrimeReport::resume`]), or a transfer to the competent body. Every step keeps its decision
//! number and date as told, and the dated history is append-only. Being overdue is derived from
//! the clock and the `now` the caller passes, never stored.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod clock;
mod figures;
pub use clock::{Calendar, Clock, Due, Extension, ExtensionBy, LimitRule, RuleBook, Standing};
pub use figures::{figures, figures_table, Figures, PeriodFigures};

use crate::incident::{Channel, Incident, Vocabulary};
use crate::stats::period::vn_date;

/// Errors of the crime-report register: the change was refused and nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrimeReportError {
    /// A field is missing or out of range.
    #[error("{field}: {reason}")]
    Invalid {
        /// Field name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The step is not allowed in the report's current status.
    #[error("cannot {action} a crime report that is {from}")]
    InvalidTransition {
        /// Current status.
        from: ReportStatus,
        /// What was attempted.
        action: &'static str,
    },
    /// The extension breaks the rule.
    #[error("extension refused: {0}")]
    Extension(String),
    /// A limit rule is unusable.
    #[error("limit rule: {0}")]
    Rule(String),
    /// No rule is valid on the day of receipt.
    #[error("no time-limit rule is in force on {day}")]
    NoRule {
        /// Day of receipt.
        day: NaiveDate,
    },
}

/// Highest article number of the Penal Code 2015.
pub const MAX_ARTICLE: u16 = 426;

/// How far ahead of the server clock a time of receipt may be (clock skew of the device).
const FUTURE_SLACK_MINUTES: i64 = 5;

/// The earliest day anything in the register may be dated.
fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-2_208_988_800, 0).unwrap_or_default() // 1900-01-01T00:00:00Z
}

/// Longest text kept in one field.
const MAX_TEXT: usize = 4000;

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $code:literal, $vi:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            /// Stable code used in storage and the API.
            pub fn code(self) -> &'static str { match self { $($name::$v => $code,)+ } }
            /// Vietnamese label.
            pub fn label_vi(self) -> &'static str { match self { $($name::$v => $vi,)+ } }
            /// English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en,)+ } }
            /// The value with this code.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

vocabulary! {
    /// What kind of source it is (Art. 144 of the Criminal Procedure Code).
    ReportKind {
        /// A person's denunciation of a crime (tố giác về tội phạm).
        Denunciation => "denunciation", "Tố giác về tội phạm", "Denunciation";
        /// Information about a crime from an agency, organisation or the media (tin báo).
        Information => "information", "Tin báo về tội phạm", "Crime information";
        /// A state body's proposal to prosecute (kiến nghị khởi tố).
        ProsecutionProposal => "prosecution_proposal", "Kiến nghị khởi tố", "Proposal to prosecute";
    }
}

vocabulary! {
    /// How it reached the police.
    ReportSource {
        /// Taken from an incident the command centre handled.
        Incident => "incident", "Từ sự việc tiếp nhận qua trung tâm chỉ huy", "From an incident";
        /// A citizen in person, by phone or in writing.
        Citizen => "citizen", "Công dân trình báo", "A citizen";
        /// An agency or organisation.
        Agency => "agency", "Cơ quan, tổ chức", "An agency or organisation";
        /// The citizen assistant or the web report form.
        Assistant => "assistant", "Trợ lý ảo / cổng phản ánh", "The citizen assistant";
    }
}

vocabulary! {
    /// Where a report stands.
    ReportStatus {
        /// Being checked and verified; the clock runs.
        Verifying => "verifying", "Đang kiểm tra, xác minh", "Being verified";
        /// Settlement suspended (Art. 148); the clock stops.
        Suspended => "suspended", "Tạm đình chỉ giải quyết", "Suspended";
        /// A criminal case was opened (khởi tố vụ án).
        Prosecuted => "prosecuted", "Đã khởi tố vụ án", "Case opened";
        /// Decided not to prosecute.
        NotProsecuted => "not_prosecuted", "Không khởi tố vụ án", "Not prosecuted";
        /// Handed to the competent body.
        Transferred => "transferred", "Đã chuyển cơ quan có thẩm quyền", "Transferred";
    }
}

impl ReportStatus {
    /// Whether the report is still being handled (verifying or suspended).
    pub fn is_open(self) -> bool {
        matches!(self, ReportStatus::Verifying | ReportStatus::Suspended)
    }
}

vocabulary! {
    /// The decisions that settle or suspend a report.
    ReportOutcome {
        /// Open a criminal case (quyết định khởi tố vụ án hình sự).
        Prosecute => "prosecute", "Khởi tố vụ án hình sự", "Open a criminal case";
        /// Do not open a case (quyết định không khởi tố vụ án hình sự).
        NotProsecute => "not_prosecute", "Không khởi tố vụ án hình sự", "Do not prosecute";
        /// Suspend the settlement (quyết định tạm đình chỉ việc giải quyết).
        Suspend => "suspend", "Tạm đình chỉ việc giải quyết", "Suspend the settlement";
        /// Hand it to the competent body (chuyển cơ quan có thẩm quyền).
        Transfer => "transfer", "Chuyển cơ quan có thẩm quyền giải quyết", "Transfer to the competent body";
    }
}

impl ReportOutcome {
    fn status(self) -> ReportStatus {
        match self {
            ReportOutcome::Prosecute => ReportStatus::Prosecuted,
            ReportOutcome::NotProsecute => ReportStatus::NotProsecuted,
            ReportOutcome::Suspend => ReportStatus::Suspended,
            ReportOutcome::Transfer => ReportStatus::Transferred,
        }
    }
}

/// Who reported it. Every field is optional: a tip may be anonymous.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportReporter))]
pub struct Reporter {
    /// Person's name.
    pub name: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Agency or organisation (for information and proposals).
    pub organisation: Option<String>,
    /// Address.
    pub address: Option<String>,
}

impl Reporter {
    /// Whether nothing identifies who reported it.
    pub fn is_anonymous(&self) -> bool {
        [&self.name, &self.phone, &self.organisation]
            .iter()
            .all(|f| f.as_deref().is_none_or(|s| s.trim().is_empty()))
    }
}

/// A decision that settles or suspends a report, as the register keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportDecision))]
pub struct Decision {
    /// Which decision.
    pub outcome: ReportOutcome,
    /// Its number.
    pub decision_no: String,
    /// The day it was made.
    pub decided_on: NaiveDate,
    /// Grounds, or for a suspension what is awaited (Art. 148: an expert conclusion or
    /// valuation, a request for judicial assistance, documents or items).
    pub reason: Option<String>,
    /// For a transfer: the body it went to.
    pub transferred_to: Option<String>,
}

/// One dated step of a report's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportEvent))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// Received and registered.
    Received {
        /// Rule applied.
        rule_id: String,
        /// Last day of the limit as first set.
        last_day: NaiveDate,
    },
    /// The limit was extended.
    Extended {
        /// The extension.
        #[serde(flatten)]
        extension: Extension,
    },
    /// Settled, suspended or transferred.
    Decided {
        /// The decision.
        #[serde(flatten)]
        decision: Decision,
        /// Whether it came within the limit (suspensions and settlements alike).
        on_time: bool,
    },
    /// Settlement resumed after a suspension; the limit starts again.
    Resumed {
        /// Number of the decision to resume.
        decision_no: String,
        /// Day of that decision (the new start of the limit).
        decided_on: NaiveDate,
        /// Last day of the new limit.
        last_day: NaiveDate,
    },
    /// The case opened on it was linked.
    CaseLinked {
        /// Case id.
        case_id: i64,
    },
}

/// A history entry: when it was recorded, by whom, and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = CrimeReportEntry))]
pub struct Entry {
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded it (user id or name).
    pub recorded_by: String,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
}

/// A report to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCrimeReport {
    /// Kind of source.
    pub kind: ReportKind,
    /// How it reached the police.
    pub source: ReportSource,
    /// Unit that received it and settles it.
    pub unit: String,
    /// When it was received (may be earlier than it is registered).
    pub received_at: DateTime<Utc>,
    /// Who reported it.
    pub reporter: Reporter,
    /// What was reported.
    pub summary: String,
    /// Where it happened, as told.
    pub place: Option<String>,
    /// The Penal Code article it suggests, if one is clear.
    pub article: Option<u16>,
    /// The incident it comes from.
    pub incident_id: Option<i64>,
    /// Number in the unit's paper register, if it keeps one.
    pub register_no: Option<String>,
}

impl NewCrimeReport {
    /// The report an incident becomes: its unit, time of receipt, caller, place, and its
    /// number, type and description as the summary. A call to 113 or a web report is a person's
    /// denunciation; a field officer's or an alarm's report is information.
    pub fn from_incident(incident: &Incident) -> Self {
        let kind = match incident.channel {
            Channel::FieldOfficer | Channel::AlarmDevice => ReportKind::Information,
            _ => ReportKind::Denunciation,
        };
        let mut summary = format!("{} — {}", incident.number, incident.kind.label_vi());
        if !incident.description.trim().is_empty() {
            summary.push_str(": ");
            summary.push_str(incident.description.trim());
        }
        NewCrimeReport {
            kind,
            source: ReportSource::Incident,
            // An incident closes with a responsible unit; `receive` refuses an empty one.
            unit: incident.assignment.primary_unit.clone().unwrap_or_default(),
            received_at: incident.times.received,
            reporter: Reporter {
                name: incident.caller.name.clone(),
                phone: incident.caller.phone.clone(),
                organisation: None,
                address: None,
            },
            summary: summary.chars().take(MAX_TEXT).collect(),
            place: incident.location.address.clone(),
            article: None,
            incident_id: Some(incident.id.0),
            register_no: None,
        }
    }
}

/// A report as the register holds it (the stored document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrimeReport {
    /// Kind of source.
    pub kind: ReportKind,
    /// How it reached the police.
    pub source: ReportSource,
    /// Unit that settles it.
    pub unit: String,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Who reported it.
    pub reporter: Reporter,
    /// What was reported.
    pub summary: String,
    /// Where it happened.
    pub place: Option<String>,
    /// Suggested Penal Code article.
    pub article: Option<u16>,
    /// The incident it comes from.
    pub incident_id: Option<i64>,
    /// The case opened on it.
    pub case_id: Option<i64>,
    /// Number in the unit's paper register.
    pub register_no: Option<String>,
    /// Where it stands.
    pub status: ReportStatus,
    /// The running (or last) limit.
    pub clock: Clock,
    /// The decision that settled or suspended it last.
    pub decision: Option<Decision>,
    /// Dated steps, oldest first.
    pub history: Vec<Entry>,
}

fn text(field: &'static str, value: &str, required: bool) -> Result<(), CrimeReportError> {
    if required && value.trim().is_empty() {
        return Err(CrimeReportError::Invalid {
            field,
            reason: "must not be empty".into(),
        });
    }
    if value.chars().count() > MAX_TEXT {
        return Err(CrimeReportError::Invalid {
            field,
            reason: format!("longer than {MAX_TEXT} characters"),
        });
    }
    Ok(())
}

fn optional(field: &'static str, value: &Option<String>) -> Result<(), CrimeReportError> {
    value.as_deref().map_or(Ok(()), |v| text(field, v, false))
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl CrimeReport {
    /// Registers a report under the rule in force on its day of receipt. Refused: an empty
    /// summary or unit, a time of receipt in the future or before the rule book starts, an
    /// article outside the Penal Code.
    pub fn receive(
        new: NewCrimeReport,
        rules: &RuleBook,
        cal: &Calendar,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Self, CrimeReportError> {
        text("summary", &new.summary, true)?;
        text("unit", &new.unit, true)?;
        optional("place", &new.place)?;
        optional("register_no", &new.register_no)?;
        for (field, value) in [
            ("reporter.name", &new.reporter.name),
            ("reporter.phone", &new.reporter.phone),
            ("reporter.organisation", &new.reporter.organisation),
            ("reporter.address", &new.reporter.address),
        ] {
            optional(field, value)?;
        }
        if new.received_at < earliest() {
            return Err(CrimeReportError::Invalid {
                field: "received_at",
                reason: "is before 1900".into(),
            });
        }
        if new.received_at > now + Duration::minutes(FUTURE_SLACK_MINUTES) {
            return Err(CrimeReportError::Invalid {
                field: "received_at",
                reason: "is in the future".into(),
            });
        }
        if let Some(a) = new.article {
            if a == 0 || a > MAX_ARTICLE {
                return Err(CrimeReportError::Invalid {
                    field: "article",
                    reason: format!("the Penal Code has articles 1 to {MAX_ARTICLE}"),
                });
            }
        }
        let day = vn_date(new.received_at);
        let rule = rules.rule_for(day)?;
        let clock = Clock::start(rule, day);
        let last_day = clock.last_day(rule, cal);
        Ok(CrimeReport {
            kind: new.kind,
            source: new.source,
            unit: new.unit.trim().to_owned(),
            received_at: new.received_at,
            reporter: Reporter {
                name: trimmed(new.reporter.name),
                phone: trimmed(new.reporter.phone),
                organisation: trimmed(new.reporter.organisation),
                address: trimmed(new.reporter.address),
            },
            summary: new.summary.trim().to_owned(),
            place: trimmed(new.place),
            article: new.article,
            incident_id: new.incident_id,
            case_id: None,
            register_no: trimmed(new.register_no),
            status: ReportStatus::Verifying,
            clock,
            decision: None,
            history: vec![Entry {
                recorded_at: now,
                recorded_by: by.to_owned(),
                event: Event::Received {
                    rule_id: rule.id.clone(),
                    last_day,
                },
            }],
        })
    }

    /// The rule this report's clock runs under.
    pub fn rule<'r>(&self, rules: &'r RuleBook) -> Result<&'r LimitRule, CrimeReportError> {
        rules
            .by_id(&self.clock.rule_id)
            .ok_or_else(|| CrimeReportError::Rule(format!("unknown rule {}", self.clock.rule_id)))
    }

    /// Where the limit stands at `now`, while the report is being verified (a suspended or
    /// settled report has no running limit).
    pub fn standing(
        &self,
        rules: &RuleBook,
        cal: &Calendar,
        now: DateTime<Utc>,
    ) -> Result<Option<Standing>, CrimeReportError> {
        if self.status != ReportStatus::Verifying {
            return Ok(None);
        }
        Ok(Some(self.clock.standing(self.rule(rules)?, cal, now)))
    }

    /// The last day of the current limit.
    pub fn last_day(
        &self,
        rules: &RuleBook,
        cal: &Calendar,
    ) -> Result<NaiveDate, CrimeReportError> {
        Ok(self.clock.last_day(self.rule(rules)?, cal))
    }

    /// Extends the limit (see [`Clock::extend`]); only while the report is being verified.
    pub fn extend(
        &mut self,
        ext: Extension,
        rules: &RuleBook,
        cal: &Calendar,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CrimeReportError> {
        self.require(ReportStatus::Verifying, "extend")?;
        let rule = self.rule(rules)?.clone();
        let mut ext = ext;
        ext.decision_no = ext.decision_no.trim().to_owned();
        self.clock.extend(&rule, cal, ext.clone(), vn_date(now))?;
        self.history.push(Entry {
            recorded_at: now,
            recorded_by: by.to_owned(),
            event: Event::Extended { extension: ext },
        });
        Ok(())
    }

    /// Records the decision that settles, suspends or transfers the report. The decision
    /// needs its number and a day no earlier than the start of the limit and not in the future;
    /// a suspension needs what is awaited, a transfer the body it goes to.
    pub fn decide(
        &mut self,
        decision: Decision,
        rules: &RuleBook,
        cal: &Calendar,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CrimeReportError> {
        self.require(ReportStatus::Verifying, "decide on")?;
        let mut decision = Decision {
            decision_no: decision.decision_no.trim().to_owned(),
            reason: trimmed(decision.reason),
            transferred_to: trimmed(decision.transferred_to),
            ..decision
        };
        text("decision_no", &decision.decision_no, true)?;
        optional("reason", &decision.reason)?;
        optional("transferred_to", &decision.transferred_to)?;
        self.check_decision_day(decision.decided_on, now)?;
        match decision.outcome {
            ReportOutcome::Suspend if decision.reason.is_none() => {
                return Err(CrimeReportError::Invalid {
                    field: "reason",
                    reason: "a suspension says what is awaited (Art. 148)".into(),
                })
            }
            ReportOutcome::Transfer if decision.transferred_to.is_none() => {
                return Err(CrimeReportError::Invalid {
                    field: "transferred_to",
                    reason: "a transfer names the body it goes to".into(),
                })
            }
            ReportOutcome::Transfer => {}
            _ => decision.transferred_to = None,
        }
        let on_time = decision.decided_on <= self.last_day(rules, cal)?;
        self.status = decision.outcome.status();
        self.decision = Some(decision.clone());
        self.history.push(Entry {
            recorded_at: now,
            recorded_by: by.to_owned(),
            event: Event::Decided { decision, on_time },
        });
        Ok(())
    }

    /// Resumes a suspended report: the limit starts again on the day of the decision to
    /// resume, under the rule in force that day.
    pub fn resume(
        &mut self,
        decision_no: &str,
        decided_on: NaiveDate,
        rules: &RuleBook,
        cal: &Calendar,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CrimeReportError> {
        self.require(ReportStatus::Suspended, "resume")?;
        text("decision_no", decision_no, true)?;
        self.check_decision_day(decided_on, now)?;
        if let Some(d) = &self.decision {
            if decided_on < d.decided_on {
                return Err(CrimeReportError::Invalid {
                    field: "decided_on",
                    reason: format!("is before the suspension ({})", d.decided_on),
                });
            }
        }
        let rule = rules.rule_for(decided_on)?;
        self.clock = Clock::start(rule, decided_on);
        let last_day = self.clock.last_day(rule, cal);
        self.status = ReportStatus::Verifying;
        self.decision = None;
        self.history.push(Entry {
            recorded_at: now,
            recorded_by: by.to_owned(),
            event: Event::Resumed {
                decision_no: decision_no.trim().to_owned(),
                decided_on,
                last_day,
            },
        });
        Ok(())
    }

    /// Links the case opened on this report (once, and only after the decision to
    /// prosecute).
    pub fn link_case(
        &mut self,
        case_id: i64,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CrimeReportError> {
        self.require(ReportStatus::Prosecuted, "link a case to")?;
        if let Some(existing) = self.case_id {
            return Err(CrimeReportError::Invalid {
                field: "case_id",
                reason: format!("case {existing} is already linked"),
            });
        }
        self.case_id = Some(case_id);
        self.history.push(Entry {
            recorded_at: now,
            recorded_by: by.to_owned(),
            event: Event::CaseLinked { case_id },
        });
        Ok(())
    }

    /// Whether the last decision came within the limit (`None` while no decision settles it).
    pub fn settled_on_time(&self) -> Option<bool> {
        self.history.iter().rev().find_map(|e| match &e.event {
            Event::Decided { on_time, .. } if !self.status.is_open() => Some(*on_time),
            _ => None,
        })
    }

    fn require(&self, status: ReportStatus, action: &'static str) -> Result<(), CrimeReportError> {
        if self.status == status {
            Ok(())
        } else {
            Err(CrimeReportError::InvalidTransition {
                from: self.status,
                action,
            })
        }
    }

    fn check_decision_day(
        &self,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<(), CrimeReportError> {
        if day < self.clock.started_on {
            return Err(CrimeReportError::Invalid {
                field: "decided_on",
                reason: format!("is before the limit started ({})", self.clock.started_on),
            });
        }
        if day > vn_date(now) {
            return Err(CrimeReportError::Invalid {
                field: "decided_on",
                reason: "is in the future".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
