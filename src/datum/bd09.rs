//! BD-09: Baidu's further offset on top of GCJ-02, as a straightforward scalar formula (the
//! reference), and its inverse by a fixed number of refinements.
//!
//! Like GCJ-02, BD-09 is a published, invertible obfuscation, not a protection.

use std::f64::consts::PI;

/// `pi * 3000 / 180`, the constant of the BD-09 formula.
pub(crate) const X_PI: f64 = PI * 3000.0 / 180.0;
/// Longitude shift of BD-09, degrees.
pub(crate) const LON_SHIFT: f64 = 0.0065;
/// Latitude shift of BD-09, degrees.
pub(crate) const LAT_SHIFT: f64 = 0.006;
/// Radial wobble amplitude, degrees.
pub(crate) const RADIAL: f64 = 0.000_02;
/// Angular wobble amplitude, radians.
pub(crate) const ANGULAR: f64 = 0.000_003;

/// Refinement steps of the inverse after the classic one-step estimate; each step shrinks the
/// error about 50-fold, so three bring it below 1e-12 degrees in the region.
pub(crate) const INVERSE_REFINEMENTS: usize = 3;

/// GCJ-02 to BD-09, as published.
pub(crate) fn forward(lon: f64, lat: f64) -> (f64, f64) {
    let (x, y) = (lon, lat);
    let z = (x * x + y * y).sqrt() + RADIAL * (y * X_PI).sin();
    let theta = y.atan2(x) + ANGULAR * (x * X_PI).cos();
    (z * theta.cos() + LON_SHIFT, z * theta.sin() + LAT_SHIFT)
}

/// The classic one-step BD-09 to GCJ-02 estimate.
fn estimate(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - LON_SHIFT;
    let y = lat - LAT_SHIFT;
    let z = (x * x + y * y).sqrt() - RADIAL * (y * X_PI).sin();
    let theta = y.atan2(x) - ANGULAR * (x * X_PI).cos();
    (z * theta.cos(), z * theta.sin())
}

/// BD-09 to GCJ-02: the classic estimate, then a fixed number of refinements
/// `g <- g - (forward(g) - b)`.
pub(crate) fn inverse(lon: f64, lat: f64) -> (f64, f64) {
    let (mut gl, mut gt) = estimate(lon, lat);
    for _ in 0..INVERSE_REFINEMENTS {
        let (bl, bt) = forward(gl, gt);
        gl -= bl - lon;
        gt -= bt - lat;
    }
    (gl, gt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let (bl, bt) = forward(116.41024449916938, 39.91640428150164);
        assert!((bl - 116.41662724378733).abs() < 1e-12);
        assert!((bt - 39.922699552216216).abs() < 1e-12);
        let (gl, gt) = inverse(bl, bt);
        assert!((gl - 116.41024449916938).abs() < 1e-12);
        assert!((gt - 39.91640428150164).abs() < 1e-12);
    }
}
