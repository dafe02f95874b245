//! `cosmetic_pixelate`: world-aligned blocks of the original pixels replaced by their mean.
//!
//! **Not a security boundary.** Pixelation keeps the low frequencies of the inside and can be
//! matched against candidates or partly inverted (and a pixelated text or shape can often be
//! read back). It is opt-in and flagged in reports; use `degrade` for a documented
//! resolution cap or a secure operator to hide the inside.
//!
//! # Semantics
//!
//! Blocks are the world-aligned squares of `block_px` world pixels (boundaries at multiples of
//! `block_px`), intersected with the image. Each target pixel becomes the rounded mean
//! `(sum + n/2) / n`, all four channels, of the *readable* pixels of its block within the
//! image: `forbidden == 0 || target != 0` (its own zone's pixels, never another operator's
//! mask). A block holding a target pixel always has one readable pixel, the target itself.
//! When `block_px` divides `tile_px`, blocks never straddle tiles and the result stitches;
//! otherwise a block cut by the image edge is averaged over the part inside the image.
//! `block_px <= 1` leaves the pixels unchanged. Premultiplied images: means of premultiplied
//! pixels keep `rgb <= a` ([`clamp_premultiplied`] is applied anyway).
//!
//! The fast path ([`pixelate_with`]) shares the row-by-row `u16` running sums of `degrade`
//! ([`super::degrade::cell_sums`]); it equals [`pixelate_ref`] exactly.

use std::collections::BTreeMap;

use pulp::{Arch, WithSimd};

use super::degrade::{Acc, cell_sums, segments};
use super::{OpFrame, clamp_premultiplied};
use crate::image::ImageViewMut;

/// Scalar reference: the definition, blocks found by division and summed in a map.
pub(crate) fn pixelate_ref(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    block_px: u32,
) {
    if block_px <= 1 {
        clamp_premultiplied(img, target);
        return;
    }
    let (w, h) = (img.width() as u64, img.height() as u64);
    let (ox, oy) = frame.origin;
    let b = u64::from(block_px);
    let mut blocks: BTreeMap<(u64, u64), Acc> = BTreeMap::new();
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) as usize;
            if frame.forbidden[i] == 0 || target[i] != 0 {
                let e = blocks.entry(((ox + x) / b, (oy + y) / b)).or_default();
                let p = img.pixels(y as u32)[x as usize];
                for (sk, &pk) in e.sum.iter_mut().zip(&p) {
                    *sk += u64::from(pk);
                }
                e.n += 1;
            }
        }
    }
    for y in 0..h {
        for x in 0..w {
            if target[(y * w + x) as usize] != 0 {
                let v = blocks[&((ox + x) / b, (oy + y) / b)].mean();
                img.pixels_mut(y as u32)[x as usize] = v;
            }
        }
    }
    clamp_premultiplied(img, target);
}

/// The fast path at CPU level `arch`: equal to [`pixelate_ref`].
pub(crate) fn pixelate_with(
    arch: Arch,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    block_px: u32,
) {
    struct Run<'a, 'b, 'c> {
        img: &'a mut ImageViewMut<'b>,
        target: &'a [u8],
        frame: &'a OpFrame<'c>,
        block_px: u64,
    }
    impl WithSimd for Run<'_, '_, '_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Run {
                img,
                target,
                frame,
                block_px: b,
            } = self;
            let (w, h) = (img.width() as usize, img.height() as usize);
            // Blocks are their own domains.
            let xs = segments(frame.origin.0, w, b, b);
            let ys = segments(frame.origin.1, h, b, b);
            let acc = cell_sums(img, target, frame.forbidden, &xs, &ys);
            let nx = xs.len();
            let mut vals = vec![0u32; nx];
            for (j, ys) in ys.iter().enumerate() {
                for (v, a) in vals.iter_mut().zip(&acc[j * nx..(j + 1) * nx]) {
                    *v = if a.n > 0 {
                        u32::from_ne_bytes(a.mean())
                    } else {
                        0
                    };
                }
                for y in ys.start..ys.end {
                    let tr = &target[y * w..(y + 1) * w];
                    let row = img.pixels_mut(y as u32);
                    for (xs, &v) in xs.iter().zip(&vals) {
                        let r = xs.start..xs.end;
                        for (q, &m) in row[r.clone()].iter_mut().zip(&tr[r]) {
                            let sel = 0u32.wrapping_sub(u32::from(m != 0));
                            let old = u32::from_ne_bytes(*q);
                            *q = ((old & !sel) | (v & sel)).to_ne_bytes();
                        }
                    }
                }
            }
        }
    }
    if block_px > 1 {
        arch.dispatch(Run {
            img: &mut *img,
            target,
            frame,
            block_px: u64::from(block_px),
        });
    }
    clamp_premultiplied(img, target);
}

/// Pixelates at the CPU level [`crate::simd`] picks.
pub(crate) fn pixelate(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    block_px: u32,
) {
    pixelate_with(crate::simd::arch(), img, target, frame, block_px);
}

#[cfg(test)]
mod tests {
    use super::super::degrade::testkit::{Rng, case, key, only_target_written, run, stitches};
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, rng_seed: proptest::test_runner::RngSeed::Fixed(23), ..ProptestConfig::default() })]
        /// Every level equals the reference (odd sizes, padded strides, random masks and
        /// origins, blocks of any size); only target pixels are written.
        #[test]
        fn fast_equals_reference(w in 1u32..70, h in 1u32..30, pad in 0usize..9,
                                 seed in any::<u64>(), block in 0u32..20,
                                 ox in 0u64..1000, oy in 0u64..1000,
                                 premul in any::<bool>(), rects in any::<bool>()) {
            let mut rng = Rng::new(seed);
            let c = case(&mut rng, w, h, pad, premul, rects);
            let want = run(&|i, t, f| pixelate_ref(i, t, f, block), &c, (ox, oy), 16, 9, &key());
            prop_assert!(only_target_written(&c, &want));
            let mut checked = 0;
            for arch in crate::simd::levels() {
                let got = run(&|i, t, f| pixelate_with(arch, i, t, f, block), &c, (ox, oy), 16, 9, &key());
                prop_assert_eq!(&got, &want);
                checked += 1;
            }
            prop_assert_eq!(checked, crate::simd::levels().len());
        }

        /// Blocks that divide the tile stitch.
        #[test]
        fn stitches_2x2(seed in any::<u64>(), block_log in 0u32..5, dx in 0u64..100, dy in 0u64..100) {
            let mut rng = Rng::new(seed);
            let b = 1u32 << block_log;
            prop_assert!(stitches(&|i, t, f| pixelate(i, t, f, b), &mut rng, 16, dx, dy, false));
        }
    }

    /// A target pixel is the brute-force mean of the readable pixels of its block.
    #[test]
    fn block_means_match_brute_force() {
        let mut rng = Rng::new(17);
        for _ in 0..30 {
            let c = case(&mut rng, 37, 29, 4, false, false);
            let (b, origin) = (6u64, (1003u64, 7u64));
            let out = run(&|i, t, f| pixelate(i, t, f, 6), &c, origin, 16, 9, &key());
            for y in 0..29u64 {
                for x in 0..37u64 {
                    if c.target[(y * 37 + x) as usize] == 0 {
                        continue;
                    }
                    let (bx, by) = ((origin.0 + x) / b, (origin.1 + y) / b);
                    let (mut s, mut n) = ([0u64; 4], 0u64);
                    for yy in 0..29u64 {
                        for xx in 0..37u64 {
                            let m = (yy * 37 + xx) as usize;
                            if (origin.0 + xx) / b == bx
                                && (origin.1 + yy) / b == by
                                && (c.forbidden[m] == 0 || c.target[m] != 0)
                            {
                                let i = yy as usize * c.stride + 4 * xx as usize;
                                for (sk, &pk) in s.iter_mut().zip(&c.px[i..i + 4]) {
                                    *sk += u64::from(pk);
                                }
                                n += 1;
                            }
                        }
                    }
                    let i = y as usize * c.stride + 4 * x as usize;
                    let want = s.map(|v| ((v + n / 2) / n) as u8);
                    assert_eq!(&out[i..i + 4], &want[..]);
                }
            }
        }
    }
}
