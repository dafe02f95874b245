//! Loading a [`ZoneSet`] from GeoJSON: parse -> validate -> project -> grow -> index.

use std::path::Path;

use geo::BoundingRect;

use super::geojson_in::{self, RawZone};
use super::{Zone, ZoneSet, grow, validate};
use crate::error::{Error, Result};

impl ZoneSet {
    /// Loads zones from GeoJSON text.
    ///
    /// See [`ZoneSet`] for the accepted input, the repairs and the errors. A leading UTF-8 byte
    /// order mark is ignored.
    ///
    /// Edges join consecutive positions and never wrap around the antimeridian: a ring with
    /// an edge spanning more than 180° of longitude is an error (read literally it would
    /// redact the complement of the zone, the long way round). Split such a zone at ±180°
    /// into parts on either side (RFC 7946 §3.1.9), or add intermediate positions if the
    /// long way round is really meant.
    ///
    /// # Errors
    /// [`Error::ZoneSyntax`] for invalid JSON (with line and column), [`Error::InvalidZone`]
    /// for anything that is not a valid zone (with feature, id, polygon, ring and position),
    /// including a ring that crosses the antimeridian.
    ///
    /// # Examples
    /// ```
    /// use tileredact::ZoneSet;
    ///
    /// let zones = ZoneSet::from_geojson_str(r#"{
    ///   "type": "Feature", "properties": {"id": "depot", "margin_m": 25},
    ///   "geometry": {"type": "Polygon",
    ///                "coordinates": [[[10.0, 50.0], [10.01, 50.0], [10.01, 50.01], [10.0, 50.0]]]}
    /// }"#).unwrap();
    /// assert_eq!(zones.len(), 1);
    /// let depot = zones.get("depot").unwrap();
    /// assert_eq!(depot.margin_m(), 25.0);
    /// // The grown zone contains the zone and its 25 m margin.
    /// assert_eq!(zones.contains_grown_lnglat(10.005, 50.002).unwrap(), Some(0));
    ///
    /// let err = ZoneSet::from_geojson_str(
    ///     r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 0], [0, 0]]]}"#,
    /// ).unwrap_err();
    /// assert!(err.to_string().contains("latitude 95 is out of range; expected -90..=90"));
    ///
    /// // A box drawn across the antimeridian is refused, not read as the 340° band.
    /// let err = ZoneSet::from_geojson_str(
    ///     r#"{"type": "Polygon", "coordinates": [[[170, 0], [-170, 0], [-170, 10], [170, 10], [170, 0]]]}"#,
    /// ).unwrap_err();
    /// assert!(err.to_string().contains("crosses the antimeridian"));
    /// ```
    pub fn from_geojson_str(text: &str) -> Result<ZoneSet> {
        Self::from_geojson_value(&geojson_in::parse_json(text)?)
    }

    /// Loads zones from GeoJSON bytes (UTF-8 text, as read from a file or handed over by the
    /// C ABI).
    ///
    /// # Errors
    /// [`Error::ZoneSyntax`] naming the offset of the first byte that is not UTF-8; otherwise
    /// as [`ZoneSet::from_geojson_str`].
    ///
    /// ```
    /// use tileredact::ZoneSet;
    /// let e = ZoneSet::from_geojson_bytes(b"{\"type\": \xff}").unwrap_err();
    /// assert_eq!(e.code(), 400);
    /// assert!(e.to_string().contains("offset 9"));
    /// ```
    pub fn from_geojson_bytes(bytes: &[u8]) -> Result<ZoneSet> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::ZoneSyntax(format!(
                "not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ))
        })?;
        Self::from_geojson_str(text)
    }

    /// Loads zones from a GeoJSON file.
    ///
    /// # Errors
    /// [`Error::Io`] naming the path when the file cannot be read; otherwise as
    /// [`ZoneSet::from_geojson_str`] (syntax errors name the path too).
    pub fn from_geojson_path(path: impl AsRef<Path>) -> Result<ZoneSet> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            context: format!("cannot read zones from {}", path.display()),
            source,
        })?;
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            Error::ZoneSyntax(format!(
                "{}: not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.valid_up_to()
            ))
        })?;
        match geojson_in::parse_json(text) {
            Ok(v) => Self::from_geojson_value(&v),
            Err(Error::ZoneSyntax(msg)) => {
                Err(Error::ZoneSyntax(format!("{}: {msg}", path.display())))
            }
            Err(e) => Err(e),
        }
    }

    /// Loads zones from a parsed GeoJSON value.
    ///
    /// # Errors
    /// As [`ZoneSet::from_geojson_str`], without syntax errors.
    pub fn from_geojson_value(value: &serde_json::Value) -> Result<ZoneSet> {
        let raw = geojson_in::read_zones(value)?;
        let zones = raw
            .into_iter()
            .map(build_zone)
            .collect::<Result<Vec<_>>>()?;
        Ok(ZoneSet::from_zones(zones))
    }
}

impl Zone {
    /// The zone grown by `margin_m` instead of its own margin (for a margin that a policy
    /// rule gives a zone without a `margin_m` property).
    pub(crate) fn with_margin(&self, margin_m: f64) -> Zone {
        let poleward = grow::poleward_lat(&self.lnglat);
        let margin = grow::margin_mercator_bound(margin_m, poleward);
        let grown = grow::grow(&self.mercator, margin);
        let grown_bbox_m = grown.bounding_rect().unwrap_or(self.bbox_m);
        Zone {
            margin_m,
            grown,
            grown_bbox_m,
            ..self.clone()
        }
    }

    /// The largest |latitude| the zone grown by its margin reaches, in degrees, clamped to
    /// the Web Mercator limit: where a ground distance is the most world pixels.
    pub(crate) fn poleward_grown_lat(&self) -> f64 {
        let b = self.grown_bbox_m;
        let y = b.min().y.abs().max(b.max().y.abs());
        crate::mercator_to_lnglat(0.0, y)
            .1
            .abs()
            .min(crate::MERCATOR_MAX_LAT)
    }
}

fn build_zone(raw: RawZone) -> Result<Zone> {
    let lnglat = validate::validate(&raw)?;
    let mercator = grow::project(&lnglat);
    let poleward = grow::poleward_lat(&lnglat);
    if poleward <= crate::MERCATOR_MAX_LAT {
        validate::check_projected(&raw, &mercator)?;
    }
    let margin = grow::margin_mercator_bound(raw.margin_m, poleward);
    let grown = grow::grow(&mercator, margin);
    let internal = |what: &str| {
        Error::zone(
            raw.loc(None, None, None),
            format!("internal error: the {what} geometry is empty; please report this zone"),
        )
    };
    let bbox_m = mercator
        .bounding_rect()
        .ok_or_else(|| internal("projected"))?;
    let grown_bbox_m = grown.bounding_rect().ok_or_else(|| internal("grown"))?;
    Ok(Zone {
        id: raw.id,
        name: raw.name,
        category: raw.category,
        margin_m: raw.margin_m,
        properties: raw.properties,
        lnglat,
        mercator,
        grown,
        bbox_m,
        grown_bbox_m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_geojson_bytes_loads_utf8_and_names_the_bad_byte() {
        let text = r#"{"type": "Feature", "properties": {"id": "a"}, "geometry": {"type": "Polygon",
            "coordinates": [[[10.0, 50.0], [10.01, 50.0], [10.01, 50.01], [10.0, 50.0]]]}}"#;
        let zones = ZoneSet::from_geojson_bytes(text.as_bytes()).unwrap();
        assert_eq!(zones.len(), 1);
        assert_eq!(zones.zones()[0].id(), "a");
        let mut bad = text.as_bytes().to_vec();
        bad[3] = 0xc3; // a lead byte followed by ASCII
        let e = ZoneSet::from_geojson_bytes(&bad).unwrap_err();
        assert!(matches!(e, Error::ZoneSyntax(_)), "{e:?}");
        assert!(e.to_string().contains("offset 3"), "{e}");
        // Valid UTF-8 that is not JSON is a syntax error from the parser.
        let e = ZoneSet::from_geojson_bytes(b"{").unwrap_err();
        assert_eq!(e.code(), 400);
    }
}
