//! Safety rules decided before any retrieval: emergencies in progress (fire, explosion, people
//! trapped, drowning, floods, collapse, violence, medical) get the right number and what to do
//! now; requests for other people's data or case files, help with fraud or evading the law, and
//! OTP/password sharing are declined with the reason.
//!
//! The rules are phrase lists matched per syllable with and without diacritics. An emergency
//! needs an event cue ("cháy", "đuối nước", "bị đánh"…) and must not be framed as a condition
//! ("khi", "nếu"…); procedural or informational wording ("thủ tục", "bình chữa cháy", "mức
//! phạt"…) also rules it out unless the message says it is happening now ("đang", "rồi",
//! "nhà tôi"…). A call for help ("cứu tôi với", "sos") is always an emergency.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::text::{PhraseSet, Token};

/// What kind of emergency a message describes; decides the number to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmergencyClass {
    /// Fire or smoke.
    Fire,
    /// Explosion or gas leak.
    Explosion,
    /// People trapped, collapse, landslide, fall.
    Rescue,
    /// Someone drowning or swept away by water.
    Drowning,
    /// Flood, rising water, people cut off.
    Flood,
    /// Violence or a crime in progress.
    Violence,
    /// A traffic accident.
    TrafficAccident,
    /// A medical emergency.
    Medical,
    /// A call for help without a recognisable kind.
    Unspecified,
}

impl EmergencyClass {
    /// The number to call first: 114 fire and rescue, 113 police, 115 ambulance.
    pub fn number(self) -> &'static str {
        match self {
            EmergencyClass::Fire
            | EmergencyClass::Explosion
            | EmergencyClass::Rescue
            | EmergencyClass::Drowning
            | EmergencyClass::Flood => "114",
            EmergencyClass::Violence
            | EmergencyClass::TrafficAccident
            | EmergencyClass::Unspecified => "113",
            EmergencyClass::Medical => "115",
        }
    }

    /// The immediate instructions, in Vietnamese.
    pub fn reply(self) -> &'static str {
        match self {
            EmergencyClass::Fire => "GỌI NGAY 114 (Cứu hỏa, cứu nạn cứu hộ) – miễn phí.\n\
- Hô hoạn cho mọi người cùng biết, thoát ra ngoài theo lối gần nhất, không quay lại lấy đồ.\n\
- Cúi thấp người, che mũi miệng bằng khăn ướt; không dùng thang máy.\n\
- Ngắt cầu dao điện và khóa van bình gas nếu làm được mà không nguy hiểm.\n\
- Nếu bị kẹt: vào phòng xa đám cháy, đóng kín cửa, chèn khăn ướt vào khe cửa, ra ban công hoặc cửa sổ ra hiệu cứu.\n\
- Có người bị thương: gọi thêm 115.",
            EmergencyClass::Explosion => "GỌI NGAY 114 (Cứu hỏa, cứu nạn cứu hộ) – miễn phí.\n\
- Rời xa khu vực, không quay lại, đề phòng nổ tiếp.\n\
- Nếu có mùi gas: khóa van bình gas, mở cửa cho thoáng, không bật tắt công tắc điện, không dùng lửa.\n\
- Có người bị thương: gọi thêm 115.",
            EmergencyClass::Rescue => "GỌI NGAY 114 (Cứu nạn cứu hộ) – miễn phí.\n\
- Giữ bình tĩnh, không tự ý phá dỡ khi có nguy cơ sập thêm.\n\
- Người bị kẹt: gọi to hoặc gõ vào vật cứng để báo vị trí, giữ sức.\n\
- Có người bị thương: gọi thêm 115.",
            EmergencyClass::Drowning => "GỌI NGAY 114 (Cứu nạn cứu hộ) và 115 (Cấp cứu) – miễn phí.\n\
- Không nhảy xuống cứu nếu bạn không biết bơi cứu hộ; ném phao, can nhựa, dây hoặc đưa sào, cành cây cho người bị nạn bám.\n\
- Hô hoán người xung quanh hỗ trợ.\n\
- Đưa được người lên bờ: nếu ngừng thở và bạn đã được học sơ cứu, hô hấp nhân tạo ngay trong lúc chờ cấp cứu.",
            EmergencyClass::Flood => "GỌI NGAY 114 (Cứu nạn cứu hộ) hoặc 112 (Tìm kiếm cứu nạn) – miễn phí.\n\
- Di chuyển lên chỗ cao, mang theo điện thoại, nước uống.\n\
- Ngắt điện trong nhà; không lội qua dòng nước chảy xiết.\n\
- Nếu bị cô lập: ở nơi cao nhất, ra hiệu bằng đèn, vải màu.",
            EmergencyClass::Violence => "GỌI NGAY 113 (Công an) – miễn phí.\n\
- Đảm bảo an toàn cho bản thân trước: tránh xa đối tượng, vào nơi đông người hoặc có khóa cửa.\n\
- Không đối đầu với người có hung khí.\n\
- Ghi nhớ đặc điểm đối tượng, phương tiện, biển số, hướng đi.\n\
- Có người bị thương: gọi thêm 115.",
            EmergencyClass::TrafficAccident => "GỌI NGAY 113 (Công an) và 115 nếu có người bị thương – miễn phí.\n\
- Đặt cảnh báo, tránh để xảy ra va chạm tiếp.\n\
- Không tự ý di chuyển người bị thương nặng, trừ khi có nguy cơ cháy nổ.\n\
- Giữ nguyên hiện trường, ghi lại biển số xe liên quan.",
            EmergencyClass::Medical => "GỌI NGAY 115 (Cấp cứu) – miễn phí.\n\
- Để người bệnh nằm ở nơi thoáng, nới lỏng quần áo, không cho ăn uống.\n\
- Nếu người bệnh ngừng thở và bạn đã được học sơ cứu, ép tim và hô hấp nhân tạo trong lúc chờ cấp cứu.\n\
- Cầm máu vết thương bằng cách ép chặt bằng vải sạch.",
            EmergencyClass::Unspecified => "Nếu đang gặp nguy hiểm, hãy GỌI NGAY:\n\
- 113 – Công an (bị đe dọa, tấn công, trộm cướp)\n\
- 114 – Cứu hỏa, cứu nạn cứu hộ (cháy, nổ, mắc kẹt, đuối nước)\n\
- 115 – Cấp cứu y tế\n\
Tất cả đều miễn phí.",
        }
    }

    /// The incident type code a report of this emergency starts with.
    pub fn incident_type(self) -> crate::extract::IncidentType {
        use crate::extract::IncidentType as T;
        match self {
            EmergencyClass::Fire => T::Fire,
            EmergencyClass::Explosion => T::Explosion,
            EmergencyClass::Rescue | EmergencyClass::Drowning => T::Rescue,
            EmergencyClass::Flood => T::Flood,
            EmergencyClass::Violence => T::Crime,
            EmergencyClass::TrafficAccident => T::TrafficAccident,
            EmergencyClass::Medical => T::Medical,
            EmergencyClass::Unspecified => T::Other,
        }
    }
}

/// Why a request is declined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    /// Someone else's personal data (ID number, address, residence, records).
    PersonalData,
    /// Case files or the course of an individual investigation.
    CaseFile,
    /// Forging documents, cheating, bribing or evading the law.
    Evasion,
    /// Sharing or sending an OTP, password or PIN.
    Otp,
}

impl DeclineReason {
    /// The reply explaining the refusal, in Vietnamese.
    pub fn reply(self) -> &'static str {
        match self {
            DeclineReason::PersonalData => "Xin lỗi, tôi không thể cung cấp hay tra cứu thông tin cá nhân của người khác (số định danh, địa chỉ, nơi cư trú, số điện thoại, tiền án tiền sự…), kể cả với người thân. Thông tin này được pháp luật bảo vệ và chỉ cơ quan có thẩm quyền được khai thác theo quy định.\n\
Bạn có thể tự xem thông tin của chính mình trên ứng dụng VNeID. Nếu có tranh chấp hoặc vụ việc liên quan, hãy liên hệ trực tiếp Công an xã/phường.",
            DeclineReason::CaseFile => "Xin lỗi, tôi không thể cung cấp hồ sơ vụ án, thông tin người tố giác hay bình luận về việc điều tra một vụ việc cụ thể. Người liên quan đến vụ việc hãy liên hệ trực tiếp cơ quan đang thụ lý (Công an xã/phường hoặc cơ quan điều tra) và mang theo giấy tờ tùy thân.",
            DeclineReason::Evasion => "Xin lỗi, tôi không thể hỗ trợ làm giả giấy tờ, gian lận, hối lộ hay tìm cách né tránh quy định của pháp luật. Những hành vi này có thể bị xử phạt hoặc truy cứu trách nhiệm hình sự.\n\
Tôi có thể hướng dẫn bạn làm đúng thủ tục: hãy hỏi cụ thể thủ tục bạn cần.",
            DeclineReason::Otp => "Tôi không bao giờ yêu cầu và sẽ không nhận mã OTP, mật khẩu hay mã PIN của bạn.\n\
CẢNH BÁO LỪA ĐẢO: Không đưa mã OTP, mật khẩu cho bất kỳ ai, kể cả người xưng là công an, ngân hàng, nhà mạng. Công an không yêu cầu cung cấp OTP hay chuyển tiền qua điện thoại.\n\
Nếu đã lỡ cung cấp: đổi mật khẩu ngay, gọi ngân hàng để khóa tài khoản và báo Công an xã/phường gần nhất.",
        }
    }
}

/// The outcome of the safety check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Safety {
    /// An emergency in progress.
    Emergency(EmergencyClass),
    /// A request to decline.
    Decline(DeclineReason),
}

struct Rules {
    sos: PhraseSet,
    conditional: PhraseSet,
    info: PhraseSet,
    present: PhraseSet,
    past: PhraseSet,
    fire_not: PhraseSet,
    classes: Vec<(EmergencyClass, PhraseSet)>,
    otp_secret: PhraseSet,
    otp_share: PhraseSet,
    otp_self_service: PhraseSet,
    data_cue: PhraseSet,
    data_lookup: PhraseSet,
    third_party: PhraseSet,
    case_file: PhraseSet,
    evasion_strong: PhraseSet,
    evasion_weak: PhraseSet,
    request_frame: PhraseSet,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| Rules {
        sos: PhraseSet::new(&[
            "cứu tôi",
            "cứu với",
            "cứu em",
            "cứu con",
            "cứu mẹ",
            "cứu bố",
            "cứu chúng tôi",
            "cứu người",
            "cứu cháu",
            "cứu mình",
            "cứu giúp",
            "sos",
            "help",
            "cứu mạng",
            "cấp cứu gấp",
            "gọi cấp cứu giúp",
            "cứu nhanh",
        ]),
        conditional: PhraseSet::new(&[
            "khi",
            "nếu",
            "lỡ",
            "giả sử",
            "trường hợp",
            "phòng khi",
            "đề phòng",
            "lỡ như",
            "trong trường hợp",
        ]),
        info: PhraseSet::new(&[
            "thủ tục",
            "quy định",
            "hồ sơ",
            "giấy phép",
            "chứng nhận",
            "điều kiện",
            "mức phạt",
            "xử phạt",
            "bị phạt",
            "phạt bao nhiêu",
            "phạt nguội",
            "phòng cháy",
            "chữa cháy",
            "báo cháy",
            "thiết bị",
            "kinh doanh",
            "tập huấn",
            "diễn tập",
            "kiểm tra",
            "làm lại",
            "cấp lại",
            "lệ phí",
            "kỹ năng",
            "hướng dẫn",
            "cách",
            "phòng tránh",
            "phòng chống",
            "số mấy",
            "số nào",
            "gọi số",
            "tổng đài",
            "tin tức",
            "thống kê",
            "năm ngoái",
            "tháng trước",
            "hôm qua",
            "tuần trước",
            "đã từng",
            "lần trước",
            "tố giác",
            "bảo hiểm",
            "nguyên nhân",
            "tiêu chuẩn",
            "nghị định",
            "luật",
            "có phải",
            "là gì",
            "tại sao",
            "vì sao",
            "lừa đảo",
            "phương án",
            "thoát hiểm",
            "an toàn",
            "mất giấy tờ",
            "giấy tờ",
            "làm sao",
            "như thế nào",
            "thế nào",
            "nên làm gì",
            "phải làm gì",
            "làm gì",
            "có được không",
            "ở đâu",
            "có nên",
        ]),
        present: PhraseSet::new(&[
            "đang",
            "rồi",
            "ngay",
            "bây giờ",
            "lúc này",
            "hiện giờ",
            "vừa",
            "gấp",
            "nhanh lên",
            "mau lên",
            "khẩn cấp",
            "trời ơi",
            "ơi",
            "nhà tôi",
            "nhà em",
            "nhà mình",
            "tôi bị",
            "em bị",
            "con tôi",
            "con em",
            "mẹ tôi",
            "bố tôi",
            "vợ tôi",
            "chồng tôi",
            "có người",
            "hàng xóm",
            "đầu ngõ",
            "trước cửa",
            "ngoài đường",
            "bên cạnh",
            "chúng tôi",
            "ở đây",
            "tới đây",
            "đến ngay",
        ]),
        past: PhraseSet::new(&[
            "hôm qua",
            "đêm qua",
            "tối qua",
            "tuần trước",
            "tháng trước",
            "năm ngoái",
            "hôm trước",
            "mấy hôm",
            "mấy ngày trước",
            "hôm kia",
            "năm trước",
            "bị mất trộm",
            "tuần rồi",
            "tháng rồi",
        ]),
        fire_not: PhraseSet::new(&[
            "phòng cháy",
            "chữa cháy",
            "báo cháy",
            "chống cháy",
            "chậm cháy",
            "dễ cháy",
            "chất cháy",
            "cháy nổ",
            "báo khói",
            "đầu báo",
            "hút khói",
            "khói thuốc",
        ]),
        classes: vec![
            (
                EmergencyClass::Drowning,
                PhraseSet::new(&[
                    "đuối nước",
                    "chết đuối",
                    "bị đuối",
                    "đang chìm",
                    "chìm xuống",
                    "rơi xuống sông",
                    "rơi xuống hồ",
                    "rơi xuống ao",
                    "ngã xuống sông",
                    "ngã xuống hồ",
                    "ngã xuống ao",
                    "nước cuốn",
                    "bị cuốn trôi",
                    "rơi xuống nước",
                    "ngã xuống nước",
                    "=đuối",
                ]),
            ),
            (
                EmergencyClass::Explosion,
                PhraseSet::new(&[
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
                    "rò rỉ gas",
                    "rò gas",
                    "xì gas",
                    "mùi gas",
                    "rò rỉ khí",
                    "hở gas",
                    "rò khí gas",
                ]),
            ),
            (
                EmergencyClass::Fire,
                PhraseSet::new(&[
                    "=cháy",
                    "=lửa",
                    "=khói",
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
                    "bốc khói",
                    "khói đen",
                    "khói mù",
                    "cháy to",
                    "cháy lớn",
                    "ngọn lửa",
                    "đám cháy",
                    "có cháy",
                    "cháy chung cư",
                    "cháy quán",
                    "cháy kho",
                    "cháy chợ",
                    "khói bốc",
                    "nhiều khói",
                    "cháy dữ",
                ]),
            ),
            (
                EmergencyClass::Rescue,
                PhraseSet::new(&[
                    "mắc kẹt",
                    "bị kẹt",
                    "kẹt trong",
                    "kẹt thang máy",
                    "=sập",
                    "đổ sập",
                    "bị sập",
                    "sập nhà",
                    "nhà sập",
                    "sập tường",
                    "sập cầu",
                    "sập trần",
                    "sạt lở",
                    "rơi xuống giếng",
                    "ngã xuống giếng",
                    "nhảy lầu",
                    "đòi nhảy",
                    "đứng trên lan can",
                    "treo lơ lửng",
                    "bị vùi",
                    "bị đè",
                ]),
            ),
            (
                EmergencyClass::Flood,
                PhraseSet::new(&[
                    "=lũ",
                    "lũ quét",
                    "lũ lụt",
                    "nước lũ",
                    "lũ về",
                    "lũ dâng",
                    "nước lên",
                    "nước dâng",
                    "ngập sâu",
                    "ngập đến",
                    "ngập tới",
                    "ngập nhà",
                    "nhà bị ngập",
                    "bị cô lập",
                    "nước ngập",
                    "vỡ đê",
                ]),
            ),
            (
                EmergencyClass::Violence,
                PhraseSet::new(&[
                    "đánh nhau",
                    "bị đánh",
                    "đánh người",
                    "đánh tôi",
                    "đánh em",
                    "đánh vợ",
                    "đánh con",
                    "đánh mẹ",
                    "=đâm",
                    "bị đâm",
                    "đâm người",
                    "đâm chém",
                    "đâm nhau",
                    "chém",
                    "cướp",
                    "cướp giật",
                    "trộm",
                    "đột nhập",
                    "bắt cóc",
                    "hành hung",
                    "bạo hành",
                    "dọa giết",
                    "đe dọa",
                    "cầm dao",
                    "cầm súng",
                    "nổ súng",
                    "có súng",
                    "=súng",
                    "hiếp",
                    "xâm hại",
                    "ẩu đả",
                    "hỗn chiến",
                    "đập phá",
                    "nhốt",
                    "truy sát",
                    "đuổi đánh",
                    "mang hung khí",
                    "giết",
                    "giật túi",
                    "giật điện thoại",
                    "dao",
                    "đang bị theo dõi",
                ]),
            ),
            (
                EmergencyClass::TrafficAccident,
                PhraseSet::new(&[
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
                    "đè lên người",
                    "bị cán",
                    "cán qua",
                    "bị xe cán",
                    "đâm vào",
                ]),
            ),
            (
                EmergencyClass::Medical,
                PhraseSet::new(&[
                    "=ngất",
                    "bị ngất",
                    "ngất xỉu",
                    "ngất đi",
                    "bất tỉnh",
                    "khó thở",
                    "ngừng thở",
                    "không thở",
                    "co giật",
                    "đột quỵ",
                    "đau tim",
                    "nhồi máu",
                    "đau ngực",
                    "chảy máu",
                    "mất máu",
                    "bị thương nặng",
                    "ngộ độc",
                    "sốc phản vệ",
                    "tím tái",
                    "hôn mê",
                    "vỡ ối",
                    "sắp sinh",
                    "tự tử",
                    "uống thuốc sâu",
                    "cắt tay",
                    "trụy tim",
                    "bỏng nặng",
                    "điện giật",
                ]),
            ),
        ],
        otp_secret: PhraseSet::new(&[
            "otp",
            "mã otp",
            "mã xác thực",
            "mã xác nhận",
            "mật khẩu",
            "mã pin",
            "mã bảo mật",
            "pass",
            "password",
            "mã kích hoạt",
        ]),
        otp_share: PhraseSet::new(&[
            "cho",
            "gửi",
            "đưa",
            "đọc",
            "cung cấp",
            "chia sẻ",
            "nói",
            "nhắn",
            "xin",
            "yêu cầu",
            "bảo",
            "là",
            "đây",
            "nhập giúp",
            "đăng nhập giúp",
            "hộ",
        ]),
        otp_self_service: PhraseSet::new(&[
            "quên",
            "đổi",
            "lấy lại",
            "không nhận",
            "không về",
            "đặt lại",
            "khôi phục",
            "chưa nhận",
            "không nhận được",
            "bị khóa",
            "sai mật khẩu",
            "nhập sai",
        ]),
        data_cue: PhraseSet::new(&[
            "số căn cước",
            "căn cước",
            "số định danh",
            "chứng minh nhân dân",
            "địa chỉ",
            "số điện thoại",
            "thông tin cá nhân",
            "thông tin cư trú",
            "hộ khẩu",
            "tiền án",
            "tiền sự",
            "lý lịch",
            "nơi ở",
            "chỗ ở",
            "đang ở đâu",
            "sống ở đâu",
            "ở đâu",
            "thông tin",
            "tên chủ",
            "chủ xe",
            "chủ sở hữu",
            "nhân thân",
            "ngày sinh",
            "biển số",
            "số xe",
        ]),
        data_lookup: PhraseSet::new(&[
            "tra",
            "tra cứu",
            "xem",
            "tìm",
            "cho biết",
            "cung cấp",
            "lấy",
            "kiểm tra",
            "check",
            "xin",
            "biết",
            "định vị",
            "truy",
        ]),
        third_party: PhraseSet::new(&[
            "người khác",
            "hàng xóm",
            "người yêu",
            "bạn gái",
            "bạn trai",
            "người yêu cũ",
            "vợ cũ",
            "chồng cũ",
            "của ai",
            "là ai",
            "của thằng",
            "của con bé",
            "của nó",
            "của họ",
            "anh ta",
            "cô ta",
            "cô ấy",
            "anh ấy",
            "ông ấy",
            "bà ấy",
            "người này",
            "người kia",
            "số điện thoại này",
            "biển số này",
            "người tên",
            "tên là",
            "ông này",
            "bà này",
            "thằng này",
            "con nhỏ",
            "người thuê nhà",
            "khách thuê",
            "đồng nghiệp",
            "sếp",
            "của một người",
            "một người",
            "người đó",
            "kẻ",
            "con nợ",
            "người nợ",
        ]),
        case_file: PhraseSet::new(&[
            "hồ sơ vụ án",
            "hồ sơ vụ việc",
            "hồ sơ điều tra",
            "ai tố giác",
            "ai tố cáo",
            "người tố giác",
            "người tố cáo",
            "ai báo công an",
            "kết quả điều tra vụ",
            "vụ án của",
            "lời khai",
            "biên bản lấy lời khai",
            "ai đã báo",
            "ai đã tố giác",
            "ai đã tố cáo",
            "=tố giác tôi",
            "=tố cáo tôi",
            "=ai báo tôi",
        ]),
        evasion_strong: PhraseSet::new(&[
            "làm giả",
            "giả mạo",
            "giấy tờ giả",
            "bằng giả",
            "căn cước giả",
            "căn cước công dân giả",
            "hộ chiếu giả",
            "bằng lái giả",
            "giấy phép lái xe giả",
            "biển số giả",
            "mua bằng",
            "mua bằng lái",
            "lách luật",
            "trốn phạt",
            "né phạt",
            "thoát phạt",
            "xóa phạt nguội",
            "xóa lỗi phạt",
            "chạy án",
            "chạy tội",
            "hối lộ",
            "đút lót",
            "lót tay",
            "qua mặt",
            "tạm trú ảo",
            "đăng ký khống",
            "hộ khẩu ảo",
            "không bị phát hiện",
            "tẩy xóa",
            "sửa giấy tờ",
            "sửa ngày sinh trên",
            "làm bằng",
            "mua giấy tờ",
            "thuê người thi",
            "thi hộ",
            "xóa tiền án",
            "không bị bắt",
            "đổi biển số",
            "che biển số",
            "bẻ cong biển",
            "tạm trú giả",
            "xác nhận khống",
            "xác nhận giả",
            "bán tài khoản vneid",
            "mua tài khoản",
            "thuê tài khoản",
            "trốn truy nã",
            "trốn nghĩa vụ",
            "trốn thuế",
            "làm sim rác",
            "mua sim rác",
        ]),
        evasion_weak: PhraseSet::new(&["trốn", "né", "lách", "tránh bị", "khỏi bị", "lờ"]),
        request_frame: PhraseSet::new(&[
            "cách",
            "làm sao",
            "làm thế nào",
            "giúp",
            "chỉ",
            "hướng dẫn",
            "muốn",
            "có cách",
            "được không",
            "bao nhiêu tiền",
            "mẹo",
            "bí quyết",
            "để không",
        ]),
    })
}

/// Looks for an emergency; a conditional or procedural question is not one.
pub fn detect_emergency(tokens: &[Token], raw: &str) -> Option<EmergencyClass> {
    let r = rules();
    let class = classify(tokens);
    if r.sos.any_in(tokens) {
        return Some(class.unwrap_or(EmergencyClass::Unspecified));
    }
    let class = class?;
    if r.conditional.any_in(tokens) || r.past.any_in(tokens) {
        return None;
    }
    let urgent = r.present.any_in(tokens) || raw.contains('!');
    if !urgent && r.info.any_in(tokens) {
        return None;
    }
    // "đang" and friends make a procedural question urgent only when it does not read as a
    // request for information ("cách", "thủ tục"…).
    if urgent && strong_info(tokens) {
        return None;
    }
    Some(class)
}

/// Information words that outweigh present-tense words ("nhà tôi đang làm thủ tục PCCC").
fn strong_info(tokens: &[Token]) -> bool {
    static SET: OnceLock<PhraseSet> = OnceLock::new();
    SET.get_or_init(|| {
        PhraseSet::new(&[
            "thủ tục",
            "quy định",
            "hồ sơ",
            "giấy phép",
            "chứng nhận",
            "mức phạt",
            "xử phạt",
            "phạt bao nhiêu",
            "phạt nguội",
            "phòng cháy",
            "bình chữa cháy",
            "thiết bị",
            "tập huấn",
            "diễn tập",
            "lệ phí",
            "kỹ năng",
            "phòng tránh",
            "phòng chống",
            "tin tức",
            "thống kê",
            "nghị định",
            "lừa đảo",
            "báo cháy",
            "giấy tờ",
            "đăng ký",
            "tiêu chuẩn",
            "kinh doanh",
            "làm lại",
            "cấp lại",
        ])
    })
    .any_in(tokens)
}

/// The emergency class whose cue appears first in priority order, ignoring "cháy" inside
/// fire-prevention phrases.
fn classify(tokens: &[Token]) -> Option<EmergencyClass> {
    let r = rules();
    let masked: Vec<Token>;
    let tokens = if r.fire_not.any_in(tokens) {
        masked = mask(tokens, &r.fire_not);
        &masked[..]
    } else {
        tokens
    };
    // Medical cues beat a traffic accident when someone is hurt; violence beats medical.
    let found: Vec<EmergencyClass> = r
        .classes
        .iter()
        .filter(|(_, set)| set.any_in(tokens))
        .map(|(c, _)| *c)
        .collect();
    if found.contains(&EmergencyClass::TrafficAccident) && found.contains(&EmergencyClass::Medical)
    {
        return Some(EmergencyClass::Medical);
    }
    found.first().copied()
}

/// Replaces every occurrence of the phrases by a neutral token.
fn mask(tokens: &[Token], phrases: &PhraseSet) -> Vec<Token> {
    let covered = phrases.cover(tokens);
    tokens
        .iter()
        .zip(covered)
        .map(|(t, c)| if c { Token::new("_") } else { t.clone() })
        .collect()
}

/// Looks for a request to decline.
pub fn detect_decline(tokens: &[Token], raw: &str) -> Option<DeclineReason> {
    let r = rules();
    if r.otp_secret.any_in(tokens) {
        let shares = r.otp_share.any_in(tokens);
        let self_service = r.otp_self_service.any_in(tokens);
        if (shares && !self_service) || has_code(raw) {
            return Some(DeclineReason::Otp);
        }
    }
    if r.case_file.any_in(tokens) {
        return Some(DeclineReason::CaseFile);
    }
    if r.evasion_strong.any_in(tokens)
        || (r.evasion_weak.any_in(tokens) && r.request_frame.any_in(tokens))
    {
        return Some(DeclineReason::Evasion);
    }
    if r.data_cue.any_in(tokens) && r.data_lookup.any_in(tokens) && r.third_party.any_in(tokens) {
        return Some(DeclineReason::PersonalData);
    }
    None
}

/// Whether the message carries what looks like a one-time code (4–8 digits on their own).
fn has_code(raw: &str) -> bool {
    raw.split(|c: char| !c.is_ascii_digit())
        .any(|run| (4..=8).contains(&run.len()))
        && !raw.chars().any(|c| c == '/' || c == '.')
}

/// Runs the safety rules in order: emergency first, then declines.
pub fn check(tokens: &[Token], raw: &str) -> Option<Safety> {
    if let Some(class) = detect_emergency(tokens, raw) {
        return Some(Safety::Emergency(class));
    }
    detect_decline(tokens, raw).map(Safety::Decline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    fn emergency(s: &str) -> Option<EmergencyClass> {
        detect_emergency(&analyze(s), s)
    }

    fn decline(s: &str) -> Option<DeclineReason> {
        detect_decline(&analyze(s), s)
    }

    #[test]
    fn each_emergency_class_with_and_without_diacritics() {
        let cases = [
            (
                "Cứu tôi với, nhà đang cháy!",
                "cuu toi voi nha dang chay",
                EmergencyClass::Fire,
            ),
            (
                "Bình gas nhà bên vừa phát nổ",
                "binh gas nha ben vua phat no",
                EmergencyClass::Explosion,
            ),
            (
                "Có người bị mắc kẹt trong thang máy",
                "co nguoi bi mac ket trong thang may",
                EmergencyClass::Rescue,
            ),
            (
                "Có đứa trẻ bị đuối nước ở hồ",
                "co dua tre bi duoi nuoc o ho",
                EmergencyClass::Drowning,
            ),
            (
                "Nước lũ dâng ngập đến mái nhà rồi",
                "nuoc lu dang ngap den mai nha roi",
                EmergencyClass::Flood,
            ),
            (
                "Có người đang cầm dao đuổi chém ngoài đường",
                "co nguoi dang cam dao duoi chem ngoai duong",
                EmergencyClass::Violence,
            ),
            (
                "Vừa xảy ra tai nạn giao thông ở ngã tư",
                "vua xay ra tai nan giao thong o nga tu",
                EmergencyClass::TrafficAccident,
            ),
            (
                "Bố tôi đột nhiên ngất, không thở được",
                "bo toi dot nhien ngat khong tho duoc",
                EmergencyClass::Medical,
            ),
            (
                "Nhà bên bị sập, có người bị vùi",
                "nha ben bi sap co nguoi bi vui",
                EmergencyClass::Rescue,
            ),
        ];
        for (with, without, class) in cases {
            assert_eq!(emergency(with), Some(class), "{with}");
            assert_eq!(emergency(without), Some(class), "{without}");
            assert!(!class.number().is_empty());
        }
        assert_eq!(emergency("cứu tôi với"), Some(EmergencyClass::Unspecified));
        assert_eq!(EmergencyClass::Fire.number(), "114");
        assert_eq!(EmergencyClass::Violence.number(), "113");
        assert_eq!(EmergencyClass::Medical.number(), "115");
    }

    #[test]
    fn procedures_about_fire_are_not_emergencies() {
        for q in [
            "thủ tục PCCC khi kinh doanh karaoke",
            "thu tuc pccc khi kinh doanh",
            "bình chữa cháy mini loại nào tốt cho gia đình",
            "nhà trọ cần trang bị thiết bị báo cháy gì",
            "nếu nhà bị cháy thì phải làm gì",
            "gọi số mấy khi có cháy",
            "mức phạt không có bình chữa cháy",
            "làm lại giấy tờ bị cháy mất thế nào",
            "khi bị mắc kẹt trong đám cháy nên làm gì",
            "cách phòng chống đuối nước cho trẻ em",
            "lắp đầu báo khói cho nhà phố",
        ] {
            assert_eq!(emergency(q), None, "{q}");
        }
    }

    #[test]
    fn declines() {
        assert_eq!(
            decline("có người gọi xưng công an bảo tôi đọc mã OTP"),
            Some(DeclineReason::Otp)
        );
        assert_eq!(
            decline("ma otp cua toi la 482913"),
            Some(DeclineReason::Otp)
        );
        assert_eq!(decline("quên mật khẩu vneid thì làm sao"), None);
        assert_eq!(
            decline("tra cứu số căn cước của người khác"),
            Some(DeclineReason::PersonalData)
        );
        assert_eq!(
            decline("cho toi xin dia chi cua nguoi yeu cu"),
            Some(DeclineReason::PersonalData)
        );
        assert_eq!(
            decline("làm giả căn cước ở đâu"),
            Some(DeclineReason::Evasion)
        );
        assert_eq!(
            decline("cach tron phat nguoi"),
            Some(DeclineReason::Evasion)
        );
        assert_eq!(
            decline("cho xem hồ sơ vụ án của anh tôi"),
            Some(DeclineReason::CaseFile)
        );
        assert_eq!(decline("đăng ký tạm trú cần giấy tờ gì"), None);
        assert_eq!(decline("to giac toi pham qua vneid duoc khong"), None);
        assert_eq!(
            decline("ai đã tố giác tôi với công an vậy"),
            Some(DeclineReason::CaseFile)
        );
        assert_eq!(
            decline("xem giúp biển số này là của ai"),
            Some(DeclineReason::PersonalData)
        );
        assert_eq!(decline("không khai báo tạm trú bị phạt bao nhiêu"), None);
    }
}
