//! Properties of the exact-area rasteriser against the exact oracles of `tileredact::oracle`:
//! per-pixel area, area conservation, stitching of adjacent windows, and the touched mask is
//! exactly the pixels whose closed square meets the polygon (up to the snapping: never fewer,
//! and none further than a few snap units away), on hard cases: slivers, hairs, vertices on
//! pixel corners and edges, sub-pixel polygons.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::oracle;
use tileredact::{CoverageRasterizer, Mask, PixelWindow};

/// A star-shaped (hence simple) polygon around `c` with `n` vertices.
fn star(c: [f64; 2], radii: &[f64], phase: f64) -> Vec<[f64; 2]> {
    let n = radii.len();
    (0..n)
        .map(|i| {
            let a = phase + i as f64 / n as f64 * std::f64::consts::TAU;
            [c[0] + radii[i] * a.cos(), c[1] + radii[i] * a.sin()]
        })
        .collect()
}

fn polygon_strategy(span: f64) -> impl Strategy<Value = Vec<Vec<[f64; 2]>>> {
    (
        (0.0..span, 0.0..span),
        prop::collection::vec(0.5..span * 0.6, 3..40),
        0.0..6.3f64,
        any::<bool>(),
    )
        .prop_map(|((cx, cy), radii, phase, with_hole)| {
            let shell = star([cx, cy], &radii, phase);
            let mut rings = vec![shell];
            if with_hole {
                let rmin = radii.iter().cloned().fold(f64::INFINITY, f64::min);
                // A square hole inside the disk that every edge stays out of (an edge between
                // vertices at radius >= rmin, 2π/n apart, is at least rmin·cos(π/n) from the
                // centre), reversed.
                let n = radii.len() as f64;
                let h = 0.9 * rmin * (std::f64::consts::PI / n).cos() / std::f64::consts::SQRT_2;
                rings.push(vec![
                    [cx - h, cy - h],
                    [cx - h, cy + h],
                    [cx + h, cy + h],
                    [cx + h, cy - h],
                ]);
            }
            rings
        })
}

fn rasterise(rings: &[Vec<[f64; 2]>], win: PixelWindow, touched: bool) -> Mask {
    let mut r = CoverageRasterizer::new();
    for ring in rings {
        r.add_ring(ring).unwrap();
    }
    let mut m = Mask::new(win.width, win.height);
    if touched {
        r.touched(win, &mut m);
    } else {
        r.coverage(win, &mut m);
    }
    m
}

fn window(x0: i64, y0: i64, w: u32, h: u32) -> PixelWindow {
    PixelWindow {
        x0,
        y0,
        width: w,
        height: h,
    }
}

/// Offsets from a pixel line that probe the 1/4096 px vertex snapping: on the line, a hair
/// either side, half a snap unit and about one snap unit either side.
const HAIRS: [f64; 10] = [
    0.0,
    1e-9,
    -1e-9,
    1e-6,
    -1e-6,
    1.0 / 8192.0,
    -1.0 / 8192.0,
    1.0 / 4096.0 - 1e-9,
    -1.0 / 4096.0,
    -1.0 / 4096.0 - 1e-9,
];

/// `v` itself, or the nearest pixel line plus one of [`HAIRS`].
fn nudge(v: f64, hair: Option<usize>) -> f64 {
    match hair {
        None => v,
        Some(k) => v.round() + HAIRS[k],
    }
}

/// A position in `0..span`, on or a hair off a pixel line (each coordinate) half of the time.
fn hard_point(span: f64) -> impl Strategy<Value = [f64; 2]> {
    let hair = || prop::option::weighted(0.5, 0..HAIRS.len());
    (0.0..span, 0.0..span, hair(), hair()).prop_map(|(x, y, hx, hy)| [nudge(x, hx), nudge(y, hy)])
}

/// Polygons that enter pixels by very little, inside `0..span`:
/// * stars (with a hole or not) whose vertices sit on or a hair off pixel lines and corners;
/// * slivers: triangles 1e-9 to 1e-3 px thick;
/// * hairs: triangles whose apex crosses a pixel line by one of [`HAIRS`] (or stops short);
/// * sub-pixel triangles, 1e-7 to 0.3 px across;
/// * rectangles whose sides lie on or a hair off pixel lines.
fn hard_polygon_strategy(span: f64) -> impl Strategy<Value = Vec<Vec<[f64; 2]>>> {
    let stars = (polygon_strategy(span), any::<u64>()).prop_map(|(rings, bits)| {
        let mut k = bits;
        rings
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|p| {
                        k = k.rotate_left(7) ^ 0x9E37_79B9_7F4A_7C15;
                        let hair = |s: u64| {
                            s.is_multiple_of(3)
                                .then_some((s / 3) as usize % HAIRS.len())
                        };
                        [
                            nudge(p[0], hair(k & 0xFFFF)),
                            nudge(p[1], hair(k >> 16 & 0xFFFF)),
                        ]
                    })
                    .collect()
            })
            .collect()
    });
    let slivers = (
        hard_point(span),
        hard_point(span),
        prop::sample::select(vec![1e-9, 1e-6, 1e-3]),
    )
        .prop_map(|(p, q, w)| {
            let (dx, dy) = (q[0] - p[0], q[1] - p[1]);
            let len = dx.hypot(dy).max(1e-12);
            let m = [
                0.5 * (p[0] + q[0]) - dy / len * w,
                0.5 * (p[1] + q[1]) + dx / len * w,
            ];
            vec![vec![p, q, m]]
        });
    let hairs = (
        2.0..span - 2.0,
        (2u32..span as u32 - 2),
        0..HAIRS.len(),
        any::<bool>(),
        any::<bool>(),
        0.3..6.0f64,
        0.2..4.0f64,
    )
        .prop_map(|(along, line, hair, vertical, from_below, depth, half)| {
            // The apex is `HAIRS[hair]` past the line, on the side away from the base.
            let s = if from_below { 1.0 } else { -1.0 };
            let apex = f64::from(line) + s * HAIRS[hair];
            let base = f64::from(line) - s * depth;
            let tri = [[apex, along], [base, along - half], [base, along + half]];
            let tri = if vertical {
                tri
            } else {
                tri.map(|p| [p[1], p[0]])
            };
            vec![tri.to_vec()]
        });
    let tiny = (
        hard_point(span),
        prop::sample::select(vec![1e-7, 1e-4, 0.01, 0.3]),
        0.0..6.3f64,
    )
        .prop_map(|(p, size, a)| {
            let (s, c) = a.sin_cos();
            vec![vec![
                p,
                [p[0] + size * c, p[1] + size * s],
                [p[0] - size * s * 0.5, p[1] + size * c * 0.5],
            ]]
        });
    let rects = (hard_point(span), hard_point(span))
        .prop_map(|(p, q)| vec![vec![p, [q[0], p[1]], q, [p[0], q[1]]]]);
    prop_oneof![stars, slivers, hairs, tiny, rects]
}

/// Whether a vertex lies in the window's pixels (then some pixel meets the polygon).
fn has_vertex_in(rings: &[Vec<[f64; 2]>], win: PixelWindow) -> bool {
    let (x1, y1) = (
        win.x0 + i64::from(win.width),
        win.y0 + i64::from(win.height),
    );
    rings.iter().flatten().any(|p| {
        p[0] >= win.x0 as f64 && p[0] <= x1 as f64 && p[1] >= win.y0 as f64 && p[1] <= y1 as f64
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        rng_seed: RngSeed::Fixed(0x7261_7374_6572),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// Every pixel is within 2/255 of the exact area of its square inside the polygon.
    #[test]
    fn coverage_matches_exact_oracle(rings in polygon_strategy(24.0), ox in -3i64..3, oy in -3i64..3) {
        let win = window(ox, oy, 24, 24);
        let m = rasterise(&rings, win, false);
        let exact = oracle::coverage(&rings, win);
        for (i, (&got, &want)) in m.as_bytes().iter().zip(&exact).enumerate() {
            let got = f64::from(got) / 255.0;
            prop_assert!((got - want).abs() <= 2.0 / 255.0,
                "pixel ({}, {}): got {got}, exact {want}", i % 24, i / 24);
        }
    }

    /// The sum of the coverage equals the polygon's area when it lies inside the window.
    #[test]
    fn coverage_sum_equals_area(rings in polygon_strategy(40.0)) {
        let win = window(-40, -40, 120, 120);
        let m = rasterise(&rings, win, false);
        let area: f64 = rings.iter().map(|r| oracle::ring_area(r)).sum::<f64>().abs();
        let edge_px = rasterise(&rings, win, true).count_nonzero() as f64;
        // Rounding to 1/255 per pixel, only on pixels that an edge crosses.
        let tol = edge_px * 0.5 / 255.0 + 1e-6 * area + 0.01;
        prop_assert!((m.area_px() - area).abs() <= tol, "sum {} vs area {area} (tol {tol})", m.area_px());
    }

    /// The masks of four adjacent windows equal the mask of the window that covers them, byte
    /// for byte, for both kinds; also far from the origin (world pixels of a deep zoom).
    #[test]
    fn stitching_2x2(rings in polygon_strategy(64.0), far in any::<bool>(), touched in any::<bool>()) {
        let base: i64 = if far { (1i64 << 38) + 12345 } else { 0 };
        let rings: Vec<Vec<[f64; 2]>> = rings
            .iter()
            .map(|r| r.iter().map(|p| [p[0] + base as f64 - 16.0, p[1] + base as f64 - 16.0]).collect())
            .collect();
        let t = 32u32;
        let block = rasterise(&rings, window(base, base, 2 * t, 2 * t), touched);
        for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let tile = rasterise(&rings, window(base + i * t as i64, base + j * t as i64, t, t), touched);
            prop_assert_eq!(&tile, &block.crop(i as u32 * t, j as u32 * t, t, t));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0x74_6f75_6368_6564),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// The touched mask is exactly the pixels whose closed square meets the closed polygon, up
    /// to the 1/4096 px snapping: it contains every such pixel (however little the polygon
    /// enters it: a leak otherwise) and every pixel with coverage, and each pixel it marks is
    /// within 4 snap units of the polygon. Hard cases, near the origin and far from it.
    #[test]
    fn touched_is_the_pixels_meeting_the_polygon(
        rings in hard_polygon_strategy(24.0),
        far in any::<bool>(),
        ox in 0i64..3,
        oy in 0i64..3,
    ) {
        let base: i64 = if far { (1i64 << 30) + 777 } else { 0 };
        let rings: Vec<Vec<[f64; 2]>> = rings
            .iter()
            .map(|r| r.iter().map(|p| [p[0] + base as f64, p[1] + base as f64]).collect())
            .collect();
        let n = 30u32;
        let win = window(base - 3 + ox, base - 3 + oy, n, n);
        let t = rasterise(&rings, win, true);
        let c = rasterise(&rings, win, false);
        let meets = oracle::meeting_mask(&rings, win, 0.0);
        let near = oracle::meeting_mask(&rings, win, 4.0 / 4096.0);
        prop_assert!(meets.count_nonzero() > 0 || !has_vertex_in(&rings, win), "no pixel meets the polygon");
        for (i, (((&tv, &cv), &m), &nv)) in t
            .as_bytes()
            .iter()
            .zip(c.as_bytes())
            .zip(meets.as_bytes())
            .zip(near.as_bytes())
            .enumerate()
        {
            let (x, y) = (win.x0 - base + (i % n as usize) as i64, win.y0 - base + (i / n as usize) as i64);
            prop_assert!(tv == 0 || tv == 255);
            prop_assert!(m == 0 || tv == 255, "pixel ({x}, {y}) meets the polygon but is not touched");
            prop_assert!(cv == 0 || tv == 255, "pixel ({x}, {y}): coverage {cv} but not touched");
            prop_assert!(tv == 0 || nv == 255, "pixel ({x}, {y}) touched but the polygon is not near it");
        }
    }

    /// Touched masks of hard cases stitch byte for byte.
    #[test]
    fn touched_stitching_2x2(rings in hard_polygon_strategy(32.0), far in any::<bool>()) {
        let base: i64 = if far { (1i64 << 38) + 12345 } else { 0 };
        let rings: Vec<Vec<[f64; 2]>> = rings
            .iter()
            .map(|r| r.iter().map(|p| [p[0] + base as f64, p[1] + base as f64]).collect())
            .collect();
        let (t, o) = (17u32, base - 1);
        let block = rasterise(&rings, window(o, o, 2 * t, 2 * t), true);
        prop_assert!(block.count_nonzero() > 0 || !has_vertex_in(&rings, window(o, o, 2 * t, 2 * t)));
        for (i, j) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let tile = rasterise(&rings, window(o + i * t as i64, o + j * t as i64, t, t), true);
            prop_assert_eq!(&tile, &block.crop(i as u32 * t, j as u32 * t, t, t));
        }
    }
}

#[test]
fn polygon_smaller_than_a_pixel_marks_its_pixel() {
    // 1e-6 px wide triangle inside pixel (5, 7)
    let tiny = vec![[5.3, 7.3], [5.300001, 7.3], [5.300001, 7.300001]];
    let t = rasterise(std::slice::from_ref(&tiny), window(0, 0, 16, 16), true);
    assert_eq!(t.count_nonzero(), 1);
    assert_eq!(t.get(5, 7), 255);
    let c = rasterise(&[tiny], window(0, 0, 16, 16), false);
    assert!(c.is_clear(), "area 5e-13 px rounds to 0");
}

/// A zone that enters a pixel by less than the 1/4096 px snap, from the left and from above,
/// and one whose vertex sits exactly on a pixel corner: the pixels they meet are touched.
#[test]
fn hairs_below_the_snap_touch_their_pixels() {
    let from_left = vec![[5.0 + 1e-6, 3.5], [2.0, 2.0], [2.0, 5.0]];
    let t = rasterise(&[from_left], window(0, 0, 8, 8), true);
    assert_eq!(t.get(5, 3), 255, "entered by 1e-6 px from the left");
    assert_eq!(t.get(6, 3), 0);
    let from_above = vec![[3.5, 5.0 + 1e-6], [2.0, 2.0], [5.0, 2.0]];
    let t = rasterise(&[from_above], window(0, 0, 8, 8), true);
    assert_eq!(t.get(3, 5), 255, "entered by 1e-6 px from above");
    assert_eq!(t.get(3, 6), 0);
    // Vertex on the corner (5, 5), the polygon up and to the right of it: the four pixels
    // around the corner meet it.
    let corner = vec![[5.0, 5.0], [7.0, 4.5], [7.5, 1.0]];
    let t = rasterise(&[corner], window(0, 0, 8, 8), true);
    for (x, y) in [(4, 4), (5, 4), (4, 5), (5, 5)] {
        assert_eq!(t.get(x, y), 255, "pixel ({x}, {y}) at the corner");
    }
    assert_eq!(t.get(3, 4), 0);
}

/// Edges millions of pixels long (the rasteriser's wide-integer path) that pass a pixel
/// corner on the diagonal by a hair, either side: every pixel they meet is touched.
#[test]
fn long_edges_a_hair_off_pixel_corners_touch_their_pixels() {
    let win = window(-8, -8, 16, 16);
    let mut checked = 0;
    for &hair in &HAIRS {
        for above in [false, true] {
            let l = 2e6;
            // The diagonal y = x + hair, and the polygon on one side of it.
            let tri = if above {
                vec![[-l, -l + hair], [l, l + hair], [-l, l]]
            } else {
                vec![[-l, -l + hair], [l, -l], [l, l + hair]]
            };
            let rings = [tri];
            let t = rasterise(&rings, win, true);
            let meets = oracle::meeting_mask(&rings, win, 0.0);
            for (i, (&tv, &m)) in t.as_bytes().iter().zip(meets.as_bytes()).enumerate() {
                assert!(
                    m == 0 || tv == 255,
                    "hair {hair}, above {above}: pixel {i} meets but is not touched"
                );
            }
            checked += meets.count_nonzero();
        }
    }
    assert!(checked > 2 * HAIRS.len() * 100, "{checked}");
}
