//! Any text must load as zones or give an error: never a panic, a hang or an abort.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tileredact::ZoneSet::from_geojson_str(text);
    }
});
