//! Any text as a policy: parsed or an error, never a panic; a parsed policy resolves a rule
//! for any zone or says why not.
#![no_main]

use std::sync::LazyLock;

use tileredact::{Policy, ZoneSet};

static ZONES: LazyLock<ZoneSet> = LazyLock::new(|| {
    ZoneSet::from_geojson_str(
        r#"{"type":"Feature","properties":{"id":"a","category":"m"},"geometry":{"type":"Polygon","coordinates":[[[10.0,50.0],[10.02,50.0],[10.01,50.015],[10.0,50.0]]]}}"#,
    )
    .expect("fixed zone")
});

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(policy) = Policy::from_json_str(text) {
            let _ = policy.rule_for(&ZONES.zones()[0]);
            let _ = policy.point_rules();
            let _ = policy.mask_options();
        }
    }
});
