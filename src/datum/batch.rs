//! The fast batch paths of [`DatumTransform`]: validation; a pre-filter that gathers only the
//! points the region can affect; blocks of [`LANES`] points through the vectorised kernels of
//! [`super::kernel`], region masks and branch-free selects; scatter back. Same results as the
//! scalar reference ([`super::transform::scalar`]) within 1e-12 degrees.
//!
//! The kernels are compiled once per CPU level and chosen at run time by [`crate::simd`].
//! Results of different levels differ only in the last bits (fused multiply-add), well within
//! 1e-12.

use super::kernel::{self, LANES, Lanes};
use super::region::{RegionTest, in_box};
use super::transform::{Datum, DatumTransform};
use crate::error::{Error, Result};
use crate::simd::Arch;

/// Points pre-filtered at a time (indices kept on the stack).
const SEGMENT: usize = 2048;

impl DatumTransform {
    /// Transforms `[lon, lat]` pairs (degrees) in place, with the fast batch path.
    ///
    /// All points are validated first; on error nothing is changed.
    ///
    /// # Errors
    /// [`Error::InvalidCoordinate`] naming the first point (by index) that is not finite or
    /// out of range (longitude -180..=180, latitude -90..=90).
    pub fn apply(&self, lonlat: &mut [[f64; 2]]) -> Result<()> {
        self.apply_with(crate::simd::arch(), lonlat)
    }

    /// Transforms separate longitude and latitude slices (degrees) in place, with the fast
    /// batch path.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the slices differ in length; [`Error::InvalidCoordinate`]
    /// as [`DatumTransform::apply`]. On error nothing is changed.
    ///
    /// ```
    /// use tileredact::{Datum, DatumTransform};
    /// let mut lon = [116.404, 121.4737];
    /// let mut lat = [39.915, 31.2304];
    /// DatumTransform::new(Datum::Wgs84, Datum::Bd09).apply_split(&mut lon, &mut lat).unwrap();
    /// assert!((lon[0] - 116.41662724378733).abs() < 1e-9);
    /// assert!((lat[1] - 31.234310593689997).abs() < 1e-9);
    /// ```
    pub fn apply_split(&self, lon: &mut [f64], lat: &mut [f64]) -> Result<()> {
        self.apply_split_with(crate::simd::arch(), lon, lat)
    }

    /// [`DatumTransform::apply`] at the CPU level named `scalar` (baseline, SSE2), `avx2`
    /// (x86-64-v3) or `avx512` (x86-64-v4), for benches. `Ok(false)` (nothing changed) if
    /// this machine does not have that level.
    ///
    /// # Errors
    /// As [`DatumTransform::apply`].
    #[cfg(feature = "bench")]
    #[doc(hidden)]
    pub fn apply_at_level(&self, level: &str, lonlat: &mut [[f64; 2]]) -> Result<bool> {
        match crate::simd::level(level) {
            Some(arch) => self.apply_with(arch, lonlat).map(|()| true),
            None => Ok(false),
        }
    }

    /// [`DatumTransform::apply`] at a given CPU level (tests compare every level).
    pub(crate) fn apply_with(&self, arch: Arch, lonlat: &mut [[f64; 2]]) -> Result<()> {
        if let Some(i) = lonlat.iter().position(|p| !valid(p[0], p[1])) {
            return Err(invalid(i, lonlat[i][0], lonlat[i][1]));
        }
        Runner::new(self).dispatch(arch, &mut Pairs(lonlat));
        Ok(())
    }

    /// [`DatumTransform::apply_split`] at a given CPU level.
    pub(crate) fn apply_split_with(
        &self,
        arch: Arch,
        lon: &mut [f64],
        lat: &mut [f64],
    ) -> Result<()> {
        if lon.len() != lat.len() {
            return Err(Error::param(
                "latitude slice",
                format!(
                    "{} latitudes for {} longitudes; expected equal lengths",
                    lat.len(),
                    lon.len()
                ),
            ));
        }
        if let Some(i) = (0..lon.len()).find(|&i| !valid(lon[i], lat[i])) {
            return Err(invalid(i, lon[i], lat[i]));
        }
        Runner::new(self).dispatch(arch, &mut Split(lon, lat));
        Ok(())
    }
}

#[inline]
fn valid(lon: f64, lat: f64) -> bool {
    // Range checks written as "inside" reject NaN too.
    (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)
}

fn invalid(i: usize, lon: f64, lat: f64) -> Error {
    match crate::tile::check_lnglat(lon, lat) {
        Err(Error::InvalidCoordinate { lon, lat, reason }) => Error::InvalidCoordinate {
            lon,
            lat,
            reason: format!("point {i}: {reason}"),
        },
        Err(e) => e,
        Ok(()) => Error::param("point", format!("point {i} is invalid")),
    }
}

/// Read/write access to the points of a batch, whatever the layout.
trait Points {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> (f64, f64);
    fn set(&mut self, i: usize, p: (f64, f64));
}

struct Pairs<'a>(&'a mut [[f64; 2]]);
struct Split<'a>(&'a mut [f64], &'a mut [f64]);

impl Points for Pairs<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn get(&self, i: usize) -> (f64, f64) {
        (self.0[i][0], self.0[i][1])
    }
    #[inline(always)]
    fn set(&mut self, i: usize, p: (f64, f64)) {
        self.0[i] = [p.0, p.1];
    }
}

impl Points for Split<'_> {
    #[inline(always)]
    fn len(&self) -> usize {
        self.0.len()
    }
    #[inline(always)]
    fn get(&self, i: usize) -> (f64, f64) {
        (self.0[i], self.1[i])
    }
    #[inline(always)]
    fn set(&mut self, i: usize, p: (f64, f64)) {
        self.0[i] = p.0;
        self.1[i] = p.1;
    }
}

type Mask = [bool; LANES];

/// A batch as a `pulp` operation: `with_simd` is compiled for each CPU level, and everything
/// it calls is `#[inline(always)]` so that it is compiled for that level too.
struct Job<'a, P, const F: bool> {
    runner: &'a Runner,
    pts: &'a mut P,
}

impl<P: Points, const F: bool> pulp::WithSimd for Job<'_, P, F> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        self.runner.run::<P, F>(self.pts);
    }
}

struct Runner {
    from: Datum,
    to: Datum,
    g: RegionTest,
    b: RegionTest,
}

impl Runner {
    fn new(t: &DatumTransform) -> Self {
        Runner {
            from: t.from,
            to: t.to,
            g: t.region.gcj_test(),
            b: t.region.bd_test(),
        }
    }

    fn dispatch<P: Points>(&self, arch: Arch, pts: &mut P) {
        if self.from == self.to || pts.len() == 0 {
            return;
        }
        match arch {
            Arch::Scalar => arch.dispatch(Job::<P, false> { runner: self, pts }),
            _ => arch.dispatch(Job::<P, true> { runner: self, pts }),
        }
    }

    /// Runs the batch with the pre-filter of this transform: the exact region test for
    /// forward transforms (whose region is tested on the input), a conservative "near the
    /// region" test for the others. Matching once here keeps the per-point loop free of it.
    #[inline(always)]
    fn run<P: Points, const F: bool>(&self, pts: &mut P) {
        use Datum::*;
        let (g, b) = (self.g, self.b);
        match (self.from, self.to) {
            (Wgs84, Gcj02) | (Wgs84, Bd09) => {
                let t = if self.to == Gcj02 { g } else { b };
                // One monomorphised loop per kind of region, so the test inlines.
                match t {
                    RegionTest::All => self.run_filtered::<P, F>(pts, |_, _| true),
                    RegionTest::Box => self.run_filtered::<P, F>(pts, in_box),
                    RegionTest::Poly(p) => self.run_filtered::<P, F>(pts, |x, y| p.contains(x, y)),
                }
            }
            (Gcj02, Wgs84) => self.run_filtered::<P, F>(pts, |x, y| g.may_contain_near(x, y)),
            _ => self.run_filtered::<P, F>(pts, |x, y| {
                b.may_contain_near(x, y) | g.may_contain_near(x, y)
            }),
        }
    }

    #[inline(always)]
    fn run_filtered<P: Points, const F: bool>(
        &self,
        pts: &mut P,
        candidate: impl Fn(f64, f64) -> bool,
    ) {
        let mut idx = [0u32; SEGMENT];
        let n = pts.len();
        let mut start = 0;
        while start < n {
            let end = n.min(start + SEGMENT);
            let mut m = 0;
            for i in start..end {
                let (lon, lat) = pts.get(i);
                idx[m] = (i - start) as u32;
                m += usize::from(candidate(lon, lat));
            }
            for block in idx[..m].chunks(LANES) {
                let last = pts.get(start + block[block.len() - 1] as usize);
                let mut lon = [last.0; LANES];
                let mut lat = [last.1; LANES];
                for (k, &i) in block.iter().enumerate() {
                    (lon[k], lat[k]) = pts.get(start + i as usize);
                }
                self.block::<F>(&mut lon, &mut lat);
                for (k, &i) in block.iter().enumerate() {
                    pts.set(start + i as usize, (lon[k], lat[k]));
                }
            }
            start = end;
        }
    }

    /// One block of candidates (see [`Runner::candidate`]).
    #[inline(always)]
    fn block<const F: bool>(&self, lon: &mut Lanes, lat: &mut Lanes) {
        use Datum::*;
        let (g, b) = (&self.g, &self.b);
        match (self.from, self.to) {
            (Wgs84, Gcj02) => kernel::gcj_forward::<F>(lon, lat),
            (Wgs84, Bd09) => {
                kernel::gcj_forward::<F>(lon, lat);
                kernel::bd_forward::<F>(lon, lat);
            }
            (Gcj02, Wgs84) => {
                let (mut x, mut y) = (*lon, *lat);
                kernel::gcj_inverse::<F>(&mut x, &mut y);
                select(&mask(g, &x, &y), &x, &y, lon, lat);
            }
            (Bd09, Wgs84) => {
                let (mut x, mut y) = (*lon, *lat);
                kernel::bd_inverse::<F>(&mut x, &mut y);
                kernel::gcj_inverse::<F>(&mut x, &mut y);
                select(&mask(b, &x, &y), &x, &y, lon, lat);
            }
            (Gcj02, Bd09) => self.gcj_to_bd::<F>(lon, lat),
            (Bd09, Gcj02) => self.bd_to_gcj::<F>(lon, lat),
            _ => {}
        }
    }

    /// See [`super::transform::scalar`]: `B(g)` where `g` was offset, `B(F(g))` where it was not
    /// but BD-09 applies (Hong Kong, Macau), else unchanged.
    #[inline(always)]
    fn gcj_to_bd<const F: bool>(&self, lon: &mut Lanes, lat: &mut Lanes) {
        let (mut cx, mut cy) = (*lon, *lat);
        kernel::gcj_inverse::<F>(&mut cx, &mut cy);
        let was_offset = mask(&self.g, &cx, &cy);
        let bd_only = and_not(&mask(&self.b, lon, lat), &was_offset);
        let (mut x, mut y) = (*lon, *lat);
        if any(&bd_only) {
            let (mut fx, mut fy) = (*lon, *lat);
            kernel::gcj_forward::<F>(&mut fx, &mut fy);
            select(&bd_only, &fx, &fy, &mut x, &mut y);
        }
        kernel::bd_forward::<F>(&mut x, &mut y);
        let apply = or(&was_offset, &bd_only);
        select(&apply, &x, &y, lon, lat);
    }

    /// See [`super::transform::scalar`].
    #[inline(always)]
    fn bd_to_gcj<const F: bool>(&self, lon: &mut Lanes, lat: &mut Lanes) {
        let (mut dx, mut dy) = (*lon, *lat);
        kernel::bd_inverse::<F>(&mut dx, &mut dy);
        let (mut cx, mut cy) = (dx, dy);
        kernel::gcj_inverse::<F>(&mut cx, &mut cy);
        let was_bd = mask(&self.b, &cx, &cy);
        let in_gcj = mask(&self.g, &cx, &cy);
        // Offset by BD-09: GCJ-02 is d where GCJ-02 applies, else the WGS-84 position c.
        let (mut x, mut y) = (cx, cy);
        select(&in_gcj, &dx, &dy, &mut x, &mut y);
        // Not offset: the input is WGS-84; GCJ-02 may still apply to it (edge band).
        let plain_gcj = and_not(&mask(&self.g, lon, lat), &was_bd);
        if any(&plain_gcj) {
            let (mut fx, mut fy) = (*lon, *lat);
            kernel::gcj_forward::<F>(&mut fx, &mut fy);
            select(&plain_gcj, &fx, &fy, lon, lat);
        }
        select(&was_bd, &x, &y, lon, lat);
    }
}

#[inline(always)]
fn mask(t: &RegionTest, lon: &Lanes, lat: &Lanes) -> Mask {
    std::array::from_fn(|i| t.contains(lon[i], lat[i]))
}

#[inline(always)]
fn any(m: &Mask) -> bool {
    m.iter().any(|&b| b)
}

#[inline(always)]
fn and_not(a: &Mask, b: &Mask) -> Mask {
    std::array::from_fn(|i| a[i] && !b[i])
}

#[inline(always)]
fn or(a: &Mask, b: &Mask) -> Mask {
    std::array::from_fn(|i| a[i] || b[i])
}

#[inline(always)]
fn select(m: &Mask, x: &Lanes, y: &Lanes, lon: &mut Lanes, lat: &mut Lanes) {
    for i in 0..LANES {
        lon[i] = if m[i] { x[i] } else { lon[i] };
        lat[i] = if m[i] { y[i] } else { lat[i] };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datum::Region;

    /// Points over the region and around it, including just inside/outside its edges.
    fn sample() -> Vec<[f64; 2]> {
        let mut v = Vec::new();
        let mut s = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..20_000 {
            v.push([70.0 + 70.0 * next(), 0.0 + 58.0 * next()]);
        }
        for _ in 0..500 {
            v.push([105.0 + (next() - 0.5) * 1e-6, 20.0 + 30.0 * next()]);
            v.push([113.4 + 1.2 * next(), 21.9 + 0.8 * next()]); // Hong Kong, Macau
        }
        v
    }

    #[test]
    fn every_level_matches_the_scalar_reference() {
        let pts = sample();
        for region in Region::ALL {
            for from in Datum::ALL {
                for to in Datum::ALL {
                    let t = DatumTransform::new(from, to).with_region(region);
                    let want: Vec<(f64, f64)> =
                        pts.iter().map(|p| t.point_unchecked(p[0], p[1])).collect();
                    for arch in crate::simd::levels() {
                        let mut got = pts.clone();
                        t.apply_with(arch, &mut got).unwrap();
                        let mut lon: Vec<f64> = pts.iter().map(|p| p[0]).collect();
                        let mut lat: Vec<f64> = pts.iter().map(|p| p[1]).collect();
                        t.apply_split_with(arch, &mut lon, &mut lat).unwrap();
                        for (i, w) in want.iter().enumerate() {
                            let e = (got[i][0] - w.0).abs().max((got[i][1] - w.1).abs());
                            let e2 = (lon[i] - w.0).abs().max((lat[i] - w.1).abs());
                            assert!(
                                e <= 1e-12 && e2 <= 1e-12,
                                "{from}->{to} {region} {arch:?} point {i} {:?}: {e:e} {e2:e}",
                                pts[i]
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn errors_name_the_point_and_change_nothing() {
        let t = DatumTransform::new(Datum::Wgs84, Datum::Gcj02);
        let mut pts = [[116.0, 40.0], [116.0, f64::NAN]];
        let e = t.apply(&mut pts).unwrap_err().to_string();
        assert!(e.contains("point 1") && e.contains("finite"), "{e}");
        assert_eq!(pts[0], [116.0, 40.0]);
        let mut lon = [116.0, 200.0];
        let mut lat = [40.0, 40.0];
        let e = t.apply_split(&mut lon, &mut lat).unwrap_err().to_string();
        assert!(e.contains("point 1") && e.contains("longitude"), "{e}");
        let e = t
            .apply_split(&mut lon, &mut lat[..1])
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected equal lengths"), "{e}");
    }
}
