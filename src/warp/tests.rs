use super::*;
use crate::image::AlphaMode;
use crate::{Region, gcj02_to_wgs84, wgs84_to_gcj02};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A random tile at zoom `z` whose centre is inside the GCJ-02 region.
fn tile_in_region(r: &mut Rng, z: u8) -> TileId {
    loop {
        let (lon, lat) = (74.0 + 60.0 * r.unit(), 18.0 + 35.0 * r.unit());
        if Region::Polygon.contains_gcj02(lon, lat) {
            return TileId::containing(lon, lat, z).unwrap();
        }
    }
}

/// The exact displacement (f64) of tile pixel (x, y)'s centre, written out from the public
/// transforms: world pixel -> mercator -> lon/lat -> map -> back.
fn exact_d(target: TileId, size: TileSize, dir: WarpDirection, x: usize, y: usize) -> [f64; 2] {
    let grid = WorldGrid::new(target.z(), size).unwrap();
    let (ox, oy) = target.world_px_origin(size);
    let (px, py) = (ox as f64 + x as f64 + 0.5, oy as f64 + y as f64 + 0.5);
    let (mx, my) = grid.to_mercator(px, py);
    let (lon, lat) = crate::mercator_to_lnglat(mx, my);
    let (a, b) = match dir {
        WarpDirection::Wgs84ToGcj02 => gcj02_to_wgs84(lon, lat),
        WarpDirection::Gcj02ToWgs84 => wgs84_to_gcj02(lon, lat),
    };
    let (mx, my) = crate::lnglat_to_mercator(a, b);
    let (sx, sy) = grid.to_world_px(mx, my);
    [sx - px, sy - py]
}

/// The lattice field against the exact map at z18: random tiles all over the region, random
/// pixels in each; the error stays far below the 0.1 px bound.
#[test]
fn lattice_matches_exact_map_at_z18() {
    let mut r = Rng(18);
    let (mut checked, mut worst) = (0usize, 0.0f64);
    for case in 0..100 {
        let t = tile_in_region(&mut r, 18);
        let dir = if case % 2 == 0 {
            WarpDirection::Wgs84ToGcj02
        } else {
            WarpDirection::Gcj02ToWgs84
        };
        let size = if case % 5 == 0 {
            TileSize::S512
        } else {
            TileSize::S256
        };
        let f = Field::new(t, dir, size, false);
        let s = size.px() as usize;
        for k in 0..300 {
            // The corners and edges too, where the far-edge nodes matter.
            let (x, y) = match k {
                0 => (s - 1, s - 1),
                1 => (0, s - 1),
                2 => (s - 1, 0),
                _ => (r.below(s), r.below(s)),
            };
            let got = f.at(x, y);
            let want = exact_d(t, size, dir, x, y);
            let e = (f64::from(got[0]) - want[0])
                .abs()
                .max((f64::from(got[1]) - want[1]).abs());
            worst = worst.max(e);
            checked += 1;
        }
    }
    assert_eq!(checked, 100 * 300);
    println!("z18 lattice: max error {worst:.2e} px over {checked} pixels");
    assert!(worst < 0.1, "max lattice error {worst} px at z18");
    // Measured: about 1e-4 px (mostly the f32 rounding of ~1000 px displacements).
    assert!(worst < 2e-3, "max lattice error {worst} px at z18");
}

/// Every zoom the warp serves keeps the lattice error under 0.1 px (coarser zooms have a
/// finer lattice).
#[test]
fn lattice_error_below_a_tenth_of_a_pixel_at_every_zoom() {
    let mut r = Rng(5);
    let mut checked = 0usize;
    for z in 5..=20u8 {
        let mut worst = 0.0f64;
        for case in 0..12 {
            let t = tile_in_region(&mut r, z);
            let dir = if case % 2 == 0 {
                WarpDirection::Wgs84ToGcj02
            } else {
                WarpDirection::Gcj02ToWgs84
            };
            let f = Field::new(t, dir, TileSize::S256, false);
            for _ in 0..100 {
                let (x, y) = (r.below(256), r.below(256));
                let got = f.at(x, y);
                let want = exact_d(t, TileSize::S256, dir, x, y);
                let e = (f64::from(got[0]) - want[0])
                    .abs()
                    .max((f64::from(got[1]) - want[1]).abs());
                worst = worst.max(e);
                checked += 1;
            }
        }
        println!("z{z}: max lattice error {worst:.2e} px");
        assert!(worst < 0.1, "z{z}: max lattice error {worst} px");
    }
    assert_eq!(checked, 16 * 12 * 100);
}

/// The region class of a rectangle agrees with the point test at every point of a dense
/// grid over it (rectangles all over and around the region, many on its edge).
#[test]
fn rectangle_classes_are_conservative() {
    let mut r = Rng(7);
    let (mut inside, mut outside, mut mixed) = (0, 0, 0);
    for _ in 0..3000 {
        let (w, s) = (70.0 + 70.0 * r.unit(), 10.0 + 50.0 * r.unit());
        let side = [0.01, 0.1, 0.5, 2.0][r.below(4)];
        let (e, n) = (w + side * r.unit(), s + side * r.unit());
        let class = gcj02_rect_class(w, s, e, n);
        match class {
            RectClass::Inside => inside += 1,
            RectClass::Outside => outside += 1,
            RectClass::Mixed => {
                mixed += 1;
                continue;
            }
        }
        for j in 0..=12 {
            for i in 0..=12 {
                let (lon, lat) = (w + (e - w) * i as f64 / 12.0, s + (n - s) * j as f64 / 12.0);
                assert_eq!(
                    Region::Polygon.contains_gcj02(lon, lat),
                    class == RectClass::Inside,
                    "{class:?} rect {w} {s} {e} {n} at {lon} {lat}"
                );
            }
        }
    }
    assert!(
        inside > 300 && outside > 300 && mixed > 30,
        "{inside} {outside} {mixed}"
    );
}

/// Random noise tiles for every tile the target needs, but `drop` of them left out.
fn noise_sources(r: &mut Rng, need: &[TileId], s: usize, drop: usize) -> Vec<(TileId, Vec<u8>)> {
    let mut v: Vec<(TileId, Vec<u8>)> = need
        .iter()
        .map(|&t| (t, (0..s * s * 4).map(|_| r.next() as u8).collect()))
        .collect();
    for _ in 0..drop.min(v.len()) {
        let i = r.below(v.len());
        v.remove(i);
    }
    v
}

fn views(src: &[(TileId, Vec<u8>)], s: u32) -> Vec<(TileId, ImageView<'_>)> {
    src.iter()
        .map(|(t, p)| {
            (
                *t,
                ImageView::new(p, s, s, 4 * s as usize, AlphaMode::Straight).unwrap(),
            )
        })
        .collect()
}

/// The fast path equals the reference byte for byte at every CPU level, on noise (so every
/// weight and index matters), every filter, both directions and sizes, tiles deep inside
/// and on the region edge (exact cells), with missing sources.
#[test]
fn fast_equals_reference_at_every_level() {
    let mut r = Rng(11);
    let levels = crate::simd::levels();
    let (mut checked, mut with_exact) = (0usize, 0usize);
    for case in 0..18 {
        let z = [5u8, 9, 12, 15, 18, 20][case % 6];
        let t = if case % 3 == 0 {
            // On the region edge: near the Hong Kong carve-out or the northern border.
            let (lon, lat) = if case % 2 == 0 {
                (114.16 + 0.05 * r.unit(), 22.5 + 0.03 * r.unit())
            } else {
                (87.0 + 0.2 * r.unit(), 49.1 + 0.1 * r.unit())
            };
            TileId::containing(lon, lat, z).unwrap()
        } else {
            tile_in_region(&mut r, z)
        };
        let dir = if case % 2 == 0 {
            WarpDirection::Wgs84ToGcj02
        } else {
            WarpDirection::Gcj02ToWgs84
        };
        let s = if case % 4 == 0 { 512 } else { 256 };
        let need = required_source_tiles(t, dir);
        let src = noise_sources(&mut r, &need, s, case % 5 / 4);
        let v = views(&src, s as u32);
        for filter in [
            WarpFilter::Nearest,
            WarpFilter::Bilinear,
            WarpFilter::Bicubic,
        ] {
            let mut want = vec![7u8; s * s * 4];
            let mut o =
                ImageViewMut::new(&mut want, s as u32, s as u32, 4 * s, AlphaMode::Straight)
                    .unwrap();
            let rep = warp_tile_with(None, t, dir, &v, &mut o, filter, false).unwrap();
            assert!(!rep.outside_region);
            assert!(
                rep.missing
                    .iter()
                    .all(|m| need.contains(m) && src.iter().all(|s| s.0 != *m))
            );
            if rep.exact_pixels > 0 {
                with_exact += 1;
            }
            for &arch in &levels {
                let mut got = vec![9u8; s * s * 4];
                let mut o =
                    ImageViewMut::new(&mut got, s as u32, s as u32, 4 * s, AlphaMode::Straight)
                        .unwrap();
                let rep2 = warp_tile_with(Some(arch), t, dir, &v, &mut o, filter, false).unwrap();
                assert_eq!(rep2, rep);
                assert!(got == want, "case {case} {t} {filter:?} {arch:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 18 * 3 * levels.len());
    assert!(with_exact >= 3, "{with_exact} runs had exact cells");
}

/// Adjacent tiles stitch: two neighbouring tiles side by side equal a 2-tile-wide window
/// computed pixel by pixel from the world-anchored lattice (nodes at world multiples of the
/// step) and a mosaic of the whole footprint, byte for byte.
#[test]
fn adjacent_tiles_equal_a_two_tile_window() {
    let mut r = Rng(3);
    let mut checked = 0usize;
    for case in 0..6 {
        let z = [14u8, 16, 18, 20, 11, 8][case];
        let horizontal = case % 2 == 0;
        let g256 = WorldGrid::new(z, TileSize::S256).unwrap();
        let (a, b) = loop {
            // Both tiles deep inside the region (no exact cells), so the lattice is the field.
            let a = tile_in_region(&mut r, z);
            let b = if horizontal {
                TileId::new(z, a.x() + 1, a.y()).unwrap()
            } else {
                TileId::new(z, a.x(), a.y() + 1).unwrap()
            };
            if tile_class(&g256, a) == RectClass::Inside
                && tile_class(&g256, b) == RectClass::Inside
            {
                break (a, b);
            }
        };
        let dir = WarpDirection::Wgs84ToGcj02;
        let mut need = required_source_tiles(a, dir);
        need.extend(required_source_tiles(b, dir));
        need.sort();
        need.dedup();
        let src = noise_sources(&mut r, &need, 256, 0);
        let v = views(&src, 256);
        let mut tiles = Vec::new();
        for t in [a, b] {
            let mut px = vec![0u8; 256 * 256 * 4];
            let mut o = ImageViewMut::new(&mut px, 256, 256, 1024, AlphaMode::Straight).unwrap();
            let rep = warp_tile(t, dir, &v, &mut o, WarpFilter::Bicubic).unwrap();
            assert_eq!(rep.exact_pixels, 0, "deep inside the region");
            tiles.push(px);
        }
        // The window: world pixels of a and b, field from world nodes, samples from a
        // mosaic of everything given.
        let grid = WorldGrid::new(z, TileSize::S256).unwrap();
        let l = lattice_step(z) as u64;
        let (ox, oy) = a.world_px_origin(TileSize::S256);
        let (ww, wh) = if horizontal { (512, 256) } else { (256, 512) };
        let node = |x: u64, y: u64| exact_pixel_displacement(&grid, dir, x, y);
        let mut scratch = vec![0u8; 256 * 1024];
        let o = ImageViewMut::new(&mut scratch, 256, 256, 1024, AlphaMode::Straight).unwrap();
        let inputs = check(a, &v, &o).unwrap();
        let d0 = node(ox, oy);
        let (mx0, my0) = (
            ox as i64 + d0[0].floor() as i64 - 64,
            oy as i64 + d0[1].floor() as i64 - 64,
        );
        // (Wider than the warp's own mosaic: tiles beyond the required ones read as missing.)
        let (m, _) = inputs.mosaic(z, mx0, my0, ww + 128, wh + 128);
        let off = [mx0 - ox as i64, my0 - oy as i64];
        for y in 0..wh {
            for x in 0..ww {
                let (wx, wy) = (ox + x as u64, oy + y as u64);
                let (nx, ny) = (wx / l * l, wy / l * l);
                let ty = (wy - ny) as f32 * (1.0 / l as f32);
                let tx = (wx - nx) as f32 * (1.0 / l as f32);
                let (p00, p10, p01, p11) = (
                    node(nx, ny),
                    node(nx + l, ny),
                    node(nx, ny + l),
                    node(nx + l, ny + l),
                );
                let r0 = [lerp(p00[0], p01[0], ty), lerp(p00[1], p01[1], ty)];
                let r1 = [lerp(p10[0], p11[0], ty), lerp(p10[1], p11[1], ty)];
                let d = [lerp(r0[0], r1[0], tx), lerp(r0[1], r1[1], tx)];
                let want = sample(&m, off, x, y, d, WarpFilter::Bicubic);
                let (tile, tx, ty) = if x < 256 && y < 256 {
                    (0, x, y)
                } else {
                    (1, x % 256, y % 256)
                };
                let i = (ty * 256 + tx) * 4;
                assert_eq!(
                    &tiles[tile][i..i + 4],
                    &want,
                    "case {case} window pixel {x},{y}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 6 * 512 * 256);
}
