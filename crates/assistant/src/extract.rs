//! Facts pulled out of free Vietnamese text, shared by report intake and operator mode: the
//! incident type and crime sub-type, a Vietnamese phone number (also when spoken digit by digit
//! or split into groups), coordinates, the place, people counts and weapons.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::text::{analyze, analyze_plain, PhraseSet, Token};

/// Incident type codes, as the domain and the server know them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentType {
    /// Fire.
    Fire,
    /// Explosion or gas leak.
    Explosion,
    /// Rescue: people trapped, drowning, collapse.
    Rescue,
    /// Traffic accident.
    TrafficAccident,
    /// Crime (see [`CrimeSubType`]).
    Crime,
    /// Public order: disturbance, gatherings, racing.
    PublicOrder,
    /// Flood.
    Flood,
    /// Missing person.
    MissingPerson,
    /// Medical emergency.
    Medical,
    /// Anything else.
    Other,
}

impl IncidentType {
    /// The code (`fire`, `traffic_accident`, …).
    pub fn code(self) -> &'static str {
        match self {
            IncidentType::Fire => "fire",
            IncidentType::Explosion => "explosion",
            IncidentType::Rescue => "rescue",
            IncidentType::TrafficAccident => "traffic_accident",
            IncidentType::Crime => "crime",
            IncidentType::PublicOrder => "public_order",
            IncidentType::Flood => "flood",
            IncidentType::MissingPerson => "missing_person",
            IncidentType::Medical => "medical",
            IncidentType::Other => "other",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            IncidentType::Fire => "Cháy",
            IncidentType::Explosion => "Nổ",
            IncidentType::Rescue => "Cứu nạn, cứu hộ",
            IncidentType::TrafficAccident => "Tai nạn giao thông",
            IncidentType::Crime => "Tội phạm",
            IncidentType::PublicOrder => "Trật tự công cộng",
            IncidentType::Flood => "Lũ lụt, ngập",
            IncidentType::MissingPerson => "Người mất tích",
            IncidentType::Medical => "Cấp cứu y tế",
            IncidentType::Other => "Khác",
        }
    }
}

/// Crime sub-types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeSubType {
    /// Robbery or snatching.
    Robbery,
    /// Theft or burglary.
    Theft,
    /// Assault, stabbing.
    Assault,
    /// Fight between groups.
    Fight,
    /// Weapons.
    Weapons,
    /// Drugs.
    Drugs,
    /// Fraud, scams.
    Fraud,
    /// Kidnapping or unlawful detention.
    Kidnapping,
    /// Domestic violence.
    DomesticViolence,
    /// Other crime.
    Other,
}

impl CrimeSubType {
    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            CrimeSubType::Robbery => "cướp, cướp giật",
            CrimeSubType::Theft => "trộm cắp",
            CrimeSubType::Assault => "cố ý gây thương tích",
            CrimeSubType::Fight => "đánh nhau",
            CrimeSubType::Weapons => "vũ khí, hung khí",
            CrimeSubType::Drugs => "ma túy",
            CrimeSubType::Fraud => "lừa đảo",
            CrimeSubType::Kidnapping => "bắt cóc, bắt giữ người",
            CrimeSubType::DomesticViolence => "bạo lực gia đình",
            CrimeSubType::Other => "khác",
        }
    }

    /// The code (`robbery`, `domestic_violence`, …).
    pub fn code(self) -> &'static str {
        match self {
            CrimeSubType::Robbery => "robbery",
            CrimeSubType::Theft => "theft",
            CrimeSubType::Assault => "assault",
            CrimeSubType::Fight => "fight",
            CrimeSubType::Weapons => "weapons",
            CrimeSubType::Drugs => "drugs",
            CrimeSubType::Fraud => "fraud",
            CrimeSubType::Kidnapping => "kidnapping",
            CrimeSubType::DomesticViolence => "domestic_violence",
            CrimeSubType::Other => "other",
        }
    }
}

/// Finds which administrative unit (commune/ward police) an address belongs to. The server
/// implements it over its unit directory; `None` means the place was not understood.
pub trait AddressResolver: Send + Sync {
    /// The unit's name or code for an address text.
    fn resolve(&self, address: &str) -> Option<String>;
}

impl<F> AddressResolver for F
where
    F: Fn(&str) -> Option<String> + Send + Sync,
{
    fn resolve(&self, address: &str) -> Option<String> {
        self(address)
    }
}

struct Cues {
    types: Vec<(IncidentType, PhraseSet)>,
    subs: Vec<(CrimeSubType, PhraseSet)>,
    look_alikes: PhraseSet,
    ongoing: PhraseSet,
    past: PhraseSet,
    injured: PhraseSet,
    trapped: PhraseSet,
    dead: PhraseSet,
    suspects: PhraseSet,
    critical: PhraseSet,
    weapons: Vec<(&'static str, PhraseSet)>,
    address_start: PhraseSet,
    address_stop: PhraseSet,
    address_premise: PhraseSet,
    address_relation: PhraseSet,
}

fn cues() -> &'static Cues {
    static CUES: OnceLock<Cues> = OnceLock::new();
    CUES.get_or_init(|| Cues {
        types: vec![
            (
                IncidentType::Fire,
                PhraseSet::new(&[
                    "=cháy",
                    "=lửa",
                    "=khói",
                    "bốc cháy",
                    "hỏa hoạn",
                    "đang cháy",
                    "bị cháy",
                    "cháy nhà",
                    "đám cháy",
                    "khói đen",
                    "bốc khói",
                    "cháy lan",
                ]),
            ),
            (
                IncidentType::Explosion,
                PhraseSet::new(&[
                    "=nổ",
                    "phát nổ",
                    "tiếng nổ",
                    "nổ lớn",
                    "bị nổ",
                    "rò rỉ gas",
                    "rò gas",
                    "xì gas",
                    "mùi gas",
                    "nổ bình",
                ]),
            ),
            (
                IncidentType::Rescue,
                PhraseSet::new(&[
                    "bị chìm",
                    "chìm rồi",
                    "chưa thấy lên",
                    "chưa thấy nổi lên",
                    "lặn tìm",
                    "kẹt thang máy",
                    "kẹt đầu",
                    "mắc kẹt",
                    "bị kẹt",
                    "kẹt thang máy",
                    "=sập",
                    "đổ sập",
                    "bị sập",
                    "sạt lở",
                    "rơi xuống giếng",
                    "đuối nước",
                    "chết đuối",
                    "=đuối",
                    "rơi xuống sông",
                    "rơi xuống hồ",
                    "nhảy lầu",
                    "đòi nhảy",
                    "bị vùi",
                    "bị đè",
                    "nước cuốn",
                    "cuốn trôi",
                ]),
            ),
            (
                IncidentType::TrafficAccident,
                PhraseSet::new(&[
                    "quẹt",
                    "bị quẹt",
                    "va quẹt",
                    "quệt",
                    "tông phải",
                    "đâm phải",
                    "bị xe",
                    "tai nạn giao thông",
                    "tai nạn",
                    "đâm xe",
                    "xe đâm",
                    COLLISION,
                    "bị tông",
                    "tông vào",
                    "va chạm",
                    "lật xe",
                    "xe lật",
                    "bị cán",
                    "đè lên người",
                    "đâm vào",
                    "xe container",
                    "xe tải đâm",
                    "ngã xe",
                ]),
            ),
            (
                IncidentType::Flood,
                PhraseSet::new(&[
                    "tràn vào",
                    "nước tràn",
                    "nước sông lên",
                    "nước lên to",
                    "ngập đến",
                    "ngập tới",
                    "=lũ",
                    "lũ quét",
                    "lũ lụt",
                    "nước lũ",
                    "ngập",
                    "nước dâng",
                    "nước lên",
                    "bị cô lập",
                    "vỡ đê",
                ]),
            ),
            (
                IncidentType::MissingPerson,
                PhraseSet::new(&[
                    "chưa thấy về",
                    "chưa về",
                    "đi khỏi nhà",
                    "bị lẫn",
                    "không thấy con",
                    "lạc con",
                    "lang thang",
                    "không nhớ nhà",
                    "lạc đường",
                    "không biết đường về",
                    "bỏ đi",
                    "không về",
                    "mất tích",
                    "đi lạc",
                    "lạc mất",
                    "không về nhà",
                    "bỏ nhà đi",
                    "không liên lạc được",
                    "chưa về nhà",
                    "không thấy về",
                    "bị lạc",
                    "không thấy đâu",
                    "tìm khắp nơi",
                    "tìm không thấy",
                    "không tìm thấy",
                    "chưa tìm thấy",
                    "thất lạc",
                    "không biết đi đâu",
                    "mất liên lạc",
                ]),
            ),
            (
                IncidentType::Medical,
                PhraseSet::new(&[
                    "=ngất",
                    "bị ngất",
                    "ngất xỉu",
                    "bất tỉnh",
                    "khó thở",
                    "ngừng thở",
                    "co giật",
                    "đột quỵ",
                    "đau tim",
                    "ngộ độc",
                    "sốc phản vệ",
                    "hôn mê",
                    "tự tử",
                    "đau ngực",
                    "vỡ ối",
                    "trụy tim",
                    "điện giật",
                ]),
            ),
            (
                IncidentType::PublicOrder,
                PhraseSet::new(&[
                    "nhạc to",
                    "mở nhạc",
                    "loa kẹo kéo",
                    "gây ồn",
                    "ồn",
                    "xả rác",
                    "lấn chiếm vỉa hè",
                    "cơi nới",
                    "lối thoát hiểm",
                    "nguy cơ cháy",
                    "sạc xe điện",
                    "tụ tập đông",
                    "bán hàng rong",
                    "chiếm lòng đường",
                    "gây rối",
                    "ồn ào",
                    "hát karaoke",
                    "hát to",
                    "tụ tập",
                    "đua xe",
                    "say rượu",
                    "quậy phá",
                    "cãi nhau",
                    "chửi bới",
                    "gây mất trật tự",
                    "lấn chiếm",
                    "đốt pháo",
                    "nẹt pô",
                    "bốc đầu",
                ]),
            ),
        ],
        subs: vec![
            (
                CrimeSubType::Kidnapping,
                PhraseSet::new(&[
                    "người lạ đón",
                    "bị người lạ đón",
                    "đón mất",
                    "bế mất",
                    "nhận là dì",
                    "nhận là người nhà",
                    "bắt cóc",
                    "bị bắt đi",
                    "giam giữ",
                    "bị nhốt",
                    "nhốt",
                ]),
            ),
            (
                CrimeSubType::Robbery,
                PhraseSet::new(&[
                    "cướp",
                    "cướp giật",
                    "giật túi",
                    "giật điện thoại",
                    "giật dây chuyền",
                    "trấn lột",
                    "cưỡng đoạt",
                    "giật đồ",
                ]),
            ),
            (
                CrimeSubType::DomesticViolence,
                PhraseSet::new(&[
                    "đánh đập trẻ",
                    "đánh trẻ con",
                    "bạo hành trẻ",
                    "đánh con",
                    "hành hạ",
                    "bạo hành",
                    "bạo lực gia đình",
                    "chồng đánh",
                    "đánh vợ",
                    "đánh con",
                    "bố đánh",
                    "chồng say rượu đánh",
                    "đánh mẹ",
                    "chồng tôi đánh",
                    "chồng em đánh",
                    "chồng đang đánh",
                    "chồng tôi đang",
                    "chồng em đang",
                    "chồng nó đánh",
                    "vợ đánh",
                    "con trai đánh",
                    "con đánh bố",
                    "con đánh mẹ",
                    "đánh bố mẹ",
                    "bố dượng",
                    "mẹ kế",
                ]),
            ),
            (
                CrimeSubType::Assault,
                PhraseSet::new(&[
                    "bầm tím",
                    "bị tát",
                    "bị véo",
                    "bị đấm",
                    "bị đạp",
                    "bị đánh",
                    "đánh người",
                    "hành hung",
                    "=đâm",
                    "bị đâm",
                    "chém",
                    "hành hung",
                    "bị đánh",
                    "đánh người",
                    "đánh tôi",
                    "truy sát",
                    "đuổi đánh",
                    "giết",
                    "hiếp",
                    "xâm hại",
                ]),
            ),
            (
                CrimeSubType::Fight,
                PhraseSet::new(&[
                    "đánh nhau",
                    "ẩu đả",
                    "hỗn chiến",
                    "xô xát",
                    "đánh lộn",
                    "choảng nhau",
                    "tẩn nhau",
                    "oánh nhau",
                    "uýnh nhau",
                    "đấm nhau",
                    "đập nhau",
                    "chém nhau",
                    "đâm chém nhau",
                    "thanh toán nhau",
                    "giằng co",
                ]),
            ),
            (
                CrimeSubType::Weapons,
                PhraseSet::new(&[
                    "=súng",
                    "nổ súng",
                    "cầm dao",
                    "mã tấu",
                    "hung khí",
                    "lựu đạn",
                    "vật liệu nổ",
                    "cầm súng",
                    "dao",
                    "con dao",
                    "vác dao",
                ]),
            ),
            (
                CrimeSubType::Theft,
                PhraseSet::new(&[
                    "cạy két",
                    "mất túi",
                    "mất xe",
                    "mất ví",
                    "mất điện thoại",
                    "mất tiền",
                    "mất vàng",
                    "mất laptop",
                    "bị mất cắp",
                    "mất cắp",
                    "trộm",
                    "mất trộm",
                    "móc túi",
                    "lấy cắp",
                    "đột nhập",
                    "bẻ khóa",
                    "phá khóa",
                    "ăn trộm",
                    "trộm cắp",
                    "lấy mất",
                    "bị lấy",
                    "rạch túi",
                    "trấn lấy",
                    "bị cạy",
                    "cạy cửa",
                    "mất két",
                    "cuỗm",
                    // "khoang" before a number is "khoảng" (about): see `without_look_alikes`.
                    "khoắng",
                    "bị phá khóa",
                    "khóa cửa bị phá",
                ]),
            ),
            (
                CrimeSubType::Drugs,
                PhraseSet::new(&[
                    "ma túy",
                    "chơi đá",
                    "thuốc lắc",
                    "bay lắc",
                    "tiêm chích",
                    "cần sa",
                    "heroin",
                    "sử dụng trái phép chất",
                ]),
            ),
            (
                CrimeSubType::Fraud,
                PhraseSet::new(&[
                    "lừa đảo",
                    "bị lừa",
                    "chiếm đoạt",
                    "giả danh",
                    "mạo danh",
                    "lừa",
                    "lừa tiền",
                    "lừa mất",
                    "xưng là",
                    "tự xưng",
                    "gửi link",
                    "bấm link",
                    "bấm vào link",
                    "mã otp",
                    "cài ứng dụng",
                    "cài app",
                    "chuyển khoản",
                    "chuyển tiền",
                    "trúng thưởng",
                    "xưng là công an",
                    "lỡ chuyển",
                    "lỡ đưa",
                    "chuyển cọc",
                    "bị chặn",
                    "đầu tư",
                ]),
            ),
            (
                CrimeSubType::Other,
                PhraseSet::new(&[
                    "đập vỡ",
                    "bị đập",
                    "xịt sơn",
                    "sơn bậy",
                    "bị hack",
                    "hack",
                    "chiếm tài khoản",
                    "biến mất",
                    "ôm tiền",
                    "quỵt",
                    "ăn quỵt",
                    "bỏ chạy không trả",
                    "bị đòi",
                    "vay app",
                    "tín dụng đen",
                    "khủng bố",
                    "ghép ảnh",
                    "bôi nhọ",
                    "xúc phạm",
                    "đánh bạc",
                    "cá độ",
                    "xóc đĩa",
                    "tội phạm",
                    "đe dọa",
                    "dọa giết",
                    "tống tiền",
                    "cho vay nặng lãi",
                    "cào xước",
                    "phá hoại",
                    "vẽ bậy",
                    "tung ảnh",
                    "bôi nhọ",
                    "quấy rối",
                    "đòi nợ",
                    "hủy hoại tài sản",
                    "lượn lờ",
                    "khả nghi",
                    "đáng ngờ",
                    "rình mò",
                    "dòm ngó",
                    "cờ bạc",
                    "đánh bạc",
                    "ghi lô đề",
                    "lô đề",
                    "mại dâm",
                    "pháo nổ",
                    "pháo lậu",
                    "buôn lậu",
                    "hàng cấm",
                ]),
            ),
        ],
        look_alikes: PhraseSet::new(&[
            "phòng cháy",
            "chữa cháy",
            "báo cháy",
            "chống cháy",
            "dễ cháy",
            "chất cháy",
            "báo khói",
            "đầu báo",
            "hút khói",
            "khói thuốc",
            // Words that only look like cues: a seeking "kiếm" is no sword, a heat "như lửa"
            // is no fire.
            "tìm kiếm",
            "đi kiếm",
            "kiếm tiền",
            "kiếm ăn",
            "kiếm việc",
            "kiếm sống",
            "kiếm được",
            "như lửa",
            "đi dạo",
            "dạo này",
            "dạo gần đây",
            // Typed without marks "on" is also "ơn" and "ổn", which are no noise.
            "cảm ơn",
            "vẫn ổn",
            "ổn định",
            "ổn rồi",
        ]),
        ongoing: PhraseSet::new(&[
            "đang",
            "vẫn còn",
            "ngay bây giờ",
            "bây giờ",
            "lúc này",
            "hiện giờ",
            "còn ở",
            "cứu",
            "gấp",
            "nhanh lên",
            "vẫn",
            "chưa ra được",
        ]),
        past: PhraseSet::new(&[
            "tắt rồi",
            "tắt hẳn",
            "dập xong",
            "hết khói",
            "dập bằng",
            "đã dập",
            "ko cháy",
            "rồi tắt",
            "lấy lại được",
            "hôm qua",
            "đêm qua",
            "tối qua",
            "tuần trước",
            "tháng trước",
            "hôm trước",
            "mấy hôm",
            "năm ngoái",
            "đã bỏ chạy",
            "bỏ chạy rồi",
            "đã trốn",
            "lúc nãy",
            "hôm kia",
            "bỏ đi rồi",
            "can ra rồi",
            "đi rồi",
            "đã tắt",
            "dập tắt",
            "dập được",
            "đã xong",
            "sáng nay",
            "tối hôm",
            "mọi người can",
        ]),
        injured: PhraseSet::new(&[
            "bị thương",
            "chảy máu",
            "bất tỉnh",
            "=gãy",
            "gãy chân",
            "gãy tay",
            "bị bỏng",
            "nằm bất động",
            "bị đâm",
            "bị chém",
            "ngất",
        ]),
        trapped: PhraseSet::new(&[
            "trên nóc xe",
            "đứng trên nóc",
            "trên mái nhà",
            "mắc kẹt",
            "bị kẹt",
            "kẹt",
            "bị nhốt",
            "chưa ra được",
            "còn ở trong",
            "còn trong nhà",
            "bên trong",
            "không thoát ra",
            "bị vùi",
            "bị đè",
            "bị cô lập",
        ]),
        dead: PhraseSet::new(&["tử vong", "đã chết", "chết", "thiệt mạng"]),
        suspects: PhraseSet::new(&[
            "đối tượng",
            "tên cướp",
            "thanh niên",
            "kẻ",
            "nghi phạm",
            "người lạ",
            "thằng",
            "tên trộm",
            "gã",
            "nhóm",
        ]),
        critical: PhraseSet::new(&[
            "nặng lắm",
            "bị thương nặng",
            "nguy kịch",
            "nằm bất động",
            "không tỉnh",
            "nằm dưới đất",
            "bị vùi",
            "ngã xuống giếng",
            "trên nóc xe",
            "chìm",
            "bất tỉnh",
            "ngừng thở",
            "không thở",
            "chảy nhiều máu",
            "mất nhiều máu",
            "hôn mê",
            "co giật",
            "nguy kịch",
            "đuối nước",
            "chết đuối",
            "mắc kẹt",
            "bị kẹt",
        ]),
        weapons: vec![
            (
                "súng",
                PhraseSet::new(&["=súng", "nổ súng", "cầm súng", "súng ngắn", "có súng"]),
            ),
            (
                "dao",
                PhraseSet::new(&[
                    "=dao",
                    "con dao",
                    "cầm dao",
                    "vác dao",
                    "dao phay",
                    "dao găm",
                    "dao bấm",
                ]),
            ),
            (
                "mã tấu",
                PhraseSet::new(&["mã tấu", "=kiếm", "thanh kiếm", "cầm kiếm"]),
            ),
            (
                "gậy, tuýp sắt",
                PhraseSet::new(&[
                    "=gậy",
                    "gậy gộc",
                    "cầm gậy",
                    "tuýp sắt",
                    "ống sắt",
                    "=côn",
                    "gậy sắt",
                    "ống tuýp",
                ]),
            ),
            (
                "bình xịt hơi cay",
                PhraseSet::new(&["bình xịt hơi cay", "xịt hơi cay"]),
            ),
            (
                "vật liệu nổ",
                PhraseSet::new(&["lựu đạn", "vật liệu nổ", "thuốc nổ", "mìn"]),
            ),
            ("hung khí", PhraseSet::new(&["hung khí"])),
        ],
        address_start: PhraseSet::new(&[
            "số nhà",
            "ngõ",
            "ngách",
            "hẻm",
            "kiệt",
            "phố",
            "đường",
            "phường",
            "xã",
            "quận",
            "huyện",
            "thôn",
            "xóm",
            "tổ dân phố",
            "khu phố",
            "chung cư",
            "tòa nhà",
            "tòa",
            "khu đô thị",
            "kđt",
            "cầu",
            "chợ",
            "ngã tư",
            "ngã ba",
            "nút giao",
            "bến xe",
            "bệnh viện",
            "trường",
            "công viên",
            "hồ",
            "khu tập thể",
            "ktx",
            "ký túc xá",
            "đại lộ",
            "quốc lộ",
            "cao tốc",
            "thị trấn",
            "làng",
            "hầm chui",
            "khu công nghiệp",
            "cụm công nghiệp",
            "kcn",
            "số",
        ]),
        // The premises or the spot named before an address: "quán lẩu số 30 Cát Linh",
        // "phòng 302 nhà nghỉ ở ngõ Văn Chương", "trước cổng chợ Đồng Xuân".
        address_premise: PhraseSet::new(&[
            "quán",
            "nhà nghỉ",
            "nhà trọ",
            "khách sạn",
            "phòng",
            "tầng",
            "căn",
            "cổng",
            "bãi xe",
            "bãi",
            "trạm",
            "bến đò",
            "bến",
            "xưởng",
            "kho",
            "điểm chờ",
            "ngân hàng",
            "cây xăng",
            "công trình",
            "ao",
            "đình",
            "chùa",
            "nhà văn hóa",
            "siêu thị",
            "cửa hàng",
            "tiệm",
            "nhóm trẻ",
            "đám cưới",
            "trước",
            "đối diện",
            "cạnh",
            "bên cạnh",
            "sau",
            "giữa",
            "đầu",
            "cuối",
            "ngay",
        ]),
        // What may follow an address after a comma and still belong to it: "…, gần Royal
        // City", "…, chiều đi Hòa Lạc, km 12", "…, làn đi bộ".
        address_relation: PhraseSet::new(&[
            "gần",
            "cạnh",
            "bên cạnh",
            "đối diện",
            "đoạn",
            "chiều đi",
            "chiều từ",
            "chiều về",
            "km",
            "làn",
            "phía",
            "ngay",
            "trước",
            "sau",
            "cổng",
            "tầng",
            "phòng",
        ]),
        address_stop: PhraseSet::new(&[
            "có",
            "đang",
            "bị",
            "thì",
            "mà",
            "rồi",
            "nhưng",
            "số điện thoại",
            "điện thoại",
            "sđt",
            "lúc",
            "vào lúc",
            "khoảng",
            "hôm",
            "sáng",
            "chiều",
            "tối",
            "đêm",
            "trưa",
            "xảy ra",
            "vừa",
            "cứu",
            "giúp",
            "nhanh",
            "gấp",
            "tôi",
            "em",
            "mình",
            "chúng tôi",
            "cháy",
            "nổ",
            "thấy",
            "và",
            "với",
            "liên hệ",
            "gọi",
            "hiện",
            "đã",
            "anh ạ",
            "chị ạ",
            "anh ơi",
            "chị ơi",
            "em ạ",
            "ơi",
            "nhé",
        ]),
    })
}

/// Whether a normalised word reads as a Vietnamese digit word (for spoken phone numbers).
fn digit_word(t: &Token) -> Option<char> {
    const WORDS: [(&str, char); 14] = [
        ("không", '0'),
        ("một", '1'),
        ("mốt", '1'),
        ("hai", '2'),
        ("ba", '3'),
        ("bốn", '4'),
        ("tư", '4'),
        ("năm", '5'),
        ("lăm", '5'),
        ("sáu", '6'),
        ("bảy", '7'),
        ("bẩy", '7'),
        ("tám", '8'),
        ("chín", '9'),
    ];
    WORDS.iter().find_map(|(w, d)| {
        let pattern = Token::new(w);
        t.matches(&pattern).then_some(*d)
    })
}

/// Finds a Vietnamese phone number: mobile `0[35789]xxxxxxxx`, landline `02xxxxxxxxx`, or the
/// same with `+84`/`84`, written with spaces, dots or dashes between groups, or spoken digit by
/// digit ("không chín một hai…"). Returns it as `0…` digits only.
pub fn find_phone(text: &str) -> Option<String> {
    // Groups: runs of ASCII digits (separators . - space allowed between runs) and digit words.
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let normalized = text.replace('+', " ");
    for raw_word in normalized.split_whitespace() {
        let mut parts: Vec<String> = Vec::new();
        let mut ok = true;
        let trimmed = raw_word.trim_matches(|c: char| ",;:!?()".contains(c));
        if !trimmed.is_empty()
            && trimmed
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        {
            parts.extend(
                trimmed
                    .split(['.', '-'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        } else {
            let tokens = analyze_plain(trimmed);
            if tokens.len() == 1 {
                match digit_word(&tokens[0]) {
                    Some(d) => parts.push(d.to_string()),
                    None => ok = false,
                }
            } else {
                ok = false;
            }
        }
        let ends_clause = raw_word.ends_with([',', ';', '!', '?']);
        if ok && !parts.is_empty() {
            current.extend(parts);
        } else if !current.is_empty() {
            groups.push(std::mem::take(&mut current));
        }
        if ends_clause && !current.is_empty() {
            groups.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    for group in groups {
        for start in 0..group.len() {
            let mut digits = String::new();
            for part in &group[start..] {
                digits.push_str(part);
                if let Some(phone) = valid_phone(&digits) {
                    return Some(phone);
                }
                if digits.len() >= 12 {
                    break;
                }
            }
        }
    }
    None
}

fn valid_phone(digits: &str) -> Option<String> {
    let local = if let Some(rest) = digits.strip_prefix("84") {
        if rest.len() == 9 || rest.len() == 10 {
            format!("0{rest}")
        } else {
            return None;
        }
    } else {
        digits.to_string()
    };
    let b = local.as_bytes();
    let mobile = b.len() == 10 && b[0] == b'0' && b"35789".contains(&b[1]);
    let landline = b.len() == 11 && b[0] == b'0' && b[1] == b'2';
    (mobile || landline).then_some(local)
}

/// Finds a coordinate pair inside Vietnam's bounding box ("21.0285, 105.8542").
pub fn find_coordinates(text: &str) -> Option<(f64, f64)> {
    let numbers: Vec<f64> = text
        .split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .filter(|s| s.contains('.'))
        .filter_map(|s| s.parse::<f64>().ok())
        .collect();
    numbers.windows(2).find_map(|w| {
        let (lat, lon) = (w[0], w[1]);
        ((8.0..=24.0).contains(&lat) && (102.0..=110.0).contains(&lon)).then_some((lat, lon))
    })
}

/// Finds the place named in the text: from the first address word ("số", "ngõ", "phố",
/// "phường", "chung cư"…, or "ở"/"tại" followed by one) to the end of the clause. The original
/// spelling of the message is kept.
pub fn find_location(text: &str) -> Option<String> {
    locate(text, true)
}

/// The part of an address a resolver should read: without the premises before it and the
/// landmarks after it ("quán lẩu số 30 Cát Linh, gần ga" → "số 30 Cát Linh"), which name other
/// places and would only add doubt. The whole text when no address word is found.
pub fn core_address(text: &str) -> String {
    let c = cues();
    let (words, tokens) = address_words(text);
    let from = match first_address_word(&tokens, c) {
        Some(found) if found > 0 && premises_before(&words, &tokens, found, c) == 0 => found,
        _ => 0,
    };
    let to = (from..words.len())
        .find(|&i| {
            words[i].0.ends_with(',')
                && i + 1 < tokens.len()
                && c.address_relation
                    .first_in(&tokens[i + 1..])
                    .is_some_and(|(p, _)| p == 0)
        })
        .map_or(words.len(), |i| i + 1);
    let joined = words[from..to]
        .iter()
        .map(|(w, _, _)| *w)
        .collect::<Vec<_>>()
        .join(" ");
    let trimmed = joined.trim_end_matches(|ch: char| !ch.is_alphanumeric());
    if trimmed.is_empty() {
        text.to_string()
    } else {
        trimmed.to_string()
    }
}

/// A word as written, its own token, and whether it ends a clause.
type Word<'a> = (&'a str, Option<Token>, bool);

/// The words of a message with their own tokens (one token per word, no expansion) and
/// whether each ends a clause.
fn address_words(text: &str) -> (Vec<Word<'_>>, Vec<Token>) {
    let words: Vec<Word<'_>> = text
        .split_whitespace()
        .map(|w| {
            let clean = w.trim_matches(|ch: char| !ch.is_alphanumeric());
            let tok = analyze_plain(clean).into_iter().next();
            let boundary = w.ends_with(['.', ';', '!', '?', ',']);
            (w, tok, boundary)
        })
        .collect();
    let tokens: Vec<Token> = words
        .iter()
        .map(|(_, t, _)| t.clone().unwrap_or_else(|| Token::new("_")))
        .collect();
    (words, tokens)
}

/// The index of the first word that starts an address.
fn first_address_word(tokens: &[Token], c: &Cues) -> Option<usize> {
    for i in 0..tokens.len() {
        if let Some((0, _)) = c.address_start.first_in(&tokens[i..]) {
            // "số" only starts an address before a number ("số 12"), not "số điện thoại".
            if tokens[i].fold == "so" {
                let next_ok = tokens.get(i + 1).is_some_and(|t| {
                    t.fold == "nha" || t.fold.chars().next().is_some_and(|ch| ch.is_ascii_digit())
                });
                if !next_ok {
                    continue;
                }
            }
            // "tòa", "chợ", "cầu", "hồ", "trường" need a name after them, and a clause word
            // ("xóm đang …") is no name.
            if tokens.get(i + 1).is_none()
                || c.address_stop
                    .first_in(&tokens[i + 1..])
                    .is_some_and(|(p, _)| p == 0)
            {
                continue;
            }
            // "hàng xóm" (neighbours), "xóm trọ" (boarding houses), "nhà hàng" are not places.
            let prev = i.checked_sub(1).map(|p| tokens[p].fold.as_str());
            let next = tokens.get(i + 1).map(|t| t.fold.as_str());
            if tokens[i].fold == "xom" && (prev == Some("hang") || next == Some("tro")) {
                continue;
            }
            // A way described, not named ("đi đường lớn rẽ vào", "đường mòn"): no address.
            // Only words no street name starts with ("to" may be "Tô", "chính" "Chính Kinh"),
            // and not "đường vào", which often names its place ("đường vào chợ Bưởi").
            const ANY_ROAD: &[&str] = &["lớn", "nhỏ", "mòn", "tắt", "hẹp"];
            const ANY_ROAD_UNMARKED: &[&str] = &["lon", "mon", "hep"];
            let any_road = tokens.get(i + 1).is_some_and(|n| {
                ANY_ROAD.contains(&n.norm.as_str())
                    || (!n.has_diacritics() && ANY_ROAD_UNMARKED.contains(&n.fold.as_str()))
            });
            if tokens[i].fold == "duong" && any_road {
                continue;
            }
            return Some(i);
        }
    }
    None
}

/// [`find_location`]; with `whole` false, without the premises and the landmarks.
fn locate(text: &str, whole: bool) -> Option<String> {
    let c = cues();
    let (words, tokens) = address_words(text);
    let start = first_address_word(&tokens, c);
    let found = start?;
    let start = if whole {
        premises_before(&words, &tokens, found, c)
    } else {
        found
    };
    let starts_here = |set: &PhraseSet, at: usize| {
        at < tokens.len() && set.first_in(&tokens[at..]).is_some_and(|(p, _)| p == 0)
    };
    let mut end = found;
    let mut i = found;
    while i < words.len() {
        if i > found + 1
            && starts_here(&c.address_stop, i)
            && !(whole && starts_here(&c.address_relation, i))
        {
            break;
        }
        end = i;
        if words[i].2 {
            // A comma continues the address only when an address word or a relation to a
            // landmark ("gần", "chiều đi", "km") follows.
            let continues = words[i].0.ends_with(',')
                && (starts_here(&c.address_start, i + 1)
                    || (whole && starts_here(&c.address_relation, i + 1)));
            if !continues {
                break;
            }
        }
        if i - start >= 20 {
            break;
        }
        i += 1;
    }
    let text: Vec<&str> = words[start..=end].iter().map(|(w, _, _)| *w).collect();
    let joined = text.join(" ");
    let trimmed = joined.trim_end_matches(|ch: char| !ch.is_alphanumeric());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Where an address really starts: up to five words before its first address word, when they
/// name the premises or the spot ("quán lẩu", "phòng 302 nhà nghỉ ở", "trước cổng") and no
/// sentence boundary, verb or clause word comes between.
fn premises_before(words: &[Word<'_>], tokens: &[Token], found: usize, c: &Cues) -> usize {
    const CLAUSE: &[&str] = &[
        "la", "thi", "do", "roi", "va", "co", "dang", "bi", "da", "vua", "nay", "kia", "ay", "toi",
        "em", "anh", "chi", "minh", "no", "ho", "den", "tu", "cho", "bao", "goi",
    ];
    let mut start = found;
    let lowest = found.saturating_sub(5);
    let mut j = found;
    while j > lowest {
        j -= 1;
        // A word ending a clause ("…, ", "….") is not part of this address.
        if words[j].2 {
            break;
        }
        let fold = tokens[j].fold.as_str();
        if CLAUSE.contains(&fold) || c.address_stop.first_in(&tokens[j..=j]).is_some() {
            break;
        }
        if c.address_premise
            .first_in(&tokens[j..found])
            .is_some_and(|(p, _)| p == 0)
        {
            start = j;
        }
    }
    start
}

/// A number written as digits or as a Vietnamese number word near a cue.
fn number_before(tokens: &[Token], at: usize) -> Option<u32> {
    const WORDS: [(&str, u32); 13] = [
        ("một", 1),
        ("hai", 2),
        ("ba", 3),
        ("bốn", 4),
        ("năm", 5),
        ("sáu", 6),
        ("bảy", 7),
        ("tám", 8),
        ("chín", 9),
        ("mười", 10),
        ("vài", 2),
        ("mấy", 2),
        ("nhiều", 3),
    ];
    let from = at.saturating_sub(4);
    for t in tokens[from..at].iter().rev() {
        if let Ok(n) = t.fold.parse::<u32>() {
            return Some(n);
        }
        if let Some((_, n)) = WORDS.iter().find(|(w, _)| t.matches(&Token::new(w))) {
            return Some(*n);
        }
    }
    None
}

/// Counts for one kind of person: a number close before the cue, or 1 when mentioned.
/// Counts for one kind of person: a number close before the first cue that is not negated,
/// or 1 when mentioned; 0 when every mention is negated ("không ai bị thương").
fn count(tokens: &[Token], cue: &PhraseSet) -> Option<u32> {
    let found = cue.occurrences(tokens);
    found.first()?;
    match found
        .iter()
        .find(|(at, _)| !crate::signs::negated(tokens, *at))
    {
        Some(&(at, _)) => Some(number_before(tokens, at).unwrap_or(1)),
        None => Some(0),
    }
}

/// The token a collision verb next to a vehicle is rewritten to: rules name a crash by it, so
/// "Tông" in a street name ("Trần Thái Tông") or an unmarked "tong" is no crash.
pub const COLLISION: &str = "vachamxe";

/// Rewrites "đâm", "tông", "húc", "va", "đụng" next to a vehicle as a collision, so that
/// "xe tải đâm xe máy" reads as a road accident and not as a stabbing; so are the mishaps of a
/// vehicle on its own ("máy cày lật xuống ruộng", "xe máy trượt ngã", "ô tô lao xuống hồ").
pub fn mask_vehicle_collisions(tokens: &[Token]) -> Vec<Token> {
    static VERB: OnceLock<PhraseSet> = OnceLock::new();
    static VEHICLE: OnceLock<PhraseSet> = OnceLock::new();
    let verb = VERB.get_or_init(|| {
        PhraseSet::new(&[
            "=đâm",
            "dam",
            "tông",
            "húc",
            "=va",
            // Typed without marks "dung" is mostly "dựng" (a bike parked upright) or "đúng",
            // and "can" is "cần" or "căn": those count only with their marks or a preposition.
            "=đụng",
            "đụng phải",
            "đụng vào",
            "đụng nhau",
            "đụng trúng",
            "=lật",
            "lật xuống",
            "lật nghiêng",
            "trượt ngã",
            "trượt bánh",
            "lao xuống",
            "lao vào",
            "lao lên",
            "=cán",
            "cán qua",
            "cán lên",
            "cán phải",
            "cán người",
            "cán chết",
            "cán trúng",
            "quệt",
            "đâm sầm",
        ])
    });
    let vehicle = VEHICLE.get_or_init(|| {
        PhraseSet::new(&[
            "xe",
            "ô tô",
            "oto",
            "xe máy",
            "xe tải",
            "container",
            "taxi",
            "grab",
            "xe buýt",
            "bus",
            "xe con",
            "xe khách",
            "xe đạp",
            "công nông",
            "máy xúc",
            "tàu",
            "cột điện",
            "dải phân cách",
            "gốc cây",
            "liên hoàn",
            "lái xe",
            "tài xế",
            "xe ben",
            "xe bồn",
            "xe cẩu",
            "máy cày",
        ])
    });
    // A vehicle gone into the water is a drowning first ("ô tô lao xuống hồ").
    const WATER: &[&str] = &[
        "hồ", "sông", "ao", "kênh", "mương", "suối", "biển", "nước", "đầm",
    ];
    let vehicles = vehicle.occurrences(tokens);
    let mut out = tokens.to_vec();
    for (at, len) in verb.occurrences(tokens) {
        if tokens
            .get(at + len)
            .is_some_and(|t| WATER.iter().any(|w| t.matches(&Token::new(w))))
        {
            continue;
        }
        let near = vehicles.iter().any(|&(v, vlen)| {
            (v + vlen <= at && at - (v + vlen) <= 3) || (v >= at + len && v - (at + len) <= 3)
        });
        if near {
            for t in &mut out[at..at + len] {
                *t = Token::new(COLLISION);
            }
        }
    }
    out
}

/// People and weapons mentioned in a report or call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    /// Injured people (1 when mentioned without a number).
    pub injured: Option<u32>,
    /// Trapped people.
    pub trapped: Option<u32>,
    /// Dead.
    pub dead: Option<u32>,
    /// Suspects.
    pub suspects: Option<u32>,
    /// Weapons mentioned.
    pub weapons: Vec<String>,
}

/// What the text says happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The incident type.
    pub incident_type: IncidentType,
    /// The crime sub-type, for crimes.
    pub sub_type: Option<CrimeSubType>,
    /// Whether it reads as happening now.
    pub ongoing: bool,
    /// Whether it reads as over (yesterday, suspect gone).
    pub past: bool,
    /// Whether someone's life is at risk (unconscious, trapped, drowning…).
    pub critical: bool,
    /// People and weapons.
    pub people: People,
    /// Water is near (a river, a lake): a missing child may be in it.
    pub near_water: bool,
    /// The caller says the people are safe for now ("vẫn ổn", "thở bình thường").
    pub said_safe: bool,
    /// Someone armed is threatening people, not only carrying ("đòi chém", "trước nhà em").
    pub threat: bool,
    /// A public-order call about noise only (karaoke, music), with no danger named.
    pub noise_only: bool,
}

/// Whether someone was struck by people ("bị mấy thằng đánh", "bị khách đập chai bia vào
/// đầu", "cầm mũ bảo hiểm phang vào đầu"): "bị" with a blow up to three words on, or a blow
/// aimed at the head, face or body. A vehicle's blow was rewritten as a collision before.
fn beaten(tokens: &[Token]) -> bool {
    const BLOW: &[&str] = &[
        "đánh", "đấm", "đá", "chém", "phang", "quất", "vụt", "tát", "đạp", "đập", "ném",
    ];
    const AIMED: &[&str] = &["đầu", "mặt", "người", "bụng", "ngực", "lưng", "gáy"];
    // Typed without marks only the blows no other word shares ("dam" is also "đám").
    const BLOW_UNMARKED: &[&str] = &["danh", "chem", "phang", "vut"];
    let blow = |t: &Token| {
        BLOW.iter().any(|w| t.norm == *w)
            || (!t.has_diacritics() && BLOW_UNMARKED.contains(&t.fold.as_str()))
    };
    tokens.iter().enumerate().any(|(i, t)| {
        let after_bi = t.matches(&Token::new("bị"))
            && tokens[i + 1..]
                .iter()
                .take(3)
                .position(blow)
                .is_some_and(|p| !denied(tokens, i + 1 + p));
        let aimed = blow(t)
            && !denied(tokens, i)
            && tokens[i + 1..]
                .windows(2)
                .take(4)
                .any(|w| w[0].matches(&Token::new("vào")) && AIMED.iter().any(|a| w[1].norm == *a));
        after_bi || aimed
    })
}

/// Whether the cue at `at` is denied: right after "không", "chưa", "chẳng" or "chả", or with
/// at most three carrying words between ("không có dao", "chưa thấy khói", "không còn
/// cháy"). "Ai" and "người" do not carry the denial on: in "nhà không có người,
/// cháy to lắm" the fire is there (the comma is gone by now).
fn denied(tokens: &[Token], at: usize) -> bool {
    // "chẳng" and "chả" only with their marks: "chang", "cha" are "chàng", "cha" too.
    let not = |t: &Token| {
        matches!(t.fold.as_str(), "khong" | "chua") || matches!(t.norm.as_str(), "chẳng" | "chả")
    };
    // Also the verbs that come with a smoke or fire noun ("không bốc khói", "không thấy xẹt
    // lửa", "không có mùi khét"), so the noun inside a denied phrase stays denied.
    const CARRY: &[&str] = &[
        "có", "thấy", "còn", "bị", "hề", "phải", "bốc", "xẹt", "tóe", "mùi", "ra",
    ];
    let mut i = at;
    let mut carried = 0;
    while i > 0 && carried <= 2 {
        i -= 1;
        let t = &tokens[i];
        if not(t) {
            return true;
        }
        if !CARRY.iter().any(|w| t.matches(&Token::new(w))) {
            return false;
        }
        carried += 1;
    }
    false
}

/// Masks phrases that only look like cues: fire prevention ("phòng cháy" is no fire), a
/// seeking "kiếm", a heat "như lửa".
fn without_look_alikes(tokens: &[Token]) -> Vec<Token> {
    let mut out = cues().look_alikes.mask(tokens);
    // Typed without marks, "khoang" before an amount is "khoảng" (about: "khoang chuc nguoi",
    // "khoang 10h"), not "khoắng" (to steal).
    const AMOUNT: &[&str] = &[
        "chuc", "tram", "nghin", "ngan", "may", "vai", "mot", "hai", "ba", "bon", "nam", "sau",
        "bay", "tam", "chin", "muoi", "hon", "gan", "nua", "tu",
    ];
    for i in 0..out.len().saturating_sub(1) {
        let next = &out[i + 1].fold;
        let amount =
            next.starts_with(|c: char| c.is_ascii_digit()) || AMOUNT.contains(&next.as_str());
        if out[i].norm == "khoang" && amount {
            out[i] = Token::new("khoảng");
        }
    }
    out
}

/// Whether the tokens name any kind of incident or crime (a theft, a fraud, a fire…).
pub fn has_incident_cue(tokens: &[Token]) -> bool {
    let c = cues();
    let tokens = mask_vehicle_collisions(&without_look_alikes(tokens));
    c.types.iter().any(|(_, set)| set.any_in(&tokens))
        || c.subs.iter().any(|(_, set)| set.any_in(&tokens))
        || !crate::signs::find(&tokens).is_empty()
        || lost_property().any_in(&tokens)
        || lost_possession(&tokens)
        || damaged_possession(&tokens)
}

/// "xe em bị bẻ gương", "gương 2 bên mất sạch", "bị rạch yên xe": something owned broken,
/// taken apart or taken, told without a crime word.
pub fn damaged_possession(tokens: &[Token]) -> bool {
    static THING: OnceLock<PhraseSet> = OnceLock::new();
    static DONE: OnceLock<PhraseSet> = OnceLock::new();
    let thing = THING.get_or_init(|| {
        PhraseSet::new(&[
            "xe",
            "gương",
            "kính",
            "lốp",
            "yên xe",
            "biển số",
            "=cửa",
            "ô tô",
            "xe máy",
            "cửa kính",
            "camera",
            "đồng hồ nước",
            "công tơ",
        ])
    });
    let done = DONE.get_or_init(|| {
        PhraseSet::new(&[
            "bị bẻ",
            "bị đập",
            "bị rạch",
            "bị cào",
            "bị chọc thủng",
            "bị xì",
            "bị phá",
            "bị đốt",
            "bị tháo",
            "bị vặt",
            "bị cạy",
            "mất sạch",
            "mất hết",
            "vỡ nát",
            "bị ném vỡ",
        ])
    });
    let things = thing.occurrences(tokens);
    done.occurrences(tokens).into_iter().any(|(at, len)| {
        things
            .iter()
            .any(|&(t, tlen)| t + tlen + 4 >= at && t <= at + len + 4)
    })
}

/// "mất 2 con chó", "mất chiếc xe đạp", "mất hết vàng": "mất" then, past a number and a
/// classifier, something people own. A person ("mất con", "mất mẹ") is never read so.
pub fn lost_possession(tokens: &[Token]) -> bool {
    static OWNED: OnceLock<PhraseSet> = OnceLock::new();
    let owned = OWNED.get_or_init(|| {
        PhraseSet::new(&[
            "chó",
            "gà",
            "vịt",
            "ngan",
            "bò",
            "trâu",
            "lợn",
            "heo",
            "dê",
            "mèo",
            "chim",
            "xe",
            "điện thoại",
            "ví",
            "túi",
            "laptop",
            "máy tính",
            "dây chuyền",
            "nhẫn",
            "vàng",
            "két",
            "đồng hồ",
            "tài sản",
            "bình ga",
            "cây cảnh",
            "máy bơm",
            "đồ đạc",
            "ipad",
            "iphone",
            "balo",
            "ba lô",
            "vali",
        ])
    });
    const SKIP: &[&str] = &[
        "con", "chiec", "cai", "cap", "doi", "bo", "may", "het", "mot", "hai", "ba", "bon", "nam",
    ];
    let lost = Token::new("mất");
    tokens.iter().enumerate().any(|(i, t)| {
        if !t.matches(&lost) {
            return false;
        }
        let mut j = i + 1;
        while j < tokens.len() && j <= i + 3 {
            let f = tokens[j].fold.as_str();
            let number = f.chars().all(|ch| ch.is_ascii_digit()) && !f.is_empty();
            // "bò" is a classifier-like word too ("bộ"); an owned word wins.
            if owned.first_in(&tokens[j..]).is_some_and(|(p, _)| p == 0) {
                return true;
            }
            if !(number || SKIP.contains(&f)) {
                return false;
            }
            j += 1;
        }
        false
    })
}

/// Words of something lost or forgotten: no crime, but something to report.
fn lost_property() -> &'static PhraseSet {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "để quên",
            "làm rơi",
            "đánh rơi",
            "thất lạc",
            "báo mất",
            "bị mất",
            "mất cccd",
            "mất căn cước",
            "mất giấy tờ",
            "mất ví",
        ])
    })
}

/// Whether the tokens name a crime against someone (a fraud, a threat, a theft, violence):
/// then a money or land quarrel is not only a civil dispute.
pub fn has_crime_cue(tokens: &[Token]) -> bool {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "húc",
            COLLISION,
            "bị tông",
            "va chạm",
            "đâm xe",
            "tai nạn",
            "lừa",
            "lừa đảo",
            "mạo danh",
            "giả danh",
            "đe dọa",
            "chiếm đoạt",
            "đánh",
            "cướp",
            "trộm",
            "tống tiền",
            "xiết nợ",
            "đập phá",
            "uy hiếp",
            "dọa",
        ])
    })
    .any_in(tokens)
}

/// Classifies a description or transcript.
pub fn classify(text: &str) -> Classification {
    let c = cues();
    let tokens = mask_vehicle_collisions(&without_look_alikes(&analyze(text)));
    // A cue said only in the negative ("không cháy gì", "chưa thấy khói", "không có dao kéo
    // gì", "chưa xô xát") names what did not happen.
    let said = |set: &PhraseSet| {
        set.occurrences(&tokens)
            .into_iter()
            .any(|(at, _)| !denied(&tokens, at))
    };
    let sub_type = c
        .subs
        .iter()
        .find(|(_, set)| said(set))
        .map(|(s, _)| *s)
        .or_else(|| beaten(&tokens).then_some(CrimeSubType::Assault))
        .or_else(|| lost_possession(&tokens).then_some(CrimeSubType::Theft));
    // A missing person is told through what they never do ("bà không bị lẫn", "cháu chưa
    // đi lạc bao giờ"): those cues count as said.
    let found: Vec<IncidentType> = c
        .types
        .iter()
        .filter(|(t, set)| {
            if *t == IncidentType::MissingPerson {
                set.any_in(&tokens)
            } else {
                said(set)
            }
        })
        .map(|(t, _)| *t)
        .collect();
    let has = |t: IncidentType| found.contains(&t);
    let violent = matches!(
        sub_type,
        Some(
            CrimeSubType::Kidnapping
                | CrimeSubType::Robbery
                | CrimeSubType::Assault
                | CrimeSubType::Fight
                | CrimeSubType::Weapons
                | CrimeSubType::DomesticViolence
        )
    );
    let incident_type = if has(IncidentType::Fire) {
        IncidentType::Fire
    } else if has(IncidentType::Explosion) {
        IncidentType::Explosion
    } else if has(IncidentType::Rescue) && !violent {
        IncidentType::Rescue
    } else if violent {
        IncidentType::Crime
    } else if has(IncidentType::TrafficAccident) {
        IncidentType::TrafficAccident
    } else if has(IncidentType::Flood) {
        IncidentType::Flood
    } else if has(IncidentType::MissingPerson) {
        IncidentType::MissingPerson
    } else if has(IncidentType::Medical) {
        IncidentType::Medical
    } else if sub_type.is_some() {
        IncidentType::Crime
    } else if has(IncidentType::PublicOrder) {
        IncidentType::PublicOrder
    } else {
        IncidentType::Other
    };
    let sub_type = if incident_type == IncidentType::Crime {
        Some(sub_type.unwrap_or(CrimeSubType::Other))
    } else {
        None
    };
    let weapons = c
        .weapons
        .iter()
        .filter(|(_, set)| said(set))
        .map(|(name, _)| name.to_string())
        .collect();
    let people = People {
        injured: count(&tokens, &c.injured),
        trapped: count(&tokens, &c.trapped),
        dead: count(&tokens, &c.dead),
        suspects: if incident_type == IncidentType::Crime
            || incident_type == IncidentType::PublicOrder
        {
            count(&tokens, &c.suspects)
        } else {
            None
        },
        weapons,
    };
    Classification {
        incident_type,
        sub_type,
        ongoing: c.ongoing.any_in(&tokens),
        past: c.past.any_in(&tokens),
        critical: c.critical.any_in(&tokens),
        people,
        near_water: false,
        said_safe: false,
        threat: false,
        noise_only: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_many_spellings() {
        assert_eq!(
            find_phone("sđt của tôi 0912345678").as_deref(),
            Some("0912345678")
        );
        assert_eq!(
            find_phone("gọi 0912 345 678 nhé").as_deref(),
            Some("0912345678")
        );
        assert_eq!(find_phone("số 0912.345.678").as_deref(), Some("0912345678"));
        assert_eq!(find_phone("+84 912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(find_phone("84912345678").as_deref(), Some("0912345678"));
        assert_eq!(
            find_phone("số máy bàn 024 3825 1234").as_deref(),
            Some("02438251234")
        );
        assert_eq!(
            find_phone("số em là không chín tám tám một hai ba bốn năm sáu").as_deref(),
            Some("0988123456")
        );
        assert_eq!(
            find_phone("khong chin tam tam mot hai ba bon nam sau").as_deref(),
            Some("0988123456")
        );
        assert_eq!(find_phone("gọi 113 ngay"), None);
        assert_eq!(find_phone("số nhà 12 ngõ 34"), None);
        assert_eq!(find_phone("0123456789"), None);
    }

    #[test]
    fn coordinates() {
        assert_eq!(
            find_coordinates("vị trí 21.0285, 105.8542"),
            Some((21.0285, 105.8542))
        );
        assert_eq!(find_coordinates("1.5 2.5"), None);
    }

    #[test]
    fn locations() {
        assert_eq!(
            find_location("Cháy nhà ở số 12 ngõ 34 Trần Duy Hưng, phường Trung Hòa, có người kẹt")
                .as_deref(),
            Some("số 12 ngõ 34 Trần Duy Hưng, phường Trung Hòa")
        );
        assert_eq!(
            find_location("có đánh nhau ở chợ Đồng Xuân đang rất đông").as_deref(),
            Some("chợ Đồng Xuân")
        );
        assert_eq!(find_location("so dien thoai cua toi 0912345678"), None);
        assert_eq!(find_location("nhà tôi bị trộm"), None);
        // Neighbours, boarding houses and eateries are not places.
        assert_eq!(find_location("nhà hàng xóm đang cháy"), None);
        assert_eq!(find_location("nha hang xom dang chay to lam"), None);
        assert_eq!(find_location("xóm trọ có đánh nhau"), None);
        assert_eq!(
            find_location("cháy ở xóm Chùa, thôn Đông").as_deref(),
            Some("xóm Chùa, thôn Đông")
        );
    }

    #[test]
    fn things_lost_are_read_past_numbers_and_classifiers() {
        let lost = |t: &str| lost_possession(&analyze(t));
        assert!(lost("nhà e mất 2 con chó đêm hôm kia"));
        assert!(lost("sáng nay mất chiếc xe đạp điện"));
        assert!(lost("nha toi mat 3 con ga"));
        assert!(!lost("nhà tôi mất con"), "a child is not property");
        assert!(!lost("mất điện cả khu"));
        assert!(!lost("làm hộ chiếu mất bao lâu"));
        assert_eq!(
            classify("nhà e mất 2 con chó đêm hôm kia").sub_type,
            Some(CrimeSubType::Theft)
        );
    }

    #[test]
    fn locations_keep_the_premises_and_the_landmark() {
        let found = |t: &str| find_location(t);
        assert_eq!(
            found("đánh nhau ở quán lẩu số 30 Cát Linh, mọi người ơi").as_deref(),
            Some("quán lẩu số 30 Cát Linh")
        );
        assert_eq!(
            found("em đang đứng trước cổng chợ Đồng Xuân").as_deref(),
            Some("trước cổng chợ Đồng Xuân")
        );
        assert_eq!(
            found("tai nạn trên Đại lộ Thăng Long, chiều đi Hòa Lạc, km 12 anh ạ").as_deref(),
            Some("Đại lộ Thăng Long, chiều đi Hòa Lạc, km 12")
        );
        assert_eq!(
            found("cướp giật ở đường Nguyễn Trãi, gần Royal City").as_deref(),
            Some("đường Nguyễn Trãi, gần Royal City")
        );
        // A clause before the address is not its premises.
        assert_eq!(
            found("tôi bị đánh rồi ở ngõ 5 Láng Hạ").as_deref(),
            Some("ngõ 5 Láng Hạ")
        );
        assert_eq!(
            found("nó chạy rồi, số 12 phố Huế").as_deref(),
            Some("số 12 phố Huế")
        );
        assert_eq!(
            found("hầm chui Kim Liên, ngập sâu lắm").as_deref(),
            Some("hầm chui Kim Liên")
        );
        // What a resolver reads: no premises, no landmark after the address.
        assert_eq!(
            core_address("quán lẩu số 30 Cát Linh, gần ga Cát Linh"),
            "số 30 Cát Linh"
        );
        assert_eq!(
            core_address("đường Nguyễn Văn Cừ, gần chân cầu Chương Dương"),
            "đường Nguyễn Văn Cừ"
        );
        assert_eq!(core_address("Royal City"), "Royal City");
        // A street named before the first address word stays: it is the address.
        assert_eq!(core_address("Láng Hạ, ngõ 5"), "Láng Hạ, ngõ 5");
        assert_eq!(
            core_address("45 Hàng Bạc, Hoàn Kiếm, gần hồ"),
            "45 Hàng Bạc, Hoàn Kiếm"
        );
    }

    #[test]
    fn look_alikes_typed_without_marks() {
        // "khoang" before an amount is "khoảng"; otherwise it may be "khoắng" (to steal).
        assert_ne!(
            classify("khoang chuc nguoi ngoi hat").sub_type,
            Some(CrimeSubType::Theft)
        );
        assert_eq!(
            classify("dem qua nha toi bi khoang sach do dac").sub_type,
            Some(CrimeSubType::Theft)
        );
        // A missing person told through what she never does is still missing.
        assert_eq!(
            classify("bà tôi không bị lẫn, chưa đi lạc bao giờ mà từ sáng đến giờ mất liên lạc")
                .incident_type,
            IncidentType::MissingPerson
        );
        // A vehicle's mishap on its own is a road accident; into the water it is not masked.
        assert_eq!(
            classify("xe máy trượt ngã liên tiếp trên cầu, 2 người trầy xước").incident_type,
            IncidentType::TrafficAccident
        );
        assert!(!mask_vehicle_collisions(&analyze("ô tô lao xuống hồ"))
            .iter()
            .any(|t| t.fold == COLLISION));
        // Thanks are no noise.
        assert_eq!(classify("ok cam on anh").incident_type, IncidentType::Other);
    }

    #[test]
    fn classification_and_people() {
        let c =
            classify("Cháy tầng 3 chung cư, còn 2 người mắc kẹt bên trong, một người bị thương");
        assert_eq!(c.incident_type, IncidentType::Fire);
        assert_eq!(c.people.trapped, Some(2));
        assert_eq!(c.people.injured, Some(1));
        assert!(c.critical);
        let c = classify("hai thanh niên cầm dao cướp điện thoại rồi bỏ chạy rồi");
        assert_eq!(c.incident_type, IncidentType::Crime);
        assert_eq!(c.sub_type, Some(CrimeSubType::Robbery));
        assert_eq!(c.people.suspects, Some(2));
        assert_eq!(c.people.weapons, vec!["dao".to_string()]);
        assert!(c.past);
        assert_eq!(
            classify("thủ tục phòng cháy chữa cháy").incident_type,
            IncidentType::Other
        );
        assert_eq!(
            classify("chong danh vo o phong ben").sub_type,
            Some(CrimeSubType::DomesticViolence)
        );
        assert_eq!(
            classify("bị lừa chuyển khoản 20 triệu").sub_type,
            Some(CrimeSubType::Fraud)
        );
        assert_eq!(
            classify("con tôi đi học chưa về nhà, không liên lạc được").incident_type,
            IncidentType::MissingPerson
        );
        assert_eq!(
            classify("xe máy va chạm với ô tô, một người bị thương").incident_type,
            IncidentType::TrafficAccident
        );
    }

    proptest::proptest! {
        #[test]
        fn phone_finder_never_panics_and_returns_valid_numbers(s in "[0-9 .+\\-a-zđ]{0,40}") {
            if let Some(p) = find_phone(&s) {
                proptest::prop_assert!(p.starts_with('0'));
                proptest::prop_assert!(p.len() == 10 || p.len() == 11);
            }
            let _ = find_location(&s);
            let _ = find_coordinates(&s);
        }

        #[test]
        fn grouped_mobile_numbers_are_found(d in "[35789][0-9]{8}", sep in "[ .\\-]") {
            let spaced = format!("0{} {}{}{}", &d[..3], &d[3..6], sep, &d[6..]);
            proptest::prop_assert_eq!(find_phone(&spaced), Some(format!("0{d}")));
        }
    }
}
