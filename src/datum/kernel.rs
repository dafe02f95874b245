//! Fast GCJ-02 / BD-09 kernels for batches, written for auto-vectorisation.
//!
//! Design (recorded here because it decides the speed):
//!
//! * **Structure of arrays in blocks.** The batch code gathers up to [`LANES`] points into
//!   plain arrays and every kernel is a short sequence of loops over those arrays, each loop
//!   straight-line arithmetic with no calls and no branches. LLVM vectorises every loop (SSE2
//!   on the baseline target; AVX2+FMA or AVX-512 when [`super::batch`] dispatches to a
//!   function compiled for them). Splitting the work into stages (reduce and evaluate
//!   polynomials, then the angle recurrences, then the sums) keeps each loop body short, so
//!   the out-of-order core overlaps many lanes instead of waiting on one long dependency
//!   chain.
//! * **Two polynomial `sincospi` per point instead of twelve libm sines.** Longitude uses
//!   `t = pi*x/60` (x = lon - 105): the angles `x/30`, `x/12`, `x/3`, `x`, `2x` and `6x` (times
//!   pi) follow by double-, triple- and addition-angle identities (Chebyshev-style
//!   recurrences) `t -> 2t -> 4t -> 5t -> 10t -> 20t -> 60t -> 120t -> 360t`. Latitude uses
//!   `p = pi*y/180` (y = lat - 35): `3p = pi*y/60` starts the same chain, and sin/cos of the
//!   latitude itself are `p` rotated by 35 degrees.
//! * **Inverses reuse the trigonometry.** Each refinement of an inverse moves the point by
//!   less than 0.1 degree, so the base angles are updated by a small-angle rotation (a few
//!   multiplications, Taylor terms to `d^6`, exact to rounding) instead of new polynomials.
//! * `sincospi` reduces its argument exactly to a quarter turn (round-to-nearest with the
//!   `1.5*2^52` trick, no SSE4.1 needed, quadrant swap and signs by bit operations) and
//!   evaluates Chebyshev-economised polynomials (degree 11 / 10) on `[-pi/4, pi/4]`, within
//!   2e-15 and 6e-14 of sin/cos; the recurrences amplify that a few hundred times at most,
//!   which leaves the offsets within about 1e-14 degrees of the scalar reference
//!   ([`super::gcj02`], [`super::bd09`]); the tests assert 1e-12.
//! * `FMA` selects fused multiply-add for the polynomials (only in code compiled with FMA
//!   enabled; elsewhere `mul_add` would be a slow library call).

use std::f64::consts::{FRAC_PI_2, PI};

use super::bd09::{ANGULAR, INVERSE_REFINEMENTS as BD_REFINEMENTS, LAT_SHIFT, LON_SHIFT, RADIAL};
use super::gcj02::{A, EE, INVERSE_REFINEMENTS as GCJ_REFINEMENTS};

/// Points per block.
pub(crate) const LANES: usize = 32;
/// One coordinate of a block of points.
pub(crate) type Lanes = [f64; LANES];

/// `1.5 * 2^52`: adding and subtracting it rounds a double below 2^51 to an integer.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// sin(r) ~ r * (S1 + r^2 (S3 + ...)) on [-pi/4, pi/4] (Chebyshev-economised Taylor series).
const S1: f64 = 0.999_999_999_999_972_2;
const S3: f64 = -0.166_666_666_665_404_64;
const S5: f64 = 0.008_333_333_316_959_587;
const S7: f64 = -0.000_198_412_607_350_198_67;
const S9: f64 = 2.755_485_637_011_791e-6;
const S11: f64 = -2.473_206_510_191_555_4e-8;
/// cos(r) ~ C0 + r^2 (C2 + ...) on [-pi/4, pi/4].
const C0: f64 = 0.999_999_999_999_944_5;
const C2: f64 = -0.499_999_999_993_514_97;
const C4: f64 = 0.041_666_666_543_960_715;
const C6: f64 = -0.001_388_888_039_602_411_2;
const C8: f64 = 2.479_892_917_172_542_7e-5;
const C10: f64 = -2.717_345_684_108_995e-7;

/// cos(35 degrees) and sin(35 degrees).
#[allow(clippy::excessive_precision)]
const COS35: f64 = 0.819_152_044_288_991_8;
#[allow(clippy::excessive_precision)]
const SIN35: f64 = 0.573_576_436_351_046_1;

/// Degrees per unit of the raw GCJ-02 latitude polynomial, without the `magic` factor.
const K_LAT: f64 = 180.0 / (A * (1.0 - EE) * PI);
/// The same for longitude, without `sqrt(magic) / cos(lat)`.
const K_LON: f64 = 180.0 / (A * PI);
/// `x_pi / pi` of BD-09.
const BD_TURNS: f64 = 3000.0 / 180.0;

/// `a * b + c`, fused when `F`.
#[inline(always)]
fn madd<const F: bool>(a: f64, b: f64, c: f64) -> f64 {
    if F { a.mul_add(b, c) } else { a * b + c }
}

/// `(sin(pi*t), cos(pi*t))` for |t| < 2^50, branch-free.
#[inline(always)]
pub(crate) fn sincospi<const F: bool>(t: f64) -> (f64, f64) {
    let u = t * 2.0; // quarter turns, exact
    let big = u + ROUND_MAGIC;
    let q = big.to_bits(); // low bits: round(u) + 2^51, and 2^51 is 0 mod 4
    let r = (u - (big - ROUND_MAGIC)) * FRAC_PI_2; // exact difference, |r| <= pi/4
    let r2 = r * r;
    let sp = madd::<F>(
        madd::<F>(
            madd::<F>(madd::<F>(madd::<F>(S11, r2, S9), r2, S7), r2, S5),
            r2,
            S3,
        ),
        r2,
        S1,
    );
    let s = r * sp;
    let c = madd::<F>(
        madd::<F>(
            madd::<F>(madd::<F>(madd::<F>(C10, r2, C8), r2, C6), r2, C4),
            r2,
            C2,
        ),
        r2,
        C0,
    );
    // Quadrant q mod 4: swap when odd; negate sin when q&2, cos when (q+1)&2.
    let swap = (q & 1).wrapping_neg();
    let (sb, cb) = (s.to_bits(), c.to_bits());
    let s_sel = (sb & !swap) | (cb & swap);
    let c_sel = (cb & !swap) | (sb & swap);
    let s_sign = (q & 2) << 62;
    let c_sign = (q.wrapping_add(1) & 2) << 62;
    (
        f64::from_bits(s_sel ^ s_sign),
        f64::from_bits(c_sel ^ c_sign),
    )
}

/// `(sin, cos)` of `a + d` from `(sin a, cos a)` and a small `d` (|d| < 0.02 rad; Taylor
/// terms to `d^7`, exact to rounding).
#[inline(always)]
fn rotate(s: f64, c: f64, d: f64) -> (f64, f64) {
    let d2 = d * d;
    let sd = d * (1.0 - d2 * (1.0 / 6.0) * (1.0 - d2 * (1.0 / 20.0) * (1.0 - d2 * (1.0 / 42.0))));
    let cd = 1.0 - d2 * 0.5 * (1.0 - d2 * (1.0 / 12.0) * (1.0 - d2 * (1.0 / 30.0)));
    (s * cd + c * sd, c * cd - s * sd)
}

/// The GCJ-02 offset `(dlon, dlat)` of one point from sin/cos of its base angles
/// `pi*(lon-105)/60` and `pi*(lat-35)/180`.
#[inline(always)]
fn gcj_finish(lon: f64, lat: f64, sx: f64, cx: f64, sp: f64, cp: f64) -> (f64, f64) {
    let x = lon - 105.0;
    let y = lat - 35.0;

    let s2 = 2.0 * sx * cx;
    let c2 = 1.0 - 2.0 * sx * sx;
    let s4 = 2.0 * s2 * c2;
    let c4 = 1.0 - 2.0 * s2 * s2;
    let sx5 = s4 * cx + c4 * sx;
    let c5 = c4 * cx - s4 * sx;
    let s10 = 2.0 * sx5 * c5;
    let c10 = 1.0 - 2.0 * sx5 * sx5;
    let sx20 = 2.0 * s10 * c10;
    let c20 = 1.0 - 2.0 * s10 * s10;
    let sx60 = sx20 * (3.0 - 4.0 * sx20 * sx20);
    let cx60 = c20 * (4.0 * c20 * c20 - 3.0);
    let sx120 = 2.0 * sx60 * cx60;
    let sx360 = sx120 * (3.0 - 4.0 * sx120 * sx120);

    let sy = sp * (3.0 - 4.0 * sp * sp);
    let cy = cp * (4.0 * cp * cp - 3.0);
    let sy2 = 2.0 * sy * cy;
    let cy2 = 1.0 - 2.0 * sy * sy;
    let sy4 = 2.0 * sy2 * cy2;
    let cy4 = 1.0 - 2.0 * sy2 * sy2;
    let sy5 = sy4 * cy + cy4 * sy;
    let cy5 = cy4 * cy - sy4 * sy;
    let sy10 = 2.0 * sy5 * cy5;
    let cy10 = 1.0 - 2.0 * sy5 * sy5;
    let sy20 = 2.0 * sy10 * cy10;
    let sy60 = sy20 * (3.0 - 4.0 * sy20 * sy20);
    let sin_lat = sp * COS35 + cp * SIN35;
    let cos_lat = cp * COS35 - sp * SIN35;

    let sqrt_ax = x.abs().sqrt();
    let shared = 20.0 * sx360 + 20.0 * sx120;
    let raw_lat = -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * sqrt_ax
        + (shared + 20.0 * sy60 + 40.0 * sy20 + 160.0 * sy5 + 320.0 * sy2) * (2.0 / 3.0);
    let raw_lon = 300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * sqrt_ax
        + (shared + 20.0 * sx60 + 40.0 * sx20 + 150.0 * sx5 + 300.0 * s2) * (2.0 / 3.0);

    let magic = 1.0 - EE * sin_lat * sin_lat;
    let sqrt_magic = magic.sqrt();
    let dlat = raw_lat * (magic * sqrt_magic) * K_LAT;
    let dlon = raw_lon * sqrt_magic * K_LON / cos_lat;
    (dlon, dlat)
}

/// Base angles of the GCJ-02 offset at each lane.
#[inline(always)]
fn gcj_angles<const F: bool>(lon: &Lanes, lat: &Lanes) -> [Lanes; 4] {
    let mut a = [[0.0; LANES]; 4];
    for i in 0..LANES {
        let (s, c) = sincospi::<F>((lon[i] - 105.0) * (1.0 / 60.0));
        a[0][i] = s;
        a[1][i] = c;
    }
    for i in 0..LANES {
        let (s, c) = sincospi::<F>((lat[i] - 35.0) * (1.0 / 180.0));
        a[2][i] = s;
        a[3][i] = c;
    }
    a
}

/// WGS-84 to GCJ-02 over a block (no region test).
#[inline(always)]
pub(crate) fn gcj_forward<const F: bool>(lon: &mut Lanes, lat: &mut Lanes) {
    let [sx, cx, sp, cp] = gcj_angles::<F>(lon, lat);
    for i in 0..LANES {
        let (dlon, dlat) = gcj_finish(lon[i], lat[i], sx[i], cx[i], sp[i], cp[i]);
        lon[i] += dlon;
        lat[i] += dlat;
    }
}

/// GCJ-02 to WGS-84 over a block (no region test): `w <- g - offset(w)`, a fixed number of
/// times from `w = g`, exactly as the scalar reference; the angles at each `w` are those at
/// `g` rotated by `w - g`.
#[inline(always)]
pub(crate) fn gcj_inverse<const F: bool>(lon: &mut Lanes, lat: &mut Lanes) {
    let (glon, glat) = (*lon, *lat);
    let [sx, cx, sp, cp] = gcj_angles::<F>(&glon, &glat);
    for _ in 0..=GCJ_REFINEMENTS {
        for i in 0..LANES {
            let (sxi, cxi) = rotate(sx[i], cx[i], (lon[i] - glon[i]) * (PI / 60.0));
            let (spi, cpi) = rotate(sp[i], cp[i], (lat[i] - glat[i]) * (PI / 180.0));
            let (dlon, dlat) = gcj_finish(lon[i], lat[i], sxi, cxi, spi, cpi);
            lon[i] = glon[i] - dlon;
            lat[i] = glat[i] - dlat;
        }
    }
}

/// One BD-09 step from `sin(pi*BD_TURNS*y)` and `cos(pi*BD_TURNS*x)`: `(z/r) R(delta) (x, y)`
/// with `z = r + sign*RADIAL*sy`, `delta = sign*ANGULAR*cx`. `sign = 1` is the forward formula
/// without the final shift; `sign = -1` on shifted input is the classic inverse estimate. The
/// rotation replaces `atan2`/`sin`/`cos` of the published formula (same value, no libm call);
/// `delta` is below 3e-6, so the Taylor terms used are exact to rounding.
#[inline(always)]
fn bd_core(x: f64, y: f64, sy: f64, cx: f64, sign: f64) -> (f64, f64) {
    let r = (x * x + y * y).sqrt();
    let z = r + sign * RADIAL * sy;
    let d = sign * ANGULAR * cx;
    let d2 = d * d;
    let cd = 1.0 - 0.5 * d2;
    let sd = d - d * d2 * (1.0 / 6.0);
    let k = if r == 0.0 { 0.0 } else { z / r };
    (k * (x * cd - y * sd), k * (y * cd + x * sd))
}

/// `sin(pi*BD_TURNS*y)` and `cos(pi*BD_TURNS*x)` per lane, with their cofunctions (for
/// rotations).
#[inline(always)]
fn bd_angles<const F: bool>(x: &Lanes, y: &Lanes) -> [Lanes; 4] {
    let mut a = [[0.0; LANES]; 4];
    for i in 0..LANES {
        let (s, c) = sincospi::<F>(y[i] * BD_TURNS);
        a[0][i] = s;
        a[1][i] = c;
    }
    for i in 0..LANES {
        let (s, c) = sincospi::<F>(x[i] * BD_TURNS);
        a[2][i] = s;
        a[3][i] = c;
    }
    a
}

/// GCJ-02 to BD-09 over a block.
#[inline(always)]
pub(crate) fn bd_forward<const F: bool>(lon: &mut Lanes, lat: &mut Lanes) {
    let [sy, _, _, cx] = bd_angles::<F>(lon, lat);
    for i in 0..LANES {
        let (x, y) = bd_core(lon[i], lat[i], sy[i], cx[i], 1.0);
        lon[i] = x + LON_SHIFT;
        lat[i] = y + LAT_SHIFT;
    }
}

/// BD-09 to GCJ-02 over a block: the classic estimate, then a fixed number of refinements
/// `g <- g - (B(g) - b)`, as the scalar reference; the angles at each refinement are those at
/// the estimate rotated by the (tiny) move.
#[inline(always)]
pub(crate) fn bd_inverse<const F: bool>(lon: &mut Lanes, lat: &mut Lanes) {
    let (blon, blat) = (*lon, *lat);
    let mut x = [0.0; LANES];
    let mut y = [0.0; LANES];
    for i in 0..LANES {
        x[i] = blon[i] - LON_SHIFT;
        y[i] = blat[i] - LAT_SHIFT;
    }
    let [sy, _, _, cx] = bd_angles::<F>(&x, &y);
    for i in 0..LANES {
        let (ex, ey) = bd_core(x[i], y[i], sy[i], cx[i], -1.0);
        lon[i] = ex;
        lat[i] = ey;
    }
    let (elon, elat) = (*lon, *lat);
    let [sy, cy, sx, cx] = bd_angles::<F>(&elon, &elat);
    for _ in 0..BD_REFINEMENTS {
        for i in 0..LANES {
            let (syi, _) = rotate(sy[i], cy[i], (lat[i] - elat[i]) * (PI * BD_TURNS));
            let (_, cxi) = rotate(sx[i], cx[i], (lon[i] - elon[i]) * (PI * BD_TURNS));
            let (fx, fy) = bd_core(lon[i], lat[i], syi, cxi, 1.0);
            lon[i] -= fx + LON_SHIFT - blon[i];
            lat[i] -= fy + LAT_SHIFT - blat[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::{bd09, gcj02};

    fn grid() -> (Lanes, Lanes) {
        let mut lon = [0.0; LANES];
        let mut lat = [0.0; LANES];
        for i in 0..LANES {
            lon[i] = 72.0 + 66.0 * i as f64 / (LANES - 1) as f64 + 1e-7 * i as f64;
            lat[i] = 55.8 - 55.0 * ((i * 7) % LANES) as f64 / (LANES - 1) as f64;
        }
        (lon, lat)
    }

    #[test]
    fn sincospi_matches_libm() {
        for fma in [false, true] {
            let mut worst = 0.0f64;
            let mut t = -300.0;
            while t < 300.0 {
                let (s, c) = if fma {
                    sincospi::<true>(t)
                } else {
                    sincospi::<false>(t)
                };
                // Reduce exactly before calling libm so the reference is exact too.
                let m = t - 2.0 * (t / 2.0).round();
                let (rs, rc) = (m * PI).sin_cos();
                worst = worst.max((s - rs).abs()).max((c - rc).abs());
                t += 0.001_234_567;
            }
            assert!(worst < 1e-13, "worst {worst:e}");
        }
        let (s, c) = sincospi::<false>(0.5);
        assert!((s - 1.0).abs() < 1e-13 && c == 0.0);
        assert_eq!(sincospi::<false>(-1.0).0, 0.0);
    }

    #[test]
    fn rotation_is_exact_for_small_angles() {
        for d in [0.0, 1e-9, -3e-5, 1e-3, -0.02] {
            let (s, c) = rotate(0.3f64.sin(), 0.3f64.cos(), d);
            assert!((s - (0.3 + d).sin()).abs() < 3e-16, "{d}");
            assert!((c - (0.3 + d).cos()).abs() < 3e-16, "{d}");
        }
    }

    #[test]
    fn constants_35_degrees() {
        let r = 35f64.to_radians();
        assert!((COS35 - r.cos()).abs() < 2e-16 && (SIN35 - r.sin()).abs() < 2e-16);
    }

    #[test]
    fn kernels_match_reference() {
        let (lon, lat) = grid();
        let check = |name: &str, x: &Lanes, y: &Lanes, f: &dyn Fn(f64, f64) -> (f64, f64)| {
            for i in 0..LANES {
                let (rx, ry) = f(lon[i], lat[i]);
                let e = (x[i] - rx).abs().max((y[i] - ry).abs());
                assert!(e < 1e-13, "{name} lane {i}: {e:e}");
            }
        };
        let (mut x, mut y) = (lon, lat);
        gcj_forward::<false>(&mut x, &mut y);
        check("gcj forward", &x, &y, &gcj02::forward);
        let (mut x, mut y) = (lon, lat);
        gcj_inverse::<true>(&mut x, &mut y);
        check("gcj inverse", &x, &y, &gcj02::inverse);
        let (mut x, mut y) = (lon, lat);
        bd_forward::<false>(&mut x, &mut y);
        check("bd forward", &x, &y, &bd09::forward);
        let (mut x, mut y) = (lon, lat);
        bd_inverse::<true>(&mut x, &mut y);
        check("bd inverse", &x, &y, &bd09::inverse);
    }
}
