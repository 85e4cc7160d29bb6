//! Clean ("sạch"): duplicates and conflicts between records, found without comparing every pair.
//!
//! - Same identification number: one hash map over the numbers.
//! - Same name (diacritics folded) and date of birth: one hash map over (folded name, date).
//!   When the two numbers are one digit apart or two adjacent digits swapped, the pair is
//!   reported as a typing error of the number instead.
//! - Names one edit apart (substitution, insertion, deletion or adjacent swap, after folding) with
//!   the same date of birth: records are blocked by date of birth and sorted by name length, and
//!   only names whose lengths differ by at most one are compared. The cost is the sum over
//!   birth dates of the square of the block size: about 30 people share a birth date per million
//!   residents, so a million records need some 20 million cheap comparisons, not 10¹².
//! - Two active permanent residences, overlapping active temporary residences, overlapping stays
//!   of one passport: grouped by person or passport, which are small groups.
//!
//! In every pair the newer record (by [`id_order`]) gets the finding and names the older one as
//! related, so a pair yields one finding and the clean rate counts suspect copies, not originals.

use super::check::{declaration_dates_ok, registration_dates_ok, Sink};
use super::fxhash::{map_with_capacity, FxHashMap};
use super::rules::RuleId;
use super::types::{
    id_order, ForeignerDeclaration, Person, RecordKind, RecordRef, RecordStatus, Registration,
    RegistrationKind,
};
use crate::text::fold;
use chrono::NaiveDate;
use std::cmp::Ordering;
use std::sync::OnceLock;

/// Whether two sequences are at most one edit apart, where an edit is a substitution, an
/// insertion, a deletion or a swap of two adjacent elements (restricted Damerau–Levenshtein
/// distance ≤ 1). Runs in linear time.
pub fn within_one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let Some(i) = short.iter().zip(long).position(|(x, y)| x != y) else {
                return true;
            };
            if short[i + 1..] == long[i + 1..] {
                return true;
            }
            i + 1 < short.len()
                && short[i] == long[i + 1]
                && short[i + 1] == long[i]
                && short[i + 2..] == long[i + 2..]
        }
        1 => {
            let i = short
                .iter()
                .zip(long)
                .position(|(x, y)| x != y)
                .unwrap_or(short.len());
            short[i..] == long[i + 1..]
        }
        _ => false,
    }
}

/// Whether two strings are exactly one edit apart (see [`within_one_edit`]), comparing
/// characters.
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if a.is_ascii() && b.is_ascii() {
        return within_one_edit(a.as_bytes(), b.as_bytes());
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within_one_edit(&a, &b)
}

/// Whether two identification numbers differ by one digit or by a swap of adjacent digits.
pub fn pins_one_typo_apart(a: &str, b: &str) -> bool {
    a.len() == b.len() && a != b && within_one_edit(a.as_bytes(), b.as_bytes())
}

/// How [`fold`] treats one character on its own.
#[derive(Clone, Copy)]
enum Folded {
    /// Becomes this ASCII character.
    Char(u8),
    /// Becomes a word separator (punctuation, white space).
    Separator,
    /// Anything else (combining marks, multi-character lower cases): fold the whole text.
    Complex,
}

/// Characters below this code point are tabulated: Latin, Latin Extended and Latin Extended
/// Additional, which hold every precomposed Vietnamese letter.
const TABLE_END: u32 = 0x1F00;

fn fold_table() -> &'static [Folded] {
    static TABLE: OnceLock<Vec<Folded>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..TABLE_END)
            .map(|cp| {
                let Some(c) = char::from_u32(cp) else {
                    return Folded::Complex;
                };
                if ('\u{0300}'..='\u{036f}').contains(&c) {
                    return Folded::Complex;
                }
                let f = fold(&c.to_string());
                match f.as_bytes() {
                    [] => Folded::Separator,
                    [b] if b.is_ascii() => Folded::Char(*b),
                    _ => Folded::Complex,
                }
            })
            .collect()
    })
}

/// The same result as [`crate::text::fold`], computed through a per-character table built from
/// it: names are folded a million times per check run, and decomposing each one was the largest
/// single cost. Text with characters outside the table falls back to `fold` itself.
pub fn fold_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    fold_name_into(name, &mut out);
    out
}

/// Appends the folded form of `name` to `out` (see [`fold_name`]).
pub fn fold_name_into(name: &str, out: &mut String) {
    let table = fold_table();
    let start = out.len();
    for c in name.chars() {
        let entry = table.get(c as usize).copied().unwrap_or(Folded::Complex);
        match entry {
            Folded::Char(b) => out.push(b as char),
            Folded::Separator => {
                if out.len() > start && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            Folded::Complex => {
                out.truncate(start);
                out.push_str(&fold(name));
                return;
            }
        }
    }
    if out.len() > start && out.ends_with(' ') {
        out.pop();
    }
}

fn pin_key(p: &Person) -> Option<&str> {
    let pin = p.pin.trim();
    (!pin.is_empty()).then_some(pin)
}

fn creation_order<T>(items: &[T], id: impl Fn(&T) -> &str) -> Vec<u32> {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    // Stores usually hand records over in id order already: then there is nothing to sort.
    let sorted = items
        .windows(2)
        .all(|w| id_order(id(&w[0]), id(&w[1])) != Ordering::Greater);
    if sorted {
        return order;
    }
    order.sort_by(|&a, &b| id_order(id(&items[a as usize]), id(&items[b as usize])));
    order
}

fn person_ref(p: &Person) -> RecordRef {
    RecordRef::new(RecordKind::Person, p.id.clone())
}

/// Duplicate persons: same number, same folded name and birth date, typing errors.
pub(crate) fn check_persons(persons: &[Person], sink: &mut Sink<'_, '_>) {
    let rules = [
        RuleId::PersonDuplicatePin,
        RuleId::PersonDuplicateNameDob,
        RuleId::PersonDuplicatePinTypo,
        RuleId::PersonDuplicateNameTypo,
    ];
    if !rules.iter().any(|r| sink.on(*r)) {
        return;
    }
    let order = creation_order(persons, |p| p.id.as_str());
    let mut rank = vec![0u32; persons.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }

    // Same number. Twelve-digit numbers are keyed by their value (no string to follow on each
    // probe); anything else by its text.
    let mut first_by_number: FxHashMap<u64, u32> = map_with_capacity(persons.len());
    let mut first_by_text: FxHashMap<&str, u32> = FxHashMap::default();
    for &i in &order {
        let p = &persons[i as usize];
        let Some(pin) = pin_key(p) else { continue };
        let number = (pin.len() == 12 && pin.bytes().all(|b| b.is_ascii_digit()))
            .then(|| pin.parse::<u64>().ok())
            .flatten();
        let earlier = match number {
            Some(n) => first_by_number.get(&n),
            None => first_by_text.get(pin),
        };
        match earlier {
            Some(&first) => {
                let first = &persons[first as usize];
                let related = vec![person_ref(first)];
                let other = first.id.clone();
                sink.emit(
                    RuleId::PersonDuplicatePin,
                    person_ref(p),
                    &p.unit,
                    related,
                    || {
                        (
                            format!("Trùng số định danh với nhân khẩu {other}"),
                            format!("Same identification number as person {other}"),
                        )
                    },
                );
            }
            None => {
                match number {
                    Some(n) => first_by_number.insert(n, i),
                    None => first_by_text.insert(pin, i),
                };
            }
        }
    }
    drop(first_by_number);

    // Same folded name and date of birth.
    // All folded names in one buffer: a million small allocations were a tenth of the run.
    let mut arena = String::with_capacity(persons.len() * 16);
    let mut spans: Vec<(u32, u32)> = Vec::with_capacity(persons.len());
    for p in persons {
        let start = arena.len();
        if p.date_of_birth.is_some() && !p.full_name.trim().is_empty() {
            fold_name_into(&p.full_name, &mut arena);
        }
        spans.push((start as u32, arena.len() as u32));
    }
    let folded: Vec<&str> = spans
        .iter()
        .map(|&(a, b)| &arena[a as usize..b as usize])
        .collect();
    let ascii: Vec<bool> = folded.iter().map(|f| f.is_ascii()).collect();
    // Groups are chained through `previous` (newest member in the map) so that the million
    // single-member groups cost no allocation.
    let mut newest: FxHashMap<(&str, NaiveDate), u32> = map_with_capacity(persons.len());
    let mut previous: Vec<u32> = vec![u32::MAX; persons.len()];
    let mut group: Vec<u32> = Vec::new();
    for &i in &order {
        let p = &persons[i as usize];
        let (Some(dob), name) = (p.date_of_birth, folded[i as usize]) else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let Some(mut member) = newest.insert((name, dob), i) else {
            continue;
        };
        previous[i as usize] = member;
        group.clear();
        loop {
            group.push(member);
            member = previous[member as usize];
            if member == u32::MAX {
                break;
            }
        }
        group.reverse();
        let pin = pin_key(p);
        let same_pin = |e: &u32| pin.is_some() && pin_key(&persons[*e as usize]) == pin;
        if !group.iter().any(same_pin) {
            let typo = pin.and_then(|pin| {
                group.iter().copied().find(|e| {
                    pin_key(&persons[*e as usize]).is_some_and(|o| pins_one_typo_apart(o, pin))
                })
            });
            match typo {
                Some(e) => {
                    let other = &persons[e as usize];
                    let other_id = other.id.clone();
                    sink.emit(
                        RuleId::PersonDuplicatePinTypo,
                        person_ref(p),
                        &p.unit,
                        vec![person_ref(other)],
                        || {
                            (
                                format!("Cùng họ tên, ngày sinh với nhân khẩu {other_id}; số định danh chỉ khác một chữ số (nghi nhập sai)"),
                                format!("Same name and date of birth as person {other_id}; the numbers differ by one digit (likely a typing error)"),
                            )
                        },
                    );
                }
                None => {
                    let other = &persons[group[0] as usize];
                    let other_id = other.id.clone();
                    sink.emit(
                        RuleId::PersonDuplicateNameDob,
                        person_ref(p),
                        &p.unit,
                        vec![person_ref(other)],
                        || {
                            (
                                format!("Cùng họ tên (không dấu) và ngày sinh với nhân khẩu {other_id} nhưng khác số định danh"),
                                format!("Same name (ignoring diacritics) and date of birth as person {other_id}, different number"),
                            )
                        },
                    );
                }
            }
        }
    }
    drop(newest);

    // Names one edit apart, same date of birth.
    if !sink.on(RuleId::PersonDuplicateNameTypo) {
        return;
    }
    let mut blocked: Vec<(NaiveDate, u32, u32)> = persons
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let name = &folded[i];
            let dob = p.date_of_birth?;
            (!name.is_empty()).then(|| (dob, name.chars().count() as u32, i as u32))
        })
        .collect();
    blocked.sort_unstable();
    // For each newer record, the oldest record it is one edit away from.
    let mut partner: FxHashMap<u32, u32> = FxHashMap::default();
    let mut start = 0;
    while start < blocked.len() {
        let dob = blocked[start].0;
        let end = start + blocked[start..].iter().take_while(|b| b.0 == dob).count();
        let block = &blocked[start..end];
        for (x, &(_, len_a, a)) in block.iter().enumerate() {
            for &(_, len_b, b) in &block[x + 1..] {
                if len_b > len_a + 1 {
                    break;
                }
                let (pa, pb) = (&persons[a as usize], &persons[b as usize]);
                if pin_key(pa).is_some() && pin_key(pa) == pin_key(pb) {
                    continue;
                }
                let (fa, fb) = (folded[a as usize], folded[b as usize]);
                let close = if ascii[a as usize] && ascii[b as usize] {
                    fa != fb && within_one_edit(fa.as_bytes(), fb.as_bytes())
                } else {
                    one_edit_apart(fa, fb)
                };
                if !close {
                    continue;
                }
                let (older, newer) = if rank[a as usize] < rank[b as usize] {
                    (a, b)
                } else {
                    (b, a)
                };
                let slot = partner.entry(newer).or_insert(older);
                if rank[older as usize] < rank[*slot as usize] {
                    *slot = older;
                }
            }
        }
        start = end;
    }
    let mut pairs: Vec<(u32, u32)> = partner.into_iter().collect();
    pairs.sort_unstable();
    for (newer, older) in pairs {
        let (p, o) = (&persons[newer as usize], &persons[older as usize]);
        let other_id = o.id.clone();
        let (name_p, name_o) = (p.full_name.clone(), o.full_name.clone());
        sink.emit(
            RuleId::PersonDuplicateNameTypo,
            person_ref(p),
            &p.unit,
            vec![person_ref(o)],
            || {
                (
                    format!("Cùng ngày sinh với nhân khẩu {other_id}, họ tên \"{name_p}\" và \"{name_o}\" chỉ khác một ký tự (nghi trùng)"),
                    format!("Same date of birth as person {other_id}; names \"{name_p}\" and \"{name_o}\" differ by one character (likely duplicate)"),
                )
            },
        );
    }
}

fn registration_ref(r: &Registration) -> RecordRef {
    RecordRef::new(RecordKind::Registration, r.id.clone())
}

/// Conflicting residences of one person.
pub(crate) fn check_registrations(
    registrations: &[Registration],
    reg_person: &[u32],
    persons: usize,
    sink: &mut Sink<'_, '_>,
) {
    if !sink.on(RuleId::RegistrationMultiplePermanent)
        && !sink.on(RuleId::RegistrationOverlappingTemporary)
    {
        return;
    }
    // First registration of each kind per person, indexed by person (no hashing); registrations
    // of unknown persons are grouped by their person id. Only people with a second one get a
    // group.
    let mut first: [Vec<u32>; 2] = [vec![u32::MAX; persons], vec![u32::MAX; persons]];
    let mut first_unknown: FxHashMap<(&str, usize), u32> = FxHashMap::default();
    let mut groups: [FxHashMap<&str, Vec<u32>>; 2] = [FxHashMap::default(), FxHashMap::default()];
    for (i, r) in registrations.iter().enumerate() {
        if r.status != RecordStatus::Active || !r.person_id.chars().any(|c| !c.is_whitespace()) {
            continue;
        }
        let k = match r.kind {
            RegistrationKind::Permanent => 0,
            RegistrationKind::Temporary
                if r.start.is_some() && r.end.is_some() && registration_dates_ok(r) =>
            {
                1
            }
            _ => continue,
        };
        let person = reg_person.get(i).copied().unwrap_or(u32::MAX);
        let slot = match first[k].get_mut(person as usize) {
            Some(slot) => slot,
            None => first_unknown
                .entry((r.person_id.as_str(), k))
                .or_insert(u32::MAX),
        };
        if *slot == u32::MAX {
            *slot = i as u32;
        } else {
            let f = *slot;
            groups[k]
                .entry(&r.person_id)
                .or_insert_with(|| vec![f])
                .push(i as u32);
        }
    }
    let [permanent, temporary] = groups;
    let sorted = |mut v: Vec<u32>| {
        v.sort_by(|&a, &b| id_order(&registrations[a as usize].id, &registrations[b as usize].id));
        v
    };
    let mut perm_groups: Vec<Vec<u32>> = permanent
        .into_values()
        .filter(|g| g.len() > 1)
        .map(sorted)
        .collect();
    perm_groups.sort_unstable();
    for group in perm_groups {
        let first = &registrations[group[0] as usize];
        for &i in &group[1..] {
            let r = &registrations[i as usize];
            let other = first.id.clone();
            sink.emit(
                RuleId::RegistrationMultiplePermanent,
                registration_ref(r),
                &r.unit,
                vec![registration_ref(first)],
                || {
                    (
                        format!(
                            "Nhân khẩu {} đã có đăng ký thường trú {other} đang hiệu lực",
                            r.person_id
                        ),
                        format!(
                            "Person {} already has permanent residence {other} in force",
                            r.person_id
                        ),
                    )
                },
            );
        }
    }
    let mut temp_groups: Vec<Vec<u32>> = temporary
        .into_values()
        .filter(|g| g.len() > 1)
        .map(sorted)
        .collect();
    temp_groups.sort_unstable();
    for group in temp_groups {
        for (x, &j) in group.iter().enumerate() {
            let r = &registrations[j as usize];
            let (Some(s), Some(e)) = (r.start, r.end) else {
                continue;
            };
            let overlapping = group[..x]
                .iter()
                .map(|&i| &registrations[i as usize])
                .find(|o| matches!((o.start, o.end), (Some(os), Some(oe)) if os <= e && s <= oe));
            if let Some(o) = overlapping {
                let same_place = crate::text::fold(&o.address) == crate::text::fold(&r.address);
                let other = o.id.clone();
                sink.emit(
                    RuleId::RegistrationOverlappingTemporary,
                    registration_ref(r),
                    &r.unit,
                    vec![registration_ref(o)],
                    || {
                        if same_place {
                            (
                                format!("Trùng thời gian và địa chỉ với đăng ký tạm trú {other} (nhập trùng)"),
                                format!("Same period and address as temporary residence {other} (entered twice)"),
                            )
                        } else {
                            (
                                format!("Trùng thời gian với đăng ký tạm trú {other} ở nơi khác"),
                                format!("Overlaps temporary residence {other} at another place"),
                            )
                        }
                    },
                );
            }
        }
    }
}

fn passport_key(d: &ForeignerDeclaration) -> Option<String> {
    let number: String = d
        .passport_number
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect();
    if number.is_empty() {
        return None;
    }
    Some(format!(
        "{}|{number}",
        d.passport_country.trim().to_uppercase()
    ))
}

/// Declarations of one passport covering the same time.
pub(crate) fn check_declarations(declarations: &[ForeignerDeclaration], sink: &mut Sink<'_, '_>) {
    if !sink.on(RuleId::DeclarationDuplicate) {
        return;
    }
    let today = sink.checker.today;
    let now = sink.checker.now;
    let mut groups: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for (i, d) in declarations.iter().enumerate() {
        if d.arrival_at.is_none() || !declaration_dates_ok(d, today) {
            continue;
        }
        if let Some(key) = passport_key(d) {
            groups.entry(key).or_default().push(i as u32);
        }
    }
    let interval = |d: &ForeignerDeclaration| {
        let arrival = d.arrival_at.unwrap_or(now);
        let end = match (d.departure_at, d.status) {
            (Some(dep), _) => dep,
            (None, RecordStatus::Active) => now.max(arrival),
            (None, RecordStatus::Ended) => arrival,
        };
        (arrival, end)
    };
    let mut groups: Vec<Vec<u32>> = groups.into_values().filter(|g| g.len() > 1).collect();
    for g in &mut groups {
        g.sort_by(|&a, &b| id_order(&declarations[a as usize].id, &declarations[b as usize].id));
    }
    groups.sort_unstable();
    for group in groups {
        for (x, &j) in group.iter().enumerate() {
            let d = &declarations[j as usize];
            let (a, e) = interval(d);
            let overlapping = group[..x]
                .iter()
                .map(|&i| &declarations[i as usize])
                .find(|o| {
                    let (oa, oe) = interval(o);
                    oa < e && a < oe
                });
            if let Some(o) = overlapping {
                let other = o.id.clone();
                sink.emit(
                    RuleId::DeclarationDuplicate,
                    RecordRef::new(RecordKind::Declaration, d.id.clone()),
                    &d.unit,
                    vec![RecordRef::new(RecordKind::Declaration, o.id.clone())],
                    || {
                        (
                            format!(
                                "Cùng hộ chiếu với khai báo {other} và trùng thời gian lưu trú"
                            ),
                            format!("Same passport as declaration {other} over the same time"),
                        )
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_edit_cases() {
        assert!(one_edit_apart("nguyen van hung", "nguyen van hang"));
        assert!(one_edit_apart("nguyen van hung", "nguyen van hun"));
        assert!(one_edit_apart("nguyen van hung", "nguyen vn hung"));
        assert!(one_edit_apart("nguyen van hung", "ngyuen van hung"));
        assert!(!one_edit_apart("nguyen van hung", "nguyen van hung"));
        assert!(!one_edit_apart("nguyen van hung", "nguyen van dungx"));
        assert!(!one_edit_apart("abcd", "badc"));
        assert!(pins_one_typo_apart("001086012345", "001086012354"));
        assert!(pins_one_typo_apart("001086012345", "001086012346"));
        assert!(!pins_one_typo_apart("001086012345", "001086012399"));
    }

    fn levenshtein_damerau(a: &[u8], b: &[u8]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    #[test]
    fn fold_name_matches_fold() {
        for s in [
            "Nguyễn Văn Hùng",
            "  ĐỖ  thị-Ánh  ",
            "H'Hen Niê",
            "Lê Thị Mai 2",
            "Ø ß İ",
            "e\u{301}",
        ] {
            assert_eq!(fold_name(s), fold(s), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn fold_name_is_fold(s in "[a-zA-Z0-9àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵĐÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚĂĨŨƠƯẠỲÝỴ ,.'\\-]{0,30}") {
            prop_assert_eq!(fold_name(&s), fold(&s));
        }

        #[test]
        fn fold_name_is_fold_for_any_text(s in "\\PC{0,20}") {
            prop_assert_eq!(fold_name(&s), fold(&s));
        }

        #[test]
        fn within_one_edit_matches_full_distance(a in "[abc]{0,6}", b in "[abc]{0,6}") {
            let expected = levenshtein_damerau(a.as_bytes(), b.as_bytes()) <= 1;
            prop_assert_eq!(within_one_edit(a.as_bytes(), b.as_bytes()), expected);
        }
    }
}
