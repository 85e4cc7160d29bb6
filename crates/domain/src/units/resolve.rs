//! Where an incident is: address text, and a point when the caller, citizen or device shares
//! one, turned into ranked candidate units, each with a point, the evidence behind it and a
//! confidence. This is the one resolver behind every intake channel.
//!
//! # How candidates are combined
//!
//! Each name found in the text gives one group of candidate units:
//! - a **point** read from the text: a named place ("bệnh viện Bạch Mai"), or the junction of
//!   two streets whose lines meet ("ngã tư Láng – Tây Sơn"): the unit whose polygon holds it;
//! - a **unit name**, new or old (the rules of [`UnitDirectory::resolve_address`]);
//! - a **street**: the units it runs through, longest share first. A street known only from
//!   an old district's list gives that district's units as candidates and is *weak*;
//! - an **old district** ("quận Đống Đa", "Hà Đông"): its units, *weak*; it also keeps, of the
//!   streets that share a name, those in that district.
//!
//! The groups are intersected, strongest first; a group that would empty the intersection is
//! left out. One unit is assigned only when the intersection holds exactly that unit, and it
//! rests on a *decisive* group (one that names a single unit by itself: a place, a junction, a
//! unit name, an old unit that went whole into one unit, a street wholly inside one unit) or on
//! two groups that are not weak; and when no strong group was left out. Otherwise the answer
//! is **ambiguous** and lists the candidates for a person to pick: a street through three
//! wards stays three candidates until the house's ward, a landmark or the junction settles it.
//!
//! A point the caller shares wins over the text for the unit and the point; the text's
//! candidates follow it in the list.

use serde::ser::SerializeMap;
use serde::Serialize;

use super::address::{Analysis, Entry, Prefix, Token, JUNCTION_JOINS};
use super::gazetteer::{closest_approach, Street, StreetSource};
use super::numbering;
use super::{LatLon, Location, MatchReason, Share, Unit, UnitDirectory};
use crate::text::fold;

/// Where a candidate's point comes from, most precise first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PointSource {
    /// Coordinates shared by the caller, the citizen or the device.
    Gps,
    /// A named place's point.
    Place,
    /// Where two named streets meet.
    Junction,
    /// A point of the named street inside the unit.
    Street,
    /// The unit's label point: only says which unit, not where in it.
    UnitCentre,
}

/// A point for a candidate, and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedPoint {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Where it comes from.
    pub source: PointSource,
}

/// What kind of evidence points to a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// The shared coordinates fall in the unit.
    Gps,
    /// A named place lies in the unit.
    Place,
    /// Two named streets meet in the unit.
    Junction,
    /// The named street runs through the unit (known from its line or a headquarters' address).
    Street,
    /// A street of that name is listed for an old district that went partly into the unit.
    StreetInDistrict,
    /// The text names the unit.
    UnitName,
    /// The text names an old unit that went wholly or partly into the unit.
    OldUnit,
    /// The text names an old district that went partly into the unit.
    OldDistrict,
    /// A landmark that is not in the gazetteer, named after a unit or street ("chợ Long
    /// Biên"): a hint only.
    NamedAfter,
    /// Words read as a known name one letter away ("khâm thiêm" as Khâm Thiên): the
    /// candidates rest on that reading.
    Slip,
}

/// One piece of evidence for a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AddressEvidence))]
pub struct Evidence {
    /// Its kind.
    pub kind: EvidenceKind,
    /// The words of the input it rests on.
    pub matched: String,
    /// What they were read as, e.g. "Phố Kim Mã", "Bệnh viện Bạch Mai", "Phường Cống Vị, Quận
    /// Ba Đình (một phần)".
    pub label: String,
}

/// One candidate unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// The unit.
    pub unit: &'a Unit,
    /// Score in 0..=1; only the order is meaningful.
    pub score: f32,
    /// The most precise point known for the place in this unit (the unit's centre, said as
    /// such, when nothing better is known).
    pub point: ResolvedPoint,
    /// Why this unit, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Serialize for Candidate<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", &self.unit.code)?;
        map.serialize_entry("full_name", &self.unit.full_name)?;
        map.serialize_entry("score", &self.score)?;
        map.serialize_entry("point", &self.point)?;
        map.serialize_entry("evidence", &self.evidence)?;
        map.end()
    }
}

/// The resolver's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolution<'a> {
    /// Candidates, best first (at most [`MAX_CANDIDATES`]); empty when the text names no
    /// place that is known and no point was shared.
    #[serde(rename = "matches")]
    pub candidates: Vec<Candidate<'a>>,
    /// True when no single candidate can be assigned: a person must pick.
    pub ambiguous: bool,
    /// Confidence in the first candidate, 0..=1.
    pub confidence: f32,
    /// The point of the assigned candidate; `None` when ambiguous or nothing is known.
    pub point: Option<ResolvedPoint>,
    /// Whether the shared point was used (it was inside the jurisdiction).
    pub gps_used: bool,
    /// How many units fitted in all, listed or not: more than `candidates` holds when the
    /// list was cut at [`MAX_CANDIDATES`].
    pub total: usize,
}

impl<'a> Resolution<'a> {
    /// The unit to assign without asking: the first candidate when the answer is not
    /// ambiguous.
    pub fn assigned(&self) -> Option<&'a Unit> {
        if self.ambiguous {
            None
        } else {
            self.candidates.first().map(|c| c.unit)
        }
    }
}

/// How much a group weighs when choosing which groups agree: its strength, more when it
/// names one unit by itself, less when weak.
fn weight(g: &Group) -> f32 {
    let s = g.strength();
    let s = if g.weak { s * 0.5 } else { s };
    if g.decisive {
        s + 0.5
    } else {
        s
    }
}

/// The set of groups that agree on at least one unit and weigh the most together, and the
/// units they agree on. Up to [`EXACT_GROUPS`] groups every subset is tried; past that, the
/// groups are taken strongest first while they still agree.
fn consistent_groups(groups: &[Group]) -> (Vec<usize>, Vec<usize>) {
    let intersect = |units: Option<Vec<usize>>, g: &Group| -> Vec<usize> {
        match units {
            None => g.members.iter().map(|m| m.unit).collect(),
            Some(units) => units.into_iter().filter(|&u| g.has(u)).collect(),
        }
    };
    if groups.len() <= EXACT_GROUPS {
        let mut best: (f32, Vec<usize>, Vec<usize>) = (f32::MIN, Vec::new(), Vec::new());
        for mask in 1u32..(1 << groups.len()) {
            let members: Vec<usize> = (0..groups.len()).filter(|g| mask & (1 << g) != 0).collect();
            let mut units: Option<Vec<usize>> = None;
            for &g in &members {
                units = Some(intersect(units, &groups[g]));
                if units.as_ref().is_some_and(Vec::is_empty) {
                    break;
                }
            }
            let units = units.unwrap_or_default();
            if units.is_empty() {
                continue;
            }
            let value: f32 = members.iter().map(|&g| weight(&groups[g])).sum();
            if value > best.0 + 1e-6 {
                best = (value, members, units);
            }
        }
        return (best.1, best.2);
    }
    let mut kept = Vec::new();
    let mut inter: Option<Vec<usize>> = None;
    for (g, group) in groups.iter().enumerate() {
        let next = intersect(inter.clone(), group);
        if !next.is_empty() {
            inter = Some(next);
            kept.push(g);
        }
    }
    (kept, inter.unwrap_or_default())
}

/// The house or lane number just before a street's name in the same part of the text ("số 20
/// phố Đội Cấn", "ngõ 91 Nguyễn Chí Thanh", "12 P. Kim Mã"): the street's own number, which
/// says where along it the place is.
fn number_before(tokens: &[Token], start: usize) -> Option<u32> {
    const STREET_WORDS: &[&str] = &["pho", "duong", "d", "p", "dai", "lo"];
    let segment = tokens.get(start)?.segment;
    for t in tokens[..start].iter().rev() {
        if t.segment != segment {
            return None;
        }
        if STREET_WORDS.contains(&t.fold.as_str()) {
            continue;
        }
        let digits: String = t.fold.chars().take_while(char::is_ascii_digit).collect();
        return digits.parse().ok().filter(|&n| n <= numbering::MAX_NUMBER);
    }
    None
}

/// Groups up to which every combination is tried.
const EXACT_GROUPS: usize = 10;

/// Most candidates listed.
pub const MAX_CANDIDATES: usize = 12;

/// How close two street lines must come to be read as meeting at a junction, metres.
const JUNCTION_GAP_M: f64 = 60.0;

#[derive(Debug)]
struct Member {
    unit: usize,
    score: f32,
    point: Option<ResolvedPoint>,
    evidence: Evidence,
}

#[derive(Debug)]
struct Group {
    members: Vec<Member>,
    /// Names a single unit by itself.
    decisive: bool,
    /// May be left out without making the answer ambiguous.
    weak: bool,
}

impl Group {
    /// A group of `members` (one per unit, the best kept). `decisive` groups name a single
    /// unit; with `by_lead`, a unit that stands clearly above the group's other readings
    /// counts as single (an old commune confirmed by its district over today's unit of the
    /// same name), otherwise only one unit does (a street through two units is two).
    fn new(members: Vec<Member>, decisive: bool, weak: bool, by_lead: bool) -> Option<Group> {
        let mut out: Vec<Member> = Vec::with_capacity(members.len());
        for m in members {
            match out.iter_mut().find(|x| x.unit == m.unit) {
                Some(x) if x.score >= m.score => {}
                Some(x) => *x = m,
                None => out.push(m),
            }
        }
        if out.is_empty() {
            return None;
        }
        let best = out.iter().map(|m| m.score).fold(0.0f32, f32::max);
        let leading = if by_lead {
            out.iter().filter(|m| m.score >= 0.8 * best).count()
        } else {
            out.len()
        };
        Some(Group {
            members: out,
            decisive: decisive && leading == 1,
            weak,
        })
    }

    /// Whether every reading of the group is a place named after a unit.
    fn named_after_only(&self) -> bool {
        self.members
            .iter()
            .all(|m| m.evidence.kind == EvidenceKind::NamedAfter)
    }

    fn strength(&self) -> f32 {
        self.members.iter().map(|m| m.score).fold(0.0, f32::max)
    }

    /// The unit with the highest score.
    fn leader(&self) -> Option<usize> {
        self.members
            .iter()
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .map(|m| m.unit)
    }

    fn has(&self, unit: usize) -> bool {
        self.members.iter().any(|m| m.unit == unit)
    }
}

impl UnitDirectory {
    /// Candidate units for address text, with points, evidence and whether one can be
    /// assigned; see the module documentation of `resolve` for the rules.
    pub fn resolve(&self, text: &str) -> Resolution<'_> {
        self.resolve_at(text, None)
    }

    /// Like [`UnitDirectory::resolve`], with the coordinates shared by the caller, citizen or
    /// device: when they fall in the jurisdiction they decide the unit and the point, and the
    /// text's candidates follow.
    pub fn resolve_at(&self, text: &str, shared: Option<LatLon>) -> Resolution<'_> {
        let mut out = self.resolve_as_typed(text, shared);
        if out.candidates.is_empty() || (out.gps_used && out.total == 1) {
            // Nothing found as typed: a slip of one letter in a name may be why.
            if let Some((fixed, slips)) = self.address.correct_slips(text) {
                let read = self.resolve_as_typed(&fixed, shared);
                if read.total > out.total {
                    out = read;
                    // A corrected word is a guess: a person confirms, unless GPS decided.
                    if !out.gps_used {
                        out.ambiguous = true;
                        out.point = None;
                    }
                    for c in &mut out.candidates {
                        c.evidence.extend(slips.iter().map(|s| Evidence {
                            kind: EvidenceKind::Slip,
                            matched: s.typed.clone(),
                            label: format!("đọc là “{}”", s.read),
                        }));
                    }
                }
            }
        }
        out
    }

    fn resolve_as_typed(&self, text: &str, shared: Option<LatLon>) -> Resolution<'_> {
        let mut groups = self.text_groups(text);
        if let Some(p) = shared {
            if let Some(group) = self.gps_group(p) {
                // The point decides: the text only adds candidates after it.
                let mut out = self.combine(vec![group], true);
                let more = self.combine(std::mem::take(&mut groups), false);
                let text_only = more
                    .candidates
                    .iter()
                    .filter(|c| out.candidates.iter().all(|x| x.unit != c.unit))
                    .count();
                out.total += text_only + more.total.saturating_sub(more.candidates.len());
                for c in more.candidates {
                    if let Some(first) = out.candidates.iter_mut().find(|x| x.unit == c.unit) {
                        first.evidence.extend(c.evidence);
                    } else if out.candidates.len() < MAX_CANDIDATES {
                        out.candidates.push(Candidate {
                            score: c.score.min(0.5),
                            ..c
                        });
                    }
                }
                out.gps_used = true;
                return out;
            }
        }
        self.combine(groups, false)
    }

    fn gps_group(&self, p: LatLon) -> Option<Group> {
        let location = self.locate(p.lat, p.lon).ok()?;
        let point = Some(ResolvedPoint {
            lat: p.lat,
            lon: p.lon,
            source: PointSource::Gps,
        });
        let evidence = |label: String| Evidence {
            kind: EvidenceKind::Gps,
            matched: format!("{:.5}, {:.5}", p.lat, p.lon),
            label,
        };
        let mut members = Vec::new();
        match location {
            Location::Inside {
                unit, neighbour, ..
            } => {
                members.push(Member {
                    unit: self.by_code[&unit.code],
                    score: 1.0,
                    point,
                    evidence: evidence("GPS".into()),
                });
                if let Some(n) = neighbour {
                    members.push(Member {
                        unit: self.by_code[&n.code],
                        score: 0.5,
                        point,
                        evidence: evidence("GPS, gần ranh giới".into()),
                    });
                }
            }
            Location::Snapped { unit, .. } => members.push(Member {
                unit: self.by_code[&unit.code],
                score: 0.9,
                point,
                evidence: evidence("GPS, sát ranh giới".into()),
            }),
            Location::Outside => return None,
        }
        // The first member decides; a neighbour across a near boundary is listed after it.
        let mut g = Group::new(members, true, false, false)?;
        g.decisive = true;
        Some(g)
    }

    /// Orders the units of a street that runs through several by where house (or lane)
    /// number `n` lies along it: a unit holding all of the number's stretch rises just above
    /// the street's best unit (with its point, and why), one holding part of it rises that
    /// share of the way. The others keep their scores, so that no candidate is pushed out of
    /// the list by an estimate.
    fn weigh_by_number(&self, street: &Street, n: u32, members: &mut [Member]) {
        let Some(core) = self.core else { return };
        let Some(stretch) = numbering::stretch(&street.lines, core, n) else {
            return;
        };
        let total = stretch.samples.len() as f32;
        let top = members.iter().map(|m| m.score).fold(0.0f32, f32::max);
        let share = |unit: usize| {
            let inside = stretch
                .samples
                .iter()
                .filter(|p| self.jurisdiction.unit_at(p.lat, p.lon) == Some(unit))
                .count();
            inside as f32 / total
        };
        let at_unit = self
            .jurisdiction
            .unit_at(stretch.point.lat, stretch.point.lon);
        for m in members.iter_mut() {
            let f = share(m.unit);
            m.score = (m.score + (top + 0.02 - m.score).max(0.0) * f).min(1.0);
            if f >= 0.5 {
                m.evidence.label = format!(
                    "{}; số {n} ở khoảng {:.0} m từ đầu phố",
                    m.evidence.label, stretch.at_m
                );
                if at_unit == Some(m.unit) {
                    m.point = Some(ResolvedPoint {
                        lat: stretch.point.lat,
                        lon: stretch.point.lon,
                        source: PointSource::Street,
                    });
                }
            }
        }
    }

    /// The groups of candidates the names in the text give.
    fn text_groups(&self, text: &str) -> Vec<Group> {
        let analysis = self.analyse(text);
        let index = &self.address;
        let Analysis {
            tokens,
            spans,
            evidence,
            context,
            fallback_districts,
            consumed,
        } = &analysis;
        let words = |j: usize| {
            let s = &spans[j];
            tokens[s.start..s.start + s.len]
                .iter()
                .map(|t| t.norm.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut districts: Vec<usize> = context.clone();
        let mut street_districts: Vec<usize> = Vec::new();

        // Which spans are streets of a junction: the one after the junction word and the
        // next, when only joining words stand between them.
        let mut junction_second = vec![false; spans.len()];
        let mut junctions: Vec<(usize, usize)> = Vec::new();
        for (j, span) in spans.iter().enumerate() {
            if span.prefix != Prefix::Junction {
                continue;
            }
            let Some(next) = spans.get(j + 1) else {
                continue;
            };
            let end = span.start + span.len;
            let between_ok = tokens[end..next.start]
                .iter()
                .all(|t| JUNCTION_JOINS.contains(&t.fold.as_str()));
            let same_segment = tokens[next.start].segment == tokens[span.start].segment;
            if between_ok
                && same_segment
                && next.entries.iter().any(|e| matches!(e, Entry::Street(_)))
            {
                junction_second[j + 1] = true;
                junctions.push((j, j + 1));
            }
        }

        // A bare name that is both a unit and an old district, after a street listed in that
        // district ("Trần Phú, Hà Đông"), is the district.
        let mut read_as_district = vec![false; spans.len()];
        for (j, span) in spans.iter().enumerate() {
            let span_districts = span.districts();
            if span_districts.is_empty() || consumed[j] {
                continue;
            }
            let after_street = spans[..j].iter().any(|s| {
                s.entries.iter().any(|e| match e {
                    Entry::Street(g) => index.street_names[*g].1.iter().any(|&r| {
                        self.gazetteer.streets[r].old_districts.iter().any(|od| {
                            span_districts
                                .iter()
                                .any(|&d| fold(od) == index.districts[d].fold)
                        })
                    }),
                    _ => false,
                })
            });
            if after_street {
                read_as_district[j] = true;
                street_districts.extend(&span_districts);
            }
        }
        // "… chứ không phải Tô Hiệu Hà Đông": what follows a denial in its part of the text is
        // not the place.
        let denied_from: Vec<(usize, usize)> = tokens
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0].fold == "khong" && w[1].fold == "phai")
            .map(|(i, w)| (i, w[0].segment))
            .collect();
        let denied = |j: usize| {
            let s = &spans[j];
            denied_from
                .iter()
                .any(|&(i, seg)| s.start > i && tokens[s.start].segment == seg)
        };

        districts.extend(fallback_districts.iter().copied());
        districts.extend(&street_districts);
        districts.sort_unstable();
        districts.dedup();
        districts.retain(|&d| {
            let named: Vec<usize> = (0..spans.len())
                .filter(|&j| spans[j].entries.contains(&Entry::District(d)))
                .collect();
            named.is_empty() || named.iter().any(|&j| !denied(j))
        });
        let district_folds: Vec<&str> = districts
            .iter()
            .map(|&d| index.districts[d].fold.as_str())
            .collect();

        let mut groups: Vec<Group> = Vec::new();
        for (j, span) in spans.iter().enumerate() {
            if consumed[j] || denied(j) {
                continue;
            }
            let matched = words(j);
            let has_street = span.entries.iter().any(|e| matches!(e, Entry::Street(_)));
            let as_street = span.prefix == Prefix::Street
                || (span.prefix == Prefix::Junction && has_street)
                || junction_second[j];
            // A landmark the gazetteer does not know, a hamlet or a junction named after a
            // unit or a street ("chợ Long Biên", "thôn Yên Sở", "ngã tư Vân Đình"): the unit is
            // likely, never certain.
            let landmark = matches!(span.prefix, Prefix::Landmark(_) | Prefix::Hamlet)
                || (span.prefix == Prefix::Junction && !has_street);
            // A bare name that is also an old district's ("Hà Đông", "Sóc Sơn") may mean the
            // whole old district: it never settles the unit alone.
            let district_named = span.prefix == Prefix::None
                && span.entries.iter().any(|e| matches!(e, Entry::District(_)));

            // Places.
            let places: Vec<usize> = span
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Place(p) => Some(*p),
                    Entry::PlaceCore(c) => Some(index.place_cores[*c].0),
                    _ => None,
                })
                .collect();
            if !places.is_empty() {
                let members = places
                    .iter()
                    .map(|&p| {
                        let place = &self.gazetteer.places[p];
                        Member {
                            unit: place.unit,
                            score: 0.95,
                            point: Some(ResolvedPoint {
                                lat: place.point.lat,
                                lon: place.point.lon,
                                source: PointSource::Place,
                            }),
                            evidence: Evidence {
                                kind: EvidenceKind::Place,
                                matched: matched.clone(),
                                label: place.name.clone(),
                            },
                        }
                    })
                    .collect();
                // A bridge spans a river between units: its point is one end's unit only.
                let bridge = places
                    .iter()
                    .all(|&p| index.place_groups[p] == Some(super::address::LandmarkGroup::Bridge));
                groups.extend(Group::new(members, !bridge, false, false));
                continue;
            }

            let mut members: Vec<Member> = Vec::new();
            let mut decisive = true;
            let mut weak = false;

            // Streets of this name.
            let street_names: Vec<usize> = span
                .entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Street(g) => Some(*g),
                    _ => None,
                })
                .collect();
            let unit_level: Vec<(usize, &super::address::Evidence<'_>)> = evidence
                .iter()
                .enumerate()
                .flat_map(|(u, ev)| ev.iter().filter(|e| e.span == j).map(move |e| (u, e)))
                .collect();
            let old_confirmed = unit_level.iter().any(|(_, e)| {
                matches!(
                    e.reason,
                    MatchReason::OldUnit {
                        district_given: true,
                        ..
                    }
                )
            });
            let new_name = unit_level
                .iter()
                .any(|(_, e)| matches!(e.reason, MatchReason::UnitName));
            // A bare name that is a street and only an old unit whose district is not given is
            // read as the street: "Nguyễn Trãi" is the street, not the former xã Nguyễn Trãi.
            let use_unit_level = !as_street
                && !read_as_district[j]
                && (street_names.is_empty() || old_confirmed || new_name);
            let use_streets =
                !street_names.is_empty() && (!old_confirmed || as_street) && !read_as_district[j];

            if use_streets {
                let rows: Vec<usize> = street_names
                    .iter()
                    .flat_map(|&g| index.street_names[g].1.iter().copied())
                    .collect();
                let in_district: Vec<usize> = rows
                    .iter()
                    .copied()
                    .filter(|&r| {
                        let street = &self.gazetteer.streets[r];
                        if street.old_districts.is_empty() {
                            // No district given: the units tell.
                            street.units.iter().any(|su| {
                                districts.iter().any(|&d| {
                                    index.districts[d].units.iter().any(|&(u, _)| u == su.unit)
                                })
                            })
                        } else {
                            street
                                .old_districts
                                .iter()
                                .any(|od| district_folds.contains(&fold(od).as_str()))
                        }
                    })
                    .collect();
                let rows = if in_district.is_empty() {
                    rows
                } else {
                    in_district
                };
                let mut all_district = true;
                for &r in &rows {
                    let street = &self.gazetteer.streets[r];
                    let (kind, base, label) = match street.source {
                        StreetSource::Geometry => {
                            all_district = false;
                            if street.clipped {
                                decisive = false;
                            }
                            (EvidenceKind::Street, 0.8, street.full_name.clone())
                        }
                        StreetSource::AdminCenter => {
                            all_district = false;
                            (EvidenceKind::Street, 0.7, street.full_name.clone())
                        }
                        StreetSource::District => {
                            decisive = false;
                            (
                                EvidenceKind::StreetInDistrict,
                                0.45,
                                format!(
                                    "{} ({})",
                                    street.full_name,
                                    street.old_districts.join(", ")
                                ),
                            )
                        }
                    };
                    let max_len = street
                        .units
                        .iter()
                        .filter_map(|u| u.length_m)
                        .fold(0.0f64, f64::max);
                    let first = members.len();
                    for (rank, su) in street.units.iter().enumerate() {
                        let share = match (su.length_m, max_len > 0.0) {
                            (Some(l), true) => (l / max_len) as f32,
                            _ => 1.0 / (1.0 + 0.25 * rank as f32),
                        };
                        let score = match street.source {
                            StreetSource::District => base * (1.0 - 0.02 * rank as f32).max(0.6),
                            _ => base * (0.6 + 0.4 * share),
                        };
                        members.push(Member {
                            unit: su.unit,
                            score: if landmark { score * 0.8 } else { score },
                            point: su.point.map(|p| ResolvedPoint {
                                lat: p.lat,
                                lon: p.lon,
                                source: PointSource::Street,
                            }),
                            evidence: Evidence {
                                kind: if landmark {
                                    EvidenceKind::NamedAfter
                                } else {
                                    kind
                                },
                                matched: matched.clone(),
                                label: label.clone(),
                            },
                        });
                    }
                    // A clipped line may not reach the numbered end: its distances mean nothing.
                    if !landmark && !street.clipped && street.units.len() > 1 {
                        if let Some(n) = number_before(tokens, span.start) {
                            self.weigh_by_number(street, n, &mut members[first..]);
                        }
                    }
                }
                weak = all_district;
            }

            if use_unit_level {
                for &(u, e) in &unit_level {
                    let (kind, label) = match e.reason {
                        MatchReason::UnitName => (EvidenceKind::UnitName, String::new()),
                        MatchReason::OldUnit { old, .. } => {
                            let mut label = old.full_name.clone();
                            if let Some(d) = &old.district {
                                label = format!("{label}, {d}");
                            }
                            if old.share == Share::Partial {
                                label.push_str(" (một phần)");
                            }
                            (EvidenceKind::OldUnit, label)
                        }
                        MatchReason::OldDistrict { district } => {
                            (EvidenceKind::OldDistrict, district.to_owned())
                        }
                    };
                    let label = if label.is_empty() {
                        self.units[u].full_name.clone()
                    } else {
                        label
                    };
                    members.push(Member {
                        unit: u,
                        score: if landmark { e.score * 0.8 } else { e.score },
                        point: None,
                        evidence: Evidence {
                            kind: if landmark {
                                EvidenceKind::NamedAfter
                            } else {
                                kind
                            },
                            matched: matched.clone(),
                            label,
                        },
                    });
                }
                weak = false;
            }
            if landmark {
                decisive = false;
            }
            if district_named || read_as_district[j] {
                decisive = false;
                weak = true;
            }
            let read_as_street = members.iter().any(|m| {
                matches!(
                    m.evidence.kind,
                    EvidenceKind::Street | EvidenceKind::StreetInDistrict
                )
            });
            groups.extend(Group::new(members, decisive, weak, !read_as_street));
        }

        // Junctions whose street lines meet give a point.
        for (a, b) in junctions {
            if let Some(group) = self.junction_group(&spans[a], &spans[b], &words(a), &words(b)) {
                groups.push(group);
            }
        }

        // Old districts: weak candidates, which also narrow the others.
        for &d in &districts {
            let label = index.districts[d].full_name.clone();
            let members = index
                .district_candidates(d)
                .into_iter()
                .map(|(u, score)| Member {
                    unit: u,
                    score,
                    point: None,
                    evidence: Evidence {
                        kind: EvidenceKind::OldDistrict,
                        matched: String::new(),
                        label: label.clone(),
                    },
                })
                .collect();
            groups.extend(Group::new(members, false, true, false));
        }
        groups
    }

    fn junction_group(
        &self,
        a: &super::address::Span,
        b: &super::address::Span,
        words_a: &str,
        words_b: &str,
    ) -> Option<Group> {
        let rows = |span: &super::address::Span| -> Vec<usize> {
            span.entries
                .iter()
                .filter_map(|e| match e {
                    Entry::Street(g) => Some(self.address.street_names[*g].1.clone()),
                    _ => None,
                })
                .flatten()
                .collect()
        };
        let mut best: Option<(LatLon, f64, usize, usize)> = None;
        for ra in rows(a) {
            for rb in rows(b) {
                let (sa, sb) = (&self.gazetteer.streets[ra], &self.gazetteer.streets[rb]);
                if let Some((p, d)) = closest_approach(sa, sb, JUNCTION_GAP_M) {
                    if best.is_none_or(|(_, bd, _, _)| d < bd) {
                        best = Some((p, d, ra, rb));
                    }
                }
            }
        }
        let (p, _, ra, rb) = best?;
        let label = format!(
            "{} × {}",
            self.gazetteer.streets[ra].full_name, self.gazetteer.streets[rb].full_name
        );
        let point = Some(ResolvedPoint {
            lat: p.lat,
            lon: p.lon,
            source: PointSource::Junction,
        });
        let evidence = Evidence {
            kind: EvidenceKind::Junction,
            matched: format!("{words_a} – {words_b}"),
            label,
        };
        let mut members = Vec::new();
        match self.locate(p.lat, p.lon).ok()? {
            Location::Inside {
                unit, neighbour, ..
            } => {
                members.push(Member {
                    unit: self.by_code[&unit.code],
                    score: 0.97,
                    point,
                    evidence: evidence.clone(),
                });
                if let Some(n) = neighbour {
                    // A junction on a boundary: both units are candidates.
                    members.push(Member {
                        unit: self.by_code[&n.code],
                        score: 0.9,
                        point,
                        evidence,
                    });
                }
            }
            Location::Snapped { unit, .. } => members.push(Member {
                unit: self.by_code[&unit.code],
                score: 0.9,
                point,
                evidence,
            }),
            Location::Outside => return None,
        }
        Group::new(members, true, false, false)
    }

    /// Intersects the groups strongest first and ranks the candidates.
    fn combine(&self, mut groups: Vec<Group>, point_decides: bool) -> Resolution<'_> {
        if groups.is_empty() {
            return Resolution {
                candidates: Vec::new(),
                ambiguous: false,
                confidence: 0.0,
                point: None,
                gps_used: false,
                total: 0,
            };
        }
        groups.sort_by(|a, b| {
            (b.decisive, b.strength())
                .partial_cmp(&(a.decisive, a.strength()))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let (kept, inter) = consistent_groups(&groups);
        let left_out: Vec<usize> = (0..groups.len()).filter(|g| !kept.contains(g)).collect();

        // Scores: the best group's score for the unit, plus a little per other group that
        // agrees; units in the intersection first.
        let mut all: Vec<usize> = groups
            .iter()
            .flat_map(|g| g.members.iter().map(|m| m.unit))
            .collect();
        all.sort_unstable();
        all.dedup();
        let mut scored: Vec<(bool, f32, usize)> = all
            .iter()
            .map(|&u| {
                let scores: Vec<f32> = groups
                    .iter()
                    .filter_map(|g| g.members.iter().find(|m| m.unit == u).map(|m| m.score))
                    .collect();
                let best = scores.iter().copied().fold(0.0f32, f32::max);
                let score = (best + 0.05 * (scores.len() - 1) as f32).min(1.0);
                (inter.contains(&u), score, u)
            })
            .collect();
        scored.sort_by(|a, b| {
            (b.0, b.1)
                .partial_cmp(&(a.0, a.1))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.2.cmp(&b.2))
        });

        // Two strong groups that agree count as two only when they are different evidence
        // (the same street read twice is one).
        // A hamlet or landmark named after a unit ("thôn Hòa Xá") is a hint, not evidence: it
        // never makes the second of two agreeing groups.
        let mut strong_sets: Vec<Vec<usize>> = kept
            .iter()
            .filter(|&&g| !groups[g].weak && !groups[g].named_after_only())
            .map(|&g| {
                let mut units: Vec<usize> = groups[g].members.iter().map(|m| m.unit).collect();
                units.sort_unstable();
                units
            })
            .collect();
        strong_sets.sort();
        strong_sets.dedup();
        let strong_kept = strong_sets.len();
        // One unit stands: alone in the intersection, or clearly above the others there and
        // the leader of a decisive group (today's "phường Hòa Bình" over the part of the
        // former ward of that name that went elsewhere).
        let top_unit = scored.first().map(|&(_, _, u)| u);
        let leads = match scored.as_slice() {
            [first, second, ..] if first.0 && second.0 => {
                second.1 < 0.8 * first.1
                    && kept
                        .iter()
                        .any(|&g| groups[g].decisive && groups[g].leader() == top_unit)
            }
            _ => true,
        };
        // A decisive name whose first reading the intersection dropped ("xã Hòa Phú", today's
        // commune, narrowed by a hamlet named "Hòa Xá" to the former commune of that name now in
        // Hòa Xá) is settled only by a second strong group, never by a hint.
        let leader_dropped = kept.iter().any(|&g| {
            groups[g].decisive && groups[g].leader().is_some_and(|l| !inter.contains(&l))
        });
        let settled = !inter.is_empty()
            && leads
            && !(leader_dropped && strong_kept < 2)
            && (point_decides || kept.iter().any(|&g| groups[g].decisive) || strong_kept >= 2)
            && left_out.iter().all(|&g| groups[g].weak);
        let ambiguous = !settled;

        let candidates: Vec<Candidate<'_>> = scored
            .iter()
            .take(MAX_CANDIDATES)
            .map(|&(_, score, u)| {
                let mut members: Vec<&Member> = groups
                    .iter()
                    .filter_map(|g| g.members.iter().find(|m| m.unit == u))
                    .collect();
                members.sort_by(|a, b| b.score.total_cmp(&a.score));
                let point = members
                    .iter()
                    .filter_map(|m| m.point)
                    .min_by_key(|p| p.source)
                    .unwrap_or(ResolvedPoint {
                        lat: self.units[u].label.lat,
                        lon: self.units[u].label.lon,
                        source: PointSource::UnitCentre,
                    });
                Candidate {
                    unit: &self.units[u],
                    score,
                    point,
                    evidence: members.into_iter().map(|m| m.evidence.clone()).collect(),
                }
            })
            .collect();
        let top = candidates.first().map_or(0.0, |c| c.score);
        let confidence = if ambiguous {
            let total: f32 = candidates
                .iter()
                .filter(|c| inter.iter().any(|&u| self.units[u].code == c.unit.code))
                .map(|c| c.score)
                .sum();
            top * top / total.max(top).max(f32::MIN_POSITIVE)
        } else {
            top
        };
        Resolution {
            point: (!ambiguous)
                .then(|| candidates.first().map(|c| c.point))
                .flatten(),
            candidates,
            ambiguous,
            confidence,
            gps_used: false,
            total: scored.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A made-up province of four square units side by side (west to east): An Bình, Tân Phú
    /// (which took the whole former Xã Lê Lợi of Huyện Xa), Hòa Bình (part of former Phường
    /// Hòa Bình, Quận Một; An Bình took the rest) and Minh Khai. Streets: phố Lê Lợi inside An
    /// Bình, phố Hai Con through An Bình and Tân Phú, phố Ba Mươi crossing Hai Con in An Bình,
    /// phố Xa known only from Huyện Xa's list; a hospital named "Bệnh viện Hòa Bình" in An Bình.
    fn directory() -> UnitDirectory {
        let csv = "code,name,full_name,type,province_code,province_name,center_lat,center_lon,old_unit_codes,old_units\n\
            001,An Bình,Phường An Bình,phường,99,Tỉnh Thử,10.05,106.05,101:full;103:partial,Phường An Bình [Quận Một]; Phường Hòa Bình [Quận Một] (một phần)\n\
            002,Tân Phú,Phường Tân Phú,phường,99,Tỉnh Thử,10.05,106.15,102:full,Xã Lê Lợi [Huyện Xa]\n\
            003,Hòa Bình,Phường Hòa Bình,phường,99,Tỉnh Thử,10.05,106.25,103:partial,Phường Hòa Bình [Quận Một] (một phần)\n\
            004,Minh Khai,Xã Minh Khai,xã,99,Tỉnh Thử,10.05,106.35,104:full,Xã Minh Khai [Huyện Xa]\n";
        let mut d = super::super::test_squares(csv, 4);
        let streets = "name,kind,old_districts,units,lat,lon,units_method,unit_lengths_m\n\
            Lê Lợi,phố,Một,001,10.03,106.05,geometry,001:900\n\
            Hai Con,phố,Một;Xa,001;002,10.05,106.08,geometry,001:5000;002:2000\n\
            Ba Mươi,phố,Một,001,10.05,106.07,geometry,001:8000\n\
            Xa,phố,Xa,002;004,,,district,\n\
            Số 9,đường,Xa,004,10.05,106.35,geometry,004:300\n";
        let lines = r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"name":"Lê Lợi","units":"001"},"geometry":{"type":"LineString","coordinates":[[106.02,10.03],[106.08,10.03]]}},
            {"type":"Feature","properties":{"name":"Hai Con","units":"001;002"},"geometry":{"type":"LineString","coordinates":[[106.03,10.05],[106.12,10.05]]}},
            {"type":"Feature","properties":{"name":"Ba Mươi","units":"001"},"geometry":{"type":"LineString","coordinates":[[106.07,10.01],[106.07,10.09]]}},
            {"type":"Feature","properties":{"name":"Số 9","units":"004"},"geometry":{"type":"LineString","coordinates":[[106.32,10.05],[106.38,10.05]]}}]}"#;
        let places = "name,category,lat,lon,unit_code\n\
            Bệnh viện Hòa Bình,hospital,10.08,106.02,001\n\
            Chợ Tân Phú,market,10.02,106.18,\n";
        d.load_gazetteer(
            Some(streets.as_bytes()),
            Some(lines.as_bytes()),
            Some(places.as_bytes()),
        )
        .unwrap();
        d
    }

    fn codes(r: &Resolution<'_>) -> Vec<String> {
        r.candidates.iter().map(|c| c.unit.code.clone()).collect()
    }

    #[test]
    fn loads_lines_points_and_places() {
        let d = directory();
        let stats = d.gazetteer().stats();
        assert_eq!(stats.streets, 5);
        assert_eq!(stats.streets_with_lines, 4);
        assert_eq!(stats.streets_district_only, 1);
        assert_eq!(stats.places, 2);
        // The place without a unit code gets the unit of its point.
        let market = &d.gazetteer().places[1];
        assert_eq!(d.place_unit(market).code, "002");
        // A street with a line has a point in each unit it crosses.
        let hai_con = &d.gazetteer().streets[1];
        assert!(hai_con.units.iter().all(|u| u.point.is_some()));
    }

    #[test]
    fn a_street_named_like_a_former_commune_is_the_street() {
        let d = directory();
        for text in ["số 5 Lê Lợi", "phố Lê Lợi", "ngã ba Lê Lợi", "5 le loi"] {
            let r = d.resolve(text);
            assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("001"), "{text}");
            assert_eq!(
                r.point.map(|p| p.source),
                Some(PointSource::Street),
                "{text}"
            );
            assert!(
                !codes(&r).contains(&"002".to_owned()),
                "{text}: {:?}",
                codes(&r)
            );
        }
        // Written as the commune, it is the commune.
        let r = d.resolve("xã Lê Lợi, huyện Xa");
        assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("002"));
        assert_eq!(r.candidates[0].evidence[0].kind, EvidenceKind::OldUnit);
    }

    #[test]
    fn a_street_through_two_units_is_ambiguous_until_the_ward_settles_it() {
        let d = directory();
        let r = d.resolve("số 12 phố Hai Con");
        assert!(r.ambiguous);
        assert_eq!(r.assigned(), None);
        assert_eq!(codes(&r), ["001", "002"], "longest share first");
        assert!(r.point.is_none());
        assert!(r.confidence < r.candidates[0].score);
        let r = d.resolve("số 12 phố Hai Con, phường Tân Phú");
        assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("002"));
        assert_eq!(r.candidates[0].evidence.len(), 2);
    }

    #[test]
    fn a_street_known_only_by_district_gives_candidates_never_one_unit() {
        let d = directory();
        let r = d.resolve("số 3 phố Xa");
        assert!(r.ambiguous);
        assert_eq!(codes(&r), ["002", "004"]);
        assert!(r
            .candidates
            .iter()
            .all(|c| c.evidence[0].kind == EvidenceKind::StreetInDistrict
                && c.point.source == PointSource::UnitCentre));
    }

    #[test]
    fn streets_that_meet_place_a_junction() {
        let d = directory();
        for text in [
            "ngã tư Hai Con – Ba Mươi",
            "nga tu hai con ba muoi",
            "giao Hai Con với Ba Mươi",
        ] {
            let r = d.resolve(text);
            assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("001"), "{text}");
            let p = r.point.unwrap();
            assert_eq!(p.source, PointSource::Junction);
            assert!((p.lon - 106.07).abs() < 1e-6 && (p.lat - 10.05).abs() < 1e-6);
        }
    }

    #[test]
    fn a_landmark_wins_over_a_unit_of_the_same_name() {
        let d = directory();
        for text in [
            "cổng bệnh viện Hòa Bình",
            "bv hoa binh",
            "Bệnh viện Hòa Bình, phố Ba Mươi",
        ] {
            let r = d.resolve(text);
            assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("001"), "{text}");
            assert_eq!(
                r.point.map(|p| p.source),
                Some(PointSource::Place),
                "{text}"
            );
        }
        // The unit itself, with its kind word.
        assert_eq!(
            d.resolve("phường Hòa Bình")
                .assigned()
                .map(|u| u.code.as_str()),
            Some("003")
        );
        // A landmark the gazetteer does not know, named after a unit: a hint, not an answer.
        let r = d.resolve("chợ Minh Khai");
        assert!(r.ambiguous);
        assert_eq!(codes(&r), ["004"]);
        assert_eq!(r.candidates[0].evidence[0].kind, EvidenceKind::NamedAfter);
    }

    #[test]
    fn shared_coordinates_win_over_the_text() {
        let d = directory();
        let gps = LatLon {
            lat: 10.05,
            lon: 106.35,
        };
        let r = d.resolve_at("số 5 Lê Lợi", Some(gps));
        assert!(r.gps_used);
        assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("004"));
        assert_eq!(r.point.map(|p| p.source), Some(PointSource::Gps));
        // The text's answer is still listed, after the point's.
        assert_eq!(codes(&r), ["004", "001"]);
        // A point outside the province is not used.
        let far = LatLon {
            lat: 21.0,
            lon: 105.8,
        };
        let r = d.resolve_at("số 5 Lê Lợi", Some(far));
        assert!(!r.gps_used);
        assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("001"));
        // A point alone.
        let r = d.resolve_at("nhà hàng xóm đang cháy", Some(gps));
        assert_eq!(r.assigned().map(|u| u.code.as_str()), Some("004"));
    }

    #[test]
    fn words_that_are_not_places_give_nothing() {
        let d = directory();
        for text in [
            "nhà hàng xóm đang cháy",
            "xóm trọ có đánh nhau",
            "ngay chỗ tôi",
            "số 9",
            "",
        ] {
            let r = d.resolve(text);
            assert!(r.candidates.is_empty(), "{text}: {:?}", codes(&r));
            assert!(!r.ambiguous && r.assigned().is_none());
        }
        // A numbered road with its kind word is the road.
        assert_eq!(
            d.resolve("đường số 9").assigned().map(|u| u.code.as_str()),
            Some("004")
        );
    }

    #[test]
    fn a_denied_place_is_left_out() {
        let d = directory();
        let r = d.resolve("phố Lê Lợi chứ không phải xã Minh Khai");
        assert_eq!(codes(&r), ["001"]);
        assert!(!r.ambiguous);
    }

    #[test]
    fn contradicting_names_are_ambiguous() {
        let d = directory();
        // Phố Lê Lợi is in An Bình, but the text says Minh Khai.
        let r = d.resolve("số 5 phố Lê Lợi, xã Minh Khai");
        assert!(r.ambiguous);
        let mut got = codes(&r);
        got.sort();
        assert_eq!(got, ["001", "004"]);
    }

    #[test]
    fn a_hamlet_named_after_a_unit_never_overrules_todays_name() {
        let d = directory();
        // Today's Phường Hòa Bình; part of the former ward of that name is in An Bình, and a
        // hamlet here is called An Bình. The hint must not silently move the place.
        let r = d.resolve("thôn An Bình, phường Hòa Bình");
        assert!(
            r.assigned().is_none_or(|u| u.code == "003"),
            "{:?}",
            codes(&r)
        );
        assert!(codes(&r).contains(&"003".to_string()), "{:?}", codes(&r));
    }

    #[test]
    fn the_number_before_a_street_is_its_position() {
        let at = |text: &str, name: &str| {
            let tokens = super::super::address::tokenize(text);
            let start = tokens.iter().position(|t| t.fold == name).unwrap();
            number_before(&tokens, start)
        };
        assert_eq!(at("số 20 phố Đội Cấn", "doi"), Some(20));
        assert_eq!(at("ngõ 91 Nguyễn Chí Thanh", "nguyen"), Some(91));
        assert_eq!(at("79A ngõ 25 Vũ Ngọc Phan", "vu"), Some(25));
        assert_eq!(at("12 P. Kim Mã", "kim"), Some(12));
        assert_eq!(at("72A đường Nguyễn Trãi", "nguyen"), Some(72));
        // No number, a number in another part of the text, or one too large to be a house.
        assert_eq!(at("phố Đội Cấn", "doi"), None);
        assert_eq!(at("số 20, Đội Cấn", "doi"), None);
        assert_eq!(at("99999 Đội Cấn", "doi"), None);
    }

    #[test]
    fn serialises_for_the_api() {
        let d = directory();
        let v = serde_json::to_value(d.resolve("số 12 phố Hai Con")).unwrap();
        assert_eq!(v["ambiguous"], true);
        assert_eq!(v["matches"][0]["code"], "001");
        assert_eq!(v["matches"][0]["point"]["source"], "street");
        assert_eq!(v["matches"][0]["evidence"][0]["kind"], "street");
        assert_eq!(v["matches"][0]["evidence"][0]["label"], "Phố Hai Con");
        assert!(v["point"].is_null());
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_an_assigned_answer_is_the_first(text in "\\PC{0,80}") {
            let d = directory();
            let r = d.resolve(&text);
            proptest::prop_assert!(r.candidates.len() <= MAX_CANDIDATES);
            proptest::prop_assert!(r.total >= r.candidates.len());
            proptest::prop_assert!(r.total == r.candidates.len() || r.candidates.len() == MAX_CANDIDATES);
            proptest::prop_assert!((0.0..=1.0).contains(&r.confidence));
            for c in &r.candidates {
                proptest::prop_assert!(c.score > 0.0 && c.score <= 1.0);
                proptest::prop_assert!(!c.evidence.is_empty());
            }
            if let Some(u) = r.assigned() {
                proptest::prop_assert_eq!(&u.code, &r.candidates[0].unit.code);
            }
        }

        #[test]
        fn street_words_around_a_street_keep_it(
            before in "[a-z ]{0,10}",
            number in 1u32..500,
            after in "[a-z ]{0,10}",
        ) {
            let d = directory();
            let text = format!("{before}, số {number} phố Lê Lợi, {after}");
            let r = d.resolve(&text);
            proptest::prop_assert!(r.candidates.iter().any(|c| c.unit.code == "001"));
            proptest::prop_assert!(r.candidates.iter().all(|c| c.unit.code != "002"));
        }
    }
}
