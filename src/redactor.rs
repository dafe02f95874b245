//! [`Redactor`]: zones, a policy and a key, built once; it plans, masks and redacts tiles
//! (RGBA buffers and encoded PNG/JPEG/WebP) and points.
//!
//! # How a tile is redacted
//!
//! 1. Zones that share a rule (operator, feather, zoom limits) form a *group*, each with its
//!    own [`ZoneSet`]. Below a group's `min_zoom` it is ignored; deeper than its `max_zoom`
//!    every tile one of its zones meets is fully redacted; otherwise the group's redaction
//!    mask is planned exactly ([`ZoneSet::plan`]) and computed when the tile is partial.
//! 2. For lossy inputs each mask is grown to whole codec blocks (world-aligned, so it still
//!    stitches) plus the reach of the decoder across block edges.
//! 3. The masks are assigned in the order of [`Operator::reveal_rank`]: a pixel in several
//!    masks gets the operator that reveals least. Their union is the *forbidden* set that no
//!    secure operator reads.
//! 4. Each operator writes its pixels; a feather, where asked for, blends the operator's
//!    output into the original over `feather_px` pixels *outside* the union.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use crate::codec::{self, EncodeHints, LossyGrid, TileFormat};
use crate::error::{Error, Result};
use crate::image::{AlphaMode, ImageViewMut};
use crate::key::RedactionKey;
use crate::ops::{self, DEFAULT_COLOR, OpFrame, Operator};
use crate::plan::TilePlan;
use crate::points::PointRedactor;
use crate::policy::{Policy, ZoneRule};
use crate::raster::{
    MAX_WINDOW_PX, Mask, MaskOptions, PixelWindow, dilate_square, tile_window, window_rect_m,
};
use crate::tile::{TileId, TileSize, WorldGrid, ground_scale};
use crate::zone::{Zone, ZoneSet};

/// Width of the world in mercator metres.
const WORLD_M: f64 = 2.0 * crate::tile::MERCATOR_HALF_WORLD_M;

/// The key used for keyed noise (texture, grain) when no key is given: public, so the noise
/// is predictable, which reveals nothing of the inside (secure operators never read it).
const PUBLIC_NOISE_KEY: [u8; 32] = *b"tileredact public noise key v1\0\0";

/// Largest blur standard deviation in pixels (beyond it a tile is a flat average anyway).
const MAX_BLUR_SIGMA_PX: f32 = 128.0;

/// How many encoded full tiles are kept (one per operator, size and encoding in practice).
const FULL_TILE_CACHE: usize = 64;

/// Whether an operator fills a fully redacted tile with one colour whatever the tile's
/// position and pixels (no outside pixel to learn from, no keyed noise).
fn is_constant_when_full(op: Operator) -> bool {
    matches!(
        op,
        Operator::Fill { .. } | Operator::Inpaint { grain: 0, .. } | Operator::Blur { .. }
    )
}

/// The cache key of an encoded full tile: operator, size, encoding, and its first pixel (the
/// colour, which checks that the tile really is the constant the operator gives).
type FullKey = (&'static str, u32, EncodeHints, Vec<u8>);

/// Zones sharing one rule.
#[derive(Debug)]
struct Group {
    op: Operator,
    feather_px: u32,
    min_zoom: u8,
    max_zoom: u8,
    set: ZoneSet,
    /// Index in [`Redactor::zones`] of each zone of `set`.
    members: Vec<usize>,
}

/// What [`Redactor::redact_rgba`] did to a tile.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TileReport {
    /// The plan of the tile over every active zone (after lossy growth).
    pub plan: TilePlan,
    /// Ids of the zones whose masks reach the tile, sorted.
    pub zones: Vec<String>,
    /// Pixels inside the redaction masks (feather pixels not counted).
    pub pixels_redacted: u64,
    /// Names of the operators that wrote pixels, in the order applied.
    pub operators: Vec<&'static str>,
    /// Whether a cosmetic operator (no security boundary) wrote pixels.
    pub cosmetic: bool,
}

/// An encoded tile after [`Redactor::redact_encoded`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EncodedTile<'a> {
    /// The tile: the input bytes themselves when the tile is clear (never decoded), else a
    /// freshly encoded image with no metadata.
    pub bytes: Cow<'a, [u8]>,
    /// The format of the input and the output.
    pub format: TileFormat,
    /// What was done.
    pub report: TileReport,
}

/// Redacts tiles and points: zones + policy + key, built once, immutable, `Send + Sync`.
///
/// # Usage
///
/// ```
/// use tileredact::{AlphaMode, ImageViewMut, Policy, Redactor, TileId, TilePlan, ZoneSet};
///
/// let zones = ZoneSet::from_geojson_str(r#"{"type": "Feature", "properties": {"id": "depot"},
///   "geometry": {"type": "Polygon", "coordinates": [[[10.0, 50.0], [10.01, 50.0], [10.01, 50.01], [10.0, 50.0]]]}}"#).unwrap();
/// let policy = Policy::from_json_str(r##"{"default": {"operator": {"fill": {"color": "#000000"}}}}"##).unwrap();
/// let redactor = Redactor::new(zones, &policy, None).unwrap();
///
/// let tile = TileId::containing(10.005, 50.003, 14).unwrap();
/// assert_eq!(redactor.plan(tile, tileredact::TileSize::S256), TilePlan::Partial);
/// let mut pixels = vec![200u8; 256 * 256 * 4];
/// let mut view = ImageViewMut::new(&mut pixels, 256, 256, 1024, AlphaMode::Straight).unwrap();
/// let report = redactor.redact_rgba(tile, &mut view).unwrap();
/// assert!(report.pixels_redacted > 0);
/// assert_eq!(report.zones, ["depot"]);
/// assert_eq!(report.operators, ["fill"]);
/// ```
///
/// # Threads
///
/// A `Redactor` is immutable once built: share it (`Arc`) between threads and call it from
/// all of them.
#[derive(Debug)]
pub struct Redactor {
    zones: Arc<ZoneSet>,
    rules: Vec<ZoneRule>,
    groups: Vec<Group>,
    key: RedactionKey,
    opts: MaskOptions,
    points: PointRedactor,
    /// Encoded full tiles of constant operators (see [`is_constant_when_full`]).
    full_tiles: Mutex<Vec<(FullKey, Vec<u8>)>>,
}

/// One group's mask on a tile or window.
struct Layer {
    group: usize,
    mask: Mask,
}

impl Redactor {
    /// A redactor for `zones` with `policy` and `key`.
    ///
    /// Each zone's rule is resolved once ([`Policy::rule_for`]); a zone without its own
    /// `margin_m` property is grown by its rule's margin. Without a key, keyed tile noise
    /// uses a public key (it never carries anything of the inside), and point policies that
    /// need a key (snap, displace) are an error.
    ///
    /// # Errors
    /// [`Error::InvalidZone`] naming the zone whose rule properties are invalid;
    /// [`Error::InvalidParameter`] when a point policy needs a key and none is given.
    pub fn new(
        zones: impl Into<Arc<ZoneSet>>,
        policy: &Policy,
        key: Option<RedactionKey>,
    ) -> Result<Self> {
        let zones: Arc<ZoneSet> = zones.into();
        let rules = zones
            .zones()
            .iter()
            .map(|z| policy.rule_for(z))
            .collect::<Result<Vec<_>>>()?;
        // Zones whose margin comes from a rule are grown again.
        let regrow = zones
            .zones()
            .iter()
            .zip(&rules)
            .any(|(z, r)| r.margin_m != z.margin_m());
        let zones: Arc<ZoneSet> = if regrow {
            let grown: Vec<Zone> = zones
                .zones()
                .iter()
                .zip(&rules)
                .map(|(z, r)| {
                    if r.margin_m == z.margin_m() {
                        z.clone()
                    } else {
                        z.with_margin(r.margin_m)
                    }
                })
                .collect();
            Arc::new(ZoneSet::from_zones(grown))
        } else {
            zones
        };
        let mut groups: Vec<Group> = Vec::new();
        let mut members: Vec<(usize, Vec<usize>)> = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            let same = |g: &Group| {
                g.op == r.operator
                    && g.feather_px == r.feather_px
                    && g.min_zoom == r.min_zoom
                    && g.max_zoom == r.max_zoom
            };
            match groups.iter().position(same) {
                Some(g) => members[g].1.push(i),
                None => {
                    members.push((groups.len(), vec![i]));
                    groups.push(Group {
                        op: r.operator,
                        feather_px: r.feather_px,
                        min_zoom: r.min_zoom,
                        max_zoom: r.max_zoom,
                        set: ZoneSet::from_zones(Vec::new()),
                        members: Vec::new(),
                    });
                }
            }
        }
        for (g, idx) in members {
            let set = ZoneSet::from_zones(idx.iter().map(|&i| zones.zones()[i].clone()).collect());
            groups[g].set = set;
            groups[g].members = idx;
        }
        let points = PointRedactor::new(zones.clone(), &policy.point_rules(), key.clone())?;
        Ok(Redactor {
            zones,
            rules,
            groups,
            key: key.unwrap_or_else(|| RedactionKey::from_bytes(PUBLIC_NOISE_KEY)),
            opts: policy.mask_options(),
            points,
            full_tiles: Mutex::new(Vec::new()),
        })
    }

    /// The zones (grown by their resolved margins).
    pub fn zones(&self) -> &Arc<ZoneSet> {
        &self.zones
    }

    /// The resolved rule of the zone at `index` in [`Redactor::zones`].
    pub fn rule(&self, index: usize) -> Option<&ZoneRule> {
        self.rules.get(index)
    }

    /// The mask options (the policy's `resample_px`).
    pub fn mask_options(&self) -> MaskOptions {
        self.opts
    }

    /// The point redactor of the same zones and policy.
    pub fn points(&self) -> &PointRedactor {
        &self.points
    }

    /// The plan of a tile over every zone active at its zoom: [`TilePlan::Clear`] tiles are
    /// left as they are, [`TilePlan::Full`] tiles are redacted whole.
    pub fn plan(&self, tile: TileId, size: TileSize) -> TilePlan {
        let mut plan = TilePlan::Clear;
        for g in &self.groups {
            match self.group_plan(g, tile, size) {
                TilePlan::Full => return TilePlan::Full,
                TilePlan::Partial => plan = TilePlan::Partial,
                TilePlan::Clear => {}
            }
        }
        if plan == TilePlan::Partial && self.mask(tile, size).is_full() {
            // Zones of several groups together cover the tile.
            return TilePlan::Full;
        }
        plan
    }

    /// The redaction mask of a tile: the union of the masks of every zone active at its
    /// zoom (255 = redacted), as a lossless input gets it.
    pub fn mask(&self, tile: TileId, size: TileSize) -> Mask {
        let layers = self.tile_layers(tile, size, None);
        union(&layers, size.px(), size.px())
    }

    /// Redacts an RGBA8 tile in place (256 or 512 pixels square).
    ///
    /// Pixels outside the redaction mask (and its feather) are not changed; pixels inside
    /// become their operator's output. A clear tile is not touched.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the image is not 256x256 or 512x512.
    pub fn redact_rgba(&self, tile: TileId, img: &mut ImageViewMut<'_>) -> Result<TileReport> {
        let size = square_size(img.width(), img.height())?;
        let layers = self.tile_layers(tile, size, None);
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        self.apply(&grid, tile_window(tile, size), &layers, img)
    }

    /// Redacts an RGBA8 image covering any window of world pixels at a zoom (for example a
    /// 2x2 block of tiles rendered as one image): the same bytes as redacting the tiles it
    /// covers one by one, for operators that stitch (fill, texture, degrade).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when the image size differs from the window's, the window
    /// is larger than [`MAX_WINDOW_PX`] or not inside the world.
    pub fn redact_window_rgba(
        &self,
        grid: &WorldGrid,
        window: PixelWindow,
        img: &mut ImageViewMut<'_>,
    ) -> Result<TileReport> {
        if (img.width(), img.height()) != (window.width, window.height) {
            return Err(Error::param(
                "image size",
                format!(
                    "is {}x{}; expected the window's {}x{}",
                    img.width(),
                    img.height(),
                    window.width,
                    window.height
                ),
            ));
        }
        let world = grid.world_px() as i64;
        if window.x0 < 0
            || window.y0 < 0
            || window.x0 + i64::from(window.width) > world
            || window.y0 + i64::from(window.height) > world
            || window.width > MAX_WINDOW_PX
            || window.height > MAX_WINDOW_PX
        {
            return Err(Error::param(
                "window",
                format!(
                    "{}x{} at ({}, {}); expected at most {MAX_WINDOW_PX} pixels a side inside \
                     the world of {world} pixels",
                    window.width, window.height, window.x0, window.y0
                ),
            ));
        }
        let layers = self.window_layers(grid, window, None)?;
        self.apply(grid, window, &layers, img)
    }

    /// Redacts an encoded tile (PNG, JPEG or WebP, 256 or 512 pixels square).
    ///
    /// A clear tile comes back as the same bytes, without being decoded. Any other tile is
    /// decoded, redacted and re-encoded in its format into a fresh buffer: no metadata, no
    /// trailing bytes; JPEG quality and subsampling, WebP lossiness and PNG colour type are
    /// kept close to the input's. For JPEG and lossy WebP inputs the masks are first grown
    /// to whole codec blocks (and the decoder's reach across block edges), because a block
    /// that straddles a zone carries the inside in its coefficients.
    ///
    /// # Errors
    /// [`Error::Decode`] when the bytes are not a PNG, JPEG or WebP image or cannot be
    /// decoded, [`Error::InvalidParameter`] when the image is not 256 or 512 pixels
    /// square, [`Error::Encode`] when the redacted image cannot be encoded. Never the input
    /// bytes of a tile that needed redaction.
    pub fn redact_encoded<'a>(&self, tile: TileId, bytes: &'a [u8]) -> Result<EncodedTile<'a>> {
        let format = TileFormat::detect(bytes).ok_or_else(|| Error::Decode {
            format: "unknown",
            reason: "not a PNG, JPEG or WebP image (unknown signature)".into(),
        })?;
        // Clear at 256 implies clear at 512 (the 256 padding covers more ground), so the
        // tile can be passed through before it is decoded.
        if self.plan_is_clear(tile, TileSize::S256) {
            return Ok(EncodedTile {
                bytes: Cow::Borrowed(bytes),
                format,
                report: TileReport::default(),
            });
        }
        let mut decoded = codec::decode(bytes)?;
        let size = square_size(decoded.width, decoded.height)?;
        let layers = self.tile_layers(tile, size, decoded.lossy);
        let grid = WorldGrid::new(tile.z(), size).expect("a TileId's zoom is valid");
        let (w, h) = (decoded.width, decoded.height);
        let mut view =
            ImageViewMut::new(&mut decoded.rgba, w, h, 4 * w as usize, AlphaMode::Straight)?;
        let report = self.apply(&grid, tile_window(tile, size), &layers, &mut view)?;
        if report.plan == TilePlan::Clear {
            return Ok(EncodedTile {
                bytes: Cow::Borrowed(bytes),
                format,
                report,
            });
        }
        // A full tile whose operator does not depend on position or input is the same
        // image for every tile of that size and encoding: encode it once.
        let constant = report.plan == TilePlan::Full
            && report.operators.len() == 1
            && layers
                .iter()
                .all(|l| is_constant_when_full(self.groups[l.group].op));
        let out = if constant {
            let key = (
                report.operators[0],
                w,
                decoded.hints,
                decoded.rgba[..4].to_vec(),
            );
            let mut cache = self.full_tiles.lock().unwrap_or_else(|e| e.into_inner());
            match cache.iter().find(|(k, _)| *k == key) {
                Some((_, bytes)) => bytes.clone(),
                None => {
                    let bytes = codec::encode(&decoded.rgba, w, h, &decoded.hints)?;
                    if cache.len() < FULL_TILE_CACHE {
                        cache.push((key, bytes.clone()));
                    }
                    bytes
                }
            }
        } else {
            codec::encode(&decoded.rgba, w, h, &decoded.hints)?
        };
        Ok(EncodedTile {
            bytes: Cow::Owned(out),
            format: decoded.format,
            report,
        })
    }

    /// A fully redacted tile of `format` and `size`: every pixel the opaque
    /// [`DEFAULT_COLOR`], freshly encoded (PNG RGB, JPEG quality 90 4:4:4, lossless WebP).
    ///
    /// This is the fail-closed replacement for a tile that needed redaction but could not be
    /// decoded or redacted: it depends on nothing of the input (not even `tile`, which is
    /// taken so that a later version may texture it by position), so it leaks nothing.
    ///
    /// ```
    /// use tileredact::{Policy, Redactor, TileFormat, TileId, TileSize, ZoneSet};
    ///
    /// let redactor = Redactor::new(ZoneSet::from_zones(Vec::new()), &Policy::default(), None).unwrap();
    /// let tile = TileId::new(10, 300, 400).unwrap();
    /// let png = redactor.fully_redacted_tile(tile, TileSize::S256, TileFormat::Png).unwrap();
    /// assert_eq!(TileFormat::detect(&png), Some(TileFormat::Png));
    /// ```
    ///
    /// # Errors
    /// [`Error::Encode`] if the encoder fails.
    pub fn fully_redacted_tile(
        &self,
        tile: TileId,
        size: TileSize,
        format: TileFormat,
    ) -> Result<Vec<u8>> {
        let _ = tile;
        let px = size.px();
        let [r, g, b] = DEFAULT_COLOR;
        let rgba = [r, g, b, 255].repeat(px as usize * px as usize);
        let hints = match format {
            TileFormat::Png => EncodeHints::png(codec::ColorModel::Rgb),
            TileFormat::Jpeg => EncodeHints::jpeg(90, codec::Subsampling::S444, false),
            TileFormat::WebP => EncodeHints::webp(true, 100, false),
        };
        codec::encode(&rgba, px, px, &hints)
    }

    /// Whether no zone active at the tile's zoom reaches it at this size.
    fn plan_is_clear(&self, tile: TileId, size: TileSize) -> bool {
        self.groups
            .iter()
            .all(|g| self.group_plan(g, tile, size) == TilePlan::Clear)
    }

    /// The plan of one group on a tile.
    fn group_plan(&self, g: &Group, tile: TileId, size: TileSize) -> TilePlan {
        if tile.z() < g.min_zoom {
            return TilePlan::Clear;
        }
        match g.set.plan(tile, size, &self.opts) {
            TilePlan::Partial if tile.z() > g.max_zoom => TilePlan::Full,
            p => p,
        }
    }

    /// The masks of the groups that reach a tile.
    fn tile_layers(&self, tile: TileId, size: TileSize, lossy: Option<LossyGrid>) -> Vec<Layer> {
        let px = size.px();
        let mut layers = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            if tile.z() < g.min_zoom {
                continue;
            }
            let (plan, mask) = g.set.plan_with_mask(tile, size, &self.opts);
            let mask = match plan {
                TilePlan::Clear => continue,
                TilePlan::Full => Mask::filled(px, px, 255),
                TilePlan::Partial if tile.z() > g.max_zoom => Mask::filled(px, px, 255),
                TilePlan::Partial => {
                    mask.unwrap_or_else(|| g.set.redaction_mask(tile, size, &self.opts))
                }
            };
            layers.push(Layer {
                group: i,
                mask: grow_lossy(mask, lossy),
            });
        }
        layers
    }

    /// The masks of the groups that reach a window (tiles deeper than a group's `max_zoom`
    /// are filled tile by tile, as [`Redactor::tile_layers`] does).
    fn window_layers(
        &self,
        grid: &WorldGrid,
        window: PixelWindow,
        lossy: Option<LossyGrid>,
    ) -> Result<Vec<Layer>> {
        let z = grid.z();
        let size = grid.tile_size();
        let mut layers = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            if z < g.min_zoom {
                continue;
            }
            let mask = if z > g.max_zoom {
                let mut m = Mask::new(window.width, window.height);
                let t = i64::from(size.px());
                let (tx0, ty0) = (window.x0 / t, window.y0 / t);
                let tx1 = (window.x0 + i64::from(window.width) - 1) / t;
                let ty1 = (window.y0 + i64::from(window.height) - 1) / t;
                for ty in ty0..=ty1 {
                    for tx in tx0..=tx1 {
                        let tile = TileId::new(z, tx as u32, ty as u32)?;
                        if g.set.plan(tile, size, &self.opts) == TilePlan::Clear {
                            continue;
                        }
                        fill_rect(&mut m, window, tx * t, ty * t, t);
                    }
                }
                m
            } else {
                g.set.redaction_mask_window(grid, window, &self.opts)?
            };
            if mask.is_clear() {
                continue;
            }
            layers.push(Layer {
                group: i,
                mask: grow_lossy(mask, lossy),
            });
        }
        Ok(layers)
    }

    /// Applies the layers to an image covering `window`.
    fn apply(
        &self,
        grid: &WorldGrid,
        window: PixelWindow,
        layers: &[Layer],
        img: &mut ImageViewMut<'_>,
    ) -> Result<TileReport> {
        let (w, h) = (window.width, window.height);
        if layers.is_empty() {
            return Ok(TileReport::default());
        }
        // One layer (the usual case) is its own union and target: no copies.
        let forbidden = match layers {
            [only] => Cow::Borrowed(&only.mask),
            _ => Cow::Owned(union(layers, w, h)),
        };
        // Least revealing first; each pixel goes to the first layer that has it.
        let mut order: Vec<&Layer> = layers.iter().collect();
        order.sort_by(|a, b| {
            let (ra, rb) = (
                self.groups[a.group].op.reveal_rank(),
                self.groups[b.group].op.reveal_rank(),
            );
            ra.partial_cmp(&rb)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.group.cmp(&b.group))
        });
        let mut assigned = if layers.len() > 1 {
            vec![0u8; (w * h) as usize]
        } else {
            Vec::new()
        };
        let mut report = TileReport {
            plan: if forbidden.is_full() {
                TilePlan::Full
            } else {
                TilePlan::Partial
            },
            pixels_redacted: forbidden.count_nonzero() as u64,
            ..TileReport::default()
        };
        let padded = window_rect_m(grid, window, f64::from(self.opts.resample_px()) + 1.0);
        let mut zone_ids = BTreeSet::new();
        let frame = OpFrame {
            origin: (window.x0 as u64, window.y0 as u64),
            z: grid.z(),
            tile_px: grid.tile_size().px(),
            key: &self.key,
            forbidden: forbidden.as_bytes(),
        };
        for layer in order {
            let g = &self.groups[layer.group];
            // Masks are 0 or 255: a branch-free pass the compiler vectorises.
            let target: Cow<'_, [u8]> = if layers.len() == 1 {
                Cow::Borrowed(layer.mask.as_bytes())
            } else {
                let mut target = vec![0u8; (w * h) as usize];
                for ((t, a), &m) in target
                    .iter_mut()
                    .zip(assigned.iter_mut())
                    .zip(layer.mask.as_bytes())
                {
                    *t = m & !*a;
                    *a |= m;
                }
                Cow::Owned(target)
            };
            let any = crate::ops::nonzero_span(&target).is_some();
            // The zones of the group that reach the window.
            let near = g.set.zones_meeting(padded);
            for &zi in &near {
                zone_ids.insert(g.set.zones()[zi].id().to_string());
            }
            if !any {
                continue;
            }
            let poleward = near
                .iter()
                .map(|&zi| g.set.zones()[zi].poleward_grown_lat())
                .fold(0.0f64, f64::max);
            // Deeper than max_zoom a tile is redacted whole: never by an operator that keeps
            // anything of the inside.
            let op = if grid.z() > g.max_zoom && !g.op.is_secure() {
                Operator::default()
            } else {
                g.op
            };
            let band = if g.feather_px > 0 {
                Some(self.feather_band(g, grid, window, &forbidden)?)
            } else {
                None
            };
            let original = band.as_ref().map(|_| img.to_vec());
            let write: Cow<'_, [u8]> = match &band {
                None => Cow::Borrowed(&target),
                Some((band, _)) => {
                    Cow::Owned(target.iter().zip(band).map(|(&t, &b)| t | b).collect())
                }
            };
            let used = apply_op(op, img, &write, &frame, grid, poleward);
            if let (Some((band, weight)), Some(orig)) = (&band, &original) {
                blend_band(img, orig, band, weight);
            }
            report.operators.push(used.name());
            report.cosmetic |= used.is_cosmetic();
        }
        report.zones = zone_ids.into_iter().collect();
        Ok(report)
    }

    /// The feather band of a group (pixels within `feather_px` of its mask, outside every
    /// mask) and each band pixel's weight, from the group's mask on the window padded by the
    /// feather, so bands continue across tile edges.
    fn feather_band(
        &self,
        g: &Group,
        grid: &WorldGrid,
        window: PixelWindow,
        forbidden: &Mask,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let f = g.feather_px;
        let ext = window.grown(f);
        let mut cur = if grid.z() > g.max_zoom {
            // Whole tiles: the band runs along the edges of the redacted tiles.
            let mut m = Mask::new(ext.width, ext.height);
            let t = i64::from(grid.tile_size().px());
            let world = grid.world_px() as i64;
            let (tx0, ty0) = ((ext.x0.max(0)) / t, (ext.y0.max(0)) / t);
            let tx1 = ((ext.x0 + i64::from(ext.width) - 1).min(world - 1)) / t;
            let ty1 = ((ext.y0 + i64::from(ext.height) - 1).min(world - 1)) / t;
            for ty in ty0..=ty1 {
                for tx in tx0..=tx1 {
                    let tile = TileId::new(grid.z(), tx as u32, ty as u32)?;
                    if g.set.plan(tile, grid.tile_size(), &self.opts) != TilePlan::Clear {
                        fill_rect(&mut m, ext, tx * t, ty * t, t);
                    }
                }
            }
            m
        } else {
            g.set.redaction_mask_window(grid, ext, &self.opts)?
        };
        let n = (window.width * window.height) as usize;
        let mut band = vec![0u8; n];
        let mut weight = vec![0u8; n];
        for d in 1..=f {
            let next = dilate_square(&cur, 1);
            let ring_w = (255 * (f + 1 - d) / (f + 1)) as u8;
            for y in 0..window.height {
                let row_new = &next.row(y + f)[f as usize..(f + window.width) as usize];
                let row_old = &cur.row(y + f)[f as usize..(f + window.width) as usize];
                let fb = forbidden.row(y);
                for x in 0..window.width as usize {
                    if row_new[x] != 0 && row_old[x] == 0 && fb[x] == 0 {
                        let i = y as usize * window.width as usize + x;
                        band[i] = 255;
                        weight[i] = ring_w;
                    }
                }
            }
            cur = next;
        }
        Ok((band, weight))
    }
}

/// Runs one operator on its target pixels; returns the operator that ran (degrade with
/// cells larger than a tile runs as the default secure operator).
fn apply_op(
    op: Operator,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    grid: &WorldGrid,
    poleward_lat: f64,
) -> Operator {
    // Ground metres of one world pixel where the zones are most poleward: a ground length
    // converted there is the most pixels anywhere in the zones.
    let m_per_px = WORLD_M / grid.world_px() * ground_scale(poleward_lat);
    let used = match op {
        Operator::Fill { color } => {
            ops::fill::fill(img, target, ops::opaque(color, img.alpha()));
            op
        }
        Operator::Texture { color } => {
            ops::texture::texture(img, target, frame, color);
            op
        }
        Operator::Inpaint { grain, color } => {
            ops::inpaint::inpaint(img, target, frame, grain, color);
            op
        }
        Operator::Blur { radius_m, color } => {
            let sigma = ((radius_m / m_per_px) as f32).min(MAX_BLUR_SIGMA_PX);
            ops::blur::secure_blur(img, target, frame, sigma, color);
            op
        }
        Operator::Degrade { gsd_m } => {
            let cells = (gsd_m / m_per_px).ceil().max(1.0);
            let tile_px = frame.tile_px;
            if cells > f64::from(tile_px) {
                // The cap asks for cells larger than a tile: nothing of a tile can be kept.
                let fallback = Operator::default();
                apply_op(fallback, img, target, frame, grid, poleward_lat)
            } else {
                let cell_px = (cells as u32).next_power_of_two();
                ops::degrade::degrade(img, target, frame, cell_px, DEFAULT_COLOR);
                op
            }
        }
        Operator::CosmeticBlur { radius_px } => {
            ops::blur::cosmetic_blur(img, target, frame, radius_px as f32);
            op
        }
        Operator::CosmeticPixelate { block_px } => {
            ops::pixelate::pixelate(img, target, frame, block_px);
            op
        }
    };
    ops::clamp_premultiplied(img, target);
    used
}

/// Blends the original back over the band: `out = orig + (new - orig) * weight / 255`.
fn blend_band(img: &mut ImageViewMut<'_>, orig: &[u8], band: &[u8], weight: &[u8]) {
    let w = img.width() as usize;
    for y in 0..img.height() as usize {
        let row = img.row_mut(y as u32);
        for x in 0..w {
            let i = y * w + x;
            if band[i] == 0 {
                continue;
            }
            let k = u32::from(weight[i]);
            for c in 0..4 {
                let o = u32::from(orig[4 * i + c]);
                let n = u32::from(row[4 * x + c]);
                row[4 * x + c] = ((o * (255 - k) + n * k + 127) / 255) as u8;
            }
        }
    }
}

/// The union of the layers' masks.
fn union(layers: &[Layer], w: u32, h: u32) -> Mask {
    let mut m = Mask::new(w, h);
    for l in layers {
        for (d, &s) in m.as_bytes_mut().iter_mut().zip(l.mask.as_bytes()) {
            *d |= s;
        }
    }
    m
}

/// Sets the pixels of the `t`-pixel square at world (x0, y0) that fall in `window`.
fn fill_rect(m: &mut Mask, window: PixelWindow, x0: i64, y0: i64, t: i64) {
    let xa = (x0 - window.x0).max(0);
    let xb = (x0 + t - window.x0).min(i64::from(window.width));
    let ya = (y0 - window.y0).max(0);
    let yb = (y0 + t - window.y0).min(i64::from(window.height));
    let w = window.width as usize;
    for y in ya..yb {
        let row = &mut m.as_bytes_mut()[y as usize * w..(y as usize + 1) * w];
        row[xa as usize..xb as usize].fill(255);
    }
}

/// The mask grown for a lossy codec: every block (aligned to the image, whose origin is a
/// multiple of the block size in world pixels) holding a masked pixel is masked whole, then
/// the decoder's reach across block edges is added.
fn grow_lossy(mask: Mask, lossy: Option<LossyGrid>) -> Mask {
    let Some(grid) = lossy else {
        return mask;
    };
    if mask.is_full() || mask.is_clear() {
        return mask;
    }
    let (w, h) = (mask.width(), mask.height());
    let b = grid.block_px.max(1);
    let mut out = Mask::new(w, h);
    // Only the blocks that meet the box of the set pixels can be hit.
    let Some(bbox) = crate::ops::mask_bbox(mask.as_bytes(), w as usize) else {
        return mask;
    };
    let (bx0, by0) = (bbox.x0 as u32 / b * b, bbox.y0 as u32 / b * b);
    for by in (by0..bbox.y1 as u32).step_by(b as usize) {
        for bx in (bx0..bbox.x1 as u32).step_by(b as usize) {
            let (bw, bh) = (b.min(w - bx), b.min(h - by));
            let hit = (by..by + bh).any(|y| {
                mask.row(y)[bx as usize..(bx + bw) as usize]
                    .iter()
                    .any(|&v| v != 0)
            });
            if hit {
                for y in by..by + bh {
                    let row = &mut out.as_bytes_mut()[(y * w) as usize..((y + 1) * w) as usize];
                    row[bx as usize..(bx + bw) as usize].fill(255);
                }
            }
        }
    }
    dilate_square(&out, grid.reach_px)
}

/// The tile size of a square image of 256 or 512 pixels.
fn square_size(width: u32, height: u32) -> Result<TileSize> {
    if width != height {
        return Err(Error::param(
            "tile image",
            format!("is {width}x{height}; expected a square tile of 256 or 512 pixels"),
        ));
    }
    TileSize::from_px(width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fully_redacted_tiles_decode_to_the_default_colour() {
        let redactor = Redactor::new(ZoneSet::from_zones(Vec::new()), &Policy::default(), None)
            .expect("empty zones");
        let tile = TileId::new(12, 1000, 2000).expect("valid tile");
        for format in [TileFormat::Png, TileFormat::Jpeg, TileFormat::WebP] {
            for size in [TileSize::S256, TileSize::S512] {
                let bytes = redactor
                    .fully_redacted_tile(tile, size, format)
                    .expect("encodes");
                assert_eq!(TileFormat::detect(&bytes), Some(format));
                let d = codec::decode(&bytes).expect("decodes");
                assert_eq!((d.width, d.height), (size.px(), size.px()));
                let [r, g, b] = DEFAULT_COLOR;
                for px in d.rgba.chunks_exact(4) {
                    // JPEG may round by one level.
                    for (got, want) in px.iter().zip([r, g, b, 255]) {
                        assert!(got.abs_diff(want) <= 1, "{format}: {px:?}");
                    }
                }
            }
        }
    }
}
