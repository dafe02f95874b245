//! Coordinate datums and point redaction (in progress).
