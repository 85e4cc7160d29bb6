//! Vietnamese text folding shared by every matcher: unit names, addresses, person names and
//! the assistant's retrieval all compare text after the same normalisation.
//!
//! Two forms exist. [`normalize`] keeps diacritics (NFC, lower case, single spaces) so that
//! "ca", "cá" and "cà" stay different. [`fold`] removes them as well (and maps `đ` to `d`), which
//! is how people type on phones and how old systems stored names.

use unicode_normalization::UnicodeNormalization;

/// Text as people wrote it, made safe to store and show: NFC, control characters turned into
/// spaces, runs of white space collapsed, trimmed. Case and punctuation are kept (names and
/// addresses are displayed as entered); use [`normalize`] or [`fold`] to compare.
pub fn tidy(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.nfc() {
        let ch = if ch.is_control() { ' ' } else { ch };
        if ch.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(ch);
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// NFC, lower case, punctuation turned into spaces, runs of white space collapsed.
///
/// Letters and digits of any script are kept, including combining marks (after NFC the
/// Vietnamese ones are all precomposed).
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.nfc().flat_map(char::to_lowercase) {
        push_word_char(&mut out, ch);
    }
    trim_trailing_space(&mut out);
    out
}

/// Like [`normalize`], then every diacritic removed and `đ` mapped to `d`: "Đống Đa" → "dong da".
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for ch in input.nfd().flat_map(char::to_lowercase) {
        if is_combining_mark(ch) {
            continue;
        }
        let ch = if ch == 'đ' { 'd' } else { ch };
        push_word_char(&mut out, ch);
    }
    trim_trailing_space(&mut out);
    out
}

/// The text with every Vietnamese diacritic removed (`đ` → `d`, `Đ` → `D`) and nothing else
/// changed: case, spacing and punctuation stay. For channels where diacritics cost (an SMS
/// with one accented letter is sent in UCS-2 and holds 70 characters instead of 160).
pub fn unaccent(input: &str) -> String {
    input
        .nfd()
        .filter(|&ch| !is_combining_mark(ch))
        .map(|ch| match ch {
            'đ' => 'd',
            'Đ' => 'D',
            other => other,
        })
        .nfc()
        .collect()
}

/// Whether the text contains any Vietnamese diacritic (or `đ`).
pub fn has_diacritics(input: &str) -> bool {
    input
        .nfd()
        .any(|ch| is_combining_mark(ch) || ch == 'đ' || ch == 'Đ')
}

fn push_word_char(out: &mut String, ch: char) {
    if ch.is_alphanumeric() || is_combining_mark(ch) {
        out.push(ch);
    } else if !out.is_empty() && !out.ends_with(' ') {
        out.push(' ');
    }
}

fn trim_trailing_space(out: &mut String) {
    if out.ends_with(' ') {
        out.pop();
    }
}

/// Combining diacritical marks (U+0300–U+036F): the tone and vowel marks after NFD.
fn is_combining_mark(ch: char) -> bool {
    ('\u{0300}'..='\u{036f}').contains(&ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaccent_keeps_case_and_punctuation() {
        assert_eq!(
            unaccent("Báo cháy: Tòa nhà Đông Á, 8 tầng!"),
            "Bao chay: Toa nha Dong A, 8 tang!"
        );
        assert_eq!(unaccent("ĐỐNG ĐA"), "DONG DA");
        assert_eq!(unaccent("plain ASCII 123"), "plain ASCII 123");
    }

    #[test]
    fn tidy_keeps_case_and_punctuation() {
        assert_eq!(
            tidy("  Chung cư HH2,\tLinh   Đàm\n"),
            "Chung cư HH2, Linh Đàm"
        );
        // Decomposed input comes out precomposed.
        assert_eq!(tidy("Đa\u{300}m"), "Đàm");
        assert_eq!(tidy("\u{7}"), "");
    }

    #[test]
    fn fold_removes_tones_vowel_marks_and_d_bar() {
        assert_eq!(fold("Phường Đống Đa"), "phuong dong da");
        assert_eq!(fold("Xã Hương Sơn"), "xa huong son");
        assert_eq!(fold("Văn Miếu - Quốc Tử Giám"), "van mieu quoc tu giam");
        assert_eq!(fold("Ỷ La, ữ ự"), "y la u u");
    }

    #[test]
    fn fold_accepts_decomposed_input() {
        let decomposed: String = "đăng ký tạm trú".nfd().collect();
        assert_eq!(fold(&decomposed), "dang ky tam tru");
        assert_eq!(normalize(&decomposed), "đăng ký tạm trú");
    }

    #[test]
    fn normalize_keeps_diacritics_and_collapses_space() {
        assert_eq!(normalize("  Cá,  CÀ\tca!! "), "cá cà ca");
    }

    #[test]
    fn has_diacritics_detects_marks() {
        assert!(has_diacritics("Hà Nội"));
        assert!(has_diacritics("Đa"));
        assert!(!has_diacritics("Ha Noi"));
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐ ,.-]{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            proptest::prop_assert!(once.is_ascii());
        }
    }
}
