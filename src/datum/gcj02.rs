//! GCJ-02: the straightforward scalar formula (the reference every fast path is checked
//! against) and its inverse by a fixed number of refinements.
//!
//! GCJ-02 adds a smooth, published offset of up to about 700 m to WGS-84 positions. It is an
//! obfuscation required for display by the law of one country, not a protection: the formula
//! is public and the inverse below recovers WGS-84 to far below a millimetre.

use std::f64::consts::PI;

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by the GCJ-02 formula, in metres.
pub(crate) const A: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid.
#[allow(clippy::excessive_precision)]
pub(crate) const EE: f64 = 0.006_693_421_622_965_943_23;

/// Refinement steps of the inverse after its first estimate. The error contracts by about
/// 1/100 per step (less near longitude 105, where the `sqrt(|lon - 105|)` term is steep), so
/// three steps bring the worst case in the region far below the required 1e-8 degrees (the
/// tests sweep the region and assert it).
pub(crate) const INVERSE_REFINEMENTS: usize = 3;

fn transform_lat(x: f64, y: f64) -> f64 {
    let mut ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    ret
}

fn transform_lon(x: f64, y: f64) -> f64 {
    let mut ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    ret += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    ret += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    ret += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    ret
}

/// The GCJ-02 offset (dlon, dlat) in degrees at a WGS-84 position, as published.
pub(crate) fn offset(lon: f64, lat: f64) -> (f64, f64) {
    let x = lon - 105.0;
    let y = lat - 35.0;
    let dlat = transform_lat(x, y);
    let dlon = transform_lon(x, y);
    let radlat = lat / 180.0 * PI;
    let s = radlat.sin();
    let magic = 1.0 - EE * s * s;
    let sqrtmagic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * PI);
    let dlon = (dlon * 180.0) / (A / sqrtmagic * radlat.cos() * PI);
    (dlon, dlat)
}

/// WGS-84 to GCJ-02 without a region test.
pub(crate) fn forward(lon: f64, lat: f64) -> (f64, f64) {
    let (dlon, dlat) = offset(lon, lat);
    (lon + dlon, lat + dlat)
}

/// GCJ-02 to WGS-84 without a region test: solves `w + offset(w) = g` by the fixed-point
/// iteration `w <- g - offset(w)`, a fixed number of times (no open-ended loop).
pub(crate) fn inverse(lon: f64, lat: f64) -> (f64, f64) {
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..=INVERSE_REFINEMENTS {
        let (dlon, dlat) = offset(wlon, wlat);
        wlon = lon - dlon;
        wlat = lat - dlat;
    }
    (wlon, wlat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_vector() {
        let (lon, lat) = forward(116.404, 39.915);
        assert!((lon - 116.41024449916938).abs() < 1e-12);
        assert!((lat - 39.91640428150164).abs() < 1e-12);
        let (wl, wt) = inverse(lon, lat);
        assert!((wl - 116.404).abs() < 1e-11 && (wt - 39.915).abs() < 1e-11);
    }
}
