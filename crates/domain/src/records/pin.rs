//! Personal identification numbers (số định danh cá nhân): structure, consistency with the
//! person's date of birth, sex and birth province, and masking for lists.
//!
//! A number is `PPP G YY RRRRRR` (Decree 137/2015/NĐ-CP Art. 13, Circular 07/2016/TT-BCA, kept by
//! the Law on Identification 2023 and Decree 70/2024/NĐ-CP):
//! `PPP` is the code of the province where the birth was registered (from a fixed table with
//! gaps, see [`PROVINCE_CODES`]), `G` encodes century and sex ([`CENTURY_SEX`]), `YY` is the
//! year of birth modulo 100, and the last six digits are random. There is no check digit, so the
//! checks here are structural only: a number passing them is well formed, not proven to exist.

use super::types::Sex;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Province codes of the 63 pre-2025 provinces as used in identification numbers (Circular
/// 07/2016/TT-BCA annex). Numbers issued before the 2025 mergers keep these prefixes; new codes
/// can be added through the `pin.province_code` rule's `additional_codes` parameter.
pub const PROVINCE_CODES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa – Vũng Tàu"),
    ("079", "TP Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// The century-and-sex digit `G`: (digit, first year of the century, sex).
pub const CENTURY_SEX: [(u8, i32, Sex); 10] = [
    (0, 1900, Sex::Male),
    (1, 1900, Sex::Female),
    (2, 2000, Sex::Male),
    (3, 2000, Sex::Female),
    (4, 2100, Sex::Male),
    (5, 2100, Sex::Female),
    (6, 2200, Sex::Male),
    (7, 2200, Sex::Female),
    (8, 2300, Sex::Male),
    (9, 2300, Sex::Female),
];

/// Name of a built-in province code ("001" → "Hà Nội").
pub fn province_name(code: &str) -> Option<&'static str> {
    PROVINCE_CODES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| PROVINCE_CODES[i].1)
}

/// Whether `code` is a province code: built in, or one of `additional`.
pub fn is_province_code(code: &str, additional: &[String]) -> bool {
    province_name(code).is_some() || additional.iter().any(|c| c == code)
}

/// Pads a one-, two- or three-digit province code to the three digits used in identification
/// numbers ("1", "01" → "001"). Returns `None` for anything else.
pub fn normalize_province_code(code: &str) -> Option<String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!("{code:0>3}"))
}

/// Century start and sex encoded by the digit `G`.
pub fn century_sex(digit: u8) -> Option<(i32, Sex)> {
    CENTURY_SEX
        .iter()
        .find(|(d, _, _)| *d == digit)
        .map(|(_, c, s)| (*c, *s))
}

/// The digit `G` for a birth year and sex, if the year is in the table's range (1900–2399).
pub fn century_digit(year: i32, sex: Sex) -> Option<u8> {
    let century = year - year.rem_euclid(100);
    CENTURY_SEX
        .iter()
        .find(|(_, c, s)| *c == century && *s == sex)
        .map(|(d, _, _)| *d)
}

/// The four parts of a well-formed (12-digit) number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinParts<'a> {
    /// Birth-registration province code `PPP`.
    pub province: &'a str,
    /// Century-and-sex digit `G`.
    pub century_digit: u8,
    /// Year of birth modulo 100.
    pub year2: u8,
    /// The six random digits.
    pub serial: &'a str,
}

/// Splits a number into its parts if it is exactly twelve ASCII digits.
pub fn parse_pin(pin: &str) -> Option<PinParts<'_>> {
    let b = pin.as_bytes();
    if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(PinParts {
        province: &pin[0..3],
        century_digit: b[3] - b'0',
        year2: (b[4] - b'0') * 10 + (b[5] - b'0'),
        serial: &pin[6..12],
    })
}

/// Builds the number of a person from its parts; `None` when the year is outside the table or
/// `serial` ≥ 1,000,000 or the province code is not three digits.
pub fn make_pin(province: &str, date_of_birth: NaiveDate, sex: Sex, serial: u32) -> Option<String> {
    if province.len() != 3 || !province.bytes().all(|b| b.is_ascii_digit()) || serial >= 1_000_000 {
        return None;
    }
    let year = date_of_birth.year();
    let g = century_digit(year, sex)?;
    Some(format!(
        "{province}{g}{:02}{serial:06}",
        year.rem_euclid(100)
    ))
}

/// One problem found in an identification number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "issue", rename_all = "snake_case")]
pub enum PinIssue {
    /// Not exactly twelve digits.
    Format,
    /// `PPP` is not a province code.
    ProvinceCode {
        /// The three digits found.
        code: String,
    },
    /// The century encoded by `G` is not the century of the date of birth.
    Century {
        /// The digit found.
        digit: u8,
        /// Year of birth on record.
        birth_year: i32,
    },
    /// `YY` is not the year of birth modulo 100.
    BirthYear {
        /// The two digits found.
        year2: u8,
        /// Year of birth on record.
        birth_year: i32,
    },
    /// The sex encoded by `G` differs from the recorded sex (a warning: the record may have been
    /// corrected lawfully).
    Sex {
        /// Sex encoded in the number.
        in_pin: Sex,
        /// Sex on record.
        recorded: Sex,
    },
    /// `PPP` differs from the recorded birth-registration province, or that record is not a
    /// province code.
    BirthProvince {
        /// Code in the number.
        in_pin: String,
        /// Code on record.
        recorded: String,
    },
}

/// What is known about the person, to check the number against.
#[derive(Debug, Clone, Copy, Default)]
pub struct PinContext<'a> {
    /// Date of birth on record.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex on record.
    pub sex: Option<Sex>,
    /// Birth-registration province code on record.
    pub birth_province: Option<&'a str>,
    /// Province codes accepted besides the built-in table.
    pub additional_codes: &'a [String],
}

/// Checks a number's structure and its consistency with what is known about the person.
///
/// A malformed number yields only [`PinIssue::Format`]. An unknown province code suppresses the
/// birth-province comparison (it cannot be compared). Checks whose input is missing (no date of
/// birth, no sex) are skipped: missing data is a completeness matter, not a correctness one.
pub fn validate_pin(pin: &str, ctx: &PinContext<'_>) -> Vec<PinIssue> {
    let mut issues = Vec::new();
    let Some(parts) = parse_pin(pin) else {
        issues.push(PinIssue::Format);
        return issues;
    };
    let province_ok = is_province_code(parts.province, ctx.additional_codes);
    if !province_ok {
        issues.push(PinIssue::ProvinceCode {
            code: parts.province.to_string(),
        });
    }
    let (century, pin_sex) = century_sex(parts.century_digit).unwrap_or((1900, Sex::Male));
    if let Some(dob) = ctx.date_of_birth {
        let year = dob.year();
        if year - year.rem_euclid(100) != century {
            issues.push(PinIssue::Century {
                digit: parts.century_digit,
                birth_year: year,
            });
        }
        if i32::from(parts.year2) != year.rem_euclid(100) {
            issues.push(PinIssue::BirthYear {
                year2: parts.year2,
                birth_year: year,
            });
        }
    }
    if let Some(sex) = ctx.sex {
        if sex != pin_sex {
            issues.push(PinIssue::Sex {
                in_pin: pin_sex,
                recorded: sex,
            });
        }
    }
    if let (true, Some(recorded)) = (province_ok, ctx.birth_province) {
        let normalized = normalize_province_code(recorded);
        let matches = normalized.as_deref() == Some(parts.province);
        if !matches {
            issues.push(PinIssue::BirthProvince {
                in_pin: parts.province.to_string(),
                recorded: recorded.to_string(),
            });
        }
    }
    issues
}

/// Masks an identification number for lists: the province code and the last two digits stay
/// visible ("001203012345" → "001*******45"). Shorter values are masked more: at most a third of
/// the characters is shown, and values under six characters are masked entirely.
pub fn mask_pin(pin: &str) -> String {
    let chars: Vec<char> = pin.chars().collect();
    let n = chars.len();
    if n < 6 {
        return "*".repeat(n);
    }
    let (head, tail) = if n >= 12 { (3, 2) } else { (n / 3, 1) };
    let mut out = String::with_capacity(n);
    for (i, c) in chars.iter().enumerate() {
        if i < head || i >= n - tail {
            out.push(*c);
        } else {
            out.push('*');
        }
    }
    out
}

/// Masks a passport number the same way, keeping the first and last two characters.
pub fn mask_document(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let n = chars.len();
    if n < 6 {
        return "*".repeat(n);
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 2 || i >= n - 2 { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn table_is_sorted_and_has_the_known_gaps() {
        assert!(PROVINCE_CODES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(province_name("001"), Some("Hà Nội"));
        assert_eq!(province_name("079"), Some("TP Hồ Chí Minh"));
        for gap in ["003", "005", "007", "009", "013", "016", "097", "000"] {
            assert!(province_name(gap).is_none(), "{gap} must not be a code");
        }
    }

    #[test]
    fn real_structure_examples() {
        // Male born 1986, birth registered in Hà Nội.
        let ctx = PinContext {
            date_of_birth: Some(d(1986, 5, 4)),
            sex: Some(Sex::Male),
            birth_province: Some("01"),
            additional_codes: &[],
        };
        assert!(validate_pin("001086012345", &ctx).is_empty());
        // Female born 2003 in Nam Định.
        let ctx = PinContext {
            date_of_birth: Some(d(2003, 1, 30)),
            sex: Some(Sex::Female),
            birth_province: Some("036"),
            additional_codes: &[],
        };
        assert!(validate_pin("036303000000", &ctx).is_empty());
        assert_eq!(
            make_pin("036", d(2003, 1, 30), Sex::Female, 0).as_deref(),
            Some("036303000000")
        );
    }

    #[test]
    fn each_structural_issue_is_reported() {
        let ctx = PinContext {
            date_of_birth: Some(d(1986, 5, 4)),
            sex: Some(Sex::Male),
            birth_province: Some("001"),
            additional_codes: &[],
        };
        assert_eq!(validate_pin("00108601234", &ctx), vec![PinIssue::Format]);
        assert_eq!(validate_pin("00108601234x", &ctx), vec![PinIssue::Format]);
        assert_eq!(
            validate_pin("003086012345", &ctx),
            vec![PinIssue::ProvinceCode { code: "003".into() }]
        );
        assert_eq!(
            validate_pin("001286012345", &ctx),
            vec![PinIssue::Century {
                digit: 2,
                birth_year: 1986
            }]
        );
        assert_eq!(
            validate_pin("001087012345", &ctx),
            vec![PinIssue::BirthYear {
                year2: 87,
                birth_year: 1986
            }]
        );
        assert_eq!(
            validate_pin("001186012345", &ctx),
            vec![PinIssue::Sex {
                in_pin: Sex::Female,
                recorded: Sex::Male
            }]
        );
        assert_eq!(
            validate_pin("002086012345", &ctx),
            vec![PinIssue::BirthProvince {
                in_pin: "002".into(),
                recorded: "001".into()
            }]
        );
    }

    #[test]
    fn additional_codes_extend_the_table() {
        let extra = vec!["003".to_string()];
        let ctx = PinContext {
            additional_codes: &extra,
            ..PinContext::default()
        };
        assert!(validate_pin("003086012345", &ctx).is_empty());
    }

    #[test]
    fn missing_context_skips_dependent_checks() {
        assert!(validate_pin("001086012345", &PinContext::default()).is_empty());
    }

    #[test]
    fn masking() {
        assert_eq!(mask_pin("001203012345"), "001*******45");
        assert_eq!(mask_pin("123456789"), "123*****9");
        assert_eq!(mask_pin("1234"), "****");
        assert_eq!(mask_document("M12345678"), "M1*****78");
    }

    #[test]
    fn province_code_normalisation() {
        assert_eq!(normalize_province_code("1").as_deref(), Some("001"));
        assert_eq!(normalize_province_code(" 79 ").as_deref(), Some("079"));
        assert_eq!(normalize_province_code("0001"), None);
        assert_eq!(normalize_province_code("ab"), None);
    }

    fn arb_person() -> impl Strategy<Value = (usize, NaiveDate, Sex, u32)> {
        (
            0..PROVINCE_CODES.len(),
            (1900i32..2100, 1u32..=12, 1u32..=28),
            any::<bool>(),
            0u32..1_000_000,
        )
            .prop_map(|(p, (y, m, day), female, serial)| {
                let sex = if female { Sex::Female } else { Sex::Male };
                (p, d(y, m, day), sex, serial)
            })
    }

    proptest! {
        #[test]
        fn generated_valid_numbers_always_pass((p, dob, sex, serial) in arb_person()) {
            let code = PROVINCE_CODES[p].0;
            let pin = make_pin(code, dob, sex, serial).unwrap();
            let ctx = PinContext { date_of_birth: Some(dob), sex: Some(sex), birth_province: Some(code), additional_codes: &[] };
            prop_assert!(validate_pin(&pin, &ctx).is_empty());
        }

        #[test]
        fn one_digit_change_in_structured_part_is_caught(
            (p, dob, sex, serial) in arb_person(),
            pos in 0usize..6,
            delta in 1u8..10,
        ) {
            let code = PROVINCE_CODES[p].0;
            let pin = make_pin(code, dob, sex, serial).unwrap();
            let mut bytes = pin.into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let ctx = PinContext { date_of_birth: Some(dob), sex: Some(sex), birth_province: Some(code), additional_codes: &[] };
            prop_assert!(!validate_pin(&changed, &ctx).is_empty(), "{} passed", changed);
        }

        #[test]
        fn masking_keeps_length_and_hides_the_middle(pin in "[0-9]{12}") {
            let masked = mask_pin(&pin);
            prop_assert_eq!(masked.chars().count(), 12);
            prop_assert_eq!(&masked[..3], &pin[..3]);
            prop_assert_eq!(&masked[3..10], "*******");
        }
    }
}
