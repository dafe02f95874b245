//! The one error type of the crate.
//!
//! Every message says what was wrong, where (feature index and id, ring, position) and what
//! range was expected, so a user can fix the input without reading the source.

use std::fmt;

/// Where in a zone file a problem was found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ZoneLocation {
    /// Index of the feature in the collection (0-based), if the input was a collection.
    pub feature: Option<usize>,
    /// The zone's `id` property (or the Feature `id`), if it has one.
    pub id: Option<String>,
    /// Index of the polygon in a MultiPolygon (0-based).
    pub polygon: Option<usize>,
    /// Index of the ring in its polygon: 0 is the exterior ring, 1.. are holes.
    pub ring: Option<usize>,
    /// Index of the position in its ring (0-based).
    pub position: Option<usize>,
}

impl fmt::Display for ZoneLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(i) = self.feature {
            parts.push(format!("feature {i}"));
        }
        if let Some(id) = &self.id {
            parts.push(format!("id {id:?}"));
        }
        if let Some(p) = self.polygon {
            parts.push(format!("polygon {p}"));
        }
        if let Some(r) = self.ring {
            if r == 0 {
                parts.push("exterior ring".to_string());
            } else {
                parts.push(format!("hole {r}"));
            }
        }
        if let Some(p) = self.position {
            parts.push(format!("position {p}"));
        }
        if parts.is_empty() {
            f.write_str("zone input")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// Errors of `tileredact`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A tile address is out of range.
    #[error("invalid tile {z}/{x}/{y}: {reason}")]
    InvalidTile {
        /// Zoom as given.
        z: u64,
        /// Column as given.
        x: u64,
        /// Row as given.
        y: u64,
        /// What range was expected.
        reason: String,
    },
    /// A tile address string could not be parsed.
    #[error("cannot parse tile {input:?}: {reason}")]
    TileSyntax {
        /// The text as given.
        input: String,
        /// What was expected.
        reason: String,
    },
    /// A longitude/latitude is not finite or out of range.
    #[error("invalid coordinate ({lon}, {lat}): {reason}")]
    InvalidCoordinate {
        /// Longitude as given.
        lon: f64,
        /// Latitude as given.
        lat: f64,
        /// What range was expected.
        reason: String,
    },
    /// The zone input is not valid JSON / GeoJSON.
    #[error("zone input is not valid GeoJSON: {0}")]
    ZoneSyntax(String),
    /// A zone is malformed; the location names the feature, ring and position.
    #[error("invalid zone ({location}): {reason}")]
    InvalidZone {
        /// Where the problem is.
        location: ZoneLocation,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// A parameter is out of its valid range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// What range was expected.
        reason: String,
    },
    /// A buffer has the wrong size for the stated dimensions.
    #[error("buffer of {actual} bytes is wrong: expected {expected} bytes ({what})")]
    BufferSize {
        /// Bytes expected.
        expected: usize,
        /// Bytes given.
        actual: usize,
        /// What the buffer is for.
        what: &'static str,
    },
    /// An encoded image could not be decoded (or is not a PNG, JPEG or WebP).
    #[error("cannot decode {format} image: {reason}")]
    Decode {
        /// The format as detected (`"png"`, `"jpeg"`, `"webp"`, or `"unknown"`).
        format: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A redacted image could not be encoded.
    #[error("cannot encode {format} image: {reason}")]
    Encode {
        /// The format being written.
        format: &'static str,
        /// What failed.
        reason: String,
    },
    /// An I/O error, with the path or stream it happened on.
    #[error("{context}: {source}")]
    Io {
        /// What was being read or written.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A stable number for the kind of error, grouped by origin in hundreds: the same numbers
    /// are the result codes of the C ABI. Numbers are never reused; a retired one stays
    /// reserved.
    ///
    /// | code | kind |
    /// |---|---|
    /// | 100 | [`Error::InvalidParameter`] |
    /// | 101 | [`Error::BufferSize`] |
    /// | 200 | [`Error::InvalidTile`] |
    /// | 201 | [`Error::TileSyntax`] |
    /// | 300 | [`Error::InvalidCoordinate`] |
    /// | 400 | [`Error::ZoneSyntax`] |
    /// | 401 | [`Error::InvalidZone`] |
    /// | 500 | [`Error::Io`] |
    /// | 600 | [`Error::Decode`] |
    /// | 601 | [`Error::Encode`] |
    ///
    /// ```
    /// let e = tileredact::MaskOptions::new(99).unwrap_err();
    /// assert_eq!(e.code(), 100);
    /// ```
    pub fn code(&self) -> u32 {
        match self {
            Error::InvalidParameter { .. } => 100,
            Error::BufferSize { .. } => 101,
            Error::InvalidTile { .. } => 200,
            Error::TileSyntax { .. } => 201,
            Error::InvalidCoordinate { .. } => 300,
            Error::ZoneSyntax(_) => 400,
            Error::InvalidZone { .. } => 401,
            Error::Decode { .. } => 600,
            Error::Encode { .. } => 601,
            Error::Io { .. } => 500,
        }
    }

    pub(crate) fn zone(location: ZoneLocation, reason: impl Into<String>) -> Self {
        Error::InvalidZone {
            location,
            reason: reason.into(),
        }
    }

    pub(crate) fn param(name: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every kind with the code the C ABI and its users rely on: the table is
    /// written out, not derived, so renumbering fails here.
    #[test]
    fn codes_are_stable_and_distinct() {
        let io = || std::io::Error::other("x");
        let table: Vec<(Error, u32)> = vec![
            (Error::param("p", "r"), 100),
            (
                Error::BufferSize {
                    expected: 1,
                    actual: 0,
                    what: "w",
                },
                101,
            ),
            (
                Error::InvalidTile {
                    z: 31,
                    x: 0,
                    y: 0,
                    reason: String::new(),
                },
                200,
            ),
            (
                Error::TileSyntax {
                    input: String::new(),
                    reason: String::new(),
                },
                201,
            ),
            (
                Error::InvalidCoordinate {
                    lon: 0.0,
                    lat: 0.0,
                    reason: String::new(),
                },
                300,
            ),
            (Error::ZoneSyntax(String::new()), 400),
            (Error::zone(ZoneLocation::default(), "r"), 401),
            (
                Error::Io {
                    context: String::new(),
                    source: io(),
                },
                500,
            ),
            (
                Error::Decode {
                    format: "png",
                    reason: String::new(),
                },
                600,
            ),
            (
                Error::Encode {
                    format: "png",
                    reason: String::new(),
                },
                601,
            ),
        ];
        let mut seen = std::collections::HashSet::new();
        for (e, code) in &table {
            assert_eq!(e.code(), *code, "{e:?}");
            assert!(seen.insert(*code));
        }
        assert_eq!(seen.len(), 10);
    }
}
