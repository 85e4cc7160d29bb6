//! Report intake: a short dialogue that collects what happened, where (address text or
//! coordinates), when, and a contact phone, shows a summary to confirm, and yields a
//! [`ReportDraft`]. Facts given early (an address or phone inside the first message) are
//! picked up at once, so nobody is asked twice.

use crate::api::ReportDraft;
use crate::extract::{
    classify, find_coordinates, find_location, find_phone, AddressResolver, CrimeSubType,
    IncidentType,
};
use crate::safety::EmergencyClass;
use crate::text::{analyze, PhraseSet, Token};

/// The question the intake is waiting for an answer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntakeStep {
    /// What happened.
    #[default]
    What,
    /// Where.
    Where,
    /// When.
    When,
    /// Contact phone.
    Phone,
    /// Confirm the summary.
    Confirm,
    /// Which part to correct.
    Edit,
}

/// A report being collected.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Intake {
    /// Current step.
    pub step: IntakeStep,
    /// What happened.
    pub description: Option<String>,
    /// Incident type (from the description, or from the emergency that started the report).
    pub incident_type: Option<IncidentType>,
    /// Crime sub-type.
    pub sub_type: Option<CrimeSubType>,
    /// Address as given.
    pub address_text: Option<String>,
    /// Unit found by the resolver.
    pub unit: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// When, as given.
    pub occurred_at_text: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// How many addresses were not understood in a row.
    pub address_attempts: u8,
    /// The citizen asked to stay anonymous or declined to give a phone.
    pub anonymous: bool,
    /// How many answers to "when?" carried no time.
    pub time_attempts: u8,
}

/// What the intake says after a message.
#[derive(Debug, Clone, PartialEq)]
pub enum IntakeReply {
    /// Ask the next question.
    Ask {
        /// The text.
        reply: String,
        /// Quick replies.
        suggestions: Vec<String>,
    },
    /// Confirmed: file this.
    Ready(ReportDraft),
    /// The citizen cancelled.
    Cancelled,
}

/// Words that end the intake.
fn cancel_words() -> &'static PhraseSet {
    static SET: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "hủy",
            "huỷ",
            "thôi không báo",
            "không báo nữa",
            "dừng lại",
            "bỏ qua",
            "không gửi",
            "không cần nữa",
            "cancel",
        ])
    })
}

/// Whether a reply means yes, no, or neither.
pub fn yes_no(message: &str) -> Option<bool> {
    static NO: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    static YES: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    let tokens = analyze(message);
    let no = NO.get_or_init(|| {
        PhraseSet::new(&[
            "không",
            "sai",
            "sửa",
            "chưa đúng",
            "chưa",
            "no",
            "khoan",
            "đợi",
        ])
    });
    let yes = YES.get_or_init(|| {
        PhraseSet::new(&[
            "có",
            "đúng",
            "ok",
            "oke",
            "okay",
            "ừ",
            "uh",
            "ừm",
            "vâng",
            "dạ",
            "đồng ý",
            "xác nhận",
            "gửi",
            "chuẩn",
            "yes",
            "được",
            "chính xác",
            "gửi đi",
            "báo đi",
        ])
    });
    if no.any_in(&tokens) {
        Some(false)
    } else if yes.any_in(&tokens) {
        Some(true)
    } else {
        None
    }
}

/// When the event happened, from time words in the text.
pub fn find_time(text: &str) -> Option<String> {
    static NOW: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    static JUST: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    static CUES: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    let tokens = analyze(text);
    let now = NOW.get_or_init(|| {
        PhraseSet::new(&[
            "đang",
            "ngay bây giờ",
            "bây giờ",
            "lúc này",
            "hiện giờ",
            "hiện tại",
        ])
    });
    let just = JUST.get_or_init(|| PhraseSet::new(&["vừa xong", "vừa mới", "vừa", "mới xảy ra"]));
    let cues = CUES.get_or_init(|| {
        PhraseSet::new(&[
            "lúc",
            "vào lúc",
            "khoảng",
            "hôm qua",
            "tối qua",
            "đêm qua",
            "sáng nay",
            "chiều nay",
            "tối nay",
            "trưa nay",
            "đêm nay",
            "hôm kia",
            "tuần trước",
            "hôm nay",
            "sáng qua",
            "chiều qua",
            "rạng sáng",
            "tầm",
            "hồi sáng",
            "hồi chiều",
            "hồi tối",
            "hôm thứ",
            "tối thứ",
            "sáng thứ",
            "chiều thứ",
            "đêm thứ",
            "chủ nhật",
            "tuần này",
            "tháng trước",
            "năm ngoái",
            "cách đây",
            "mấy hôm trước",
            "hôm nọ",
            "hôm trước",
            "trưa qua",
            "nửa đêm",
        ])
    });
    let spans = time_spans(text);
    if !spans.is_empty() {
        return Some(spans.join(", "));
    }
    let _ = cues;
    if let Some(clock) = text.split_whitespace().find(|w| is_clock(w)) {
        return Some(format!("lúc {}", clock.trim_end_matches([',', '.'])));
    }
    if just.any_in(&tokens) {
        return Some("vừa xảy ra".to_string());
    }
    if now.any_in(&tokens) {
        return Some("đang diễn ra".to_string());
    }
    None
}

/// The time expressions of a text, as told: runs of time words ("tối hôm qua", "khoảng 9h
/// tối", "sáng thứ 3", "lúc 2 giờ 30", "20/10") that name a day, a clock time or a date.
fn time_spans(text: &str) -> Vec<String> {
    const WORDS: &[&str] = &[
        "tối", "sáng", "chiều", "trưa", "đêm", "khuya", "rạng", "hôm", "qua", "nay", "kia",
        "trước", "nửa", "tuần", "tháng", "năm", "ngoái", "thứ", "chủ", "nhật", "lúc", "vào",
        "khoảng", "tầm", "giờ", "phút", "rưỡi", "cách", "đây", "hồi", "nọ", "này", "đến", "từ",
        "hai", "ba", "bốn", "tư", "sáu", "bảy", "tám", "chín", "mười", "một", "mốt", "mấy", "hơn",
        "gần", "độ", "chừng", "ngày", "đầu", "cuối", "sớm", "muộn", "tết", "nãy", "nào", "hàng",
        "mỗi", "bữa", "vừa", "rồi", "sau",
    ];
    const ANCHORS: &[&str] = &["ngoái", "nọ", "tết", "nãy"];
    /// Words that name a day or a part of it, folded.
    const DAYPART: &[&str] = &[
        "hom", "toi", "sang", "chieu", "trua", "dem", "bua", "tuan", "thang", "nam", "khuya",
    ];
    let pattern: Vec<Token> = WORDS.iter().map(|w| Token::new(w)).collect();
    let anchors: Vec<Token> = ANCHORS.iter().map(|w| Token::new(w)).collect();
    let words: Vec<(&str, Option<Token>)> = text
        .split_whitespace()
        .map(|w| {
            let clean = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '/' && c != ':');
            (clean, crate::text::analyze_plain(clean).into_iter().next())
        })
        .collect();
    let numeric = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_digit() || c == '/' || c == ':')
            && w.chars().any(|c| c.is_ascii_digit())
    };
    let is_time = |(w, t): &(&str, Option<Token>)| {
        numeric(w)
            || is_clock(w)
            || t.as_ref()
                .is_some_and(|t| pattern.iter().any(|p| t.matches(p)))
    };
    let anchored = |run: &[(&str, Option<Token>)]| {
        run.iter().any(|(w, t)| {
            is_clock(w)
                || w.contains('/')
                || t.as_ref()
                    .is_some_and(|t| anchors.iter().any(|a| t.matches(a)))
        }) || run.windows(2).any(|p| {
            // "lúc 9", "9 giờ", "thứ 3", "chủ nhật", "tuần trước", "tháng trước"
            let f = |i: usize| p[i].1.as_ref().map(|t| t.fold.clone()).unwrap_or_default();
            (f(0) == "luc" && numeric(p[1].0))
                || (numeric(p[0].0) && f(1) == "gio")
                || (f(0) == "thu" && (numeric(p[1].0) || !f(1).is_empty() && f(1) != "thu"))
                || (f(0) == "chu" && f(1) == "nhat")
                || (f(0) == "cach" && f(1) == "day")
                || (DAYPART.contains(&f(0).as_str())
                    && matches!(
                        f(1).as_str(),
                        "qua" | "nay" | "kia" | "truoc" | "nao" | "roi" | "sau"
                    ))
                || (matches!(f(0).as_str(), "moi" | "hang") && DAYPART.contains(&f(1).as_str()))
                || ((f(0) == "tuan" || f(0) == "thang") && f(1) == "truoc")
        })
    };
    let mut spans: Vec<String> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if !is_time(&words[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < words.len() && is_time(&words[i]) {
            i += 1;
        }
        let run = &words[start..i];
        if anchored(run) {
            let told = run.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
            if !spans.contains(&told) {
                spans.push(told);
            }
        }
    }
    spans
}

/// Whether a word is a clock time: "9h", "22h30", "9g", "21:15", or a span of them: "9-10h",
/// "21h-22h", "1-2h".
fn is_clock(word: &str) -> bool {
    let w = word.trim_end_matches([',', '.', ';']).to_lowercase();
    if let Some((from, to)) = w.split_once('-') {
        let hour = |s: &str| {
            !s.is_empty()
                && s.len() <= 2
                && s.chars().all(|c| c.is_ascii_digit())
                && s.parse::<u32>().is_ok_and(|h| h < 24)
        };
        return (is_clock(to) || hour(to)) && (is_clock(from) || hour(from)) && {
            // At least one side says it is an hour ("9-10h", not "9-10").
            is_clock(to) || is_clock(from)
        };
    }
    let (hours, rest) = match w.find(['h', 'g', ':']) {
        Some(i) => (&w[..i], &w[i + 1..]),
        None => return false,
    };
    !hours.is_empty()
        && hours.len() <= 2
        && hours.chars().all(|c| c.is_ascii_digit())
        && hours.parse::<u32>().is_ok_and(|h| h < 24)
        && rest.chars().all(|c| c.is_ascii_digit())
        && rest.len() <= 2
}

/// The moment a time as told points to, against `now` (Vietnam time, UTC+7): the day from
/// "hôm qua", "hôm kia", "tuần trước"…, the hour from "9h", "lúc 10 giờ" or the part of the
/// day ("sáng", "chiều", "tối", "đêm"). `None` when the words give no day and no hour.
pub fn resolve_time(
    told: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{Duration, NaiveTime, TimeZone};
    let tokens = analyze(told);
    let has = |p: &str| PhraseSet::new(&[p]).any_in(&tokens);
    let offset = chrono::FixedOffset::east_opt(7 * 3600)?;
    let local = now.with_timezone(&offset);
    if has("đang") || has("vừa") || has("bây giờ") {
        return Some(now);
    }
    // Days back and the usual hour of a part of the day, most specific first.
    const DAYS: [(&str, i64); 9] = [
        ("hôm kia", 2),
        ("hôm qua", 1),
        ("tối qua", 1),
        ("đêm qua", 1),
        ("sáng qua", 1),
        ("chiều qua", 1),
        ("trưa qua", 1),
        ("tuần trước", 7),
        ("nay", 0),
    ];
    const PARTS: [(&str, u32); 6] = [
        ("rạng sáng", 4),
        ("sáng", 8),
        ("trưa", 12),
        ("chiều", 15),
        ("tối", 20),
        ("đêm", 23),
    ];
    let days_back = DAYS.iter().find(|(p, _)| has(p)).map(|(_, d)| *d);
    let part_hour = PARTS.iter().find(|(p, _)| has(p)).map(|(_, h)| *h);
    let afternoon = has("chiều") || has("tối") || has("đêm");
    let clock = told
        .split_whitespace()
        .find(|w| is_clock(w))
        .and_then(|w| {
            let w = w.trim_end_matches([',', '.', ';']).to_lowercase();
            let i = w.find(['h', 'g', ':'])?;
            let h: u32 = w[..i].parse().ok()?;
            let m: u32 = w[i + 1..].parse().unwrap_or(0);
            Some((h, m))
        })
        .or_else(|| {
            // "10 giờ", "lúc 9 giờ 30"
            tokens.windows(2).find_map(|p| {
                let h: u32 = p[0].fold.parse().ok()?;
                (p[1].fold == "gio" && h < 24).then_some((h, 0))
            })
        })
        .map(|(h, m)| {
            if afternoon && h < 12 {
                (h + 12, m)
            } else {
                (h, m)
            }
        });
    if days_back.is_none() && clock.is_none() {
        return None;
    }
    let day = local.date_naive() - Duration::days(days_back.unwrap_or(0));
    let (h, m) = clock.or(part_hour.map(|h| (h, 0))).unwrap_or((0, 0));
    let time = NaiveTime::from_hms_opt(h.min(23), m.min(59), 0)?;
    let at = offset
        .from_local_datetime(&day.and_time(time))
        .single()?
        .with_timezone(&chrono::Utc);
    // A clock time later than now, with no day said, was yesterday's.
    Some(if days_back.is_none() && at > now {
        at - Duration::days(1)
    } else {
        at
    })
}

/// Whether the citizen says they do not know when it happened.
fn unsure(message: &str) -> bool {
    static SET: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "không nhớ",
            "không rõ",
            "không biết",
            "chịu",
            "quên rồi",
            "không để ý",
            "lâu rồi",
        ])
    })
    .any_in(&analyze(message))
}

/// Whether the citizen declines to give a contact or asks to stay anonymous.
fn wants_anonymity(message: &str) -> bool {
    static SET: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "ẩn danh",
            "giấu tên",
            "không để lại",
            "không muốn để lại",
            "không cho số",
            "không muốn cho số",
            "không muốn cung cấp",
            "không tiện cho",
            "không tiện để",
            "không muốn lộ",
            "không muốn ai biết",
            "không nêu tên",
            "khỏi cần số",
            "không cần liên lạc",
            "không để số",
            "không để tên",
            "bí mật danh tính",
            "không cho tên",
            "không nói tên",
            "không muốn nói tên",
            "không để lại số điện thoại",
            "giấu số",
            "khỏi để lại",
            "không cần gọi lại",
            "sợ bị trả thù",
            "sợ lộ",
        ])
    })
    .any_in(&analyze(message))
}

/// A name introduced as "tôi tên là …" or "tên tôi là …" (capitalised words after it).
fn find_name(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    for cue in [
        "tôi tên là ",
        "tên tôi là ",
        "tôi tên ",
        "toi ten la ",
        "ten toi la ",
    ] {
        if let Some(pos) = lower.find(cue) {
            let rest = &text[pos + cue.len()..];
            let name: Vec<&str> = rest
                .split_whitespace()
                .take_while(|w| w.chars().next().is_some_and(char::is_uppercase))
                .take(5)
                .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()))
                .collect();
            if !name.is_empty() {
                return Some(name.join(" "));
            }
        }
    }
    None
}

/// Whether a message holds a try at a phone number: a run of digits that starts like one
/// ("0912…", "+84…"), whether or not it is complete.
fn tries_a_phone(message: &str) -> bool {
    message
        .split(|c: char| !(c.is_ascii_digit() || c == '+'))
        .any(|run| {
            let digits = run.trim_start_matches('+');
            digits.len() >= 3 && (digits.starts_with('0') || digits.starts_with("84"))
        })
}

impl Intake {
    /// A new intake; `message` is the first message (it may already say what happened).
    pub fn start(message: Option<&str>, lat: Option<f64>, lon: Option<f64>) -> Intake {
        let mut intake = Intake::default();
        if let Some(m) = message {
            intake.absorb_description(m);
            intake.absorb_extras(m, lat, lon);
        }
        intake.advance();
        intake
    }

    /// A new intake after messages the citizen told earlier in the conversation: they come
    /// first in the description, and their time or place count when this one has none.
    pub fn start_after(
        earlier: &[String],
        message: Option<&str>,
        lat: Option<f64>,
        lon: Option<f64>,
    ) -> Intake {
        let mut intake = Intake::default();
        for m in earlier.iter().map(String::as_str).chain(message) {
            intake.absorb_description(m);
        }
        // The newest message's facts first; an earlier one fills only what is still missing.
        if let Some(m) = message {
            intake.absorb_extras(m, lat, lon);
        }
        for m in earlier.iter().rev() {
            intake.absorb_extras(m, None, None);
        }
        intake.advance();
        intake
    }

    /// An intake started by an emergency message (after what was told before it): the
    /// description and type are known.
    pub fn from_emergency(earlier: &[String], message: &str, class: EmergencyClass) -> Intake {
        let mut intake = Intake::start_after(earlier, Some(message), None, None);
        if intake
            .incident_type
            .is_none_or(|t| t == IncidentType::Other)
        {
            intake.incident_type = Some(class.incident_type());
        }
        if intake.occurred_at_text.is_none() {
            intake.occurred_at_text = Some("đang diễn ra".to_string());
        }
        intake.advance();
        intake
    }

    fn absorb_description(&mut self, message: &str) {
        let content = analyze(message).len();
        if content < 3 {
            return;
        }
        let trimmed = message.trim();
        self.description = Some(match self.description.take() {
            None => trimmed.to_string(),
            Some(d) if d.contains(trimmed) => d,
            Some(d) => format!("{d}\n{trimmed}"),
        });
        let c = classify(self.description.as_deref().unwrap_or(trimmed));
        if c.incident_type != IncidentType::Other || self.incident_type.is_none() {
            self.incident_type = Some(c.incident_type);
            self.sub_type = c.sub_type;
        }
    }

    /// A position shared by the device, or coordinates typed in the message.
    fn absorb_position(&mut self, message: &str, lat: Option<f64>, lon: Option<f64>) {
        let point = match (lat, lon) {
            (Some(lat), Some(lon)) => Some((lat, lon)),
            _ => find_coordinates(message),
        };
        if let Some((lat, lon)) = point {
            self.lat = Some(lat);
            self.lon = Some(lon);
        }
    }

    /// Takes every fact a later message carries, whatever was asked: details, a new or
    /// corrected address, a time, a phone, a position, a wish to stay anonymous.
    fn absorb_turn(&mut self, message: &str, lat: Option<f64>, lon: Option<f64>) {
        self.absorb_position(message, lat, lon);
        let corrected = crate::operator::corrected_part(message);
        if let Some(found) = crate::operator::stated_address(message) {
            self.address_text = Some(match self.address_text.take() {
                None => found,
                Some(previous) => crate::operator::merge_address(&previous, &found),
            });
        }
        if let Some(time) = find_time(corrected) {
            let vague = |t: &str| t == "đang diễn ra" || t == "vừa xảy ra";
            self.occurred_at_text = Some(match self.occurred_at_text.take() {
                // A corrected time ("à không, tối hôm kia") or a fuller one replaces it.
                Some(t) if vague(&t) || time.contains(&t) || corrected != message => time,
                // "giờ đang khâu vết thương" says nothing of when it happened.
                Some(t) if vague(&time) => t,
                Some(t) if t.contains(&time) => t,
                Some(t) => format!("{t}, {time}"),
                None => time,
            });
        }
        if let Some(phone) = find_phone(message) {
            self.phone = Some(phone);
            self.anonymous = false;
        }
        if wants_anonymity(message) {
            self.anonymous = true;
            self.phone = None;
        }
        if self.name.is_none() {
            self.name = find_name(message);
        }
        // What the message tells beyond a bare answer goes into the description.
        let bare = find_phone(message).is_some() && analyze(message).len() <= 6
            || yes_no(message).is_some() && analyze(message).len() <= 3;
        if !bare && self.description.is_some() {
            self.absorb_description(message);
        }
    }

    fn absorb_extras(&mut self, message: &str, lat: Option<f64>, lon: Option<f64>) {
        self.absorb_position(message, lat, lon);
        if self.address_text.is_none() {
            self.address_text = find_location(message);
        }
        if self.phone.is_none() {
            self.phone = find_phone(message);
        }
        if self.occurred_at_text.is_none() {
            self.occurred_at_text = find_time(message);
        }
        if self.name.is_none() {
            self.name = find_name(message);
        }
    }

    /// Whether the event is still going on: said so in the time, or in the words.
    fn is_ongoing(&self) -> bool {
        let text = format!(
            "{} {}",
            self.occurred_at_text.as_deref().unwrap_or(""),
            self.description.as_deref().unwrap_or("")
        );
        static HABIT: std::sync::OnceLock<PhraseSet> = std::sync::OnceLock::new();
        let habit = HABIT.get_or_init(|| {
            PhraseSet::new(&[
                "nào cũng",
                "hàng đêm",
                "hàng ngày",
                "hàng tuần",
                "thường xuyên",
                "suốt",
                "liên tục",
                "nãy giờ",
                "mỗi tối",
                "mỗi đêm",
                "mỗi ngày",
                "dạo này",
                "vẫn đang",
                "vẫn còn",
                "đến giờ",
                "tới giờ",
                "chưa dừng",
                "vẫn chưa",
            ])
        });
        let c = classify(&text);
        (c.ongoing && !c.past)
            || habit.any_in(&analyze(&text))
            || self
                .occurred_at_text
                .as_deref()
                .is_some_and(|t| t == "đang diễn ra" || t.starts_with("đang"))
    }

    fn has_place(&self) -> bool {
        self.address_text.is_some() || (self.lat.is_some() && self.lon.is_some())
    }

    /// Moves to the first missing piece, or to confirmation.
    fn advance(&mut self) {
        self.step = if self.description.is_none() {
            IntakeStep::What
        } else if !self.has_place() {
            IntakeStep::Where
        } else if self.occurred_at_text.is_none() {
            IntakeStep::When
        } else if self.phone.is_none() && !self.anonymous {
            IntakeStep::Phone
        } else {
            IntakeStep::Confirm
        };
    }

    /// The question for the current step.
    pub fn prompt(&self) -> IntakeReply {
        let ask = |reply: &str, suggestions: &[&str]| IntakeReply::Ask {
            reply: reply.to_string(),
            suggestions: suggestions.iter().map(|s| s.to_string()).collect(),
        };
        match self.step {
            IntakeStep::What => ask(
                "Bạn muốn báo tin về sự việc gì? Hãy mô tả ngắn gọn chuyện gì đã xảy ra.\n(Nếu đang gặp nguy hiểm, gọi ngay 113 – công an, 114 – cứu hỏa, 115 – cấp cứu.)",
                &["Hủy"],
            ),
            IntakeStep::Where => ask(
                "Sự việc xảy ra ở đâu? Ghi rõ số nhà, ngõ/đường, phường/xã, hoặc gửi vị trí hiện tại của bạn.",
                &["Gửi vị trí của tôi", "Hủy"],
            ),
            IntakeStep::When => ask(
                "Sự việc xảy ra lúc nào? (ví dụ: đang diễn ra, vừa xong, 20 giờ tối qua)",
                &["Đang diễn ra", "Vừa xong", "Hủy"],
            ),
            IntakeStep::Phone => ask(
                "Cho tôi xin số điện thoại để công an liên hệ lại khi cần. Nếu muốn báo ẩn danh, bạn có thể không để lại số.",
                &["Báo ẩn danh", "Hủy"],
            ),
            IntakeStep::Confirm => IntakeReply::Ask {
                reply: self.summary(),
                suggestions: vec!["Có, gửi đi".into(), "Sửa lại".into(), "Hủy".into()],
            },
            IntakeStep::Edit => ask(
                "Bạn muốn sửa mục nào: sự việc, địa điểm, thời gian hay số điện thoại?",
                &["Sự việc", "Địa điểm", "Thời gian", "Số điện thoại"],
            ),
        }
    }

    /// The confirmation text.
    pub fn summary(&self) -> String {
        let none = "(chưa có)".to_string();
        let place = match (&self.address_text, self.lat, self.lon) {
            (Some(a), _, _) => a.clone(),
            (None, Some(lat), Some(lon)) => format!("vị trí {lat:.5}, {lon:.5}"),
            _ => none.clone(),
        };
        let kind = self
            .incident_type
            .unwrap_or(IncidentType::Other)
            .label_vi()
            .to_string();
        format!(
            "Vui lòng kiểm tra lại tin báo:\n- Sự việc: {}\n- Loại: {}\n- Địa điểm: {}\n- Thời gian: {}\n- Số điện thoại: {}{}\nGửi tin báo này cho công an? (có / không)",
            self.description.as_ref().unwrap_or(&none),
            kind,
            place,
            self.occurred_at_text.as_ref().unwrap_or(&none),
            match (&self.phone, self.anonymous) {
                (Some(p), _) => p.clone(),
                (None, true) => "ẩn danh (không để lại liên lạc)".to_string(),
                (None, false) => none.clone(),
            },
            self.name
                .as_ref()
                .map(|n| format!("\n- Người báo: {n}"))
                .unwrap_or_default(),
        )
    }

    /// The draft, when every required piece is there (a phone, or the wish to stay
    /// anonymous).
    pub fn draft(&self) -> Option<ReportDraft> {
        if !self.has_place() || (self.phone.is_none() && !self.anonymous) {
            return None;
        }
        self.preview()
    }

    /// What would be filed with what has been collected so far (`None` before anything is
    /// known of the event).
    pub fn preview(&self) -> Option<ReportDraft> {
        Some(ReportDraft {
            description: self.description.clone()?,
            incident_type: self.incident_type.unwrap_or(IncidentType::Other),
            sub_type: self.sub_type,
            address_text: self.address_text.clone(),
            lat: self.lat,
            lon: self.lon,
            occurred_at: None,
            ongoing: self.is_ongoing(),
            occurred_at_text: self.occurred_at_text.clone(),
            phone: if self.anonymous {
                None
            } else {
                self.phone.clone()
            },
            anonymous: self.anonymous,
            name: if self.anonymous {
                None
            } else {
                self.name.clone()
            },
        })
    }

    /// Takes the citizen's next message.
    pub fn handle(
        &mut self,
        message: &str,
        lat: Option<f64>,
        lon: Option<f64>,
        resolver: Option<&dyn AddressResolver>,
    ) -> IntakeReply {
        let tokens = analyze(message);
        // "hủy" cancels; "dừng lại", "bỏ qua" only when they are the whole answer ("nó không
        // dừng lại" tells of the driver).
        // A bare "hủy" cancels only in a short message: in a long one, "huy" is more likely a
        // name ("trường THCS Huy Văn").
        let explicit = PhraseSet::new(&[
            "hủy tin",
            "hủy báo",
            "hủy đi",
            "cancel",
            "không báo nữa",
            "thôi không báo",
        ]);
        let bare = PhraseSet::new(&["hủy", "huỷ"]);
        if explicit.any_in(&tokens)
            || (tokens.len() <= 6 && bare.any_in(&tokens))
            || (tokens.len() <= 4 && cancel_words().any_in(&tokens))
        {
            return IntakeReply::Cancelled;
        }
        let had_place = self.has_place();
        let had_time = self.occurred_at_text.is_some();
        if !matches!(
            self.step,
            IntakeStep::Confirm | IntakeStep::Edit | IntakeStep::What
        ) {
            self.absorb_turn(message, lat, lon);
        }
        match self.step {
            IntakeStep::What => {
                self.absorb_description(message);
                if self.description.is_some() {
                    self.absorb_extras(message, lat, lon);
                }
            }
            IntakeStep::Where if self.has_place() && !had_place => {}
            IntakeStep::When if self.occurred_at_text.is_some() && !had_time => {}
            IntakeStep::Phone if self.phone.is_some() || self.anonymous => {}
            IntakeStep::Where => {
                let coords = match (lat, lon) {
                    (Some(a), Some(b)) => Some((a, b)),
                    _ => find_coordinates(message),
                };
                if let Some((a, b)) = coords {
                    self.lat = Some(a);
                    self.lon = Some(b);
                    self.address_attempts = 0;
                } else {
                    let address = find_location(message).or_else(|| {
                        let trimmed = message.trim();
                        (analyze(trimmed).len() >= 2).then(|| trimmed.to_string())
                    });
                    if let Some(address) = address {
                        match resolver {
                            Some(r) if self.address_attempts < 2 => match r.resolve(&address) {
                                Some(unit) => {
                                    self.unit = Some(unit);
                                    self.address_text = Some(address);
                                    self.address_attempts = 0;
                                }
                                None => {
                                    self.address_attempts += 1;
                                    return IntakeReply::Ask {
                                        reply: format!(
                                            "Tôi chưa xác định được địa điểm \"{address}\". Bạn ghi rõ hơn giúp: số nhà, tên đường, phường/xã hoặc một địa điểm nổi bật gần đó; hoặc gửi vị trí hiện tại."
                                        ),
                                        suggestions: vec!["Gửi vị trí của tôi".into(), "Hủy".into()],
                                    };
                                }
                            },
                            _ => self.address_text = Some(address),
                        }
                    }
                }
                if self.phone.is_none() {
                    self.phone = find_phone(message);
                }
            }
            // No time in the answer: "không nhớ" is an answer; anything else was more of the
            // story (kept above), and the question is asked once more before giving up.
            IntakeStep::When => {
                if unsure(message) || self.time_attempts >= 1 {
                    self.occurred_at_text = Some("không rõ".to_string());
                } else {
                    self.time_attempts += 1;
                    return self.prompt();
                }
            }
            // More of the story (or an address, "ngõ 12 Đội Cung") instead of a number: it was
            // kept; ask again kindly. Only a try at a number ("0912 abc") is told it is wrong.
            IntakeStep::Phone if analyze(message).len() > 5 || !tries_a_phone(message) => {
                return self.prompt()
            }
            IntakeStep::Phone => match find_phone(message) {
                Some(p) => self.phone = Some(p),
                None => return IntakeReply::Ask {
                    reply:
                        "Số điện thoại chưa đúng định dạng (ví dụ 0912 345 678). Bạn nhập lại giúp."
                            .into(),
                    suggestions: vec!["Hủy".into()],
                },
            },
            // A correction or a detail at the summary: taken, and the summary shown again.
            IntakeStep::Confirm if yes_no(message).is_none() || analyze(message).len() > 4 => {
                self.absorb_turn(message, lat, lon);
                if yes_no(message) != Some(true) {
                    return self.prompt();
                }
                if let Some(draft) = self.draft() {
                    return IntakeReply::Ready(draft);
                }
            }
            IntakeStep::Confirm => match yes_no(message) {
                Some(true) => {
                    if let Some(draft) = self.draft() {
                        return IntakeReply::Ready(draft);
                    }
                }
                Some(false) => {
                    self.step = IntakeStep::Edit;
                    return self.prompt();
                }
                None => return self.prompt(),
            },
            IntakeStep::Edit => {
                let field = PhraseSet::new(&["địa điểm", "địa chỉ", "ở đâu", "vị trí"]);
                let time = PhraseSet::new(&["thời gian", "lúc nào", "giờ"]);
                let phone = PhraseSet::new(&["số điện thoại", "điện thoại", "số"]);
                let what = PhraseSet::new(&["sự việc", "nội dung", "mô tả", "chuyện"]);
                if field.any_in(&tokens) {
                    self.address_text = None;
                    self.lat = None;
                    self.lon = None;
                    self.step = IntakeStep::Where;
                } else if time.any_in(&tokens) {
                    self.occurred_at_text = None;
                    self.step = IntakeStep::When;
                } else if phone.any_in(&tokens) {
                    self.phone = None;
                    self.step = IntakeStep::Phone;
                } else if what.any_in(&tokens) {
                    self.description = None;
                    self.step = IntakeStep::What;
                }
                return self.prompt();
            }
        }
        self.advance();
        self.prompt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply_text(r: &IntakeReply) -> &str {
        match r {
            IntakeReply::Ask { reply, .. } => reply,
            other => panic!("expected a question, got {other:?}"),
        }
    }

    #[test]
    fn collects_every_piece_then_confirms() {
        let mut i = Intake::start(None, None, None);
        assert_eq!(i.step, IntakeStep::What);
        i.handle("Xe máy của tôi bị trộm mất trước cửa nhà", None, None, None);
        assert_eq!(i.step, IntakeStep::Where);
        assert_eq!(i.sub_type, Some(CrimeSubType::Theft));
        i.handle("số 8 ngõ 12 Láng Hạ, phường Láng", None, None, None);
        assert_eq!(i.step, IntakeStep::When);
        i.handle("khoảng 2 giờ sáng nay", None, None, None);
        assert_eq!(i.step, IntakeStep::Phone);
        let r = i.handle("số em là 0912 abc", None, None, None);
        assert!(reply_text(&r).contains("chưa đúng"));
        // More of the story instead of a number is kept, and the number asked again.
        let r = i.handle("xe Wave màu xanh, biển 29B1-555.66", None, None, None);
        assert!(reply_text(&r).contains("số điện thoại"));
        assert!(i.description.as_deref().unwrap().contains("29B1-555.66"));
        let r = i.handle("0912 345 678", None, None, None);
        assert!(reply_text(&r).contains("Láng Hạ"));
        assert_eq!(i.step, IntakeStep::Confirm);
        match i.handle("ok gửi đi", None, None, None) {
            IntakeReply::Ready(d) => {
                assert_eq!(d.phone.as_deref(), Some("0912345678"));
                assert_eq!(d.incident_type, IncidentType::Crime);
                assert_eq!(
                    d.address_text.as_deref(),
                    Some("số 8 ngõ 12 Láng Hạ, phường Láng")
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn first_message_fills_several_slots_and_edit_works() {
        let mut i = Intake::start(
            Some("tôi muốn báo có nhóm thanh niên đua xe nẹt pô ở đường Phạm Văn Đồng lúc 23h, sđt 0988111222"),
            None,
            None,
        );
        assert_eq!(i.step, IntakeStep::Confirm, "{i:?}");
        assert_eq!(i.incident_type, Some(IncidentType::PublicOrder));
        i.handle("không, sửa lại", None, None, None);
        assert_eq!(i.step, IntakeStep::Edit);
        i.handle("địa điểm", None, None, None);
        assert_eq!(i.step, IntakeStep::Where);
        i.handle("", Some(21.05), Some(105.78), None);
        assert_eq!(i.step, IntakeStep::Confirm);
        assert!(i.draft().unwrap().lat.is_some());
    }

    #[test]
    fn unresolved_address_is_asked_again_then_accepted() {
        let resolver = |_: &str| None::<String>;
        let mut i = Intake::start(Some("bị giật túi xách ở chỗ này"), None, None);
        i.step = IntakeStep::Where;
        i.address_text = None;
        let r = i.handle("gần cây xăng to", None, None, Some(&resolver));
        assert!(reply_text(&r).contains("chưa xác định"));
        i.handle("gần cây xăng to lắm", None, None, Some(&resolver));
        i.handle("cây xăng", None, None, Some(&resolver));
        assert!(i.address_text.is_some());
    }

    #[test]
    fn cancel_at_any_step() {
        let mut i = Intake::start(None, None, None);
        assert_eq!(
            i.handle("thôi hủy đi", None, None, None),
            IntakeReply::Cancelled
        );
    }

    #[test]
    fn every_turn_adds_its_facts_and_a_tip_can_be_anonymous() {
        let mut i = Intake::start(
            Some("có nhóm người tụ tập chơi ma túy trong nhà nghỉ"),
            None,
            None,
        );
        assert_eq!(i.step, IntakeStep::Where);
        i.handle("đêm nào cũng thế, tối qua đến 3h mới về", None, None, None);
        i.handle("ở ngõ 12 phố Văn Chương", None, None, None);
        i.handle("à không, ngõ 21 chứ", None, None, None);
        assert_eq!(i.address_text.as_deref(), Some("ngõ 21 phố Văn Chương"));
        i.handle("", Some(21.0245), Some(105.8412), None);
        i.handle("tôi không muốn để lại số, báo ẩn danh", None, None, None);
        assert_eq!(i.step, IntakeStep::Confirm, "{i:?}");
        assert!(i.summary().contains("ẩn danh"));
        let d = i.draft().expect("an anonymous tip can be filed");
        assert!(d.anonymous && d.phone.is_none() && d.name.is_none());
        assert!(d.description.contains("đêm nào cũng thế"));
        assert_eq!((d.lat, d.lon), (Some(21.0245), Some(105.8412)));
        assert!(d.occurred_at_text.as_deref().unwrap().contains("tối qua"));
    }

    #[test]
    fn times_as_told_and_as_a_moment() {
        assert_eq!(
            find_time("tối hôm qua thấy xe tải đổ trộm").as_deref(),
            Some("tối hôm qua")
        );
        assert_eq!(
            find_time("sáng nay lúc 9h có người lạ vào nhà").as_deref(),
            Some("sáng nay lúc 9h")
        );
        assert_eq!(find_time("tạm trú ở đây").as_deref(), None);
        assert_eq!(
            find_time("hôm 20/10 bị húc xe").as_deref(),
            Some("hôm 20/10")
        );
        // 2026-12-06 10:00 in Hanoi.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-06T03:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let at = |t: &str| {
            resolve_time(t, now).map(|d| {
                (d + chrono::Duration::hours(7))
                    .format("%d %H:%M")
                    .to_string()
            })
        };
        assert_eq!(at("tối qua").as_deref(), Some("05 20:00"));
        assert_eq!(at("khoảng 9h tối qua").as_deref(), Some("05 21:00"));
        assert_eq!(at("hôm kia lúc 2h sáng").as_deref(), Some("04 02:00"));
        assert_eq!(at("sáng nay lúc 9h").as_deref(), Some("06 09:00"));
        assert_eq!(at("đang diễn ra").as_deref(), Some("06 10:00"));
        assert_eq!(at("lúc 11h").as_deref(), Some("05 11:00"));
        assert_eq!(at("không nhớ"), None);
    }

    #[test]
    fn time_words() {
        assert_eq!(
            find_time("tối qua lúc 10 giờ ở nhà").as_deref(),
            Some("tối qua lúc 10 giờ")
        );
        assert_eq!(find_time("vừa xong").as_deref(), Some("vừa xảy ra"));
        // Spans of hours are one time.
        assert_eq!(
            find_time("thường tầm 9-10h tối có người lạ đến").as_deref(),
            Some("tầm 9-10h tối")
        );
        assert!(is_clock("21h-22h") && is_clock("1-2h") && !is_clock("9-10") && !is_clock("2-3"));
        assert_eq!(find_time("đang đánh nhau").as_deref(), Some("đang diễn ra"));
        assert_eq!(
            find_name("Tôi tên là Nguyễn Văn An, ở Cầu Giấy").as_deref(),
            Some("Nguyễn Văn An")
        );
    }
}
