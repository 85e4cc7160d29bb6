//! Answers composed from retrieved articles: the template answer (the article body with its
//! legal basis and check date), citations, and the optional [`Phraser`] that rewrites the
//! answer from the retrieved passages only. Whatever the phraser returns, citations and the
//! "as of" line are ours; on any phrasing error the template answer is used.

use chrono::NaiveDate;

use crate::api::Citation;
use crate::error::PhraseError;
use crate::kb::Article;

/// The message the phraser gets: a system instruction and a user turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    /// Instructions: answer only from the passages, in Vietnamese, keep numbers exact.
    pub system: String,
    /// The question and the passages.
    pub user: String,
}

/// Rewrites an answer from passages (e.g. an OpenAI-compatible model endpoint).
pub trait Phraser: Send + Sync {
    /// Returns the phrased answer text, or an error (the template answer is then used).
    fn phrase(&self, prompt: &Prompt) -> Result<String, PhraseError>;
}

/// Builds the prompt for a question and the articles retrieved for it.
pub fn build_prompt(question: &str, articles: &[&Article]) -> Prompt {
    let system = "Bạn là trợ lý trả lời công dân của Công an thành phố. Chỉ trả lời dựa trên các \
đoạn TÀI LIỆU được cung cấp, bằng tiếng Việt, ngắn gọn (tối đa 8 dòng), giữ nguyên mọi con số, \
mức phí, thời hạn và tên văn bản như trong tài liệu. Không thêm thông tin không có trong tài liệu. \
Nếu tài liệu không trả lời được câu hỏi, nói rằng bạn không chắc và đề nghị liên hệ Công an \
xã/phường. Không yêu cầu mã OTP, mật khẩu hay thông tin cá nhân."
        .to_string();
    let mut user = String::new();
    for (i, a) in articles.iter().enumerate() {
        user.push_str(&format!(
            "TÀI LIỆU {} – {}\nCăn cứ: {}\n{}\n\n",
            i + 1,
            a.title,
            a.source(),
            a.body
        ));
    }
    user.push_str(&format!("CÂU HỎI: {question}"));
    Prompt { system, user }
}

/// The citation of an article.
pub fn citation(a: &Article) -> Citation {
    Citation {
        title: a.title.clone(),
        source: a.source(),
        url: a.url.clone(),
    }
}

fn date_vi(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// The closing line: legal basis, check date, and a warning when the validity period has
/// passed or the check is more than a year old.
pub fn footer(a: &Article, today: NaiveDate) -> String {
    let mut s = format!(
        "Căn cứ: {}. Thông tin kiểm tra ngày {}.",
        a.source(),
        date_vi(a.checked)
    );
    let expired = a.valid_until.is_some_and(|d| d < today);
    let stale = (today - a.checked).num_days() > 365;
    if expired {
        s.push_str(&format!(
            "\nLưu ý: mức phí, thời hạn nêu trên được xác nhận đến ngày {} và có thể đã thay đổi; vui lòng kiểm tra lại tại Công an xã/phường.",
            a.valid_until.map(date_vi).unwrap_or_default()
        ));
    } else if stale {
        s.push_str("\nLưu ý: thông tin đã lâu chưa được rà soát; vui lòng kiểm tra lại tại Công an xã/phường.");
    }
    if let Some(url) = &a.url {
        s.push_str(&format!("\nXem thêm: {url}"));
    }
    s
}

/// The template answer: title, body, footer.
pub fn template_answer(a: &Article, today: NaiveDate) -> String {
    format!("{}\n{}\n\n{}", a.title, a.body, footer(a, today))
}

/// The answer: phrased from the passages when a phraser is set and succeeds, else the
/// template. The footer with legal basis and dates is always appended by us.
pub fn compose(
    question: &str,
    best: &Article,
    others: &[&Article],
    phraser: Option<&dyn Phraser>,
    today: NaiveDate,
) -> String {
    if let Some(p) = phraser {
        let mut passages = vec![best];
        passages.extend(others.iter().copied());
        let prompt = build_prompt(question, &passages);
        if let Ok(text) = p.phrase(&prompt) {
            let text = text.trim();
            if !text.is_empty() && text.chars().count() <= 4000 {
                return format!("{text}\n\n{}", footer(best, today));
            }
        }
    }
    template_answer(best, today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn article() -> Article {
        Article::parse(Path::new("t.md"), crate::kb::tests::SAMPLE).unwrap()
    }

    struct Fixed(Result<String, PhraseError>);
    impl Phraser for Fixed {
        fn phrase(&self, _: &Prompt) -> Result<String, PhraseError> {
            self.0
                .as_ref()
                .map(Clone::clone)
                .map_err(|e| PhraseError::Transport(e.to_string()))
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn prompt_holds_question_passages_and_rules() {
        let a = article();
        let p = build_prompt("thuê trọ có phải đăng ký không", &[&a]);
        assert!(p.system.contains("Chỉ trả lời dựa trên"));
        assert!(p.user.contains("TÀI LIỆU 1 – Đăng ký tạm trú"));
        assert!(p.user.contains("15.000"));
        assert!(p.user.contains("Luật Cư trú 68/2020/QH14"));
        assert!(p.user.ends_with("CÂU HỎI: thuê trọ có phải đăng ký không"));
    }

    #[test]
    fn phraser_errors_fall_back_to_the_template() {
        let a = article();
        let today = day(2026, 11, 26);
        let failing = Fixed(Err(PhraseError::Transport("down".into())));
        let out = compose("q", &a, &[], Some(&failing), today);
        assert_eq!(out, template_answer(&a, today));
        let empty = Fixed(Ok("   ".into()));
        assert_eq!(
            compose("q", &a, &[], Some(&empty), today),
            template_answer(&a, today)
        );
        let ok = Fixed(Ok("Câu trả lời ngắn.".into()));
        let out = compose("q", &a, &[], Some(&ok), today);
        assert!(out.starts_with("Câu trả lời ngắn."));
        assert!(out.contains("Căn cứ: Luật Cư trú"));
    }

    #[test]
    fn expired_facts_carry_a_warning() {
        let a = article();
        assert!(!footer(&a, day(2027, 1, 1)).contains("Lưu ý"));
        assert!(footer(&a, day(2027, 7, 1)).contains("kiểm tra lại tại Công an xã/phường"));
    }
}
