//! Tile codecs: decode a PNG, JPEG or WebP tile to straight RGBA8, and re-encode redacted
//! pixels close to how the input was encoded.
//!
//! # The clean-output promise
//!
//! [`encode`] writes a fresh file from pixels alone: nothing of the input's bytes is copied.
//! The output holds only the chunks or segments needed to show the pixels:
//!
//! * PNG: `IHDR`, `PLTE` and `tRNS` (palette images only), `IDAT`, `IEND`. No `tEXt`,
//!   `zTXt`, `iTXt`, `eXIf`, `iCCP`, `tIME`, `gAMA`, `cHRM`, `sRGB`, `pHYs`, … .
//! * JPEG: `SOI`, the minimal JFIF `APP0` that the encoder always writes (version, density
//!   1:1, no thumbnail), `DQT`, `SOF0`, `DHT`, `SOS`, `EOI`. No `COM`, no other `APPn`
//!   (EXIF, ICC, XMP, Photoshop/IPTC).
//! * WebP: `RIFF`/`WEBP` with `VP8L`, or `VP8`, or `VP8X` + `ALPH` + `VP8` (lossy with
//!   alpha). No `ICCP`, `EXIF`, `XMP`, `ANIM`.
//!
//! Nothing follows the end of the image (`IEND`, `EOI`, the RIFF size). Decoding goes the
//! other way: the decoders are told to skip text and ICC chunks where they can, and whatever
//! metadata they do read is dropped with the decoder.
//!
//! # Decoding is strict and bounded
//!
//! The format is detected from magic bytes ([`TileFormat::detect`]), never from a name.
//! Images wider or higher than [`MAX_DIMENSION`] pixels, or whose RGBA buffer would exceed
//! [`MAX_RGBA_BYTES`], are refused from their headers, before any pixel buffer is allocated.
//! Every malformed input is an [`Error::Decode`] saying what was wrong: truncated files
//! (PNG without `IEND`, JPEG without `EOI`, WebP shorter than its RIFF size), bad CRCs and
//! Adler checksums, JPEG entropy-coded data that runs out (zune-jpeg's strict mode) and
//! animated images (APNG, animated WebP: a tile is one picture). The decoders are pure Rust
//! and none is known to panic on bad input, but a panic inside one is still caught
//! ([`std::panic::catch_unwind`]) and turned into an [`Error::Decode`]: a fail-closed net,
//! so a decoder bug refuses the tile instead of taking down the server. (The panic message
//! still reaches the panic hook, i.e. stderr by default.)
//!
//! # Re-encoding close to the input ([`EncodeHints`])
//!
//! * **PNG** keeps the input's colour model: grey stays grey, a palette stays a palette
//!   (when the pixels still have at most 256 colours; the bit depth is the smallest that
//!   holds them), alpha is kept only if the input had it. The pixels win over the hint when
//!   they do not fit it, so nothing is lost: colour in a grey image widens it to RGB, a pixel
//!   with alpha below 255 in an opaque image adds an alpha channel (dropping it would show
//!   whatever colour sits under a transparent pixel). 16-bit inputs are written as 8-bit.
//!   Compression is fdeflate (`Compression::Fast`) with the Paeth filter on every row
//!   (palette images unfiltered): on the sample imagery the same size as adaptive filtering
//!   in a quarter of the time.
//! * **JPEG** is written baseline with the input's chroma subsampling (4:4:4, 4:2:2, 4:2:0,
//!   …) at the quality estimated from the input's luminance quantisation table: for each
//!   quality 1..=100 the IJG scaling (`scale = q < 50 ? 5000 / q : 200 - 2q`, each entry
//!   `(base * scale + 50) / 100` clamped to 1..=255) of the standard table of ITU-T T.81
//!   Annex K is compared with the file's table (sum of absolute differences) and the closest
//!   quality wins (ties: the higher quality). Files written by IJG-style encoders (libjpeg,
//!   libjpeg-turbo, Pillow, GDAL, `image`, `jpeg-encoder`) get their quality back within a
//!   point or two; other tables (mozjpeg's, Photoshop's) get the IJG quality of similar
//!   coarseness. A greyscale input is written greyscale unless the pixels now have colour.
//!   JPEG has no alpha: alpha is ignored, so the caller must composite before encoding.
//! * **WebP**: lossless in, lossless out (`exact`: colour under transparent pixels is kept).
//!   Lossy in, lossy out at a quality estimated from the VP8 frame header's quantiser
//!   indices: the header is parsed here (RFC 6386 §9.2–9.6, the boolean decoder of §7), the
//!   luma AC index `q` is taken (averaged over segments when segmentation is on) and libwebp's
//!   own quality → index mapping is inverted: libwebp sets `q = 127 * (1 - c)` with
//!   `c = cbrt(l)`, `l = 2/3 * Q` below `Q = 0.75` and `l = 2Q - 1` above (`Q` = quality /
//!   100, for the segment with zero SNS modulation), so `c = 1 - q / 127`, `l = c³`, and
//!   `Q = 1.5 l` if `l < 0.5`, else `(l + 1) / 2`. That is libwebp's curve; files from
//!   other VP8 encoders get a quality of comparable coarseness. Encoding uses libwebp:
//!   lossy at method 1 with lossless alpha; lossless at method 0, effort 0 (on the sample
//!   tiles 15x faster than libwebp's lossless default for files about 20 % larger). Alpha is
//!   kept if the input had it (or the pixels need it).
//!
//! # The lossy grid ([`LossyGrid`])
//!
//! A lossy decoder does not give each pixel its own value: every pixel of a codec block is
//! computed from all of the block's coefficients, so a block that touches a zone carries
//! information about the zone's content in *all* of its pixels, including those outside the
//! zone. The redaction mask over a lossy input must therefore be grown to whole blocks
//! (`block_px`, aligned to the tile origin, hence to the world pixel grid), plus `reach_px`
//! pixels for the decoder steps that blend values across block edges:
//!
//! * **JPEG**: the block is the MCU: 8 px for 4:4:4 and greyscale, 16 px for 4:2:0 and
//!   4:2:2 (16x8 MCUs, taken as 16 both ways), 32 px for 4:1:1. When chroma is subsampled,
//!   "fancy" (triangle) upsampling interpolates each output pixel from the two nearest chroma
//!   samples, so the first pixel past an MCU edge depends on the chroma of the MCU before:
//!   `reach_px` is 1 (half the subsampling factor, rounded up: 2 for 4x subsampling), 0
//!   without subsampling. JPEG's DC prediction is lossless and adds no reach.
//! * **Lossy WebP (VP8)**: 16 px macroblocks, 4:2:0 chroma and fancy upsampling (reach 1).
//!   The in-loop deblocking filter reaches further when it is on (a non-zero filter level in
//!   the frame header or a segment). The *normal* filter modifies up to 3 pixels on each
//!   side of a macroblock edge in the luma plane, and 3 chroma samples (6 image pixels, 7
//!   with upsampling) in the chroma planes; the inner (4x4 subblock) edges then run over
//!   pixels the macroblock-edge filter changed, so the change can be carried, attenuated and
//!   only where the filter's thresholds let it through, to pixel 13 of the next macroblock.
//!   `reach_px` is therefore 16 (one whole macroblock) with the normal filter. The *simple*
//!   filter changes one luma pixel per side and reads two, so its inner edges never see a
//!   changed pixel: `reach_px` 1. Without filtering: 1. (Beyond one macroblock the influence
//!   would have to pass several more gated filter steps; that residue is accepted. VP8's
//!   intra prediction makes each macroblock's quantisation error depend on its neighbours'
//!   edge pixels, an even weaker channel, also accepted.)
//! * **PNG and lossless WebP**: `None`, every pixel is exact.
//!
//! Re-encoding needs no grid: the encoder only ever sees the redacted pixels.

mod jpeg;
mod png;
mod webp;

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Error, Result};

/// Widest and highest tile accepted by the decoders, in pixels.
pub(crate) const MAX_DIMENSION: u32 = 8192;

/// Largest decoded RGBA8 buffer accepted, in bytes (256 MiB).
pub(crate) const MAX_RGBA_BYTES: usize = 256 << 20;

/// The encodings a tile can have.
///
/// ```
/// use tileredact::TileFormat;
///
/// assert_eq!(TileFormat::detect(b"\x89PNG\r\n\x1a\n...."), Some(TileFormat::Png));
/// assert_eq!(TileFormat::detect(b"RIFF\x10\0\0\0WEBPVP8L"), Some(TileFormat::WebP));
/// assert_eq!(TileFormat::detect(b"GIF89a"), None);
/// assert_eq!(TileFormat::Jpeg.name(), "jpeg");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileFormat {
    /// PNG (lossless; any colour type and bit depth on input).
    Png,
    /// JPEG (JFIF/EXIF baseline or progressive).
    Jpeg,
    /// WebP, lossy (VP8) or lossless (VP8L), still images only.
    WebP,
}

impl TileFormat {
    /// The lowercase name: `"png"`, `"jpeg"` or `"webp"` (as in [`Error::Decode`]).
    pub fn name(self) -> &'static str {
        match self {
            TileFormat::Png => "png",
            TileFormat::Jpeg => "jpeg",
            TileFormat::WebP => "webp",
        }
    }

    /// The media type: `image/png`, `image/jpeg` or `image/webp`.
    pub fn mime_type(self) -> &'static str {
        match self {
            TileFormat::Png => "image/png",
            TileFormat::Jpeg => "image/jpeg",
            TileFormat::WebP => "image/webp",
        }
    }

    /// The format of an encoded image from its first bytes (its magic number), or `None`
    /// when they are none of the three. Only the signature is looked at: the rest may still
    /// fail to decode.
    ///
    /// * PNG: the 8-byte signature `89 50 4E 47 0D 0A 1A 0A`;
    /// * JPEG: `FF D8 FF` (SOI and the first marker's `FF`);
    /// * WebP: `RIFF`, a 4-byte size, `WEBP`.
    pub fn detect(bytes: &[u8]) -> Option<TileFormat> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(TileFormat::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(TileFormat::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(TileFormat::WebP)
        } else {
            None
        }
    }
}

impl fmt::Display for TileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A decoded tile: straight-alpha RGBA8 pixels and how to encode them again.
#[derive(Debug, Clone)]
pub(crate) struct DecodedTile {
    /// Tight `width * height * 4` bytes, straight alpha (255 where the input had none).
    pub rgba: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The input's format.
    pub format: TileFormat,
    /// For lossy inputs: the codec block grid the redaction mask must be grown to (see the
    /// module docs). `None` for lossless inputs.
    pub lossy: Option<LossyGrid>,
    /// How to re-encode close to the input.
    pub hints: EncodeHints,
}

/// The block grid of a lossy input (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LossyGrid {
    /// Block size in pixels, both axes, aligned to the tile's top-left corner: 8 or 16 (32 for
    /// JPEG 4:1:1).
    pub block_px: u32,
    /// How many pixels past a block edge the decoded values can still depend on the block:
    /// 0 (JPEG 4:4:4), 1 (chroma upsampling), 16 (VP8's normal loop filter).
    pub reach_px: u32,
}

/// The colour channels of an input, which the PNG encoder keeps (widening when the pixels
/// need more; see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorModel {
    /// One grey channel.
    Gray,
    /// Grey and alpha (also a grey PNG with a `tRNS` key).
    GrayAlpha,
    /// Red, green, blue.
    Rgb,
    /// Red, green, blue, alpha (also an RGB PNG with a `tRNS` key).
    Rgba,
    /// A palette of up to 256 entries, with alpha when the input had a `tRNS` chunk.
    Indexed {
        /// Whether the palette had transparency.
        alpha: bool,
    },
}

impl ColorModel {
    /// Whether the input had an alpha channel (or transparency by `tRNS`).
    pub(crate) fn has_alpha(self) -> bool {
        matches!(
            self,
            ColorModel::GrayAlpha | ColorModel::Rgba | ColorModel::Indexed { alpha: true }
        )
    }

    /// Whether the input was greyscale.
    pub(crate) fn is_gray(self) -> bool {
        matches!(self, ColorModel::Gray | ColorModel::GrayAlpha)
    }
}

/// Chroma subsampling of a JPEG (or VP8: always 4:2:0), as the luma sampling factors
/// relative to chroma: `(1, 1)` is 4:4:4, `(2, 1)` 4:2:2, `(2, 2)` 4:2:0, `(4, 1)` 4:1:1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Subsampling {
    /// Horizontal factor: luma samples per chroma sample along a row.
    pub h: u8,
    /// Vertical factor: luma rows per chroma row.
    pub v: u8,
}

#[allow(dead_code)] // S422 is for callers (and the tests); the Redactor wires codecs next.
impl Subsampling {
    /// 4:4:4 (no subsampling).
    pub(crate) const S444: Subsampling = Subsampling { h: 1, v: 1 };
    /// 4:2:2.
    pub(crate) const S422: Subsampling = Subsampling { h: 2, v: 1 };
    /// 4:2:0.
    pub(crate) const S420: Subsampling = Subsampling { h: 2, v: 2 };

    /// Whether chroma is subsampled at all.
    pub(crate) fn is_subsampled(self) -> bool {
        self.h > 1 || self.v > 1
    }
}

/// How to re-encode a tile close to its input (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EncodeHints {
    /// The format to write.
    pub format: TileFormat,
    /// Lossless (PNG, lossless WebP) or lossy (JPEG, lossy WebP).
    pub lossless: bool,
    /// Lossy quality 1..=100: JPEG estimated from the luminance quantisation table, WebP
    /// from the VP8 quantiser index. Unused when `lossless`.
    pub quality: u8,
    /// The input's colour channels: PNG writes this colour type (widened when the pixels
    /// need it); `Gray` makes a JPEG greyscale; an alpha model keeps alpha in WebP.
    pub color: ColorModel,
    /// JPEG: the chroma subsampling to write. Lossy WebP: always 4:2:0. Otherwise 4:4:4.
    pub subsampling: Subsampling,
}

impl EncodeHints {
    /// PNG with the given colour model.
    pub(crate) fn png(color: ColorModel) -> Self {
        EncodeHints {
            format: TileFormat::Png,
            lossless: true,
            quality: 100,
            color,
            subsampling: Subsampling::S444,
        }
    }

    /// JPEG at `quality` (clamped to 1..=100) with the given subsampling, colour or grey.
    pub(crate) fn jpeg(quality: u8, subsampling: Subsampling, gray: bool) -> Self {
        EncodeHints {
            format: TileFormat::Jpeg,
            lossless: false,
            quality: quality.clamp(1, 100),
            color: if gray {
                ColorModel::Gray
            } else {
                ColorModel::Rgb
            },
            subsampling,
        }
    }

    /// WebP, lossless or lossy at `quality` (clamped to 1..=100), with or without alpha.
    pub(crate) fn webp(lossless: bool, quality: u8, alpha: bool) -> Self {
        EncodeHints {
            format: TileFormat::WebP,
            lossless,
            quality: quality.clamp(1, 100),
            color: if alpha {
                ColorModel::Rgba
            } else {
                ColorModel::Rgb
            },
            subsampling: if lossless {
                Subsampling::S444
            } else {
                Subsampling::S420
            },
        }
    }
}

/// Decodes a PNG, JPEG or WebP tile (detected by magic bytes) to straight RGBA8.
///
/// # Errors
/// [`Error::Decode`] for an unknown format, a malformed or truncated file, an animated image,
/// or one larger than [`MAX_DIMENSION`] / [`MAX_RGBA_BYTES`] (refused before allocating).
pub(crate) fn decode(bytes: &[u8]) -> Result<DecodedTile> {
    let format = TileFormat::detect(bytes).ok_or_else(|| Error::Decode {
        format: "unknown",
        reason: format!(
            "not a PNG, JPEG or WebP file (first bytes {})",
            hex_prefix(bytes, 12)
        ),
    })?;
    let tile = guard(format.name(), || match format {
        TileFormat::Png => png::decode(bytes),
        TileFormat::Jpeg => jpeg::decode(bytes),
        TileFormat::WebP => webp::decode(bytes),
    })?;
    debug_assert_eq!(
        tile.rgba.len(),
        tile.width as usize * tile.height as usize * 4
    );
    Ok(tile)
}

/// Decodes a PNG, JPEG or WebP tile (detected by its magic bytes) to tight straight-alpha
/// RGBA8 pixels: `(pixels, width, height)`, with the same strict checks and size limits as
/// [`crate::Redactor::redact_encoded`]. For tools that compare tiles (for example a check
/// that an archive was redacted).
///
/// ```
/// use tileredact::{Policy, Redactor, TileFormat, TileId, TileSize, ZoneSet, decode_rgba};
///
/// let redactor = Redactor::new(ZoneSet::from_zones(Vec::new()), &Policy::default(), None).unwrap();
/// let tile = TileId::new(3, 1, 2).unwrap();
/// let png = redactor.fully_redacted_tile(tile, TileSize::S256, TileFormat::Png).unwrap();
/// let (rgba, w, h) = decode_rgba(&png).unwrap();
/// assert_eq!((w, h, rgba.len()), (256, 256, 256 * 256 * 4));
/// assert_eq!(&rgba[..4], &[0x80, 0x80, 0x80, 255]);
/// ```
///
/// # Errors
/// [`Error::Decode`] for an unknown format, a malformed or truncated file, an animated image
/// or one beyond the size limits.
pub fn decode_rgba(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32)> {
    let d = decode(bytes)?;
    Ok((d.rgba, d.width, d.height))
}

/// How an encoded tile was encoded (format, colour model, JPEG quality and subsampling,
/// WebP lossiness), to encode other pixels the same way: what the redactor does with the
/// tiles it changes, for tools that re-sample tiles (the warp of a whole archive). Comes from
/// [`decode_rgba_with_encoding`].
///
/// ```
/// use tileredact::{Policy, Redactor, TileFormat, TileId, TileSize, ZoneSet, decode_rgba_with_encoding};
///
/// let redactor = Redactor::new(ZoneSet::from_zones(Vec::new()), &Policy::default(), None).unwrap();
/// let jpeg = redactor
///     .fully_redacted_tile(TileId::new(3, 1, 2).unwrap(), TileSize::S256, TileFormat::Jpeg)
///     .unwrap();
/// let (rgba, w, h, enc) = decode_rgba_with_encoding(&jpeg).unwrap();
/// assert_eq!((enc.format(), enc.quality()), (TileFormat::Jpeg, Some(90)));
/// let again = enc.encode(&rgba, w, h).unwrap();
/// assert_eq!(TileFormat::detect(&again), Some(TileFormat::Jpeg));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TileEncoding(EncodeHints);

impl TileEncoding {
    /// The format the pixels are encoded in.
    pub fn format(self) -> TileFormat {
        self.0.format
    }

    /// The lossy quality 1..=100 (estimated from the input), or `None` for lossless formats.
    pub fn quality(self) -> Option<u8> {
        (!self.0.lossless).then_some(self.0.quality)
    }

    /// Encodes tight straight-alpha RGBA8 pixels (`width * height * 4` bytes) this way, into
    /// a fresh buffer with no metadata. JPEG has no alpha: the colour channels are written
    /// as they are, whatever the alpha (composite first if that matters). PNG and WebP add
    /// an alpha channel when a pixel needs it.
    ///
    /// # Errors
    /// [`Error::BufferSize`] if `rgba` has the wrong length, [`Error::InvalidParameter`] for
    /// a zero size, [`Error::Encode`] if the encoder fails.
    pub fn encode(self, rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
        encode(rgba, width, height, &self.0)
    }
}

/// [`decode_rgba`], plus how the tile was encoded ([`TileEncoding`]).
///
/// # Errors
/// As [`decode_rgba`].
pub fn decode_rgba_with_encoding(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32, TileEncoding)> {
    let d = decode(bytes)?;
    Ok((d.rgba, d.width, d.height, TileEncoding(d.hints)))
}

/// Encodes tight straight-alpha RGBA8 pixels as `hints` say, into a fresh buffer with no
/// metadata and nothing after the image's end.
///
/// # Errors
/// [`Error::BufferSize`] if `rgba` is not `width * height * 4` bytes,
/// [`Error::InvalidParameter`] for a zero size, [`Error::Encode`] if the encoder fails (or a
/// size beyond [`MAX_DIMENSION`]).
pub(crate) fn encode(rgba: &[u8], width: u32, height: u32, hints: &EncodeHints) -> Result<Vec<u8>> {
    if width == 0 || height == 0 {
        return Err(Error::param(
            "image size",
            format!("is {width}x{height}; expected a width and a height of at least 1 pixel"),
        ));
    }
    let name = hints.format.name();
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(Error::Encode {
            format: name,
            reason: format!(
                "{width}x{height} is larger than the limit of {MAX_DIMENSION}x{MAX_DIMENSION}"
            ),
        });
    }
    let expected = width as usize * height as usize * 4;
    if rgba.len() != expected {
        return Err(Error::BufferSize {
            expected,
            actual: rgba.len(),
            what: "tight RGBA8 tile: width * height * 4",
        });
    }
    let result = catch_unwind(AssertUnwindSafe(|| match hints.format {
        TileFormat::Png => png::encode(rgba, width, height, hints.color),
        TileFormat::Jpeg => jpeg::encode(rgba, width, height, hints),
        TileFormat::WebP => webp::encode(rgba, width, height, hints),
    }));
    result.unwrap_or_else(|panic| {
        Err(Error::Encode {
            format: name,
            reason: format!("the encoder panicked: {}", panic_message(&panic)),
        })
    })
}

/// Runs a decoder, turning a panic into an [`Error::Decode`]: the fail-closed net of the
/// module docs. Not a substitute for handling errors: every known failure returns `Err`.
fn guard(format: &'static str, f: impl FnOnce() -> Result<DecodedTile>) -> Result<DecodedTile> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        Err(Error::Decode {
            format,
            reason: format!(
                "the decoder panicked ({}); the tile is refused",
                panic_message(&panic)
            ),
        })
    })
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "no message".to_string()
    }
}

/// Refuses sizes beyond the limits (and zero sizes) from the header, before allocating.
fn check_size(format: &'static str, width: u32, height: u32) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(decode_err(
            format,
            format!("the header declares an empty image ({width}x{height})"),
        ));
    }
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        return Err(decode_err(
            format,
            format!(
                "the header declares {width}x{height} pixels, larger than the limit of \
                 {MAX_DIMENSION}x{MAX_DIMENSION}; refused before decoding"
            ),
        ));
    }
    let bytes = width as u64 * height as u64 * 4;
    if bytes > MAX_RGBA_BYTES as u64 {
        return Err(decode_err(
            format,
            format!(
                "{width}x{height} pixels need {bytes} bytes of RGBA, more than the limit of \
                 {MAX_RGBA_BYTES} bytes; refused before decoding"
            ),
        ));
    }
    Ok(())
}

fn decode_err(format: &'static str, reason: impl Into<String>) -> Error {
    Error::Decode {
        format,
        reason: reason.into(),
    }
}

fn encode_err(format: &'static str, reason: impl Into<String>) -> Error {
    Error::Encode {
        format,
        reason: reason.into(),
    }
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    if bytes.is_empty() {
        return "none: the input is empty".to_string();
    }
    bytes
        .iter()
        .take(n)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether every pixel is opaque.
fn all_opaque(rgba: &[u8]) -> bool {
    // Two pixels per 64-bit word, AND-folded over blocks of 64 pixels (a contiguous
    // reduction that vectorises), with an early exit per block.
    const ALPHA: u64 = 0xFF00_0000_FF00_0000;
    let (words, rest) = rgba.as_chunks::<8>();
    words.chunks(32).all(|block| {
        block
            .iter()
            .fold(ALPHA, |acc, w| acc & u64::from_le_bytes(*w))
            & ALPHA
            == ALPHA
    }) && rest.chunks_exact(4).all(|p| p[3] == 255)
}

/// Whether every pixel is grey (`r == g == b`).
fn all_gray(rgba: &[u8]) -> bool {
    // `w ^ (w >> 8)` holds `r ^ g` and `g ^ b` in the two low bytes of each pixel of a
    // 64-bit word: OR-folded over blocks, as `all_opaque`.
    const RG_GB: u64 = 0x0000_FFFF_0000_FFFF;
    let (words, rest) = rgba.as_chunks::<8>();
    words.chunks(32).all(|block| {
        block.iter().fold(0, |acc, w| {
            let w = u64::from_le_bytes(*w);
            acc | ((w ^ (w >> 8)) & RG_GB)
        }) == 0
    }) && rest.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2])
}

#[cfg(test)]
mod tests;
