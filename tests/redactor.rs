//! Properties of tile redaction through the [`Redactor`]: non-interference of the secure
//! operators, outside untouched, determinism and keys, stitching of 2x2 blocks, zoom limits,
//! overlaps of operators, transparent inputs.

use proptest::prelude::*;
use proptest::test_runner::{FileFailurePersistence, RngSeed};
use tileredact::{
    AlphaMode, ImageViewMut, Mask, PixelWindow, Policy, RedactionKey, Redactor, TileId, TilePlan,
    TileSize, WorldGrid, ZoneSet, mercator_to_lnglat,
};

/// The tile most cases are built around (z16, near 10°E 50°N).
fn home() -> TileId {
    TileId::containing(10.0, 50.0, 16).unwrap()
}

/// The lon/lat of a world pixel position (fractional) of the 256 grid at zoom z.
fn px_lnglat(z: u8, px: f64, py: f64) -> (f64, f64) {
    let grid = WorldGrid::new(z, TileSize::S256).unwrap();
    let (mx, my) = grid.to_mercator(px, py);
    mercator_to_lnglat(mx, my)
}

/// A zone: a triangle given in pixels relative to the home tile's top-left corner, with its
/// rule properties (JSON members without braces).
#[derive(Debug, Clone)]
struct Tri {
    pts: [(f64, f64); 3],
    props: String,
}

fn zones_text(tris: &[Tri]) -> String {
    let (ox, oy) = home().world_px_origin(TileSize::S256);
    let feats: Vec<String> = tris
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mut ring: Vec<String> = t
                .pts
                .iter()
                .map(|&(x, y)| {
                    let (lon, lat) = px_lnglat(16, ox as f64 + x, oy as f64 + y);
                    format!("[{lon},{lat}]")
                })
                .collect();
            ring.push(ring[0].clone());
            let sep = if t.props.is_empty() { "" } else { "," };
            format!(
                r#"{{"type":"Feature","properties":{{"id":"z{i}"{sep}{}}},"geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
                t.props,
                ring.join(",")
            )
        })
        .collect();
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        feats.join(",")
    )
}

/// Triangles with a clear area (no degenerate ones), partly outside the tile.
fn tri(props: impl Strategy<Value = String>) -> impl Strategy<Value = Tri> {
    (
        prop::array::uniform3((-60.0f64..316.0, -60.0f64..316.0)),
        props,
    )
        .prop_filter("area", |(p, _)| {
            let a = (p[1].0 - p[0].0) * (p[2].1 - p[0].1) - (p[2].0 - p[0].0) * (p[1].1 - p[0].1);
            a.abs() > 40.0
        })
        .prop_map(|(pts, props)| Tri { pts, props })
}

/// Rule properties of a secure operator, with a feather sometimes.
fn secure_props() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just(r##""operator": {"fill": {"color": "#102030"}}"##.to_string()),
            Just(r#""operator": "texture""#.to_string()),
            Just(r#""operator": "inpaint""#.to_string()),
            Just(r#""operator": {"inpaint": {"grain": 8}}"#.to_string()),
            Just(r#""operator": {"blur": {"radius_m": 6}}"#.to_string()),
        ],
        0u32..3,
        prop_oneof![Just(0.0), 0.0f64..20.0],
    )
        .prop_map(|(op, f, m)| format!(r#"{op}, "feather_px": {f}, "margin_m": {m}"#))
}

/// An image of random bytes (alpha random too: transparent pixels are inputs like others).
fn random_image(seed: u64, n: usize) -> Vec<u8> {
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

fn redact(r: &Redactor, tile: TileId, img: &mut [u8]) -> tileredact::TileReport {
    let mut v = ImageViewMut::new(img, 256, 256, 1024, AlphaMode::Straight).unwrap();
    r.redact_rgba(tile, &mut v).unwrap()
}

fn key(b: u8) -> RedactionKey {
    RedactionKey::from_bytes([b; 32])
}

fn config(cases: u32, seed: u64) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(48, 81))]

    /// Two tiles that differ only inside the redaction mask give byte-identical output, for
    /// every secure operator, overlapping zones and feathers; and pixels farther than the
    /// feather from the mask are unchanged.
    #[test]
    fn secure_operators_are_non_interfering(
        tris in prop::collection::vec(tri(secure_props()), 1..4),
        seed in any::<u64>(), seed2 in any::<u64>(),
    ) {
        let zones = ZoneSet::from_geojson_str(&zones_text(&tris)).unwrap();
        let r = Redactor::new(zones, &Policy::default(), Some(key(7))).unwrap();
        let tile = home();
        let mask = r.mask(tile, TileSize::S256);
        prop_assume!(!mask.is_clear());
        let a = random_image(seed, 256 * 256 * 4);
        let noise = random_image(seed2, 256 * 256 * 4);
        let mut b = a.clone();
        let mut inside = 0usize;
        for (i, &m) in mask.as_bytes().iter().enumerate() {
            if m != 0 {
                b[4 * i..4 * i + 4].copy_from_slice(&noise[4 * i..4 * i + 4]);
                inside += 1;
            }
        }
        prop_assert!(inside > 0);
        let (mut oa, mut ob) = (a.clone(), b.clone());
        let ra = redact(&r, tile, &mut oa);
        let rb = redact(&r, tile, &mut ob);
        prop_assert_eq!(&ra, &rb);
        prop_assert!(oa == ob, "outputs differ although the inputs differ only inside the mask");
        prop_assert_eq!(ra.pixels_redacted, inside as u64);
        // Outside the mask grown by the largest feather (2): unchanged. The mask continues
        // beyond the tile, and so does its feather: grow the mask of the padded window.
        let grid = WorldGrid::new(16, TileSize::S256).unwrap();
        let (ox, oy) = tile.world_px_origin(TileSize::S256);
        let padded = PixelWindow { x0: ox as i64 - 2, y0: oy as i64 - 2, width: 260, height: 260 };
        let big = r.zones().redaction_mask_window(&grid, padded, &r.mask_options()).unwrap();
        let far = grow(&big, 2).crop(2, 2, 256, 256);
        let mut unchanged = 0usize;
        for (i, &m) in far.as_bytes().iter().enumerate() {
            if m == 0 {
                prop_assert_eq!(&oa[4 * i..4 * i + 4], &a[4 * i..4 * i + 4], "pixel {} changed", i);
                unchanged += 1;
            }
        }
        prop_assert_eq!(unchanged + far.count_nonzero(), 256 * 256);
    }

    /// A 2x2 block of tiles redacted as one 512 image equals its four tiles, for the operators
    /// anchored to the world (fill, texture, degrade).
    #[test]
    fn blocks_stitch(
        tris in prop::collection::vec(tri(prop_oneof![
            Just(r##""operator": {"fill": {"color": "#aa0000"}}"##.to_string()),
            Just(r#""operator": "texture""#.to_string()),
            Just(r#""operator": {"degrade": {"gsd_m": 9}}"#.to_string()),
        ]), 1..4),
        seed in any::<u64>(),
    ) {
        let zones = ZoneSet::from_geojson_str(&zones_text(&tris)).unwrap();
        let r = Redactor::new(zones, &Policy::default(), Some(key(3))).unwrap();
        let t = home();
        let grid = WorldGrid::new(16, TileSize::S256).unwrap();
        let (ox, oy) = t.world_px_origin(TileSize::S256);
        let window = PixelWindow { x0: ox as i64, y0: oy as i64, width: 512, height: 512 };
        let base = random_image(seed, 512 * 512 * 4);
        let mut block = base.clone();
        let rep = r
            .redact_window_rgba(&grid, window, &mut ImageViewMut::new(&mut block, 512, 512, 2048, AlphaMode::Straight).unwrap())
            .unwrap();
        prop_assume!(rep.pixels_redacted > 0);
        let mut checked = 0;
        for (dx, dy) in [(0u32, 0u32), (1, 0), (0, 1), (1, 1)] {
            let tile = TileId::new(16, t.x() + dx, t.y() + dy).unwrap();
            let mut tile_px = vec![0u8; 256 * 256 * 4];
            for y in 0..256usize {
                let src = ((dy as usize * 256 + y) * 512 + dx as usize * 256) * 4;
                tile_px[y * 1024..(y + 1) * 1024].copy_from_slice(&base[src..src + 1024]);
            }
            redact(&r, tile, &mut tile_px);
            for y in 0..256usize {
                let src = ((dy as usize * 256 + y) * 512 + dx as usize * 256) * 4;
                prop_assert!(tile_px[y * 1024..(y + 1) * 1024] == block[src..src + 1024],
                    "tile +{dx}+{dy} row {y} differs from the block");
            }
            checked += 1;
        }
        prop_assert_eq!(checked, 4);
    }
}

/// Square dilation by `r` (test-local, simple).
fn grow(m: &Mask, r: i64) -> Mask {
    let (w, h) = (m.width() as i64, m.height() as i64);
    let mut out = Mask::new(m.width(), m.height());
    for y in 0..h {
        for x in 0..w {
            let hit = (-r..=r).any(|dy| {
                (-r..=r).any(|dx| {
                    let (xx, yy) = (x + dx, y + dy);
                    xx >= 0 && yy >= 0 && xx < w && yy < h && m.get(xx as u32, yy as u32) != 0
                })
            });
            if hit {
                out.as_bytes_mut()[(y * w + x) as usize] = 255;
            }
        }
    }
    out
}

fn one_zone(props: &str) -> ZoneSet {
    ZoneSet::from_geojson_str(&zones_text(&[Tri {
        pts: [(40.0, 30.0), (200.0, 60.0), (90.0, 210.0)],
        props: props.to_string(),
    }]))
    .unwrap()
}

/// The same request 256 times gives the same bytes; another key changes the keyed
/// operators and not the others.
#[test]
fn deterministic_and_keyed() {
    let input = random_image(5, 256 * 256 * 4);
    let mut runs = 0;
    for (props, keyed) in [
        (r#""operator": "texture""#, true),
        (r#""operator": {"inpaint": {"grain": 10}}"#, true),
        (r#""operator": "inpaint""#, false),
        (r#""operator": "fill""#, false),
    ] {
        let a = Redactor::new(one_zone(props), &Policy::default(), Some(key(1))).unwrap();
        let b = Redactor::new(one_zone(props), &Policy::default(), Some(key(2))).unwrap();
        let mut first = input.clone();
        redact(&a, home(), &mut first);
        assert_ne!(first, input, "{props}: nothing was redacted");
        for _ in 0..255 {
            let mut again = input.clone();
            redact(&a, home(), &mut again);
            assert!(again == first, "{props}: not deterministic");
            runs += 1;
        }
        let mut other = input.clone();
        redact(&b, home(), &mut other);
        assert_eq!(other != first, keyed, "{props}: key dependence");
    }
    assert_eq!(runs, 4 * 255);
}

/// Below `min_zoom` a zone is not redacted; deeper than `max_zoom`, every tile that meets it
/// is fully redacted (by a secure operator even when the zone degrades).
#[test]
fn zoom_limits() {
    let zones =
        one_zone(r#""min_zoom": 12, "max_zoom": 15, "operator": {"degrade": {"gsd_m": 4}}"#);
    let r = Redactor::new(zones, &Policy::default(), None).unwrap();
    let at16 = home();
    assert_eq!(r.plan(at16, TileSize::S256), TilePlan::Full);
    let mut img = random_image(9, 256 * 256 * 4);
    let orig = img.clone();
    let rep = redact(&r, at16, &mut img);
    assert_eq!(rep.plan, TilePlan::Full);
    assert_eq!(rep.pixels_redacted, 256 * 256);
    assert_eq!(
        rep.operators,
        ["inpaint"],
        "deeper than max_zoom: a secure operator"
    );
    // Nothing of the input: every pixel is the fallback colour (no outside pixel to learn from).
    assert!(img.chunks(4).all(|p| p == [0x80, 0x80, 0x80, 255]));
    assert_ne!(img, orig);
    // At 15 the degrade operator applies to the partial tile.
    let at15 = at16.parent().unwrap();
    assert_eq!(r.plan(at15, TileSize::S256), TilePlan::Partial);
    // Below min_zoom: clear, untouched.
    let at11 = TileId::containing(10.0, 50.0, 11).unwrap();
    assert_eq!(r.plan(at11, TileSize::S256), TilePlan::Clear);
    let mut img = random_image(10, 256 * 256 * 4);
    let before = img.clone();
    let rep = redact(&r, at11, &mut img);
    assert_eq!(rep.plan, TilePlan::Clear);
    assert_eq!(img, before);
    let at12 = TileId::containing(10.0, 50.0, 12).unwrap();
    assert_ne!(r.plan(at12, TileSize::S256), TilePlan::Clear);
}

/// Where masks of zones with different operators overlap, the one that reveals least wins,
/// and the policy file's categories decide operators.
#[test]
fn overlaps_take_the_least_revealing_operator() {
    let tris = [
        Tri {
            pts: [(0.0, 0.0), (200.0, 0.0), (0.0, 200.0)],
            props: r#""category": "soft""#.into(),
        },
        Tri {
            pts: [(100.0, 0.0), (256.0, 0.0), (256.0, 256.0)],
            props: r#""category": "hard""#.into(),
        },
    ];
    let policy = Policy::from_json_str(
        r##"{"categories": {"soft": {"operator": {"cosmetic_pixelate": {"block_px": 8}}},
                            "hard": {"operator": {"fill": {"color": "#00ff00"}}}}}"##,
    )
    .unwrap();
    let zones = ZoneSet::from_geojson_str(&zones_text(&tris)).unwrap();
    let r = Redactor::new(zones, &policy, None).unwrap();
    let mut img = random_image(11, 256 * 256 * 4);
    let rep = redact(&r, home(), &mut img);
    assert_eq!(rep.operators, ["fill", "cosmetic_pixelate"]);
    assert!(rep.cosmetic);
    assert_eq!(rep.zones, ["z0", "z1"]);
    // A pixel inside both triangles (x 130, y 20) is green.
    let i = (20 * 256 + 130) * 4;
    assert_eq!(&img[i..i + 4], &[0, 255, 0, 255]);
}

/// A zone's margin can come from its category's rule.
#[test]
fn rule_margins_grow_zones() {
    let policy = Policy::from_json_str(r#"{"default": {"margin_m": 200}}"#).unwrap();
    let plain = Redactor::new(one_zone(""), &Policy::default(), None).unwrap();
    let grown = Redactor::new(one_zone(""), &policy, None).unwrap();
    let own = Redactor::new(one_zone(r#""margin_m": 0"#), &policy, None).unwrap();
    let n = |r: &Redactor| r.mask(home(), TileSize::S256).count_nonzero();
    assert!(
        n(&grown) > n(&plain) + 1000,
        "{} vs {}",
        n(&grown),
        n(&plain)
    );
    assert_eq!(n(&own), n(&plain), "the zone's own margin_m wins");
    assert_eq!(grown.rule(0).unwrap().margin_m, 200.0);
}

/// Transparent inputs: forcing alpha to 255 on the output shows nothing of the inside.
#[test]
fn transparent_inside_shows_nothing_when_alpha_is_forced() {
    for op in [
        r#""inpaint""#,
        r#""texture""#,
        r#"{"blur": {"radius_m": 5}}"#,
        r#""fill""#,
    ] {
        let zones = one_zone(&format!(r#""operator": {op}"#));
        let r = Redactor::new(zones, &Policy::default(), Some(key(4))).unwrap();
        let mask = r.mask(home(), TileSize::S256);
        let mut outs = Vec::new();
        for secret in [0u8, 255] {
            // Fully transparent everywhere, a secret colour inside.
            let mut img: Vec<u8> = random_image(12, 256 * 256 * 4)
                .chunks(4)
                .flat_map(|p| [p[0], p[1], p[2], 0])
                .collect();
            for (i, &m) in mask.as_bytes().iter().enumerate() {
                if m != 0 {
                    img[4 * i..4 * i + 3].fill(secret);
                }
            }
            redact(&r, home(), &mut img);
            for p in img.chunks_mut(4) {
                p[3] = 255;
            }
            outs.push(img);
        }
        assert!(
            outs[0] == outs[1],
            "{op}: the inside shows through with alpha forced"
        );
    }
}

/// Wrong image sizes are errors that say what was expected.
#[test]
fn bad_views_are_errors() {
    let r = Redactor::new(one_zone(""), &Policy::default(), None).unwrap();
    let mut px = vec![0u8; 300 * 300 * 4];
    let mut v = ImageViewMut::new(&mut px, 300, 300, 1200, AlphaMode::Straight).unwrap();
    let e = r.redact_rgba(home(), &mut v).unwrap_err().to_string();
    assert!(e.contains("expected 256 or 512"), "{e}");
    let mut v = ImageViewMut::new(&mut px, 256, 128, 1200, AlphaMode::Straight).unwrap();
    let e = r.redact_rgba(home(), &mut v).unwrap_err().to_string();
    assert!(e.contains("expected a square tile"), "{e}");
}

/// Encodes RGBA8 as PNG or JPEG with the `image` crate (independent of the library's codecs).
fn encode_with_image(rgba: &[u8], jpeg: bool) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    if jpeg {
        let rgb: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .write_image(&rgb, 256, 256, image::ExtendedColorType::Rgb8)
            .unwrap();
    } else {
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(rgba, 256, 256, image::ExtendedColorType::Rgba8)
            .unwrap();
    }
    out
}

/// Smooth imagery (lossy codecs keep it), so JPEG blocks carry real content.
fn smooth_image(seed: u64) -> Vec<u8> {
    let f = (seed % 7) as f64 + 3.0;
    (0..256 * 256)
        .flat_map(|i| {
            let (x, y) = ((i % 256) as f64, (i / 256) as f64);
            let v =
                |k: f64| (128.0 + 100.0 * ((x / f + k).sin() * (y / (f + 2.0) - k).cos())) as u8;
            [v(0.0), v(1.0), v(2.0), 255]
        })
        .collect()
}

/// The encoded path: two PNG or JPEG tiles whose pixels differ only inside the redaction
/// mask give the same bytes out. For JPEG the differing pixels change the coefficients of
/// every block they touch, and the decoder's upsampling reaches one pixel further: the mask
/// grown to whole blocks must cover all of it.
#[test]
fn encoded_tiles_are_non_interfering() {
    let mut checked = 0;
    for props in [
        r#""operator": "inpaint""#,
        r#""operator": "texture""#,
        r#""operator": {"blur": {"radius_m": 5}}"#,
    ] {
        let r = Redactor::new(one_zone(props), &Policy::default(), Some(key(9))).unwrap();
        let mask = r.mask(home(), TileSize::S256);
        for jpeg in [false, true] {
            let a = smooth_image(1);
            let mut b = a.clone();
            for (i, &m) in mask.as_bytes().iter().enumerate() {
                if m != 0 {
                    b[4 * i..4 * i + 3].copy_from_slice(&[255, 0, 255]);
                }
            }
            let (ea, eb) = (encode_with_image(&a, jpeg), encode_with_image(&b, jpeg));
            assert_ne!(ea, eb);
            let oa = r.redact_encoded(home(), &ea).unwrap();
            let ob = r.redact_encoded(home(), &eb).unwrap();
            assert!(
                oa.bytes == ob.bytes,
                "{props} jpeg={jpeg}: the inside leaks into the output"
            );
            assert_ne!(oa.bytes.as_ref(), ea.as_slice());
            assert_eq!(oa.format.name(), if jpeg { "jpeg" } else { "png" });
            // The lossy path redacts whole blocks: more pixels than the lossless mask.
            if jpeg {
                assert!(oa.report.pixels_redacted > mask.count_nonzero() as u64);
            } else {
                assert_eq!(oa.report.pixels_redacted, mask.count_nonzero() as u64);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 6);
}

/// A clear tile comes back as the very same bytes, without decoding (even bytes that are
/// not an image of the right size); a tile that needs redaction never comes back as its
/// input: bad bytes are an error.
#[test]
fn clear_tiles_pass_through_and_bad_tiles_fail_closed() {
    let r = Redactor::new(one_zone(""), &Policy::default(), None).unwrap();
    let far = TileId::containing(-40.0, -40.0, 16).unwrap();
    let png = encode_with_image(&smooth_image(2), false);
    let out = r.redact_encoded(far, &png).unwrap();
    assert!(matches!(out.bytes, std::borrow::Cow::Borrowed(b) if std::ptr::eq(b, png.as_slice())));
    assert_eq!(out.report.plan, TilePlan::Clear);
    // Truncated, corrupt, foreign: errors at a tile that needs redaction.
    for bad in [
        &png[..png.len() / 2],
        b"GIF89a....".as_slice(),
        &[0u8; 0][..],
    ] {
        let e = r.redact_encoded(home(), bad).unwrap_err();
        assert!(matches!(e, tileredact::Error::Decode { .. }), "{e}");
    }
}

/// Metadata and trailing bytes planted in the input never reach the output.
#[test]
fn planted_metadata_never_reaches_the_output() {
    let r = Redactor::new(one_zone(""), &Policy::default(), None).unwrap();
    let png = encode_with_image(&smooth_image(3), false);
    // A tEXt chunk after IHDR (8 + 25 bytes), and bytes after IEND.
    let mut chunk = Vec::new();
    let data = b"Comment\0SECRET-7f3a position 10.0050,50.0030";
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = b"tEXt".to_vec();
    body.extend_from_slice(data);
    let crc = crc32(&body);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut planted = png[..33].to_vec();
    planted.extend_from_slice(&chunk);
    planted.extend_from_slice(&png[33..]);
    planted.extend_from_slice(b"SECRET-7f3a trailing");
    let out = r.redact_encoded(home(), &planted).unwrap();
    let has = |hay: &[u8]| hay.windows(11).any(|w| w == b"SECRET-7f3a");
    assert!(has(&planted));
    assert!(!has(&out.bytes), "planted bytes reached the output");
    assert_eq!(out.report.plan, TilePlan::Partial);
}

/// CRC-32 (IEEE), bitwise: the PNG chunk checksum, written out for the test.
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// Full tiles of a constant operator are encoded once and reused: the same bytes for every
/// full tile of a zone, whatever its input.
#[test]
fn full_tiles_of_constant_operators_are_the_same_bytes() {
    let zones = one_zone(r##""operator": {"fill": {"color": "#204060"}}, "max_zoom": 14"##);
    let r = Redactor::new(zones, &Policy::default(), None).unwrap();
    let t = home();
    let mut outs = Vec::new();
    for seed in [4, 5] {
        let png = encode_with_image(&smooth_image(seed), false);
        let out = r.redact_encoded(t, &png).unwrap();
        assert_eq!(out.report.plan, TilePlan::Full);
        outs.push(out.bytes.into_owned());
    }
    assert_eq!(outs[0], outs[1]);
    let img = image::load_from_memory(&outs[0]).unwrap().to_rgba8();
    assert!(img.pixels().all(|p| p.0 == [0x20, 0x40, 0x60, 255]));
}
