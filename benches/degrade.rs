//! Redaction kernels `degrade`, `texture` and `cosmetic_pixelate` on 256 and 512 tiles, at
//! every CPU level this machine has, against a memcpy of the tile (the floor: one read and
//! one write of every pixel) in the same run.
//!
//! Input: a smooth-ish random tile (fixed seed), the target a disk over about 35 % of it and
//! another operator's mask (a bar) over about 5 %. The kernels work in place: each iteration
//! runs on the previous iteration's output, which costs the same. Throughput is per pixel of
//! the tile.
//!
//! Run: `cargo bench --features bench --bench degrade -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tileredact::bench::{Frame, degrade, pixelate, texture};
use tileredact::{AlphaMode, ImageViewMut, RedactionKey};

struct Tile {
    px: Vec<u8>,
    target: Vec<u8>,
    forbidden: Vec<u8>,
}

fn tile(size: u32) -> Tile {
    let n = size as usize;
    let mut s = 0x2026_1129u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut px = Vec::with_capacity(4 * n * n);
    for y in 0..n {
        for x in 0..n {
            let r = next();
            px.extend_from_slice(&[
                (x / 3 + (r & 15) as usize) as u8,
                (y / 3 + ((r >> 8) & 15) as usize) as u8,
                ((x + y) / 5 + ((r >> 16) & 15) as usize) as u8,
                255,
            ]);
        }
    }
    let (mut target, mut forbidden) = (vec![0u8; n * n], vec![0u8; n * n]);
    let c = n as f64 / 2.0;
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x as f64 - c, y as f64 - c);
            if dx * dx + dy * dy < (0.34 * n as f64).powi(2) {
                target[y * n + x] = 255;
                forbidden[y * n + x] = 255;
            } else if y < n / 20 {
                forbidden[y * n + x] = 255;
            }
        }
    }
    Tile {
        px,
        target,
        forbidden,
    }
}

fn bench(c: &mut Criterion) {
    let key = RedactionKey::from_bytes([7; 32]);
    for size in [256u32, 512] {
        let t = tile(size);
        let stride = 4 * size as usize;
        let frame = Frame {
            origin: (u64::from(size) * 1234, u64::from(size) * 567),
            z: 14,
            tile_px: size,
            key: &key,
            forbidden: &t.forbidden,
        };
        let mut g = c.benchmark_group(format!("ops/{size}"));
        g.throughput(Throughput::Elements(u64::from(size) * u64::from(size)));
        let mut dst = vec![0u8; t.px.len()];
        g.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&t.px));
                black_box(&mut dst);
            })
        });
        for level in ["scalar", "avx2", "avx512"] {
            let mut px = t.px.clone();
            let mut img = ImageViewMut::new(&mut px, size, size, stride, AlphaMode::Straight)
                .expect("bench tile");
            if !degrade(level, &mut img, &t.target, &frame, 4) {
                continue;
            }
            for cell in [2u32, 4, 8, 16, 64] {
                g.bench_function(format!("degrade/cell{cell}/{level}"), |b| {
                    b.iter(|| degrade(level, &mut img, black_box(&t.target), &frame, cell))
                });
            }
            g.bench_function(format!("texture/{level}"), |b| {
                b.iter(|| texture(level, &mut img, black_box(&t.target), &frame))
            });
            g.bench_function(format!("pixelate/8/{level}"), |b| {
                b.iter(|| pixelate(level, &mut img, black_box(&t.target), &frame, 8))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
