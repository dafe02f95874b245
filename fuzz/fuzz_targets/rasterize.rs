//! A few rings of up to 64 positions over a small window: `coverage` and `touched` never panic,
//! and every pixel with coverage is touched (`touched` is conservative).
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
    for (i, (&c, &t)) in coverage.as_bytes().iter().zip(touched.as_bytes()).enumerate() {
        assert!(t == 0 || t == 255, "pixel {i}: touched is {t}, expected 0 or 255");
        assert!(c == 0 || t == 255, "pixel {i}: coverage {c} but not touched");
    }
});
