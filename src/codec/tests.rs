//! Codec tests: round trips per format and colour type, quality estimation against an
//! independent encoder, metadata never reaching the output, malformed inputs.

use proptest::prelude::*;

use super::*;

const RGB_PNG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-582-875-rgb.png");
const RGBA_PNG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-575-883-rgba.png");
const TINY_PNG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-575-880-tiny.png");
const JPG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-582-875.jpg");
const EDGE_JPG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-575-883.jpg");
const TINY_JPG: &[u8] = include_bytes!("../../tests/fixtures/tiles/11-575-880-tiny.jpg");

const MARKER: &[u8] = b"SECRET-7f3a";

// ---------------------------------------------------------------------------------------------
// Helpers: checksums, hand-built files, pixels.

fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for part in parts {
        for &b in *part {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// A zlib stream of stored (uncompressed) deflate blocks: data stays readable in the file.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(65535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    out
}

/// (type, start, end) of each chunk; `end` is past the CRC.
fn png_chunks(bytes: &[u8]) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[pos + 4..pos + 8].try_into().unwrap();
        let end = pos + 12 + len;
        out.push((kind, pos, end));
        pos = end;
        if &kind == b"IEND" {
            break;
        }
    }
    out
}

/// A PNG built by hand from samples: `sample(x, y)` gives the channel values (already in
/// `depth` bits); Adam7 when `interlaced`. Independent of the `png` crate.
#[allow(clippy::too_many_arguments)]
fn build_png(
    w: u32,
    h: u32,
    color_type: u8,
    depth: u8,
    interlaced: bool,
    plte: Option<&[u8]>,
    trns: Option<&[u8]>,
    sample: &dyn Fn(u32, u32) -> Vec<u16>,
) -> Vec<u8> {
    let passes: Vec<(u32, u32, u32, u32)> = if interlaced {
        vec![
            (0, 0, 8, 8),
            (4, 0, 8, 8),
            (0, 4, 4, 8),
            (2, 0, 4, 4),
            (0, 2, 2, 4),
            (1, 0, 2, 2),
            (0, 1, 1, 2),
        ]
    } else {
        vec![(0, 0, 1, 1)]
    };
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in passes {
        if x0 >= w || y0 >= h {
            continue;
        }
        let mut y = y0;
        while y < h {
            raw.push(0); // filter: none
            let mut bits: u32 = 0;
            let mut nbits = 0;
            let mut x = x0;
            while x < w {
                for v in sample(x, y) {
                    if depth == 16 {
                        raw.extend_from_slice(&v.to_be_bytes());
                    } else {
                        bits = (bits << depth) | u32::from(v);
                        nbits += u32::from(depth);
                        if nbits == 8 {
                            raw.push(bits as u8);
                            bits = 0;
                            nbits = 0;
                        }
                    }
                }
                x += dx;
            }
            if nbits > 0 {
                raw.push((bits << (8 - nbits)) as u8);
            }
            y += dy;
        }
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[depth, color_type, 0, 0, u8::from(interlaced)]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_chunk(b"IHDR", &ihdr));
    if let Some(p) = plte {
        out.extend(png_chunk(b"PLTE", p));
    }
    if let Some(t) = trns {
        out.extend(png_chunk(b"tRNS", t));
    }
    out.extend(png_chunk(b"IDAT", &zlib_stored(&raw)));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A smooth, textured test picture (like imagery: gradients, edges, a little noise).
fn picture(w: u32, h: u32, alpha: bool, seed: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity((w * h * 4) as usize);
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for y in 0..h {
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (s % 9) as i32 - 4;
            let fx = x as f32 / w as f32;
            let fy = y as f32 / h as f32;
            let r = 60.0 + 120.0 * fx + 30.0 * (fy * 12.0).sin();
            let g = 90.0 + 80.0 * fy + 25.0 * (fx * 9.0).cos();
            let b = if (x / 37 + y / 29) % 2 == 0 {
                70.0
            } else {
                150.0
            };
            let a = if alpha {
                if x + y < w / 3 {
                    0
                } else if x > w * 3 / 4 {
                    128
                } else {
                    255
                }
            } else {
                255
            };
            out.extend_from_slice(&[
                (r as i32 + n).clamp(0, 255) as u8,
                (g as i32 + n).clamp(0, 255) as u8,
                (b as i32 + n).clamp(0, 255) as u8,
                a,
            ]);
        }
    }
    out
}

/// PSNR over the colour channels.
fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    let mut se = 0f64;
    let mut n = 0f64;
    for (p, q) in a.chunks_exact(4).zip(b.chunks_exact(4)) {
        for c in 0..3 {
            let d = f64::from(p[c]) - f64::from(q[c]);
            se += d * d;
            n += 1.0;
        }
    }
    if se == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 / (se / n)).log10()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn is_decode_error(r: &Result<DecodedTile>) -> bool {
    matches!(r, Err(Error::Decode { .. }))
}

/// JPEG segments before the first SOS: (marker, payload).
fn jpeg_segments(bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let m = bytes[i + 1];
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        out.push((m, bytes[i + 4..i + 2 + len].to_vec()));
        i += 2 + len;
        if m == 0xDA {
            break;
        }
    }
    out
}

fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// Sampling factors (h, v) of each component in the SOF.
fn jpeg_sampling(bytes: &[u8]) -> Vec<(u8, u8)> {
    let sof = jpeg_segments(bytes)
        .into_iter()
        .find(|(m, _)| matches!(m, 0xC0..=0xC2))
        .expect("a SOF")
        .1;
    sof[6..]
        .chunks_exact(3)
        .map(|c| (c[1] >> 4, c[1] & 15))
        .collect()
}

/// (fourcc, payload) of each RIFF chunk.
fn riff_chunks(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let end = 8 + u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    let mut pos = 12;
    while pos + 8 <= end {
        let kind: [u8; 4] = bytes[pos..pos + 4].try_into().unwrap();
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        out.push((kind, bytes[pos + 8..pos + 8 + len].to_vec()));
        pos += 8 + len + (len & 1);
    }
    out
}

fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_vec();
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(data);
    if data.len() % 2 == 1 {
        out.push(0);
    }
    out
}

fn riff(chunks: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend(body);
    out
}

fn vp8x(flags: u8, w: u32, h: u32) -> Vec<u8> {
    let mut d = vec![flags, 0, 0, 0];
    d.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
    d.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
    riff_chunk(b"VP8X", &d)
}

/// WebP from libwebp directly (not through `encode`), lossless or at a quality.
fn libwebp(rgba: &[u8], w: u32, h: u32, quality: Option<f32>) -> Vec<u8> {
    let e = ::webp::Encoder::from_rgba(rgba, w, h);
    match quality {
        None => e.encode_lossless().to_vec(),
        Some(q) => e.encode(q).to_vec(),
    }
}

/// The output holds only the chunks or segments the clean-output promise allows, and ends
/// where the image ends.
fn assert_clean(bytes: &[u8]) {
    match TileFormat::detect(bytes).expect("a known format") {
        TileFormat::Png => {
            let chunks = png_chunks(bytes);
            for (kind, _, _) in &chunks {
                assert!(
                    matches!(kind, b"IHDR" | b"PLTE" | b"tRNS" | b"IDAT" | b"IEND"),
                    "chunk {:?}",
                    String::from_utf8_lossy(kind)
                );
            }
            let last = chunks.last().unwrap();
            assert_eq!(&last.0, b"IEND");
            assert_eq!(last.2, bytes.len(), "bytes after IEND");
        }
        TileFormat::Jpeg => {
            for (m, payload) in jpeg_segments(bytes) {
                match m {
                    0xE0 => assert!(payload.starts_with(b"JFIF\0") && payload.len() == 14),
                    0xDB | 0xC0 | 0xC4 | 0xDA | 0xDD => {}
                    m => panic!("segment 0xFF{m:02X}"),
                }
            }
            assert!(bytes.ends_with(&[0xFF, 0xD9]));
            let n = bytes.windows(2).filter(|w| *w == [0xFF, 0xD9]).count();
            assert_eq!(n, 1, "one EOI, at the end");
        }
        TileFormat::WebP => {
            let end = 8 + u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            assert_eq!(end, bytes.len(), "bytes after the RIFF end");
            for (kind, _) in riff_chunks(bytes) {
                assert!(
                    matches!(&kind, b"VP8 " | b"VP8L" | b"VP8X" | b"ALPH"),
                    "chunk {:?}",
                    String::from_utf8_lossy(&kind)
                );
            }
        }
    }
}

fn roundtrip(bytes: &[u8]) -> (DecodedTile, Vec<u8>, DecodedTile) {
    let a = decode(bytes).expect("decode input");
    let enc = encode(&a.rgba, a.width, a.height, &a.hints).expect("encode");
    assert_clean(&enc);
    let b = decode(&enc).expect("decode output");
    assert_eq!((a.width, a.height, a.format), (b.width, b.height, b.format));
    (a, enc, b)
}

// ---------------------------------------------------------------------------------------------
// Detection.

#[test]
fn detection_is_by_magic_bytes() {
    assert_eq!(TileFormat::detect(RGB_PNG), Some(TileFormat::Png));
    assert_eq!(TileFormat::detect(JPG), Some(TileFormat::Jpeg));
    let w = libwebp(&picture(8, 8, false, 1), 8, 8, None);
    assert_eq!(TileFormat::detect(&w), Some(TileFormat::WebP));
    for bad in [
        &b""[..],
        b"\x89PNG\r\n\x1a",
        b"\xFF\xD8",
        b"RIFF\0\0\0\0WEBX",
        b"GIF89a",
        b"<html>",
    ] {
        assert_eq!(TileFormat::detect(bad), None, "{bad:?}");
    }
    // A JPEG inside a file that claims to be PNG is still a JPEG: there is no name here to
    // trust, only bytes.
    assert_eq!(decode(JPG).unwrap().format, TileFormat::Jpeg);
    let e = decode(b"GIF89a\x01\x00\x01\x00").unwrap_err();
    assert_eq!(e.code(), 600);
    assert!(e.to_string().contains("unknown"), "{e}");
    assert!(e.to_string().contains("47 49 46 38"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// PNG.

#[test]
fn sample_pngs_decode_with_their_colour_model() {
    let t = decode(RGB_PNG).unwrap();
    assert_eq!((t.width, t.height, t.format), (256, 256, TileFormat::Png));
    assert_eq!(t.hints.color, ColorModel::Rgb);
    assert_eq!(t.lossy, None);
    assert!(t.rgba.chunks_exact(4).all(|p| p[3] == 255));
    let t = decode(RGBA_PNG).unwrap();
    assert_eq!(t.hints.color, ColorModel::Rgba);
    let transparent = t.rgba.chunks_exact(4).filter(|p| p[3] == 0).count();
    assert!(transparent > 256 * 256 / 4, "{transparent}");
    for f in [RGB_PNG, RGBA_PNG, TINY_PNG] {
        let (a, enc, b) = roundtrip(f);
        assert_eq!(a.rgba, b.rgba);
        assert_eq!(a.hints, b.hints);
        // Fast compression, but not wasteful (the tiny tile is nearly empty: a few KB at most).
        assert!(
            enc.len() < (f.len() * 3 / 2).max(4096),
            "{} vs {}",
            enc.len(),
            f.len()
        );
    }
}

/// One case of the PNG matrix: colour type, bit depth, palette/tRNS, interlacing.
struct PngCase {
    ct: u8,
    depth: u8,
    plte: Option<Vec<u8>>,
    trns: Option<Vec<u8>>,
    interlaced: bool,
}

#[test]
fn png_every_colour_type_and_depth_round_trips() {
    let (w, h) = (37u32, 23u32); // odd sizes: partial bytes, partial Adam7 passes
    let mut cases = Vec::new();
    for interlaced in [false, true] {
        for depth in [1, 2, 4, 8, 16] {
            cases.push(PngCase {
                ct: 0,
                depth,
                plte: None,
                trns: None,
                interlaced,
            });
            let key = ((1u32 << depth) - 1).min(3) as u16;
            cases.push(PngCase {
                ct: 0,
                depth,
                plte: None,
                trns: Some(key.to_be_bytes().to_vec()),
                interlaced,
            });
        }
        for depth in [8, 16] {
            for ct in [2, 4, 6] {
                cases.push(PngCase {
                    ct,
                    depth,
                    plte: None,
                    trns: None,
                    interlaced,
                });
            }
            cases.push(PngCase {
                ct: 2,
                depth,
                plte: None,
                trns: Some([0u8, 3, 0, 5, 0, 7].to_vec()),
                interlaced,
            });
        }
        for depth in [1, 2, 4, 8] {
            let n = 1usize << depth;
            let plte: Vec<u8> = (0..n * 3).map(|i| (i * 37 % 256) as u8).collect();
            cases.push(PngCase {
                ct: 3,
                depth,
                plte: Some(plte.clone()),
                trns: None,
                interlaced,
            });
            cases.push(PngCase {
                ct: 3,
                depth,
                plte: Some(plte),
                trns: Some(vec![0, 100]),
                interlaced,
            });
        }
    }
    for case in &cases {
        let max = if case.depth == 16 {
            65535u32
        } else {
            (1u32 << case.depth) - 1
        };
        let channels = match case.ct {
            0 | 3 => 1,
            4 => 2,
            2 => 3,
            _ => 4,
        };
        // Deterministic samples covering the range, and hitting the tRNS keys.
        let sample = |x: u32, y: u32| -> Vec<u16> {
            (0..channels)
                .map(|c| {
                    let v = (x * 7 + y * 13 + c * 5) % 11;
                    let v = if v < 2 {
                        [0, 3, 5, 7][(c as usize + 1) % 4].min(max) // tRNS keys
                    } else {
                        (x * 2_654_435 + y * 40_503 + c * 977) % (max + 1)
                    };
                    v as u16
                })
                .collect()
        };
        let png = build_png(
            w,
            h,
            case.ct,
            case.depth,
            case.interlaced,
            case.plte.as_deref(),
            case.trns.as_deref(),
            &sample,
        );
        // The reference expansion, from the samples and the PNG rules.
        let scale = |v: u16| -> u8 {
            match case.depth {
                16 => ((u32::from(v) * 255 + 32767) / 65535) as u8,
                d => (u32::from(v) * 255 / ((1u32 << d) - 1)) as u8,
            }
        };
        let mut expected = Vec::new();
        for y in 0..h {
            for x in 0..w {
                let s = sample(x, y);
                let px = match case.ct {
                    0 => {
                        let g = scale(s[0]);
                        let key = case.trns.as_ref().map(|t| u16::from_be_bytes([t[0], t[1]]));
                        [g, g, g, if key == Some(s[0]) { 0 } else { 255 }]
                    }
                    4 => [scale(s[0]), scale(s[0]), scale(s[0]), scale(s[1])],
                    2 => {
                        let key = case.trns.as_ref().map(|t| {
                            [
                                u16::from_be_bytes([t[0], t[1]]),
                                u16::from_be_bytes([t[2], t[3]]),
                                u16::from_be_bytes([t[4], t[5]]),
                            ]
                        });
                        let a = if key == Some([s[0], s[1], s[2]]) {
                            0
                        } else {
                            255
                        };
                        [scale(s[0]), scale(s[1]), scale(s[2]), a]
                    }
                    6 => [scale(s[0]), scale(s[1]), scale(s[2]), scale(s[3])],
                    _ => {
                        let i = usize::from(s[0]);
                        let p = case.plte.as_ref().unwrap();
                        let a = case
                            .trns
                            .as_ref()
                            .and_then(|t| t.get(i).copied())
                            .unwrap_or(255);
                        [p[3 * i], p[3 * i + 1], p[3 * i + 2], a]
                    }
                };
                expected.extend_from_slice(&px);
            }
        }
        let what = format!(
            "colour type {} depth {} tRNS {} interlaced {}",
            case.ct,
            case.depth,
            case.trns.is_some(),
            case.interlaced
        );
        let t = decode(&png).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!((t.width, t.height), (w, h), "{what}");
        assert!(
            t.rgba == expected,
            "{what}: pixels differ from the reference"
        );
        let model = match (case.ct, case.trns.is_some()) {
            (0, false) => ColorModel::Gray,
            (0, true) | (4, _) => ColorModel::GrayAlpha,
            (2, false) => ColorModel::Rgb,
            (2, true) | (6, _) => ColorModel::Rgba,
            (_, alpha) => ColorModel::Indexed { alpha },
        };
        assert_eq!(t.hints.color, model, "{what}");
        let (_, enc, back) = roundtrip(&png);
        assert!(back.rgba == t.rgba, "{what}: re-encode is not lossless");
        // The colour type written follows the input's model.
        let ihdr = &enc[16..29];
        let out_ct = ihdr[9];
        let want_ct = match model {
            ColorModel::Gray => 0,
            ColorModel::GrayAlpha => 4,
            ColorModel::Rgb => 2,
            ColorModel::Rgba => 6,
            ColorModel::Indexed { .. } => 3,
        };
        assert_eq!(out_ct, want_ct, "{what}");
        if want_ct == 3 {
            assert!(ihdr[8] <= case.depth, "{what}: palette depth {}", ihdr[8]);
        } else {
            assert_eq!(ihdr[8], 8, "{what}");
        }
    }
}

#[test]
fn png_encoder_widens_when_the_pixels_need_it() {
    let ct = |bytes: &[u8]| bytes[25];
    // Grey hint, coloured pixels (a coloured fill in a grey tile): RGB.
    let mut px = vec![100u8; 16 * 16 * 4];
    px.chunks_exact_mut(4).for_each(|p| p[3] = 255);
    let gray = encode(&px, 16, 16, &EncodeHints::png(ColorModel::Gray)).unwrap();
    assert_eq!(ct(&gray), 0);
    px[0] = 200;
    let rgb = encode(&px, 16, 16, &EncodeHints::png(ColorModel::Gray)).unwrap();
    assert_eq!(ct(&rgb), 2);
    // Opaque hint, a translucent pixel: alpha is added, never dropped.
    px[3] = 0;
    let rgba = encode(&px, 16, 16, &EncodeHints::png(ColorModel::Rgb)).unwrap();
    assert_eq!(ct(&rgba), 6);
    assert_eq!(decode(&rgba).unwrap().rgba, px);
    // Alpha is kept when the input had it, even if now all opaque.
    px[3] = 255;
    let keep = encode(&px, 16, 16, &EncodeHints::png(ColorModel::Rgba)).unwrap();
    assert_eq!(ct(&keep), 6);
    // Palette: kept while <= 256 colours, else truecolour.
    let pal = encode(
        &px,
        16,
        16,
        &EncodeHints::png(ColorModel::Indexed { alpha: false }),
    )
    .unwrap();
    assert_eq!((ct(&pal), pal[24]), (3, 1)); // two colours: 1 bit
    let many = picture(64, 64, false, 3);
    let rgb = encode(
        &many,
        64,
        64,
        &EncodeHints::png(ColorModel::Indexed { alpha: false }),
    )
    .unwrap();
    assert_eq!(ct(&rgb), 2);
    assert_eq!(decode(&rgb).unwrap().rgba, many);
}

// ---------------------------------------------------------------------------------------------
// JPEG.

fn image_jpeg(rgba: &[u8], w: u32, h: u32, quality: u8, gray: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    if gray {
        let l: Vec<u8> = rgba.chunks_exact(4).map(|p| p[1]).collect();
        enc.write_image(&l, w, h, image::ExtendedColorType::L8)
            .unwrap();
    } else {
        let rgb: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        enc.write_image(&rgb, w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
    }
    out
}

use image::ImageEncoder as _;

#[test]
fn sample_jpegs_decode_with_quality_subsampling_and_grid() {
    for f in [JPG, EDGE_JPG, TINY_JPG] {
        let t = decode(f).unwrap();
        assert_eq!((t.width, t.height, t.format), (256, 256, TileFormat::Jpeg));
        // The sample set was written by Pillow at quality 85, 4:2:0.
        assert_eq!(t.hints.quality, 85);
        assert_eq!(t.hints.subsampling, Subsampling::S420);
        assert_eq!(
            t.lossy,
            Some(LossyGrid {
                block_px: 16,
                reach_px: 1
            })
        );
        let (a, enc, b) = roundtrip(f);
        assert_eq!(jpeg_sampling(&enc), vec![(2, 2), (1, 1), (1, 1)]);
        assert!((i32::from(b.hints.quality) - 85).abs() <= 5);
        assert!(psnr(&a.rgba, &b.rgba) > 34.0, "{}", psnr(&a.rgba, &b.rgba));
    }
}

#[test]
fn jpeg_quality_is_estimated_within_5_of_an_independent_encoder() {
    let (w, h) = (96, 80);
    let px = picture(w, h, false, 7);
    for q in [10u8, 25, 40, 50, 60, 75, 85, 90, 95, 100] {
        let jpg = image_jpeg(&px, w, h, q, false);
        let t = decode(&jpg).unwrap();
        assert!(
            (i32::from(t.hints.quality) - i32::from(q)).abs() <= 5,
            "written at {q}, estimated {}",
            t.hints.quality
        );
        // image writes 4:4:4.
        assert_eq!(t.hints.subsampling, Subsampling::S444);
        assert_eq!(
            t.lossy,
            Some(LossyGrid {
                block_px: 8,
                reach_px: 0
            })
        );
        if q >= 50 {
            assert!(psnr(&px, &t.rgba) > 28.0, "q{q}: {}", psnr(&px, &t.rgba));
        }
        let (_, enc, back) = roundtrip(&jpg);
        assert_eq!(jpeg_sampling(&enc), vec![(1, 1), (1, 1), (1, 1)]);
        assert!(
            (i32::from(back.hints.quality) - i32::from(q)).abs() <= 5,
            "written at {q}, re-encoded file estimated {}",
            back.hints.quality
        );
        if q >= 50 {
            assert!(psnr(&t.rgba, &back.rgba) > 30.0, "q{q}");
        }
    }
}

#[test]
fn jpeg_grey_progressive_422_and_cmyk() {
    let (w, h) = (64, 48);
    let px = picture(w, h, false, 9);
    // Greyscale (image's encoder): one component, 8 px blocks, written grey again.
    let gray = image_jpeg(&px, w, h, 80, true);
    let t = decode(&gray).unwrap();
    assert_eq!(t.hints.color, ColorModel::Gray);
    assert_eq!(t.lossy.unwrap().block_px, 8);
    assert!(t.rgba.chunks_exact(4).all(|p| p[0] == p[1] && p[1] == p[2]));
    let (_, enc, _) = roundtrip(&gray);
    assert_eq!(jpeg_sampling(&enc), vec![(1, 1)]);

    let jenc = |progressive: bool,
                factor: jpeg_encoder::SamplingFactor,
                color: jpeg_encoder::ColorType| {
        let mut out = Vec::new();
        let mut e = jpeg_encoder::Encoder::new(&mut out, 70);
        e.set_progressive(progressive);
        e.set_sampling_factor(factor);
        let data: Vec<u8> = if color == jpeg_encoder::ColorType::Cmyk {
            px.chunks_exact(4)
                .flat_map(|p| [255 - p[0], 255 - p[1], 255 - p[2], 0])
                .collect()
        } else {
            px.clone()
        };
        e.encode(&data, w as u16, h as u16, color).unwrap();
        out
    };
    use jpeg_encoder::{ColorType as C, SamplingFactor as F};
    // Progressive 4:2:0.
    let prog = jenc(true, F::F_2_2, C::Rgba);
    assert!(jpeg_segments(&prog).iter().any(|(m, _)| *m == 0xC2));
    let t = decode(&prog).unwrap();
    assert_eq!(
        (t.hints.quality, t.hints.subsampling),
        (70, Subsampling::S420)
    );
    assert!(psnr(&px, &t.rgba) > 28.0);
    let (_, enc, _) = roundtrip(&prog);
    assert!(jpeg_segments(&enc).iter().any(|(m, _)| *m == 0xC0));
    // 4:2:2: 16x8 MCUs, taken as 16 both ways.
    let s422 = jenc(false, F::F_2_1, C::Rgba);
    let t = decode(&s422).unwrap();
    assert_eq!(t.hints.subsampling, Subsampling::S422);
    assert_eq!(
        t.lossy,
        Some(LossyGrid {
            block_px: 16,
            reach_px: 1
        })
    );
    let (_, enc, _) = roundtrip(&s422);
    assert_eq!(jpeg_sampling(&enc), vec![(2, 1), (1, 1), (1, 1)]);
    // CMYK (Adobe APP14): decoded to RGB, written as YCbCr.
    let cmyk = jenc(false, F::F_1_1, C::Cmyk);
    let t = decode(&cmyk).unwrap();
    assert_eq!(t.hints.color, ColorModel::Rgb);
    assert_eq!((t.width, t.height), (w, h));
    roundtrip(&cmyk);
}

#[test]
fn jpeg_quality_estimate_inverts_ijg_scaling_exactly() {
    for q in 1..=100u32 {
        let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
        let mut t = [0u16; 64];
        for (i, v) in t.iter_mut().enumerate() {
            *v = ((u32::from(jpeg::STD_LUMA[i]) * scale + 50) / 100).clamp(1, 255) as u16;
        }
        let e = jpeg::estimate_quality(&t, false);
        // Distinct qualities can share a table at the top and bottom; the scaled table of
        // the estimate must then be identical.
        let se = u32::from(e);
        let scale_e = if se < 50 { 5000 / se } else { 200 - 2 * se };
        let same = (0..64).all(|i| {
            ((u32::from(jpeg::STD_LUMA[i]) * scale_e + 50) / 100).clamp(1, 255) == u32::from(t[i])
        });
        assert!(same, "q{q} estimated {e}");
    }
}

// ---------------------------------------------------------------------------------------------
// WebP.

#[test]
fn webp_lossless_round_trips_exactly() {
    for (alpha, seed) in [(false, 1), (true, 2)] {
        let (w, h) = (70, 50);
        let px = picture(w, h, alpha, seed);
        let file = libwebp(&px, w, h, None);
        let t = decode(&file).unwrap();
        // libwebp's `encode_lossless` is not `exact`: the colour under alpha 0 may change.
        let visible = |v: &[u8]| -> Vec<[u8; 4]> {
            v.chunks_exact(4)
                .map(|p| {
                    if p[3] == 0 {
                        [0; 4]
                    } else {
                        [p[0], p[1], p[2], p[3]]
                    }
                })
                .collect()
        };
        assert!(visible(&t.rgba) == visible(&px), "alpha {alpha}");
        assert_eq!(t.lossy, None);
        assert!(t.hints.lossless);
        assert_eq!(t.hints.color.has_alpha(), alpha);
        // Ours is exact: every byte comes back, including the colour under alpha 0.
        let (_, enc, back) = roundtrip(&file);
        assert!(back.rgba == t.rgba);
        let exact = encode(&px, w, h, &t.hints).unwrap();
        assert!(decode(&exact).unwrap().rgba == px);
        assert!(riff_chunks(&enc).iter().any(|(k, _)| k == b"VP8L"));
    }
}

#[test]
fn webp_lossy_quality_grid_and_alpha() {
    let (w, h) = (128, 96);
    let px = picture(w, h, false, 4);
    for q in [20.0f32, 50.0, 75.0, 90.0] {
        let file = libwebp(&px, w, h, Some(q));
        let t = decode(&file).unwrap();
        assert!(!t.hints.lossless);
        let est = f32::from(t.hints.quality);
        assert!((est - q).abs() <= 10.0, "written at {q}, estimated {est}");
        // libwebp's default is the normal ("strong") loop filter.
        assert_eq!(
            t.lossy,
            Some(LossyGrid {
                block_px: 16,
                reach_px: 16
            })
        );
        let (_, enc, back) = roundtrip(&file);
        assert!(riff_chunks(&enc).iter().any(|(k, _)| k == b"VP8 "));
        assert!((f32::from(back.hints.quality) - q).abs() <= 12.0);
        if q >= 50.0 {
            assert!(psnr(&px, &t.rgba) > 28.0, "q{q}: {}", psnr(&px, &t.rgba));
            assert!(psnr(&t.rgba, &back.rgba) > 30.0, "q{q}");
        }
    }
    // Lossy with alpha: alpha survives (losslessly) in an ALPH chunk.
    let px = picture(w, h, true, 5);
    let file = libwebp(&px, w, h, Some(80.0));
    let (a, enc, b) = roundtrip(&file);
    assert!(a.hints.color.has_alpha() && !a.hints.lossless);
    assert!(riff_chunks(&enc).iter().any(|(k, _)| k == b"ALPH"));
    let alphas = |v: &[u8]| v.chunks_exact(4).map(|p| p[3]).collect::<Vec<_>>();
    assert_eq!(alphas(&a.rgba), alphas(&px));
    assert_eq!(alphas(&b.rgba), alphas(&px));
}

#[test]
fn vp8_header_quality_mapping_is_monotonic_and_spans_the_range() {
    assert_eq!(webp::quality_from_q_index(0.0), 100);
    assert_eq!(webp::quality_from_q_index(127.0), 1);
    let mut last = 101;
    for q in 0..=127 {
        let v = webp::quality_from_q_index(f64::from(q));
        assert!(v <= last, "q-index {q}");
        last = v;
    }
}

#[test]
fn animated_webp_is_refused() {
    let frame = libwebp(&picture(16, 16, false, 1), 16, 16, None);
    let vp8l = riff_chunks(&frame).remove(0);
    assert_eq!(&vp8l.0, b"VP8L");
    let mut anmf = vec![0u8; 16]; // x, y, w-1, h-1, duration, flags
    anmf[6] = 15;
    anmf[9] = 15;
    anmf[12] = 100;
    anmf.extend(riff_chunk(b"VP8L", &vp8l.1));
    let anim = riff(&[
        vp8x(0x02, 16, 16),
        riff_chunk(b"ANIM", &[0, 0, 0, 0, 0, 0]),
        riff_chunk(b"ANMF", &anmf),
    ]);
    let e = decode(&anim).unwrap_err();
    assert!(e.to_string().contains("animated"), "{e}");
    // ANMF without the flag: still refused.
    let sneaky = riff(&[vp8x(0, 16, 16), riff_chunk(b"ANMF", &anmf)]);
    let e = decode(&sneaky).unwrap_err();
    assert!(e.to_string().contains("animated"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Metadata never reaches the output.

/// Where a marker can be planted.
#[derive(Debug, Clone, Copy)]
enum Plant {
    PngText,
    PngZtxt,
    PngItxt,
    PngExif,
    PngIccp,
    PngTime,
    PngPrivate,
    PngAfterIend,
    JpegCom,
    JpegExif,
    JpegIcc,
    JpegXmp,
    JpegApp13,
    JpegAfterEoi,
    WebpExif,
    WebpXmp,
    WebpIccp,
    WebpUnknown,
    WebpAfterRiff,
}

const PNG_PLANTS: [Plant; 8] = [
    Plant::PngText,
    Plant::PngZtxt,
    Plant::PngItxt,
    Plant::PngExif,
    Plant::PngIccp,
    Plant::PngTime,
    Plant::PngPrivate,
    Plant::PngAfterIend,
];
const JPEG_PLANTS: [Plant; 6] = [
    Plant::JpegCom,
    Plant::JpegExif,
    Plant::JpegIcc,
    Plant::JpegXmp,
    Plant::JpegApp13,
    Plant::JpegAfterEoi,
];
const WEBP_PLANTS: [Plant; 5] = [
    Plant::WebpExif,
    Plant::WebpXmp,
    Plant::WebpIccp,
    Plant::WebpUnknown,
    Plant::WebpAfterRiff,
];

/// `base` with the marker planted at `plants` (in order), each at a position chosen by `pos`
/// among the valid ones for its kind, the marker padded by `pad` bytes of noise.
fn plant(base: &[u8], plants: &[Plant], pos: &[usize], pad: &[u8]) -> Vec<u8> {
    let mut secret = pad.to_vec();
    secret.extend_from_slice(MARKER);
    secret.extend_from_slice(pad);
    let mut file = base.to_vec();
    for (k, &p) in plants.iter().enumerate() {
        let pick = pos.get(k).copied().unwrap_or(0);
        file = match p {
            Plant::PngAfterIend => [file, secret.clone()].concat(),
            Plant::JpegAfterEoi => [file, secret.clone()].concat(),
            Plant::WebpAfterRiff => [file, secret.clone()].concat(),
            Plant::PngText
            | Plant::PngZtxt
            | Plant::PngItxt
            | Plant::PngExif
            | Plant::PngIccp
            | Plant::PngTime
            | Plant::PngPrivate => {
                let (kind, data): (&[u8; 4], Vec<u8>) = match p {
                    Plant::PngText => (b"tEXt", [b"Comment\0".as_slice(), &secret].concat()),
                    Plant::PngZtxt => (
                        b"zTXt",
                        [b"Comment\0\0".as_slice(), &zlib_stored(&secret)].concat(),
                    ),
                    Plant::PngItxt => (
                        b"iTXt",
                        [b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), &secret].concat(),
                    ),
                    Plant::PngExif => (b"eXIf", [b"MM\0*\0\0\0\x08".as_slice(), &secret].concat()),
                    Plant::PngIccp => (
                        b"iCCP",
                        [b"icc\0\0".as_slice(), &zlib_stored(&secret)].concat(),
                    ),
                    Plant::PngTime => (b"tIME", [0x07, 0xE9, 1, 2, 3, 4, 5].to_vec()),
                    _ => (b"prVt", secret.clone()),
                };
                // Valid places: after IHDR, before IEND (between any two chunks).
                let chunks = png_chunks(&file);
                let iend = chunks.iter().position(|c| &c.0 == b"IEND").unwrap();
                // Chunk indices to insert before: not between two IDATs; iCCP before PLTE
                // and IDAT.
                let slots: Vec<usize> = (1..=iend)
                    .filter(|&s| !(&chunks[s - 1].0 == b"IDAT" && &chunks[s].0 == b"IDAT"))
                    .filter(|&s| {
                        !matches!(p, Plant::PngIccp)
                            || chunks[..s]
                                .iter()
                                .all(|c| !matches!(&c.0, b"PLTE" | b"IDAT"))
                    })
                    .collect();
                let at = chunks[slots[pick % slots.len()]].1;
                let mut out = file[..at].to_vec();
                out.extend(png_chunk(kind, &data));
                if matches!(p, Plant::PngTime) {
                    // tIME cannot carry the marker: plant it in a private chunk next to it.
                    out.extend(png_chunk(b"prVt", &secret));
                }
                out.extend_from_slice(&file[at..]);
                out
            }
            Plant::JpegCom
            | Plant::JpegExif
            | Plant::JpegIcc
            | Plant::JpegXmp
            | Plant::JpegApp13 => {
                let seg = match p {
                    Plant::JpegCom => jpeg_segment(0xFE, &secret),
                    Plant::JpegExif => jpeg_segment(
                        0xE1,
                        &[b"Exif\0\0MM\0*\0\0\0\x08".as_slice(), &secret].concat(),
                    ),
                    Plant::JpegIcc => jpeg_segment(
                        0xE2,
                        &[b"ICC_PROFILE\0\x01\x01".as_slice(), &secret].concat(),
                    ),
                    Plant::JpegXmp => jpeg_segment(
                        0xE1,
                        &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), &secret].concat(),
                    ),
                    _ => jpeg_segment(
                        0xED,
                        &[b"Photoshop 3.0\08BIM\x04\x04\0\0".as_slice(), &secret].concat(),
                    ),
                };
                // Valid places: after SOI, between header segments, before SOS.
                let mut offsets = vec![2];
                let mut i = 2;
                for (m, payload) in jpeg_segments(&file) {
                    if m == 0xDA {
                        break;
                    }
                    i += 4 + payload.len();
                    offsets.push(i);
                }
                let at = offsets[pick % offsets.len()];
                [&file[..at], &seg[..], &file[at..]].concat()
            }
            Plant::WebpExif | Plant::WebpXmp | Plant::WebpIccp | Plant::WebpUnknown => {
                // Extended format: VP8X, ICCP, [ALPH], image, EXIF, XMP, unknown anywhere after.
                let end = 8 + u32::from_le_bytes(file[4..8].try_into().unwrap()) as usize;
                let tail = file[end..].to_vec();
                let mut chunks: Vec<([u8; 4], Vec<u8>)> = riff_chunks(&file);
                if &chunks[0].0 != b"VP8X" {
                    let (w, h) = {
                        let t = decode(&file).unwrap();
                        (t.width, t.height)
                    };
                    let alpha = decode(&file).unwrap().hints.color.has_alpha();
                    let v = vp8x(if alpha { 0x10 } else { 0 }, w, h);
                    chunks.insert(0, (*b"VP8X", v[8..].to_vec()));
                }
                let image = chunks
                    .iter()
                    .position(|c| &c.0 == b"VP8 " || &c.0 == b"VP8L")
                    .unwrap();
                let (kind, flag, index) = match p {
                    Plant::WebpIccp => (*b"ICCP", 0x20, 1),
                    Plant::WebpExif => (*b"EXIF", 0x08, image + 1),
                    Plant::WebpXmp => (*b"XMP ", 0x04, chunks.len()),
                    _ => (*b"ZZZZ", 0, 1 + pick % chunks.len()),
                };
                chunks[0].1[0] |= flag;
                chunks.insert(index.min(chunks.len()), (kind, secret.clone()));
                let parts: Vec<Vec<u8>> = chunks.iter().map(|(k, d)| riff_chunk(k, d)).collect();
                [riff(&parts), tail].concat()
            }
        };
    }
    file
}

fn small_bases() -> Vec<(Vec<u8>, &'static [Plant])> {
    let px = picture(48, 40, true, 11);
    let opaque = picture(48, 40, false, 12);
    vec![
        (TINY_PNG.to_vec(), &PNG_PLANTS[..]),
        (
            encode(&px, 48, 40, &EncodeHints::png(ColorModel::Rgba)).unwrap(),
            &PNG_PLANTS[..],
        ),
        (TINY_JPG.to_vec(), &JPEG_PLANTS[..]),
        (image_jpeg(&opaque, 48, 40, 80, false), &JPEG_PLANTS[..]),
        (libwebp(&px, 48, 40, None), &WEBP_PLANTS[..]),
        (libwebp(&opaque, 48, 40, Some(70.0)), &WEBP_PLANTS[..]),
        (libwebp(&px, 48, 40, Some(70.0)), &WEBP_PLANTS[..]),
    ]
}

#[test]
fn every_planted_marker_is_dropped() {
    for (base, plants) in small_bases() {
        let clean = decode(&base).unwrap();
        for &p in plants {
            for pick in 0..4 {
                let file = plant(&base, &[p], &[pick], b"");
                assert!(contains(&file, MARKER));
                let t = decode(&file).unwrap_or_else(|e| panic!("{p:?}/{pick}: {e}"));
                assert_eq!(t.rgba, clean.rgba, "{p:?}: metadata changed the pixels");
                let out = encode(&t.rgba, t.width, t.height, &t.hints).unwrap();
                assert!(!contains(&out, MARKER), "{p:?}/{pick}: the marker survived");
                assert_clean(&out);
            }
        }
        // All at once.
        let file = plant(&base, plants, &[1, 2, 3, 0, 1, 2, 3, 1], b"xx");
        let t = decode(&file).unwrap();
        let out = encode(&t.rgba, t.width, t.height, &t.hints).unwrap();
        assert!(!contains(&out, MARKER));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random subsets of placements, positions and padding, on every base: the marker never
    /// survives, the pixels never change.
    #[test]
    fn planted_markers_never_survive(
        base in 0usize..7,
        picks in proptest::collection::vec((0usize..8, 0usize..16), 1..6),
        pad in proptest::collection::vec(any::<u8>(), 0..24),
    ) {
        let bases = small_bases();
        let (file, plants) = &bases[base];
        let chosen: Vec<Plant> = picks.iter().map(|(k, _)| plants[k % plants.len()]).collect();
        let pos: Vec<usize> = picks.iter().map(|(_, p)| *p).collect();
        let planted = plant(file, &chosen, &pos, &pad);
        let clean = decode(file).unwrap();
        let t = decode(&planted).map_err(|e| TestCaseError::fail(format!("{chosen:?}: {e}")))?;
        prop_assert!(t.rgba == clean.rgba);
        let out = encode(&t.rgba, t.width, t.height, &t.hints).unwrap();
        prop_assert!(!contains(&out, MARKER), "{:?}", chosen);
        assert_clean(&out);
    }

    /// Random bytes after a valid magic number: an error or a picture, never a panic.
    #[test]
    fn random_bytes_after_magic_never_panic(
        kind in 0usize..3,
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut file = match kind {
            0 => b"\x89PNG\r\n\x1a\n".to_vec(),
            1 => vec![0xFF, 0xD8, 0xFF],
            _ => {
                let mut f = b"RIFF".to_vec();
                f.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
                f.extend_from_slice(b"WEBP");
                f
            }
        };
        file.extend_from_slice(&body);
        let r = decode(&file);
        prop_assert!(r.is_ok() || is_decode_error(&r));
    }

    /// Flipped bytes in real files: an error or a picture, never a panic.
    #[test]
    fn corrupted_files_never_panic(
        base in 0usize..7,
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let bases = small_bases();
        let mut file = bases[base].0.clone();
        for (at, x) in flips {
            let i = at % file.len();
            file[i] ^= x | 1;
        }
        let r = decode(&file);
        prop_assert!(r.is_ok() || is_decode_error(&r));
        if let Ok(t) = r {
            prop_assert_eq!(t.rgba.len(), t.width as usize * t.height as usize * 4);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Malformed inputs.

#[test]
fn every_truncation_is_a_decode_error() {
    let webp_lossless = libwebp(&picture(24, 24, true, 3), 24, 24, None);
    let webp_lossy = libwebp(&picture(24, 24, true, 3), 24, 24, Some(60.0));
    for (name, file) in [
        ("png", TINY_PNG.to_vec()),
        ("jpeg", TINY_JPG.to_vec()),
        ("webp lossless", webp_lossless),
        ("webp lossy", webp_lossy),
    ] {
        assert!(decode(&file).is_ok());
        for n in 0..file.len() {
            let r = decode(&file[..n]);
            assert!(is_decode_error(&r), "{name} cut at {n} of {}", file.len());
        }
    }
}

#[test]
fn bad_checksums_are_refused() {
    let chunks = png_chunks(TINY_PNG);
    for (kind, _, end) in &chunks {
        let mut f = TINY_PNG.to_vec();
        f[end - 1] ^= 0x55; // the chunk's CRC
        let e = decode(&f).unwrap_err();
        assert_eq!(e.code(), 600, "{kind:?}");
    }
    // Data damaged under a recomputed CRC: the zlib Adler-32 or the inflater catches it.
    let idat = chunks.iter().find(|c| &c.0 == b"IDAT").unwrap();
    let mut f = TINY_PNG.to_vec();
    let last = idat.2 - 5; // the Adler-32's last byte
    f[last] ^= 1;
    let crc = crc32(&[&f[idat.1 + 4..idat.2 - 4]]);
    f[idat.2 - 4..idat.2].copy_from_slice(&crc.to_be_bytes());
    assert!(is_decode_error(&decode(&f)));
}

#[test]
fn huge_declared_sizes_are_refused_before_decoding() {
    let limit = |e: Error| {
        let s = e.to_string();
        assert_eq!(e.code(), 600);
        assert!(
            s.contains("limit") && s.contains("refused before decoding"),
            "{s}"
        );
    };
    // PNG: a valid IHDR of 100000 x 100000 and one empty IDAT.
    for (w, h) in [
        (100_000u32, 100_000u32),
        (8193, 1),
        (1, 8193),
        (u32::MAX >> 1, 2),
    ] {
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let f = [
            b"\x89PNG\r\n\x1a\n".to_vec(),
            png_chunk(b"IHDR", &ihdr),
            png_chunk(b"IDAT", &zlib_stored(&[])),
            png_chunk(b"IEND", &[]),
        ]
        .concat();
        limit(decode(&f).unwrap_err());
    }
    // JPEG: the sample's SOF rewritten to 65535 x 65535.
    let mut f = TINY_JPG.to_vec();
    let sof = f.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    f[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
    limit(decode(&f).unwrap_err());
    // WebP: VP8X canvas of 16384 x 16384, and VP8L of 16384 x 16384.
    let small = libwebp(&picture(8, 8, false, 1), 8, 8, None);
    let vp8l = riff_chunks(&small).remove(0).1;
    let f = riff(&[vp8x(0, 16384, 16384), riff_chunk(b"VP8L", &vp8l)]);
    limit(decode(&f).unwrap_err());
    let mut big = vp8l.clone();
    let bits = (16383u32) | (16383 << 14);
    big[1..5].copy_from_slice(&bits.to_le_bytes());
    let f = riff(&[riff_chunk(b"VP8L", &big)]);
    limit(decode(&f).unwrap_err());
    // VP8 (lossy) frame header of 16383 x 16383.
    let small = libwebp(&picture(8, 8, false, 1), 8, 8, Some(50.0));
    let mut vp8 = riff_chunks(&small).remove(0).1;
    vp8[6..10].copy_from_slice(&[0xFF, 0x3F, 0xFF, 0x3F]);
    let f = riff(&[riff_chunk(b"VP8 ", &vp8)]);
    limit(decode(&f).unwrap_err());
}

#[test]
fn encode_checks_its_arguments() {
    let hints = EncodeHints::png(ColorModel::Rgb);
    assert_eq!(encode(&[], 0, 1, &hints).unwrap_err().code(), 100);
    assert_eq!(encode(&[0; 12], 2, 2, &hints).unwrap_err().code(), 101);
    let e = encode(
        &[0; 4],
        1,
        1,
        &EncodeHints::jpeg(0, Subsampling::S420, false),
    )
    .unwrap();
    assert_clean(&e);
}

proptest! {
    /// The block-folded pixel scans agree with a pixel-by-pixel check, wherever the one
    /// pixel that breaks the property sits (or with none).
    #[test]
    fn opaque_and_gray_scans_match_a_per_pixel_check(
        n in 1usize..700,
        base in 0u8..=255,
        odd in proptest::option::of((0usize..700, 0usize..4, 0u8..=255)),
    ) {
        let mut rgba: Vec<u8> = (0..n).flat_map(|_| [base, base, base, 255]).collect();
        if let Some((i, c, v)) = odd {
            rgba[(i % n) * 4 + c] = v;
        }
        let opaque = rgba.chunks_exact(4).filter(|p| p[3] != 255).count() == 0;
        let gray = rgba.chunks_exact(4).filter(|p| p[0] != p[1] || p[1] != p[2]).count() == 0;
        prop_assert_eq!(all_opaque(&rgba), opaque);
        prop_assert_eq!(all_gray(&rgba), gray);
    }
}

/// The planar encode path (chroma averaged by `Planar`, nearest-sample subsampling in the
/// encoder) writes the same bytes as the encoder's own RGBA path with averaged subsampling,
/// on real imagery and a hard synthetic pattern, for every subsampling.
#[test]
fn planar_jpeg_encode_equals_the_encoders_average_path() {
    let (real, w, h) = decode_rgba(JPG).unwrap();
    let synthetic: Vec<u8> = (0..256u32 * 256)
        .flat_map(|i| {
            let (x, y) = (i % 256, i / 256);
            [
                ((x * 7) ^ (y * 3)) as u8,
                ((x + y) * 5) as u8,
                if (x / 3 + y / 5) % 2 == 0 { 250 } else { 10 },
                255,
            ]
        })
        .collect();
    let mut checked = 0;
    for (img, iw, ih) in [(&real, w, h), (&synthetic, 256, 256)] {
        for s in [
            Subsampling::S444,
            Subsampling::S422,
            Subsampling::S420,
            Subsampling { h: 1, v: 2 },
        ] {
            let hints = EncodeHints::jpeg(85, s, false);
            let ours = encode(img, iw, ih, &hints).unwrap();
            let theirs = jpeg::encode_reference(img, iw, ih, &hints).unwrap();
            assert!(ours == theirs, "{s:?}: the encodings differ");
            checked += 1;
        }
    }
    assert_eq!(checked, 8);
}

proptest! {
    /// `Planar`'s fixed-point colour conversion is within one step of the JFIF formulas in
    /// floating point, and its chroma blocks hold the rounded mean of the converted values.
    #[test]
    fn planar_conversion_matches_jfif_in_floating_point(
        px in proptest::collection::vec(any::<[u8; 3]>(), 1..=120),
        w in 1usize..=12,
        (bh, bv) in prop_oneof![Just((1usize, 1usize)), Just((2, 1)), Just((2, 2)), Just((1, 2)), Just((4, 2))],
    ) {
        let h = px.len().div_ceil(w);
        let px: Vec<[u8; 3]> = (0..w * h).map(|i| px[i % px.len()]).collect();
        let rgba: Vec<u8> = px.iter().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let planar = jpeg::Planar::new(&rgba, w, h, bh, bv);
        // Every CPU level gives the same planes.
        for arch in crate::simd::levels() {
            let other = jpeg::Planar::new_with(arch, &rgba, w, h, (bh, bv));
            let (mut a, mut b): ([Vec<u8>; 4], [Vec<u8>; 4]) = Default::default();
            for y in 0..h as u16 {
                jpeg_encoder::ImageBuffer::fill_buffers(&&planar, y, &mut a);
                jpeg_encoder::ImageBuffer::fill_buffers(&&other, y, &mut b);
            }
            prop_assert_eq!(a, b);
        }
        let f = |p: &[u8; 3]| {
            let (r, g, b) = (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
            (
                0.299 * r + 0.587 * g + 0.114 * b,
                -0.168_736 * r - 0.331_264 * g + 0.5 * b + 128.0,
                0.5 * r - 0.418_688 * g - 0.081_312 * b + 128.0,
            )
        };
        let mut buffers: [Vec<u8>; 4] = Default::default();
        for y in 0..h as u16 {
            jpeg_encoder::ImageBuffer::fill_buffers(&&planar, y, &mut buffers);
        }
        for (i, p) in px.iter().enumerate() {
            prop_assert!((f64::from(buffers[0][i]) - f(p).0).abs() <= 1.0);
        }
        for (i, (&cb, &cr)) in buffers[1].iter().zip(&buffers[2]).enumerate() {
            let (x, y) = (i % w, i / w);
            let (bx, by) = (x / bh * bh, y / bv * bv);
            let block: Vec<usize> = (by..(by + bv).min(h))
                .flat_map(|yy| (bx..(bx + bh).min(w)).map(move |xx| yy * w + xx))
                .collect();
            let mean = |k: usize| {
                block.iter().map(|&j| {
                    let c = f(&px[j]);
                    if k == 1 { c.1 } else { c.2 }
                }).sum::<f64>() / block.len() as f64
            };
            // One step for the conversion, one for the rounding of the mean.
            prop_assert!((f64::from(cb) - mean(1)).abs() <= 1.5, "cb at {i}");
            prop_assert!((f64::from(cr) - mean(2)).abs() <= 1.5, "cr at {i}");
        }
        prop_assert_eq!(buffers[1].len(), w * h);
    }
}
