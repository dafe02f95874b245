//! The opaque handles: `tileredact_zones`, `tileredact_redactor`, `tileredact_bytes`, their
//! constructors and their `_free` functions.
//!
//! Each handle is a distinct Rust struct behind a `Box`, so a handle of one type can never be
//! freed or used as another (the compiler rejects the mismatch); C sees only an incomplete
//! type.

use std::sync::Arc;

use tileredact_core::{Policy, RedactionKey, Redactor, ZoneSet};

use crate::boundary::{bytes, guard, guard_or, handle, out_param};
use crate::result::{Failure, tileredact_result};

/// A set of restricted zones loaded from GeoJSON (projected, grown by their margins and
/// indexed).
///
/// Ownership: made by `tileredact_zones_from_geojson`, released by `tileredact_zones_free`.
/// A redactor built from it holds its own reference, so the zones may be freed right after
/// `tileredact_redactor_new`.
///
/// Threads: immutable once built; safe to share and use from any number of threads at once.
#[allow(non_camel_case_types)]
pub struct tileredact_zones {
    pub(crate) zones: Arc<ZoneSet>,
}

/// A redactor: zones, a policy and a key, built once.
///
/// Ownership: made by `tileredact_redactor_new`, released by `tileredact_redactor_free`
/// (after every call using it has returned).
///
/// Threads: immutable once built; safe to share and call from any number of threads at once
/// (`tileredact_tile_*`, `tileredact_redact_*`). Its results do not depend on the thread or
/// on the order of calls.
#[allow(non_camel_case_types)]
pub struct tileredact_redactor {
    pub(crate) redactor: Redactor,
}

/// An owned byte buffer returned by the library (an encoded tile).
///
/// Ownership: the caller owns it and releases it with `tileredact_bytes_free`; the pointer of
/// `tileredact_bytes_data` is valid until then.
///
/// Threads: immutable; safe to read from any thread.
#[allow(non_camel_case_types)]
pub struct tileredact_bytes {
    pub(crate) bytes: Box<[u8]>,
}

/// Loads zones from GeoJSON text (`len` bytes of UTF-8, no NUL needed): a Feature, a
/// FeatureCollection or a bare Polygon/MultiPolygon, as the Rust `ZoneSet` accepts.
///
/// On success `*out` receives a new handle, which the caller owns and frees with
/// `tileredact_zones_free`. On failure `*out` is not written; the detail message
/// (`tileredact_last_error_message`) names the line and column of a syntax error, or the
/// feature, id, ring and position of an invalid zone.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER` (`data` or `out` NULL),
/// `TILEREDACT_RESULT_ZONE_SYNTAX` (not UTF-8 or not JSON), `TILEREDACT_RESULT_INVALID_ZONE`.
/// Thread-safe.
///
/// # Safety
/// `data` must be valid for `len` bytes of reads; `out` must be valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_zones_from_geojson(
    data: *const u8,
    len: usize,
    out: *mut *mut tileredact_zones,
) -> tileredact_result {
    const F: &str = "tileredact_zones_from_geojson";
    guard(|| {
        // SAFETY: the caller guarantees `data` is valid for `len` bytes.
        let text = unsafe { bytes(F, "data", data, len) }?;
        let out = out_param(F, "out", out)?;
        let zones = ZoneSet::from_geojson_bytes(text)?;
        let h = Box::new(tileredact_zones {
            zones: Arc::new(zones),
        });
        // SAFETY: `out` is non-NULL (checked) and valid for a write (caller).
        unsafe { out.write(Box::into_raw(h)) };
        Ok(())
    })
}

/// Frees zones made by `tileredact_zones_from_geojson`. NULL is accepted and ignored.
/// Redactors built from the zones stay valid.
///
/// Ownership: takes back the caller's handle; do not use it afterwards. Threads: call it once,
/// when no other thread uses the handle.
///
/// # Safety
/// `zones` must be NULL or a handle from `tileredact_zones_from_geojson` that was not freed
/// yet and that no other thread is using.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_zones_free(zones: *mut tileredact_zones) {
    guard_or((), || {
        if !zones.is_null() {
            // SAFETY: a live handle made by `Box::into_raw`, freed once (caller).
            drop(unsafe { Box::from_raw(zones) });
        }
    })
}

/// The number of zones in a zone set; 0 when `zones` is NULL. Borrows `zones` for the call.
/// Thread-safe.
///
/// # Safety
/// `zones` must be NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_zones_len(zones: *const tileredact_zones) -> usize {
    guard_or(0, || {
        // SAFETY: NULL or a live handle (caller).
        unsafe { zones.as_ref() }.map_or(0, |z| z.zones.len())
    })
}

/// Builds a redactor from zones, a policy and a key.
///
/// `policy_json` is `policy_len` bytes of JSON text in the format of the Rust `Policy`
/// (`{"default": ..., "categories": {...}, "resample_px": N}`); NULL gives the default policy
/// (every zone inpainted, points suppressed). `key` is `key_len` raw bytes of the secret
/// redaction key and must be exactly 32 bytes; NULL means no key (keyed tile noise then uses a
/// public key, and point policies that need a key are an error).
///
/// The redactor keeps its own reference to the zones and its own copy of the key: the caller
/// may free both right after. On success `*out` receives a new handle, freed with
/// `tileredact_redactor_free`; on failure `*out` is not written.
///
/// Errors: `TILEREDACT_RESULT_NULL_POINTER` (`zones` or `out` NULL),
/// `TILEREDACT_RESULT_BUFFER_SIZE` (`key_len` is not 32), `TILEREDACT_RESULT_INVALID_PARAMETER`
/// (the policy is not valid JSON or not a valid policy, or a point policy needs a key),
/// `TILEREDACT_RESULT_INVALID_ZONE` (a zone's own rule properties are invalid). Thread-safe.
///
/// # Safety
/// `zones` must be a live handle; `policy_json` NULL or valid for `policy_len` bytes;
/// `key` NULL or valid for `key_len` bytes; `out` valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_redactor_new(
    zones: *const tileredact_zones,
    policy_json: *const u8,
    policy_len: usize,
    key: *const u8,
    key_len: usize,
    out: *mut *mut tileredact_redactor,
) -> tileredact_result {
    const F: &str = "tileredact_redactor_new";
    guard(|| {
        // SAFETY: a live handle (caller).
        let zones = unsafe { handle(F, "zones", zones) }?;
        let out = out_param(F, "out", out)?;
        let policy = if policy_json.is_null() {
            Policy::default()
        } else {
            // SAFETY: non-NULL, valid for `policy_len` bytes (caller).
            let raw = unsafe { bytes(F, "policy_json", policy_json, policy_len) }?;
            let text = std::str::from_utf8(raw).map_err(|e| {
                Failure::new(
                    tileredact_result::InvalidParameter,
                    format!(
                        "{F}: the policy is not UTF-8 text (invalid byte at offset {})",
                        e.valid_up_to()
                    ),
                )
            })?;
            Policy::from_json_str(text)?
        };
        let key = if key.is_null() {
            None
        } else {
            // SAFETY: non-NULL, valid for `key_len` bytes (caller).
            let raw = unsafe { bytes(F, "key", key, key_len) }?;
            let raw: &[u8; 32] = raw.try_into().map_err(|_| {
                Failure::new(
                    tileredact_result::BufferSize,
                    format!("{F}: `key_len` is {key_len} bytes; expected exactly 32 raw bytes"),
                )
            })?;
            Some(RedactionKey::from_bytes(*raw))
        };
        let redactor = Redactor::new(zones.zones.clone(), &policy, key)?;
        let h = Box::new(tileredact_redactor { redactor });
        // SAFETY: `out` is non-NULL (checked) and valid for a write (caller).
        unsafe { out.write(Box::into_raw(h)) };
        Ok(())
    })
}

/// Frees a redactor made by `tileredact_redactor_new`. NULL is accepted and ignored.
///
/// Ownership: takes back the caller's handle; do not use it afterwards. Threads: call it once,
/// after every thread sharing the redactor is done with it.
///
/// # Safety
/// `redactor` must be NULL or a live handle that no thread is using any more.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_redactor_free(redactor: *mut tileredact_redactor) {
    guard_or((), || {
        if !redactor.is_null() {
            // SAFETY: a live handle made by `Box::into_raw`, freed once (caller).
            drop(unsafe { Box::from_raw(redactor) });
        }
    })
}

/// The first byte of a buffer; NULL when `bytes` is NULL. The pointer is valid until
/// `tileredact_bytes_free`. Thread-safe.
///
/// # Safety
/// `bytes` must be NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_bytes_data(bytes: *const tileredact_bytes) -> *const u8 {
    guard_or(std::ptr::null(), || {
        // SAFETY: NULL or a live handle (caller).
        unsafe { bytes.as_ref() }.map_or(std::ptr::null(), |b| b.bytes.as_ptr())
    })
}

/// The length of a buffer in bytes; 0 when `bytes` is NULL. Thread-safe.
///
/// # Safety
/// `bytes` must be NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_bytes_len(bytes: *const tileredact_bytes) -> usize {
    guard_or(0, || {
        // SAFETY: NULL or a live handle (caller).
        unsafe { bytes.as_ref() }.map_or(0, |b| b.bytes.len())
    })
}

/// Frees a buffer returned by the library. NULL is accepted and ignored.
///
/// Ownership: takes back the caller's buffer; its data pointer dies with it. Threads: call it
/// once, when no other thread reads the buffer.
///
/// # Safety
/// `bytes` must be NULL or a live handle, not used after this call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_bytes_free(bytes: *mut tileredact_bytes) {
    guard_or((), || {
        if !bytes.is_null() {
            // SAFETY: a live handle made by `Box::into_raw`, freed once (caller).
            drop(unsafe { Box::from_raw(bytes) });
        }
    })
}
