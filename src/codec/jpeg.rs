//! JPEG: zune-jpeg decodes (strict mode), a small marker walk of our own reads what zune
//! keeps private (quantisation tables, sampling factors), jpeg-encoder writes.

use jpeg_encoder::{ChromaSubsamplingMethod, ColorType as JColor, SamplingFactor};
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use super::{
    ColorModel, DecodedTile, EncodeHints, LossyGrid, MAX_DIMENSION, Subsampling, TileFormat,
    all_gray, check_size, decode_err, encode_err,
};
use crate::error::Result;

const NAME: &str = "jpeg";

/// Natural (row-major) index of the k-th coefficient in zigzag order (T.81 Figure A.6).
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// The luminance quantisation table of ITU-T T.81 Annex K (K.1), natural order: the base
/// that IJG-style encoders scale by quality.
pub(super) const STD_LUMA: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, //
    12, 12, 14, 19, 26, 58, 60, 55, //
    14, 13, 16, 24, 40, 57, 69, 56, //
    14, 17, 22, 29, 51, 87, 80, 62, //
    18, 22, 37, 56, 68, 109, 103, 77, //
    24, 35, 55, 64, 81, 104, 113, 92, //
    49, 64, 78, 87, 103, 121, 120, 101, //
    72, 92, 95, 98, 112, 100, 103, 99,
];

#[derive(Debug, Clone, Copy)]
struct Component {
    h: u8,
    v: u8,
    tq: u8,
}

/// What the marker walk learns before the first scan.
#[derive(Debug)]
struct Header {
    width: u32,
    height: u32,
    components: Vec<Component>,
    /// Quantisation tables in natural order, with their precision (true: 16-bit entries).
    tables: [Option<([u16; 64], bool)>; 4],
}

impl Header {
    /// Luma sampling factors relative to chroma (1, 1 without chroma).
    fn subsampling(&self) -> Subsampling {
        if self.components.len() < 3 {
            return Subsampling::S444;
        }
        let h_max = self.components.iter().map(|c| c.h).max().unwrap_or(1);
        let v_max = self.components.iter().map(|c| c.v).max().unwrap_or(1);
        let ch = self.components[1..].iter().map(|c| c.h).max().unwrap_or(1);
        let cv = self.components[1..].iter().map(|c| c.v).max().unwrap_or(1);
        Subsampling {
            h: (h_max / ch.max(1)).max(1),
            v: (v_max / cv.max(1)).max(1),
        }
    }

    /// The MCU size, both axes: 8 for a single component (non-interleaved 8x8 blocks).
    fn mcu_px(&self) -> u32 {
        if self.components.len() == 1 {
            return 8;
        }
        let h_max = self.components.iter().map(|c| c.h).max().unwrap_or(1);
        let v_max = self.components.iter().map(|c| c.v).max().unwrap_or(1);
        8 * u32::from(h_max.max(v_max))
    }
}

/// Walks the markers up to the first SOS; checks that an EOI follows somewhere after it.
fn read_header(bytes: &[u8]) -> Result<Header> {
    let truncated = || decode_err(NAME, "the file is truncated inside its headers");
    let mut i = 2; // after SOI
    let mut frame: Option<(u32, u32, Vec<Component>)> = None;
    let mut tables: [Option<([u16; 64], bool)>; 4] = [None; 4];
    loop {
        // A marker: 0xFF, optional 0xFF fill bytes, the code.
        if *bytes.get(i).ok_or_else(truncated)? != 0xFF {
            return Err(decode_err(
                NAME,
                format!("expected a marker at byte {i}, found 0x{:02x}", bytes[i]),
            ));
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let code = *bytes.get(i).ok_or_else(truncated)?;
        i += 1;
        match code {
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 => return Err(decode_err(NAME, format!("a second SOI at byte {}", i - 2))),
            0xD9 => return Err(decode_err(NAME, "EOI before any scan: no image data")),
            _ => {}
        }
        let len_bytes = bytes.get(i..i + 2).ok_or_else(truncated)?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(decode_err(
                NAME,
                format!("marker 0xFF{code:02X} at byte {} has length {len}", i - 2),
            ));
        }
        let seg = bytes.get(i + 2..i + len).ok_or_else(truncated)?;
        i += len;
        match code {
            0xDB => parse_dqt(seg, &mut tables)?,
            0xC0..=0xCF if !matches!(code, 0xC4 | 0xC8 | 0xCC) => {
                if frame.is_some() {
                    return Err(decode_err(NAME, "more than one frame header (SOF)"));
                }
                if matches!(code, 0xC3 | 0xC7 | 0xCB | 0xCF) {
                    return Err(decode_err(
                        NAME,
                        "lossless JPEG (SOF3/7/11/15) is not supported",
                    ));
                }
                if code >= 0xC9 {
                    return Err(decode_err(
                        NAME,
                        "arithmetic-coded JPEG (SOF9..SOF15) is not supported",
                    ));
                }
                frame = Some(parse_sof(seg)?);
            }
            0xDA => break,
            _ => {} // APPn, COM, DHT, DRI, …: not needed here (and never copied).
        }
    }
    let (width, height, components) =
        frame.ok_or_else(|| decode_err(NAME, "no frame header (SOF) before the first scan"))?;
    // Entropy-coded data never holds an unescaped 0xFF 0xD9: without one the file was cut.
    if !bytes[i..].windows(2).any(|w| w == [0xFF, 0xD9]) {
        return Err(decode_err(
            NAME,
            "the file is truncated: no end-of-image marker (EOI) after the scan data",
        ));
    }
    Ok(Header {
        width,
        height,
        components,
        tables,
    })
}

fn parse_dqt(mut seg: &[u8], tables: &mut [Option<([u16; 64], bool)>; 4]) -> Result<()> {
    while let Some((&pq_tq, rest)) = seg.split_first() {
        let (pq, tq) = (pq_tq >> 4, usize::from(pq_tq & 15));
        if pq > 1 || tq > 3 {
            return Err(decode_err(
                NAME,
                format!("bad DQT table header 0x{pq_tq:02x} (precision {pq}, table {tq})"),
            ));
        }
        let n = if pq == 0 { 64 } else { 128 };
        let data = rest
            .get(..n)
            .ok_or_else(|| decode_err(NAME, "a DQT segment is shorter than its tables"))?;
        let mut table = [0u16; 64];
        for (k, &pos) in ZIGZAG.iter().enumerate() {
            table[pos] = if pq == 0 {
                u16::from(data[k])
            } else {
                u16::from_be_bytes([data[2 * k], data[2 * k + 1]])
            };
        }
        if table.contains(&0) {
            return Err(decode_err(NAME, "a quantisation table has a zero entry"));
        }
        tables[tq] = Some((table, pq == 1));
        seg = &rest[n..];
    }
    Ok(())
}

fn parse_sof(seg: &[u8]) -> Result<(u32, u32, Vec<Component>)> {
    let short = || decode_err(NAME, "the frame header (SOF) is too short");
    let head = seg.get(..6).ok_or_else(short)?;
    if head[0] != 8 {
        return Err(decode_err(
            NAME,
            format!("{}-bit samples are not supported (8 expected)", head[0]),
        ));
    }
    let height = u32::from(u16::from_be_bytes([head[1], head[2]]));
    let width = u32::from(u16::from_be_bytes([head[3], head[4]]));
    if height == 0 {
        return Err(decode_err(
            NAME,
            "the height is 0 (defined later by a DNL marker), which is not supported",
        ));
    }
    check_size(NAME, width, height)?;
    let nf = usize::from(head[5]);
    if !matches!(nf, 1 | 3 | 4) {
        return Err(decode_err(
            NAME,
            format!("{nf} components (1, 3 or 4 expected)"),
        ));
    }
    let comps = seg.get(6..6 + 3 * nf).ok_or_else(short)?;
    let components = comps
        .chunks_exact(3)
        .map(|c| {
            let (h, v, tq) = (c[1] >> 4, c[1] & 15, c[2]);
            if !(1..=4).contains(&h) || !(1..=4).contains(&v) || tq > 3 {
                Err(decode_err(
                    NAME,
                    format!("bad component sampling {h}x{v} or table {tq}"),
                ))
            } else {
                Ok(Component { h, v, tq })
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((width, height, components))
}

/// The IJG quality (1..=100) whose scaled Annex K luminance table is closest to `table`
/// (sum of absolute differences; ties go to the higher quality).
pub(super) fn estimate_quality(table: &[u16; 64], sixteen_bit: bool) -> u8 {
    let max = if sixteen_bit { 32767 } else { 255 };
    let mut best = (u64::MAX, 100u8);
    for q in (1..=100u32).rev() {
        let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
        let err: u64 = STD_LUMA
            .iter()
            .zip(table)
            .map(|(&base, &t)| {
                let s = ((u32::from(base) * scale + 50) / 100).clamp(1, max);
                u64::from(s.abs_diff(u32::from(t)))
            })
            .sum();
        if err < best.0 {
            best = (err, q as u8);
        }
    }
    best.1
}

pub(super) fn decode(bytes: &[u8]) -> Result<DecodedTile> {
    let header = read_header(bytes)?;
    let luma = header.components[0];
    let (table, sixteen) = header.tables[usize::from(luma.tq)].ok_or_else(|| {
        decode_err(
            NAME,
            format!("quantisation table {} is used but not defined", luma.tq),
        )
    })?;
    let quality = estimate_quality(&table, sixteen);
    let subsampling = header.subsampling();

    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(ColorSpace::RGBA)
        .set_strict_mode(true)
        .set_max_width(MAX_DIMENSION as usize)
        .set_max_height(MAX_DIMENSION as usize);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let zerr = |e: zune_jpeg::errors::DecodeErrors| decode_err(NAME, e.to_string());
    decoder.decode_headers().map_err(zerr)?;
    let (w, h) = decoder
        .dimensions()
        .ok_or_else(|| decode_err(NAME, "no dimensions after the headers"))?;
    let (width, height) = (w as u32, h as u32);
    if (width, height) != (header.width, header.height) {
        return Err(decode_err(NAME, "the decoder disagrees on the image size"));
    }
    check_size(NAME, width, height)?;
    let out_space = decoder
        .output_colorspace()
        .ok_or_else(|| decode_err(NAME, "no output colour space after the headers"))?;
    let channels = match out_space {
        ColorSpace::RGBA => 4,
        ColorSpace::RGB => 3,
        ColorSpace::Luma => 1,
        other => {
            return Err(decode_err(
                NAME,
                format!("unsupported output colour space {other:?}"),
            ));
        }
    };
    let n = width as usize * height as usize;
    let mut buf = vec![0u8; n * channels];
    decoder.decode_into(&mut buf).map_err(zerr)?;
    let rgba = if channels == 4 {
        for p in buf.chunks_exact_mut(4) {
            p[3] = 255;
        }
        buf
    } else {
        let mut out = vec![255u8; n * 4];
        for (src, dst) in buf.chunks_exact(channels).zip(out.chunks_exact_mut(4)) {
            if channels == 1 {
                dst[..3].fill(src[0]);
            } else {
                dst[..3].copy_from_slice(src);
            }
        }
        out
    };
    let gray = header.components.len() == 1;
    let reach_px = if subsampling.is_subsampled() {
        u32::from(subsampling.h.max(subsampling.v)).div_ceil(2)
    } else {
        0
    };
    Ok(DecodedTile {
        rgba,
        width,
        height,
        format: TileFormat::Jpeg,
        lossy: Some(LossyGrid {
            block_px: header.mcu_px(),
            reach_px,
        }),
        hints: EncodeHints::jpeg(quality, subsampling, gray),
    })
}

pub(super) fn encode(rgba: &[u8], width: u32, height: u32, hints: &EncodeHints) -> Result<Vec<u8>> {
    let (w, h) = (width as u16, height as u16); // <= MAX_DIMENSION, checked by the caller
    let quality = hints.quality.clamp(1, 100);
    let mut out = Vec::with_capacity(rgba.len() / 8 + 1024);
    let e = |e: jpeg_encoder::EncodingError| encode_err(NAME, e.to_string());
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    if matches!(hints.color, ColorModel::Gray | ColorModel::GrayAlpha) && all_gray(rgba) {
        let luma: Vec<u8> = rgba.chunks_exact(4).map(|p| p[0]).collect();
        encoder.encode(&luma, w, h, JColor::Luma).map_err(e)?;
    } else {
        let s = hints.subsampling;
        let (factor, (bh, bv)) = match SamplingFactor::from_factors(s.h, s.v) {
            Some(f) => (f, (s.h, s.v)),
            None => (SamplingFactor::F_2_2, (2, 2)),
        };
        encoder.set_sampling_factor(factor);
        // The chroma is box-averaged here (as libjpeg's downsampling does) and replicated
        // over each block, so the encoder's nearest-sample subsampling reads the average:
        // the same image as its `Average` method at a fraction of the time.
        encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Nearest);
        let planar = Planar::new(rgba, width as usize, height as usize, bh.into(), bv.into());
        encoder.encode_image(&planar).map_err(e)?;
    }
    Ok(out)
}

/// The encoder's own path from RGBA with `Average` chroma subsampling: the reference that
/// [`Planar`] is tested against.
#[cfg(test)]
pub(super) fn encode_reference(
    rgba: &[u8],
    width: u32,
    height: u32,
    hints: &EncodeHints,
) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let e = |e: jpeg_encoder::EncodingError| encode_err(NAME, e.to_string());
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, hints.quality.clamp(1, 100));
    let s = hints.subsampling;
    encoder.set_sampling_factor(
        SamplingFactor::from_factors(s.h, s.v).unwrap_or(SamplingFactor::F_2_2),
    );
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder
        .encode(rgba, width as u16, height as u16, JColor::Rgba)
        .map_err(e)?;
    Ok(out)
}

/// An image as planar Y, Cb, Cr (JFIF's full-range BT.601, 16-bit fixed point), each
/// chroma plane averaged over `bh x bv` blocks (rounding bias alternating per output column,
/// as libjpeg's box downsampling) with the average written to every pixel of the block.
pub(super) struct Planar {
    y: Vec<u8>,
    cb: Vec<u8>,
    cr: Vec<u8>,
    width: usize,
    height: usize,
}

impl Planar {
    /// The planes of `rgba` at the machine's CPU level.
    pub(super) fn new(rgba: &[u8], width: usize, height: usize, bh: usize, bv: usize) -> Planar {
        Planar::new_with(crate::simd::arch(), rgba, width, height, (bh, bv))
    }

    /// The planes of `rgba` at CPU level `arch` (the same bytes at every level).
    pub(super) fn new_with(
        arch: crate::simd::Arch,
        rgba: &[u8],
        width: usize,
        height: usize,
        (bh, bv): (usize, usize),
    ) -> Planar {
        struct Run<'a> {
            rgba: &'a [u8],
            planes: [&'a mut [u8]; 3],
            width: usize,
            height: usize,
            block: (usize, usize),
        }
        impl pulp::WithSimd for Run<'_> {
            type Output = ();
            #[inline(always)]
            fn with_simd<S: pulp::Simd>(self, _simd: S) {
                let [y, cb, cr] = self.planes;
                // One flat branch-free loop: vectorises at the dispatched CPU level.
                for (((px, yv), cbv), crv) in self
                    .rgba
                    .chunks_exact(4)
                    .zip(y.iter_mut())
                    .zip(cb.iter_mut())
                    .zip(cr.iter_mut())
                {
                    let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
                    *yv = ((19595 * r + 38470 * g + 7471 * b + 0x7FFF) >> 16) as u8;
                    *cbv =
                        ((-11059 * r - 21709 * g + 32768 * b + (128 << 16) + 0x7FFF) >> 16) as u8;
                    *crv = ((32768 * r - 27439 * g - 5329 * b + (128 << 16) + 0x7FFF) >> 16) as u8;
                }
                let (w, h) = (self.width, self.height);
                for plane in [cb, cr] {
                    match self.block {
                        (1, 1) => {}
                        (2, 2) if w % 4 == 0 && h % 2 == 0 => average_2x2(plane, w),
                        (bh, bv) => box_average(plane, w, h, bh, bv),
                    }
                }
            }
        }
        let n = width * height;
        let (mut y, mut cb, mut cr) = (vec![0u8; n], vec![0u8; n], vec![0u8; n]);
        arch.dispatch(Run {
            rgba: &rgba[..n * 4],
            planes: [&mut y, &mut cb, &mut cr],
            width,
            height,
            block: (bh, bv),
        });
        Planar {
            y,
            cb,
            cr,
            width,
            height,
        }
    }
}

/// [`box_average`] for 2 x 2 blocks on a width that is a multiple of 4 and an even height:
/// two block columns (bias 1, then 2) per step, branch-free.
#[inline(always)]
fn average_2x2(plane: &mut [u8], width: usize) {
    for rows in plane.chunks_exact_mut(2 * width) {
        let (top, bottom) = rows.split_at_mut(width);
        let (t4, _) = top.as_chunks_mut::<4>();
        let (b4, _) = bottom.as_chunks_mut::<4>();
        for (t, b) in t4.iter_mut().zip(b4.iter_mut()) {
            let s = |k: usize| {
                u16::from(t[k]) + u16::from(t[k + 1]) + u16::from(b[k]) + u16::from(b[k + 1])
            };
            let m0 = ((s(0) + 1) >> 2) as u8;
            let m1 = ((s(2) + 2) >> 2) as u8;
            *t = [m0, m0, m1, m1];
            *b = [m0, m0, m1, m1];
        }
    }
}

/// Replaces every `bh x bv` block of `plane` (clipped at the image edge) by its mean,
/// rounded with a bias of `(n - 1) / 2` in even block columns and `n / 2` in odd ones
/// (libjpeg's box downsampling).
#[inline(always)]
fn box_average(plane: &mut [u8], width: usize, height: usize, bh: usize, bv: usize) {
    let cols = width.div_ceil(bh);
    let mut sums = vec![0u32; cols];
    for by in (0..height).step_by(bv) {
        let rows = bv.min(height - by);
        sums.fill(0);
        for y in by..by + rows {
            let row = &plane[y * width..(y + 1) * width];
            for (s, part) in sums.iter_mut().zip(row.chunks(bh)) {
                *s += part.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        for y in by..by + rows {
            let row = &mut plane[y * width..(y + 1) * width];
            for (c, (&s, part)) in sums.iter().zip(row.chunks_mut(bh)).enumerate() {
                let k = (part.len() * rows) as u32;
                let bias = if c % 2 == 0 { (k - 1) / 2 } else { k / 2 };
                part.fill(((s + bias) / k) as u8);
            }
        }
    }
}

impl jpeg_encoder::ImageBuffer for &Planar {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width as u16
    }

    fn height(&self) -> u16 {
        self.height as u16
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let row = usize::from(y) * self.width..(usize::from(y) + 1) * self.width;
        buffers[0].extend_from_slice(&self.y[row.clone()]);
        buffers[1].extend_from_slice(&self.cb[row.clone()]);
        buffers[2].extend_from_slice(&self.cr[row]);
    }
}
