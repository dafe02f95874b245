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
    // The tool may fail and exit before it reads its input (a bad zones file): a closed
    // pipe is then expected, and the exit status and stderr say what happened.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(
            e.kind(),
            std::io::ErrorKind::BrokenPipe,
            "writing stdin: {e}"
        );
    }
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

/// A fresh, empty directory for one test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tileredact-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The names in a directory, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn coords_error_names_the_line() {
    let (ok, out, err) = run(
        &["coords", "--from", "wgs84", "--to", "bd09"],
        "lon,lat\n1,2\n3,abc\n",
    );
    assert!(!ok);
    assert_eq!(
        err,
        "tileredact: error: <stdin>: line 3: latitude \"abc\" is not a number\n"
    );
    assert_eq!(out, "", "nothing written on error");

    let dir = temp_dir("coords-error");
    let input = dir.join("in.csv");
    std::fs::write(&input, "lon,lat\n1,2\n3,4\n200,5\n").unwrap();
    let output = dir.join("out.csv");
    let (ok, out, err) = run(
        &[
            "coords",
            "--from",
            "wgs84",
            "--to",
            "gcj02",
            "-o",
            output.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok);
    assert_eq!(
        err,
        format!(
            "tileredact: error: {}: line 4: longitude 200 is out of range; expected -180..=180\n",
            input.display()
        )
    );
    assert_eq!(out, "");
    assert_eq!(listing(&dir), ["in.csv"], "no output, no temporary file");

    let (ok, _, err) = run(&["coords", "--from", "wgs84", "--to", "mars"], "");
    assert!(!ok);
    assert!(err.contains("mars"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
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

const KEY_A: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const KEY_B: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

/// Points in rz-01 (a 600 m compound) and rz-04 (a 100 m wide strip), as CSV rows.
fn points_in_zones() -> String {
    let mut s = String::from("lon,lat\n");
    for i in 0..10 {
        let t = i as f64 / 9.0;
        s += &format!("{},{}\n", -77.9563 + 0.005 * t, 24.6341 + 0.004 * t);
    }
    s += "-77.79173,24.01684\n-77.0,24.0\n";
    s
}

#[test]
fn points_snap_needs_a_key_and_is_deterministic() {
    let dir = temp_dir("snap");
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"default": {"snap": {"cell_m": 5000}}}"#).unwrap();
    let input = points_in_zones();
    let base = [
        "points",
        "--zones",
        &zones(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "csv",
        "--actions",
    ];
    let with_key = |k: &str| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend(["--key", k]);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let go = |k: &str| {
        let args = with_key(k);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, out, err) = run(&args, &input);
        assert!(ok, "{err}");
        out
    };
    let a1 = go(KEY_A);
    let a2 = go(KEY_A);
    let b = go(KEY_B);
    assert_eq!(a1.as_bytes(), a2.as_bytes(), "same key, same bytes");
    let rows = |out: &str| -> Vec<Vec<String>> {
        out.lines()
            .skip(1)
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let (ra, rb) = (rows(&a1), rows(&b));
    assert_eq!(ra.len(), 12);
    assert_eq!(ra[11], ["-77", "24", "kept"]);
    let set = tileredact::ZoneSet::from_geojson_path(zones()).unwrap();
    let mut snapped_both = 0;
    for (x, y) in ra.iter().zip(&rb).take(11) {
        for r in [x, y] {
            assert!(r[2] == "snapped" || r[2] == "suppressed", "{r:?}");
            if r[2] == "snapped" {
                let (lon, lat) = (r[0].parse().unwrap(), r[1].parse().unwrap());
                assert_eq!(set.contains_grown_lnglat(lon, lat).unwrap(), None);
            }
        }
        if x[2] == "snapped" && y[2] == "snapped" {
            snapped_both += 1;
            assert_ne!(x[..2], y[..2], "another key, another grid");
        }
    }
    assert!(
        snapped_both >= 5,
        "{snapped_both} rows snapped with both keys:\n{a1}\n{b}"
    );

    // Without a key: an error, and nothing written.
    let (ok, out, err) = run(&base, &input);
    assert!(!ok, "snap without a key must fail");
    assert!(
        err.contains("needs a redaction key") && err.contains("--key"),
        "{err}"
    );
    assert_eq!(out, "");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn points_move_outside_is_deterministic_and_outside() {
    let dir = temp_dir("move");
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
    assert_eq!(set.contains_grown_lnglat(row[0], row[1]).unwrap(), None);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The three ambiguous headers of issue 7: an error naming the candidates, nothing written;
/// with the columns named, those are redacted and the others copied.
#[test]
fn ambiguous_csv_headers_are_errors_unless_named() {
    // rz-01 holds (-77.9536, 24.6364); the x/y columns hold something else.
    for (header, row, lon, lat, candidates) in [
        (
            "x,y,lon,lat",
            "1,2,-77.9536,24.6364",
            "lon",
            "lat",
            r#"(longitude: "lon" (column 3), "x" (column 1); latitude: "lat" (column 4), "y" (column 2))"#,
        ),
        (
            "name,y,x,latitude,longitude",
            "depot,2,1,24.6364,-77.9536",
            "longitude",
            "latitude",
            r#"(longitude: "longitude" (column 5), "x" (column 3); latitude: "latitude" (column 4), "y" (column 2))"#,
        ),
        (
            "X,Y,Longitude,Latitude",
            "1,2,-77.9536,24.6364",
            "Longitude",
            "Latitude",
            r#"(longitude: "Longitude" (column 3), "X" (column 1); latitude: "Latitude" (column 4), "Y" (column 2))"#,
        ),
    ] {
        let input = format!("{header}\n{row}\n{row}\n");
        for cmd in ["points", "coords"] {
            let z = zones();
            let mut args = if cmd == "points" {
                vec!["points", "--zones", &z, "--format", "csv", "--actions"]
            } else {
                vec![
                    "coords",
                    "--from",
                    "wgs84",
                    "--to",
                    "gcj02",
                    "--region",
                    "everywhere",
                ]
            };
            let (ok, out, err) = run(&args, &input);
            assert!(!ok, "{header}: {out}");
            assert_eq!(
                err,
                format!(
                    "tileredact: error: <stdin>: line 1: the header has more than one pair of \
                     coordinate columns {candidates}; say which to redact with --lon-col and \
                     --lat-col, e.g. --lon-col {lon} --lat-col {lat} (the other columns are \
                     copied unchanged)\n"
                ),
                "{cmd} {header}"
            );
            assert_eq!(out, "", "{cmd} {header}: nothing written");

            args.extend(["--lon-col", lon, "--lat-col", lat]);
            let (ok, out, err) = run(&args, &input);
            assert!(ok, "{cmd} {header}: {err}");
            let lines: Vec<&str> = out.lines().collect();
            if cmd == "points" {
                // The point in rz-01 is suppressed: its named columns are emptied, the rest
                // copied.
                assert_eq!(lines[0], format!("{header},action"));
                let want = row.replace("-77.9536", "").replace("24.6364", "");
                assert_eq!(lines[1], format!("{want},suppressed"), "{header}");
                assert!(err.contains("2 suppressed"), "{err}");
            } else {
                // The named columns are converted (the offsets apply everywhere); the others,
                // x and y among them, are copied.
                assert_eq!(lines[0], header);
                let names: Vec<&str> = header.split(',').collect();
                for line in &lines[1..] {
                    for ((name, got), was) in names.iter().zip(line.split(',')).zip(row.split(','))
                    {
                        if *name == lon || *name == lat {
                            assert_ne!(got, was, "{header}: {name} converted");
                        } else {
                            assert_eq!(got, was, "{header}: {name} copied");
                        }
                    }
                }
                assert_eq!(lines.len(), 3);
            }
        }
    }

    // Named columns must exist, once.
    let (ok, out, err) = run(
        &[
            "coords",
            "--from",
            "wgs84",
            "--to",
            "gcj02",
            "--lon-col",
            "lng",
            "--lat-col",
            "lat",
        ],
        "x,y,lon,lat\n1,2,3,4\n",
    );
    assert!(!ok && out.is_empty());
    assert_eq!(
        err,
        "tileredact: error: <stdin>: line 1: --lon-col \"lng\": no such column in the header \
         \"x,y,lon,lat\"\n"
    );
    // One candidate each, anywhere: no names needed.
    let (ok, out, err) = run(
        &["points", "--zones", &zones(), "--format", "csv"],
        "name,Latitude,LNG\na,24.6364,-77.9536\nb,24.0,-77.0\n",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "name,Latitude,LNG\nb,24,-77\n");
    // --lon-col needs --lat-col.
    let (ok, _, err) = run(
        &[
            "coords",
            "--from",
            "wgs84",
            "--to",
            "gcj02",
            "--lon-col",
            "x",
        ],
        "",
    );
    assert!(!ok);
    assert!(err.contains("--lat-col"), "{err}");
}

/// A failing run leaves an existing output file byte for byte and leaves no temporary file;
/// a successful one replaces it.
#[test]
fn output_files_are_all_or_nothing() {
    let dir = temp_dir("atomic");
    let z = zones();
    // 20 001 good rows, then a bad one.
    let mut big = String::from("lon,lat\n");
    for i in 0..20_001 {
        big += &format!("{},{}\n", -77.0 + i as f64 * 1e-6, 24.0);
    }
    big += "-77.0,abc\n";
    let input = dir.join("in.csv");
    std::fs::write(&input, &big).unwrap();
    let output = dir.join("out.csv");
    let precious = b"precious\nbytes\r\n\x00\xff";
    for cmd in [
        vec!["points", "--zones", &z],
        vec!["coords", "--from", "wgs84", "--to", "gcj02"],
    ] {
        for existing in [true, false] {
            if existing {
                std::fs::write(&output, precious).unwrap();
            } else {
                let _ = std::fs::remove_file(&output);
            }
            let mut args = cmd.clone();
            args.extend(["-o", output.to_str().unwrap(), input.to_str().unwrap()]);
            let (ok, out, err) = run(&args, "");
            assert!(!ok);
            assert_eq!(
                err,
                format!(
                    "tileredact: error: {}: line 20003: latitude \"abc\" is not a number\n",
                    input.display()
                )
            );
            assert_eq!(out, "");
            if existing {
                assert_eq!(std::fs::read(&output).unwrap(), precious, "{cmd:?}");
                assert_eq!(listing(&dir), ["in.csv", "out.csv"], "no temporary file");
            } else {
                assert_eq!(listing(&dir), ["in.csv"], "no output, no temporary file");
            }
        }
    }
    // Success replaces the file.
    std::fs::write(&output, precious).unwrap();
    std::fs::write(&input, "lon,lat\n-77.0,24.0\n").unwrap();
    let (ok, out, err) = run(
        &[
            "points",
            "--zones",
            &z,
            "-o",
            output.to_str().unwrap(),
            input.to_str().unwrap(),
        ],
        "",
    );
    assert!(ok, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "lon,lat\n-77,24\n"
    );
    assert_eq!(listing(&dir), ["in.csv", "out.csv"]);
    // A GeoJSON error (the second feature is not a position) leaves the file too.
    let gj = dir.join("in.geojson");
    std::fs::write(
        &gj,
        r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [-77.0, 24.0]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": ["a", 24.0]}}]}"#,
    )
    .unwrap();
    let (ok, out, err) = run(
        &[
            "points",
            "--zones",
            &z,
            "-o",
            output.to_str().unwrap(),
            gj.to_str().unwrap(),
        ],
        "",
    );
    assert!(!ok);
    assert_eq!(
        err,
        format!(
            "tileredact: error: {}: feature 1: position [\"a\",24.0] is not [lon, lat] numbers\n",
            gj.display()
        )
    );
    assert_eq!(out, "");
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "lon,lat\n-77,24\n"
    );
    assert_eq!(listing(&dir), ["in.csv", "in.geojson", "out.csv"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every number in a JSON value, recursively.
fn numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        serde_json::Value::Object(m) => m.values().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

/// bbox members are recomputed from the output (never copied), a moved position loses its
/// altitude, a MultiPoint is labelled with its strictest action, and properties, ids and
/// foreign members pass through.
#[test]
fn geojson_bboxes_are_recomputed_and_multipoints_take_the_strictest_action() {
    let dir = temp_dir("bbox");
    let policy = dir.join("policy.json");
    // rz-01 is military (suppress), rz-05 is government (move outside).
    std::fs::write(
        &policy,
        r#"{"default": "suppress", "categories": {"government": "move_outside"}}"#,
    )
    .unwrap();
    let (sup, mov, kept) = ([-77.9536, 24.6364], [-78.0468, 24.5271], [-77.0, 24.0]);
    let input = serde_json::json!({"type": "FeatureCollection", "name": "fixes",
    "bbox": [-78.0468, 24.0, -77.0, 24.6364],
    "features": [
        {"type": "Feature", "id": 1, "bbox": [-77.9536, 24.6364, -77.9536, 24.6364],
         "properties": {"who": "a"},
         "geometry": {"type": "Point", "coordinates": sup, "bbox": [-77.9536, 24.6364, -77.9536, 24.6364]}},
        {"type": "Feature", "id": 2, "bbox": [-78.0468, 24.5271, -78.0468, 24.5271],
         "properties": {"who": "b"},
         "geometry": {"type": "Point", "coordinates": [mov[0], mov[1], 12.5],
                      "bbox": [-78.0468, 24.5271, -78.0468, 24.5271]}},
        {"type": "Feature", "id": 3, "bbox": [-78.0468, 24.0, -77.0, 24.6364],
         "properties": {"who": "c"},
         "geometry": {"type": "MultiPoint", "coordinates": [[kept[0], kept[1], 3.0], mov, sup],
                      "bbox": [-78.0468, 24.0, -77.0, 24.6364]}},
        {"type": "Feature", "id": 4, "properties": {"who": "d"},
         "geometry": {"type": "MultiPoint", "coordinates": [kept, mov]}},
        {"type": "Feature", "id": 5, "bbox": [1, 2, 3, 4], "properties": null, "geometry": null}
    ]});
    let run_with = |actions: bool| {
        let z = zones();
        let mut args = vec![
            "points",
            "--zones",
            &z,
            "--policy",
            policy.to_str().unwrap(),
            "--format",
            "geojson",
        ];
        if actions {
            args.push("--actions");
        }
        let (ok, out, err) = run(&args, &input.to_string());
        assert!(ok, "{err}");
        assert!(
            err.contains("2 suppressed") && err.contains("3 moved"),
            "{err}"
        );
        serde_json::from_str::<serde_json::Value>(&out).unwrap()
    };
    for actions in [false, true] {
        let out = run_with(actions);
        // No original position of a suppressed or moved point, anywhere.
        let mut all = Vec::new();
        numbers(&out, &mut all);
        for v in [sup[0], sup[1], mov[0], mov[1], 12.5] {
            assert!(!all.contains(&v), "{v} leaked: {out}");
        }
        let f = out["features"].as_array().unwrap();
        let by_id = |id: i64| {
            f.iter()
                .find(|x| x["id"] == id)
                .unwrap_or(&serde_json::Value::Null)
        };
        let f = [by_id(1), by_id(2), by_id(3), by_id(4), by_id(5)];
        assert_eq!(out["name"], "fixes");
        let moved = f[1]["geometry"]["coordinates"].as_array().unwrap();
        assert_eq!(moved.len(), 2, "the altitude of a moved point is dropped");
        let (mx, my) = (moved[0].as_f64().unwrap(), moved[1].as_f64().unwrap());
        let multi = &f[2]["geometry"];
        assert_eq!(
            multi["coordinates"],
            serde_json::json!([[kept[0], kept[1], 3.0], [mx, my]]),
            "kept as it was; moved like the Point; suppressed removed"
        );
        assert_eq!(multi["bbox"], serde_json::json!([mx, kept[1], kept[0], my]));
        assert_eq!(f[2]["bbox"], multi["bbox"]);
        assert_eq!(f[1]["bbox"], serde_json::json!([mx, my, mx, my]));
        assert_eq!(f[1]["geometry"]["bbox"], f[1]["bbox"]);
        assert_eq!(out["bbox"], serde_json::json!([mx, kept[1], kept[0], my]));
        let count = out["features"].as_array().unwrap().len();
        if actions {
            assert_eq!(count, 5);
            assert_eq!(f[0]["geometry"], serde_json::Value::Null);
            assert!(f[0].get("bbox").is_none(), "{}", f[0]);
            assert_eq!(f[0]["properties"]["tileredact_action"], "suppressed");
            assert_eq!(f[1]["properties"]["tileredact_action"], "moved");
            assert_eq!(f[2]["properties"]["tileredact_action"], "suppressed");
            assert_eq!(f[3]["properties"]["tileredact_action"], "moved");
            assert!(f[4].get("bbox").is_none());
            assert_eq!(f[2]["properties"]["who"], "c");
            assert_eq!(f[2]["id"], 3);
        } else {
            assert_eq!(count, 4, "the all-suppressed feature is dropped");
            assert!(f[0].is_null());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A zone file with a UTF-8 byte order mark loads; zone errors name the file once.
#[test]
fn zone_files_with_a_bom_load_and_errors_name_the_file_once() {
    let dir = temp_dir("bom");
    let text = std::fs::read_to_string(zones()).unwrap();
    let bom = dir.join("bom.geojson");
    std::fs::write(&bom, format!("\u{feff}{text}")).unwrap();
    let input = "lon,lat\n-77.9536,24.6364\n-77.0,24.0\n";
    let (ok, out, err) = run(&["points", "--zones", bom.to_str().unwrap()], input);
    assert!(ok, "{err}");
    assert_eq!(out, "lon,lat\n-77,24\n");
    // Points with a BOM too, GeoJSON (recognised on standard input) and CSV.
    let gj = "\u{feff}{\"type\": \"Point\", \"coordinates\": [-77.0, 24.0]}";
    let (ok, out, err) = run(&["points", "--zones", bom.to_str().unwrap()], gj);
    assert!(ok, "{err}");
    assert_eq!(out, "{\"coordinates\":[-77.0,24.0],\"type\":\"Point\"}\n");
    let (ok, out, err) = run(
        &["points", "--zones", bom.to_str().unwrap()],
        &format!("\u{feff}{input}"),
    );
    assert!(ok, "{err}");
    assert_eq!(out, "lon,lat\n-77,24\n");

    let broken = dir.join("broken.geojson");
    std::fs::write(
        &broken,
        "{\"type\": \"FeatureCollection\",\n \"features\": [}\n",
    )
    .unwrap();
    let (ok, out, err) = run(&["points", "--zones", broken.to_str().unwrap()], input);
    assert!(!ok);
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "tileredact: error: zone input is not valid GeoJSON: {}: expected value at line 2 \
             column 15\n",
            broken.display()
        )
    );
    let bad = dir.join("bad.geojson");
    std::fs::write(
        &bad,
        r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 0], [0, 0]]]}"#,
    )
    .unwrap();
    let (ok, _, err) = run(&["points", "--zones", bad.to_str().unwrap()], input);
    assert!(!ok);
    assert_eq!(err.matches(&*bad.display().to_string()).count(), 1, "{err}");
    assert!(err.contains("latitude 95 is out of range"), "{err}");
    // plan reads zones the same way.
    let (ok, _, err) = run(
        &["plan", "--zones", broken.to_str().unwrap(), "--zoom", "3"],
        "",
    );
    assert!(!ok);
    assert_eq!(
        err.matches(&*broken.display().to_string()).count(),
        1,
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A typo in the policy file is an error naming it.
#[test]
fn policy_typos_are_errors() {
    let dir = temp_dir("policy");
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"default": "keep", "categories": {"military": {"ponts": "keep", "operator": "fill"}}}"#,
    )
    .unwrap();
    let (ok, out, err) = run(
        &[
            "points",
            "--zones",
            &zones(),
            "--policy",
            policy.to_str().unwrap(),
        ],
        "lon,lat\n-77.9536,24.6364\n",
    );
    assert!(!ok);
    assert_eq!(out, "");
    assert!(
        err.contains("categories.military: unknown member \"ponts\"; a rule is a point policy"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
