//! A few rings of up to 64 positions over a small window: `coverage` and `touched` never panic,
//! and every pixel with coverage is touched (`touched` is conservative). The first three
//! positions, as a triangle alone, give a coverage whose sum is the exact area of the triangle
//! inside the window, within the rounding of the pixels its edges cross.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use tileredact::{CoverageRasterizer, Mask, PixelWindow};

#[derive(Arbitrary, Debug)]
enum Position {
    /// Fixed point, 1/256 px steps over -64..192: lands on pixel corners and edges often.
    Grid(u16, u16),
    /// Any f64, NaN, infinities and huge values included (`add_ring` must reject those).
    Raw(f64, f64),
}

impl Position {
    fn px(&self) -> [f64; 2] {
        match *self {
            Position::Grid(x, y) => [f64::from(x) / 256.0 - 64.0, f64::from(y) / 256.0 - 64.0],
            Position::Raw(x, y) => [x, y],
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    x0: i8,
    y0: i8,
    width: u8,
    height: u8,
    rings: Vec<Vec<Position>>,
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let window = PixelWindow {
        x0: input.x0.into(),
        y0: input.y0.into(),
        width: u32::from(input.width % 65),
        height: u32::from(input.height % 65),
    };
    let mut raster = CoverageRasterizer::new();
    for ring in input.rings.iter().take(4) {
        let ring: Vec<[f64; 2]> = ring.iter().take(64).map(Position::px).collect();
        // A ring with a bad position is rejected whole; that is the documented behaviour.
        let _ = raster.add_ring(&ring);
    }
    let mut coverage = Mask::new(window.width, window.height);
    let mut touched = Mask::new(window.width, window.height);
    raster.coverage(window, &mut coverage);
    raster.touched(window, &mut touched);
    for (i, (&c, &t)) in coverage
        .as_bytes()
        .iter()
        .zip(touched.as_bytes())
        .enumerate()
    {
        assert!(
            t == 0 || t == 255,
            "pixel {i}: touched is {t}, expected 0 or 255"
        );
        assert!(
            c == 0 || t == 255,
            "pixel {i}: coverage {c} but not touched"
        );
    }
    check_triangle_area(&input, window);
});

/// Shoelace area of a ring.
fn ring_area(r: &[[f64; 2]]) -> f64 {
    let n = r.len();
    (0..n)
        .map(|i| r[i][0] * r[(i + 1) % n][1] - r[(i + 1) % n][0] * r[i][1])
        .sum::<f64>()
        .abs()
        * 0.5
}

/// Clips a convex ring to the half-plane `inside`, cutting edges with `cut`.
fn clip(
    r: &[[f64; 2]],
    inside: impl Fn([f64; 2]) -> bool,
    cut: impl Fn([f64; 2], [f64; 2]) -> [f64; 2],
) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for i in 0..r.len() {
        let (p, c) = (r[(i + r.len() - 1) % r.len()], r[i]);
        match (inside(p), inside(c)) {
            (true, true) => out.push(c),
            (true, false) => out.push(cut(p, c)),
            (false, true) => {
                out.push(cut(p, c));
                out.push(c);
            }
            (false, false) => {}
        }
    }
    out
}

fn check_triangle_area(input: &Input, window: PixelWindow) {
    let Some(ring) = input.rings.first() else {
        return;
    };
    let tri: Vec<[f64; 2]> = ring.iter().take(3).map(Position::px).collect();
    if tri.len() < 3 || tri.iter().any(|p| !(p[0].abs() < 1e4 && p[1].abs() < 1e4)) {
        return;
    }
    let mut raster = CoverageRasterizer::new();
    raster.add_ring(&tri).expect("finite, small coordinates");
    let mut coverage = Mask::new(window.width, window.height);
    let mut touched = Mask::new(window.width, window.height);
    raster.coverage(window, &mut coverage);
    raster.touched(window, &mut touched);
    let (x0, y0) = (window.x0 as f64, window.y0 as f64);
    let (x1, y1) = (x0 + f64::from(window.width), y0 + f64::from(window.height));
    let at_x = |x: f64| {
        move |a: [f64; 2], b: [f64; 2]| [x, a[1] + (x - a[0]) / (b[0] - a[0]) * (b[1] - a[1])]
    };
    let at_y = |y: f64| {
        move |a: [f64; 2], b: [f64; 2]| [a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]), y]
    };
    let r = clip(&tri, |p| p[0] >= x0, at_x(x0));
    let r = clip(&r, |p| p[0] <= x1, at_x(x1));
    let r = clip(&r, |p| p[1] >= y0, at_y(y0));
    let r = clip(&r, |p| p[1] <= y1, at_y(y1));
    let exact = if r.len() >= 3 { ring_area(&r) } else { 0.0 };
    // Each touched pixel rounds to 1/255; vertices snap by 1/4096 px.
    let edge_px = touched.count_nonzero() as f64;
    let tol = edge_px * (0.5 / 255.0 + 0.002) + 1e-6;
    assert!(
        (coverage.area_px() - exact).abs() <= tol,
        "triangle {tri:?} in {window:?}: coverage {} vs exact {exact} (tol {tol})",
        coverage.area_px()
    );
}
