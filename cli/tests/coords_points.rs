//! The `coords` and `points` commands, run as a user would.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tileredact"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn zones() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data/zones.geojson")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn coords_csv_round_trips_with_the_library() {
    let input = "lon,lat\n116.404,39.915\n121.4737,31.2304\n-77.0,24.0\n";
    let (ok, out, err) = run(&["coords", "--from", "wgs84", "--to", "gcj02"], input);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "lon,lat", "header kept");
    let (lon, lat) = tileredact::wgs84_to_gcj02(116.404, 39.915);
    // full precision: the shortest text that reads back to the same f64
    assert_eq!(lines[1], format!("{lon},{lat}"));
    // outside the region: unchanged
    assert_eq!(lines[3], "-77,24");
    // and back
    let (ok, back, _) = run(&["coords", "--from", "gcj02", "--to", "wgs84"], &out);
    assert!(ok);
    let p: Vec<f64> = back
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((p[0] - 116.404).abs() < 1e-8 && (p[1] - 39.915).abs() < 1e-8);
}

#[test]
fn coords_error_names_the_line() {
    let (ok, out, err) = run(
        &["coords", "--from", "wgs84", "--to", "bd09"],
        "lon,lat\n1,2\n3,abc\n",
    );
    assert!(!ok);
    assert!(err.contains("line 3"), "{err}");
    let _ = out;
    let (ok, _, err) = run(&["coords", "--from", "wgs84", "--to", "mars"], "");
    assert!(!ok);
    assert!(err.contains("mars"), "{err}");
}

#[test]
fn points_suppress_by_default_and_summarise() {
    // rz-01 (military compound) contains (-77.9536, 24.6364); (-77.0, 24.0) is far away.
    let input = "lon,lat\n-77.9536,24.6364\n-77.0,24.0\n";
    let (ok, out, err) = run(&["points", "--zones", &zones(), "--format", "csv"], input);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        ["lon,lat", "-77,24"],
        "the point in the zone is dropped"
    );
    assert!(err.contains("suppressed"), "{err}");
}

#[test]
fn points_snap_needs_a_key_and_is_deterministic() {
    let dir = std::env::temp_dir().join(format!("tileredact-points-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"default": "move_outside"}"#).unwrap();
    let input = "lon,lat\n-77.9536,24.6364\n";
    let args = [
        "points",
        "--zones",
        &zones(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "csv",
        "--actions",
    ];
    let (ok, a, err) = run(&args, input);
    assert!(ok, "{err}");
    let (_, b, _) = run(&args, input);
    assert_eq!(a, b, "same input, same output");
    assert!(a.lines().nth(1).unwrap().ends_with("moved"), "{a}");
    let row: Vec<f64> = a
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .take(2)
        .map(|v| v.parse().unwrap())
        .collect();
    let set = tileredact::ZoneSet::from_geojson_path(zones()).unwrap();
    assert_eq!(
        set.contains_grown_lnglat(row[0], row[1]).unwrap(),
        None,
        "moved outside"
    );

    std::fs::write(&policy, r#"{"default": {"snap": {"cell_m": 500}}}"#).unwrap();
    let (ok, _, err) = run(&args, input);
    assert!(!ok, "snap without a key must fail");
    assert!(err.contains("--key"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
