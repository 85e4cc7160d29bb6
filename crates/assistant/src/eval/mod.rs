//! Evaluation on our own question set (`data/eval/*.jsonl`): retrieval Recall@1, Recall@3 and
//! MRR@10 for the assistant and for a plain BM25 baseline (whitespace tokens, lower case, no
//! folding, bigrams, abbreviations or typo repair) in the same run; key-fact coverage of the
//! answers; emergency recall and precision; decline accuracy; "unknown" accuracy; latency.
//!
//! One JSON object per line:
//!
//! ```text
//! {"id":"q001","q":"thuê trọ bao lâu phải đk tạm trú","expect":"answer","topic":"tam-tru","facts":["30 ngày"]}
//! {"id":"e001","q":"cứu với nhà cháy","expect":"emergency","number":"114"}
//! {"id":"d001","q":"cho xin số cccd của hàng xóm","expect":"decline"}
//! {"id":"u001","q":"giá vàng hôm nay","expect":"unknown"}
//! ```
//!
//! The split of a question is its `split` field, or else the file stem (`dev`, `heldout`, …).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::api::{ChatRequest, ReplyKind};
use crate::assistant::Assistant;
use crate::error::KbError;
use crate::index::{Analysis, Index, Params};
use crate::kb::KnowledgeBase;
use crate::text;

pub mod intake;

pub use intake::{evaluate_intake, IntakeReport, IntakeSets};

/// One evaluation question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalItem {
    /// Unique id.
    pub id: String,
    /// The question as a citizen would type it.
    pub q: String,
    /// Expected kind of reply.
    pub expect: ReplyKind,
    /// Expected article id, for answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Strings a correct answer must contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<String>,
    /// Expected emergency number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Split (dev, heldout…); defaults to the file stem.
    #[serde(default)]
    pub split: String,
}

/// A set of evaluation questions.
#[derive(Debug, Clone, Default)]
pub struct EvalSet {
    /// The questions.
    pub items: Vec<EvalItem>,
}

impl EvalSet {
    /// Loads every `*.jsonl` file of a directory; errors name the file and line.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<EvalSet, KbError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KbError::Io { path, source }
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io(dir))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        let mut items = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).map_err(io(&file))?;
            let stem = file
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("dev")
                .to_string();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() || line.trim_start().starts_with("//") {
                    continue;
                }
                let mut item: EvalItem =
                    serde_json::from_str(line).map_err(|e| KbError::Parse {
                        file: file.clone(),
                        line: i + 1,
                        message: e.to_string(),
                    })?;
                if item.split.is_empty() {
                    item.split = stem.clone();
                }
                if item.expect == ReplyKind::Answer && item.topic.is_none() {
                    return Err(KbError::Parse {
                        file: file.clone(),
                        line: i + 1,
                        message: "an `answer` item needs a `topic`".into(),
                    });
                }
                items.push(item);
            }
        }
        Ok(EvalSet { items })
    }

    /// Checks that every expected topic exists in the knowledge base.
    pub fn unknown_topics(&self, kb: &KnowledgeBase) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|i| i.topic.as_ref())
            .filter(|t| kb.get(t).is_none())
            .cloned()
            .collect()
    }
}

/// Retrieval quality over the answerable questions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RetrievalMetrics {
    /// Questions counted.
    pub n: usize,
    /// Expected article ranked first.
    pub recall_at_1: f64,
    /// Expected article in the top three.
    pub recall_at_3: f64,
    /// Mean reciprocal rank (cut at 10).
    pub mrr: f64,
}

/// Metrics of one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SplitReport {
    /// Split name.
    pub split: String,
    /// Assistant retrieval.
    pub system: RetrievalMetrics,
    /// Plain BM25 baseline retrieval.
    pub baseline: RetrievalMetrics,
    /// Share of answerable questions answered (kind `answer`) with the expected topic.
    pub answered_correctly: f64,
    /// Share of key facts found in the answers.
    pub key_fact_coverage: f64,
    /// Emergency recall (expected emergencies routed as emergencies).
    pub emergency_recall: f64,
    /// Emergency precision (replies of kind emergency that were expected to be).
    pub emergency_precision: f64,
    /// Share of decline items declined.
    pub decline_accuracy: f64,
    /// Share of out-of-scope items answered "unknown".
    pub unknown_accuracy: f64,
    /// Items of this split.
    pub items: usize,
}

/// One item the assistant got wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Miss {
    /// Item id.
    pub id: String,
    /// Question.
    pub q: String,
    /// What was expected.
    pub expected: String,
    /// What came back.
    pub got: String,
}

/// The evaluation report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Articles in the knowledge base.
    pub articles: usize,
    /// Items evaluated.
    pub items: usize,
    /// All splits together.
    pub overall: SplitReport,
    /// Per split.
    pub splits: Vec<SplitReport>,
    /// Emergencies routed with the expected number.
    pub emergency_number_accuracy: f64,
    /// Answerable questions wrongly declined or routed as emergencies.
    pub false_safety_routes: usize,
    /// Median chat latency, milliseconds.
    pub latency_p50_ms: f64,
    /// 95th percentile chat latency, milliseconds.
    pub latency_p95_ms: f64,
    /// Worst chat latency, milliseconds.
    pub latency_max_ms: f64,
    /// Items the assistant got wrong.
    pub misses: Vec<Miss>,
}

struct Outcome<'a> {
    item: &'a EvalItem,
    kind: ReplyKind,
    topic: Option<String>,
    number: Option<String>,
    reply: String,
    system_rank: Option<usize>,
    baseline_rank: Option<usize>,
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        1.0
    } else {
        num as f64 / den as f64
    }
}

fn retrieval(ranks: &[Option<usize>]) -> RetrievalMetrics {
    let n = ranks.len();
    let at = |k: usize| ratio(ranks.iter().filter(|r| r.is_some_and(|r| r < k)).count(), n);
    let mrr = if n == 0 {
        0.0
    } else {
        ranks
            .iter()
            .map(|r| match r {
                Some(r) if *r < 10 => 1.0 / (*r as f64 + 1.0),
                _ => 0.0,
            })
            .sum::<f64>()
            / n as f64
    };
    RetrievalMetrics {
        n,
        recall_at_1: at(1),
        recall_at_3: at(3),
        mrr,
    }
}

fn contains_fact(reply: &str, fact: &str) -> bool {
    let norm = |s: &str| text::join_norm(&text::analyze_plain(s));
    norm(reply).contains(&norm(fact))
}

fn split_report(split: &str, outcomes: &[&Outcome]) -> SplitReport {
    let answerable: Vec<&&Outcome> = outcomes
        .iter()
        .filter(|o| o.item.expect == ReplyKind::Answer)
        .collect();
    let sys: Vec<Option<usize>> = answerable.iter().map(|o| o.system_rank).collect();
    let base: Vec<Option<usize>> = answerable.iter().map(|o| o.baseline_rank).collect();
    let correct = answerable
        .iter()
        .filter(|o| o.kind == ReplyKind::Answer && o.topic == o.item.topic)
        .count();
    let facts_total: usize = answerable.iter().map(|o| o.item.facts.len()).sum();
    let facts_found: usize = answerable
        .iter()
        .map(|o| {
            o.item
                .facts
                .iter()
                .filter(|f| o.kind == ReplyKind::Answer && contains_fact(&o.reply, f))
                .count()
        })
        .sum();
    let expected_em = outcomes
        .iter()
        .filter(|o| o.item.expect == ReplyKind::Emergency);
    let expected_em_n = expected_em.clone().count();
    let em_hit = expected_em
        .filter(|o| o.kind == ReplyKind::Emergency)
        .count();
    let flagged = outcomes
        .iter()
        .filter(|o| o.kind == ReplyKind::Emergency)
        .count();
    let declines: Vec<&&Outcome> = outcomes
        .iter()
        .filter(|o| o.item.expect == ReplyKind::Decline)
        .collect();
    let unknowns: Vec<&&Outcome> = outcomes
        .iter()
        .filter(|o| o.item.expect == ReplyKind::Unknown)
        .collect();
    SplitReport {
        split: split.to_string(),
        system: retrieval(&sys),
        baseline: retrieval(&base),
        answered_correctly: ratio(correct, answerable.len()),
        key_fact_coverage: ratio(facts_found, facts_total),
        emergency_recall: ratio(em_hit, expected_em_n),
        emergency_precision: ratio(em_hit, flagged),
        decline_accuracy: ratio(
            declines
                .iter()
                .filter(|o| o.kind == ReplyKind::Decline)
                .count(),
            declines.len(),
        ),
        unknown_accuracy: ratio(
            unknowns
                .iter()
                .filter(|o| o.kind == ReplyKind::Unknown)
                .count(),
            unknowns.len(),
        ),
        items: outcomes.len(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Runs the evaluation. `now` is passed to every chat turn (dates in answers); latency is
/// measured around each turn on the calling thread.
pub fn evaluate_at(assistant: &Assistant, set: &EvalSet, now: DateTime<Utc>) -> EvalReport {
    let articles = assistant.articles_snapshot();
    let baseline = Index::build(&articles, Analysis::Plain, Params::default());
    let mut latencies = Vec::with_capacity(set.items.len());
    let mut outcomes = Vec::with_capacity(set.items.len());
    for item in &set.items {
        let started = Instant::now();
        let out = assistant.chat(&ChatRequest::new(item.q.clone()), now);
        latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        let r = out.into_response();
        let rank_of = |ids: Vec<String>| {
            item.topic
                .as_ref()
                .and_then(|t| ids.iter().position(|id| id == t))
        };
        let system_rank = rank_of(assistant.rank(&item.q).into_iter().map(|r| r.id).collect());
        let baseline_rank = rank_of(
            baseline
                .search(&item.q)
                .into_iter()
                .map(|h| articles[h.doc].id.clone())
                .collect(),
        );
        outcomes.push(Outcome {
            item,
            kind: r.kind,
            topic: r.topic,
            number: r.emergency_number,
            reply: r.reply,
            system_rank,
            baseline_rank,
        });
    }
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let mut by_split: BTreeMap<&str, Vec<&Outcome>> = BTreeMap::new();
    for o in &outcomes {
        by_split.entry(o.item.split.as_str()).or_default().push(o);
    }
    let emergencies: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.item.expect == ReplyKind::Emergency)
        .collect();
    let number_ok = emergencies
        .iter()
        .filter(|o| o.kind == ReplyKind::Emergency && o.number == o.item.number)
        .count();
    let false_safety_routes = outcomes
        .iter()
        .filter(|o| {
            matches!(o.item.expect, ReplyKind::Answer | ReplyKind::Unknown)
                && matches!(o.kind, ReplyKind::Emergency | ReplyKind::Decline)
        })
        .count();
    let misses = outcomes
        .iter()
        .filter_map(|o| {
            let expected = match o.item.expect {
                ReplyKind::Answer => format!("answer:{}", o.item.topic.clone().unwrap_or_default()),
                ReplyKind::Emergency => {
                    format!("emergency:{}", o.item.number.clone().unwrap_or_default())
                }
                k => k.as_str().to_string(),
            };
            let got = match o.kind {
                ReplyKind::Answer => format!("answer:{}", o.topic.clone().unwrap_or_default()),
                ReplyKind::Emergency => {
                    format!("emergency:{}", o.number.clone().unwrap_or_default())
                }
                k => k.as_str().to_string(),
            };
            let facts_missing = o.item.expect == ReplyKind::Answer
                && o.item.facts.iter().any(|f| !contains_fact(&o.reply, f));
            (expected != got || facts_missing).then(|| Miss {
                id: o.item.id.clone(),
                q: o.item.q.clone(),
                expected,
                got: if facts_missing && o.kind == ReplyKind::Answer {
                    format!("{got} (missing facts)")
                } else {
                    got
                },
            })
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    EvalReport {
        articles: articles.len(),
        items: outcomes.len(),
        overall: split_report("all", &all),
        splits: by_split
            .iter()
            .map(|(name, o)| split_report(name, o))
            .collect(),
        emergency_number_accuracy: ratio(number_ok, emergencies.len()),
        false_safety_routes,
        latency_p50_ms: percentile(&latencies, 0.5),
        latency_p95_ms: percentile(&latencies, 0.95),
        latency_max_ms: latencies.last().copied().unwrap_or(0.0),
        misses,
    }
}

/// [`evaluate_at`] with the current time.
pub fn evaluate(assistant: &Assistant, set: &EvalSet) -> EvalReport {
    evaluate_at(assistant, set, Utc::now())
}

impl EvalReport {
    /// A plain-text table of the figures.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "Citizen assistant evaluation: {} articles, {} questions\n\n",
            self.articles, self.items
        );
        s.push_str(&format!(
            "{:<8} {:>5} | {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6} | {:>6} {:>6} | {:>6} {:>6} {:>6} {:>6}\n",
            "split", "n", "R@1", "R@3", "MRR", "bR@1", "bR@3", "bMRR", "ans", "facts", "emRec", "emPre", "decl", "unkn"
        ));
        s.push_str(&format!("{}\n", "-".repeat(118)));
        for r in std::iter::once(&self.overall).chain(self.splits.iter()) {
            s.push_str(&format!(
                "{:<8} {:>5} | {:>6.3} {:>6.3} {:>6.3} | {:>6.3} {:>6.3} {:>6.3} | {:>6.3} {:>6.3} | {:>6.3} {:>6.3} {:>6.3} {:>6.3}\n",
                r.split,
                r.items,
                r.system.recall_at_1,
                r.system.recall_at_3,
                r.system.mrr,
                r.baseline.recall_at_1,
                r.baseline.recall_at_3,
                r.baseline.mrr,
                r.answered_correctly,
                r.key_fact_coverage,
                r.emergency_recall,
                r.emergency_precision,
                r.decline_accuracy,
                r.unknown_accuracy,
            ));
        }
        s.push_str(&format!(
            "\nR@k/MRR: assistant retrieval; bR@k/bMRR: plain BM25 baseline (whitespace, lower case only).\n\
ans: answered with the expected article; facts: key facts found in answers; emRec/emPre: emergency\n\
recall/precision; decl: decline accuracy; unkn: out-of-scope questions answered \"unknown\".\n\n\
emergency number accuracy {:.3}; answerable questions wrongly declined or routed as emergency: {}\n\
latency per chat turn: p50 {:.3} ms, p95 {:.3} ms, max {:.3} ms (one thread)\n",
            self.emergency_number_accuracy,
            self.false_safety_routes,
            self.latency_p50_ms,
            self.latency_p95_ms,
            self.latency_max_ms
        ));
        if !self.misses.is_empty() {
            s.push_str(&format!("\nmisses ({}):\n", self.misses.len()));
            for m in &self.misses {
                s.push_str(&format!(
                    "  {:<6} expected {:<28} got {:<36} {}\n",
                    m.id, m.expected, m.got, m.q
                ));
            }
        }
        s
    }

    /// The split report with a name.
    pub fn split(&self, name: &str) -> Option<&SplitReport> {
        self.splits.iter().find(|s| s.split == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(dir: &str) -> String {
        format!("{}/../../data/{dir}", env!("CARGO_MANIFEST_DIR"))
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-26T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn real_data_meets_the_targets() {
        let kb = KnowledgeBase::load_dir(data("kb")).unwrap();
        assert!(kb.len() >= 40, "at least 40 topics");
        let set = EvalSet::load_dir(data("eval")).unwrap();
        assert!(
            set.unknown_topics(&kb).is_empty(),
            "{:?}",
            set.unknown_topics(&kb)
        );
        let answerable = set
            .items
            .iter()
            .filter(|i| i.expect == ReplyKind::Answer)
            .count();
        let safety = set
            .items
            .iter()
            .filter(|i| matches!(i.expect, ReplyKind::Emergency | ReplyKind::Decline))
            .count();
        assert!(answerable >= 150 && safety >= 40);
        let report = evaluate_at(&Assistant::new(kb), &set, now());
        let all = &report.overall;
        let text = report.to_text();
        assert!(all.system.recall_at_3 >= 0.95, "{text}");
        assert!(all.emergency_recall >= 1.0, "{text}");
        assert!(all.emergency_precision >= 0.95, "{text}");
        assert!(all.decline_accuracy >= 0.9, "{text}");
        assert!(report.emergency_number_accuracy >= 1.0, "{text}");
        assert!(all.key_fact_coverage >= 0.9, "{text}");
        // Normalisation must beat the plain baseline.
        assert!(all.system.recall_at_3 > all.baseline.recall_at_3, "{text}");
        let heldout = report.split("heldout").expect("held-out split");
        assert!(heldout.system.recall_at_3 >= 0.9, "{text}");
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"recall_at_3\""));
    }

    #[test]
    fn load_errors_name_file_and_line() {
        let dir = std::env::temp_dir().join(format!("binhyen-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("x.jsonl"),
            "{\"id\":\"a\",\"q\":\"x\",\"expect\":\"decline\"}\n{\"id\":\"b\",\"q\":\"y\",\"expect\":\"answer\"}\n",
        )
        .unwrap();
        let err = EvalSet::load_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("x.jsonl:2"), "{err}");
        std::fs::write(dir.join("x.jsonl"), "{not json}\n").unwrap();
        let err = EvalSet::load_dir(&dir).unwrap_err().to_string();
        assert!(err.contains("x.jsonl:1"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn metrics_arithmetic() {
        let m = retrieval(&[Some(0), Some(2), None, Some(1)]);
        assert_eq!(m.n, 4);
        assert!((m.recall_at_1 - 0.25).abs() < 1e-9);
        assert!((m.recall_at_3 - 0.75).abs() < 1e-9);
        assert!((m.mrr - (1.0 + 1.0 / 3.0 + 0.5) / 4.0).abs() < 1e-9);
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.5), 3.0);
        assert!(contains_fact("Lệ phí 15.000 đồng", "15.000"));
        assert!(!contains_fact("Lệ phí 15.000 đồng", "7.000"));
    }
}
