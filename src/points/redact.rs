//! Point redaction: [`PointRedactor`] applies the zones' [`PointPolicy`] to points
//! (check-ins, GPS fixes, POIs), so that precise positions inside restricted zones are never
//! published.
//!
//! Guarantees (tested):
//!
//! * **No output point lies inside a zone** (grown by its margin) unless its action is
//!   [`PointAction::Kept`] (outside every zone, or inside only zones whose policy is
//!   [`PointPolicy::Keep`]). A snapped point whose cell centre lies in a zone is suppressed
//!   (so choose cells larger than the zones); a displaced point that lands in a zone is drawn
//!   again (up to 4 keyed draws), then the first draw is pushed out to the nearest point
//!   outside; whatever cannot be put outside is suppressed (fail closed). A point moved
//!   across the antimeridian is wrapped into -180..=180 (and checked there). Every output
//!   that moved is checked once more after conversion back to lon/lat.
//! * **Deterministic**: outputs depend only on the key, the policies, the zones and the point
//!   (its keyed cell for snap and displace); the same point gives the same output every time,
//!   so repeating or averaging gains nothing.
//! * **Keyed**: without the key, the snapping grid and the noise cannot be reproduced; two
//!   keys give different grids.
//!
//! A point inside several zones gets the strictest of their policies (keep < snap < displace <
//! move_outside < suppress). Suppressed points come out as `[NaN, NaN]`, so an output used
//! without looking at its action is never a position.

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::escape::{EscapeEdges, inside_any, nearest_outside, zones_at};
use super::ground_grid::{ground_cell, offset_ground};
use crate::error::{Error, Result};
use crate::key::{RedactionKey, unit_f64, unit_f64_open0};
use crate::policy::{PointPolicy, PointRules};
use crate::tile::{MERCATOR_MAX_LAT, check_lnglat};
use crate::zone::ZoneSet;
use crate::{lnglat_to_mercator, mercator_to_lnglat};

/// How many Laplace draws are tried before a displaced point is pushed out of the zones.
/// Redrawing (instead of pushing every draw that lands inside onto the boundary) keeps the
/// outputs from piling up along the zone's outline, which would draw it.
const DISPLACE_DRAWS: u64 = 4;

/// What was done to one point. The numbers are stable (for the C ABI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PointAction {
    /// Published unchanged: outside every zone, or inside only zones whose policy keeps it.
    Kept = 0,
    /// Dropped; its output coordinates are NaN.
    Suppressed = 1,
    /// Replaced by the centre of its keyed grid cell.
    Snapped = 2,
    /// Displaced by keyed planar-Laplace noise.
    Displaced = 3,
    /// Moved to the nearest point outside the zones.
    Moved = 4,
}

impl PointAction {
    /// Every action, in number order.
    pub const ALL: [PointAction; 5] = [
        PointAction::Kept,
        PointAction::Suppressed,
        PointAction::Snapped,
        PointAction::Displaced,
        PointAction::Moved,
    ];

    /// Lower-case name: `kept`, `suppressed`, `snapped`, `displaced`, `moved`.
    pub const fn name(self) -> &'static str {
        match self {
            PointAction::Kept => "kept",
            PointAction::Suppressed => "suppressed",
            PointAction::Snapped => "snapped",
            PointAction::Displaced => "displaced",
            PointAction::Moved => "moved",
        }
    }
}

impl fmt::Display for PointAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One redacted point: the action and the output position (NaN when suppressed).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct RedactedPoint {
    /// What was done.
    pub action: PointAction,
    /// Output longitude, degrees (NaN when suppressed).
    pub lon: f64,
    /// Output latitude, degrees (NaN when suppressed).
    pub lat: f64,
}

impl RedactedPoint {
    fn suppressed() -> Self {
        RedactedPoint {
            action: PointAction::Suppressed,
            lon: f64::NAN,
            lat: f64::NAN,
        }
    }
}

/// Counts of actions over a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PointSummary {
    /// Points published unchanged.
    pub kept: usize,
    /// Points dropped.
    pub suppressed: usize,
    /// Points snapped to their cell centre.
    pub snapped: usize,
    /// Points displaced.
    pub displaced: usize,
    /// Points moved outside.
    pub moved: usize,
}

impl PointSummary {
    /// Counts one action.
    pub fn add(&mut self, action: PointAction) {
        match action {
            PointAction::Kept => self.kept += 1,
            PointAction::Suppressed => self.suppressed += 1,
            PointAction::Snapped => self.snapped += 1,
            PointAction::Displaced => self.displaced += 1,
            PointAction::Moved => self.moved += 1,
        }
    }

    /// All points counted.
    pub fn total(&self) -> usize {
        self.kept + self.suppressed + self.snapped + self.displaced + self.moved
    }
}

impl fmt::Display for PointSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} points: {} kept, {} suppressed, {} snapped, {} displaced, {} moved",
            self.total(),
            self.kept,
            self.suppressed,
            self.snapped,
            self.displaced,
            self.moved
        )
    }
}

/// Redacts points against a [`ZoneSet`] with per-zone [`PointPolicy`].
///
/// # Usage
///
/// Build it once with [`PointRedactor::new`] (which resolves and validates every zone's
/// policy: the zone's `points` property, else the [`PointRules`] of its category, else the
/// default), then call [`PointRedactor::redact_point`] or [`PointRedactor::redact`] for
/// batches. It owns its zones (an [`Arc<ZoneSet>`], so a C wrapper or a server can hold it
/// without a borrow), is immutable and is `Send + Sync`: share it between threads. The index
/// used to move points outside (an R*-tree over the grown zones' edges) is built on first use
/// and shared by clones.
///
/// # Examples
///
/// ```
/// use tileredact::{PointAction, PointRedactor, PointRules, RedactionKey, ZoneSet};
///
/// let zones = ZoneSet::from_geojson_str(r#"{"type": "Feature",
///   "properties": {"id": "depot", "points": {"snap": {"cell_m": 2000}}},
///   "geometry": {"type": "Polygon",
///     "coordinates": [[[10.0, 50.0], [10.01, 50.0], [10.01, 50.01], [10.0, 50.01], [10.0, 50.0]]]}}"#,
/// ).unwrap();
/// let key = RedactionKey::from_passphrase("example only; use a random key");
/// let zones = std::sync::Arc::new(zones);
/// let redactor = PointRedactor::new(zones.clone(), &PointRules::default(), Some(key)).unwrap();
///
/// let outside = redactor.redact_point(10.02, 50.005).unwrap();
/// assert_eq!(outside.action, PointAction::Kept);
/// assert_eq!((outside.lon, outside.lat), (10.02, 50.005));
///
/// let inside = redactor.redact_point(10.005, 50.005).unwrap();
/// assert_ne!(inside.action, PointAction::Kept); // snapped, or suppressed if the cell centre is inside
/// assert_eq!(inside, redactor.redact_point(10.005, 50.005).unwrap()); // deterministic
/// assert_eq!(zones.contains_grown_lnglat(inside.lon, inside.lat).ok().flatten(), None);
/// ```
#[derive(Debug, Clone)]
pub struct PointRedactor {
    zones: Arc<ZoneSet>,
    policies: Vec<PointPolicy>,
    key: Option<RedactionKey>,
    occupancy: Occupancy,
    /// The grown zones' edges, for moving points outside; built on first use.
    edges: Arc<OnceLock<EscapeEdges>>,
}

impl PointRedactor {
    /// A redactor for `zones` (a [`ZoneSet`] or an [`Arc<ZoneSet>`]) with `rules`; `key` is
    /// needed when any zone snaps or displaces.
    ///
    /// # Errors
    /// [`Error::InvalidZone`] naming the zone whose `points` property is not a valid policy;
    /// [`Error::InvalidParameter`] when a zone snaps or displaces and no key is given.
    pub fn new(
        zones: impl Into<Arc<ZoneSet>>,
        rules: &PointRules,
        key: Option<RedactionKey>,
    ) -> Result<Self> {
        let zones: Arc<ZoneSet> = zones.into();
        let policies = zones
            .zones()
            .iter()
            .map(|z| rules.policy_for(z))
            .collect::<Result<Vec<_>>>()?;
        if key.is_none()
            && let Some((z, p)) = zones
                .zones()
                .iter()
                .zip(&policies)
                .find(|(_, p)| p.needs_key())
        {
            return Err(Error::param(
                "redaction key",
                format!(
                    "zone {:?} has point policy {p}, which needs a redaction key; none was given",
                    z.id()
                ),
            ));
        }
        Ok(PointRedactor {
            occupancy: Occupancy::build(&zones),
            zones,
            policies,
            key,
            edges: Arc::new(OnceLock::new()),
        })
    }

    /// The zones.
    pub fn zones(&self) -> &Arc<ZoneSet> {
        &self.zones
    }

    /// The resolved policy of the zone at `index` in [`ZoneSet::zones`].
    pub fn policy(&self, index: usize) -> Option<PointPolicy> {
        self.policies.get(index).copied()
    }

    /// Redacts one point (lon, lat in degrees, WGS-84).
    ///
    /// # Errors
    /// [`Error::InvalidCoordinate`] for non-finite input, longitude outside -180..=180 or
    /// latitude outside -90..=90.
    pub fn redact_point(&self, lon: f64, lat: f64) -> Result<RedactedPoint> {
        check_lnglat(lon, lat)?;
        Ok(self.redact_valid(lon, lat))
    }

    /// Redacts a batch: `output[i]` and `actions[i]` for `input[i]` (`[lon, lat]` degrees).
    /// Suppressed points get `[NaN, NaN]`.
    ///
    /// All input is validated first; on error, `output` and `actions` are not written.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the three slices differ in length;
    /// [`Error::InvalidCoordinate`] naming the first invalid point by index.
    pub fn redact(
        &self,
        input: &[[f64; 2]],
        output: &mut [[f64; 2]],
        actions: &mut [PointAction],
    ) -> Result<PointSummary> {
        if output.len() != input.len() || actions.len() != input.len() {
            return Err(Error::param(
                "point buffers",
                format!(
                    "{} inputs, {} outputs, {} actions; expected equal lengths",
                    input.len(),
                    output.len(),
                    actions.len()
                ),
            ));
        }
        for (i, p) in input.iter().enumerate() {
            check_lnglat(p[0], p[1]).map_err(|e| match e {
                Error::InvalidCoordinate { lon, lat, reason } => Error::InvalidCoordinate {
                    lon,
                    lat,
                    reason: format!("point {i}: {reason}"),
                },
                e => e,
            })?;
        }
        let mut summary = PointSummary::default();
        for ((p, out), act) in input.iter().zip(output.iter_mut()).zip(actions.iter_mut()) {
            let r = self.redact_valid(p[0], p[1]);
            *out = [r.lon, r.lat];
            *act = r.action;
            summary.add(r.action);
        }
        Ok(summary)
    }

    fn redact_valid(&self, lon: f64, lat: f64) -> RedactedPoint {
        let Some(policy) = self.policy_at(lon, lat) else {
            return RedactedPoint {
                action: PointAction::Kept,
                lon,
                lat,
            };
        };
        let key = self.key.as_ref();
        let out = match (policy, key) {
            (PointPolicy::Keep, _) => Some((PointAction::Kept, lon, lat)),
            (PointPolicy::Snap { cell_m }, Some(key)) => {
                let c = ground_cell(key, "points/snap", cell_m, lon, lat);
                Some((PointAction::Snapped, c.lon, c.lat))
            }
            (PointPolicy::Displace { radius_m, cell_m }, Some(key)) => {
                self.displace(key, radius_m, cell_m, lon, lat)
            }
            (PointPolicy::MoveOutside, _) => self
                .move_outside(lon, lat)
                .map(|(lon, lat)| (PointAction::Moved, lon, lat)),
            // Suppress, or a keyed policy without a key (excluded by `new`): fail closed.
            _ => None,
        };
        match out {
            Some((PointAction::Kept, lon, lat)) => RedactedPoint {
                action: PointAction::Kept,
                lon,
                lat,
            },
            // The last check, after the conversion back to lon/lat.
            Some((action, lon, lat)) if !self.inside(lon, lat) => {
                RedactedPoint { action, lon, lat }
            }
            _ => RedactedPoint::suppressed(),
        }
    }

    /// The strictest policy of the zones covering (lon, lat), or `None` outside every zone.
    fn policy_at(&self, lon: f64, lat: f64) -> Option<PointPolicy> {
        let polar = lat.abs() > MERCATOR_MAX_LAT;
        if !polar && !self.occupancy.may_hit(lon, lat) {
            return None;
        }
        let (x, y) = lnglat_to_mercator(lon, lat);
        let mut hits = if inside_any(&self.zones, x, y) {
            zones_at(&self.zones, x, y)
        } else {
            Vec::new()
        };
        if polar {
            // Beyond the mercator limit, also test the lon/lat geometry and the ground
            // distance (as the zone index does), so a zone lying wholly beyond the limit still
            // covers its points, margin included.
            hits.extend(self.zones.polar_zones_at(lon, lat));
        }
        hits.into_iter()
            .map(|i| self.policies[i])
            .reduce(PointPolicy::stricter)
    }

    /// Whether (lon, lat) is inside any zone (grown), as [`PointRedactor::policy_at`] sees it.
    fn inside(&self, lon: f64, lat: f64) -> bool {
        self.policy_at(lon, lat).is_some()
    }

    /// Keyed planar Laplace around the centre of the point's keyed cell: up to
    /// [`DISPLACE_DRAWS`] draws, the first outside every zone wins; else the first draw pushed
    /// out to the nearest point outside.
    fn displace(
        &self,
        key: &RedactionKey,
        radius_m: f64,
        cell_m: f64,
        lon: f64,
        lat: f64,
    ) -> Option<(PointAction, f64, f64)> {
        let cell = ground_cell(key, "points/displace/cell", cell_m, lon, lat);
        let mut first = None;
        for draw in 0..DISPLACE_DRAWS {
            let mut data = [0u8; 40];
            data[..24].copy_from_slice(&cell.id_bytes(cell_m));
            data[24..32].copy_from_slice(&radius_m.to_bits().to_le_bytes());
            data[32..].copy_from_slice(&draw.to_le_bytes());
            let [u1, u2, u3, _] = key.prf_u64s("points/displace/noise", &data);
            // Planar Laplace with epsilon = 1/radius_m: r ~ Gamma(2, radius_m).
            let r = -(unit_f64_open0(u1).ln() + unit_f64_open0(u2).ln()) * radius_m;
            let theta = std::f64::consts::TAU * unit_f64(u3);
            let (plon, plat) = offset_ground(cell.lon, cell.lat, r * theta.cos(), r * theta.sin());
            if !self.inside(plon, plat) {
                return Some((PointAction::Displaced, plon, plat));
            }
            first.get_or_insert((plon, plat));
        }
        let (plon, plat) = first?;
        let (lon, lat) = self.move_outside(plon, plat)?;
        Some((PointAction::Displaced, lon, lat))
    }

    /// The nearest point outside every zone, as lon/lat within -180..=180 (the caller checks
    /// it once more, after this conversion).
    fn move_outside(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let edges = self.edges.get_or_init(|| EscapeEdges::build(&self.zones));
        let (x, y) = lnglat_to_mercator(lon, lat);
        let (x, y) = nearest_outside(&self.zones, edges, x, y)?;
        let (lon, lat) = mercator_to_lnglat(x, y);
        // x is within the world, so this only removes rounding of the last bit.
        Some((lon.clamp(-180.0, 180.0), lat.clamp(-90.0, 90.0)))
    }
}

/// A bit grid in lon/lat over the grown zones' bounding boxes: a point in an empty cell is
/// outside every zone, found without projecting it (no `tan`, no `ln`) or asking the index.
/// Conservative: the boxes are padded by a cell, so rounding never hides a zone.
#[derive(Debug, Clone, Default)]
struct Occupancy {
    /// `[west, south, east, north]` of all boxes (inverted when there are no zones).
    extent: [f64; 4],
    cells_per_deg: [f64; 2],
    bits: Vec<u64>,
}

impl Occupancy {
    const N: usize = 512;

    fn build(zones: &ZoneSet) -> Self {
        let boxes: Vec<[f64; 4]> = zones
            .iter()
            .map(|z| {
                let b = z.grown_bbox_m();
                let (w, s) = mercator_to_lnglat(b.min().x, b.min().y);
                let (e, n) = mercator_to_lnglat(b.max().x, b.max().y);
                [w, s, e, n]
            })
            .collect();
        let mut extent = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for b in &boxes {
            extent = [
                extent[0].min(b[0]),
                extent[1].min(b[1]),
                extent[2].max(b[2]),
                extent[3].max(b[3]),
            ];
        }
        if boxes.is_empty() || !extent.iter().all(|v| v.is_finite()) {
            // No zones (nothing to hit), or something odd: an empty grid that never rejects.
            return Occupancy {
                extent: [
                    f64::NEG_INFINITY,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    f64::INFINITY,
                ],
                cells_per_deg: [0.0; 2],
                bits: Vec::new(),
            };
        }
        let n = Self::N as f64;
        let cells_per_deg = [
            n / (extent[2] - extent[0]).max(1e-9),
            n / (extent[3] - extent[1]).max(1e-9),
        ];
        let mut grid = Occupancy {
            extent,
            cells_per_deg,
            bits: vec![0; Self::N * Self::N / 64],
        };
        for b in &boxes {
            let (x0, y0) = grid.cell(b[0], b[1]);
            let (x1, y1) = grid.cell(b[2], b[3]);
            for cy in y0.saturating_sub(1)..=(y1 + 1).min(Self::N - 1) {
                for cx in x0.saturating_sub(1)..=(x1 + 1).min(Self::N - 1) {
                    let i = cy * Self::N + cx;
                    grid.bits[i / 64] |= 1 << (i % 64);
                }
            }
        }
        grid
    }

    #[inline]
    fn cell(&self, lon: f64, lat: f64) -> (usize, usize) {
        // `as` saturates (negative and NaN give 0).
        let cx = ((lon - self.extent[0]) * self.cells_per_deg[0]) as usize;
        let cy = ((lat - self.extent[1]) * self.cells_per_deg[1]) as usize;
        (cx.min(Self::N - 1), cy.min(Self::N - 1))
    }

    /// `false` only if (lon, lat) is outside every zone's grown bounding box, the world
    /// wrapping at ±180° (a box grown past the antimeridian reaches beyond ±180).
    #[inline]
    fn may_hit(&self, lon: f64, lat: f64) -> bool {
        self.may_hit_here(lon, lat)
            || self.may_hit_here(lon - 360.0, lat)
            || self.may_hit_here(lon + 360.0, lat)
    }

    #[inline]
    fn may_hit_here(&self, lon: f64, lat: f64) -> bool {
        let e = &self.extent;
        // Callers validate the point first (finite, in range).
        if lon < e[0] - 1e-9 || lon > e[2] + 1e-9 || lat < e[1] - 1e-9 || lat > e[3] + 1e-9 {
            return false;
        }
        if self.bits.is_empty() {
            return true;
        }
        let (cx, cy) = self.cell(lon, lat);
        let i = cy * Self::N + cx;
        self.bits[i / 64] & (1 << (i % 64)) != 0
    }
}
