//! Ground-distance helpers shared by the integration tests: independent of the crate (they
//! never call it), written from the textbook formulas.

/// Destination point on a sphere of radius `radius` (the spherical direct problem): from
/// `(lon, lat)` degrees, `dist` metres along the great circle with initial azimuth `azimuth`
/// (degrees clockwise from north).
pub fn sphere_destination(lon: f64, lat: f64, azimuth: f64, dist: f64, radius: f64) -> (f64, f64) {
    let (phi1, lam1, theta) = (lat.to_radians(), lon.to_radians(), azimuth.to_radians());
    let delta = dist / radius;
    let phi2 = (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * theta.cos()).asin();
    let lam2 = lam1
        + (theta.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * phi2.sin());
    (lam2.to_degrees(), phi2.to_degrees())
}

/// A point of the zone's boundary: zone edges are straight in Web Mercator (rhumb lines),
/// so interpolate there (spherical Mercator, written out here).
pub fn on_edge(a: [f64; 2], b: [f64; 2], t: f64) -> (f64, f64) {
    use std::f64::consts::FRAC_PI_4;
    let y = |lat: f64| (FRAC_PI_4 + lat.to_radians() / 2.0).tan().ln();
    let yt = (1.0 - t) * y(a[1]) + t * y(b[1]);
    let lat = (2.0 * yt.exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    ((1.0 - t) * a[0] + t * b[0], lat)
}
