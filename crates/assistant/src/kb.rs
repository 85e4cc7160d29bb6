//! The knowledge base: one article per Markdown file in `data/kb/`, each with a small header of
//! `key: value` lines between `---` fences and a Vietnamese body.
//!
//! ```text
//! ---
//! id: tam-tru
//! topic: T02
//! title: Đăng ký tạm trú
//! keywords: tạm trú, thuê trọ, ở trọ
//! question: Thuê trọ bao lâu thì phải đăng ký tạm trú?
//! legal_basis: Luật Cư trú 68/2020/QH14, Điều 27–28
//! procedure: 1.004194
//! url: https://dichvucong.gov.vn
//! checked: 2026-11-20
//! valid_from: 2024-12-26
//! valid_until: 2027-06-30
//! related: gia-han-tam-tru, thong-bao-luu-tru
//! ---
//! Body: the first paragraph is the short answer; the rest are details.
//! ```
//!
//! `keywords`, `question`, `legal_basis` and `related` may repeat; `keywords` and `related` also
//! take comma-separated lists. Required: `id`, `topic`, `title`, `legal_basis`, `checked`, and a
//! body. Any problem is reported with the file and the 1-based line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::error::KbError;

/// One knowledge-base article.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    /// Stable id (a lower-case slug), returned to clients as `topic`.
    pub id: String,
    /// Topic code of the fact sheet (e.g. "T02").
    pub topic: String,
    /// Title shown in citations.
    pub title: String,
    /// Words and phrases people use for this topic.
    pub keywords: Vec<String>,
    /// Example questions this article answers.
    pub questions: Vec<String>,
    /// Laws, decrees and circulars the content rests on.
    pub legal_basis: Vec<String>,
    /// Official procedure code on the public-service portal, if any.
    pub procedure: Option<String>,
    /// Official page to read more.
    pub url: Option<String>,
    /// Date the facts were last checked against the sources.
    pub checked: NaiveDate,
    /// First day the stated fees, deadlines or fines apply.
    pub valid_from: Option<NaiveDate>,
    /// Last day the stated fees, deadlines or fines are known to apply.
    pub valid_until: Option<NaiveDate>,
    /// Ids of related articles, offered as follow-up suggestions.
    pub related: Vec<String>,
    /// Suggested follow-up question text shown to citizens (defaults to the title).
    pub prompt: Option<String>,
    /// The Vietnamese body (plain text, `- ` bullet lines allowed).
    pub body: String,
    /// File the article was read from.
    pub file: PathBuf,
}

impl Article {
    /// The source line of a citation: legal basis, then the procedure code.
    pub fn source(&self) -> String {
        let mut s = self.legal_basis.join("; ");
        if let Some(code) = &self.procedure {
            s.push_str(&format!("; mã thủ tục {code}"));
        }
        s
    }

    /// Whether the validity period covers `today` (no period means always).
    pub fn is_valid_on(&self, today: NaiveDate) -> bool {
        self.valid_from.is_none_or(|d| d <= today) && self.valid_until.is_none_or(|d| today <= d)
    }

    /// Parses one article file's text.
    pub fn parse(file: &Path, text: &str) -> Result<Article, KbError> {
        let err = |line: usize, message: String| KbError::Parse {
            file: file.to_path_buf(),
            line,
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l.trim() == "---" => {}
            _ => {
                return Err(err(
                    1,
                    "expected the header to start with a line `---`".into(),
                ))
            }
        }
        let mut fields: HashMap<&'static str, (usize, String)> = HashMap::new();
        let mut keywords = Vec::new();
        let mut questions = Vec::new();
        let mut legal_basis = Vec::new();
        let mut related = Vec::new();
        let mut body_start = None;
        for (i, line) in lines.by_ref() {
            let n = i + 1;
            let trimmed = line.trim();
            if trimmed == "---" {
                body_start = Some(n);
                break;
            }
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((key, value)) = trimmed.split_once(':') else {
                return Err(err(n, format!("expected `key: value`, found {trimmed:?}")));
            };
            let key = key.trim();
            let value = value.trim().to_string();
            let list = |v: &str| -> Vec<String> {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            };
            match key {
                "keywords" => keywords.extend(list(&value)),
                "related" => related.extend(list(&value)),
                "question" if !value.is_empty() => questions.push(value),
                "legal_basis" if !value.is_empty() => legal_basis.push(value),
                "question" | "legal_basis" => return Err(err(n, format!("empty `{key}`"))),
                "id" | "topic" | "title" | "procedure" | "url" | "checked" | "valid_from"
                | "valid_until" | "prompt" => {
                    let key: &'static str = match key {
                        "id" => "id",
                        "topic" => "topic",
                        "title" => "title",
                        "procedure" => "procedure",
                        "url" => "url",
                        "checked" => "checked",
                        "valid_from" => "valid_from",
                        "valid_until" => "valid_until",
                        _ => "prompt",
                    };
                    if fields.contains_key(key) {
                        return Err(err(n, format!("`{key}` given twice")));
                    }
                    fields.insert(key, (n, value));
                }
                other => return Err(err(n, format!("unknown key `{other}`"))),
            }
        }
        let Some(body_start) = body_start else {
            return Err(err(
                text.lines().count().max(1),
                "header is not closed by `---`".into(),
            ));
        };
        let body: String = lines.map(|(_, l)| l).collect::<Vec<_>>().join("\n");
        let body = body.trim().to_string();
        if body.is_empty() {
            return Err(err(body_start, "the article has no body".into()));
        }
        let required = |key: &str| -> Result<(usize, String), KbError> {
            match fields.get(key) {
                Some((n, v)) if v.is_empty() => Err(err(*n, format!("`{key}` is empty"))),
                Some((n, v)) => Ok((*n, v.clone())),
                None => Err(err(body_start, format!("missing required `{key}`"))),
            }
        };
        let optional = |key: &str| fields.get(key).filter(|(_, v)| !v.is_empty()).cloned();
        let date = |(n, v): (usize, String), key: &str| {
            NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map_err(|_| err(n, format!("`{key}` must be a date YYYY-MM-DD, found {v:?}")))
        };
        let (id_line, id) = required("id")?;
        if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(err(
                id_line,
                format!("`id` must be a lower-case slug, found {id:?}"),
            ));
        }
        if legal_basis.is_empty() {
            return Err(err(body_start, "missing required `legal_basis`".into()));
        }
        let checked = date(required("checked")?, "checked")?;
        let valid_from = optional("valid_from")
            .map(|f| date(f, "valid_from"))
            .transpose()?;
        let valid_until = optional("valid_until")
            .map(|f| date(f, "valid_until"))
            .transpose()?;
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if until < from {
                let line = fields.get("valid_until").map_or(body_start, |f| f.0);
                return Err(err(line, "`valid_until` is before `valid_from`".into()));
            }
        }
        if let Some((n, url)) = optional("url") {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(err(
                    n,
                    format!("`url` must start with https://, found {url:?}"),
                ));
            }
        }
        Ok(Article {
            id,
            topic: required("topic")?.1,
            title: required("title")?.1,
            keywords,
            questions,
            legal_basis,
            procedure: optional("procedure").map(|f| f.1),
            url: optional("url").map(|f| f.1),
            checked,
            valid_from,
            valid_until,
            related,
            prompt: optional("prompt").map(|f| f.1),
            body,
            file: file.to_path_buf(),
        })
    }
}

/// A loaded set of articles.
#[derive(Debug, Clone, Default)]
pub struct KnowledgeBase {
    articles: Vec<Article>,
    dir: Option<PathBuf>,
}

impl KnowledgeBase {
    /// Loads every `*.md` file of a directory (sorted by name; files starting with `_` or `.`
    /// and `README.md` are skipped). Fails on the first bad file, naming it and the line.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<KnowledgeBase, KbError> {
        let dir = dir.as_ref();
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| KbError::Io { path, source }
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io(dir))? {
            let path = entry.map_err(io(dir))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let skip = name.starts_with('_') || name.starts_with('.') || name == "README.md";
            if path.extension().is_some_and(|e| e == "md") && !skip {
                files.push(path);
            }
        }
        files.sort();
        let mut articles = Vec::with_capacity(files.len());
        for path in files {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            articles.push(Article::parse(&path, &text)?);
        }
        if articles.is_empty() {
            return Err(KbError::Empty {
                dir: dir.to_path_buf(),
            });
        }
        let mut kb = KnowledgeBase::from_articles(articles)?;
        kb.dir = Some(dir.to_path_buf());
        Ok(kb)
    }

    /// Builds a knowledge base from parsed articles, checking ids are unique and related ids
    /// exist.
    pub fn from_articles(articles: Vec<Article>) -> Result<KnowledgeBase, KbError> {
        let mut seen: HashMap<&str, &Path> = HashMap::new();
        for a in &articles {
            if let Some(first) = seen.insert(&a.id, &a.file) {
                return Err(KbError::DuplicateId {
                    id: a.id.clone(),
                    first: first.to_path_buf(),
                    second: a.file.clone(),
                });
            }
        }
        for a in &articles {
            if let Some(missing) = a.related.iter().find(|r| !seen.contains_key(r.as_str())) {
                return Err(KbError::UnknownRelated {
                    file: a.file.clone(),
                    related: missing.clone(),
                });
            }
        }
        Ok(KnowledgeBase {
            articles,
            dir: None,
        })
    }

    /// The directory the base was loaded from, used by reloads.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// All articles, in file-name order.
    pub fn articles(&self) -> &[Article] {
        &self.articles
    }

    /// The article with an id.
    pub fn get(&self, id: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.id == id)
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.articles.len()
    }

    /// Whether there is no article.
    pub fn is_empty(&self) -> bool {
        self.articles.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SAMPLE: &str = "---\n\
id: tam-tru\n\
topic: T02\n\
title: Đăng ký tạm trú\n\
keywords: tạm trú, thuê trọ\n\
keywords: ở trọ\n\
question: Thuê trọ thì phải đăng ký gì?\n\
legal_basis: Luật Cư trú 68/2020/QH14\n\
procedure: 1.004194\n\
url: https://dichvucong.gov.vn\n\
checked: 2026-11-20\n\
valid_until: 2027-06-30\n\
---\n\
Ở từ 30 ngày trở lên thì đăng ký tạm trú.\n\
\n\
- Lệ phí 15.000 đồng.\n";

    fn parse(text: &str) -> Result<Article, KbError> {
        Article::parse(Path::new("x.md"), text)
    }

    fn line_of(e: KbError) -> usize {
        match e {
            KbError::Parse { line, .. } => line,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn parses_a_full_article() {
        let a = parse(SAMPLE).unwrap();
        assert_eq!(a.id, "tam-tru");
        assert_eq!(a.keywords, vec!["tạm trú", "thuê trọ", "ở trọ"]);
        assert_eq!(a.questions.len(), 1);
        assert_eq!(a.procedure.as_deref(), Some("1.004194"));
        assert!(a.body.starts_with("Ở từ 30 ngày"));
        assert!(a.source().contains("mã thủ tục 1.004194"));
        assert!(a.is_valid_on(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
        assert!(!a.is_valid_on(NaiveDate::from_ymd_opt(2027, 7, 1).unwrap()));
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(line_of(parse("id: x\n").unwrap_err()), 1);
        let bad_key = SAMPLE.replace("procedure: 1.004194", "procdure: 1.004194");
        assert_eq!(line_of(parse(&bad_key).unwrap_err()), 9);
        let bad_date = SAMPLE.replace("2026-11-20", "20/11/2026");
        assert_eq!(line_of(parse(&bad_date).unwrap_err()), 11);
        let no_colon = SAMPLE.replace("topic: T02", "topic T02");
        assert_eq!(line_of(parse(&no_colon).unwrap_err()), 3);
        let bad_id = SAMPLE.replace("id: tam-tru", "id: Tạm trú");
        assert_eq!(line_of(parse(&bad_id).unwrap_err()), 2);
        let twice = SAMPLE.replace("topic: T02", "topic: T02\ntopic: T03");
        assert_eq!(line_of(parse(&twice).unwrap_err()), 4);
        let no_basis = SAMPLE.replace("legal_basis: Luật Cư trú 68/2020/QH14\n", "");
        assert_eq!(line_of(parse(&no_basis).unwrap_err()), 12);
        let unclosed = "---\nid: a\n";
        assert!(matches!(parse(unclosed), Err(KbError::Parse { .. })));
        let no_body = SAMPLE.split("---\nỞ").next().unwrap().to_string() + "---\n\n";
        assert!(matches!(parse(&no_body), Err(KbError::Parse { .. })));
    }

    #[test]
    fn duplicate_ids_and_unknown_related_are_rejected() {
        let a = parse(SAMPLE).unwrap();
        let mut b = a.clone();
        b.file = PathBuf::from("y.md");
        assert!(matches!(
            KnowledgeBase::from_articles(vec![a.clone(), b]),
            Err(KbError::DuplicateId { .. })
        ));
        let mut c = a;
        c.related = vec!["nothing".into()];
        assert!(matches!(
            KnowledgeBase::from_articles(vec![c]),
            Err(KbError::UnknownRelated { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn parser_never_panics(s in "(---\n)?([a-z_]{0,8}: ?[^\n]{0,20}\n){0,6}(---\n)?[^\n]{0,20}") {
            let _ = parse(&s);
        }
    }
}
