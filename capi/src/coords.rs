//! Points: datum transforms and point redaction, in place on separate longitude and latitude
//! arrays.

use tileredact_core::{Datum, DatumTransform, PointAction, Region};

use crate::boundary::{check_disjoint, enum_arg, guard, handle, out_param, slice_mut};
use crate::handles::tileredact_redactor;
use crate::result::{Failure, tileredact_result};

/// `tileredact_coords_transform` datum: WGS-84 (GPS, OpenStreetMap, GeoJSON).
pub const TILEREDACT_DATUM_WGS84: u32 = 0;
/// `tileredact_coords_transform` datum: GCJ-02, the offset maps of mainland China display.
pub const TILEREDACT_DATUM_GCJ02: u32 = 1;
/// `tileredact_coords_transform` datum: BD-09, Baidu's offset on top of GCJ-02.
pub const TILEREDACT_DATUM_BD09: u32 = 2;

/// `tileredact_coords_transform` region: offsets apply to every point.
pub const TILEREDACT_REGION_EVERYWHERE: u32 = 0;
/// `tileredact_coords_transform` region: the common bounding box of mainland China
/// (includes Hong Kong, Macau, Taiwan and parts of neighbouring countries).
pub const TILEREDACT_REGION_BBOX: u32 = 1;
/// `tileredact_coords_transform` region: the PRCoords polygon (the default of the Rust API).
pub const TILEREDACT_REGION_POLYGON: u32 = 2;

/// `tileredact_redact_points` action: published unchanged.
pub const TILEREDACT_POINT_KEPT: u8 = 0;
/// `tileredact_redact_points` action: dropped; its coordinates became NaN.
pub const TILEREDACT_POINT_SUPPRESSED: u8 = 1;
/// `tileredact_redact_points` action: replaced by the centre of its keyed grid cell.
pub const TILEREDACT_POINT_SNAPPED: u8 = 2;
/// `tileredact_redact_points` action: displaced by keyed planar-Laplace noise.
pub const TILEREDACT_POINT_DISPLACED: u8 = 3;
/// `tileredact_redact_points` action: moved to the nearest point outside the zones.
pub const TILEREDACT_POINT_MOVED: u8 = 4;

// The C numbers are literals (cbindgen copies literals only); they must be the core's.
const _: () = {
    assert!(TILEREDACT_DATUM_WGS84 == Datum::Wgs84 as u32);
    assert!(TILEREDACT_DATUM_GCJ02 == Datum::Gcj02 as u32);
    assert!(TILEREDACT_DATUM_BD09 == Datum::Bd09 as u32);
    assert!(TILEREDACT_REGION_EVERYWHERE == Region::Everywhere as u32);
    assert!(TILEREDACT_REGION_BBOX == Region::BoundingBox as u32);
    assert!(TILEREDACT_REGION_POLYGON == Region::Polygon as u32);
    assert!(TILEREDACT_POINT_KEPT == PointAction::Kept as u8);
    assert!(TILEREDACT_POINT_SUPPRESSED == PointAction::Suppressed as u8);
    assert!(TILEREDACT_POINT_SNAPPED == PointAction::Snapped as u8);
    assert!(TILEREDACT_POINT_DISPLACED == PointAction::Displaced as u8);
    assert!(TILEREDACT_POINT_MOVED == PointAction::Moved as u8);
};

fn datum(function: &str, name: &str, n: u32) -> Result<Datum, Failure> {
    let all = Datum::ALL.map(|d| (d as u32, d));
    enum_arg(
        function,
        name,
        n,
        &all,
        "0 (TILEREDACT_DATUM_WGS84), 1 (TILEREDACT_DATUM_GCJ02) or 2 (TILEREDACT_DATUM_BD09)",
    )
}

/// The two coordinate arrays of `n` points, checked for NULL, alignment and overlap.
///
/// # Safety
/// `lon` and `lat` must be NULL or valid for `n` doubles of reads and writes, and `extra`
/// (address, bytes) describes any other buffer of the call.
unsafe fn lon_lat<'a>(
    function: &str,
    lon: *mut f64,
    lat: *mut f64,
    n: usize,
    extra: Option<(&str, usize, usize)>,
) -> Result<(&'a mut [f64], &'a mut [f64]), Failure> {
    out_param(function, "lon", lon)?;
    out_param(function, "lat", lat)?;
    let bytes = n.saturating_mul(size_of::<f64>());
    let mut buffers = vec![("lon", lon as usize, bytes), ("lat", lat as usize, bytes)];
    buffers.extend(extra);
    check_disjoint(function, &buffers)?;
    // SAFETY: valid for `n` doubles (caller), not overlapping the other buffers (checked).
    let lon_s = unsafe { slice_mut(function, "lon", lon, n) }?;
    // SAFETY: as above.
    let lat_s = unsafe { slice_mut(function, "lat", lat, n) }?;
    Ok((lon_s, lat_s))
}

/// Converts `n` points between datums, in place: `lon[i]`, `lat[i]` in degrees.
///
/// `from` and `to` are `TILEREDACT_DATUM_*` numbers; `region` (a `TILEREDACT_REGION_*`
/// number) is where the offsets apply: points outside it are left as they are. Every point is
/// checked first (finite, longitude -180..=180, latitude -90..=90): on failure nothing is
/// changed and the detail message names the first bad point by index. `n` may be 0 (the
/// pointers must still be valid, non-NULL and 8-byte aligned); the arrays must not overlap.
/// Ownership: borrows the arrays for the call.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_ENUM`,
/// `TILEREDACT_RESULT_INVALID_COORDINATE`, `TILEREDACT_RESULT_INVALID_PARAMETER`
/// (misaligned or overlapping arrays). Thread-safe (for distinct arrays).
///
/// # Safety
/// `lon` and `lat` must be valid for `n` doubles of reads and writes, not used by anyone
/// else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_coords_transform(
    from: u32,
    to: u32,
    region: u32,
    lon: *mut f64,
    lat: *mut f64,
    n: usize,
) -> tileredact_result {
    const F: &str = "tileredact_coords_transform";
    guard(|| {
        let from = datum(F, "from", from)?;
        let to = datum(F, "to", to)?;
        let all = Region::ALL.map(|r| (r as u32, r));
        let region = enum_arg(
            F,
            "region",
            region,
            &all,
            "0 (TILEREDACT_REGION_EVERYWHERE), 1 (TILEREDACT_REGION_BBOX) or 2 \
             (TILEREDACT_REGION_POLYGON)",
        )?;
        // SAFETY: valid for `n` doubles each (caller).
        let (lon, lat) = unsafe { lon_lat(F, lon, lat, n, None) }?;
        DatumTransform::new(from, to)
            .with_region(region)
            .apply_split(lon, lat)
            .map_err(|e| {
                let f = Failure::from(e);
                Failure::new(f.code, format!("{F}: {}", f.message))
            })
    })
}

/// Redacts `n` points in place by the redactor's point policies (`lon[i]`, `lat[i]` in
/// degrees, WGS-84) and writes one `TILEREDACT_POINT_*` action code per point to
/// `out_actions[i]`. Suppressed points become NaN. Every point is checked first: on failure
/// nothing is written and the detail message names the first bad point by index. The three
/// arrays must not overlap; `n` may be 0. Ownership: borrows the redactor and the arrays for
/// the call.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_COORDINATE`,
/// `TILEREDACT_RESULT_INVALID_PARAMETER` (misaligned or overlapping arrays). Thread-safe (for
/// distinct arrays).
///
/// # Safety
/// `redactor` must be a live handle; `lon` and `lat` valid for `n` doubles of reads and
/// writes and `out_actions` for `n` bytes of writes, none used by anyone else during the
/// call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_redact_points(
    redactor: *const tileredact_redactor,
    lon: *mut f64,
    lat: *mut f64,
    n: usize,
    out_actions: *mut u8,
) -> tileredact_result {
    const F: &str = "tileredact_redact_points";
    guard(|| {
        // SAFETY: a live handle (caller).
        let r = unsafe { handle(F, "redactor", redactor) }?;
        let out_actions = out_param(F, "out_actions", out_actions)?;
        let extra = Some(("out_actions", out_actions as usize, n));
        // SAFETY: valid for `n` doubles each (caller).
        let (lon, lat) = unsafe { lon_lat(F, lon, lat, n, extra) }?;
        // SAFETY: valid for `n` bytes (caller), not overlapping `lon` or `lat` (checked in
        // `lon_lat`).
        let actions = unsafe { slice_mut(F, "out_actions", out_actions, n) }?;
        let input: Vec<[f64; 2]> = lon.iter().zip(lat.iter()).map(|(a, b)| [*a, *b]).collect();
        let mut output = vec![[0.0; 2]; n];
        let mut acts = vec![PointAction::Kept; n];
        r.redactor
            .points()
            .redact(&input, &mut output, &mut acts)
            .map_err(|e| {
                let f = Failure::from(e);
                Failure::new(f.code, format!("{F}: {}", f.message))
            })?;
        for (i, (p, a)) in output.iter().zip(&acts).enumerate() {
            lon[i] = p[0];
            lat[i] = p[1];
            actions[i] = *a as u8;
        }
        Ok(())
    })
}
