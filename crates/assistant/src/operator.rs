//! Operator mode ("tổng đài viên"): turns a hotline call transcript into a suggested incident
//! form (type, sub-type, priority, place, people, caller phone) and the next questions to ask.

use std::sync::OnceLock;

use crate::api::{NotIncident, OperatorRequest, OperatorSuggestion};
use crate::extract::{
    classify, find_coordinates, find_location, find_phone, AddressResolver, Classification,
    CrimeSubType, IncidentType,
};
use crate::text::{analyze, PhraseSet, Token};

/// Priority 1 (life at risk now) to 4 (not urgent), from the classification. Anything that
/// can kill in minutes and is still going on (fire, explosion, someone in the water or
/// trapped, a life-threat sign, violence in progress, an abduction) is 1.
pub fn priority(c: &Classification) -> u8 {
    use IncidentType as T;
    let live = c.ongoing && !c.past;
    let hurt = c.people.injured.is_some_and(|n| n > 0)
        || c.people.trapped.is_some_and(|n| n > 0)
        || c.people.dead.is_some_and(|n| n > 0);
    // Violence against a person (a weapon only seen is not yet violence).
    let violent = matches!(
        c.sub_type,
        Some(
            CrimeSubType::Kidnapping
                | CrimeSubType::Robbery
                | CrimeSubType::Assault
                | CrimeSubType::Fight
                | CrimeSubType::DomesticViolence
        )
    );
    // A sign that a life is at risk now makes any call priority 1, whatever its type; so does
    // a gun or an explosive at hand, fired or not.
    if c.critical && !c.past {
        return 1;
    }
    if !c.past
        && c.people
            .weapons
            .iter()
            .any(|w| w == "súng" || w == "vật liệu nổ")
    {
        return 1;
    }
    match c.incident_type {
        T::Fire | T::Explosion => {
            if c.past && !c.critical && !hurt {
                3
            } else if c.incident_type == T::Fire || live || c.critical || hurt {
                1
            } else {
                2
            }
        }
        // Someone in danger is 1 unless the caller says they are safe ("vẫn ổn", "thở bình
        // thường"): then 2. Under-triage costs more than over-triage.
        T::Rescue => {
            if c.said_safe && !c.critical {
                2
            } else {
                1
            }
        }
        T::Medical => {
            if c.critical {
                1
            } else {
                2
            }
        }
        T::TrafficAccident => {
            if c.critical || c.people.trapped.is_some_and(|n| n > 0) {
                1
            } else if hurt {
                2
            } else {
                3
            }
        }
        T::Flood => {
            if c.critical || c.people.trapped.is_some_and(|n| n > 0) {
                1
            } else {
                2
            }
        }
        T::Crime => {
            let armed = !c.people.weapons.is_empty();
            if c.sub_type == Some(CrimeSubType::Kidnapping)
                || (violent && !c.past)
                || (armed && !c.past && (c.sub_type != Some(CrimeSubType::Weapons) || c.threat))
            {
                1
            } else if live
                && matches!(
                    c.sub_type,
                    Some(CrimeSubType::Theft | CrimeSubType::Weapons | CrimeSubType::Robbery)
                )
            {
                2
            } else if c.sub_type == Some(CrimeSubType::Fraud) && !hurt {
                4
            } else {
                3
            }
        }
        // A missing child near water may already be in it.
        T::MissingPerson => {
            if c.near_water {
                1
            } else {
                2
            }
        }
        T::PublicOrder => {
            if c.noise_only {
                4
            } else if live && c.people.suspects.is_some_and(|n| n >= 5) {
                2
            } else {
                3
            }
        }
        T::Other => 4,
    }
}

/// The questions to ask next, most important first.
pub fn next_questions(c: &Classification, has_location: bool, has_phone: bool) -> Vec<String> {
    use IncidentType as T;
    let mut q: Vec<&str> = Vec::new();
    if !has_location {
        q.push("Địa chỉ chính xác ở đâu (số nhà, ngõ, đường, phường/xã)? Có điểm mốc nào gần đó?");
    }
    match c.incident_type {
        T::Fire => {
            if c.people.trapped.is_none() {
                q.push("Có ai còn mắc kẹt bên trong không? Bao nhiêu người?");
            }
            q.push("Cháy ở tầng mấy, tòa nhà cao bao nhiêu tầng?");
            q.push("Có bình gas, xăng dầu hay hóa chất gần đám cháy không?");
            if c.people.injured.is_none() {
                q.push("Có ai bị thương không?");
            }
        }
        T::Explosion => {
            q.push("Có ai bị thương hoặc mắc kẹt không?");
            q.push("Còn mùi gas, còn cháy hay nguy cơ nổ tiếp không?");
        }
        T::Rescue => {
            if c.people.trapped.is_none() {
                q.push("Có bao nhiêu người gặp nạn? Họ còn tỉnh không?");
            }
            q.push("Người bị nạn đang ở đâu: dưới nước, trong công trình, trên cao?");
        }
        T::TrafficAccident => {
            if c.people.injured.is_none() {
                q.push("Có bao nhiêu người bị thương? Có ai bất tỉnh không?");
            }
            q.push("Có cháy xe, rò rỉ xăng dầu không? Đường có bị ách tắc không?");
            q.push("Các phương tiện liên quan là gì, biển số bao nhiêu?");
        }
        T::Crime if c.sub_type == Some(CrimeSubType::DomesticViolence) => {
            q.push("Anh/chị có thể nói chuyện an toàn lúc này không? Người gây bạo lực có đang ở cạnh không?");
            q.push("Có trẻ em hay người già trong nhà không? Có ai bị thương không?");
            if c.people.weapons.is_empty() {
                q.push("Người đó có cầm hung khí (dao, gậy…) không?");
            }
            q.push("Anh/chị có chỗ nào an toàn để tránh tạm (nhà hàng xóm, người thân) không?");
        }
        T::Crime => {
            if c.people.suspects.is_none() {
                q.push("Đối tượng có mấy người, đặc điểm nhận dạng thế nào?");
            }
            if c.people.weapons.is_empty() && c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Đối tượng có mang hung khí không?");
            }
            if c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Đối tượng còn ở hiện trường không? Đi hướng nào, phương tiện gì, biển số?");
            }
            if c.people.injured.is_none() && c.sub_type != Some(CrimeSubType::Fraud) {
                q.push("Có ai bị thương không?");
            }
            if c.sub_type == Some(CrimeSubType::Fraud) {
                q.push("Đã chuyển bao nhiêu tiền, vào số tài khoản nào, lúc mấy giờ? Đã báo ngân hàng chưa?");
            }
        }
        T::PublicOrder => {
            q.push("Có bao nhiêu người, có hung khí hay đánh nhau không?");
        }
        T::Flood => {
            q.push(
                "Nước ngập sâu bao nhiêu? Có người bị cô lập, người già, trẻ em cần sơ tán không?",
            );
        }
        T::MissingPerson => {
            q.push("Người mất tích tên gì, bao nhiêu tuổi, mặc quần áo gì?");
            q.push("Nhìn thấy lần cuối ở đâu, lúc mấy giờ?");
        }
        T::Medical => {
            q.push("Người bệnh còn tỉnh, còn thở không? Bao nhiêu tuổi?");
            q.push("Đã gọi 115 chưa? Có ai biết sơ cứu ở đó không?");
        }
        T::Other => {
            q.push("Xin anh/chị cho biết cụ thể sự việc gì đang xảy ra?");
        }
    }
    if !c.ongoing && !c.past {
        q.push("Sự việc đang diễn ra hay đã xảy ra lúc nào?");
    }
    if !has_phone {
        q.push("Xin số điện thoại để liên lạc lại?");
    }
    q.into_iter().map(str::to_string).collect()
}

fn summary(c: &Classification, location: Option<&str>) -> String {
    let mut s = c.incident_type.label_vi().to_string();
    if let Some(sub) = c.sub_type {
        s.push_str(&format!(" ({})", sub.label_vi()));
    }
    let p = &c.people;
    let mut parts = Vec::new();
    if let Some(n) = p.trapped {
        parts.push(format!("{n} người mắc kẹt"));
    }
    if let Some(n) = p.injured {
        parts.push(format!("{n} người bị thương"));
    }
    if let Some(n) = p.dead {
        parts.push(format!("{n} người tử vong"));
    }
    if let Some(n) = p.suspects {
        parts.push(format!("{n} đối tượng"));
    }
    if !p.weapons.is_empty() {
        parts.push(format!("hung khí: {}", p.weapons.join(", ")));
    }
    if !parts.is_empty() {
        s.push_str(" – ");
        s.push_str(&parts.join(", "));
    }
    if let Some(loc) = location {
        s.push_str(" – tại ");
        s.push_str(loc);
    }
    s
}

/// Who says a line of a transcript.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Speaker {
    /// The call-taker ("CT:", "TĐV:", "ĐTV:").
    CallTaker,
    /// The caller ("NG:", "Người gọi:"), or an unlabelled transcript.
    Caller,
}

/// Splits a transcript into turns by speaker labels ("CT: … / NG: …", one per line or after
/// " / "). A transcript without labels is one caller turn.
fn turns(transcript: &str) -> Vec<(Speaker, String)> {
    const TAKER: &[&str] = &[
        "ct",
        "tđv",
        "đtv",
        "tdv",
        "dtv",
        "tổng đài",
        "tong dai",
        "cán bộ",
        "cb",
    ];
    const CALLER: &[&str] = &[
        "ng",
        "người gọi",
        "nguoi goi",
        "ngg",
        "người báo",
        "nb",
        "kh",
    ];
    let mut out: Vec<(Speaker, String)> = Vec::new();
    for piece in transcript.split(['\n', '/']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let labelled = piece.split_once(':').and_then(|(label, rest)| {
            let l = label.trim().to_lowercase();
            if TAKER.contains(&l.as_str()) {
                Some((Speaker::CallTaker, rest.trim().to_string()))
            } else if CALLER.contains(&l.as_str()) {
                Some((Speaker::Caller, rest.trim().to_string()))
            } else {
                None
            }
        });
        match (labelled, out.last_mut()) {
            (Some(turn), _) => out.push(turn),
            // A "/" inside a turn (a plate, a date) continues it.
            (None, Some(last)) => {
                last.1.push_str(" / ");
                last.1.push_str(piece);
            }
            (None, None) => out.push((Speaker::Caller, piece.to_string())),
        }
    }
    if out.is_empty() {
        out.push((Speaker::Caller, transcript.trim().to_string()));
    }
    out
}

/// Splits a turn into what was said and the call-taker's notes in parentheses on what was
/// heard ("(cười)", "(im lặng)").
fn said_and_heard(text: &str) -> (String, String) {
    let (mut said, mut heard) = (String::new(), String::new());
    let mut depth = 0usize;
    for ch in text.chars() {
        match ch {
            '(' => {
                depth += 1;
                heard.push(' ');
            }
            ')' => {
                depth = depth.saturating_sub(1);
                said.push(' ');
            }
            c if depth > 0 => heard.push(c),
            c => said.push(c),
        }
    }
    (said, heard)
}

/// What was said in a turn, without the notes.
fn spoken(text: &str) -> String {
    said_and_heard(text).0
}

/// The call-taker's notes in a turn.
fn notes(text: &str) -> String {
    said_and_heard(text).1
}

static WATER: OnceLock<PhraseSet> = OnceLock::new();
static SAFE: OnceLock<PhraseSet> = OnceLock::new();
static THREAT: OnceLock<PhraseSet> = OnceLock::new();
static NOISE: OnceLock<PhraseSet> = OnceLock::new();
static DANGER: OnceLock<PhraseSet> = OnceLock::new();

fn phrases(cell: &'static OnceLock<PhraseSet>, list: &[&str]) -> &'static PhraseSet {
    cell.get_or_init(|| PhraseSet::new(list))
}

/// Why a call is not an incident, from what the caller says and the call-taker's notes. A call
/// that names an event is dismissed only as a prank, and only when the caller laughs it off
/// or says it was a joke; anything else stays an incident for a person to judge.
fn not_incident(turns: &[(Speaker, String)], has_event: bool) -> Option<NotIncident> {
    static JOKE: OnceLock<PhraseSet> = OnceLock::new();
    static WRONG: OnceLock<PhraseSet> = OnceLock::new();
    static SILENT: OnceLock<PhraseSet> = OnceLock::new();
    static TEST: OnceLock<PhraseSet> = OnceLock::new();
    static QUESTION: OnceLock<PhraseSet> = OnceLock::new();
    // Typed without diacritics "cuoi" is mostly "cuối" (the end: "nhà cuối ngách") and "dua"
    // is "đứa" or "đưa" ("có đứa đang gọi"): alone they count only with their marks.
    let joke = phrases(
        &JOKE,
        &[
            "=cười",
            "=đùa",
            "trêu",
            "chọc",
            "troll",
            "giỡn",
            "chết cười",
            "mặt trăng",
            "cháy túi",
            "trái tim",
            "cho vui",
            "nói đùa",
            "gọi đùa",
            "=cháu đùa",
            "=em đùa",
            "đùa thôi",
            "uống với tôi",
            "buồn thôi",
            "tôi buồn",
            "giọng say",
            "thách bạn",
            "thách em",
            "thách cháu",
            "bị thách",
            "thách gọi",
            "cá cược",
            "thua cược",
            "nói dối",
            "bịa ra",
            "không có thật",
        ],
    );
    let wrong = phrases(
        &WRONG,
        &[
            "nhầm số",
            "gọi nhầm",
            "bấm nhầm",
            "nhầm máy",
            "có phải tổng đài",
            "nghịch điện thoại",
            "bấm lung tung",
            "taxi",
            "điện lực",
            "giao cho tôi",
            "giao hàng",
            "cửa hàng",
            "ship",
            "đặt bàn",
            "vâng nhầm",
            "tôi nhầm",
            "em nhầm",
            "lộn số",
            "gửi hàng",
            "phải không ạ",
            "lưu nhầm",
            "nhầm người",
        ],
    );
    let silent = phrases(
        &SILENT,
        &[
            "im lặng",
            "không có tiếng",
            "không nói gì",
            "không ai nói",
            "không có người nói",
            "không có phản hồi",
            "sột soạt",
            "tiếng gió",
            "mất kết nối",
            "máy ngắt",
            "tắt máy",
            "mất sóng",
            "=rè",
            "tút",
            "cúp máy",
            "ngắt máy",
            "im bặt",
        ],
    );
    let test = phrases(
        &TEST,
        &[
            "thử máy",
            "gọi thử",
            "thử xem",
            "kiểm tra tổng đài",
            "kiểm tra đường dây",
            "test",
            "thử nút",
            "nghe rõ không",
            "thông rồi",
            "thử số",
            "thử gọi",
        ],
    );
    let question = phrases(
        &QUESTION,
        &[
            "cho hỏi",
            "cho em hỏi",
            "cho tôi hỏi",
            "hỏi chút",
            "làm ở đâu",
            "ở đâu vậy",
            "thủ tục",
            "làm lại",
            "tạm trú",
            "căn cước",
            "phạt nguội",
            "bao nhiêu tiền",
            "cần mấy",
            "cần những gì",
            "giờ làm việc",
            "mấy giờ",
            "có bị phạt",
            "ở đâu ạ",
            "muốn hỏi",
            "chỉ hỏi",
            "xin số",
            "thì đến đâu",
            "phải đến đâu",
            "đến đâu để",
            "đi đâu để",
        ],
    );
    // A nuisance call: abuse, or company asked for, with nothing to report.
    static NUISANCE: OnceLock<PhraseSet> = OnceLock::new();
    static OWNED_MISTAKE: OnceLock<PhraseSet> = OnceLock::new();
    let nuisance = phrases(
        &NUISANCE,
        &[
            "chửi tục",
            "chửi bậy",
            "văng tục",
            "ăn hại",
            "buồn quá",
            "người nói chuyện",
            "nói chuyện với anh",
            "nói chuyện với em",
            "người yêu chưa",
            "hát cho",
            "bấm phím",
        ],
    );
    // What the call-taker answered: "chị gọi nhầm số rồi" tells a wrong number ("đây là 113"
    // alone does not: it is said when a call is passed on to 115); "đây là đường dây khẩn
    // cấp" a line used for nothing.
    static TOLD_WRONG: OnceLock<PhraseSet> = OnceLock::new();
    let told_wrong = phrases(&TOLD_WRONG, &["gọi nhầm", "nhầm số"]);
    static TOLD_IDLE: OnceLock<PhraseSet> = OnceLock::new();
    let told_idle = phrases(
        &TOLD_IDLE,
        &[
            "đường dây khẩn cấp",
            "không gọi khi không",
            "không gọi khi không có việc",
        ],
    );
    let taker: Vec<Token> = turns
        .iter()
        .filter(|(s, _)| *s == Speaker::CallTaker)
        .flat_map(|(_, t)| analyze(&spoken(t)))
        .collect();
    let caller_turns = turns.iter().filter(|(s, _)| *s == Speaker::Caller);
    let said: Vec<Token> = caller_turns
        .clone()
        .flat_map(|(_, t)| analyze(&spoken(t)))
        .collect();
    let heard: Vec<Token> = turns.iter().flat_map(|(_, t)| analyze(&notes(t))).collect();
    // "bóng cười" (laughing gas) is a drug, not laughter.
    let said = PhraseSet::new(&["bóng cười", "khí cười"]).mask(&said);
    // Laughter, written in one word ("haha") or as a repeated syllable ("ha ha", "hớ hớ").
    let laughter = |tokens: &[Token]| {
        tokens.iter().any(|t| {
            ["haha", "hihi", "hehe", "kkk", "hihihi"]
                .iter()
                .any(|l| t.fold.starts_with(l))
        }) || tokens.windows(2).any(|w| {
            w[0].norm == w[1].norm
                && ["ha", "hi", "he", "hì", "hề", "khà", "kha"].contains(&w[0].norm.as_str())
        })
    };
    let laughs = laughter(&said) || laughter(&heard);
    let words = said
        .iter()
        .filter(|t| t.fold.chars().any(char::is_alphanumeric))
        .count();
    // "em không đùa đâu", "không phải trêu" say the opposite.
    let jokes = |tokens: &[Token]| {
        joke.occurrences(tokens)
            .into_iter()
            .any(|(at, _)| !crate::signs::negated(tokens, at))
    };
    let joking = laughs || jokes(&said) || jokes(&heard);
    static NOW: OnceLock<PhraseSet> = OnceLock::new();
    let now = phrases(&NOW, &["đang", "vừa", "cứu", "gấp", "ngay", "còn đang"]);
    // "mất căn cước thì làm lại ở đâu ạ": a loss named only to ask how to get it done.
    static PROCEDURE: OnceLock<PhraseSet> = OnceLock::new();
    let procedure = phrases(
        &PROCEDURE,
        &[
            "thủ tục",
            "làm lại",
            "cần những gì",
            "cần giấy tờ gì",
            "cần mấy",
            "phạt bao nhiêu",
            "làm ở đâu",
            "ở đâu ạ",
            "mất bao lâu",
            "chỉ hỏi",
            "thì đến đâu",
            "phải đến đâu",
            "đến đâu để",
        ],
    );
    // A line test that says nothing is wrong ("đang test đường dây báo cháy, không có cháy
    // đâu") is a test, whatever alarm words it names.
    static NOTHING_WRONG: OnceLock<PhraseSet> = OnceLock::new();
    let nothing_wrong = phrases(
        &NOTHING_WRONG,
        &[
            "không có cháy",
            "không có gì",
            "không có chuyện gì",
            "không sao đâu",
            "không phải cháy",
        ],
    );
    if test.any_in(&said) && nothing_wrong.any_in(&said) {
        return Some(NotIncident::TestCall);
    }
    // Told by the call-taker that this is the police line, the caller owns the mistake ("em
    // lưu nhầm số", "bấm nhầm"): a wrong number, whatever trouble it was meant for.
    // A bare "nhầm" is as often an address corrected ("à nhầm, số 15"): only the forms that
    // name the number count.
    let owns_mistake = phrases(
        &OWNED_MISTAKE,
        &[
            "bấm nhầm",
            "gọi nhầm",
            "lưu nhầm",
            "nhầm số",
            "nhầm máy",
            "lộn số",
        ],
    )
    .any_in(&said);
    if has_event {
        if joking {
            return Some(NotIncident::Prank);
        }
        if owns_mistake && told_wrong.any_in(&taker) {
            return Some(NotIncident::WrongNumber);
        }
        if procedure.any_in(&said) && !now.any_in(&said) {
            return Some(NotIncident::Question);
        }
        return None;
    }
    // A caller asking for help is never dismissed, however little is understood.
    static HELP: OnceLock<PhraseSet> = OnceLock::new();
    let help = phrases(
        &HELP,
        &[
            "cứu",
            "giúp với",
            "gấp",
            "nhanh lên",
            "có người",
            "nguy hiểm",
            "sợ quá",
            "đến ngay",
            "báo công an",
            "báo cháy",
            "đang có",
            "vừa xảy ra",
            "có vụ",
            "xảy ra",
            "đang bị",
            "vừa bị",
            "tai nạn",
        ],
    );
    if help.any_in(&said) && !joking {
        return None;
    }
    if test.any_in(&said) {
        return Some(NotIncident::TestCall);
    }
    if words <= 3 && (silent.any_in(&heard) || silent.any_in(&said) || words == 0) {
        return Some(NotIncident::Silent);
    }
    if owns_mistake || told_wrong.any_in(&taker) {
        return Some(NotIncident::WrongNumber);
    }
    // "Cho hỏi" before the weaker signs of another business ("cửa hàng", "taxi").
    if question.any_in(&said) {
        return Some(NotIncident::Question);
    }
    if wrong.any_in(&said) {
        return Some(NotIncident::WrongNumber);
    }
    if joking || nuisance.any_in(&said) || nuisance.any_in(&heard) || told_idle.any_in(&taker) {
        return Some(NotIncident::Prank);
    }
    None
}

/// Whether a caller's answer is a plain "no" ("ko", "không ai", "chưa", "không có gì").
fn says_no(answer: &str) -> bool {
    let tokens = analyze(answer);
    tokens
        .first()
        .is_some_and(|t| matches!(t.fold.as_str(), "khong" | "chua" | "chang" | "cha"))
}

/// Facts the caller gave as answers to the call-taker's questions: "CT: có ai bị thương ko /
/// NG: ko" means nobody is hurt; "NG: 2 người" means two.
fn answered(turns: &[(Speaker, String)], cue: &PhraseSet) -> Option<u32> {
    turns.windows(2).find_map(|pair| {
        let [(Speaker::CallTaker, q), (Speaker::Caller, a)] = pair else {
            return None;
        };
        if !cue.any_in(&analyze(q)) {
            return None;
        }
        if says_no(a) {
            return Some(0);
        }
        let tokens = analyze(a);
        tokens
            .iter()
            .find_map(|t| t.fold.parse::<u32>().ok().filter(|n| *n < 200))
    })
}

/// The address the caller ends with: the last one stated wins; a later turn with only a house
/// number or an alley ("à nhầm, số 15") corrects the earlier one, and a later turn with only
/// the ward or commune completes it.
fn final_address(turns: &[(Speaker, String)]) -> Option<String> {
    let answers = address_answers(turns);
    let mut best: Option<String> = None;
    for (i, (speaker, text)) in turns.iter().enumerate() {
        if *speaker != Speaker::Caller {
            continue;
        }
        // An answer to "địa chỉ?" is an address as a whole; elsewhere the address is found
        // from its first address word.
        let found = if answers.contains(&i) {
            let (start, end) = correction_span(text);
            let answer = without_heading(&spoken(&text[start..end]));
            let answer = answer.trim().trim_end_matches(['.', ',', ' ']).to_string();
            stated_address(&without_heading(text))
                .filter(|f| f.len() * 2 >= answer.len())
                .or_else(|| (!answer.is_empty()).then_some(answer))
        } else {
            stated_address(&without_heading(text))
        };
        let Some(found) = found else {
            continue;
        };
        best = Some(match best {
            None => found,
            Some(previous) => merge_address(&previous, &found),
        });
    }
    best
}

/// The caller's turns that answer the call-taker's question about the place ("địa chỉ?",
/// "ở đâu?", "xã nào?").
fn address_answers(turns: &[(Speaker, String)]) -> Vec<usize> {
    static ASK: OnceLock<PhraseSet> = OnceLock::new();
    let ask = phrases(
        &ASK,
        &[
            "địa chỉ",
            "ở đâu",
            "chỗ nào",
            "đoạn nào",
            "xã nào",
            "phường nào",
            "số nhà",
            "ở chỗ",
            "khu nào",
            "đường nào",
            "phố nào",
            "nhà nào",
            "tòa nào",
            "vị trí",
        ],
    );
    turns
        .windows(2)
        .enumerate()
        .filter(|(_, pair)| {
            pair[0].0 == Speaker::CallTaker
                && pair[1].0 == Speaker::Caller
                && ask.any_in(&analyze(&pair[0].1))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// The byte range of a message that carries a correction: "số 15 chứ không phải 51" keeps
/// "số 15", "à nhầm, ngõ 21" keeps "ngõ 21", "à không, ở ngõ 12 chứ" keeps "ở ngõ 12 chứ".
fn correction_span(text: &str) -> (usize, usize) {
    let lower = text.to_lowercase();
    let same_length = lower.len() == text.len();
    let mut end = text.len();
    if same_length {
        for cut in [
            "chứ không phải",
            "chứ ko phải",
            "chứ k phải",
            "chu khong phai",
            "chu ko phai",
        ] {
            if let Some(i) = lower.find(cut) {
                end = i;
                break;
            }
        }
    }
    let mut start = 0;
    if same_length {
        for marker in [
            "nhầm",
            "à không",
            "à ko",
            "à hông",
            "a hong",
            "a nham",
            "a khong",
            "xin sửa",
            "sửa lại",
            "à xin lỗi",
            "a xin loi",
            "à lộn",
            "ý lộn",
            "em lộn",
            "tôi lộn",
            "ý nhầm",
        ] {
            // A marker with nothing after it ("…, tôi gõ nhầm") closes the correction; the
            // corrected words came before it.
            if let Some(i) = lower[..end].rfind(marker) {
                let after = i + marker.len();
                let rest = lower.get(after..end).unwrap_or_default();
                if rest
                    .split_whitespace()
                    .any(|w| w.chars().filter(|c| c.is_alphanumeric()).count() > 1)
                {
                    start = start.max(after);
                }
            }
        }
    }
    if start > end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return (0, text.len());
    }
    (start, end)
}

/// The part of a message that carries a correction (all of it when there is none).
pub(crate) fn corrected_part(text: &str) -> &str {
    let (start, end) = correction_span(text);
    &text[start..end]
}

/// The text without where someone fled to ("bỏ chạy về hướng Xuân Mai"): a heading is not
/// the place of the event.
pub(crate) fn without_heading(text: &str) -> String {
    const HEADINGS: &[&str] = &[
        "về hướng",
        "theo hướng",
        "hướng về",
        "hướng đi",
        "về phía",
        "chạy về",
        "phóng về",
        "đi về",
        "chạy ra",
        "chạy hướng",
        "phóng hướng",
        "ve huong",
        "theo huong",
        "chay ve",
    ];
    let lower = text.to_lowercase();
    if lower.len() != text.len() {
        return text.to_string();
    }
    let cut = HEADINGS.iter().filter_map(|h| lower.find(h)).min();
    match cut {
        Some(start) => {
            let end = text[start..]
                .find([',', '.', ';', '/'])
                .map_or(text.len(), |e| start + e);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text.to_string(),
    }
}

/// The address one message ends with: a correction inside it ("số 51 Trần Xuân Soạn… à
/// nhầm, số 15") is applied to what came before it.
pub(crate) fn stated_address(text: &str) -> Option<String> {
    let (start, end) = correction_span(text);
    let later = find_location(&text[start..end]);
    if start == 0 {
        return later;
    }
    match (find_location(&text[..start]), later) {
        (Some(b), Some(l)) => Some(merge_address(&b, &l)),
        (b, l) => l.or(b),
    }
}

/// Combines an earlier address with a later mention.
pub(crate) fn merge_address(previous: &str, later: &str) -> String {
    // Particles closing a spoken correction ("ngõ 21 chứ", "số 15 nhé"), with their
    // diacritics, so that a name such as "Cổ Đô" keeps its last syllable.
    const PARTICLES: &[&str] = &["chứ", "nhé", "ạ", "nha", "mà", "đó", "đấy", "nhỉ", "cơ"];
    let mut words: Vec<&str> = later.split_whitespace().collect();
    while words.len() > 1
        && words.last().is_some_and(|w| {
            let w = w
                .trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase();
            PARTICLES.contains(&w.as_str())
        })
    {
        words.pop();
    }
    let later = words.join(" ");
    let later = later.as_str();
    let head = words
        .first()
        .map(|w| domain::text::fold(w).to_lowercase())
        .unwrap_or_default();
    let admin_only = matches!(head.as_str(), "phuong" | "xa" | "thi");
    if admin_only {
        return format!("{previous}, {later}");
    }
    // A place that names nothing ("đầu đường đứng vẫy", "cạnh đầu ngõ": no number, no name)
    // is where the caller stands, not a new address: the named one stays.
    let names = |text: &str| {
        text.split_whitespace().enumerate().any(|(i, w)| {
            w.chars().any(|c| c.is_ascii_digit())
                || (i > 0 && w.chars().next().is_some_and(char::is_uppercase))
        })
    };
    if !names(later) && names(previous) {
        return previous.to_string();
    }
    // "số 15" or "ngõ 21" alone replaces the same part of the earlier address.
    if words.len() <= 3 && matches!(head.as_str(), "so" | "ngo" | "ngach" | "hem" | "kiet") {
        let prev: Vec<&str> = previous.split_whitespace().collect();
        if let Some(i) = prev
            .iter()
            .position(|w| domain::text::fold(w).to_lowercase() == head)
        {
            let mut out: Vec<String> = prev[..i].iter().map(|w| w.to_string()).collect();
            out.extend(words.iter().map(|w| w.to_string()));
            out.extend(
                prev[(i + 2).min(prev.len())..]
                    .iter()
                    .map(|w| w.to_string()),
            );
            return out.join(" ");
        }
    }
    later.to_string()
}

/// Analyses a transcript, resolving the place with `resolver` when given. Only what the
/// caller says counts as fact: the call-taker's questions ("có ai bị thương không?") add
/// nothing, but the caller's answers to them do.
pub fn suggest(
    req: &OperatorRequest,
    resolver: Option<&dyn AddressResolver>,
) -> OperatorSuggestion {
    let transcript = req.transcript.as_str();
    let turns = turns(transcript);
    let caller_text: String = turns
        .iter()
        .filter(|(s, _)| *s == Speaker::Caller)
        .map(|(_, t)| spoken(t))
        .collect::<Vec<_>>()
        .join(". ");
    let mut c = classify(&caller_text);
    let injured_cue = PhraseSet::new(&["bị thương", "ai bị", "bị sao", "có sao", "thương vong"]);
    let weapon_cue = PhraseSet::new(&["hung khí", "dao", "súng", "vũ khí", "cầm gì"]);
    let trapped_cue = PhraseSet::new(&["còn ai", "mắc kẹt", "bị kẹt", "trong nhà có ai"]);
    if c.people.injured.is_none() {
        c.people.injured = answered(&turns, &injured_cue);
    }
    if c.people.trapped.is_none() {
        c.people.trapped = answered(&turns, &trapped_cue).filter(|n| *n > 0);
    }
    // "Có hung khí không? / Không" clears the weapons; "đã nổ súng chưa? / chưa" asks about
    // their use and clears nothing.
    static USE: OnceLock<PhraseSet> = OnceLock::new();
    let use_cue = phrases(&USE, &["nổ súng", "bắn", "đâm ai", "chém ai"]);
    let about_having: Vec<(Speaker, String)> = turns
        .iter()
        .map(|(s, t)| match s {
            Speaker::CallTaker if use_cue.any_in(&analyze(t)) => (*s, String::new()),
            _ => (*s, t.clone()),
        })
        .collect();
    if answered(&about_having, &weapon_cue) == Some(0) {
        c.people.weapons.clear();
    }
    let live_signs = crate::signs::find(&analyze(&caller_text));
    // Any sign of a threat to life beyond the crash or the fight itself makes the call
    // critical: under-triage costs more than over-triage.
    if live_signs.iter().any(|f| {
        !matches!(
            f.sign,
            crate::signs::LifeSign::TrafficAccident | crate::signs::LifeSign::Violence
        )
    }) {
        c.critical = true;
    }
    // Fire or explosion: whichever the caller names first ("tiếng nổ … chỉ có khói").
    if matches!(c.incident_type, IncidentType::Fire) {
        let first =
            |s: crate::signs::LifeSign| live_signs.iter().find(|f| f.sign == s).map(|f| f.at);
        let fire = first(crate::signs::LifeSign::Fire).or(first(crate::signs::LifeSign::Smoke));
        // A pop that starts a fire ("nổ lụp bụp rồi cháy bùng lên", "nổ bụp một cái rồi
        // cháy") is how the fire began: a fire.
        let tokens = analyze(&caller_text);
        let popped = |at: usize| {
            tokens[at..]
                .iter()
                .take(3)
                .any(|t| matches!(t.fold.as_str(), "bup" | "lup" | "lach" | "tach" | "pop"))
        };
        if let Some(boom) = first(crate::signs::LifeSign::Explosion) {
            if fire.is_none_or(|f| boom < f && !(popped(boom) && f < boom + 12)) {
                c.incident_type = IncidentType::Explosion;
            }
        }
    }
    // Someone stuck in a vehicle after a crash is a road accident with a person trapped.
    if c.incident_type == IncidentType::Rescue
        && live_signs
            .iter()
            .any(|f| f.sign == crate::signs::LifeSign::TrafficAccident)
        && !live_signs.iter().any(|f| {
            matches!(
                f.sign,
                crate::signs::LifeSign::Drowning | crate::signs::LifeSign::StructureCollapse
            )
        })
    {
        c.incident_type = IncidentType::TrafficAccident;
        c.people.trapped = c.people.trapped.or(Some(1));
    }
    if c.incident_type == IncidentType::Other {
        if let Some(f) = live_signs.first() {
            c.incident_type = f.sign.class().incident_type();
            if c.incident_type == IncidentType::Crime && c.sub_type.is_none() {
                c.sub_type = Some(CrimeSubType::Other);
            }
        }
    }
    // Fires, water, people trapped and missing read as still going on unless told otherwise;
    // a crash or a crime only when the caller says so.
    if !c.past
        && matches!(
            c.incident_type,
            IncidentType::Fire
                | IncidentType::Rescue
                | IncidentType::Flood
                | IncidentType::MissingPerson
                | IncidentType::Medical
        )
    {
        c.ongoing = true;
    }
    // A crash is over once it has happened: people waiting, calling or in pain are its
    // aftermath ("2 bên đang đợi công an", "đang kêu đau"), unless a fire or a leak goes on.
    if c.incident_type == IncidentType::TrafficAccident {
        c.ongoing = live_signs.iter().any(|f| {
            matches!(
                f.sign.class(),
                crate::safety::EmergencyClass::Fire | crate::safety::EmergencyClass::Explosion
            )
        });
    }
    // Disorder and violence told in the present ("có đánh nhau trước quán", "hát từ 9h đến
    // giờ chưa nghỉ", "ông say nằm chắn giữa đường chửi bới") are going on while the caller
    // speaks, unless the call says they are over.
    if !c.past
        && (c.incident_type == IncidentType::PublicOrder
            || (c.incident_type == IncidentType::Crime
                && matches!(
                    c.sub_type,
                    Some(
                        CrimeSubType::Fight
                            | CrimeSubType::Assault
                            | CrimeSubType::DomesticViolence
                            | CrimeSubType::Weapons
                    )
                )))
    {
        c.ongoing = true;
    }
    c.said_safe = phrases(
        &SAFE,
        &[
            "vẫn ổn",
            "không sao",
            "thở bình thường",
            "bình thường",
            "không ai bị sao",
            "vẫn tỉnh",
            "vẫn khóc",
            "đang khóc",
        ],
    )
    .any_in(&analyze(&caller_text));
    c.threat = phrases(
        &THREAT,
        &[
            "đòi",
            "dọa",
            "đuổi",
            "xông",
            "đập cửa",
            "trước nhà",
            "trước cửa",
            "chĩa",
            "đe dọa",
            "cầm dao đứng",
            "vung",
            "khống chế",
        ],
    )
    .any_in(&analyze(&caller_text));
    c.near_water = phrases(
        &WATER,
        &[
            "hồ",
            "sông",
            "ao",
            "kênh",
            "mương",
            "suối",
            "biển",
            "bể bơi",
            "dưới nước",
            "bờ hồ",
        ],
    )
    .any_in(&analyze(&caller_text));
    c.noise_only = c.incident_type == IncidentType::PublicOrder
        && phrases(
            &NOISE,
            &["karaoke", "nhạc to", "mở nhạc", "ồn", "hát to", "loa"],
        )
        .any_in(&analyze(&caller_text))
        && !phrases(
            &DANGER,
            &["đua xe", "xô xát", "đánh", "hỗn chiến", "dao", "gậy"],
        )
        .any_in(&analyze(&caller_text));
    // Anything the caller names as an event (a type, a crime, a sign) keeps the call an
    // incident unless it is laughed off.
    let has_event = c.incident_type != IncidentType::Other
        || crate::extract::has_incident_cue(&analyze(&caller_text));
    let dismissed = not_incident(&turns, has_event);
    let location_text = final_address(&turns);
    let coords = find_coordinates(&caller_text);
    // The unit through the shared resolver: the address read out first; when that settles
    // nothing, each thing the caller said, latest first (the resolver itself refuses to
    // guess between several units).
    // The unit through the shared resolver, from the address only: what else the caller said
    // is full of words that are also place names ("tự nhiên" is a former commune).
    // The address itself first; the premises and landmarks only when it alone is not enough
    // ("Nguyễn Trãi, gần Royal City").
    let unit = resolver.and_then(|r| {
        location_text.as_deref().and_then(|loc| {
            r.resolve(&crate::extract::core_address(loc))
                .or_else(|| r.resolve(loc))
        })
    });
    let caller_phone = find_phone(&caller_text);
    let has_location = location_text.is_some() || coords.is_some();
    let mut next = next_questions(&c, has_location, caller_phone.is_some());
    if location_text.is_some() && unit.is_none() && resolver.is_some() {
        next.insert(
            0,
            "Chưa xác định được địa bàn: hỏi lại phường/xã hoặc một điểm mốc gần đó.".to_string(),
        );
    }
    if dismissed.is_some() {
        next = vec![
            "Không có sự việc cần xử lý: đóng cuộc gọi trong sổ cuộc gọi với kết quả tương ứng."
                .to_string(),
        ];
    }
    OperatorSuggestion {
        incident_type: c.incident_type,
        sub_type: c.sub_type,
        priority: priority(&c),
        summary: summary(&c, location_text.as_deref()),
        location_text,
        unit,
        lat: coords.map(|c| c.0),
        lon: coords.map(|c| c.1),
        people: c.people.clone(),
        caller_phone,
        ongoing: c.ongoing && !c.past,
        not_incident: dismissed,
        next_questions: next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(t: &str) -> OperatorSuggestion {
        suggest(
            &OperatorRequest {
                transcript: t.into(),
            },
            None,
        )
    }

    #[test]
    fn fire_with_trapped_people_is_priority_one() {
        let s = run(
            "Alo tổng đài ơi, cháy ở số 15 ngõ 42 phố Khương Hạ, phường Khương Đình rồi, \
             trên tầng 4 còn hai người mắc kẹt. Số tôi là 0987 654 321.",
        );
        assert_eq!(s.incident_type, IncidentType::Fire);
        assert_eq!(s.priority, 1);
        assert_eq!(s.people.trapped, Some(2));
        assert_eq!(s.caller_phone.as_deref(), Some("0987654321"));
        assert!(s
            .location_text
            .as_deref()
            .unwrap()
            .starts_with("số 15 ngõ 42"));
        assert!(s.next_questions.iter().any(|q| q.contains("gas")));
        assert!(!s.next_questions.iter().any(|q| q.contains("Địa chỉ")));
    }

    #[test]
    fn a_crash_is_over_and_a_fight_told_now_goes_on() {
        let s = run(
            "CT: 113 nghe / NG: 2 xe máy va chạm ở phố Lò Đúc, không ai bị thương, 2 bên đang \
             đợi công an xuống lập biên bản",
        );
        assert_eq!(s.incident_type, IncidentType::TrafficAccident);
        assert!(!s.ongoing);
        let s = run("CT: 113 xin nghe / NG: có mấy thằng đánh nhau trước quán bia ở phố Huế");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert!(s.ongoing);
        let s = run("CT: 113 xin nghe / NG: tối qua có mấy thằng đánh nhau trước quán bia");
        assert!(!s.ongoing);
    }

    #[test]
    fn a_street_named_tong_is_no_crash() {
        let s = run(
            "CT: 115 / NG: chú bảo vệ ở sảnh tòa nhà số 15 Trần Thái Tông tự nhiên ôm ngực ngã \
             gục xuống, mặt tím tái",
        );
        assert_eq!(s.incident_type, IncidentType::Medical);
    }

    #[test]
    fn missing_location_and_phone_are_asked_first_and_last() {
        let s = run("có mấy thằng cầm dao đang đánh nhau ngoài này");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert_eq!(s.sub_type, Some(CrimeSubType::Fight));
        assert_eq!(s.priority, 1);
        assert!(s.next_questions[0].contains("Địa chỉ"));
        assert!(s.next_questions.last().unwrap().contains("số điện thoại"));
    }

    #[test]
    fn past_fraud_is_low_priority_and_resolver_is_used() {
        let resolver = |addr: &str| addr.contains("Láng").then(|| "Phường Láng".to_string());
        let s = suggest(
            &OperatorRequest {
                transcript: "hôm qua tôi bị lừa chuyển khoản 50 triệu, tôi ở số 3 đường Láng"
                    .into(),
            },
            Some(&resolver),
        );
        assert_eq!(s.sub_type, Some(CrimeSubType::Fraud));
        assert_eq!(s.priority, 4);
        assert_eq!(s.unit.as_deref(), Some("Phường Láng"));
    }

    #[test]
    fn only_a_laughed_off_call_is_dismissed() {
        let s = run("CT: 113 / NG: có thằng đang cầm dao đứng trước nhà em, em không đùa đâu");
        assert_eq!(s.not_incident, None);
        assert_eq!(s.priority, 1);
        let s = run("CT: 114 / NG: báo cháy ạ / CT: ở đâu / NG: cháy túi rồi hihi (cúp máy)");
        assert_eq!(s.not_incident, Some(NotIncident::Prank));
        let s = run("CT: 113 / NG: cho hỏi làm căn cước ở đâu ạ");
        assert_eq!(s.not_incident, Some(NotIncident::Question));
        let s = run("CT: 113 / NG: cho hỏi ngoài ngõ có vụ đánh nhau thì báo ai");
        assert_eq!(s.not_incident, None);
        let s = run("CT: 113 / NG: (im lặng) / CT: alo / NG: (tắt máy)");
        assert_eq!(s.not_incident, Some(NotIncident::Silent));
    }

    #[test]
    fn a_dare_a_procedure_and_a_line_test_are_no_incidents() {
        let s = run(
            "CT: 114 nghe / NG: có cháy to ở chợ / CT: chợ nào? / NG: thôi em xin lỗi, bạn \
             em thách em gọi",
        );
        assert_eq!(s.not_incident, Some(NotIncident::Prank));
        let s = run("CT: 113 / NG: em bị mất hộ chiếu thì làm lại ở đâu ạ");
        assert_eq!(s.not_incident, Some(NotIncident::Question));
        // Lost just now is a report, not a question.
        let s = run("CT: 113 / NG: em vừa bị mất ví ở bến xe, giờ làm lại giấy tờ ở đâu ạ");
        assert_eq!(s.not_incident, None);
        let s = run(
            "CT: 114 / NG: em bên kỹ thuật tòa nhà đang test đường dây báo cháy, không có cháy \
             đâu ạ",
        );
        assert_eq!(s.not_incident, Some(NotIncident::TestCall));
    }

    #[test]
    fn the_caller_s_words_are_the_facts() {
        let s = run(
            "CT: 113 / NG: xe tải tông xe máy ở ngã tư / CT: có ai bị thương, có ai cầm hung khí không / NG: không",
        );
        assert_eq!(s.incident_type, IncidentType::TrafficAccident);
        assert_eq!(s.people.injured, Some(0));
        assert!(s.people.weapons.is_empty());
        let s =
            run("NG: tai nạn ở số 51 Hàng Bạc / CT: số 51 ạ / NG: à nhầm, số 15 chứ không phải 51");
        assert_eq!(s.location_text.as_deref(), Some("số 15 Hàng Bạc"));
        let s =
            run("NG: 2 thằng cướp túi rồi chạy về hướng Giải Phóng, ở trước số 36 Hoàng Quốc Việt");
        assert!(!s.location_text.unwrap_or_default().contains("Giải Phóng"));
    }

    #[test]
    fn the_place_comes_from_the_address_never_from_other_words() {
        // "tự nhiên" (suddenly) is also a former commune's name; only the address counts.
        let resolver = |addr: &str| {
            if addr.contains("Trần Thái Tông") {
                Some("Cầu Giấy".to_string())
            } else if addr.to_lowercase().contains("tự nhiên") {
                Some("Chương Dương".to_string())
            } else {
                None
            }
        };
        let s = suggest(
            &OperatorRequest {
                transcript: "CT: 113 / NG: chú bảo vệ ở sảnh tự nhiên ngã gục xuống, hình như không thở / CT: địa chỉ? / NG: sảnh tòa văn phòng số 15 Trần Thái Tông".into(),
            },
            Some(&resolver),
        );
        assert_eq!(s.unit.as_deref(), Some("Cầu Giấy"));
        let s = suggest(
            &OperatorRequest {
                transcript:
                    "CT: 113 / NG: chú bảo vệ ở sảnh tự nhiên ngã gục xuống, hình như không thở"
                        .into(),
            },
            Some(&resolver),
        );
        assert_eq!(s.unit, None);
    }

    #[test]
    fn spoken_phone_and_medical() {
        let s =
            run("ông cụ nhà tôi bất tỉnh không thở, số không chín một hai ba bốn năm sáu bảy tám");
        assert_eq!(s.incident_type, IncidentType::Medical);
        assert_eq!(s.priority, 1);
        assert_eq!(s.caller_phone.as_deref(), Some("0912345678"));
    }

    #[test]
    fn words_typed_without_marks_are_not_read_as_their_look_alikes() {
        // "đứa" is no joke, "cuối" no laughter: a fire told without marks stays a fire.
        let s = run("CT: 114 nghe / NG: dong rac sau nha toi boc chay lan sang hang rao, voi ca nghi co dua co tinh cham / CT: dia chi? / NG: ngo 236 Doi Can, ngach 37, nha cuoi ngach");
        assert_eq!(s.not_incident, None);
        assert_eq!(s.incident_type, IncidentType::Fire);
        // "khoảng" is not "khoắng" (a theft).
        let s = run("CT: 113 / NG: phong VIP 3 khach dang bay ke voi thuoc lac, khoang chuc nguoi");
        assert_eq!(s.sub_type, Some(CrimeSubType::Drugs));
        // A bike parked ("dựng") in the yard did not crash.
        let s =
            run("CT: 113 / NG: sang nay day thi mat cai xe may dung trong san, cong bi cat khoa");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert_eq!(s.sub_type, Some(CrimeSubType::Theft));
    }

    #[test]
    fn what_the_caller_denies_is_not_read_as_said() {
        let s = run("CT: 114 / NG: dây điện đứt treo lủng lẳng sát đầu người đi đường / CT: có cháy không? / NG: không cháy gì, không thấy xẹt lửa");
        assert_ne!(s.incident_type, IncidentType::Fire);
        let s = run("CT: 113 / NG: xe buýt lao lên vỉa hè đâm vào gốc cây, 3 người bị thương / CT: có bốc khói không? / NG: không thấy khói");
        assert_eq!(s.incident_type, IncidentType::TrafficAccident);
        let s = run("CT: 113 / NG: đám cưới có mấy ông say rượu choảng nhau, lật cả mâm / CT: có hung khí không? / NG: không có dao kéo gì, đánh tay không thôi");
        assert_eq!(s.sub_type, Some(CrimeSubType::Fight));
        assert!(s.people.weapons.is_empty(), "{:?}", s.people.weapons);
        // A fire where nobody is home is still a fire.
        let s = run("CT: 114 / NG: nhà bên cạnh không có người, lửa to lắm rồi");
        assert_eq!(s.incident_type, IncidentType::Fire);
    }

    #[test]
    fn wrong_numbers_silences_and_nuisance_from_both_sides_of_the_call() {
        let s = run("CT: 113 nghe / NG: tổng đài Viettel phải không, mạng nhà tôi chập chờn từ sáng / CT: bác gọi nhầm, đây là đường dây công an 113 / NG: thế à");
        assert_eq!(s.not_incident, Some(NotIncident::WrongNumber));
        // Trouble meant for someone else, owned as a mistake once told.
        let s = run("CT: 114 xin nghe / NG: anh Dũng điện nước phải không, bình nóng lạnh nhà em lại rò nước / CT: chị ơi đây là 114, chị gọi nhầm số rồi / NG: ơ, em lưu nhầm số à, em xin lỗi");
        assert_eq!(s.not_incident, Some(NotIncident::WrongNumber));
        let s = run(
            "CT: 113 xin nghe / NG: alo... / CT: alo, chị nói đi ạ / NG: (rè rè, mất sóng rồi tắt)",
        );
        assert_eq!(s.not_incident, Some(NotIncident::Silent));
        let s = run("CT: 113 nghe / NG: tôi thấy đĩa bay hạ cánh trên nóc nhà hàng xóm / CT: bác đang ở đâu? / NG: ha ha, thôi chào nhé");
        assert_eq!(s.not_incident, Some(NotIncident::Prank));
        let s = run("CT: 113 nghe / NG: anh buồn quá, hát cho anh nghe một bài đi / CT: đây là đường dây khẩn cấp, anh vui lòng không gọi khi không có việc");
        assert_eq!(s.not_incident, Some(NotIncident::Prank));
        // "Đây là 113" is also said when a call is passed on: no wrong number by itself.
        let s = run("CT: 113 nghe / NG: mẹ tôi tự nhiên lả đi, gọi không dậy / CT: đây là 113, tôi nối máy sang 115 cho chị");
        assert_eq!(s.not_incident, None);
        // A question answered by the call-taker is closed as a question.
        let s = run("CT: 113 nghe / NG: sáng nay tôi đánh rơi ví trên đường đi làm, chỉ hỏi giờ muốn báo mất giấy tờ thì đến đâu / CT: anh đến công an phường để khai báo");
        assert_eq!(s.not_incident, Some(NotIncident::Question));
    }

    #[test]
    fn a_gun_at_hand_is_priority_one_fired_or_not() {
        let s = run("CT: 113 / NG: có thằng cầm súng ngắn trong quán cà phê, quát tháo đòi nợ / CT: đã nổ súng chưa? / NG: chưa, chưa ai bị gì");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert_eq!(s.priority, 1);
    }

    #[test]
    fn blows_struck_by_people_and_fires_begun_by_a_pop() {
        let s = run("CT: 113 / NG: chồng tôi vừa bị mấy thằng đánh, nó cầm mũ bảo hiểm phang vào đầu, chảy máu tai");
        assert_eq!(s.incident_type, IncidentType::Crime);
        assert_eq!(s.sub_type, Some(CrimeSubType::Assault));
        let s = run("CT: 113 / NG: bảo vệ quán nhậu bị khách đập chai bia vào đầu, máu me đầy mặt");
        assert_eq!(s.sub_type, Some(CrimeSubType::Assault));
        let s = run("CT: 114 / NG: hầm B2 có xe đạp điện đang sạc nổ bụp một cái rồi cháy, khói bốc lên mù mịt");
        assert_eq!(s.incident_type, IncidentType::Fire);
        // A blast that is the event stays an explosion.
        let s = run("CT: 114 / NG: vừa có tiếng nổ lớn ở quán ăn, vỡ hết kính, sau đó thấy cháy");
        assert_eq!(s.incident_type, IncidentType::Explosion);
    }

    #[test]
    fn a_way_described_is_no_address() {
        let s = run("CT: 114 / NG: xưởng gỗ ở thôn Văn Lôi, xã Tiến Thắng cháy to lắm rồi / CT: xe cứu hỏa vào được không? / NG: được, đi đường lớn rẽ vào cạnh nhà văn hóa thôn");
        let place = s.location_text.unwrap_or_default();
        assert!(place.contains("Tiến Thắng"), "{place}");
    }

    #[test]
    fn where_the_caller_stands_does_not_replace_the_address_named() {
        assert_eq!(
            merge_address("lán sau đình thôn Cần Khê, xã Phúc Thịnh", "cạnh đầu ngõ"),
            "lán sau đình thôn Cần Khê, xã Phúc Thịnh"
        );
        // A number or a name is a new address, or a correction of one.
        assert_eq!(merge_address("số 51 Hàng Bạc", "số 15"), "số 15 Hàng Bạc");
        assert_eq!(merge_address("chợ Mơ", "phố Lạc Trung"), "phố Lạc Trung");
        let s = run("CT: 114 / NG: xưởng gỗ ở thôn Văn Lôi, xã Tiến Thắng cháy to lắm rồi / CT: xe vào được không? / NG: được, tôi ra đầu đường đứng vẫy");
        assert!(s.location_text.unwrap_or_default().contains("Tiến Thắng"));
    }

    #[test]
    fn a_correction_closed_by_nham_keeps_the_corrected_words() {
        assert_eq!(
            stated_address("Nhà tôi ở thôn Lũng Vân, xã An Khánh, à không, thôn Lũng Kênh, xã Hoài Đức mới đúng, tôi gõ nhầm")
                .as_deref()
                .map(|a| a.contains("Lũng Kênh") && !a.contains("Lũng Vân")),
            Some(true)
        );
    }
}
