//! Redaction of imagery pyramids: the `resample_px` that the redaction mask needs so that two
//! worlds differing only inside the zones give byte-identical redacted tiles at every zoom of
//! a pyramid built from each, for the usual downsampling filters.
//!
//! A block of `TILES` x `TILES` tiles at zoom `Z` is one RGBA image (the base). "Inside the
//! zones" at the base zoom is the redaction mask at `resample_px` 0: the pixels whose closed
//! square meets a zone grown by its margin. Two pairs of worlds differ only there:
//!
//! * `random`: structured imagery, and the same with every inside pixel re-drawn at random;
//! * `contrast`: the same imagery with the inside black, and with the inside white (the
//!   largest difference a pixel can carry, so the smallest weight of a filter's tail still
//!   shows after rounding to 8 bits).
//!
//! From each world a pyramid goes down `LEVELS` zooms by 2x steps with a filter: box (exact
//! 2x2 mean), or `image::imageops::resize` with `Triangle` (bilinear), `CatmullRom`
//! (bicubic), `Lanczos3`; either recursively (each level from the one above, as gdaladdo,
//! mapnik and gdal2tiles do) or directly (each level from the base). At every level both
//! worlds are redacted (every mask pixel set to opaque grey) with the redaction mask of that
//! zoom, tile by tile, and compared byte for byte.
//!
//! The smallest `resample_px` that makes every level identical is asserted per filter and
//! mode, as is the failure of one less (so the number is tight and a weaker mask would be
//! caught), and the reach per level against the support of the filter:
//!
//! * a 2x downsample with a kernel of support `h` (in destination pixels: box 0, triangle 1,
//!   Catmull-Rom 2, Lanczos-3 3) reads `2h` source pixels beyond the destination pixel's own
//!   two on each side, so a difference `e` destination pixels outside the mask of the source
//!   zoom reaches `h + floor(e / 2)` pixels outside the (parent) mask of the next zoom;
//!   recursively `e_k = h + floor(e_{k-1} / 2)` from `e_0 = 0`: box 0, triangle 1, 1, 1, ...,
//!   Catmull-Rom 2, 3, 3, ..., Lanczos-3 3, 4, 5, 5, ... (the fixed point is `2h - 1`; the
//!   continuous bound `h (1 + 1/2 + 1/4 + ...) = 2h` is never reached on whole pixels);
//! * a direct downsample by `2^k` reads `h 2^k` source pixels on each side: `h` destination
//!   pixels at every level.
//!
//! The zones are placed to realise that worst case deterministically: a rectangle whose
//! edges sit just inside a pixel of zoom `Z - LEVELS` (so its last touched pixel is the
//! outer child at every level) with long straight edges (many rows where rounding can
//! flip), plus a thin sliver, a sub-pixel speck, a zone on a tile corner, a zone with a
//! margin, a zone with edges exactly on pixel boundaries and a few random star polygons from
//! a fixed seed.

use image::imageops::{self, FilterType};
use image::{Rgba, RgbaImage};
use tileredact::{Mask, MaskOptions, PixelWindow, TileId, TileSize, WorldGrid, ZoneSet};

/// Zoom of the base.
const Z: u8 = 17;
/// The base is `TILES` x `TILES` tiles.
const TILES: u32 = 8;
/// Column and row of the base's north-west tile (near Paris): multiples of `2^LEVELS`, so
/// the base is aligned with the pixels of every level.
const TX0: u32 = 66_384;
const TY0: u32 = 45_072;
const TS: u32 = 256;
const SIZE: TileSize = TileSize::S256;
/// Side of the base image in pixels.
const BASE: u32 = TILES * TS;
/// Levels below the base: zooms `Z - 1` to `Z - LEVELS`.
const LEVELS: u32 = 4;
/// Largest `resample_px` tried.
const MAX_R: u32 = 8;
/// The redaction colour.
const GREY: Rgba<u8> = Rgba([128, 128, 128, 255]);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    Box,
    Triangle,
    CatmullRom,
    Lanczos3,
}

impl Filter {
    const ALL: [Filter; 4] = [
        Filter::Box,
        Filter::Triangle,
        Filter::CatmullRom,
        Filter::Lanczos3,
    ];

    /// Half-width of the kernel in destination pixels when downsampling (`image` scales the
    /// kernel by the ratio).
    fn support(self) -> u32 {
        match self {
            Filter::Box => 0,
            Filter::Triangle => 1,
            Filter::CatmullRom => 2,
            Filter::Lanczos3 => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Filter::Box => "box 2x2",
            Filter::Triangle => "bilinear",
            Filter::CatmullRom => "bicubic CR",
            Filter::Lanczos3 => "lanczos3",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Each level from the one above (gdaladdo, mapnik, gdal2tiles).
    Recursive,
    /// Each level from the base.
    Direct,
}

impl Mode {
    const ALL: [Mode; 2] = [Mode::Recursive, Mode::Direct];

    fn name(self) -> &'static str {
        match self {
            Mode::Recursive => "recursive",
            Mode::Direct => "direct",
        }
    }
}

/// The `resample_px` that a filter and mode need for every world: the support bound derived in
/// the module docs (`2h - 1` recursively over `LEVELS >= 3` levels, `h` directly; 0 for box).
/// Anything less leaks for some world.
fn r_needed(filter: Filter, mode: Mode) -> u32 {
    let h = filter.support();
    match mode {
        Mode::Recursive => (2 * h).saturating_sub(1),
        Mode::Direct => h,
    }
}

/// The reach per level measured on this test's worlds (levels 0 to `LEVELS`). It is the
/// support bound [`reach_theory`] except for Lanczos-3 recursively at levels 3 and 4: the
/// fifth pixel there takes a level-2 difference of one unit, itself rare, through a tap of
/// weight 0.0037 and then a rounding flip, about 1e-4 per edge pixel: these worlds show
/// none, an archive with millions of edge pixels will.
fn reach_measured(filter: Filter, mode: Mode) -> [u32; LEVELS as usize + 1] {
    match (filter, mode) {
        (Filter::Lanczos3, Mode::Recursive) => [0, 3, 4, 4, 4],
        _ => std::array::from_fn(|k| reach_theory(filter, mode, k as u32)),
    }
}

/// The reach `e_k` of the differences beyond the touched pixels at level `k` (module docs).
fn reach_theory(filter: Filter, mode: Mode, k: u32) -> u32 {
    let h = filter.support();
    match mode {
        _ if k == 0 => 0,
        Mode::Direct => h,
        Mode::Recursive => h + reach_theory(filter, mode, k - 1) / 2,
    }
}

/// splitmix64: a small deterministic generator (fixed seeds, no dependency).
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn byte(&mut self) -> u8 {
        (self.next_u64() >> 56) as u8
    }
}

/// Lon/lat of a point given in pixels of the base image (zoom `Z`, origin at the base's
/// north-west corner).
fn base_lnglat(x: f64, y: f64) -> [f64; 2] {
    let grid = WorldGrid::new(Z, SIZE).unwrap();
    let (mx, my) = grid.to_mercator(f64::from(TX0 * TS) + x, f64::from(TY0 * TS) + y);
    let (lon, lat) = tileredact::mercator_to_lnglat(mx, my);
    [lon, lat]
}

fn feature(id: &str, ring_lnglat: &[[f64; 2]], margin_m: f64) -> String {
    let mut pts: Vec<String> = ring_lnglat
        .iter()
        .map(|p| format!("[{},{}]", p[0], p[1]))
        .collect();
    pts.push(pts[0].clone());
    format!(
        r#"{{"type":"Feature","properties":{{"id":"{id}","margin_m":{margin_m}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        pts.join(",")
    )
}

/// A polygon given in base pixels.
fn px_feature(id: &str, ring_px: &[[f64; 2]], margin_m: f64) -> String {
    let ring: Vec<[f64; 2]> = ring_px.iter().map(|p| base_lnglat(p[0], p[1])).collect();
    feature(id, &ring, margin_m)
}

fn rect_px(x0: f64, y0: f64, x1: f64, y1: f64) -> [[f64; 2]; 4] {
    [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

/// The zones of the test (module docs), all well inside the base: the farthest reach at the
/// deepest level, `2h` pixels of zoom `Z - LEVELS`, is under 100 base pixels.
fn zones() -> ZoneSet {
    let a = f64::from(1u32 << LEVELS);
    let mut features = vec![
        // Edges just inside pixels of zoom Z - LEVELS: touched columns 20a..=60a - 1 and rows
        // 20a..=40a - 1, the outer child at every level; 640 and 320 pixels long.
        px_feature(
            "aligned",
            &rect_px(
                20.0 * a + 0.3,
                20.0 * a + 0.3,
                60.0 * a - 0.3,
                40.0 * a - 0.3,
            ),
            0.0,
        ),
        // A long sliver 0.2 px thick, oblique.
        px_feature(
            "sliver",
            &[
                [1100.0, 300.0],
                [1800.0, 700.0],
                [1800.0, 700.2],
                [1100.0, 300.2],
            ],
            0.0,
        ),
        // A speck inside one pixel.
        px_feature("speck", &rect_px(1500.2, 1200.2, 1500.5, 1200.5), 0.0),
        // Edges on pixel boundaries: the closed squares on both sides are touched.
        px_feature(
            "on-boundaries",
            &rect_px(1280.0, 960.0, 1440.0, 1100.0),
            0.0,
        ),
        // A 1 px triangle grown by 8 m (about 10 px at this latitude).
        px_feature(
            "margin",
            &[[600.5, 1500.5], [601.5, 1500.5], [601.0, 1501.5]],
            8.0,
        ),
    ];
    // A diamond of 2.5 px around the corner shared by four tiles, from the tile bounds.
    let b = TileId::new(Z, TX0 + 4, TY0 + 5).unwrap().bounds_lnglat();
    let (dlon, dlat) = (
        (b.east - b.west) * 2.5 / f64::from(TS),
        (b.north - b.south) * 2.5 / f64::from(TS),
    );
    features.push(feature(
        "corner",
        &[
            [b.west - dlon, b.north],
            [b.west, b.north - dlat],
            [b.west + dlon, b.north],
            [b.west, b.north + dlat],
        ],
        0.0,
    ));
    // Random star polygons, fixed seed.
    let mut rng = Rng(0x5EED_0017);
    for i in 0..4 {
        let (cx, cy) = (rng.range(300.0, 1750.0), rng.range(1150.0, 1750.0));
        let n = 5 + (rng.next_u64() % 8) as usize;
        let ring: Vec<[f64; 2]> = (0..n)
            .map(|j| {
                let t = (j as f64 + rng.range(0.0, 0.8)) / n as f64 * std::f64::consts::TAU;
                let r = rng.range(3.0, 60.0);
                [cx + r * t.cos(), cy + r * t.sin()]
            })
            .collect();
        let margin = if i % 2 == 0 { 0.0 } else { rng.range(0.0, 5.0) };
        features.push(px_feature(&format!("star{i}"), &ring, margin));
    }
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    ZoneSet::from_geojson_str(&text).unwrap()
}

/// The window of level `k` (zoom `Z - k`) that the base covers.
fn level_window(k: u32) -> PixelWindow {
    PixelWindow {
        x0: i64::from((TX0 * TS) >> k),
        y0: i64::from((TY0 * TS) >> k),
        width: BASE >> k,
        height: BASE >> k,
    }
}

fn level_grid(k: u32) -> WorldGrid {
    WorldGrid::new(Z - k as u8, SIZE).unwrap()
}

fn opts(r: u32) -> MaskOptions {
    MaskOptions::new(r).unwrap()
}

/// Structured imagery: smooth colour waves plus noise, opaque.
fn imagery(rng: &mut Rng) -> RgbaImage {
    RgbaImage::from_fn(BASE, BASE, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let mut px = [0u8; 4];
        for (c, v) in px.iter_mut().take(3).enumerate() {
            let wave = 70.0 * (fx * 0.021 + c as f64 * 2.1).sin() * (fy * 0.017 - c as f64).cos();
            let noise = f64::from(rng.byte()) / 255.0 * 100.0 - 50.0;
            *v = (128.0 + wave + noise).round().clamp(0.0, 255.0) as u8;
        }
        px[3] = 255;
        Rgba(px)
    })
}

/// `img` with every pixel where `inside` is set given by `f`.
fn replace_inside(
    img: &RgbaImage,
    inside: &Mask,
    mut f: impl FnMut(Rgba<u8>) -> Rgba<u8>,
) -> RgbaImage {
    let mut out = img.clone();
    for (i, p) in out.pixels_mut().enumerate() {
        if inside.as_bytes()[i] != 0 {
            *p = f(*p);
        }
    }
    out
}

/// Exact mean of `f` x `f` blocks, rounded half up.
fn box_down(img: &RgbaImage, f: u32) -> RgbaImage {
    let n = f * f;
    RgbaImage::from_fn(img.width() / f, img.height() / f, |x, y| {
        let mut sum = [0u32; 4];
        for yy in y * f..(y + 1) * f {
            for xx in x * f..(x + 1) * f {
                for (s, v) in sum.iter_mut().zip(img.get_pixel(xx, yy).0) {
                    *s += u32::from(v);
                }
            }
        }
        Rgba(sum.map(|s| ((s + n / 2) / n) as u8))
    })
}

fn downsample(img: &RgbaImage, filter: Filter, f: u32) -> RgbaImage {
    let (w, h) = (img.width() / f, img.height() / f);
    match filter {
        Filter::Box => box_down(img, f),
        Filter::Triangle => imageops::resize(img, w, h, FilterType::Triangle),
        Filter::CatmullRom => imageops::resize(img, w, h, FilterType::CatmullRom),
        Filter::Lanczos3 => imageops::resize(img, w, h, FilterType::Lanczos3),
    }
}

/// Levels 0 (the base) to `LEVELS`.
fn pyramid(base: &RgbaImage, filter: Filter, mode: Mode) -> Vec<RgbaImage> {
    let mut levels = vec![base.clone()];
    for k in 1..=LEVELS {
        let next = match mode {
            Mode::Recursive => downsample(&levels[k as usize - 1], filter, 2),
            Mode::Direct => downsample(base, filter, 1 << k),
        };
        assert_eq!(next.width(), BASE >> k);
        levels.push(next);
    }
    levels
}

/// Indices of the pixels where two images differ.
fn differing(a: &RgbaImage, b: &RgbaImage) -> Vec<usize> {
    a.pixels()
        .zip(b.pixels())
        .enumerate()
        .filter(|(_, (p, q))| p != q)
        .map(|(i, _)| i)
        .collect()
}

/// The tiles of level `k` with the pixel window of each in the level image: whole tiles
/// while the level is at least one tile wide, else the one window the level covers.
fn level_tiles(k: u32) -> Vec<(Option<TileId>, PixelWindow)> {
    let side = BASE >> k;
    if side < TS {
        return vec![(None, level_window(k))];
    }
    let n = side / TS;
    let mut out = Vec::new();
    for j in 0..n {
        for i in 0..n {
            let tile = TileId::new(Z - k as u8, (TX0 >> k) + i, (TY0 >> k) + j).unwrap();
            let (x0, y0) = tile.world_px_origin(SIZE);
            out.push((
                Some(tile),
                PixelWindow {
                    x0: x0 as i64,
                    y0: y0 as i64,
                    width: TS,
                    height: TS,
                },
            ));
        }
    }
    out
}

/// The tile's pixels of a level image, redacted with its mask (every mask pixel grey).
fn redact_tile(level: &RgbaImage, k: u32, window: PixelWindow, mask: &Mask) -> RgbaImage {
    let origin = level_window(k);
    let (ox, oy) = (
        (window.x0 - origin.x0) as u32,
        (window.y0 - origin.y0) as u32,
    );
    let mut tile = imageops::crop_imm(level, ox, oy, window.width, window.height).to_image();
    for (p, &m) in tile.pixels_mut().zip(mask.as_bytes()) {
        if m != 0 {
            *p = GREY;
        }
    }
    tile
}

/// Redacts both pyramids tile by tile at `resample_px` `r` (masks from
/// [`ZoneSet::redaction_mask`] per tile, [`ZoneSet::redaction_mask_window`] for a level
/// smaller than a tile) and compares: (tiles compared, tiles that differ).
fn compare_redacted(zones: &ZoneSet, a: &[RgbaImage], b: &[RgbaImage], r: u32) -> (usize, usize) {
    let (mut compared, mut differ) = (0, 0);
    for k in 0..=LEVELS {
        for (tile, window) in level_tiles(k) {
            let mask = match tile {
                Some(t) => zones.redaction_mask(t, SIZE, &opts(r)),
                None => zones
                    .redaction_mask_window(&level_grid(k), window, &opts(r))
                    .unwrap(),
            };
            let ra = redact_tile(&a[k as usize], k, window, &mask);
            let rb = redact_tile(&b[k as usize], k, window, &mask);
            compared += 1;
            if ra.as_raw() != rb.as_raw() {
                differ += 1;
            }
        }
    }
    (compared, differ)
}

struct Row {
    filter: Filter,
    mode: Mode,
    needed: u32,
    /// Per level, the smallest r that covers the differences.
    reach: [u32; LEVELS as usize + 1],
    /// Per pair: (tiles compared, tiles differing) after redaction at `needed`.
    at_needed: Vec<(usize, usize)>,
    /// Tiles differing after redaction at `needed - 1`, over both pairs.
    below: Option<usize>,
    /// Per pair: (tiles compared, tiles differing) after redaction at [`r_needed`].
    at_bound: Vec<(usize, usize)>,
}

/// Tiles compared per pyramid: 64 + 16 + 4 + 1 whole tiles and one half tile at Z - 4.
const TILES_COMPARED: usize = 64 + 16 + 4 + 1 + 1;

type Pair<'a> = (&'static str, &'a RgbaImage, &'a RgbaImage);

/// Pyramids of both worlds of each pair with one filter and mode: the reach per level, and
/// the tile-by-tile redaction at the needed `resample_px`, one less and the support bound.
fn run(filter: Filter, mode: Mode, zones: &ZoneSet, masks: &[Vec<Mask>], pairs: &[Pair]) -> Row {
    // Per level, the smallest r for which every differing pixel is in the mask, over both
    // pairs.
    let mut reach = [0u32; LEVELS as usize + 1];
    let mut pyramids = Vec::new();
    for &(pair, a, b) in pairs {
        let pa = pyramid(a, filter, mode);
        let pb = pyramid(b, filter, mode);
        for k in 0..=LEVELS as usize {
            let diff = differing(&pa[k], &pb[k]);
            // The worlds differ at every level (the redaction has something to do).
            assert!(
                !diff.is_empty(),
                "{filter:?} {mode:?} {pair}: level {k} equal"
            );
            let r = (0..=MAX_R)
                .find(|&r| {
                    diff.iter()
                        .all(|&i| masks[k][r as usize].as_bytes()[i] != 0)
                })
                .unwrap_or(MAX_R + 1);
            reach[k] = reach[k].max(r);
        }
        pyramids.push((pa, pb));
    }
    let needed = reach.iter().copied().max().unwrap();
    let compare = |r: u32| -> Vec<(usize, usize)> {
        pyramids
            .iter()
            .map(|(pa, pb)| compare_redacted(zones, pa, pb, r))
            .collect()
    };
    Row {
        filter,
        mode,
        needed,
        reach,
        at_needed: compare(needed),
        below: needed
            .checked_sub(1)
            .map(|r| compare(r).iter().map(|c| c.1).sum()),
        at_bound: compare(r_needed(filter, mode)),
    }
}

#[test]
fn pyramid_redaction() {
    let zones = zones();
    assert_eq!(zones.len(), 10);
    // masks[k][r]: the redaction mask of level k at resample_px r (the window of the level).
    let masks: Vec<Vec<Mask>> = (0..=LEVELS)
        .map(|k| {
            (0..=MAX_R)
                .map(|r| {
                    zones
                        .redaction_mask_window(&level_grid(k), level_window(k), &opts(r))
                        .unwrap()
                })
                .collect()
        })
        .collect();
    // Every zone is well inside the base, also after the largest dilation at the last level.
    let last = &masks[LEVELS as usize][MAX_R as usize];
    let side = BASE >> LEVELS;
    for i in 0..side {
        for (x, y) in [(i, 0), (i, side - 1), (0, i), (side - 1, i)] {
            assert_eq!(last.get(x, y), 0, "zones too close to the edge of the base");
        }
    }
    let inside = &masks[0][0];
    let n_inside = inside.count_nonzero();
    assert!(n_inside > 200_000, "{n_inside} pixels inside");

    let mut rng = Rng(0xB10C_2024);
    let world = imagery(&mut rng);
    let rerolled = replace_inside(&world, inside, |p| {
        let mut q = p;
        for c in &mut q.0[..3] {
            *c ^= 1 + rng.byte() % 255; // never the same value
        }
        q
    });
    let black = replace_inside(&world, inside, |_| Rgba([0, 0, 0, 255]));
    let white = replace_inside(&world, inside, |_| Rgba([255, 255, 255, 255]));
    let pairs = [("random", &world, &rerolled), ("contrast", &black, &white)];

    let combos: Vec<(Filter, Mode)> = Filter::ALL
        .into_iter()
        .flat_map(|f| Mode::ALL.map(|m| (f, m)))
        .collect();
    // Two threads (the machine has two cores), each on every other combination.
    let mut table: Vec<Row> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                let (combos, zones, masks, pairs) = (&combos, &zones, &masks, &pairs);
                s.spawn(move || {
                    combos
                        .iter()
                        .skip(t)
                        .step_by(2)
                        .map(|&(f, m)| run(f, m, zones, masks, pairs))
                        .collect::<Vec<Row>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    table.sort_by_key(|row| combos.iter().position(|c| *c == (row.filter, row.mode)));

    eprintln!("filter      mode       measured  bound  reach per level (Z, Z-1, ..., Z-{LEVELS})");
    for row in &table {
        eprintln!(
            "{:<11} {:<10} {:>8}  {:>5}  {:?}",
            row.filter.name(),
            row.mode.name(),
            row.needed,
            r_needed(row.filter, row.mode),
            row.reach
        );
    }

    for row in &table {
        let (filter, mode) = (row.filter, row.mode);
        let bound: Vec<u32> = (0..=LEVELS)
            .map(|k| reach_theory(filter, mode, k))
            .collect();
        // The support bound holds at every level, the first level attains it, and the reach
        // is the one measured so far (a weaker mask or a changed resampler shows here).
        for (k, (&reach, &bound)) in row.reach.iter().zip(&bound).enumerate() {
            assert!(
                reach <= bound,
                "{filter:?} {mode:?}: level {k} beyond the support"
            );
        }
        assert_eq!(row.reach[1], filter.support(), "{filter:?} {mode:?}");
        assert_eq!(
            row.reach,
            reach_measured(filter, mode),
            "{filter:?} {mode:?}"
        );
        // The measured r gives identical tiles at every level for both pairs, and so does the
        // support bound...
        for (rows, r) in [
            (&row.at_needed, row.needed),
            (&row.at_bound, r_needed(filter, mode)),
        ] {
            for (&(compared, differ), (pair, _, _)) in rows.iter().zip(&pairs) {
                assert_eq!(compared, TILES_COMPARED);
                assert_eq!(differ, 0, "{filter:?} {mode:?} {pair}: r = {r} leaks");
            }
        }
        // ...and one less than measured leaks (box needs no dilation at all: r = 0 is the
        // least there is, and the worlds differ at every level).
        if let Some(leaks) = row.below {
            assert!(
                leaks > 0,
                "{filter:?} {mode:?}: r = {} is enough too",
                row.needed - 1
            );
        }
    }
}

/// The default mask covers pyramids built with every usual filter, recursively or directly.
#[test]
fn default_covers_usual_pyramids() {
    let default = MaskOptions::default().resample_px();
    let both = |f: Filter| r_needed(f, Mode::Recursive).max(r_needed(f, Mode::Direct));
    // The default covers this filter, level by level and from the base.
    assert!(
        default >= both(Filter::Box),
        "box needs {}",
        both(Filter::Box)
    );
    // The default covers this filter, level by level and from the base.
    assert!(
        default >= both(Filter::Triangle),
        "bilinear needs {}",
        both(Filter::Triangle)
    );
    // The default covers this filter, level by level and from the base.
    assert!(
        default >= both(Filter::CatmullRom),
        "bicubic needs {}",
        both(Filter::CatmullRom)
    );
    // The default covers this filter, level by level and from the base.
    assert!(
        default >= both(Filter::Lanczos3),
        "lanczos3 needs {}",
        both(Filter::Lanczos3)
    );
}
