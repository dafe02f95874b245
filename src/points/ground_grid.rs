//! Keyed grids of square cells in ground metres, and displacement by ground metres.
//!
//! Rows are bands of constant latitude step (`cell_m` metres along the meridian of the
//! sphere of radius [`EARTH_RADIUS_M`]); within a row, columns are `cell_m` metres wide at the
//! row's centre latitude. So a cell is about `cell_m` x `cell_m` on the ground at every
//! latitude (Web Mercator, corrected by the ground scale of the row). The row origin and the
//! column origin of every row are offset by keyed secrets (PRF of the purpose, the cell size
//! and the row), so the grid cannot be reconstructed without the key.

use crate::key::{RedactionKey, unit_f64};
use crate::tile::{EARTH_RADIUS_M, MERCATOR_MAX_LAT};

/// A cell of a keyed ground grid and its centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct GroundCell {
    pub(crate) row: i64,
    pub(crate) col: i64,
    /// Centre longitude (degrees, wrapped into -180..=180).
    pub(crate) lon: f64,
    /// Centre latitude (degrees, within the Web Mercator limit).
    pub(crate) lat: f64,
}

impl GroundCell {
    /// The cell identity as PRF input.
    pub(crate) fn id_bytes(&self, cell_m: f64) -> [u8; 24] {
        let mut b = [0u8; 24];
        b[..8].copy_from_slice(&cell_m.to_bits().to_le_bytes());
        b[8..16].copy_from_slice(&self.row.to_le_bytes());
        b[16..].copy_from_slice(&self.col.to_le_bytes());
        b
    }
}

/// The cell of (lon, lat) in the keyed grid of `cell_m` ground metres for `purpose`.
pub(crate) fn ground_cell(
    key: &RedactionKey,
    purpose: &str,
    cell_m: f64,
    lon: f64,
    lat: f64,
) -> GroundCell {
    let lat = lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let northing = EARTH_RADIUS_M * lat.to_radians();
    let [r, ..] = key.prf_u64s(
        &format!("{purpose}/row-origin"),
        &cell_m.to_bits().to_le_bytes(),
    );
    let oy = unit_f64(r) * cell_m;
    let row = ((northing - oy) / cell_m).floor();
    let lat_c = ((oy + (row + 0.5) * cell_m) / EARTH_RADIUS_M)
        .to_degrees()
        .clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let scale = lat_c.to_radians().cos();
    let row = row as i64;

    let mut data = [0u8; 16];
    data[..8].copy_from_slice(&cell_m.to_bits().to_le_bytes());
    data[8..].copy_from_slice(&row.to_le_bytes());
    let [c, ..] = key.prf_u64s(&format!("{purpose}/col-origin"), &data);
    let ox = unit_f64(c) * cell_m;
    let easting = EARTH_RADIUS_M * lon.to_radians() * scale;
    let col = ((easting - ox) / cell_m).floor();
    let lon_c = ((ox + (col + 0.5) * cell_m) / (EARTH_RADIUS_M * scale)).to_degrees();
    GroundCell {
        row,
        col: col as i64,
        lon: wrap_lon(lon_c),
        lat: lat_c,
    }
}

/// (lon, lat) moved by `east_m`, `north_m` ground metres (local tangent plane), latitude
/// clamped to the Web Mercator limit, longitude wrapped.
pub(crate) fn offset_ground(lon: f64, lat: f64, east_m: f64, north_m: f64) -> (f64, f64) {
    let lat2 =
        (lat + (north_m / EARTH_RADIUS_M).to_degrees()).clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT);
    let scale = lat
        .clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)
        .to_radians()
        .cos();
    let lon2 = lon + (east_m / (EARTH_RADIUS_M * scale)).to_degrees();
    (wrap_lon(lon2), lat2)
}

/// Longitude wrapped into -180..=180.
pub(crate) fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_square_in_ground_metres_and_contain_their_points() {
        let key = RedactionKey::from_bytes([7; 32]);
        for lat in [0.0, 24.6, 60.0, 80.0] {
            let a = ground_cell(&key, "t", 500.0, 10.0, lat);
            // The point is within half a cell of the centre, in ground metres.
            let de = (10.0 - a.lon).to_radians() * EARTH_RADIUS_M * a.lat.to_radians().cos();
            let dn = (lat - a.lat).to_radians() * EARTH_RADIUS_M;
            assert!(
                de.abs() <= 250.0 + 1e-6 && dn.abs() <= 250.0 + 1e-6,
                "{lat}: {de} {dn}"
            );
            // Neighbouring cells' centres are cell_m apart.
            let b = ground_cell(&key, "t", 500.0, a.lon, a.lat + 500.0 / 111_000.0);
            assert_eq!(b.row, a.row + 1);
            let m_per_deg = EARTH_RADIUS_M.to_radians() * a.lat.to_radians().cos();
            let c = ground_cell(&key, "t", 500.0, a.lon + 375.0 / m_per_deg, a.lat);
            assert_eq!((c.row, c.col), (a.row, a.col + 1));
        }
    }

    #[test]
    fn the_key_moves_the_grid() {
        let a = ground_cell(&RedactionKey::from_bytes([1; 32]), "t", 500.0, 10.0, 50.0);
        let b = ground_cell(&RedactionKey::from_bytes([2; 32]), "t", 500.0, 10.0, 50.0);
        assert_ne!((a.lon, a.lat), (b.lon, b.lat));
        let c = ground_cell(&RedactionKey::from_bytes([1; 32]), "u", 500.0, 10.0, 50.0);
        assert_ne!((a.lon, a.lat), (c.lon, c.lat));
    }

    #[test]
    fn wrapping_and_offsets() {
        assert_eq!(wrap_lon(181.0), -179.0);
        assert_eq!(wrap_lon(-180.0), -180.0);
        let (lon, lat) = offset_ground(0.0, 0.0, 1000.0, 1000.0);
        assert!((lon - 0.008983).abs() < 1e-5 && (lat - 0.008983).abs() < 1e-5);
        assert_eq!(offset_ground(0.0, 85.0, 0.0, 1e6).1, MERCATOR_MAX_LAT);
    }
}
