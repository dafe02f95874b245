//! Tile warp between the WGS-84 and GCJ-02 grids: which source tiles a target tile needs, and
//! the warp of one RGBA8 tile from caller buffers.
//!
//! As everywhere in the C ABI, every argument is checked before anything is written, and the
//! warp runs into a private buffer that is copied to the caller's only on success.

use tileredact_core::{AlphaMode, ImageView, ImageViewMut, TileId, WarpDirection, WarpFilter};

use crate::boundary::{bytes, check_disjoint, enum_arg, guard, out_param, slice, slice_mut};
use crate::result::{Failure, tileredact_result};
use crate::tiles::{square, stride_len, tile};

/// Warp direction: sources in the WGS-84 grid, output in the GCJ-02 grid.
pub const TILEREDACT_WARP_WGS84_TO_GCJ02: u32 = 0;
/// Warp direction: sources in the GCJ-02 grid, output in the WGS-84 grid.
pub const TILEREDACT_WARP_GCJ02_TO_WGS84: u32 = 1;

/// Warp filter: the nearest source pixel.
pub const TILEREDACT_WARP_NEAREST: u32 = 0;
/// Warp filter: bilinear interpolation of the 2x2 nearest source pixels.
pub const TILEREDACT_WARP_BILINEAR: u32 = 1;
/// Warp filter: Catmull-Rom bicubic over 4x4 source pixels, clamped to 0..=255.
pub const TILEREDACT_WARP_BICUBIC: u32 = 2;

/// A tile address: zoom `z`, column `x`, row `y` (XYZ numbering, y down).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct tileredact_tile_id {
    /// Zoom, 0..=30.
    pub z: u32,
    /// Column, below 2^z.
    pub x: u32,
    /// Row from the north, below 2^z.
    pub y: u32,
}

/// What `tileredact_warp_tile` did.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct tileredact_warp_report {
    /// How many source tiles the warp needed that were not given (or given with a NULL pixel
    /// pointer): their pixels read as transparent (0, 0, 0, 0).
    pub missing: usize,
    /// Output pixels whose source position was computed exactly rather than from the lattice
    /// (near the edge of the GCJ-02 region).
    pub exact_pixels: usize,
    /// 1 when the target tile is wholly outside the GCJ-02 region: the output is a copy of
    /// the source tile with the same address (transparent when it was not given); else 0.
    pub outside_region: u32,
    /// The lattice step in pixels of the offset field (0 when the tile was copied).
    pub lattice_step: u32,
}

fn direction(function: &str, n: u32) -> Result<WarpDirection, Failure> {
    enum_arg(
        function,
        "direction",
        n,
        &[
            (TILEREDACT_WARP_WGS84_TO_GCJ02, WarpDirection::Wgs84ToGcj02),
            (TILEREDACT_WARP_GCJ02_TO_WGS84, WarpDirection::Gcj02ToWgs84),
        ],
        "0 (TILEREDACT_WARP_WGS84_TO_GCJ02) or 1 (TILEREDACT_WARP_GCJ02_TO_WGS84)",
    )
}

fn filter(function: &str, n: u32) -> Result<WarpFilter, Failure> {
    enum_arg(
        function,
        "filter",
        n,
        &[
            (TILEREDACT_WARP_NEAREST, WarpFilter::Nearest),
            (TILEREDACT_WARP_BILINEAR, WarpFilter::Bilinear),
            (TILEREDACT_WARP_BICUBIC, WarpFilter::Bicubic),
        ],
        "0 (TILEREDACT_WARP_NEAREST), 1 (TILEREDACT_WARP_BILINEAR) or 2 \
         (TILEREDACT_WARP_BICUBIC)",
    )
}

/// Writes the source tiles that the warp of target tile `z/x/y` in `direction` reads (for
/// every filter, 256- or 512-pixel tiles alike) to `out_tiles`, sorted by zoom, x, then y,
/// without duplicates, and their number to `*out_n`.
///
/// Size query: with `capacity` 0, `out_tiles` may be NULL; only `*out_n` is written. When
/// `capacity` is not 0 but smaller than the number needed, the call fails with
/// `TILEREDACT_RESULT_BUFFER_SIZE` and writes nothing (the detail message says how many are
/// needed). A tile wholly outside the GCJ-02 region needs only itself. The number is small
/// (at most 9 inside the region at z18) but grows near the region edge at high zoom, so ask.
/// Ownership: borrows `out_tiles` for the call.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_ENUM` (`direction`),
/// `TILEREDACT_RESULT_INVALID_TILE`, `TILEREDACT_RESULT_BUFFER_SIZE`,
/// `TILEREDACT_RESULT_INVALID_PARAMETER` (misaligned `out_tiles`). Thread-safe.
///
/// # Safety
/// `out_tiles` must be valid for `capacity` elements of writes (or NULL with `capacity` 0);
/// `out_n` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_warp_required_tiles(
    z: u32,
    x: u32,
    y: u32,
    direction: u32,
    out_tiles: *mut tileredact_tile_id,
    capacity: usize,
    out_n: *mut usize,
) -> tileredact_result {
    const F: &str = "tileredact_warp_required_tiles";
    guard(|| {
        let out_n = out_param(F, "out_n", out_n)?;
        let dir = self::direction(F, direction)?;
        let t = tile(F, z, x, y)?;
        let need = tileredact_core::required_source_tiles(t, dir);
        if capacity > 0 {
            // SAFETY: valid for `capacity` elements of writes (caller).
            let out = unsafe { slice_mut(F, "out_tiles", out_tiles, capacity) }?;
            if capacity < need.len() {
                return Err(Failure::new(
                    tileredact_result::BufferSize,
                    format!(
                        "{F}: `capacity` is {capacity} tiles; tile {t} needs {} source tiles",
                        need.len()
                    ),
                ));
            }
            for (o, id) in out.iter_mut().zip(&need) {
                *o = tileredact_tile_id {
                    z: u32::from(id.z()),
                    x: id.x(),
                    y: id.y(),
                };
            }
        }
        // SAFETY: non-NULL (checked), valid for a write (caller).
        unsafe { out_n.write(need.len()) };
        Ok(())
    })
}

/// Warps tile `z/x/y` of the output frame from source tiles of the other frame (RGBA8,
/// straight alpha) into `out`: `width` x `height` pixels (both 256 or both 512), row `r` at
/// `out + r * stride`, 4 bytes per pixel; the bytes between rows are not touched.
///
/// `direction` is a `TILEREDACT_WARP_*_TO_*` number, `filter` a `TILEREDACT_WARP_NEAREST`,
/// `_BILINEAR` or `_BICUBIC` number. Source `i` is tile `sources[i]` (same zoom as the
/// target), with pixels at `source_pixels[i]` (the same size as the output, row stride
/// `source_strides[i]`, holding `source_strides[i] * (height - 1) + 4 * width` bytes), or
/// missing when `source_pixels[i]` is NULL. `tileredact_warp_required_tiles` lists the tiles
/// needed; others are ignored, and missing ones read as transparent (0, 0, 0, 0) and are
/// counted in the report. A tile may be listed once; `n_sources` may be 0 (the three array
/// pointers must still be non-NULL). No source buffer or array may overlap `out` (sources may
/// share memory with each other). A tile wholly outside the GCJ-02 region is a copy of the
/// source tile with the same address.
///
/// Every argument is checked first and the warp runs in a private buffer: on failure `out`
/// and `*out_report` are not written. `out_report` may be NULL. Ownership: borrows every
/// buffer for the call; keeps none.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_ENUM`,
/// `TILEREDACT_RESULT_INVALID_TILE` (target or a source), `TILEREDACT_RESULT_INVALID_PARAMETER`
/// (size, a source at another zoom or listed twice, overlapping or misaligned buffers),
/// `TILEREDACT_RESULT_STRIDE_TOO_SMALL`. Thread-safe (for distinct output buffers).
///
/// # Safety
/// `sources`, `source_pixels` and `source_strides` must be valid for `n_sources` elements of
/// reads; each non-NULL `source_pixels[i]` valid for its bytes of reads; `out` valid for
/// `stride * (height - 1) + 4 * width` bytes of writes, not used by anyone else during the
/// call; `out_report` NULL or valid for a write.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tileredact_warp_tile(
    z: u32,
    x: u32,
    y: u32,
    direction: u32,
    filter: u32,
    sources: *const tileredact_tile_id,
    source_pixels: *const *const u8,
    source_strides: *const usize,
    n_sources: usize,
    out: *mut u8,
    width: u32,
    height: u32,
    stride: usize,
    out_report: *mut tileredact_warp_report,
) -> tileredact_result {
    const F: &str = "tileredact_warp_tile";
    guard(|| {
        let dir = self::direction(F, direction)?;
        let filter = self::filter(F, filter)?;
        let out = out_param(F, "out", out)?;
        let size = square(F, width, height)?;
        let row = 4 * width as usize;
        let out_len = stride_len(F, row, height, stride, "output image")?;
        let target = tile(F, z, x, y)?;
        // SAFETY: valid for `n_sources` elements of reads each (caller).
        let ids = unsafe { slice(F, "sources", sources, n_sources) }?;
        // SAFETY: as above.
        let pixels = unsafe { slice(F, "source_pixels", source_pixels, n_sources) }?;
        // SAFETY: as above.
        let strides = unsafe { slice(F, "source_strides", source_strides, n_sources) }?;
        let out_at = ("out", out as usize, out_len);
        let arrays = [
            ("sources", ids.as_ptr() as usize, size_of_val(ids)),
            (
                "source_pixels",
                pixels.as_ptr() as usize,
                size_of_val(pixels),
            ),
            (
                "source_strides",
                strides.as_ptr() as usize,
                size_of_val(strides),
            ),
        ];
        for a in arrays {
            check_disjoint(F, &[out_at, a])?;
        }
        let mut given: Vec<(TileId, usize)> = Vec::with_capacity(n_sources);
        let mut views = Vec::with_capacity(n_sources);
        for (i, ((id, &p), &s)) in ids.iter().zip(pixels).zip(strides).enumerate() {
            let t = tile(F, id.z, id.x, id.y)
                .map_err(|f| Failure::new(f.code, format!("{} (sources[{i}])", f.message)))?;
            if let Some(&(_, j)) = given.iter().find(|e| e.0 == t) {
                return Err(Failure::new(
                    tileredact_result::InvalidParameter,
                    format!(
                        "{F}: sources[{i}] is tile {t}, already given as sources[{j}]; expected \
                         each tile at most once"
                    ),
                ));
            }
            given.push((t, i));
            if p.is_null() {
                continue;
            }
            let name = format!("source_pixels[{i}]");
            let what = format!("source image {i}");
            let len = stride_len(F, row, height, s, &what)?;
            check_disjoint(F, &[out_at, (&name, p as usize, len)])?;
            // SAFETY: non-NULL (checked), valid for `len` bytes of reads (caller), not
            // overlapping `out` (checked).
            let data = unsafe { bytes(F, &name, p, len) }?;
            views.push((
                t,
                ImageView::new(data, width, height, s, AlphaMode::Straight)?,
            ));
        }
        let mut px = vec![0u8; row * height as usize];
        let mut view = ImageViewMut::new(&mut px, width, height, row, AlphaMode::Straight)?;
        let report =
            tileredact_core::warp_tile(target, dir, &views, &mut view, filter).map_err(|e| {
                let f = Failure::from(e);
                Failure::new(f.code, format!("{F}: {}", f.message))
            })?;
        debug_assert_eq!(size.px(), width);
        // SAFETY: valid for `out_len` bytes of writes and unaliased (caller), not overlapping
        // any input (checked).
        let out = unsafe { slice_mut(F, "out", out, out_len) }?;
        for (dst, src) in out.chunks_mut(stride).zip(px.chunks_exact(row)) {
            dst[..row].copy_from_slice(src);
        }
        if !out_report.is_null() {
            let r = tileredact_warp_report {
                missing: report.missing.len(),
                exact_pixels: report.exact_pixels,
                outside_region: u32::from(report.outside_region),
                lattice_step: report.lattice_step,
            };
            // SAFETY: non-NULL (checked), valid for a write (caller).
            unsafe { out_report.write(r) };
        }
        Ok(())
    })
}
