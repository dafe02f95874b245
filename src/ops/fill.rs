//! `fill`: the masked composite of a constant colour, the floor every operator's write goes
//! through.

use pulp::{Arch, WithSimd};

use crate::image::ImageViewMut;

/// Scalar reference: every pixel whose `target` byte is nonzero becomes `rgba`.
pub(crate) fn fill_ref(img: &mut ImageViewMut<'_>, target: &[u8], rgba: [u8; 4]) {
    let w = img.width() as usize;
    for y in 0..img.height() {
        let t = &target[y as usize * w..(y as usize + 1) * w];
        for (p, &m) in img.pixels_mut(y).iter_mut().zip(t) {
            if m != 0 {
                *p = rgba;
            }
        }
    }
}

/// The fast path at CPU level `arch`: equal to [`fill_ref`].
pub(crate) fn fill_with(arch: Arch, img: &mut ImageViewMut<'_>, target: &[u8], rgba: [u8; 4]) {
    struct Run<'a, 'b> {
        img: &'a mut ImageViewMut<'b>,
        target: &'a [u8],
        rgba: u32,
    }
    impl WithSimd for Run<'_, '_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let w = self.img.width() as usize;
            for y in 0..self.img.height() {
                let t = &self.target[y as usize * w..(y as usize + 1) * w];
                let row = self.img.pixels_mut(y);
                // Runs of 8 mask bytes at a time: all zero, all set, or mixed (select).
                let (rc, rr) = row.as_chunks_mut::<8>();
                let (tc, tr) = t.as_chunks::<8>();
                for (p, m) in rc.iter_mut().zip(tc) {
                    let word = u64::from_ne_bytes(*m);
                    if word == 0 {
                        continue;
                    }
                    for (q, &b) in p.iter_mut().zip(m) {
                        // Branch-free select the compiler turns into a masked blend.
                        let sel = 0u32.wrapping_sub(u32::from(b != 0));
                        let old = u32::from_ne_bytes(*q);
                        *q = ((old & !sel) | (self.rgba & sel)).to_ne_bytes();
                    }
                }
                for (q, &b) in rr.iter_mut().zip(tr) {
                    if b != 0 {
                        *q = self.rgba.to_ne_bytes();
                    }
                }
            }
        }
    }
    let rgba = u32::from_ne_bytes(rgba);
    arch.dispatch(Run { img, target, rgba });
}

/// Fills at the CPU level [`crate::simd`] picks.
pub(crate) fn fill(img: &mut ImageViewMut<'_>, target: &[u8], rgba: [u8; 4]) {
    fill_with(crate::simd::arch(), img, target, rgba);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::AlphaMode;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, rng_seed: proptest::test_runner::RngSeed::Fixed(8), ..ProptestConfig::default() })]
        /// Every level equals the reference, on odd widths, strides with padding and
        /// random masks (the padding is never written).
        #[test]
        fn fast_equals_reference(w in 1u32..70, h in 1u32..9, pad in 0usize..9,
                                 seed in any::<u64>(), density in 0u8..=255,
                                 rgba in any::<[u8; 4]>()) {
            let stride = 4 * w as usize + pad;
            let len = stride * h as usize;
            let mut s = seed | 1;
            let mut next = || { s ^= s << 13; s ^= s >> 7; s ^= s << 17; s };
            let base: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let target: Vec<u8> = (0..(w * h) as usize)
                .map(|_| if (next() as u8) < density { (next() as u8) | 1 } else { 0 })
                .collect();
            let mut want = base.clone();
            fill_ref(&mut ImageViewMut::new(&mut want, w, h, stride, AlphaMode::Straight).unwrap(), &target, rgba);
            let mut checked = 0;
            for arch in crate::simd::levels() {
                let mut got = base.clone();
                fill_with(arch, &mut ImageViewMut::new(&mut got, w, h, stride, AlphaMode::Straight).unwrap(), &target, rgba);
                prop_assert_eq!(&got, &want);
                checked += 1;
            }
            prop_assert!(checked >= 1);
            // The reference itself: target pixels are rgba, others and padding unchanged.
            for y in 0..h as usize {
                for x in 0..stride {
                    let i = y * stride + x;
                    let inside = x < 4 * w as usize && target[y * w as usize + x / 4] != 0;
                    let expect = if inside { rgba[x % 4] } else { base[i] };
                    prop_assert_eq!(want[i], expect);
                }
            }
        }
    }
}
