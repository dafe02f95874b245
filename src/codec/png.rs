//! PNG through the `png` crate: every colour type and bit depth in, the input's colour model
//! out (see the parent module).

use std::collections::HashMap;
use std::io::Cursor;

use png::{BitDepth, ColorType, Compression, DecodeOptions, Decoder, Filter, Transformations};

use super::{
    ColorModel, DecodedTile, EncodeHints, MAX_RGBA_BYTES, TileFormat, all_gray, all_opaque,
    check_size, decode_err, encode_err,
};
use crate::error::Result;

const NAME: &str = "png";

fn derr(e: png::DecodingError) -> crate::error::Error {
    let reason = match e {
        png::DecodingError::IoError(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the file is truncated (unexpected end of data before IEND)".to_string()
        }
        e => e.to_string(),
    };
    decode_err(NAME, reason)
}

pub(super) fn decode(bytes: &[u8]) -> Result<DecodedTile> {
    let mut options = DecodeOptions::default();
    // Metadata is never needed: skip what can be skipped.
    options.set_ignore_text_chunk(true);
    options.set_ignore_iccp_chunk(true);
    // Fail closed: every checksum must hold.
    options.set_ignore_adler32(false);
    options.set_ignore_crc(false);
    options.set_skip_ancillary_crc_failures(false);
    let mut decoder = Decoder::new_with_options(Cursor::new(bytes), options);
    let (width, height, source_type) = {
        let info = decoder.read_header_info().map_err(derr)?;
        (info.width, info.height, info.color_type)
    };
    check_size(NAME, width, height)?;
    // The decoder's own limit covers its intermediate buffers (rows, palette, chunks); the
    // frame buffer below is ours and already bounded by check_size.
    decoder.set_limits(png::Limits {
        bytes: MAX_RGBA_BYTES,
    });
    decoder.set_transformations(Transformations::EXPAND);
    let mut reader = decoder.read_info().map_err(derr)?;
    if reader.info().animation_control().is_some() {
        return Err(decode_err(
            NAME,
            "animated PNG (acTL chunk): a tile must be a single image",
        ));
    }
    let has_trns = reader.info().trns.is_some();
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| decode_err(NAME, "the frame size overflows"))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(derr)?;
    // Read on to IEND: a file cut after its image data is still truncated, and the CRCs of
    // the remaining chunks are checked.
    reader.finish().map_err(derr)?;
    if frame.width != width || frame.height != height {
        return Err(decode_err(NAME, "the frame size differs from the header"));
    }
    buf.truncate(frame.buffer_size());
    let rgba = if frame.color_type == ColorType::Rgba && frame.bit_depth == BitDepth::Eight {
        buf
    } else {
        to_rgba(&buf, width, height, frame.color_type, frame.bit_depth)?
    };
    let color = match source_type {
        ColorType::Grayscale if has_trns => ColorModel::GrayAlpha,
        ColorType::Grayscale => ColorModel::Gray,
        ColorType::GrayscaleAlpha => ColorModel::GrayAlpha,
        ColorType::Rgb if has_trns => ColorModel::Rgba,
        ColorType::Rgb => ColorModel::Rgb,
        ColorType::Rgba => ColorModel::Rgba,
        ColorType::Indexed => ColorModel::Indexed { alpha: has_trns },
    };
    Ok(DecodedTile {
        rgba,
        width,
        height,
        format: TileFormat::Png,
        lossy: None,
        hints: EncodeHints::png(color),
    })
}

/// 16-bit sample to 8 bits, rounded (`round(v * 255 / 65535)`).
fn scale16(hi: u8, lo: u8) -> u8 {
    let v = u32::from(u16::from_be_bytes([hi, lo]));
    ((v * 255 + 32767) / 65535) as u8
}

/// The decoder's output (after `EXPAND`: 8- or 16-bit grey, grey+alpha, RGB or RGBA) to RGBA8.
fn to_rgba(
    buf: &[u8],
    width: u32,
    height: u32,
    color: ColorType,
    depth: BitDepth,
) -> Result<Vec<u8>> {
    let n = width as usize * height as usize;
    let channels = match color {
        ColorType::Grayscale => 1,
        ColorType::GrayscaleAlpha => 2,
        ColorType::Rgb => 3,
        ColorType::Rgba => 4,
        ColorType::Indexed => {
            return Err(decode_err(NAME, "palette was not expanded"));
        }
    };
    let bps = match depth {
        BitDepth::Eight => 1,
        BitDepth::Sixteen => 2,
        d => {
            return Err(decode_err(
                NAME,
                format!("unexpected {d:?}-bit output after expansion"),
            ));
        }
    };
    let stride = channels * bps;
    if buf.len() < n * stride {
        return Err(decode_err(NAME, "the decoded frame is short"));
    }
    // The common cases first, without per-sample branches.
    if bps == 1 && channels == 4 {
        return Ok(buf[..n * 4].to_vec());
    }
    if bps == 1 && channels == 3 {
        let mut out = vec![0u8; n * 4];
        rgb_to_rgba(&buf[..n * 3], &mut out);
        return Ok(out);
    }
    let mut out = vec![0u8; n * 4];
    for (src, dst) in buf.chunks_exact(stride).zip(out.chunks_exact_mut(4)) {
        let s = |i: usize| -> u8 {
            if bps == 1 {
                src[i]
            } else {
                scale16(src[2 * i], src[2 * i + 1])
            }
        };
        let px = match channels {
            1 => [s(0), s(0), s(0), 255],
            2 => [s(0), s(0), s(0), s(1)],
            3 => [s(0), s(1), s(2), 255],
            _ => [s(0), s(1), s(2), s(3)],
        };
        dst.copy_from_slice(&px);
    }
    Ok(out)
}

/// RGB to opaque RGBA (`rgba.len() / 4 == rgb.len() / 3`), at the machine's CPU level
/// (plain per-pixel copies the compiler turns into shuffles).
fn rgb_to_rgba(rgb: &[u8], rgba: &mut [u8]) {
    struct Run<'a>(&'a [u8], &'a mut [u8]);
    impl pulp::WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let (src, _) = self.0.as_chunks::<3>();
            let (dst, _) = self.1.as_chunks_mut::<4>();
            for (s, d) in src.iter().zip(dst.iter_mut()) {
                *d = [s[0], s[1], s[2], 255];
            }
        }
    }
    crate::simd::arch().dispatch(Run(rgb, rgba));
}

/// RGBA to RGB, dropping alpha (`rgb.len() / 3 == rgba.len() / 4`), as [`rgb_to_rgba`].
fn rgba_to_rgb(rgba: &[u8], rgb: &mut [u8]) {
    struct Run<'a>(&'a [u8], &'a mut [u8]);
    impl pulp::WithSimd for Run<'_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let (src, _) = self.0.as_chunks::<4>();
            let (dst, _) = self.1.as_chunks_mut::<3>();
            for (s, d) in src.iter().zip(dst.iter_mut()) {
                *d = [s[0], s[1], s[2]];
            }
        }
    }
    crate::simd::arch().dispatch(Run(rgba, rgb));
}

/// A palette for the pixels if they have at most 256 colours: (palette RGB, tRNS, indices).
/// Entries with alpha come first so that `tRNS` stays short.
fn palettize(rgba: &[u8]) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let mut index: HashMap<[u8; 4], u8> = HashMap::new();
    let mut colors: Vec<[u8; 4]> = Vec::new();
    let mut last: Option<([u8; 4], u8)> = None;
    let mut indices = Vec::with_capacity(rgba.len() / 4);
    for p in rgba.chunks_exact(4) {
        let px = [p[0], p[1], p[2], p[3]];
        if let Some((c, i)) = last
            && c == px
        {
            indices.push(i);
            continue;
        }
        let i = match index.get(&px) {
            Some(&i) => i,
            None => {
                if colors.len() == 256 {
                    return None;
                }
                let i = colors.len() as u8;
                index.insert(px, i);
                colors.push(px);
                i
            }
        };
        last = Some((px, i));
        indices.push(i);
    }
    // Reorder: translucent entries first (stable), so tRNS ends at the last translucent one.
    let mut order: Vec<usize> = (0..colors.len()).collect();
    order.sort_by_key(|&i| colors[i][3] == 255);
    let mut remap = [0u8; 256];
    for (new, &old) in order.iter().enumerate() {
        remap[old] = new as u8;
    }
    for i in &mut indices {
        *i = remap[*i as usize];
    }
    let mut palette = Vec::with_capacity(colors.len() * 3);
    let mut trns = Vec::new();
    for &old in &order {
        let c = colors[old];
        palette.extend_from_slice(&c[..3]);
        if c[3] != 255 {
            trns.push(c[3]);
        }
    }
    Some((palette, trns, indices))
}

/// Packs 8-bit indices into `bits`-bit samples, rows padded to whole bytes (MSB first).
fn pack(indices: &[u8], width: usize, bits: u8) -> Vec<u8> {
    if bits == 8 {
        return indices.to_vec();
    }
    let per_byte = 8 / bits as usize;
    let row_bytes = width.div_ceil(per_byte);
    let mut out = Vec::with_capacity(row_bytes * indices.len() / width);
    for row in indices.chunks_exact(width) {
        for chunk in row.chunks(per_byte) {
            let mut b = 0u8;
            for (k, &i) in chunk.iter().enumerate() {
                b |= i << (8 - bits as usize * (k + 1));
            }
            out.push(b);
        }
    }
    out
}

pub(super) fn encode(rgba: &[u8], width: u32, height: u32, color: ColorModel) -> Result<Vec<u8>> {
    // The pixels win over the hint when they do not fit it (module docs).
    let alpha = color.has_alpha() || !all_opaque(rgba);
    let mut palette = None;
    if let ColorModel::Indexed { .. } = color {
        palette = palettize(rgba);
    }
    let (ctype, depth, data, plte, trns): (ColorType, BitDepth, Vec<u8>, _, _) =
        if let Some((plte, trns, indices)) = palette {
            let bits = match plte.len() / 3 {
                0..=2 => 1u8,
                3..=4 => 2,
                5..=16 => 4,
                _ => 8,
            };
            let depth = match bits {
                1 => BitDepth::One,
                2 => BitDepth::Two,
                4 => BitDepth::Four,
                _ => BitDepth::Eight,
            };
            let data = pack(&indices, width as usize, bits);
            (ColorType::Indexed, depth, data, Some(plte), Some(trns))
        } else {
            let gray = color.is_gray() && all_gray(rgba);
            let (ctype, data): (ColorType, Vec<u8>) = match (gray, alpha) {
                (true, false) => (
                    ColorType::Grayscale,
                    rgba.chunks_exact(4).map(|p| p[0]).collect(),
                ),
                (true, true) => (
                    ColorType::GrayscaleAlpha,
                    rgba.chunks_exact(4).flat_map(|p| [p[0], p[3]]).collect(),
                ),
                (false, false) => (ColorType::Rgb, {
                    let mut rgb = vec![0u8; rgba.len() / 4 * 3];
                    rgba_to_rgb(rgba, &mut rgb);
                    rgb
                }),
                (false, true) => (ColorType::Rgba, rgba.to_vec()),
            };
            (ctype, BitDepth::Eight, data, None, None)
        };
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    {
        let e = |e: png::EncodingError| encode_err(NAME, e.to_string());
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(ctype);
        encoder.set_depth(depth);
        encoder.set_compression(Compression::Fast);
        // Paeth on every row: on imagery the same size as adaptive filtering at a quarter of
        // the time (measured on the sample tiles with fdeflate). Palette images are not
        // filtered (the PNG spec's advice: indices do not predict).
        encoder.set_filter(if ctype == ColorType::Indexed {
            Filter::NoFilter
        } else {
            Filter::Paeth
        });
        if let Some(plte) = plte {
            encoder.set_palette(plte);
        }
        if let Some(trns) = trns
            && !trns.is_empty()
        {
            encoder.set_trns(trns);
        }
        let mut writer = encoder.write_header().map_err(e)?;
        writer.write_image_data(&data).map_err(e)?;
        writer.finish().map_err(e)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-wise conversions equal byte-by-byte ones, at every length mod 4.
    #[test]
    fn rgb_rgba_conversions_match_per_byte_copies() {
        let mut checked = 0;
        for n in 0..70usize {
            let rgb: Vec<u8> = (0..n * 3).map(|i| (i * 37 + 11) as u8).collect();
            let mut rgba = vec![0u8; n * 4];
            rgb_to_rgba(&rgb, &mut rgba);
            let want: Vec<u8> = rgb
                .chunks_exact(3)
                .flat_map(|p| [p[0], p[1], p[2], 255])
                .collect();
            assert_eq!(rgba, want, "{n} pixels to RGBA");
            let with_alpha: Vec<u8> = (0..n * 4).map(|i| (i * 53 + 5) as u8).collect();
            let mut back = vec![0u8; n * 3];
            rgba_to_rgb(&with_alpha, &mut back);
            let want: Vec<u8> = with_alpha
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]])
                .collect();
            assert_eq!(back, want, "{n} pixels to RGB");
            checked += 1;
        }
        assert_eq!(checked, 70);
    }
}
