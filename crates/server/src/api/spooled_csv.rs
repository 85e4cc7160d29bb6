//! A large CSV upload kept on disk instead of in memory. The request body is streamed into an
//! unnamed temporary file (it has no name, so nothing is left behind even if the process is
//! killed, and only this process can read it), checked against the size limit as it comes,
//! then indexed once: the header, and slices of at most a given number of whole records, each
//! read back on its own when it is processed. Memory stays at one slice, whatever the file.
//! An XLSX workbook is taken too: its first sheet is turned into CSV first.

use crate::api::facilities::IMPORT_LIMIT;
use crate::error::{ApiError, ErrorCode};
use axum::http::header;
use futures_util::StreamExt;
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// Data records per slice.
pub const SLICE_ROWS: usize = 2000;

/// One slice: whole records, with the file line of its first one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slice {
    first_line: u64,
    start: u64,
    end: u64,
}

/// Turns a line of a slice's own text (header first) into the line of the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineShift {
    header_lines: u64,
    first_line: u64,
}

impl LineShift {
    /// The file's line of `line` of the slice's text; the header's lines stay as they are.
    pub fn line(self, line: u64) -> u64 {
        if line <= self.header_lines {
            line
        } else {
            line + self.first_line - (self.header_lines + 1)
        }
    }
}

/// The spooled file, its header and its slices.
#[derive(Clone)]
pub struct SpooledCsv {
    file: Arc<File>,
    header: Arc<str>,
    slices: Arc<[Slice]>,
}

impl SpooledCsv {
    /// The header line(s) as sent, or the whole text when no header could be read (the
    /// parser then says what is wrong).
    pub fn header(&self) -> &str {
        &self.header
    }

    /// How many slices the file has.
    pub fn len(&self) -> usize {
        self.slices.len()
    }

    /// Whether the file has no data rows.
    pub fn is_empty(&self) -> bool {
        self.slices.is_empty()
    }

    /// Slice `i`: the file line of its first record and its text.
    pub async fn slice(&self, i: usize) -> Result<(u64, String), ApiError> {
        let Some(&slice) = self.slices.get(i) else {
            return Err(ApiError::internal(format!("no slice {i}")));
        };
        let file = self.file.clone();
        let text = tokio::task::spawn_blocking(move || read_range(&file, slice.start, slice.end))
            .await
            .map_err(ApiError::internal)??;
        Ok((slice.first_line, text))
    }

    /// Slice `i` as a CSV text of its own (the header, then its records) and how to turn a
    /// line of that text back into the file's line.
    pub async fn slice_with_header(&self, i: usize) -> Result<(String, LineShift), ApiError> {
        let (first_line, slice) = self.slice(i).await?;
        Ok(self.with_header(first_line, &slice))
    }

    /// The header alone as a CSV text (a file without records: the parser says what it
    /// lacks).
    pub fn header_alone(&self) -> (String, LineShift) {
        let lines = self.header.matches('\n').count() as u64;
        self.with_header(lines.max(1) + 1, "")
    }

    fn with_header(&self, first_line: u64, slice: &str) -> (String, LineShift) {
        let mut text = String::with_capacity(self.header.len() + slice.len() + 1);
        text.push_str(&self.header);
        if !self.header.ends_with('\n') {
            text.push('\n');
        }
        let header_lines = text.matches('\n').count() as u64;
        text.push_str(slice);
        let shift = LineShift {
            header_lines,
            first_line,
        };
        (text, shift)
    }

    #[cfg(test)]
    fn from_bytes(bytes: &[u8], rows: usize) -> Result<SpooledCsv, ApiError> {
        use std::io::Write;
        let mut file = tempfile::tempfile().map_err(ApiError::internal)?;
        file.write_all(bytes).map_err(ApiError::internal)?;
        index(file, rows)
    }
}

fn read_range(file: &File, start: u64, end: u64) -> Result<String, ApiError> {
    let len = usize::try_from(end - start).map_err(ApiError::internal)?;
    let mut buf = vec![0u8; len];
    file.read_exact_at(&mut buf, start)
        .map_err(ApiError::internal)?;
    // A body sent as binary (an XLSX workbook, `application/octet-stream`) passed the edge's
    // NUL check unread; the text taken from it is checked here.
    if buf.contains(&0) {
        return Err(ApiError::new(
            ErrorCode::NulCharacter,
            "the file contains a NUL character (\\u0000), which no field accepts",
        ));
    }
    String::from_utf8(buf).map_err(|_| not_utf8())
}

fn not_utf8() -> ApiError {
    ApiError::new(
        ErrorCode::InvalidBody,
        "the file is not UTF-8 text; save the CSV as UTF-8",
    )
}

/// A body that failed while being read: stalled (408) or broken (400).
fn body_error(e: axum::Error) -> ApiError {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(ErrorCode::Timeout, "the request body stalled");
        }
        cause = c.source();
    }
    ApiError::new(ErrorCode::InvalidBody, e.to_string())
}

fn too_large() -> ApiError {
    ApiError::new(
        ErrorCode::BodyTooLarge,
        format!(
            "an import file may be at most {} MiB; split it into several files",
            IMPORT_LIMIT / (1024 * 1024)
        ),
    )
}

/// Finds the header and the slice boundaries in one pass over the file (records, not lines:
/// a quoted field may hold line breaks).
fn index(mut file: File, rows: usize) -> Result<SpooledCsv, ApiError> {
    let rows = rows.max(1);
    let size = file.seek(SeekFrom::End(0)).map_err(ApiError::internal)?;
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(BufReader::with_capacity(256 * 1024, &file));
    let mut slices = Vec::new();
    let header_end = if reader.byte_headers().is_err() {
        // No readable header: the whole text goes to the parser, which reports it.
        size
    } else {
        let header_end = reader.position().byte().min(size);
        let mut record = csv::ByteRecord::new();
        let mut start: Option<(u64, u64)> = None;
        let mut count = 0;
        loop {
            let at = reader.position().clone();
            // An unreadable record still counts as a row; the parser reports it.
            if let Ok(false) = reader.read_byte_record(&mut record) {
                break;
            }
            let byte = at.byte().min(size);
            match start {
                None => start = Some((at.line(), byte)),
                Some((first_line, from)) if count == rows => {
                    slices.push(Slice {
                        first_line,
                        start: from,
                        end: byte,
                    });
                    start = Some((at.line(), byte));
                    count = 0;
                }
                Some(_) => {}
            }
            count += 1;
        }
        if let Some((first_line, from)) = start {
            slices.push(Slice {
                first_line,
                start: from,
                end: size,
            });
        }
        header_end
    };
    drop(reader);
    let header = read_range(&file, 0, header_end)?;
    Ok(SpooledCsv {
        file: Arc::new(file),
        header: header.into(),
        slices: slices.into(),
    })
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for SpooledCsv {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, _: &S) -> Result<Self, ApiError> {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > IMPORT_LIMIT as u64) {
            return Err(too_large());
        }
        let file = tempfile::tempfile().map_err(ApiError::internal)?;
        let mut out = tokio::fs::File::from_std(file.try_clone().map_err(ApiError::internal)?);
        let mut body = req.into_body().into_data_stream();
        let mut total = 0usize;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(body_error)?;
            total += chunk.len();
            if total > IMPORT_LIMIT {
                return Err(too_large());
            }
            tokio::io::AsyncWriteExt::write_all(&mut out, &chunk)
                .await
                .map_err(ApiError::internal)?;
        }
        tokio::io::AsyncWriteExt::flush(&mut out)
            .await
            .map_err(ApiError::internal)?;
        drop(out);
        tokio::task::spawn_blocking(move || index(from_xlsx(file)?, SLICE_ROWS))
            .await
            .map_err(ApiError::internal)?
    }
}

/// The upload as CSV: itself, or, when it is an XLSX workbook, its first sheet written out as
/// CSV to another unnamed temporary file (one line per sheet row, so the lines an import
/// reports are the sheet's row numbers).
fn from_xlsx(mut file: File) -> Result<File, ApiError> {
    use std::io::{Read, Write};
    let mut head = [0u8; 4];
    // The body was written through a clone that shares the offset: read from the start.
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    let n = file.read(&mut head).map_err(ApiError::internal)?;
    file.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    if !crate::api::xlsx_sheet::looks_like_xlsx(&head[..n]) {
        return Ok(file);
    }
    let csv = crate::api::xlsx_sheet::first_sheet_as_csv(BufReader::new(&file))
        .map_err(|e| ApiError::new(ErrorCode::InvalidBody, e.to_string()))?;
    let mut out = tempfile::tempfile().map_err(ApiError::internal)?;
    out.write_all(csv.as_bytes()).map_err(ApiError::internal)?;
    out.seek(SeekFrom::Start(0)).map_err(ApiError::internal)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn slices(text: &str, rows: usize) -> (String, Vec<(u64, String)>) {
        let csv = SpooledCsv::from_bytes(text.as_bytes(), rows).unwrap();
        let mut out = Vec::new();
        for i in 0..csv.len() {
            out.push(csv.slice(i).await.unwrap());
        }
        (csv.header().to_owned(), out)
    }

    #[tokio::test]
    async fn slices_end_on_records_and_keep_their_line_numbers() {
        let text = "a,b\n1,x\n2,\"two\nlines\"\n3,y\n4,z\n";
        let (header, s) = slices(text, 2).await;
        assert_eq!(header, "a,b\n");
        assert_eq!(
            s,
            vec![
                (2, "1,x\n2,\"two\nlines\"\n".to_owned()),
                (5, "3,y\n4,z\n".to_owned()),
            ]
        );
        // Every byte after the header is in exactly one slice.
        let joined: String = s.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(format!("{header}{joined}"), text);
    }

    #[tokio::test]
    async fn a_slice_read_with_its_header_maps_lines_back_to_the_file() {
        let text = "a,b\n1,x\n2,\"two\nlines\"\n3,y\n4,z\n";
        let csv = SpooledCsv::from_bytes(text.as_bytes(), 2).unwrap();
        let (second, shift) = csv.slice_with_header(1).await.unwrap();
        assert_eq!(second, "a,b\n3,y\n4,z\n");
        // "3,y" is line 2 of the slice's text and line 5 of the file.
        assert_eq!((shift.line(1), shift.line(2), shift.line(3)), (1, 5, 6));
        let (first, shift) = csv.slice_with_header(0).await.unwrap();
        assert!(first.starts_with("a,b\n1,x"));
        assert_eq!(shift.line(2), 2);
    }

    #[tokio::test]
    async fn a_header_alone_has_no_slices_and_no_newline_is_fine() {
        assert_eq!(slices("a,b\n", 10).await, ("a,b\n".to_owned(), vec![]));
        let (_, s) = slices("a,b\n1,x", 10).await;
        assert_eq!(s, vec![(2, "1,x".to_owned())]);
        assert_eq!(slices("", 10).await.1, vec![]);
    }

    #[tokio::test]
    async fn a_slice_that_is_not_utf8_is_a_clear_error() {
        let mut bytes = b"a,b\n1,".to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
        let csv = SpooledCsv::from_bytes(&bytes, 10).unwrap();
        let e = csv.slice(0).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidBody);
    }
}
