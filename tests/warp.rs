//! The tile warp between the WGS-84 and GCJ-02 grids, through the public API: a synthetic
//! world rendered in both frames, the round trip, `required_source_tiles` as a property,
//! missing sources, tiles outside the region and invalid input.
//!
//! Oracles: the pattern is a function of the WGS-84 world-pixel position; the GCJ-02 frame is
//! rendered directly by mapping every pixel centre through `gcj02_to_wgs84` (never through the
//! warp).

use proptest::prelude::*;
use tileredact::{
    AlphaMode, ImageView, ImageViewMut, TileId, WarpDirection, WarpFilter, WorldGrid,
    gcj02_to_wgs84, lnglat_to_mercator, mercator_to_lnglat, required_source_tiles, warp_tile,
    wgs84_to_gcj02,
};

const S: usize = 256;

/// The synthetic world: RGB as a function of the WGS-84 world-pixel position (u, v) at the
/// test zoom (pixel centres at half-integers); alpha 255.
#[derive(Clone, Copy)]
enum Pattern {
    /// R, G: sinusoids of 13 and 11 px periods; B: a smooth checker of 8 px period.
    Checker,
    /// Three sinusoids (periods 13, 11 and 17 px diagonally): bounded curvature.
    Smooth,
}

const AMP: f64 = 90.0;
const TAU: f64 = std::f64::consts::TAU;

impl Pattern {
    fn eval(self, u: f64, v: f64) -> [f64; 3] {
        let r = 128.0 + AMP * (TAU * u / 13.0 + 0.3).sin();
        let g = 128.0 + AMP * (TAU * v / 11.0 + 1.1).sin();
        let b = match self {
            Pattern::Checker => {
                128.0 + AMP * (1.5 * (TAU * u / 8.0).sin() * (TAU * v / 8.0).sin()).tanh()
            }
            Pattern::Smooth => 128.0 + AMP * (TAU * (u + v) / 17.0).sin(),
        };
        [r, g, b]
    }

    /// Largest gradient norm of each channel (per pixel): `A·2π/P`; the checker
    /// `A·1.5·(2π/8)·√2` (tanh' ≤ 1, |∇(sin·sin)| ≤ (2π/8)·√2).
    fn max_gradient(self) -> [f64; 3] {
        let b = match self {
            Pattern::Checker => AMP * 1.5 * (TAU / 8.0) * 2f64.sqrt(),
            Pattern::Smooth => AMP * (TAU / 17.0) * 2f64.sqrt(),
        };
        [AMP * TAU / 13.0, AMP * TAU / 11.0, b]
    }

    /// For the smooth pattern: `max|f_xx| + max|f_yy|` per channel (`A·(2π/P)^2` per axis the
    /// sinusoid varies along), the bilinear interpolation error bound being an eighth of it.
    fn curvature(self) -> [f64; 3] {
        let k = |p: f64| AMP * (TAU / p) * (TAU / p);
        [k(13.0), k(11.0), 2.0 * k(17.0)]
    }
}

fn to_u8(v: f64) -> u8 {
    v.round().clamp(0.0, 255.0) as u8
}

/// A tile of the WGS-84 grid: the pattern at every pixel centre.
fn render_wgs(t: TileId, p: Pattern) -> Vec<u8> {
    let (ox, oy) = (t.x() as f64 * S as f64, t.y() as f64 * S as f64);
    let mut px = Vec::with_capacity(S * S * 4);
    for y in 0..S {
        for x in 0..S {
            let c = p.eval(ox + x as f64 + 0.5, oy + y as f64 + 0.5);
            px.extend_from_slice(&[to_u8(c[0]), to_u8(c[1]), to_u8(c[2]), 255]);
        }
    }
    px
}

/// The WGS-84 world-pixel position of the pixel centre (x, y) of tile `t` of the other frame,
/// through `map` (the oracle: never the warp).
fn mapped_centre(t: TileId, x: usize, y: usize, map: fn(f64, f64) -> (f64, f64)) -> (f64, f64) {
    let grid = WorldGrid::new(t.z(), tileredact::TileSize::S256).unwrap();
    let (ox, oy) = (t.x() as f64 * S as f64, t.y() as f64 * S as f64);
    let (mx, my) = grid.to_mercator(ox + x as f64 + 0.5, oy + y as f64 + 0.5);
    let (lon, lat) = mercator_to_lnglat(mx, my);
    let (a, b) = map(lon, lat);
    let (mx, my) = lnglat_to_mercator(a, b);
    grid.to_world_px(mx, my)
}

/// The same world rendered directly in the GCJ-02 grid: pixel centre -> `gcj02_to_wgs84` ->
/// pattern (unrounded).
fn render_gcj_direct(t: TileId, p: Pattern) -> Vec<[f64; 3]> {
    let mut out = Vec::with_capacity(S * S);
    for y in 0..S {
        for x in 0..S {
            let (u, v) = mapped_centre(t, x, y, gcj02_to_wgs84);
            out.push(p.eval(u, v));
        }
    }
    out
}

fn view(px: &[u8]) -> ImageView<'_> {
    ImageView::new(px, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap()
}

/// Warps `t` from rendered tiles (`render` of each required source).
fn warp_from(
    t: TileId,
    dir: WarpDirection,
    filter: WarpFilter,
    render: &mut dyn FnMut(TileId) -> Vec<u8>,
) -> Vec<u8> {
    let src: Vec<(TileId, Vec<u8>)> = required_source_tiles(t, dir)
        .into_iter()
        .map(|s| (s, render(s)))
        .collect();
    let v: Vec<(TileId, ImageView<'_>)> = src.iter().map(|(s, p)| (*s, view(p))).collect();
    let mut out = vec![0u8; S * S * 4];
    let mut o =
        ImageViewMut::new(&mut out, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap();
    let rep = warp_tile(t, dir, &v, &mut o, filter).unwrap();
    assert!(
        rep.missing.is_empty() && !rep.outside_region,
        "{t}: {rep:?}"
    );
    out
}

/// Mean and max absolute error per channel of `got` against `want`.
fn errors(got: &[u8], want: &[[f64; 3]]) -> ([f64; 3], [f64; 3]) {
    let (mut sum, mut max) = ([0.0; 3], [0.0f64; 3]);
    for (g, w) in got.chunks_exact(4).zip(want) {
        for c in 0..3 {
            let e = (f64::from(g[c]) - w[c]).abs();
            sum[c] += e;
            max[c] = max[c].max(e);
        }
    }
    let n = want.len() as f64;
    ([sum[0] / n, sum[1] / n, sum[2] / n], max)
}

/// The synthetic world warped WGS-84 -> GCJ-02 matches the world rendered in GCJ-02 directly.
///
/// Tolerance per channel: half a pixel's worth of pattern change (`0.5 · max|∇f|`) for the
/// largest error, so any misregistration of half a pixel or more would show; the mean must be
/// below an eighth of that, and the test shows that a one-pixel shift of the direct rendering
/// alone exceeds the mean bound (so the check can see a misregistration). The bilinear error
/// itself (curvature/8, about 10 levels on the 8 px checker) is well inside.
#[test]
fn synthetic_world_warps_onto_the_gcj02_rendering() {
    let places = [
        (116.404, 39.915, 18u8),
        (106.55, 29.56, 17),
        (121.47, 31.23, 16),
        (87.6, 43.8, 18),
    ];
    let mut checked = 0;
    for (lon, lat, z) in places {
        let (glon, glat) = wgs84_to_gcj02(lon, lat);
        let t = TileId::containing(glon, glat, z).unwrap();
        for p in [Pattern::Checker, Pattern::Smooth] {
            let want = render_gcj_direct(t, p);
            let got = warp_from(
                t,
                WarpDirection::Wgs84ToGcj02,
                WarpFilter::Bilinear,
                &mut |s| render_wgs(s, p),
            );
            let (mean, max) = errors(&got, &want);
            let g = p.max_gradient();
            for c in 0..3 {
                let tol = 0.5 * g[c] + 1.0;
                assert!(
                    max[c] < tol,
                    "{t} channel {c}: max error {} >= {tol}",
                    max[c]
                );
                assert!(
                    mean[c] < tol / 8.0,
                    "{t} channel {c}: mean error {} >= {}",
                    mean[c],
                    tol / 8.0
                );
            }
            // Sensitivity: the direct rendering shifted by one pixel is far off in the mean.
            let shifted: Vec<u8> = (0..S * S)
                .flat_map(|i| {
                    let (x, y) = (i % S, i / S);
                    let w = want[y * S + (x + 1).min(S - 1)];
                    [to_u8(w[0]), to_u8(w[1]), to_u8(w[2]), 255]
                })
                .collect();
            let (smean, _) = errors(&shifted, &want);
            assert!(
                smean[0] > 0.5 * g[0] / 8.0 + 1.0,
                "shift not visible: {smean:?}"
            );
            // Bicubic is at least as close as bilinear on the smooth pattern.
            if matches!(p, Pattern::Smooth) {
                let got3 = warp_from(
                    t,
                    WarpDirection::Wgs84ToGcj02,
                    WarpFilter::Bicubic,
                    &mut |s| render_wgs(s, p),
                );
                let (mean3, _) = errors(&got3, &want);
                for c in 0..3 {
                    assert!(
                        mean3[c] <= mean[c] + 0.05,
                        "{t} bicubic {mean3:?} vs bilinear {mean:?}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

/// WGS-84 -> GCJ-02 -> WGS-84 returns the original within two bilinear passes' error:
/// `2 · (max|f_xx| + max|f_yy|) / 8` plus one level of rounding per pass, on interior pixels.
#[test]
fn round_trip_returns_the_original() {
    let p = Pattern::Smooth;
    let mut checked = 0usize;
    for (lon, lat, z) in [(116.404, 39.915, 18u8), (113.26, 23.13, 16)] {
        let t = TileId::containing(lon, lat, z).unwrap();
        let original = render_wgs(t, p);
        let back = warp_from(
            t,
            WarpDirection::Gcj02ToWgs84,
            WarpFilter::Bilinear,
            &mut |g| {
                warp_from(
                    g,
                    WarpDirection::Wgs84ToGcj02,
                    WarpFilter::Bilinear,
                    &mut |s| render_wgs(s, p),
                )
            },
        );
        let k = p.curvature();
        for y in 4..S - 4 {
            for x in 4..S - 4 {
                for (c, kc) in k.iter().enumerate() {
                    let i = (y * S + x) * 4 + c;
                    let e = (f64::from(back[i]) - f64::from(original[i])).abs();
                    let tol = 2.0 * kc / 8.0 + 2.0;
                    assert!(e <= tol, "{t} pixel {x},{y} channel {c}: {e} > {tol}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * (S - 8) * (S - 8));
}

/// Two adjacent warped tiles continue each other: across the seam, the step between the last
/// column of one and the first of the next is the step of the direct rendering, within the
/// same tolerance as inside a tile (the byte-exact window test is a unit test of
/// `src/warp/`).
#[test]
fn adjacent_tiles_are_seamless() {
    let p = Pattern::Smooth;
    let (glon, glat) = wgs84_to_gcj02(116.404, 39.915);
    let a = TileId::containing(glon, glat, 18).unwrap();
    let b = TileId::new(18, a.x() + 1, a.y()).unwrap();
    let c = TileId::new(18, a.x(), a.y() + 1).unwrap();
    let warp = |t| {
        warp_from(
            t,
            WarpDirection::Wgs84ToGcj02,
            WarpFilter::Bilinear,
            &mut |s| render_wgs(s, p),
        )
    };
    let (wa, wb, wc) = (warp(a), warp(b), warp(c));
    let (da, db, dc) = (
        render_gcj_direct(a, p),
        render_gcj_direct(b, p),
        render_gcj_direct(c, p),
    );
    let tol = p.max_gradient().map(|g| 0.5 * g + 1.0);
    let mut checked = 0;
    for i in 0..S {
        for ch in 0..3 {
            // a | b: column 255 of a, column 0 of b.
            let step = f64::from(wb[(i * S) * 4 + ch]) - f64::from(wa[(i * S + S - 1) * 4 + ch]);
            let want = db[i * S][ch] - da[i * S + S - 1][ch];
            assert!(
                (step - want).abs() < tol[ch],
                "a|b row {i} ch {ch}: {step} vs {want}"
            );
            // a over c: row 255 of a, row 0 of c.
            let step = f64::from(wc[i * 4 + ch]) - f64::from(wa[((S - 1) * S + i) * 4 + ch]);
            let want = dc[i][ch] - da[(S - 1) * S + i][ch];
            assert!(
                (step - want).abs() < tol[ch],
                "a/c col {i} ch {ch}: {step} vs {want}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, S);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, rng_seed: proptest::test_runner::RngSeed::Fixed(20), ..ProptestConfig::default() })]

    /// Every source pixel any target pixel's sample may touch (the exact source position,
    /// widened by the lattice error bound of 0.1 px, then the widest filter support: one
    /// pixel before, two after) lies in a listed tile; the list is sorted, unique, at the
    /// target's zoom. 256- and 512-pixel grids; border pixels (where the footprint is
    /// extreme) and random interior pixels.
    #[test]
    fn required_source_tiles_never_miss_a_tile(
        z in 5u8..=20, lon in 75.0f64..134.0, lat in 18.5f64..53.0, gcj in any::<bool>(),
        big in any::<bool>(), seed in any::<u64>()
    ) {
        prop_assume!(tileredact::Region::Polygon.contains_gcj02(lon, lat));
        let t = TileId::containing(lon, lat, z).unwrap();
        let dir = if gcj { WarpDirection::Gcj02ToWgs84 } else { WarpDirection::Wgs84ToGcj02 };
        let map: fn(f64, f64) -> (f64, f64) = if gcj { wgs84_to_gcj02 } else { gcj02_to_wgs84 };
        let need = required_source_tiles(t, dir);
        prop_assert!(need.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(need.iter().all(|s| s.z() == z));
        let (size, s) = if big { (tileredact::TileSize::S512, 512usize) } else { (tileredact::TileSize::S256, 256) };
        let grid = WorldGrid::new(z, size).unwrap();
        let (ox, oy) = t.world_px_origin(size);
        let n = 1i64 << z;
        let mut pixels: Vec<(usize, usize)> = (0..s).flat_map(|i| [(i, 0), (i, s - 1), (0, i), (s - 1, i)]).collect();
        let mut r = seed | 1;
        for _ in 0..200 {
            r ^= r << 13; r ^= r >> 7; r ^= r << 17;
            pixels.push(((r % s as u64) as usize, ((r >> 32) % s as u64) as usize));
        }
        let mut checked = 0;
        for (x, y) in pixels {
            let (mx, my) = grid.to_mercator(ox as f64 + x as f64 + 0.5, oy as f64 + y as f64 + 0.5);
            let (lo, la) = mercator_to_lnglat(mx, my);
            let (a, b) = map(lo, la);
            let (mx, my) = lnglat_to_mercator(a, b);
            let (u, v) = grid.to_world_px(mx, my);
            // Pixel-index coordinates of the sample (centres at integers).
            let (u, v) = (u - 0.5, v - 0.5);
            let x0 = (u - 0.1).floor() as i64 - 1;
            let x1 = (u + 0.1).floor() as i64 + 2;
            let y0 = (v - 0.1).floor() as i64 - 1;
            let y1 = (v + 0.1).floor() as i64 + 2;
            for (px, py) in [(x0, y0), (x1, y0), (x0, y1), (x1, y1)] {
                let tx = px.div_euclid(s as i64).rem_euclid(n) as u32;
                let ty = py.div_euclid(s as i64);
                prop_assert!(ty >= 0 && ty < n);
                let id = TileId::new(z, tx, ty as u32).unwrap();
                prop_assert!(need.binary_search(&id).is_ok(), "{} needs {} (pixel {},{}): {:?}", t, id, x, y, need);
            }
            checked += 1;
        }
        prop_assert_eq!(checked, 4 * s + 200);
    }
}

/// A missing source tile reads as transparent and is reported; pixels whose whole footprint
/// lies in given tiles stay opaque, those whose footprint lies in the missing one are
/// transparent.
#[test]
fn missing_sources_are_transparent_and_reported() {
    let (glon, glat) = wgs84_to_gcj02(116.404, 39.915);
    let t = TileId::containing(glon, glat, 18).unwrap();
    let dir = WarpDirection::Wgs84ToGcj02;
    let need = required_source_tiles(t, dir);
    let grey: Vec<u8> = [200u8, 200, 200, 255].repeat(S * S);
    // Drop the tile that the centre pixel samples.
    let (u, v) = mapped_centre(t, S / 2, S / 2, gcj02_to_wgs84);
    let dropped = TileId::new(18, (u / S as f64) as u32, (v / S as f64) as u32).unwrap();
    assert!(need.contains(&dropped));
    let src: Vec<(TileId, ImageView<'_>)> = need
        .iter()
        .filter(|&&s| s != dropped)
        .map(|&s| (s, view(&grey)))
        .collect();
    for filter in [
        WarpFilter::Nearest,
        WarpFilter::Bilinear,
        WarpFilter::Bicubic,
    ] {
        let mut out = vec![1u8; S * S * 4];
        let mut o =
            ImageViewMut::new(&mut out, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap();
        let rep = warp_tile(t, dir, &src, &mut o, filter).unwrap();
        assert_eq!(rep.missing, vec![dropped]);
        assert!(!rep.outside_region);
        let (mut clear, mut opaque) = (0, 0);
        for y in 0..S {
            for x in 0..S {
                let (u, v) = mapped_centre(t, x, y, gcj02_to_wgs84);
                let (u, v) = (u - 0.5, v - 0.5);
                let tiles = |a: f64, b: f64| {
                    let lo = ((a - 1.2).floor() / S as f64).floor() as i64;
                    let hi = ((b + 2.2).floor() / S as f64).floor() as i64;
                    (lo, hi)
                };
                let (tx0, tx1) = tiles(u, u);
                let (ty0, ty1) = tiles(v, v);
                let inside = |a: i64, b: i64, d: u32| a == b && a == i64::from(d);
                let px = &out[(y * S + x) * 4..(y * S + x) * 4 + 4];
                if inside(tx0, tx1, dropped.x()) && inside(ty0, ty1, dropped.y()) {
                    assert_eq!(px, [0, 0, 0, 0], "{filter:?} pixel {x},{y}");
                    clear += 1;
                } else if !(tx0..=tx1).contains(&i64::from(dropped.x()))
                    || !(ty0..=ty1).contains(&i64::from(dropped.y()))
                {
                    assert_eq!(px, [200, 200, 200, 255], "{filter:?} pixel {x},{y}");
                    opaque += 1;
                }
            }
        }
        assert!(
            clear > 1000 && opaque > 1000,
            "{filter:?}: {clear} clear, {opaque} opaque"
        );
    }
}

/// A tile wholly outside the region is the source tile itself; missing, it is transparent.
#[test]
fn tiles_outside_the_region_are_copied() {
    let mut checked = 0;
    for (lon, lat) in [(2.35, 48.85), (139.7, 35.68), (-74.0, 40.7)] {
        for z in [5u8, 12, 18] {
            let t = TileId::containing(lon, lat, z).unwrap();
            for dir in [WarpDirection::Wgs84ToGcj02, WarpDirection::Gcj02ToWgs84] {
                let need = required_source_tiles(t, dir);
                assert_eq!(need, vec![t], "{t}");
                let px: Vec<u8> = (0..S * S * 4).map(|i| (i * 7 % 251) as u8).collect();
                let mut out = vec![0u8; S * S * 4];
                let mut o =
                    ImageViewMut::new(&mut out, S as u32, S as u32, 4 * S, AlphaMode::Straight)
                        .unwrap();
                let rep =
                    warp_tile(t, dir, &[(t, view(&px))], &mut o, WarpFilter::Bicubic).unwrap();
                assert!(rep.outside_region && rep.missing.is_empty());
                assert!(out == px);
                let mut o =
                    ImageViewMut::new(&mut out, S as u32, S as u32, 4 * S, AlphaMode::Straight)
                        .unwrap();
                let rep = warp_tile(t, dir, &[], &mut o, WarpFilter::Bilinear).unwrap();
                assert!(rep.outside_region);
                assert_eq!(rep.missing, vec![t]);
                assert!(out.iter().all(|&b| b == 0));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 18);
}

#[test]
fn invalid_sizes_and_sources_are_errors() {
    let t = TileId::containing(116.404, 39.915, 14).unwrap();
    let dir = WarpDirection::Wgs84ToGcj02;
    let big = vec![0u8; 600 * 600 * 4];
    let mut out = vec![0u8; 600 * 600 * 4];
    let expect = |r: tileredact::Result<tileredact::WarpReport>, what: &str| {
        let e = r.unwrap_err();
        assert_eq!(e.code(), 100, "{e}");
        assert!(e.to_string().contains(what), "{e} should mention {what:?}");
    };
    for (w, h) in [(300u32, 300u32), (256, 512), (128, 128)] {
        let mut o = ImageViewMut::new(&mut out, w, h, 4 * w as usize, AlphaMode::Straight).unwrap();
        expect(
            warp_tile(t, dir, &[], &mut o, WarpFilter::Bilinear),
            "expected a square tile of 256 or 512",
        );
    }
    let mut o = ImageViewMut::new(&mut out, 256, 256, 1024, AlphaMode::Straight).unwrap();
    let src512 = ImageView::new(&big, 512, 512, 2048, AlphaMode::Straight).unwrap();
    expect(
        warp_tile(t, dir, &[(t, src512)], &mut o, WarpFilter::Bilinear),
        "expected 256x256",
    );
    let src = ImageView::new(&big, 256, 256, 1024, AlphaMode::Straight).unwrap();
    let other_zoom = t.parent().unwrap();
    expect(
        warp_tile(t, dir, &[(other_zoom, src)], &mut o, WarpFilter::Bilinear),
        "expected the target's zoom 14",
    );
    expect(
        warp_tile(t, dir, &[(t, src), (t, src)], &mut o, WarpFilter::Bilinear),
        "given twice",
    );
}
