//! The public face of the codecs: format detection by magic bytes, never by file name.
//! (Decoding, encoding, quality estimation and the metadata tests live next to the crate-private
//! code, in `src/codec/tests.rs`.)

use tileredact::TileFormat;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tiles");

#[test]
fn fixtures_are_detected_by_content_not_by_name() {
    let mut seen = 0;
    for entry in std::fs::read_dir(FIXTURES).unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let bytes = std::fs::read(&path).unwrap();
        let expected = match ext {
            "png" => TileFormat::Png,
            "jpg" => TileFormat::Jpeg,
            _ => continue,
        };
        assert_eq!(
            TileFormat::detect(&bytes),
            Some(expected),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 6, "{seen} fixtures");
}

#[test]
fn names_are_irrelevant_only_bytes_count() {
    let png = std::fs::read(format!("{FIXTURES}/11-575-880-tiny.png")).unwrap();
    let jpg = std::fs::read(format!("{FIXTURES}/11-575-880-tiny.jpg")).unwrap();
    // Copied under the other's name, each is still what its bytes say.
    let dir = std::env::temp_dir().join(format!("tileredact-codec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tile.jpg"), &png).unwrap();
    std::fs::write(dir.join("tile.png"), &jpg).unwrap();
    let a = std::fs::read(dir.join("tile.jpg")).unwrap();
    let b = std::fs::read(dir.join("tile.png")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(TileFormat::detect(&a), Some(TileFormat::Png));
    assert_eq!(TileFormat::detect(&b), Some(TileFormat::Jpeg));
}

#[test]
fn magic_numbers() {
    let cases: &[(&[u8], Option<TileFormat>)] = &[
        (b"\x89PNG\r\n\x1a\n", Some(TileFormat::Png)),
        (b"\x89PNG\r\n\x1a", None),
        (b"\x89PNG\n\r\x1a\n", None),
        (b"\xFF\xD8\xFF\xE0", Some(TileFormat::Jpeg)),
        (b"\xFF\xD8\xFF", Some(TileFormat::Jpeg)),
        (b"\xFF\xD8\x00", None),
        (b"RIFF\x24\0\0\0WEBPVP8 ", Some(TileFormat::WebP)),
        (b"RIFF\x24\0\0\0WAVEfmt ", None),
        (b"RIFF\x24\0\0\0WEB", None),
        (b"GIF89a", None),
        (b"II*\0", None),
        (b"", None),
    ];
    for (bytes, want) in cases {
        assert_eq!(TileFormat::detect(bytes), *want, "{bytes:?}");
    }
}

#[test]
fn names_and_media_types() {
    for (f, name, mime) in [
        (TileFormat::Png, "png", "image/png"),
        (TileFormat::Jpeg, "jpeg", "image/jpeg"),
        (TileFormat::WebP, "webp", "image/webp"),
    ] {
        assert_eq!(f.name(), name);
        assert_eq!(f.to_string(), name);
        assert_eq!(f.mime_type(), mime);
    }
}
