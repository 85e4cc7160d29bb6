//! Address text → unit: finds unit, old ward and old district names inside free text and
//! ranks the units they point to.
//!
//! The rules for reading text and ranking candidates are documented on
//! [`UnitDirectory::resolve_address`].

use std::collections::HashMap;

use serde::ser::SerializeMap;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::load::{split_kind, OLD_DISTRICT_KINDS};
use super::{OldUnitLink, Province, Share, Unit, UnitDirectory};
use crate::text::{fold, has_diacritics, normalize};

/// Why an address matched a unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MatchReason<'a> {
    /// The text names the unit itself (its post-reform name).
    UnitName,
    /// The text names an old unit that went wholly or partly into this unit.
    OldUnit {
        /// The old unit as this unit's data lists it (code, name, district, share).
        old: &'a OldUnitLink,
        /// Whether the text also named the old unit's district, which confirmed the match.
        district_given: bool,
    },
    /// The text names only an old district, part of which went into this unit.
    OldDistrict {
        /// The old district's full name, e.g. "Quận Ba Đình".
        district: &'a str,
    },
}

impl MatchReason<'_> {
    fn rank(&self) -> u8 {
        match self {
            MatchReason::UnitName => 0,
            MatchReason::OldUnit { .. } => 1,
            MatchReason::OldDistrict { .. } => 2,
        }
    }
}

/// One candidate unit for an address.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressMatch<'a> {
    /// The candidate unit.
    pub unit: &'a Unit,
    /// Confidence in 0..=1; see the module documentation for the scale.
    pub score: f32,
    /// The strongest reason for this candidate.
    pub reason: MatchReason<'a>,
    /// The words of the input (normalised) that gave that reason.
    pub matched: String,
}

/// Serialises as `{"code", "full_name", "score", "reason": "unit_name"|"old_unit"|
/// "old_district", "matched", …}` with the old unit's code, name, district and share when the
/// reason is an old unit.
impl Serialize for AddressMatch<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", &self.unit.code)?;
        map.serialize_entry("full_name", &self.unit.full_name)?;
        map.serialize_entry("score", &self.score)?;
        match self.reason {
            MatchReason::UnitName => map.serialize_entry("reason", "unit_name")?,
            MatchReason::OldUnit {
                old,
                district_given,
            } => {
                map.serialize_entry("reason", "old_unit")?;
                map.serialize_entry("old_code", &old.code)?;
                map.serialize_entry("old_full_name", &old.full_name)?;
                map.serialize_entry("old_district", &old.district)?;
                map.serialize_entry("share", &old.share)?;
                map.serialize_entry("district_given", &district_given)?;
            }
            MatchReason::OldDistrict { district } => {
                map.serialize_entry("reason", "old_district")?;
                map.serialize_entry("old_district", district)?;
            }
        }
        map.serialize_entry("matched", &self.matched)?;
        map.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Entry {
    New(usize),
    Old(usize),
    District(usize),
    Province,
}

#[derive(Debug)]
struct OldEntry {
    /// Name without kind word, normalised and folded.
    norm: String,
    fold: String,
    kind: String,
    district: Option<usize>,
    /// (unit index, index into that unit's `old_units`).
    targets: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct DistrictEntry {
    full_name: String,
    /// Name without kind word, normalised and folded.
    norm: String,
    fold: String,
    kind: String,
    /// (unit index, weight): whole old units count 1, parts ½.
    units: Vec<(usize, f32)>,
}

/// Names of one province, folded, ready for matching.
#[derive(Debug)]
pub(crate) struct AddressIndex {
    names: HashMap<String, Vec<Entry>>,
    max_tokens: usize,
    olds: Vec<OldEntry>,
    districts: Vec<DistrictEntry>,
    province_norm: String,
    /// Per unit: name normalised, name folded, kind folded.
    unit_norm: Vec<String>,
    unit_fold: Vec<String>,
    unit_kind: Vec<String>,
}

impl AddressIndex {
    pub fn build(units: &[Unit], province: &Province) -> AddressIndex {
        let mut index = AddressIndex {
            names: HashMap::new(),
            max_tokens: 1,
            olds: Vec::new(),
            districts: Vec::new(),
            province_norm: normalize(split_kind(&province.name, &["Thành phố", "Tỉnh"]).1),
            unit_norm: units.iter().map(|u| normalize(&u.name)).collect(),
            unit_fold: units.iter().map(|u| fold(&u.name)).collect(),
            unit_kind: units.iter().map(|u| fold(&u.kind_label)).collect(),
        };
        let mut old_keys: HashMap<(String, String, String), usize> = HashMap::new();
        let mut district_keys: HashMap<String, usize> = HashMap::new();
        for (u, unit) in units.iter().enumerate() {
            index.add(&unit.name, Entry::New(u));
            for (l, link) in unit.old_units.iter().enumerate() {
                let district = link.district.as_ref().map(|full| {
                    *district_keys.entry(fold(full)).or_insert_with(|| {
                        let (kind, name) = split_kind(full, &OLD_DISTRICT_KINDS);
                        index.districts.push(DistrictEntry {
                            full_name: full.clone(),
                            norm: normalize(name),
                            fold: fold(name),
                            kind: fold(kind),
                            units: Vec::new(),
                        });
                        index.districts.len() - 1
                    })
                });
                let key = (
                    link.code.clone(),
                    fold(&link.full_name),
                    link.district.as_deref().map(fold).unwrap_or_default(),
                );
                let o = *old_keys.entry(key).or_insert_with(|| {
                    index.olds.push(OldEntry {
                        norm: normalize(&link.name),
                        fold: fold(&link.name),
                        kind: fold(&link.kind),
                        district,
                        targets: Vec::new(),
                    });
                    index.olds.len() - 1
                });
                index.olds[o].targets.push((u, l));
                if let Some(d) = district {
                    let weight = if link.share == Share::Full { 1.0 } else { 0.5 };
                    let units = &mut index.districts[d].units;
                    match units.iter_mut().find(|(x, _)| *x == u) {
                        Some(entry) => entry.1 += weight,
                        None => units.push((u, weight)),
                    }
                }
            }
        }
        for o in 0..index.olds.len() {
            let name = index.olds[o].fold.clone();
            index.add(&name, Entry::Old(o));
        }
        for d in 0..index.districts.len() {
            let name = index.districts[d].fold.clone();
            index.add(&name, Entry::District(d));
        }
        let province = index.province_norm.clone();
        index.add(&province, Entry::Province);
        index
    }

    fn add(&mut self, name: &str, entry: Entry) {
        let key = fold(name);
        if key.is_empty() {
            return;
        }
        self.max_tokens = self.max_tokens.max(key.split(' ').count());
        let entries = self.names.entry(key).or_default();
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }

    /// The entry's name, normalised (diacritics kept).
    fn entry_norm(&self, entry: Entry) -> &str {
        match entry {
            Entry::New(u) => &self.unit_norm[u],
            Entry::Old(o) => &self.olds[o].norm,
            Entry::District(d) => &self.districts[d].norm,
            Entry::Province => &self.province_norm,
        }
    }
}

#[derive(Debug)]
struct Token {
    norm: String,
    fold: String,
    segment: usize,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (segment, part) in text.split([',', ';', '(', ')', '\n', '|']).enumerate() {
        for word in normalize(part).split(' ') {
            let folded = fold(word);
            if !folded.is_empty() {
                tokens.push(Token {
                    norm: word.to_owned(),
                    fold: folded,
                    segment,
                });
            }
        }
    }
    tokens
}

/// What the words before a name say it is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prefix {
    None,
    /// A commune-level kind word, folded ("phuong", "xa", "thi tran", "dac khu").
    Unit(&'static str),
    /// A district kind word, folded ("quan", "huyen", "thi xa").
    District(&'static str),
    /// "thành phố": an old city-district or the province.
    City,
    Province,
    /// A street, a house number or a place inside a unit.
    Street,
}

fn two_word_prefix(a: &str, b: &str) -> Option<Prefix> {
    Some(match (a, b) {
        ("thi", "tran") => Prefix::Unit("thi tran"),
        ("dac", "khu") => Prefix::Unit("dac khu"),
        ("thi", "xa") => Prefix::District("thi xa"),
        ("thanh", "pho") => Prefix::City,
        ("dai", "lo")
        | ("quoc", "lo")
        | ("tinh", "lo")
        | ("dan", "pho")
        | ("do", "thi")
        | ("chung", "cu")
        | ("toa", "nha")
        | ("khu", "pho") => Prefix::Street,
        _ => return None,
    })
}

fn one_word_prefix(a: &str) -> Option<Prefix> {
    Some(match a {
        "phuong" | "p" | "f" => Prefix::Unit("phuong"),
        "xa" | "x" => Prefix::Unit("xa"),
        "tt" => Prefix::Unit("thi tran"),
        "quan" | "q" => Prefix::District("quan"),
        "huyen" | "h" => Prefix::District("huyen"),
        "tx" => Prefix::District("thi xa"),
        "tp" => Prefix::City,
        "tinh" => Prefix::Province,
        "pho" | "duong" | "d" | "ngo" | "ngach" | "hem" | "kiet" | "so" | "thon" | "xom"
        | "lang" | "ap" | "ban" | "to" | "khu" | "cum" | "kdt" | "kcn" | "toa" => Prefix::Street,
        _ => return None,
    })
}

fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
}

/// Reads the words before `tokens[start]` that no other name covers.
fn prefix(tokens: &[Token], covered: &[bool], start: usize) -> Prefix {
    let free = |i: usize| !covered[i] && tokens[i].segment == tokens[start].segment;
    if start == 0 || !free(start - 1) {
        return Prefix::None;
    }
    let w1 = tokens[start - 1].fold.as_str();
    let w2 = (start >= 2 && free(start - 2)).then(|| tokens[start - 2].fold.as_str());
    if is_number(w1) {
        return Prefix::Street;
    }
    if let Some(p) = w2.and_then(|w2| two_word_prefix(w2, w1)) {
        return p;
    }
    match one_word_prefix(w1) {
        // "12 P. Kim Mã" is a street (phố); "P. Kim Mã" alone is a ward.
        Some(Prefix::Unit("phuong")) if w1 == "p" && w2.is_some_and(is_number) => Prefix::Street,
        Some(p) => p,
        None => Prefix::None,
    }
}

/// A syllable's letters with their vowel marks, and its tone mark, compared apart so that
/// "hoà" and "hòa" agree.
fn syllable_key(word: &str) -> (String, Option<char>) {
    let mut tone = None;
    let mut base = String::with_capacity(word.len());
    for c in word.nfd() {
        match c {
            '\u{0300}' | '\u{0301}' | '\u{0303}' | '\u{0309}' | '\u{0323}' => tone = Some(c),
            _ => base.push(c),
        }
    }
    (base.nfc().collect(), tone)
}

/// 1.0 when the typed diacritics agree with the name (syllables typed without any mark
/// agree with everything), 0.6 otherwise.
///
/// `name` must be normalised ([`normalize`]).
fn diacritic_factor(typed: &[Token], name: &str) -> f32 {
    let agree = typed
        .iter()
        .zip(name.split(' '))
        .all(|(t, n)| !has_diacritics(&t.norm) || syllable_key(&t.norm) == syllable_key(n));
    if agree {
        1.0
    } else {
        0.6
    }
}

#[derive(Debug)]
struct Span {
    start: usize,
    len: usize,
    entries: Vec<Entry>,
    prefix: Prefix,
    /// A bare single syllable: usable only as an old unit whose district the text names.
    weak: bool,
}

const UNCONFIRMED: f32 = 0.85;
const CONFLICT: f32 = 0.7;
const AMBIGUOUS: f32 = 0.9;
const DEMOTED_NEW: f32 = 0.7;
const CORROBORATION: f32 = 0.05;

struct Evidence<'a> {
    score: f32,
    reason: MatchReason<'a>,
    span: usize,
}

impl UnitDirectory {
    /// Candidate units for free address text, best first; empty when no unit, old unit or
    /// old district is named.
    ///
    /// Accepts new unit names ("phường Ba Đình", "P. Ba Đình", "ba dinh"), old ward names
    /// with or without their old district ("phường Cống Vị, quận Ba Đình", "cong vi ba
    /// dinh", "P. Kim Mã Q. Ba Đình"), and whole addresses ("số 12 phố Trúc Bạch, phường
    /// Trúc Bạch, quận Ba Đình, Hà Nội").
    ///
    /// # How text is read
    ///
    /// The text is cut at commas, semicolons, parentheses and line breaks into segments; each
    /// segment is lower-cased and folded with [`crate::text::fold`] (so "Cống Vị", "cong vi" and
    /// "CỐNG VỊ" are the same) and split into syllables. Every run of syllables that equals a
    /// known name is a candidate, and never crosses a segment boundary. Among overlapping
    /// candidates, the reading that explains the most words wins, counting a kind word just
    /// before a name as explained: longer names beat shorter ones ("Thanh Xuân Bắc" over "Thanh
    /// Xuân", "Văn Miếu - Quốc Tử Giám" over "Văn Miếu"), "phuong mai dong da" reads as Phương
    /// Mai + Đống Đa rather than phường Mai Động, and "quận Thanh Xuân" as a district rather than
    /// the old ward Quán Thánh. Ties go to the reading whose typed diacritics agree, then to the
    /// one with fewer names.
    ///
    /// The words just before a name say what it is:
    /// - "phường", "p.", "xã", "x.", "thị trấn", "tt", "đặc khu": a commune-level unit, new or old;
    /// - "quận", "q.", "huyện", "h.", "thị xã", "tx": an old district; "thành phố"/"tp" an old
    ///   district or the province; "tỉnh" the province;
    /// - "phố", "đường", "ngõ", "ngách", "hẻm", "số", a house number, "thôn", "xóm", "tổ dân
    ///   phố", "khu đô thị" and the like: a street or a place inside a unit, which is **not** a
    ///   unit ("phố Trúc Bạch" says nothing about the ward).
    ///
    /// A name with no such word is taken as any of them. Two guards keep bare names from
    /// matching ordinary words: a name of one syllable (such as "Láng") needs a kind word or
    /// matching diacritics, and a name made of digits ("Phường 12") needs a kind word. When the
    /// input has diacritics that contradict a name ("làng" against "Láng"), the match loses
    /// weight; tone-mark placement ("Hoà"/"Hòa") does not count as a contradiction.
    ///
    /// # Ranking
    ///
    /// Scores are in 0..=1 and only their order is meaningful:
    /// - a **new unit name** scores 1.0 with a kind word that fits it, 0.9 without one or with a
    ///   different kind word;
    /// - an **old unit name** points to every new unit that took part of it. When the text also
    ///   names the old unit's district ("phường Cống Vị, quận Ba Đình", "cong vi ba dinh"), only
    ///   the old unit of that district is used. A unit that took the whole old unit scores 0.95.
    ///   When the old unit was split ("một phần"), the data has no shares of area, so the
    ///   candidates are ordered by one rule we can defend: the new unit that kept the old name
    ///   first (0.9), then the others, equal (0.8), in directory order. Without a district the
    ///   old-name scores are multiplied by 0.85 (and by 0.9 again if several old districts had a
    ///   unit of that name); with a district that has no old unit of that name, by 0.7;
    /// - when the district confirms an old unit, the same words read as a new unit's name score
    ///   ×0.7, so "xã Thanh Xuân, huyện Sóc Sơn" (an old commune, now Nội Bài) ranks Nội Bài
    ///   before today's Phường Thanh Xuân; if that new unit took part of the old unit, the old
    ///   unit (with its district) is given as the reason;
    /// - a name that names the district an earlier old unit belongs to is read as that district,
    ///   not as a new unit of the same name ("Ba Đình" in "Kim Mã, Ba Đình");
    /// - only when no unit-level name is found, an **old district alone** ("quận Ba Đình")
    ///   yields every new unit that took part of it, scored 0.3–0.6: first the one named like the
    ///   district, then by how much of the district it took (whole old units count 1, parts ½);
    /// - a unit supported by several separate names in the text gains 0.05 per extra name.
    ///
    /// Ties are broken by reason (new name, then old unit, then old district) and then by
    /// directory order.
    pub fn resolve_address(&self, text: &str) -> Vec<AddressMatch<'_>> {
        let index = &self.address;
        let units = &self.units;
        let tokens = tokenize(text);
        let spans = find_spans(index, &tokens);

        // District context: names with a district kind word, bare names that are only
        // districts, and bare names naming the district of an earlier old unit.
        let mut context: Vec<usize> = Vec::new();
        let mut consumed = vec![false; spans.len()];
        let mut fallback_districts: Vec<usize> = Vec::new();
        for (j, span) in spans.iter().enumerate() {
            let districts: Vec<usize> = span
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::District(d) => Some(*d),
                    _ => None,
                })
                .collect();
            if districts.is_empty() {
                continue;
            }
            let unit_level = span
                .entries
                .iter()
                .any(|e| matches!(e, Entry::New(_) | Entry::Old(_)));
            let names_earlier_district = spans[..j].iter().any(|s| {
                s.entries.iter().any(|e| match e {
                    Entry::Old(o) => index.olds[*o]
                        .district
                        .is_some_and(|d| districts.contains(&d)),
                    _ => false,
                })
            });
            if !unit_level || names_earlier_district {
                consumed[j] = unit_level;
                context.extend(&districts);
            } else {
                fallback_districts.extend(&districts);
            }
        }

        let mut evidence: Vec<Vec<Evidence<'_>>> = (0..units.len()).map(|_| Vec::new()).collect();
        for (j, span) in spans.iter().enumerate() {
            if consumed[j] {
                continue;
            }
            let typed = &tokens[span.start..span.start + span.len];
            let olds: Vec<usize> = span
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Old(o) => Some(*o),
                    _ => None,
                })
                .collect();
            let in_context: Vec<usize> = olds
                .iter()
                .copied()
                .filter(|o| {
                    index.olds[*o]
                        .district
                        .is_some_and(|d| context.contains(&d))
                })
                .collect();
            let (olds, factor, confirmed) = if !in_context.is_empty() {
                (in_context, 1.0, true)
            } else if span.weak {
                continue;
            } else if context.is_empty() {
                (olds, UNCONFIRMED, false)
            } else {
                (olds, CONFLICT, false)
            };
            let ambiguity = if olds.len() > 1 { AMBIGUOUS } else { 1.0 };
            let mut confirmed_targets: Vec<usize> = Vec::new();
            for &o in &olds {
                let old = &index.olds[o];
                let kind_factor = match span.prefix {
                    Prefix::Unit(k) if !old.kind.is_empty() && old.kind != k => 0.9,
                    _ => 1.0,
                };
                let f = factor * ambiguity * kind_factor * diacritic_factor(typed, &old.norm);
                for &(u, l) in &old.targets {
                    let link = &units[u].old_units[l];
                    let base = match link.share {
                        Share::Full => 0.95,
                        Share::Partial if index.unit_fold[u] == old.fold => 0.9,
                        Share::Partial => 0.8,
                    };
                    if confirmed {
                        confirmed_targets.push(u);
                    }
                    evidence[u].push(Evidence {
                        score: base * f,
                        reason: MatchReason::OldUnit {
                            old: link,
                            district_given: confirmed,
                        },
                        span: j,
                    });
                }
            }
            for entry in &span.entries {
                let Entry::New(u) = *entry else { continue };
                let base = match span.prefix {
                    Prefix::Unit(k) if index.unit_kind[u] == k => 1.0,
                    _ => 0.9,
                };
                let demote = if !confirmed {
                    1.0
                } else if confirmed_targets.contains(&u) {
                    // An old-form address whose ward kept its name: the old unit with its
                    // district already speaks for this unit, and says more.
                    continue;
                } else {
                    DEMOTED_NEW
                };
                evidence[u].push(Evidence {
                    score: base * demote * diacritic_factor(typed, &index.unit_norm[u]),
                    reason: MatchReason::UnitName,
                    span: j,
                });
            }
        }

        let matched = |span: usize| {
            let s = &spans[span];
            tokens[s.start..s.start + s.len]
                .iter()
                .map(|t| t.norm.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out: Vec<(usize, AddressMatch<'_>)> = Vec::new();
        for (u, ev) in evidence.iter().enumerate() {
            let Some(best) = ev.iter().max_by(|a, b| {
                a.score
                    .total_cmp(&b.score)
                    .then(b.reason.rank().cmp(&a.reason.rank()))
            }) else {
                continue;
            };
            let mut spans_seen: Vec<usize> = ev.iter().map(|e| e.span).collect();
            spans_seen.sort_unstable();
            spans_seen.dedup();
            let score = (best.score + CORROBORATION * (spans_seen.len() - 1) as f32).min(1.0);
            out.push((
                u,
                AddressMatch {
                    unit: &units[u],
                    score,
                    reason: best.reason,
                    matched: matched(best.span),
                },
            ));
        }

        if out.is_empty() {
            let mut districts = context;
            districts.extend(fallback_districts);
            districts.dedup();
            for d in districts {
                let district = &index.districts[d];
                let max = district
                    .units
                    .iter()
                    .map(|(_, w)| *w)
                    .fold(0.0f32, f32::max);
                let words = district_words(&spans, &tokens, d);
                for &(u, weight) in &district.units {
                    let named_alike = if index.unit_fold[u] == district.fold {
                        0.1
                    } else {
                        0.0
                    };
                    let score = 0.3 + 0.2 * weight / max.max(f32::MIN_POSITIVE) + named_alike;
                    match out.iter_mut().find(|(x, _)| *x == u) {
                        Some((_, m)) if m.score >= score => {}
                        Some((_, m)) => {
                            m.score = score;
                            m.reason = MatchReason::OldDistrict {
                                district: &district.full_name,
                            };
                        }
                        None => out.push((
                            u,
                            AddressMatch {
                                unit: &units[u],
                                score,
                                reason: MatchReason::OldDistrict {
                                    district: &district.full_name,
                                },
                                matched: words.clone(),
                            },
                        )),
                    }
                }
            }
        }

        out.sort_by(|(ua, a), (ub, b)| {
            b.score
                .total_cmp(&a.score)
                .then(a.reason.rank().cmp(&b.reason.rank()))
                .then(ua.cmp(ub))
        });
        out.into_iter().map(|(_, m)| m).collect()
    }
}

fn district_words(spans: &[Span], tokens: &[Token], d: usize) -> String {
    spans
        .iter()
        .find(|s| s.entries.contains(&Entry::District(d)))
        .map(|s| {
            tokens[s.start..s.start + s.len]
                .iter()
                .map(|t| t.norm.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

/// Whether a kind word ("phường", "quận", …) stands right before `tokens[start]`: names made
/// of digits only count after one, so a house number never hides the street word before it.
fn after_kind_word(tokens: &[Token], start: usize) -> bool {
    let same = |i: usize| tokens[i].segment == tokens[start].segment;
    let one = start >= 1 && same(start - 1);
    let two = start >= 2 && same(start - 2);
    let kind = |p: Option<Prefix>| {
        matches!(
            p,
            Some(Prefix::Unit(_) | Prefix::District(_) | Prefix::City)
        )
    };
    (two && kind(two_word_prefix(
        &tokens[start - 2].fold,
        &tokens[start - 1].fold,
    ))) || (one && kind(one_word_prefix(&tokens[start - 1].fold)))
}

/// How many words before `tokens[start]` can be read as its kind word or house number (one
/// or two), for the segmentation to count them as explained.
fn prefix_lengths(tokens: &[Token], start: usize) -> Vec<usize> {
    let same = |i: usize| tokens[i].segment == tokens[start].segment;
    let mut out = Vec::new();
    if start >= 1 && same(start - 1) {
        let w1 = &tokens[start - 1].fold;
        if one_word_prefix(w1).is_some() || is_number(w1) {
            out.push(1);
        }
        if start >= 2 && same(start - 2) {
            let w2 = &tokens[start - 2].fold;
            if two_word_prefix(w2, w1).is_some() {
                out.push(2);
            }
        }
    }
    out
}

/// Finds the names in the token stream (longest first, no overlaps) and keeps, for each,
/// the readings its prefix allows.
fn find_spans(index: &AddressIndex, tokens: &[Token]) -> Vec<Span> {
    // Candidate names, each also with the kind word (or house number) just before it.
    // An item is (first token covered, tokens covered, name start, name length, agrees,
    // weak). A weak item is a bare syllable without confirming diacritics.
    let mut items: Vec<(usize, usize, usize, usize, bool, bool)> = Vec::new();
    for start in 0..tokens.len() {
        let mut key = String::new();
        for len in 1..=index.max_tokens {
            let i = start + len - 1;
            if i >= tokens.len() || tokens[i].segment != tokens[start].segment {
                break;
            }
            if len > 1 {
                key.push(' ');
            }
            key.push_str(&tokens[i].fold);
            let Some(entries) = index.names.get(&key) else {
                continue;
            };
            if is_number(&key) && !after_kind_word(tokens, start) {
                continue;
            }
            let typed = &tokens[start..=i];
            let agrees = entries
                .iter()
                .any(|e| diacritic_factor(typed, index.entry_norm(*e)) == 1.0);
            let weak = len == 1 && !(agrees && has_diacritics(&typed[0].norm));
            items.push((start, len, start, len, agrees, weak));
            for words in prefix_lengths(tokens, start) {
                items.push((start - words, len + words, start, len, agrees, false));
            }
        }
    }
    // Choose non-overlapping items that cover the most words (weak items in a lower tier),
    // then agree most with the typed diacritics, then are fewest (longer names). Greedy longest-first would read
    // "phuong mai dong da" as "phường Mai Động" + "da" instead of "Phương Mai, Đống Đa".
    let n = tokens.len();
    type Value = (usize, usize, usize, std::cmp::Reverse<usize>);
    let mut best: Vec<(Value, Option<usize>)> =
        vec![((0, 0, 0, std::cmp::Reverse(0)), None); n + 1];
    let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, item) in items.iter().enumerate() {
        by_first[item.0].push(k);
    }
    for i in (0..n).rev() {
        let mut choice = (best[i + 1].0, None);
        for &k in &by_first[i] {
            let (_, cover, _, _, agrees, weak) = items[k];
            let (c, w, a, std::cmp::Reverse(m)) = best[i + cover].0;
            let (strong, weak) = if weak { (0, cover) } else { (cover, 0) };
            let value = (
                c + strong,
                w + weak,
                a + usize::from(agrees),
                std::cmp::Reverse(m + 1),
            );
            if value > choice.0 {
                choice = (value, Some(k));
            }
        }
        best[i] = choice;
    }
    let mut covered = vec![false; n];
    let mut chosen: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        match best[i].1 {
            Some(k) => {
                let (_, cover, start, len, _, _) = items[k];
                covered[start..start + len]
                    .iter_mut()
                    .for_each(|c| *c = true);
                chosen.push((start, len));
                i += cover;
            }
            None => i += 1,
        }
    }
    chosen.sort_unstable();

    let mut spans = Vec::new();
    for (start, len) in chosen {
        let key = tokens[start..start + len]
            .iter()
            .map(|t| t.fold.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let Some(all) = index.names.get(&key) else {
            continue;
        };
        let prefix = prefix(tokens, &covered, start);
        let typed = &tokens[start..start + len];
        let bare = prefix == Prefix::None;
        if bare && all.contains(&Entry::Province) {
            // A bare province name ("…, Hà Nội") names the province, not a unit in it.
            continue;
        }
        let entries: Vec<Entry> = all
            .iter()
            .copied()
            .filter(|e| match (prefix, e) {
                (Prefix::Street, _) => false,
                (Prefix::Unit(_), Entry::New(_) | Entry::Old(_)) => true,
                (Prefix::District(k), Entry::District(d)) => {
                    let kind = &index.districts[*d].kind;
                    kind.is_empty() || kind == k
                }
                (Prefix::City, Entry::District(d)) => {
                    let kind = &index.districts[*d].kind;
                    kind.is_empty() || kind == "thanh pho"
                }
                (Prefix::None, Entry::New(_) | Entry::Old(_) | Entry::District(_)) => true,
                _ => false,
            })
            .filter(|e| {
                if !bare {
                    return true;
                }
                let name = index.entry_norm(*e);
                !name
                    .chars()
                    .all(|c| c.is_ascii_digit() || c.is_whitespace())
            })
            .collect();
        // One bare syllable is too easily an ordinary word ("lang" for "Láng"): it counts
        // when its diacritics are typed and agree, or, as an old unit, when the text also
        // names that old unit's district ("buoi tay ho").
        let weak = bare
            && len == 1
            && !(has_diacritics(&typed[0].norm)
                && entries
                    .iter()
                    .all(|e| diacritic_factor(typed, index.entry_norm(*e)) == 1.0));
        let entries: Vec<Entry> = if weak {
            entries
                .into_iter()
                .filter(|e| matches!(e, Entry::Old(_)))
                .collect()
        } else {
            entries
        };
        if !entries.is_empty() {
            spans.push(Span {
                start,
                len,
                entries,
                prefix,
                weak,
            });
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::super::JurisdictionConfig;
    use super::*;

    /// A made-up province: new units Đông Hòa (phường, took old Phường Lá whole and part of
    /// old Xã Cỏ), Tây Sơn (xã, the rest of Xã Cỏ), Bắc Hà (phường, old Phường Bắc Hà of Quận
    /// Một and Phường Lá of Huyện Hai), Láng (phường), Phường 12.
    fn directory() -> UnitDirectory {
        let csv = "code,name,full_name,type,province_code,province_name,center_lat,center_lon,old_unit_codes,old_units\n\
            001,Đông Hòa,Phường Đông Hòa,phường,99,Tỉnh Thử,10.05,106.05,101:full;102:partial,Phường Lá [Quận Một]; Xã Cỏ [Huyện Hai] (một phần)\n\
            002,Tây Sơn,Xã Tây Sơn,xã,99,Tỉnh Thử,10.05,106.15,102:partial,Xã Cỏ [Huyện Hai] (một phần)\n\
            003,Bắc Hà,Phường Bắc Hà,phường,99,Tỉnh Thử,10.05,106.25,103:full;104:full,Phường Bắc Hà [Quận Một]; Phường Lá [Huyện Hai]\n\
            004,Láng,Phường Láng,phường,99,Tỉnh Thử,10.05,106.35,,\n\
            005,12,Phường 12,phường,99,Tỉnh Thử,10.05,106.45,,\n";
        let features: Vec<String> = (0..5)
            .map(|i| {
                let x0 = 106.0 + 0.1 * i as f64;
                format!(
                    r#"{{"type":"Feature","properties":{{"code":"00{}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x0},10.0],[{x1},10.0],[{x1},10.1],[{x0},10.1],[{x0},10.0]]]}}}}"#,
                    i + 1,
                    x1 = x0 + 0.1
                )
            })
            .collect();
        let gj = format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        );
        UnitDirectory::from_readers(csv.as_bytes(), gj.as_bytes(), JurisdictionConfig::default())
            .unwrap()
    }

    fn codes(d: &UnitDirectory, text: &str) -> Vec<String> {
        d.resolve_address(text)
            .iter()
            .map(|m| m.unit.code.clone())
            .collect()
    }

    #[test]
    fn new_names_with_and_without_prefix_and_diacritics() {
        let d = directory();
        for text in [
            "Phường Đông Hòa",
            "p. dong hoa",
            "dong hoa",
            "ĐÔNG HOÀ",
            "P.Đông Hòa, Tỉnh Thử",
        ] {
            let m = d.resolve_address(text);
            assert_eq!(m[0].unit.code, "001", "{text}");
            assert_eq!(m[0].reason, MatchReason::UnitName, "{text}");
        }
        assert_eq!(d.resolve_address("phường Đông Hòa")[0].score, 1.0);
        assert!(d.resolve_address("dong hoa")[0].score < 1.0);
    }

    #[test]
    fn split_old_unit_lists_all_candidates_name_equal_first() {
        let d = directory();
        assert_eq!(codes(&d, "xã Cỏ, huyện Hai"), ["001", "002"]);
        let m = d.resolve_address("xa co huyen hai");
        assert!(matches!(
            m[0].reason,
            MatchReason::OldUnit { district_given: true, old } if old.share == Share::Partial
        ));
    }

    #[test]
    fn district_disambiguates_same_old_name() {
        let d = directory();
        assert_eq!(codes(&d, "phường Lá, quận Một"), ["001"]);
        assert_eq!(codes(&d, "P. La Q. Mot"), ["001"]);
        assert_eq!(codes(&d, "phường Lá, huyện Hai"), ["003"]);
        assert_eq!(codes(&d, "p la, huyen hai"), ["003"]);
        let both = codes(&d, "phường Lá");
        assert_eq!(both.len(), 2);
    }

    #[test]
    fn old_district_alone_lists_its_units() {
        let d = directory();
        let m = d.resolve_address("huyện Hai");
        assert_eq!(m.len(), 3);
        assert!(m
            .iter()
            .all(|m| matches!(m.reason, MatchReason::OldDistrict { .. })));
        // Bắc Hà took a whole old unit of Huyện Hai; the others half of one each.
        assert_eq!(m[0].unit.code, "003");
    }

    #[test]
    fn streets_numbers_and_single_syllables() {
        let d = directory();
        assert!(d.resolve_address("phố Đông Hòa").is_empty());
        assert!(d.resolve_address("số 5 Đông Hòa").is_empty());
        let m = d.resolve_address("12 P. Đông Hòa");
        assert!(m.is_empty(), "{m:?}");
        assert_eq!(codes(&d, "phường Láng"), ["004"]);
        assert_eq!(codes(&d, "Láng, Tỉnh Thử"), ["004"]);
        assert!(d.resolve_address("lang").is_empty());
        assert!(d.resolve_address("làng").is_empty());
        assert!(d.resolve_address("12").is_empty());
        // A bare syllable without diacritics counts as an old unit when its district follows.
        assert_eq!(codes(&d, "la, huyen hai"), ["003"]);
        assert!(d.resolve_address("la").is_empty());
        assert_eq!(codes(&d, "Phường 12"), ["005"]);
        assert!(d.resolve_address("Tỉnh Thử").is_empty());
        assert!(d.resolve_address("").is_empty());
    }

    #[test]
    fn long_text_prefers_unit_names_over_streets() {
        let d = directory();
        let m = d.resolve_address("số 12 phố Bắc Hà, phường Lá, quận Một, Tỉnh Thử");
        assert_eq!(m[0].unit.code, "001");
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].matched, "lá");
    }

    #[test]
    fn tone_placement_is_not_a_contradiction() {
        assert_eq!(syllable_key("hoà"), syllable_key("hòa"));
        assert_ne!(syllable_key("làng"), syllable_key("láng"));
        let d = directory();
        assert_eq!(
            d.resolve_address("Đông Hoà")[0].score,
            d.resolve_address("Đông Hòa")[0].score
        );
        assert!(d.resolve_address("Đông Hoá")[0].score < d.resolve_address("Đông Hòa")[0].score);
    }

    #[test]
    fn serialises_reason() {
        let d = directory();
        let m = d.resolve_address("xã Cỏ, huyện Hai");
        let v = serde_json::to_value(&m[0]).unwrap();
        assert_eq!(v["reason"], "old_unit");
        assert_eq!(v["old_code"], "102");
        assert_eq!(v["district_given"], true);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_scores_are_ordered(text in "\\PC{0,60}") {
            let d = directory();
            let m = d.resolve_address(&text);
            for w in m.windows(2) {
                proptest::prop_assert!(w[0].score >= w[1].score);
            }
            for x in &m {
                proptest::prop_assert!(x.score > 0.0 && x.score <= 1.0);
            }
        }

        #[test]
        fn unit_names_found_in_any_surrounding_text(
            before in "[a-z ]{0,12}",
            u in 0usize..3,
            after in "[a-z ]{0,12}",
        ) {
            let d = directory();
            let unit = &d.units()[u];
            let text = format!("{before}, {}, {after}", unit.full_name);
            let m = d.resolve_address(&text);
            proptest::prop_assert!(m.iter().any(|x| x.unit.code == unit.code && x.reason == MatchReason::UnitName));
        }
    }
}
