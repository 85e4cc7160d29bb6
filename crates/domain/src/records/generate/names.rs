//! Name, place and document tables for the synthetic-data generator.
//!
//! Family-name weights follow the commonly cited shares of Vietnamese family names (Nguyễn about
//! 38%, Trần 11%, Lê 9.5%, Phạm 7%, Hoàng/Huỳnh 5%, Phan 4.5%, Vũ/Võ 4%, …), with the northern
//! spellings (Hoàng, Vũ) dominant as befits Hanoi.

/// Family names with weights (per mille, roughly).
pub const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 41),
    ("Huỳnh", 10),
    ("Phan", 45),
    ("Vũ", 32),
    ("Võ", 7),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 8),
    ("Trịnh", 6),
    ("Đào", 6),
    ("Lưu", 4),
    ("Mai", 4),
    ("Cao", 4),
    ("Tạ", 3),
    ("Lương", 3),
    ("Chu", 3),
    ("Kiều", 2),
    ("Quách", 2),
    ("Hà", 3),
    ("Tô", 2),
    ("Lâm", 2),
    ("Triệu", 2),
    ("Vương", 2),
    ("Khổng", 1),
    ("Nghiêm", 1),
    ("Thân", 1),
    ("Doãn", 1),
];

/// Middle names for men.
pub const MIDDLE_MALE: &[(&str, u32)] = &[
    ("Văn", 300),
    ("Đức", 80),
    ("Minh", 90),
    ("Quang", 60),
    ("Hữu", 50),
    ("Xuân", 35),
    ("Thanh", 35),
    ("Tiến", 25),
    ("Trung", 25),
    ("Công", 30),
    ("Ngọc", 20),
    ("Đình", 40),
    ("Mạnh", 20),
    ("Hoàng", 25),
    ("Anh", 20),
    ("Duy", 25),
    ("Gia", 25),
    ("Tuấn", 15),
    ("Bảo", 20),
    ("Thế", 15),
    ("Quốc", 25),
    ("Trọng", 15),
    ("Việt", 15),
    ("Hải", 10),
];

/// Middle names for women.
pub const MIDDLE_FEMALE: &[(&str, u32)] = &[
    ("Thị", 350),
    ("Thu", 50),
    ("Ngọc", 60),
    ("Thanh", 45),
    ("Minh", 40),
    ("Phương", 30),
    ("Hồng", 30),
    ("Thùy", 30),
    ("Bảo", 25),
    ("Khánh", 25),
    ("Mai", 20),
    ("Diệu", 15),
    ("Hải", 15),
    ("Kim", 25),
    ("Lan", 10),
    ("Quỳnh", 15),
    ("Hoài", 10),
    ("Mỹ", 15),
    ("Tuyết", 10),
    ("Như", 15),
    ("Bích", 15),
    ("Cẩm", 10),
];

/// Given names for men.
pub const GIVEN_MALE: &[&str] = &[
    "Anh",
    "Hùng",
    "Dũng",
    "Tuấn",
    "Minh",
    "Hải",
    "Long",
    "Nam",
    "Sơn",
    "Thắng",
    "Trung",
    "Hiếu",
    "Đức",
    "Quân",
    "Phong",
    "Khang",
    "Huy",
    "Bình",
    "Cường",
    "Thành",
    "Tùng",
    "Việt",
    "Hưng",
    "Kiên",
    "Lâm",
    "Lộc",
    "Phúc",
    "Quang",
    "Tài",
    "Thịnh",
    "Toàn",
    "Vinh",
    "Bảo",
    "Đạt",
    "Duy",
    "Hoàng",
    "Khoa",
    "Nghĩa",
    "Nhân",
    "Tâm",
    "Thái",
    "Tiến",
    "Trí",
    "Trọng",
    "Tú",
    "Vũ",
    "Chiến",
    "Công",
    "Định",
    "Giang",
    "Hậu",
    "Hòa",
    "Khải",
    "Lực",
    "Mạnh",
    "Ninh",
    "Quyết",
    "Sang",
    "Tân",
    "Thuận",
    "Tín",
    "Vượng",
    "Khôi",
    "Khánh",
    "Nguyên",
    "Phát",
    "Quý",
    "Thông",
    "Toản",
    "Trường",
    "Tường",
    "Uy",
    "Văn",
    "Xuân",
    "Hiệp",
    "Hoan",
    "Kỳ",
    "Luân",
    "Phương",
    "Thiện",
];

/// Given names for women.
pub const GIVEN_FEMALE: &[&str] = &[
    "Anh",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "Ngọc",
    "Hà",
    "Hằng",
    "Hoa",
    "Huyền",
    "Lệ",
    "Loan",
    "Nga",
    "Nhung",
    "Oanh",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuyết",
    "Vân",
    "Yến",
    "Châu",
    "Diệp",
    "Giang",
    "Hạnh",
    "Hiền",
    "Hồng",
    "Khánh",
    "Liên",
    "Ly",
    "My",
    "Nhi",
    "Như",
    "Thanh",
    "Thơ",
    "Thu",
    "Trâm",
    "Uyên",
    "Vy",
    "Xuân",
    "Dung",
    "Duyên",
    "Gấm",
    "Hậu",
    "Huệ",
    "Kiều",
    "Lành",
    "Lụa",
    "Mận",
    "Ngân",
    "Nguyệt",
    "Nhàn",
    "Phượng",
    "Quyên",
    "Sen",
    "Tâm",
    "Thắm",
    "Thoa",
    "Thúy",
    "Tươi",
    "Vui",
    "Ánh",
    "Bích",
    "Chi",
    "Diễm",
    "Đào",
    "Hân",
    "Khuê",
    "Lam",
    "Minh",
    "Ngà",
    "Nhã",
    "Quế",
    "Tiên",
    "Trinh",
    "Tú",
    "Vi",
    "Yên",
];

/// Birth-registration provinces of Hanoi residents: (code, weight). Most residents were born in
/// Hanoi; the rest mostly in the surrounding and north-central provinces.
pub const BIRTH_PROVINCES: &[(&str, u32)] = &[
    ("001", 700),
    ("036", 40),
    ("034", 40),
    ("038", 35),
    ("040", 30),
    ("030", 30),
    ("033", 25),
    ("027", 20),
    ("025", 15),
    ("026", 15),
    ("035", 15),
    ("037", 15),
    ("017", 10),
    ("019", 10),
    ("022", 10),
    ("031", 10),
    ("042", 10),
    ("024", 10),
    ("079", 5),
    ("048", 5),
];

/// Province codes that are not in the table (for planted `pin.province_code` errors).
pub const INVALID_PROVINCE_CODES: &[&str] = &[
    "003", "005", "007", "009", "013", "016", "018", "021", "023", "028", "029", "032", "039",
    "041", "043", "047", "050", "053", "055", "057", "059", "061", "063", "065", "069", "071",
    "073", "076", "078", "081", "085", "088", "090", "097", "098", "099",
];

/// Ethnicities with weights.
pub const ETHNICITIES: &[(&str, u32)] = &[
    ("Kinh", 920),
    ("Mường", 30),
    ("Tày", 20),
    ("Thái", 10),
    ("Dao", 8),
    ("Nùng", 7),
    ("Hoa", 5),
];

/// Street names.
pub const STREETS: &[&str] = &[
    "Hàng Bạc",
    "Hàng Đào",
    "Lý Thái Tổ",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Láng",
    "Giải Phóng",
    "Kim Mã",
    "Đội Cấn",
    "Hoàng Hoa Thám",
    "Lạc Long Quân",
    "Âu Cơ",
    "Xuân Thủy",
    "Cầu Giấy",
    "Trường Chinh",
    "Tây Sơn",
    "Nguyễn Văn Cừ",
    "Ngọc Lâm",
    "Minh Khai",
    "Bạch Mai",
    "Lê Duẩn",
    "Kim Ngưu",
    "Tam Trinh",
    "Lĩnh Nam",
    "Nguyễn Xiển",
    "Quang Trung",
    "Tô Hiệu",
    "Phùng Hưng",
    "Lê Trọng Tấn",
    "Hồ Tùng Mậu",
];

/// Words used in establishment names.
pub const ESTABLISHMENT_WORDS: &[&str] = &[
    "Hoa Sen",
    "Bình An",
    "Thăng Long",
    "Hồng Hà",
    "Phương Đông",
    "Sông Hồng",
    "Tràng An",
    "Hương Giang",
    "An Phú",
    "Minh Châu",
    "Hạ Long",
    "Ngọc Lan",
    "Sao Mai",
    "Thiên Ân",
    "Phú Quý",
    "Hải Âu",
];

/// Reasons for temporary residence.
pub const TEMPORARY_REASONS: &[&str] = &["Làm việc", "Học tập", "Kinh doanh", "Ở cùng gia đình"];
/// Reasons for absences.
pub const ABSENCE_REASONS: &[&str] = &[
    "Đi làm ăn xa",
    "Đi học",
    "Chăm sóc người thân",
    "Đi công tác dài ngày",
];
/// Reasons for stays.
pub const STAY_REASONS: &[&str] = &["Thăm người thân", "Công tác", "Du lịch", "Khám chữa bệnh"];

/// How a passport number of one state looks: a prefix of letters and a count of digits.
#[derive(Debug, Clone, Copy)]
pub struct Nation {
    /// Nationality (ISO alpha-3).
    pub nationality: &'static str,
    /// Issuing-state code as in the MRZ (Germany is `D`).
    pub issuer: &'static str,
    /// Letters before the digits.
    pub prefix: &'static str,
    /// Number of digits.
    pub digits: u32,
    /// Family names.
    pub family: &'static [&'static str],
    /// Given names.
    pub given: &'static [&'static str],
    /// Weight among foreign guests.
    pub weight: u32,
}

const KOREAN_FAMILY: &[&str] = &["KIM", "LEE", "PARK", "CHOI", "JUNG", "KANG", "CHO", "YOON"];
const KOREAN_GIVEN: &[&str] = &[
    "MIN JUN",
    "SEO YEON",
    "JI HOON",
    "HA EUN",
    "DONG HYUN",
    "SU BIN",
    "JI WOO",
    "YE JIN",
];
const CHINESE_FAMILY: &[&str] = &[
    "WANG", "LI", "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO",
];
const CHINESE_GIVEN: &[&str] = &[
    "WEI", "FANG", "JING", "LEI", "MIN", "YONG", "XIU YING", "JUN",
];
const JAPANESE_FAMILY: &[&str] = &["SATO", "SUZUKI", "TAKAHASHI", "TANAKA", "WATANABE", "ITO"];
const JAPANESE_GIVEN: &[&str] = &["HARUTO", "YUI", "SOTA", "AOI", "REN", "HINA"];
const ENGLISH_FAMILY: &[&str] = &[
    "SMITH", "JOHNSON", "BROWN", "WILLIAMS", "JONES", "MILLER", "DAVIS", "WILSON",
];
const ENGLISH_GIVEN: &[&str] = &[
    "JOHN", "EMILY", "MICHAEL", "SARAH", "DAVID", "JESSICA", "JAMES", "OLIVIA",
];
const FRENCH_FAMILY: &[&str] = &["MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "PETIT"];
const FRENCH_GIVEN: &[&str] = &["LUCAS", "EMMA", "LOUIS", "CHLOE", "HUGO", "LEA"];
const GERMAN_FAMILY: &[&str] = &[
    "MULLER",
    "SCHMIDT",
    "SCHNEIDER",
    "FISCHER",
    "WEBER",
    "MEYER",
];
const GERMAN_GIVEN: &[&str] = &["LUKAS", "MIA", "LEON", "HANNA", "FINN", "LENA"];
const RUSSIAN_FAMILY: &[&str] = &["IVANOV", "SMIRNOV", "KUZNETSOV", "POPOV", "VOLKOV"];
const RUSSIAN_GIVEN: &[&str] = &["ALEXANDER", "ANNA", "DMITRY", "OLGA", "SERGEI", "ELENA"];
const THAI_FAMILY: &[&str] = &["SRISUK", "CHAIPRASERT", "WONGSAWAT", "SUKSAWAT"];
const THAI_GIVEN: &[&str] = &["SOMCHAI", "NARUMON", "KITTI", "SUDA"];

/// Foreign guests' states.
pub const NATIONS: &[Nation] = &[
    Nation {
        nationality: "KOR",
        issuer: "KOR",
        prefix: "M",
        digits: 8,
        family: KOREAN_FAMILY,
        given: KOREAN_GIVEN,
        weight: 25,
    },
    Nation {
        nationality: "CHN",
        issuer: "CHN",
        prefix: "E",
        digits: 8,
        family: CHINESE_FAMILY,
        given: CHINESE_GIVEN,
        weight: 20,
    },
    Nation {
        nationality: "JPN",
        issuer: "JPN",
        prefix: "TK",
        digits: 7,
        family: JAPANESE_FAMILY,
        given: JAPANESE_GIVEN,
        weight: 10,
    },
    Nation {
        nationality: "USA",
        issuer: "USA",
        prefix: "",
        digits: 9,
        family: ENGLISH_FAMILY,
        given: ENGLISH_GIVEN,
        weight: 8,
    },
    Nation {
        nationality: "TWN",
        issuer: "TWN",
        prefix: "",
        digits: 9,
        family: CHINESE_FAMILY,
        given: CHINESE_GIVEN,
        weight: 5,
    },
    Nation {
        nationality: "GBR",
        issuer: "GBR",
        prefix: "",
        digits: 9,
        family: ENGLISH_FAMILY,
        given: ENGLISH_GIVEN,
        weight: 4,
    },
    Nation {
        nationality: "AUS",
        issuer: "AUS",
        prefix: "PA",
        digits: 7,
        family: ENGLISH_FAMILY,
        given: ENGLISH_GIVEN,
        weight: 4,
    },
    Nation {
        nationality: "FRA",
        issuer: "FRA",
        prefix: "FR",
        digits: 7,
        family: FRENCH_FAMILY,
        given: FRENCH_GIVEN,
        weight: 4,
    },
    Nation {
        nationality: "DEU",
        issuer: "D",
        prefix: "C",
        digits: 8,
        family: GERMAN_FAMILY,
        given: GERMAN_GIVEN,
        weight: 4,
    },
    Nation {
        nationality: "RUS",
        issuer: "RUS",
        prefix: "",
        digits: 9,
        family: RUSSIAN_FAMILY,
        given: RUSSIAN_GIVEN,
        weight: 3,
    },
    Nation {
        nationality: "THA",
        issuer: "THA",
        prefix: "AA",
        digits: 7,
        family: THAI_FAMILY,
        given: THAI_GIVEN,
        weight: 3,
    },
];

/// Visa symbols (Law 47/2014 Art. 8) with their weights among foreign guests.
pub const VISA_SYMBOLS: &[(&str, u32)] = &[
    ("DL", 40),
    ("EV", 30),
    ("DN1", 10),
    ("LĐ1", 10),
    ("TT", 5),
    ("HN", 5),
];
/// Symbols of temporary-residence cards.
pub const CARD_SYMBOLS: &[&str] = &["LĐ2", "ĐT3", "TT", "DN1"];
