//! A second reader for declines: a [`Bayes`] model trained (when the assistant starts) from
//! the labelled citizen messages of the dev evaluation split and the knowledge base's own
//! questions. The phrase and structure rules of [`crate::safety`] decide first; the model is
//! asked only when they found neither an emergency nor a decline, and it declines only when a
//! reason is far likelier than "nothing to decline" (a margin chosen on the dev split by
//! holding out one batch of writers at a time).
//!
//! Words shared with ordinary questions ("phạt nguội", "lý lịch tư pháp", "OTP") weigh little
//! because the training set holds many fair questions and reports that use them too.

use std::sync::OnceLock;

use crate::bayes::{labelled_lines, Bayes};
use crate::safety::DeclineReason;
use crate::text::Token;

/// Citizen messages labelled `decline` (with a reason), `emergency`, `report` or `answer`.
pub(crate) const CITIZEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eval/intake/citizen.jsonl"
));
/// Questions the knowledge base answers: all of them fair requests.
pub(crate) const QUESTIONS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/eval/dev.jsonl"
));

/// How much likelier (natural log) the best reason must be than "nothing to decline".
const MARGIN: f64 = 2.0;
/// Fewer syllables than this are too little context to read ("quên mật khẩu vneid" shares its
/// words with a request for someone's password): the rules alone decide.
const MIN_SYLLABLES: usize = 6;

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

fn model() -> &'static Bayes<Option<DeclineReason>> {
    static MODEL: OnceLock<Bayes<Option<DeclineReason>>> = OnceLock::new();
    MODEL.get_or_init(|| {
        let lines = labelled_lines(&[CITIZEN, QUESTIONS]);
        Bayes::train(lines.into_iter().filter_map(|(q, expect, reason)| {
            if expect != "decline" {
                return Some((q, None));
            }
            // A decline with a reason this build does not know is left out, not taken as fair.
            reason_of(reason.as_deref()?).map(|r| (q, Some(r)))
        }))
    })
}

/// Trains the model if it is not trained yet (it takes some tens of milliseconds).
pub fn warm() {
    model();
}

/// The most likely reason to decline and by how much (natural log) it beats "nothing to
/// decline"; `None` when the model knows no decline class.
pub fn margin(tokens: &[Token]) -> Option<(DeclineReason, f64)> {
    let scores = model().scores(tokens);
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
        assert_eq!(m.labels().len(), 11);
        assert!(m.labels().contains(&None));
        assert!(m.vocabulary_len() > 1000);
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
