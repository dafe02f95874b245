//! The `redact-tile` command, run as a user would.

use std::path::{Path, PathBuf};
use std::process::Command;

use tileredact::{Policy, Redactor, TileId};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tileredact"))
}

fn repo(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(p)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tileredact-redact-tile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn run(tile: &str, input: &Path, output: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args(["redact-tile", "--zones"])
        .arg(repo("examples/data/zones.geojson"))
        .args(["--tile", tile])
        .args(extra)
        .arg(input)
        .arg(output)
        .output()
        .unwrap()
}

/// A partial PNG and JPEG tile of the sample: the output is what the library gives, a new
/// image of the same format, and the summary names the zones and the operator.
#[test]
fn partial_tiles_are_redacted_as_the_library_does() {
    let zones =
        tileredact::ZoneSet::from_geojson_path(repo("examples/data/zones.geojson")).unwrap();
    let lib = Redactor::new(zones, &Policy::default(), None).unwrap();
    let mut checked = 0;
    for name in ["11-581-880-partial.png", "11-581-880-partial.jpg"] {
        let input = repo(&format!("tests/fixtures/tiles/{name}"));
        let output = tmp(name);
        let out = run("11/581/880", &input, &output, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let bytes = std::fs::read(&input).unwrap();
        let want = lib
            .redact_encoded("11/581/880".parse::<TileId>().unwrap(), &bytes)
            .unwrap();
        let got = std::fs::read(&output).unwrap();
        assert_eq!(got, want.bytes.as_ref(), "{name}");
        assert_ne!(got, bytes, "{name}: not redacted");
        assert!(
            err.contains("11/581/880 partial") && err.contains("operators inpaint"),
            "{err}"
        );
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// A clear tile is copied as the same bytes.
#[test]
fn clear_tiles_are_copied() {
    let input = repo("tests/fixtures/tiles/11-581-880-partial.png");
    let output = tmp("clear.png");
    let out = run("11/100/100", &input, &output, &[]);
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(&output).unwrap(),
        std::fs::read(&input).unwrap()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("copied unchanged"));
}

/// Bad input: nothing is written, and an existing output is left as it was.
#[test]
fn errors_write_nothing() {
    let output = tmp("kept.png");
    std::fs::write(&output, b"previous").unwrap();
    let not_image = tmp("not-an-image.png");
    std::fs::write(&not_image, b"hello, world").unwrap();
    let cases: [(&str, &Path, &[&str], &str); 3] = [
        (
            "11/581/880",
            &not_image,
            &[],
            "not a PNG, JPEG or WebP image",
        ),
        ("11/5810/880", &not_image, &[], "--tile"),
        (
            "11/581/880",
            &not_image,
            &["--policy", "/nonexistent/policy.json"],
            "cannot read /nonexistent/policy.json",
        ),
    ];
    for (tile, input, extra, needle) in cases {
        let out = run(tile, input, &output, extra);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{needle}: {err}");
        assert_eq!(std::fs::read(&output).unwrap(), b"previous");
    }
}
