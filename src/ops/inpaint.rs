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
//!   ([`inpaint_ref`]) bit for bit at every CPU level. The level-0 pull sums integers
//!   (exact in any order), so the fast path does it in `u16` lanes over whole rows.
//! * **Only what the target needs.** The pull is complete (every readable pixel counts at
//!   the top), but the push computes each level only inside the bounding box that the
//!   finer level's bilinear taps reach from the target's bounding box, and level 0 only at
//!   target pixels. Levels are kept interleaved (`[f32; 4]` per pixel, weight apart), so
//!   every loop is over contiguous lanes.
//! * **Grain** is keyed noise of amplitude `grain` levels on RGB, a function of (key, zoom,
//!   world pixel) only: one PRF call per image derives a 64-bit seed, then a murmur3
//!   finaliser per row and per pixel; it is added after rounding, in integers.
//! * With no readable pixel at all the top weight is 0 and every target pixel becomes the
//!   fallback colour (opaque).

use pulp::{Arch, WithSimd};

use super::{OpFrame, clamp_premultiplied, opaque};
use crate::image::ImageViewMut;

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

/// Checks the buffer lengths of the contract.
fn check(img: &ImageViewMut<'_>, target: &[u8], frame: &OpFrame<'_>) {
    let n = img.width() as usize * img.height() as usize;
    assert_eq!(target.len(), n, "target mask of {n} bytes expected");
    assert_eq!(
        frame.forbidden.len(),
        n,
        "forbidden mask of {n} bytes expected"
    );
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
    check(img, target, frame);
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

/// First and one-past-last nonzero index of `t`, scanning 16 bytes at a time.
#[inline(always)]
fn span(t: &[u8]) -> Option<(usize, usize)> {
    let (chunks, rest) = t.as_chunks::<16>();
    let nz = |c: &[u8; 16]| u128::from_ne_bytes(*c) != 0;
    let first_chunk = chunks.iter().position(nz);
    let first = match first_chunk {
        Some(ci) => 16 * ci + chunks[ci].iter().position(|&b| b != 0).unwrap(),
        None => 16 * chunks.len() + rest.iter().position(|&b| b != 0)?,
    };
    let last = if let Some(ri) = rest.iter().rposition(|&b| b != 0) {
        16 * chunks.len() + ri
    } else {
        let ci = chunks.iter().rposition(nz).unwrap();
        16 * ci + chunks[ci].iter().rposition(|&b| b != 0).unwrap()
    };
    Some((first, last + 1))
}

/// A box `[x0, x1) x [y0, y1)`.
#[derive(Clone, Copy, Debug)]
struct Rect {
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
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

/// Level 1 of the pyramid straight from the image (fast path): integer sums of the
/// readable pixels, whole rows at a time.
#[inline(always)]
fn pull0_fast(
    img: &ImageViewMut<'_>,
    forb: &[u8],
    rows: &mut [[u16; 4]],
    cnt: &mut [u16],
) -> Level {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (cw, ch) = (half(w), half(h));
    let mut p = vec![[0f32; 4]; cw * ch];
    let mut wt = vec![0f32; cw * ch];
    let rows = &mut rows[..w];
    let cnt = &mut cnt[..w];
    for j in 0..ch {
        // Vertical pair sums of the masked pixels.
        for (dy, y) in (2 * j..(2 * j + 2).min(h)).enumerate() {
            let src = img.pixels(y as u32);
            let f = &forb[y * w..(y + 1) * w];
            if dy == 0 {
                for ((o, n), (q, &m)) in rows.iter_mut().zip(cnt.iter_mut()).zip(src.iter().zip(f))
                {
                    let keep = u16::from(m == 0);
                    let k8 = 0u8.wrapping_sub(keep as u8);
                    *o = [
                        u16::from(q[0] & k8),
                        u16::from(q[1] & k8),
                        u16::from(q[2] & k8),
                        u16::from(q[3] & k8),
                    ];
                    *n = keep;
                }
            } else {
                for ((o, n), (q, &m)) in rows.iter_mut().zip(cnt.iter_mut()).zip(src.iter().zip(f))
                {
                    let keep = u16::from(m == 0);
                    let k8 = 0u8.wrapping_sub(keep as u8);
                    o[0] += u16::from(q[0] & k8);
                    o[1] += u16::from(q[1] & k8);
                    o[2] += u16::from(q[2] & k8);
                    o[3] += u16::from(q[3] & k8);
                    *n += keep;
                }
            }
        }
        // Horizontal pairs, normalised.
        let pr = &mut p[j * cw..(j + 1) * cw];
        let wr = &mut wt[j * cw..(j + 1) * cw];
        let (pairs, tail) = rows.as_chunks::<2>();
        let (npairs, ntail) = cnt.as_chunks::<2>();
        for (((o, ow), q), n) in pr.iter_mut().zip(wr.iter_mut()).zip(pairs).zip(npairs) {
            let s = [
                f32::from(q[0][0] + q[1][0]),
                f32::from(q[0][1] + q[1][1]),
                f32::from(q[0][2] + q[1][2]),
                f32::from(q[0][3] + q[1][3]),
            ];
            (*o, *ow) = norm(s, f32::from(n[0] + n[1]));
        }
        if let (Some(q), Some(&n)) = (tail.first(), ntail.first()) {
            let s = [
                f32::from(q[0]),
                f32::from(q[1]),
                f32::from(q[2]),
                f32::from(q[3]),
            ];
            (pr[cw - 1], wr[cw - 1]) = norm(s, f32::from(n));
        }
    }
    Level {
        w: cw,
        h: ch,
        p,
        wt,
    }
}

/// The next coarser level (fast path): vertical pair sums over whole rows, then
/// horizontal pairs, in the reference's order.
#[inline(always)]
fn pull_fast(f: &Level, vs: &mut [[f32; 4]], vw: &mut [f32]) -> Level {
    let (cw, ch) = (half(f.w), half(f.h));
    let mut p = vec![[0f32; 4]; cw * ch];
    let mut wt = vec![0f32; cw * ch];
    let vs = &mut vs[..f.w];
    let vw = &mut vw[..f.w];
    for j in 0..ch {
        let a = &f.p[2 * j * f.w..(2 * j + 1) * f.w];
        let aw = &f.wt[2 * j * f.w..(2 * j + 1) * f.w];
        if 2 * j + 1 < f.h {
            let b = &f.p[(2 * j + 1) * f.w..(2 * j + 2) * f.w];
            let bw = &f.wt[(2 * j + 1) * f.w..(2 * j + 2) * f.w];
            for (((o, ow), (x, xw)), (y, yw)) in vs
                .iter_mut()
                .zip(vw.iter_mut())
                .zip(a.iter().zip(aw))
                .zip(b.iter().zip(bw))
            {
                *o = [x[0] + y[0], x[1] + y[1], x[2] + y[2], x[3] + y[3]];
                *ow = xw + yw;
            }
        } else {
            for (((o, ow), x), xw) in vs.iter_mut().zip(vw.iter_mut()).zip(a).zip(aw) {
                *o = [x[0] + 0.0, x[1] + 0.0, x[2] + 0.0, x[3] + 0.0];
                *ow = xw + 0.0;
            }
        }
        let pr = &mut p[j * cw..(j + 1) * cw];
        let wr = &mut wt[j * cw..(j + 1) * cw];
        let (pairs, tail) = vs.as_chunks::<2>();
        let (wpairs, wtail) = vw.as_chunks::<2>();
        for (((o, ow), q), n) in pr.iter_mut().zip(wr.iter_mut()).zip(pairs).zip(wpairs) {
            let s = [
                q[0][0] + q[1][0],
                q[0][1] + q[1][1],
                q[0][2] + q[1][2],
                q[0][3] + q[1][3],
            ];
            (*o, *ow) = norm(s, n[0] + n[1]);
        }
        if let (Some(q), Some(&n)) = (tail.first(), wtail.first()) {
            let s = [q[0] + 0.0, q[1] + 0.0, q[2] + 0.0, q[3] + 0.0];
            (pr[cw - 1], wr[cw - 1]) = norm(s, n + 0.0);
        }
    }
    Level {
        w: cw,
        h: ch,
        p,
        wt,
    }
}

/// The coarse row interpolation of fine row `y` over coarse columns `[x0, x1)`:
/// `r[i] = 0.75 * up[j][i] + 0.25 * up[j2][i]`.
#[inline(always)]
fn row_lerp(
    up: &[[f32; 4]],
    uw: usize,
    uh: usize,
    y: usize,
    x0: usize,
    x1: usize,
    r: &mut [[f32; 4]],
) {
    let (j, j2) = ((y >> 1).min(uh - 1), tap2(y, uh));
    let a = &up[j * uw + x0..j * uw + x1];
    let b = &up[j2 * uw + x0..j2 * uw + x1];
    for ((o, a), b) in r[x0..x1].iter_mut().zip(a).zip(b) {
        *o = lerp(*a, *b);
    }
}

/// The final colours of level `l` inside `rect` (fast path), from the final colours `up` of
/// the next coarser level (`uw x uh`, valid inside `urect`).
#[inline(always)]
fn push_fast(
    up: &[[f32; 4]],
    uw: usize,
    uh: usize,
    urect: Rect,
    l: &Level,
    rect: Rect,
    r: &mut [[f32; 4]],
) -> Vec<[f32; 4]> {
    let mut c = vec![[0f32; 4]; l.w * l.h];
    for y in rect.y0..rect.y1 {
        row_lerp(up, uw, uh, y, urect.x0, urect.x1, r);
        let cr = &mut c[y * l.w + rect.x0..y * l.w + rect.x1];
        let pr = &l.p[y * l.w + rect.x0..y * l.w + rect.x1];
        let wr = &l.wt[y * l.w + rect.x0..y * l.w + rect.x1];
        for (k, ((o, p), w)) in cr.iter_mut().zip(pr).zip(wr).enumerate() {
            let x = rect.x0 + k;
            let u = lerp(r[(x >> 1).min(uw - 1)], r[tap2(x, uw)]);
            *o = blend(*p, *w, u);
        }
    }
    c
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
        img: &'a mut ImageViewMut<'b>,
        target: &'a [u8],
        frame: &'a OpFrame<'c>,
        grain: u8,
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
                grain,
                color,
            } = self;
            let (w, h) = (img.width() as usize, img.height() as usize);
            // The target's bounding box and rows.
            let mut bbox: Option<Rect> = None;
            for y in 0..h {
                if let Some((a, b)) = span(&target[y * w..(y + 1) * w]) {
                    bbox = Some(match bbox {
                        None => Rect {
                            x0: a,
                            x1: b,
                            y0: y,
                            y1: y + 1,
                        },
                        Some(r) => Rect {
                            x0: r.x0.min(a),
                            x1: r.x1.max(b),
                            y0: r.y0,
                            y1: y + 1,
                        },
                    });
                }
            }
            let Some(bbox) = bbox else { return };
            let forb = frame.forbidden;
            // Pull.
            let mut rows = vec![[0u16; 4]; w];
            let mut cnt = vec![0u16; w];
            let mut levels = vec![pull0_fast(img, forb, &mut rows, &mut cnt)];
            let mut vs = vec![[0f32; 4]; half(w)];
            let mut vw = vec![0f32; half(w)];
            while {
                let l = levels.last().unwrap();
                l.w > 1 || l.h > 1
            } {
                let next = pull_fast(levels.last().unwrap(), &mut vs, &mut vw);
                levels.push(next);
            }
            let top = levels.last().unwrap();
            if top.wt[0] == 0.0 {
                super::fill::fill_ref(img, target, opaque(color, img.alpha()));
                return;
            }
            // The boxes each level must be known in: level 0's is the target's.
            let mut rects = vec![coarse_rect(bbox, levels[0].w, levels[0].h)];
            for l in &levels[1..] {
                let r = *rects.last().unwrap();
                rects.push(coarse_rect(r, l.w, l.h));
            }
            // Push down to level 1 (levels[0] is level 1 here).
            let t = top.p[0];
            let tw = top.wt[0];
            let mut up = vec![[t[0] / tw, t[1] / tw, t[2] / tw, t[3] / tw]];
            let (mut uw, mut uh) = (1usize, 1usize);
            let mut urect = Rect {
                x0: 0,
                x1: 1,
                y0: 0,
                y1: 1,
            };
            let mut r = vec![[0f32; 4]; half(w)];
            for k in (0..levels.len() - 1).rev() {
                let l = &levels[k];
                up = push_fast(&up, uw, uh, urect, l, rects[k], &mut r);
                (uw, uh, urect) = (l.w, l.h, rects[k]);
            }
            // Level 0, target pixels only.
            let seed = grain_seed(frame);
            for y in bbox.y0..bbox.y1 {
                let t = &target[y * w + bbox.x0..y * w + bbox.x1];
                if span(t).is_none() {
                    continue;
                }
                row_lerp(&up, uw, uh, y, urect.x0, urect.x1, &mut r);
                let rh = row_hash(seed, frame.origin.1.wrapping_add(y as u64));
                let f = &forb[y * w + bbox.x0..y * w + bbox.x1];
                let row = &mut img.pixels_mut(y as u32)[bbox.x0..bbox.x1];
                for (k, ((q, &m), &fb)) in row.iter_mut().zip(t).zip(f).enumerate() {
                    if m == 0 {
                        continue;
                    }
                    let x = bbox.x0 + k;
                    let c = if fb == 0 {
                        [q[0] as f32, q[1] as f32, q[2] as f32, q[3] as f32]
                    } else {
                        lerp(r[(x >> 1).min(uw - 1)], r[tap2(x, uw)])
                    };
                    let hx = px_hash(rh, frame.origin.0.wrapping_add(x as u64));
                    *q = finish(c, hx, grain);
                }
            }
            clamp_premultiplied(img, target);
        }
    }
    check(img, target, frame);
    if img.width() == 1 && img.height() == 1 {
        // No pyramid to build: the reference is the whole job.
        inpaint_ref(img, target, frame, grain, color);
        return;
    }
    arch.dispatch(Run {
        img,
        target,
        frame,
        grain,
        color,
    });
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
