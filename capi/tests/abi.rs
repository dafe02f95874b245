//! The C entry points called from Rust: each must give exactly what the core gives for the
//! same input, write nothing on failure, and name the problem in the thread's last error.

use std::ptr;

use tileredact::*;
use tileredact_core::{
    AlphaMode, Datum, DatumTransform, ImageView, ImageViewMut, PointAction, Policy, RedactionKey,
    Redactor, Region, TileId, TileSize, WarpDirection, WarpFilter, ZoneSet, required_source_tiles,
    warp_tile,
};

const ZONES: &str = include_str!("../../examples/data/zones.geojson");
const PNG: &[u8] = include_bytes!("../../examples/data/11-581-880.png");
const KEY: [u8; 32] = [9; 32];
const POLICY: &str = r#"{"default": {"operator": "texture", "points": {"displace": {"radius_m": 800}}},
    "categories": {"military": {"operator": "fill"}}}"#;
/// The partial tile of the sample zones.
const T: (u32, u32, u32) = (11, 581, 880);

fn last_error() -> String {
    let mut buf = vec![0u8; 1024];
    let mut n = 0usize;
    // SAFETY: `buf` holds 1024 bytes; `n` is a valid out-parameter.
    let r = unsafe { tileredact_last_error_message(buf.as_mut_ptr().cast(), 1024, &mut n) };
    assert_eq!(r, tileredact_result::Ok);
    String::from_utf8(buf[..n.min(1023)].to_vec()).unwrap()
}

/// A handle pair (zones freed right away: the redactor keeps its own reference) and the
/// same redactor built by the core.
struct Fixture {
    c: *mut tileredact_redactor,
    rust: Redactor,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // SAFETY: a live handle, freed once.
        unsafe { tileredact_redactor_free(self.c) };
    }
}

fn fixture() -> Fixture {
    let mut zones = ptr::null_mut();
    // SAFETY: valid buffers and out-parameters throughout.
    unsafe {
        assert_eq!(
            tileredact_zones_from_geojson(ZONES.as_ptr(), ZONES.len(), &mut zones),
            tileredact_result::Ok
        );
        assert_eq!(tileredact_zones_len(zones), 7);
        let mut c = ptr::null_mut();
        let r = tileredact_redactor_new(
            zones,
            POLICY.as_ptr(),
            POLICY.len(),
            KEY.as_ptr(),
            32,
            &mut c,
        );
        assert_eq!(r, tileredact_result::Ok, "{}", last_error());
        tileredact_zones_free(zones);
        let rust = Redactor::new(
            ZoneSet::from_geojson_str(ZONES).unwrap(),
            &Policy::from_json_str(POLICY).unwrap(),
            Some(RedactionKey::from_bytes(KEY)),
        )
        .unwrap();
        Fixture { c, rust }
    }
}

fn tile() -> TileId {
    TileId::new(T.0 as u8, T.1, T.2).unwrap()
}

#[test]
fn status_and_masks_are_the_cores() {
    let f = fixture();
    for (z, x, y) in [T, (11, 580, 880), (3, 1, 2), (14, 4651, 7043)] {
        let mut status = 99;
        // SAFETY: live handle, valid out-parameter.
        let r = unsafe { tileredact_tile_status(f.c, z, x, y, &mut status) };
        assert_eq!(r, tileredact_result::Ok);
        let plan = f
            .rust
            .plan(TileId::new(z as u8, x, y).unwrap(), TileSize::S256);
        let want = match plan {
            tileredact_core::TilePlan::Clear => TILEREDACT_TILE_CLEAR,
            tileredact_core::TilePlan::Partial => TILEREDACT_TILE_PARTIAL,
            tileredact_core::TilePlan::Full => TILEREDACT_TILE_FULL,
        };
        assert_eq!(status, want, "{z}/{x}/{y}");
    }
    for px in [256u32, 512] {
        let size = TileSize::from_px(px).unwrap();
        let stride = px as usize + 7;
        for (kind, want) in [
            (
                TILEREDACT_MASK_COVERAGE,
                f.rust.zones().coverage_mask(tile(), size),
            ),
            (TILEREDACT_MASK_REDACTION, f.rust.mask(tile(), size)),
        ] {
            let mut out = vec![0xabu8; stride * px as usize];
            // SAFETY: `out` holds stride * height >= stride * (height - 1) + width bytes.
            let r = unsafe {
                tileredact_tile_mask(f.c, T.0, T.1, T.2, kind, out.as_mut_ptr(), px, px, stride)
            };
            assert_eq!(r, tileredact_result::Ok, "{}", last_error());
            let mut nonzero = 0;
            for (row, src) in out.chunks(stride).enumerate() {
                assert_eq!(
                    &src[..px as usize],
                    want.row(row as u32),
                    "kind {kind} row {row}"
                );
                assert!(
                    src[px as usize..].iter().all(|b| *b == 0xab),
                    "padding written"
                );
                nonzero += src[..px as usize].iter().filter(|b| **b != 0).count();
            }
            assert!(
                nonzero > 0 && nonzero < (px * px) as usize,
                "a partial mask"
            );
        }
    }
}

#[test]
fn rgba_redaction_is_the_cores_and_keeps_the_padding() {
    let f = fixture();
    for (flags, alpha) in [
        (0, AlphaMode::Straight),
        (TILEREDACT_RGBA_PREMULTIPLIED, AlphaMode::Premultiplied),
    ] {
        let (w, stride) = (256u32, 256 * 4 + 12);
        let mut c: Vec<u8> = (0..stride * 256).map(|i| (i * 31 % 251) as u8).collect();
        // Premultiplied input must have colour <= alpha.
        for px in c.chunks_exact_mut(4) {
            px[3] = 255;
        }
        let before = c.clone();
        let mut rust: Vec<u8> = c
            .chunks(stride)
            .flat_map(|r| &r[..4 * w as usize])
            .copied()
            .collect();
        let mut view = ImageViewMut::new(&mut rust, w, w, 4 * w as usize, alpha).unwrap();
        f.rust.redact_rgba(tile(), &mut view).unwrap();
        // SAFETY: `c` holds stride * 256 bytes.
        let r = unsafe {
            tileredact_redact_rgba(f.c, T.0, T.1, T.2, c.as_mut_ptr(), w, w, stride, flags)
        };
        assert_eq!(r, tileredact_result::Ok, "{}", last_error());
        assert_ne!(c, before, "a partial tile changes");
        for (row, (got, want)) in c
            .chunks(stride)
            .zip(rust.chunks(4 * w as usize))
            .enumerate()
        {
            assert_eq!(&got[..4 * w as usize], want, "row {row}");
            assert_eq!(
                &got[4 * w as usize..],
                &before[row * stride + 4 * w as usize..][..got.len() - 4 * w as usize],
                "padding of row {row}"
            );
        }
    }
}

#[test]
fn encoded_redaction_is_the_cores_and_clear_tiles_come_back_as_copies() {
    let f = fixture();
    for ((z, x, y), changed) in [(T, true), ((11, 100, 100), false)] {
        let mut out = ptr::null_mut();
        // SAFETY: valid input and out-parameter.
        let r =
            unsafe { tileredact_redact_encoded(f.c, z, x, y, PNG.as_ptr(), PNG.len(), &mut out) };
        assert_eq!(r, tileredact_result::Ok, "{}", last_error());
        // SAFETY: `out` is a live handle; its data is valid for its length until freed.
        let got = unsafe {
            std::slice::from_raw_parts(tileredact_bytes_data(out), tileredact_bytes_len(out))
                .to_vec()
        };
        // SAFETY: freed once.
        unsafe { tileredact_bytes_free(out) };
        let want = f
            .rust
            .redact_encoded(TileId::new(z as u8, x, y).unwrap(), PNG)
            .unwrap();
        assert_eq!(got, &*want.bytes);
        assert_eq!(got != PNG, changed);
    }
}

#[test]
fn failures_write_nothing_and_say_what_was_wrong() {
    let f = fixture();
    let mut out = ptr::dangling_mut::<tileredact_bytes>();
    let corrupt = &PNG[..PNG.len() / 2];
    // SAFETY: valid buffers.
    let r = unsafe {
        tileredact_redact_encoded(
            f.c,
            T.0,
            T.1,
            T.2,
            corrupt.as_ptr(),
            corrupt.len(),
            &mut out,
        )
    };
    assert_eq!(r, tileredact_result::Decode);
    assert_eq!(out, ptr::dangling_mut());
    assert!(
        last_error().contains("cannot decode png image"),
        "{}",
        last_error()
    );

    let mut px = vec![7u8; 1024 * 256];
    // SAFETY: `px` holds 1024 * 256 bytes (stride 1020 would need less).
    let r =
        unsafe { tileredact_redact_rgba(f.c, T.0, T.1, T.2, px.as_mut_ptr(), 256, 256, 1020, 0) };
    assert_eq!(r, tileredact_result::StrideTooSmall);
    assert!(last_error().contains("`stride` is 1020 bytes; expected at least 1024"));
    // SAFETY: as above.
    let r =
        unsafe { tileredact_redact_rgba(f.c, T.0, T.1, T.2, px.as_mut_ptr(), 256, 256, 1024, 4) };
    assert_eq!(r, tileredact_result::InvalidEnum);
    assert!(px.iter().all(|b| *b == 7));

    let mut zones = ptr::dangling_mut::<tileredact_zones>();
    let bad = br#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"id": "x"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 91], [0, 0]]]}}]}"#;
    // SAFETY: valid buffer and out-parameter.
    let r = unsafe { tileredact_zones_from_geojson(bad.as_ptr(), bad.len(), &mut zones) };
    assert_eq!(r, tileredact_result::InvalidZone);
    assert_eq!(zones, ptr::dangling_mut());
    let msg = last_error();
    assert!(
        msg.contains("feature 0") && msg.contains("\"x\"") && msg.contains("position 2"),
        "{msg}"
    );
}

#[test]
fn coordinate_batches_are_the_cores_and_all_or_nothing() {
    let lon0 = [116.404, 121.4737, 114.17, 2.35];
    let lat0 = [39.915, 31.2304, 22.32, 48.85];
    for (from, to) in [(Datum::Wgs84, Datum::Gcj02), (Datum::Bd09, Datum::Wgs84)] {
        for region in Region::ALL {
            let (mut lon, mut lat) = (lon0, lat0);
            // SAFETY: two separate arrays of 4 doubles.
            let r = unsafe {
                tileredact_coords_transform(
                    from as u32,
                    to as u32,
                    region as u32,
                    lon.as_mut_ptr(),
                    lat.as_mut_ptr(),
                    4,
                )
            };
            assert_eq!(r, tileredact_result::Ok);
            let (mut wlon, mut wlat) = (lon0, lat0);
            DatumTransform::new(from, to)
                .with_region(region)
                .apply_split(&mut wlon, &mut wlat)
                .unwrap();
            assert_eq!((lon, lat), (wlon, wlat), "{from} -> {to} in {region:?}");
            assert_ne!(lon[0], lon0[0], "Beijing moves");
            if region != Region::Everywhere {
                assert_eq!(lon[3], lon0[3], "Paris does not");
            }
        }
    }
    let (mut lon, mut lat) = (lon0, lat0);
    lon[3] = 181.0;
    // SAFETY: as above.
    let r = unsafe { tileredact_coords_transform(0, 1, 2, lon.as_mut_ptr(), lat.as_mut_ptr(), 4) };
    assert_eq!(r, tileredact_result::InvalidCoordinate);
    assert_eq!(lon[..3], lon0[..3]);
    assert_eq!(lat, lat0);
    assert!(last_error().contains("point 3"), "{}", last_error());
}

#[test]
fn points_are_redacted_as_the_core_does() {
    let f = fixture();
    let n = 40;
    let mut lon: Vec<f64> = (0..n).map(|i| -77.962 + 0.0004 * i as f64).collect();
    let mut lat = vec![24.636; n];
    let input: Vec<[f64; 2]> = lon.iter().zip(&lat).map(|(a, b)| [*a, *b]).collect();
    let mut actions = vec![0xffu8; n];
    // SAFETY: three separate arrays of n elements.
    let r = unsafe {
        tileredact_redact_points(
            f.c,
            lon.as_mut_ptr(),
            lat.as_mut_ptr(),
            n,
            actions.as_mut_ptr(),
        )
    };
    assert_eq!(r, tileredact_result::Ok, "{}", last_error());
    let mut want = vec![[0.0; 2]; n];
    let mut want_actions = vec![PointAction::Kept; n];
    f.rust
        .points()
        .redact(&input, &mut want, &mut want_actions)
        .unwrap();
    for i in 0..n {
        assert_eq!(actions[i], want_actions[i] as u8, "point {i}");
        assert_eq!(lon[i].to_bits(), want[i][0].to_bits(), "point {i}");
        assert_eq!(lat[i].to_bits(), want[i][1].to_bits(), "point {i}");
    }
    assert!(actions.contains(&TILEREDACT_POINT_KEPT));
    assert!(actions.iter().any(|a| *a != TILEREDACT_POINT_KEPT));
}

#[test]
fn result_messages_work_like_snprintf() {
    let mut buf = [b'x'; 16];
    let mut n = 0;
    // SAFETY: `buf` holds 16 bytes.
    let r = unsafe {
        tileredact_result_message(
            tileredact_result::NullPointer as u32,
            buf.as_mut_ptr().cast(),
            16,
            &mut n,
        )
    };
    assert_eq!(r, tileredact_result::Ok);
    assert_eq!(n, "a required pointer argument is NULL".len());
    assert_eq!(&buf, b"a required poin\0");
}

/// A Beijing tile at z16 and its sources: a pattern that depends on the tile and the pixel.
fn warp_fixture() -> (TileId, Vec<(TileId, Vec<u8>)>) {
    let target = TileId::containing(116.404, 39.915, 16).unwrap();
    let need = required_source_tiles(target, WarpDirection::Wgs84ToGcj02);
    let sources = need
        .iter()
        .map(|&t| {
            let px: Vec<u8> = (0..256 * 256 * 4)
                .map(|i| (i / 4 % 256 * 3 + i / 1024 * 5 + t.x() as usize * 17 + i % 4 * 40) as u8)
                .collect();
            (t, px)
        })
        .collect();
    (target, sources)
}

fn c_id(t: TileId) -> tileredact_tile_id {
    tileredact_tile_id {
        z: t.z() as u32,
        x: t.x(),
        y: t.y(),
    }
}

#[test]
fn warp_required_tiles_are_the_cores_with_a_size_query() {
    for (z, x, y) in [
        (16, 53957, 24838),
        (18, 215829, 99354),
        (12, 1150, 1750),
        (0, 0, 0),
    ] {
        for (d, dir) in [
            (TILEREDACT_WARP_WGS84_TO_GCJ02, WarpDirection::Wgs84ToGcj02),
            (TILEREDACT_WARP_GCJ02_TO_WGS84, WarpDirection::Gcj02ToWgs84),
        ] {
            let want: Vec<tileredact_tile_id> =
                required_source_tiles(TileId::new(z as u8, x, y).unwrap(), dir)
                    .into_iter()
                    .map(c_id)
                    .collect();
            let mut n = 0usize;
            // SAFETY: size query: capacity 0, NULL tiles, valid out_n.
            let r =
                unsafe { tileredact_warp_required_tiles(z, x, y, d, ptr::null_mut(), 0, &mut n) };
            assert_eq!(r, tileredact_result::Ok, "{}", last_error());
            assert_eq!(n, want.len());
            let mut got = vec![tileredact_tile_id::default(); n + 2];
            let mut m = 0usize;
            // SAFETY: `got` holds n + 2 elements.
            let r = unsafe {
                tileredact_warp_required_tiles(z, x, y, d, got.as_mut_ptr(), n + 2, &mut m)
            };
            assert_eq!(r, tileredact_result::Ok, "{}", last_error());
            assert_eq!(m, n);
            assert_eq!(got[..n], want[..]);
            assert_eq!(
                got[n..],
                [tileredact_tile_id::default(); 2],
                "written past n"
            );
            if n > 1 {
                let mut small = vec![tileredact_tile_id::default(); n - 1];
                let mut k = 77usize;
                // SAFETY: `small` holds n - 1 elements.
                let r = unsafe {
                    tileredact_warp_required_tiles(z, x, y, d, small.as_mut_ptr(), n - 1, &mut k)
                };
                assert_eq!(r, tileredact_result::BufferSize);
                assert_eq!(k, 77, "out_n written on failure");
                assert!(small.iter().all(|t| *t == tileredact_tile_id::default()));
                assert!(
                    last_error().contains(&format!("needs {n} source tiles")),
                    "{}",
                    last_error()
                );
            }
        }
    }
    let mut n = 5usize;
    // SAFETY: valid out_n; the other arguments are what is tested.
    unsafe {
        assert_eq!(
            tileredact_warp_required_tiles(16, 1, 1, 2, ptr::null_mut(), 0, &mut n),
            tileredact_result::InvalidEnum
        );
        assert!(
            last_error().contains("`direction` is 2"),
            "{}",
            last_error()
        );
        assert_eq!(
            tileredact_warp_required_tiles(3, 8, 0, 0, ptr::null_mut(), 0, &mut n),
            tileredact_result::InvalidTile
        );
        assert_eq!(
            tileredact_warp_required_tiles(3, 1, 0, 0, ptr::null_mut(), 0, ptr::null_mut()),
            tileredact_result::NullPointer
        );
        assert_eq!(
            tileredact_warp_required_tiles(16, 53957, 24838, 0, ptr::null_mut(), 4, &mut n),
            tileredact_result::NullPointer
        );
    }
    assert_eq!(n, 5);
}

/// The arguments of one `tileredact_warp_tile` call, as owned arrays.
struct WarpCall {
    ids: Vec<tileredact_tile_id>,
    ptrs: Vec<*const u8>,
    strides: Vec<usize>,
}

impl WarpCall {
    fn new(sources: &[(TileId, Vec<u8>)], stride: usize) -> WarpCall {
        WarpCall {
            ids: sources.iter().map(|s| c_id(s.0)).collect(),
            ptrs: sources.iter().map(|s| s.1.as_ptr()).collect(),
            strides: vec![stride; sources.len()],
        }
    }

    /// Calls with target `t`, filter `filter` into `out` (stride `stride`).
    fn run(
        &self,
        t: TileId,
        filter: u32,
        out: &mut [u8],
        stride: usize,
        report: *mut tileredact_warp_report,
    ) -> tileredact_result {
        // SAFETY: the arrays hold `ids.len()` elements; every non-NULL pixel pointer points
        // to a buffer of at least `strides[i] * 255 + 1024` bytes (the callers' sources);
        // `out` holds `stride * 255 + 1024` bytes or more.
        unsafe {
            tileredact_warp_tile(
                t.z() as u32,
                t.x(),
                t.y(),
                TILEREDACT_WARP_WGS84_TO_GCJ02,
                filter,
                self.ids.as_ptr(),
                self.ptrs.as_ptr(),
                self.strides.as_ptr(),
                self.ids.len(),
                out.as_mut_ptr(),
                256,
                256,
                stride,
                report,
            )
        }
    }
}

#[test]
fn warp_tile_is_the_cores_with_strides_and_missing_sources() {
    let (target, sources) = warp_fixture();
    for (filter, wf) in [
        (TILEREDACT_WARP_NEAREST, WarpFilter::Nearest),
        (TILEREDACT_WARP_BILINEAR, WarpFilter::Bilinear),
        (TILEREDACT_WARP_BICUBIC, WarpFilter::Bicubic),
    ] {
        // Drop the first source: missing in both.
        let views: Vec<_> = sources[1..]
            .iter()
            .map(|(t, px)| {
                (
                    *t,
                    ImageView::new(px, 256, 256, 1024, AlphaMode::Straight).unwrap(),
                )
            })
            .collect();
        let mut want = vec![0u8; 256 * 1024];
        let mut view = ImageViewMut::new(&mut want, 256, 256, 1024, AlphaMode::Straight).unwrap();
        let rust_report =
            warp_tile(target, WarpDirection::Wgs84ToGcj02, &views, &mut view, wf).unwrap();
        assert_eq!(rust_report.missing, [sources[0].0]);

        let mut call = WarpCall::new(&sources, 1024);
        call.ptrs[0] = ptr::null();
        let stride = 1024 + 20;
        let mut out = vec![0xcdu8; stride * 256];
        let mut report = tileredact_warp_report::default();
        let r = call.run(target, filter, &mut out, stride, &mut report);
        assert_eq!(r, tileredact_result::Ok, "{}", last_error());
        for (row, got) in out.chunks(stride).enumerate() {
            assert_eq!(&got[..1024], &want[row * 1024..][..1024], "row {row}");
            assert!(
                got[1024..].iter().all(|b| *b == 0xcd),
                "padding of row {row}"
            );
        }
        assert_eq!(
            report,
            tileredact_warp_report {
                missing: 1,
                exact_pixels: rust_report.exact_pixels,
                outside_region: 0,
                lattice_step: rust_report.lattice_step,
            }
        );
        assert_eq!(report.lattice_step, 64);
        // A NULL report is allowed.
        let mut again = vec![0u8; stride * 256];
        assert_eq!(
            call.run(target, filter, &mut again, stride, ptr::null_mut()),
            tileredact_result::Ok
        );
        for (row, got) in again.chunks(stride).enumerate() {
            assert_eq!(
                &got[..1024],
                &want[row * 1024..][..1024],
                "row {row}, no report"
            );
        }
    }
}

#[test]
fn warp_tile_outside_the_region_is_a_copy() {
    let t = TileId::containing(-77.3, 25.0, 12).unwrap(); // the Bahamas
    let px: Vec<u8> = (0..256 * 1024).map(|i| (i % 251) as u8).collect();
    let sources = [(t, px.clone())];
    let call = WarpCall::new(&sources, 1024);
    let mut out = vec![0u8; 256 * 1024];
    let mut report = tileredact_warp_report::default();
    let r = call.run(t, TILEREDACT_WARP_BICUBIC, &mut out, 1024, &mut report);
    assert_eq!(r, tileredact_result::Ok, "{}", last_error());
    assert_eq!(out, px);
    assert_eq!(
        (report.outside_region, report.missing, report.lattice_step),
        (1, 0, 0)
    );
}

#[test]
fn warp_tile_failures_write_nothing_and_say_what_was_wrong() {
    let (target, sources) = warp_fixture();
    let good = WarpCall::new(&sources, 1024);
    let untouched = tileredact_warp_report {
        missing: 99,
        ..Default::default()
    };
    let check =
        |call: &WarpCall, filter: u32, stride: usize, want: tileredact_result, text: &str| {
            let mut out = vec![0x5au8; 1100 * 256];
            let mut report = untouched;
            let r = call.run(target, filter, &mut out, stride, &mut report);
            assert_eq!(r, want, "{text}: {}", last_error());
            assert!(last_error().contains(text), "{}", last_error());
            assert!(out.iter().all(|b| *b == 0x5a), "{text}: out written");
            assert_eq!(report, untouched, "{text}: report written");
        };
    check(
        &good,
        3,
        1024,
        tileredact_result::InvalidEnum,
        "`filter` is 3; expected 0",
    );
    check(
        &good,
        1,
        1023,
        tileredact_result::StrideTooSmall,
        "`stride` is 1023 bytes",
    );
    let mut c = WarpCall::new(&sources, 1024);
    c.strides[1] = 1000;
    check(
        &c,
        1,
        1024,
        tileredact_result::StrideTooSmall,
        "one row of the source image 1",
    );
    let mut c = WarpCall::new(&sources, 1024);
    c.ids[1] = c.ids[0];
    check(
        &c,
        1,
        1024,
        tileredact_result::InvalidParameter,
        "sources[1] is tile",
    );
    let mut c = WarpCall::new(&sources, 1024);
    c.ids[0].z = 17;
    check(&c, 1, 1024, tileredact_result::InvalidParameter, "zoom");
    let mut c = WarpCall::new(&sources, 1024);
    c.ids[0].x = 1 << 16;
    check(&c, 1, 1024, tileredact_result::InvalidTile, "(sources[0])");

    let mut out = vec![0x5au8; 1024 * 256];
    let mut report = untouched;
    // SAFETY: every pointer is valid or NULL as each case says; sizes as in `WarpCall::run`.
    unsafe {
        let call = |dir: u32,
                    ids: *const tileredact_tile_id,
                    ptrs: *const *const u8,
                    strides: *const usize,
                    out: *mut u8,
                    w: u32,
                    report: *mut tileredact_warp_report| {
            tileredact_warp_tile(
                target.z() as u32,
                target.x(),
                target.y(),
                dir,
                1,
                ids,
                ptrs,
                strides,
                good.ids.len(),
                out,
                w,
                w,
                1024,
                report,
            )
        };
        let (i, p, s) = (good.ids.as_ptr(), good.ptrs.as_ptr(), good.strides.as_ptr());
        let o = out.as_mut_ptr();
        assert_eq!(
            call(2, i, p, s, o, 256, &mut report),
            tileredact_result::InvalidEnum
        );
        assert!(
            last_error().contains("`direction` is 2"),
            "{}",
            last_error()
        );
        assert_eq!(
            call(0, ptr::null(), p, s, o, 256, &mut report),
            tileredact_result::NullPointer
        );
        assert!(
            last_error().contains("`sources` is NULL"),
            "{}",
            last_error()
        );
        assert_eq!(
            call(0, i, ptr::null(), s, o, 256, &mut report),
            tileredact_result::NullPointer
        );
        assert_eq!(
            call(0, i, p, ptr::null(), o, 256, &mut report),
            tileredact_result::NullPointer
        );
        // A misaligned array (never read: refused first).
        let skewed = s.cast::<u8>().wrapping_add(1).cast::<usize>();
        let r = call(0, i, p, skewed, o, 256, &mut report);
        assert_eq!(r, tileredact_result::InvalidParameter);
        assert!(
            last_error().contains("`source_strides` is not aligned"),
            "{}",
            last_error()
        );
        assert_eq!(
            call(0, i, p, s, ptr::null_mut(), 256, &mut report),
            tileredact_result::NullPointer
        );
        assert_eq!(
            call(0, i, p, s, o, 128, &mut report),
            tileredact_result::InvalidParameter
        );
        assert!(
            last_error().contains("128x128; expected 256x256"),
            "{}",
            last_error()
        );
        // A source that is the output buffer itself.
        let mut c = WarpCall::new(&sources, 1024);
        c.ptrs[2] = o;
        let r = call(0, i, c.ptrs.as_ptr(), s, o, 256, &mut report);
        assert_eq!(r, tileredact_result::InvalidParameter);
        assert!(
            last_error().contains("`out` and `source_pixels[2]` overlap"),
            "{}",
            last_error()
        );
    }
    assert!(out.iter().all(|b| *b == 0x5a));
    assert_eq!(report, untouched);
}
