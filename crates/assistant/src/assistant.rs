//! The [`Assistant`]: one shared, thread-safe object the server calls from every handler.
//!
//! Decision order for each chat message:
//! 1. emergency rules (fire, explosion, trapped, drowning, flood, violence, accident, medical);
//! 2. decline rules (other people's data, case files, fraud/evasion, OTP/password sharing);
//! 3. a pending report dialogue (or the offer made by an emergency reply);
//! 4. an explicit wish to file a report ("tôi muốn trình báo…");
//! 5. retrieval over the knowledge base: an answer with citations, or "unknown" when nothing is
//!    relevant enough.
//!
//! The knowledge base sits behind an `RwLock<Arc<…>>`: a reload builds the new base and index
//! aside and swaps the pointer, so requests in flight keep the old one and a bad file keeps
//! the old base in service.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::answer::{self, Phraser};
use crate::api::{
    ChatOutcome, ChatRequest, ChatResponse, OperatorRequest, OperatorSuggestion, ReplyKind,
    ReportDraft,
};
use crate::conversation::{ConversationState, ConversationStore};
use crate::error::KbError;
use crate::extract::{find_coordinates, find_location, AddressResolver};
use crate::index::{Analysis, Hit, Index, Params};
use crate::kb::{Article, KnowledgeBase};
use crate::operator;
use crate::report::{yes_no, Intake, IntakeReply};
use crate::safety::{self, Safety};
use crate::text::{self, PhraseSet, Token};

/// Thresholds that decide between an answer and "I don't know".
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    /// Minimum share (idf-weighted) of the question's content syllables found in the article.
    pub min_coverage: f32,
    /// Minimum BM25F score of the best article.
    pub min_score: f32,
    /// A best article scoring at least this is accepted with `min_coverage_strong` coverage
    /// (long questions carry details the article does not mention).
    pub strong_score: f32,
    /// Coverage needed when the score reaches `strong_score`.
    pub min_coverage_strong: f32,
    /// A second article scoring at least this share of the best is offered as a suggestion
    /// and passed to the phraser.
    pub close_ratio: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            min_coverage: 0.5,
            min_score: 4.0,
            strong_score: 40.0,
            min_coverage_strong: 0.3,
            close_ratio: 0.8,
        }
    }
}

/// A ranked article for a query.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Article id.
    pub id: String,
    /// BM25F score.
    pub score: f32,
    /// Query coverage.
    pub coverage: f32,
}

struct Loaded {
    kb: KnowledgeBase,
    index: Index,
}

/// The citizen assistant. `Send + Sync`; share it behind an `Arc`.
pub struct Assistant {
    loaded: RwLock<Arc<Loaded>>,
    conversations: ConversationStore,
    phraser: Option<Box<dyn Phraser>>,
    resolver: Option<Box<dyn AddressResolver>>,
    thresholds: Thresholds,
    max_message_chars: usize,
}

impl std::fmt::Debug for Assistant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assistant")
            .field("articles", &self.current().kb.len())
            .field("phraser", &self.phraser.is_some())
            .field("resolver", &self.resolver.is_some())
            .field("thresholds", &self.thresholds)
            .finish()
    }
}

fn load(kb: KnowledgeBase) -> Arc<Loaded> {
    let index = Index::build(kb.articles(), Analysis::Vietnamese, Params::default());
    Arc::new(Loaded { kb, index })
}

/// Local calendar date in Vietnam (UTC+7, no daylight saving).
fn local_date(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(7)).date_naive()
}

fn report_start() -> &'static PhraseSet {
    static SET: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "muốn báo",
            "muốn trình báo",
            "muốn tố giác",
            "muốn phản ánh",
            "cần báo",
            "báo tin cho công an",
            "gửi tin báo",
            "tạo tin báo",
            "báo công an giúp",
            "muốn báo án",
            "trình báo việc",
            "gửi vị trí của tôi",
            "báo tin",
            "phản ánh",
            "tố giác",
            "trình báo",
        ])
    })
}

/// Whether a message asks something. A question word followed by "cũng" is an indefinite,
/// not a question: "hỏi gì cũng không biết", "ai cũng thấy", "đi đâu cũng gặp".
fn asks_question(tokens: &[Token]) -> bool {
    static INDEFINITE: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    let indefinite = INDEFINITE.get_or_init(|| {
        PhraseSet::new(&[
            "gì cũng",
            "ai cũng",
            "đâu cũng",
            "nào cũng",
            "sao cũng",
            "bao giờ cũng",
        ])
    });
    question_frame().any_in(&indefinite.mask(tokens))
}

fn question_frame() -> &'static PhraseSet {
    static SET: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "làm sao",
            "như thế nào",
            "thế nào",
            "ở đâu",
            "thủ tục",
            "cách",
            "được không",
            "bằng cách nào",
            "số mấy",
            "qua đâu",
            "có cần",
            "có phải",
            "mất bao lâu",
            "gì",
            "hướng dẫn",
            "ra sao",
            "chỗ nào",
            "bao lâu",
        ])
    })
}

/// Words of a report request that say nothing about the event itself.
const REPORT_WORDS: &[&str] = &[
    "bao", "tin", "trinh", "to", "giac", "phan", "anh", "cong", "an", "muon", "can", "gui", "cho",
    "tao", "viec", "giup", "an",
];

fn has_event_content(tokens: &[Token]) -> bool {
    tokens
        .iter()
        .filter(|t| !text::is_stopword(t) && !REPORT_WORDS.contains(&t.fold.as_str()))
        .count()
        >= 2
}

/// Syllables of a message.
fn analyze_len(message: &str) -> usize {
    text::analyze(message).len()
}

const PAST_EVENT_REPLY: &str = "Sự việc đã xảy ra, bạn có thể trình báo để công an xác minh, \
xử lý:\n\
- Ngay tại đây: tôi ghi lại sự việc, địa điểm, thời gian và chuyển tới Công an xã/phường nơi \
xảy ra.\n\
- Trực tiếp tại trụ sở Công an xã/phường nơi xảy ra sự việc, mang theo giấy tờ tùy thân và \
hình ảnh, video, giấy tờ liên quan nếu có.\n\
- Qua ứng dụng VNeID, mục tố giác, tin báo về tội phạm.\n\
Nếu đối tượng vẫn đang ở đó hoặc bạn đang gặp nguy hiểm, gọi ngay 113.\n\
Bạn có muốn báo tin ngay bây giờ không? (có / không)";

const REPORT_OFFER: &str = "Tôi có thể nhận tin báo về sự việc này ngay tại đây và chuyển tới \
Công an xã/phường nơi xảy ra. Bạn có muốn báo tin ngay bây giờ không? (có / không)\n\
Nếu đối tượng vẫn đang ở đó hoặc bạn đang gặp nguy hiểm, gọi ngay 113.";

const UNKNOWN_REPLY: &str = "Xin lỗi, tôi chưa có thông tin chắc chắn cho câu hỏi này nên không \
muốn trả lời sai. Bạn vui lòng hỏi trực tiếp Công an xã/phường nơi cư trú (làm việc từ thứ Hai \
đến thứ Sáu và sáng thứ Bảy) hoặc tổng đài hỗ trợ Cổng Dịch vụ công quốc gia 1800 1096.\n\
Nếu đang khẩn cấp: 113 (công an), 114 (cứu hỏa, cứu nạn), 115 (cấp cứu).\n\
Tôi có thể giúp về: cư trú (thường trú, tạm trú, lưu trú), thẻ căn cước, VNeID, hộ chiếu, \
đăng ký xe, phạt giao thông, lý lịch tư pháp, mất giấy tờ, phòng cháy chữa cháy, báo tin tội \
phạm và lừa đảo.";

impl Assistant {
    /// An assistant over a knowledge base, with no phraser and no address resolver.
    pub fn new(kb: KnowledgeBase) -> Assistant {
        // Train the decline model now rather than in the first citizen's turn.
        crate::decline_model::warm();
        crate::report_model::warm();
        Assistant {
            loaded: RwLock::new(load(kb)),
            conversations: ConversationStore::default(),
            phraser: None,
            resolver: None,
            thresholds: Thresholds::default(),
            max_message_chars: 2000,
        }
    }

    /// An assistant configured from the environment: with the `llm` feature and
    /// `BINHYEN_LLM_URL` set, answers are phrased by that endpoint (see `llm`); otherwise
    /// everything stays offline.
    pub fn from_env(kb: KnowledgeBase) -> Assistant {
        let assistant = Assistant::new(kb);
        #[cfg(feature = "llm")]
        if let Some(p) = crate::llm::HttpPhraser::from_env() {
            return assistant.with_phraser(Box::new(p));
        }
        assistant
    }

    /// Whether answers go through a phraser.
    pub fn has_phraser(&self) -> bool {
        self.phraser.is_some()
    }

    /// Uses a phraser for answers (emergencies and declines never go through it).
    pub fn with_phraser(mut self, phraser: Box<dyn Phraser>) -> Assistant {
        self.phraser = Some(phraser);
        self
    }

    /// Uses an address resolver during report intake and operator mode.
    pub fn with_resolver(mut self, resolver: Box<dyn AddressResolver>) -> Assistant {
        self.resolver = Some(resolver);
        self
    }

    /// Replaces the answer thresholds.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Assistant {
        self.thresholds = thresholds;
        self
    }

    /// Replaces the conversation store (e.g. with another expiry).
    pub fn with_conversations(mut self, store: ConversationStore) -> Assistant {
        self.conversations = store;
        self
    }

    fn current(&self) -> Arc<Loaded> {
        // The lock only guards a pointer swap; a poisoned lock still holds a valid Arc.
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Reloads the knowledge base from the directory it was loaded from. On error the current
    /// base stays in service and the error names the file and line. Returns the article count.
    pub fn reload(&self) -> Result<usize, KbError> {
        let dir = self.current().kb.dir().map(|d| d.to_path_buf());
        let Some(dir) = dir else {
            return Ok(self.current().kb.len());
        };
        let kb = KnowledgeBase::load_dir(&dir)?;
        let n = kb.len();
        self.replace_kb(kb);
        Ok(n)
    }

    /// Swaps in another knowledge base atomically.
    pub fn replace_kb(&self, kb: KnowledgeBase) {
        let new = load(kb);
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = new;
    }

    /// Number of articles in service.
    pub fn article_count(&self) -> usize {
        self.current().kb.len()
    }

    /// A copy of the articles in service (for evaluation baselines).
    pub fn articles_snapshot(&self) -> Vec<Article> {
        self.current().kb.articles().to_vec()
    }

    /// An article by id (a copy, since the base may be swapped).
    pub fn article(&self, id: &str) -> Option<Article> {
        self.current().kb.get(id).cloned()
    }

    /// Ranks the articles for a query (retrieval only, no rules).
    pub fn rank(&self, query: &str) -> Vec<Ranked> {
        let loaded = self.current();
        loaded
            .index
            .search(query)
            .into_iter()
            .map(|h| Ranked {
                id: loaded.kb.articles()[h.doc].id.clone(),
                score: h.score,
                coverage: h.coverage,
            })
            .collect()
    }

    /// Analyses a hotline call transcript.
    pub fn operator(&self, req: &OperatorRequest) -> OperatorSuggestion {
        operator::suggest(req, self.resolver.as_deref())
    }

    /// The report a conversation would file if the citizen confirmed it now, with what has
    /// been collected so far (`None` when no report is being taken).
    pub fn report_preview(&self, conversation_id: &str, now: DateTime<Utc>) -> Option<ReportDraft> {
        match self.conversations.get(conversation_id, now) {
            ConversationState::Intake(intake) | ConversationState::ReportOffered(intake) => {
                intake.preview().map(|mut d| {
                    d.occurred_at = d
                        .occurred_at_text
                        .as_deref()
                        .and_then(|t| crate::report::resolve_time(t, now));
                    d
                })
            }
            _ => None,
        }
    }

    /// Answers one chat message at time `now`.
    pub fn chat(&self, req: &ChatRequest, now: DateTime<Utc>) -> ChatOutcome {
        let conversation_id = req
            .conversation_id
            .clone()
            .filter(|id| !id.is_empty() && id.len() <= 128)
            .unwrap_or_else(ConversationStore::new_id);
        let message: String = req.message.chars().take(self.max_message_chars).collect();
        let mut state = self.conversations.get(&conversation_id, now);
        // What the citizen told before this message, if a report starts now.
        let at_rest = matches!(state, ConversationState::Idle | ConversationState::Told(_));
        let earlier = match &mut state {
            ConversationState::Told(told) => std::mem::take(told),
            _ => Vec::new(),
        };
        let tokens = text::analyze(&message);
        let respond = |reply: String, kind: ReplyKind, suggestions: Vec<String>| ChatResponse {
            reply,
            kind,
            emergency_number: None,
            citations: Vec::new(),
            topic: None,
            conversation_id: conversation_id.clone(),
            suggestions,
            report_offered: false,
        };

        // 1–2. Safety rules first. A sign may be told over two messages ("trẻ con chơi ở mép
        // sông" … "vừa có đứa trượt chân xuống, đang bám cành cây"): what was told before is
        // read with this message for an emergency, never for a decline.
        let checked = safety::check(&tokens, &message).or_else(|| {
            if earlier.is_empty() {
                return None;
            }
            let joined = format!("{}. {message}", earlier.join(". "));
            match safety::check(&text::analyze(&joined), &joined) {
                Some(Safety::Emergency(e)) => Some(Safety::Emergency(e)),
                _ => None,
            }
        });
        // A message that opens a matter gets a second reading for a decline; an answer inside
        // a report being taken does not (its details are the report's).
        let checked = checked.or_else(|| {
            at_rest
                .then(|| safety::second_reading(&tokens))
                .flatten()
                .map(Safety::Decline)
        });
        match checked {
            Some(Safety::Emergency(emergency)) => {
                let mut reply = emergency.reply();
                let next_state = match state {
                    ConversationState::Intake(mut intake) => {
                        if intake.step == crate::report::IntakeStep::What {
                            let _ =
                                intake.handle(&message, req.lat, req.lon, self.resolver.as_deref());
                        }
                        if let IntakeReply::Ask { reply: q, .. } = intake.prompt() {
                            reply.push_str("\n\n");
                            reply.push_str(&q);
                        }
                        ConversationState::Intake(intake)
                    }
                    other => {
                        reply.push_str("\n\nSau khi đã gọi, bạn có thể gửi vị trí hoặc địa chỉ để báo tin cho công an: bấm \"Gửi vị trí của tôi\" hoặc nhập địa chỉ.");
                        // A past event offered a report just before is part of the story.
                        let mut before = earlier.clone();
                        if let ConversationState::ReportOffered(offered) = other {
                            before.extend(offered.description);
                        }
                        ConversationState::ReportOffered(Box::new(Intake::from_emergency(
                            &before,
                            &message,
                            emergency.class(),
                        )))
                    }
                };
                self.conversations.set(&conversation_id, next_state, now);
                let mut r = respond(
                    reply,
                    ReplyKind::Emergency,
                    vec!["Gửi vị trí của tôi".into(), "Báo tin cho công an".into()],
                );
                r.emergency_number = Some(emergency.number().to_string());
                return ChatOutcome::Reply(r);
            }
            Some(Safety::Decline(reason)) => {
                return ChatOutcome::Reply(respond(
                    reason.reply().to_string(),
                    ReplyKind::Decline,
                    vec![
                        "Báo tin lừa đảo cho công an".into(),
                        "Quên mật khẩu VNeID".into(),
                    ],
                ));
            }
            None => {}
        }

        // 3. A pending dialogue.
        let mut intake = match state {
            ConversationState::Intake(intake) => Some(intake),
            ConversationState::ReportOffered(intake) => {
                let place = (req.lat.is_some() && req.lon.is_some())
                    || find_coordinates(&message).is_some()
                    || find_location(&message).is_some();
                let short = analyze_len(&message) <= 4;
                let answer = yes_no(&message).filter(|_| short);
                // The citizen goes on telling what happened: keep taking the report. Only a
                // plain "no" or an unrelated question leaves it.
                let goes_on = answer.is_none()
                    && (crate::extract::has_incident_cue(&tokens) || !asks_question(&tokens));
                if place || answer == Some(true) || report_start().any_in(&tokens) || goes_on {
                    Some(intake)
                } else if answer == Some(false) {
                    self.conversations
                        .set(&conversation_id, ConversationState::Idle, now);
                    return ChatOutcome::Reply(respond(
                        "Đã rõ, tôi không gửi tin báo. Nếu cần hỗ trợ khẩn cấp, hãy gọi 113 (công an), 114 (cứu hỏa, cứu nạn) hoặc 115 (cấp cứu).".into(),
                        ReplyKind::Report,
                        Vec::new(),
                    ));
                } else {
                    self.conversations
                        .set(&conversation_id, ConversationState::Idle, now);
                    None
                }
            }
            _ => None,
        };
        // 4. A wish to file a report, or a past event told: how and where to report, and the
        // offer to take it here.
        let wants_report = report_start().any_in(&tokens);
        let asks = asks_question(&tokens);
        let tells_event =
            crate::extract::has_incident_cue(&tokens) && !asks && !safety::is_hypothetical(&tokens);
        if intake.is_none()
            && (asks || !wants_report)
            && ((wants_report && has_event_content(&tokens))
                || tells_event
                || safety::is_past_event(&tokens, &message)
                || (at_rest && crate::report_model::tells_event(&tokens)))
        {
            let offered = Intake::start_after(&earlier, Some(message.as_str()), req.lat, req.lon);
            self.conversations.set(
                &conversation_id,
                ConversationState::ReportOffered(Box::new(offered)),
                now,
            );
            let offer = vec!["Có, báo tin ngay".to_string(), "Không".to_string()];
            // The article that fits ("trình báo ở đâu?", a scam told), then the offer.
            {
                let mut answered = self.answer(&message, &conversation_id, now);
                if answered.kind == ReplyKind::Answer {
                    answered.reply.push_str("\n\n");
                    answered.reply.push_str(REPORT_OFFER);
                    answered.suggestions = offer;
                    answered.report_offered = true;
                    return ChatOutcome::Reply(answered);
                }
            }
            let mut r = respond(PAST_EVENT_REPLY.to_string(), ReplyKind::Report, offer);
            r.report_offered = true;
            return ChatOutcome::Reply(r);
        }
        if intake.is_none() && wants_report && !asks {
            let description = has_event_content(&tokens).then_some(message.as_str());
            let fresh = Intake::start_after(&earlier, description, req.lat, req.lon);
            let reply = fresh.prompt();
            self.conversations.set(
                &conversation_id,
                ConversationState::Intake(Box::new(fresh)),
                now,
            );
            return ChatOutcome::Reply(self.intake_response(reply, &conversation_id));
        }
        if let Some(mut current) = intake.take() {
            let step_reply = current.handle(&message, req.lat, req.lon, self.resolver.as_deref());
            return match step_reply {
                IntakeReply::Ready(mut draft) => {
                    draft.occurred_at = draft
                        .occurred_at_text
                        .as_deref()
                        .and_then(|t| crate::report::resolve_time(t, now));
                    self.conversations.set(
                        &conversation_id,
                        ConversationState::AwaitingReference(current),
                        now,
                    );
                    ChatOutcome::ReportReady {
                        response: respond(
                            "Đang gửi tin báo của bạn tới công an…".into(),
                            ReplyKind::Report,
                            Vec::new(),
                        ),
                        draft,
                    }
                }
                IntakeReply::Cancelled => {
                    self.conversations
                        .set(&conversation_id, ConversationState::Idle, now);
                    ChatOutcome::Reply(respond(
                        "Đã hủy tin báo. Bạn có thể bắt đầu lại bất cứ lúc nào.".into(),
                        ReplyKind::Report,
                        Vec::new(),
                    ))
                }
                ask => {
                    self.conversations.set(
                        &conversation_id,
                        ConversationState::Intake(current),
                        now,
                    );
                    ChatOutcome::Reply(self.intake_response(ask, &conversation_id))
                }
            };
        }

        // 5. Knowledge base. A message that tells rather than asks is kept for a report that
        // may follow.
        let reply = self.answer(&message, &conversation_id, now);
        if at_rest && !asks && analyze_len(&message) >= 3 {
            let mut told = earlier;
            told.push(message);
            if told.len() > crate::conversation::TOLD_KEPT {
                told.remove(0);
            }
            self.conversations
                .set(&conversation_id, ConversationState::Told(told), now);
        }
        ChatOutcome::Reply(reply)
    }

    fn intake_response(&self, reply: IntakeReply, conversation_id: &str) -> ChatResponse {
        let (text, suggestions) = match reply {
            IntakeReply::Ask { reply, suggestions } => (reply, suggestions),
            IntakeReply::Ready(_) | IntakeReply::Cancelled => (String::new(), Vec::new()),
        };
        ChatResponse {
            reply: text,
            kind: ReplyKind::Report,
            emergency_number: None,
            citations: Vec::new(),
            topic: None,
            conversation_id: conversation_id.to_string(),
            suggestions,
            report_offered: false,
        }
    }

    /// Whether the best hit is relevant enough to answer.
    fn confident(&self, hit: &Hit) -> bool {
        let t = &self.thresholds;
        hit.score >= t.min_score
            && (hit.coverage >= t.min_coverage
                || (hit.score >= t.strong_score && hit.coverage >= t.min_coverage_strong))
    }

    fn answer(&self, message: &str, conversation_id: &str, now: DateTime<Utc>) -> ChatResponse {
        let loaded = self.current();
        let hits = loaded.index.search(message);
        let mut response = ChatResponse {
            reply: UNKNOWN_REPLY.to_string(),
            kind: ReplyKind::Unknown,
            emergency_number: None,
            citations: Vec::new(),
            topic: None,
            conversation_id: conversation_id.to_string(),
            suggestions: vec![
                "Đăng ký tạm trú".into(),
                "Làm thẻ căn cước".into(),
                "Báo tin cho công an".into(),
            ],
            report_offered: false,
        };
        let Some(best_hit) = hits.first().filter(|h| self.confident(h)) else {
            return response;
        };
        let articles = loaded.kb.articles();
        let best = &articles[best_hit.doc];
        let close: Vec<&Article> = hits
            .iter()
            .skip(1)
            .take(2)
            .filter(|h| h.score >= best_hit.score * self.thresholds.close_ratio)
            .map(|h| &articles[h.doc])
            .collect();
        let today = local_date(now);
        response.reply = answer::compose(message, best, &close, self.phraser.as_deref(), today);
        response.kind = ReplyKind::Answer;
        response.topic = Some(best.id.clone());
        response.citations = vec![answer::citation(best)];
        let mut suggestions: Vec<String> = Vec::new();
        for a in close
            .iter()
            .copied()
            .chain(best.related.iter().filter_map(|id| loaded.kb.get(id)))
        {
            let s = a.prompt.clone().unwrap_or_else(|| a.title.clone());
            if a.id != best.id && !suggestions.contains(&s) {
                suggestions.push(s);
            }
        }
        suggestions.truncate(3);
        response.suggestions = suggestions;
        response
    }

    /// Completes a confirmed report with the reference number the server created.
    pub fn confirm_report(
        &self,
        conversation_id: &str,
        reference: &str,
        now: DateTime<Utc>,
    ) -> ChatResponse {
        self.confirm_filed_report(conversation_id, reference, None, now)
    }

    /// Completes a confirmed report with its number and, when the server issued one, the
    /// lookup reference the citizen follows it with (the number alone does not look it up).
    pub fn confirm_filed_report(
        &self,
        conversation_id: &str,
        reference: &str,
        lookup_reference: Option<&str>,
        now: DateTime<Utc>,
    ) -> ChatResponse {
        let phone = match self.conversations.get(conversation_id, now) {
            ConversationState::AwaitingReference(intake) => intake.phone.clone(),
            _ => None,
        };
        self.conversations
            .set(conversation_id, ConversationState::Idle, now);
        let lookup = match (lookup_reference, phone) {
            (Some(code), Some(p)) => format!(
                " Mã tra cứu tình trạng: {code} (hãy lưu lại và không chia sẻ; mã chỉ hiện một lần). Bạn có thể tra cứu tình trạng tin báo bằng mã tra cứu này và số điện thoại {p}."
            ),
            (Some(code), None) => format!(
                " Mã tra cứu tình trạng: {code} (hãy lưu lại và không chia sẻ; mã chỉ hiện một lần). Bạn có thể tra cứu tình trạng tin báo bằng mã tra cứu này."
            ),
            (None, _) => String::new(),
        };
        ChatResponse {
            reply: format!(
                "Đã tiếp nhận tin báo của bạn. Mã số tin báo: {reference}.{lookup}\nCông an có thể liên hệ lại với bạn. Nếu tình huống trở nên nguy hiểm, hãy gọi ngay 113 (công an), 114 (cứu hỏa, cứu nạn) hoặc 115 (cấp cứu)."
            ),
            kind: ReplyKind::Report,
            emergency_number: None,
            citations: Vec::new(),
            topic: None,
            conversation_id: conversation_id.to_string(),
            suggestions: Vec::new(),
            report_offered: false,
        }
    }

    /// The report could not be filed: the summary is kept so the citizen can try again.
    pub fn report_failed(&self, conversation_id: &str, now: DateTime<Utc>) -> ChatResponse {
        let state = self.conversations.get(conversation_id, now);
        let reply = match state {
            ConversationState::AwaitingReference(mut intake) => {
                intake.step = crate::report::IntakeStep::Confirm;
                self.conversations
                    .set(conversation_id, ConversationState::Intake(intake), now);
                "Xin lỗi, hệ thống chưa gửi được tin báo. Bạn trả lời \"có\" để thử gửi lại, hoặc gọi 113 nếu việc gấp."
            }
            _ => "Xin lỗi, hệ thống chưa gửi được tin báo. Nếu việc gấp, hãy gọi 113.",
        };
        ChatResponse {
            reply: reply.to_string(),
            kind: ReplyKind::Report,
            emergency_number: None,
            citations: Vec::new(),
            topic: None,
            conversation_id: conversation_id.to_string(),
            suggestions: vec!["Có, gửi lại".into(), "Hủy".into()],
            report_offered: false,
        }
    }

    /// Drops expired conversations; call it now and then (e.g. every minute).
    pub fn purge_conversations(&self, now: DateTime<Utc>) -> usize {
        self.conversations.purge(now)
    }
}

#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Assistant>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ChatOutcome;
    use crate::error::PhraseError;
    use crate::extract::{CrimeSubType, IncidentType};
    use std::path::PathBuf;

    fn kb_dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/kb"))
    }

    fn bot() -> Assistant {
        Assistant::new(KnowledgeBase::load_dir(kb_dir()).unwrap())
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn say(bot: &Assistant, conv: &str, msg: &str) -> ChatOutcome {
        bot.chat(&ChatRequest::new(msg).in_conversation(conv), now())
    }

    #[test]
    fn answers_carry_citation_topic_and_suggestions() {
        let b = bot();
        let r = b
            .chat(&ChatRequest::new("dk tam tru can giay to gi"), now())
            .into_response();
        assert_eq!(r.kind, ReplyKind::Answer);
        assert_eq!(r.topic.as_deref(), Some("tam-tru"));
        assert!(r.reply.contains("3 ngày làm việc"));
        assert!(r.reply.contains("Căn cứ: Luật Cư trú 68/2020/QH14"));
        assert_eq!(r.citations.len(), 1);
        assert!(r.citations[0].source.contains("1.004194"));
        assert!(!r.suggestions.is_empty());
        assert_eq!(r.conversation_id.len(), 32);
    }

    #[test]
    fn unknown_questions_point_to_the_commune_police() {
        let r = bot()
            .chat(&ChatRequest::new("giá vàng hôm nay bao nhiêu"), now())
            .into_response();
        assert_eq!(r.kind, ReplyKind::Unknown);
        assert!(r.reply.contains("Công an xã/phường"));
        assert!(r.citations.is_empty());
    }

    #[test]
    fn report_intake_end_to_end() {
        let b = bot();
        let conv = "conv-report";
        let r = say(&b, conv, "Tôi muốn trình báo").into_response();
        assert_eq!(r.kind, ReplyKind::Report);
        assert!(r.reply.contains("sự việc gì"));
        let r = say(&b, conv, "xe máy của tôi bị trộm mất ở bãi gửi xe").into_response();
        assert!(r.reply.contains("ở đâu"), "{}", r.reply);
        let r = say(&b, conv, "số 5 ngõ 2 phố Huế, phường Hai Bà Trưng").into_response();
        assert!(r.reply.contains("lúc nào"), "{}", r.reply);
        let r = say(&b, conv, "khoảng 9 giờ tối qua").into_response();
        assert!(r.reply.contains("số điện thoại"), "{}", r.reply);
        let r = say(&b, conv, "0903 123 456").into_response();
        assert!(r.reply.contains("Gửi tin báo này"), "{}", r.reply);
        let out = say(&b, conv, "có");
        let draft = out.draft().cloned().expect("report ready");
        assert_eq!(out.response().kind, ReplyKind::Report);
        assert_eq!(draft.incident_type, IncidentType::Crime);
        assert_eq!(draft.sub_type, Some(CrimeSubType::Theft));
        assert_eq!(draft.phone.as_deref(), Some("0903123456"));
        assert_eq!(
            draft.address_text.as_deref(),
            Some("số 5 ngõ 2 phố Huế, phường Hai Bà Trưng")
        );
        assert_eq!(
            draft.occurred_at_text.as_deref(),
            Some("khoảng 9 giờ tối qua")
        );
        let done = b.confirm_filed_report(
            conv,
            "HN-2026-000123",
            Some("7K3M-Q9XA-2HDF-W8RC-B1TN"),
            now(),
        );
        assert!(done.reply.contains("HN-2026-000123"));
        assert!(done.reply.contains("7K3M-Q9XA-2HDF-W8RC-B1TN"));
        assert!(done.reply.contains("0903123456"));
        // The conversation is idle again: a question is answered normally.
        let r = say(&b, conv, "lam the can cuoc lan dau o dau").into_response();
        assert_eq!(r.kind, ReplyKind::Answer);
    }

    #[test]
    fn what_was_told_before_a_report_is_part_of_it() {
        let b = bot();
        let conv = "conv-told";
        // Told, not asked: no report yet, but kept.
        say(&b, conv, "sáng nay bà nội em đi chợ bị một ông đẩy ngã");
        let r = say(&b, conv, "giờ bà đập đầu chảy máu nhiều lắm").into_response();
        assert_eq!(r.kind, ReplyKind::Emergency);
        let draft = b.report_preview(conv, now()).expect("a report is offered");
        assert!(
            draft.description.contains("bị một ông đẩy ngã"),
            "{draft:?}"
        );
        assert!(draft.description.contains("chảy máu"), "{draft:?}");
        assert_eq!(draft.occurred_at_text.as_deref(), Some("sáng nay"));
    }

    #[test]
    fn a_sign_told_over_two_messages_is_an_emergency() {
        let b = bot();
        let conv = "conv-two-messages";
        let r = say(&b, conv, "mấy đứa trẻ đang chơi ở mép sông").into_response();
        assert_ne!(r.kind, ReplyKind::Emergency);
        let r = say(
            &b,
            conv,
            "vừa có một đứa trượt chân xuống, đang bám cành cây",
        )
        .into_response();
        assert_eq!(r.kind, ReplyKind::Emergency);
        assert_eq!(r.emergency_number.as_deref(), Some("114"));
        // A question in between is no part of a story.
        let b = bot();
        say(&b, "conv-q", "đăng ký tạm trú cần giấy tờ gì");
        let r = say(&b, "conv-q", "vừa có một đứa trượt chân xuống").into_response();
        assert_ne!(r.kind, ReplyKind::Emergency);
    }

    #[test]
    fn an_indefinite_is_not_a_question_and_a_name_is_not_a_cancel() {
        let b = bot();
        let conv = "conv-offer";
        let r = say(&b, conv, "con em bị mất xe đạp ở trường").into_response();
        assert!(r.report_offered, "{}", r.reply);
        // Neither yes nor no, and "hỏi gì cũng không biết" asks nothing: the report goes on.
        let r = say(
            &b,
            conv,
            "để ở nhà xe trường THCS Huy Văn, bảo vệ hỏi gì cũng không biết",
        )
        .into_response();
        assert!(!r.reply.contains("Đã hủy"), "{}", r.reply);
        let draft = b
            .report_preview(conv, now())
            .expect("still taking the report");
        assert!(draft.description.contains("Huy Văn"), "{draft:?}");
    }

    #[test]
    fn an_address_given_for_the_phone_is_taken_without_a_format_error() {
        let b = bot();
        let conv = "conv-phone";
        say(
            &b,
            conv,
            "tôi muốn báo tin xe máy bị trộm ở ngõ 5 Láng Hạ tối qua",
        );
        let r = say(&b, conv, "ngõ 12 Đội Cung").into_response();
        assert!(!r.reply.contains("chưa đúng định dạng"), "{}", r.reply);
    }

    #[test]
    fn failed_filing_keeps_the_report_for_a_retry() {
        let b = bot();
        let conv = "conv-retry";
        say(
            &b,
            conv,
            "tôi muốn báo tin có nhóm thanh niên đua xe ở đường Võ Chí Công lúc 23h, số 0988111222",
        );
        let out = say(&b, conv, "đồng ý");
        assert!(out.draft().is_some());
        let r = b.report_failed(conv, now());
        assert!(r.reply.contains("thử gửi lại"));
        assert!(say(&b, conv, "có").draft().is_some());
    }

    #[test]
    fn emergency_reply_offers_a_report_and_location_starts_it() {
        let b = bot();
        let conv = "conv-fire";
        let r = say(&b, conv, "chay nha roi cuu voi").into_response();
        assert_eq!(r.kind, ReplyKind::Emergency);
        assert_eq!(r.emergency_number.as_deref(), Some("114"));
        assert!(r.reply.starts_with("GỌI NGAY 114"));
        assert!(r.suggestions.iter().any(|s| s.contains("vị trí")));
        let mut req = ChatRequest::new("Gửi vị trí của tôi").in_conversation(conv);
        req.lat = Some(21.0285);
        req.lon = Some(105.8542);
        let r = b.chat(&req, now()).into_response();
        assert_eq!(r.kind, ReplyKind::Report);
        assert!(r.reply.contains("số điện thoại"), "{}", r.reply);
        let r = say(&b, conv, "0912345678").into_response();
        assert!(r.reply.contains("Cháy"), "{}", r.reply);
        let draft = say(&b, conv, "ok").draft().cloned().unwrap();
        assert_eq!(draft.incident_type, IncidentType::Fire);
        assert_eq!(draft.lat, Some(21.0285));
    }

    #[test]
    fn the_decline_model_reads_a_new_matter_but_not_a_report_being_taken() {
        // Worded so that no decline rule matches it; the model reads it as a request for
        // other people's data.
        let ask = "trong khu tro co anh nguoi nuoc ngoai, ad cho em xem so ho chieu voi visa cua anh ta duoc khong";
        let tokens = text::analyze(ask);
        assert_eq!(safety::check(&tokens, ask), None);
        let b = bot();
        let r = say(&b, "conv-model", ask).into_response();
        assert_eq!(r.kind, ReplyKind::Decline, "{}", r.reply);
        // The same words as a detail of a report being taken stay in the report.
        let conv = "conv-model-report";
        say(&b, conv, "tôi muốn báo tin");
        let r = say(&b, conv, ask).into_response();
        assert_ne!(r.kind, ReplyKind::Decline, "{}", r.reply);
    }

    #[test]
    fn a_story_the_rules_miss_is_offered_a_report_and_a_match_score_is_not() {
        let b = bot();
        // No past-event rule reads this; the report model does.
        let story =
            "bố em bị người ta gọi điện dọa nạt đòi tiền mấy hôm nay, có cần làm đơn không ạ";
        let tokens = text::analyze(story);
        assert!(!safety::is_past_event(&tokens, story));
        let r = say(&b, "conv-story", story).into_response();
        assert!(r.report_offered, "{}", r.reply);
        // Time words alone are no story.
        let r = say(&b, "conv-score", "tỉ số trận đấu bóng đá tối qua thế nào").into_response();
        assert!(!r.report_offered, "{}", r.reply);
    }

    #[test]
    fn emergency_inside_intake_keeps_the_intake() {
        let b = bot();
        let conv = "conv-mixed";
        say(&b, conv, "tôi muốn báo tin");
        let r = say(&b, conv, "có người đang cầm dao đánh nhau ngoài đầu ngõ").into_response();
        assert_eq!(r.kind, ReplyKind::Emergency);
        assert_eq!(r.emergency_number.as_deref(), Some("113"));
        assert!(r.reply.contains("ở đâu"), "{}", r.reply);
        let r = say(&b, conv, "ngõ 15 phố Chùa Láng").into_response();
        assert_eq!(r.kind, ReplyKind::Report);
    }

    #[test]
    fn declines_never_reach_the_phraser_and_answers_fall_back() {
        struct Panicking;
        impl Phraser for Panicking {
            fn phrase(&self, _: &answer::Prompt) -> Result<String, PhraseError> {
                panic!("the phraser must not see declines or emergencies")
            }
        }
        let b = bot().with_phraser(Box::new(Panicking));
        let r = b
            .chat(&ChatRequest::new("đọc mã OTP cho anh công an"), now())
            .into_response();
        assert_eq!(r.kind, ReplyKind::Decline);
        assert!(r.reply.contains("LỪA ĐẢO"));
        let r = b
            .chat(&ChatRequest::new("cứu tôi với có người đuối nước"), now())
            .into_response();
        assert_eq!(r.kind, ReplyKind::Emergency);

        struct Down;
        impl Phraser for Down {
            fn phrase(&self, _: &answer::Prompt) -> Result<String, PhraseError> {
                Err(PhraseError::Transport("connection refused".into()))
            }
        }
        let b = bot().with_phraser(Box::new(Down));
        let r = b
            .chat(&ChatRequest::new("quên mật khẩu vneid"), now())
            .into_response();
        assert_eq!(r.kind, ReplyKind::Answer);
        assert!(r.reply.contains("OTP"));
        assert!(r.reply.contains("Căn cứ:"));
    }

    #[test]
    fn conversations_expire() {
        let b = bot().with_conversations(ConversationStore::new(Duration::minutes(5), 100));
        let conv = "conv-expiry";
        say(&b, conv, "tôi muốn báo tin");
        let later = now() + Duration::minutes(6);
        let r = b
            .chat(
                &ChatRequest::new("quên mật khẩu vneid").in_conversation(conv),
                later,
            )
            .into_response();
        assert_eq!(r.kind, ReplyKind::Answer);
        assert_eq!(b.purge_conversations(later), 0);
    }

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("binhyen-kb-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn reload_swaps_atomically_and_keeps_the_old_base_on_error() {
        let dir = scratch_dir("reload");
        for f in ["t02-tam-tru.md", "t29-so-khan-cap.md"] {
            let text = std::fs::read_to_string(kb_dir().join(f)).unwrap();
            // Drop `related` lines: the other articles are not in this scratch base.
            let text: String = text
                .lines()
                .filter(|l| !l.starts_with("related:"))
                .map(|l| format!("{l}\n"))
                .collect();
            std::fs::write(dir.join(f), text).unwrap();
        }
        let b = Assistant::new(KnowledgeBase::load_dir(&dir).unwrap());
        assert_eq!(b.article_count(), 2);
        std::fs::write(
            dir.join("t99-bad.md"),
            "---\nid: bad\ntopic: T99\ntitle: x\nlegal_basis: y\nchecked: hôm qua\n---\nbody\n",
        )
        .unwrap();
        let err = b.reload().unwrap_err().to_string();
        assert!(err.contains("t99-bad.md:6"), "{err}");
        assert_eq!(b.article_count(), 2);
        let r = b
            .chat(&ChatRequest::new("đăng ký tạm trú"), now())
            .into_response();
        assert_eq!(r.topic.as_deref(), Some("tam-tru"));
        std::fs::write(
            dir.join("t99-bad.md"),
            "---\nid: ho-chieu\ntopic: T19\ntitle: Hộ chiếu\nlegal_basis: Luật 49/2019/QH14\nchecked: 2026-11-26\n---\nLệ phí 200.000 đồng.\n",
        )
        .unwrap();
        assert_eq!(b.reload().unwrap(), 3);
        let r = b
            .chat(&ChatRequest::new("lệ phí hộ chiếu"), now())
            .into_response();
        assert_eq!(r.topic.as_deref(), Some("ho-chieu"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn shared_across_threads() {
        let b = Arc::new(bot());
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let b = Arc::clone(&b);
                std::thread::spawn(move || {
                    let q = if i % 2 == 0 {
                        "dang ky tam tru"
                    } else {
                        "chay nha cuu voi"
                    };
                    b.chat(&ChatRequest::new(q), now()).into_response().kind
                })
            })
            .collect();
        let kinds: Vec<ReplyKind> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            kinds,
            vec![
                ReplyKind::Answer,
                ReplyKind::Emergency,
                ReplyKind::Answer,
                ReplyKind::Emergency
            ]
        );
        b.replace_kb(KnowledgeBase::load_dir(kb_dir()).unwrap());
    }

    #[test]
    fn expired_validity_adds_a_warning() {
        let b = bot();
        let mut kb_articles = b.articles_snapshot();
        for a in &mut kb_articles {
            if a.id == "phat-nguoi" {
                a.valid_until = chrono::NaiveDate::from_ymd_opt(2026, 1, 1);
            }
        }
        b.replace_kb(KnowledgeBase::from_articles(kb_articles).unwrap());
        let r = b
            .chat(&ChatRequest::new("tra cứu phạt nguội ở đâu"), now())
            .into_response();
        assert_eq!(r.topic.as_deref(), Some("phat-nguoi"));
        assert!(r.reply.contains("có thể đã thay đổi"));
    }
}
