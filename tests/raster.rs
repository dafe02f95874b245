//! Properties of the exact-area rasteriser: per-pixel exactness against a slow exact oracle,
//! area conservation, stitching of adjacent windows, and touched ⊇ coverage.

use proptest::prelude::*;
use tileredact::{CoverageRasterizer, Mask, PixelWindow};

/// Signed area of a ring (shoelace), positive for counter-clockwise with y up.
fn ring_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        let a = ring[i];
        let b = ring[(i + 1) % n];
        s += a[0] * b[1] - b[0] * a[1];
    }
    0.5 * s
}

/// Sutherland–Hodgman clip of a ring to the half-plane `keep(p)`; returns the clipped ring.
/// Degenerate edges along the clip line do not change the signed area.
fn clip(
    ring: &[[f64; 2]],
    inside: impl Fn([f64; 2]) -> bool,
    cut: impl Fn([f64; 2], [f64; 2]) -> [f64; 2],
) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(ring.len() + 4);
    let n = ring.len();
    for i in 0..n {
        let cur = ring[i];
        let prev = ring[(i + n - 1) % n];
        match (inside(prev), inside(cur)) {
            (true, true) => out.push(cur),
            (true, false) => out.push(cut(prev, cur)),
            (false, true) => {
                out.push(cut(prev, cur));
                out.push(cur);
            }
            (false, false) => {}
        }
    }
    out
}

fn clip_to_square(ring: &[[f64; 2]], x0: f64, y0: f64) -> Vec<[f64; 2]> {
    let at_x = |x: f64| {
        move |a: [f64; 2], b: [f64; 2]| {
            let t = (x - a[0]) / (b[0] - a[0]);
            [x, a[1] + t * (b[1] - a[1])]
        }
    };
    let at_y = |y: f64| {
        move |a: [f64; 2], b: [f64; 2]| {
            let t = (y - a[1]) / (b[1] - a[1]);
            [a[0] + t * (b[0] - a[0]), y]
        }
    };
    let r = clip(ring, |p| p[0] >= x0, at_x(x0));
    let r = clip(&r, |p| p[0] <= x0 + 1.0, at_x(x0 + 1.0));
    let r = clip(&r, |p| p[1] >= y0, at_y(y0));
    clip(&r, |p| p[1] <= y0 + 1.0, at_y(y0 + 1.0))
}

/// The exact coverage of one pixel by a polygon given as rings (shell and holes with opposite
/// orientations), by clipping every ring to the pixel square.
fn exact_pixel(rings: &[Vec<[f64; 2]>], x0: f64, y0: f64) -> f64 {
    let s: f64 = rings
        .iter()
        .map(|r| ring_area(&clip_to_square(r, x0, y0)))
        .sum();
    s.abs().min(1.0)
}

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

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every pixel is within 2/255 of the exact area of its square inside the polygon.
    #[test]
    fn coverage_matches_exact_oracle(rings in polygon_strategy(24.0), ox in -3i64..3, oy in -3i64..3) {
        let win = window(ox, oy, 24, 24);
        let m = rasterise(&rings, win, false);
        for y in 0..24u32 {
            for x in 0..24u32 {
                let exact = exact_pixel(&rings, (ox + x as i64) as f64, (oy + y as i64) as f64);
                let got = f64::from(m.get(x, y)) / 255.0;
                prop_assert!((got - exact).abs() <= 2.0 / 255.0,
                    "pixel ({x},{y}): got {got}, exact {exact}");
            }
        }
    }

    /// The sum of the coverage equals the polygon's area when it lies inside the window.
    #[test]
    fn coverage_sum_equals_area(rings in polygon_strategy(40.0)) {
        let win = window(-40, -40, 120, 120);
        let m = rasterise(&rings, win, false);
        let area: f64 = rings.iter().map(|r| ring_area(r)).sum::<f64>().abs();
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

    /// A pixel with any coverage is touched; a touched pixel lies within one pixel of the
    /// polygon's bounding box.
    #[test]
    fn touched_contains_coverage(rings in polygon_strategy(24.0)) {
        let win = window(0, 0, 24, 24);
        let c = rasterise(&rings, win, false);
        let t = rasterise(&rings, win, true);
        for (i, (&cv, &tv)) in c.as_bytes().iter().zip(t.as_bytes()).enumerate() {
            prop_assert!(cv == 0 || tv == 255, "pixel {i}: coverage {cv} but not touched");
            prop_assert!(tv == 0 || tv == 255);
            if tv == 255 {
                let (x, y) = ((i % 24) as f64, (i / 24) as f64);
                let exact = exact_pixel(&rings, x, y);
                // touched without area only happens on the boundary of the square
                let near = rings[0].iter().any(|p| p[0] >= x - 1.0 && p[0] <= x + 2.0 && p[1] >= y - 1.0 && p[1] <= y + 2.0);
                prop_assert!(exact > 0.0 || near || {
                    // an edge passes through the square: its closed square meets the polygon
                    let grown = exact_pixel(&rings, x - 0.001, y - 0.001).max(exact_pixel(&rings, x + 0.001, y + 0.001));
                    grown > 0.0
                }, "pixel ({x},{y}) touched but far from the polygon");
            }
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
