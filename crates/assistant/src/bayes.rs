//! A small naive Bayes text classifier over syllables (diacritics folded, abbreviations
//! expanded) and pairs of neighbouring syllables. Each feature counts once per message. The
//! readers built on it ([`crate::decline_model`], [`crate::report_model`]) train it from
//! labelled messages when the assistant starts and ask it only after the rules.

use std::collections::{HashMap, HashSet};

use crate::text::Token;

/// Additive smoothing of the feature counts.
const ALPHA: f64 = 0.5;

struct Class<L> {
    label: L,
    log_prior: f64,
    counts: HashMap<String, u32>,
    total: u32,
}

/// A trained classifier with labels of type `L`.
pub struct Bayes<L> {
    classes: Vec<Class<L>>,
    vocabulary: HashSet<String>,
}

/// Syllables and pairs of neighbouring syllables, without punctuation.
pub fn features(tokens: &[Token]) -> HashSet<String> {
    let words: Vec<&str> = tokens
        .iter()
        .map(|t| t.fold.as_str())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    let mut out: HashSet<String> = words.iter().map(|w| (*w).to_string()).collect();
    out.extend(words.windows(2).map(|p| format!("{}_{}", p[0], p[1])));
    out
}

impl<L: Copy + PartialEq> Bayes<L> {
    /// Trains on (message, label) pairs.
    pub fn train(examples: impl IntoIterator<Item = (String, L)>) -> Bayes<L> {
        let mut classes: Vec<Class<L>> = Vec::new();
        let mut vocabulary = HashSet::new();
        let mut seen = 0u32;
        for (message, label) in examples {
            seen += 1;
            let i = match classes.iter().position(|c| c.label == label) {
                Some(i) => i,
                None => {
                    classes.push(Class {
                        label,
                        log_prior: 0.0,
                        counts: HashMap::new(),
                        total: 0,
                    });
                    classes.len() - 1
                }
            };
            let class = &mut classes[i];
            class.log_prior += 1.0;
            for f in features(&crate::text::analyze(&message)) {
                *class.counts.entry(f.clone()).or_insert(0) += 1;
                class.total += 1;
                vocabulary.insert(f);
            }
        }
        for class in &mut classes {
            class.log_prior = (class.log_prior / f64::from(seen.max(1))).ln();
        }
        Bayes {
            classes,
            vocabulary,
        }
    }

    /// The log score of every label for a message.
    pub fn scores(&self, tokens: &[Token]) -> Vec<(L, f64)> {
        let features = features(tokens);
        let known: Vec<&String> = features
            .iter()
            .filter(|f| self.vocabulary.contains(*f))
            .collect();
        let v = self.vocabulary.len() as f64;
        self.classes
            .iter()
            .map(|c| {
                let denominator = (f64::from(c.total) + ALPHA * v).ln();
                let score = known.iter().fold(c.log_prior, |acc, f| {
                    let n = c.counts.get(*f).copied().unwrap_or(0);
                    acc + (f64::from(n) + ALPHA).ln() - denominator
                });
                (c.label, score)
            })
            .collect()
    }

    /// The labels it was trained with.
    pub fn labels(&self) -> Vec<L> {
        self.classes.iter().map(|c| c.label).collect()
    }

    /// How many distinct features it knows.
    pub fn vocabulary_len(&self) -> usize {
        self.vocabulary.len()
    }
}

/// The lines of JSONL training files: each object's `q`, `expect` and `reason` (when present).
pub fn labelled_lines(files: &[&'static str]) -> Vec<(String, String, Option<String>)> {
    files
        .iter()
        .flat_map(|f| f.lines())
        .filter_map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).ok()?;
            let q = v.get("q")?.as_str()?.to_string();
            let expect = v.get("expect")?.as_str()?.to_string();
            let reason = v.get("reason").and_then(|r| r.as_str()).map(str::to_string);
            Some((q, expect, reason))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::analyze;

    #[test]
    fn features_are_folded_syllables_and_pairs() {
        let f = features(&analyze("Cháy nhà, ko ai ở"));
        assert!(f.contains("chay"));
        assert!(f.contains("chay_nha"));
        assert!(f.contains("khong"), "{f:?}");
        assert!(!f.iter().any(|w| w.contains(',')));
    }

    #[test]
    fn learns_which_words_go_with_which_label() {
        let b = Bayes::train([
            ("mất xe máy tối qua".to_string(), true),
            ("bị trộm ví hôm qua".to_string(), true),
            ("làm căn cước ở đâu".to_string(), false),
            ("đăng ký tạm trú thế nào".to_string(), false),
        ]);
        let scores = b.scores(&analyze("mất ví tối qua"));
        let yes = scores
            .iter()
            .find(|(l, _)| *l)
            .map(|s| s.1)
            .unwrap_or(f64::MIN);
        let no = scores
            .iter()
            .find(|(l, _)| !*l)
            .map(|s| s.1)
            .unwrap_or(f64::MAX);
        assert!(yes > no, "{scores:?}");
        assert_eq!(b.labels().len(), 2);
    }
}
