//! GeoJSON input: FeatureCollection, Feature or bare geometry -> raw zones (properties and
//! rings of positions as given), with precise errors for everything that is not a zone.
//!
//! Policy choices (also documented on [`ZoneSet`](super::ZoneSet)):
//! - Accepted geometry types: `Polygon`, `MultiPolygon`, and a `GeometryCollection` whose
//!   members (possibly nested, at most [`MAX_COLLECTION_DEPTH`] deep) are all polygonal. Such a
//!   collection is a documented *repair*: it is flattened into one MultiPolygon, whose parts
//!   must then be disjoint like any MultiPolygon's.
//! - A Feature without a `geometry` member, or with `"geometry": null`, is an error: a zone
//!   without an area cannot be redacted and is most likely a broken export.
//! - An input without any feature is an error ("no zones"): a policy choice, so that a wrong or
//!   truncated file cannot silently switch redaction off.
//! - Two features with the same id are an error: policies refer to zones by id.
//! - `id`: the `id` property (string or number), else the Feature `id`, else `#<index>`.
//! - `margin_m`: a finite number in `0..=`[`MAX_MARGIN_M`]; absent or `null` means 0.
//! - Positions are `[lon, lat]` or `[lon, lat, alt, ...]`; anything after the latitude is
//!   ignored. Foreign members and `bbox` are ignored.
//! - Edges join consecutive positions the short way in longitude and never wrap: a ring with
//!   an edge spanning more than 180° of longitude is an error (it crosses the antimeridian,
//!   and read literally it would be the complement of the zone, the long way round). A zone
//!   across the antimeridian is split at ±180° into parts on either side (RFC 7946 §3.1.9).

use serde_json::{Map, Value};

use crate::error::{Error, Result, ZoneLocation};

/// The largest accepted `margin_m`, in ground metres (100 km).
pub(crate) const MAX_MARGIN_M: f64 = 100_000.0;

/// How deep GeometryCollections may nest.
pub(crate) const MAX_COLLECTION_DEPTH: usize = 8;

/// A ring as given: positions `[lon, lat]` in input order.
pub(crate) type RawRing = Vec<[f64; 2]>;

/// One feature as given, before validation.
#[derive(Debug, Clone)]
pub(crate) struct RawZone {
    /// Index of the feature in the collection, if the input was a collection.
    pub feature: Option<usize>,
    pub id: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub margin_m: f64,
    pub properties: Map<String, Value>,
    /// Polygons -> rings (0 exterior, 1.. holes) -> positions.
    pub polygons: Vec<Vec<RawRing>>,
    /// Whether the polygons are parts of a MultiPolygon (or flattened collection), so that
    /// locations name the polygon index.
    pub multi: bool,
}

impl RawZone {
    /// A location in this zone.
    pub fn loc(
        &self,
        polygon: Option<usize>,
        ring: Option<usize>,
        position: Option<usize>,
    ) -> ZoneLocation {
        ZoneLocation {
            feature: self.feature,
            id: Some(self.id.clone()),
            polygon: if self.multi { polygon } else { None },
            ring,
            position,
        }
    }
}

/// Parses GeoJSON text into a JSON value, turning syntax errors into [`Error::ZoneSyntax`]
/// with line and column.
pub(crate) fn parse_json(text: &str) -> Result<Value> {
    // A byte order mark (some Windows editors write one) is not part of the JSON text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    serde_json::from_str(text).map_err(|e| syntax_error(text, &e))
}

fn syntax_error(text: &str, e: &serde_json::Error) -> Error {
    let mut msg = e.to_string();
    if e.classify() == serde_json::error::Category::Eof {
        msg.push_str("; the text ends before the JSON is complete (a truncated file?)");
    } else if msg.contains("control character") {
        msg.push_str("; a string is not closed before the end of its line (a truncated file?)");
    }
    // serde_json points just past the offending character; look around it for NaN/Infinity,
    // which Python writes but JSON (RFC 8259) does not allow.
    if let Some(line) = text.lines().nth(e.line().saturating_sub(1)) {
        let bytes = line.as_bytes();
        let lo = e.column().saturating_sub(2).min(bytes.len());
        let hi = (lo + 10).min(bytes.len());
        let window = &bytes[lo..hi];
        let has = |w: &[u8]| window.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
        if has(b"nan") || has(b"inf") {
            msg.push_str(
                "; NaN and Infinity are not valid JSON numbers: every coordinate must be a \
                 finite number",
            );
        }
    }
    Error::ZoneSyntax(msg)
}

fn err(loc: ZoneLocation, reason: impl Into<String>) -> Error {
    Error::zone(loc, reason)
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

const ACCEPTED: &str = "FeatureCollection, Feature, Polygon, MultiPolygon or GeometryCollection";
const ACCEPTED_GEOMETRY: &str =
    "Polygon, MultiPolygon, or a GeometryCollection of polygonal geometries";

/// Reads the features of a GeoJSON value.
pub(crate) fn read_zones(value: &Value) -> Result<Vec<RawZone>> {
    let top = ZoneLocation::default();
    let obj = value.as_object().ok_or_else(|| {
        err(
            top.clone(),
            format!(
                "the GeoJSON must be an object ({ACCEPTED}), not {}",
                type_of(value)
            ),
        )
    })?;
    let ty = obj.get("type").and_then(Value::as_str).ok_or_else(|| {
        err(
            top.clone(),
            format!("the GeoJSON object has no \"type\" string; expected {ACCEPTED}"),
        )
    })?;
    let zones = match ty {
        "FeatureCollection" => {
            let features = obj
                .get("features")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    err(
                        top.clone(),
                        "a FeatureCollection needs a \"features\" array",
                    )
                })?;
            let mut zones = Vec::with_capacity(features.len());
            for (i, f) in features.iter().enumerate() {
                zones.push(read_feature(f, Some(i), i)?);
            }
            zones
        }
        "Feature" => vec![read_feature(value, None, 0)?],
        "Polygon" | "MultiPolygon" | "GeometryCollection" => {
            let mut zone = RawZone {
                feature: None,
                id: "#0".to_string(),
                name: None,
                category: None,
                margin_m: 0.0,
                properties: Map::new(),
                polygons: Vec::new(),
                multi: is_multi(value),
            };
            read_geometry(value, &mut zone, 0)?;
            vec![zone]
        }
        other => {
            return Err(err(
                top,
                format!("unsupported GeoJSON type {other:?}; expected {ACCEPTED}"),
            ));
        }
    };
    if zones.is_empty() {
        return Err(err(
            top,
            "no zones: the FeatureCollection has no features (an empty zone set is refused as a \
             policy choice, so that a wrong or truncated file cannot switch redaction off)",
        ));
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, z) in zones.iter().enumerate() {
        if let Some(&first) = seen.get(z.id.as_str()) {
            return Err(err(
                z.loc(None, None, None),
                format!(
                    "duplicate zone id {:?}: feature {first} has it too; zone ids must be unique",
                    z.id
                ),
            ));
        }
        seen.insert(&z.id, i);
    }
    Ok(zones)
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_feature(value: &Value, feature: Option<usize>, index: usize) -> Result<RawZone> {
    let mut loc = ZoneLocation {
        feature,
        ..ZoneLocation::default()
    };
    let obj = value.as_object().ok_or_else(|| {
        err(
            loc.clone(),
            format!(
                "a feature must be a GeoJSON Feature object, not {}",
                type_of(value)
            ),
        )
    })?;
    match obj.get("type").and_then(Value::as_str) {
        Some("Feature") => {}
        Some(other) => {
            return Err(err(
                loc,
                format!("expected a \"Feature\" in \"features\", found type {other:?}"),
            ));
        }
        None => return Err(err(loc, "a feature needs \"type\": \"Feature\"")),
    }
    let properties = match obj.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(err(
                loc,
                format!(
                    "\"properties\" must be an object or null, not {}",
                    type_of(other)
                ),
            ));
        }
    };
    let id = match properties.get("id") {
        Some(Value::Null) | None => match obj.get("id") {
            None | Some(Value::Null) => format!("#{index}"),
            Some(v) => id_string(v).ok_or_else(|| {
                err(
                    loc.clone(),
                    format!(
                        "the Feature \"id\" must be a string or a number, not {}",
                        type_of(v)
                    ),
                )
            })?,
        },
        Some(v) => id_string(v).ok_or_else(|| {
            err(
                loc.clone(),
                format!(
                    "the \"id\" property must be a string or a number, not {}",
                    type_of(v)
                ),
            )
        })?,
    };
    loc.id = Some(id.clone());
    let text = |key: &str| -> Result<Option<String>> {
        match properties.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(err(
                loc.clone(),
                format!(
                    "the {key:?} property must be a string, not {}",
                    type_of(other)
                ),
            )),
        }
    };
    let name = text("name")?;
    let category = text("category")?;
    let margin_m = match properties.get("margin_m") {
        None | Some(Value::Null) => 0.0,
        Some(Value::Number(n)) => {
            let m = n.as_f64().unwrap_or(f64::NAN);
            if !m.is_finite() || !(0.0..=MAX_MARGIN_M).contains(&m) {
                return Err(err(
                    loc,
                    format!(
                        "margin_m is {n}; expected a number of ground metres in 0..={MAX_MARGIN_M}"
                    ),
                ));
            }
            m
        }
        Some(other) => {
            return Err(err(
                loc,
                format!(
                    "margin_m must be a number of ground metres in 0..={MAX_MARGIN_M}, not {}",
                    type_of(other)
                ),
            ));
        }
    };
    let geometry = match obj.get("geometry") {
        None => {
            return Err(err(
                loc,
                format!(
                    "the feature has no \"geometry\" member (RFC 7946 requires it); a zone needs a \
                     {ACCEPTED_GEOMETRY}"
                ),
            ));
        }
        Some(Value::Null) => {
            return Err(err(
                loc,
                format!("the feature's geometry is null; a zone needs a {ACCEPTED_GEOMETRY}"),
            ));
        }
        Some(g) => g,
    };
    let mut zone = RawZone {
        feature,
        id,
        name,
        category,
        margin_m,
        properties,
        polygons: Vec::new(),
        multi: is_multi(geometry),
    };
    read_geometry(geometry, &mut zone, 0)?;
    Ok(zone)
}

fn is_multi(geometry: &Value) -> bool {
    matches!(
        geometry.get("type").and_then(Value::as_str),
        Some("MultiPolygon" | "GeometryCollection")
    )
}

fn read_geometry(value: &Value, zone: &mut RawZone, depth: usize) -> Result<()> {
    let here = zone.polygons.len();
    let loc = zone.loc(Some(here), None, None);
    let obj = value.as_object().ok_or_else(|| {
        err(
            loc.clone(),
            format!("the geometry must be an object, not {}", type_of(value)),
        )
    })?;
    let ty = obj.get("type").and_then(Value::as_str).ok_or_else(|| {
        err(
            loc.clone(),
            format!("the geometry has no \"type\" string; expected {ACCEPTED_GEOMETRY}"),
        )
    })?;
    let coords = || {
        obj.get("coordinates").ok_or_else(|| {
            err(
                loc.clone(),
                format!("the {ty} has no \"coordinates\" member"),
            )
        })
    };
    match ty {
        "Polygon" => {
            let rings = read_polygon(coords()?, zone, here)?;
            zone.polygons.push(rings);
        }
        "MultiPolygon" => {
            let polys = coords()?.as_array().ok_or_else(|| {
                err(
                    loc.clone(),
                    "MultiPolygon coordinates must be an array of polygons",
                )
            })?;
            if polys.is_empty() {
                return Err(err(
                    loc,
                    "the MultiPolygon is empty; a zone needs at least one polygon",
                ));
            }
            for p in polys {
                let idx = zone.polygons.len();
                let rings = read_polygon(p, zone, idx)?;
                zone.polygons.push(rings);
            }
        }
        "GeometryCollection" => {
            if depth >= MAX_COLLECTION_DEPTH {
                return Err(err(
                    loc,
                    format!("GeometryCollections are nested more than {MAX_COLLECTION_DEPTH} deep"),
                ));
            }
            let members = obj
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    err(
                        loc.clone(),
                        "a GeometryCollection needs a \"geometries\" array",
                    )
                })?;
            if members.is_empty() && depth == 0 {
                return Err(err(
                    loc,
                    "the GeometryCollection is empty; a zone needs at least one polygon",
                ));
            }
            for m in members {
                read_geometry(m, zone, depth + 1)?;
            }
            if depth == 0 && zone.polygons.is_empty() {
                return Err(err(loc, "the GeometryCollection holds no polygon"));
            }
        }
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {
            return Err(err(
                loc,
                format!(
                    "geometry type {ty} is not supported: zones must be areas ({ACCEPTED_GEOMETRY})"
                ),
            ));
        }
        other => {
            return Err(err(
                loc,
                format!("unknown geometry type {other:?}; expected {ACCEPTED_GEOMETRY}"),
            ));
        }
    }
    Ok(())
}

fn read_polygon(value: &Value, zone: &RawZone, polygon: usize) -> Result<Vec<RawRing>> {
    let rings = value.as_array().ok_or_else(|| {
        err(
            zone.loc(Some(polygon), None, None),
            format!(
                "polygon coordinates must be an array of rings, not {}",
                type_of(value)
            ),
        )
    })?;
    if rings.is_empty() {
        return Err(err(
            zone.loc(Some(polygon), None, None),
            "the polygon has no rings; it needs an exterior ring",
        ));
    }
    let mut out = Vec::with_capacity(rings.len());
    for (ri, ring) in rings.iter().enumerate() {
        let positions = ring.as_array().ok_or_else(|| {
            err(
                zone.loc(Some(polygon), Some(ri), None),
                format!(
                    "a ring must be an array of positions, not {}",
                    type_of(ring)
                ),
            )
        })?;
        let mut pts = Vec::with_capacity(positions.len());
        for (pi, p) in positions.iter().enumerate() {
            let bad = || {
                err(
                    zone.loc(Some(polygon), Some(ri), Some(pi)),
                    format!(
                        "a position must be an array of 2 or 3 numbers [longitude, latitude, \
                         (altitude)], not {}",
                        match p {
                            Value::Array(a) => format!("an array of {} element(s)", a.len()),
                            other => type_of(other).to_string(),
                        }
                    ),
                )
            };
            let arr = p.as_array().ok_or_else(bad)?;
            if arr.len() < 2 || !arr.iter().all(Value::is_number) {
                return Err(bad());
            }
            let lon = arr[0].as_f64().ok_or_else(bad)?;
            let lat = arr[1].as_f64().ok_or_else(bad)?;
            pts.push([lon, lat]);
        }
        out.push(pts);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let text = "{\"type\": \"Point\", \"coordinates\": [1, 2]}";
        let with_bom = format!("\u{feff}{text}");
        assert_eq!(parse_json(&with_bom).unwrap(), parse_json(text).unwrap());
        // Only one, and only at the start.
        assert!(parse_json(&format!("\u{feff}{with_bom}")).is_err());
        assert!(parse_json(&format!(" {with_bom}")).is_err());
    }

    #[test]
    fn ids_and_properties() {
        let sq = json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]});
        let fc = json!({"type":"FeatureCollection","features":[
            {"type":"Feature","id":7,"properties":{"name":"a","x":1},"geometry":sq},
            {"type":"Feature","properties":{"id":"p","margin_m":5},"geometry":sq},
            {"type":"Feature","properties":null,"geometry":sq},
        ]});
        let z = read_zones(&fc).unwrap();
        assert_eq!(z[0].id, "7");
        assert_eq!(z[0].name.as_deref(), Some("a"));
        assert_eq!(z[0].properties["x"], json!(1));
        assert_eq!(z[1].id, "p");
        assert_eq!(z[1].margin_m, 5.0);
        assert_eq!(z[2].id, "#2");
    }

    #[test]
    fn rejects_bad_properties() {
        let sq = json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]});
        for props in [
            json!({"id":"m","margin_m":-1}),
            json!({"id":"m","margin_m":1e6}),
            json!({"id":"m","margin_m":"5"}),
            json!({"id":true}),
            json!({"id":"m","name":3}),
        ] {
            let f = json!({"type":"Feature","properties":props,"geometry":sq});
            assert!(
                matches!(read_zones(&f), Err(Error::InvalidZone { .. })),
                "{props}"
            );
        }
        let dup = json!({"type":"FeatureCollection","features":[
            {"type":"Feature","id":"a","properties":{},"geometry":sq},
            {"type":"Feature","id":"a","properties":{},"geometry":sq}]});
        let e = read_zones(&dup).unwrap_err().to_string();
        assert!(e.contains("duplicate zone id"), "{e}");
    }

    #[test]
    fn nan_hint() {
        let e = parse_json("[1, NaN]").unwrap_err().to_string();
        assert!(e.contains("line 1 column"), "{e}");
        assert!(e.contains("NaN and Infinity are not valid JSON"), "{e}");
    }
}
