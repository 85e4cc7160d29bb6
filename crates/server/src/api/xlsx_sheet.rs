//! Reads the first worksheet of an uploaded XLSX file as CSV text, so that the CSV imports
//! also take spreadsheets as saved from Excel or LibreOffice. One sheet row becomes one CSV
//! line (line breaks inside a cell become spaces), so the line numbers an import reports are
//! the spreadsheet's row numbers. Values are taken as displayed in the file's XML: text,
//! numbers, booleans, and dates as their spreadsheet day number (the imports read those).
//!
//! Only what the imports need is understood: shared and inline strings and plain values;
//! formulas give their cached value. No styles, no other sheets.

use std::collections::HashMap;
use std::io::{Read, Seek};

/// Why a file could not be read as a spreadsheet.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// Not a ZIP archive, or a broken one.
    #[error("the file is not a readable XLSX workbook: {0}")]
    Archive(String),
    /// The workbook has no worksheet.
    #[error("the workbook has no worksheet")]
    NoSheet,
    /// A part of the workbook is too large to be a reasonable import.
    #[error("the workbook's {0} is too large")]
    TooLarge(&'static str),
}

/// The most bytes one part of the workbook may inflate to (a ZIP bomb stops here).
const MAX_PART: u64 = 256 * 1024 * 1024;

/// Whether the bytes start like a ZIP archive (an XLSX file is one).
pub fn looks_like_xlsx(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
}

fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    what: &'static str,
) -> Result<Option<String>, XlsxError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(XlsxError::Archive(e.to_string())),
    };
    let mut text = String::new();
    let read = file
        .take(MAX_PART + 1)
        .read_to_string(&mut text)
        .map_err(|e| XlsxError::Archive(e.to_string()))?;
    if read as u64 > MAX_PART {
        return Err(XlsxError::TooLarge(what));
    }
    Ok(Some(text))
}

/// The first worksheet of the workbook in `reader`, as CSV text.
pub fn first_sheet_as_csv<R: Read + Seek>(reader: R) -> Result<String, XlsxError> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|e| XlsxError::Archive(e.to_string()))?;
    let sheet_name = first_sheet_path(&mut zip)?;
    let shared = match read_part(&mut zip, "xl/sharedStrings.xml", "shared strings")? {
        Some(xml) => shared_strings(&xml),
        None => Vec::new(),
    };
    let sheet = read_part(&mut zip, &sheet_name, "worksheet")?.ok_or(XlsxError::NoSheet)?;
    Ok(sheet_to_csv(&sheet, &shared))
}

/// The path of the workbook's first sheet: from the workbook and its relations, or else the
/// lowest-numbered `xl/worksheets/sheetN.xml`.
fn first_sheet_path<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<String, XlsxError> {
    let workbook = read_part(zip, "xl/workbook.xml", "workbook")?;
    let rels = read_part(zip, "xl/_rels/workbook.xml.rels", "relations")?;
    if let (Some(wb), Some(rels)) = (workbook, rels) {
        let first_id = tags(&wb)
            .find(|t| t.name == "sheet")
            .and_then(|t| t.attr("r:id"));
        if let Some(id) = first_id {
            let target = tags(&rels)
                .find(|t| t.name == "Relationship" && t.attr("Id").as_deref() == Some(&id))
                .and_then(|t| t.attr("Target"));
            if let Some(target) = target {
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_owned(),
                    None => format!("xl/{target}"),
                };
                if zip.index_for_name(&path).is_some() {
                    return Ok(path);
                }
            }
        }
    }
    let mut sheets: Vec<(u32, String)> = zip
        .file_names()
        .filter_map(|n| {
            let n = n.ok()?;
            let num = n
                .strip_prefix("xl/worksheets/sheet")?
                .strip_suffix(".xml")?
                .parse()
                .ok()?;
            Some((num, n.into_owned()))
        })
        .collect();
    sheets.sort();
    sheets
        .into_iter()
        .next()
        .map(|(_, n)| n)
        .ok_or(XlsxError::NoSheet)
}

/// One XML tag: its name (with prefix), raw attributes, whether it closes (`</x>`) or is
/// empty (`<x/>`), and where the text after it starts.
struct Tag<'a> {
    name: &'a str,
    attrs: &'a str,
    closing: bool,
    empty: bool,
    end: usize,
}

impl Tag<'_> {
    fn attr(&self, key: &str) -> Option<String> {
        let mut rest = self.attrs;
        while let Some(eq) = rest.find('=') {
            let k = rest[..eq].trim();
            let after = rest[eq + 1..].trim_start();
            let quote = after.chars().next()?;
            let body = &after[1..];
            let close = body.find(quote)?;
            if k == key {
                return Some(unescape(&body[..close]));
            }
            rest = &body[close + 1..];
        }
        None
    }
}

/// The tags of an XML text, in order (comments, declarations and CDATA are skipped).
fn tags(xml: &str) -> impl Iterator<Item = Tag<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let open = at + xml.get(at..)?.find('<')?;
        let close = open + xml[open..].find('>')?;
        at = close + 1;
        let inner = &xml[open + 1..close];
        if inner.starts_with('?') || inner.starts_with('!') {
            continue;
        }
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let empty = inner.ends_with('/');
        let inner = inner.trim_end_matches('/');
        let (name, attrs) = match inner.find(char::is_whitespace) {
            Some(i) => (&inner[..i], &inner[i..]),
            None => (inner, ""),
        };
        return Some(Tag {
            name,
            attrs,
            closing,
            empty,
            end: at,
        });
    })
}

/// The text from `from` to the next tag.
fn text_at(xml: &str, from: usize) -> &str {
    let rest = xml.get(from..).unwrap_or("");
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

/// Decodes the five XML entities and character references.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let Some(semi) = after.find(';') else {
            out.push_str(after);
            return out;
        };
        let entity = &after[1..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The shared strings, in order: each `<si>` is the concatenation of its `<t>` texts.
fn shared_strings(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for tag in tags(xml) {
        match (tag.name, tag.closing) {
            ("si", false) if tag.empty => out.push(String::new()),
            ("si", false) => current = Some(String::new()),
            ("si", true) => out.push(current.take().unwrap_or_default()),
            ("t", false) if !tag.empty => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&unescape(text_at(xml, tag.end)));
                }
            }
            // Phonetic runs are a reading aid, not part of the text.
            ("rPh", false) if !tag.empty => {}
            _ => {}
        }
    }
    out
}

/// The zero-based column of a cell reference such as `AB12`.
fn column_index(reference: &str) -> Option<usize> {
    let letters: String = reference
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters.bytes().fold(0usize, |n, b| {
        n * 26 + usize::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    Some(n - 1)
}

/// The worksheet's rows as CSV: one line per row number (missing rows are empty lines, which
/// a CSV reader skips), as many fields as the header row.
fn sheet_to_csv(xml: &str, shared: &[String]) -> String {
    let mut rows: Vec<(usize, HashMap<usize, String>)> = Vec::new();
    let mut row: Option<(usize, HashMap<usize, String>)> = None;
    let mut next_row = 1;
    let mut cell: Option<(usize, Option<String>)> = None;
    let mut next_col = 0;
    let mut value = String::new();
    for tag in tags(xml) {
        match (tag.name, tag.closing) {
            ("row", false) => {
                let n = tag
                    .attr("r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or(next_row);
                next_row = n + 1;
                next_col = 0;
                if tag.empty {
                    rows.push((n, HashMap::new()));
                } else {
                    row = Some((n, HashMap::new()));
                }
            }
            ("row", true) => rows.extend(row.take()),
            ("c", false) => {
                let col = tag
                    .attr("r")
                    .and_then(|r| column_index(&r))
                    .unwrap_or(next_col);
                next_col = col + 1;
                value.clear();
                if !tag.empty {
                    cell = Some((col, tag.attr("t")));
                }
            }
            ("c", true) => {
                if let (Some((col, kind)), Some((_, cells))) = (cell.take(), row.as_mut()) {
                    let v = match kind.as_deref() {
                        Some("s") => value
                            .trim()
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| shared.get(i).cloned())
                            .unwrap_or_default(),
                        Some("b") => if value.trim() == "1" { "TRUE" } else { "FALSE" }.to_owned(),
                        _ => value.clone(),
                    };
                    cells.insert(col, v);
                }
            }
            ("v", false) | ("t", false) if cell.is_some() && !tag.empty => {
                value.push_str(&unescape(text_at(xml, tag.end)));
            }
            _ => {}
        }
    }
    let width = rows
        .first()
        .map(|(_, cells)| cells.keys().max().map_or(0, |m| m + 1))
        .unwrap_or(0);
    let mut out = String::new();
    let mut line = 1;
    for (n, cells) in rows {
        while line < n {
            out.push('\n');
            line += 1;
        }
        if n < line {
            continue;
        }
        if cells.values().any(|v| !v.trim().is_empty()) {
            let fields: Vec<String> = (0..width)
                .map(|c| {
                    let v = cells.get(&c).map_or("", String::as_str);
                    let v = v.replace(['\r', '\n'], " ");
                    if v.contains([',', '"']) || v.starts_with(' ') || v.ends_with(' ') {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        v
                    }
                })
                .collect();
            out.push_str(&fields.join(","));
        }
        out.push('\n');
        line += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_reads_as_csv_with_its_row_numbers() {
        let shared = shared_strings(
            r#"<sst><si><t>Số vụ án</t></si><si><r><t>Đơn </t></r><r><t>vị</t></r></si><si><t>A &amp; B, "C"</t></si></sst>"#,
        );
        assert_eq!(shared, ["Số vụ án", "Đơn vị", "A & B, \"C\""]);
        let sheet = r#"<?xml version="1.0"?><worksheet><sheetData>
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>Điều</t></is></c></row>
            <row r="2"><c r="A2" t="s"><v>2</v></c><c r="C2"><v>173</v></c></row>
            <row r="4"><c r="B4" t="str"><v>x
y</v></c><c r="C4" t="b"><v>1</v></c></row>
            </sheetData></worksheet>"#;
        let csv = sheet_to_csv(sheet, &shared);
        assert_eq!(
            csv,
            "Số vụ án,Đơn vị,Điều\n\"A & B, \"\"C\"\"\",,173\n\n,x y,TRUE\n"
        );
    }

    #[test]
    fn cell_references_and_entities() {
        assert_eq!(column_index("A1"), Some(0));
        assert_eq!(column_index("Z9"), Some(25));
        assert_eq!(column_index("AA10"), Some(26));
        assert_eq!(column_index("12"), None);
        assert_eq!(
            unescape("&lt;a&gt; &#272;&#x1EA1;i &bogus;"),
            "<a> Đại &bogus;"
        );
    }

    #[test]
    fn a_workbook_written_by_the_report_exporter_reads_back() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "case_ref").unwrap();
        ws.write_string(0, 1, "Điều").unwrap();
        ws.write_string(1, 0, "VA-1").unwrap();
        ws.write_number(1, 1, 173.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        assert!(looks_like_xlsx(&bytes));
        let csv = first_sheet_as_csv(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(csv, "case_ref,Điều\nVA-1,173\n");
        assert!(first_sheet_as_csv(std::io::Cursor::new(b"a,b\n".to_vec())).is_err());
    }
}
