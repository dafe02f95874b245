//! WebP: a RIFF walk and a VP8 frame-header parser of our own (container checks, animation,
//! quantiser and loop filter), image-webp decodes, libwebp (the `webp` crate) encodes.

use std::io::Cursor;

use image_webp::WebPDecoder;

use super::{
    DecodedTile, EncodeHints, LossyGrid, MAX_RGBA_BYTES, TileFormat, all_opaque, check_size,
    decode_err, encode_err,
};
use crate::error::Result;

const NAME: &str = "webp";

/// What the container walk learns.
#[derive(Debug, Default)]
struct Container<'a> {
    /// The `VP8 ` chunk's payload (lossy image data), if any.
    vp8: Option<&'a [u8]>,
    /// Whether a `VP8L` chunk (lossless image data) is present.
    vp8l: Option<&'a [u8]>,
    /// `VP8X` canvas size.
    canvas: Option<(u32, u32)>,
}

fn u24(b: &[u8]) -> u32 {
    u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16
}

/// Walks the RIFF chunks: the file must hold its whole RIFF size (bytes after it are ignored,
/// and never copied), every chunk must fit, and no chunk may be an animation.
fn read_container(bytes: &[u8]) -> Result<Container<'_>> {
    let riff_size = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
    let end = riff_size
        .checked_add(8)
        .filter(|&e| e >= 12)
        .ok_or_else(|| decode_err(NAME, format!("RIFF size {riff_size} is too small")))?;
    if end > bytes.len() {
        return Err(decode_err(
            NAME,
            format!(
                "the file is truncated: the RIFF header declares {end} bytes, the file has {}",
                bytes.len()
            ),
        ));
    }
    let mut c = Container::default();
    let mut pos = 12;
    let mut first = true;
    while pos < end {
        let head = bytes
            .get(pos..pos + 8)
            .filter(|_| pos + 8 <= end)
            .ok_or_else(|| {
                decode_err(
                    NAME,
                    format!("a chunk header at byte {pos} runs past the RIFF end"),
                )
            })?;
        let fourcc: [u8; 4] = [head[0], head[1], head[2], head[3]];
        let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let start = pos + 8;
        let stop = start
            .checked_add(size)
            .filter(|&s| s <= end)
            .ok_or_else(|| {
                decode_err(
                    NAME,
                    format!(
                        "chunk {:?} at byte {pos} declares {size} bytes, past the RIFF end",
                        String::from_utf8_lossy(&fourcc)
                    ),
                )
            })?;
        let payload = &bytes[start..stop];
        match &fourcc {
            b"VP8X" => {
                if !first {
                    return Err(decode_err(NAME, "VP8X is not the first chunk"));
                }
                if payload.len() < 10 {
                    return Err(decode_err(NAME, "the VP8X chunk is too short"));
                }
                if payload[0] & 0x02 != 0 {
                    return Err(decode_err(
                        NAME,
                        "animated WebP (VP8X animation flag): a tile must be a single image",
                    ));
                }
                c.canvas = Some((1 + u24(&payload[4..7]), 1 + u24(&payload[7..10])));
            }
            b"ANIM" | b"ANMF" => {
                return Err(decode_err(
                    NAME,
                    "animated WebP (ANIM/ANMF chunk): a tile must be a single image",
                ));
            }
            b"VP8 " => {
                if c.vp8.is_some() || c.vp8l.is_some() {
                    return Err(decode_err(NAME, "more than one image chunk"));
                }
                c.vp8 = Some(payload);
            }
            b"VP8L" => {
                if c.vp8.is_some() || c.vp8l.is_some() {
                    return Err(decode_err(NAME, "more than one image chunk"));
                }
                c.vp8l = Some(payload);
            }
            _ => {} // ALPH is read by the decoder; ICCP, EXIF, XMP, unknown: dropped.
        }
        if first && !matches!(&fourcc, b"VP8X" | b"VP8 " | b"VP8L") {
            return Err(decode_err(
                NAME,
                format!(
                    "the first chunk is {:?}, not VP8, VP8L or VP8X",
                    String::from_utf8_lossy(&fourcc)
                ),
            ));
        }
        first = false;
        pos = stop + (size & 1);
    }
    if c.vp8.is_none() && c.vp8l.is_none() {
        return Err(decode_err(NAME, "no image data (VP8 or VP8L chunk)"));
    }
    Ok(c)
}

/// VP8's boolean entropy decoder (RFC 6386 §7.3), reading zeros past the end like libvpx.
struct BoolDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    value: u32,
    range: u32,
    bit_count: u32,
}

impl<'a> BoolDecoder<'a> {
    fn new(data: &'a [u8]) -> Self {
        let b = |i: usize| u32::from(data.get(i).copied().unwrap_or(0));
        BoolDecoder {
            data,
            pos: 2,
            value: (b(0) << 8) | b(1),
            range: 255,
            bit_count: 0,
        }
    }

    fn bool(&mut self, prob: u32) -> bool {
        let split = 1 + (((self.range - 1) * prob) >> 8);
        let big_split = split << 8;
        let bit = if self.value >= big_split {
            self.range -= split;
            self.value -= big_split;
            true
        } else {
            self.range = split;
            false
        };
        while self.range < 128 {
            self.value <<= 1;
            self.range <<= 1;
            self.bit_count += 1;
            if self.bit_count == 8 {
                self.bit_count = 0;
                self.value |= u32::from(self.data.get(self.pos).copied().unwrap_or(0));
                self.pos += 1;
            }
        }
        bit
    }

    /// `L(n)`: an n-bit unsigned literal, most significant bit first.
    fn literal(&mut self, n: u32) -> i32 {
        (0..n).fold(0, |v, _| (v << 1) | i32::from(self.bool(128)))
    }

    /// A flag, then if set an n-bit magnitude and a sign bit; 0 when the flag is clear.
    fn optional_signed(&mut self, n: u32) -> i32 {
        if !self.bool(128) {
            return 0;
        }
        let v = self.literal(n);
        if self.bool(128) { -v } else { v }
    }
}

/// What the VP8 key-frame header says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Vp8Header {
    pub width: u32,
    pub height: u32,
    /// The luma AC quantiser index 0..=127, averaged over segments when they set their own.
    pub q_index: f64,
    /// Frame loop filter level (0: no filtering).
    pub filter_level: i32,
    /// Simple (true) or normal loop filter.
    pub simple_filter: bool,
}

/// Parses the frame tag, the key-frame start code and size, and the first partition's frame
/// header up to the quantiser indices (RFC 6386 §9.1–9.6, §19.2).
pub(super) fn read_vp8_header(vp8: &[u8]) -> Result<Vp8Header> {
    let head = vp8
        .get(..10)
        .ok_or_else(|| decode_err(NAME, "the VP8 chunk is too short for a frame header"))?;
    let tag = u24(&head[..3]);
    if tag & 1 != 0 {
        return Err(decode_err(NAME, "the VP8 frame is not a key frame"));
    }
    if head[3..6] != [0x9d, 0x01, 0x2a] {
        return Err(decode_err(NAME, "bad VP8 start code"));
    }
    let width = u32::from(u16::from_le_bytes([head[6], head[7]]) & 0x3FFF);
    let height = u32::from(u16::from_le_bytes([head[8], head[9]]) & 0x3FFF);
    let first_part = (tag >> 5) as usize;
    let part = vp8
        .get(10..10 + first_part)
        .ok_or_else(|| decode_err(NAME, "the VP8 first partition runs past its chunk"))?;
    let mut d = BoolDecoder::new(part);
    let _color_space = d.literal(1);
    let _clamping = d.literal(1);
    let segmentation = d.bool(128);
    let mut seg_quant: Option<([i32; 4], bool)> = None;
    if segmentation {
        let update_map = d.bool(128);
        let update_data = d.bool(128);
        if update_data {
            let absolute = d.bool(128);
            let mut q = [0i32; 4];
            for v in &mut q {
                *v = d.optional_signed(7);
            }
            for _ in 0..4 {
                d.optional_signed(6); // loop filter level per segment
            }
            seg_quant = Some((q, absolute));
        }
        if update_map {
            for _ in 0..3 {
                if d.bool(128) {
                    d.literal(8);
                }
            }
        }
    }
    let simple_filter = d.bool(128);
    let filter_level = d.literal(6);
    let _sharpness = d.literal(3);
    if d.bool(128) && d.bool(128) {
        // loop_filter_adj_enable, mode_ref_lf_delta_update: 4 ref + 4 mode deltas.
        for _ in 0..8 {
            d.optional_signed(6);
        }
    }
    let _partitions = d.literal(2);
    let y_ac_qi = d.literal(7);
    let q_index = match seg_quant {
        Some((q, absolute)) => {
            q.iter()
                .map(|&s| f64::from(if absolute { s } else { y_ac_qi + s }.clamp(0, 127)))
                .sum::<f64>()
                / 4.0
        }
        None => f64::from(y_ac_qi),
    };
    Ok(Vp8Header {
        width,
        height,
        q_index,
        filter_level,
        simple_filter,
    })
}

/// libwebp's quality → quantiser mapping, inverted (see the module docs of `codec`).
pub(super) fn quality_from_q_index(q: f64) -> u8 {
    let c = (1.0 - q / 127.0).clamp(0.0, 1.0);
    let l = c * c * c;
    let quality = if l < 0.5 { 1.5 * l } else { (l + 1.0) / 2.0 };
    (quality * 100.0).round().clamp(1.0, 100.0) as u8
}

pub(super) fn decode(bytes: &[u8]) -> Result<DecodedTile> {
    let container = read_container(bytes)?;
    if let Some((w, h)) = container.canvas {
        check_size(NAME, w, h)?;
    }
    let vp8 = container.vp8.map(read_vp8_header).transpose()?;
    if let Some(h) = &vp8 {
        check_size(NAME, h.width, h.height)?;
    }
    if let Some(l) = container.vp8l {
        let head = l
            .get(..5)
            .ok_or_else(|| decode_err(NAME, "the VP8L chunk is too short for its header"))?;
        if head[0] != 0x2f {
            return Err(decode_err(NAME, "bad VP8L signature"));
        }
        let bits = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
        check_size(NAME, 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF))?;
    }

    let err = |e: image_webp::DecodingError| decode_err(NAME, e.to_string());
    let mut decoder = WebPDecoder::new(Cursor::new(bytes)).map_err(err)?;
    decoder.set_memory_limit(MAX_RGBA_BYTES);
    if decoder.is_animated() {
        return Err(decode_err(
            NAME,
            "animated WebP: a tile must be a single image",
        ));
    }
    let (width, height) = decoder.dimensions();
    check_size(NAME, width, height)?;
    if let Some(h) = &vp8
        && (h.width, h.height) != (width, height)
    {
        return Err(decode_err(
            NAME,
            "the VP8 frame size differs from the canvas size",
        ));
    }
    let alpha = decoder.has_alpha();
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| decode_err(NAME, "the frame size overflows"))?;
    let mut buf = vec![0u8; size];
    decoder.read_image(&mut buf).map_err(err)?;
    let rgba = if alpha {
        buf
    } else {
        let mut out = vec![255u8; width as usize * height as usize * 4];
        for (src, dst) in buf.chunks_exact(3).zip(out.chunks_exact_mut(4)) {
            dst[..3].copy_from_slice(src);
        }
        out
    };
    let (lossy, hints) = match vp8 {
        Some(h) => {
            let reach_px = if h.filter_level != 0 && !h.simple_filter {
                16
            } else {
                1
            };
            (
                Some(LossyGrid {
                    block_px: 16,
                    reach_px,
                }),
                EncodeHints::webp(false, quality_from_q_index(h.q_index), alpha),
            )
        }
        None => (None, EncodeHints::webp(true, 100, alpha)),
    };
    Ok(DecodedTile {
        rgba,
        width,
        height,
        format: TileFormat::WebP,
        lossy,
        hints,
    })
}

pub(super) fn encode(rgba: &[u8], width: u32, height: u32, hints: &EncodeHints) -> Result<Vec<u8>> {
    let alpha = hints.color.has_alpha() || !all_opaque(rgba);
    let mut config =
        webp::WebPConfig::new().map_err(|()| encode_err(NAME, "libwebp rejected its defaults"))?;
    config.thread_level = 0;
    if hints.lossless {
        config.lossless = 1;
        // libwebp's lossless preset 0 (method 0, effort 0): the fastest.
        config.method = 0;
        config.quality = 0.0;
        // Keep the colour of transparent pixels: lossless means lossless.
        config.exact = 1;
    } else {
        config.lossless = 0;
        config.quality = f32::from(hints.quality.clamp(1, 100));
        config.method = 1;
        config.alpha_compression = 1;
        config.alpha_quality = 100;
        config.alpha_filtering = 1;
    }
    let rgb: Vec<u8>;
    let encoder = if alpha {
        webp::Encoder::from_rgba(rgba, width, height)
    } else {
        rgb = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        webp::Encoder::from_rgb(&rgb, width, height)
    };
    let memory = encoder
        .encode_advanced(&config)
        .map_err(|e| encode_err(NAME, format!("libwebp failed: {e:?}")))?;
    Ok(memory.to_vec())
}
