//! Typing slips in address text: "ngõ 51 khâm thiêm" for Khâm Thiên. After a house number or
//! a street word (phố, đường, ngõ, …), a run of two or more words that is one letter away (one
//! changed, added or dropped) from exactly one name the gazetteer knows is read as that name.
//! Elsewhere a word is taken as typed: "lăng Bác" is no slip for "Hàng Bạc". The resolver tries this only when the text as typed
//! finds nothing, and then never assigns a unit without a person: a corrected word is a guess.

use std::collections::HashMap;

use super::address::{tokenize, AddressIndex};

/// Longest name, in words, compared word by word.
const MAX_WORDS: usize = 5;

/// A name read from words that were typed differently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Slip {
    /// The words as typed (folded).
    pub typed: String,
    /// The name's words they were read as (folded).
    pub read: String,
}

/// Names of two words or more, by word count (folded, words split).
#[derive(Debug, Default)]
pub(crate) struct Names {
    by_len: HashMap<usize, Vec<Vec<String>>>,
}

/// Words after which a name is a street's (folded).
const STREET_WORDS: &[&str] = &[
    "so", "pho", "duong", "ngo", "ngach", "hem", "kiet", "d", "p",
];

/// Whether the words before `tokens[i]` (in its part of the text) say a street name follows.
fn after_street_word(tokens: &[super::address::Token], i: usize) -> bool {
    i > 0
        && tokens[i - 1].segment == tokens[i].segment
        && (STREET_WORDS.contains(&tokens[i - 1].fold.as_str())
            || tokens[i - 1].fold.starts_with(|c: char| c.is_ascii_digit()))
}

impl Names {
    pub(crate) fn build<'a>(keys: impl Iterator<Item = &'a String>) -> Names {
        let mut by_len: HashMap<usize, Vec<Vec<String>>> = HashMap::new();
        for key in keys {
            let words: Vec<String> = key.split(' ').map(str::to_owned).collect();
            if (2..=MAX_WORDS).contains(&words.len()) {
                by_len.entry(words.len()).or_default().push(words);
            }
        }
        for names in by_len.values_mut() {
            names.sort();
            names.dedup();
        }
        Names { by_len }
    }
}

impl AddressIndex {
    /// `text` with each slipped name written as the name, and the slips; `None` when no
    /// run of words reads as exactly one known name after one letter's change.
    pub(crate) fn correct_slips(&self, text: &str) -> Option<(String, Vec<Slip>)> {
        let tokens = tokenize(text);
        let mut words: Vec<String> = tokens.iter().map(|t| t.fold.clone()).collect();
        let mut slips = Vec::new();
        let mut i = 0;
        'start: while i < tokens.len() {
            if !after_street_word(&tokens, i) {
                i += 1;
                continue;
            }
            for n in (2..=MAX_WORDS).rev() {
                let Some(window) = tokens.get(i..i + n) else {
                    continue;
                };
                if window.iter().any(|t| t.segment != window[0].segment) {
                    continue;
                }
                let typed: Vec<&str> = window.iter().map(|t| t.fold.as_str()).collect();
                let names = self.slip_names();
                let mut found: Option<&Vec<String>> = None;
                let mut several = false;
                for name in names.by_len.get(&n).into_iter().flatten() {
                    if one_slip_apart(&typed, name) {
                        if found.is_some() {
                            several = true;
                            break;
                        }
                        found = Some(name);
                    }
                }
                if let (Some(name), false) = (found, several) {
                    slips.push(Slip {
                        typed: typed.join(" "),
                        read: name.join(" "),
                    });
                    words.splice(i..i + n, name.iter().cloned());
                    i += n;
                    continue 'start;
                }
            }
            i += 1;
        }
        if slips.is_empty() {
            return None;
        }
        // Parts of the text stay apart, so that a district after a comma is still one.
        let mut out = String::new();
        for (k, w) in words.iter().enumerate() {
            if k > 0 {
                out.push_str(if tokens[k].segment == tokens[k - 1].segment {
                    " "
                } else {
                    ", "
                });
            }
            out.push_str(w);
        }
        Some((out, slips))
    }
}

/// The same words but one, which differs by one letter; a word of one or two letters, or a
/// number, never slips.
fn one_slip_apart(typed: &[&str], name: &[String]) -> bool {
    let mut slipped = false;
    for (a, b) in typed.iter().zip(name) {
        if *a == b {
            continue;
        }
        if slipped
            || a.chars().count() < 3
            || a.starts_with(|c: char| c.is_ascii_digit())
            || !one_edit(a, b)
        {
            return false;
        }
        slipped = true;
    }
    slipped
}

/// Whether `a` becomes `b` by changing, adding or dropping one letter.
fn one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            short
                .iter()
                .zip(long.iter())
                .filter(|(x, y)| x != y)
                .count()
                == 1
        }
        1 => {
            let head = short
                .iter()
                .zip(long.iter())
                .take_while(|(x, y)| x == y)
                .count();
            short[head..] == long[head + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_letter_changed_added_or_dropped() {
        assert!(one_edit("thiem", "thien"));
        assert!(one_edit("thin", "thien"));
        assert!(one_edit("thienn", "thien"));
        assert!(!one_edit("thien", "thien"));
        assert!(!one_edit("tien", "thiep"));
        assert!(!one_edit("th", "thien"));
    }

    #[test]
    fn only_one_word_may_slip_and_short_words_never() {
        let name = |s: &str| s.split(' ').map(str::to_owned).collect::<Vec<_>>();
        let apart = |typed: &[&str], n: &str| one_slip_apart(typed, &name(n));
        assert!(apart(&["kham", "thiem"], "kham thien"));
        assert!(!apart(&["kham", "thien"], "kham thien"));
        assert!(!apart(&["khan", "thiem"], "kham thien"));
        assert!(!apart(&["o", "thien"], "a thien"));
        assert!(!apart(&["12", "thien"], "13 thien"));
    }

    #[test]
    fn only_after_a_house_number_or_a_street_word() {
        let tokens = tokenize("ngõ 51 khâm thiêm, gần lăng Bác");
        let at = |w: &str| tokens.iter().position(|t| t.fold == w).unwrap();
        assert!(after_street_word(&tokens, at("kham")));
        assert!(after_street_word(&tokens, at("51")));
        assert!(!after_street_word(&tokens, at("lang")));
        assert!(!after_street_word(&tokens, 0));
    }
}
