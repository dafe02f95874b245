//! Tiles: status, masks, RGBA8 redaction in place, encoded tile redaction.
//!
//! Every function validates all of its arguments before it touches a caller's buffer, and
//! [`tileredact_redact_rgba`] redacts a copy that is written back only on success: a failed
//! or panicked call leaves the caller's pixels as they were.

use tileredact_core::{AlphaMode, ImageViewMut, TileId, TilePlan, TileSize};

use crate::boundary::{bytes, enum_arg, guard, handle, out_param};
use crate::handles::{tileredact_bytes, tileredact_redactor};
use crate::result::{Failure, tileredact_result};

/// `tileredact_redact_rgba` flag: the pixels have premultiplied alpha (colour channels
/// already multiplied by alpha). Without it, alpha is straight.
pub const TILEREDACT_RGBA_PREMULTIPLIED: u32 = 1;

/// `tileredact_tile_status`: no zone reaches the tile; it needs nothing.
pub const TILEREDACT_TILE_CLEAR: u32 = 0;
/// `tileredact_tile_status`: some pixels may need redaction.
pub const TILEREDACT_TILE_PARTIAL: u32 = 1;
/// `tileredact_tile_status`: the whole tile is redacted.
pub const TILEREDACT_TILE_FULL: u32 = 2;

/// `tileredact_tile_mask` kind: the exact-area coverage mask (per pixel, 255 times the area
/// of the pixel inside the union of the zones, not grown by margins).
pub const TILEREDACT_MASK_COVERAGE: u32 = 0;
/// `tileredact_tile_mask` kind: the redaction mask (255 for every pixel the redactor
/// redacts: zones active at the zoom, grown by their margins and the resampling allowance;
/// 0 elsewhere).
pub const TILEREDACT_MASK_REDACTION: u32 = 1;

/// The tile `z/x/y`, with a message naming the function.
pub(crate) fn tile(function: &str, z: u32, x: u32, y: u32) -> Result<TileId, Failure> {
    let zoom = u8::try_from(z).map_err(|_| {
        Failure::new(
            tileredact_result::InvalidTile,
            format!(
                "{function}: invalid tile {z}/{x}/{y}: zoom {z} is above the maximum {}",
                tileredact_core::MAX_ZOOM
            ),
        )
    })?;
    TileId::new(zoom, x, y).map_err(|e| {
        let f = Failure::from(e);
        Failure::new(f.code, format!("{function}: {}", f.message))
    })
}

/// A square tile size from a width and a height.
pub(crate) fn square(function: &str, width: u32, height: u32) -> Result<TileSize, Failure> {
    if width != height || !(width == 256 || width == 512) {
        return Err(Failure::new(
            tileredact_result::InvalidParameter,
            format!("{function}: the image is {width}x{height}; expected 256x256 or 512x512"),
        ));
    }
    TileSize::from_px(width).map_err(Failure::from)
}

/// Checks `stride` against a row of `row` bytes; returns the buffer length the image needs:
/// `stride * (height - 1) + row`.
pub(crate) fn stride_len(
    function: &str,
    row: usize,
    height: u32,
    stride: usize,
    what: &str,
) -> Result<usize, Failure> {
    if stride < row {
        return Err(Failure::new(
            tileredact_result::StrideTooSmall,
            format!(
                "{function}: `stride` is {stride} bytes; expected at least {row} bytes (one row \
                 of the {what})"
            ),
        ));
    }
    (height as usize - 1)
        .checked_mul(stride)
        .and_then(|n| n.checked_add(row))
        .filter(|n| *n <= isize::MAX as usize)
        .ok_or_else(|| {
            Failure::new(
                tileredact_result::InvalidParameter,
                format!("{function}: `stride` {stride} makes the {what} larger than any buffer"),
            )
        })
}

/// The redaction status of tile `z/x/y` as a 256-pixel tile: `TILEREDACT_TILE_CLEAR` (0),
/// `TILEREDACT_TILE_PARTIAL` (1) or `TILEREDACT_TILE_FULL` (2), written to `*out_status` on
/// success only. Exactly what `tileredact_redact_rgba` would do with the tile (a clear tile
/// is not touched, a full one is redacted whole).
///
/// Ownership: borrows the redactor for the call. Errors: `TILEREDACT_RESULT_NULL_POINTER`,
/// `TILEREDACT_RESULT_INVALID_TILE`. Thread-safe.
///
/// # Safety
/// `redactor` must be a live handle; `out_status` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_tile_status(
    redactor: *const tileredact_redactor,
    z: u32,
    x: u32,
    y: u32,
    out_status: *mut u32,
) -> tileredact_result {
    const F: &str = "tileredact_tile_status";
    guard(|| {
        // SAFETY: a live handle (caller).
        let r = unsafe { handle(F, "redactor", redactor) }?;
        let out = out_param(F, "out_status", out_status)?;
        let t = tile(F, z, x, y)?;
        let status = match r.redactor.plan(t, TileSize::S256) {
            TilePlan::Clear => TILEREDACT_TILE_CLEAR,
            TilePlan::Partial => TILEREDACT_TILE_PARTIAL,
            TilePlan::Full => TILEREDACT_TILE_FULL,
        };
        // SAFETY: non-NULL (checked), valid for a write (caller).
        unsafe { out.write(status) };
        Ok(())
    })
}

/// Writes a mask of tile `z/x/y` into `out`: one byte per pixel, row `r` at
/// `out + r * stride`, `width` bytes per row; the bytes between rows are not touched.
///
/// `kind` is `TILEREDACT_MASK_COVERAGE` (0) or `TILEREDACT_MASK_REDACTION` (1); `width` and
/// `height` are both 256 or both 512; `stride >= width`. `out` must hold
/// `stride * (height - 1) + width` bytes. Every argument is checked before `out` is
/// written: on failure `out` is not touched. Ownership: borrows the redactor and `out` for
/// the call; keeps neither.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_ENUM` (`kind`),
/// `TILEREDACT_RESULT_INVALID_PARAMETER` (size), `TILEREDACT_RESULT_STRIDE_TOO_SMALL`,
/// `TILEREDACT_RESULT_INVALID_TILE`. Thread-safe.
///
/// # Safety
/// `redactor` must be a live handle; `out` valid for `stride * (height - 1) + width` bytes of
/// writes, not used by anyone else during the call.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tileredact_tile_mask(
    redactor: *const tileredact_redactor,
    z: u32,
    x: u32,
    y: u32,
    kind: u32,
    out: *mut u8,
    width: u32,
    height: u32,
    stride: usize,
) -> tileredact_result {
    const F: &str = "tileredact_tile_mask";
    guard(|| {
        // SAFETY: a live handle (caller).
        let r = unsafe { handle(F, "redactor", redactor) }?;
        let out = out_param(F, "out", out)?;
        let coverage = enum_arg(
            F,
            "kind",
            kind,
            &[
                (TILEREDACT_MASK_COVERAGE, true),
                (TILEREDACT_MASK_REDACTION, false),
            ],
            "0 (TILEREDACT_MASK_COVERAGE) or 1 (TILEREDACT_MASK_REDACTION)",
        )?;
        let size = square(F, width, height)?;
        let len = stride_len(F, width as usize, height, stride, "mask")?;
        let t = tile(F, z, x, y)?;
        let mask = if coverage {
            r.redactor.zones().coverage_mask(t, size)
        } else {
            r.redactor.mask(t, size)
        };
        // SAFETY: non-NULL (checked); valid for `len` bytes and unaliased (caller); `len`
        // fits in isize (checked).
        let out = unsafe { std::slice::from_raw_parts_mut(out, len) };
        for (row, src) in mask.as_bytes().chunks_exact(width as usize).enumerate() {
            out[row * stride..][..width as usize].copy_from_slice(src);
        }
        Ok(())
    })
}

/// Redacts an RGBA8 tile `z/x/y` in place: `width` x `height` pixels (both 256 or both
/// 512), row `r` at `pixels + r * stride`, 4 bytes per pixel (R, G, B, A).
///
/// `flags`: bit 0 `TILEREDACT_RGBA_PREMULTIPLIED` (premultiplied alpha); any other bit is an
/// error. Pixels outside the redaction mask are not changed, nor are the bytes between rows.
/// `pixels` must hold `stride * (height - 1) + 4 * width` bytes. Every argument is checked
/// first, and the tile is redacted in a copy that is written back only on success: on
/// failure the pixels are as they were. Ownership: borrows the redactor and `pixels` for the
/// call; keeps neither.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_ENUM` (`flags`),
/// `TILEREDACT_RESULT_INVALID_PARAMETER` (size), `TILEREDACT_RESULT_STRIDE_TOO_SMALL`,
/// `TILEREDACT_RESULT_INVALID_TILE`. Thread-safe (for distinct pixel buffers).
///
/// # Safety
/// `redactor` must be a live handle; `pixels` valid for `stride * (height - 1) + 4 * width`
/// bytes of reads and writes, not used by anyone else during the call.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tileredact_redact_rgba(
    redactor: *const tileredact_redactor,
    z: u32,
    x: u32,
    y: u32,
    pixels: *mut u8,
    width: u32,
    height: u32,
    stride: usize,
    flags: u32,
) -> tileredact_result {
    const F: &str = "tileredact_redact_rgba";
    guard(|| {
        // SAFETY: a live handle (caller).
        let r = unsafe { handle(F, "redactor", redactor) }?;
        let pixels = out_param(F, "pixels", pixels)?;
        if flags & !TILEREDACT_RGBA_PREMULTIPLIED != 0 {
            return Err(Failure::new(
                tileredact_result::InvalidEnum,
                format!(
                    "{F}: `flags` is {flags:#x}; expected only bit 0 \
                     (TILEREDACT_RGBA_PREMULTIPLIED) to be set"
                ),
            ));
        }
        let alpha = if flags & TILEREDACT_RGBA_PREMULTIPLIED != 0 {
            AlphaMode::Premultiplied
        } else {
            AlphaMode::Straight
        };
        square(F, width, height)?;
        let row = 4 * width as usize;
        let len = stride_len(F, row, height, stride, "image")?;
        let t = tile(F, z, x, y)?;
        // SAFETY: non-NULL (checked); valid for `len` bytes of reads and writes and unaliased
        // (caller); `len` fits in isize (checked).
        let pixels = unsafe { std::slice::from_raw_parts_mut(pixels, len) };
        let mut copy: Vec<u8> = pixels
            .chunks(stride)
            .flat_map(|r| &r[..row])
            .copied()
            .collect();
        let mut view = ImageViewMut::new(&mut copy, width, height, row, alpha)?;
        r.redactor.redact_rgba(t, &mut view)?;
        for (dst, src) in pixels.chunks_mut(stride).zip(copy.chunks_exact(row)) {
            dst[..row].copy_from_slice(src);
        }
        Ok(())
    })
}

/// Redacts an encoded tile `z/x/y` (PNG, JPEG or WebP, 256 or 512 pixels square; `len`
/// bytes at `data`).
///
/// On success `*out` receives a new buffer owned by the caller (free it with
/// `tileredact_bytes_free`): a copy of the input when the tile is clear, else a freshly
/// encoded image of the same format with no metadata. The input is never modified. On
/// failure `*out` is not written.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER`, `TILEREDACT_RESULT_INVALID_TILE`,
/// `TILEREDACT_RESULT_DECODE` (not a PNG, JPEG or WebP, or corrupt),
/// `TILEREDACT_RESULT_INVALID_PARAMETER` (not 256 or 512 square), `TILEREDACT_RESULT_ENCODE`.
/// Thread-safe.
///
/// # Safety
/// `redactor` must be a live handle; `data` valid for `len` bytes of reads; `out` valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_redact_encoded(
    redactor: *const tileredact_redactor,
    z: u32,
    x: u32,
    y: u32,
    data: *const u8,
    len: usize,
    out: *mut *mut tileredact_bytes,
) -> tileredact_result {
    const F: &str = "tileredact_redact_encoded";
    guard(|| {
        // SAFETY: a live handle (caller).
        let r = unsafe { handle(F, "redactor", redactor) }?;
        // SAFETY: valid for `len` bytes of reads (caller).
        let input = unsafe { bytes(F, "data", data, len) }?;
        let out = out_param(F, "out", out)?;
        let t = tile(F, z, x, y)?;
        let encoded = r.redactor.redact_encoded(t, input)?;
        let h = Box::new(tileredact_bytes {
            bytes: encoded.bytes.into_owned().into_boxed_slice(),
        });
        // SAFETY: non-NULL (checked), valid for a write (caller).
        unsafe { out.write(Box::into_raw(h)) };
        Ok(())
    })
}
