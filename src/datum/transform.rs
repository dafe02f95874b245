//! [`Datum`] and [`DatumTransform`]: what each datum means, the single-point transforms (the
//! straightforward scalar reference) and the free functions.
//!
//! Every datum is a function of the WGS-84 position `w`, with the region tested on `w`:
//!
//! * `gcj02(w) = F(w)` if the region contains `w` for GCJ-02, else `w`;
//! * `bd09(w) = B(F(w))` if the region contains `w` for BD-09, else `w`
//!   (`F`: the GCJ-02 formula, `B`: the BD-09 formula on a GCJ-02 position).
//!
//! A transform from datum X to datum Y is `Y(X⁻¹(p))`, where the inverse first solves the
//! formula (fixed-count refinement) and keeps the solution only if the region contains it;
//! otherwise `p` was not offset and is its own WGS-84 position. Within about 1 km outside the
//! region edge a position can be both an unshifted outside point and the image of an inside
//! point; the inverse then prefers the inside point (the round trip of outside points there is
//! not the identity; no other choice is possible).

use std::fmt;
use std::str::FromStr;

use super::region::{Region, RegionTest};
use super::{bd09, gcj02};
use crate::error::{Error, Result};

/// A geodetic datum of web maps. The numbers are stable (for the C ABI).
///
/// ```
/// use tileredact::Datum;
/// assert_eq!("GCJ-02".parse::<Datum>().unwrap(), Datum::Gcj02);
/// assert_eq!(Datum::Bd09.to_string(), "bd09");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Datum {
    /// WGS-84 longitude/latitude (GPS, OpenStreetMap, GeoJSON).
    Wgs84 = 0,
    /// GCJ-02 ("Mars coordinates"): the offset that maps of mainland China must display.
    Gcj02 = 1,
    /// BD-09: Baidu's further offset on top of GCJ-02.
    Bd09 = 2,
}

impl Datum {
    /// Every datum, in number order.
    pub const ALL: [Datum; 3] = [Datum::Wgs84, Datum::Gcj02, Datum::Bd09];

    /// The name used by [`FromStr`] and [`fmt::Display`]: `wgs84`, `gcj02`, `bd09`.
    pub const fn name(self) -> &'static str {
        match self {
            Datum::Wgs84 => "wgs84",
            Datum::Gcj02 => "gcj02",
            Datum::Bd09 => "bd09",
        }
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Datum {
    type Err = Error;

    /// Parses `wgs84`, `gcj02` or `bd09` in any case, with or without a `-` (also `epsg:4326`).
    fn from_str(s: &str) -> Result<Self> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], "")
            .as_str()
        {
            "wgs84" | "epsg:4326" => Ok(Datum::Wgs84),
            "gcj02" => Ok(Datum::Gcj02),
            "bd09" | "bd09ll" => Ok(Datum::Bd09),
            _ => Err(Error::param(
                "datum",
                format!("{s:?}; expected wgs84, gcj02 or bd09"),
            )),
        }
    }
}

/// A transform between two datums with a [`Region`] (default [`Region::Polygon`]).
///
/// [`DatumTransform::point`] is the straightforward scalar formula (the reference);
/// [`DatumTransform::apply`] and [`DatumTransform::apply_split`] are the fast batch paths,
/// equal to it within 1e-12 degrees. Inverses use a fixed number of refinements and recover
/// the position within 1e-8 degrees (in practice about 1e-11) everywhere in the region.
///
/// GCJ-02 and BD-09 are obfuscations required for display, fully invertible, and no
/// protection of any kind.
///
/// # Examples
///
/// ```
/// use tileredact::{Datum, DatumTransform};
///
/// let to_gcj = DatumTransform::new(Datum::Wgs84, Datum::Gcj02);
/// let (lon, lat) = to_gcj.point(116.404, 39.915).unwrap();
/// assert!((lon - 116.41024449916938).abs() < 1e-9 && (lat - 39.91640428150164).abs() < 1e-9);
///
/// let mut pts = [[116.404, 39.915], [2.35, 48.85]]; // Beijing, Paris (outside: unchanged)
/// to_gcj.apply(&mut pts).unwrap();
/// assert!((pts[0][0] - lon).abs() < 1e-12);
/// assert_eq!(pts[1], [2.35, 48.85]);
///
/// to_gcj.inverse().apply(&mut pts).unwrap();
/// assert!((pts[0][0] - 116.404).abs() < 1e-10 && (pts[0][1] - 39.915).abs() < 1e-10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatumTransform {
    pub(crate) from: Datum,
    pub(crate) to: Datum,
    pub(crate) region: Region,
}

impl DatumTransform {
    /// The transform from `from` to `to`, with [`Region::Polygon`].
    pub const fn new(from: Datum, to: Datum) -> Self {
        DatumTransform {
            from,
            to,
            region: Region::Polygon,
        }
    }

    /// The same transform with another region.
    pub const fn with_region(self, region: Region) -> Self {
        DatumTransform { region, ..self }
    }

    /// The transform in the other direction, same region.
    pub const fn inverse(self) -> Self {
        DatumTransform {
            from: self.to,
            to: self.from,
            region: self.region,
        }
    }

    /// Source datum.
    pub const fn from(&self) -> Datum {
        self.from
    }

    /// Target datum.
    pub const fn to(&self) -> Datum {
        self.to
    }

    /// Region where offsets apply.
    pub const fn region(&self) -> Region {
        self.region
    }

    /// Transforms one point (longitude, latitude in degrees) with the straightforward scalar
    /// formula.
    ///
    /// # Errors
    /// [`Error::InvalidCoordinate`] for non-finite input, longitude outside -180..=180 or
    /// latitude outside -90..=90.
    pub fn point(&self, lon: f64, lat: f64) -> Result<(f64, f64)> {
        crate::tile::check_lnglat(lon, lat)?;
        Ok(self.point_unchecked(lon, lat))
    }

    /// [`DatumTransform::point`] without validation: non-finite input is outside every
    /// region but [`Region::Everywhere`] and passes unchanged.
    pub(crate) fn point_unchecked(&self, lon: f64, lat: f64) -> (f64, f64) {
        let g = self.region.gcj_test();
        let b = self.region.bd_test();
        scalar(self.from, self.to, &g, &b, lon, lat)
    }
}

/// The reference semantics of every transform (see the module docs).
pub(crate) fn scalar(
    from: Datum,
    to: Datum,
    g: &RegionTest,
    b: &RegionTest,
    lon: f64,
    lat: f64,
) -> (f64, f64) {
    use Datum::*;
    let p = (lon, lat);
    let gcj_inv = |(x, y): (f64, f64)| gcj02::inverse(x, y);
    let bd_fwd = |(x, y): (f64, f64)| bd09::forward(x, y);
    let gcj_fwd = |(x, y): (f64, f64)| gcj02::forward(x, y);
    match (from, to) {
        (Wgs84, Gcj02) => {
            if g.contains(lon, lat) {
                gcj_fwd(p)
            } else {
                p
            }
        }
        (Gcj02, Wgs84) => {
            let c = gcj_inv(p);
            if g.contains(c.0, c.1) { c } else { p }
        }
        (Wgs84, Bd09) => {
            if b.contains(lon, lat) {
                bd_fwd(gcj_fwd(p))
            } else {
                p
            }
        }
        (Bd09, Wgs84) => {
            let c = gcj_inv(bd09::inverse(lon, lat));
            if b.contains(c.0, c.1) { c } else { p }
        }
        (Gcj02, Bd09) => {
            let c = gcj_inv(p);
            if g.contains(c.0, c.1) {
                bd_fwd(p)
            } else if b.contains(lon, lat) {
                bd_fwd(gcj_fwd(p))
            } else {
                p
            }
        }
        (Bd09, Gcj02) => {
            let d = bd09::inverse(lon, lat);
            let c = gcj_inv(d);
            if b.contains(c.0, c.1) {
                if g.contains(c.0, c.1) { d } else { c }
            } else if g.contains(lon, lat) {
                gcj_fwd(p)
            } else {
                p
            }
        }
        _ => p,
    }
}

/// WGS-84 to GCJ-02 in [`Region::Polygon`] (scalar). Points outside the region, and invalid
/// input, are returned unchanged.
///
/// ```
/// let (lon, lat) = tileredact::wgs84_to_gcj02(116.404, 39.915);
/// assert!((lon - 116.41024449916938).abs() < 1e-9 && (lat - 39.91640428150164).abs() < 1e-9);
/// assert_eq!(tileredact::wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
/// ```
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Wgs84, Datum::Gcj02).point_unchecked(lon, lat)
}

/// GCJ-02 to WGS-84 in [`Region::Polygon`] (scalar, fixed-count refinement, error below
/// 1e-8 degrees). Points outside the region, and invalid input, are returned unchanged.
///
/// ```
/// let (lon, lat) = tileredact::gcj02_to_wgs84(116.41024449916938, 39.91640428150164);
/// assert!((lon - 116.404).abs() < 1e-9 && (lat - 39.915).abs() < 1e-9);
/// ```
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Gcj02, Datum::Wgs84).point_unchecked(lon, lat)
}

/// GCJ-02 to BD-09 in [`Region::Polygon`] (scalar).
///
/// ```
/// let (lon, lat) = tileredact::gcj02_to_bd09(116.41024449916938, 39.91640428150164);
/// assert!((lon - 116.41662724378733).abs() < 1e-9 && (lat - 39.922699552216216).abs() < 1e-9);
/// ```
pub fn gcj02_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Gcj02, Datum::Bd09).point_unchecked(lon, lat)
}

/// BD-09 to GCJ-02 in [`Region::Polygon`] (scalar, fixed-count refinement).
///
/// ```
/// let (lon, lat) = tileredact::bd09_to_gcj02(116.41662724378733, 39.922699552216216);
/// assert!((lon - 116.41024449916938).abs() < 1e-9 && (lat - 39.91640428150164).abs() < 1e-9);
/// ```
pub fn bd09_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Bd09, Datum::Gcj02).point_unchecked(lon, lat)
}

/// WGS-84 to BD-09 in [`Region::Polygon`] (scalar).
///
/// ```
/// let (lon, lat) = tileredact::wgs84_to_bd09(116.404, 39.915);
/// assert!((lon - 116.41662724378733).abs() < 1e-9 && (lat - 39.922699552216216).abs() < 1e-9);
/// ```
pub fn wgs84_to_bd09(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Wgs84, Datum::Bd09).point_unchecked(lon, lat)
}

/// BD-09 to WGS-84 in [`Region::Polygon`] (scalar, fixed-count refinement).
///
/// ```
/// let (lon, lat) = tileredact::bd09_to_wgs84(116.41662724378733, 39.922699552216216);
/// assert!((lon - 116.404).abs() < 1e-9 && (lat - 39.915).abs() < 1e-9);
/// ```
pub fn bd09_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    DatumTransform::new(Datum::Bd09, Datum::Wgs84).point_unchecked(lon, lat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names() {
        for d in Datum::ALL {
            assert_eq!(d.name().parse::<Datum>().unwrap(), d);
        }
        assert_eq!("BD-09".parse::<Datum>().unwrap(), Datum::Bd09);
        let e = "utm".parse::<Datum>().unwrap_err().to_string();
        assert!(e.contains("expected wgs84, gcj02 or bd09"), "{e}");
    }

    #[test]
    fn hong_kong_is_offset_by_baidu_only() {
        let (lon, lat) = (114.17, 22.32);
        assert_eq!(wgs84_to_gcj02(lon, lat), (lon, lat));
        let bd = wgs84_to_bd09(lon, lat);
        assert!((bd.0 - lon).abs() > 1e-3);
        let back = bd09_to_wgs84(bd.0, bd.1);
        assert!((back.0 - lon).abs() < 1e-10 && (back.1 - lat).abs() < 1e-10);
        // GCJ-02 of Hong Kong is WGS-84, so GCJ -> BD applies both offsets, and back.
        let b2 = gcj02_to_bd09(lon, lat);
        assert!((b2.0 - bd.0).abs() < 1e-12 && (b2.1 - bd.1).abs() < 1e-12);
        let g = bd09_to_gcj02(b2.0, b2.1);
        assert!((g.0 - lon).abs() < 1e-10 && (g.1 - lat).abs() < 1e-10);
    }

    #[test]
    fn invalid_points_are_errors() {
        let t = DatumTransform::new(Datum::Wgs84, Datum::Gcj02);
        assert!(t.point(f64::NAN, 30.0).is_err());
        assert!(t.point(116.0, 91.0).is_err());
        assert_eq!(wgs84_to_gcj02(f64::NAN, 30.0).1, 30.0);
    }
}
