//! Tile warp bench: ns per output pixel of `warp_tile` (WGS-84 -> GCJ-02, a 256 tile at z18
//! in Beijing, every source tile given) per filter, against, in the same run:
//!
//! * `exact`: the same warp with every pixel's source position from the exact transform
//!   (`gcj02_to_wgs84` per pixel, no lattice): what the lattice saves;
//! * `plain`: the warp's own kernel resampling one 256 tile at a constant sub-pixel offset
//!   (no lattice, no mosaic): the floor of any resample.
//!
//! Bars: bilinear warp at most 2x `plain`, and at least 5x faster than `exact`.
//!
//! Every CPU level the machine has runs, one group each (`warp/avx512`, `warp/avx2`,
//! `warp/scalar`, the SSE2 baseline).
//!
//! Run: `cargo bench --features bench --bench warp -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tileredact::bench::{has_level, resample_plain, warp};
use tileredact::{
    AlphaMode, ImageView, ImageViewMut, TileId, WarpDirection, WarpFilter, required_source_tiles,
    wgs84_to_gcj02,
};

const S: usize = 256;

/// Deterministic texture-like noise (smooth enough to look like imagery; values irrelevant to
/// the speed).
fn tile_pixels(seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..S * S * 4)
        .map(|i| {
            if i % 4 == 3 {
                return 255;
            }
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 56) as u8
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let (glon, glat) = wgs84_to_gcj02(116.404, 39.915);
    let target = TileId::containing(glon, glat, 18).unwrap();
    let dir = WarpDirection::Wgs84ToGcj02;
    let need = required_source_tiles(target, dir);
    let data: Vec<(TileId, Vec<u8>)> = need
        .iter()
        .enumerate()
        .map(|(i, &t)| (t, tile_pixels(i as u64 + 1)))
        .collect();
    let sources: Vec<(TileId, ImageView<'_>)> = data
        .iter()
        .map(|(t, p)| {
            (
                *t,
                ImageView::new(p, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap(),
            )
        })
        .collect();
    let plain_src = tile_pixels(99);
    let mut out = vec![0u8; S * S * 4];
    // Every CPU level this machine has, each in a group of its own (filter the run with
    // e.g. `-- warp/scalar`).
    for level in ["avx512", "avx2", "scalar"]
        .into_iter()
        .filter(|l| has_level(l))
    {
        bench_level(c, level, target, dir, &sources, &plain_src, &mut out);
    }
}

/// The group of one CPU level.
fn bench_level(
    c: &mut Criterion,
    level: &str,
    target: TileId,
    dir: WarpDirection,
    sources: &[(TileId, ImageView<'_>)],
    plain_src: &[u8],
    out: &mut [u8],
) {
    let mut g = c.benchmark_group(format!("warp/{level}"));
    g.throughput(Throughput::Elements((S * S) as u64));
    for (name, filter) in [
        ("nearest", WarpFilter::Nearest),
        ("bilinear", WarpFilter::Bilinear),
        ("bicubic", WarpFilter::Bicubic),
    ] {
        g.bench_function(format!("{name}/lattice"), |b| {
            b.iter(|| {
                let mut o =
                    ImageViewMut::new(out, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap();
                black_box(warp(level, target, dir, sources, &mut o, filter, false));
            })
        });
        g.bench_function(format!("{name}/exact"), |b| {
            b.iter(|| {
                let mut o =
                    ImageViewMut::new(out, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap();
                black_box(warp(level, target, dir, sources, &mut o, filter, true));
            })
        });
        g.bench_function(format!("{name}/plain"), |b| {
            b.iter(|| {
                let mut o =
                    ImageViewMut::new(out, S as u32, S as u32, 4 * S, AlphaMode::Straight).unwrap();
                resample_plain(level, plain_src, &mut o, [0.37, -0.61], filter);
                black_box(&o);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
