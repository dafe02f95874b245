//! The C entry points with arbitrary arguments: sizes, strides, flags, enum values, tile
//! addresses, encoded bytes, coordinates, zone text, and warp sources (ids, strides, NULL
//! pixels, duplicates). Every call returns a result code
//! (never a panic: `TILEREDACT_RESULT_PANIC` fails the target), writes nothing on failure,
//! and never touches the bytes between rows. Buffers are always as large as the arguments
//! say, as the C contract requires.
#![no_main]

use std::ptr;
use std::sync::LazyLock;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use tileredact_capi::*;

/// A redactor handle shared by every run (immutable and thread-safe by contract).
struct Shared(*mut tileredact_redactor);
// SAFETY: the C ABI documents redactors as immutable and safe to share between threads.
unsafe impl Send for Shared {}
// SAFETY: as above.
unsafe impl Sync for Shared {}

/// A zone around 10°E 50°N, so tiles there are partial or full.
static REDACTOR: LazyLock<Shared> = LazyLock::new(|| {
    let zones_json = br#"{"type":"Polygon","coordinates":[[[10.0,50.0],[10.02,50.0],[10.01,50.015],[10.0,50.0]]]}"#;
    let mut zones = ptr::null_mut();
    let mut redactor = ptr::null_mut();
    // SAFETY: valid buffers and out-parameters; the zones are freed once.
    unsafe {
        assert_eq!(
            tileredact_zones_from_geojson(zones_json.as_ptr(), zones_json.len(), &mut zones),
            tileredact_result::Ok
        );
        let key = [3u8; 32];
        assert_eq!(
            tileredact_redactor_new(zones, ptr::null(), 0, key.as_ptr(), 32, &mut redactor),
            tileredact_result::Ok
        );
        tileredact_zones_free(zones);
    }
    Shared(redactor)
});

/// Largest pixel buffer a run allocates.
const MAX_BYTES: usize = 8 << 20;

#[derive(Arbitrary, Debug)]
enum Call {
    Status {
        tile: Tile,
    },
    Mask {
        tile: Tile,
        kind: u32,
        geometry: Geometry,
    },
    Rgba {
        tile: Tile,
        flags: u32,
        geometry: Geometry,
    },
    Encoded {
        tile: Tile,
        bytes: Vec<u8>,
    },
    Coords {
        from: u32,
        to: u32,
        region: u32,
        points: Vec<(f64, f64)>,
    },
    Points {
        points: Vec<(f64, f64)>,
    },
    Zones {
        text: Vec<u8>,
    },
    Message {
        code: u32,
        len: u8,
    },
    WarpRequired {
        tile: Tile,
        beijing: bool,
        direction: u32,
        capacity: u8,
        null_out: bool,
    },
    WarpTile {
        tile: Tile,
        beijing: bool,
        direction: u32,
        filter: u32,
        geometry: Geometry,
        sources: Vec<WarpSource>,
        report: bool,
    },
}

/// One source of a warp: one of the required tiles (by `pick`) or any address, with a
/// stride near the valid one, or missing (NULL pixels).
#[derive(Arbitrary, Debug)]
struct WarpSource {
    pick: u8,
    raw: Option<(u32, u32, u32)>,
    stride_delta: i16,
    missing: bool,
    seed: u8,
}

/// A tile near the zone (or anywhere, when `raw`).
#[derive(Arbitrary, Debug)]
struct Tile {
    z: u32,
    dx: i8,
    dy: i8,
    raw: Option<(u32, u32)>,
}

impl Tile {
    fn zxy(&self) -> (u32, u32, u32) {
        self.zxy_near(10.01, 50.007)
    }

    /// A tile near lon/lat (or anywhere, when `raw`).
    fn zxy_near(&self, lon: f64, lat: f64) -> (u32, u32, u32) {
        if let Some((x, y)) = self.raw {
            return (self.z, x, y);
        }
        let z = 8 + self.z % 12;
        let n = 1i64 << z;
        let x = ((lon + 180.0) / 360.0 * n as f64) as i64 + i64::from(self.dx % 3);
        let lat = lat.to_radians();
        let y = ((1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * n as f64) as i64
            + i64::from(self.dy % 3);
        (z, x.clamp(0, n - 1) as u32, y.clamp(0, n - 1) as u32)
    }
}

/// Width, height and stride: mostly near the valid ones, sometimes anything.
#[derive(Arbitrary, Debug)]
struct Geometry {
    big: bool,
    dw: i8,
    dh: i8,
    stride_delta: i16,
    wild: Option<(u32, u32, usize)>,
}

impl Geometry {
    /// (width, height, stride) for rows of `bpp` bytes per pixel.
    fn get(&self, bpp: usize) -> (u32, u32, usize) {
        if let Some(w) = self.wild {
            return w;
        }
        let side: i64 = if self.big { 512 } else { 256 };
        let w = (side + i64::from(self.dw % 2)).max(0) as u32;
        let h = (side + i64::from(self.dh % 2)).max(0) as u32;
        let stride = (w as i64 * bpp as i64 + i64::from(self.stride_delta % 64)).max(0) as usize;
        (w, h, stride)
    }
}

/// Bytes a buffer of this geometry needs, when it is small enough to allocate.
fn needed(w: u32, h: u32, stride: usize, bpp: usize) -> Option<usize> {
    let row = w as usize * bpp;
    let n = (h.max(1) as usize - 1)
        .checked_mul(stride)?
        .checked_add(row)?;
    (n <= MAX_BYTES).then_some(n)
}

/// Whether the geometry is one the library accepts.
fn valid(w: u32, h: u32, stride: usize, bpp: usize) -> bool {
    w == h && (w == 256 || w == 512) && stride >= w as usize * bpp
}

fn not_panic(r: tileredact_result) -> tileredact_result {
    assert_ne!(r, tileredact_result::Panic, "the library panicked");
    r
}

libfuzzer_sys::fuzz_target!(|call: Call| {
    let redactor = REDACTOR.0;
    match call {
        Call::Status { tile } => {
            let (z, x, y) = tile.zxy();
            let mut status = 99;
            // SAFETY: live handle, valid out-parameter.
            let r = not_panic(unsafe { tileredact_tile_status(redactor, z, x, y, &mut status) });
            assert!(if r == tileredact_result::Ok {
                status <= 2
            } else {
                status == 99
            });
        }
        Call::Mask {
            tile,
            kind,
            geometry,
        } => {
            let (z, x, y) = tile.zxy();
            let (w, h, stride) = geometry.get(1);
            let Some(len) = needed(w, h, stride, 1).or((!valid(w, h, stride, 1)).then_some(16))
            else {
                return;
            };
            let mut out = vec![0xa5u8; len];
            // SAFETY: `out` holds what the arguments need, or the arguments are refused
            // before it is touched.
            let r = not_panic(unsafe {
                tileredact_tile_mask(redactor, z, x, y, kind, out.as_mut_ptr(), w, h, stride)
            });
            if r != tileredact_result::Ok {
                assert!(
                    out.iter().all(|b| *b == 0xa5),
                    "mask written on failure {r:?}"
                );
            } else {
                for row in out.chunks(stride) {
                    assert!(
                        row[w as usize..].iter().all(|b| *b == 0xa5),
                        "padding written"
                    );
                }
            }
        }
        Call::Rgba {
            tile,
            flags,
            geometry,
        } => {
            let (z, x, y) = tile.zxy();
            let (w, h, stride) = geometry.get(4);
            let Some(len) = needed(w, h, stride, 4).or((!valid(w, h, stride, 4)).then_some(64))
            else {
                return;
            };
            let mut px: Vec<u8> = (0..len).map(|i| (i % 253) as u8 | 0x80).collect();
            let before = px.clone();
            // SAFETY: as for the mask.
            let r = not_panic(unsafe {
                tileredact_redact_rgba(redactor, z, x, y, px.as_mut_ptr(), w, h, stride, flags)
            });
            if r != tileredact_result::Ok {
                assert!(px == before, "pixels written on failure {r:?}");
            } else {
                let row = 4 * w as usize;
                for (a, b) in px.chunks(stride).zip(before.chunks(stride)) {
                    assert_eq!(a[row..], b[row..], "padding written");
                }
            }
        }
        Call::Encoded { tile, bytes } => {
            let (z, x, y) = tile.zxy();
            let mut out = ptr::dangling_mut::<tileredact_bytes>();
            // SAFETY: valid buffer and out-parameter.
            let r = not_panic(unsafe {
                tileredact_redact_encoded(redactor, z, x, y, bytes.as_ptr(), bytes.len(), &mut out)
            });
            if r == tileredact_result::Ok {
                // SAFETY: a live handle, freed once.
                unsafe {
                    assert!(!tileredact_bytes_data(out).is_null());
                    tileredact_bytes_free(out);
                }
            } else {
                assert_eq!(out, ptr::dangling_mut(), "out written on failure");
            }
        }
        Call::Coords {
            from,
            to,
            region,
            points,
        } => {
            let (mut lon, mut lat): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
            let (lon0, lat0) = (lon.clone(), lat.clone());
            // SAFETY: two separate arrays of `lon.len()` doubles.
            let r = not_panic(unsafe {
                tileredact_coords_transform(
                    from,
                    to,
                    region,
                    lon.as_mut_ptr(),
                    lat.as_mut_ptr(),
                    lon.len(),
                )
            });
            if r != tileredact_result::Ok {
                let same =
                    |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(
                    same(&lon, &lon0) && same(&lat, &lat0),
                    "points changed on failure"
                );
            }
        }
        Call::Points { points } => {
            let (mut lon, mut lat): (Vec<f64>, Vec<f64>) = points.into_iter().unzip();
            let mut actions = vec![0xeeu8; lon.len()];
            // SAFETY: three separate arrays of `lon.len()` elements.
            let r = not_panic(unsafe {
                tileredact_redact_points(
                    redactor,
                    lon.as_mut_ptr(),
                    lat.as_mut_ptr(),
                    lon.len(),
                    actions.as_mut_ptr(),
                )
            });
            if r == tileredact_result::Ok {
                assert!(actions.iter().all(|a| *a <= TILEREDACT_POINT_MOVED));
            } else {
                assert!(
                    actions.iter().all(|a| *a == 0xee),
                    "actions written on failure"
                );
            }
        }
        Call::Zones { text } => {
            let mut zones = ptr::dangling_mut::<tileredact_zones>();
            // SAFETY: valid buffer and out-parameter.
            let r = not_panic(unsafe {
                tileredact_zones_from_geojson(text.as_ptr(), text.len(), &mut zones)
            });
            if r == tileredact_result::Ok {
                // SAFETY: a live handle, freed once.
                unsafe { tileredact_zones_free(zones) };
            } else {
                assert_eq!(zones, ptr::dangling_mut(), "zones written on failure");
            }
        }
        Call::Message { code, len } => {
            let mut buf = vec![0x7fu8; usize::from(len)];
            let mut n = 0;
            // SAFETY: `buf` holds `len` bytes.
            let r = not_panic(unsafe {
                tileredact_result_message(code, buf.as_mut_ptr().cast(), buf.len(), &mut n)
            });
            assert_eq!(r, tileredact_result::Ok);
            if !buf.is_empty() {
                let end = n.min(buf.len() - 1);
                assert_eq!(buf[end], 0, "NUL-terminated");
            }
        }
        Call::WarpRequired {
            tile,
            beijing,
            direction,
            capacity,
            null_out,
        } => {
            let (z, x, y) = if beijing {
                tile.zxy_near(116.4, 39.9)
            } else {
                tile.zxy()
            };
            let cap = usize::from(capacity % 16);
            let mut ids = vec![tileredact_tile_id { z: 99, x: 0, y: 0 }; cap];
            let mut n = 12345usize;
            let out = if null_out {
                ptr::null_mut()
            } else {
                ids.as_mut_ptr()
            };
            // SAFETY: `ids` holds `cap` elements (or NULL is passed).
            let r = not_panic(unsafe {
                tileredact_warp_required_tiles(z, x, y, direction, out, cap, &mut n)
            });
            let written = ids.iter().filter(|t| t.z != 99).count();
            if r == tileredact_result::Ok {
                assert!(
                    n >= 1 && (cap == 0 || written == n),
                    "n {n}, written {written}"
                );
                assert!(ids.iter().take(n.min(cap)).all(|t| t.z == z));
            } else {
                assert_eq!((n, written), (12345, 0), "written on failure {r:?}");
            }
        }
        Call::WarpTile {
            tile,
            beijing,
            direction,
            filter,
            geometry,
            sources,
            report,
        } => {
            let (z, x, y) = if beijing {
                tile.zxy_near(116.4, 39.9)
            } else {
                tile.zxy()
            };
            let (w, h, stride) = geometry.get(4);
            let Some(len) = needed(w, h, stride, 4).or((!valid(w, h, stride, 4)).then_some(64))
            else {
                return;
            };
            // The required tiles to pick from (direction 0 when `direction` is invalid).
            let mut need = vec![tileredact_tile_id::default(); 64];
            let mut n = 0;
            // SAFETY: `need` holds 64 elements.
            let rq = unsafe {
                tileredact_warp_required_tiles(
                    z,
                    x,
                    y,
                    direction % 2,
                    need.as_mut_ptr(),
                    64,
                    &mut n,
                )
            };
            need.truncate(if rq == tileredact_result::Ok { n } else { 0 });
            let mut ids = Vec::new();
            let mut bufs: Vec<Option<Vec<u8>>> = Vec::new();
            let mut strides = Vec::new();
            for s in sources.iter().take(12) {
                let id = match (s.raw, need.is_empty()) {
                    (Some((z, x, y)), _) => tileredact_tile_id { z, x, y },
                    (None, false) => need[usize::from(s.pick) % need.len()],
                    (None, true) => tileredact_tile_id { z, x, y },
                };
                let st = (4 * w as i64 + i64::from(s.stride_delta % 64)).max(0) as usize;
                // As large as the arguments say, or small when they are refused first.
                let buf = (!s.missing).then(|| {
                    let n = needed(w, h, st, 4)
                        .filter(|_| valid(w, h, st, 4))
                        .unwrap_or(64);
                    vec![s.seed; n]
                });
                ids.push(id);
                bufs.push(buf);
                strides.push(st);
            }
            let ptrs: Vec<*const u8> = bufs
                .iter()
                .map(|b| b.as_ref().map_or(ptr::null(), |b| b.as_ptr()))
                .collect();
            let mut out = vec![0xa5u8; len];
            let untouched = tileredact_warp_report {
                missing: 777,
                ..Default::default()
            };
            let mut rep = untouched;
            let rep_ptr = if report {
                &mut rep as *mut _
            } else {
                ptr::null_mut()
            };
            // SAFETY: the arrays hold `ids.len()` elements; each pixel buffer and `out` hold
            // what the arguments need, or the arguments are refused before they are read.
            let r = not_panic(unsafe {
                tileredact_warp_tile(
                    z,
                    x,
                    y,
                    direction,
                    filter,
                    ids.as_ptr(),
                    ptrs.as_ptr(),
                    strides.as_ptr(),
                    ids.len(),
                    out.as_mut_ptr(),
                    w,
                    h,
                    stride,
                    rep_ptr,
                )
            });
            if r != tileredact_result::Ok {
                assert!(
                    out.iter().all(|b| *b == 0xa5),
                    "out written on failure {r:?}"
                );
                assert_eq!(rep, untouched, "report written on failure");
            } else {
                let row = 4 * w as usize;
                for r in out.chunks(stride) {
                    assert!(r[row..].iter().all(|b| *b == 0xa5), "padding written");
                }
                if report {
                    assert!(rep.missing != 777 && rep.outside_region <= 1);
                }
            }
        }
    }
});
