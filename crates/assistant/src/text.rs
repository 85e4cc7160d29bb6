//! Vietnamese text analysis for matching citizens' messages: syllable tokens with and without
//! diacritics, one tone placement for "hoà/hòa" and "thuỷ/thủy", the abbreviation and teen-code
//! table, stopwords, and edit-distance-1 typo repair against a vocabulary.
//!
//! Every matcher in this crate (retrieval, emergency rules, declines, report intake, operator
//! extraction) reads text through [`analyze`], so the same message is understood the same way
//! everywhere. Folding itself is [`domain::text::normalize`] / [`domain::text::fold`].

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

/// One syllable of a message: `norm` keeps diacritics (canonical tone placement, lower case,
/// NFC), `fold` is the same syllable without any diacritic (`đ` → `d`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower-case NFC syllable with diacritics, tone on the canonical vowel.
    pub norm: String,
    /// The syllable without diacritics.
    pub fold: String,
}

impl Token {
    /// Builds a token from one already-normalised syllable.
    pub fn new(norm: &str) -> Token {
        let norm = canonical_syllable(norm);
        let fold = domain::text::fold(&norm);
        Token { norm, fold }
    }

    /// Whether the syllable carries any diacritic (a folded-only match is then less certain).
    pub fn has_diacritics(&self) -> bool {
        self.norm != self.fold
    }

    /// Whether this message token matches a pattern syllable: exactly, or, when the message
    /// token was typed without diacritics, by its folded form.
    pub fn matches(&self, pattern: &Token) -> bool {
        self.norm == pattern.norm || (!self.has_diacritics() && self.fold == pattern.fold)
    }
}

/// Tone marks as combining characters (after NFD): grave, acute, hook above, tilde, dot below.
const TONE_MARKS: [char; 5] = ['\u{0300}', '\u{0301}', '\u{0309}', '\u{0303}', '\u{0323}'];

/// Moves the tone of an open "oa", "oe" or "uy" syllable ending onto its first vowel, so that
/// the old style ("hoà", "khoẻ", "thuỷ") and the new style ("hòa", "khỏe", "thủy") become one
/// form. "qu" + "y" ("quý") is left alone: there the "u" belongs to the consonant.
pub fn canonical_tone(syllable: &str) -> String {
    let chars: Vec<char> = syllable.chars().collect();
    let n = chars.len();
    if n < 2 {
        return syllable.to_string();
    }
    let first = chars[n - 2];
    let last = chars[n - 1];
    let (last_base, tone) = split_tone(last);
    let Some(tone) = tone else {
        return syllable.to_string();
    };
    let pair_ok = matches!(
        (first, last_base.as_str()),
        ('o', "a") | ('o', "ă") | ('o', "e") | ('u', "y")
    );
    if !pair_ok || (first == 'u' && n >= 3 && chars[n - 3] == 'q') {
        return syllable.to_string();
    }
    let mut out: String = chars[..n - 2].iter().collect();
    let toned: String = [first, tone].into_iter().nfc().collect();
    out.push_str(&toned);
    out.push_str(&last_base);
    out
}

/// Canonical spelling of a syllable: [`canonical_tone`], then the "i"/"y" spelling variants
/// after k, l, m, s and qu ("kí"/"ký", "lí"/"lý", "kĩ"/"kỹ", "mĩ"/"mỹ", "sĩ"/"sỹ", "quí"/"quý")
/// written with "y".
pub fn canonical_syllable(syllable: &str) -> String {
    let toned = canonical_tone(syllable);
    let chars: Vec<char> = toned.chars().collect();
    let (onset, vowel) = match chars.as_slice() {
        [c, v] if matches!(c, 'k' | 'l' | 'm' | 's') => (c.to_string(), *v),
        ['q', 'u', v] => ("qu".to_string(), *v),
        _ => return toned,
    };
    let (base, tone) = split_tone(vowel);
    if base != "i" {
        return toned;
    }
    let mut out = onset;
    match tone {
        Some(t) => out.extend(['y', t].into_iter().nfc()),
        None => out.push('y'),
    }
    out
}

/// Splits a precomposed vowel into its base (keeping vowel marks such as the breve) and tone.
fn split_tone(ch: char) -> (String, Option<char>) {
    let mut base = String::new();
    let mut tone = None;
    for c in std::iter::once(ch).nfd() {
        if TONE_MARKS.contains(&c) {
            tone = Some(c);
        } else {
            base.push(c);
        }
    }
    (base.nfc().collect(), tone)
}

/// The abbreviation and teen-code table shipped with the crate (`data/abbreviations.tsv`).
const ABBREVIATIONS_TSV: &str = include_str!("../data/abbreviations.tsv");

/// Abbreviations, teen-code spellings and their expansions, keyed by the lower-cased token as
/// typed.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    expansions: HashMap<String, Vec<String>>,
}

impl Lexicon {
    /// Parses a table of `abbreviation<TAB>expansion` lines; `#` starts a comment line.
    /// Returns the line number and text of the first malformed line on error.
    pub fn parse(tsv: &str) -> Result<Lexicon, (usize, String)> {
        let mut expansions = HashMap::new();
        for (i, line) in tsv.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let mut parts = trimmed.splitn(2, '\t');
            let key = parts
                .next()
                .map(domain::text::normalize)
                .unwrap_or_default();
            let value = parts
                .next()
                .map(domain::text::normalize)
                .unwrap_or_default();
            if key.is_empty() || value.is_empty() || key.contains(' ') {
                return Err((i + 1, line.to_string()));
            }
            let words = value.split(' ').map(canonical_syllable).collect();
            expansions.insert(key, words);
        }
        Ok(Lexicon { expansions })
    }

    /// The built-in table. It is compiled into the crate and checked by a unit test.
    pub fn builtin() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| Lexicon::parse(ABBREVIATIONS_TSV).unwrap_or_default())
    }

    /// The expansion of one lower-cased token, if it is an abbreviation.
    pub fn expand(&self, token: &str) -> Option<&[String]> {
        self.expansions.get(token).map(Vec::as_slice)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.expansions.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.expansions.is_empty()
    }
}

/// Splits a message into syllable tokens: NFC, lower case, punctuation removed, canonical tone
/// placement, abbreviations and teen-code expanded.
pub fn analyze(text: &str) -> Vec<Token> {
    analyze_with(text, Lexicon::builtin())
}

/// [`analyze`] with a given abbreviation table.
pub fn analyze_with(text: &str, lexicon: &Lexicon) -> Vec<Token> {
    /// Words after which a name follows: "sông hong" is the Red River, not "sông không".
    const BEFORE_NAME: &[&str] = &[
        "song", "ho", "pho", "duong", "phuong", "xa", "cau", "cho", "ngo", "quan", "huyen", "tinh",
        "thon", "lang", "nui", "benh", "vien",
    ];
    let normalized = domain::text::normalize(text);
    let mut out = Vec::new();
    let mut previous = String::new();
    for word in normalized.split(' ').filter(|w| !w.is_empty()) {
        let squeezed = squeeze_repeats(word);
        let word = squeezed.as_str();
        // "sông hong" is the Red River, but "đường ko thở" has no street named "ko".
        let after_place_word = BEFORE_NAME.contains(&previous.as_str()) && could_be_syllable(word);
        previous = domain::text::fold(word);
        match lexicon.expand(word).filter(|_| !after_place_word) {
            Some(expansion) => out.extend(expansion.iter().map(|w| Token::new(w))),
            None => out.push(Token::new(word)),
        }
    }
    out
}

/// Whether a word is spelt like a Vietnamese syllable, so it may be part of a name: it has a
/// vowel, no letter Vietnamese does not use, and no "k" before a, o or u ("ko" is never a name,
/// "hong" may be).
fn could_be_syllable(word: &str) -> bool {
    let folded = domain::text::fold(word);
    let has_vowel = folded.chars().any(|c| "aeiouy".contains(c));
    let foreign = folded
        .chars()
        .any(|c| "fjwz".contains(c) || c.is_ascii_digit());
    let bad_k = folded.starts_with('k')
        && !folded.starts_with("kh")
        && folded.chars().nth(1).is_some_and(|c| "aou".contains(c));
    has_vowel && !foreign && !bad_k
}

/// A word typed with a letter held down ("chayyy", "cuuuu") as it is meant: no Vietnamese
/// syllable repeats a letter three times. Digits are left alone ("1000", "0999").
fn squeeze_repeats(word: &str) -> String {
    // Abbreviations have no vowel and may repeat a letter ("pccc", "cccd").
    if !domain::text::fold(word)
        .chars()
        .any(|c| "aeiouy".contains(c))
    {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    let mut run = 0;
    for c in word.chars() {
        if Some(c) == last && c.is_alphabetic() {
            run += 1;
        } else {
            last = Some(c);
            run = 1;
        }
        if run == 1 {
            out.push(c);
        } else if run == 2 {
            // A doubled letter may be real ("xoong", "quốc lộ 1AA"); keep it unless a third follows.
            out.push(c);
        } else if run == 3 {
            out.pop();
        }
    }
    out
}

/// Splits text into tokens without expanding abbreviations (used for knowledge-base articles,
/// which are written in full).
pub fn analyze_plain(text: &str) -> Vec<Token> {
    domain::text::normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(Token::new)
        .collect()
}

/// Function words and chat particles that carry no topic, written with diacritics. They are
/// left out of unigram terms and of coverage, but kept inside bigrams ("không" matters in
/// "không đăng ký").
const STOPWORDS: &[&str] = &[
    "và", "của", "là", "thì", "mà", "các", "những", "được", "cho", "với", "có", "không", "này",
    "đó", "ở", "tôi", "bạn", "ạ", "nhé", "nha", "ơi", "gì", "nào", "sao", "thế", "em", "anh",
    "chị", "mình", "hỏi", "xin", "vậy", "hả", "à", "dạ", "vâng", "ừ", "ok", "oke", "rồi", "sẽ",
    "đang", "cần", "phải", "muốn", "biết", "giúp", "hộ", "như", "bao", "nhiêu", "ai", "đâu", "khi",
    "nếu", "kia", "ấy", "một", "làm", "cái", "về", "trong", "từ", "đến", "vì", "nên", "hay",
    "hoặc", "chào", "hello", "hi", "ad", "admin", "shop", "nhỉ", "đi", "luôn", "bị", "cũng", "vào",
    "ra", "lên", "qua", "lại", "thêm", "rất", "quá", "ta", "chúng", "ông", "bà", "thì", "mấy",
    "nữa", "đã", "vẫn", "còn", "thể", "cách", "gì", "người", "ngày",
];

/// Folded forms that stand for a stopword but also for a content word ("can" may be "cần" or
/// "căn"): a token typed without diacritics is not dropped for these.
const AMBIGUOUS_FOLDS: &[&str] = &[
    "can", "dau", "cho", "ngay", "nguoi", "con", "the", "nha", "ra", "bao", "ho", "hoi", "ba",
    "ong", "lai", "cach", "ve", "tu", "da",
];

/// Whether a token is a stopword: by its diacritic form, or, for a token typed without
/// diacritics, by a folded form that is not ambiguous.
pub fn is_stopword(token: &Token) -> bool {
    struct Sets {
        norm: std::collections::HashSet<String>,
        fold: std::collections::HashSet<String>,
    }
    static SETS: OnceLock<Sets> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        let norm: std::collections::HashSet<String> =
            STOPWORDS.iter().map(|w| canonical_syllable(w)).collect();
        let fold = norm
            .iter()
            .map(|w| domain::text::fold(w))
            .filter(|f| !AMBIGUOUS_FOLDS.contains(&f.as_str()))
            .collect();
        Sets { norm, fold }
    });
    if token.has_diacritics() {
        sets.norm.contains(&token.norm)
    } else {
        sets.norm.contains(&token.norm) || sets.fold.contains(&token.fold)
    }
}

/// Question-word pairs typed without diacritics whose second syllable is ambiguous on its own
/// ("dau" may be "đầu", but "o dau" is "ở đâu").
const STOP_PAIRS: &[(&str, &str)] = &[
    ("o", "dau"),
    ("the", "nao"),
    ("nhu", "the"),
    ("bao", "nhieu"),
    ("cho", "nao"),
    ("lam", "sao"),
    ("duoc", "khong"),
    ("co", "khong"),
    ("nguoi", "ta"),
    ("the", "nay"),
    ("cho", "em"),
    ("cho", "toi"),
    ("cho", "minh"),
    ("khi", "nao"),
    ("luc", "nao"),
];

/// Which tokens are stopwords, looking at neighbours for ambiguous folded syllables.
pub fn stop_mask(tokens: &[Token]) -> Vec<bool> {
    let mut mask: Vec<bool> = tokens.iter().map(is_stopword).collect();
    for i in 0..tokens.len().saturating_sub(1) {
        let (a, b) = (&tokens[i], &tokens[i + 1]);
        if STOP_PAIRS.contains(&(a.fold.as_str(), b.fold.as_str())) {
            if !a.has_diacritics() {
                mask[i] = true;
            }
            if !b.has_diacritics() {
                mask[i + 1] = true;
            }
        }
    }
    mask
}

/// Damerau–Levenshtein distance capped at 2 (returns 2 for anything further), on chars.
pub fn edit_distance_at_most_one(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if prefix == la && prefix == lb {
        return true;
    }
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    if la == lb {
        // substitution of one char, or transposition of two neighbours
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if la > lb {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

/// Finds the best replacement for an unknown folded syllable of at least four letters: a
/// vocabulary syllable at edit distance one, the most frequent one winning (ties broken
/// alphabetically so the choice is stable).
pub fn correct_typo<'a, I>(word: &str, vocabulary: I) -> Option<&'a str>
where
    I: IntoIterator<Item = (&'a str, u32)>,
{
    correct_typo_min(word, 4, vocabulary)
}

/// [`correct_typo`] with another minimum length (3 is used for syllables typed with
/// diacritics, which are unlikely to be foreign words or codes).
pub fn correct_typo_min<'a, I>(word: &str, min_len: usize, vocabulary: I) -> Option<&'a str>
where
    I: IntoIterator<Item = (&'a str, u32)>,
{
    if word.chars().count() < min_len || word.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let mut best: Option<(&'a str, u32)> = None;
    for (candidate, freq) in vocabulary {
        if candidate == word || !edit_distance_at_most_one(word, candidate) {
            continue;
        }
        best = match best {
            Some((b, f)) if f > freq || (f == freq && b < candidate) => Some((b, f)),
            _ => Some((candidate, freq)),
        };
    }
    best.map(|(w, _)| w)
}

/// A phrase to look for in a message, as tokens (no abbreviation expansion).
#[derive(Debug, Clone)]
pub struct Phrase {
    tokens: Vec<Token>,
    strict: bool,
}

impl Phrase {
    /// Builds a phrase from text written with diacritics. A leading `=` makes it strict: the
    /// message must then carry the same diacritics (for syllables whose folded form is another
    /// common word, such as "nổ"/"no" or "sập"/"sắp").
    pub fn new(text: &str) -> Phrase {
        let (strict, text) = match text.strip_prefix('=') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        Phrase {
            tokens: analyze_plain(text),
            strict,
        }
    }

    /// Index of the first occurrence of the phrase in `tokens` (diacritic-tolerant per token).
    pub fn find_in(&self, tokens: &[Token]) -> Option<usize> {
        let n = self.tokens.len();
        if n == 0 || tokens.len() < n {
            return None;
        }
        let strict = self.strict;
        (0..=tokens.len() - n).find(|&i| {
            tokens[i..i + n].iter().zip(&self.tokens).all(|(t, p)| {
                if strict {
                    t.norm == p.norm
                } else {
                    t.matches(p)
                }
            })
        })
    }

    /// Whether the phrase occurs.
    pub fn is_in(&self, tokens: &[Token]) -> bool {
        self.find_in(tokens).is_some()
    }

    /// Number of syllables.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the phrase has no syllable.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// A set of phrases; matches when any of them occurs.
#[derive(Debug, Clone)]
pub struct PhraseSet {
    phrases: Vec<Phrase>,
}

impl PhraseSet {
    /// Builds the set from phrases written with diacritics.
    pub fn new(phrases: &[&str]) -> PhraseSet {
        PhraseSet {
            phrases: phrases.iter().map(|p| Phrase::new(p)).collect(),
        }
    }

    /// Whether any phrase occurs in the tokens.
    pub fn any_in(&self, tokens: &[Token]) -> bool {
        self.phrases.iter().any(|p| p.is_in(tokens))
    }

    /// Marks every token covered by an occurrence of any phrase.
    pub fn cover(&self, tokens: &[Token]) -> Vec<bool> {
        let mut covered = vec![false; tokens.len()];
        for p in &self.phrases {
            let mut start = 0;
            while start < tokens.len() {
                match p.find_in(&tokens[start..]) {
                    Some(i) => {
                        for c in &mut covered[start + i..start + i + p.len()] {
                            *c = true;
                        }
                        start += i + 1;
                    }
                    None => break,
                }
            }
        }
        covered
    }

    /// The tokens with every occurrence of the phrases replaced by a neutral token ("phòng
    /// cháy" masked so that "cháy" inside it is no fire).
    pub fn mask(&self, tokens: &[Token]) -> Vec<Token> {
        let covered = self.cover(tokens);
        tokens
            .iter()
            .zip(covered)
            .map(|(t, c)| if c { Token::new("_") } else { t.clone() })
            .collect()
    }

    /// Every occurrence of every phrase, as (position, length), in text order.
    pub fn occurrences(&self, tokens: &[Token]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for p in &self.phrases {
            let mut start = 0;
            while let Some(i) = p.find_in(&tokens[start.min(tokens.len())..]) {
                out.push((start + i, p.len()));
                start += i + 1;
            }
        }
        out.sort_unstable();
        out
    }

    /// The first matching phrase's position and length.
    pub fn first_in(&self, tokens: &[Token]) -> Option<(usize, usize)> {
        self.phrases
            .iter()
            .filter_map(|p| p.find_in(tokens).map(|i| (i, p.len())))
            .min()
    }
}

/// Joins tokens' diacritic forms with spaces.
pub fn join_norm(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| t.norm.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.fold).collect()
    }

    fn norms(text: &str) -> Vec<String> {
        analyze(text).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn held_down_letters_are_squeezed_and_numbers_kept() {
        assert_eq!(squeeze_repeats("chayyy"), "chay");
        assert_eq!(squeeze_repeats("cuuuuu"), "cu");
        assert_eq!(squeeze_repeats("xoong"), "xoong");
        assert_eq!(squeeze_repeats("1000"), "1000");
        assert_eq!(squeeze_repeats("0999"), "0999");
    }

    #[test]
    fn an_abbreviation_after_a_street_word_is_expanded_unless_it_could_be_a_name() {
        let norms = |s: &str| analyze(s).into_iter().map(|t| t.norm).collect::<Vec<_>>();
        assert_eq!(
            norms("giua duong ko tho"),
            ["giua", "duong", "không", "tho"]
        );
        assert_eq!(norms("song hong"), ["song", "hong"]);
    }

    #[test]
    fn builtin_lexicon_parses_and_is_not_empty() {
        let parsed = Lexicon::parse(ABBREVIATIONS_TSV);
        assert!(parsed.is_ok(), "{parsed:?}");
        assert!(Lexicon::builtin().len() > 40);
    }

    #[test]
    fn lexicon_reports_malformed_line() {
        let err = Lexicon::parse("ko\tkhông\n# c\nbroken line without tab\n").unwrap_err();
        assert_eq!(err.0, 3);
    }

    #[test]
    fn tone_placement_is_unified() {
        assert_eq!(canonical_tone("hoà"), "hòa");
        assert_eq!(canonical_tone("hòa"), "hòa");
        assert_eq!(canonical_tone("thuỷ"), "thủy");
        assert_eq!(canonical_tone("khoẻ"), "khỏe");
        assert_eq!(canonical_tone("quý"), "quý");
        assert_eq!(canonical_tone("hoàng"), "hoàng");
        assert_eq!(canonical_tone("xoá"), "xóa");
        assert_eq!(norms("Hoà bình, THUỶ lợi"), norms("hòa bình thủy lợi"));
        assert_eq!(canonical_syllable("kí"), "ký");
        assert_eq!(canonical_syllable("lí"), "lý");
        assert_eq!(canonical_syllable("kĩ"), "kỹ");
        assert_eq!(canonical_syllable("quí"), "quý");
        assert_eq!(canonical_syllable("ki"), "ky");
        assert_eq!(canonical_syllable("kìm"), "kìm");
        assert_eq!(canonical_syllable("thi"), "thi");
        assert_eq!(folds("đăng kí"), folds("dang ky"));
    }

    #[test]
    fn decomposed_and_composed_input_agree() {
        let nfd: String = "Đăng ký tạm trú".nfd().collect();
        assert_eq!(norms(&nfd), norms("đăng ký tạm trú"));
        assert_eq!(folds(&nfd), vec!["dang", "ky", "tam", "tru"]);
    }

    #[test]
    fn abbreviations_and_teen_code_expand() {
        assert_eq!(folds("dk tt ko"), vec!["dang", "ky", "tam", "tru", "khong"]);
        assert_eq!(
            folds("Đk CCCD"),
            vec!["dang", "ky", "can", "cuoc", "cong", "dan"]
        );
        assert_eq!(folds("hok bik"), vec!["khong", "biet"]);
        assert_eq!(
            folds("hqua bi giat tui"),
            vec!["hom", "qua", "bi", "giat", "tui"]
        );
        assert_eq!(norms("pccc")[0], "phòng");
        // a word typed with diacritics is never taken for an abbreviation
        assert_eq!(norms("cá"), vec!["cá"]);
    }

    #[test]
    fn matching_tolerates_missing_diacritics_only_on_the_message_side() {
        let phrase = Phrase::new("đang cháy");
        assert!(phrase.is_in(&analyze("nha toi dang chay")));
        assert!(phrase.is_in(&analyze("Nhà tôi ĐANG CHÁY")));
        assert!(!phrase.is_in(&analyze("nhà tôi đang chạy")));
    }

    #[test]
    fn edit_distance_one() {
        assert!(edit_distance_at_most_one("thuong", "thuongg"));
        assert!(edit_distance_at_most_one("thoung", "thuong"));
        assert!(edit_distance_at_most_one("cuoc", "cuoc"));
        assert!(edit_distance_at_most_one("tamm", "tam"));
        assert!(!edit_distance_at_most_one("thuong", "truong1"));
        assert!(!edit_distance_at_most_one("abcd", "badc"));
    }

    #[test]
    fn typo_correction_prefers_frequent_words_and_skips_short_ones() {
        let vocab = [("thuong", 10u32), ("thuoc", 2), ("truong", 5)];
        assert_eq!(
            correct_typo("thuongg", vocab.iter().copied()),
            Some("thuong")
        );
        assert_eq!(correct_typo("thuon", vocab.iter().copied()), Some("thuong"));
        assert_eq!(correct_typo("tru", vocab.iter().copied()), None);
        assert_eq!(correct_typo("xyzzy", vocab.iter().copied()), None);
    }

    proptest::proptest! {
        #[test]
        fn analysis_is_stable_under_refolding(s in "[a-zA-ZàáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐ ,.?!-]{0,60}") {
            let tokens = analyze(&s);
            for t in &tokens {
                proptest::prop_assert!(t.fold.is_ascii());
                proptest::prop_assert_eq!(domain::text::fold(&t.norm), t.fold.clone());
                proptest::prop_assert_eq!(canonical_syllable(&t.norm), t.norm.clone());
                proptest::prop_assert!(t.matches(t));
            }
        }

        #[test]
        fn edit_distance_is_symmetric(a in "[a-e]{0,6}", b in "[a-e]{0,6}") {
            proptest::prop_assert_eq!(edit_distance_at_most_one(&a, &b), edit_distance_at_most_one(&b, &a));
        }
    }
}
