//! Plane geometry on longitude/latitude: polygons, point-in-polygon, distances in metres.
//!
//! Coordinates stay in degrees (`[lon, lat]`, as GeoJSON writes them). Point-in-polygon needs
//! no metric, so it works on degrees directly. Distances use a local equirectangular
//! projection centred on the query's latitude: one degree of latitude is
//! [`METRES_PER_DEGREE`] metres and one degree of longitude is that times `cos(lat)`. Over the
//! few hundred metres that matter for boundary checks the error is far below the ±50 m of the
//! reference boundaries.

use std::f64::consts::PI;

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
/// Metres in one degree of latitude (and of longitude at the equator).
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * PI / 180.0;

/// A position as GeoJSON writes it: `[longitude, latitude]` in degrees.
pub type Position = [f64; 2];

/// A point given as latitude and longitude in degrees (WGS84).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLon {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lon: f64,
}

/// One polygon: an exterior ring and its holes. Rings are closed (first position == last).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// The outer boundary.
    pub exterior: Vec<Position>,
    /// Holes cut out of the exterior.
    pub holes: Vec<Vec<Position>>,
}

impl Polygon {
    /// The exterior then every hole.
    pub fn rings(&self) -> impl Iterator<Item = &Vec<Position>> {
        std::iter::once(&self.exterior).chain(self.holes.iter())
    }
}

/// The area of one unit at full resolution: one or more polygons (a GeoJSON Polygon is one).
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// The parts of the unit.
    pub polygons: Vec<Polygon>,
}

impl Geometry {
    /// Every ring of every polygon.
    pub fn rings(&self) -> impl Iterator<Item = &Vec<Position>> {
        self.polygons.iter().flat_map(Polygon::rings)
    }

    /// Every edge of every ring, as (start, end).
    pub(crate) fn edges(&self) -> impl Iterator<Item = Edge> + '_ {
        self.rings()
            .flat_map(|ring| ring.windows(2).map(|w| Edge { a: w[0], b: w[1] }))
    }

    /// Number of positions over all rings (closing positions included).
    pub fn vertex_count(&self) -> usize {
        self.rings().map(Vec::len).sum()
    }

    /// Bounding box of all rings.
    pub(crate) fn bbox(&self) -> Bbox {
        let mut bbox = Bbox::EMPTY;
        for ring in self.rings() {
            for p in ring {
                bbox.extend(*p);
            }
        }
        bbox
    }

    /// Plain even–odd point-in-polygon over every ring, with no index. Holes and the parts of
    /// a multipolygon are handled by the parity rule. Used to build the index and as the
    /// reference the indexed lookup is tested against.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let mut inside = false;
        for e in self.edges() {
            if e.crosses_ray(lon, lat) {
                inside = !inside;
            }
        }
        inside
    }

    /// Checks what the jurisdiction index relies on: finite coordinates on Earth, closed
    /// rings of at least four positions with a non-zero area, no edge crossing another within
    /// a polygon, and every hole starting inside its exterior.
    pub fn validate(&self) -> Result<(), String> {
        if self.polygons.is_empty() {
            return Err("no polygon".to_owned());
        }
        for (pi, polygon) in self.polygons.iter().enumerate() {
            for (ri, ring) in polygon.rings().enumerate() {
                let what = if ri == 0 {
                    format!("polygon {pi} exterior")
                } else {
                    format!("polygon {pi} hole {}", ri - 1)
                };
                validate_ring(ring).map_err(|reason| format!("{what}: {reason}"))?;
            }
            let outer = Geometry {
                polygons: vec![Polygon {
                    exterior: polygon.exterior.clone(),
                    holes: Vec::new(),
                }],
            };
            for (hi, hole) in polygon.holes.iter().enumerate() {
                let [lon, lat] = hole[0];
                if !outer.contains(lon, lat) {
                    return Err(format!(
                        "polygon {pi} hole {hi} starts at ({lat}, {lon}), outside its exterior"
                    ));
                }
            }
            if let Some([lon, lat]) = first_crossing(polygon) {
                return Err(format!(
                    "polygon {pi} has edges crossing each other near latitude {lat}, longitude {lon}"
                ));
            }
        }
        Ok(())
    }

    /// A point well inside the geometry: on the horizontal line through the largest polygon
    /// that has the widest inside span, the middle of that span. Unlike a centroid it is
    /// always inside, even for crescent or ring shapes.
    pub fn interior_point(&self) -> Option<LatLon> {
        let mut best: Option<(f64, LatLon)> = None;
        let bbox = self.bbox();
        if !bbox.is_valid() {
            return None;
        }
        const LINES: usize = 64;
        for i in 0..LINES {
            let lat = bbox.min[1] + (bbox.max[1] - bbox.min[1]) * (i as f64 + 0.5) / LINES as f64;
            let mut xs: Vec<f64> = self
                .edges()
                .filter(|e| (e.a[1] > lat) != (e.b[1] > lat))
                .map(|e| e.a[0] + (lat - e.a[1]) * (e.b[0] - e.a[0]) / (e.b[1] - e.a[1]))
                .collect();
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                let width = pair[1] - pair[0];
                if best.is_none_or(|(w, _)| width > w) {
                    best = Some((
                        width,
                        LatLon {
                            lat,
                            lon: (pair[0] + pair[1]) / 2.0,
                        },
                    ));
                }
            }
        }
        best.map(|(_, p)| p)
    }
}

fn validate_ring(ring: &[Position]) -> Result<(), String> {
    if ring.len() < 4 {
        return Err(format!(
            "ring has {} positions, at least 4 are needed",
            ring.len()
        ));
    }
    for p in ring {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return Err(format!("position {p:?} is not a finite number"));
        }
        if !(-180.0..=180.0).contains(&p[0]) || !(-90.0..=90.0).contains(&p[1]) {
            return Err(format!(
                "position {p:?} is not [longitude, latitude] in degrees"
            ));
        }
    }
    if ring.first() != ring.last() {
        return Err("ring is not closed (first and last positions differ)".to_owned());
    }
    let area2: f64 = ring
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    if area2 == 0.0 {
        return Err("ring has zero area".to_owned());
    }
    Ok(())
}

/// The first place where two edges of a polygon (any of its rings) cross properly, if any.
/// Edges sharing an end point, and edges that only touch, are not crossings.
fn first_crossing(polygon: &Polygon) -> Option<Position> {
    let mut edges: Vec<Edge> = polygon
        .rings()
        .flat_map(|ring| ring.windows(2).map(|w| Edge { a: w[0], b: w[1] }))
        .filter(|e| e.a != e.b)
        .collect();
    edges.sort_by(|x, y| x.min_y().total_cmp(&y.min_y()));
    for (i, e) in edges.iter().enumerate() {
        let e_max_y = e.max_y();
        for f in &edges[i + 1..] {
            if f.min_y() > e_max_y {
                break;
            }
            if e.min_x() > f.max_x() || f.min_x() > e.max_x() {
                continue;
            }
            if let Some(p) = proper_crossing(e, f) {
                return Some(p);
            }
        }
    }
    None
}

fn orient(a: Position, b: Position, c: Position) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

/// The crossing point when the two segments cross at a point inside both of them.
fn proper_crossing(e: &Edge, f: &Edge) -> Option<Position> {
    let d1 = orient(e.a, e.b, f.a);
    let d2 = orient(e.a, e.b, f.b);
    let d3 = orient(f.a, f.b, e.a);
    let d4 = orient(f.a, f.b, e.b);
    if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
        let t = d3 / (d3 - d4);
        Some([
            e.a[0] + t * (e.b[0] - e.a[0]),
            e.a[1] + t * (e.b[1] - e.a[1]),
        ])
    } else {
        None
    }
}

/// One straight edge of a ring, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Edge {
    pub a: Position,
    pub b: Position,
}

impl Edge {
    /// Whether a ray from (x, y) towards +x crosses this edge. Half-open in y, so a vertex
    /// on the ray is counted once, and ring parity is exact.
    #[inline]
    pub fn crosses_ray(&self, x: f64, y: f64) -> bool {
        (self.a[1] > y) != (self.b[1] > y)
            && x < self.a[0] + (y - self.a[1]) * (self.b[0] - self.a[0]) / (self.b[1] - self.a[1])
    }

    pub fn min_x(&self) -> f64 {
        self.a[0].min(self.b[0])
    }
    pub fn max_x(&self) -> f64 {
        self.a[0].max(self.b[0])
    }
    pub fn min_y(&self) -> f64 {
        self.a[1].min(self.b[1])
    }
    pub fn max_y(&self) -> f64 {
        self.a[1].max(self.b[1])
    }

    /// Whether the edge meets the closed rectangle `bbox`.
    pub fn meets_rect(&self, bbox: &Bbox) -> bool {
        if self.max_x() < bbox.min[0]
            || self.min_x() > bbox.max[0]
            || self.max_y() < bbox.min[1]
            || self.min_y() > bbox.max[1]
        {
            return false;
        }
        // Separating axis along the edge's normal: the rectangle's corners must not all lie
        // strictly on one side of the edge's line.
        let corners = [
            [bbox.min[0], bbox.min[1]],
            [bbox.max[0], bbox.min[1]],
            [bbox.max[0], bbox.max[1]],
            [bbox.min[0], bbox.max[1]],
        ];
        let sides = corners.map(|c| orient(self.a, self.b, c));
        !(sides.iter().all(|s| *s > 0.0) || sides.iter().all(|s| *s < 0.0))
    }
}

/// An axis-aligned box in degrees: `min` and `max` are `[lon, lat]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bbox {
    pub min: Position,
    pub max: Position,
}

impl Bbox {
    pub const EMPTY: Bbox = Bbox {
        min: [f64::INFINITY, f64::INFINITY],
        max: [f64::NEG_INFINITY, f64::NEG_INFINITY],
    };

    pub fn extend(&mut self, p: Position) {
        self.min[0] = self.min[0].min(p[0]);
        self.min[1] = self.min[1].min(p[1]);
        self.max[0] = self.max[0].max(p[0]);
        self.max[1] = self.max[1].max(p[1]);
    }

    pub fn union(&mut self, other: &Bbox) {
        self.extend(other.min);
        self.extend(other.max);
    }

    pub fn is_valid(&self) -> bool {
        self.min[0] <= self.max[0] && self.min[1] <= self.max[1]
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.min[0] && x <= self.max[0] && y >= self.min[1] && y <= self.max[1]
    }

    pub fn expanded(&self, dx: f64, dy: f64) -> Bbox {
        Bbox {
            min: [self.min[0] - dx, self.min[1] - dy],
            max: [self.max[0] + dx, self.max[1] + dy],
        }
    }
}

/// Metres per degree of longitude and latitude around one latitude: the local equirectangular
/// projection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub kx: f64,
    pub ky: f64,
}

impl Scale {
    pub fn at(lat: f64) -> Scale {
        Scale {
            kx: lat.to_radians().cos() * METRES_PER_DEGREE,
            ky: METRES_PER_DEGREE,
        }
    }

    /// Squared distance in metres from point `p` to the box (zero inside it).
    #[inline]
    pub fn dist2_to_box(&self, p: Position, min: Position, max: Position) -> f64 {
        let dx = (min[0] - p[0]).max(p[0] - max[0]).max(0.0) * self.kx;
        let dy = (min[1] - p[1]).max(p[1] - max[1]).max(0.0) * self.ky;
        dx * dx + dy * dy
    }

    /// Squared distance in metres from point `p` to the segment `a`–`b`.
    #[inline]
    pub fn dist2_to_segment(&self, p: Position, a: Position, b: Position) -> f64 {
        let ax = (a[0] - p[0]) * self.kx;
        let ay = (a[1] - p[1]) * self.ky;
        let abx = (b[0] - a[0]) * self.kx;
        let aby = (b[1] - a[1]) * self.ky;
        let len2 = abx * abx + aby * aby;
        // t minimises |a + t·ab − p|; a is already relative to p.
        let t = if len2 > 0.0 {
            (-(ax * abx + ay * aby) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let dx = ax + t * abx;
        let dy = ay + t * aby;
        dx * dx + dy * dy
    }
}

impl Scale {
    /// Squared distance in metres between the box and the segment `a`–`b` (zero when they
    /// meet).
    pub fn dist2_rect_to_segment(&self, rect: &Bbox, a: Position, b: Position) -> f64 {
        if (Edge { a, b }).meets_rect(rect) {
            return 0.0;
        }
        let corners = [
            [rect.min[0], rect.min[1]],
            [rect.max[0], rect.min[1]],
            [rect.max[0], rect.max[1]],
            [rect.min[0], rect.max[1]],
        ];
        let from_ends = self
            .dist2_to_box(a, rect.min, rect.max)
            .min(self.dist2_to_box(b, rect.min, rect.max));
        corners
            .iter()
            .map(|c| self.dist2_to_segment(*c, a, b))
            .fold(from_ends, f64::min)
    }

    /// Squared distance in metres between two boxes (zero when they overlap).
    pub fn dist2_box_to_box(&self, r: &Bbox, min: Position, max: Position) -> f64 {
        let dx = (min[0] - r.max[0]).max(r.min[0] - max[0]).max(0.0) * self.kx;
        let dy = (min[1] - r.max[1]).max(r.min[1] - max[1]).max(0.0) * self.ky;
        dx * dx + dy * dy
    }
}

/// Whether a latitude/longitude pair is a point on Earth.
pub(crate) fn valid_coordinate(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, size: f64) -> Vec<Position> {
        vec![
            [x0, y0],
            [x0 + size, y0],
            [x0 + size, y0 + size],
            [x0, y0 + size],
            [x0, y0],
        ]
    }

    #[test]
    fn square_with_hole_excludes_the_hole() {
        let g = Geometry {
            polygons: vec![Polygon {
                exterior: square(0.0, 0.0, 1.0),
                holes: vec![square(0.4, 0.4, 0.2)],
            }],
        };
        assert!(g.validate().is_ok());
        assert!(g.contains(0.1, 0.1));
        assert!(!g.contains(0.5, 0.5));
        assert!(g.contains(0.7, 0.5));
        assert!(!g.contains(1.5, 0.5));
        let p = g.interior_point().unwrap();
        assert!(g.contains(p.lon, p.lat));
    }

    #[test]
    fn validate_rejects_bad_rings() {
        let open = Geometry {
            polygons: vec![Polygon {
                exterior: vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]],
                holes: vec![],
            }],
        };
        assert!(open.validate().unwrap_err().contains("not closed"));
        let bow_tie = Geometry {
            polygons: vec![Polygon {
                exterior: vec![[0.0, 0.0], [2.0, 2.0], [2.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
                holes: vec![],
            }],
        };
        assert!(bow_tie.validate().unwrap_err().contains("crossing"));
        let flat = Geometry {
            polygons: vec![Polygon {
                exterior: vec![[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [0.0, 0.0]],
                holes: vec![],
            }],
        };
        assert!(flat.validate().unwrap_err().contains("zero area"));
        let off_earth = Geometry {
            polygons: vec![Polygon {
                exterior: square(200.0, 0.0, 1.0),
                holes: vec![],
            }],
        };
        assert!(off_earth.validate().is_err());
        let stray_hole = Geometry {
            polygons: vec![Polygon {
                exterior: square(0.0, 0.0, 1.0),
                holes: vec![square(3.0, 3.0, 0.5)],
            }],
        };
        assert!(stray_hole.validate().unwrap_err().contains("outside"));
    }

    #[test]
    fn segment_distance_in_metres() {
        let s = Scale::at(0.0);
        // 0.001° of latitude is about 111 m.
        let d = s
            .dist2_to_segment([0.0, 0.001], [-1.0, 0.0], [1.0, 0.0])
            .sqrt();
        assert!((d - 111.195).abs() < 0.01, "{d}");
        // Beyond the end point the distance is to that end.
        let d = s
            .dist2_to_segment([2.0, 0.0], [-1.0, 0.0], [1.0, 0.0])
            .sqrt();
        assert!((d - METRES_PER_DEGREE).abs() < 1e-6);
        // At 60° north a degree of longitude is half as long.
        let s60 = Scale::at(60.0);
        let d = s60
            .dist2_to_segment([0.001, 60.0], [0.0, 59.0], [0.0, 61.0])
            .sqrt();
        assert!((d - 55.6).abs() < 0.1, "{d}");
    }

    #[test]
    fn edge_meets_rect() {
        let r = Bbox {
            min: [0.0, 0.0],
            max: [1.0, 1.0],
        };
        assert!(Edge {
            a: [-1.0, 0.5],
            b: [2.0, 0.5]
        }
        .meets_rect(&r));
        assert!(!Edge {
            a: [-1.0, 1.5],
            b: [0.4, 3.0]
        }
        .meets_rect(&r));
        // Diagonal passing the corner outside: bboxes overlap, the segment does not.
        assert!(!Edge {
            a: [0.8, 1.5],
            b: [1.5, 0.8]
        }
        .meets_rect(&r));
        assert!(Edge {
            a: [1.0, 1.0],
            b: [2.0, 2.0]
        }
        .meets_rect(&r));
    }

    #[test]
    fn rect_to_segment_distance() {
        let s = Scale::at(0.0);
        let r = Bbox {
            min: [0.0, 0.0],
            max: [1.0, 1.0],
        };
        assert_eq!(s.dist2_rect_to_segment(&r, [0.5, -1.0], [0.5, 2.0]), 0.0);
        let d = s.dist2_rect_to_segment(&r, [2.0, -1.0], [2.0, 2.0]).sqrt();
        assert!((d - METRES_PER_DEGREE).abs() < 1e-6);
        // Diagonal segment past the corner (1, 1): nearest to the corner.
        let d = s.dist2_rect_to_segment(&r, [1.5, 2.5], [2.5, 1.5]).sqrt();
        assert!((d - 2f64.sqrt() * METRES_PER_DEGREE).abs() < 1e-3, "{d}");
    }

    #[test]
    fn coordinates_on_earth() {
        assert!(valid_coordinate(21.0, 105.8));
        assert!(!valid_coordinate(f64::NAN, 105.8));
        assert!(!valid_coordinate(21.0, f64::INFINITY));
        assert!(!valid_coordinate(91.0, 0.0));
        assert!(!valid_coordinate(0.0, -181.0));
    }
}
