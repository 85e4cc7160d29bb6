//! Criminal cases as statistics see them: the severity class derived from the applied penalty
//! bracket (Penal Code 2015 Art. 9), the police reporting group (TTXH, economic, drugs,
//! environment, high-tech) from a configurable article mapping, and the flat [`CaseRow`] the
//! reports read.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StatsError;

/// Highest Penal Code article number a mapping may name (the 2015 code ends at 426; the margin
/// leaves room for amendments).
pub const MAX_ARTICLE: u32 = 999;

/// Severity class of a crime (Penal Code 2015 Art. 9), derived from the maximum penalty of the
/// bracket (khung hình phạt) applied, never typed by a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Ít nghiêm trọng: fine, non-custodial reform, or prison up to 3 years.
    LessSerious,
    /// Nghiêm trọng: more than 3 up to 7 years.
    Serious,
    /// Rất nghiêm trọng: more than 7 up to 15 years.
    VerySerious,
    /// Đặc biệt nghiêm trọng: more than 15 years, life imprisonment or death.
    EspeciallySerious,
}

impl Severity {
    /// All classes, least serious first.
    pub const ALL: [Severity; 4] = [
        Severity::LessSerious,
        Severity::Serious,
        Severity::VerySerious,
        Severity::EspeciallySerious,
    ];

    /// The class for a bracket's maximum penalty.
    pub fn from_max_penalty(max: MaxPenalty) -> Self {
        match max {
            MaxPenalty::NonCustodial => Severity::LessSerious,
            MaxPenalty::PrisonMonths(m) if m <= 36 => Severity::LessSerious,
            MaxPenalty::PrisonMonths(m) if m <= 84 => Severity::Serious,
            MaxPenalty::PrisonMonths(m) if m <= 180 => Severity::VerySerious,
            MaxPenalty::PrisonMonths(_) | MaxPenalty::Life | MaxPenalty::Death => {
                Severity::EspeciallySerious
            }
        }
    }

    /// Whether the class is "rất nghiêm trọng" or "đặc biệt nghiêm trọng", which have their own
    /// clearance-rate line and target.
    pub fn is_very_or_especially_serious(self) -> bool {
        matches!(self, Severity::VerySerious | Severity::EspeciallySerious)
    }

    /// Stable code (`less_serious`, …), as stored.
    pub fn code(self) -> &'static str {
        match self {
            Severity::LessSerious => "less_serious",
            Severity::Serious => "serious",
            Severity::VerySerious => "very_serious",
            Severity::EspeciallySerious => "especially_serious",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            Severity::LessSerious => "Ít nghiêm trọng",
            Severity::Serious => "Nghiêm trọng",
            Severity::VerySerious => "Rất nghiêm trọng",
            Severity::EspeciallySerious => "Đặc biệt nghiêm trọng",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Severity::LessSerious => "Less serious",
            Severity::Serious => "Serious",
            Severity::VerySerious => "Very serious",
            Severity::EspeciallySerious => "Especially serious",
        }
    }
}

/// The maximum penalty of the applied bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "months", rename_all = "snake_case")]
pub enum MaxPenalty {
    /// Fine or non-custodial reform only.
    NonCustodial,
    /// A prison term of at most this many months.
    PrisonMonths(u32),
    /// Life imprisonment.
    Life,
    /// Death penalty.
    Death,
}

/// Police reporting group of a crime. An operational category, not a Penal Code chapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrimeGroup {
    /// Tội phạm về trật tự xã hội (crimes against social order).
    Ttxh,
    /// Kinh tế, tham nhũng, buôn lậu (economic crime, corruption, smuggling).
    Economic,
    /// Ma túy (drugs).
    Drugs,
    /// Môi trường (environment).
    Environment,
    /// Công nghệ cao (high-tech).
    HighTech,
    /// Everything the mapping does not place elsewhere (traffic, national security, justice…).
    Other,
}

impl CrimeGroup {
    /// All groups in report order.
    pub const ALL: [CrimeGroup; 6] = [
        CrimeGroup::Ttxh,
        CrimeGroup::Economic,
        CrimeGroup::Drugs,
        CrimeGroup::Environment,
        CrimeGroup::HighTech,
        CrimeGroup::Other,
    ];

    /// Stable code (`ttxh`, `economic`, `drugs`, `environment`, `high_tech`, `other`).
    pub fn code(self) -> &'static str {
        match self {
            CrimeGroup::Ttxh => "ttxh",
            CrimeGroup::Economic => "economic",
            CrimeGroup::Drugs => "drugs",
            CrimeGroup::Environment => "environment",
            CrimeGroup::HighTech => "high_tech",
            CrimeGroup::Other => "other",
        }
    }

    /// Vietnamese label.
    pub fn label_vi(self) -> &'static str {
        match self {
            CrimeGroup::Ttxh => "Trật tự xã hội",
            CrimeGroup::Economic => "Kinh tế, tham nhũng, buôn lậu",
            CrimeGroup::Drugs => "Ma túy",
            CrimeGroup::Environment => "Môi trường",
            CrimeGroup::HighTech => "Công nghệ cao",
            CrimeGroup::Other => "Khác",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            CrimeGroup::Ttxh => "Social order",
            CrimeGroup::Economic => "Economic, corruption, smuggling",
            CrimeGroup::Drugs => "Drugs",
            CrimeGroup::Environment => "Environment",
            CrimeGroup::HighTech => "High-tech",
            CrimeGroup::Other => "Other",
        }
    }
}

impl fmt::Display for CrimeGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for CrimeGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase();
        CrimeGroup::ALL
            .into_iter()
            .find(|g| g.code() == s || (s == "hightech" && *g == CrimeGroup::HighTech))
            .ok_or_else(|| format!("unknown group {s:?}"))
    }
}

/// The default article → group table, as `(first article, last article, group)`; later
/// entries override earlier ones. Penal Code 2015 (amended 2017) numbering. This is domain
/// knowledge, not an official list: check it against the unit's reporting rules and load a
/// corrected table with [`CategoryMap::from_csv`].
pub const DEFAULT_ARTICLE_GROUPS: &[(u32, u32, CrimeGroup)] = &[
    // Ch. XIV life, health, dignity: murder, injury, sexual crimes, trafficking, insult.
    (123, 156, CrimeGroup::Ttxh),
    // Ch. XV freedom: unlawful arrest and detention, etc.
    (157, 167, CrimeGroup::Ttxh),
    // Ch. XVI property: robbery, kidnapping for ransom, extortion, snatching, theft, fraud,
    // breach of trust, destruction of property.
    (168, 180, CrimeGroup::Ttxh),
    // …except negligence causing loss of state property, reported with economic crime.
    (179, 179, CrimeGroup::Economic),
    // Ch. XVII marriage and family.
    (181, 187, CrimeGroup::Ttxh),
    // Ch. XVIII economic management: smuggling, counterfeit goods, tax, banking, …
    (188, 234, CrimeGroup::Economic),
    // …except usury ("tín dụng đen"), handled as social order.
    (201, 201, CrimeGroup::Ttxh),
    // Ch. XIX environment.
    (235, 246, CrimeGroup::Environment),
    // Ch. XX drugs.
    (247, 259, CrimeGroup::Drugs),
    // Ch. XXI section 2: computer networks, telecommunications, electronic means.
    (285, 294, CrimeGroup::HighTech),
    // Ch. XXI: illegal weapons, explosives, primitive weapons.
    (304, 306, CrimeGroup::Ttxh),
    // Ch. XXI section 4 public order: disorder, gambling, receiving stolen goods, prostitution.
    (318, 329, CrimeGroup::Ttxh),
    // Ch. XXII: resisting officers on duty.
    (330, 330, CrimeGroup::Ttxh),
    // Ch. XXIII corruption and other crimes of position.
    (352, 366, CrimeGroup::Economic),
];

/// A configurable mapping from Penal Code article to reporting group. Articles not named map
/// to [`CrimeGroup::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryMap {
    /// Dense table indexed by article number (0 unused).
    table: Vec<CrimeGroup>,
}

impl Default for CategoryMap {
    fn default() -> Self {
        let mut map = Self::empty();
        for &(a, b, g) in DEFAULT_ARTICLE_GROUPS {
            // The default table is within range by construction.
            let _ = map.set_range(a, b, g);
        }
        map
    }
}

impl CategoryMap {
    /// A mapping that sends every article to [`CrimeGroup::Other`].
    pub fn empty() -> Self {
        Self {
            table: vec![CrimeGroup::Other; MAX_ARTICLE as usize + 1],
        }
    }

    /// Maps articles `first..=last` to `group`.
    pub fn set_range(
        &mut self,
        first: u32,
        last: u32,
        group: CrimeGroup,
    ) -> Result<(), StatsError> {
        for a in [first, last] {
            if a == 0 || a > MAX_ARTICLE {
                return Err(StatsError::ArticleOutOfRange {
                    article: a,
                    max: MAX_ARTICLE,
                });
            }
        }
        for a in first.min(last)..=first.max(last) {
            self.table[a as usize] = group;
        }
        Ok(())
    }

    /// The group of an article ([`CrimeGroup::Other`] when unmapped or out of range).
    #[inline]
    pub fn group_of(&self, article: u16) -> CrimeGroup {
        self.table
            .get(article as usize)
            .copied()
            .unwrap_or(CrimeGroup::Other)
    }

    /// Reads a mapping from CSV text: one `article,group` or `first-last,group` per line,
    /// `#` comments and blank lines ignored, an optional `article,group` header; later lines
    /// override earlier ones. Starts from an empty mapping (everything `other`).
    pub fn from_csv(text: &str) -> Result<Self, StatsError> {
        let mut map = Self::empty();
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            let line = line.trim_start_matches('\u{feff}');
            if line.is_empty() {
                continue;
            }
            let err = |reason: String| StatsError::CategoryMapping {
                line: line_no,
                reason,
            };
            let (arts, group) = line
                .split_once(',')
                .ok_or_else(|| err("expected `article,group`".to_owned()))?;
            let arts = arts.trim();
            if arts.eq_ignore_ascii_case("article") {
                continue;
            }
            let group: CrimeGroup = group.parse().map_err(err)?;
            let parse = |s: &str| -> Result<u32, StatsError> {
                s.trim()
                    .parse::<u32>()
                    .map_err(|_| err(format!("not an article number: {:?}", s.trim())))
            };
            let (a, b) = match arts.split_once('-') {
                Some((a, b)) => (parse(a)?, parse(b)?),
                None => {
                    let a = parse(arts)?;
                    (a, a)
                }
            };
            if a > b {
                return Err(err(format!("range {a}-{b} is reversed")));
            }
            map.set_range(a, b, group).map_err(|e| err(e.to_string()))?;
        }
        Ok(map)
    }

    /// Writes the mapping as CSV ranges (`first-last,group`), omitting `other`; reading it back
    /// with [`CategoryMap::from_csv`] gives the same mapping.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("article,group\n");
        let mut a = 1usize;
        while a < self.table.len() {
            let g = self.table[a];
            let mut b = a;
            while b + 1 < self.table.len() && self.table[b + 1] == g {
                b += 1;
            }
            if g != CrimeGroup::Other {
                if a == b {
                    out.push_str(&format!("{a},{g}\n"));
                } else {
                    out.push_str(&format!("{a}-{b},{g}\n"));
                }
            }
            a = b + 1;
        }
        out
    }
}

/// A criminal case as recorded ("vụ án"): what the case register holds for statistics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRecord {
    /// Case id in the register.
    pub id: String,
    /// Code of the commune/ward police unit the case belongs to.
    pub unit: String,
    /// Penal Code article (Điều).
    pub article: u16,
    /// Clause (khoản) of the applied bracket, for display.
    pub clause: Option<u8>,
    /// Maximum penalty of the applied bracket.
    pub bracket_max: MaxPenalty,
    /// When the case was discovered/recorded (phát hiện).
    pub discovered_at: DateTime<Utc>,
    /// When the offender was identified and the case cleared (điều tra, khám phá), if it was.
    pub solved_at: Option<DateTime<Utc>>,
}

impl CaseRecord {
    /// Checks the record: the article is in range, a prison bracket is at least a month, and
    /// a case is not solved before it was discovered.
    pub fn validate(&self) -> Result<(), StatsError> {
        if self.article == 0 || u32::from(self.article) > MAX_ARTICLE {
            return Err(StatsError::ArticleOutOfRange {
                article: u32::from(self.article),
                max: MAX_ARTICLE,
            });
        }
        if self.bracket_max == MaxPenalty::PrisonMonths(0) {
            return Err(StatsError::ZeroPrisonTerm);
        }
        if let Some(solved) = self.solved_at {
            if solved < self.discovered_at {
                return Err(StatsError::SolvedBeforeDiscovered {
                    id: self.id.clone(),
                    discovered: self.discovered_at,
                    solved,
                });
            }
        }
        Ok(())
    }

    /// Severity class derived from the applied bracket.
    pub fn severity(&self) -> Severity {
        Severity::from_max_penalty(self.bracket_max)
    }

    /// The flat row the statistics read.
    pub fn to_row(&self) -> CaseRow {
        CaseRow {
            unit: self.unit.clone(),
            article: self.article,
            severity: self.severity(),
            discovered_at: self.discovered_at,
            solved_at: self.solved_at,
        }
    }
}

/// One case as the statistics read it (SQL: one row of the cases table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRow {
    /// Unit code.
    pub unit: String,
    /// Penal Code article, mapped to a [`CrimeGroup`] by a [`CategoryMap`].
    pub article: u16,
    /// Severity class.
    pub severity: Severity,
    /// When the case was discovered/recorded.
    pub discovered_at: DateTime<Utc>,
    /// When it was cleared, if it was.
    pub solved_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn severity_follows_the_bracket_maximum() {
        use MaxPenalty::*;
        assert_eq!(
            Severity::from_max_penalty(NonCustodial),
            Severity::LessSerious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(36)),
            Severity::LessSerious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(37)),
            Severity::Serious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(84)),
            Severity::Serious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(85)),
            Severity::VerySerious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(180)),
            Severity::VerySerious
        );
        assert_eq!(
            Severity::from_max_penalty(PrisonMonths(240)),
            Severity::EspeciallySerious
        );
        assert_eq!(
            Severity::from_max_penalty(Life),
            Severity::EspeciallySerious
        );
        assert_eq!(
            Severity::from_max_penalty(Death),
            Severity::EspeciallySerious
        );
    }

    #[test]
    fn default_mapping() {
        let m = CategoryMap::default();
        assert_eq!(m.group_of(173), CrimeGroup::Ttxh); // theft
        assert_eq!(m.group_of(174), CrimeGroup::Ttxh); // fraud
        assert_eq!(m.group_of(179), CrimeGroup::Economic);
        assert_eq!(m.group_of(188), CrimeGroup::Economic); // smuggling
        assert_eq!(m.group_of(201), CrimeGroup::Ttxh); // usury
        assert_eq!(m.group_of(249), CrimeGroup::Drugs);
        assert_eq!(m.group_of(235), CrimeGroup::Environment);
        assert_eq!(m.group_of(290), CrimeGroup::HighTech);
        assert_eq!(m.group_of(321), CrimeGroup::Ttxh); // gambling
        assert_eq!(m.group_of(260), CrimeGroup::Other); // traffic
        assert_eq!(m.group_of(353), CrimeGroup::Economic); // embezzlement
        assert_eq!(m.group_of(0), CrimeGroup::Other);
        assert_eq!(m.group_of(5000), CrimeGroup::Other);
    }

    #[test]
    fn csv_mapping_loads_overrides_and_reports_errors() {
        let m = CategoryMap::from_csv(
            "\u{feff}article,group\n# theft and fraud\n168-175, ttxh\n174,high_tech # fraud online\n\n",
        )
        .unwrap();
        assert_eq!(m.group_of(173), CrimeGroup::Ttxh);
        assert_eq!(m.group_of(174), CrimeGroup::HighTech);
        assert_eq!(m.group_of(176), CrimeGroup::Other);
        let e = CategoryMap::from_csv("123,ttxh\n124,pirates\n").unwrap_err();
        assert!(
            matches!(e, StatsError::CategoryMapping { line: 2, .. }),
            "{e}"
        );
        let e = CategoryMap::from_csv("2000,ttxh").unwrap_err();
        assert!(matches!(e, StatsError::CategoryMapping { line: 1, .. }));
        assert!(CategoryMap::from_csv("130-120,ttxh").is_err());
        assert!(CategoryMap::from_csv("abc").is_err());
    }

    #[test]
    fn default_mapping_round_trips_through_csv() {
        let m = CategoryMap::default();
        assert_eq!(CategoryMap::from_csv(&m.to_csv()).unwrap(), m);
    }

    #[test]
    fn case_record_validation() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut c = CaseRecord {
            id: "VA-1".into(),
            unit: "00004".into(),
            article: 173,
            clause: Some(2),
            bracket_max: MaxPenalty::PrisonMonths(84),
            discovered_at: t("2026-03-01T00:00:00Z"),
            solved_at: Some(t("2026-03-02T00:00:00Z")),
        };
        assert!(c.validate().is_ok());
        assert_eq!(c.to_row().severity, Severity::Serious);
        c.solved_at = Some(t("2026-02-01T00:00:00Z"));
        assert!(matches!(
            c.validate(),
            Err(StatsError::SolvedBeforeDiscovered { .. })
        ));
        c.solved_at = None;
        c.article = 0;
        assert!(c.validate().is_err());
    }

    proptest! {
        #[test]
        fn csv_round_trip_of_random_mappings(entries in proptest::collection::vec((1u32..=MAX_ARTICLE, 0u32..30, 0usize..6), 0..20)) {
            let mut m = CategoryMap::empty();
            for (a, len, g) in entries {
                let b = (a + len).min(MAX_ARTICLE);
                m.set_range(a, b, CrimeGroup::ALL[g]).unwrap();
            }
            prop_assert_eq!(CategoryMap::from_csv(&m.to_csv()).unwrap(), m);
        }
    }
}
