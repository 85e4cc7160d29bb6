//! Address text → unit: finds unit, old ward and old district names inside free text and
//! ranks the units they point to.
//!
//! The rules for reading text and ranking candidates are documented on
//! [`UnitDirectory::resolve_address`].

use std::collections::HashMap;

use serde::ser::SerializeMap;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use super::gazetteer::Gazetteer;
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
pub(super) enum Entry {
    New(usize),
    Old(usize),
    District(usize),
    Province,
    /// Streets of this name: an index into [`AddressIndex::street_names`].
    Street(usize),
    /// A place by its whole name (an index into the gazetteer's places).
    Place(usize),
    /// A place by its name without the category words ("Bạch Mai" of "Bệnh viện Bạch Mai"):
    /// only after a category word of the place's kind. An index into
    /// [`AddressIndex::place_cores`].
    PlaceCore(usize),
}

#[derive(Debug)]
pub(super) struct OldEntry {
    /// Name without kind word, normalised and folded.
    norm: String,
    fold: String,
    kind: String,
    pub(super) district: Option<usize>,
    /// (unit index, index into that unit's `old_units`).
    targets: Vec<(usize, usize)>,
}

#[derive(Debug)]
pub(super) struct DistrictEntry {
    pub(super) full_name: String,
    /// Name without kind word, normalised and folded.
    norm: String,
    pub(super) fold: String,
    kind: String,
    /// (unit index, weight): whole old units count 1, parts ½.
    pub(super) units: Vec<(usize, f32)>,
}

/// Names of one province, folded, ready for matching.
#[derive(Debug)]
pub(crate) struct AddressIndex {
    names: HashMap<String, Vec<Entry>>,
    max_tokens: usize,
    pub(super) olds: Vec<OldEntry>,
    pub(super) districts: Vec<DistrictEntry>,
    /// Street rows sharing one folded name (indices into the gazetteer's streets), and that
    /// name normalised.
    pub(super) street_names: Vec<(String, Vec<usize>)>,
    /// Per place: its category group, and its name normalised.
    pub(super) place_groups: Vec<Option<LandmarkGroup>>,
    place_norm: Vec<String>,
    /// Short names of places: (place index, the short name normalised).
    pub(super) place_cores: Vec<(usize, String)>,
    province_norm: String,
    /// Per unit: name normalised, name folded, kind folded.
    unit_norm: Vec<String>,
    unit_fold: Vec<String>,
    unit_kind: Vec<String>,
    /// Names of several words, for reading typing slips.
    slip_names: super::slips::Names,
}

impl AddressIndex {
    pub fn build(units: &[Unit], province: &Province, gazetteer: &Gazetteer) -> AddressIndex {
        let mut index = AddressIndex {
            names: HashMap::new(),
            max_tokens: 1,
            olds: Vec::new(),
            districts: Vec::new(),
            street_names: Vec::new(),
            place_groups: gazetteer
                .places
                .iter()
                .map(|p| LandmarkGroup::of_category(&p.category, &p.name))
                .collect(),
            place_norm: gazetteer
                .places
                .iter()
                .map(|p| normalize(&p.name))
                .collect(),
            place_cores: Vec::new(),
            province_norm: normalize(split_kind(&province.name, &["Thành phố", "Tỉnh"]).1),
            unit_norm: units.iter().map(|u| normalize(&u.name)).collect(),
            unit_fold: units.iter().map(|u| fold(&u.name)).collect(),
            unit_kind: units.iter().map(|u| fold(&u.kind_label)).collect(),
            slip_names: super::slips::Names::default(),
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
        index.add_gazetteer(gazetteer);
        index.slip_names = super::slips::Names::build(index.names.keys());
        index
    }

    pub(super) fn slip_names(&self) -> &super::slips::Names {
        &self.slip_names
    }

    fn add_gazetteer(&mut self, gazetteer: &Gazetteer) {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (s, street) in gazetteer.streets.iter().enumerate() {
            // "Số 9", "19 Tháng 12": a name that starts with a number reads as a house number
            // unless its kind word comes with it ("đường số 9").
            // A one-word name that is also a kind word ("Ngõ Huyện") likewise.
            let numbered = |n: &str| {
                let f = fold(n);
                is_number(&f)
                    || f.strip_prefix("so ").is_some_and(is_number)
                    || one_word_prefix(&f).is_some()
                    || LANDMARK_WORDS.iter().any(|(w, _)| *w == f)
            };
            let names = std::iter::once(&street.name)
                .chain(&street.alt_names)
                .map(|n| {
                    if numbered(n) && !street.kind.is_empty() {
                        format!("{} {n}", street.kind)
                    } else {
                        n.clone()
                    }
                })
                .collect::<Vec<_>>();
            for name in &names {
                let key = fold(name);
                if key.is_empty() {
                    continue;
                }
                let g = *by_name.entry(key.clone()).or_insert_with(|| {
                    self.street_names.push((normalize(name), Vec::new()));
                    self.street_names.len() - 1
                });
                if !self.street_names[g].1.contains(&s) {
                    self.street_names[g].1.push(s);
                }
                self.add(&key, Entry::Street(g));
            }
        }
        for (p, place) in gazetteer.places.iter().enumerate() {
            let full = fold(&place.name);
            self.add(&full, Entry::Place(p));
            // The name before a qualifier: "Bệnh viện K - Cơ sở Tân Triều", "… (cơ sở 2)".
            let plain = fold(
                place
                    .name
                    .split(['(', '-', '–'])
                    .next()
                    .unwrap_or(&place.name),
            );
            if plain != full && plain.split(' ').count() >= 2 {
                self.add(&plain, Entry::Place(p));
            }
            let plain_norm: Vec<String> = normalize(
                place
                    .name
                    .split(['(', '-', '–'])
                    .next()
                    .unwrap_or(&place.name),
            )
            .split(' ')
            .map(str::to_owned)
            .collect();
            if self.place_groups[p].is_some() {
                for core in place_cores(&plain) {
                    let k = core.split(' ').count().min(plain_norm.len());
                    let norm = plain_norm[plain_norm.len() - k..].join(" ");
                    self.place_cores.push((p, norm));
                    self.add(&core, Entry::PlaceCore(self.place_cores.len() - 1));
                }
            }
        }
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

    /// The units that took part of old district `d`, scored 0.3–0.6: first the one named like
    /// the district, then by how much of it they took (whole old units count 1, parts ½).
    pub(super) fn district_candidates(&self, d: usize) -> Vec<(usize, f32)> {
        let district = &self.districts[d];
        let max = district
            .units
            .iter()
            .map(|(_, w)| *w)
            .fold(0.0f32, f32::max);
        district
            .units
            .iter()
            .map(|&(u, weight)| {
                let named_alike = if self.unit_fold[u] == district.fold {
                    0.1
                } else {
                    0.0
                };
                (
                    u,
                    0.3 + 0.2 * weight / max.max(f32::MIN_POSITIVE) + named_alike,
                )
            })
            .collect()
    }

    /// The entry's name, normalised (diacritics kept).
    fn entry_norm(&self, entry: Entry) -> &str {
        match entry {
            Entry::New(u) => &self.unit_norm[u],
            Entry::Old(o) => &self.olds[o].norm,
            Entry::District(d) => &self.districts[d].norm,
            Entry::Province => &self.province_norm,
            Entry::Street(g) => &self.street_names[g].0,
            Entry::Place(p) => &self.place_norm[p],
            Entry::PlaceCore(c) => &self.place_cores[c].1,
        }
    }
}

#[derive(Debug)]
pub(super) struct Token {
    pub(super) norm: String,
    pub(super) fold: String,
    pub(super) segment: usize,
}

/// Abbreviations written as one word, and the words they stand for (folded).
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("bv", "benh vien"),
    ("bvdk", "benh vien da khoa"),
    ("bvđk", "benh vien da khoa"),
    ("sn", "so nha"),
    ("tdp", "to dan pho"),
    ("svd", "san van dong"),
    ("ttyt", "trung tam y te"),
    ("tyt", "tram y te"),
    ("ttm", "trung tam thuong mai"),
    ("kđt", "khu do thi"),
    ("hn", "ha noi"),
];

pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for (segment, part) in text.split([',', ';', '(', ')', '\n', '|']).enumerate() {
        for word in normalize(part).split(' ') {
            let folded = fold(word);
            if folded.is_empty() {
                continue;
            }
            if let Some((_, words)) = ABBREVIATIONS.iter().find(|(a, _)| *a == folded) {
                for w in words.split(' ') {
                    tokens.push(Token {
                        norm: w.to_owned(),
                        fold: w.to_owned(),
                        segment,
                    });
                }
                continue;
            }
            tokens.push(Token {
                norm: word.to_owned(),
                fold: folded,
                segment,
            });
        }
    }
    tokens
}

/// Kinds of landmark a category word names ("bệnh viện", "cầu", "chợ", …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LandmarkGroup {
    Medical,
    Bridge,
    Market,
    Lake,
    School,
    Police,
    Fire,
    Station,
    Park,
    Venue,
    Building,
}

/// Category words before a landmark's name, folded, longest first where one starts another.
const LANDMARK_WORDS: &[(&str, LandmarkGroup)] = &[
    ("benh vien da khoa quoc te", LandmarkGroup::Medical),
    ("benh vien da khoa", LandmarkGroup::Medical),
    ("benh vien", LandmarkGroup::Medical),
    ("vien", LandmarkGroup::Medical),
    ("trung tam y te", LandmarkGroup::Medical),
    ("tram y te", LandmarkGroup::Medical),
    ("phong kham da khoa", LandmarkGroup::Medical),
    ("phong kham", LandmarkGroup::Medical),
    ("nha ho sinh", LandmarkGroup::Medical),
    ("cau vuot", LandmarkGroup::Bridge),
    ("cau", LandmarkGroup::Bridge),
    ("cho", LandmarkGroup::Market),
    ("ho", LandmarkGroup::Lake),
    ("truong mam non", LandmarkGroup::School),
    ("truong tieu hoc", LandmarkGroup::School),
    ("truong thcs", LandmarkGroup::School),
    ("truong thpt", LandmarkGroup::School),
    ("truong dai hoc", LandmarkGroup::School),
    ("truong", LandmarkGroup::School),
    ("dai hoc", LandmarkGroup::School),
    ("hoc vien", LandmarkGroup::School),
    ("mam non", LandmarkGroup::School),
    ("tru so cong an", LandmarkGroup::Police),
    ("cong an", LandmarkGroup::Police),
    ("doi canh sat pccc cnch", LandmarkGroup::Fire),
    ("doi canh sat pccc", LandmarkGroup::Fire),
    ("canh sat pccc", LandmarkGroup::Fire),
    ("ben xe", LandmarkGroup::Station),
    ("nha ga", LandmarkGroup::Station),
    ("ga", LandmarkGroup::Station),
    ("cong vien", LandmarkGroup::Park),
    ("vuon hoa", LandmarkGroup::Park),
    ("san van dong", LandmarkGroup::Venue),
    ("nha thi dau", LandmarkGroup::Venue),
    ("trung tam thuong mai", LandmarkGroup::Venue),
    ("sieu thi", LandmarkGroup::Venue),
    ("chung cu", LandmarkGroup::Building),
    ("toa nha", LandmarkGroup::Building),
];

/// Words that say the next names meet at a junction ("ngã tư Láng – Tây Sơn").
const JUNCTION_WORDS: &[&str] = &[
    "nga tu",
    "nga ba",
    "nga nam",
    "nga sau",
    "nut giao",
    "giao lo",
    "giao nhau",
    "giao",
    "goc",
];

/// Words between the two streets of a junction.
pub(super) const JUNCTION_JOINS: &[&str] = &["va", "voi", "x", "giao", "cat", "vs"];

/// Words a place's name may carry after its category word, that people leave out.
const PLACE_QUALIFIERS: &[&str] = &[
    "da khoa quoc te",
    "da khoa",
    "quoc te",
    "huu nghi",
    "quan",
    "huyen",
    "thi xa",
    "phuong",
    "xa",
];

impl LandmarkGroup {
    /// The group of a place's category as the data names it ("hospital", "bridge", …), or,
    /// failing that, of the category word its name starts with.
    pub(super) fn of_category(category: &str, name: &str) -> Option<LandmarkGroup> {
        let group = match fold(category).as_str() {
            "hospital" | "clinic" | "medical centre" | "health station" | "doctors" => {
                LandmarkGroup::Medical
            }
            "bridge" => LandmarkGroup::Bridge,
            "market" | "marketplace" => LandmarkGroup::Market,
            "lake" | "water" => LandmarkGroup::Lake,
            "school" | "kindergarten" | "university" | "college" => LandmarkGroup::School,
            "police" => LandmarkGroup::Police,
            "fire station" => LandmarkGroup::Fire,
            "bus station" | "metro station" | "railway station" | "station" => {
                LandmarkGroup::Station
            }
            "park" => LandmarkGroup::Park,
            "stadium" | "shopping centre" | "mall" => LandmarkGroup::Venue,
            "apartment complex" => LandmarkGroup::Building,
            _ => {
                let name = fold(name);
                return LANDMARK_WORDS
                    .iter()
                    .find(|(w, _)| starts_with_words(&name, w))
                    .map(|(_, g)| *g);
            }
        };
        Some(group)
    }
}

fn starts_with_words(text: &str, words: &str) -> bool {
    text.strip_prefix(words)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// The shorter names people give a place: without its category words and qualifiers
/// ("Bệnh viện Đa khoa Đức Giang" → "đức giang"), or only its number ("Bệnh viện Quân y 354" →
/// "354"). Each is at least two words or a number, so that a core never matches an ordinary
/// word. `plain` is folded.
fn place_cores(plain: &str) -> Vec<String> {
    let mut rest = plain;
    // Strip the longest category phrase, then qualifiers, as long as any applies.
    loop {
        let before = rest;
        if let Some((w, _)) = LANDMARK_WORDS
            .iter()
            .filter(|(w, _)| starts_with_words(rest, w))
            .max_by_key(|(w, _)| w.len())
        {
            rest = rest[w.len()..].trim_start();
        }
        if let Some(q) = PLACE_QUALIFIERS.iter().find(|q| starts_with_words(rest, q)) {
            rest = rest[q.len()..].trim_start();
        }
        if rest == before {
            break;
        }
    }
    let mut out = Vec::new();
    let words: Vec<&str> = rest.split(' ').filter(|w| !w.is_empty()).collect();
    if rest != plain && (words.len() >= 2 || words.first().is_some_and(|w| is_number(w))) {
        out.push(words.join(" "));
    }
    // "Học viện Âm nhạc Quốc gia Việt Nam" is said without "Việt Nam".
    for tail in [" viet nam", " ha noi"] {
        for name in [plain, rest] {
            if let Some(short) = name.strip_suffix(tail) {
                if short.split(' ').count() >= 2 && !out.iter().any(|o| o == short) {
                    out.push(short.to_owned());
                }
            }
        }
    }
    let numbers: Vec<&str> = plain
        .split(' ')
        .rev()
        .take_while(|w| is_number(w))
        .collect();
    if !numbers.is_empty() && numbers.len() < words.len() {
        let n: Vec<&str> = numbers.into_iter().rev().collect();
        out.push(n.join(" "));
    }
    out
}

/// What the words before a name say it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Prefix {
    None,
    /// A commune-level kind word, folded ("phuong", "xa", "thi tran", "dac khu").
    Unit(&'static str),
    /// A district kind word, folded ("quan", "huyen", "thi xa").
    District(&'static str),
    /// "thành phố": an old city-district or the province.
    City,
    Province,
    /// A street or a house number: the name is a street's, never a unit's.
    Street,
    /// A hamlet, village, residential group or housing area ("thôn", "xóm", "tổ dân phố",
    /// "khu đô thị"): its name is no street, and at most a hint of the unit it is named after.
    Hamlet,
    /// A junction: the name and the next one are streets that meet.
    Junction,
    /// A category word of a landmark ("bệnh viện", "chợ", "cầu").
    Landmark(LandmarkGroup),
}

fn two_word_prefix(a: &str, b: &str) -> Option<Prefix> {
    Some(match (a, b) {
        ("thi", "tran") => Prefix::Unit("thi tran"),
        ("dac", "khu") => Prefix::Unit("dac khu"),
        ("thi", "xa") => Prefix::District("thi xa"),
        ("thanh", "pho") => Prefix::City,
        ("dai", "lo") | ("quoc", "lo") | ("tinh", "lo") | ("chung", "cu") | ("toa", "nha") => {
            Prefix::Street
        }
        ("dan", "pho") | ("do", "thi") | ("khu", "pho") | ("cong", "nghiep") => Prefix::Hamlet,
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
        "pho" | "duong" | "d" | "ngo" | "ngach" | "hem" | "kiet" | "so" | "toa" => Prefix::Street,
        "thon" | "xom" | "lang" | "ap" | "ban" | "to" | "khu" | "cum" | "doi" | "kdt" | "kcn" => {
            Prefix::Hamlet
        }
        _ => return None,
    })
}

fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
}

/// The phrase of up to five words ending just before `tokens[start]` that says what the
/// name is, and how many words it takes. `free(i)` says whether word `i` may be read.
fn phrase_before(
    tokens: &[Token],
    start: usize,
    free: impl Fn(usize) -> bool,
) -> Option<(Prefix, usize)> {
    let mut words: Vec<&str> = Vec::new();
    for i in (start.saturating_sub(5)..start).rev() {
        if !free(i) {
            break;
        }
        words.insert(0, tokens[i].fold.as_str());
    }
    let w1 = *words.last()?;
    if is_number(w1) {
        // "thôn 4 Hồng Kỳ": the number is the hamlet's, and the name after it is not a
        // street.
        let w2 = (words.len() >= 2).then(|| words[words.len() - 2]);
        if w2.and_then(one_word_prefix) == Some(Prefix::Hamlet) {
            return None;
        }
        return Some((Prefix::Street, 1));
    }
    for len in (1..=words.len()).rev() {
        let phrase = words[words.len() - len..].join(" ");
        let typed = &tokens[start - len..start];
        if let Some((_, g)) = LANDMARK_WORDS
            .iter()
            .find(|(w, _)| *w == phrase && !contradicted(typed, w))
        {
            return Some((Prefix::Landmark(*g), len));
        }
        if JUNCTION_WORDS.contains(&phrase.as_str()) {
            return Some((Prefix::Junction, len));
        }
        if len == 2 {
            if phrase == "so nha" {
                return Some((Prefix::Street, 2));
            }
            if let Some(p) = two_word_prefix(words[words.len() - 2], w1) {
                return Some((p, 2));
            }
        }
    }
    let w2 = (words.len() >= 2).then(|| words[words.len() - 2]);
    match one_word_prefix(w1) {
        // "12 P. Kim Mã" is a street (phố); "P. Kim Mã" alone is a ward.
        Some(Prefix::Unit("phuong")) if w1 == "p" && w2.is_some_and(is_number) => {
            Some((Prefix::Street, 1))
        }
        Some(p) => Some((p, 1)),
        None => None,
    }
}

/// The landmark groups of every category phrase that ends just before `tokens[start]`
/// ("cổng viện" is a park's "công viên" and a hospital's "viện").
fn landmark_groups_before(tokens: &[Token], covered: &[bool], start: usize) -> Vec<LandmarkGroup> {
    let mut words: Vec<&str> = Vec::new();
    for i in (start.saturating_sub(5)..start).rev() {
        if covered[i] || tokens[i].segment != tokens[start].segment {
            break;
        }
        words.insert(0, tokens[i].fold.as_str());
    }
    (1..=words.len())
        .rev()
        .find_map(|len| {
            let phrase = words[words.len() - len..].join(" ");
            let typed = &tokens[start - len..start];
            LANDMARK_WORDS
                .iter()
                .find(|(w, _)| *w == phrase && !contradicted(typed, w))
                .map(|(_, g)| *g)
        })
        .into_iter()
        .collect()
}

/// Category phrases that read as another one when written without diacritics, with their
/// marks: "công viên" (park) is not "cổng viện" (a hospital's gate).
const MARKED_PHRASES: &[(&str, &str)] = &[("cong vien", "công viên"), ("ho", "hồ"), ("cho", "chợ")];

/// Whether the typed words carry diacritics that contradict the phrase's.
fn contradicted(typed: &[Token], phrase: &str) -> bool {
    MARKED_PHRASES
        .iter()
        .find(|(f, _)| *f == phrase)
        .is_some_and(|(_, marked)| diacritic_factor(typed, marked) < 1.0)
}

/// Reads the words before `tokens[start]` that no other name covers.
fn prefix(tokens: &[Token], covered: &[bool], start: usize) -> Prefix {
    let free = |i: usize| !covered[i] && tokens[i].segment == tokens[start].segment;
    phrase_before(tokens, start, free).map_or(Prefix::None, |(p, _)| p)
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
pub(super) struct Span {
    pub(super) start: usize,
    pub(super) len: usize,
    pub(super) entries: Vec<Entry>,
    pub(super) prefix: Prefix,
    /// A bare single syllable: usable only as an old unit whose district the text names.
    weak: bool,
}

/// A text read for names: its words, the names found, and what the unit-level names say.
pub(super) struct Analysis<'a> {
    pub(super) tokens: Vec<Token>,
    pub(super) spans: Vec<Span>,
    /// Per unit: the evidence of unit, old-unit names (with the span that gave it).
    pub(super) evidence: Vec<Vec<Evidence<'a>>>,
    /// Old districts the text names as such (or as the district of an old unit it names).
    pub(super) context: Vec<usize>,
    /// Old districts named by a bare name that is also a unit's name.
    pub(super) fallback_districts: Vec<usize>,
    /// Spans read as a district only.
    pub(super) consumed: Vec<bool>,
}

const UNCONFIRMED: f32 = 0.85;
const CONFLICT: f32 = 0.7;
const AMBIGUOUS: f32 = 0.9;
const DEMOTED_NEW: f32 = 0.7;
const CORROBORATION: f32 = 0.05;

pub(super) struct Evidence<'a> {
    pub(super) score: f32,
    pub(super) reason: MatchReason<'a>,
    pub(super) span: usize,
}

impl Span {
    /// The old districts this name may be.
    pub(super) fn districts(&self) -> Vec<usize> {
        self.entries
            .iter()
            .filter_map(|e| match e {
                Entry::District(d) => Some(*d),
                _ => None,
            })
            .collect()
    }
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
        let analysis = self.analyse(text);
        self.unit_matches(analysis)
    }

    /// Reads the text: its names, and the evidence its unit-level names give.
    pub(super) fn analyse(&self, text: &str) -> Analysis<'_> {
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
            let districts = span.districts();
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

        Analysis {
            tokens,
            spans,
            evidence,
            context,
            fallback_districts,
            consumed,
        }
    }

    fn unit_matches<'a>(&'a self, analysis: Analysis<'a>) -> Vec<AddressMatch<'a>> {
        let index = &self.address;
        let units = &self.units;
        let Analysis {
            tokens,
            spans,
            evidence,
            context,
            fallback_districts,
            ..
        } = analysis;
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
                let words = district_words(&spans, &tokens, d);
                for (u, score) in index.district_candidates(d) {
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

/// How many words before `tokens[start]` can be read as its kind word, category word,
/// junction word or house number, for the segmentation to count them as explained.
fn prefix_lengths(tokens: &[Token], start: usize, street: bool) -> Vec<usize> {
    let same = |i: usize| tokens[i].segment == tokens[start].segment;
    let mut out = Vec::new();
    if start >= 1 && same(start - 1) {
        let w1 = &tokens[start - 1].fold;
        // A house number or a street word explains only a street's name.
        let fits = match one_word_prefix(w1) {
            Some(Prefix::Street) => street,
            Some(_) => true,
            None => is_number(w1) && street,
        };
        if fits {
            out.push(1);
        }
        if start >= 2 && same(start - 2) {
            let w2 = &tokens[start - 2].fold;
            if two_word_prefix(w2, w1).is_some() || (w2 == "so" && w1 == "nha") {
                out.push(2);
            }
        }
    }
    if let Some((Prefix::Landmark(_) | Prefix::Junction, len)) = phrase_before(tokens, start, same)
    {
        if !out.contains(&len) {
            out.push(len);
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
            let same = |j: usize| tokens[j].segment == tokens[start].segment;
            let landmark = match phrase_before(tokens, start, same) {
                Some((Prefix::Landmark(_), words)) => Some(words),
                _ => None,
            };
            let has_core = entries.iter().any(|e| matches!(e, Entry::PlaceCore(_)));
            if is_number(&key)
                && !after_kind_word(tokens, start)
                && !(has_core && landmark.is_some())
            {
                continue;
            }
            let typed = &tokens[start..=i];
            let agrees = entries
                .iter()
                .any(|e| diacritic_factor(typed, index.entry_norm(*e)) == 1.0);
            if entries.iter().all(|e| matches!(e, Entry::PlaceCore(_))) {
                // A place's short name counts only after its category word.
                if let Some(words) = landmark {
                    items.push((start - words, len + words, start, len, agrees, false));
                }
                continue;
            }
            let weak = len == 1 && !(agrees && has_diacritics(&typed[0].norm));
            items.push((start, len, start, len, agrees, weak));
            let street = entries.iter().any(|e| matches!(e, Entry::Street(_)));
            for words in prefix_lengths(tokens, start, street) {
                items.push((start - words, len + words, start, len, agrees, false));
            }
        }
    }
    // Choose non-overlapping items that cover the most words (weak items in a lower tier),
    // then disagree least with the typed diacritics, then are fewest (longer names). Greedy longest-first would read
    // "phuong mai dong da" as "phường Mai Động" + "da" instead of "Phương Mai, Đống Đa".
    let n = tokens.len();
    type Value = (
        usize,
        usize,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
    );
    let mut best: Vec<(Value, Option<usize>)> =
        vec![((0, 0, std::cmp::Reverse(0), std::cmp::Reverse(0)), None); n + 1];
    let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, item) in items.iter().enumerate() {
        by_first[item.0].push(k);
    }
    for i in (0..n).rev() {
        let mut choice = (best[i + 1].0, None);
        for &k in &by_first[i] {
            let (_, cover, _, _, agrees, weak) = items[k];
            let (c, w, std::cmp::Reverse(d), std::cmp::Reverse(m)) = best[i + cover].0;
            let (strong, weak) = if weak { (0, cover) } else { (cover, 0) };
            let value = (
                c + strong,
                w + weak,
                std::cmp::Reverse(d + usize::from(!agrees)),
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
        let landmark_groups = landmark_groups_before(tokens, &covered, start);
        let bare = prefix == Prefix::None;
        if bare && all.contains(&Entry::Province) {
            // A bare province name ("…, Hà Nội") names the province, not a unit in it.
            continue;
        }
        let entries: Vec<Entry> = all
            .iter()
            .copied()
            .filter(|e| match (prefix, e) {
                (Prefix::Street | Prefix::Junction, Entry::Street(_)) => true,
                // A junction named after a place ("ngã tư Vân Đình"), not a street.
                (Prefix::Junction, Entry::New(_) | Entry::Old(_)) => {
                    !all.iter().any(|e| matches!(e, Entry::Street(_)))
                }
                (Prefix::Street | Prefix::Junction, _) => false,
                (Prefix::Landmark(_), Entry::PlaceCore(c)) => index.place_groups
                    [index.place_cores[*c].0]
                    .is_some_and(|g| landmark_groups.contains(&g)),
                // "công viên Cầu Giấy" is a park, not the bridge of that name.
                (Prefix::Landmark(_), Entry::Place(p)) => {
                    index.place_groups[*p].is_none_or(|g| landmark_groups.contains(&g))
                }
                (Prefix::Landmark(_), Entry::New(_) | Entry::Old(_) | Entry::Street(_)) => true,
                (Prefix::Hamlet, Entry::New(_) | Entry::Old(_) | Entry::Place(_)) => true,
                (Prefix::Unit(_), Entry::New(_) | Entry::Old(_)) => true,
                (Prefix::District(k), Entry::District(d)) => {
                    let kind = &index.districts[*d].kind;
                    kind.is_empty() || kind == k
                }
                (Prefix::City, Entry::District(d)) => {
                    let kind = &index.districts[*d].kind;
                    kind.is_empty() || kind == "thanh pho"
                }
                (
                    Prefix::None,
                    Entry::New(_)
                    | Entry::Old(_)
                    | Entry::District(_)
                    | Entry::Street(_)
                    | Entry::Place(_),
                ) => true,
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
        // One syllable typed with diacritics that contradict the name ("lăng" for "Láng") is
        // another word.
        let entries: Vec<Entry> = if len == 1 && has_diacritics(&typed[0].norm) {
            entries
                .into_iter()
                .filter(|e| diacritic_factor(typed, index.entry_norm(*e)) == 1.0)
                .collect()
        } else {
            entries
        };
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
        } else if entries
            .iter()
            .any(|e| matches!(e, Entry::New(_) | Entry::Old(_) | Entry::District(_)))
            && !matches!(prefix, Prefix::Landmark(_))
        {
            // A bare name that is a unit's and a place's ("Cát Linh", "Cầu Giấy") is the unit.
            entries
                .into_iter()
                .filter(|e| !matches!(e, Entry::Place(_) | Entry::PlaceCore(_)))
                .collect()
        } else if entries
            .iter()
            .any(|e| matches!(e, Entry::Place(_) | Entry::PlaceCore(_)))
        {
            // A place by its name says more than a unit or street it is named after.
            entries
                .into_iter()
                .filter(|e| matches!(e, Entry::Place(_) | Entry::PlaceCore(_)))
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
        super::super::test_squares(csv, 5)
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
