//! `inpaint`: a smooth fill interpolated from the pixels outside the mask (pull-push), with
//! optional keyed grain.
//!
//! Design (recorded here because it decides both the security promise and the speed):
//!
//! * **Pull-push (Gortler et al. 1996), linear time.** Level 0 holds every pixel as
//!   `(p, w)`: `p` the RGBA value times the weight `w`, and `w = 1` where the pixel may be
//!   read (`forbidden == 0`), `0` elsewhere, so a forbidden pixel contributes exactly zero:
//!   it is never loaded into the arithmetic at all (the value is selected away before any
//!   sum). *Pull*: each coarser level (half the size, rounded up) sums the 2x2 children,
//!   `s = (p00 + p10) + (p01 + p11)` and `ws` likewise, then clamps the weight,
//!   `w' = min(ws, 1)`, `p' = s * (w' / ws)`: a cell with any readable child is fully
//!   known and holds the mean of its readable children (colours never bleed from empty
//!   cells). *Push*: from the 1x1 top (`p / w`) down, every pixel becomes
//!   `c = p + (1 - w) * u`, `u` the bilinear upsampling of the coarser level's final colours
//!   (taps 3/4 and 1/4 per axis, rows first, then columns, edges clamped). At level 0 the
//!   weights are 0 or 1, so a target pixel gets `u` when forbidden and its own value when
//!   readable. Successive bilinear upsamplings make the fill smooth, not blocky.
//! * **Exact fast path.** The arithmetic is `f32` with one fixed order of operations (no
//!   `mul_add`, no reassociation), so the fast path ([`inpaint_with`]) equals the reference
//!   ([`inpaint_ref`]) bit for bit at every CPU level. Every weight of the pyramid is 0
//!   or 1 (level 0's are, and `min(ws, 1)` keeps them so), so `ws` is a count 0..=4 and
//!   the fast path takes `w' / ws = 1 / ws` from selects instead of a division (same bits:
//!   `1 / 3` rounds once either way). The level-0 pull sums integers (exact in any order):
//!   at AVX-512 and AVX2 one pass per pair of rows, 16 (8) pixels at a time (forbidden
//!   pixels zeroed by a lane mask, rows added in 16-bit lanes, the pixels of each pair
//!   gathered by a 64-bit permute or unpack); elsewhere the readable pixels are widened to
//!   `f32` row sums first. The coarser pulls add the two rows and the pairs in registers at
//!   those levels. The horizontal step of every pull gathers the even and odd cells with
//!   128-bit lane shuffles, and the interior of the horizontal bilinear step interleaves
//!   its two outputs with lane permutes, at AVX-512 and AVX2 (the loop vectoriser
//!   transposes the interleaved `[f32; 4]` cells to planar and back instead); at both
//!   levels the push's blend broadcasts each cell's `1 - w` by a lane permute for the same
//!   reason.
//!   These kernels use pulp's safe intrinsic wrappers, inside the dispatched code.
//! * **Only what the target needs.** The pull is complete (every readable pixel counts at
//!   the top, so no exact shortcut exists there), but the push computes each level only
//!   inside the bounding box that the finer level's bilinear taps reach from the target's
//!   bounding box, stored compactly over that box, and level 0 only on each row's span
//!   of target pixels. The horizontal bilinear step runs over pairs of fine columns with
//!   unclamped taps as one branch-free loop (the clamped edges apart). Levels are kept
//!   interleaved (`[f32; 4]` per pixel, weight apart), so every loop is over contiguous
//!   lanes. [`inpainted_region_with`] serves the secure blur: the inpainted copy of just
//!   the box the blur reads.
//! * **No allocation per call.** Fresh zeroed pages cost more than the arithmetic (the
//!   first version spent most of its time faulting them in), so every buffer lives in a
//!   thread-local [`Scratch`], taken for the call and given back, grown and never cleared:
//!   every loop writes all the cells it later reads.
//! * **Grain** is keyed noise of amplitude `grain` levels on RGB, a function of (key, zoom,
//!   world pixel) only: one PRF call per image derives a 64-bit seed, then a murmur3
//!   finaliser per row and per pixel; it is added after rounding, in integers.
//! * With no readable pixel at all the top weight is 0 and every target pixel becomes the
//!   fallback colour (opaque).

use pulp::{Arch, WithSimd};

use super::{
    OpFrame, Rect, check_masks, clamp_premultiplied, mask_bbox, mask_bbox_in, nonzero_span, opaque,
    slot,
};
use crate::image::{AlphaMode, ImageViewMut};

/// One level of the pyramid: `p` (value times weight, RGBA) and the weight `wt`.
struct Level {
    /// Width in pixels.
    w: usize,
    /// Height in pixels.
    h: usize,
    /// RGBA values times the weight, row-major.
    p: Vec<[f32; 4]>,
    /// Weights in `[0, 1]`, row-major.
    wt: Vec<f32>,
}

/// The size of the next coarser level.
#[inline(always)]
fn half(n: usize) -> usize {
    n.div_ceil(2)
}

/// Normalises a pulled cell: `w' = min(ws, 1)`, `p' = s * (w' / ws)` (0 when `ws` is 0).
#[inline(always)]
fn norm(s: [f32; 4], ws: f32) -> ([f32; 4], f32) {
    let wn = ws.min(1.0);
    let scale = if ws > 0.0 { wn / ws } else { 0.0 };
    ([s[0] * scale, s[1] * scale, s[2] * scale, s[3] * scale], wn)
}

/// The second bilinear tap of fine index `x` on a coarse axis of `n` cells: the coarse
/// neighbour on the side of `x` within its cell, clamped.
#[inline(always)]
fn tap2(x: usize, n: usize) -> usize {
    let i = x >> 1;
    if x & 1 == 0 {
        i.saturating_sub(1)
    } else {
        (i + 1).min(n - 1)
    }
}

/// `0.75 * a + 0.25 * b`, per channel (the one bilinear step).
#[inline(always)]
fn lerp(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
    [
        0.75 * a[0] + 0.25 * b[0],
        0.75 * a[1] + 0.25 * b[1],
        0.75 * a[2] + 0.25 * b[2],
        0.75 * a[3] + 0.25 * b[3],
    ]
}

/// `p + (1 - w) * u`, per channel.
#[inline(always)]
fn blend(p: [f32; 4], w: f32, u: [f32; 4]) -> [f32; 4] {
    let k = 1.0 - w;
    [
        p[0] + k * u[0],
        p[1] + k * u[1],
        p[2] + k * u[2],
        p[3] + k * u[3],
    ]
}

/// murmur3's 64-bit finaliser.
#[inline(always)]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// The grain seed of an image: one PRF call per (key, zoom).
fn grain_seed(frame: &OpFrame<'_>) -> u64 {
    let b = frame.key.prf("ops/inpaint/grain", &[frame.z]);
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// Rounds a final colour and adds the grain of hash `h` (amplitude `g`) to RGB.
#[inline(always)]
fn finish(c: [f32; 4], h: u64, g: u8) -> [u8; 4] {
    let mut out = c.map(|v| (v + 0.5) as u8);
    if g > 0 {
        let span = 2 * u64::from(g) + 1;
        for (ch, o) in out.iter_mut().take(3).enumerate() {
            // Three independent 21-bit slices of the hash, each mapped to [-g, g].
            let bits = (h >> (21 * ch)) & 0x1f_ffff;
            let n = ((bits * span) >> 21) as i32 - i32::from(g);
            *o = (i32::from(*o) + n).clamp(0, 255) as u8;
        }
    }
    out
}

/// The per-row part of the grain hash (world row `wy`).
#[inline(always)]
fn row_hash(seed: u64, wy: u64) -> u64 {
    fmix64(seed ^ wy)
}

/// The per-pixel grain hash from the row hash and world column `wx`.
#[inline(always)]
fn px_hash(row: u64, wx: u64) -> u64 {
    fmix64(row ^ wx)
}

/// Scalar reference (the definition, plain per-pixel loops): every target pixel becomes
/// the pull-push interpolation of the readable pixels, plus grain.
pub(crate) fn inpaint_ref(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    grain: u8,
    color: [u8; 3],
) {
    check_masks(img, target, frame);
    let (w, h) = (img.width() as usize, img.height() as usize);
    let forb = frame.forbidden;
    // Level 0.
    let mut p0 = vec![[0f32; 4]; w * h];
    let mut w0 = vec![0f32; w * h];
    for y in 0..h {
        let row = img.pixels(y as u32);
        for x in 0..w {
            if forb[y * w + x] == 0 {
                let q = row[x];
                p0[y * w + x] = [q[0] as f32, q[1] as f32, q[2] as f32, q[3] as f32];
                w0[y * w + x] = 1.0;
            }
        }
    }
    let mut levels = vec![Level {
        w,
        h,
        p: p0,
        wt: w0,
    }];
    // Pull.
    while {
        let l = levels.last().unwrap();
        l.w > 1 || l.h > 1
    } {
        let f = levels.last().unwrap();
        let (cw, ch) = (half(f.w), half(f.h));
        let mut p = vec![[0f32; 4]; cw * ch];
        let mut wt = vec![0f32; cw * ch];
        let get = |x: usize, y: usize| -> ([f32; 4], f32) {
            if x < f.w && y < f.h {
                (f.p[y * f.w + x], f.wt[y * f.w + x])
            } else {
                ([0.0; 4], 0.0)
            }
        };
        for j in 0..ch {
            for i in 0..cw {
                let (a, wa) = get(2 * i, 2 * j);
                let (b, wb) = get(2 * i, 2 * j + 1);
                let (c, wc) = get(2 * i + 1, 2 * j);
                let (d, wd) = get(2 * i + 1, 2 * j + 1);
                let s: [f32; 4] = std::array::from_fn(|k| (a[k] + b[k]) + (c[k] + d[k]));
                let ws = (wa + wb) + (wc + wd);
                let (pn, wn) = norm(s, ws);
                p[j * cw + i] = pn;
                wt[j * cw + i] = wn;
            }
        }
        levels.push(Level {
            w: cw,
            h: ch,
            p,
            wt,
        });
    }
    let top = levels.last().unwrap();
    if top.wt[0] == 0.0 {
        // Nothing readable: the fallback colour.
        let px = opaque(color, img.alpha());
        for y in 0..h {
            let row = img.pixels_mut(y as u32);
            for x in 0..w {
                if target[y * w + x] != 0 {
                    row[x] = px;
                }
            }
        }
        return;
    }
    // Push: final colours of each level from the top down to level 1.
    let t = top.p[0];
    let tw = top.wt[0];
    let mut up = vec![[t[0] / tw, t[1] / tw, t[2] / tw, t[3] / tw]];
    let (mut uw, mut uh) = (1usize, 1usize);
    for k in (1..levels.len() - 1).rev() {
        let l = &levels[k];
        let mut c = vec![[0f32; 4]; l.w * l.h];
        for y in 0..l.h {
            for x in 0..l.w {
                let u = bilinear_ref(&up, uw, uh, x, y);
                c[y * l.w + x] = blend(l.p[y * l.w + x], l.wt[y * l.w + x], u);
            }
        }
        up = c;
        (uw, uh) = (l.w, l.h);
    }
    // Level 0, target pixels only.
    let seed = grain_seed(frame);
    let l0 = &levels[0];
    for y in 0..h {
        let rh = row_hash(seed, frame.origin.1.wrapping_add(y as u64));
        let row = img.pixels_mut(y as u32);
        for x in 0..w {
            if target[y * w + x] != 0 {
                let u = bilinear_ref(&up, uw, uh, x, y);
                let c = blend(l0.p[y * w + x], l0.wt[y * w + x], u);
                let hx = px_hash(rh, frame.origin.0.wrapping_add(x as u64));
                row[x] = finish(c, hx, grain);
            }
        }
    }
    clamp_premultiplied(img, target);
}

/// The bilinear upsampling at fine pixel `(x, y)` of a coarse grid `up` of `uw x uh`: rows
/// first (`0.75 * near + 0.25 * far`), then columns.
fn bilinear_ref(up: &[[f32; 4]], uw: usize, uh: usize, x: usize, y: usize) -> [f32; 4] {
    let (i, i2) = ((x >> 1).min(uw - 1), tap2(x, uw));
    let (j, j2) = ((y >> 1).min(uh - 1), tap2(y, uh));
    let r1 = lerp(up[j * uw + i], up[j2 * uw + i]);
    let r2 = lerp(up[j * uw + i2], up[j2 * uw + i2]);
    lerp(r1, r2)
}

/// The box of coarse cells (of a `cw x ch` level) that the bilinear taps of the fine box
/// `r` read.
#[inline(always)]
fn coarse_rect(r: Rect, cw: usize, ch: usize) -> Rect {
    Rect {
        x0: (r.x0 >> 1).saturating_sub(1),
        x1: (((r.x1 - 1) >> 1) + 2).min(cw),
        y0: (r.y0 >> 1).saturating_sub(1),
        y1: (((r.y1 - 1) >> 1) + 2).min(ch),
    }
}

/// The reusable buffers of the fast path (one set per thread, see [`SCRATCH`]): after the
/// first call of a given size, an inpaint allocates nothing.
#[derive(Default)]
struct Scratch {
    /// Size of each pyramid level, level 1 first.
    dims: Vec<(usize, usize)>,
    /// `p` of each level (level 1 first), row-major.
    p: Vec<Vec<[f32; 4]>>,
    /// Weight of each level.
    wt: Vec<Vec<f32>>,
    /// Readable pixels of a row (level 0's pull).
    ma: Vec<[u8; 4]>,
    /// Readable pixels of the next row.
    mb: Vec<[u8; 4]>,
    /// Vertical pair sums of a row.
    vs: Vec<[f32; 4]>,
    /// Vertical pair weights of a row.
    vw: Vec<f32>,
    /// `1 / n` of each pulled cell of a row.
    sc: Vec<f32>,
    /// The box of each level the push computes (level 1 first).
    rects: Vec<Rect>,
    /// Final colours of the coarser level, over its box (row-major, box width).
    up: Vec<[f32; 4]>,
    /// Final colours of the level being pushed, over its box.
    cur: Vec<[f32; 4]>,
    /// One coarse row after the vertical lerp.
    r: Vec<[f32; 4]>,
    /// One fine row of the bilinear upsampling.
    u: Vec<[f32; 4]>,
    /// That row rounded to 8 bits.
    q: Vec<[u8; 4]>,
}

thread_local! {
    /// The scratch buffers of this thread (taken for the duration of a call).
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Takes this thread's scratch buffers.
fn take_scratch() -> Scratch {
    SCRATCH.with(|s| s.take())
}

/// Gives this thread's scratch buffers back.
fn give_scratch(s: Scratch) {
    SCRATCH.with(|c| *c.borrow_mut() = s);
}

/// `1 / n` for a weight sum `n` in `{0, 1, 2, 3, 4}` (0 for 0): the pulled cell's `w' / ws`.
/// Every weight of the pyramid is 0 or 1 (level 0's are, and `w' = min(ws, 1)` keeps them
/// so), so `ws` is always one of these five integers and `w' / ws` is `1 / ws`, which this
/// gives with the same bits (`1 / 3` rounded once, the others exact) and without a
/// division; written as selects so that it vectorises.
#[inline(always)]
fn inv_count(n: f32) -> f32 {
    const THIRD: f32 = 1.0 / 3.0;
    let a = if n == 1.0 { 1.0 } else { 0.0 };
    let b = if n == 2.0 { 0.5 } else { a };
    let c = if n == 3.0 { THIRD } else { b };
    if n == 4.0 { 0.25 } else { c }
}

/// `out[i] = (vs[2 i] + vs[2 i + 1]) * sc[i]` per channel, for every `i < out.len()`
/// (`vs` holds at least `2 out.len()` cells): the horizontal step of a pull, in the
/// reference's order. At AVX-512 and AVX2 the even and odd cells are gathered with 128-bit
/// lane shuffles (the loop vectoriser does not find them).
#[inline(always)]
fn pair_scale(arch: Arch, vs: &[[f32; 4]], sc: &[f32], out: &mut [[f32; 4]]) {
    let n = out.len();
    let vs = &vs[..2 * n];
    let sc = &sc[..n];
    let done = match arch {
        #[cfg(target_arch = "x86_64")]
        Arch::V4(s) => {
            use core::arch::x86_64::{__m128, __m512, __m512i};
            let f = s.avx512f;
            let idx: __m512i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
            let (oc, _) = out.as_chunks_mut::<4>();
            let (vc, _) = vs.as_chunks::<8>();
            let (scc, _) = sc.as_chunks::<4>();
            for ((o, v), k) in oc.iter_mut().zip(vc).zip(scc) {
                let v: &[[[f32; 4]; 4]; 2] = bytemuck::cast_ref(v);
                let x0: __m512 = bytemuck::cast(v[0]);
                let x1: __m512 = bytemuck::cast(v[1]);
                let e = f._mm512_shuffle_f32x4::<0x88>(x0, x1);
                let d = f._mm512_shuffle_f32x4::<0xdd>(x0, x1);
                let k: __m128 = bytemuck::cast(*k);
                let k = f._mm512_permutexvar_ps(idx, f._mm512_castps128_ps512(k));
                *o = bytemuck::cast(f._mm512_mul_ps(f._mm512_add_ps(e, d), k));
            }
            n / 4 * 4
        }
        #[cfg(target_arch = "x86_64")]
        Arch::V3(s) => {
            use core::arch::x86_64::{__m256, __m256i};
            let idx: __m256i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1]);
            let (oc, _) = out.as_chunks_mut::<2>();
            let (vc, _) = vs.as_chunks::<4>();
            let (scc, _) = sc.as_chunks::<2>();
            for ((o, v), k) in oc.iter_mut().zip(vc).zip(scc) {
                let v: &[[[f32; 4]; 2]; 2] = bytemuck::cast_ref(v);
                let x0: __m256 = bytemuck::cast(v[0]);
                let x1: __m256 = bytemuck::cast(v[1]);
                let e = s.avx._mm256_permute2f128_ps::<0x20>(x0, x1);
                let d = s.avx._mm256_permute2f128_ps::<0x31>(x0, x1);
                let k: __m256 = bytemuck::cast([k[0], k[1], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
                let k = s.avx2._mm256_permutevar8x32_ps(k, idx);
                *o = bytemuck::cast(s.avx._mm256_mul_ps(s.avx._mm256_add_ps(e, d), k));
            }
            n / 2 * 2
        }
        _ => 0,
    };
    for i in done..n {
        let (a, b, k) = (vs[2 * i], vs[2 * i + 1], sc[i]);
        out[i] = [
            (a[0] + b[0]) * k,
            (a[1] + b[1]) * k,
            (a[2] + b[2]) * k,
            (a[3] + b[3]) * k,
        ];
    }
}

/// The weights `min(n, 1)` and scales `1 / n` of a row of pulled cells from their weight
/// sums `n` (already summed vertically in `vw`): `n = vw[2 i] + vw[2 i + 1]`, or
/// `vw[2 i] + 0` for a last cell with one column, as the reference sums.
#[inline(always)]
fn cell_scales(vw: &[f32], wt: &mut [f32], sc: &mut [f32]) {
    let (pairs, tail) = vw.as_chunks::<2>();
    for ((ow, os), q) in wt.iter_mut().zip(sc.iter_mut()).zip(pairs) {
        let n = q[0] + q[1];
        *ow = n.min(1.0);
        *os = inv_count(n);
    }
    if let Some(&q) = tail.first() {
        let n = q + 0.0;
        wt[pairs.len()] = n.min(1.0);
        sc[pairs.len()] = inv_count(n);
    }
}

/// The pixels of `row` with the forbidden ones (`f != 0`) zeroed, into `out`.
#[inline(always)]
fn readable_row(row: &[[u8; 4]], f: &[u8], out: &mut [[u8; 4]]) {
    for ((o, q), &m) in out.iter_mut().zip(row).zip(f) {
        let keep = 0u32.wrapping_sub(u32::from(m == 0));
        *o = (u32::from_ne_bytes(*q) & keep).to_ne_bytes();
    }
}

/// The row buffers of a pull.
struct PullBufs<'a> {
    /// Readable pixels of the first row of a pair (level 0 only).
    ma: &'a mut [[u8; 4]],
    /// Readable pixels of the second row (zero past the image).
    mb: &'a mut [[u8; 4]],
    /// Vertical pair sums of a row.
    vs: &'a mut [[f32; 4]],
    /// Vertical pair weight sums of a row.
    vw: &'a mut [f32],
    /// `1 / n` of each pulled cell of a row.
    sc: &'a mut [f32],
}

/// Level 1 of the pyramid straight from the image (fast path). Per pair of rows: the
/// readable pixels (forbidden ones zeroed whole), their vertical sums in `f32` (integers,
/// exact in any order, so equal to the reference's order), the count of readable pixels
/// of each cell (its weight and scale), then the horizontal pairs ([`pair_scale`]).
#[inline(always)]
fn pull0_fast(
    arch: Arch,
    img: &ImageViewMut<'_>,
    forb: &[u8],
    b: &mut PullBufs<'_>,
    p: &mut [[f32; 4]],
    wt: &mut [f32],
) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (cw, ch) = (half(w), half(h));
    let ma = &mut b.ma[..w];
    let mb = &mut b.mb[..w];
    let vs = &mut b.vs[..w];
    let vw = &mut b.vw[..w];
    let sc = &mut b.sc[..cw];
    for j in 0..ch {
        let ya = 2 * j;
        let a = &img.pixels(ya as u32)[..w];
        let fa = &forb[ya * w..(ya + 1) * w];
        let two = ya + 1 < h;
        let b = &img.pixels(if two { ya as u32 + 1 } else { ya as u32 })[..w];
        let fb = &forb[if two {
            (ya + 1) * w..(ya + 2) * w
        } else {
            ya * w..(ya + 1) * w
        }];
        if two {
            for ((o, &x), &y) in vw.iter_mut().zip(fa).zip(fb) {
                *o = f32::from(u8::from(x == 0) + u8::from(y == 0));
            }
        } else {
            for (o, &x) in vw.iter_mut().zip(fa) {
                *o = f32::from(u8::from(x == 0));
            }
        }
        let pr = &mut p[j * cw..(j + 1) * cw];
        cell_scales(vw, &mut wt[j * cw..(j + 1) * cw], sc);
        // Pixels `[0, d)` by the AVX-512 or AVX2 kernel, the rest below.
        let d = match arch {
            #[cfg(target_arch = "x86_64")]
            Arch::V4(s) if two => pull0_pair_v4(s, (a, fa), (b, fb), sc, pr),
            #[cfg(target_arch = "x86_64")]
            Arch::V3(s) if two => pull0_pair_v3(s, (a, fa), (b, fb), sc, pr),
            _ => 0,
        };
        readable_row(&a[d..], &fa[d..], &mut ma[d..]);
        if two {
            readable_row(&b[d..], &fb[d..], &mut mb[d..]);
        } else {
            mb[d..].fill([0; 4]);
        }
        for ((o, &x), &y) in vs[d..]
            .as_flattened_mut()
            .iter_mut()
            .zip(ma[d..].as_flattened())
            .zip(mb[d..].as_flattened())
        {
            *o = f32::from(u16::from(x) + u16::from(y));
        }
        pair_scale(arch, &vs[d..], &sc[d / 2..], &mut pr[d / 2..w / 2]);
        if w % 2 == 1 {
            let (q, k) = (vs[w - 1], sc[cw - 1]);
            pr[cw - 1] = [q[0] * k, q[1] * k, q[2] * k, q[3] * k];
        }
    }
}

/// Level 1 cells `out[i]` of a pair of full rows `a`, `b` (masks `fa`, `fb`) at AVX-512,
/// 16 pixels (8 cells) at a time, in one pass: the forbidden pixels are zeroed whole by a
/// lane mask (so they never enter a sum), the rows added as 16-bit lanes, the even and odd
/// pixels of each pair gathered by a 64-bit permute and added (integers: exact, so equal
/// to the reference's order), then widened, converted and scaled by `sc`. Returns the
/// number of pixels done (a multiple of 16).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pull0_pair_v4(
    s: pulp::x86::V4,
    (a, fa): (&[[u8; 4]], &[u8]),
    (b, fb): (&[[u8; 4]], &[u8]),
    sc: &[f32],
    out: &mut [[f32; 4]],
) -> usize {
    use core::arch::x86_64::{__m128, __m128i, __m512, __m512i};
    let (f, bw) = (s.avx512f, s.avx512bw);
    let idx: __m512i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    let even: __m512i = bytemuck::cast([0i64, 2, 4, 6, 8, 10, 12, 14]);
    let odd: __m512i = bytemuck::cast([1i64, 3, 5, 7, 9, 11, 13, 15]);
    let zero: __m128i = bytemuck::cast([0u8; 16]);
    let (ac, _) = a.as_chunks::<16>();
    let (fac, _) = fa.as_chunks::<16>();
    let (bc, _) = b.as_chunks::<16>();
    let (fbc, _) = fb.as_chunks::<16>();
    let (kc, _) = sc.as_chunks::<8>();
    let (oc, _) = out.as_chunks_mut::<8>();
    let mut done = 0;
    for (((((a, fa), b), fb), k), o) in ac
        .iter()
        .zip(fac)
        .zip(bc)
        .zip(fbc)
        .zip(kc)
        .zip(oc.iter_mut())
    {
        let ka = bw._mm_cmpeq_epi8_mask(bytemuck::cast(*fa), zero);
        let kb = bw._mm_cmpeq_epi8_mask(bytemuck::cast(*fb), zero);
        let pa = f._mm512_maskz_mov_epi32(ka, bytemuck::cast(*a));
        let pb = f._mm512_maskz_mov_epi32(kb, bytemuck::cast(*b));
        let lo = bw._mm512_add_epi16(
            bw._mm512_cvtepu8_epi16(f._mm512_castsi512_si256(pa)),
            bw._mm512_cvtepu8_epi16(f._mm512_castsi512_si256(pb)),
        );
        let hi = bw._mm512_add_epi16(
            bw._mm512_cvtepu8_epi16(f._mm512_extracti64x4_epi64::<1>(pa)),
            bw._mm512_cvtepu8_epi16(f._mm512_extracti64x4_epi64::<1>(pb)),
        );
        let c = bw._mm512_add_epi16(
            f._mm512_permutex2var_epi64(lo, even, hi),
            f._mm512_permutex2var_epi64(lo, odd, hi),
        );
        let c0 = f._mm512_cvtepu16_epi32(f._mm512_castsi512_si256(c));
        let c1 = f._mm512_cvtepu16_epi32(f._mm512_extracti64x4_epi64::<1>(c));
        let k: &[[f32; 4]; 2] = bytemuck::cast_ref(k);
        let k0 = f._mm512_permutexvar_ps(
            idx,
            f._mm512_castps128_ps512(bytemuck::cast::<_, __m128>(k[0])),
        );
        let k1 = f._mm512_permutexvar_ps(
            idx,
            f._mm512_castps128_ps512(bytemuck::cast::<_, __m128>(k[1])),
        );
        let p: [__m512; 2] = [
            f._mm512_mul_ps(f._mm512_cvtepi32_ps(c0), k0),
            f._mm512_mul_ps(f._mm512_cvtepi32_ps(c1), k1),
        ];
        *o = bytemuck::cast(p);
        done += 16;
    }
    done
}

/// Level 1 cells `out[i]` of a pair of full rows `a`, `b` (masks `fa`, `fb`) at AVX2, 8
/// pixels (4 cells) at a time: [`pull0_pair_v4`]'s pass in 256-bit vectors. The forbidden
/// pixels are zeroed whole (their mask bytes widened to 32-bit lanes and compared with 0,
/// then and-ed with the pixels, so they never enter a sum), the pixels widened to 16 bits
/// by unpacking with zero (pixels `[0, 1 | 4, 5]` and `[2, 3 | 6, 7]`, the unpacks staying
/// in their 128-bit lanes), the rows added, the even and odd pixels of each pair gathered
/// by 64-bit unpacks and added (cells `[0, 1 | 2, 3]`; integers: exact, so equal to the
/// reference's order), then widened, converted and scaled by `sc`. Returns the number of
/// pixels done (a multiple of 8).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pull0_pair_v3(
    s: pulp::x86::V3,
    (a, fa): (&[[u8; 4]], &[u8]),
    (b, fb): (&[[u8; 4]], &[u8]),
    sc: &[f32],
    out: &mut [[f32; 4]],
) -> usize {
    use core::arch::x86_64::{__m128, __m128i, __m256, __m256i};
    let (x, x2) = (s.avx, s.avx2);
    let lo_idx: __m256i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1]);
    let hi_idx: __m256i = bytemuck::cast([2i32, 2, 2, 2, 3, 3, 3, 3]);
    let zero: __m256i = bytemuck::cast([0u8; 32]);
    // The pixels `p` with those whose mask byte is nonzero zeroed.
    let readable = |p: &[[u8; 4]; 8], f: &[u8; 8]| -> __m256i {
        let m: __m128i = bytemuck::cast([u64::from_ne_bytes(*f), 0]);
        let keep = x2._mm256_cmpeq_epi32(x2._mm256_cvtepu8_epi32(m), zero);
        x2._mm256_and_si256(keep, bytemuck::cast(*p))
    };
    let (ac, _) = a.as_chunks::<8>();
    let (fac, _) = fa.as_chunks::<8>();
    let (bc, _) = b.as_chunks::<8>();
    let (fbc, _) = fb.as_chunks::<8>();
    let (kc, _) = sc.as_chunks::<4>();
    let (oc, _) = out.as_chunks_mut::<4>();
    let mut done = 0;
    for (((((a, fa), b), fb), k), o) in ac
        .iter()
        .zip(fac)
        .zip(bc)
        .zip(fbc)
        .zip(kc)
        .zip(oc.iter_mut())
    {
        let pa = readable(a, fa);
        let pb = readable(b, fb);
        let lo = x2._mm256_add_epi16(
            x2._mm256_unpacklo_epi8(pa, zero),
            x2._mm256_unpacklo_epi8(pb, zero),
        );
        let hi = x2._mm256_add_epi16(
            x2._mm256_unpackhi_epi8(pa, zero),
            x2._mm256_unpackhi_epi8(pb, zero),
        );
        let c = x2._mm256_add_epi16(
            x2._mm256_unpacklo_epi64(lo, hi),
            x2._mm256_unpackhi_epi64(lo, hi),
        );
        let c0 = x2._mm256_cvtepu16_epi32(x._mm256_castsi256_si128(c));
        let c1 = x2._mm256_cvtepu16_epi32(x2._mm256_extracti128_si256::<1>(c));
        let k = x._mm256_castps128_ps256(bytemuck::cast::<_, __m128>(*k));
        let p: [__m256; 2] = [
            x._mm256_mul_ps(
                x._mm256_cvtepi32_ps(c0),
                x2._mm256_permutevar8x32_ps(k, lo_idx),
            ),
            x._mm256_mul_ps(
                x._mm256_cvtepi32_ps(c1),
                x2._mm256_permutevar8x32_ps(k, hi_idx),
            ),
        ];
        *o = bytemuck::cast(p);
        done += 8;
    }
    done
}

/// Cells `out[i]` of the next coarser level from two full rows `a`, `b` of a level at
/// AVX-512, 4 cells at a time: the vertical sums `a + b`, then [`pair_scale`]'s step, in
/// registers. Returns the number of fine cells done (a multiple of 8).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pull_pair_v4(
    s: pulp::x86::V4,
    a: &[[f32; 4]],
    b: &[[f32; 4]],
    sc: &[f32],
    out: &mut [[f32; 4]],
) -> usize {
    use core::arch::x86_64::{__m128, __m512, __m512i};
    let f = s.avx512f;
    let idx: __m512i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    let (ac, _) = a.as_chunks::<8>();
    let (bc, _) = b.as_chunks::<8>();
    let (kc, _) = sc.as_chunks::<4>();
    let (oc, _) = out.as_chunks_mut::<4>();
    let mut done = 0;
    for (((o, a), b), k) in oc.iter_mut().zip(ac).zip(bc).zip(kc) {
        let a: &[[[f32; 4]; 4]; 2] = bytemuck::cast_ref(a);
        let b: &[[[f32; 4]; 4]; 2] = bytemuck::cast_ref(b);
        let v0 = f._mm512_add_ps(bytemuck::cast(a[0]), bytemuck::cast(b[0]));
        let v1 = f._mm512_add_ps(bytemuck::cast(a[1]), bytemuck::cast(b[1]));
        let e = f._mm512_shuffle_f32x4::<0x88>(v0, v1);
        let d = f._mm512_shuffle_f32x4::<0xdd>(v0, v1);
        let k: __m128 = bytemuck::cast(*k);
        let k = f._mm512_permutexvar_ps(idx, f._mm512_castps128_ps512(k));
        let r: __m512 = f._mm512_mul_ps(f._mm512_add_ps(e, d), k);
        *o = bytemuck::cast(r);
        done += 8;
    }
    done
}

/// Cells `out[i]` of the next coarser level from two full rows `a`, `b` of a level at
/// AVX2, 4 cells at a time: the vertical sums `a + b`, the even and odd cells gathered by
/// 128-bit lane permutes and added, then scaled by `sc` ([`pair_scale`]'s step), in
/// registers and in the reference's order. Returns the number of fine cells done (a
/// multiple of 8).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn pull_pair_v3(
    s: pulp::x86::V3,
    a: &[[f32; 4]],
    b: &[[f32; 4]],
    sc: &[f32],
    out: &mut [[f32; 4]],
) -> usize {
    use core::arch::x86_64::{__m128, __m256, __m256i};
    let (x, x2) = (s.avx, s.avx2);
    let lo_idx: __m256i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1]);
    let hi_idx: __m256i = bytemuck::cast([2i32, 2, 2, 2, 3, 3, 3, 3]);
    let (ac, _) = a.as_chunks::<8>();
    let (bc, _) = b.as_chunks::<8>();
    let (kc, _) = sc.as_chunks::<4>();
    let (oc, _) = out.as_chunks_mut::<4>();
    let mut done = 0;
    for (((o, a), b), k) in oc.iter_mut().zip(ac).zip(bc).zip(kc) {
        let a: &[[[f32; 4]; 2]; 4] = bytemuck::cast_ref(a);
        let b: &[[[f32; 4]; 2]; 4] = bytemuck::cast_ref(b);
        let v: [__m256; 4] =
            std::array::from_fn(|i| x._mm256_add_ps(bytemuck::cast(a[i]), bytemuck::cast(b[i])));
        let pair = |v0: __m256, v1: __m256| {
            x._mm256_add_ps(
                x._mm256_permute2f128_ps::<0x20>(v0, v1),
                x._mm256_permute2f128_ps::<0x31>(v0, v1),
            )
        };
        let k = x._mm256_castps128_ps256(bytemuck::cast::<_, __m128>(*k));
        let r: [__m256; 2] = [
            x._mm256_mul_ps(pair(v[0], v[1]), x2._mm256_permutevar8x32_ps(k, lo_idx)),
            x._mm256_mul_ps(pair(v[2], v[3]), x2._mm256_permutevar8x32_ps(k, hi_idx)),
        ];
        *o = bytemuck::cast(r);
        done += 8;
    }
    done
}

/// The next coarser level (fast path): vertical pair sums over whole rows, then
/// horizontal pairs, in the reference's order.
#[inline(always)]
fn pull_fast(
    arch: Arch,
    (fw, fh): (usize, usize),
    fp: &[[f32; 4]],
    fwt: &[f32],
    b: &mut PullBufs<'_>,
    p: &mut [[f32; 4]],
    wt: &mut [f32],
) {
    let (cw, ch) = (half(fw), half(fh));
    let vs = &mut b.vs[..fw];
    let vw = &mut b.vw[..fw];
    let sc = &mut b.sc[..cw];
    for j in 0..ch {
        let a = &fp[2 * j * fw..(2 * j + 1) * fw];
        let aw = &fwt[2 * j * fw..(2 * j + 1) * fw];
        let two = 2 * j + 1 < fh;
        let pr = &mut p[j * cw..(j + 1) * cw];
        // Fine cells `[0, d)` by the AVX-512 or AVX2 kernel, the rest through `vs`.
        let mut d = 0;
        if two {
            let b = &fp[(2 * j + 1) * fw..(2 * j + 2) * fw];
            let bw = &fwt[(2 * j + 1) * fw..(2 * j + 2) * fw];
            for ((o, x), y) in vw.iter_mut().zip(aw).zip(bw) {
                *o = x + y;
            }
            cell_scales(vw, &mut wt[j * cw..(j + 1) * cw], sc);
            #[cfg(target_arch = "x86_64")]
            match arch {
                Arch::V4(s) => d = pull_pair_v4(s, a, b, sc, pr),
                Arch::V3(s) => d = pull_pair_v3(s, a, b, sc, pr),
                _ => {}
            }
            for ((o, x), y) in vs[d..]
                .as_flattened_mut()
                .iter_mut()
                .zip(a[d..].as_flattened())
                .zip(b[d..].as_flattened())
            {
                *o = x + y;
            }
        } else {
            for (o, x) in vw.iter_mut().zip(aw) {
                *o = x + 0.0;
            }
            cell_scales(vw, &mut wt[j * cw..(j + 1) * cw], sc);
            for (o, x) in vs.as_flattened_mut().iter_mut().zip(a.as_flattened()) {
                *o = x + 0.0;
            }
        }
        pair_scale(arch, &vs[d..], &sc[d / 2..], &mut pr[d / 2..fw / 2]);
        if fw % 2 == 1 {
            let (q, k) = (vs[fw - 1], sc[cw - 1]);
            pr[cw - 1] = [
                (q[0] + 0.0) * k,
                (q[1] + 0.0) * k,
                (q[2] + 0.0) * k,
                (q[3] + 0.0) * k,
            ];
        }
    }
}

/// The vertical lerp of fine row `y` over the coarse box `ur` of a `uw x uh` level whose
/// final colours `up` are stored over `ur`: `r[i - ur.x0] = 0.75 * up[j][i] + 0.25 *
/// up[j2][i]`.
#[inline(always)]
fn row_lerp(up: &[[f32; 4]], ur: Rect, uh: usize, y: usize, r: &mut [[f32; 4]]) {
    let n = ur.w();
    let (j, j2) = ((y >> 1).min(uh - 1) - ur.y0, tap2(y, uh) - ur.y0);
    let a = &up[j * n..(j + 1) * n];
    let b = &up[j2 * n..(j2 + 1) * n];
    for ((o, a), b) in r[..n].iter_mut().zip(a).zip(b) {
        *o = lerp(*a, *b);
    }
}

/// `o[i] = [lerp(b[i], a[i]), lerp(b[i], c[i])]` for every `i` (the slices of equal
/// length): the interior of the horizontal bilinear step. At AVX-512 (AVX2) four (two)
/// coarse cells at a time, the results interleaved back by lane permutes (the loop
/// vectoriser transposes to planar and back instead); the same products and sums, no FMA.
#[inline(always)]
fn lerp_pairs(arch: Arch, a: &[[f32; 4]], b: &[[f32; 4]], c: &[[f32; 4]], o: &mut [[[f32; 4]; 2]]) {
    let n = o.len();
    let (a, b, c) = (&a[..n], &b[..n], &c[..n]);
    let done = match arch {
        #[cfg(target_arch = "x86_64")]
        Arch::V4(s) => {
            use core::arch::x86_64::{__m512, __m512i};
            let f = s.avx512f;
            let q3: __m512 = bytemuck::cast([0.75f32; 16]);
            let q1: __m512 = bytemuck::cast([0.25f32; 16]);
            let lo: __m512i =
                bytemuck::cast([0i32, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23]);
            let hi: __m512i = bytemuck::cast([
                8i32, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31,
            ]);
            let (ac, _) = a.as_chunks::<4>();
            let (bc, _) = b.as_chunks::<4>();
            let (cc, _) = c.as_chunks::<4>();
            let (oc, _) = o.as_chunks_mut::<4>();
            for (((o, a), b), c) in oc.iter_mut().zip(ac).zip(bc).zip(cc) {
                let va: __m512 = bytemuck::cast(*a);
                let vb: __m512 = bytemuck::cast(*b);
                let vc: __m512 = bytemuck::cast(*c);
                let nb = f._mm512_mul_ps(q3, vb);
                let e = f._mm512_add_ps(nb, f._mm512_mul_ps(q1, va));
                let d = f._mm512_add_ps(nb, f._mm512_mul_ps(q1, vc));
                let r: [__m512; 2] = [
                    f._mm512_permutex2var_ps(e, lo, d),
                    f._mm512_permutex2var_ps(e, hi, d),
                ];
                *o = bytemuck::cast(r);
            }
            n / 4 * 4
        }
        #[cfg(target_arch = "x86_64")]
        Arch::V3(s) => {
            use core::arch::x86_64::__m256;
            let q3: __m256 = bytemuck::cast([0.75f32; 8]);
            let q1: __m256 = bytemuck::cast([0.25f32; 8]);
            let (ac, _) = a.as_chunks::<2>();
            let (bc, _) = b.as_chunks::<2>();
            let (cc, _) = c.as_chunks::<2>();
            let (oc, _) = o.as_chunks_mut::<2>();
            for (((o, a), b), c) in oc.iter_mut().zip(ac).zip(bc).zip(cc) {
                let va: __m256 = bytemuck::cast(*a);
                let vb: __m256 = bytemuck::cast(*b);
                let vc: __m256 = bytemuck::cast(*c);
                let nb = s.avx._mm256_mul_ps(q3, vb);
                let e = s.avx._mm256_add_ps(nb, s.avx._mm256_mul_ps(q1, va));
                let d = s.avx._mm256_add_ps(nb, s.avx._mm256_mul_ps(q1, vc));
                let r: [__m256; 2] = [
                    s.avx._mm256_permute2f128_ps::<0x20>(e, d),
                    s.avx._mm256_permute2f128_ps::<0x31>(e, d),
                ];
                *o = bytemuck::cast(r);
            }
            n / 2 * 2
        }
        _ => 0,
    };
    for i in done..n {
        o[i] = [lerp(b[i], a[i]), lerp(b[i], c[i])];
    }
}

/// The horizontal lerp of fine columns `[x0, x1)` from the coarse row `r` (stored from
/// coarse column `rx0`, on an axis of `uw` cells): `u[x - x0] = lerp(r[x >> 1],
/// r[tap2(x)])`. Interior pairs of columns `(2i, 2i + 1)` run as one branch-free loop.
#[inline(always)]
fn col_lerp(
    arch: Arch,
    r: &[[f32; 4]],
    rx0: usize,
    uw: usize,
    x0: usize,
    x1: usize,
    u: &mut [[f32; 4]],
) {
    let u = &mut u[..x1 - x0];
    let one = |x: usize| lerp(r[(x >> 1).min(uw - 1) - rx0], r[tap2(x, uw) - rx0]);
    // Pairs with unclamped taps: 1 <= i <= uw - 2, both columns inside [x0, x1).
    let ia = x0.div_ceil(2).max(1);
    let ib = (x1 / 2).min(uw.saturating_sub(1));
    if ia >= ib {
        for (k, o) in u.iter_mut().enumerate() {
            *o = one(x0 + k);
        }
        return;
    }
    for x in x0..2 * ia {
        u[x - x0] = one(x);
    }
    let a = &r[ia - 1 - rx0..ib - 1 - rx0];
    let b = &r[ia - rx0..ib - rx0];
    let c = &r[ia + 1 - rx0..ib + 1 - rx0];
    let (o, _) = u[2 * ia - x0..2 * ib - x0].as_chunks_mut::<2>();
    lerp_pairs(arch, a, b, c, o);
    for x in 2 * ib..x1 {
        u[x - x0] = one(x);
    }
}

/// `o[i] = blend(p[i], w[i], u[i])` for every `i < o.len()` (the other slices at least as
/// long): a row of a push level. At AVX2 and AVX-512 four cells at a time, `1 - w` per cell
/// broadcast to its four channels by lane permutes (the loop vectoriser transposes the interleaved
/// cells to planar and back instead); the same products and sums, no FMA.
#[inline(always)]
fn blend_row(arch: Arch, p: &[[f32; 4]], w: &[f32], u: &[[f32; 4]], o: &mut [[f32; 4]]) {
    let n = o.len();
    let (p, w, u) = (&p[..n], &w[..n], &u[..n]);
    let done = match arch {
        #[cfg(target_arch = "x86_64")]
        Arch::V3(s) => {
            use core::arch::x86_64::{__m128, __m256, __m256i};
            let (x, x2) = (s.avx, s.avx2);
            let one: __m128 = bytemuck::cast([1.0f32; 4]);
            let lo_idx: __m256i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1]);
            let hi_idx: __m256i = bytemuck::cast([2i32, 2, 2, 2, 3, 3, 3, 3]);
            let (pc, _) = p.as_chunks::<4>();
            let (wc, _) = w.as_chunks::<4>();
            let (uc, _) = u.as_chunks::<4>();
            let (oc, _) = o.as_chunks_mut::<4>();
            for (((o, p), w), u) in oc.iter_mut().zip(pc).zip(wc).zip(uc) {
                let k = x._mm256_castps128_ps256(s.sse._mm_sub_ps(one, bytemuck::cast(*w)));
                let p: &[[[f32; 4]; 2]; 2] = bytemuck::cast_ref(p);
                let u: &[[[f32; 4]; 2]; 2] = bytemuck::cast_ref(u);
                let r: [__m256; 2] = [
                    x._mm256_add_ps(
                        bytemuck::cast(p[0]),
                        x._mm256_mul_ps(
                            x2._mm256_permutevar8x32_ps(k, lo_idx),
                            bytemuck::cast(u[0]),
                        ),
                    ),
                    x._mm256_add_ps(
                        bytemuck::cast(p[1]),
                        x._mm256_mul_ps(
                            x2._mm256_permutevar8x32_ps(k, hi_idx),
                            bytemuck::cast(u[1]),
                        ),
                    ),
                ];
                *o = bytemuck::cast(r);
            }
            n / 4 * 4
        }
        #[cfg(target_arch = "x86_64")]
        Arch::V4(s) => {
            use core::arch::x86_64::{__m128, __m512, __m512i};
            let f = s.avx512f;
            let one: __m128 = bytemuck::cast([1.0f32; 4]);
            let idx: __m512i = bytemuck::cast([0i32, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
            let (pc, _) = p.as_chunks::<4>();
            let (wc, _) = w.as_chunks::<4>();
            let (uc, _) = u.as_chunks::<4>();
            let (oc, _) = o.as_chunks_mut::<4>();
            for (((o, p), w), u) in oc.iter_mut().zip(pc).zip(wc).zip(uc) {
                let k = f._mm512_castps128_ps512(s.sse._mm_sub_ps(one, bytemuck::cast(*w)));
                let k = f._mm512_permutexvar_ps(idx, k);
                let r: __m512 =
                    f._mm512_add_ps(bytemuck::cast(*p), f._mm512_mul_ps(k, bytemuck::cast(*u)));
                *o = bytemuck::cast(r);
            }
            n / 4 * 4
        }
        _ => 0,
    };
    for i in done..n {
        o[i] = blend(p[i], w[i], u[i]);
    }
}

/// The pull-push pyramid of the fast path, in `s`: the full pull, then the push down to
/// level 1 inside the boxes that level 0's bilinear taps reach from `bbox`. Afterwards
/// `s.up` holds level 1's final colours over `s.rects[0]`. Returns `false` when no pixel
/// is readable.
#[inline(always)]
fn pyramid(arch: Arch, s: &mut Scratch, img: &ImageViewMut<'_>, forb: &[u8], bbox: Rect) -> bool {
    let (w, h) = (img.width() as usize, img.height() as usize);
    // Pull.
    s.dims.clear();
    let (mut lw, mut lh) = (half(w), half(h));
    s.dims.push((lw, lh));
    while lw > 1 || lh > 1 {
        (lw, lh) = (half(lw), half(lh));
        s.dims.push((lw, lh));
    }
    let nl = s.dims.len();
    if s.p.len() < nl {
        s.p.resize_with(nl, Vec::new);
        s.wt.resize_with(nl, Vec::new);
    }
    let mut bufs = PullBufs {
        ma: slot(&mut s.ma, w),
        mb: slot(&mut s.mb, w),
        vs: slot(&mut s.vs, w),
        vw: slot(&mut s.vw, w),
        sc: slot(&mut s.sc, half(w)),
    };
    {
        let (cw, ch) = s.dims[0];
        let p = slot(&mut s.p[0], cw * ch);
        let wt = slot(&mut s.wt[0], cw * ch);
        pull0_fast(arch, img, forb, &mut bufs, p, wt);
    }
    for k in 1..nl {
        let (fd, cd) = (s.dims[k - 1], s.dims[k]);
        let (fine_p, coarse_p) = s.p.split_at_mut(k);
        let (fine_w, coarse_w) = s.wt.split_at_mut(k);
        let p = slot(&mut coarse_p[0], cd.0 * cd.1);
        let wt = slot(&mut coarse_w[0], cd.0 * cd.1);
        pull_fast(
            arch,
            fd,
            &fine_p[k - 1][..fd.0 * fd.1],
            &fine_w[k - 1][..fd.0 * fd.1],
            &mut bufs,
            p,
            wt,
        );
    }
    let tw = s.wt[nl - 1][0];
    if tw == 0.0 {
        return false;
    }
    // The boxes each level must be known in: level 0's is the target's.
    s.rects.clear();
    let mut rect = bbox;
    for &(cw, ch) in &s.dims {
        rect = coarse_rect(rect, cw, ch);
        s.rects.push(rect);
    }
    // Push from the top down to level 1.
    let t = s.p[nl - 1][0];
    s.up.clear();
    s.up.push([t[0] / tw, t[1] / tw, t[2] / tw, t[3] / tw]);
    let rw = slot(&mut s.r, half(w));
    let uu = slot(&mut s.u, half(w));
    for k in (0..nl - 1).rev() {
        let (lw, _) = s.dims[k];
        let (uw, uh) = s.dims[k + 1];
        let (rect, ur) = (s.rects[k], s.rects[k + 1]);
        let cur = slot(&mut s.cur, rect.w() * (rect.y1 - rect.y0));
        let (p, wt) = (&s.p[k], &s.wt[k]);
        for y in rect.y0..rect.y1 {
            row_lerp(&s.up, ur, uh, y, rw);
            col_lerp(arch, rw, ur.x0, uw, rect.x0, rect.x1, uu);
            let o = &mut cur[(y - rect.y0) * rect.w()..(y - rect.y0 + 1) * rect.w()];
            let pr = &p[y * lw + rect.x0..y * lw + rect.x1];
            let wr = &wt[y * lw + rect.x0..y * lw + rect.x1];
            blend_row(arch, pr, wr, uu, o);
        }
        std::mem::swap(&mut s.up, &mut s.cur);
    }
    true
}

/// Level 0's upsampled colours of row `y` over columns `[x0, x1)` (inside the box the
/// pyramid was built for), into `s.u`.
#[inline(always)]
fn level0_row(arch: Arch, s: &mut Scratch, y: usize, x0: usize, x1: usize) {
    let (uw, uh) = s.dims[0];
    let ur = s.rects[0];
    let r = slot(&mut s.r, ur.w());
    row_lerp(&s.up, ur, uh, y, r);
    let u = slot(&mut s.u, x1 - x0);
    col_lerp(arch, r, ur.x0, uw, x0, x1, u);
}

/// `(v + 0.5) as u8` (NaN and negatives to 0, above 255 to 255), written so that it
/// vectorises (a saturating `as` does not): clamp to `[0, 255]`, round to nearest by adding
/// 2^23 (the integer lands in the low mantissa bits), and step down by one where that
/// rounded up, which gives the floor.
#[inline(always)]
#[allow(
    clippy::manual_clamp,
    reason = "clamp keeps NaN; max maps it to 0 like `as`"
)]
pub(crate) fn to_u8(v: f32) -> u8 {
    const MAGIC: f32 = 8_388_608.0;
    let t = (v + 0.5).max(0.0).min(255.0);
    let m = t + MAGIC;
    (m.to_bits().wrapping_sub(u32::from(m - MAGIC > t)) & 0xff) as u8
}

/// Rounds the colours `u` to 8 bits (grain 0) into `out`, clamping each colour channel to
/// alpha when `premul`. Clamping before rounding equals clamping after (rounding is
/// monotone), and the flat loops vectorise.
#[inline(always)]
fn round_row(u: &[[f32; 4]], premul: bool, out: &mut [[u8; 4]]) {
    let out = &mut out[..u.len()];
    if premul {
        for (o, c) in out.iter_mut().zip(u) {
            let a = c[3];
            *o = [c[0].min(a), c[1].min(a), c[2].min(a), a].map(to_u8);
        }
    } else {
        for (o, &v) in out.as_flattened_mut().iter_mut().zip(u.as_flattened()) {
            *o = to_u8(v);
        }
    }
}

/// Writes the rounded colours `v` to the pixels of `row` that are forbidden (`f != 0`) and
/// targeted (`t != 0`); a readable target pixel keeps its value (clamped to its alpha when
/// `premul`), exactly as rounding it through `f32` would give.
#[inline(always)]
fn write_row(row: &mut [[u8; 4]], t: &[u8], f: &[u8], v: &[[u8; 4]], premul: bool) {
    let row = &mut row[..t.len()];
    for (((q, &m), &fb), v) in row.iter_mut().zip(t).zip(f).zip(v) {
        let put = 0u32.wrapping_sub(u32::from((m != 0) & (fb != 0)));
        let old = u32::from_ne_bytes(*q);
        *q = ((old & !put) | (u32::from_ne_bytes(*v) & put)).to_ne_bytes();
    }
    if premul {
        for ((q, &m), &fb) in row.iter_mut().zip(t).zip(f) {
            if m != 0 && fb == 0 {
                let a = q[3];
                q[0] = q[0].min(a);
                q[1] = q[1].min(a);
                q[2] = q[2].min(a);
            }
        }
    }
}

/// The fast path at CPU level `arch`: equal to [`inpaint_ref`].
pub(crate) fn inpaint_with(
    arch: Arch,
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    grain: u8,
    color: [u8; 3],
) {
    struct Run<'a, 'b, 'c> {
        arch: Arch,
        s: &'a mut Scratch,
        img: &'a mut ImageViewMut<'b>,
        target: &'a [u8],
        frame: &'a OpFrame<'c>,
        grain: u8,
        color: [u8; 3],
        bbox: Rect,
    }
    impl WithSimd for Run<'_, '_, '_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Run {
                arch,
                s,
                img,
                target,
                frame,
                grain,
                color,
                bbox,
            } = self;
            let w = img.width() as usize;
            let forb = frame.forbidden;
            if !pyramid(arch, s, img, forb, bbox) {
                super::fill::fill_ref(img, target, opaque(color, img.alpha()));
                return;
            }
            // Level 0, target pixels only.
            let premul = img.alpha() == AlphaMode::Premultiplied;
            let seed = if grain > 0 { grain_seed(frame) } else { 0 };
            for y in bbox.y0..bbox.y1 {
                let t = &target[y * w..(y + 1) * w];
                let Some((x0, x1)) = nonzero_span(t) else {
                    continue;
                };
                level0_row(arch, s, y, x0, x1);
                let t = &t[x0..x1];
                let f = &forb[y * w + x0..y * w + x1];
                let row = &mut img.pixels_mut(y as u32)[x0..x1];
                let u = &s.u[..x1 - x0];
                if grain == 0 {
                    let v = slot(&mut s.q, x1 - x0);
                    round_row(u, premul, v);
                    write_row(row, t, f, v, premul);
                } else {
                    let rh = row_hash(seed, frame.origin.1.wrapping_add(y as u64));
                    for (k, (((q, &m), &fb), u)) in row.iter_mut().zip(t).zip(f).zip(u).enumerate()
                    {
                        if m == 0 {
                            continue;
                        }
                        let c = if fb == 0 {
                            [q[0] as f32, q[1] as f32, q[2] as f32, q[3] as f32]
                        } else {
                            *u
                        };
                        let hx = px_hash(rh, frame.origin.0.wrapping_add((x0 + k) as u64));
                        let mut v = finish(c, hx, grain);
                        if premul {
                            v[0] = v[0].min(v[3]);
                            v[1] = v[1].min(v[3]);
                            v[2] = v[2].min(v[3]);
                        }
                        *q = v;
                    }
                }
            }
        }
    }
    check_masks(img, target, frame);
    if img.width() == 1 && img.height() == 1 {
        // No pyramid to build: the reference is the whole job.
        inpaint_ref(img, target, frame, grain, color);
        return;
    }
    let Some(bbox) = mask_bbox(target, img.width() as usize) else {
        return;
    };
    let mut s = take_scratch();
    arch.dispatch(Run {
        arch,
        s: &mut s,
        img,
        target,
        frame,
        grain,
        color,
        bbox,
    });
    give_scratch(s);
}

/// The tight RGBA8 copy of the box `region` of `img` in which every forbidden pixel is
/// inpainted (grain 0, fallback `color`), at CPU level `arch`: equal to the same box of a
/// whole copy of `img` inpainted by [`inpaint_ref`] with `forbidden` as target. Reads only
/// readable pixels of `img`.
pub(crate) fn inpainted_region_with(
    arch: Arch,
    img: &ImageViewMut<'_>,
    frame: &OpFrame<'_>,
    color: [u8; 3],
    region: Rect,
    out: &mut Vec<u8>,
) {
    struct Run<'a, 'b, 'c> {
        arch: Arch,
        s: &'a mut Scratch,
        img: &'a ImageViewMut<'b>,
        frame: &'a OpFrame<'c>,
        color: [u8; 3],
        region: Rect,
        out: &'a mut [u8],
    }
    impl WithSimd for Run<'_, '_, '_> {
        type Output = ();
        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) {
            let Run {
                arch,
                s,
                img,
                frame,
                color,
                region,
                out,
            } = self;
            let w = img.width() as usize;
            let forb = frame.forbidden;
            let rw = region.w();
            let (out, _) = out.as_chunks_mut::<4>();
            // The readable pixels as they are.
            for y in region.y0..region.y1 {
                let o = &mut out[(y - region.y0) * rw..(y - region.y0 + 1) * rw];
                let src = &img.pixels(y as u32)[region.x0..region.x1];
                let f = &forb[y * w + region.x0..y * w + region.x1];
                for ((o, q), &fb) in o.iter_mut().zip(src).zip(f) {
                    *o = if fb == 0 { *q } else { [0; 4] };
                }
            }
            let Some(fbox) = mask_bbox_in(forb, w, region) else {
                return;
            };
            if img.width() == 1 && img.height() == 1 || !pyramid(arch, s, img, forb, fbox) {
                // Nothing readable (a 1x1 forbidden image has nothing readable either).
                let px = opaque(color, img.alpha());
                for y in fbox.y0..fbox.y1 {
                    let o = &mut out[(y - region.y0) * rw..(y - region.y0 + 1) * rw];
                    let f = &forb[y * w + region.x0..y * w + region.x1];
                    for (o, &fb) in o.iter_mut().zip(f) {
                        if fb != 0 {
                            *o = px;
                        }
                    }
                }
                return;
            }
            let premul = img.alpha() == AlphaMode::Premultiplied;
            for y in fbox.y0..fbox.y1 {
                let f = &forb[y * w + fbox.x0..y * w + fbox.x1];
                let Some((a, b)) = nonzero_span(f) else {
                    continue;
                };
                let (x0, x1) = (fbox.x0 + a, fbox.x0 + b);
                level0_row(arch, s, y, x0, x1);
                let o = &mut out
                    [(y - region.y0) * rw + x0 - region.x0..(y - region.y0) * rw + x1 - region.x0];
                let f = &f[a..b];
                let v = slot(&mut s.q, x1 - x0);
                round_row(&s.u[..x1 - x0], premul, v);
                for ((o, &fb), v) in o.iter_mut().zip(f).zip(v.iter()) {
                    let put = 0u32.wrapping_sub(u32::from(fb != 0));
                    let old = u32::from_ne_bytes(*o);
                    *o = ((old & !put) | (u32::from_ne_bytes(*v) & put)).to_ne_bytes();
                }
            }
        }
    }
    assert_eq!(
        frame.forbidden.len(),
        img.width() as usize * img.height() as usize,
        "forbidden mask of the image's size expected"
    );
    // Every byte is written below (readable pixels copied, the others zeroed, then the
    // forbidden ones inpainted), so the buffer is only grown, never cleared.
    let n = 4 * region.w() * (region.y1 - region.y0);
    if out.len() < n {
        out.resize(n, 0);
    }
    out.truncate(n);
    let mut s = take_scratch();
    arch.dispatch(Run {
        arch,
        s: &mut s,
        img,
        frame,
        color,
        region,
        out,
    });
    give_scratch(s);
}

/// Inpaints at the CPU level [`crate::simd`] picks.
pub(crate) fn inpaint(
    img: &mut ImageViewMut<'_>,
    target: &[u8],
    frame: &OpFrame<'_>,
    grain: u8,
    color: [u8; 3],
) {
    inpaint_with(crate::simd::arch(), img, target, frame, grain, color);
}

#[cfg(test)]
mod tests {
    use super::*;
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

    /// A random mask of `n` bytes with about `density / 256` of them set (to various
    /// nonzero values).
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

    fn frame<'a>(key: &'a RedactionKey, forbidden: &'a [u8], origin: (u64, u64)) -> OpFrame<'a> {
        OpFrame {
            origin,
            z: 17,
            tile_px: 256,
            key,
            forbidden,
        }
    }

    /// Runs `f` (reference when `arch` is `None`) on a copy of `base`.
    #[allow(clippy::too_many_arguments)]
    fn run(
        arch: Option<Arch>,
        base: &[u8],
        w: u32,
        h: u32,
        stride: usize,
        alpha: AlphaMode,
        target: &[u8],
        fr: &OpFrame<'_>,
        grain: u8,
        color: [u8; 3],
    ) -> Vec<u8> {
        let mut out = base.to_vec();
        let mut v = ImageViewMut::new(&mut out, w, h, stride, alpha).unwrap();
        match arch {
            Some(a) => inpaint_with(a, &mut v, target, fr, grain, color),
            None => inpaint_ref(&mut v, target, fr, grain, color),
        }
        out
    }

    /// Every level equals the reference exactly, on random sizes (odd, 1 pixel, widths
    /// that are not multiples of any lane count), strides with padding, random masks
    /// (target not always inside forbidden), both alpha modes, with and without grain;
    /// the reference writes only target pixels (never the padding).
    #[test]
    fn to_u8_equals_the_saturating_cast() {
        let mut specials = vec![
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            -0.0,
            0.0,
            -0.5,
            -0.49999997,
            -1.0,
            254.5,
            255.0,
            255.49998,
            255.5,
            256.0,
            1e30,
            -1e30,
            f32::MIN_POSITIVE,
        ];
        // Every multiple of 1/64 and its neighbours one ulp either side, over [-2, 258].
        let mut checked = 0usize;
        for k in -128..=16512i32 {
            let v = k as f32 / 64.0;
            specials.extend([v, v.next_up(), v.next_down()]);
        }
        for v in specials {
            assert_eq!(to_u8(v), (v + 0.5) as u8, "v = {v:?}");
            checked += 1;
        }
        assert!(checked > 49_000, "{checked} values checked");
    }

    /// The division-free scale equals the reference's `w' / ws` bit for bit at every weight
    /// sum the pyramid can hold.
    #[test]
    fn inv_count_equals_the_division() {
        assert_eq!(inv_count(0.0).to_bits(), 0f32.to_bits());
        for n in 1..=4u8 {
            let ws = f32::from(n);
            assert_eq!(inv_count(ws).to_bits(), (ws.min(1.0) / ws).to_bits(), "{n}");
        }
    }

    #[test]
    fn fast_equals_reference() {
        const CASES: u32 = 96;
        let config = Config {
            cases: CASES,
            rng_seed: RngSeed::Fixed(0x1a9a),
            failure_persistence: None,
            ..Config::default()
        };
        let cases = AtomicUsize::new(0);
        let levels_checked = AtomicUsize::new(0);
        let strategy = (
            1u32..90,
            1u32..40,
            0usize..9,
            any::<u64>(),
            any::<u8>(),
            any::<u8>(),
            prop_oneof![Just(0u8), 1u8..=32],
            any::<bool>(),
            any::<[u8; 3]>(),
        );
        TestRunner::new(config)
            .run(
                &strategy,
                |(w, h, pad, seed, fd, td, grain, premul, color)| {
                    let stride = 4 * w as usize + pad;
                    let len = stride * (h as usize - 1) + 4 * w as usize + pad.min(3);
                    let base = bytes(seed, len);
                    let n = (w * h) as usize;
                    let forb = mask(seed ^ 1, n, fd);
                    // Mostly inside forbidden, sometimes not.
                    let target: Vec<u8> = mask(seed ^ 2, n, td)
                        .iter()
                        .zip(&forb)
                        .enumerate()
                        .map(|(i, (&t, &f))| if i % 7 == 0 { t } else { t & f })
                        .collect();
                    let alpha = if premul {
                        AlphaMode::Premultiplied
                    } else {
                        AlphaMode::Straight
                    };
                    let key = RedactionKey::from_bytes([7; 32]);
                    let fr = frame(&key, &forb, (seed >> 40, seed & 0xff_ffff));
                    let want = run(None, &base, w, h, stride, alpha, &target, &fr, grain, color);
                    for y in 0..h as usize {
                        for x in 0..stride {
                            let i = y * stride + x;
                            if i < len
                                && (x >= 4 * w as usize || target[y * w as usize + x / 4] == 0)
                            {
                                prop_assert_eq!(want[i], base[i], "non-target byte {} changed", i);
                            }
                        }
                    }
                    for arch in crate::simd::levels() {
                        let got = run(
                            Some(arch),
                            &base,
                            w,
                            h,
                            stride,
                            alpha,
                            &target,
                            &fr,
                            grain,
                            color,
                        );
                        prop_assert_eq!(&got, &want, "{:?} {}x{}", arch, w, h);
                        levels_checked.fetch_add(1, Ordering::Relaxed);
                    }
                    cases.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                },
            )
            .unwrap();
        let levels = crate::simd::levels().len();
        assert_eq!(cases.load(Ordering::Relaxed), CASES as usize);
        assert_eq!(
            levels_checked.load(Ordering::Relaxed),
            CASES as usize * levels
        );
    }

    /// Larger and lopsided sizes, at every level.
    #[test]
    fn fast_equals_reference_large() {
        for (w, h) in [(300u32, 257u32), (1, 500), (513, 3), (256, 256), (1025, 2)] {
            let n = (w * h) as usize;
            let base = bytes(u64::from(w * 31 + h), 4 * n);
            // A disc plus scattered pixels.
            let forb: Vec<u8> = (0..n)
                .map(|i| {
                    let (x, y) = ((i % w as usize) as f64, (i / w as usize) as f64);
                    let d = (x - w as f64 * 0.4).hypot(y - h as f64 * 0.6);
                    u8::from(d < w.min(h) as f64 * 0.3 || i % 97 == 0)
                })
                .collect();
            let key = RedactionKey::from_bytes([3; 32]);
            let fr = frame(&key, &forb, (1 << 20, 77));
            for grain in [0, 9] {
                let want = run(
                    None,
                    &base,
                    w,
                    h,
                    4 * w as usize,
                    AlphaMode::Straight,
                    &forb,
                    &fr,
                    grain,
                    [1, 2, 3],
                );
                for arch in crate::simd::levels() {
                    let got = run(
                        Some(arch),
                        &base,
                        w,
                        h,
                        4 * w as usize,
                        AlphaMode::Straight,
                        &forb,
                        &fr,
                        grain,
                        [1, 2, 3],
                    );
                    assert!(got == want, "{arch:?} {w}x{h} grain {grain}");
                }
            }
        }
    }

    /// Two images that differ only at forbidden pixels give the same bytes, with and
    /// without grain, at every level and in the reference.
    #[test]
    fn forbidden_pixels_never_influence() {
        let (w, h) = (97u32, 61u32);
        let n = (w * h) as usize;
        let a = bytes(5, 4 * n);
        let forb = mask(6, n, 90);
        let mut b = a.clone();
        for (i, px) in b.chunks_exact_mut(4).enumerate() {
            if forb[i] != 0 {
                px.copy_from_slice(&[255 - px[0], px[1] ^ 0x5a, 0, 255]);
            }
        }
        assert_ne!(a, b);
        // Target: forbidden plus some readable pixels.
        let target: Vec<u8> = forb
            .iter()
            .enumerate()
            .map(|(i, &f)| f | u8::from(i % 11 == 0))
            .collect();
        let key = RedactionKey::from_bytes([9; 32]);
        let fr = frame(&key, &forb, (4000, 9000));
        for grain in [0, 16] {
            let mut archs: Vec<Option<Arch>> = vec![None];
            archs.extend(crate::simd::levels().into_iter().map(Some));
            for arch in archs {
                let oa = run(
                    arch,
                    &a,
                    w,
                    h,
                    4 * w as usize,
                    AlphaMode::Straight,
                    &target,
                    &fr,
                    grain,
                    [0; 3],
                );
                let ob = run(
                    arch,
                    &b,
                    w,
                    h,
                    4 * w as usize,
                    AlphaMode::Straight,
                    &target,
                    &fr,
                    grain,
                    [0; 3],
                );
                // Equal at every target pixel; elsewhere each keeps its own input.
                for i in 0..n {
                    if target[i] != 0 {
                        assert_eq!(oa[4 * i..4 * i + 4], ob[4 * i..4 * i + 4], "pixel {i}");
                    } else {
                        assert_eq!(oa[4 * i..4 * i + 4], a[4 * i..4 * i + 4]);
                    }
                }
            }
        }
    }

    /// Same input twice, same bytes; another key changes the grain (and only the grain);
    /// the grain is anchored to world pixels (same noise at a world pixel whatever the
    /// image's origin).
    #[test]
    fn grain_is_keyed_deterministic_and_world_anchored() {
        let (w, h) = (64u32, 48u32);
        let n = (w * h) as usize;
        let base: Vec<u8> = (0..n).flat_map(|_| [120u8, 128, 136, 255]).collect();
        let forb = vec![1u8; n / 2]
            .into_iter()
            .chain(vec![0u8; n - n / 2])
            .collect::<Vec<_>>();
        let k1 = RedactionKey::from_bytes([1; 32]);
        let k2 = RedactionKey::from_bytes([2; 32]);
        let go = |key: &RedactionKey, origin: (u64, u64), grain: u8| {
            let fr = frame(key, &forb, origin);
            run(
                None,
                &base,
                w,
                h,
                4 * w as usize,
                AlphaMode::Straight,
                &forb,
                &fr,
                grain,
                [0; 3],
            )
        };
        let a = go(&k1, (1000, 2000), 10);
        assert_eq!(a, go(&k1, (1000, 2000), 10));
        let b = go(&k2, (1000, 2000), 10);
        assert_ne!(a, b);
        let plain = go(&k1, (1000, 2000), 0);
        let noise = |img: &[u8]| -> Vec<i32> {
            img.iter()
                .zip(&plain)
                .map(|(&x, &y)| i32::from(x) - i32::from(y))
                .collect()
        };
        let na = noise(&a);
        assert!(na.iter().all(|d| d.abs() <= 10));
        assert!(na.iter().any(|&d| d != 0));
        // Alpha untouched by grain.
        assert!(na.chunks_exact(4).all(|p| p[3] == 0));
        // The image moved by (3, 1) world pixels: the noise follows the world.
        let c = go(&k1, (1003, 2001), 10);
        let nc = noise(&c);
        for y in 0..(h as usize - 1) {
            for x in 0..(w as usize - 3) {
                let i = y * w as usize + x + 3 + w as usize; // world (1003 + x, ...) in a
                let j = y * w as usize + x; // the same world pixel in c
                if forb[i] != 0 && forb[j] != 0 {
                    assert_eq!(na[4 * i..4 * i + 3], nc[4 * j..4 * j + 3]);
                }
            }
        }
    }

    /// Readable pixels of one colour: every target pixel is exactly that colour.
    #[test]
    fn constant_surroundings_give_that_colour() {
        for (w, h) in [(1u32, 1u32), (2, 1), (37, 23), (128, 128)] {
            let n = (w * h) as usize;
            let mut base: Vec<u8> = (0..n).flat_map(|_| [17u8, 200, 99, 230]).collect();
            let forb: Vec<u8> = (0..n).map(|i| u8::from(i % 5 != 0)).collect();
            for (i, px) in base.chunks_exact_mut(4).enumerate() {
                if forb[i] != 0 {
                    px.copy_from_slice(&bytes(i as u64, 4));
                }
            }
            let key = RedactionKey::from_bytes([0; 32]);
            let fr = frame(&key, &forb, (0, 0));
            let mut archs: Vec<Option<Arch>> = vec![None];
            archs.extend(crate::simd::levels().into_iter().map(Some));
            for arch in archs {
                let out = run(
                    arch,
                    &base,
                    w,
                    h,
                    4 * w as usize,
                    AlphaMode::Straight,
                    &forb,
                    &fr,
                    0,
                    [0; 3],
                );
                for px in out.chunks_exact(4) {
                    assert_eq!(px, [17, 200, 99, 230], "{w}x{h}");
                }
            }
        }
    }

    /// No readable pixel: the fallback colour, opaque, everywhere in the target.
    #[test]
    fn nothing_readable_gives_the_fallback() {
        let (w, h) = (33u32, 17u32);
        let n = (w * h) as usize;
        let base = bytes(3, 4 * n);
        let forb = vec![1u8; n];
        let target = mask(4, n, 128);
        let key = RedactionKey::from_bytes([0; 32]);
        let fr = frame(&key, &forb, (0, 0));
        let mut archs: Vec<Option<Arch>> = vec![None];
        archs.extend(crate::simd::levels().into_iter().map(Some));
        for arch in archs {
            for grain in [0, 5] {
                let out = run(
                    arch,
                    &base,
                    w,
                    h,
                    4 * w as usize,
                    AlphaMode::Straight,
                    &target,
                    &fr,
                    grain,
                    [9, 8, 7],
                );
                for i in 0..n {
                    let want = if target[i] != 0 {
                        [9, 8, 7, 255]
                    } else {
                        [
                            base[4 * i],
                            base[4 * i + 1],
                            base[4 * i + 2],
                            base[4 * i + 3],
                        ]
                    };
                    assert_eq!(out[4 * i..4 * i + 4], want);
                }
            }
        }
    }

    /// A horizontal ramp with a vertical stripe forbidden: every inpainted row is
    /// nondecreasing, within the ramp's values over one stripe width either side, and the
    /// stripe's middle is within a few levels of the ramp there.
    #[test]
    fn ramp_across_a_stripe_stays_monotone() {
        let (w, h) = (200u32, 40u32);
        let (s0, s1) = (83usize, 117usize);
        let ramp = |x: usize| (x + 20) as u8;
        let base: Vec<u8> = (0..(w * h) as usize)
            .flat_map(|i| {
                let x = i % w as usize;
                let v = ramp(x);
                [v, 255 - v, 50, 255]
            })
            .collect();
        let forb: Vec<u8> = (0..(w * h) as usize)
            .map(|i| u8::from((s0..s1).contains(&(i % w as usize))))
            .collect();
        let key = RedactionKey::from_bytes([0; 32]);
        let fr = frame(&key, &forb, (0, 0));
        let out = run(
            None,
            &base,
            w,
            h,
            4 * w as usize,
            AlphaMode::Straight,
            &forb,
            &fr,
            0,
            [0; 3],
        );
        let width = s1 - s0;
        for y in 0..h as usize {
            let row: Vec<u8> = (s0 - 1..=s1)
                .map(|x| out[4 * (y * w as usize + x)])
                .collect();
            assert!(row.windows(2).all(|p| p[0] <= p[1]), "row {y}: {row:?}");
            for x in s0..s1 {
                let v = out[4 * (y * w as usize + x)];
                assert!(
                    v >= ramp(s0 - width) && v <= ramp(s1 - 1 + width),
                    "row {y} x {x}: {v}"
                );
                assert_eq!(out[4 * (y * w as usize + x) + 2], 50);
            }
            let mid = out[4 * (y * w as usize + (s0 + s1) / 2)];
            let want = f64::from(ramp(s0 - 1)) * 0.5 + f64::from(ramp(s1)) * 0.5;
            assert!(
                (f64::from(mid) - want).abs() <= 4.0,
                "row {y}: middle {mid}, want {want}"
            );
        }
    }
}
