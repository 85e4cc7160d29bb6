//! The jurisdiction index: which unit owns a point, and how far it is from that unit's edge.
//!
//! Three structures, all built once when the folder is loaded:
//!
//! - a **uniform grid** over the province (cells of about 150 m by default). A cell that no
//!   boundary edge crosses lies wholly inside one unit or wholly outside every unit, and is
//!   answered from the grid alone; only cells crossed by an edge ("mixed") run a
//!   point-in-polygon test, and only against the units whose edges cross them;
//! - per unit, **horizontal bands** of edges, so that the point-in-polygon ray test looks only
//!   at the edges whose latitude range covers the point;
//! - per unit and for the whole province, a **bounding-volume hierarchy of edges** for the
//!   nearest-edge search that gives the distance to the boundary, the unit on the other side,
//!   and the nearest unit of a point that fell just outside (a sliver between polygons or a
//!   few metres past the outer edge).
//!
//! When polygons overlap (the reference data has slivers of overlap of about 0 % of the area),
//! the unit that comes first in the directory wins; the plain scan over all polygons in the
//! tests follows the same rule.

use super::geometry::{valid_coordinate, Bbox, Edge, Geometry, Position, Scale};

/// Tuning of the jurisdiction answer. All distances are in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JurisdictionConfig {
    /// A point inside a unit closer than this to its boundary is marked `near_boundary`,
    /// and the unit on the other side is named. Default 100 m, twice the ±50 m accuracy of
    /// the reference boundaries.
    pub near_boundary_m: f64,
    /// A point outside every unit but closer than this to one of them is answered with that
    /// unit and marked as snapped (slivers between polygons, a few metres past the outer
    /// edge). Default 10 m.
    pub snap_tolerance_m: f64,
    /// Target side of a grid cell. Smaller cells mean fewer point-in-polygon tests and more
    /// memory. Default 150 m; the grid never exceeds 4096 × 4096 cells.
    pub grid_cell_m: f64,
}

impl Default for JurisdictionConfig {
    fn default() -> Self {
        JurisdictionConfig {
            near_boundary_m: 100.0,
            snap_tolerance_m: 10.0,
            grid_cell_m: 150.0,
        }
    }
}

/// Where a point lies, as unit indices into the directory. The public form with unit
/// references is [`super::Location`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RawLocation {
    Inside {
        unit: usize,
        boundary_distance_m: f64,
        near_boundary: bool,
        neighbour: Option<usize>,
    },
    Snapped {
        unit: usize,
        distance_m: f64,
    },
    Outside,
}

/// Everything needed to answer for one province.
#[derive(Debug)]
pub(crate) struct Jurisdiction {
    shapes: Vec<Shape>,
    all_edges: SegmentBvh,
    grid: Grid,
    blocks: DistanceBlocks,
    config: JurisdictionConfig,
}

impl Jurisdiction {
    pub fn build(geometries: &[&Geometry], config: JurisdictionConfig) -> Jurisdiction {
        let shapes: Vec<Shape> = geometries.iter().map(|g| Shape::new(g)).collect();
        let all: Vec<Segment> = geometries
            .iter()
            .enumerate()
            .flat_map(|(u, g)| g.edges().map(move |e| Segment::new(e, u as u32)))
            .collect();
        let all_edges = SegmentBvh::new(all);
        let grid = Grid::build(&shapes, &config);
        let blocks = DistanceBlocks::build(&grid, &shapes);
        Jurisdiction {
            shapes,
            all_edges,
            grid,
            blocks,
            config,
        }
    }

    pub fn config(&self) -> &JurisdictionConfig {
        &self.config
    }

    /// Replaces the thresholds that need no rebuild (`near_boundary_m`).
    pub fn set_near_boundary_m(&mut self, metres: f64) {
        self.config.near_boundary_m = metres;
    }

    /// The first unit whose polygon contains the point, without distances. `None` when the
    /// coordinate is invalid or outside every unit.
    #[inline]
    pub fn unit_at(&self, lat: f64, lon: f64) -> Option<usize> {
        if !valid_coordinate(lat, lon) {
            return None;
        }
        match self.grid.cell(lon, lat)? {
            Cell::Inside(u) => Some(u),
            Cell::OutsideFar | Cell::OutsideNear => None,
            Cell::Mixed(range) => self.grid.mixed_units[range]
                .iter()
                .map(|u| *u as usize)
                .find(|u| self.shapes[*u].contains(lon, lat)),
        }
    }

    /// The full answer for an already-validated coordinate.
    pub fn locate(&self, lat: f64, lon: f64) -> RawLocation {
        let Some((cx, cy)) = self.grid.cell_xy(lon, lat) else {
            return RawLocation::Outside;
        };
        let unit = match self.grid.cell_at(cx, cy) {
            Cell::Inside(u) => Some(u),
            Cell::OutsideFar => return RawLocation::Outside,
            Cell::OutsideNear => None,
            Cell::Mixed(range) => self.grid.mixed_units[range]
                .iter()
                .map(|u| *u as usize)
                .find(|u| self.shapes[*u].contains(lon, lat)),
        };
        let p = [lon, lat];
        let scale = Scale::at(lat);
        match unit {
            Some(unit) => {
                let d2 = self.distance2(unit, (cx, cy), p, &scale);
                let boundary_distance_m = d2.sqrt();
                let near = self.config.near_boundary_m;
                let near_boundary = boundary_distance_m <= near;
                let neighbour = if near_boundary {
                    self.all_edges
                        .nearest(p, &scale, near * near, |owner| owner as usize != unit)
                        .map(|(owner, _)| owner as usize)
                } else {
                    None
                };
                RawLocation::Inside {
                    unit,
                    boundary_distance_m,
                    near_boundary,
                    neighbour,
                }
            }
            None => {
                let tol = self.config.snap_tolerance_m;
                match self.all_edges.nearest(p, &scale, tol * tol, |_| true) {
                    Some((owner, d2)) => RawLocation::Snapped {
                        unit: owner as usize,
                        distance_m: d2.sqrt(),
                    },
                    None => RawLocation::Outside,
                }
            }
        }
    }

    /// Distance in metres from the point to the boundary of `unit` (whether the point is
    /// inside it or not).
    pub fn boundary_distance_m(&self, unit: usize, lat: f64, lon: f64) -> f64 {
        let scale = Scale::at(lat);
        match self.grid.cell_xy(lon, lat) {
            Some(cell) => self.distance2(unit, cell, [lon, lat], &scale),
            None => self.shapes[unit]
                .edges
                .nearest([lon, lat], &scale, f64::INFINITY, |_| true)
                .map_or(f64::INFINITY, |(_, d2)| d2),
        }
        .sqrt()
    }

    /// Squared distance from `p` (in grid cell `cell`) to `unit`'s boundary: from the
    /// block's candidate list when the block has one for this unit, else by a full search.
    fn distance2(&self, unit: usize, cell: (usize, usize), p: Position, scale: &Scale) -> f64 {
        let shape = &self.shapes[unit];
        self.blocks
            .nearest2(shape, unit, cell, p, scale)
            .or_else(|| {
                shape
                    .edges
                    .nearest(p, scale, f64::INFINITY, |_| true)
                    .map(|(_, d2)| d2)
            })
            .unwrap_or(f64::INFINITY)
    }

    /// The unit with the nearest boundary edge, within `max_m` metres.
    pub fn nearest_unit(&self, lat: f64, lon: f64, max_m: f64) -> Option<(usize, f64)> {
        self.all_edges
            .nearest([lon, lat], &Scale::at(lat), max_m * max_m, |_| true)
            .map(|(owner, d2)| (owner as usize, d2.sqrt()))
    }

    /// Grid shape and how its cells split, for documentation and benchmarks.
    pub fn stats(&self) -> GridStats {
        let mut stats = GridStats {
            cols: self.grid.cols,
            rows: self.grid.rows,
            ..GridStats::default()
        };
        for raw in &self.grid.cells {
            match Grid::decode(*raw) {
                Cell::Inside(_) => stats.inside += 1,
                Cell::Mixed(_) => stats.mixed += 1,
                Cell::OutsideFar | Cell::OutsideNear => stats.outside += 1,
            }
        }
        stats
    }
}

/// How the grid's cells split between "inside one unit", "outside every unit" and "mixed"
/// (crossed by a boundary, answered by a point-in-polygon test).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridStats {
    /// Number of columns.
    pub cols: usize,
    /// Number of rows.
    pub rows: usize,
    /// Cells wholly inside one unit.
    pub inside: usize,
    /// Cells wholly outside every unit.
    pub outside: usize,
    /// Cells crossed by a boundary.
    pub mixed: usize,
}

/// One unit's edges, arranged for point-in-polygon and nearest-edge queries.
#[derive(Debug)]
struct Shape {
    bbox: Bbox,
    band_min_y: f64,
    band_inv_h: f64,
    /// `band_offsets[b]..band_offsets[b + 1]` indexes `band_edges` for band `b`.
    band_offsets: Vec<u32>,
    band_edges: Vec<Edge>,
    edges: SegmentBvh,
}

impl Shape {
    fn new(geometry: &Geometry) -> Shape {
        let edges: Vec<Edge> = geometry.edges().filter(|e| e.a != e.b).collect();
        let bbox = geometry.bbox();
        let bands = (edges.len() / 4).clamp(1, 512);
        let height = (bbox.max[1] - bbox.min[1]).max(f64::MIN_POSITIVE);
        let inv_h = bands as f64 / height;
        let band_of = |y: f64| (((y - bbox.min[1]) * inv_h) as usize).min(bands - 1);
        // Counting sort of edges into every band their latitude range touches. `band_of` is
        // monotone, so a point whose latitude lies in an edge's range finds the edge in its band.
        let mut counts = vec![0u32; bands + 1];
        for e in &edges {
            for b in band_of(e.min_y())..=band_of(e.max_y()) {
                counts[b + 1] += 1;
            }
        }
        for b in 0..bands {
            counts[b + 1] += counts[b];
        }
        let mut fill = counts.clone();
        let mut band_edges = vec![
            Edge {
                a: [0.0; 2],
                b: [0.0; 2]
            };
            counts[bands] as usize
        ];
        for e in &edges {
            for b in band_of(e.min_y())..=band_of(e.max_y()) {
                band_edges[fill[b] as usize] = *e;
                fill[b] += 1;
            }
        }
        Shape {
            bbox,
            band_min_y: bbox.min[1],
            band_inv_h: inv_h,
            band_offsets: counts,
            band_edges,
            edges: SegmentBvh::new(edges.iter().map(|e| Segment::new(*e, 0)).collect()),
        }
    }

    #[inline]
    fn contains(&self, x: f64, y: f64) -> bool {
        if !self.bbox.contains(x, y) {
            return false;
        }
        let bands = self.band_offsets.len() - 1;
        let b = (((y - self.band_min_y) * self.band_inv_h) as usize).min(bands - 1);
        let slice =
            &self.band_edges[self.band_offsets[b] as usize..self.band_offsets[b + 1] as usize];
        let mut inside = false;
        for e in slice {
            if e.crosses_ray(x, y) {
                inside = !inside;
            }
        }
        inside
    }
}

/// An edge with the index of the unit it belongs to.
#[derive(Debug, Clone, Copy)]
struct Segment {
    a: Position,
    b: Position,
    owner: u32,
}

impl Segment {
    fn new(e: Edge, owner: u32) -> Segment {
        Segment {
            a: e.a,
            b: e.b,
            owner,
        }
    }
    fn centre(&self, axis: usize) -> f64 {
        self.a[axis] + self.b[axis]
    }
}

const LEAF_SIZE: usize = 4;

/// A node of the edge hierarchy. Inner nodes have `count == 0`: the left child follows the
/// node and the right child is at `start`. Leaves hold `segments[start..start + count]`.
#[derive(Debug, Clone, Copy)]
struct Node {
    min: Position,
    max: Position,
    start: u32,
    count: u32,
}

/// A bounding-volume hierarchy over edges for nearest-edge queries.
#[derive(Debug)]
struct SegmentBvh {
    nodes: Vec<Node>,
    segments: Vec<Segment>,
}

impl SegmentBvh {
    fn new(mut segments: Vec<Segment>) -> SegmentBvh {
        let mut nodes = Vec::with_capacity(2 * segments.len() / LEAF_SIZE + 1);
        if !segments.is_empty() {
            let len = segments.len();
            Self::build(&mut nodes, &mut segments, 0, len);
        }
        SegmentBvh { nodes, segments }
    }

    fn build(nodes: &mut Vec<Node>, segments: &mut [Segment], start: usize, end: usize) -> usize {
        let mut bbox = Bbox::EMPTY;
        for s in &segments[start..end] {
            bbox.extend(s.a);
            bbox.extend(s.b);
        }
        let index = nodes.len();
        nodes.push(Node {
            min: bbox.min,
            max: bbox.max,
            start: start as u32,
            count: (end - start) as u32,
        });
        if end - start > LEAF_SIZE {
            let axis = usize::from(bbox.max[1] - bbox.min[1] > bbox.max[0] - bbox.min[0]);
            let mid = (start + end) / 2;
            segments[start..end].select_nth_unstable_by(mid - start, |x, y| {
                x.centre(axis).total_cmp(&y.centre(axis))
            });
            Self::build(nodes, segments, start, mid);
            let right = Self::build(nodes, segments, mid, end);
            nodes[index].start = right as u32;
            nodes[index].count = 0;
        }
        index
    }

    /// Indices of the segments within `sqrt(max_d2)` metres of `rect`, with that squared
    /// distance.
    fn within_rect(&self, rect: &Bbox, scale: &Scale, max_d2: f64, out: &mut Vec<(f64, u32)>) {
        if self.nodes.is_empty() {
            return;
        }
        let mut stack = vec![0u32];
        while let Some(index) = stack.pop() {
            let node = &self.nodes[index as usize];
            if scale.dist2_box_to_box(rect, node.min, node.max) > max_d2 {
                continue;
            }
            if node.count > 0 {
                for i in node.start..node.start + node.count {
                    let s = &self.segments[i as usize];
                    let d2 = scale.dist2_rect_to_segment(rect, s.a, s.b);
                    if d2 <= max_d2 {
                        out.push((d2, i));
                    }
                }
            } else {
                stack.push(index + 1);
                stack.push(node.start);
            }
        }
    }

    /// The owner and squared distance of the nearest segment accepted by `filter`, if it is
    /// strictly closer than `sqrt(max_d2)` metres (or exactly at it).
    fn nearest(
        &self,
        p: Position,
        scale: &Scale,
        max_d2: f64,
        filter: impl Fn(u32) -> bool,
    ) -> Option<(u32, f64)> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut best: Option<(u32, f64)> = None;
        let mut best_d2 = max_d2;
        let mut stack: [(u32, f64); 64] = [(0, 0.0); 64];
        let mut top = 0usize;
        stack[0] = (
            0,
            scale.dist2_to_box(p, self.nodes[0].min, self.nodes[0].max),
        );
        top += 1;
        while top > 0 {
            top -= 1;
            let (index, box_d2) = stack[top];
            if box_d2 > best_d2 {
                continue;
            }
            let node = &self.nodes[index as usize];
            if node.count > 0 {
                let leaf = &self.segments[node.start as usize..(node.start + node.count) as usize];
                for s in leaf {
                    if !filter(s.owner) {
                        continue;
                    }
                    let d2 = scale.dist2_to_segment(p, s.a, s.b);
                    if d2 <= best_d2 {
                        best_d2 = d2;
                        best = Some((s.owner, d2));
                    }
                }
            } else {
                let left = index + 1;
                let right = node.start;
                let ln = &self.nodes[left as usize];
                let rn = &self.nodes[right as usize];
                let dl = scale.dist2_to_box(p, ln.min, ln.max);
                let dr = scale.dist2_to_box(p, rn.min, rn.max);
                // Push the farther child first so the nearer one is searched first.
                let (first, d_first, second, d_second) = if dl <= dr {
                    (right, dr, left, dl)
                } else {
                    (left, dl, right, dr)
                };
                if top + 2 > stack.len() {
                    // Depth is about log2(n / 4) + 1; 64 is never reached for real inputs.
                    break;
                }
                if d_first <= best_d2 {
                    stack[top] = (first, d_first);
                    top += 1;
                }
                if d_second <= best_d2 {
                    stack[top] = (second, d_second);
                    top += 1;
                }
            }
        }
        best
    }
}

/// What the grid knows about one cell.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    /// Wholly inside this unit.
    Inside(usize),
    /// Wholly outside every unit and farther than the snap tolerance from every edge.
    OutsideFar,
    /// Outside every unit, but an edge may be within the snap tolerance.
    OutsideNear,
    /// Crossed by an edge: these units (in directory order) must be tested.
    Mixed(std::ops::Range<usize>),
}

const TAG_MASK: u32 = 3 << 30;
const TAG_OUTSIDE_FAR: u32 = 0;
const TAG_INSIDE: u32 = 1 << 30;
const TAG_MIXED: u32 = 2 << 30;
const TAG_OUTSIDE_NEAR: u32 = 3 << 30;
const MAX_SIDE: usize = 4096;
/// Cells are tested against edges with this margin (degrees, ~0.1 mm) so that rounding in
/// the cell arithmetic can never put a point in a cell that an edge was wrongly kept out of.
const CELL_EPS: f64 = 1e-9;

#[derive(Debug)]
struct Grid {
    x0: f64,
    y0: f64,
    inv_w: f64,
    inv_h: f64,
    w: f64,
    h: f64,
    cols: usize,
    rows: usize,
    /// Tag in the top two bits, unit or mixed-list index below.
    cells: Vec<u32>,
    mixed: Vec<(u32, u32)>,
    mixed_units: Vec<u32>,
}

impl Grid {
    fn build(shapes: &[Shape], config: &JurisdictionConfig) -> Grid {
        let mut bbox = Bbox::EMPTY;
        for s in shapes {
            bbox.union(&s.bbox);
        }
        // Degrees that surely cover `snap_tolerance_m`: longitude degrees are longest where
        // the cosine is smallest, at the latitude farthest from the equator.
        let far_lat = bbox.min[1].abs().max(bbox.max[1].abs()).min(89.0);
        let snap = config.snap_tolerance_m.max(0.0);
        let tol_x = snap / Scale::at(far_lat + 1.0).kx;
        let tol_y = snap / Scale::at(0.0).ky;
        let bbox = bbox.expanded(tol_x + 1e-6, tol_y + 1e-6);
        let centre = Scale::at((bbox.min[1] + bbox.max[1]) / 2.0);
        let width_m = (bbox.max[0] - bbox.min[0]) * centre.kx;
        let height_m = (bbox.max[1] - bbox.min[1]) * centre.ky;
        let cell_m = config.grid_cell_m.max(1.0);
        let cols = ((width_m / cell_m).ceil() as usize).clamp(1, MAX_SIDE);
        let rows = ((height_m / cell_m).ceil() as usize).clamp(1, MAX_SIDE);
        let w = (bbox.max[0] - bbox.min[0]) / cols as f64;
        let h = (bbox.max[1] - bbox.min[1]) / rows as f64;
        let mut grid = Grid {
            x0: bbox.min[0],
            y0: bbox.min[1],
            inv_w: 1.0 / w,
            inv_h: 1.0 / h,
            w,
            h,
            cols,
            rows,
            cells: vec![TAG_OUTSIDE_FAR; cols * rows],
            mixed: Vec::new(),
            mixed_units: Vec::new(),
        };

        // 1. Which units' edges cross which cells, and which cells are near an edge.
        let mut near = vec![false; cols * rows];
        let mut crossings: Vec<(u32, u32)> = Vec::new();
        for (u, shape) in shapes.iter().enumerate() {
            for s in &shape.edges.segments {
                let e = Edge { a: s.a, b: s.b };
                let (cx0, cy0) = grid.clamped_cell(e.min_x() - CELL_EPS, e.min_y() - CELL_EPS);
                let (cx1, cy1) = grid.clamped_cell(e.max_x() + CELL_EPS, e.max_y() + CELL_EPS);
                for cy in cy0..=cy1 {
                    for cx in cx0..=cx1 {
                        if e.meets_rect(&grid.rect(cx, cy).expanded(CELL_EPS, CELL_EPS)) {
                            crossings.push(((cy * cols + cx) as u32, u as u32));
                        }
                    }
                }
                let (nx0, ny0) = grid.clamped_cell(e.min_x() - tol_x, e.min_y() - tol_y);
                let (nx1, ny1) = grid.clamped_cell(e.max_x() + tol_x, e.max_y() + tol_y);
                for cy in ny0..=ny1 {
                    for cx in nx0..=nx1 {
                        near[cy * cols + cx] = true;
                    }
                }
            }
        }
        crossings.sort_unstable();
        crossings.dedup();

        // 2. Classify every cell by its centre; mixed cells keep their candidate units.
        let mut next = 0usize;
        let mut candidates: Vec<u32> = Vec::new();
        for cy in 0..rows {
            let yc = grid.y0 + (cy as f64 + 0.5) * h;
            let row_units: Vec<usize> = (0..shapes.len())
                .filter(|u| yc >= shapes[*u].bbox.min[1] - h && yc <= shapes[*u].bbox.max[1] + h)
                .collect();
            for cx in 0..cols {
                let index = cy * cols + cx;
                let xc = grid.x0 + (cx as f64 + 0.5) * w;
                let containing = row_units
                    .iter()
                    .copied()
                    .filter(|u| shapes[*u].contains(xc, yc));
                candidates.clear();
                while next < crossings.len() && crossings[next].0 as usize == index {
                    candidates.push(crossings[next].1);
                    next += 1;
                }
                if candidates.is_empty() {
                    grid.cells[index] = match containing.into_iter().next() {
                        Some(u) => TAG_INSIDE | u as u32,
                        None if near[index] => TAG_OUTSIDE_NEAR,
                        None => TAG_OUTSIDE_FAR,
                    };
                } else {
                    // A unit containing the whole cell has no edge in it but must still be
                    // tried, in directory order, in case polygons overlap.
                    candidates.extend(containing.map(|u| u as u32));
                    candidates.sort_unstable();
                    candidates.dedup();
                    let start = grid.mixed_units.len() as u32;
                    grid.mixed_units.extend_from_slice(&candidates);
                    grid.mixed.push((start, grid.mixed_units.len() as u32));
                    grid.cells[index] = TAG_MIXED | (grid.mixed.len() - 1) as u32;
                }
            }
        }
        grid
    }

    fn rect(&self, cx: usize, cy: usize) -> Bbox {
        Bbox {
            min: [self.x0 + cx as f64 * self.w, self.y0 + cy as f64 * self.h],
            max: [
                self.x0 + (cx + 1) as f64 * self.w,
                self.y0 + (cy + 1) as f64 * self.h,
            ],
        }
    }

    fn clamped_cell(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = ((x - self.x0) * self.inv_w).max(0.0) as usize;
        let cy = ((y - self.y0) * self.inv_h).max(0.0) as usize;
        (cx.min(self.cols - 1), cy.min(self.rows - 1))
    }

    #[inline]
    fn cell(&self, x: f64, y: f64) -> Option<Cell> {
        self.cell_xy(x, y).map(|(cx, cy)| self.cell_at(cx, cy))
    }

    #[inline]
    fn cell_xy(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        let fx = (x - self.x0) * self.inv_w;
        let fy = (y - self.y0) * self.inv_h;
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.cols as f64 && fy < self.rows as f64) {
            return None;
        }
        Some((fx as usize, fy as usize))
    }

    #[inline]
    fn cell_at(&self, cx: usize, cy: usize) -> Cell {
        let raw = self.cells[cy * self.cols + cx];
        match raw & TAG_MASK {
            TAG_MIXED => {
                let (start, end) = self.mixed[(raw & !TAG_MASK) as usize];
                Cell::Mixed(start as usize..end as usize)
            }
            _ => Self::decode(raw),
        }
    }

    /// The units a point of cell (cx, cy) can belong to.
    fn units_of(&self, cx: usize, cy: usize, out: &mut Vec<u32>) {
        match self.cell_at(cx, cy) {
            Cell::Inside(u) => out.push(u as u32),
            Cell::Mixed(range) => out.extend_from_slice(&self.mixed_units[range]),
            Cell::OutsideFar | Cell::OutsideNear => {}
        }
    }

    fn decode(raw: u32) -> Cell {
        match raw & TAG_MASK {
            TAG_INSIDE => Cell::Inside((raw & !TAG_MASK) as usize),
            TAG_MIXED => Cell::Mixed(0..0),
            TAG_OUTSIDE_NEAR => Cell::OutsideNear,
            _ => Cell::OutsideFar,
        }
    }
}

/// Side of a distance block, in grid cells.
const BLOCK: usize = 4;

/// Per block of `BLOCK` × `BLOCK` grid cells and per unit present in it, the unit's edges
/// that can be the nearest one for some point of the block, sorted by a lower bound of their
/// distance. Deep inside a unit the whole boundary is about equally far, so a hierarchy
/// prunes little; the block list holds only the edges within (distance from the block's
/// centre + the block's half-diagonal) of the block, and the scan stops at the first edge
/// whose lower bound exceeds the best distance found.
#[derive(Debug)]
struct DistanceBlocks {
    bcols: usize,
    /// `offsets[b]..offsets[b + 1]` indexes `entries` for block `b`.
    offsets: Vec<u32>,
    /// (unit, start, end) into `candidates`.
    entries: Vec<(u32, u32, u32)>,
    /// (lower bound of the distance in metres, rounded down; segment index in the unit's
    /// edge hierarchy).
    candidates: Vec<(f32, u32)>,
}

impl DistanceBlocks {
    fn build(grid: &Grid, shapes: &[Shape]) -> DistanceBlocks {
        let bcols = grid.cols.div_ceil(BLOCK);
        let brows = grid.rows.div_ceil(BLOCK);
        let mut blocks = DistanceBlocks {
            bcols,
            offsets: Vec::with_capacity(bcols * brows + 1),
            entries: Vec::new(),
            candidates: Vec::new(),
        };
        blocks.offsets.push(0);
        let mut units: Vec<u32> = Vec::new();
        let mut found: Vec<(f64, u32)> = Vec::new();
        for by in 0..brows {
            for bx in 0..bcols {
                let (cx0, cy0) = (bx * BLOCK, by * BLOCK);
                let (cx1, cy1) = (
                    (cx0 + BLOCK).min(grid.cols) - 1,
                    (cy0 + BLOCK).min(grid.rows) - 1,
                );
                units.clear();
                for cy in cy0..=cy1 {
                    for cx in cx0..=cx1 {
                        grid.units_of(cx, cy, &mut units);
                    }
                }
                units.sort_unstable();
                units.dedup();
                if !units.is_empty() {
                    let rect = Bbox {
                        min: grid.rect(cx0, cy0).min,
                        max: grid.rect(cx1, cy1).max,
                    }
                    .expanded(CELL_EPS, CELL_EPS);
                    // Longitude degrees are shortest at the latitude farthest from the
                    // equator: that scale gives lower bounds, the other upper bounds.
                    let far = rect.min[1].abs().max(rect.max[1].abs()).min(90.0);
                    let near = if rect.min[1] <= 0.0 && rect.max[1] >= 0.0 {
                        0.0
                    } else {
                        rect.min[1].abs().min(rect.max[1].abs())
                    };
                    let (low, high) = (Scale::at(far), Scale::at(near));
                    let centre = [
                        (rect.min[0] + rect.max[0]) / 2.0,
                        (rect.min[1] + rect.max[1]) / 2.0,
                    ];
                    let half_w = (rect.max[0] - rect.min[0]) / 2.0 * high.kx;
                    let half_h = (rect.max[1] - rect.min[1]) / 2.0 * high.ky;
                    let radius = (half_w * half_w + half_h * half_h).sqrt();
                    for &u in &units {
                        let edges = &shapes[u as usize].edges;
                        let Some((_, d2)) = edges.nearest(centre, &high, f64::INFINITY, |_| true)
                        else {
                            continue;
                        };
                        let reach = d2.sqrt() + radius;
                        found.clear();
                        edges.within_rect(&rect, &low, reach * reach, &mut found);
                        found.sort_by(|a, b| a.0.total_cmp(&b.0));
                        let start = blocks.candidates.len() as u32;
                        blocks.candidates.extend(found.iter().map(|(d2, i)| {
                            // Rounded down so the early stop never skips the nearest edge.
                            ((d2.sqrt() * (1.0 - 1e-6)) as f32, *i)
                        }));
                        blocks
                            .entries
                            .push((u, start, blocks.candidates.len() as u32));
                    }
                }
                blocks.offsets.push(blocks.entries.len() as u32);
            }
        }
        blocks
    }

    /// Squared distance from `p` to `shape`'s boundary using the block of `cell`, or `None`
    /// when that block holds no list for `unit`.
    #[inline]
    fn nearest2(
        &self,
        shape: &Shape,
        unit: usize,
        cell: (usize, usize),
        p: Position,
        scale: &Scale,
    ) -> Option<f64> {
        let b = (cell.1 / BLOCK) * self.bcols + cell.0 / BLOCK;
        let entries = &self.entries[self.offsets[b] as usize..self.offsets[b + 1] as usize];
        let &(_, start, end) = entries.iter().find(|e| e.0 as usize == unit)?;
        let mut best = f64::INFINITY;
        for &(lower, i) in &self.candidates[start as usize..end as usize] {
            let lower = f64::from(lower);
            if lower * lower >= best {
                break;
            }
            let s = &shape.edges.segments[i as usize];
            best = best.min(scale.dist2_to_segment(p, s.a, s.b));
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::super::geometry::Polygon;
    use super::*;
    use proptest::prelude::*;

    fn ring(points: &[(f64, f64)]) -> Vec<Position> {
        let mut r: Vec<Position> = points.iter().map(|(x, y)| [*x, *y]).collect();
        r.push(r[0]);
        r
    }

    fn square(x0: f64, y0: f64, s: f64) -> Vec<Position> {
        ring(&[(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)])
    }

    fn poly(exterior: Vec<Position>, holes: Vec<Vec<Position>>) -> Polygon {
        Polygon { exterior, holes }
    }

    /// Unit 0: a 0.01° square with a hole; unit 1: the square to its east; unit 2: two
    /// separate small squares (a multipolygon), one of them inside unit 0's hole.
    fn fixture() -> Vec<Geometry> {
        vec![
            Geometry {
                polygons: vec![poly(
                    square(105.0, 21.0, 0.01),
                    vec![square(105.004, 21.004, 0.002)],
                )],
            },
            Geometry {
                polygons: vec![poly(square(105.01, 21.0, 0.01), vec![])],
            },
            Geometry {
                polygons: vec![
                    poly(square(105.0045, 21.0045, 0.001), vec![]),
                    poly(square(105.03, 21.0, 0.005), vec![]),
                ],
            },
        ]
    }

    fn build(geoms: &[Geometry], config: JurisdictionConfig) -> Jurisdiction {
        let refs: Vec<&Geometry> = geoms.iter().collect();
        Jurisdiction::build(&refs, config)
    }

    fn config() -> JurisdictionConfig {
        JurisdictionConfig {
            grid_cell_m: 50.0,
            ..JurisdictionConfig::default()
        }
    }

    #[test]
    fn hole_and_multipolygon() {
        let j = build(&fixture(), config());
        // Deep inside unit 0.
        assert_eq!(j.unit_at(21.001, 105.001), Some(0));
        // In the hole of unit 0 but outside the inner square of unit 2.
        assert_eq!(j.unit_at(21.0041, 105.0041), None);
        // In unit 2's first part, which sits inside unit 0's hole.
        assert_eq!(j.unit_at(21.005, 105.005), Some(2));
        // In unit 2's second, detached part.
        assert_eq!(j.unit_at(21.0025, 105.0325), Some(2));
        assert_eq!(j.unit_at(21.005, 105.015), Some(1));
        assert_eq!(j.unit_at(22.0, 105.0), None);
    }

    #[test]
    fn point_on_shared_edge_belongs_to_one_side_with_zero_distance() {
        let j = build(&fixture(), config());
        match j.locate(21.005, 105.01) {
            RawLocation::Inside {
                unit,
                boundary_distance_m,
                near_boundary,
                neighbour,
            } => {
                assert!(unit == 0 || unit == 1);
                assert!(boundary_distance_m < 1e-6);
                assert!(near_boundary);
                assert_eq!(neighbour, Some(1 - unit));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn near_boundary_distance_and_neighbour() {
        let j = build(&fixture(), config());
        // 0.0005° west of the shared edge at 105.01: about 52 m at 21°N.
        let expected = 0.0005 * Scale::at(21.005).kx;
        match j.locate(21.005, 105.0095) {
            RawLocation::Inside {
                unit: 0,
                boundary_distance_m,
                near_boundary: true,
                neighbour: Some(1),
            } => assert!((boundary_distance_m - expected).abs() < 0.01),
            other => panic!("{other:?}"),
        }
        // 0.002° (~207 m) from every edge: not near.
        match j.locate(21.002, 105.002) {
            RawLocation::Inside {
                unit: 0,
                near_boundary: false,
                neighbour: None,
                boundary_distance_m,
            } => assert!((boundary_distance_m - 0.002 * Scale::at(21.002).kx).abs() < 0.01),
            other => panic!("{other:?}"),
        }
        // Near the outer edge only: near, but nobody on the other side.
        match j.locate(21.0002, 105.005) {
            RawLocation::Inside {
                unit: 0,
                near_boundary: true,
                neighbour: None,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn just_outside_snaps_far_outside_refuses() {
        let j = build(&fixture(), config());
        // 5 m south of unit 0's southern edge.
        let lat = 21.0 - 5.0 / Scale::at(21.0).ky;
        match j.locate(lat, 105.005) {
            RawLocation::Snapped {
                unit: 0,
                distance_m,
            } => assert!((distance_m - 5.0).abs() < 0.01),
            other => panic!("{other:?}"),
        }
        // 50 m south: outside.
        let lat = 21.0 - 50.0 / Scale::at(21.0).ky;
        assert_eq!(j.locate(lat, 105.005), RawLocation::Outside);
        assert_eq!(j.locate(0.0, 0.0), RawLocation::Outside);
        // In the sliver of unit 0's hole, 3 m from unit 2's inner square.
        let x = 105.0045 - 3.0 / Scale::at(21.005).kx;
        match j.locate(21.005, x) {
            RawLocation::Snapped {
                unit: 2,
                distance_m,
            } => assert!((distance_m - 3.0).abs() < 0.01),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn grid_answers_most_cells_without_polygon_tests() {
        let j = build(&fixture(), config());
        let s = j.stats();
        assert!(s.inside > s.mixed, "{s:?}");
        assert_eq!(s.inside + s.outside + s.mixed, s.cols * s.rows);
    }

    /// A star-shaped simple polygon around (cx, cy) with radii in [r_min, r_max] degrees.
    fn star(cx: f64, cy: f64, radii: &[f64]) -> Vec<Position> {
        let n = radii.len();
        let pts: Vec<(f64, f64)> = radii
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let a = i as f64 / n as f64 * std::f64::consts::TAU;
                (cx + r * a.cos(), cy + r * a.sin())
            })
            .collect();
        ring(&pts)
    }

    fn arb_geometry() -> impl Strategy<Value = Geometry> {
        (
            105.0..105.1f64,
            21.0..21.1f64,
            prop::collection::vec(0.02..0.04f64, 3..24),
            prop::option::of(prop::collection::vec(0.003..0.015f64, 3..10)),
        )
            .prop_map(|(cx, cy, radii, hole)| Geometry {
                polygons: vec![poly(
                    star(cx, cy, &radii),
                    hole.map(|h| star(cx, cy, &h)).into_iter().collect(),
                )],
            })
    }

    fn brute_unit(geoms: &[Geometry], lat: f64, lon: f64) -> Option<usize> {
        geoms.iter().position(|g| g.contains(lon, lat))
    }

    fn brute_nearest(geoms: &[Geometry], lat: f64, lon: f64, only: Option<usize>) -> (usize, f64) {
        let s = Scale::at(lat);
        let mut best = (usize::MAX, f64::INFINITY);
        for (u, g) in geoms.iter().enumerate() {
            if only.is_some_and(|o| o != u) {
                continue;
            }
            for e in g.edges() {
                let d = s.dist2_to_segment([lon, lat], e.a, e.b).sqrt();
                if d < best.1 {
                    best = (u, d);
                }
            }
        }
        best
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn locate_agrees_with_brute_force(
            geoms in prop::collection::vec(arb_geometry(), 1..5),
            points in prop::collection::vec((20.95..21.15f64, 104.95..105.15f64), 50),
            cell in 20.0..400.0f64,
        ) {
            let config = JurisdictionConfig { grid_cell_m: cell, snap_tolerance_m: 30.0, near_boundary_m: 100.0 };
            let j = build(&geoms, config);
            for (lat, lon) in points {
                let expected = brute_unit(&geoms, lat, lon);
                prop_assert_eq!(j.unit_at(lat, lon), expected);
                match j.locate(lat, lon) {
                    RawLocation::Inside { unit, boundary_distance_m, near_boundary, .. } => {
                        prop_assert_eq!(Some(unit), expected);
                        let (_, d) = brute_nearest(&geoms, lat, lon, Some(unit));
                        prop_assert!((d - boundary_distance_m).abs() < 1e-6);
                        prop_assert_eq!(near_boundary, d <= 100.0);
                    }
                    RawLocation::Snapped { distance_m, .. } => {
                        prop_assert_eq!(expected, None);
                        let (_, d) = brute_nearest(&geoms, lat, lon, None);
                        prop_assert!((d - distance_m).abs() < 1e-6);
                        prop_assert!(d <= 30.0);
                    }
                    RawLocation::Outside => {
                        prop_assert_eq!(expected, None);
                        let (_, d) = brute_nearest(&geoms, lat, lon, None);
                        prop_assert!(d > 30.0);
                    }
                }
            }
        }

        #[test]
        fn points_near_edges_agree_with_brute_force(
            geoms in prop::collection::vec(arb_geometry(), 1..4),
            picks in prop::collection::vec((0usize..64, 0.0..1.0f64, -3e-5..3e-5f64, -3e-5..3e-5f64), 40),
        ) {
            // Points on and just beside edges and vertices stress the cell classification.
            let j = build(&geoms, config());
            let edges: Vec<Edge> = geoms.iter().flat_map(|g| g.edges()).collect();
            for (i, t, dx, dy) in picks {
                let e = edges[i % edges.len()];
                let lon = e.a[0] + t * (e.b[0] - e.a[0]) + dx;
                let lat = e.a[1] + t * (e.b[1] - e.a[1]) + dy;
                prop_assert_eq!(j.unit_at(lat, lon), brute_unit(&geoms, lat, lon));
                let exact_vertex = (e.a[1], e.a[0]);
                prop_assert_eq!(j.unit_at(exact_vertex.0, exact_vertex.1), brute_unit(&geoms, exact_vertex.0, exact_vertex.1));
            }
        }
    }
}
