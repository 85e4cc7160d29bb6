//! A second reader for past events: a [`Bayes`] model that tells a message recounting
//! something that happened (to be reported) from a question about a procedure, trained when
//! the assistant starts from the dev split's past events and questions and the knowledge
//! base's questions. The rules ([`crate::safety::is_past_event`], the incident cues) decide
//! first; when they see no event, a message the model reads as an event far more than as a
//! question, and that names something that went wrong (a loss, a harm, a fraud, a nuisance),
//! gets the answer that fits and the offer to take a report. An offer made to a question costs
//! the citizen one "Không"; a past event left without one may go unreported. Without the
//! second condition, time words alone ("tỉ số trận đấu tối qua") read as a story.

use std::sync::OnceLock;

use crate::bayes::{labelled_lines, Bayes};
use crate::decline_model::{CITIZEN, QUESTIONS};
use crate::text::{PhraseSet, Token};

/// How much likelier (natural log) "an event to report" must be than "a question".
const MARGIN: f64 = 2.0;
/// Fewer syllables than this say too little to tell a story from a question.
const MIN_SYLLABLES: usize = 6;

fn model() -> &'static Bayes<bool> {
    static MODEL: OnceLock<Bayes<bool>> = OnceLock::new();
    MODEL.get_or_init(|| {
        let lines = labelled_lines(&[CITIZEN, QUESTIONS]);
        // Emergencies and declines are decided before this reader and are left out.
        Bayes::train(
            lines
                .into_iter()
                .filter(|(_, expect, _)| matches!(expect.as_str(), "report" | "answer" | "unknown"))
                .map(|(q, expect, _)| (q, expect == "report")),
        )
    })
}

/// Trains the model if it is not trained yet.
pub fn warm() {
    model();
}

/// How much likelier (natural log) the message tells an event to report than asks a question.
pub fn margin(tokens: &[Token]) -> f64 {
    let scores = model().scores(tokens);
    let of = |label: bool| {
        scores
            .iter()
            .find(|(l, _)| *l == label)
            .map_or(0.0, |s| s.1)
    };
    of(true) - of(false)
}

/// Whether the message names something that went wrong: a loss, a harm, a fraud, a threat,
/// a nuisance, or any incident word the extractor knows.
fn names_a_wrong(tokens: &[Token]) -> bool {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "bị",
            "mất",
            "lừa",
            "giả",
            "mạo danh",
            "dọa",
            "trộm",
            "cướp",
            "đánh",
            "quấy rối",
            "bám theo",
            "tụ tập",
            "ồn",
            "hack",
            "chiếm đoạt",
            "chuyển tiền",
            "bỏ lại",
            "lấn chiếm",
            "đua xe",
            "phá",
            "đập",
            "xâm hại",
        ])
    })
    .any_in(tokens)
        || crate::extract::has_incident_cue(tokens)
}

/// Whether the message reads as an event to report.
pub fn tells_event(tokens: &[Token]) -> bool {
    tokens.len() >= MIN_SYLLABLES && names_a_wrong(tokens) && margin(tokens) > MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    #[test]
    fn trains_both_labels() {
        assert_eq!(model().labels().len(), 2);
    }

    #[test]
    fn a_story_reads_as_an_event_and_a_procedure_as_a_question() {
        assert!(tells_event(&analyze(
            "hôm kia đi chợ về thì thấy cửa nhà bị cạy, mất cái laptop với ít tiền mặt"
        )));
        for q in [
            "làm căn cước cho trẻ dưới 6 tuổi cần những gì",
            "đăng ký tạm trú online trên VNeID thế nào",
            "mất xe",
            "tỉ số trận đấu bóng đá tối qua thế nào",
        ] {
            assert!(!tells_event(&analyze(q)), "{q}");
        }
    }
}
