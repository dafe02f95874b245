//! Any batch of f64 pairs through any datum transform: an error naming the point, or finite
//! output for every point; the batch path equals the one-point reference within 1e-9 degrees.
#![no_main]

use tileredact::{Datum, DatumTransform, Region};

libfuzzer_sys::fuzz_target!(|input: (u8, u8, u8, Vec<(f64, f64)>)| {
    let (from, to, region, points) = input;
    let datum = |v: u8| Datum::ALL[usize::from(v) % Datum::ALL.len()];
    let region =
        [Region::Everywhere, Region::BoundingBox, Region::Polygon][usize::from(region) % 3];
    let t = DatumTransform::new(datum(from), datum(to)).with_region(region);
    let mut batch: Vec<[f64; 2]> = points.iter().map(|&(lon, lat)| [lon, lat]).collect();
    if t.apply(&mut batch).is_ok() {
        for (out, &(lon, lat)) in batch.iter().zip(&points) {
            let (rlon, rlat) = t.point(lon, lat).expect("the batch accepted this point");
            assert!(out[0].is_finite() && out[1].is_finite());
            assert!((out[0] - rlon).abs() <= 1e-9 && (out[1] - rlat).abs() <= 1e-9);
        }
    }
});
