//! CSV import of persons and foreigners' declarations, with a per-row report.
//!
//! Headers are matched after Vietnamese folding, so `Số định danh`, `so_dinh_danh` and `pin`
//! all name the same column. Every problem of a row is reported (line, column, message in
//! Vietnamese and English) and **nothing** from a row with an error is accepted. Structural
//! problems of the identification number are import errors; inconsistencies that may be lawful
//! (sex encoded in the number, birth province) are accepted and left to the quality checks.
//!
//! Dates are `dd/mm/yyyy` or `yyyy-mm-dd`; times are local Vietnamese time written
//! `dd/mm/yyyy HH:MM[:SS]` or `yyyy-mm-dd HH:MM[:SS]`, or RFC 3339 with an offset.

use super::check::{is_plausible_country, is_plausible_passport, is_plausible_phone};
use super::pin::{is_province_code, normalize_province_code, validate_pin, PinContext, PinIssue};
use super::types::{from_local, ForeignerDeclaration, PermitKind, Person, RecordStatus, Sex};
use super::RecordsError;
use crate::text::fold;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One problem in one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Column (canonical field name), empty for row-level problems.
    pub field: String,
    /// Message in Vietnamese.
    pub message_vi: String,
    /// Message in English.
    pub message_en: String,
}

/// Outcome of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportReport<T> {
    /// Records from rows without any error, in file order, with their line numbers.
    pub accepted: Vec<(u64, T)>,
    /// Every problem found.
    pub errors: Vec<RowError>,
    /// Data rows read (header excluded).
    pub rows: usize,
    /// Rows rejected.
    pub rejected: usize,
}

struct Column {
    field: &'static str,
    aliases: &'static [&'static str],
    required: bool,
}

const PERSON_COLUMNS: &[Column] = &[
    Column {
        field: "id",
        aliases: &["id", "ma", "ma nhan khau"],
        required: false,
    },
    Column {
        field: "pin",
        aliases: &[
            "pin",
            "so dinh danh",
            "so dinh danh ca nhan",
            "so cccd",
            "cccd",
        ],
        required: true,
    },
    Column {
        field: "full_name",
        aliases: &["full name", "ho ten", "ho va ten"],
        required: true,
    },
    Column {
        field: "date_of_birth",
        aliases: &["date of birth", "dob", "ngay sinh"],
        required: true,
    },
    Column {
        field: "sex",
        aliases: &["sex", "gioi tinh"],
        required: true,
    },
    Column {
        field: "birth_registration_province",
        aliases: &[
            "birth registration province",
            "noi dang ky khai sinh",
            "ma tinh khai sinh",
        ],
        required: false,
    },
    Column {
        field: "hometown",
        aliases: &["hometown", "que quan"],
        required: false,
    },
    Column {
        field: "ethnicity",
        aliases: &["ethnicity", "dan toc"],
        required: false,
    },
    Column {
        field: "nationality",
        aliases: &["nationality", "quoc tich"],
        required: false,
    },
    Column {
        field: "phone",
        aliases: &["phone", "so dien thoai", "dien thoai"],
        required: false,
    },
    Column {
        field: "unit",
        aliases: &["unit", "don vi", "ma don vi"],
        required: true,
    },
    Column {
        field: "verified_at",
        aliases: &["verified at", "ngay xac minh", "thoi diem xac minh"],
        required: false,
    },
];

const DECLARATION_COLUMNS: &[Column] = &[
    Column {
        field: "id",
        aliases: &["id", "ma", "ma khai bao"],
        required: false,
    },
    Column {
        field: "full_name",
        aliases: &["full name", "ho ten", "ho va ten"],
        required: true,
    },
    Column {
        field: "sex",
        aliases: &["sex", "gioi tinh"],
        required: false,
    },
    Column {
        field: "date_of_birth",
        aliases: &["date of birth", "dob", "ngay sinh"],
        required: false,
    },
    Column {
        field: "nationality",
        aliases: &["nationality", "quoc tich"],
        required: true,
    },
    Column {
        field: "passport_number",
        aliases: &["passport number", "so ho chieu"],
        required: true,
    },
    Column {
        field: "passport_country",
        aliases: &["passport country", "quoc gia cap", "noi cap ho chieu"],
        required: true,
    },
    Column {
        field: "permit_kind",
        aliases: &["permit kind", "loai giay to"],
        required: false,
    },
    Column {
        field: "permit_symbol",
        aliases: &["permit symbol", "ky hieu thi thuc", "ky hieu"],
        required: false,
    },
    Column {
        field: "permit_number",
        aliases: &["permit number", "so thi thuc", "so the"],
        required: false,
    },
    Column {
        field: "permit_expiry",
        aliases: &["permit expiry", "thoi han", "han thi thuc", "han cu tru"],
        required: false,
    },
    Column {
        field: "arrival_at",
        aliases: &["arrival at", "arrival", "thoi diem den", "ngay den"],
        required: true,
    },
    Column {
        field: "departure_at",
        aliases: &["departure at", "departure", "thoi diem di", "ngay di"],
        required: false,
    },
    Column {
        field: "establishment_id",
        aliases: &["establishment id", "ma co so", "co so luu tru"],
        required: true,
    },
    Column {
        field: "unit",
        aliases: &["unit", "don vi", "ma don vi"],
        required: true,
    },
    Column {
        field: "declared_at",
        aliases: &["declared at", "thoi diem khai bao", "ngay khai bao"],
        required: true,
    },
    Column {
        field: "status",
        aliases: &["status", "trang thai"],
        required: false,
    },
];

struct Table {
    rows: Vec<(u64, HashMap<&'static str, String>)>,
    errors: Vec<RowError>,
    rejected_lines: Vec<u64>,
}

fn read_table(input: &str, columns: &'static [Column]) -> Result<Table, RecordsError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| RecordsError::Csv {
            message: e.to_string(),
        })?
        .clone();
    let mut position: HashMap<&'static str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let folded = fold(h.trim_start_matches('\u{feff}'));
        if let Some(c) = columns
            .iter()
            .find(|c| c.aliases.contains(&folded.as_str()))
        {
            position.entry(c.field).or_insert(i);
        }
    }
    let missing: Vec<String> = columns
        .iter()
        .filter(|c| c.required && !position.contains_key(c.field))
        .map(|c| c.field.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(RecordsError::CsvHeader { missing });
    }
    let mut table = Table {
        rows: Vec::new(),
        errors: Vec::new(),
        rejected_lines: Vec::new(),
    };
    for (n, result) in reader.records().enumerate() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(n as u64 + 2, |p| p.line());
                table.errors.push(RowError {
                    line,
                    field: String::new(),
                    message_vi: format!("Dòng không đọc được: {e}"),
                    message_en: format!("Unreadable row: {e}"),
                });
                table.rejected_lines.push(line);
                continue;
            }
        };
        let line = record.position().map_or(n as u64 + 2, |p| p.line());
        if record.len() > headers.len() {
            table.errors.push(RowError {
                line,
                field: String::new(),
                message_vi: format!(
                    "Dòng có {} cột, tiêu đề chỉ có {}",
                    record.len(),
                    headers.len()
                ),
                message_en: format!(
                    "Row has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            });
            table.rejected_lines.push(line);
            continue;
        }
        let values = position
            .iter()
            .map(|(field, &i)| (*field, record.get(i).unwrap_or("").to_string()))
            .collect();
        table.rows.push((line, values));
    }
    Ok(table)
}

struct Row<'a> {
    line: u64,
    values: &'a HashMap<&'static str, String>,
    errors: Vec<RowError>,
}

impl Row<'_> {
    fn get(&self, field: &str) -> Option<&str> {
        self.values
            .get(field)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn error(&mut self, field: &str, vi: String, en: String) {
        self.errors.push(RowError {
            line: self.line,
            field: field.to_string(),
            message_vi: vi,
            message_en: en,
        });
    }

    fn required(&mut self, field: &str) -> Option<String> {
        match self.get(field) {
            Some(v) => Some(v.to_string()),
            None => {
                self.error(
                    field,
                    "Thiếu giá trị bắt buộc".into(),
                    "Required value missing".into(),
                );
                None
            }
        }
    }

    fn date(&mut self, field: &str) -> Option<NaiveDate> {
        let v = self.get(field)?.to_string();
        let parsed = parse_date(&v);
        if parsed.is_none() {
            self.error(
                field,
                format!("Ngày \"{v}\" không đúng dạng dd/mm/yyyy"),
                format!("Date \"{v}\" is not dd/mm/yyyy or yyyy-mm-dd"),
            );
        }
        parsed
    }

    fn time(&mut self, field: &str) -> Option<DateTime<Utc>> {
        let v = self.get(field)?.to_string();
        let parsed = parse_time(&v);
        if parsed.is_none() {
            self.error(
                field,
                format!("Thời điểm \"{v}\" không đúng dạng dd/mm/yyyy HH:MM"),
                format!("Time \"{v}\" is not dd/mm/yyyy HH:MM, yyyy-mm-dd HH:MM or RFC 3339"),
            );
        }
        parsed
    }

    fn sex(&mut self, field: &str) -> Option<Sex> {
        let v = self.get(field)?.to_string();
        let parsed = match fold(&v).as_str() {
            "nam" | "male" | "m" => Some(Sex::Male),
            "nu" | "female" | "f" => Some(Sex::Female),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                field,
                format!("Giới tính \"{v}\" phải là Nam hoặc Nữ"),
                format!("Sex \"{v}\" must be male or female"),
            );
        }
        parsed
    }
}

/// Parses `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`) or `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .or_else(|_| NaiveDate::parse_from_str(s, "%d-%m-%Y"))
        .ok()
        .filter(|d| s.len() >= 8 && d.to_string().len() == 10)
}

/// Parses a local time (`dd/mm/yyyy HH:MM[:SS]`, `yyyy-mm-dd HH:MM[:SS]`, also with `T`) or an
/// RFC 3339 time with offset.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    const FORMATS: [&str; 6] = [
        "%d/%m/%Y %H:%M:%S",
        "%d/%m/%Y %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(from_local)
}

fn finish<T>(table: Table, parsed: Vec<(u64, Result<T, Vec<RowError>>)>) -> ImportReport<T> {
    let rows = table.rows.len() + table.rejected_lines.len();
    let mut errors = table.errors;
    let mut accepted = Vec::new();
    let mut rejected = table.rejected_lines.len();
    for (line, r) in parsed {
        match r {
            Ok(t) => accepted.push((line, t)),
            Err(mut e) => {
                rejected += 1;
                errors.append(&mut e);
            }
        }
    }
    errors.sort_by_key(|e| e.line);
    ImportReport {
        accepted,
        errors,
        rows,
        rejected,
    }
}

/// Parses a persons CSV. Required columns: identification number, full name, date of birth,
/// sex, unit. `additional_codes` extends the province-code table (as the `pin.province_code`
/// rule does).
pub fn parse_persons_csv(
    input: &str,
    additional_codes: &[String],
) -> Result<ImportReport<Person>, RecordsError> {
    let table = read_table(input, PERSON_COLUMNS)?;
    let mut parsed = Vec::with_capacity(table.rows.len());
    for (line, values) in &table.rows {
        let mut row = Row {
            line: *line,
            values,
            errors: Vec::new(),
        };
        let pin = row.required("pin");
        let full_name = row.required("full_name");
        let dob = if row.get("date_of_birth").is_some() {
            row.date("date_of_birth")
        } else {
            row.required("date_of_birth").and(None)
        };
        let sex = if row.get("sex").is_some() {
            row.sex("sex")
        } else {
            row.required("sex").and(None)
        };
        let unit = row.required("unit");
        let province = row.get("birth_registration_province").map(str::to_string);
        let province = match province {
            Some(p) => match normalize_province_code(&p)
                .filter(|c| is_province_code(c, additional_codes))
            {
                Some(c) => Some(c),
                None => {
                    row.error(
                        "birth_registration_province",
                        format!("Mã tỉnh \"{p}\" không có trong bảng mã"),
                        format!("Province code \"{p}\" is not in the code table"),
                    );
                    None
                }
            },
            None => None,
        };
        if let Some(full_name) = &full_name {
            if !super::check::is_plausible_name(full_name) {
                row.error(
                    "full_name",
                    "Họ tên chứa chữ số/ký hiệu hoặc chỉ có một từ".into(),
                    "The name contains digits or symbols, or is a single word".into(),
                );
            }
        }
        let phone = row.get("phone").map(str::to_string);
        if let Some(phone) = &phone {
            if !is_plausible_phone(phone) {
                row.error(
                    "phone",
                    format!("Số điện thoại \"{phone}\" không đúng định dạng"),
                    format!("Phone number \"{phone}\" is malformed"),
                );
            }
        }
        let verified_at = row.time("verified_at");
        if let Some(pin) = &pin {
            let ctx = PinContext {
                date_of_birth: dob,
                sex,
                birth_province: None,
                additional_codes,
            };
            for issue in validate_pin(pin, &ctx) {
                let (vi, en) = match issue {
                    PinIssue::Format => (
                        "Số định danh phải gồm 12 chữ số".to_string(),
                        "The identification number must be 12 digits".to_string(),
                    ),
                    PinIssue::ProvinceCode { code } => (
                        format!("Mã tỉnh {code} không có trong bảng mã"),
                        format!("Province code {code} is not in the code table"),
                    ),
                    PinIssue::Century { digit, birth_year } => (
                        format!("Chữ số thế kỷ {digit} không khớp năm sinh {birth_year}"),
                        format!("Century digit {digit} does not match year of birth {birth_year}"),
                    ),
                    PinIssue::BirthYear { year2, birth_year } => (
                        format!("Hai số năm sinh {year2:02} không khớp năm sinh {birth_year}"),
                        format!("Year digits {year2:02} do not match year of birth {birth_year}"),
                    ),
                    // Possibly lawful: left to the quality checks.
                    PinIssue::Sex { .. } | PinIssue::BirthProvince { .. } => continue,
                };
                row.error("pin", vi, en);
            }
        }
        let result = match (row.errors.is_empty(), pin, full_name, unit) {
            (true, Some(pin), Some(full_name), Some(unit)) => Ok(Person {
                id: row.get("id").unwrap_or("").to_string(),
                pin,
                full_name,
                date_of_birth: dob,
                sex,
                birth_registration_province: province,
                hometown: row.get("hometown").map(str::to_string),
                ethnicity: row.get("ethnicity").map(str::to_string),
                nationality: row.get("nationality").map(str::to_string),
                phone,
                unit,
                verified_at,
            }),
            _ => Err(row.errors),
        };
        parsed.push((*line, result));
    }
    Ok(finish(table, parsed))
}

fn parse_permit_kind(s: &str) -> Option<PermitKind> {
    match fold(s).as_str() {
        "visa" | "thi thuc" => Some(PermitKind::Visa),
        "temporary residence card" | "trc" | "the tam tru" => {
            Some(PermitKind::TemporaryResidenceCard)
        }
        "permanent residence card" | "the thuong tru" => Some(PermitKind::PermanentResidenceCard),
        "visa exemption" | "mien thi thuc" => Some(PermitKind::VisaExemption),
        _ => None,
    }
}

/// Parses a foreigners' declarations CSV. Required columns: full name, nationality, passport
/// number and issuing state, arrival, establishment, unit, declaration time. Passport numbers
/// are upper-cased with spaces removed before validation.
pub fn parse_declarations_csv(
    input: &str,
) -> Result<ImportReport<ForeignerDeclaration>, RecordsError> {
    let table = read_table(input, DECLARATION_COLUMNS)?;
    let mut parsed = Vec::with_capacity(table.rows.len());
    for (line, values) in &table.rows {
        let mut row = Row {
            line: *line,
            values,
            errors: Vec::new(),
        };
        let full_name = row.required("full_name");
        let nationality = row.required("nationality").map(|s| s.to_uppercase());
        let passport = row.required("passport_number").map(|s| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .flat_map(char::to_uppercase)
                .collect::<String>()
        });
        let country = row.required("passport_country").map(|s| s.to_uppercase());
        let establishment_id = row.required("establishment_id");
        let unit = row.required("unit");
        let arrival = if row.get("arrival_at").is_some() {
            row.time("arrival_at")
        } else {
            row.required("arrival_at").and(None)
        };
        let declared = if row.get("declared_at").is_some() {
            row.time("declared_at")
        } else {
            row.required("declared_at").and(None)
        };
        let departure = row.time("departure_at");
        let sex = row.sex("sex");
        let dob = row.date("date_of_birth");
        let expiry = row.date("permit_expiry");
        let permit_kind = match row.get("permit_kind").map(str::to_string) {
            Some(k) => {
                let parsed = parse_permit_kind(&k);
                if parsed.is_none() {
                    row.error("permit_kind", format!("Loại giấy tờ \"{k}\" không hợp lệ (thị thực, thẻ tạm trú, thẻ thường trú, miễn thị thực)"), format!("Permit kind \"{k}\" is not visa, temporary/permanent residence card or visa exemption"));
                }
                parsed
            }
            None => None,
        };
        let status = match row.get("status").map(fold).as_deref() {
            // Without a status column a declaration is taken as current.
            None => RecordStatus::Active,
            Some("active" | "dang luu tru" | "hieu luc") => RecordStatus::Active,
            Some("ended" | "da di" | "ket thuc") => RecordStatus::Ended,
            Some(other) => {
                let other = other.to_string();
                row.error(
                    "status",
                    format!("Trạng thái \"{other}\" phải là \"đang lưu trú\" hoặc \"đã đi\""),
                    format!("Status \"{other}\" must be active or ended"),
                );
                RecordStatus::Active
            }
        };
        if let Some(p) = &passport {
            if !is_plausible_passport(p) {
                row.error(
                    "passport_number",
                    format!("Số hộ chiếu \"{p}\" phải gồm 5–20 chữ cái/chữ số"),
                    format!("Passport number \"{p}\" must be 5–20 letters or digits"),
                );
            }
        }
        for (field, code) in [
            ("passport_country", &country),
            ("nationality", &nationality),
        ] {
            if let Some(c) = code {
                if !is_plausible_country(c) {
                    row.error(
                        field,
                        format!("Mã quốc gia \"{c}\" phải là mã ISO 3 chữ cái"),
                        format!("Country code \"{c}\" must be an ISO alpha-3 code"),
                    );
                }
            }
        }
        if let (Some(a), Some(d)) = (arrival, departure) {
            if d < a {
                row.error(
                    "departure_at",
                    "Thời điểm đi trước thời điểm đến".into(),
                    "Departure precedes arrival".into(),
                );
            }
        }
        let result = match (
            row.errors.is_empty(),
            full_name,
            nationality,
            passport,
            country,
            establishment_id,
            unit,
        ) {
            (
                true,
                Some(full_name),
                Some(nationality),
                Some(passport_number),
                Some(passport_country),
                Some(establishment_id),
                Some(unit),
            ) => Ok(ForeignerDeclaration {
                id: row.get("id").unwrap_or("").to_string(),
                full_name,
                sex,
                date_of_birth: dob,
                nationality,
                passport_number,
                passport_country,
                permit_kind,
                permit_symbol: row.get("permit_symbol").map(str::to_string),
                permit_number: row.get("permit_number").map(str::to_string),
                permit_expiry: expiry,
                arrival_at: arrival,
                departure_at: departure,
                establishment_id,
                unit,
                declared_at: declared,
                status,
            }),
            _ => Err(row.errors),
        };
        parsed.push((*line, result));
    }
    Ok(finish(table, parsed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSONS: &str = "\
Số định danh,Họ và tên,Ngày sinh,Giới tính,Nơi đăng ký khai sinh,Quê quán,Số điện thoại,Đơn vị
001086012345,Nguyễn Văn Hùng,04/05/1986,Nam,01,Nam Định,0912345678,00070
001086012345,Nguyễn Văn Hùng,1986-05-04,Nam,001,,,00070
00108601234,Trần Thị Lan,31/02/1990,Nữ,001,,,00070
003190012345,Lê Thị Mai,01/01/1990,X,001,,12345,
001186012345,Phạm Văn Nam,04/05/1986,Nam,001,,,00004
";

    #[test]
    fn persons_rows_are_accepted_or_rejected_whole() {
        let report = parse_persons_csv(PERSONS, &[]).unwrap();
        assert_eq!(report.rows, 5);
        assert_eq!(report.rejected, 2);
        let lines: Vec<u64> = report.accepted.iter().map(|(l, _)| *l).collect();
        // Line 6: sex encoded in the number differs from the record: accepted, left to checks.
        assert_eq!(lines, [2, 3, 6]);
        let p = &report.accepted[0].1;
        assert_eq!(p.birth_registration_province.as_deref(), Some("001"));
        assert_eq!(p.date_of_birth, NaiveDate::from_ymd_opt(1986, 5, 4));

        let at = |line: u64| -> Vec<&str> {
            report
                .errors
                .iter()
                .filter(|e| e.line == line)
                .map(|e| e.field.as_str())
                .collect()
        };
        // Line 4: malformed number and an impossible date.
        assert_eq!(at(4), ["date_of_birth", "pin"]);
        // Line 5: bad sex, bad phone, missing unit, unknown province code 003.
        let fields = at(5);
        for f in ["sex", "phone", "unit", "pin"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        assert!(report
            .errors
            .iter()
            .all(|e| !e.message_vi.is_empty() && !e.message_en.is_empty()));
    }

    #[test]
    fn missing_columns_reject_the_file() {
        let err = parse_persons_csv("pin,full_name\n001086012345,A B\n", &[]).unwrap_err();
        match err {
            RecordsError::CsvHeader { missing } => {
                assert_eq!(missing, ["date_of_birth", "sex", "unit"])
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn ragged_rows_are_reported() {
        let input =
            "pin,full_name,date_of_birth,sex,unit\n001086012345,A B,04/05/1986,Nam,00070,extra\n";
        let report = parse_persons_csv(input, &[]).unwrap();
        assert_eq!(report.rejected, 1);
        assert_eq!(report.errors[0].line, 2);
        assert_eq!(report.errors[0].field, "");
    }

    #[test]
    fn declarations_are_parsed_in_local_time() {
        let input = "\
full_name,nationality,passport_number,passport_country,permit_kind,permit_expiry,arrival_at,departure_at,establishment_id,unit,declared_at
KIM MIN JUN,KOR,m 1234 5678,KOR,thị thực,30/12/2026,01/11/2026 20:00,05/11/2026 10:00,E1,00070,02/11/2026 06:30
JOHN SMITH,USA,12,US,visa,,01/11/2026 20:00,31/10/2026 10:00,E1,00070,
";
        let report = parse_declarations_csv(input).unwrap();
        assert_eq!(report.accepted.len(), 1);
        let d = &report.accepted[0].1;
        assert_eq!(d.passport_number, "M12345678");
        assert_eq!(d.permit_kind, Some(PermitKind::Visa));
        assert_eq!(
            d.arrival_at.unwrap().to_rfc3339(),
            "2026-11-01T13:00:00+00:00"
        );
        let fields: Vec<&str> = report.errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "passport_number",
            "passport_country",
            "departure_at",
            "declared_at",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn date_and_time_formats() {
        assert_eq!(parse_date("4/5/1986"), NaiveDate::from_ymd_opt(1986, 5, 4));
        assert_eq!(
            parse_date("1986-05-04"),
            NaiveDate::from_ymd_opt(1986, 5, 4)
        );
        assert_eq!(parse_date("31/02/1990"), None);
        assert!(parse_time("2026-11-01T20:00:00+07:00").is_some());
        assert!(parse_time("01/11/2026 20:00").is_some());
        assert!(parse_time("tomorrow").is_none());
    }
}
