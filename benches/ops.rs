//! Redaction operators: `fill`, `inpaint` and the secure `blur` of `tileredact` against a
//! memcpy floor and their peers, in one criterion group per tile size (256 and 512 RGBA).
//!
//! Inputs: a deterministic "aerial-like" tile (smooth gradients plus fine noise) and a disc
//! mask covering about 20 % of the tile, which is both the target and the forbidden mask.
//! Peers:
//!
//! * `memcpy`: copying the tile, the floor of any operator.
//! * `tiny_skia_draw_pixmap_mask`: tiny-skia compositing a solid pixmap through a `Mask`
//!   (the composite peer of `fill`).
//! * `libblur_gaussian_box_blur` (single thread) and `libblur_stack_blur` (single thread,
//!   radius with the same variance), `image_fast_blur`: whole-tile blurs at the same sigma.
//!   Our `blur` is the whole secure operator (copy, inpaint of the mask, blur of the
//!   region the target needs, write of the target), not a bare blur; `blur_image` is the
//!   bare blur of the whole tile, for a like-for-like figure.
//!
//! `tileredact` kernels run at the best CPU level of the machine (`best`) and at the
//! baseline (`scalar`); `inpaint` and `blur` at every level the machine has. Throughput is
//! in pixels of the tile.
//!
//! Run: `cargo bench --locked --features bench --bench ops -- --warm-up-time 1
//! --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use libblur::{
    AnisotropicRadius, BlurImage, BlurImageMut, CLTParameters, FastBlurChannels, ThreadingPolicy,
};
use tiny_skia::{IntSize, Mask, Pixmap, PixmapPaint, Transform};

/// Sigma of every blur, in pixels.
const SIGMA: f32 = 8.0;
/// Fraction of the tile the disc covers.
const COVER: f64 = 0.2;
/// The key of the keyed operators.
const KEY: [u8; 32] = [0x42; 32];

/// The best CPU level this machine has, by name.
fn best() -> &'static str {
    ["avx512", "avx2"]
        .into_iter()
        .find(|l| tileredact::bench::has_level(l))
        .unwrap_or("scalar")
}

/// Every CPU level this machine has, best first, the baseline last.
fn levels() -> Vec<&'static str> {
    ["avx512", "avx2", "scalar"]
        .into_iter()
        .filter(|l| *l == "scalar" || tileredact::bench::has_level(l))
        .collect()
}

/// A deterministic tile: gradients, a few soft blobs and fine noise, opaque.
fn tile(size: u32) -> Vec<u8> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut noise = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 59) as f64
    };
    let n = size as f64;
    let mut out = Vec::with_capacity((4 * size * size) as usize);
    for y in 0..size {
        for x in 0..size {
            let (u, v) = (x as f64 / n, y as f64 / n);
            let blob = (-((u - 0.3).powi(2) + (v - 0.7).powi(2)) * 20.0).exp();
            let r = 60.0 + 120.0 * u + 50.0 * blob + noise();
            let g = 90.0 + 80.0 * v + 30.0 * (u * 17.0).sin() + noise();
            let b = 70.0 + 60.0 * (1.0 - u) * v + noise();
            out.extend_from_slice(&[r as u8, g as u8, b as u8, 255]);
        }
    }
    out
}

/// A disc covering [`COVER`] of the tile (0 or 255 per pixel).
fn disc(size: u32) -> Vec<u8> {
    let n = size as f64;
    let r = (COVER / std::f64::consts::PI).sqrt() * n;
    let (cx, cy) = (0.45 * n, 0.55 * n);
    (0..size * size)
        .map(|i| {
            let (x, y) = ((i % size) as f64 + 0.5, (i / size) as f64 + 0.5);
            if (x - cx).hypot(y - cy) < r { 255 } else { 0 }
        })
        .collect()
}

/// The stack blur radius whose triangular kernel has variance `sigma^2`
/// (`r (r + 2) / 6 = sigma^2`).
fn stack_radius(sigma: f32) -> u32 {
    ((6.0 * f64::from(sigma).powi(2) + 1.0).sqrt() - 1.0).round() as u32
}

fn bench(c: &mut Criterion) {
    let level = best();
    for size in [256u32, 512] {
        let src = tile(size);
        let mask = disc(size);
        let covered = mask.iter().filter(|&&m| m != 0).count() as f64 / mask.len() as f64;
        eprintln!(
            "ops/{size}: disc covers {:.1} % of the tile; best level {level}",
            100.0 * covered
        );
        let stride = 4 * size as usize;
        let geo = (size, size, stride);
        let mut group = c.benchmark_group(format!("ops/{size}"));
        group.throughput(Throughput::Elements(u64::from(size * size)));

        let mut dst = src.clone();
        group.bench_function("memcpy", |b| {
            b.iter(|| dst.copy_from_slice(black_box(&src)));
        });

        for lv in [level, "scalar"] {
            let mut img = src.clone();
            group.bench_function(format!("fill/{lv}"), |b| {
                b.iter(|| {
                    tileredact::bench::fill(
                        lv,
                        &mut img,
                        size,
                        size,
                        stride,
                        black_box(&mask),
                        [1, 2, 3, 255],
                    );
                });
            });
        }

        // tiny-skia: a solid pixmap drawn through the mask (premultiplied, opaque).
        {
            let size_i = IntSize::from_wh(size, size).unwrap();
            let mut dst = Pixmap::from_vec(src.clone(), size_i).unwrap();
            let solid =
                Pixmap::from_vec([1u8, 2, 3, 255].repeat((size * size) as usize), size_i).unwrap();
            let tmask = Mask::from_vec(mask.clone(), size_i).unwrap();
            group.bench_function("tiny_skia_draw_pixmap_mask", |b| {
                b.iter(|| {
                    dst.draw_pixmap(
                        0,
                        0,
                        solid.as_ref(),
                        &PixmapPaint::default(),
                        Transform::identity(),
                        Some(black_box(&tmask)),
                    );
                });
            });
        }

        for lv in levels() {
            let mut img = src.clone();
            group.bench_function(format!("inpaint/{lv}"), |b| {
                b.iter(|| {
                    tileredact::bench::inpaint(
                        lv,
                        &mut img,
                        geo,
                        black_box(&mask),
                        &mask,
                        KEY,
                        0,
                        [128; 3],
                    );
                });
            });
        }
        {
            let mut img = src.clone();
            group.bench_function(format!("inpaint_grain8/{level}"), |b| {
                b.iter(|| {
                    tileredact::bench::inpaint(
                        level,
                        &mut img,
                        geo,
                        black_box(&mask),
                        &mask,
                        KEY,
                        8,
                        [128; 3],
                    );
                });
            });
        }

        for lv in levels() {
            let mut img = src.clone();
            group.bench_function(format!("blur/{lv}"), |b| {
                b.iter(|| {
                    tileredact::bench::blur(
                        lv,
                        &mut img,
                        geo,
                        black_box(&mask),
                        &mask,
                        KEY,
                        SIGMA,
                        [128; 3],
                    );
                });
            });
        }
        {
            let mut img = src.clone();
            group.bench_function(format!("blur_image/{level}"), |b| {
                b.iter(|| tileredact::bench::blur_image(level, &mut img, size, size, SIGMA));
            });
        }

        {
            let img = BlurImage::borrow(&src, size, size, FastBlurChannels::Channels4);
            let mut out = BlurImageMut::alloc(size, size, FastBlurChannels::Channels4);
            group.bench_function("libblur_gaussian_box_blur", |b| {
                b.iter(|| {
                    libblur::gaussian_box_blur(
                        black_box(&img),
                        &mut out,
                        CLTParameters::new(SIGMA),
                        ThreadingPolicy::Single,
                    )
                    .unwrap();
                });
            });
        }
        {
            let mut buf = src.clone();
            let radius = stack_radius(SIGMA);
            group.bench_function("libblur_stack_blur", |b| {
                b.iter(|| {
                    let mut img =
                        BlurImageMut::borrow(&mut buf, size, size, FastBlurChannels::Channels4);
                    libblur::stack_blur(
                        black_box(&mut img),
                        AnisotropicRadius::new(radius),
                        ThreadingPolicy::Single,
                    )
                    .unwrap();
                });
            });
        }
        {
            let img = image::RgbaImage::from_raw(size, size, src.clone()).unwrap();
            group.bench_function("image_fast_blur", |b| {
                b.iter(|| image::imageops::fast_blur(black_box(&img), SIGMA));
            });
        }
        group.finish();
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
