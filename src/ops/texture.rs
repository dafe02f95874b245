//! `texture`: keyed noise anchored to world pixels, tinted from the pixels just outside the
//! mask. Secure: reads only pixels whose `forbidden` byte is 0.
//!
//! # Semantics
//!
//! * **Tint, per domain** (the world-aligned `tile_px` square, see [`super`]): the *ring* of a
//!   domain is its readable pixels (`forbidden == 0`) at Chebyshev distance at most
//!   [`RING_PX`] (4) from a forbidden pixel *of the same domain*, both within the image.
//!   The tint's colour is the alpha-weighted mean of the ring's straight colours (a
//!   transparent ring pixel says nothing about colour): with `X = a * c` for a straight image
//!   and `X = 255 * c` for a premultiplied one, `mean = round(sum X / sum a)` per channel;
//!   its spread is the alpha-weighted mean absolute deviation,
//!   `round(sum |X - a * mean| / sum a)`, clamped to [`SPREAD_MIN`]..=[`SPREAD_MAX`]. A
//!   domain without a ring pixel (or only transparent ones) gets `color` and
//!   [`SPREAD_DEFAULT`]. Estimating per domain, from the domain's pixels only, is what makes a
//!   2x2 block redacted at once equal to its four tiles redacted one by one.
//! * **Noise**: `n(wx, wy)`, a function of the world pixel alone (so no seam between tiles),
//!   keyed by `key.prf("ops/texture", [z])` once per call: three octaves of value noise from a
//!   cheap integer hash (two rounds of a 32-bit avalanche mixer, never BLAKE3 per pixel),
//!   values odd in -255..=255 (mean 0): a lattice every 8 world pixels and one every 2, each bilinear
//!   between its lattice points (exact integer weights), plus a per-pixel value;
//!   `n = 3 * A + 24 * B + 32 * C` with `A` in 1/64 and `B` in 1/4 units, so `|n| <= 81600`
//!   and its mean absolute deviation is about 2^14. The big octave gives soft blotches, the
//!   small one grain, the per-pixel term a little sparkle: it reads as ground texture in the
//!   surrounding colours rather than grey static.
//! * **Pixel**: `clamp(mean + (spread * n + 2^13) >> 14, 0, 255)` per channel, alpha 255 (opaque,
//!   so a premultiplied image keeps `rgb <= a`). Only target pixels are written.
//!
//! # Fast path
//!
//! [`texture_with`] runs wholly at the CPU level the dispatcher picks. It finds the ring by
//! byte dilation (a row's forbidden flags ORed over 9 shifts, then over 9 rows) instead of
//! scanning every 9x9 window, sums the ring's weights and colours as masked `u32` lanes
//! ([`tints`]), hashes each lattice point once per row (the second lattice row only when
//! its weight is not 0) and spreads each octave over its pixels interval by interval
//! ([`Noise::row`]), and runs the per-pixel hash and the tint over whole rows of `u32`/`i32`
//! lanes. All integer, so it equals [`texture_ref`] exactly.

use std::collections::BTreeMap;

use pulp::{Arch, WithSimd};

use super::OpFrame;
use super::degrade::segments;
use crate::image::{AlphaMode, ImageViewMut};

/// Width of the ring (Chebyshev distance to a forbidden pixel) the tint is estimated from.
pub(crate) const RING_PX: usize = 4;
/// Smallest spread (8-bit levels): even a flat surrounding gets a faint texture.
pub(crate) const SPREAD_MIN: i32 = 2;
/// Largest spread: a busy surrounding (roofs, roads) must not turn into confetti.
pub(crate) const SPREAD_MAX: i32 = 40;
/// Spread of a domain without a ring.
pub(crate) const SPREAD_DEFAULT: i32 = 6;

/// The tint of one domain: mean colour and spread, per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tint {
    mean: [i32; 3],
    spread: [i32; 3],
}

impl Tint {
    fn fallback(color: [u8; 3]) -> Tint {
        Tint {
            mean: color.map(i32::from),
            spread: [SPREAD_DEFAULT; 3],
        }
    }

    /// The statistics of the ring pixels (see the module docs).
    fn of(ring: impl Iterator<Item = [u8; 4]> + Clone, mode: AlphaMode, color: [u8; 3]) -> Tint {
        let x = |p: [u8; 4], k: usize| -> i64 {
            match mode {
                AlphaMode::Straight => i64::from(p[3]) * i64::from(p[k]),
                AlphaMode::Premultiplied => 255 * i64::from(p[k]),
            }
        };
        let mut s = [0i64; 3];
        let mut w = 0i64;
        for p in ring.clone() {
            w += i64::from(p[3]);
            for (k, sk) in s.iter_mut().enumerate() {
                *sk += x(p, k);
            }
        }
        if w == 0 {
            return Tint::fallback(color);
        }
        let mean = s.map(|v| ((v + w / 2) / w).min(255));
        let mut d = [0i64; 3];
        for p in ring {
            let a = i64::from(p[3]);
            for (k, dk) in d.iter_mut().enumerate() {
                *dk += (x(p, k) - a * mean[k]).abs();
            }
        }
        Tint {
            mean: mean.map(|m| m as i32),
            spread: d.map(|v| (((v + w / 2) / w) as i32).clamp(SPREAD_MIN, SPREAD_MAX)),
        }
    }

    /// The output pixel for noise `n`.
    #[inline(always)]
    fn pixel(&self, n: i32) -> [u8; 4] {
        let c = |k: usize| (self.mean[k] + ((self.spread[k] * n + 8192) >> 14)).clamp(0, 255) as u8;
        [c(0), c(1), c(2), 255]
    }
}

/// The keyed value noise (see the module docs).
struct Noise {
    s: [u32; 6],
}

/// A 32-bit avalanche mixer (lowbias32).
#[inline(always)]
fn mix(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x7feb_352d);
    h ^= h >> 15;
    h = h.wrapping_mul(0x846c_a68b);
    h ^ (h >> 16)
}

impl Noise {
    fn new(frame: &OpFrame<'_>) -> Noise {
        let u = frame.key.prf_u64s("ops/texture", &[frame.z]);
        Noise {
            s: [
                u[0] as u32,
                (u[0] >> 32) as u32,
                u[1] as u32,
                (u[1] >> 32) as u32,
                u[2] as u32,
                (u[2] >> 32) as u32,
            ],
        }
    }

    /// The lattice value of octave `o` (0, 1, 2) at lattice point (x, y): an odd number in
    /// -255..=255 (mean 0).
    #[inline(always)]
    fn val(&self, o: usize, x: u32, y: u32) -> i32 {
        2 * (mix(mix(x ^ self.s[2 * o]) ^ y ^ self.s[2 * o + 1]) >> 24) as i32 - 255
    }

    /// The noise at world pixel (wx, wy), straight from the definition.
    fn at(&self, wx: u64, wy: u64) -> i32 {
        let (ax, fx) = ((wx >> 3) as u32, (wx & 7) as i32);
        let (ay, fy) = ((wy >> 3) as u32, (wy & 7) as i32);
        let a = |i: u32, j: u32| self.val(0, i, j);
        let (ax1, ay1) = (ax.wrapping_add(1), ay.wrapping_add(1));
        let sa = (a(ax, ay) * (8 - fx) + a(ax1, ay) * fx) * (8 - fy)
            + (a(ax, ay1) * (8 - fx) + a(ax1, ay1) * fx) * fy;
        let (bx, gx) = ((wx >> 1) as u32, (wx & 1) as i32);
        let (by, gy) = ((wy >> 1) as u32, (wy & 1) as i32);
        let b = |i: u32, j: u32| self.val(1, i, j);
        let (bx1, by1) = (bx.wrapping_add(1), by.wrapping_add(1));
        let sb = (b(bx, by) * (2 - gx) + b(bx1, by) * gx) * (2 - gy)
            + (b(bx, by1) * (2 - gx) + b(bx1, by1) * gx) * gy;
        let c = self.val(2, wx as u32, wy as u32);
        3 * sa + 24 * sb + 32 * c
    }

    /// The noise of `out.len()` pixels of world row `wy` from world column `ox`, equal to
    /// [`Noise::at`]: each lattice point hashed once (and the second lattice row only when
    /// its weight is not 0), each octave spread over its pixels interval by interval (a
    /// fixed 8 or 2 pixels per interval), then one flat sum: no per-pixel index arithmetic.
    #[inline(always)]
    fn row(&self, ox: u64, wy: u64, out: &mut [i32], b: &mut NoiseBufs) {
        let w = out.len() as u64;
        let (ay, fy) = ((wy >> 3) as u32, (wy & 7) as i32);
        let (by, gy) = ((wy >> 1) as u32, (wy & 1) as i32);
        let (ka, kb) = (ox >> 3, ox >> 1);
        // Lattice points `ka ..` and `kb ..` up to one past the last pixel's interval.
        let na = (((ox + w - 1) >> 3) + 2 - ka) as usize;
        let nb = (((ox + w - 1) >> 1) + 2 - kb) as usize;
        let lattice = |v: &mut Vec<i32>, o: usize, k0: u64, n: usize, y: u32, f: i32, u: i32| {
            v.clear();
            v.extend((0..n as u64).map(|i| self.val(o, (k0 + i) as u32, y) * (u - f)));
            if f != 0 {
                let y1 = y.wrapping_add(1);
                for (i, q) in v.iter_mut().enumerate() {
                    *q += self.val(o, (k0 + i as u64) as u32, y1) * f;
                }
            }
        };
        lattice(&mut b.la, 0, ka, na, ay, fy, 8);
        lattice(&mut b.lb, 1, kb, nb, by, gy, 2);
        // Per pixel from world column `8 ka` (`2 kb`): the horizontal interpolation.
        b.ea.clear();
        b.ea.resize(8 * (na - 1), 0);
        for (o, l) in b.ea.as_chunks_mut::<8>().0.iter_mut().zip(b.la.windows(2)) {
            for (fx, o) in o.iter_mut().enumerate() {
                *o = l[0] * (8 - fx as i32) + l[1] * fx as i32;
            }
        }
        b.eb.clear();
        b.eb.resize(2 * (nb - 1), 0);
        for (o, l) in b.eb.as_chunks_mut::<2>().0.iter_mut().zip(b.lb.windows(2)) {
            *o = [2 * l[0], l[0] + l[1]];
        }
        let (s4, s5, y32) = (self.s[4], self.s[5], wy as u32);
        let x0 = ox as u32;
        let ea = &b.ea[(ox - 8 * ka) as usize..];
        let eb = &b.eb[(ox - 2 * kb) as usize..];
        for (x, ((o, &a), &bv)) in out.iter_mut().zip(ea).zip(eb).enumerate() {
            let wx = x0.wrapping_add(x as u32);
            let c = 32 * (2 * (mix(mix(wx ^ s4) ^ y32 ^ s5) >> 24) as i32 - 255);
            *o = c + 3 * a + 24 * bv;
        }
    }
}

/// The scratch of [`Noise::row`]: the lattice values of a row (vertically interpolated) and
/// their horizontal interpolation per pixel, for the 8- and 2-pixel octaves.
#[derive(Default)]
struct NoiseBufs {
    la: Vec<i32>,
    lb: Vec<i32>,
    ea: Vec<i32>,
    eb: Vec<i32>,
}

/// Scalar reference: the definition, pixel by pixel (the ring by scanning each pixel's 9x9
/// window).
pub(crate) fn texture_ref(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    color: [u8; 3],
) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (ox, oy) = frame.origin;
    let t = u64::from(frame.tile_px.max(1));
    let dom = |x: usize, y: usize| ((ox + x as u64) / t, (oy + y as u64) / t);
    let r = RING_PX as isize;
    let mut rings: BTreeMap<(u64, u64), Vec<[u8; 4]>> = BTreeMap::new();
    for y in 0..h {
        for x in 0..w {
            if frame.forbidden[y * w + x] != 0 {
                continue;
            }
            let d = dom(x, y);
            let mut near = false;
            for dy in -r..=r {
                for dx in -r..=r {
                    let (xx, yy) = (x as isize + dx, y as isize + dy);
                    if xx < 0 || yy < 0 || xx >= w as isize || yy >= h as isize {
                        continue;
                    }
                    let (xx, yy) = (xx as usize, yy as usize);
                    near |= dom(xx, yy) == d && frame.forbidden[yy * w + xx] != 0;
                }
            }
            if near {
                rings.entry(d).or_default().push(img.pixels(y as u32)[x]);
            }
        }
    }
    let tints: BTreeMap<(u64, u64), Tint> = rings
        .into_iter()
        .map(|(d, px)| (d, Tint::of(px.into_iter(), img.alpha(), color)))
        .collect();
    let noise = Noise::new(frame);
    for y in 0..h {
        for x in 0..w {
            if target[y * w + x] == 0 {
                continue;
            }
            let tint = tints
                .get(&dom(x, y))
                .copied()
                .unwrap_or(Tint::fallback(color));
            img.pixels_mut(y as u32)[x] = tint.pixel(noise.at(ox + x as u64, oy + y as u64));
        }
    }
}

/// The buffers of [`tints`] (reused across the domains of a call).
#[derive(Default)]
struct TintBufs {
    /// One row of forbidden flags (`0xff` / 0), padded with [`RING_PX`] zeros each side.
    pad: Vec<u8>,
    /// Per pixel of the domain: a forbidden pixel within `RING_PX` columns in its row.
    near_h: Vec<u8>,
    /// Per pixel of the domain: a ring pixel (`0xff` / 0).
    ring: Vec<u8>,
}

/// The straight-colour weights of a ring pixel `p` (see [`Tint::of`]): `X_k` per channel
/// and the alpha.
#[inline(always)]
fn ring_terms(p: [u8; 4], premul: bool) -> ([u32; 3], u32) {
    let a = u32::from(p[3]);
    let f = if premul { 255 } else { a };
    ([0, 1, 2].map(|k| f * u32::from(p[k])), a)
}

/// The tint of every domain of the image (row-major over the domain runs), with the same
/// statistics as [`Tint::of`] (its definition):
///
/// * **Ring** by byte dilation: a row's forbidden flags (`0xff`) ORed over the
///   `2 RING_PX + 1` shifts of the padded row, then those rows ORed over the
///   `2 RING_PX + 1` rows around each row (clipped to the domain), then ANDed with "not
///   forbidden": flat byte loops the vectoriser makes 64 bytes wide.
/// * **Sums** of the ring pixels' weights and straight colours as masked `u32` lanes, chunks
///   of 1024 pixels (at most `1024 * 255 * 255` per lane) added into `u64`; then a second
///   pass for the mean absolute deviation from the rounded mean.
///
/// Inlined into [`texture_with`]'s `with_simd`, so compiled at its CPU level.
#[inline(always)]
fn tints(
    img: &ImageViewMut<'_>,
    frame: &OpFrame<'_>,
    color: [u8; 3],
    b: &mut TintBufs,
) -> Vec<Tint> {
    const CHUNK: usize = 1024;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let t = u64::from(frame.tile_px.max(1));
    let xs = segments(frame.origin.0, w, t, t);
    let ys = segments(frame.origin.1, h, t, t);
    let premul = img.alpha() == AlphaMode::Premultiplied;
    let r = RING_PX;
    let mut out = Vec::with_capacity(xs.len() * ys.len());
    for ys in &ys {
        for xs in &xs {
            let (rw, rh) = (xs.end - xs.start, ys.end - ys.start);
            let forb = |k: usize| {
                let y = ys.start + k;
                &frame.forbidden[y * w + xs.start..y * w + xs.end]
            };
            let px = |k: usize| &img.pixels((ys.start + k) as u32)[xs.start..xs.end];
            if b.pad.len() < rw + 2 * r {
                b.pad.resize(rw + 2 * r, 0);
            }
            let pad = &mut b.pad[..rw + 2 * r];
            pad.fill(0);
            if b.near_h.len() < rw * rh {
                b.near_h.resize(rw * rh, 0);
                b.ring.resize(rw * rh, 0);
            }
            let near_h = &mut b.near_h[..rw * rh];
            let ring = &mut b.ring[..rw * rh];
            for (k, o) in near_h.chunks_exact_mut(rw).enumerate() {
                for (p, &f) in pad[r..r + rw].iter_mut().zip(forb(k)) {
                    *p = u8::from(f != 0).wrapping_neg();
                }
                o.copy_from_slice(&pad[..rw]);
                for d in 1..=2 * r {
                    for (o, &p) in o.iter_mut().zip(&pad[d..]) {
                        *o |= p;
                    }
                }
            }
            let (mut sw, mut sx) = (0u64, [0u64; 3]);
            for (k, o) in ring.chunks_exact_mut(rw).enumerate() {
                let (a, e) = (k.saturating_sub(r), (k + r + 1).min(rh));
                o.copy_from_slice(&near_h[a * rw..(a + 1) * rw]);
                for q in a + 1..e {
                    for (o, &p) in o.iter_mut().zip(&near_h[q * rw..(q + 1) * rw]) {
                        *o |= p;
                    }
                }
                for (o, &f) in o.iter_mut().zip(forb(k)) {
                    *o &= u8::from(f == 0).wrapping_neg();
                }
                for (m, p) in o.chunks(CHUNK).zip(px(k).chunks(CHUNK)) {
                    let (mut cw, mut cx) = (0u32, [0u32; 3]);
                    for (&m, &p) in m.iter().zip(p) {
                        let m = u32::from(m & 1);
                        let (x, a) = ring_terms(p, premul);
                        cw += a * m;
                        for (c, &x) in cx.iter_mut().zip(&x) {
                            *c += x * m;
                        }
                    }
                    sw += u64::from(cw);
                    for (s, &c) in sx.iter_mut().zip(&cx) {
                        *s += u64::from(c);
                    }
                }
            }
            if sw == 0 {
                out.push(Tint::fallback(color));
                continue;
            }
            let mean = sx.map(|v| ((v + sw / 2) / sw).min(255));
            let mean32 = mean.map(|m| m as u32);
            let mut sd = [0u64; 3];
            for (k, o) in ring.chunks_exact(rw).enumerate() {
                for (m, p) in o.chunks(CHUNK).zip(px(k).chunks(CHUNK)) {
                    let mut cd = [0u32; 3];
                    for (&m, &p) in m.iter().zip(p) {
                        let m = u32::from(m & 1);
                        let (x, a) = ring_terms(p, premul);
                        for ((c, &x), &mu) in cd.iter_mut().zip(&x).zip(&mean32) {
                            *c += x.abs_diff(a * mu) * m;
                        }
                    }
                    for (s, &c) in sd.iter_mut().zip(&cd) {
                        *s += u64::from(c);
                    }
                }
            }
            out.push(Tint {
                mean: mean.map(|m| m as i32),
                spread: sd.map(|v| (((v + sw / 2) / sw) as i32).clamp(SPREAD_MIN, SPREAD_MAX)),
            });
        }
    }
    out
}

/// The fast path at CPU level `arch`: equal to [`texture_ref`].
pub(crate) fn texture_with(
    arch: Arch,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    color: [u8; 3],
) {
    struct Run<'a, 'b, 'c> {
        img: &'a mut ImageViewMut<'b>,
        target: &'a [u8],
        frame: &'a OpFrame<'c>,
        color: [u8; 3],
    }
    impl WithSimd for Run<'_, '_, '_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Run {
                img,
                target,
                frame,
                color,
            } = self;
            let tints = tints(img, frame, color, &mut TintBufs::default());
            let (w, h) = (img.width() as usize, img.height() as usize);
            let t = u64::from(frame.tile_px.max(1));
            let xs = segments(frame.origin.0, w, t, t);
            let ys = segments(frame.origin.1, h, t, t);
            let noise = Noise::new(frame);
            let nx = xs.len();
            let (mut n, mut nb) = (vec![0i32; w], NoiseBufs::default());
            for (j, ys) in ys.iter().enumerate() {
                for y in ys.start..ys.end {
                    let tr = &target[y * w..(y + 1) * w];
                    if tr.iter().all(|&m| m == 0) {
                        continue;
                    }
                    noise.row(frame.origin.0, frame.origin.1 + y as u64, &mut n, &mut nb);
                    let row = img.pixels_mut(y as u32);
                    for (i, xs) in xs.iter().enumerate() {
                        let tint = tints[j * nx + i];
                        let r = xs.start..xs.end;
                        for ((q, &m), &nv) in
                            row[r.clone()].iter_mut().zip(&tr[r.clone()]).zip(&n[r])
                        {
                            // Branch-free select, as in `fill`.
                            let sel = 0u32.wrapping_sub(u32::from(m != 0));
                            let old = u32::from_ne_bytes(*q);
                            let new = u32::from_ne_bytes(tint.pixel(nv));
                            *q = ((old & !sel) | (new & sel)).to_ne_bytes();
                        }
                    }
                }
            }
        }
    }
    arch.dispatch(Run {
        img,
        target,
        frame,
        color,
    });
}

/// Textures at the CPU level [`crate::simd`] picks.
pub(crate) fn texture(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    color: [u8; 3],
) {
    texture_with(crate::simd::arch(), img, target, frame, color);
}

#[cfg(test)]
mod tests {
    use super::super::degrade::testkit::{
        Case, Rng, case, key, only_target_written, run, stitches,
    };
    use super::*;
    use crate::key::RedactionKey;
    use proptest::prelude::*;

    const COLOR: [u8; 3] = [90, 60, 30];

    fn k_ref(i: &mut ImageViewMut<'_>, t: &[u8], f: &OpFrame<'_>) {
        texture_ref(i, t, f, COLOR);
    }

    fn k_fast(i: &mut ImageViewMut<'_>, t: &[u8], f: &OpFrame<'_>) {
        texture(i, t, f, COLOR);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 120, rng_seed: proptest::test_runner::RngSeed::Fixed(77), ..ProptestConfig::default() })]
        /// Every level equals the reference on odd sizes, padded strides, random masks and
        /// origins (also near 2^32 and beyond, where the hash coordinates wrap); only target
        /// pixels are written, opaque.
        #[test]
        fn fast_equals_reference(w in 1u32..70, h in 1u32..30, pad in 0usize..9,
                                 seed in any::<u64>(), tile in 0usize..4,
                                 ox in 0u64..100, oy in 0u64..100, far in 0usize..3,
                                 premul in any::<bool>(), rects in any::<bool>()) {
            let tile_px = [4u32, 8, 13, 16][tile];
            let mut rng = Rng::new(seed);
            let c = case(&mut rng, w, h, pad, premul, rects);
            let far = [0u64, (1 << 32) - 40, (1 << 36) - 20][far];
            let origin = (ox + far, oy + far);
            let want = run(&k_ref, &c, origin, tile_px, 9, &key());
            prop_assert!(only_target_written(&c, &want));
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let t = c.target[y * w as usize + x];
                    prop_assert!(t == 0 || want[y * c.stride + 4 * x + 3] == 255);
                }
            }
            let mut checked = 0;
            for arch in crate::simd::levels() {
                let mut got = c.px.clone();
                let frame = OpFrame { origin, z: 9, tile_px, key: &key(), forbidden: &c.forbidden };
                texture_with(arch, &mut ImageViewMut::new(&mut got, c.w, c.h, c.stride, c.alpha).unwrap(), &c.target, &frame, COLOR);
                prop_assert_eq!(&got, &want);
                checked += 1;
            }
            prop_assert_eq!(checked, crate::simd::levels().len());
            prop_assert!(checked >= 1);
        }

        /// A 2x2 block of domains textured at once equals its four tiles (no seam).
        #[test]
        fn stitches_2x2(seed in any::<u64>(), tile in 0usize..2, dx in 0u64..100_000,
                        dy in 0u64..100_000, premul in any::<bool>()) {
            let tile_px = [16u32, 32][tile];
            let mut rng = Rng::new(seed);
            prop_assert!(stitches(&k_fast, &mut rng, tile_px, dx, dy, premul));
            prop_assert!(stitches(&k_ref, &mut rng, tile_px, dx, dy, premul));
        }

        /// Images that differ only at forbidden pixels give the same output.
        #[test]
        fn forbidden_pixels_are_not_read(seed in any::<u64>(), w in 1u32..50, h in 1u32..30,
                                         rects in any::<bool>()) {
            let mut rng = Rng::new(seed);
            let a = case(&mut rng, w, h, 2, false, rects);
            let mut b = a.clone();
            for (i, p) in b.px.iter_mut().enumerate() {
                let (x, y) = ((i % a.stride) / 4, i / a.stride);
                if x < w as usize && a.forbidden[y * w as usize + x] != 0 {
                    *p = rng.next() as u8;
                }
            }
            let (oa, ob) = (run(&k_fast, &a, (40, 2), 16, 5, &key()), run(&k_fast, &b, (40, 2), 16, 5, &key()));
            for i in 0..oa.len() {
                let (x, y) = ((i % a.stride) / 4, i / a.stride);
                let m = y * w as usize + x;
                if x >= w as usize || a.forbidden[m] == 0 || a.target[m] != 0 {
                    prop_assert_eq!(oa[i], ob[i]);
                }
            }
        }
    }

    #[test]
    fn stitches_256() {
        let mut rng = Rng::new(0xabc);
        assert!(stitches(&k_fast, &mut rng, 256, 1234, 5678, false));
    }

    /// A disk of target in a tile whose surroundings are `ring`.
    fn disk_case(size: u32, ring: impl Fn(usize, usize) -> [u8; 4]) -> Case {
        let n = size as usize;
        let mut px = Vec::with_capacity(4 * n * n);
        let mut target = vec![0u8; n * n];
        for y in 0..n {
            for x in 0..n {
                px.extend_from_slice(&ring(x, y));
                let (dx, dy) = (x as f64 - n as f64 / 2.0, y as f64 - n as f64 / 2.0);
                if dx * dx + dy * dy < (n as f64 / 3.0).powi(2) {
                    target[y * n + x] = 255;
                }
            }
        }
        Case {
            w: size,
            h: size,
            stride: 4 * n,
            px,
            forbidden: target.clone(),
            target,
            alpha: AlphaMode::Straight,
        }
    }

    fn target_mean(c: &Case, out: &[u8]) -> [f64; 3] {
        let mut s = [0f64; 3];
        let mut k = 0.0;
        for (p, &t) in out.chunks(4).zip(&c.target) {
            if t != 0 {
                for ch in 0..3 {
                    s[ch] += f64::from(p[ch]);
                }
                k += 1.0;
            }
        }
        s.map(|v| v / k)
    }

    /// A one-colour ring gives that colour with the minimal spread; a two-colour ring its
    /// mean with a visible spread; no ring gives the fallback colour.
    #[test]
    fn tint_follows_the_ring() {
        let green = [40u8, 120, 60, 255];
        let c = disk_case(256, |_, _| green);
        let out = run(&k_fast, &c, (256 * 9, 256 * 4), 256, 10, &key());
        let m = target_mean(&c, &out);
        for ch in 0..3 {
            assert!((m[ch] - f64::from(green[ch])).abs() < 1.0, "{m:?}");
        }
        // Stripes of two colours: mean 100, spread 50 clamped to SPREAD_MAX.
        let c = disk_case(256, |x, _| {
            if x % 2 == 0 {
                [50, 50, 50, 255]
            } else {
                [150, 150, 150, 255]
            }
        });
        let out = run(&k_fast, &c, (0, 0), 256, 10, &key());
        let m = target_mean(&c, &out);
        assert!((m[0] - 100.0).abs() < 6.0, "{m:?}");
        let mad: f64 = out
            .chunks(4)
            .zip(&c.target)
            .filter(|&(_, &t)| t != 0)
            .map(|(p, _)| (f64::from(p[0]) - m[0]).abs())
            .sum::<f64>()
            / c.target.iter().filter(|&&t| t != 0).count() as f64;
        assert!(
            mad > 0.6 * f64::from(SPREAD_MAX) && mad < 1.6 * f64::from(SPREAD_MAX),
            "{mad}"
        );
        // Everything forbidden: no ring, the fallback colour.
        let mut c = disk_case(256, |_, _| green);
        c.target.fill(1);
        c.forbidden.fill(1);
        let out = run(&k_fast, &c, (0, 0), 256, 10, &key());
        let m = target_mean(&c, &out);
        for ch in 0..3 {
            assert!((m[ch] - f64::from(COLOR[ch])).abs() < 2.5, "{m:?}");
        }
        // A transparent ring says nothing about colour either.
        let c = disk_case(256, |_, _| [200, 0, 0, 0]);
        let out = run(&k_fast, &c, (0, 0), 256, 10, &key());
        let m = target_mean(&c, &out);
        assert!((m[0] - f64::from(COLOR[0])).abs() < 2.5, "{m:?}");
    }

    /// The noise is smooth-ish (neighbours closer than distant pixels), of the documented
    /// scale, and keyed.
    #[test]
    fn noise_is_smooth_scaled_and_keyed() {
        let frame = |key| OpFrame {
            origin: (0, 0),
            z: 7,
            tile_px: 256,
            key,
            forbidden: &[],
        };
        let k1 = key();
        let n = Noise::new(&frame(&k1));
        let (mut near, mut far, mut mad, mut sum, mut count) = (0f64, 0f64, 0f64, 0f64, 0f64);
        for y in 0..200u64 {
            for x in 0..200u64 {
                let v = f64::from(n.at(1000 + x, 5000 + y));
                near += (v - f64::from(n.at(1001 + x, 5000 + y))).abs();
                far += (v - f64::from(n.at(1016 + x, 5000 + y))).abs();
                mad += v.abs();
                sum += v;
                count += 1.0;
            }
        }
        assert!(near < 0.6 * far, "near {near} far {far}");
        assert!((sum / count).abs() < 0.25 * 16384.0, "mean {}", sum / count);
        let mad = mad / count / 16384.0;
        assert!((0.6..1.5).contains(&mad), "{mad}");
        // Another key, another texture; the same key, the same.
        let k2 = RedactionKey::from_bytes([8; 32]);
        let mut rng = Rng::new(5);
        let c = case(&mut rng, 40, 40, 0, false, true);
        let a = run(&k_fast, &c, (3, 3), 16, 7, &k1);
        assert_eq!(a, run(&k_fast, &c, (3, 3), 16, 7, &k1));
        if c.target.iter().any(|&t| t != 0) {
            assert_ne!(a, run(&k_fast, &c, (3, 3), 16, 7, &k2));
            assert_ne!(a, run(&k_fast, &c, (3, 3), 16, 8, &k1)); // another zoom
        }
    }
}
