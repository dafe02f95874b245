//! `blur`: a Gaussian-like blur in fixed point, the secure blur operator (blur of a copy in
//! which every forbidden pixel was first inpainted) and the cosmetic one.
//!
//! Design (recorded here because it decides accuracy, security and speed):
//!
//! * **Three extended boxes per axis** (Gwosdek, Grewenig, Bruhn and Weickert, "Theoretical
//!   foundations of Gaussian convolution by extended box filtering", 2011). One pass is a
//!   box of radius `r` with weight 1 inside and `alpha` in `[0, 1)` on the two taps at
//!   distance `r + 1`; `r` and `alpha` are chosen so each pass has variance `sigma^2 / 3`,
//!   so three passes have exactly `sigma^2` (plain boxes only reach a few variances, and
//!   miss sigma by up to 15 % at sigma 1). By the central limit theorem the result is close
//!   to a Gaussian: the 1-D kernel of three passes differs from the true Gaussian of the
//!   same sigma by at most 6.6 % of the Gaussian's peak for sigma 1 to 64 (5.9 % at sigma
//!   8; the limit of three boxes, whose sum tends to a quadratic B-spline, 6 % flatter at
//!   the top), 8.4 % below sigma 1 where the kernel is only a few taps wide; its variance
//!   is sigma^2 within 0.5 % (the tests measure all of this). Five boxes would halve the
//!   deviation at 5/3 of the cost; for redaction three are enough.
//! * **Fixed point, exact fast path.** Samples are `u16` at 8.8 (the 8-bit value shifted
//!   left by 8) between passes, so six passes do not pile up rounding; each pass computes
//!   `(a * S + b * E + c * centre + 2^15) >> 16` with `S` the box sum, `E` the two end
//!   taps, and integer weights `a`, `b` whose total, with the correction `c` on the centre
//!   (`c < 2r + 1`, a weight of at most `(2r+1) / 65536` of the total), is exactly `2^16`:
//!   a constant image stays exactly constant. `c` is 0 when `b = 2^15 (mod 2r + 1)`; of the
//!   two such `b` either side of the rounded ideal one, the kernel takes the one whose
//!   pass variance is closer to `sigma^2 / 3` if that is within 0.1 % (so for 87 % of the
//!   sigmas up to 30, and all below 12: the lattice of such `b` is finer for small `r`),
//!   and the fast path then drops the centre term: two multiplies per tap instead of
//!   three. Every quantity fits in `u32`
//!   (`65280 * 2^16 + 2^15 < 2^32`). Integer sums are exact in any order, so the fast path
//!   (running sums and prefix sums) equals the reference (direct sums) bit for bit. Sigma
//!   is clamped to [`MAX_SIGMA`] (the weights keep 5 bits at least); edges are clamped
//!   (replicated).
//! * **Narrow form (16-bit lanes).** When a pass has no centre term and `1 <= r <= 31`
//!   (every sigma from about 0.8 to 39 that drops the centre term, sigma 8 included), the
//!   samples between passes are `v q` instead of `v 256`, `q` the largest scale at which a
//!   box sum of `2r + 1` samples fits `u16` (`q = 65535 / ((2r + 1) 255)`, 17 at sigma 8,
//!   at least 4): box sums are then exact in wrapping `u16`, and a tap is one `pmaddwd`
//!   per two lanes on 32 lanes at a time (`blur_lanes.rs`), against two 32-bit multiplies
//!   on 16 lanes in the wide form. Each pass rounds to `1/q` of a level (a quarter level at
//!   worst; the accuracy tests hold on the 8-bit output), and the result comes back to 8
//!   bits as the rounded quotient `(v + q / 2) / q` (a 16-bit high multiply and a shift),
//!   which is `(v + 128) >> 8` at `q = 256` and keeps a constant image exactly constant. The reference runs the same
//!   integers at the same scale.
//! * **Order:** three vertical passes, then three horizontal ones, rounding back to 8 bits
//!   at the end.
//! * **Speed: one sweep down the rows, no transpose.** The operators only need the target
//!   pixels: they blur only the target's bounding box plus the reach of the passes
//!   (`3 (r + 1)` each way), each pass computing only the rows or columns later passes
//!   read, which is exact (the edge clamping is that of the whole image), and they inpaint
//!   only that region of the copy ([`super::inpaint::inpainted_region_with`]). The three
//!   vertical passes run together down the rows, each keeping one running sum per column
//!   and channel and only its last `2r + 3` rows (a ring buffer), so every step is one
//!   elementwise loop over a row of `u16` lanes (SIMD over the row, `u32` sums). Each row
//!   the third vertical pass finishes goes at once through the three horizontal passes:
//!   a prefix sum along the row (4 channels at a time; in the narrow form a log-step scan
//!   of 8 pixels per vector), then the taps as one elementwise
//!   loop over the row (box sums as differences of prefix sums), on row buffers padded
//!   with the replicated edge pixels; the result is rounded and written. The working set
//!   is a few dozen rows, not six copies of the region. All buffers are thread-local
//!   scratch, reused from call to call (fresh zeroed pages cost more than the blur).
//! * **Security.** [`secure_blur`] blurs a copy in which every forbidden pixel was replaced
//!   by [`super::inpaint`] (grain 0): the blur then reads only pixels that are functions
//!   of the readable ones. [`cosmetic_blur`] does the same with the forbidden pixels of
//!   other operators only, so it blurs the original pixels of its own target.

use pulp::{Arch, WithSimd};

use super::blur_lanes::{Lanes, LanesFn, W16, with_lanes};

use super::{DEFAULT_COLOR, OpFrame, Rect, clamp_premultiplied, slot};
use crate::image::ImageViewMut;

/// The largest sigma in pixels; larger values are clamped to it.
pub(crate) const MAX_SIGMA: f32 = 1024.0;

/// Fixed-point shift of the pass weights.
const SH: u32 = 16;
/// The total weight of a pass.
const ONE: u32 = 1 << SH;

/// One extended box pass: radius `r`, inner weight `a`, end weight `b`, centre extra `c`;
/// `(2r + 1) a + 2 b + c = 2^16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kernel {
    /// Radius of the box.
    r: usize,
    /// Weight of each of the `2r + 1` inner taps.
    a: u32,
    /// Weight of each of the two taps at distance `r + 1`.
    b: u32,
    /// Extra weight of the centre tap (rounding remainder), 0 when that costs little.
    c: u32,
}

/// The relative variance error of a pass above which [`kernel`] keeps a centre correction.
const C_FREE_TOL: f64 = 1e-3;

/// The pass of a blur of `sigma` pixels, or `None` for the identity (`sigma` 0, negative
/// or not a number).
pub(crate) fn kernel(sigma: f32) -> Option<Kernel> {
    if sigma.is_nan() || sigma <= 0.0 {
        return None;
    }
    let s = f64::from(sigma.min(MAX_SIGMA));
    let v = s * s / 3.0;
    // The largest r with a plain box variance r (r + 1) / 3 <= v.
    let mut r = ((0.25 + 3.0 * v).sqrt() - 0.5).floor().max(0.0) as usize;
    while ((r + 1) * (r + 2)) as f64 / 3.0 <= v {
        r += 1;
    }
    while r > 0 && (r * (r + 1)) as f64 / 3.0 > v {
        r -= 1;
    }
    let rf = r as f64;
    let alpha =
        (2.0 * rf + 1.0) * (v - rf * (rf + 1.0) / 3.0) / (2.0 * ((rf + 1.0) * (rf + 1.0) - v));
    let total = 2.0 * rf + 1.0 + 2.0 * alpha;
    let n = 2 * r as u32 + 1;
    let b = (alpha * f64::from(ONE) / total).round() as u32;
    // Without a centre correction, `(2r + 1) a + 2 b = 2^16` needs `b = 2^15 (mod 2r + 1)`:
    // the nearest such `b` either side, if its variance is within `C_FREE_TOL`.
    let var = |b: u32| {
        let a = f64::from((ONE - 2 * b) / n);
        (a * rf * (rf + 1.0) * (2.0 * rf + 1.0) / 3.0 + 2.0 * f64::from(b) * (rf + 1.0).powi(2))
            / f64::from(ONE)
    };
    let lo = i64::from(b) - (i64::from(b) - i64::from(ONE / 2)).rem_euclid(i64::from(n));
    let free = [lo, lo + i64::from(n)]
        .into_iter()
        .filter(|&b| b >= 0 && i64::from(ONE) - 2 * b >= i64::from(n))
        .map(|b| b as u32)
        .min_by(|&x, &y| (var(x) - v).abs().total_cmp(&(var(y) - v).abs()))
        .filter(|&b| (var(b) / v - 1.0).abs() <= C_FREE_TOL);
    let b = free.unwrap_or(b);
    let a = (ONE - 2 * b) / n;
    let c = ONE - 2 * b - n * a;
    if r == 0 && b == 0 {
        return None;
    }
    Some(Kernel { r, a, b, c })
}

impl Kernel {
    /// The sample scale `q` of the narrow form, when this pass has one: no centre term and
    /// `1 <= r <= 31`, `q` the largest scale at which every box sum of `2r + 1` samples of
    /// 8-bit values times `q` fits `u16` and every end sum of 2 fits 15 bits (at least 4,
    /// so each pass rounds to a quarter level or finer).
    pub(crate) fn narrow(self) -> Option<u16> {
        (self.c == 0 && (1..=NARROW_MAX_R).contains(&self.r)).then(|| narrow_scale(self.r) as u16)
    }

    /// The scale of the samples between passes: `q` in the narrow form, 256 (8.8) else.
    pub(crate) fn scale(self) -> u32 {
        self.narrow().map_or(256, u32::from)
    }
}

/// The largest radius of a narrow pass.
const NARROW_MAX_R: usize = 31;

/// The sample scale of a narrow pass of radius `r`: box sums of `2r + 1` samples fit 16
/// bits and end sums of 2 fit 15 bits (which only binds at `r = 1`).
fn narrow_scale(r: usize) -> u32 {
    (65535 / ((2 * r as u32 + 1) * 255)).min(32767 / (2 * 255))
}

/// How samples of scale `q` come back to 8 bits: `(((v + q / 2) r) >> 16) >> k` with
/// `2^k < q <= 2^(k + 1)` and `r = ceil(2^(16 + k) / q) < 2^16` (one 16-bit high multiply
/// and a shift), which equals the rounded quotient `(v + q / 2) / q` for every sample
/// `v <= 255 q` (the excess of `r` adds less than `1 / q` to a quotient whose fraction is a
/// multiple of `1 / q`); at scale 256 that is `(v + 128) >> 8`.
#[derive(Clone, Copy, Debug)]
struct To8 {
    /// `q / 2`.
    half: u16,
    /// `ceil(2^(16 + k) / q)`.
    r: u16,
    /// The extra shift `k`.
    k: u32,
}

impl To8 {
    fn new(q: u32) -> To8 {
        let k = u32::BITS - 1 - (q - 1).leading_zeros();
        To8 {
            half: (q / 2) as u16,
            r: (1u32 << (16 + k)).div_ceil(q) as u16,
            k,
        }
    }

    #[inline(always)]
    fn px(self, v: u16) -> u8 {
        // The high half of a 16-bit product, then a 16-bit shift (so that it vectorises
        // as `pmulhuw` and `psrlw`).
        (((u32::from(v + self.half) * u32::from(self.r)) >> 16) as u16 >> self.k) as u8
    }
}

/// One output sample of a pass.
#[inline(always)]
fn tap(k: Kernel, s: u32, e: u32, centre: u32) -> u16 {
    ((k.a * s + k.b * e + k.c * centre + (ONE >> 1)) >> SH) as u16
}

/// One direct 1-D pass (reference): `out[i] = pass(line)` with clamped edges.
fn pass_ref(line: &[u16], k: Kernel) -> Vec<u16> {
    let n = line.len() as isize;
    let at = |i: isize| u32::from(line[i.clamp(0, n - 1) as usize]);
    let r = k.r as isize;
    (0..n)
        .map(|i| {
            let s: u32 = (-r..=r).map(|d| at(i + d)).sum();
            tap(k, s, at(i - r - 1) + at(i + r + 1), at(i))
        })
        .collect()
}

/// Scalar reference of the blur on samples at the kernel's scale ([`Kernel::scale`]), `w x h`
/// pixels of 4 channels.
fn blur16_ref(a: &mut [u16], w: usize, h: usize, k: Kernel) {
    for _ in 0..3 {
        for x in 0..4 * w {
            let col: Vec<u16> = (0..h).map(|y| a[y * 4 * w + x]).collect();
            for (y, v) in pass_ref(&col, k).into_iter().enumerate() {
                a[y * 4 * w + x] = v;
            }
        }
    }
    for _ in 0..3 {
        for y in 0..h {
            for c in 0..4 {
                let line: Vec<u16> = (0..w).map(|x| a[y * 4 * w + 4 * x + c]).collect();
                for (x, v) in pass_ref(&line, k).into_iter().enumerate() {
                    a[y * 4 * w + 4 * x + c] = v;
                }
            }
        }
    }
}

/// Gaussian-like blur of a tight RGBA8 buffer (`w * h * 4` bytes) in place, `sigma` in
/// pixels, edges clamped (scalar reference: direct sums).
pub(crate) fn blur_ref(buf: &mut [u8], w: u32, h: u32, sigma: f32) {
    let (w, h) = (w as usize, h as usize);
    assert_eq!(buf.len(), 4 * w * h, "tight RGBA8 buffer expected");
    let Some(k) = kernel(sigma) else { return };
    let q = k.scale();
    let mut a: Vec<u16> = buf.iter().map(|&v| (u32::from(v) * q) as u16).collect();
    blur16_ref(&mut a, w, h, k);
    let m = To8::new(q);
    for (o, v) in buf.iter_mut().zip(a) {
        *o = m.px(v);
    }
}

/// A sample type a vertical pass reads: 8-bit (the 8.8 value over 256) or 8.8.
trait Sample: Copy {
    /// The value, widened.
    fn v(self) -> u32;
}
impl Sample for u8 {
    #[inline(always)]
    fn v(self) -> u32 {
        u32::from(self)
    }
}
impl Sample for u16 {
    #[inline(always)]
    fn v(self) -> u32 {
        u32::from(self)
    }
}

/// The reusable buffers of the fast path (one set per thread): after the first call of a
/// given size, a blur allocates nothing (fresh zeroed pages cost more than the blur).
#[derive(Default)]
struct Scratch {
    /// Running sums of the three vertical passes, one per lane.
    sums: [Vec<u32>; 3],
    /// The last rows of vertical passes 1 and 2 (ring buffers).
    ring: [Vec<u16>; 2],
    /// One row: the output of vertical pass 3, then of horizontal passes 1 to 3, each with
    /// `r + 1` pixels of padding either side.
    line: [Vec<u16>; 4],
    /// Prefix sums of a padded row.
    pre: Vec<u32>,
    /// Box sums of the three vertical passes of the narrow form.
    sums16: [Vec<u16>; 3],
    /// Prefix sums of a padded row (narrow form).
    pre16: Vec<u16>,
    /// The inpainted copy of the region the blur reads.
    work: Vec<u8>,
    /// One output row in 8 bits.
    row8: Vec<[u8; 4]>,
}

thread_local! {
    /// The scratch buffers of this thread (taken for the duration of a call).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// One row of a vertical pass (fast path): the running sum `sum` moves from the row above
/// to this one (`+ add - rem`, `add` the row `r` below, `rem` the row `r + 1` above), then
/// `out = tap(sum, rem + next, ctr)`, `next` the row `r + 1` below, `ctr` this row. `a`,
/// `b`, `c` are the weights for the scale of `T` (times 256 for 8-bit samples); `C` is
/// whether `c` is not 0 (without it, no centre term at all).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn vstep<T: Sample, const C: bool>(
    sum: &mut [u32],
    add: &[T],
    rem: &[T],
    next: &[T],
    ctr: &[T],
    out: &mut [u16],
    (a, b, c): (u32, u32, u32),
) {
    let n = out.len();
    let (sum, add, rem, next) = (&mut sum[..n], &add[..n], &rem[..n], &next[..n]);
    if C {
        let ctr = &ctr[..n];
        for (((((o, s), p), m), q), x) in
            out.iter_mut().zip(sum).zip(add).zip(rem).zip(next).zip(ctr)
        {
            let v = s.wrapping_add(p.v()).wrapping_sub(m.v());
            *s = v;
            *o = ((a.wrapping_mul(v))
                .wrapping_add(b.wrapping_mul(m.v() + q.v()))
                .wrapping_add(c.wrapping_mul(x.v()))
                .wrapping_add(ONE >> 1)
                >> SH) as u16;
        }
    } else {
        for ((((o, s), p), m), q) in out.iter_mut().zip(sum).zip(add).zip(rem).zip(next) {
            let v = s.wrapping_add(p.v()).wrapping_sub(m.v());
            *s = v;
            *o = ((a.wrapping_mul(v))
                .wrapping_add(b.wrapping_mul(m.v() + q.v()))
                .wrapping_add(ONE >> 1)
                >> SH) as u16;
        }
    }
}

/// A vertical pass computed row by row: rows `[y0, y1)` of a column of `len` rows, the
/// last `slots` of them kept in a ring buffer of `n` lanes per row.
struct Stage {
    /// First row computed.
    y0: usize,
    /// Next row to compute.
    next: usize,
    /// Rows held by the ring.
    slots: usize,
}

impl Stage {
    fn new(y0: usize, y1: usize, reach: usize) -> Stage {
        Stage {
            y0,
            next: y0,
            slots: (2 * reach + 1).min(y1 - y0),
        }
    }

    /// The lanes of row `y` in the ring `ring` of `n` lanes per row.
    #[inline(always)]
    fn at(&self, y: usize, n: usize) -> std::ops::Range<usize> {
        let o = y % self.slots * n;
        o..o + n
    }
}

/// Computes the next row of a vertical pass into `out` from the rows `src(y)` (clamped to
/// `[0, len)`), starting the running sum `sum` on its first row.
#[inline(always)]
fn vrow<'s, T: Sample + 's, const C: bool>(
    st: &mut Stage,
    src: impl Fn(usize) -> &'s [T],
    len: usize,
    sum: &mut [u32],
    out: &mut [u16],
    k: Kernel,
    w: (u32, u32, u32),
) {
    let r = k.r as isize;
    let cl = |i: isize| i.clamp(0, len as isize - 1) as usize;
    let y = st.next as isize;
    if st.next == st.y0 {
        // The sum of the row above: rows y - r - 1 to y + r - 1.
        sum.fill(0);
        for d in -r - 1..r {
            for (s, v) in sum.iter_mut().zip(src(cl(y + d))) {
                *s += v.v();
            }
        }
    }
    vstep::<T, C>(
        sum,
        src(cl(y + r)),
        src(cl(y - r - 1)),
        src(cl(y + r + 1)),
        src(st.next),
        out,
        w,
    );
    st.next += 1;
}

/// One horizontal pass on a padded row of 4-channel pixels: `out` on pixels `[oa, ob)` from
/// `inp` (pixel `x` at index `x + pad - xa`, `pad = r + 1`, valid on the pixels the pass
/// reads, clamped to `[0, w)`), then `out`'s padding where `[oa, ob)` touches an edge of
/// the image. `pre` holds prefix sums.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn hpass<const C: bool>(
    inp: &[u16],
    out: &mut [u16],
    pre: &mut [u32],
    (oa, ob): (usize, usize),
    xa: usize,
    w: usize,
    k: Kernel,
    pad: usize,
) {
    let r = k.r;
    let m = ob - oa;
    // Input pixels oa - pad .. ob + pad, at padded index j0.. .
    let j0 = oa - xa;
    let (ip, _) = inp.as_chunks::<4>();
    let ip = &ip[j0..j0 + m + 2 * pad];
    let (pp, _) = pre.as_chunks_mut::<4>();
    let pp = &mut pp[..m + 2 * pad];
    // pp[i] = sum of ip[..i].
    let mut acc = [0u32; 4];
    for (p, v) in pp.iter_mut().zip(ip) {
        *p = acc;
        for c in 0..4 {
            acc[c] = acc[c].wrapping_add(u32::from(v[c]));
        }
    }
    // Pixel oa + i: S = sum of ip[i + 1 .. i + 2 pad] = pp[i + 2 pad] - pp[i + 1] (the last
    // prefix, of all of ip, is never needed), E = ip[i] + ip[i + 2 pad].
    let l = 4 * m;
    let hi = &pre[4 * 2 * pad..][..l];
    let lo = &pre[4..][..l];
    let el = &inp[4 * j0..][..l];
    let eh = &inp[4 * (j0 + 2 * pad)..][..l];
    let ec = &inp[4 * (j0 + pad)..][..l];
    let o = &mut out[4 * (j0 + pad)..][..l];
    if C {
        for (((((o, &h), &s), &p), &q), &x) in o.iter_mut().zip(hi).zip(lo).zip(el).zip(eh).zip(ec)
        {
            *o = tap(
                k,
                h.wrapping_sub(s),
                u32::from(p) + u32::from(q),
                u32::from(x),
            );
        }
    } else {
        let k = Kernel { c: 0, ..k };
        for ((((o, &h), &s), &p), &q) in o.iter_mut().zip(hi).zip(lo).zip(el).zip(eh) {
            *o = tap(k, h.wrapping_sub(s), u32::from(p) + u32::from(q), 0);
        }
    }
    debug_assert!(r + 1 == pad);
    pad_edges(out, (oa, ob), xa, w, pad);
}

/// `[a, b)` grown by `m` each way, clipped to `[0, len)`.
#[inline(always)]
fn grow(a: usize, b: usize, m: usize, len: usize) -> (usize, usize) {
    (a.saturating_sub(m), (b + m).min(len))
}

/// Replicates the edge pixels of the image into the padding of a padded row (`pad` pixels
/// either side, pixel `x` at `x + pad - xa`) where its valid span `[oa, ob)` touches an edge.
#[inline(always)]
fn pad_edges(row: &mut [u16], (oa, ob): (usize, usize), xa: usize, w: usize, pad: usize) {
    let (px, _) = row.as_chunks_mut::<4>();
    if oa == 0 {
        let e = px[pad - xa];
        px[..pad - xa].fill(e);
    }
    if ob == w {
        let j = w - 1 + pad - xa;
        let e = px[j];
        px[j + 1..j + 1 + pad].fill(e);
    }
}

/// The layout of a blur of `rect` (both forms): the columns `[xa, xb)` the vertical passes
/// compute (`n` lanes), the lanes `rw` of a row of the region `reg`, the rows of the three
/// vertical passes, and the lanes `pw` of a padded row.
struct Plan {
    xa: usize,
    xb: usize,
    n: usize,
    rw: usize,
    st: [Stage; 3],
    pw: usize,
}

impl Plan {
    #[inline(always)]
    fn new(reg: Rect, (w, h): (usize, usize), reach: usize, rect: Rect) -> Plan {
        let (xa, xb) = grow(rect.x0, rect.x1, 3 * reach, w);
        let (y1a, y1b) = grow(rect.y0, rect.y1, 2 * reach, h);
        let (y2a, y2b) = grow(rect.y0, rect.y1, reach, h);
        Plan {
            xa,
            xb,
            n: 4 * (xb - xa),
            rw: 4 * (reg.x1 - reg.x0),
            st: [
                Stage::new(y1a, y1b, reach),
                Stage::new(y2a, y2b, reach),
                Stage::new(rect.y0, rect.y1, reach),
            ],
            pw: 4 * (xb - xa + 2 * reach),
        }
    }
}

/// Where [`blur_rect`] puts its rows (a trait with an always-inlined method, not a closure,
/// so the code runs with the CPU features of the caller).
trait Sink {
    /// The columns `[a, b)` of row `y` of the blurred rectangle the sink wants (`None`:
    /// none); the horizontal passes compute only what those need.
    fn span(&self, y: usize) -> Option<(usize, usize)>;
    /// Row `y` of the blur from column `x0` on: pixels at the kernel's sample scale, which
    /// `m` brings back to 8 bits.
    fn row(&mut self, y: usize, x0: usize, px: &[[u16; 4]], m: To8);
}

/// The sink of the whole-image blur: every pixel of each row.
struct PutAll<'a> {
    /// The pixels of the image.
    px: &'a mut [[u8; 4]],
    /// Its width.
    w: usize,
}

impl Sink for PutAll<'_> {
    #[inline(always)]
    fn span(&self, _y: usize) -> Option<(usize, usize)> {
        Some((0, self.w))
    }

    #[inline(always)]
    fn row(&mut self, y: usize, x0: usize, row: &[[u16; 4]], m: To8) {
        let w = self.w;
        let out = self.px[y * w + x0..y * w + x0 + row.len()].as_flattened_mut();
        for (o, &v) in out.iter_mut().zip(row.as_flattened()) {
            *o = m.px(v);
        }
    }
}

/// The sink of the operators: the target pixels of each row of `rect`.
struct PutTarget<'a, 'b> {
    /// The image.
    img: &'a mut ImageViewMut<'b>,
    /// The target mask.
    target: &'a [u8],
    /// The image's width.
    w: usize,
    /// The blurred rectangle.
    rect: Rect,
    /// One row in 8 bits (scratch).
    row8: Vec<[u8; 4]>,
}

impl Sink for PutTarget<'_, '_> {
    #[inline(always)]
    fn span(&self, y: usize) -> Option<(usize, usize)> {
        let (w, rect) = (self.w, self.rect);
        super::nonzero_span(&self.target[y * w + rect.x0..y * w + rect.x1])
            .map(|(a, b)| (rect.x0 + a, rect.x0 + b))
    }

    #[inline(always)]
    fn row(&mut self, y: usize, x0: usize, row: &[[u16; 4]], m: To8) {
        let w = self.w;
        let x1 = x0 + row.len();
        let t = &self.target[y * w + x0..y * w + x1];
        let out = &mut self.img.pixels_mut(y as u32)[x0..x1];
        let v = slot(&mut self.row8, out.len());
        // Two flat loops that vectorise: the conversion, then a select of whole pixels.
        for (o, &x) in v.as_flattened_mut().iter_mut().zip(row.as_flattened()) {
            *o = m.px(x);
        }
        for ((o, v), &t) in out.iter_mut().zip(v.iter()).zip(t) {
            let put = 0u32.wrapping_sub(u32::from(t != 0));
            let old = u32::from_ne_bytes(*o);
            *o = ((old & !put) | (u32::from_ne_bytes(*v) & put)).to_ne_bytes();
        }
    }
}

/// The blur of a `w x h` RGBA8 image on `rect` (fast path), reading the image from `src`,
/// a tight copy of its box `reg` (which must hold `rect` grown by `3 (r + 1)`, clipped),
/// row by row: `put.row(y, a, pixels)` gets the 8.8 pixels of the columns `[a, b)` of
/// each row `y` of `rect` that `put.span(y)` asks for, in order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn blur_rect<const C: bool>(
    s: &mut Scratch,
    src: &[u8],
    reg: Rect,
    w: usize,
    h: usize,
    k: Kernel,
    rect: Rect,
    put: &mut impl Sink,
) {
    let reach = k.r + 1;
    let Plan {
        xa,
        xb,
        n,
        rw,
        st: [mut st1, mut st2, mut st3],
        pw,
    } = Plan::new(reg, (w, h), reach, rect);
    let Scratch {
        sums,
        ring,
        line,
        pre,
        ..
    } = s;
    let [s1, s2, s3] = sums;
    let (s1, s2, s3) = (slot(s1, n), slot(s2, n), slot(s3, n));
    let [r1, r2] = ring;
    let (r1, r2) = (slot(r1, st1.slots * n), slot(r2, st2.slots * n));
    let [l0, l1, l2, l3] = line;
    let (l0, l1, l2, l3) = (slot(l0, pw), slot(l1, pw), slot(l2, pw), slot(l3, pw));
    let pre = slot(pre, pw);
    let src_row = |y: usize| {
        let o = (y - reg.y0) * rw + 4 * (xa - reg.x0);
        &src[o..o + n]
    };
    let to8 = To8::new(256);
    // 8-bit samples are the 8.8 ones over 256.
    let w8 = (k.a << 8, k.b << 8, k.c << 8);
    let w16 = (k.a, k.b, k.c);
    for y in rect.y0..rect.y1 {
        // Vertical pass 3 on row y reads rows up to y + reach of pass 2, which read rows up
        // to reach further of pass 1.
        while st2.next <= (y + reach).min(h - 1) {
            while st1.next <= (st2.next + reach).min(h - 1) {
                let o = st1.at(st1.next, n);
                vrow::<_, C>(&mut st1, src_row, h, s1, &mut r1[o], k, w8);
            }
            let o = st2.at(st2.next, n);
            let (st1, r1) = (&st1, &*r1);
            vrow::<_, C>(&mut st2, |y| &r1[st1.at(y, n)], h, s2, &mut r2[o], k, w16);
        }
        let (st2, r2) = (&st2, &*r2);
        let pad = 4 * reach;
        vrow::<_, C>(
            &mut st3,
            |y| &r2[st2.at(y, n)],
            h,
            s3,
            &mut l0[pad..pad + n],
            k,
            w16,
        );
        // Horizontal passes on the row.
        pad_edges(l0, (xa, xb), xa, w, reach);
        let Some((a, b)) = put.span(y) else { continue };
        let (h1, h2) = (grow(a, b, 2 * reach, w), grow(a, b, reach, w));
        hpass::<C>(l0, l1, pre, h1, xa, w, k, reach);
        hpass::<C>(l1, l2, pre, h2, xa, w, k, reach);
        hpass::<C>(l2, l3, pre, (a, b), xa, w, k, reach);
        let (lp, _) = l3.as_chunks::<4>();
        put.row(y, a, &lp[a + reach - xa..b + reach - xa], to8);
    }
}

/// The row step of a narrow vertical pass reading samples `T` (a trait, not a closure, so
/// that it is compiled with the caller's CPU features).
trait VStep<L, T>: Copy {
    /// The value of an empty sum as the step keeps it.
    const EMPTY: u16;
    /// `sum += add - rem`, `out = tap(sum, rem + next)` at the pass's scale.
    fn step(self, l: L, sum: &mut [u16], add: &[T], rem: &[T], next: &[T], out: &mut [u16]);
}

/// The step of the first pass: 8-bit rows, scaled by `q`.
#[derive(Clone, Copy)]
struct Step8 {
    w: W16,
    q: u16,
}

impl<L: Lanes> VStep<L, u8> for Step8 {
    const EMPTY: u16 = 0;
    #[inline(always)]
    fn step(self, l: L, sum: &mut [u16], add: &[u8], rem: &[u8], next: &[u8], out: &mut [u16]) {
        l.vstep8(sum, add, rem, next, out, self.w, self.q);
    }
}

/// The step of the later passes: 16-bit rows.
#[derive(Clone, Copy)]
struct Step16 {
    w: W16,
}

impl<L: Lanes> VStep<L, u16> for Step16 {
    /// The sums are kept with the sign bit flipped ([`Lanes::vstep`]).
    const EMPTY: u16 = 0x8000;
    #[inline(always)]
    fn step(self, l: L, sum: &mut [u16], add: &[u16], rem: &[u16], next: &[u16], out: &mut [u16]) {
        l.vstep(sum, add, rem, next, out, self.w);
    }
}

/// Computes the next row of a narrow vertical pass into `out` from the rows `src(y)`
/// (clamped to `[0, len)`), starting the box sum `sum` on its first row; `T` is `u8` for
/// the first pass (8-bit samples, scaled by `q` in the tap) and `u16` after.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn vrow16<'s, L: Lanes, T: Sample + 's, S: VStep<L, T>>(
    l: L,
    st: &mut Stage,
    src: impl Fn(usize) -> &'s [T],
    len: usize,
    sum: &mut [u16],
    out: &mut [u16],
    k: Kernel,
    step: S,
) {
    let r = k.r as isize;
    let cl = |i: isize| i.clamp(0, len as isize - 1) as usize;
    let y = st.next as isize;
    if st.next == st.y0 {
        // The sum of the row above: rows y - r - 1 to y + r - 1.
        sum.fill(S::EMPTY);
        for d in -r - 1..r {
            for (s, v) in sum.iter_mut().zip(src(cl(y + d))) {
                *s = s.wrapping_add(v.v() as u16);
            }
        }
    }
    step.step(
        l,
        sum,
        src(cl(y + r)),
        src(cl(y - r - 1)),
        src(cl(y + r + 1)),
        out,
    );
    st.next += 1;
}

/// One narrow horizontal pass on a padded row (as [`hpass`]): an inclusive prefix sum of
/// the input pixels, then the taps, `S = Q[i + 2 pad - 1] - Q[i]` and
/// `E = ip[i] + ip[i + 2 pad]` (wrapping `u16`, exact since the true sums fit).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn hpass16<L: Lanes>(
    l: L,
    inp: &[u16],
    out: &mut [u16],
    pre: &mut [u16],
    (oa, ob): (usize, usize),
    xa: usize,
    w: usize,
    wt: W16,
    pad: usize,
) {
    let m = ob - oa;
    let j0 = oa - xa;
    let n = 4 * (m + 2 * pad);
    l.scan(&inp[4 * j0..4 * j0 + n], &mut pre[..n]);
    let len = 4 * m;
    l.htap(
        &mut out[4 * (j0 + pad)..][..len],
        &pre[4 * (2 * pad - 1)..][..len],
        &pre[..len],
        &inp[4 * j0..][..len],
        &inp[4 * (j0 + 2 * pad)..][..len],
        wt,
    );
    pad_edges(out, (oa, ob), xa, w, pad);
}

/// The narrow form of [`blur_rect`]: samples at scale `q` in `u16`, box sums in `u16`, the
/// row kernels of `l`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn blur_rect16<L: Lanes>(
    l: L,
    s: &mut Scratch,
    src: &[u8],
    reg: Rect,
    (w, h): (usize, usize),
    k: Kernel,
    q: u16,
    rect: Rect,
    put: &mut impl Sink,
) {
    let reach = k.r + 1;
    let wt = W16 { a: k.a, b: k.b };
    let Plan {
        xa,
        xb,
        n,
        rw,
        st: [mut st1, mut st2, mut st3],
        pw,
    } = Plan::new(reg, (w, h), reach, rect);
    let Scratch {
        sums16,
        ring,
        line,
        pre16,
        ..
    } = s;
    let [s1, s2, s3] = sums16;
    let (s1, s2, s3) = (slot(s1, n), slot(s2, n), slot(s3, n));
    let [r1, r2] = ring;
    let (r1, r2) = (slot(r1, st1.slots * n), slot(r2, st2.slots * n));
    let [l0, l1, l2, l3] = line;
    let (l0, l1, l2, l3) = (slot(l0, pw), slot(l1, pw), slot(l2, pw), slot(l3, pw));
    let pre = slot(pre16, pw);
    let src_row = |y: usize| {
        let o = (y - reg.y0) * rw + 4 * (xa - reg.x0);
        &src[o..o + n]
    };
    let step8 = Step8 { w: wt, q };
    let step = Step16 { w: wt };
    let to8 = To8::new(u32::from(q));
    for y in rect.y0..rect.y1 {
        while st2.next <= (y + reach).min(h - 1) {
            while st1.next <= (st2.next + reach).min(h - 1) {
                let o = st1.at(st1.next, n);
                vrow16(l, &mut st1, src_row, h, s1, &mut r1[o], k, step8);
            }
            let o = st2.at(st2.next, n);
            let (st1, r1) = (&st1, &*r1);
            vrow16(
                l,
                &mut st2,
                |y| &r1[st1.at(y, n)],
                h,
                s2,
                &mut r2[o],
                k,
                step,
            );
        }
        let (st2, r2) = (&st2, &*r2);
        let pad = 4 * reach;
        vrow16(
            l,
            &mut st3,
            |y| &r2[st2.at(y, n)],
            h,
            s3,
            &mut l0[pad..pad + n],
            k,
            step,
        );
        pad_edges(l0, (xa, xb), xa, w, reach);
        let Some((a, b)) = put.span(y) else { continue };
        let (h1, h2) = (grow(a, b, 2 * reach, w), grow(a, b, reach, w));
        hpass16(l, l0, l1, pre, h1, xa, w, wt, reach);
        hpass16(l, l1, l2, pre, h2, xa, w, wt, reach);
        hpass16(l, l2, l3, pre, (a, b), xa, w, wt, reach);
        let (lp, _) = l3.as_chunks::<4>();
        put.row(y, a, &lp[a + reach - xa..b + reach - xa], to8);
    }
}

/// The blur of `rect` of a `w x h` image read from `src` (the tight copy of its box `reg`),
/// into `put`, at CPU level `arch`: the narrow form when the kernel has one, else the wide
/// one.
#[allow(clippy::too_many_arguments)]
fn run_blur(
    arch: Arch,
    s: &mut Scratch,
    src: &[u8],
    reg: Rect,
    (w, h): (usize, usize),
    k: Kernel,
    rect: Rect,
    put: &mut impl Sink,
) {
    struct Wide<'a, P> {
        s: &'a mut Scratch,
        src: &'a [u8],
        reg: Rect,
        wh: (usize, usize),
        k: Kernel,
        rect: Rect,
        put: &'a mut P,
    }
    impl<P: Sink> WithSimd for Wide<'_, P> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Wide {
                s,
                src,
                reg,
                wh: (w, h),
                k,
                rect,
                put,
            } = self;
            if k.c == 0 {
                blur_rect::<false>(s, src, reg, w, h, k, rect, put);
            } else {
                blur_rect::<true>(s, src, reg, w, h, k, rect, put);
            }
        }
    }
    impl<P: Sink> LanesFn for Wide<'_, P> {
        type Output = ();
        #[inline(always)]
        fn run<L: Lanes>(self, l: L) {
            let Wide {
                s,
                src,
                reg,
                wh,
                k,
                rect,
                put,
            } = self;
            let q = k.narrow().expect("a narrow kernel");
            blur_rect16(l, s, src, reg, wh, k, q, rect, put);
        }
    }
    let job = Wide {
        s,
        src,
        reg,
        wh: (w, h),
        k,
        rect,
        put,
    };
    if k.narrow().is_some() {
        with_lanes(arch, job);
    } else {
        arch.dispatch(job);
    }
}

/// The fast path at CPU level `arch`: equal to [`blur_ref`].
pub(crate) fn blur_with(arch: Arch, buf: &mut [u8], w: u32, h: u32, sigma: f32) {
    let (w, h) = (w as usize, h as usize);
    assert_eq!(buf.len(), 4 * w * h, "tight RGBA8 buffer expected");
    let Some(k) = kernel(sigma) else { return };
    let mut s = SCRATCH.with(|c| c.take());
    let rect = Rect {
        x0: 0,
        x1: w,
        y0: 0,
        y1: h,
    };
    let mut work = std::mem::take(&mut s.work);
    work.clear();
    work.extend_from_slice(buf);
    let (px, _) = buf.as_chunks_mut::<4>();
    run_blur(
        arch,
        &mut s,
        &work,
        rect,
        (w, h),
        k,
        rect,
        &mut PutAll { px, w },
    );
    s.work = work;
    SCRATCH.with(|c| *c.borrow_mut() = s);
}

/// Blurs at the CPU level [`crate::simd`] picks.
pub(crate) fn blur(buf: &mut [u8], w: u32, h: u32, sigma: f32) {
    blur_with(crate::simd::arch(), buf, w, h, sigma);
}

/// The tight copy of `img` with every forbidden pixel inpainted (grain 0; reference).
fn inpainted_copy(img: &ImageViewMut<'_>, frame: &OpFrame<'_>, color: [u8; 3]) -> Vec<u8> {
    let (w, h) = (img.width(), img.height());
    let mut work = img.to_vec();
    let mut view = ImageViewMut::new(&mut work, w, h, 4 * w as usize, img.alpha())
        .expect("a tight copy of a valid image");
    super::inpaint::inpaint_ref(&mut view, frame.forbidden, frame, 0, color);
    work
}

/// The secure blur at CPU level `arch` (the fast path of [`secure_blur_ref`]).
pub(crate) fn secure_blur_with(
    arch: Arch,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    sigma_px: f32,
    color: [u8; 3],
) {
    super::check_masks(img, target, frame);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let Some(rect) = super::mask_bbox(target, w) else {
        return;
    };
    let k = kernel(sigma_px);
    // The region the blur reads: the target's box grown by the reach of the six passes.
    let reg = rect.grow(k.map_or(0, |k| 3 * (k.r + 1)), w, h);
    let mut s = SCRATCH.with(|c| c.take());
    super::inpaint::inpainted_region_with(arch, &*img, frame, color, reg, &mut s.work);
    match k {
        None => {
            let rw = reg.x1 - reg.x0;
            let (src, _) = s.work.as_chunks::<4>();
            for y in reg.y0..reg.y1 {
                let row = &mut img.pixels_mut(y as u32)[reg.x0..reg.x1];
                let t = &target[y * w + reg.x0..y * w + reg.x1];
                let q = &src[(y - reg.y0) * rw..(y - reg.y0 + 1) * rw];
                for ((p, q), &m) in row.iter_mut().zip(q).zip(t) {
                    if m != 0 {
                        *p = *q;
                    }
                }
            }
        }
        Some(k) => {
            let work = std::mem::take(&mut s.work);
            let mut put = PutTarget {
                img,
                target,
                w,
                rect,
                row8: std::mem::take(&mut s.row8),
            };
            run_blur(arch, &mut s, &work, reg, (w, h), k, rect, &mut put);
            s.row8 = put.row8;
            s.work = work;
        }
    }
    SCRATCH.with(|c| *c.borrow_mut() = s);
    clamp_premultiplied(img, target);
}

/// Copies the target pixels of the tight buffer `src` into `img`.
fn write_target(img: &mut ImageViewMut<'_>, target: &[u8], src: &[u8]) {
    let w = img.width() as usize;
    for y in 0..img.height() as usize {
        let s = &src[4 * y * w..4 * (y + 1) * w];
        let (s, _) = s.as_chunks::<4>();
        for ((p, q), &m) in img
            .pixels_mut(y as u32)
            .iter_mut()
            .zip(s)
            .zip(&target[y * w..])
        {
            if m != 0 {
                *p = *q;
            }
        }
    }
}

/// Scalar reference of [`secure_blur`]: inpaint a copy (reference), blur all of it
/// (reference), write the target pixels.
pub(crate) fn secure_blur_ref(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    sigma_px: f32,
    color: [u8; 3],
) {
    super::check_masks(img, target, frame);
    let (w, h) = (img.width(), img.height());
    let mut work = inpainted_copy(img, frame, color);
    blur_ref(&mut work, w, h, sigma_px);
    write_target(img, target, &work);
    clamp_premultiplied(img, target);
}

/// The secure `blur` operator: copy the image into a work buffer, inpaint every forbidden
/// pixel of the copy ([`super::inpaint`], grain 0, `color` as fallback), blur the copy with
/// `sigma_px`, and write the result into `img` at target pixels only. Reads only pixels of
/// `img` where `forbidden` is 0.
pub(crate) fn secure_blur(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    sigma_px: f32,
    color: [u8; 3],
) {
    secure_blur_with(crate::simd::arch(), img, target, frame, sigma_px, color);
}

/// The forbidden mask of the cosmetic blur: pixels of other operators' masks only.
fn others(target: &[u8], forbidden: &[u8]) -> Vec<u8> {
    forbidden
        .iter()
        .zip(target)
        .map(|(&f, &t)| u8::from(f != 0 && t == 0))
        .collect()
}

/// `cosmetic_blur` at CPU level `arch`.
pub(crate) fn cosmetic_blur_with(
    arch: Arch,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    sigma_px: f32,
) {
    super::check_masks(img, target, frame);
    let forbidden = others(target, frame.forbidden);
    let f = OpFrame {
        origin: frame.origin,
        z: frame.z,
        tile_px: frame.tile_px,
        key: frame.key,
        forbidden: &forbidden,
    };
    secure_blur_with(arch, img, target, &f, sigma_px, DEFAULT_COLOR);
}

/// `cosmetic_blur`: blur of the ORIGINAL pixels (reads pixels where `forbidden` is 0 or
/// `target` is set; pixels of other operators' masks, forbidden and not target, are never
/// read: they are inpainted first as in [`secure_blur`]), written at target pixels.
pub(crate) fn cosmetic_blur(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    sigma_px: f32,
) {
    cosmetic_blur_with(crate::simd::arch(), img, target, frame, sigma_px);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::AlphaMode;
    use crate::key::RedactionKey;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngSeed, TestRunner};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// xorshift64 bytes.
    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut s = seed | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 24) as u8
            })
            .collect()
    }

    /// A random mask with about `density / 256` of its bytes set.
    fn mask(seed: u64, n: usize, density: u8) -> Vec<u8> {
        let r = bytes(seed, 2 * n);
        (0..n)
            .map(|i| {
                if r[2 * i] < density {
                    r[2 * i + 1] | 1
                } else {
                    0
                }
            })
            .collect()
    }

    fn frame<'a>(key: &'a RedactionKey, forbidden: &'a [u8]) -> OpFrame<'a> {
        OpFrame {
            origin: (5000, 7000),
            z: 15,
            tile_px: 256,
            key,
            forbidden,
        }
    }

    /// Which operator a test runs.
    #[derive(Clone, Copy, Debug)]
    enum Op {
        Secure,
        Cosmetic,
    }

    /// Runs an operator (reference when `arch` is `None`) on a copy of `base`.
    #[allow(clippy::too_many_arguments)]
    fn run(
        op: Op,
        arch: Option<Arch>,
        base: &[u8],
        (w, h, stride): (u32, u32, usize),
        alpha: AlphaMode,
        target: &[u8],
        fr: &OpFrame<'_>,
        sigma: f32,
    ) -> Vec<u8> {
        let mut out = base.to_vec();
        let mut v = ImageViewMut::new(&mut out, w, h, stride, alpha).unwrap();
        match (op, arch) {
            (Op::Secure, Some(a)) => secure_blur_with(a, &mut v, target, fr, sigma, [1, 2, 3]),
            (Op::Secure, None) => secure_blur_ref(&mut v, target, fr, sigma, [1, 2, 3]),
            (Op::Cosmetic, Some(a)) => cosmetic_blur_with(a, &mut v, target, fr, sigma),
            (Op::Cosmetic, None) => {
                let forbidden = others(target, fr.forbidden);
                let f = OpFrame {
                    forbidden: &forbidden,
                    ..*fr
                };
                secure_blur_ref(&mut v, target, &f, sigma, DEFAULT_COLOR)
            }
        }
        out
    }

    /// `blur_with` equals `blur_ref` at every level, on random sizes and sigmas (0, tiny,
    /// larger than the image).
    #[test]
    fn blur_fast_equals_reference() {
        const CASES: u32 = 64;
        let config = Config {
            cases: CASES,
            rng_seed: RngSeed::Fixed(0xb1u64),
            failure_persistence: None,
            ..Config::default()
        };
        let checked = AtomicUsize::new(0);
        let strategy = (
            1u32..70,
            1u32..50,
            any::<u64>(),
            prop_oneof![Just(0f32), 0.01f32..2.0, 0.1f32..30.0],
        );
        TestRunner::new(config)
            .run(&strategy, |(w, h, seed, sigma)| {
                let base = bytes(seed, (4 * w * h) as usize);
                let mut want = base.clone();
                blur_ref(&mut want, w, h, sigma);
                if sigma == 0.0 {
                    prop_assert_eq!(&want, &base);
                }
                for arch in crate::simd::levels() {
                    let mut got = base.clone();
                    blur_with(arch, &mut got, w, h, sigma);
                    prop_assert_eq!(&got, &want, "{:?} {}x{} sigma {}", arch, w, h, sigma);
                    checked.fetch_add(1, Ordering::Relaxed);
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(
            checked.load(Ordering::Relaxed),
            CASES as usize * crate::simd::levels().len()
        );
    }

    /// The operators equal their references at every level (strides with padding, random
    /// masks, both alpha modes), write only target pixels and never the padding.
    #[test]
    fn operators_fast_equal_reference() {
        const CASES: u32 = 48;
        let config = Config {
            cases: CASES,
            rng_seed: RngSeed::Fixed(0xb2u64),
            failure_persistence: None,
            ..Config::default()
        };
        let checked = AtomicUsize::new(0);
        let strategy = (
            1u32..60,
            1u32..40,
            0usize..9,
            any::<u64>(),
            any::<u8>(),
            any::<u8>(),
            prop_oneof![Just(0f32), 0.1f32..12.0],
            any::<bool>(),
            any::<bool>(),
        );
        TestRunner::new(config)
            .run(
                &strategy,
                |(w, h, pad, seed, fd, td, sigma, premul, cosmetic)| {
                    let stride = 4 * w as usize + pad;
                    let len = stride * (h as usize - 1) + 4 * w as usize + pad.min(3);
                    let base = bytes(seed, len);
                    let n = (w * h) as usize;
                    let forb = mask(seed ^ 1, n, fd);
                    let target: Vec<u8> = mask(seed ^ 2, n, td)
                        .iter()
                        .zip(&forb)
                        .enumerate()
                        .map(|(i, (&t, &f))| if i % 5 == 0 { t } else { t & f })
                        .collect();
                    let alpha = if premul {
                        AlphaMode::Premultiplied
                    } else {
                        AlphaMode::Straight
                    };
                    let op = if cosmetic { Op::Cosmetic } else { Op::Secure };
                    let key = RedactionKey::from_bytes([4; 32]);
                    let fr = frame(&key, &forb);
                    let want = run(op, None, &base, (w, h, stride), alpha, &target, &fr, sigma);
                    for i in 0..len {
                        let (y, x) = (i / stride, i % stride);
                        if x >= 4 * w as usize || target[y * w as usize + x / 4] == 0 {
                            prop_assert_eq!(want[i], base[i], "non-target byte {} changed", i);
                        }
                    }
                    for arch in crate::simd::levels() {
                        let got = run(
                            op,
                            Some(arch),
                            &base,
                            (w, h, stride),
                            alpha,
                            &target,
                            &fr,
                            sigma,
                        );
                        prop_assert_eq!(
                            &got,
                            &want,
                            "{:?} {:?} {}x{} sigma {}",
                            op,
                            arch,
                            w,
                            h,
                            sigma
                        );
                        checked.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            checked.load(Ordering::Relaxed),
            CASES as usize * crate::simd::levels().len()
        );
    }

    /// Two images that differ only at forbidden pixels give the same bytes (secure blur);
    /// for the cosmetic blur, images that differ only at other operators' pixels.
    #[test]
    fn forbidden_pixels_never_influence() {
        let (w, h) = (120u32, 90u32);
        let n = (w * h) as usize;
        let a = bytes(11, 4 * n);
        // Two discs: this operator's target, and another operator's mask.
        let disc = |cx: f64, cy: f64, r: f64| -> Vec<u8> {
            (0..n)
                .map(|i| {
                    let (x, y) = ((i % w as usize) as f64, (i / w as usize) as f64);
                    u8::from((x - cx).hypot(y - cy) < r)
                })
                .collect()
        };
        let target = disc(40.0, 40.0, 20.0);
        let other = disc(80.0, 50.0, 25.0);
        let forb: Vec<u8> = target.iter().zip(&other).map(|(&t, &o)| t | o).collect();
        let key = RedactionKey::from_bytes([2; 32]);
        let fr = frame(&key, &forb);
        let flip = |m: &[u8]| -> Vec<u8> {
            let mut b = a.clone();
            for (i, px) in b.chunks_exact_mut(4).enumerate() {
                if m[i] != 0 {
                    px.copy_from_slice(&[!px[0], px[2], px[1], !px[3]]);
                }
            }
            b
        };
        let mut archs: Vec<Option<Arch>> = vec![None];
        archs.extend(crate::simd::levels().into_iter().map(Some));
        let geo = (w, h, 4 * w as usize);
        for arch in archs {
            let b = flip(&forb);
            let oa = run(
                Op::Secure,
                arch,
                &a,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                6.0,
            );
            let ob = run(
                Op::Secure,
                arch,
                &b,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                6.0,
            );
            for i in 0..n {
                if target[i] != 0 {
                    assert_eq!(oa[4 * i..4 * i + 4], ob[4 * i..4 * i + 4]);
                }
            }
            // (The discs overlap: the overlap is this operator's target, which it reads.)
            let b = flip(&others(&target, &forb));
            let oa = run(
                Op::Cosmetic,
                arch,
                &a,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                6.0,
            );
            let ob = run(
                Op::Cosmetic,
                arch,
                &b,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                6.0,
            );
            for i in 0..n {
                if target[i] != 0 {
                    assert_eq!(oa[4 * i..4 * i + 4], ob[4 * i..4 * i + 4]);
                }
            }
            // The cosmetic blur does read its own target.
            let b = flip(&target);
            let ob = run(
                Op::Cosmetic,
                arch,
                &b,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                6.0,
            );
            assert_ne!(oa, ob);
        }
    }

    /// Every form of the fast path (narrow; wide with and without the centre correction)
    /// equals the reference, on the whole image and through the operator, with a ring buffer shorter
    /// than the image and longer than it.
    #[test]
    fn both_tap_forms_equal_reference() {
        let (w, h) = (75u32, 64u32);
        let n = (w * h) as usize;
        let base = bytes(7, 4 * n);
        let forb = mask(8, n, 60);
        let target = mask(9, n, 90);
        let key = RedactionKey::from_bytes([3; 32]);
        let fr = frame(&key, &forb);
        // A wide kernel without the centre term: r > 31 and c = 0.
        let wide_free = (400..600)
            .map(|i| i as f32 / 10.0)
            .find(|&s| kernel(s).is_some_and(|k| k.c == 0))
            .expect("a sigma in [40, 60) without a centre term");
        let mut forms = std::collections::BTreeSet::new();
        for (sigma, centre, narrow) in [
            (8.0f32, false, true),
            (30.0, true, false),
            (2.0, false, true),
            (100.0, true, false),
            (wide_free, false, false),
        ] {
            let k = kernel(sigma).unwrap();
            assert_eq!(k.c != 0, centre, "sigma {sigma}: {k:?}");
            assert_eq!(k.narrow().is_some(), narrow, "sigma {sigma}: {k:?}");
            forms.insert((centre, narrow));
            let mut want = base.clone();
            blur_ref(&mut want, w, h, sigma);
            let geo = (w, h, 4 * w as usize);
            let want_op = run(
                Op::Secure,
                None,
                &base,
                geo,
                AlphaMode::Straight,
                &target,
                &fr,
                sigma,
            );
            for arch in crate::simd::levels() {
                let mut got = base.clone();
                blur_with(arch, &mut got, w, h, sigma);
                assert_eq!(got, want, "{arch:?} sigma {sigma}");
                let got_op = run(
                    Op::Secure,
                    Some(arch),
                    &base,
                    geo,
                    AlphaMode::Straight,
                    &target,
                    &fr,
                    sigma,
                );
                assert_eq!(got_op, want_op, "{arch:?} sigma {sigma}");
            }
        }
        assert_eq!(forms.len(), 3, "narrow, wide, wide with a centre term");
    }

    /// The way back to 8 bits is the rounded quotient `(v + q / 2) / q` for every sample
    /// of every scale the blur uses (256 and the narrow ones).
    #[test]
    fn back_to_8_bits_is_the_rounded_quotient() {
        let mut scales: Vec<u32> = (1..=NARROW_MAX_R).map(narrow_scale).collect();
        scales.push(256);
        let mut checked = 0;
        for &q in &scales {
            let m = To8::new(q);
            for v in 0..=255 * q {
                assert_eq!(u32::from(m.px(v as u16)), (v + q / 2) / q, "q {q} v {v}");
                checked += 1;
            }
        }
        assert_eq!(checked, scales.iter().map(|q| 255 * q + 1).sum::<u32>());
    }

    /// A constant image stays exactly constant, at every sigma.
    #[test]
    fn constant_stays_constant() {
        for sigma in [0.3f32, 1.0, 2.5, 8.0, 40.0] {
            let (w, h) = (45u32, 31u32);
            let mut buf: Vec<u8> = (0..w * h).flat_map(|_| [3u8, 128, 254, 77]).collect();
            let want = buf.clone();
            blur(&mut buf, w, h, sigma);
            assert_eq!(buf, want, "sigma {sigma}");
        }
    }

    /// A periodic image (period dividing the size): the mean stays within a quarter level,
    /// and the interior variance drops by the Gaussian's attenuation of a sinusoid,
    /// `exp(-4 pi^2 sigma^2 (1/px^2 + 1/py^2))`, within 0.01 (the three boxes' transfer
    /// function differs most from the Gaussian's in its tail: 0.094 against 0.103 at sigma 6).
    #[test]
    fn mean_is_preserved_and_sinusoids_attenuate_as_a_gaussian() {
        use std::f64::consts::{PI, TAU};
        let (w, h) = (192u32, 160u32);
        let (px, py) = (32.0, 40.0);
        let buf: Vec<u8> = (0..(w * h) as usize)
            .flat_map(|i| {
                let (x, y) = ((i % w as usize) as f64, (i / w as usize) as f64);
                let v = 128.0 + 100.0 * (x * TAU / px).sin() * (y * TAU / py).cos();
                [v.round() as u8, (255.0 - v).round() as u8, 128, 255]
            })
            .collect();
        let mean = |b: &[u8], c: usize| {
            b.iter()
                .skip(c)
                .step_by(4)
                .map(|&v| f64::from(v))
                .sum::<f64>()
                / f64::from(w * h)
        };
        for sigma in [1.0f32, 2.0, 4.0, 6.0] {
            let mut out = buf.clone();
            blur(&mut out, w, h, sigma);
            for c in 0..4 {
                let d = (mean(&out, c) - mean(&buf, c)).abs();
                assert!(d < 0.25, "sigma {sigma} channel {c}: mean moved by {d}");
            }
            // Interior variance of channel 0, away from the clamped edges.
            let m = 4 * sigma as usize + 4;
            let var = |b: &[u8]| {
                let vals: Vec<f64> = (m..h as usize - m)
                    .flat_map(|y| (m..w as usize - m).map(move |x| (x, y)))
                    .map(|(x, y)| f64::from(b[4 * (y * w as usize + x)]) - 128.0)
                    .collect();
                vals.iter().map(|v| v * v).sum::<f64>() / vals.len() as f64
            };
            let s2 = f64::from(sigma).powi(2);
            let want = (-4.0 * PI * PI * s2 * (1.0 / (px * px) + 1.0 / (py * py))).exp();
            let got = var(&out) / var(&buf);
            assert!(
                (got - want).abs() < 0.01,
                "sigma {sigma}: variance ratio {got}, Gaussian {want}"
            );
        }
    }

    /// The impulse response of the 8-bit blur (one bright pixel in a large black image)
    /// has variance sigma^2 per axis, and the mass of the pixel, within the 8-bit rounding
    /// of its tails: 10 % in 2-D (sigma 1 to 2.5, where the peak is 40 to 6 levels), 3 % in
    /// 1-D (a one-row image, sigma 2 to 8).
    #[test]
    fn impulse_variance_is_sigma_squared() {
        for (sigma, w, h, tol) in [
            (1.0f32, 81u32, 81u32, 0.10),
            (1.7, 81, 81, 0.10),
            (2.5, 81, 81, 0.10),
            (2.0, 401, 1, 0.03),
            (4.0, 401, 1, 0.03),
            (8.0, 401, 1, 0.03),
        ] {
            let (cx, cy) = (w as usize / 2, h as usize / 2);
            let mut buf = vec![0u8; (4 * w * h) as usize];
            buf[4 * (cy * w as usize + cx)] = 255;
            blur(&mut buf, w, h, sigma);
            let (mut m, mut vx, mut vy) = (0f64, 0f64, 0f64);
            for y in 0..h as usize {
                for x in 0..w as usize {
                    let v = f64::from(buf[4 * (y * w as usize + x)]);
                    m += v;
                    vx += v * (x as f64 - cx as f64).powi(2);
                    vy += v * (y as f64 - cy as f64).powi(2);
                }
            }
            let s2 = f64::from(sigma).powi(2);
            eprintln!(
                "{w}x{h} sigma {sigma}: mass {:.4}, variance x {:.4} y {:.4} (sigma^2 {s2})",
                m / 255.0,
                vx / m,
                vy / m
            );
            assert!((m / 255.0 - 1.0).abs() < tol, "sigma {sigma}: mass {m}");
            assert!(
                (vx / m / s2 - 1.0).abs() < tol,
                "sigma {sigma}: variance {} vs {s2}",
                vx / m
            );
            if h > 1 {
                assert!(
                    (vy / m / s2 - 1.0).abs() < tol,
                    "sigma {sigma}: variance {} vs {s2}",
                    vy / m
                );
            }
        }
    }

    /// The 1-D kernel of the three passes (on 8.8 samples) has variance sigma^2 within
    /// 0.5 %, and differs from the true Gaussian by at most the documented fraction of the
    /// Gaussian's peak: 7 % for sigma 1 to 64 (the three-box limit: a quadratic B-spline
    /// is 6 % below the Gaussian's peak), 9 % below sigma 1 (discretisation).
    #[test]
    fn kernel_is_close_to_a_gaussian() {
        for (sigma, tol) in [
            (0.5f32, 0.09),
            (0.8, 0.09),
            (1.0, 0.07),
            (1.2, 0.07),
            (1.5, 0.07),
            (1.8, 0.07),
            (2.0, 0.07),
            (2.6, 0.07),
            (3.0, 0.07),
            (3.5, 0.07),
            (4.5, 0.07),
            (5.2, 0.07),
            (6.1, 0.07),
            (8.0, 0.07),
            (9.7, 0.07),
            (13.3, 0.07),
            (30.0, 0.07),
            (64.0, 0.07),
        ] {
            let k = kernel(sigma).unwrap();
            let n = 12 * sigma as usize + 41;
            let c = n / 2;
            let mut line = vec![0u16; n];
            line[c] = 65280;
            for _ in 0..3 {
                line = pass_ref(&line, k);
            }
            let total: f64 = line.iter().map(|&v| f64::from(v)).sum();
            let s = f64::from(sigma);
            let var: f64 = line
                .iter()
                .enumerate()
                .map(|(i, &v)| f64::from(v) * (i as f64 - c as f64).powi(2))
                .sum::<f64>()
                / total;
            assert!(
                (var / (s * s) - 1.0).abs() < 0.005,
                "sigma {sigma}: variance {var}"
            );
            let peak = 1.0 / (s * (2.0 * std::f64::consts::PI).sqrt());
            let dev = line
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let x = i as f64 - c as f64;
                    let g = peak * (-x * x / (2.0 * s * s)).exp();
                    (f64::from(v) / 65280.0 - g).abs()
                })
                .fold(0.0, f64::max);
            eprintln!("sigma {sigma}: max deviation {:.5} of the peak", dev / peak);
            assert!(
                dev / peak < tol,
                "sigma {sigma}: deviation {} of the peak",
                dev / peak
            );
        }
    }

    /// No readable pixel at all: the secure blur of the fallback colour is that colour.
    #[test]
    fn nothing_readable_gives_the_fallback() {
        let (w, h) = (20u32, 10u32);
        let n = (w * h) as usize;
        let base = bytes(1, 4 * n);
        let forb = vec![1u8; n];
        let target = mask(2, n, 100);
        let key = RedactionKey::from_bytes([0; 32]);
        let fr = frame(&key, &forb);
        let out = run(
            Op::Secure,
            crate::simd::levels().pop(),
            &base,
            (w, h, 4 * w as usize),
            AlphaMode::Straight,
            &target,
            &fr,
            3.0,
        );
        for i in 0..n {
            if target[i] != 0 {
                assert_eq!(out[4 * i..4 * i + 4], [1, 2, 3, 255]);
            }
        }
    }
}
