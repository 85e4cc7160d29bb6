//! A second reader for declines: a naive Bayes model over syllables and syllable pairs,
//! trained (once, on first use) from the labelled citizen messages of the dev evaluation split
//! and the knowledge base's own questions. The phrase and structure rules of [`crate::safety`]
//! decide first; the model is asked only when they found neither an emergency nor a decline,
//! and it declines only when a reason is far likelier than "nothing to decline" (a margin
//! chosen on the dev split by holding out one batch of writers at a time).
//!
//! Words shared with ordinary questions ("phạt nguội", "lý lịch tư pháp", "OTP") weigh little
//! because the training set holds many fair questions and reports that use them too.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::safety::DeclineReason;
use crate::text::Token;

/// Citizen messages labelled `decline` (with a reason), `emergency`, `report` or `answer`.
const CITIZEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eval/intake/citizen.jsonl"
));
/// Questions the knowledge base answers: all of them fair requests.
const QUESTIONS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eval/dev.jsonl"
));

/// How much likelier (natural log) the best reason must be than "nothing to decline".
const MARGIN: f64 = 2.0;
/// Additive smoothing of the feature counts.
const ALPHA: f64 = 0.5;
/// Fewer syllables than this are too little context to read ("quên mật khẩu vneid" shares its
/// words with a request for someone's password): the rules alone decide.
const MIN_SYLLABLES: usize = 6;

struct Class {
    /// `None` for messages that must not be declined.
    reason: Option<DeclineReason>,
    log_prior: f64,
    counts: HashMap<String, u32>,
    total: u32,
}

struct Model {
    classes: Vec<Class>,
    vocabulary: HashSet<String>,
}

/// The reason a dev-split label stands for.
fn reason_of(label: &str) -> Option<DeclineReason> {
    Some(match label {
        "personal_data_other" => DeclineReason::PersonalData,
        "criminal_record_other" => DeclineReason::CriminalRecord,
        "case_status_other" => DeclineReason::CaseFile,
        "erase_fine_or_record" => DeclineReason::EraseRecord,
        "bribery_connections" => DeclineReason::Bribery,
        "fake_documents" => DeclineReason::FakeDocuments,
        "evade_checks" => DeclineReason::Evasion,
        "otp_password" => DeclineReason::Otp,
        "civil_dispute" => DeclineReason::CivilDispute,
        "court_prediction" => DeclineReason::CourtPrediction,
        _ => return None,
    })
}

/// Syllables (without diacritics, abbreviations expanded) and pairs of neighbouring ones.
fn features(tokens: &[Token]) -> HashSet<String> {
    let words: Vec<&str> = tokens
        .iter()
        .map(|t| t.fold.as_str())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let mut out: HashSet<String> = words.iter().map(|w| (*w).to_string()).collect();
    out.extend(words.windows(2).map(|p| format!("{}_{}", p[0], p[1])));
    out
}

/// The labelled examples: (message, reason or `None`).
fn examples() -> impl Iterator<Item = (String, Option<DeclineReason>)> {
    let lines = CITIZEN.lines().chain(QUESTIONS.lines());
    lines.filter_map(|line| {
        let v: serde_json::Value = serde_json::from_str(line).ok()?;
        let q = v.get("q")?.as_str()?.to_string();
        let reason = match v.get("expect").and_then(|e| e.as_str()) {
            Some("decline") => Some(reason_of(v.get("reason")?.as_str()?)?),
            _ => None,
        };
        Some((q, reason))
    })
}

fn train() -> Model {
    let mut classes: Vec<Class> = Vec::new();
    let mut vocabulary = HashSet::new();
    let mut seen = 0u32;
    for (q, reason) in examples() {
        seen += 1;
        let i = match classes.iter().position(|c| c.reason == reason) {
            Some(i) => i,
            None => {
                classes.push(Class {
                    reason,
                    log_prior: 0.0,
                    counts: HashMap::new(),
                    total: 0,
                });
                classes.len() - 1
            }
        };
        let class = &mut classes[i];
        class.log_prior += 1.0;
        for f in features(&crate::text::analyze(&q)) {
            *class.counts.entry(f.clone()).or_insert(0) += 1;
            class.total += 1;
            vocabulary.insert(f);
        }
    }
    for class in &mut classes {
        class.log_prior = (class.log_prior / f64::from(seen.max(1))).ln();
    }
    Model {
        classes,
        vocabulary,
    }
}

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(train)
}

impl Model {
    /// The log score of every class for a message's features.
    fn scores(&self, features: &HashSet<String>) -> Vec<(Option<DeclineReason>, f64)> {
        let known: Vec<&String> = features
            .iter()
            .filter(|f| self.vocabulary.contains(*f))
            .collect();
        let v = self.vocabulary.len() as f64;
        self.classes
            .iter()
            .map(|c| {
                let denominator = (f64::from(c.total) + ALPHA * v).ln();
                let score = known.iter().fold(c.log_prior, |acc, f| {
                    let n = c.counts.get(*f).copied().unwrap_or(0);
                    acc + (f64::from(n) + ALPHA).ln() - denominator
                });
                (c.reason, score)
            })
            .collect()
    }
}

/// Trains the model if it is not trained yet (it takes some tens of milliseconds).
pub fn warm() {
    model();
}

/// The most likely reason to decline and by how much (natural log) it beats "nothing to
/// decline"; `None` when the model knows no decline class.
pub fn margin(tokens: &[Token]) -> Option<(DeclineReason, f64)> {
    let scores = model().scores(&features(tokens));
    let fair = scores.iter().find(|(r, _)| r.is_none())?.1;
    scores
        .iter()
        .filter_map(|&(r, s)| r.map(|r| (r, s - fair)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The reason to decline, when the model is confident enough.
pub fn classify(tokens: &[Token]) -> Option<DeclineReason> {
    if tokens.len() < MIN_SYLLABLES {
        return None;
    }
    margin(tokens).filter(|&(_, m)| m > MARGIN).map(|(r, _)| r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    #[test]
    fn trains_every_reason_and_the_fair_class() {
        let m = model();
        assert_eq!(m.classes.len(), 11);
        assert!(m.classes.iter().any(|c| c.reason.is_none()));
        assert!(m.vocabulary.len() > 1000);
    }

    #[test]
    fn fair_questions_are_not_declined() {
        for q in [
            "lam can cuoc cho con 14 tuoi can giay to gi",
            "đăng ký tạm trú online trên VNeID thế nào",
            "mất ví ở chợ thì báo ở đâu",
            "quên mật khẩu vneid",
            "xin chào",
            "",
        ] {
            assert_eq!(classify(&analyze(q)), None, "{q}");
        }
    }

    #[test]
    fn reads_a_request_it_was_never_shown_word_for_word() {
        let (reason, m) = margin(&analyze(
            "co cach nao biet so dien thoai cua nguoi yeu cu o dau khong ad, tra ho minh",
        ))
        .expect("a decline class");
        assert_eq!(reason, DeclineReason::PersonalData);
        assert!(m > MARGIN, "{m}");
    }
}
