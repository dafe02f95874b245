//! Web-map tiles: [`TileId`] (XYZ numbering, y down), bounds in lon/lat and in Web Mercator
//! metres (EPSG:3857), the TMS row flip, quadkeys, and the [`WorldGrid`] of world pixels at
//! one zoom and tile size.
//!
//! Everything that turns geometry into pixels goes through [`WorldGrid::to_world_px`], one
//! function of (zoom, tile size, mercator point): that is what makes the masks of adjacent tiles
//! stitch exactly.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// Semi-major axis of WGS-84 used by Web Mercator, in metres.
pub const EARTH_RADIUS_M: f64 = 6_378_137.0;
/// Half the Web Mercator world width, in metres (π·R).
pub const MERCATOR_HALF_WORLD_M: f64 = std::f64::consts::PI * EARTH_RADIUS_M;
/// The latitude where Web Mercator is square (atan(sinh(π)) in degrees).
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_59;
/// The deepest zoom a [`TileId`] may have.
pub const MAX_ZOOM: u8 = 30;

/// Side of a square raster tile in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TileSize {
    /// 256 x 256 pixels (the classic slippy-map tile).
    #[default]
    S256,
    /// 512 x 512 pixels ("retina" / vector-style raster tiles).
    S512,
}

impl TileSize {
    /// Side length in pixels.
    pub const fn px(self) -> u32 {
        match self {
            TileSize::S256 => 256,
            TileSize::S512 => 512,
        }
    }

    /// The tile size with this side length.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `px` is 256 or 512.
    pub fn from_px(px: u32) -> Result<Self> {
        match px {
            256 => Ok(TileSize::S256),
            512 => Ok(TileSize::S512),
            _ => Err(Error::param(
                "tile size",
                format!("{px} px; expected 256 or 512"),
            )),
        }
    }
}

/// Longitude/latitude bounds of a tile, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LngLatBounds {
    /// Western edge (minimum longitude).
    pub west: f64,
    /// Southern edge (minimum latitude).
    pub south: f64,
    /// Eastern edge (maximum longitude).
    pub east: f64,
    /// Northern edge (maximum latitude).
    pub north: f64,
}

/// Web Mercator bounds, in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MercatorBounds {
    /// Minimum x (west).
    pub min_x: f64,
    /// Minimum y (south).
    pub min_y: f64,
    /// Maximum x (east).
    pub max_x: f64,
    /// Maximum y (north).
    pub max_y: f64,
}

/// Projects a lon/lat (degrees, WGS-84) to Web Mercator metres.
///
/// Latitudes beyond ±[`MERCATOR_MAX_LAT`] are clamped to it, so the result is always finite for
/// finite input. Longitude is not wrapped.
///
/// ```
/// let (x, y) = tileredact::lnglat_to_mercator(180.0, 0.0);
/// assert!((x - 20_037_508.342789244).abs() < 1e-6 && y.abs() < 1e-6);
/// ```
pub fn lnglat_to_mercator(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let x = EARTH_RADIUS_M * lon.to_radians();
    let y = EARTH_RADIUS_M
        * (std::f64::consts::FRAC_PI_4 + 0.5 * lat.to_radians())
            .tan()
            .ln();
    (x, y)
}

/// Inverse of [`lnglat_to_mercator`]: Web Mercator metres to lon/lat degrees.
pub fn mercator_to_lnglat(x: f64, y: f64) -> (f64, f64) {
    let lon = (x / EARTH_RADIUS_M).to_degrees();
    let lat = (2.0 * (y / EARTH_RADIUS_M).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    (lon, lat)
}

/// Ground metres per mercator metre at a latitude: `cos(lat)`.
///
/// A length of `d` ground metres at latitude `lat` is `d / cos(lat)` mercator metres.
pub fn ground_scale(lat_deg: f64) -> f64 {
    lat_deg
        .clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
        .to_radians()
        .cos()
}

/// A web-map tile address: zoom `z`, column `x` (west to east), row `y` (north to south).
///
/// Always valid: `z <= 30` and `x, y < 2^z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    z: u8,
    x: u32,
    y: u32,
}

impl TileId {
    /// The tile `z/x/y`.
    ///
    /// # Errors
    /// [`Error::InvalidTile`] if `z > 30` or `x` or `y` is not below `2^z`.
    ///
    /// ```
    /// let t = tileredact::TileId::new(10, 290, 439).unwrap();
    /// assert_eq!(t.to_string(), "10/290/439");
    /// assert!(tileredact::TileId::new(3, 8, 0).is_err());
    /// ```
    pub fn new(z: u8, x: u32, y: u32) -> Result<Self> {
        if z > MAX_ZOOM {
            return Err(Error::InvalidTile {
                z: z.into(),
                x: x.into(),
                y: y.into(),
                reason: format!("zoom {z} is above the maximum {MAX_ZOOM}"),
            });
        }
        let n = 1u64 << z;
        if u64::from(x) >= n || u64::from(y) >= n {
            return Err(Error::InvalidTile {
                z: z.into(),
                x: x.into(),
                y: y.into(),
                reason: format!("x and y must be in 0..{n} at zoom {z}"),
            });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z`, column `x` and TMS row `tms_row` (rows counted from the south, as
    /// MBTiles stores them).
    ///
    /// # Errors
    /// As [`TileId::new`].
    pub fn from_tms(z: u8, x: u32, tms_row: u32) -> Result<Self> {
        if z > MAX_ZOOM || u64::from(tms_row) >= (1u64 << z) {
            return Self::new(z, x, u32::MAX);
        }
        Self::new(z, x, ((1u64 << z) - 1 - u64::from(tms_row)) as u32)
    }

    /// Zoom level.
    pub const fn z(self) -> u8 {
        self.z
    }

    /// Column, west to east.
    pub const fn x(self) -> u32 {
        self.x
    }

    /// Row, north to south (XYZ).
    pub const fn y(self) -> u32 {
        self.y
    }

    /// The row counted from the south (TMS), as MBTiles stores it: `2^z - 1 - y`.
    pub const fn tms_row(self) -> u32 {
        ((1u64 << self.z) - 1 - self.y as u64) as u32
    }

    /// Number of tiles along one axis at this tile's zoom.
    pub const fn tiles_per_axis(self) -> u64 {
        1u64 << self.z
    }

    /// The Bing Maps quadkey of the tile (empty at zoom 0).
    ///
    /// ```
    /// let t = tileredact::TileId::new(3, 3, 5).unwrap();
    /// assert_eq!(t.quadkey(), "213");
    /// ```
    pub fn quadkey(self) -> String {
        let mut s = String::with_capacity(self.z.into());
        for i in (0..self.z).rev() {
            let mask = 1u32 << i;
            let mut digit = b'0';
            if self.x & mask != 0 {
                digit += 1;
            }
            if self.y & mask != 0 {
                digit += 2;
            }
            s.push(digit as char);
        }
        s
    }

    /// The tile of a quadkey.
    ///
    /// # Errors
    /// [`Error::TileSyntax`] if a digit is not 0-3 or the key is longer than 30 digits.
    pub fn from_quadkey(key: &str) -> Result<Self> {
        if key.len() > MAX_ZOOM as usize {
            return Err(Error::TileSyntax {
                input: key.to_string(),
                reason: format!("a quadkey has at most {MAX_ZOOM} digits"),
            });
        }
        let (mut x, mut y) = (0u32, 0u32);
        for (i, c) in key.bytes().enumerate() {
            let d = match c {
                b'0'..=b'3' => c - b'0',
                _ => {
                    return Err(Error::TileSyntax {
                        input: key.to_string(),
                        reason: format!("digit {i} is {:?}; expected 0, 1, 2 or 3", c as char),
                    });
                }
            };
            x = (x << 1) | u32::from(d & 1);
            y = (y << 1) | u32::from(d >> 1);
        }
        Self::new(key.len() as u8, x, y)
    }

    /// The tile one zoom up that contains this one, or `None` at zoom 0.
    pub fn parent(self) -> Option<TileId> {
        (self.z > 0).then(|| TileId {
            z: self.z - 1,
            x: self.x >> 1,
            y: self.y >> 1,
        })
    }

    /// The four tiles one zoom down, in the order top-left, top-right, bottom-left,
    /// bottom-right; `None` at zoom 30.
    pub fn children(self) -> Option<[TileId; 4]> {
        if self.z >= MAX_ZOOM {
            return None;
        }
        let (z, x, y) = (self.z + 1, self.x * 2, self.y * 2);
        Some([
            TileId { z, x, y },
            TileId { z, x: x + 1, y },
            TileId { z, x, y: y + 1 },
            TileId {
                z,
                x: x + 1,
                y: y + 1,
            },
        ])
    }

    /// Bounds in Web Mercator metres.
    ///
    /// ```
    /// let b = tileredact::TileId::new(0, 0, 0).unwrap().bounds_m();
    /// assert!((b.max_x - 20_037_508.342789244).abs() < 1e-6);
    /// ```
    pub fn bounds_m(self) -> MercatorBounds {
        let world = 2.0 * MERCATOR_HALF_WORLD_M;
        let size = world / self.tiles_per_axis() as f64;
        let min_x = self.x as f64 * size - MERCATOR_HALF_WORLD_M;
        let max_y = MERCATOR_HALF_WORLD_M - self.y as f64 * size;
        MercatorBounds {
            min_x,
            min_y: max_y - size,
            max_x: min_x + size,
            max_y,
        }
    }

    /// Bounds in longitude/latitude degrees.
    pub fn bounds_lnglat(self) -> LngLatBounds {
        let n = self.tiles_per_axis() as f64;
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            (std::f64::consts::PI * (1.0 - 2.0 * y / n))
                .sinh()
                .atan()
                .to_degrees()
        };
        LngLatBounds {
            west: lon(self.x as f64),
            south: lat(self.y as f64 + 1.0),
            east: lon(self.x as f64 + 1.0),
            north: lat(self.y as f64),
        }
    }

    /// The tile at zoom `z` that contains the point (lon, lat).
    ///
    /// Points on a tile edge belong to the tile east / south of it; the antimeridian and the
    /// mercator limits belong to the last column / row. Latitudes beyond the mercator limit are
    /// clamped to it.
    ///
    /// # Errors
    /// [`Error::InvalidCoordinate`] for non-finite input, longitude outside -180..=180 or
    /// latitude outside -90..=90; [`Error::InvalidTile`] for `z > 30`.
    pub fn containing(lon: f64, lat: f64, z: u8) -> Result<TileId> {
        check_lnglat(lon, lat)?;
        if z > MAX_ZOOM {
            return Self::new(z, 0, 0);
        }
        let grid = WorldGrid::new(z, TileSize::S256)?;
        let (mx, my) = lnglat_to_mercator(lon, lat);
        let (px, py) = grid.to_world_px(mx, my);
        let n = 1u64 << z;
        let clamp = |p: f64| -> u32 {
            let t = (p / 256.0).floor();
            if t <= 0.0 {
                0
            } else if t >= n as f64 {
                (n - 1) as u32
            } else {
                t as u32
            }
        };
        Self::new(z, clamp(px), clamp(py))
    }

    /// The world pixel of this tile's top-left corner at `size`.
    pub fn world_px_origin(self, size: TileSize) -> (u64, u64) {
        let s = u64::from(size.px());
        (u64::from(self.x) * s, u64::from(self.y) * s)
    }
}

/// Checks that (lon, lat) is finite and within -180..=180, -90..=90.
pub(crate) fn check_lnglat(lon: f64, lat: f64) -> Result<()> {
    if !lon.is_finite() || !lat.is_finite() {
        return Err(Error::InvalidCoordinate {
            lon,
            lat,
            reason: "coordinates must be finite numbers".into(),
        });
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(Error::InvalidCoordinate {
            lon,
            lat,
            reason: "longitude must be within -180..=180 degrees".into(),
        });
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(Error::InvalidCoordinate {
            lon,
            lat,
            reason: "latitude must be within -90..=90 degrees".into(),
        });
    }
    Ok(())
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

impl FromStr for TileId {
    type Err = Error;

    /// Parses `z/x/y` (XYZ numbering).
    fn from_str(s: &str) -> Result<Self> {
        let err = |reason: &str| Error::TileSyntax {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = s.trim().split('/').collect();
        if parts.len() != 3 {
            return Err(err("expected z/x/y, e.g. 10/290/439"));
        }
        let z: u8 = parts[0]
            .parse()
            .map_err(|_| err("zoom must be an integer in 0..=30"))?;
        let x: u32 = parts[1]
            .parse()
            .map_err(|_| err("x must be a non-negative integer below 2^z"))?;
        let y: u32 = parts[2]
            .parse()
            .map_err(|_| err("y must be a non-negative integer below 2^z"))?;
        TileId::new(z, x, y)
    }
}

/// The world pixel grid of one zoom and tile size: pixel (0, 0) is the north-west corner of
/// the mercator square, pixel centres are at half-integers, y grows southwards.
///
/// `px = (mx + πR) / (2πR) · T · 2^z`, `py = (πR − my) / (2πR) · T · 2^z`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorldGrid {
    z: u8,
    size: TileSize,
    px_per_m: f64,
}

impl WorldGrid {
    /// The grid at zoom `z` for tiles of `size`.
    ///
    /// # Errors
    /// [`Error::InvalidTile`] if `z > 30`.
    pub fn new(z: u8, size: TileSize) -> Result<Self> {
        if z > MAX_ZOOM {
            return Err(Error::InvalidTile {
                z: z.into(),
                x: 0,
                y: 0,
                reason: format!("zoom {z} is above the maximum {MAX_ZOOM}"),
            });
        }
        let world_px = f64::from(size.px()) * (1u64 << z) as f64;
        Ok(WorldGrid {
            z,
            size,
            px_per_m: world_px / (2.0 * MERCATOR_HALF_WORLD_M),
        })
    }

    /// Zoom of the grid.
    pub const fn z(&self) -> u8 {
        self.z
    }

    /// Tile size of the grid.
    pub const fn tile_size(&self) -> TileSize {
        self.size
    }

    /// World pixels per mercator metre.
    pub const fn px_per_m(&self) -> f64 {
        self.px_per_m
    }

    /// Width (= height) of the world in pixels.
    pub fn world_px(&self) -> f64 {
        f64::from(self.size.px()) * (1u64 << self.z) as f64
    }

    /// A mercator point (metres) in world pixels. The same input always gives the same bits.
    #[inline]
    pub fn to_world_px(&self, mx: f64, my: f64) -> (f64, f64) {
        (
            (mx + MERCATOR_HALF_WORLD_M) * self.px_per_m,
            (MERCATOR_HALF_WORLD_M - my) * self.px_per_m,
        )
    }

    /// A world pixel position back to mercator metres.
    #[inline]
    pub fn to_mercator(&self, px: f64, py: f64) -> (f64, f64) {
        (
            px / self.px_per_m - MERCATOR_HALF_WORLD_M,
            MERCATOR_HALF_WORLD_M - py / self.px_per_m,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let t: TileId = "12/1164/1767".parse().unwrap();
        assert_eq!((t.z(), t.x(), t.y()), (12, 1164, 1767));
        assert_eq!(t.to_string(), "12/1164/1767");
        for bad in ["", "1/2", "a/0/0", "31/0/0", "2/4/0", "2/0/-1", "1/0/0/0"] {
            assert!(bad.parse::<TileId>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn zoom_30_is_the_limit() {
        let max = (1u32 << 30) - 1;
        let t = TileId::new(30, max, max).unwrap();
        assert!(t.children().is_none());
        assert!(TileId::new(31, 0, 0).is_err());
        assert_eq!(t.tms_row(), 0);
    }
}
