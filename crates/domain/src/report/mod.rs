//! Report tables: the one shape every statistics and accountability report is rendered into,
//! so that the console, the CSV export and the Excel export show the same figures.
//!
//! A [`Table`] has a bilingual title, bilingual column labels and rows of typed [`Cell`]s. It
//! renders as CSV ([`Table::to_csv`], UTF-8 with a byte-order mark so that Excel opens
//! Vietnamese text correctly) and as an Excel workbook ([`Table::to_xlsx`]). Neither touches a
//! file: both return bytes for the caller to send or store.
//!
//! Text cells carry what users typed (facility names, task titles, notes). A spreadsheet reads
//! a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return as a formula
//! (`=HYPERLINK(…)` would put a phishing link in a leader's report), so both renderings pass
//! every text cell through [`neutralise_formula`]: CSV gets the quote in front, the workbook
//! writes the cell as a string with Excel's quote prefix. Number cells are never touched, so
//! negative figures stay numbers.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};
use serde::{Deserialize, Serialize};

/// The UTF-8 byte-order mark Excel needs to read a CSV file as UTF-8.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Label shown for a percentage that cannot be computed (base of zero).
pub const NOT_COMPARABLE_VI: &str = "không so sánh được";
/// English twin of [`NOT_COMPARABLE_VI`].
pub const NOT_COMPARABLE_EN: &str = "not comparable";

/// Errors raised while building or rendering a report table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A row does not have one cell per column.
    #[error("row {row} has {found} cells but the table has {expected} columns")]
    RowWidth {
        /// Zero-based index of the offending row.
        row: usize,
        /// Number of columns of the table.
        expected: usize,
        /// Number of cells in the row.
        found: usize,
    },
    /// Two columns share a key.
    #[error("duplicate column key {key:?}")]
    DuplicateColumn {
        /// The repeated key.
        key: String,
    },
    /// The CSV writer failed.
    #[error("csv rendering failed: {0}")]
    Csv(#[from] csv::Error),
    /// The workbook writer failed.
    #[error("xlsx rendering failed: {0}")]
    Xlsx(#[from] XlsxError),
    /// The table is larger than one Excel sheet allows.
    #[error("table has {rows} rows and {columns} columns, more than one sheet can hold")]
    TooLarge {
        /// Row count including the header.
        rows: usize,
        /// Column count.
        columns: usize,
    },
}

/// Which language labels to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Vietnamese (the default: reports are printed for Vietnamese meetings).
    #[default]
    Vi,
    /// English.
    En,
}

/// One column: a stable machine key and its labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Stable key (snake_case), used by the JSON API and by tests.
    pub key: String,
    /// Vietnamese header.
    pub label_vi: String,
    /// English header.
    pub label_en: String,
}

impl Column {
    /// Builds a column from its key and labels.
    pub fn new(key: &str, label_vi: &str, label_en: &str) -> Self {
        Self {
            key: key.to_owned(),
            label_vi: label_vi.to_owned(),
            label_en: label_en.to_owned(),
        }
    }

    /// The label in the requested language.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.label_vi,
            Lang::En => &self.label_en,
        }
    }
}

/// One cell value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Cell {
    /// Nothing.
    Empty,
    /// Free text.
    Text(String),
    /// A whole number (counts, VND amounts).
    Int(i64),
    /// A decimal number (seconds, means).
    Number(f64),
    /// A percentage expressed in percent (83.48 means 83.48 %). `None` means "not comparable"
    /// (the base was zero) and renders as [`NOT_COMPARABLE_VI`] / [`NOT_COMPARABLE_EN`].
    Percent(Option<f64>),
}

impl Cell {
    /// Text cell from anything string-like.
    pub fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    /// Integer cell from any unsigned count; saturates at `i64::MAX`.
    pub fn count(n: u64) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// Plain-text rendering used by CSV: numbers with a dot as decimal separator, percentages
    /// with two decimals and no `%` sign.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Number(x) => format_number(*x),
            Cell::Percent(Some(p)) => format!("{p:.2}"),
            Cell::Percent(None) => match lang {
                Lang::Vi => NOT_COMPARABLE_VI.to_owned(),
                Lang::En => NOT_COMPARABLE_EN.to_owned(),
            },
        }
    }
}

/// Characters that make a spreadsheet read a cell as a formula when they come first.
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when a spreadsheet would read `text` as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return).
pub fn is_formula_like(text: &str) -> bool {
    text.starts_with(FORMULA_TRIGGERS)
}

/// The text of a cell as it may go into a spreadsheet file: text that a spreadsheet would read
/// as a formula gets a single quote in front (the OWASP advice for CSV injection), so it shows
/// as the text it is; any other text comes back unchanged. Every export of text cells goes
/// through here; numeric cells are written as numbers and never passed in.
pub fn neutralise_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if is_formula_like(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

fn format_number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.is_finite() {
        format!("{x:.2}")
    } else {
        String::new()
    }
}

/// A titled table with typed cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Vietnamese title.
    pub title_vi: String,
    /// English title.
    pub title_en: String,
    /// Columns, in display order.
    pub columns: Vec<Column>,
    /// Rows; each has exactly one cell per column (checked by [`Table::push_row`] and
    /// [`Table::validate`]).
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table. Fails when two columns share a key.
    pub fn new(title_vi: &str, title_en: &str, columns: Vec<Column>) -> Result<Self, ReportError> {
        let mut seen = std::collections::BTreeSet::new();
        for c in &columns {
            if !seen.insert(c.key.as_str()) {
                return Err(ReportError::DuplicateColumn { key: c.key.clone() });
            }
        }
        Ok(Self {
            title_vi: title_vi.to_owned(),
            title_en: title_en.to_owned(),
            columns,
            rows: Vec::new(),
        })
    }

    /// Appends a row after checking its width.
    pub fn push_row(&mut self, row: Vec<Cell>) -> Result<(), ReportError> {
        if row.len() != self.columns.len() {
            return Err(ReportError::RowWidth {
                row: self.rows.len(),
                expected: self.columns.len(),
                found: row.len(),
            });
        }
        self.rows.push(row);
        Ok(())
    }

    /// Checks every row's width (useful after deserialising a table).
    pub fn validate(&self) -> Result<(), ReportError> {
        for (i, row) in self.rows.iter().enumerate() {
            if row.len() != self.columns.len() {
                return Err(ReportError::RowWidth {
                    row: i,
                    expected: self.columns.len(),
                    found: row.len(),
                });
            }
        }
        Ok(())
    }

    /// The title in the requested language.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.title_vi,
            Lang::En => &self.title_en,
        }
    }

    /// Index of the column with this key.
    pub fn column_index(&self, key: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.key == key)
    }

    /// The cell at `row` in the column with key `key`.
    pub fn cell(&self, row: usize, key: &str) -> Option<&Cell> {
        let col = self.column_index(key)?;
        self.rows.get(row)?.get(col)
    }

    /// CSV bytes: a UTF-8 byte-order mark, one header line of labels in `lang`, then the rows
    /// (see [`Cell::render`]). The title is not written: CSV has no place for it, and a title
    /// line would break machine readers.
    pub fn to_csv(&self, lang: Lang) -> Result<Vec<u8>, ReportError> {
        self.validate()?;
        let mut out = UTF8_BOM.to_vec();
        {
            let mut w = csv::Writer::from_writer(&mut out);
            w.write_record(self.columns.iter().map(|c| c.label(lang)))?;
            for row in &self.rows {
                w.write_record(row.iter().map(|c| match c {
                    Cell::Text(s) => neutralise_formula(s).into_owned(),
                    other => other.render(lang),
                }))?;
            }
            w.flush().map_err(csv::Error::from)?;
        }
        Ok(out)
    }

    /// An `.xlsx` workbook with one sheet: the title in the first row, the bold header in the
    /// third, then the rows. Counts are written as numbers, percentages as numbers with a
    /// `0.00%` format (so 83.48 is stored as 0.8348), "not comparable" as text.
    pub fn to_xlsx(&self, lang: Lang) -> Result<Vec<u8>, ReportError> {
        self.validate()?;
        const FIRST_DATA_ROW: usize = 3;
        let total_rows = self.rows.len() + FIRST_DATA_ROW;
        if total_rows > 1_048_576 || self.columns.len() > 16_384 {
            return Err(ReportError::TooLarge {
                rows: total_rows,
                columns: self.columns.len(),
            });
        }
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        sheet.set_name(sheet_name(self.title(lang)))?;
        let title_fmt = Format::new().set_bold().set_font_size(14);
        let head_fmt = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_align(FormatAlign::Center);
        let pct_fmt = Format::new().set_num_format("0.00%");
        let num_fmt = Format::new().set_num_format("0.00");
        let int_fmt = Format::new().set_num_format("#,##0");
        // Text a spreadsheet would take for a formula: kept a string, shown as typed, and
        // still text when someone edits the cell.
        let quoted_fmt = Format::new().set_quote_prefix();
        sheet.write_string_with_format(0, 0, self.title(lang), &title_fmt)?;
        for (c, col) in self.columns.iter().enumerate() {
            let c = col_index(c);
            sheet.write_string_with_format(2, c, col.label(lang), &head_fmt)?;
            let width = col.label(lang).chars().count().clamp(8, 40);
            sheet.set_column_width(c, width as f64 + 2.0)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = (r + FIRST_DATA_ROW) as u32;
            for (c, cell) in row.iter().enumerate() {
                let c = col_index(c);
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) if is_formula_like(s) => {
                        sheet.write_string_with_format(r, c, s, &quoted_fmt)?;
                    }
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Int(n) => {
                        sheet.write_number_with_format(r, c, *n as f64, &int_fmt)?;
                    }
                    Cell::Number(x) if x.is_finite() => {
                        sheet.write_number_with_format(r, c, *x, &num_fmt)?;
                    }
                    Cell::Number(_) => {}
                    Cell::Percent(Some(p)) if p.is_finite() => {
                        sheet.write_number_with_format(r, c, *p / 100.0, &pct_fmt)?;
                    }
                    Cell::Percent(_) => {
                        let label = match lang {
                            Lang::Vi => NOT_COMPARABLE_VI,
                            Lang::En => NOT_COMPARABLE_EN,
                        };
                        sheet.write_string(r, c, label)?;
                    }
                }
            }
        }
        sheet.set_freeze_panes(FIRST_DATA_ROW as u32, 0)?;
        Ok(wb.save_to_buffer()?)
    }
}

fn col_index(c: usize) -> u16 {
    // Bounded by the 16,384-column check in `to_xlsx`.
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, not empty.
fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                ' '
            } else {
                c
            }
        })
        .take(31)
        .collect();
    let trimmed = cleaned.trim().trim_matches('\'').trim();
    if trimmed.is_empty() {
        "Sheet1".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample() -> Table {
        let mut t = Table::new(
            "Tình hình tội phạm: so với cùng kỳ",
            "Crime: year on year",
            vec![
                Column::new("unit", "Đơn vị", "Unit"),
                Column::new("cases", "Số vụ", "Cases"),
                Column::new("change_pct", "Tăng/giảm (%)", "Change (%)"),
            ],
        )
        .unwrap();
        t.push_row(vec![
            Cell::text("Phường Ba Đình"),
            Cell::Int(12),
            Cell::Percent(Some(-25.0)),
        ])
        .unwrap();
        t.push_row(vec![
            Cell::text("Xã Sóc Sơn, \"mới\""),
            Cell::Int(3),
            Cell::Percent(None),
        ])
        .unwrap();
        t
    }

    #[test]
    fn rejects_rows_of_the_wrong_width() {
        let mut t = sample();
        let err = t.push_row(vec![Cell::Empty]).unwrap_err();
        assert!(matches!(
            err,
            ReportError::RowWidth {
                row: 2,
                expected: 3,
                found: 1
            }
        ));
        t.rows.push(vec![]);
        assert!(t.to_csv(Lang::Vi).is_err());
    }

    #[test]
    fn rejects_duplicate_keys() {
        let err = Table::new(
            "a",
            "a",
            vec![Column::new("k", "a", "a"), Column::new("k", "b", "b")],
        )
        .unwrap_err();
        assert!(matches!(err, ReportError::DuplicateColumn { key } if key == "k"));
    }

    #[test]
    fn csv_has_bom_labels_and_quoting() {
        let csv = sample().to_csv(Lang::Vi).unwrap();
        assert!(csv.starts_with(UTF8_BOM));
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Đơn vị,Số vụ,Tăng/giảm (%)");
        assert_eq!(lines[1], "Phường Ba Đình,12,-25.00");
        assert_eq!(lines[2], "\"Xã Sóc Sơn, \"\"mới\"\"\",3,không so sánh được");
        let en = sample().to_csv(Lang::En).unwrap();
        let en = std::str::from_utf8(&en[3..]).unwrap();
        assert!(en.starts_with("Unit,Cases,Change (%)\n"));
        assert!(en.contains("not comparable"));
    }

    fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, String> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = std::collections::BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.insert(f.name().unwrap().into_owned(), s);
        }
        out
    }

    #[test]
    fn xlsx_is_a_zip_with_the_sheet_and_values() {
        let bytes = sample().to_xlsx(Lang::Vi).unwrap();
        assert_eq!(&bytes[..2], b"PK");
        let files = unzip(&bytes);
        for part in [
            "[Content_Types].xml",
            "xl/workbook.xml",
            "xl/worksheets/sheet1.xml",
        ] {
            assert!(files.contains_key(part), "missing {part}");
        }
        let sheet = &files["xl/worksheets/sheet1.xml"];
        // 12 and 3 as numbers, -25 % stored as a fraction.
        assert!(sheet.contains("<v>12</v>"), "{sheet}");
        assert!(sheet.contains("<v>-0.25</v>"), "{sheet}");
        let strings = files
            .get("xl/sharedStrings.xml")
            .cloned()
            .unwrap_or_default();
        let all = format!("{sheet}{strings}");
        for s in [
            "Phường Ba Đình",
            "Số vụ",
            "không so sánh được",
            "Tình hình tội phạm",
        ] {
            assert!(all.contains(s), "missing {s}");
        }
        let wb = &files["xl/workbook.xml"];
        assert!(wb.contains("Tình hình tội phạm  so với cùng"), "{wb}");
    }

    #[test]
    fn formula_text_is_neutralised() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise_formula(risky), format!("'{risky}"));
        }
        for plain in ["Phường Ba Đình", "", "1-2", "a=b", "'quoted", " =1"] {
            assert_eq!(neutralise_formula(plain), plain);
        }
    }

    fn formula_table() -> Table {
        let mut t = Table::new(
            "Tên",
            "Names",
            vec![
                Column::new("name", "Tên", "Name"),
                Column::new("change", "Tăng/giảm", "Change"),
                Column::new("amount", "Số", "Amount"),
            ],
        )
        .unwrap();
        t.push_row(vec![
            Cell::text("=HYPERLINK(\"http://x\",\"y\")"),
            Cell::Int(-5),
            Cell::Number(-2.5),
        ])
        .unwrap();
        t.push_row(vec![
            Cell::text("-1"),
            Cell::Percent(Some(-25.0)),
            Cell::Empty,
        ])
        .unwrap();
        t
    }

    #[test]
    fn csv_neutralises_text_but_keeps_negative_numbers() {
        let csv = formula_table().to_csv(Lang::Vi).unwrap();
        let text = std::str::from_utf8(&csv[3..]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5,-2.50"
        );
        // A text cell "-1" is neutralised; the percentage cell -25 stays a number.
        assert_eq!(lines[2], "'-1,-25.00,");
    }

    #[test]
    fn xlsx_writes_formula_text_as_quoted_strings() {
        let files = unzip(&formula_table().to_xlsx(Lang::En).unwrap());
        let sheet = &files["xl/worksheets/sheet1.xml"];
        assert!(!sheet.contains("<f>"), "no formula may be written: {sheet}");
        assert!(sheet.contains("<v>-5</v>"), "{sheet}");
        assert!(sheet.contains("<v>-2.5</v>"), "{sheet}");
        let strings = &files["xl/sharedStrings.xml"];
        assert!(strings.contains("=HYPERLINK("), "{strings}");
        let styles = &files["xl/styles.xml"];
        assert!(styles.contains("quotePrefix=\"1\""), "{styles}");
    }

    #[test]
    fn sheet_names_are_sanitised() {
        assert_eq!(sheet_name("a/b:c"), "a b c");
        assert_eq!(sheet_name("   "), "Sheet1");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
