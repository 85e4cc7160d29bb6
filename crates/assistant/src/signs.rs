//! Life-threat signs read from a message by what it means, not by a memorised sentence: each
//! sign is a small set of concepts ("not" + "breathing", "call" … "does not wake", a liquid
//! that was swallowed, a person on a ledge) matched per syllable with and without diacritics
//! and in teen-code (through [`crate::text::analyze`]). A cue right after a negation ("không
//! ai bị thương", "chưa thấy lửa") does not count.
//!
//! Each sign knows the number to call first (115 medical, 114 fire and rescue, 113 police) and
//! what to do while help comes. Whether the message describes something happening now is
//! decided by [`crate::safety`], not here.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::safety::EmergencyClass;
use crate::text::{PhraseSet, Token};

/// A sign that someone's life or safety is at risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeSign {
    /// Fire or flames.
    Fire,
    /// Smoke or a burning smell.
    Smoke,
    /// Gas leak or toxic fumes.
    GasLeak,
    /// Explosion.
    Explosion,
    /// A building, wall, ceiling or scaffold came down.
    StructureCollapse,
    /// Someone trapped or stuck.
    Trapped,
    /// Someone drowning or in the water.
    Drowning,
    /// Electric shock.
    Electrocution,
    /// Flood water rising, people cut off.
    Flood,
    /// Someone being taken or held.
    Abduction,
    /// Violence or a threat with a weapon, in progress.
    Violence,
    /// Someone breaking in.
    BreakIn,
    /// Not breathing or barely breathing.
    NotBreathing,
    /// Unconscious, does not respond.
    Unconscious,
    /// Choking on something.
    Choking,
    /// Stroke signs.
    Stroke,
    /// Chest pain.
    ChestPain,
    /// Seizure.
    Seizure,
    /// Heavy bleeding.
    SevereBleeding,
    /// Too much of a medicine or a drug.
    Overdose,
    /// Poison swallowed or food poisoning.
    Poisoning,
    /// Severe allergic reaction.
    Allergy,
    /// Burns.
    Burn,
    /// Labour or bleeding in pregnancy.
    Childbirth,
    /// Someone suddenly collapsed.
    Collapse,
    /// Someone about to take their life.
    Suicide,
    /// A road accident.
    TrafficAccident,
}

impl LifeSign {
    /// The snake-case code.
    pub fn code(self) -> &'static str {
        match self {
            LifeSign::Fire => "fire",
            LifeSign::Smoke => "smoke",
            LifeSign::GasLeak => "gas_leak",
            LifeSign::Explosion => "explosion",
            LifeSign::StructureCollapse => "structure_collapse",
            LifeSign::Trapped => "trapped",
            LifeSign::Drowning => "drowning",
            LifeSign::Electrocution => "electrocution",
            LifeSign::Flood => "flood",
            LifeSign::Abduction => "abduction",
            LifeSign::Violence => "violence",
            LifeSign::BreakIn => "break_in",
            LifeSign::NotBreathing => "not_breathing",
            LifeSign::Unconscious => "unconscious",
            LifeSign::Choking => "choking",
            LifeSign::Stroke => "stroke",
            LifeSign::ChestPain => "chest_pain",
            LifeSign::Seizure => "seizure",
            LifeSign::SevereBleeding => "severe_bleeding",
            LifeSign::Overdose => "overdose",
            LifeSign::Poisoning => "poisoning",
            LifeSign::Allergy => "allergic_reaction",
            LifeSign::Burn => "burn",
            LifeSign::Childbirth => "childbirth",
            LifeSign::Collapse => "collapse",
            LifeSign::Suicide => "suicide",
            LifeSign::TrafficAccident => "traffic_accident",
        }
    }

    /// The emergency class (decides the incident type of a report it starts).
    pub fn class(self) -> EmergencyClass {
        use LifeSign as S;
        match self {
            S::Fire | S::Smoke => EmergencyClass::Fire,
            S::GasLeak | S::Explosion => EmergencyClass::Explosion,
            S::StructureCollapse | S::Trapped | S::Electrocution | S::Suicide => {
                EmergencyClass::Rescue
            }
            S::Drowning => EmergencyClass::Drowning,
            S::Flood => EmergencyClass::Flood,
            S::Abduction | S::Violence | S::BreakIn => EmergencyClass::Violence,
            S::TrafficAccident => EmergencyClass::TrafficAccident,
            S::NotBreathing
            | S::Unconscious
            | S::Choking
            | S::Stroke
            | S::ChestPain
            | S::Seizure
            | S::SevereBleeding
            | S::Overdose
            | S::Poisoning
            | S::Allergy
            | S::Burn
            | S::Childbirth
            | S::Collapse => EmergencyClass::Medical,
        }
    }

    /// The number to call first.
    pub fn number(self) -> &'static str {
        match self {
            // Someone threatening to jump or to end their life: the police come and talk them
            // down; rescue and the ambulance are sent with them.
            LifeSign::Suicide => "113",
            // An electric shock needs the power cut and the person freed first.
            LifeSign::Electrocution => "114",
            other => other.class().number(),
        }
    }

    /// The reply: the number first, then what to do now, in Vietnamese.
    pub fn reply(self) -> String {
        let head = match self.number() {
            "114" => "GỌI NGAY 114 (Cứu hỏa, cứu nạn cứu hộ) – miễn phí.",
            "115" => "GỌI NGAY 115 (Cấp cứu) – miễn phí.",
            _ => "GỌI NGAY 113 (Công an) – miễn phí.",
        };
        format!("{head}\n{}", self.advice())
    }

    /// What to do while help comes, in Vietnamese.
    pub fn advice(self) -> &'static str {
        use LifeSign as S;
        match self {
            S::NotBreathing => "- Đặt người bệnh nằm ngửa trên nền cứng, gọi to và lay vai xem có phản ứng không.\n\
- Nếu không thở hoặc chỉ thở ngáp: ép tim ngay giữa ngực, mạnh và nhanh (khoảng 100–120 lần/phút), không dừng cho tới khi cấp cứu đến; trẻ nhỏ ép bằng hai ngón tay.\n\
- Bật loa điện thoại để nhân viên 115 hướng dẫn từng bước.",
            S::Unconscious => "- Gọi to, lay vai; kiểm tra còn thở không. Nếu không thở: ép tim ngay giữa ngực và làm theo hướng dẫn của 115.\n\
- Nếu còn thở: đặt nằm nghiêng an toàn, nới lỏng quần áo, không cho ăn uống gì.\n\
- Ở bên cạnh theo dõi nhịp thở cho tới khi cấp cứu đến.",
            S::Collapse => "- Đỡ người bệnh nằm xuống nơi an toàn, gọi to và lay vai xem còn tỉnh, còn thở không.\n\
- Nếu không thở: ép tim ngay giữa ngực, làm theo hướng dẫn của 115.\n\
- Nếu còn thở: đặt nằm nghiêng, nới lỏng quần áo, không cho ăn uống.",
            S::ChestPain => "- Cho người bệnh ngồi hoặc nửa nằm nghỉ, không đi lại, không gắng sức; nới lỏng quần áo.\n\
- Nếu có thuốc tim bác sĩ đã kê (ví dụ thuốc ngậm dưới lưỡi), dùng đúng như đã dặn.\n\
- Nếu người bệnh ngất và ngừng thở: ép tim ngay giữa ngực.",
            S::Stroke => "- Ghi nhớ giờ bắt đầu có dấu hiệu (méo miệng, yếu tay chân, nói khó): bác sĩ cần biết.\n\
- Đặt nằm nghiêng đầu hơi cao, không cho ăn uống, không tự cho uống thuốc, không cạo gió, chích máu.\n\
- Chờ xe cấp cứu để đến bệnh viện có khả năng điều trị đột quỵ càng sớm càng tốt.",
            S::Seizure => "- Dẹp vật cứng, sắc xung quanh; kê đầu bằng vật mềm; không giữ chặt tay chân.\n\
- Không nhét bất cứ thứ gì vào miệng, không đổ nước, thuốc vào miệng.\n\
- Khi hết giật: đặt nằm nghiêng; ghi lại thời gian cơn giật. Cơn kéo dài trên 5 phút là rất nguy hiểm.",
            S::SevereBleeding => "- Ép chặt trực tiếp lên vết thương bằng vải sạch, khăn, giữ liên tục; máu thấm qua thì đặt thêm lớp khác lên, không bỏ lớp cũ.\n\
- Nâng cao phần bị thương nếu được; để người bị thương nằm, giữ ấm.\n\
- Không rút vật đang cắm vào vết thương.",
            S::Poisoning => "- Không tự gây nôn, không cho uống sữa hay bất cứ thứ gì nếu chưa được nhân viên y tế hướng dẫn.\n\
- Giữ lại vỏ chai, hộp thuốc, thức ăn nghi ngờ để đưa cho bác sĩ.\n\
- Nếu người bệnh lơ mơ: đặt nằm nghiêng; nếu ngừng thở: ép tim ngay.",
            S::Overdose => "- Giữ lại vỏ thuốc, lọ thuốc để đưa cho bác sĩ; không tự gây nôn.\n\
- Gọi to, kiểm tra nhịp thở; nếu lơ mơ đặt nằm nghiêng, nếu ngừng thở ép tim ngay.\n\
- Ở bên cạnh người bệnh cho tới khi cấp cứu đến.",
            S::Allergy => "- Nếu người bệnh có bút tiêm adrenaline đã được kê: tiêm ngay vào mặt ngoài đùi.\n\
- Khó thở: để ngồi dậy; choáng, lả: nằm, kê cao chân. Không cho ăn uống.\n\
- Tránh xa thứ gây dị ứng (ong, thức ăn, thuốc vừa dùng) và mang theo thông tin cho bác sĩ.",
            S::Burn => "- Dội hoặc ngâm vùng bỏng dưới nước mát sạch (không phải nước đá) liên tục 20 phút.\n\
- Tháo nhẫn, đồng hồ, quần áo không dính vào vết bỏng; không bôi kem đánh răng, mỡ, nước mắm.\n\
- Che vết bỏng bằng màng bọc thực phẩm hoặc vải sạch; bỏng hóa chất vào mắt: rửa mắt dưới vòi nước liên tục.",
            S::Choking => "- Nếu còn ho được: khuyến khích ho mạnh, không vỗ lưng lúc đang ho.\n\
- Không ho, không nói, không thở được: vỗ mạnh 5 cái giữa hai bả vai, rồi ép bụng 5 lần (trẻ dưới 1 tuổi: úp sấp dọc cánh tay vỗ lưng, rồi ấn ngực bằng hai ngón tay); làm lại cho tới khi dị vật ra.\n\
- Không móc họng bằng tay khi không nhìn thấy dị vật. Nếu ngừng thở: ép tim ngay.",
            S::Childbirth => "- Cho sản phụ nằm nghỉ nơi sạch, ấm; không để đi lại nhiều.\n\
- Nếu em bé ra trước khi xe tới: đỡ nhẹ đầu, không kéo; lau khô, ủ ấm bé áp da mẹ; không tự cắt dây rốn.\n\
- Ra máu nhiều: để sản phụ nằm, kê cao chân, giữ ấm và báo ngay cho 115.",
            S::Fire => "- Hô hoạn cho mọi người cùng biết, thoát ra ngoài theo lối gần nhất, không quay lại lấy đồ.\n\
- Cúi thấp người, che mũi miệng bằng khăn ướt; không dùng thang máy.\n\
- Ngắt cầu dao điện và khóa van bình gas nếu làm được mà không nguy hiểm.\n\
- Nếu bị kẹt: vào phòng xa đám cháy, đóng kín cửa, chèn khăn ướt vào khe cửa, ra ban công hoặc cửa sổ ra hiệu cứu.\n\
- Có người bị thương: gọi thêm 115.",
            S::Smoke => "- Khói là dấu hiệu cháy: hô hoán mọi người, rời khỏi khu vực theo lối không có khói.\n\
- Cúi thấp người, che mũi miệng bằng khăn ướt; không dùng thang máy.\n\
- Nếu khói từ ổ điện, thiết bị: ngắt cầu dao nếu làm được an toàn. Không mở cửa phòng đang có khói đặc.",
            S::GasLeak => "- Khóa van bình gas nếu làm được; mở cửa cho thoáng.\n\
- Không bật, tắt công tắc điện, không dùng lửa, không gọi điện trong khu vực có mùi gas; ra ngoài rồi mới gọi.\n\
- Báo cho mọi người cùng tầng, cùng nhà rời đi.",
            S::Explosion => "- Rời xa khu vực, không quay lại, đề phòng nổ tiếp.\n\
- Nếu có mùi gas: khóa van, mở cửa cho thoáng, không bật tắt điện, không dùng lửa.\n\
- Có người bị thương: gọi thêm 115.",
            S::StructureCollapse | S::Trapped => "- Giữ bình tĩnh, không tự ý phá dỡ khi có nguy cơ sập thêm; tránh xa khu vực nguy hiểm.\n\
- Người bị kẹt: gọi to hoặc gõ vào vật cứng để báo vị trí, giữ sức.\n\
- Có người bị thương: gọi thêm 115.",
            S::Drowning => "- Không nhảy xuống cứu nếu bạn không biết bơi cứu hộ; ném phao, can nhựa, dây hoặc đưa sào, cành cây cho người bị nạn bám.\n\
- Hô hoán người xung quanh hỗ trợ; gọi thêm 115.\n\
- Đưa được người lên bờ: nếu ngừng thở, ép tim và thổi ngạt ngay trong lúc chờ cấp cứu.",
            S::Electrocution => "- Không chạm tay trần vào người bị điện giật khi chưa ngắt điện: ngắt cầu dao, rút phích, hoặc dùng gậy gỗ, nhựa khô gạt dây điện ra.\n\
- Tránh xa vùng nước có điện và dây điện bị đứt.\n\
- Khi đã tách khỏi nguồn điện: nếu ngừng thở, ép tim ngay; gọi thêm 115.",
            S::Flood => "- Di chuyển lên chỗ cao, mang theo điện thoại, nước uống.\n\
- Ngắt điện trong nhà; không lội qua dòng nước chảy xiết.\n\
- Nếu bị cô lập: ở nơi cao nhất, ra hiệu bằng đèn, vải màu. Có thể gọi thêm 112 (tìm kiếm cứu nạn).",
            S::Abduction => "- Ghi nhớ và báo ngay: biển số, màu, loại xe, hướng đi, đặc điểm người đưa đi, thời điểm.\n\
- Không đuổi theo một mình nếu nguy hiểm; nhờ người xung quanh chứng kiến, quay phim nếu an toàn.\n\
- Nếu kẻ xấu đòi tiền chuộc: không chuyển tiền, giữ lại tin nhắn, số điện thoại.",
            S::Violence => "- Đảm bảo an toàn cho bản thân trước: tránh xa đối tượng, vào nơi đông người hoặc phòng có khóa cửa.\n\
- Không đối đầu với người có hung khí.\n\
- Ghi nhớ đặc điểm đối tượng, phương tiện, biển số, hướng đi.\n\
- Có người bị thương: gọi thêm 115.",
            S::BreakIn => "- Không đối mặt với kẻ đột nhập; khóa cửa phòng, ở yên nơi an toàn và giữ im lặng.\n\
- Nếu nói chuyện không an toàn, nhắn tin cho người thân gọi 113 giúp.\n\
- Không chạm vào đồ đạc sau khi kẻ gian đi để giữ dấu vết.",
            S::Suicide => "- Nếu an toàn, ở bên cạnh hoặc giữ liên lạc với người đó, nói chuyện bình tĩnh, lắng nghe, không chỉ trích.\n\
- Đưa các vật nguy hiểm (dao, thuốc, dây) ra xa; không để người đó ở một mình.\n\
- Báo ngay địa chỉ, vị trí cụ thể; gọi thêm 114 nếu người đó ở trên cao hoặc gần nước, 115 nếu đã dùng thuốc hoặc bị thương.",
            S::TrafficAccident => "- Đặt cảnh báo, tránh để xảy ra va chạm tiếp; gọi thêm 115 nếu có người bị thương.\n\
- Không tự ý di chuyển người bị thương nặng, trừ khi có nguy cơ cháy nổ.\n\
- Giữ nguyên hiện trường, ghi lại biển số xe liên quan.",
        }
    }
}

/// How a sign is recognised.
enum Cue {
    /// Any of the phrases.
    Any(PhraseSet),
    /// A phrase of the first set followed, within `window` syllables, by one of the second.
    Then(PhraseSet, PhraseSet, usize),
    /// A thing of the first set and a state of the second within `window` syllables, in
    /// either order: "thang máy … đứng im", "kẹt … trong thang máy". The state must not be
    /// negated.
    Near(PhraseSet, PhraseSet, usize),
}

struct Rule {
    sign: LifeSign,
    cues: Vec<Cue>,
    /// Whether the cue alone says nothing of time (a snatching, a threat, harassment): the
    /// message must then say it is happening now.
    needs_now: bool,
}

fn any(p: &[&str]) -> Cue {
    Cue::Any(PhraseSet::new(p))
}

fn then(a: &[&str], b: &[&str], window: usize) -> Cue {
    Cue::Then(PhraseSet::new(a), PhraseSet::new(b), window)
}

fn near(a: &[&str], b: &[&str], window: usize) -> Cue {
    Cue::Near(PhraseSet::new(a), PhraseSet::new(b), window)
}

/// People a message may be about, by kin, age or role, in every register.
const PEOPLE: &[&str] = &[
    "người",
    "ông",
    "bà",
    "bố",
    "mẹ",
    "ba",
    "má",
    "cha",
    "con",
    "cháu",
    "em",
    "anh",
    "chị",
    "bé",
    "ổng",
    "bả",
    "tui",
    "tôi",
    "mình",
    "nó",
    "thằng",
    "đứa",
    "cụ",
    "vợ",
    "chồng",
    "công nhân",
    "bạn",
];

/// Parts of the body that can be burnt or hurt.
const BODY: &[&str] = &[
    "=da",
    "tay",
    "chân",
    "mặt",
    "ngực",
    "lưng",
    "bụng",
    "đùi",
    "mông",
    "cổ",
    "vai",
    "đầu",
    "cả người",
    "khắp người",
    "=người",
    "bàn tay",
    "bàn chân",
    "cánh tay",
    "ống chân",
    "mắt",
];

/// What burnt skin looks like.
const BURN_STATES: &[&str] = &[
    "=phồng",
    "rộp",
    "phồng rộp",
    "phồng nước",
    "bong tróc",
    "tróc da",
    "lột da",
    "tuột da",
    "bong ra",
    "cháy đen",
    "cháy xém",
    "cháy sém",
    "=bỏng",
    "=phỏng",
    "rát bỏng",
    "phỏng rộp",
];

/// What burns a body: hot liquid, fat, steam, corrosives.
const BURN_AGENTS: &[&str] = &[
    "nước sôi",
    "dầu sôi",
    "dầu nóng",
    "mỡ nóng",
    "canh nóng",
    "cháo nóng",
    "hơi nóng",
    "hóa chất",
    "axit",
    "xút",
    "vôi tôi",
    "nước nóng",
    "=nồi",
    "ấm nước",
];

/// Lips and faces, whose colour shows a body short of air.
const LIPS_FACE: &[&str] = &["=môi", "=mặt", "=da", "mặt mũi", "=người"];

/// Things people choke on.
const FOOD: &[&str] = &[
    "miếng",
    "thịt",
    "cá",
    "xương",
    "cơm",
    "bánh",
    "kẹo",
    "thạch",
    "hạt",
    "đồ ăn",
    "viên",
    "nho",
    "chôm chôm",
    "nhãn",
    "xôi",
    "đồ chơi",
];

/// What sets off a severe allergic reaction.
const ALLERGY_TRIGGERS: &[&str] = &[
    "ăn",
    "uống",
    "tiêm",
    "truyền",
    "kháng sinh",
    "ong",
    "kiến",
    "côn trùng",
    "tôm",
    "cua",
    "hải sản",
    "đậu phộng",
    "lạc",
    "thuốc",
    "đốt",
];

/// How a body reacts to it, badly.
const ALLERGY_SIGNS: &[&str] = &[
    "nổi mẩn",
    "mẩn đỏ",
    "mề đay",
    "phát ban",
    "sưng môi",
    "sưng mặt",
    "sưng vù",
    "sưng húp",
    "phù",
    "khó thở",
    "choáng",
    "tụt huyết áp",
    "mạch yếu",
    "ngứa khắp",
    "nuốt không được",
    "họng bị bóp",
    "thở khò khè",
];

/// Places a person can be shut in or fall into and not get out of by themselves.
const ENCLOSURES: &[&str] = &[
    "thang máy",
    "cabin",
    "ô tô",
    "xe hơi",
    "cống",
    "hố ga",
    "=hố",
    "giếng",
    "hầm",
    "khe",
    "đường ống",
    "bồn nước",
    "bể nước",
    "téc nước",
    "nhà vệ sinh",
    "phòng tắm",
    "ban công",
    "lan can",
    "cửa cuốn",
    "cửa sắt",
    "máy trộn",
    "máy xay",
    "băng chuyền",
];

/// What shows they cannot get out now.
const STUCK: &[&str] = &[
    "không ra được",
    "ko ra được",
    "không lên được",
    "không thoát được",
    "không mở được",
    "không mở ra được",
    "không rút ra được",
    "không kéo lên được",
    "không leo lên được",
    "kẹt",
    "bị nhốt",
    "nhốt trong",
    "khóa trái",
    "bị khóa",
    "đứng im",
    "đứng yên",
    "dừng đột ngột",
    "dừng giữa",
    "dừng lại giữa",
    "chết máy",
    "giữa tầng",
    "giữa hai tầng",
    "đang ở trong",
    "ở bên trong",
    "còn ở trong",
    "vẫn ở trong",
];

/// Negation words that undo a cue right after them.
fn negation() -> &'static PhraseSet {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "không",
            "chưa",
            "chẳng",
            "chả",
            "đâu có",
            "không hề",
            "chưa hề",
        ])
    })
}

/// Words that may sit between a negation and what it negates ("không ai bị", "chưa thấy").
const NEGATION_GAP: &[&str] = &[
    "ai", "có", "bị", "thấy", "còn", "hề", "phải", "người", "nào", "gì", "bốc", "xẹt", "tóe", "mùi",
];

const NEG: &[&str] = &[
    "không",
    "chẳng",
    "chả",
    "hết",
    "ngừng",
    "ngưng",
    "tắt",
    "thôi",
    "không còn",
    "chưa",
];

/// The rules in order of precedence: the first sign found decides the number. Hazards to
/// many people (fire, gas, collapse) come first, then violence, then medical signs; a road
/// accident alone comes last, since the medical sign in it says more.
fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        use LifeSign as S;
        vec![
            Rule {
                needs_now: false,
                sign: S::Fire,
                cues: vec![
                    any(&[
                        "bốc lửa",
                        "bén sang",
                        "bốc hỏa",
                        "cháy đùng đùng",
                        "lửa ngùn ngụt",
                        "cháy khét",
                        "cháy ngùn ngụt",
                        "=cháy",
                        "=lửa",
                        "bốc cháy",
                        "hỏa hoạn",
                        "bén lửa",
                        "lửa bốc",
                        "cháy lan",
                        "đang cháy",
                        "bị cháy",
                        "cháy nhà",
                        "nhà cháy",
                        "cháy rồi",
                        "cháy to",
                        "cháy lớn",
                        "ngọn lửa",
                        "đám cháy",
                        "có cháy",
                        "cháy dữ",
                        "lửa bùng",
                        "bùng cháy",
                        "lửa to",
                        "lửa cháy",
                        "phát hỏa",
                        "bắt lửa",
                        "lửa lan",
                        "cháy nổ",
                        "chập cháy",
                    ]),
                    // A pan or fuel flaring: "nồi dầu trên bếp bùng lên cao". Strict marks where
                    // the unmarked syllable is another word: "dau bung" is a stomach ache.
                    then(
                        &["=dầu", "chảo", "bếp", "=nồi", "xăng", "lửa"],
                        &["=bùng", "bùng lên", "bắt lửa", "phựt lên", "bốc lên"],
                        4,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Smoke,
                cues: vec![any(&[
                    "=khói",
                    "bốc khói",
                    "khói đen",
                    "khói mù",
                    "khói bốc",
                    "nhiều khói",
                    "mù mịt khói",
                    "khói trắng",
                    "mùi khét",
                    "khét lẹt",
                    "khét lẹt",
                    "=khét",
                    "ngạt khói",
                ])],
            },
            Rule {
                needs_now: false,
                sign: S::GasLeak,
                cues: vec![
                    // A cylinder or pipe hissing: "mấy bình rơi ra đang xì hơi".
                    near(
                        &["bình", "ống", "van", "khí gas", "khí ga"],
                        &[
                            "xì hơi", "xì ra", "kêu xì", "bị rò", "rò rỉ", "=rò", "bị xì",
                        ],
                        10,
                    ),
                    any(&[
                        "rò rỉ gas",
                        "rò gas",
                        "xì gas",
                        "mùi gas",
                        "hở gas",
                        "rò khí gas",
                        "rò rỉ ga",
                        "rò ga",
                        "xì ga",
                        "mùi ga",
                        "hở ga",
                        "rò rỉ khí",
                        "khí độc",
                        "ngạt khí",
                        "mùi khí",
                        "bình ga xì",
                        "bình gas xì",
                        "ga bị xì",
                        "gas bị xì",
                        "ngộ độc khí",
                        "khí co",
                        "than tổ ong",
                        "mùi hóa chất",
                        "hơi độc",
                    ]),
                    then(
                        &["ga", "gas"],
                        &[
                            "xì",
                            "rò",
                            "hở",
                            "kêu xì",
                            "nồng",
                            "bốc",
                            "bị rò",
                            "bị xì",
                            "bục",
                            "nứt",
                            "nồng nặc",
                        ],
                        6,
                    ),
                    near(
                        &[
                            "khí gas",
                            "khí ga",
                            "ống gas",
                            "ống ga",
                            "ống dẫn khí",
                            "đường ống khí",
                            "bình gas",
                            "bình ga",
                        ],
                        &["bục", "vỡ", "nứt", "rò", "xì", "hở", "mùi", "nồng"],
                        6,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Explosion,
                cues: vec![any(&[
                    "=nổ",
                    "phát nổ",
                    "tiếng nổ",
                    "nổ lớn",
                    "bị nổ",
                    "nổ tung",
                    "vừa nổ",
                    "đang nổ",
                    "nổ bình",
                    "nổ trạm",
                    "nổ tan",
                    "nổ banh",
                ])],
            },
            Rule {
                needs_now: false,
                sign: S::StructureCollapse,
                cues: vec![
                    // Earth, walls or roofs that gave way, with people under.
                    near(
                        &[
                            "vách đất",
                            "đất",
                            "taluy",
                            "hố móng",
                            "mái tôn",
                            "mái",
                            "tường",
                            "trần",
                            "nhà",
                            "giàn giáo",
                            "cầu",
                        ],
                        &[
                            "=sụt",
                            "=sạt",
                            "sụt xuống",
                            "sạt lở",
                            "=sập",
                            "vừa sập",
                            "đổ sập",
                            "=sụp",
                            "bị sập",
                            "giật sập",
                            "sập rồi",
                            "sập xuống",
                        ],
                        4,
                    ),
                    near(
                        &["dưới đống", "đống gạch", "đống đổ nát", "đống đất"],
                        &["người", "công nhân", "kêu", "tiếng"],
                        6,
                    ),
                    any(&[
                        "=sập",
                        "bị sập",
                        "sập nhà",
                        "nhà sập",
                        "sập tường",
                        "sập cầu",
                        "sập trần",
                        "sạt lở",
                        "sập giàn giáo",
                        "sập mái",
                        "đổ tường",
                        "tường đổ",
                        "sụt lún",
                        "đất sạt",
                        "cây đổ",
                        "đổ đè",
                    ]),
                    then(
                        &[
                            "trần",
                            "tường",
                            "mái",
                            "giàn giáo",
                            "nhà",
                            "cột",
                            "cây",
                            "biển quảng cáo",
                            "công trình",
                        ],
                        // After a structure, "sap" typed without marks is "sập".
                        &["đổ", "sập", "sụp", "rơi xuống", "đổ xuống", "gãy đổ"],
                        3,
                    ),
                    // Wider, for structures that do not "đổ" in daily speech ("nhà em đổ
                    // rác" is no collapse): "trần thạch cao hội trường rơi xuống đè".
                    then(
                        &[
                            "trần",
                            "trần thạch cao",
                            "tường",
                            "bức tường",
                            "mái",
                            "mái tôn",
                            "giàn giáo",
                            "lán",
                            "ban công",
                            "cầu thang",
                            "cột điện",
                        ],
                        &["đổ sập", "=sập", "sụp", "đổ ập", "ập xuống", "đè"],
                        6,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Trapped,
                cues: vec![
                    near(
                        &["gầm xe", "dưới gầm", "dưới xe", "đống đổ nát", "trong xe"],
                        &["kẹt", "mắc kẹt", "không ra được", "đè"],
                        6,
                    ),
                    any(&[
                        "kẹt vào",
                        "kẹt giữa",
                        "rút không ra",
                        "không rút ra được",
                        "không rút ra",
                        "bị nhốt trong thang máy",
                        "kẹt cứng",
                        "không mở được cửa",
                        "bị kẹt lại",
                        "mắc kẹt",
                        "bị kẹt",
                        "kẹt trong",
                        "kẹt thang máy",
                        "bị vùi",
                        "bị đè",
                        "rơi xuống giếng",
                        "ngã xuống giếng",
                        "rơi xuống hố",
                        "ngã xuống hố",
                        "kẹt đầu",
                        "kẹt tay",
                        "kẹt chân",
                        "không ra được",
                        "không thoát ra được",
                        "bị chôn vùi",
                        "mắc kẹt trên",
                        "treo lơ lửng",
                        "lơ lửng trên",
                    ]),
                    then(
                        &["kẹt", "nhốt"],
                        &["thang máy", "trong xe", "trong nhà", "trong phòng"],
                        3,
                    ),
                    near(ENCLOSURES, STUCK, 8),
                    near(
                        &["thang máy"],
                        &["mất điện", "dừng", "đứng", "hỏng", "tắt đèn", "rơi"],
                        6,
                    ),
                    // Buried: "bị đất đá vùi", "người bị bê tông đè".
                    // Strict marks: unmarked "vui", "de", "chon" are happy, to put, to choose.
                    then(&["bị", "người"], &["=vùi", "vùi lấp", "=chôn", "=đè"], 4),
                    near(
                        &["cống", "hố ga", "=hố", "giếng", "hầm", "khe"],
                        &["kêu cứu"],
                        8,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Drowning,
                cues: vec![
                    // Slipped or fell where the water is, told in either order: "chơi ở mép sông …
                    // vừa có đứa trượt chân xuống, đang bám cành cây".
                    near(
                        &[
                            "trượt chân",
                            "ngã xuống",
                            "rơi xuống",
                            "lọt xuống",
                            "té xuống",
                            "đang bám",
                        ],
                        &[
                            "=sông",
                            "=hồ",
                            "=ao",
                            "=suối",
                            "=kênh",
                            "=mương",
                            "mép nước",
                            "bờ sông",
                            "nước chảy xiết",
                        ],
                        14,
                    ),
                    // Swept away by moving water.
                    near(
                        &["cuốn", "cuốn trôi", "bị cuốn", "trôi"],
                        &["nước", "cống", "sông", "suối", "lũ", "mương", "dòng"],
                        5,
                    ),
                    any(&[
                        "ngộp nước",
                        "trôi sông",
                        "ra giữa dòng",
                        "bị sóng cuốn",
                        "lật thuyền",
                        "chìm thuyền",
                        "bị chìm",
                        "chìm mất",
                        "chìm rồi",
                        "chưa thấy lên",
                        "chưa thấy nổi lên",
                        "lặn tìm",
                        "đuối nước",
                        "chết đuối",
                        "bị đuối",
                        "=đuối",
                        "đang chìm",
                        "chìm xuống",
                        "nước cuốn",
                        "bị cuốn trôi",
                        "cuốn trôi",
                        "chới với",
                        "vùng vẫy",
                        "không biết bơi",
                        "ngụp lặn",
                        "đuối sức",
                    ]),
                    then(
                        &["rơi", "ngã", "nhảy", "lao", "trượt", "té", "lọt"],
                        &[
                            "xuống sông",
                            "xuống hồ",
                            "xuống ao",
                            "xuống nước",
                            "xuống kênh",
                            "xuống mương",
                            "xuống bể",
                            "xuống biển",
                            "xuống suối",
                            "xuống đầm",
                            "xuống hố nước",
                        ],
                        // "nhảy từ cầu Long Biên xuống sông"
                        5,
                    ),
                    near(
                        &[
                            "tắm ao",
                            "tắm sông",
                            "tắm hồ",
                            "tắm suối",
                            "tắm biển",
                            "đi bơi",
                            "bơi",
                        ],
                        &[
                            "mất hút",
                            "chưa thấy",
                            "không thấy",
                            "chìm",
                            "đuối",
                            "chới với",
                            "mất tích",
                            "ngoi lên",
                        ],
                        8,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Electrocution,
                cues: vec![
                    near(
                        &[
                            "điện",
                            "cột điện",
                            "dây điện",
                            "ổ điện",
                            "ổ cắm",
                            "thợ điện",
                            "trạm biến áp",
                        ],
                        &[
                            "bị giật",
                            "giật ngã",
                            "co quắp",
                            "dính chặt",
                            "không buông ra",
                            "không buông",
                        ],
                        8,
                    ),
                    then(&["thò", "chọc", "cắm", "cho"], &["ổ điện", "ổ cắm"], 4),
                    any(&[
                        "điện giựt",
                        "giựt điện",
                        "bị giựt điện",
                        "điện giật",
                        "bị giật điện",
                        "giật điện",
                        "chạm điện",
                        "dính điện",
                        "điện rò",
                        "rò điện",
                        "hở điện",
                    ]),
                    then(
                        &["chạm", "dính", "cầm", "đụng", "cắm", "sửa"],
                        &["bị giật", "giật ngã", "giật văng"],
                        6,
                    ),
                    then(
                        &["chạm", "dính", "bám", "vướng", "chạm vào", "dính vào"],
                        &[
                            "dây điện",
                            "cột điện",
                            "ổ điện",
                            "trạm biến áp",
                            "dây cao thế",
                        ],
                        3,
                    ),
                    then(
                        &[
                            "cột điện",
                            "dây điện",
                            "ổ điện",
                            "cầu dao",
                            "ổ cắm",
                            "trạm biến áp",
                        ],
                        &["bị giật", "giật"],
                        6,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Flood,
                cues: vec![any(&[
                    "=lũ",
                    "lũ quét",
                    "lũ lụt",
                    "nước lũ",
                    "lũ về",
                    "lũ dâng",
                    "nước dâng",
                    "ngập sâu",
                    "ngập đến",
                    "ngập tới",
                    "ngập nhà",
                    "nhà bị ngập",
                    "bị cô lập",
                    "nước ngập",
                    "vỡ đê",
                    "nước lên nhanh",
                    "ngập nóc",
                    "ngập mái",
                ])],
            },
            Rule {
                needs_now: false,
                sign: S::Abduction,
                cues: vec![
                    then(
                        &[
                            "lôi",
                            "kéo",
                            "ép",
                            "bế",
                            "đẩy",
                            "nhét",
                            "tống",
                            "bắt",
                            "kéo tuột",
                            "pulled",
                        ],
                        &[
                            "lên taxi",
                            "vào taxi",
                            "vào cốp",
                            "cốp xe",
                            "lên xe",
                            "into a van",
                            "into a car",
                        ],
                        6,
                    ),
                    near(
                        &["nhốt", "bắt giữ", "giam"],
                        &["biên giới", "tiền chuộc", "chuộc"],
                        30,
                    ),
                    any(&[
                        "bịt miệng",
                        "bắt cóc",
                        "bắt đi",
                        "chở đi mất",
                        "không phải bố cháu",
                        "không phải mẹ cháu",
                        "bán qua biên giới",
                        "bán sang",
                        "đòi tiền chuộc",
                        "kidnap",
                    ]),
                    any(&[
                        "bồng lên xe",
                        "bị khống chế",
                        "khống chế đưa đi",
                        "bị giam",
                        "lôi lên ô tô",
                        "bắt đi",
                        "bắt cóc",
                        "bị bắt đi",
                        "tiền chuộc",
                        "đòi chuộc",
                        "lôi lên xe",
                        "kéo lên xe",
                        "ép lên xe",
                        "bế lên xe",
                        "bế đi",
                        "bị nhốt",
                        "nhốt lại",
                        "giam giữ",
                        "bị giữ lại",
                        "không cho về",
                        "bắt đi mất",
                        "lôi đi",
                        "kéo đi",
                        "dắt đi mất",
                        "bị dụ đi",
                        "chở đi mất",
                    ]),
                    then(
                        &["lôi", "kéo", "ép", "bế", "bồng", "đẩy", "bắt", "tóm", "ẵm"],
                        &["lên xe", "vào xe", "lên ô tô"],
                        4,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Violence,
                cues: vec![
                    then(
                        &["đang"],
                        &[
                            "đánh",
                            "đập",
                            "đấm",
                            "đạp",
                            "chém",
                            "=đâm",
                            "bóp cổ",
                            "hành hạ",
                        ],
                        2,
                    ),
                    near(
                        &["đánh", "quất", "vụt"],
                        &[
                            "dây lưng",
                            "thắt lưng",
                            "gậy",
                            "=roi",
                            "=ghế",
                            "chai",
                            "gạch",
                            "tuýp",
                        ],
                        6,
                    ),
                    any(&["tiếng súng", "súng nổ", "bắn nhau", "gunshot"]),
                    any(&[
                        "đánh nhau",
                        "bị đánh",
                        "đánh người",
                        "đánh tôi",
                        "đánh em",
                        "đánh vợ",
                        "đánh con",
                        "đánh mẹ",
                        "đánh bố",
                        "=đâm",
                        "bị đâm",
                        "đâm người",
                        "đâm chém",
                        "đâm nhau",
                        "chém",
                        "hành hung",
                        "bạo hành",
                        "dọa giết",
                        "đòi giết",
                        "cầm dao",
                        "vác dao",
                        "cầm súng",
                        "nổ súng",
                        "có súng",
                        "=súng",
                        "bị bắn",
                        "bắn súng",
                        "hiếp",
                        "xâm hại",
                        "ẩu đả",
                        "hỗn chiến",
                        "đập phá",
                        "truy sát",
                        "đuổi đánh",
                        "đuổi chém",
                        "mang hung khí",
                        "giết",
                        "bóp cổ",
                        "siết cổ",
                        "đánh hội đồng",
                        "đánh đập",
                        "cầm gậy",
                        "vác gậy",
                        "đòi chém",
                        "dọa chém",
                        "dọa đâm",
                        "cầm mã tấu",
                        "vác mã tấu",
                        "hung khí",
                        "tạt axit",
                        "ném đá",
                        "đấm đá",
                        "cưỡng hiếp",
                    ]),
                    then(
                        &["bị"],
                        &[
                            "đánh",
                            "=đâm",
                            "chém",
                            "đấm",
                            "đạp",
                            "hành hung",
                            "bóp cổ",
                            "siết cổ",
                        ],
                        3,
                    ),
                ],
            },
            Rule {
                needs_now: true,
                sign: S::Violence,
                cues: vec![any(&[
                    "cướp",
                    "cướp giật",
                    "giật túi",
                    "giật điện thoại",
                    "giật dây chuyền",
                    "trấn lột",
                    "quấy rối",
                    "sàm sỡ",
                    "đe dọa",
                    "móc túi",
                    "đòi nợ",
                ])],
            },
            Rule {
                needs_now: false,
                sign: S::BreakIn,
                cues: vec![
                    any(&[
                        "đột nhập",
                        "cạy cửa",
                        "phá cửa",
                        "phá khóa",
                        "cắt khóa",
                        "bẻ khóa",
                        "trèo tường",
                        "trèo vào",
                        "leo vào",
                        "lẻn vào",
                        "có trộm",
                        "đang có trộm",
                        "trộm vào",
                        "người lạ trong nhà",
                        "người lạ vào nhà",
                        "trèo rào",
                        "nạy cửa",
                        "cạy khóa",
                    ]),
                    then(
                        &["trộm"],
                        &["đang", "trong nhà", "trên gác", "dưới nhà", "vào nhà"],
                        4,
                    ),
                    then(&["đang"], &["trộm", "lấy đồ", "bê đồ", "dắt xe"], 3),
                    near(
                        &[
                            "tiếng người",
                            "có người",
                            "có đứa",
                            "có thằng",
                            "có kẻ",
                            "người lạ",
                            "kẻ lạ",
                            "tiếng động",
                        ],
                        &[
                            "lục đồ",
                            "lục lọi",
                            "lục tủ",
                            "lục tung",
                            "khuân đồ",
                            "bê đồ",
                        ],
                        6,
                    ),
                ],
            },
            // Someone forcing a way in (a lock or bars being cut, a masked man going through the
            // drawers) only while it is happening: a lock found forced is a past break-in.
            // Strict marks: unmarked "cua", "cay", "pha", "be" are "của", "cay", "pha", "bé".
            Rule {
                needs_now: true,
                sign: S::BreakIn,
                cues: vec![
                    near(
                        &[
                            "=cửa",
                            "=khóa",
                            "ổ khóa",
                            "song sắt",
                            "cửa sổ",
                            "cửa cuốn",
                            "=két",
                        ],
                        &["=cạy", "=cắt", "bị cắt", "=phá", "=bẻ", "đập vỡ", "=cưa"],
                        5,
                    ),
                    any(&["trùm mặt", "lục lọi", "lục tủ", "tiếng kính vỡ"]),
                ],
            },
            // Sparks alone are weak: a lock cut with a grinder sparks too, so they come after
            // violence and break-ins.
            Rule {
                needs_now: false,
                sign: S::Smoke,
                cues: vec![any(&["xèo xèo", "tóe lửa", "tia lửa", "tóe điện"])],
            },
            Rule {
                needs_now: false,
                sign: S::NotBreathing,
                cues: vec![
                    // The chest that does not move, lips or face gone dark.
                    near(
                        &["ngực", "lồng ngực"],
                        &["=im", "im re", "im lìm", "không nhô", "không động"],
                        3,
                    ),
                    near(
                        LIPS_FACE,
                        &[
                            "=thâm",
                            "thâm đen",
                            "=tím",
                            "tím đen",
                            "tái xanh",
                            "xám ngoét",
                            "tái nhợt",
                        ],
                        2,
                    ),
                    any(&[
                        "ngộp thở",
                        "nghẹt thở",
                        "thở gấp",
                        "lên cơn hen",
                        "lên cơn suyễn",
                        "hổng thở",
                        "ngưng tim",
                        "thở không ra hơi",
                        "ngừng thở",
                        "tắt thở",
                        "ngưng thở",
                        "hết thở",
                        "không thở",
                        "khó thở",
                        "thở dốc",
                        "thở khò khè",
                        "thở ngáp",
                        "thở hắt",
                        "thở yếu",
                        "thở rít",
                        "tím tái",
                        "môi tím",
                        "mặt tím",
                        "tím ngắt",
                        "tím môi",
                        "ngạt thở",
                        "thở khó",
                        "không thở được",
                        "thở khe khè",
                        "ngừng tim",
                        "tim ngừng đập",
                        "không bắt được mạch",
                        "mất mạch",
                    ]),
                    then(
                        NEG,
                        &[
                            "thở",
                            "thấy thở",
                            "nghe thấy thở",
                            "thấy mạch",
                            "bắt được mạch",
                        ],
                        4,
                    ),
                    then(&["thở"], &["không được", "không nổi", "không ra", "gấp"], 2),
                    then(&["ngực"], &["không phập phồng", "không lên xuống"], 2),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Unconscious,
                cues: vec![
                    then(
                        PEOPLE,
                        &["lịm", "=lim", "gục", "=mê", "li bì", "không biết gì"],
                        3,
                    ),
                    any(&[
                        "tái mét",
                        "người lạnh ngắt",
                        "lạnh toát",
                        "mê sảng",
                        "hạ đường huyết",
                        "không biết trời đất",
                        "lịm dần",
                        "bất tỉnh",
                        "hôn mê",
                        "mê man",
                        "lịm đi",
                        "lả đi",
                        "lơ mơ",
                        "mất ý thức",
                        "mất tri giác",
                        "nằm bất động",
                        "bất động",
                        "trợn trắng",
                        "không biết gì",
                        "ngất",
                        "=ngất",
                        "bị ngất",
                        "ngất xỉu",
                        "ngất đi",
                        "xỉu",
                        "bị xỉu",
                        "mê đi",
                        "ú ớ",
                        "không tỉnh",
                        "lay không tỉnh",
                        "gọi không dậy",
                        "lay không dậy",
                        "không phản ứng",
                        "nằm im",
                    ]),
                    then(
                        NEG,
                        &[
                            "tỉnh",
                            "dậy",
                            "phản ứng",
                            "cử động",
                            "nhúc nhích",
                            "mở mắt",
                            "trả lời",
                            "biết gì",
                            "động đậy",
                        ],
                        2,
                    ),
                    then(
                        &["gọi", "lay", "vỗ", "kêu", "tát"],
                        &["không dậy", "không tỉnh", "không trả lời", "không thưa"],
                        4,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Choking,
                cues: vec![
                    // Something stuck in the throat: a mouthful, a bone, a sweet.
                    then(&["=hóc", "=mắc", "nghẹn", "mắc nghẹn"], FOOD, 3),
                    near(
                        &["ôm cổ", "ôm họng", "bóp cổ mình"],
                        &[
                            "không ra tiếng",
                            "không phát ra tiếng",
                            "không nói được",
                            "không thở",
                            "tím",
                        ],
                        6,
                    ),
                    then(&["ho"], &["không ra tiếng", "không thành tiếng"], 1),
                    any(&[
                        "=hóc",
                        "bị hóc",
                        "hóc xương",
                        "mắc nghẹn",
                        "nghẹn",
                        "mắc xương",
                        "mắc cổ",
                        "hóc dị vật",
                        "dị vật",
                        "sặc sữa",
                        "=sặc",
                        "mắc kẹt trong họng",
                    ]),
                    then(
                        &["nuốt phải", "nuốt", "hóc", "mắc"],
                        &[
                            "đồng xu",
                            "viên bi",
                            "hạt",
                            "đồ chơi",
                            "pin",
                            "cúc áo",
                            "nắp",
                            "kẹo",
                            "xương",
                            "thạch",
                        ],
                        3,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Stroke,
                cues: vec![
                    // One side of the body or of the face, speech gone.
                    near(
                        &[
                            "một bên",
                            "1 bên",
                            "nửa người",
                            "bên trái",
                            "bên phải",
                            "tay trái",
                            "tay phải",
                            "chân trái",
                            "chân phải",
                        ],
                        &[
                            "liệt",
                            "=yếu",
                            "=tê",
                            "tê rần",
                            "không nhấc",
                            "không cử động",
                            "không đứng được",
                            "không cầm được",
                            "=rũ",
                            "không dùng được",
                        ],
                        6,
                    ),
                    near(
                        &["miệng", "mồm", "=mặt", "=môi"],
                        &["=méo", "=lệch", "=xệ", "trễ xuống", "drooping"],
                        3,
                    ),
                    then(
                        &["nói"],
                        &[
                            "không ra câu",
                            "không ra chữ",
                            "không rõ chữ",
                            "ngọng",
                            "lơ lớ",
                            "không tròn chữ",
                            "đớ",
                        ],
                        3,
                    ),
                    any(&[
                        "face drooping",
                        "slurred",
                        "can't lift",
                        "cannot lift",
                        "stroke",
                    ]),
                    any(&[
                        "tê nửa mặt",
                        "yếu một bên",
                        "liệt một bên",
                        "nói không thành tiếng",
                        "đột quỵ",
                        "tai biến",
                        "méo miệng",
                        "méo mồm",
                        "lệch miệng",
                        "miệng méo",
                        "mồm méo",
                        "méo xệch",
                        "yếu nửa người",
                        "liệt nửa người",
                        "tê nửa người",
                        "nửa người",
                        "nói ngọng",
                        "nói không rõ",
                        "nói lắp bắp",
                        "nói lắp",
                        "líu lưỡi",
                        "nói líu",
                        "cứng lưỡi",
                        "xệ mặt",
                        "mặt xệ",
                        "lệch mặt",
                        "mặt lệch",
                        "một bên mặt",
                        "1 bên mặt",
                        "nói không ra tiếng",
                        "không nói được",
                        "không nhấc",
                        "tay chân yếu",
                        "nói đớ",
                    ]),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::ChestPain,
                cues: vec![
                    near(
                        &["ngực", "vùng tim", "chest"],
                        &[
                            "đau",
                            "tức",
                            "thắt",
                            "bóp",
                            "ôm",
                            "đè",
                            "nặng trĩu",
                            "nhói",
                            "pain",
                            "crushing",
                        ],
                        3,
                    ),
                    near(
                        &["đau"],
                        &[
                            "xuyên ra sau lưng",
                            "lan ra tay trái",
                            "lan xuống tay",
                            "lan lên hàm",
                        ],
                        4,
                    ),
                    any(&[
                        "nhói ngực",
                        "đau vùng tim",
                        "nhói tim",
                        "đau ngực dữ dội",
                        "đau ngực",
                        "tức ngực",
                        "thắt ngực",
                        "đau tim",
                        "nhồi máu",
                        "ôm ngực",
                        "ngực đau",
                        "đau thắt",
                        "trụy tim",
                        "lên cơn tim",
                        "bóp nghẹt",
                        "đau ngực trái",
                        "đè nặng ngực",
                    ]),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Seizure,
                cues: vec![
                    any(&[
                        "kinh phong",
                        "giật đùng đùng",
                        "giật bần bật",
                        "run bần bật",
                        "giật bắn",
                        "cứng đơ",
                        "cứng đờ",
                        "mắt trắng dã",
                        "trắng dã",
                        "trợn mắt",
                        "cắn lưỡi",
                        "sùi bọt",
                        "lên cơn giật",
                        "seizure",
                        "convulsing",
                    ]),
                    then(
                        &["lên cơn"],
                        &["giật", "co", "kinh", "động kinh", "cứng"],
                        2,
                    ),
                    any(&[
                        "lên cơn động kinh",
                        "co quắp",
                        "giật liên hồi",
                        "co giật",
                        "động kinh",
                        "giật liên tục",
                        "sùi bọt mép",
                        "sùi bọt",
                        "bọt mép",
                        "giật giật",
                        "lên cơn giật",
                        "mắt trợn",
                        "trợn ngược",
                        "giật tay chân",
                        "co cứng",
                        "lên cơn co",
                    ]),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::SevereBleeding,
                cues: vec![
                    // A wound that will not stop: "toác thịt", "thấm đẫm khăn".
                    any(&[
                        "toác thịt",
                        "thấm đẫm",
                        "thấm đỏ",
                        "ướt đẫm máu",
                        "không cầm được máu",
                        "máu thấm",
                        "bleeding",
                    ]),
                    then(
                        &["máu"],
                        &[
                            "không cầm",
                            "không ngừng",
                            "vẫn chảy",
                            "vẫn ra",
                            "chảy mãi",
                            "phun",
                            "xối",
                            "thấm",
                        ],
                        4,
                    ),
                    any(&[
                        "nôn ra máu",
                        "ói ra máu",
                        "thổ huyết",
                        "đầu chảy máu",
                        "vỡ đầu",
                        "toác đầu",
                        "máu chảy lênh láng",
                        "chảy máu",
                        "mất máu",
                        "máu chảy",
                        "máu phun",
                        "máu ra",
                        "chảy nhiều máu",
                        "đầy máu",
                        "bê bết máu",
                        "máu me",
                        "cầm máu",
                        "đứt động mạch",
                        "vết thương sâu",
                        "thủng bụng",
                        "máu không ngừng",
                        "ra máu",
                        "băng huyết",
                        "máu tuôn",
                        "máu xối",
                        "lênh láng máu",
                        "máu lênh láng",
                        "đứt lìa",
                        "cứa vào",
                    ]),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Overdose,
                cues: vec![
                    // Many pills or a whole bottle at once.
                    then(
                        &["uống", "nuốt", "uống hết", "nuốt hết"],
                        &[
                            "nửa chai",
                            "cả chai",
                            "hết chai",
                            "một lúc",
                            "cả nắm",
                            "cả vốc",
                            "mấy chục viên",
                        ],
                        6,
                    ),
                    near(
                        &["thuốc", "siro", "viên"],
                        &[
                            "cả chai",
                            "nửa chai",
                            "hết chai",
                            "tưởng là kẹo",
                            "tưởng kẹo",
                            "một lúc",
                        ],
                        6,
                    ),
                    any(&[
                        "quá liều",
                        "sốc thuốc",
                        "uống cả vỉ",
                        "uống hết vỉ",
                        "uống cả lọ",
                        "uống hết lọ",
                        "uống nhiều thuốc",
                        "ngáo đá",
                        "sốc ma túy",
                        "phê thuốc",
                    ]),
                    then(
                        &["uống", "nuốt"],
                        &[
                            "cả vỉ",
                            "hết vỉ",
                            "cả lọ",
                            "hết lọ",
                            "cả hộp",
                            "nhiều viên",
                            "gấp mấy lần",
                        ],
                        4,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Poisoning,
                cues: vec![
                    any(&[
                        "rượu tự nấu",
                        "rượu pha cồn",
                        "rượu giả",
                        "cồn công nghiệp",
                        "ngộ độc methanol",
                        "uống phải",
                        "ăn phải",
                    ]),
                    near(
                        &["rượu", "ăn", "uống"],
                        &["mờ mắt", "mắt mờ", "không nhìn rõ", "không nhìn thấy gì"],
                        10,
                    ),
                    any(&[
                        "rắn cắn",
                        "bị rắn",
                        "lá ngón",
                        "sốc nhiệt",
                        "say nắng",
                        "cóc độc",
                        "cá nóc",
                        "ngộ độc",
                        "trúng độc",
                        "bị độc",
                        "thuốc chuột",
                        "bả chuột",
                        "thuốc sâu",
                        "thuốc diệt cỏ",
                        "thuốc trừ sâu",
                        "thuốc diệt chuột",
                        "nước tẩy",
                        "thuốc tẩy",
                        "axit",
                        "nấm độc",
                        "rượu độc",
                        "ngộ độc rượu",
                        "nôn thốc nôn tháo",
                        "nôn ói liên tục",
                        "nôn liên tục",
                        "nôn mửa",
                        "uống nhầm",
                        "ăn nhầm",
                        "nuốt nhầm",
                        "nôn ra máu",
                        "say nấm",
                    ]),
                    then(
                        &["uống phải", "ăn phải", "nuốt phải", "uống", "ăn", "nuốt"],
                        &[
                            "hóa chất",
                            "dầu hỏa",
                            "xăng",
                            "thuốc tẩy",
                            "nước rửa",
                            "cồn",
                            "methanol",
                            "nấm",
                            "lá ngón",
                            "cóc",
                        ],
                        4,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Allergy,
                cues: vec![
                    // Something eaten, injected or a sting, then the body reacts.
                    near(ALLERGY_TRIGGERS, ALLERGY_SIGNS, 14),
                    then(
                        &["họng", "cổ họng"],
                        &["bóp", "thắt", "sưng", "nghẹt", "như bị"],
                        4,
                    ),
                    any(&[
                        "sốc phản vệ",
                        "phản vệ",
                        "sưng môi",
                        "sưng họng",
                        "phù mặt",
                        "sưng mặt",
                        "mặt sưng",
                        "nổi mề đay",
                        "ong đốt",
                        "ong đốt",
                        "dị ứng nặng",
                    ]),
                    then(
                        &["dị ứng", "nổi mẩn", "mề đay"],
                        &["khó thở", "sưng", "phù", "ngất", "tím"],
                        8,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Burn,
                cues: vec![
                    // Skin that blisters or peels, or something hot or corrosive on the body.
                    near(BODY, BURN_STATES, 6),
                    then(
                        BURN_AGENTS,
                        &[
                            "bắn",
                            "bắn vào",
                            "đổ vào",
                            "đổ lên",
                            "hắt",
                            "táp",
                            "phụt",
                            "tạt",
                            "dội",
                            "đổ hết",
                            "văng",
                        ],
                        5,
                    ),
                    any(&["lửa táp", "bị lửa táp", "bỏng nước sôi", "bỏng dầu"]),
                    any(&[
                        "=bỏng",
                        "bị bỏng",
                        "=phỏng",
                        "bị phỏng",
                        "nước sôi",
                        "dầu sôi",
                        "bỏng nặng",
                        "bỏng axit",
                        "phồng rộp",
                        "cháy da",
                        "bỏng xăng",
                        "bỏng điện",
                        "bỏng hóa chất",
                    ]),
                    then(
                        &["nước sôi", "dầu sôi", "canh nóng", "cháo nóng", "nồi"],
                        &["đổ vào", "bắn vào", "dội vào", "đổ lên"],
                        5,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Childbirth,
                cues: vec![
                    any(&[
                        "vỡ ối",
                        "sắp sinh",
                        "chuyển dạ",
                        "đau đẻ",
                        "đẻ rơi",
                        "sắp đẻ",
                        "đang đẻ",
                        "đau bụng sinh",
                        "em bé ra",
                        "đầu em bé",
                        "đau bụng đẻ",
                        "dọa sinh non",
                        "sinh non",
                        "cơn gò",
                        "đau bụng từng cơn",
                    ]),
                    then(
                        &["bầu", "mang thai", "có thai", "thai", "tuần tuổi"],
                        &[
                            "đau bụng",
                            "ra máu",
                            "ra nước",
                            "đau dồn",
                            "co thắt",
                            "đau quặn",
                        ],
                        10,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::Collapse,
                cues: vec![any(&[
                    "ngã từ trên cao",
                    "rơi từ tầng",
                    "té từ tầng",
                    "ngã giàn giáo",
                    "té lầu",
                    "rơi từ trên",
                    "ngã từ tầng",
                    "ngã ra",
                    "gục xuống",
                    "đổ gục",
                    "ngã gục",
                    "ngã quỵ",
                    "quỵ xuống",
                    "khuỵu xuống",
                    "ngã lăn ra",
                    "lăn ra",
                    "ngã vật",
                    "đổ vật",
                    "ngã đập đầu",
                    "đột nhiên ngã",
                    "tự nhiên ngã",
                    "té xỉu",
                    "gục ngã",
                    "gục",
                    "đổ sụp xuống",
                    "ngã khuỵu",
                    "ngã xuống đất",
                    "ngã xuống sàn",
                    "đổ sụp",
                    "đổ sập",
                    "sụp xuống",
                ])],
            },
            Rule {
                needs_now: false,
                sign: S::Suicide,
                cues: vec![
                    any(&["tự thiêu", "châm lửa đốt mình"]),
                    near(&["xăng", "dầu"], &["lên người", "lên mình", "vào người"], 4),
                    any(&[
                        "lời cuối",
                        "nói lời cuối",
                        "trăn trối",
                        "lời trăn trối",
                        "dọa tự tử",
                        "đòi chết",
                        "muốn tự tử",
                        "tuyệt mệnh",
                        "thư từ biệt",
                        "nhắn tin từ biệt",
                        "không muốn sống nữa",
                        "trèo lên lan can",
                        "đứng trên cầu",
                        "đòi tự tử",
                        "định tự tử",
                        "uống thuốc tự tử",
                        "tự tử",
                        "tự sát",
                        "quyên sinh",
                        "nhảy lầu",
                        "đòi nhảy",
                        "định nhảy",
                        "sắp nhảy",
                        "dọa nhảy",
                        "muốn nhảy",
                        "sẽ nhảy",
                        "nhảy cầu",
                        "treo cổ",
                        "cắt cổ tay",
                        "rạch tay",
                        "không muốn sống",
                        "kết liễu",
                        "tìm đến cái chết",
                        "uống thuốc tự tử",
                    ]),
                    then(
                        &["đứng", "ngồi", "trèo", "leo", "ở trên", "đang ở"],
                        &[
                            "lan can",
                            "mép",
                            "mái nhà",
                            "nóc nhà",
                            "sân thượng",
                            "thành cầu",
                            "ban công",
                            "mép mái",
                        ],
                        5,
                    ),
                ],
            },
            Rule {
                needs_now: false,
                sign: S::TrafficAccident,
                cues: vec![any(&[
                    "tai nạn giao thông",
                    "tai nạn",
                    "đâm xe",
                    "xe đâm",
                    "bị xe tông",
                    "xe tông",
                    "tông xe",
                    "va chạm",
                    "lật xe",
                    "xe lật",
                    "lật đè",
                    "bị cán",
                    "cán qua",
                    "bị xe cán",
                    "đâm vào",
                    "húc vào",
                    "tông vào",
                    "tông phải",
                    "đâm phải",
                    "bị tông",
                    "bị húc",
                    "bị xe",
                    "xe container",
                    "lao vào",
                    crate::extract::COLLISION,
                    "tông chết",
                    "tông trúng",
                    "tông ngã",
                ])],
            },
        ]
    })
}

/// Whether a cue ends inside a longer word: "giật điện" in "giật điện thoại" (a phone
/// snatched) is no electric shock.
fn compound_goes_on(tokens: &[Token], end: usize) -> bool {
    /// Words after "đánh" that make it no blow: gambling, brushing, grading, losing…
    const NOT_A_BLOW: &[&str] = &[
        "bạc", "bài", "đề", "lô", "giá", "răng", "thuế", "cầu", "cờ", "máy", "rơi", "mất", "thức",
        "số", "dấu", "đàn", "trống", "bóng", "golf", "tiếng", "chữ", "son", "phấn", "võng", "vần",
        "điện", "cá", "bắt", "lừa", "tráo", "động",
    ];
    /// Words after an unmarked "chay" that make it "chạy" (run).
    const RUNNING: &[&str] = &[
        "bo", "ra", "vao", "ve", "theo", "xe", "quanh", "di", "tron", "toi", "lai", "qua", "mat",
        "xuong", "len", "nhanh", "thoat",
    ];
    let Some(last) = end.checked_sub(1).map(|i| &tokens[i]) else {
        return false;
    };
    let next = tokens.get(end);
    (last.fold == "dien" && next.is_some_and(|t| t.fold == "thoai"))
        // "dang chay bo", "chay ra" typed without marks are running, not burning.
        || (last.fold == "chay"
            && !last.has_diacritics()
            && next.is_some_and(|t| RUNNING.contains(&t.fold.as_str())))
        // "kẹt xe", "kẹt đường", "kẹt tiền" are traffic jams and money, nobody shut in.
        || (last.fold == "ket"
            && next.is_some_and(|t| ["xe", "duong", "tien", "lich", "viec"].contains(&t.fold.as_str())))
        // "đổ rác", "đổ nước", "đổ lỗi": pouring and blaming, nothing falls down.
        || (last.fold == "do"
            && next.is_some_and(|t| {
                ["rac", "nuoc", "xang", "tien", "loi", "thua", "dat", "tho"]
                    .contains(&t.fold.as_str())
            }))
        // "bị nhốt ngoài cửa" is locked out, not shut in.
        || (last.fold == "nhot" && next.is_some_and(|t| t.fold == "ngoai"))
        // "tỉnh táo" is awake and clear: in "không bị đè, tỉnh táo" the "không" is another's.
        || (last.fold == "tinh" && next.is_some_and(|t| t.fold == "tao"))
        // "không dậy được" is cannot get up, not does not wake.
        || (last.fold == "day" && next.is_some_and(|t| t.fold == "duoc" || t.fold == "noi"))
        || (last.fold == "danh"
            && next.is_some_and(|t| NOT_A_BLOW.iter().any(|w| t.matches(&Token::new(w)))))
}

/// Whether a cue at `at` is negated ("không ai bị thương", "chưa thấy lửa").
pub fn negated(tokens: &[Token], at: usize) -> bool {
    let neg = negation();
    let is_neg = |i: usize| {
        neg.first_in(&tokens[i..])
            .is_some_and(|(p, len)| p == 0 && i + len <= at)
    };
    let gap = |t: &Token| NEGATION_GAP.iter().any(|g| t.matches(&Token::new(g)));
    let mut i = at;
    let mut gaps = 0;
    while i > 0 {
        i -= 1;
        if is_neg(i) {
            return true;
        }
        if gap(&tokens[i]) && gaps < 2 {
            gaps += 1;
            continue;
        }
        // Two-syllable negations ("không hề") end one token earlier.
        return i > 0 && is_neg(i - 1) && gap(&tokens[i]);
    }
    false
}

/// A sign found in a message, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The sign.
    pub sign: LifeSign,
    /// Position of the first syllable of its cue.
    pub at: usize,
    /// Syllables of the cue.
    pub len: usize,
    /// Whether the cue needs the message to say it is happening now.
    pub needs_now: bool,
}

/// Where a cue matches, as (position, length), in text order.
fn cue_hits<'a>(
    cue: &'a Cue,
    tokens: &'a [Token],
) -> Box<dyn Iterator<Item = (usize, usize)> + 'a> {
    match cue {
        Cue::Any(set) => Box::new(
            set.occurrences(tokens)
                .into_iter()
                .filter(|&(at, len)| !negated(tokens, at) && !compound_goes_on(tokens, at + len)),
        ),
        Cue::Near(things, states, window) => {
            let states: Vec<_> = states
                .occurrences(tokens)
                .into_iter()
                .filter(|&(at, len)| !negated(tokens, at) && !compound_goes_on(tokens, at + len))
                .collect();
            let window = *window;
            Box::new(
                things
                    .occurrences(tokens)
                    .into_iter()
                    .filter_map(move |(at, len)| {
                        states
                            .iter()
                            .find(|&&(b, blen)| b + blen + window >= at && b <= at + len + window)
                            .map(|&(b, blen)| {
                                let start = at.min(b);
                                (start, (at + len).max(b + blen) - start)
                            })
                    }),
            )
        }
        Cue::Then(first, second, window) => {
            let seconds = second.occurrences(tokens);
            let window = *window;
            Box::new(
                first
                    .occurrences(tokens)
                    .into_iter()
                    .filter(|&(at, _)| !negated(tokens, at))
                    .filter_map(move |(at, len)| {
                        let from = at + len;
                        seconds
                            .iter()
                            .find(|&&(b, blen)| {
                                b >= from
                                    && b <= from + window
                                    && !compound_goes_on(tokens, b + blen)
                            })
                            .map(|&(b, blen)| (at, b + blen - at))
                    }),
            )
        }
    }
}

/// The signs found in a message, in order of precedence: hazards to many people first, then
/// violence, then medical signs, a road accident last (the injured need 115 first).
pub fn find(tokens: &[Token]) -> Vec<Found> {
    // Words that only look like signs go first: "quẹt xước" is paint, before "xe … quẹt" is
    // read as a collision.
    let masked = crate::extract::mask_vehicle_collisions(&not_signs().mask(tokens));
    let tokens = &masked[..];
    let mut found = Vec::new();
    for r in rules() {
        let found_at = |(at, len)| Found {
            sign: r.sign,
            at,
            len,
            needs_now: r.needs_now,
        };
        if r.needs_now {
            // Every place it is told: any of them may be the one that says it goes on
            // ("tiếng kính vỡ … người trùm mặt đang lục tủ").
            let mut hits: Vec<_> = r.cues.iter().flat_map(|c| cue_hits(c, tokens)).collect();
            hits.sort_unstable();
            hits.dedup();
            found.extend(hits.into_iter().map(found_at));
        } else if let Some(hit) = r.cues.iter().find_map(|c| cue_hits(c, tokens).next()) {
            found.push(found_at(hit));
        }
    }
    settle(&mut found, tokens);
    found
}

/// Words that look like a sign and are not: crying hard ("khóc ngất"), a simile ("rát như
/// lửa đốt"), an envelope ("phong bì", unmarked "phong bi" reads as "bị phỏng").
fn not_signs() -> &'static PhraseSet {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "khóc ngất",
            "như lửa",
            "như lửa đốt",
            "phong bì",
            "chuẩn bị",
            "bóng đập",
            "bóng đá",
            "bầm tím",
            "thâm tím",
            // "nộp ở đâu để trả lại", typed "o dau de": where to, not labour pains.
            "ở đâu để",
            // A criminal record or food money, not mushrooms eaten ("tien an nam 2016").
            "tiền án",
            "tiền ăn",
            // A shared path, not someone dragged away ("chắn mất lối đi chung").
            "lối đi chung",
            "lối đi riêng",
            "chắn lối đi",
            "lối đi là",
            "lối đi của",
            // Paint scratched: damage to a vehicle, no one hurt.
            "quẹt xước",
            "trầy xước",
            "xước sơn",
            "xước xe",
        ])
    })
}

/// Words that put a "held" or "taken" in police custody ("bị bắt vì lừa đảo, đang bị giam ở
/// đâu, bị khởi tố tội gì"): an arrest, not an abduction.
fn custody() -> &'static PhraseSet {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "bị bắt vì",
            "bị công an bắt",
            "công an bắt",
            "khởi tố",
            "tạm giam",
            "tạm giữ",
            "trại giam",
            "tội gì",
            "tội danh",
            "bị truy tố",
        ])
    })
}

/// Puts first the sign that says whom to call when two signs tell one scene: a body burnt by a
/// fire that is out needs 115 before 114; someone setting themselves alight or jumping is a
/// person in crisis (113); a stab wound whose attacker has run is a wound (115); people held
/// by others are abducted, not trapped.
fn settle(found: &mut Vec<Found>, tokens: &[Token]) {
    static OVER: OnceLock<PhraseSet> = OnceLock::new();
    static GONE: OnceLock<PhraseSet> = OnceLock::new();
    static GOES_ON: OnceLock<PhraseSet> = OnceLock::new();
    let has = |s: LifeSign, found: &[Found]| found.iter().any(|f| f.sign == s);
    let to_front = |s: LifeSign, found: &mut Vec<Found>| {
        if let Some(i) = found.iter().position(|f| f.sign == s) {
            let f = found.remove(i);
            found.insert(0, f);
        }
    };
    // Someone hiding from a burglar or held by people is not waiting for a rescue team.
    if has(LifeSign::Abduction, found) || has(LifeSign::BreakIn, found) {
        found.retain(|f| f.sign != LifeSign::Trapped);
    }
    let hazard = found
        .iter()
        .any(|f| f.sign.class() != EmergencyClass::Medical);
    if hazard && has(LifeSign::Burn, found) {
        let over = OVER.get_or_init(|| {
            PhraseSet::new(&[
                "tắt rồi",
                "dập rồi",
                "đã tắt",
                "dập tắt",
                "tắt hẳn",
                "lửa tắt",
                "lửa dập",
                "dập được",
            ])
        });
        let goes_on = GOES_ON.get_or_init(|| {
            PhraseSet::new(&["đang", "vẫn", "lan", "bùng", "ngùn ngụt", "khói", "cháy to"])
        });
        // A hazard still going on keeps 114 first; otherwise the burnt body comes first.
        let hazard_live = found.iter().any(|f| {
            f.sign.class() != EmergencyClass::Medical && {
                let from = f.at.saturating_sub(3);
                let to = (f.at + f.len + 3).min(tokens.len());
                goes_on.any_in(&tokens[from..to])
            }
        });
        if over.any_in(tokens) || !hazard_live {
            to_front(LifeSign::Burn, found);
        }
    }
    if has(LifeSign::Violence, found) && has(LifeSign::SevereBleeding, found) {
        let gone = GONE.get_or_init(|| {
            PhraseSet::new(&[
                "chạy mất",
                "bỏ chạy",
                "chạy rồi",
                "trốn mất",
                "bỏ đi",
                "đi rồi",
                "phóng đi",
                "tẩu thoát",
            ])
        });
        if gone.any_in(tokens) {
            to_front(LifeSign::SevereBleeding, found);
        }
    }
    static IMPOSTOR: OnceLock<PhraseSet> = OnceLock::new();
    let impostor = IMPOSTOR
        .get_or_init(|| PhraseSet::new(&["giả danh", "giả làm", "tự xưng", "xưng là", "mạo danh"]));
    if has(LifeSign::Abduction, found) && custody().any_in(tokens) && !impostor.any_in(tokens) {
        found.retain(|f| f.sign != LifeSign::Abduction);
    }
    if has(LifeSign::Abduction, found) {
        to_front(LifeSign::Abduction, found);
    }
    if has(LifeSign::Suicide, found) {
        to_front(LifeSign::Suicide, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    fn sign(s: &str) -> Option<LifeSign> {
        find(&analyze(s)).first().map(|f| f.sign)
    }

    #[test]
    fn a_denied_state_and_an_alert_person_are_no_signs() {
        // "không bị đè" denies the weight; "tỉnh táo" is awake, whatever "không" came before.
        assert_eq!(sign("ông ấy không bị đè, tỉnh táo, kêu đau tay"), None);
        assert_eq!(sign("không thấy xẹt lửa, không cháy gì"), None);
        assert_eq!(sign("bà tôi gọi không tỉnh"), Some(LifeSign::Unconscious));
    }

    #[test]
    fn signs_by_meaning_with_and_without_diacritics() {
        for (text, expected) in [
            (
                "bố em tự nhiên ngã ra không thở nữa",
                LifeSign::NotBreathing,
            ),
            ("bo em tu nhien nga ra ko tho nua", LifeSign::NotBreathing),
            ("gọi mãi không dậy", LifeSign::Unconscious),
            ("con nuốt phải đồng xu mặt tím tái", LifeSign::NotBreathing),
            ("con nuốt phải đồng xu", LifeSign::Choking),
            ("mẹ em tự nhiên méo miệng nói ngọng", LifeSign::Stroke),
            ("co mui ga nong lam", LifeSign::GasLeak),
            ("chị ấy đang ngồi trên mép mái tầng 6", LifeSign::Suicide),
            ("bé bị nồi nước sôi đổ vào người", LifeSign::Burn),
            (
                "chú ấy chạm vào dây điện bị giật ngã",
                LifeSign::Electrocution,
            ),
            ("thằng kia cầm dao đứng trước cửa", LifeSign::Violence),
            ("xe tải đâm xe máy ở ngã tư", LifeSign::TrafficAccident),
        ] {
            assert_eq!(sign(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn signs_by_a_body_part_and_its_state() {
        for (text, expected) in [
            (
                "ngực ông ấy im lìm, môi thâm đen lại",
                LifeSign::NotBreathing,
            ),
            ("bác ấy ôm ngực kêu đau, mồ hôi vã ra", LifeSign::ChestPain),
            (
                "mẹ tôi tự dưng tay phải không nhấc lên được",
                LifeSign::Stroke,
            ),
            (
                "ông nói không ra câu, miệng lệch sang một bên",
                LifeSign::Stroke,
            ),
            (
                "nó bị mắc miếng thịt, ôm cổ không phát ra tiếng",
                LifeSign::Choking,
            ),
            (
                "cháu vừa tiêm thuốc xong thì nổi mẩn đỏ khắp người",
                LifeSign::Allergy,
            ),
            (
                "chị ấy bị dầu nóng bắn vào, tay phồng rộp hết",
                LifeSign::Burn,
            ),
            ("bé uống hết nửa chai thuốc ho", LifeSign::Overdose),
            ("ba tui lên cơn giật, mắt trắng dã", LifeSign::Seizure),
            (
                "vết cắt sâu, máu vẫn chảy, khăn thấm đẫm",
                LifeSign::SevereBleeding,
            ),
            ("nước lũ cuốn trôi một người đi xe đạp", LifeSign::Drowning),
            (
                "mái tôn nhà kho vừa sập, còn người ở dưới",
                LifeSign::StructureCollapse,
            ),
            (
                "có thằng đang dùng kìm cắt ổ khóa cửa cuốn",
                LifeSign::BreakIn,
            ),
            (
                "hai người lôi một cô gái lên taxi rồi phóng đi",
                LifeSign::Abduction,
            ),
            ("chayyy nha toi dang chay", LifeSign::Fire),
        ] {
            assert_eq!(sign(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn the_sign_to_call_about_first() {
        for (text, expected) in [
            // The fire is out; the burnt body needs 115.
            (
                "lửa dập rồi nhưng chân nó cháy đen, da bong tróc",
                LifeSign::Burn,
            ),
            // The attacker has run; the wound needs 115.
            (
                "nó đâm anh tôi rồi bỏ chạy, máu vẫn chảy không cầm được",
                LifeSign::SevereBleeding,
            ),
            // Hiding from a burglar is not waiting for rescue.
            (
                "trộm đang ở dưới nhà, em trốn trong nhà vệ sinh",
                LifeSign::BreakIn,
            ),
            // Pouring petrol over oneself is a person in crisis before a fire.
            ("anh ta tưới xăng lên người đòi châm lửa", LifeSign::Suicide),
            // A lock being cut while it happens.
            ("đang có người cắt khóa cửa nhà bên", LifeSign::BreakIn),
        ] {
            assert_eq!(sign(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn unmarked_words_that_only_look_like_signs() {
        for text in [
            "cho em hoi dia chi cua ban em",
            "bo me mat khong de lai di chuc",
            "hom kia bi mat vi tren xe buyt",
            "em chuan bi phong bi mung cuoi",
            "chân bầm tím một mảng",
            "be khoc ngat vi bi mang",
            "nguoi co tham quyen giai quyet",
        ] {
            assert_eq!(sign(text), None, "{text}");
        }
    }

    #[test]
    fn things_and_states_near_each_other() {
        for (text, expected) in [
            (
                "thang máy chung cư đứng im giữa tầng 9 với tầng 10, trong có 4 người",
                LifeSign::Trapped,
            ),
            (
                "thang may dung dot ngot, ca nha toi dang o trong",
                LifeSign::Trapped,
            ),
            (
                "con em tự khóa trái cửa trong ô tô ngoài trời nắng",
                LifeSign::Trapped,
            ),
            (
                "ông cụ trượt chân xuống cái cống, ông kêu cứu mà không lên được",
                LifeSign::Trapped,
            ),
            ("có người bị đất đá vùi ở công trình", LifeSign::Trapped),
            ("nồi dầu trên bếp bùng lên cao", LifeSign::Fire),
            (
                "đường ống khí gas trong bếp nhà hàng bị bục",
                LifeSign::GasLeak,
            ),
            (
                "trần thạch cao hội trường rơi xuống đè mấy người",
                LifeSign::StructureCollapse,
            ),
            (
                "có người vừa nhảy từ cầu Long Biên xuống sông",
                LifeSign::Drowning,
            ),
            (
                "thằng bé tắm ao mất hút chưa thấy ngoi lên",
                LifeSign::Drowning,
            ),
            (
                "nghe tiếng người lục đồ dưới tầng 1, nhà em không ai ở dưới",
                LifeSign::BreakIn,
            ),
        ] {
            assert_eq!(sign(text), Some(expected), "{text}");
        }
    }

    #[test]
    fn lookalikes_of_the_near_cues_are_no_sign() {
        for text in [
            // "dầu bùng" unmarked is a stomach ache; "người … lập bập" is speech.
            "gio ai cung non, dau bung quan",
            "ong toi noi lap bap",
            // Traffic jams, being locked out, rubbish and falling plaster are no rescue.
            "đường Nguyễn Trãi kẹt xe ô tô cứng ngắc từ sáng",
            "em bị nhốt ngoài cửa vì quên chìa khóa",
            "nhà hàng xóm đổ rác sang cửa nhà em",
            "tòa nhà bên cạnh đang xây làm rơi xuống sân nhà em ít vữa",
            // An abduction into a car is the police's: the car is no entrapment.
            "co 2 thang dang loi 1 co gai len xe oto, co ay dang keu cuu",
        ] {
            let found = sign(text);
            assert!(
                !matches!(
                    found,
                    Some(
                        LifeSign::Trapped
                            | LifeSign::Fire
                            | LifeSign::StructureCollapse
                            | LifeSign::Drowning
                    )
                ),
                "{text}: {found:?}"
            );
        }
    }

    #[test]
    fn negated_cues_do_not_count() {
        assert_eq!(
            sign("va chạm nhẹ, không ai bị thương, không chảy máu"),
            Some(LifeSign::TrafficAccident)
        );
        assert_eq!(sign("chưa thấy lửa"), None);
        assert_eq!(sign("ông ấy không bị ngất"), None);
    }

    #[test]
    fn words_that_only_look_like_signs() {
        for q in [
            // "đâu để" typed without marks, not labour pains.
            "giay to nhat duoc thi nop o dau de tra lai",
            // A criminal record from a year, not mushrooms eaten.
            "toi co tien an nam 2018 thi xin viec duoc khong",
            // A shared path, not someone dragged away.
            "nha ben xay tuong chan loi di chung, loi di la cua ai",
            // Paint scratched, nobody hurt.
            "xe ai quet xuoc het son xe em roi di mat",
            // An arrest, not an abduction.
            "anh ấy bị bắt vì đánh bạc, giờ đang bị giam ở đâu, bị khởi tố tội gì",
        ] {
            assert_eq!(sign(q), None, "{q}");
        }
        // People posing as police who take someone are still an abduction.
        assert_eq!(
            sign("bọn giả danh công an bắt con tôi lôi lên xe"),
            Some(LifeSign::Abduction)
        );
    }
}
