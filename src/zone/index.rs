//! [`ZoneSet`]: all zones and their R*-tree indexes in mercator metres.
//!
//! Design: the trees index polygon *parts*, not whole zones, so a MultiPolygon spread over
//! tens of kilometres does not make every tile between its parts a candidate. There is one
//! tree over the parts of the grown geometries (planning and redaction masks) and one over
//! the parts of the exact geometries (coverage masks). [`ZoneSet::any_grown_part_in`], the
//! hot path of planning a clear tile, first rejects rectangles outside the bounding box of all
//! grown parts, then asks the tree for the first hit with internal iteration (no allocation).
//!
//! Every grown part also has an [`EdgeIndex`] (its edges in an R*-tree when it has many), so
//! the exact questions about a tile or a point cost the edges near them, not the outline.
//!
//! **The world wraps.** A grown zone near ±180° reaches beyond the edge of the mercator square;
//! what lies beyond one edge continues at the other. Every query about a rectangle or a point
//! therefore also asks about its copies one world width (`2 * MERCATOR_HALF_WORLD_M`) to the
//! left and right ([`ZoneSet::for_each_grown_part_near`] reports which copy matched), after
//! a check against the extent of all grown parts, so a query away from the antimeridian pays
//! two comparisons for it.

use std::collections::HashMap;
use std::ops::ControlFlow;

use geo::{Coord, Polygon, Rect};
use rstar::{AABB, RTree, RTreeObject};

use super::Zone;
use crate::error::Result;
use crate::geom::{EdgeIndex, Loc, polygon_covers};

/// One polygon part of one zone, with its bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PartEntry {
    zone: usize,
    part: usize,
    /// Position in the list of parts (and of their edge indexes).
    slot: usize,
    env: AABB<[f64; 2]>,
}

/// A lower bound of the ground distance between two lon/lat points: the great-circle distance
/// on the sphere of the ellipsoid's smallest radius of curvature.
fn ground_lower_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (p1, p2) = (a.y.to_radians(), b.y.to_radians());
    let (dp, dl) = (p2 - p1, (b.x - a.x).to_radians());
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * super::grow::MIN_RADIUS_OF_CURVATURE_M * h.sqrt().min(1.0).asin()
}

/// Whether the rhumb-line edge `a-b` may come within `margin_m` of `p` on the ground. For a
/// point `q` of the edge, `d(p, q) >= (d(p, a) + d(p, b) - len(a, b)) / 2` (triangle
/// inequality, `len` along the edge): with lower bounds for the distances to the ends and an
/// upper bound for the length, that bounds the distance to the edge from below. An edge that
/// may be near is halved along its rhumb line until the bound decides or its pieces are short
/// (a tenth of the margin, or a metre): then it counts as near.
fn edge_may_be_within(
    p: Coord<f64>,
    a: Coord<f64>,
    b: Coord<f64>,
    margin_m: f64,
    depth: u32,
) -> bool {
    let len = rhumb_upper_m(a, b);
    let lower = 0.5 * (ground_lower_m(p, a) + ground_lower_m(p, b) - len);
    if lower > margin_m {
        return false;
    }
    if depth >= 40 || len <= (0.1 * margin_m).max(1.0) {
        return true;
    }
    // The middle of the rhumb line: halfway in longitude and in isometric latitude.
    const LIMIT: f64 = 89.999_999;
    let psi = |lat: f64| {
        (std::f64::consts::FRAC_PI_4 + lat.clamp(-LIMIT, LIMIT).to_radians() / 2.0)
            .tan()
            .ln()
    };
    let m_psi = 0.5 * (psi(a.y) + psi(b.y));
    let m = Coord {
        x: 0.5 * (a.x + b.x),
        y: (2.0 * m_psi.exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
    };
    edge_may_be_within(p, a, m, margin_m, depth + 1)
        || edge_may_be_within(p, m, b, margin_m, depth + 1)
}

/// An upper bound of the ground length of the rhumb line between two lon/lat points: its
/// length on a sphere of the equatorial radius, plus 1 %.
fn rhumb_upper_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (p1, p2) = (a.y.to_radians(), b.y.to_radians());
    let dl = (b.x - a.x).to_radians().abs();
    let dp = p2 - p1;
    let q = if dp.abs() > 1e-12 {
        let psi = |p: f64| (std::f64::consts::FRAC_PI_4 + p / 2.0).tan().ln();
        dp / (psi(p2) - psi(p1))
    } else {
        p1.cos()
    };
    1.01 * crate::EARTH_RADIUS_M * (dp * dp + q * q * dl * dl).sqrt()
}

/// The width of the world in mercator metres: what lies beyond x = +half of it continues
/// at x = -half.
pub(crate) const WORLD_M: f64 = 2.0 * crate::MERCATOR_HALF_WORLD_M;

/// The copies of the world a query looks in, as shifts in world widths: this one first.
pub(crate) const SHIFTS: [i32; 3] = [0, -1, 1];

/// `rect` moved into the frame of a part whose copy `shift` world widths to the right is near
/// it: x moved by `-shift` world widths.
pub(crate) fn shifted(rect: Rect<f64>, shift: i32) -> Rect<f64> {
    let dx = -f64::from(shift) * WORLD_M;
    Rect::new(
        Coord {
            x: rect.min().x + dx,
            y: rect.min().y,
        },
        Coord {
            x: rect.max().x + dx,
            y: rect.max().y,
        },
    )
}

/// A grown part near a query rectangle (see [`ZoneSet::for_each_grown_part_near`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NearPart<'a> {
    /// Index of the part's zone in [`ZoneSet::zones`].
    pub(crate) zone: usize,
    /// Which copy of the world matched: the part, moved `shift` world widths to the right,
    /// is the geometry near the rectangle (0 away from the antimeridian).
    pub(crate) shift: i32,
    /// The part, in its own copy of the world.
    pub(crate) poly: &'a Polygon<f64>,
    /// Its edges.
    pub(crate) edges: &'a EdgeIndex,
}

impl NearPart<'_> {
    /// `rect` moved into the part's own copy of the world.
    pub(crate) fn in_part_frame(&self, rect: Rect<f64>) -> Rect<f64> {
        shifted(rect, self.shift)
    }

    /// Whether the part meets the closed rectangle (exact).
    pub(crate) fn meets(&self, rect: Rect<f64>) -> bool {
        self.edges.meets_rect(self.poly, self.in_part_frame(rect))
    }

    /// Whether the part contains the closed rectangle (exact; touching its boundary counts
    /// as not containing).
    pub(crate) fn contains(&self, rect: Rect<f64>) -> bool {
        self.edges
            .contains_rect(self.poly, self.in_part_frame(rect))
    }
}

impl RTreeObject for PartEntry {
    type Envelope = AABB<[f64; 2]>;

    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

/// All zones of a redaction job, indexed in Web Mercator metres.
///
/// # Usage
///
/// Load zones with [`ZoneSet::from_geojson_str`], [`ZoneSet::from_geojson_path`] or
/// [`ZoneSet::from_geojson_value`]; each [`Zone`] is validated, oriented, projected to Web
/// Mercator metres and grown by its `margin_m` at load time. [`ZoneSet::zones`], [`ZoneSet::get`]
/// and [`ZoneSet::iter`] read them back; [`ZoneSet::contains_grown_lnglat`] tells which zone
/// (grown by its margin) contains a point.
///
/// # Input
///
/// A GeoJSON (RFC 7946) `FeatureCollection`, a single `Feature`, or a bare `Polygon`,
/// `MultiPolygon` or `GeometryCollection`. Per feature: `id` (the `id` property, a string or a
/// number; else the Feature `id`; else `"#<feature index>"`; ids must be unique), `name`,
/// `category`, `margin_m` (ground metres, a finite number in 0..=100 000; default 0); all
/// properties are kept in [`Zone::properties`]. Coordinates are `[lon, lat]` degrees (WGS-84)
/// with longitude in -180..=180 and latitude in -90..=90; an altitude is ignored. Latitudes
/// beyond the Web Mercator limit (±85.0511°) are valid and clamped to it when projecting.
/// Edges are straight lines in Web Mercator (rhumb lines) between consecutive positions and
/// never wrap: a ring with an edge spanning more than 180° of longitude is an error (it crosses
/// the antimeridian, or goes the long way round); a zone across the antimeridian must be split
/// at ±180° into parts on either side (RFC 7946 §3.1.9). Grown zones, masks, plans and point
/// tests then continue across ±180°: the world wraps.
///
/// # Repairs (documented, tested)
///
/// - An unclosed ring is closed by appending its first position (as shapely does).
/// - Consecutive repeated positions are dropped.
/// - Rings are oriented: exteriors counter-clockwise, holes clockwise.
/// - A `GeometryCollection` of polygonal geometries (also nested, up to 8 deep) is flattened
///   into one MultiPolygon; its parts must then be disjoint.
///
/// # Errors
///
/// [`Error::ZoneSyntax`](crate::Error::ZoneSyntax) for text that is not JSON (with line and
/// column). [`Error::InvalidZone`](crate::Error::InvalidZone), naming the feature, id,
/// polygon, ring and position, for: non-finite or out-of-range coordinates, rings with fewer
/// than 4 positions or 3 distinct corners, zero-area rings, self-intersecting rings, holes that
/// cross their shell or each other, lie outside the shell or inside another hole, rings that
/// touch so that the interior is split, polygons of a MultiPolygon that overlap (they are not
/// merged: overlapping parts usually mean a broken export), geometry types other than the
/// polygonal ones, an edge spanning more than 180° of longitude, a missing or null
/// `geometry`, a bad `margin_m`, duplicate ids, and an input without any feature ("no zones": a policy choice, so that a wrong or truncated file cannot
/// switch redaction off). [`Error::Io`](crate::Error::Io) when a file cannot be read.
///
/// # Margins
///
/// The grown zone contains every point within `margin_m` on the ground of the zone (on the
/// WGS-84 ellipsoid and on any common sphere) and may reach further: the margin becomes one
/// radius in mercator metres that holds at the poleward edge of the grown zone (so it covers
/// more ground on the equatorward side), about 0.7 % above the exact conversion there, plus
/// about 0.1 % for the polygonal arcs and the overlay's grid. A ring of more than 1 000
/// vertices is first simplified to a ring within `ε` (a quarter of the radius) of it, which
/// is grown by 1.25 times the radius: near such a ring the grown zone can reach up to a
/// quarter of the margin further (never less far). This keeps loading a detailed outline
/// O(n log n).
///
/// # Performance
///
/// Loading validates each ring in O(n log n) (an R*-tree over its edges) and grows it in
/// O(n log n) (long rings are simplified first, see Margins). Queries use R*-trees
/// over polygon parts, a 1024² occupancy grid over the extent of the grown parts, and one
/// R*-tree over the edges of each large part, so a tile or a point costs the edges near it.
/// `benches/plan.rs` measures planning among 10 000 zones and on a 200 000-vertex zone.
#[derive(Debug, Clone)]
pub struct ZoneSet {
    pub(crate) zones: Vec<Zone>,
    by_id: HashMap<String, usize>,
    grown_tree: RTree<PartEntry>,
    /// Edge index of every grown part, by [`PartEntry::slot`].
    grown_edges: Vec<EdgeIndex>,
    exact_tree: RTree<PartEntry>,
    /// Bounding box of all grown parts: `[min_x, min_y, max_x, max_y]` (empty: inverted).
    grown_extent: [f64; 4],
    /// Coarse occupancy of the grown parts' bounding boxes.
    grid: Occupancy,
    /// The exact zones with overlapping groups unioned (for coverage masks).
    pub(crate) coverage: super::union::CoverageParts,
}

/// A bit grid over the extent of all parts: a bit is set when the bounding box of some part meets
/// its cell (boundaries inclusive). Cells are found by a monotone function of the coordinate,
/// clamped to the grid, so two boxes that meet always share a cell: an empty cell range is an
/// exact "no".
#[derive(Debug, Clone, Default)]
struct Occupancy {
    bits: Vec<u64>,
    /// The cell of `v` along an axis is `floor((v - origin) * scale)`, clamped to the grid:
    /// the grid spans the extent of all parts, so its cells are as small as the zones allow.
    origin: [f64; 2],
    scale: [f64; 2],
}

impl Occupancy {
    const N: usize = 1024;
    /// Largest cell range (in cells) tested bit by bit; larger rectangles go to the tree.
    const MAX_CELLS: usize = 16;

    #[inline]
    fn cell(&self, v: f64, axis: usize) -> usize {
        let t = (v - self.origin[axis]) * self.scale[axis];
        // `as` saturates: negative and NaN -> 0, huge -> usize::MAX.
        (t.floor() as usize).min(Self::N - 1)
    }

    /// Marks the cells of every part's bounding box: a two-dimensional difference array
    /// (four updates per part) and one prefix-sum pass, so the cost is
    /// O(parts + cells of the grid), whatever the size of the boxes.
    fn build(parts: &[PartEntry]) -> Occupancy {
        if parts.is_empty() {
            return Occupancy::default();
        }
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in parts {
            for a in 0..2 {
                lo[a] = lo[a].min(p.env.lower()[a]);
                hi[a] = hi[a].max(p.env.upper()[a]);
            }
        }
        let scale = [0, 1].map(|a| {
            let s = Self::N as f64 / (hi[a] - lo[a]);
            if s.is_finite() { s } else { 0.0 }
        });
        let mut grid = Occupancy {
            bits: Vec::new(),
            origin: lo,
            scale,
        };
        let n = Self::N;
        // One extra row and column take the -1 just past a box that ends on the last cell.
        let w = n + 1;
        let mut diff = vec![0i32; w * w];
        for p in parts {
            let (lo, hi) = (p.env.lower(), p.env.upper());
            let (x0, x1) = (grid.cell(lo[0], 0), grid.cell(hi[0], 0) + 1);
            let (y0, y1) = (grid.cell(lo[1], 1), grid.cell(hi[1], 1) + 1);
            diff[y0 * w + x0] += 1;
            diff[y0 * w + x1] -= 1;
            diff[y1 * w + x0] -= 1;
            diff[y1 * w + x1] += 1;
        }
        let mut bits = vec![0u64; n * n / 64];
        let mut above = vec![0i32; w];
        for cy in 0..n {
            let mut run = 0i32;
            for cx in 0..n {
                run += diff[cy * w + cx];
                above[cx] += run;
                if above[cx] > 0 {
                    let i = cy * n + cx;
                    bits[i / 64] |= 1 << (i % 64);
                }
            }
        }
        grid.bits = bits;
        grid
    }

    /// `Some(false)` if no part meets the rectangle, `None` if the grid cannot tell.
    #[inline]
    fn check(&self, lo: Coord<f64>, hi: Coord<f64>) -> Option<bool> {
        if self.bits.is_empty() {
            return None;
        }
        let (x0, x1, y0, y1) = (
            self.cell(lo.x, 0),
            self.cell(hi.x, 0),
            self.cell(lo.y, 1),
            self.cell(hi.y, 1),
        );
        if (x1 - x0 + 1) * (y1 - y0 + 1) > Self::MAX_CELLS {
            return None;
        }
        for cy in y0..=y1 {
            for cx in x0..=x1 {
                let i = cy * Self::N + cx;
                if self.bits[i / 64] & (1 << (i % 64)) != 0 {
                    return None;
                }
            }
        }
        Some(false)
    }
}

pub(crate) fn aabb(rect: Rect<f64>) -> AABB<[f64; 2]> {
    let (lo, hi) = (rect.min(), rect.max());
    AABB::from_corners([lo.x, lo.y], [hi.x, hi.y])
}

fn part_entries<'a>(
    zones: &'a [Zone],
    geometry: impl Fn(&'a Zone) -> &'a geo::MultiPolygon<f64> + 'a,
) -> Vec<PartEntry> {
    let mut out = Vec::new();
    for (zi, z) in zones.iter().enumerate() {
        for (pi, p) in geometry(z).0.iter().enumerate() {
            let env = super::topology::bbox(&p.exterior().0);
            out.push(PartEntry {
                zone: zi,
                part: pi,
                slot: out.len(),
                env,
            });
        }
    }
    out
}

impl ZoneSet {
    /// A zone set of the given zones, with its indexes built (e.g. a subset of another set:
    /// `ZoneSet::from_zones(set.iter().filter(|z| z.category() == Some("military")).cloned().collect())`).
    ///
    /// Zone ids should be unique; [`ZoneSet::get`] finds the first zone of an id.
    pub fn from_zones(zones: Vec<Zone>) -> ZoneSet {
        let grown = part_entries(&zones, |z| &z.grown);
        let mut extent = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for e in &grown {
            let (lo, hi) = (e.env.lower(), e.env.upper());
            extent = [
                extent[0].min(lo[0]),
                extent[1].min(lo[1]),
                extent[2].max(hi[0]),
                extent[3].max(hi[1]),
            ];
        }
        let grown_edges = grown
            .iter()
            .map(|e| EdgeIndex::new(&zones[e.zone].grown.0[e.part]))
            .collect();
        let exact = part_entries(&zones, |z| &z.mercator);
        let mut by_id = HashMap::with_capacity(zones.len());
        for (i, z) in zones.iter().enumerate() {
            by_id.entry(z.id.clone()).or_insert(i);
        }
        ZoneSet {
            coverage: super::union::CoverageParts::build(&zones),
            grid: Occupancy::build(&grown),
            grown_tree: RTree::bulk_load(grown),
            grown_edges,
            exact_tree: RTree::bulk_load(exact),
            grown_extent: extent,
            by_id,
            zones,
        }
    }

    /// All zones, in input order.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Whether there are no zones.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The zone with this id, if any.
    pub fn get(&self, id: &str) -> Option<&Zone> {
        self.by_id.get(id).map(|&i| &self.zones[i])
    }

    /// The index in [`ZoneSet::zones`] of the zone with this id, if any.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Iterates over the zones in input order.
    pub fn iter(&self) -> std::slice::Iter<'_, Zone> {
        self.zones.iter()
    }

    /// The index of the first zone whose grown geometry ([`Zone::grown_m`]) contains the point
    /// (lon, lat) in degrees; a point on the boundary is inside.
    ///
    /// Latitudes beyond the Web Mercator limit are clamped like the zones; for such a point the
    /// exact lon/lat geometry of every zone is also tested (without the margin), so a zone
    /// lying wholly beyond the limit still contains its points.
    ///
    /// # Errors
    /// [`Error::InvalidCoordinate`](crate::Error::InvalidCoordinate) for a non-finite point,
    /// longitude outside -180..=180 or latitude outside -90..=90.
    pub fn contains_grown_lnglat(&self, lon: f64, lat: f64) -> Result<Option<usize>> {
        crate::tile::check_lnglat(lon, lat)?;
        let (x, y) = crate::lnglat_to_mercator(lon, lat);
        let mut best = self.contains_grown_m(x, y);
        if lat.abs() > crate::MERCATOR_MAX_LAT {
            let polar = self.polar_zones_at(lon, lat).next();
            best = match (best, polar) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(best)
    }

    /// For a point beyond the Web Mercator latitude limit, where the clamped mercator
    /// geometry no longer measures ground distance: the indices (ascending) of the zones that
    /// contain the point in lon/lat, or that may lie within their `margin_m` of it on the
    /// ground. Conservative: see `edge_may_be_within`.
    pub(crate) fn polar_zones_at(&self, lon: f64, lat: f64) -> impl Iterator<Item = usize> + '_ {
        let p = Coord { x: lon, y: lat };
        self.zones.iter().enumerate().filter_map(move |(i, z)| {
            let inside = z.lnglat.0.iter().any(|poly| polygon_covers(p, poly));
            let near = z.margin_m > 0.0
                && z.lnglat.0.iter().any(|poly| {
                    std::iter::once(poly.exterior())
                        .chain(poly.interiors())
                        .flat_map(|r| r.lines())
                        .any(|e| edge_may_be_within(p, e.start, e.end, z.margin_m, 0))
                });
            (inside || near).then_some(i)
        })
    }

    /// The index of the first zone whose grown geometry contains the mercator point (x, y)
    /// in metres; a point on the boundary is inside. `None` for non-finite input.
    ///
    /// The world wraps: a zone grown across ±180° contains the points beyond it on the other
    /// side.
    pub fn contains_grown_m(&self, x: f64, y: f64) -> Option<usize> {
        self.grown_zones_at_iter(x, y).min()
    }

    /// The indices of every zone whose grown geometry contains the mercator point (x, y)
    /// (boundary included; the world wraps as in [`ZoneSet::contains_grown_m`]), sorted,
    /// without repeats.
    pub(crate) fn grown_zones_at_m(&self, x: f64, y: f64) -> Vec<usize> {
        let mut hits: Vec<usize> = self.grown_zones_at_iter(x, y).collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// The zones whose grown parts cover (x, y), in this copy of the world or one world width
    /// to either side (a zone may come more than once).
    fn grown_zones_at_iter(&self, x: f64, y: f64) -> impl Iterator<Item = usize> + '_ {
        SHIFTS.into_iter().flat_map(move |shift| {
            // The copy of the world `shift` widths to the right holds the point at x - shift W.
            let p = Coord {
                x: x - f64::from(shift) * WORLD_M,
                y,
            };
            let env = AABB::from_point([p.x, p.y]);
            self.extent_meets(&env)
                .then(|| self.grown_tree.locate_in_envelope_intersecting(env))
                .into_iter()
                .flatten()
                .filter(move |e| {
                    let poly = &self.zones[e.zone].grown.0[e.part];
                    self.grown_edges[e.slot].locate(poly, p) != Loc::Outside
                })
                .map(|e| e.zone)
        })
    }

    /// Whether `env` meets the bounding box of all grown parts. Written so that NaN never
    /// passes.
    #[inline]
    fn extent_meets(&self, env: &AABB<[f64; 2]>) -> bool {
        let (lo, hi) = (env.lower(), env.upper());
        let e = &self.grown_extent;
        lo[0] <= e[2] && hi[0] >= e[0] && lo[1] <= e[3] && hi[1] >= e[1]
    }

    /// Calls `f` for every grown part whose bounding box meets `rect` (mercator metres,
    /// boundaries inclusive) in this copy of the world or in the copies one world width to
    /// either side, until `f` breaks. See [`NearPart`].
    pub(crate) fn for_each_grown_part_near(
        &self,
        rect: Rect<f64>,
        mut f: impl FnMut(NearPart<'_>) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for shift in SHIFTS {
            let env = aabb(shifted(rect, shift));
            if !self.extent_meets(&env) {
                continue;
            }
            self.grown_tree
                .locate_in_envelope_intersecting_int(env, |e| {
                    f(NearPart {
                        zone: e.zone,
                        shift,
                        poly: &self.zones[e.zone].grown.0[e.part],
                        edges: &self.grown_edges[e.slot],
                    })
                })?;
        }
        ControlFlow::Continue(())
    }

    /// The zones (indices, ascending) whose grown geometry meets the closed rectangle
    /// (exact; the world wraps).
    pub(crate) fn zones_meeting(&self, rect: Rect<f64>) -> Vec<usize> {
        let mut out = Vec::new();
        let _ = self.for_each_grown_part_near(rect, |p| {
            if !out.contains(&p.zone) && p.meets(rect) {
                out.push(p.zone);
            }
            ControlFlow::Continue(())
        });
        out.sort_unstable();
        out
    }

    /// Whether the bounding box of any grown part meets `rect`, in this copy of the world or
    /// one world width to either side: the wrapping form of
    /// [`ZoneSet::any_grown_part_in`], the hot path of planning a clear tile.
    #[inline]
    pub(crate) fn any_grown_part_near(&self, rect: Rect<f64>) -> bool {
        SHIFTS
            .into_iter()
            .any(|shift| self.any_grown_part_in(shifted(rect, shift)))
    }

    /// The parts of grown geometries whose bounding box meets `rect` (mercator metres,
    /// boundaries inclusive), as (zone index, part), in no particular order.
    #[allow(dead_code)] // used by the planner and the rasteriser
    pub(crate) fn grown_parts_in(
        &self,
        rect: Rect<f64>,
    ) -> impl Iterator<Item = (usize, &Polygon<f64>)> + '_ {
        self.grown_tree
            .locate_in_envelope_intersecting(aabb(rect))
            .map(move |e| (e.zone, &self.zones[e.zone].grown.0[e.part]))
    }

    /// The bounding boxes of all grown parts (mercator metres).
    pub(crate) fn grown_part_bboxes(&self) -> impl Iterator<Item = Rect<f64>> + '_ {
        self.grown_tree.iter().map(|e| {
            let (lo, hi) = (e.env.lower(), e.env.upper());
            Rect::new(Coord { x: lo[0], y: lo[1] }, Coord { x: hi[0], y: hi[1] })
        })
    }

    /// The parts of exact mercator geometries whose bounding box meets `rect` (mercator
    /// metres, boundaries inclusive), as (zone index, part), in no particular order.
    #[allow(dead_code)] // used by the rasteriser
    pub(crate) fn exact_parts_in(
        &self,
        rect: Rect<f64>,
    ) -> impl Iterator<Item = (usize, &Polygon<f64>)> + '_ {
        self.exact_tree
            .locate_in_envelope_intersecting(aabb(rect))
            .map(move |e| (e.zone, &self.zones[e.zone].mercator.0[e.part]))
    }

    /// Whether the bounding box of any grown part meets `rect` (mercator metres, boundaries
    /// inclusive). No allocation; the hot path of planning a clear tile.
    #[allow(dead_code)] // used by the planner
    #[inline]
    pub(crate) fn any_grown_part_in(&self, rect: Rect<f64>) -> bool {
        let (lo, hi) = (rect.min(), rect.max());
        let e = &self.grown_extent;
        // Written so that NaN never passes.
        if !(lo.x <= e[2] && hi.x >= e[0] && lo.y <= e[3] && hi.y >= e[1]) {
            return false;
        }
        if let Some(answer) = self.grid.check(lo, hi) {
            return answer;
        }
        self.grown_tree
            .locate_in_envelope_intersecting_int(
                AABB::from_corners([lo.x, lo.y], [hi.x, hi.y]),
                |_| ControlFlow::Break(()),
            )
            .is_break()
    }
}

impl Default for ZoneSet {
    /// An empty zone set.
    fn default() -> Self {
        ZoneSet::from_zones(Vec::new())
    }
}

impl<'a> IntoIterator for &'a ZoneSet {
    type Item = &'a Zone;
    type IntoIter = std::slice::Iter<'a, Zone>;

    fn into_iter(self) -> Self::IntoIter {
        self.zones.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;
    use rstar::Envelope;

    fn sample() -> ZoneSet {
        ZoneSet::from_geojson_str(include_str!("../../examples/data/zones.geojson")).unwrap()
    }

    /// `n` small square zones (about 200 m, margin 50 m) scattered over the world.
    fn scattered(n: usize) -> ZoneSet {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let features: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let (x, y) = (-170.0 + 340.0 * next(), -70.0 + 140.0 * next());
                let d = 0.002;
                serde_json::json!({"type": "Feature", "properties": {"id": i, "margin_m": 50},
                    "geometry": {"type": "Polygon", "coordinates":
                        [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}})
            })
            .collect();
        ZoneSet::from_geojson_value(
            &serde_json::json!({"type": "FeatureCollection", "features": features}),
        )
        .unwrap()
    }

    /// The difference-array build marks exactly the cells a box-by-box marking does.
    #[test]
    fn occupancy_equals_marking_each_box() {
        let h = crate::MERCATOR_HALF_WORLD_M;
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let parts: Vec<PartEntry> = (0..300)
            .map(|i| {
                // Boxes of every size, some past the edges of the world.
                let s = [10.0, 1e4, 1e6, 3e7][i % 4];
                let (x, y) = (-1.1 * h + 2.2 * h * next(), -1.1 * h + 2.2 * h * next());
                PartEntry {
                    zone: i,
                    part: 0,
                    slot: i,
                    env: AABB::from_corners([x, y], [x + s * next(), y + s * next()]),
                }
            })
            .collect();
        let grid = Occupancy::build(&parts);
        let n = Occupancy::N;
        let mut naive = vec![false; n * n];
        for p in &parts {
            let (lo, hi) = (p.env.lower(), p.env.upper());
            for cy in grid.cell(lo[1], 1)..=grid.cell(hi[1], 1) {
                for cx in grid.cell(lo[0], 0)..=grid.cell(hi[0], 0) {
                    naive[cy * n + cx] = true;
                }
            }
        }
        let mut set = 0;
        for (i, &want) in naive.iter().enumerate() {
            let got = grid.bits[i / 64] & (1 << (i % 64)) != 0;
            assert_eq!(got, want, "cell {i}");
            set += usize::from(want);
        }
        assert!(set > 10_000 && set < n * n, "{set} cells set");
    }

    #[test]
    fn parts_are_indexed_separately() {
        let set = sample();
        let rz03 = set.index_of("rz-03").unwrap();
        let z = &set.zones()[rz03];
        for (k, part) in z.geometry_m().0.iter().enumerate() {
            let c = part.exterior().0[0];
            let rect = Rect::new(c, c);
            let exact: Vec<_> = set
                .exact_parts_in(rect)
                .filter(|(zi, _)| *zi == rz03)
                .collect();
            assert_eq!(exact.len(), 1, "part {k}");
            assert_eq!(exact[0].1, part);
            let grown: Vec<_> = set
                .grown_parts_in(rect)
                .filter(|(zi, _)| *zi == rz03)
                .collect();
            assert_eq!(grown.len(), 1, "part {k}");
            assert!(set.any_grown_part_in(rect));
        }
    }

    #[test]
    fn any_grown_part_in_is_boundary_inclusive() {
        let set = sample();
        let b = set.zones()[0].grown_bbox_m();
        let right = b.max().x;
        let touching = Rect::new(
            coord! { x: right, y: b.min().y },
            coord! { x: right + 10.0, y: b.max().y },
        );
        assert!(set.any_grown_part_in(touching));
        let beside = Rect::new(
            coord! { x: right + 1e-6, y: b.min().y },
            coord! { x: right + 10.0, y: b.max().y },
        );
        assert_eq!(
            set.any_grown_part_in(beside),
            set.grown_parts_in(beside).next().is_some()
        );
        let far = Rect::new(coord! { x: 0.0, y: 0.0 }, coord! { x: 1000.0, y: 1000.0 });
        assert!(!set.any_grown_part_in(far));
        assert!(!ZoneSet::default().any_grown_part_in(far));
        let nan = Rect::new(coord! { x: f64::NAN, y: 0.0 }, coord! { x: 1.0, y: 1.0 });
        assert!(!ZoneSet::default().any_grown_part_in(nan));
    }

    #[test]
    fn any_grown_part_in_agrees_with_brute_force() {
        let set = scattered(1000);
        let mut seed = 7u64;
        for k in 0..6000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let z = [8u8, 11, 14][k % 3];
            let n = 1u32 << z;
            let t =
                crate::TileId::new(z, (seed >> 40) as u32 % n, (seed >> 20) as u32 % n).unwrap();
            let b = t.bounds_m();
            let rect = Rect::new(
                coord! { x: b.min_x, y: b.min_y },
                coord! { x: b.max_x, y: b.max_y },
            );
            let brute = set
                .zones()
                .iter()
                .flat_map(|z| z.grown_m().0.iter())
                .any(|p| {
                    let e = super::super::topology::bbox(&p.exterior().0);
                    e.intersects(&aabb(rect))
                });
            assert_eq!(set.any_grown_part_in(rect), brute);
        }
        // Small rectangles just beside or on the corners of grown boxes.
        for (i, z) in set.zones().iter().enumerate().take(500) {
            let b = z.grown_bbox_m();
            let d = [-1e-3, 0.0, 1e-3][i % 3];
            let c = coord! { x: b.max().x + d, y: b.min().y - d };
            let rect = Rect::new(c, coord! { x: c.x + 5.0, y: c.y - 5.0 });
            let brute = set
                .zones()
                .iter()
                .flat_map(|z| z.grown_m().0.iter())
                .any(|p| super::super::topology::bbox(&p.exterior().0).intersects(&aabb(rect)));
            assert_eq!(set.any_grown_part_in(rect), brute, "zone {i}, d {d}");
            assert_eq!(brute, d <= 0.0);
        }
    }
}
