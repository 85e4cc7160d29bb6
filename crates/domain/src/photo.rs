//! Photos from the scene: which images are taken, and stripping the metadata that a phone
//! writes into them (the place it was taken, the device's serial numbers, the owner's name)
//! before they are stored. Where the officer wants the place kept, it is kept as a point
//! beside the photo, never inside it.
//!
//! JPEG: the APP1 segments (Exif, XMP), APP13 (IPTC) and comments are dropped; the picture
//! data and the segments a decoder needs (JFIF, ICC profile, Adobe) are kept byte for byte.
//! PNG: the `eXIf` chunk and text chunks are dropped. Anything else is refused. A phone's
//! camera rotation lives in Exif: the field app redraws each photo upright before sending it.

use std::fmt;

/// The largest photo taken, bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// Why a photo is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoError {
    /// Larger than [`MAX_PHOTO_BYTES`].
    TooLarge(usize),
    /// Not a JPEG or PNG image.
    NotAnImage,
    /// It starts like one but its structure is broken at this byte offset.
    Malformed(usize),
}

impl fmt::Display for PhotoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhotoError::TooLarge(n) => write!(
                f,
                "the photo has {n} bytes; at most {MAX_PHOTO_BYTES} are taken"
            ),
            PhotoError::NotAnImage => f.write_str("only JPEG and PNG photos are taken"),
            PhotoError::Malformed(at) => write!(f, "the image is damaged at byte {at}"),
        }
    }
}

impl std::error::Error for PhotoError {}

/// A photo's format, by its first bytes (never by what the sender claims).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
}

impl Format {
    /// The content type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
        }
    }

    fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else {
            None
        }
    }
}

/// Checks a photo and answers its format and its bytes without metadata.
pub fn strip_metadata(bytes: &[u8]) -> Result<(Format, Vec<u8>), PhotoError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    let format = Format::sniff(bytes).ok_or(PhotoError::NotAnImage)?;
    let clean = match format {
        Format::Jpeg => strip_jpeg(bytes)?,
        Format::Png => strip_png(bytes)?,
    };
    Ok((format, clean))
}

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    loop {
        // Fill bytes (0xFF runs) may precede a marker.
        if b.get(i) != Some(&0xFF) {
            return Err(PhotoError::Malformed(i));
        }
        while b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let marker = *b.get(i + 1).ok_or(PhotoError::Malformed(i))?;
        match marker {
            // End of image without picture data.
            0xD9 => return Err(PhotoError::Malformed(i)),
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len_at = i + 2;
        let len = match b.get(len_at..len_at + 2) {
            Some(l) => usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => return Err(PhotoError::Malformed(len_at)),
        };
        let end = len_at + len;
        if len < 2 || end > b.len() {
            return Err(PhotoError::Malformed(len_at));
        }
        // APP1 (Exif, XMP), APP13 (IPTC) and comments carry metadata.
        let metadata = matches!(marker, 0xE1 | 0xED | 0xFE);
        if !metadata {
            out.extend_from_slice(&b[i..end]);
        }
        if marker == 0xDA {
            // Start of scan: the compressed picture and everything after it are kept.
            out.extend_from_slice(&b[end..]);
            return Ok(out);
        }
        i = end;
    }
}

fn strip_png(b: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut i = 8;
    loop {
        let head = b.get(i..i + 8).ok_or(PhotoError::Malformed(i))?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let end = i
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|&n| n <= b.len())
            .ok_or(PhotoError::Malformed(i))?;
        let metadata = matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt");
        if !metadata {
            out.extend_from_slice(&b[i..end]);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// A JPEG's structure: JFIF, Exif with a GPS tag, XMP, a comment, ICC, tables, the scan.
    fn jpeg() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, b"Exif\0\0MM\0*GPSLatitude 21.0285"));
        j.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>"));
        j.extend(segment(0xFE, b"Nguyen Van A's phone"));
        j.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01"));
        j.extend(segment(0xDB, &[0u8; 65]));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
        // Scan data with a stuffed 0xFF00 and a restart marker, then the end.
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]);
        j
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn jpeg_metadata_goes_and_the_picture_stays() {
        let (format, clean) = strip_metadata(&jpeg()).unwrap();
        assert_eq!(format, Format::Jpeg);
        assert!(!contains(&clean, b"GPSLatitude"));
        assert!(!contains(&clean, b"xmpmeta"));
        assert!(!contains(&clean, b"Nguyen Van A"));
        assert!(contains(&clean, b"JFIF"));
        assert!(contains(&clean, b"ICC_PROFILE"));
        assert!(clean.ends_with(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]));
        // Stripping twice changes nothing more.
        assert_eq!(strip_metadata(&clean).unwrap().1, clean);
    }

    #[test]
    fn png_text_and_exif_chunks_go() {
        fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        }
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        p.extend(chunk(b"IHDR", &[0; 13]));
        p.extend(chunk(b"eXIf", b"MM\0*GPS"));
        p.extend(chunk(b"tEXt", b"Author\0Someone"));
        p.extend(chunk(b"IDAT", &[7; 20]));
        p.extend(chunk(b"IEND", &[]));
        let (format, clean) = strip_metadata(&p).unwrap();
        assert_eq!(format, Format::Png);
        assert!(!contains(&clean, b"GPS") && !contains(&clean, b"Someone"));
        assert!(contains(&clean, b"IDAT") && clean.ends_with(&chunk(b"IEND", &[])));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(strip_metadata(b"GIF89a...."), Err(PhotoError::NotAnImage));
        assert_eq!(strip_metadata(b""), Err(PhotoError::NotAnImage));
        let big = vec![0u8; MAX_PHOTO_BYTES + 1];
        assert_eq!(
            strip_metadata(&big),
            Err(PhotoError::TooLarge(MAX_PHOTO_BYTES + 1))
        );
        let j = jpeg();
        // Cut inside a segment, and cut before the scan.
        assert!(matches!(
            strip_metadata(&j[..30]),
            Err(PhotoError::Malformed(_))
        ));
        assert!(matches!(
            strip_metadata(&[0xFF, 0xD8, 0xFF, 0xD9]),
            Err(PhotoError::Malformed(_))
        ));
        assert!(matches!(
            strip_metadata(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
            Err(PhotoError::Malformed(_))
        ));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A cheap sweep over truncations and byte flips of a valid image.
        let j = jpeg();
        for cut in 0..j.len() {
            let _ = strip_metadata(&j[..cut]);
        }
        for at in 0..j.len() {
            let mut k = j.clone();
            k[at] ^= 0xFF;
            let _ = strip_metadata(&k);
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_after_an_image_signature_never_panic(
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            png in proptest::prelude::any::<bool>(),
        ) {
            let mut b = if png { b"\x89PNG\r\n\x1a\n".to_vec() } else { vec![0xFF, 0xD8, 0xFF] };
            b.extend(tail);
            if let Ok((_, clean)) = strip_metadata(&b) {
                proptest::prop_assert!(clean.len() <= b.len());
            }
        }
    }
}
