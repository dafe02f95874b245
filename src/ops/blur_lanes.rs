//! The row kernels of the narrow blur ([`super::blur`]): 16-bit lanes, one `pmaddwd` per
//! two taps, at the AVX-512 and AVX2 levels, with a scalar form for the others.
//!
//! A narrow pass keeps its samples (and box sums) in `u16` at a per-kernel scale chosen so
//! that every box sum fits 16 bits and every end sum `E` 15 bits; a tap is
//! `(a S + b E + 2^15) >> 16` with `a`, `b` below `2^15`. The vector forms take `S` with
//! its sign bit flipped (`S - 32768` as `i16`; the vertical passes keep their running sums
//! flipped, so that costs nothing there), interleave it with `E`, and take
//! `a (S - 32768) + b E` with one `pmaddwd` per pair of lanes; the bias `32768 a + 2^15`
//! restores the sum, exact in wrapping `u32` (it is below `2^32`). Box sums in `u16` wrap,
//! and are exact because the true sum fits. Every form computes the same integers as
//! [`tap16`], so all levels agree bit for bit.

use pulp::Arch;
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{__m128i, __m256i, __m512i};

/// The weights of a narrow pass: `a` on the box sum, `b` on the two end taps.
#[derive(Clone, Copy, Debug)]
pub(super) struct W16 {
    /// Weight of the box sum (below `2^15`).
    pub a: u32,
    /// Weight of the end-tap sum (below `2^15`).
    pub b: u32,
}

impl W16 {
    /// The `i16` pair `[a, b]` as one `i32`.
    #[inline(always)]
    fn pair(self) -> i32 {
        (self.a | (self.b << 16)) as i32
    }

    /// `32768 a + 2^15`, which undoes the sign flip of `S` and rounds.
    #[inline(always)]
    fn bias(self) -> i32 {
        (self.a * 32768 + 32768) as i32
    }
}

/// One tap: `(a s + b e + 2^15) >> 16`.
#[inline(always)]
pub(super) fn tap16(w: W16, s: u16, e: u16) -> u16 {
    ((w.a * u32::from(s) + w.b * u32::from(e) + 32768) >> 16) as u16
}

/// The row kernels at one CPU level.
pub(super) trait Lanes: Copy {
    /// Vertical step on 16-bit rows: `sum += add - rem`, then
    /// `out = tap(sum ^ 0x8000, rem + next)`, lane by lane (all slices as long as `out`;
    /// `sum` holds the box sums with the sign bit flipped; `rem + next < 2^15`).
    fn vstep(
        self,
        sum: &mut [u16],
        add: &[u16],
        rem: &[u16],
        next: &[u16],
        out: &mut [u16],
        w: W16,
    );
    /// Vertical step on 8-bit rows (samples `v q`): `sum += add - rem` on the 8-bit
    /// values, then `out = tap(q sum, q (rem + next))` (`q (rem + next) < 2^15`).
    #[allow(clippy::too_many_arguments)]
    fn vstep8(
        self,
        sum: &mut [u16],
        add: &[u8],
        rem: &[u8],
        next: &[u8],
        out: &mut [u16],
        w: W16,
        q: u16,
    );
    /// Horizontal taps: `out = tap(hi - lo, e1 + e2)`, lane by lane (`e1 + e2 < 2^15`).
    fn htap(self, out: &mut [u16], hi: &[u16], lo: &[u16], e1: &[u16], e2: &[u16], w: W16);
    /// Inclusive prefix sums (wrapping) of 4-lane pixels: `out[4i + c]` is the sum of
    /// `inp[4j + c]` for `j <= i`. `inp` and `out` have the same length, a multiple of 4.
    fn scan(self, inp: &[u16], out: &mut [u16]);
}

/// The scalar forms (any CPU level).
#[derive(Clone, Copy)]
pub(super) struct Scalar;

impl Lanes for Scalar {
    #[inline(always)]
    fn vstep(
        self,
        sum: &mut [u16],
        add: &[u16],
        rem: &[u16],
        next: &[u16],
        out: &mut [u16],
        w: W16,
    ) {
        vstep_tail(sum, add, rem, next, out, w);
    }
    #[inline(always)]
    fn vstep8(
        self,
        sum: &mut [u16],
        add: &[u8],
        rem: &[u8],
        next: &[u8],
        out: &mut [u16],
        w: W16,
        q: u16,
    ) {
        vstep8_tail(sum, add, rem, next, out, w, q);
    }
    #[inline(always)]
    fn htap(self, out: &mut [u16], hi: &[u16], lo: &[u16], e1: &[u16], e2: &[u16], w: W16) {
        htap_tail(out, hi, lo, e1, e2, w);
    }
    #[inline(always)]
    fn scan(self, inp: &[u16], out: &mut [u16]) {
        scan_tail([0; 4], inp, out);
    }
}

#[inline(always)]
fn vstep_tail(sum: &mut [u16], add: &[u16], rem: &[u16], next: &[u16], out: &mut [u16], w: W16) {
    let n = out.len();
    let (sum, add, rem, next) = (&mut sum[..n], &add[..n], &rem[..n], &next[..n]);
    for ((((o, s), &p), &m), &q) in out.iter_mut().zip(sum).zip(add).zip(rem).zip(next) {
        *s = s.wrapping_add(p).wrapping_sub(m);
        *o = tap16(w, *s ^ 0x8000, m.wrapping_add(q));
    }
}

#[inline(always)]
fn vstep8_tail(
    sum: &mut [u16],
    add: &[u8],
    rem: &[u8],
    next: &[u8],
    out: &mut [u16],
    w: W16,
    q: u16,
) {
    let n = out.len();
    let (sum, add, rem, next) = (&mut sum[..n], &add[..n], &rem[..n], &next[..n]);
    for ((((o, s), &p), &m), &x) in out.iter_mut().zip(sum).zip(add).zip(rem).zip(next) {
        *s = s.wrapping_add(u16::from(p)).wrapping_sub(u16::from(m));
        let e = (u16::from(m) + u16::from(x)).wrapping_mul(q);
        *o = tap16(w, s.wrapping_mul(q), e);
    }
}

#[inline(always)]
fn htap_tail(out: &mut [u16], hi: &[u16], lo: &[u16], e1: &[u16], e2: &[u16], w: W16) {
    let n = out.len();
    let (hi, lo, e1, e2) = (&hi[..n], &lo[..n], &e1[..n], &e2[..n]);
    for ((((o, &h), &l), &p), &q) in out.iter_mut().zip(hi).zip(lo).zip(e1).zip(e2) {
        *o = tap16(w, h.wrapping_sub(l), p.wrapping_add(q));
    }
}

#[inline(always)]
fn scan_tail(mut acc: [u16; 4], inp: &[u16], out: &mut [u16]) {
    let (ip, _) = inp.as_chunks::<4>();
    let (op, _) = out.as_chunks_mut::<4>();
    for (o, v) in op.iter_mut().zip(ip) {
        for c in 0..4 {
            acc[c] = acc[c].wrapping_add(v[c]);
        }
        *o = acc;
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use pulp::x86::{V3, V4};

    /// 32 lanes.
    #[inline(always)]
    fn ld(v: &[u16; 32]) -> __m512i {
        bytemuck::cast(*v)
    }

    /// The sign bits of 32 lanes.
    #[inline(always)]
    fn flip_v4(x: V4, s: __m512i) -> __m512i {
        x.avx512f
            ._mm512_xor_si512(s, x.avx512f._mm512_set1_epi32(0x8000_8000u32 as i32))
    }

    /// The taps of 32 lanes of flipped sums `s` and end sums `e` (see the module doc).
    #[inline(always)]
    fn tap_v4(x: V4, s: __m512i, e: __m512i, wv: __m512i, bias: __m512i) -> __m512i {
        let lo = x.avx512bw._mm512_unpacklo_epi16(s, e);
        let hi = x.avx512bw._mm512_unpackhi_epi16(s, e);
        let lo = x.avx512bw._mm512_madd_epi16(lo, wv);
        let hi = x.avx512bw._mm512_madd_epi16(hi, wv);
        let lo = x
            .avx512f
            ._mm512_srli_epi32::<16>(x.avx512f._mm512_add_epi32(lo, bias));
        let hi = x
            .avx512f
            ._mm512_srli_epi32::<16>(x.avx512f._mm512_add_epi32(hi, bias));
        // Both halves are below 2^16, so the saturation never bites; unpack and pack work
        // within 128-bit lanes, so the lanes come back in order.
        x.avx512bw._mm512_packus_epi32(lo, hi)
    }

    impl Lanes for V4 {
        #[inline(always)]
        fn vstep(
            self,
            sum: &mut [u16],
            add: &[u16],
            rem: &[u16],
            next: &[u16],
            out: &mut [u16],
            w: W16,
        ) {
            let x = self;
            let n = out.len();
            let k = n / 32 * 32;
            let wv = x.avx512f._mm512_set1_epi32(w.pair());
            let bias = x.avx512f._mm512_set1_epi32(w.bias());
            {
                let (oc, _) = out[..k].as_chunks_mut::<32>();
                let (sc, _) = sum[..k].as_chunks_mut::<32>();
                let (pc, _) = add[..k].as_chunks::<32>();
                let (mc, _) = rem[..k].as_chunks::<32>();
                let (qc, _) = next[..k].as_chunks::<32>();
                for ((((o, s), p), m), q) in oc.iter_mut().zip(sc).zip(pc).zip(mc).zip(qc) {
                    let mv = ld(m);
                    let sv = x
                        .avx512bw
                        ._mm512_sub_epi16(x.avx512bw._mm512_add_epi16(ld(s), ld(p)), mv);
                    *s = bytemuck::cast(sv);
                    let ev = x.avx512bw._mm512_add_epi16(mv, ld(q));
                    *o = bytemuck::cast(tap_v4(x, sv, ev, wv, bias));
                }
            }
            vstep_tail(
                &mut sum[k..n],
                &add[k..n],
                &rem[k..n],
                &next[k..n],
                &mut out[k..],
                w,
            );
        }

        #[inline(always)]
        fn vstep8(
            self,
            sum: &mut [u16],
            add: &[u8],
            rem: &[u8],
            next: &[u8],
            out: &mut [u16],
            w: W16,
            q: u16,
        ) {
            let x = self;
            let n = out.len();
            let k = n / 32 * 32;
            let wv = x.avx512f._mm512_set1_epi32(w.pair());
            let bias = x.avx512f._mm512_set1_epi32(w.bias());
            let qv = x.avx512f._mm512_set1_epi32(i32::from(q) * 0x1_0001);
            let wide = |v: &[u8; 32]| x.avx512bw._mm512_cvtepu8_epi16(bytemuck::cast(*v));
            {
                let (oc, _) = out[..k].as_chunks_mut::<32>();
                let (sc, _) = sum[..k].as_chunks_mut::<32>();
                let (pc, _) = add[..k].as_chunks::<32>();
                let (mc, _) = rem[..k].as_chunks::<32>();
                let (qc, _) = next[..k].as_chunks::<32>();
                for ((((o, s), p), m), e) in oc.iter_mut().zip(sc).zip(pc).zip(mc).zip(qc) {
                    let mv = wide(m);
                    let sv = x
                        .avx512bw
                        ._mm512_sub_epi16(x.avx512bw._mm512_add_epi16(ld(s), wide(p)), mv);
                    *s = bytemuck::cast(sv);
                    let ev = x.avx512bw._mm512_add_epi16(mv, wide(e));
                    let sv = flip_v4(x, x.avx512bw._mm512_mullo_epi16(sv, qv));
                    let ev = x.avx512bw._mm512_mullo_epi16(ev, qv);
                    *o = bytemuck::cast(tap_v4(x, sv, ev, wv, bias));
                }
            }
            vstep8_tail(
                &mut sum[k..n],
                &add[k..n],
                &rem[k..n],
                &next[k..n],
                &mut out[k..],
                w,
                q,
            );
        }

        #[inline(always)]
        fn htap(self, out: &mut [u16], hi: &[u16], lo: &[u16], e1: &[u16], e2: &[u16], w: W16) {
            let x = self;
            let n = out.len();
            let k = n / 32 * 32;
            let wv = x.avx512f._mm512_set1_epi32(w.pair());
            let bias = x.avx512f._mm512_set1_epi32(w.bias());
            {
                let (oc, _) = out[..k].as_chunks_mut::<32>();
                let (hc, _) = hi[..k].as_chunks::<32>();
                let (lc, _) = lo[..k].as_chunks::<32>();
                let (pc, _) = e1[..k].as_chunks::<32>();
                let (qc, _) = e2[..k].as_chunks::<32>();
                for ((((o, h), l), p), q) in oc.iter_mut().zip(hc).zip(lc).zip(pc).zip(qc) {
                    let sv = flip_v4(x, x.avx512bw._mm512_sub_epi16(ld(h), ld(l)));
                    let ev = x.avx512bw._mm512_add_epi16(ld(p), ld(q));
                    *o = bytemuck::cast(tap_v4(x, sv, ev, wv, bias));
                }
            }
            htap_tail(&mut out[k..], &hi[k..n], &lo[k..n], &e1[k..n], &e2[k..n], w);
        }

        #[inline(always)]
        fn scan(self, inp: &[u16], out: &mut [u16]) {
            let x = self;
            let n = out.len().min(inp.len());
            let k = n / 32 * 32;
            let zero = x.avx512f._mm512_setzero_si512();
            let last = x.avx512f._mm512_set1_epi64(7);
            let mut carry = zero;
            {
                let (oc, _) = out[..k].as_chunks_mut::<32>();
                let (ic, _) = inp[..k].as_chunks::<32>();
                for (o, i) in oc.iter_mut().zip(ic) {
                    // A pixel is one 64-bit lane: shift by 1, 2, 4 pixels and add.
                    let v = ld(i);
                    let v = x
                        .avx512bw
                        ._mm512_add_epi16(v, x.avx512f._mm512_alignr_epi64::<7>(v, zero));
                    let v = x
                        .avx512bw
                        ._mm512_add_epi16(v, x.avx512f._mm512_alignr_epi64::<6>(v, zero));
                    let v = x
                        .avx512bw
                        ._mm512_add_epi16(v, x.avx512f._mm512_alignr_epi64::<4>(v, zero));
                    // Only one add per vector depends on the previous one.
                    let total = x.avx512f._mm512_permutexvar_epi64(last, v);
                    *o = bytemuck::cast(x.avx512bw._mm512_add_epi16(v, carry));
                    carry = x.avx512bw._mm512_add_epi16(carry, total);
                }
            }
            let c: [u16; 32] = bytemuck::cast(carry);
            scan_tail([c[0], c[1], c[2], c[3]], &inp[k..n], &mut out[k..n]);
        }
    }

    /// 16 lanes.
    #[inline(always)]
    fn ld3(v: &[u16; 16]) -> __m256i {
        bytemuck::cast(*v)
    }

    /// The sign bits of 16 lanes.
    #[inline(always)]
    fn flip_v3(x: V3, s: __m256i) -> __m256i {
        x.avx2
            ._mm256_xor_si256(s, x.avx._mm256_set1_epi32(0x8000_8000u32 as i32))
    }

    /// The taps of 16 lanes (see [`tap_v4`]).
    #[inline(always)]
    fn tap_v3(x: V3, s: __m256i, e: __m256i, wv: __m256i, bias: __m256i) -> __m256i {
        let lo = x.avx2._mm256_unpacklo_epi16(s, e);
        let hi = x.avx2._mm256_unpackhi_epi16(s, e);
        let lo = x.avx2._mm256_madd_epi16(lo, wv);
        let hi = x.avx2._mm256_madd_epi16(hi, wv);
        let lo = x
            .avx2
            ._mm256_srli_epi32::<16>(x.avx2._mm256_add_epi32(lo, bias));
        let hi = x
            .avx2
            ._mm256_srli_epi32::<16>(x.avx2._mm256_add_epi32(hi, bias));
        x.avx2._mm256_packus_epi32(lo, hi)
    }

    impl Lanes for V3 {
        #[inline(always)]
        fn vstep(
            self,
            sum: &mut [u16],
            add: &[u16],
            rem: &[u16],
            next: &[u16],
            out: &mut [u16],
            w: W16,
        ) {
            let x = self;
            let n = out.len();
            let k = n / 16 * 16;
            let wv = x.avx._mm256_set1_epi32(w.pair());
            let bias = x.avx._mm256_set1_epi32(w.bias());
            {
                let (oc, _) = out[..k].as_chunks_mut::<16>();
                let (sc, _) = sum[..k].as_chunks_mut::<16>();
                let (pc, _) = add[..k].as_chunks::<16>();
                let (mc, _) = rem[..k].as_chunks::<16>();
                let (qc, _) = next[..k].as_chunks::<16>();
                for ((((o, s), p), m), q) in oc.iter_mut().zip(sc).zip(pc).zip(mc).zip(qc) {
                    let mv = ld3(m);
                    let sv = x
                        .avx2
                        ._mm256_sub_epi16(x.avx2._mm256_add_epi16(ld3(s), ld3(p)), mv);
                    *s = bytemuck::cast(sv);
                    let ev = x.avx2._mm256_add_epi16(mv, ld3(q));
                    *o = bytemuck::cast(tap_v3(x, sv, ev, wv, bias));
                }
            }
            vstep_tail(
                &mut sum[k..n],
                &add[k..n],
                &rem[k..n],
                &next[k..n],
                &mut out[k..],
                w,
            );
        }

        #[inline(always)]
        fn vstep8(
            self,
            sum: &mut [u16],
            add: &[u8],
            rem: &[u8],
            next: &[u8],
            out: &mut [u16],
            w: W16,
            q: u16,
        ) {
            let x = self;
            let n = out.len();
            let k = n / 16 * 16;
            let wv = x.avx._mm256_set1_epi32(w.pair());
            let bias = x.avx._mm256_set1_epi32(w.bias());
            let qv = x.avx._mm256_set1_epi32(i32::from(q) * 0x1_0001);
            let wide = |v: &[u8; 16]| {
                x.avx2
                    ._mm256_cvtepu8_epi16(bytemuck::cast::<_, __m128i>(*v))
            };
            {
                let (oc, _) = out[..k].as_chunks_mut::<16>();
                let (sc, _) = sum[..k].as_chunks_mut::<16>();
                let (pc, _) = add[..k].as_chunks::<16>();
                let (mc, _) = rem[..k].as_chunks::<16>();
                let (qc, _) = next[..k].as_chunks::<16>();
                for ((((o, s), p), m), e) in oc.iter_mut().zip(sc).zip(pc).zip(mc).zip(qc) {
                    let mv = wide(m);
                    let sv = x
                        .avx2
                        ._mm256_sub_epi16(x.avx2._mm256_add_epi16(ld3(s), wide(p)), mv);
                    *s = bytemuck::cast(sv);
                    let ev = x.avx2._mm256_add_epi16(mv, wide(e));
                    let sv = flip_v3(x, x.avx2._mm256_mullo_epi16(sv, qv));
                    let ev = x.avx2._mm256_mullo_epi16(ev, qv);
                    *o = bytemuck::cast(tap_v3(x, sv, ev, wv, bias));
                }
            }
            vstep8_tail(
                &mut sum[k..n],
                &add[k..n],
                &rem[k..n],
                &next[k..n],
                &mut out[k..],
                w,
                q,
            );
        }

        #[inline(always)]
        fn htap(self, out: &mut [u16], hi: &[u16], lo: &[u16], e1: &[u16], e2: &[u16], w: W16) {
            let x = self;
            let n = out.len();
            let k = n / 16 * 16;
            let wv = x.avx._mm256_set1_epi32(w.pair());
            let bias = x.avx._mm256_set1_epi32(w.bias());
            {
                let (oc, _) = out[..k].as_chunks_mut::<16>();
                let (hc, _) = hi[..k].as_chunks::<16>();
                let (lc, _) = lo[..k].as_chunks::<16>();
                let (pc, _) = e1[..k].as_chunks::<16>();
                let (qc, _) = e2[..k].as_chunks::<16>();
                for ((((o, h), l), p), q) in oc.iter_mut().zip(hc).zip(lc).zip(pc).zip(qc) {
                    let sv = flip_v3(x, x.avx2._mm256_sub_epi16(ld3(h), ld3(l)));
                    let ev = x.avx2._mm256_add_epi16(ld3(p), ld3(q));
                    *o = bytemuck::cast(tap_v3(x, sv, ev, wv, bias));
                }
            }
            htap_tail(&mut out[k..], &hi[k..n], &lo[k..n], &e1[k..n], &e2[k..n], w);
        }

        #[inline(always)]
        fn scan(self, inp: &[u16], out: &mut [u16]) {
            let x = self;
            let n = out.len().min(inp.len());
            let k = n / 16 * 16;
            let zero = x.avx._mm256_setzero_si256();
            let mut carry = zero;
            {
                let (oc, _) = out[..k].as_chunks_mut::<16>();
                let (ic, _) = inp[..k].as_chunks::<16>();
                for (o, i) in oc.iter_mut().zip(ic) {
                    let v = ld3(i);
                    // By one pixel: [0, v0, v1, v2] (a rotation with pixel 0 zeroed).
                    let r = x.avx2._mm256_permute4x64_epi64::<0b10_01_00_11>(v);
                    let r = x.avx2._mm256_blend_epi32::<0b0000_0011>(r, zero);
                    let v = x.avx2._mm256_add_epi16(v, r);
                    // By two: [0, 0, v0, v1].
                    let r = x.avx2._mm256_permute2x128_si256::<0x08>(v, v);
                    let v = x.avx2._mm256_add_epi16(v, r);
                    let total = x.avx2._mm256_permute4x64_epi64::<0b11_11_11_11>(v);
                    *o = bytemuck::cast(x.avx2._mm256_add_epi16(v, carry));
                    carry = x.avx2._mm256_add_epi16(carry, total);
                }
            }
            let c: [u16; 16] = bytemuck::cast(carry);
            scan_tail([c[0], c[1], c[2], c[3]], &inp[k..n], &mut out[k..n]);
        }
    }
}

/// Runs `f` with the row kernels of CPU level `arch`, compiled for that level.
#[inline(always)]
pub(super) fn with_lanes<R>(arch: Arch, f: impl LanesFn<Output = R>) -> R {
    match arch {
        #[cfg(target_arch = "x86_64")]
        Arch::V4(s) => s.vectorize(
            #[inline(always)]
            || f.run(s),
        ),
        #[cfg(target_arch = "x86_64")]
        Arch::V3(s) => s.vectorize(
            #[inline(always)]
            || f.run(s),
        ),
        _ => f.run(Scalar),
    }
}

/// A computation generic over the row kernels (a trait, not a closure, so that it is
/// compiled with the CPU features of the level it runs at).
pub(super) trait LanesFn {
    /// What it returns.
    type Output;
    /// Runs it with the kernels `l`.
    fn run<L: Lanes>(self, l: L) -> Self::Output;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(seed: u64, n: usize) -> Vec<u16> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 40) as u16
            })
            .collect()
    }

    struct All {
        n: usize,
        seed: u64,
        w: W16,
        q: u16,
    }
    type Outs = (Vec<u16>, Vec<u16>, Vec<u16>, Vec<u16>, Vec<u16>, Vec<u16>);
    impl LanesFn for All {
        type Output = Outs;
        fn run<L: Lanes>(self, l: L) -> Outs {
            let All { n, seed, w, q } = self;
            // Samples below 2^14, so that end sums stay below 2^15; sums of any value.
            let v = |k: u64| bytes(seed ^ k, n);
            let e = |k: u64| -> Vec<u16> { v(k).iter().map(|&x| x >> 2).collect() };
            let b8 = |k: u64| -> Vec<u8> { v(k).iter().map(|&x| x as u8).collect() };
            let (mut sum, mut out) = (v(1), vec![0; n]);
            l.vstep(&mut sum, &e(2), &e(3), &e(4), &mut out, w);
            let mut sum8: Vec<u16> = v(5).iter().map(|x| x & 0xff).collect();
            let mut out8 = vec![0; n];
            l.vstep8(&mut sum8, &b8(6), &b8(7), &b8(8), &mut out8, w, q);
            let mut h = vec![0; n];
            l.htap(&mut h, &v(9), &v(10), &e(11), &e(12), w);
            let mut sc = vec![0; n / 4 * 4];
            l.scan(&v(13)[..n / 4 * 4], &mut sc);
            (sum, out, sum8, out8, h, sc)
        }
    }

    /// Every level's kernels equal the scalar ones on random lanes (wrapping sums included)
    /// and lengths that leave tails.
    #[test]
    fn every_level_equals_scalar() {
        let mut checked = 0;
        for (i, n) in [1usize, 4, 15, 16, 31, 32, 33, 64, 100, 257, 712]
            .into_iter()
            .enumerate()
        {
            for (a, b, q) in [(4369u32, 0u32, 17u16), (2000, 1234, 5), (32767, 32767, 64)] {
                let w = W16 { a, b };
                let want = All {
                    n,
                    seed: i as u64,
                    w,
                    q,
                }
                .run(Scalar);
                for arch in crate::simd::levels() {
                    let got = with_lanes(
                        arch,
                        All {
                            n,
                            seed: i as u64,
                            w,
                            q,
                        },
                    );
                    assert_eq!(got, want, "{arch:?} n {n} w {w:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 11 * 3 * crate::simd::levels().len());
    }
}
