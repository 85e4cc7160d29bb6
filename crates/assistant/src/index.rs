//! An in-memory BM25F inverted index over the knowledge base.
//!
//! With [`Analysis::Vietnamese`] every field is indexed as syllable unigrams and syllable pairs
//! (bigrams), each both with diacritics and folded, so a question typed without diacritics still
//! matches and one typed with them matches more precisely. Query weights rank an exact bigram
//! above a folded bigram above an exact unigram above a folded unigram; fields are boosted
//! title > keywords and example questions > body. Unknown query syllables of four letters or
//! more, typed without diacritics, are repaired by edit distance one against the index
//! vocabulary.
//!
//! [`Analysis::Plain`] is the baseline the evaluation compares against: whitespace tokens,
//! lower case only, no folding, bigrams, abbreviations or typo repair.

use std::collections::{HashMap, HashSet};

use crate::kb::Article;
use crate::text::{self, Token};

/// How text is turned into index terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Syllables and bigrams, with and without diacritics, abbreviations, stopwords, typos.
    Vietnamese,
    /// Baseline: `to_lowercase` + whitespace split, nothing else.
    Plain,
}

/// Ranking parameters.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// BM25 term-frequency saturation.
    pub k1: f32,
    /// BM25 length normalisation.
    pub b: f32,
    /// Field boosts: title, keywords + questions, body.
    pub boosts: [f32; 3],
    /// Weights of the term kinds: exact bigram, folded bigram, exact unigram, folded unigram.
    pub kinds: [f32; 4],
}

impl Default for Params {
    fn default() -> Self {
        Params {
            k1: 1.2,
            b: 0.75,
            boosts: [3.0, 2.0, 1.0],
            kinds: [1.6, 1.3, 1.1, 1.0],
        }
    }
}

/// A ranked document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the article in the knowledge base.
    pub doc: usize,
    /// BM25F score.
    pub score: f32,
    /// Share (weighted by idf) of the query's content syllables found in the article.
    pub coverage: f32,
}

#[derive(Debug, Default)]
struct Field {
    postings: HashMap<String, Vec<(u32, f32)>>,
    len: Vec<f32>,
    avg_len: f32,
}

/// The index.
#[derive(Debug)]
pub struct Index {
    analysis: Analysis,
    params: Params,
    fields: [Field; 3],
    df: HashMap<String, u32>,
    n_docs: usize,
    /// Folded content syllables per document, for coverage.
    doc_folds: Vec<HashSet<String>>,
    /// Content syllables with diacritics per document, for coverage of accented queries.
    doc_norms: Vec<HashSet<String>>,
    /// Folded syllable pairs per document: an accented query syllable whose diacritics are
    /// off ("phạt nguôi") still counts when it forms a known pair with a neighbour.
    doc_pairs: Vec<HashSet<String>>,
    /// Folded syllable → number of occurrences in the base, for typo repair.
    vocabulary: HashMap<String, u32>,
}

/// Term kind prefixes: exact bigram, folded bigram, exact unigram, folded unigram.
const KIND_PREFIX: [&str; 4] = ["B|", "b|", "U|", "u|"];

fn kind_of(term: &str) -> usize {
    KIND_PREFIX
        .iter()
        .position(|p| term.starts_with(p))
        .unwrap_or(3)
}

/// Terms of one piece of text for the Vietnamese analysis.
fn vietnamese_terms(tokens: &[Token], out: &mut Vec<String>) {
    let stop = text::stop_mask(tokens);
    for (t, &is_stop) in tokens.iter().zip(&stop) {
        if is_stop {
            continue;
        }
        if t.has_diacritics() {
            out.push(format!("U|{}", t.norm));
        }
        out.push(format!("u|{}", t.fold));
    }
    for (i, pair) in tokens.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if stop[i] && stop[i + 1] {
            continue;
        }
        if a.has_diacritics() || b.has_diacritics() {
            out.push(format!("B|{} {}", a.norm, b.norm));
        }
        out.push(format!("b|{} {}", a.fold, b.fold));
    }
}

fn plain_terms(text: &str, out: &mut Vec<String>) {
    out.extend(
        text.to_lowercase()
            .split_whitespace()
            .map(|w| format!("u|{w}")),
    );
}

impl Index {
    /// Indexes the articles.
    pub fn build(articles: &[Article], analysis: Analysis, params: Params) -> Index {
        let mut fields: [Field; 3] = Default::default();
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut doc_folds = Vec::with_capacity(articles.len());
        let mut doc_norms = Vec::with_capacity(articles.len());
        let mut doc_pairs = Vec::with_capacity(articles.len());
        let mut vocabulary: HashMap<String, u32> = HashMap::new();
        for (doc, a) in articles.iter().enumerate() {
            let mut keys: Vec<&str> = a.keywords.iter().map(String::as_str).collect();
            keys.extend(a.questions.iter().map(String::as_str));
            let pieces: [Vec<&str>; 3] = [vec![a.title.as_str()], keys, vec![a.body.as_str()]];
            let mut in_doc: HashSet<String> = HashSet::new();
            let mut folds = HashSet::new();
            let mut norms = HashSet::new();
            let mut pairs = HashSet::new();
            for (f, texts) in pieces.iter().enumerate() {
                let mut terms = Vec::new();
                for piece in texts {
                    match analysis {
                        Analysis::Vietnamese => {
                            let tokens = text::analyze(piece);
                            for t in &tokens {
                                *vocabulary.entry(t.fold.clone()).or_default() += 1;
                                if !text::is_stopword(t) {
                                    folds.insert(t.fold.clone());
                                    norms.insert(t.norm.clone());
                                }
                            }
                            for w in tokens.windows(2) {
                                pairs.insert(format!("{} {}", w[0].fold, w[1].fold));
                            }
                            vietnamese_terms(&tokens, &mut terms);
                        }
                        Analysis::Plain => plain_terms(piece, &mut terms),
                    }
                }
                let len = terms.iter().filter(|t| kind_of(t) == 3).count() as f32;
                fields[f].len.push(len);
                let mut tf: HashMap<String, f32> = HashMap::new();
                for t in terms {
                    *tf.entry(t).or_default() += 1.0;
                }
                for (term, count) in tf {
                    in_doc.insert(term.clone());
                    fields[f]
                        .postings
                        .entry(term)
                        .or_default()
                        .push((doc as u32, count));
                }
            }
            for term in in_doc {
                *df.entry(term).or_default() += 1;
            }
            doc_folds.push(folds);
            doc_norms.push(norms);
            doc_pairs.push(pairs);
        }
        for field in &mut fields {
            let total: f32 = field.len.iter().sum();
            field.avg_len = if field.len.is_empty() {
                1.0
            } else {
                (total / field.len.len() as f32).max(1.0)
            };
        }
        Index {
            analysis,
            params,
            fields,
            df,
            n_docs: articles.len(),
            doc_folds,
            doc_norms,
            doc_pairs,
            vocabulary,
        }
    }

    fn idf(&self, df: u32) -> f32 {
        let n = self.n_docs as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Repairs one-letter typos in content syllables typed without diacritics that the base
    /// does not know.
    pub fn repair(&self, tokens: Vec<Token>) -> Vec<Token> {
        tokens
            .into_iter()
            .map(|t| {
                // A syllable typed with diacritics that the base does not know is a real word
                // we have no article for ("xăng", "vàng"), not a typo: leave it alone.
                if text::is_stopword(&t)
                    || t.has_diacritics()
                    || self.vocabulary.contains_key(&t.fold)
                {
                    return t;
                }
                let vocab = self.vocabulary.iter().map(|(w, c)| (w.as_str(), *c));
                match text::correct_typo(&t.fold, vocab) {
                    Some(fixed) => Token {
                        norm: fixed.to_string(),
                        fold: fixed.to_string(),
                    },
                    None => t,
                }
            })
            .collect()
    }

    /// The query terms of a message (after typo repair for the Vietnamese analysis).
    pub fn query_terms(&self, query: &str) -> (Vec<String>, Vec<Token>) {
        let mut terms = Vec::new();
        let mut tokens = Vec::new();
        match self.analysis {
            Analysis::Vietnamese => {
                tokens = self.repair(text::analyze(query));
                vietnamese_terms(&tokens, &mut terms);
            }
            Analysis::Plain => plain_terms(query, &mut terms),
        }
        let mut seen = HashSet::new();
        terms.retain(|t| seen.insert(t.clone()));
        (terms, tokens)
    }

    /// Ranks all articles for a query; articles with no matching term are left out.
    pub fn search(&self, query: &str) -> Vec<Hit> {
        let (terms, tokens) = self.query_terms(query);
        let p = &self.params;
        let mut scores: HashMap<u32, f32> = HashMap::new();
        for term in &terms {
            let Some(&df) = self.df.get(term) else {
                continue;
            };
            let idf = self.idf(df) * p.kinds[kind_of(term)];
            let mut pseudo_tf: HashMap<u32, f32> = HashMap::new();
            for (f, field) in self.fields.iter().enumerate() {
                let Some(list) = field.postings.get(term) else {
                    continue;
                };
                for &(doc, tf) in list {
                    let len = field.len[doc as usize];
                    let norm = 1.0 - p.b + p.b * len / field.avg_len;
                    *pseudo_tf.entry(doc).or_default() += p.boosts[f] * tf / norm;
                }
            }
            for (doc, tf) in pseudo_tf {
                *scores.entry(doc).or_default() += idf * tf * (p.k1 + 1.0) / (tf + p.k1);
            }
        }
        // Coverage: an accented query syllable must be found with its diacritics ("vàng" is
        // not "vắng") unless it forms a known pair with a neighbour; one typed without
        // diacritics is looked up folded.
        let stop = text::stop_mask(&tokens);
        let mut seen = HashSet::new();
        let content: Vec<(usize, f32)> = (0..tokens.len())
            .filter(|&i| !stop[i])
            .filter(|&i| seen.insert(tokens[i].norm.as_str()))
            .map(|i| {
                let t = &tokens[i];
                let key = if t.has_diacritics() {
                    format!("U|{}", t.norm)
                } else {
                    format!("u|{}", t.fold)
                };
                (i, self.idf(self.df.get(&key).copied().unwrap_or(0)))
            })
            .collect();
        let total: f32 = content.iter().map(|(_, w)| w).sum();
        let pair = |a: usize, b: usize| format!("{} {}", tokens[a].fold, tokens[b].fold);
        let mut hits: Vec<Hit> = scores
            .into_iter()
            .map(|(doc, score)| {
                let d = doc as usize;
                let covered: f32 = content
                    .iter()
                    .filter(|(i, _)| {
                        let t = &tokens[*i];
                        if !t.has_diacritics() {
                            return self.doc_folds[d].contains(&t.fold);
                        }
                        self.doc_norms[d].contains(&t.norm)
                            || (*i > 0 && self.doc_pairs[d].contains(&pair(*i - 1, *i)))
                            || (*i + 1 < tokens.len()
                                && self.doc_pairs[d].contains(&pair(*i, *i + 1)))
                    })
                    .map(|(_, w)| w)
                    .sum();
                Hit {
                    doc: d,
                    score,
                    coverage: if total > 0.0 { covered / total } else { 0.0 },
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.doc.cmp(&b.doc)));
        hits
    }

    /// Number of indexed articles.
    pub fn len(&self) -> usize {
        self.n_docs
    }

    /// Whether no article is indexed.
    pub fn is_empty(&self) -> bool {
        self.n_docs == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn article(id: &str, title: &str, keywords: &str, body: &str) -> Article {
        let text = format!(
            "---\nid: {id}\ntopic: T00\ntitle: {title}\nkeywords: {keywords}\nlegal_basis: x\nchecked: 2026-01-01\n---\n{body}\n"
        );
        Article::parse(Path::new("t.md"), &text).unwrap()
    }

    fn sample() -> Vec<Article> {
        vec![
            article(
                "tam-tru",
                "Đăng ký tạm trú",
                "thuê trọ, ở trọ",
                "Ở từ 30 ngày trở lên tại nơi không phải nơi thường trú thì phải đăng ký tạm trú.",
            ),
            article(
                "thuong-tru",
                "Đăng ký thường trú",
                "nhập hộ khẩu",
                "Công dân có chỗ ở hợp pháp đăng ký thường trú tại công an xã, phường.",
            ),
            article(
                "can-cuoc",
                "Cấp thẻ căn cước",
                "làm căn cước, CCCD",
                "Công dân từ đủ 14 tuổi phải làm thẻ căn cước.",
            ),
        ]
    }

    fn top(index: &Index, q: &str) -> Option<usize> {
        index.search(q).first().map(|h| h.doc)
    }

    #[test]
    fn finds_with_and_without_diacritics_abbreviations_and_typos() {
        let idx = Index::build(&sample(), Analysis::Vietnamese, Params::default());
        assert_eq!(top(&idx, "đăng ký tạm trú"), Some(0));
        assert_eq!(top(&idx, "dang ky tam tru"), Some(0));
        assert_eq!(top(&idx, "dk tt o dau"), Some(0));
        assert_eq!(top(&idx, "đăng ký thường trú"), Some(1));
        assert_eq!(top(&idx, "dang ky thuong tru"), Some(1));
        assert_eq!(top(&idx, "dang ky thuongg tru"), Some(1));
        assert_eq!(top(&idx, "lam cccd"), Some(2));
        assert_eq!(top(&idx, "căn cuớc"), Some(2));
    }

    #[test]
    fn coverage_is_low_for_unrelated_questions() {
        let idx = Index::build(&sample(), Analysis::Vietnamese, Params::default());
        let hits = idx.search("giá vàng hôm nay tăng không");
        assert!(hits.first().is_none_or(|h| h.coverage < 0.5), "{hits:?}");
        let hits = idx.search("đăng ký tạm trú");
        assert!(hits[0].coverage > 0.99);
    }

    #[test]
    fn plain_baseline_needs_exact_words() {
        let idx = Index::build(&sample(), Analysis::Plain, Params::default());
        assert_eq!(top(&idx, "đăng ký tạm trú"), Some(0));
        assert_eq!(top(&idx, "dang ky tam tru"), None);
    }
}
