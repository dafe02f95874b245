//! A few rings of up to 64 positions over a small window: `coverage` and `touched` never panic,
//! `touched` is 0 or 255 and contains every pixel with coverage and every pixel whose closed
//! square meets the rings (`tileredact::oracle::meeting_mask`, exact). The first three
//! positions, as a triangle alone, give a coverage whose sum is the exact area of the triangle
//! inside the window (`tileredact::oracle::rect_area`), within the rounding of the pixels its
//! edges cross.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use tileredact::{CoverageRasterizer, Mask, PixelWindow, oracle};

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

/// Coordinates the exact oracle handles without underflow, within real world-pixel ranges.
fn oracle_friendly(v: f64) -> bool {
    v == 0.0 || (v.abs() >= 2f64.powi(-30) && v.abs() <= 2f64.powi(32))
}

libfuzzer_sys::fuzz_target!(|input: Input| {
    let window = PixelWindow {
        x0: input.x0.into(),
        y0: input.y0.into(),
        width: u32::from(input.width % 65),
        height: u32::from(input.height % 65),
    };
    let mut raster = CoverageRasterizer::new();
    // The rings the rasteriser took (a ring with a bad position is rejected whole, the
    // documented behaviour; one of a single position adds nothing).
    let mut taken = Vec::new();
    for ring in input.rings.iter().take(4) {
        let ring: Vec<[f64; 2]> = ring.iter().take(64).map(Position::px).collect();
        if raster.add_ring(&ring).is_ok() && ring.len() >= 2 {
            taken.push(ring);
        }
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
    if taken
        .iter()
        .flatten()
        .all(|p| p.iter().all(|&v| oracle_friendly(v)))
    {
        let meets = oracle::meeting_mask(&taken, window, 0.0);
        for (i, (&m, &t)) in meets.as_bytes().iter().zip(touched.as_bytes()).enumerate() {
            assert!(
                m == 0 || t == 255,
                "pixel {i} meets the rings but is not touched"
            );
        }
    }
    check_triangle_area(&input, window);
});

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
    let exact = oracle::rect_area(&[tri.as_slice()], x0, y0, x1, y1).abs();
    // Each touched pixel rounds to 1/255; vertices snap by 1/4096 px.
    let edge_px = touched.count_nonzero() as f64;
    let tol = edge_px * (0.5 / 255.0 + 0.002) + 1e-6;
    assert!(
        (coverage.area_px() - exact).abs() <= tol,
        "triangle {tri:?} in {window:?}: coverage {} vs exact {exact} (tol {tol})",
        coverage.area_px()
    );
}
