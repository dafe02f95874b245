//! The panic boundary and the argument checks shared by every exported function.
//!
//! Each exported body runs inside [`guard`] (or [`guard_or`] for the few functions that do
//! not return a `tileredact_result`): a panic becomes `TILEREDACT_RESULT_PANIC` and never
//! unwinds into C. Pointer arguments go through the helpers below, which check for NULL,
//! alignment and sizes in one place and name the function and the argument in the message;
//! the `unsafe` of turning a pointer into a reference or slice lives here.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::result::{Failure, fail, tileredact_result};

/// Runs `body` behind the panic boundary and turns its outcome into a result code, recording
/// the detail message of a failure for the calling thread.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> tileredact_result {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => tileredact_result::Ok,
        Ok(Err(f)) => fail(f),
        Err(payload) => fail(Failure::new(
            tileredact_result::Panic,
            format!("the library panicked: {}", panic_text(&*payload)),
        )),
    }
}

/// Runs `body` behind the panic boundary; a panic gives `fallback`.
pub(crate) fn guard_or<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn panic_text(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}

/// A shared reference to a handle.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T` made by this library, not freed while the
/// reference is used.
pub(crate) unsafe fn handle<'a, T>(
    function: &str,
    name: &str,
    ptr: *const T,
) -> Result<&'a T, Failure> {
    // SAFETY: non-NULL pointers are live handles, as the caller guarantees.
    unsafe { ptr.as_ref() }.ok_or_else(|| Failure::null(function, name))
}

/// Checks that an out-parameter is not NULL (it is written later, on success only).
pub(crate) fn out_param<T>(function: &str, name: &str, ptr: *mut T) -> Result<*mut T, Failure> {
    if ptr.is_null() {
        Err(Failure::null(function, name))
    } else {
        Ok(ptr)
    }
}

/// `len` bytes at `ptr` as a slice. NULL is refused even when `len` is 0.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` bytes of reads, not written during the call.
pub(crate) unsafe fn bytes<'a>(
    function: &str,
    name: &str,
    ptr: *const u8,
    len: usize,
) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return Err(Failure::null(function, name));
    }
    check_len::<u8>(function, name, len)?;
    // SAFETY: non-NULL (checked), valid for `len` reads (caller), `len` fits in isize
    // (checked); `u8` needs no alignment.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `len` elements at `ptr` as a shared slice. NULL and misaligned pointers are refused, even
/// when `len` is 0.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` elements of reads, not written during the call.
pub(crate) unsafe fn slice<'a, T>(
    function: &str,
    name: &str,
    ptr: *const T,
    len: usize,
) -> Result<&'a [T], Failure> {
    check_ptr(function, name, ptr, len)?;
    // SAFETY: non-NULL and aligned (checked), `len * size_of::<T>()` fits in isize (checked),
    // valid for reads and not written for the call (caller).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `len` elements at `ptr` as a mutable slice. NULL and misaligned pointers are refused, even
/// when `len` is 0.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` elements of reads and writes, and no other
/// reference to that memory may be used during the call (check overlaps with
/// [`check_disjoint`] first).
pub(crate) unsafe fn slice_mut<'a, T>(
    function: &str,
    name: &str,
    ptr: *mut T,
    len: usize,
) -> Result<&'a mut [T], Failure> {
    check_ptr(function, name, ptr.cast_const(), len)?;
    // SAFETY: non-NULL and aligned (checked), `len * size_of::<T>()` fits in isize (checked),
    // valid and unaliased for the call (caller).
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Refuses a NULL or misaligned pointer and a length too large for any buffer (the checks
/// of [`slice`] and [`slice_mut`]).
fn check_ptr<T>(function: &str, name: &str, ptr: *const T, len: usize) -> Result<(), Failure> {
    if ptr.is_null() {
        return Err(Failure::null(function, name));
    }
    if !ptr.is_aligned() {
        return Err(Failure::new(
            tileredact_result::InvalidParameter,
            format!(
                "{function}: argument `{name}` is not aligned to {} bytes",
                align_of::<T>()
            ),
        ));
    }
    check_len::<T>(function, name, len)?;
    Ok(())
}

/// Refuses a length whose byte size does not fit in `isize` (no real buffer is that large).
fn check_len<T>(function: &str, name: &str, len: usize) -> Result<(), Failure> {
    if len > isize::MAX as usize / size_of::<T>().max(1) {
        return Err(Failure::new(
            tileredact_result::BufferSize,
            format!(
                "{function}: the length of `{name}`, {len} elements, is larger than any buffer"
            ),
        ));
    }
    Ok(())
}

/// Refuses overlapping buffers (`(name, address, bytes)`), which the call would otherwise
/// both read and write through two references.
pub(crate) fn check_disjoint(
    function: &str,
    buffers: &[(&str, usize, usize)],
) -> Result<(), Failure> {
    for (i, &(a, a0, an)) in buffers.iter().enumerate() {
        for &(b, b0, bn) in &buffers[i + 1..] {
            if an > 0 && bn > 0 && a0 < b0.saturating_add(bn) && b0 < a0.saturating_add(an) {
                return Err(Failure::new(
                    tileredact_result::InvalidParameter,
                    format!(
                        "{function}: buffers `{a}` and `{b}` overlap; expected separate arrays"
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// An enum-like argument: the value of `all` whose number is `n`.
pub(crate) fn enum_arg<T: Copy>(
    function: &str,
    name: &str,
    n: u32,
    all: &[(u32, T)],
    expected: &str,
) -> Result<T, Failure> {
    all.iter()
        .find(|(k, _)| *k == n)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            Failure::new(
                tileredact_result::InvalidEnum,
                format!("{function}: `{name}` is {n}; expected {expected}"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buf = vec![0u8; 256];
        let mut n = 0usize;
        // SAFETY: `buf` holds 256 bytes, `n` is a valid out-parameter.
        let r = unsafe {
            crate::result::tileredact_last_error_message(buf.as_mut_ptr().cast(), 256, &mut n)
        };
        assert_eq!(r, tileredact_result::Ok);
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    #[test]
    fn a_panic_becomes_the_panic_code_with_its_message() {
        let r = guard(|| panic!("boom at pixel 3"));
        assert_eq!(r, tileredact_result::Panic);
        assert_eq!(r as u32, 900);
        assert!(last_error().contains("boom at pixel 3"), "{}", last_error());
        assert_eq!(guard_or(7u32, || panic!("x")), 7);
        assert_eq!(guard_or(7u32, || 8), 8);
    }

    #[test]
    fn failures_record_their_message_and_success_keeps_it() {
        let r = guard(|| Err(Failure::null("f", "arg")));
        assert_eq!(r, tileredact_result::NullPointer);
        assert_eq!(
            last_error(),
            "f: argument `arg` is NULL; expected a valid pointer"
        );
        assert_eq!(guard(|| Ok(())), tileredact_result::Ok);
        assert!(last_error().contains("`arg` is NULL"));
    }

    #[test]
    fn the_last_error_is_per_thread() {
        guard(|| Err(Failure::null("main", "a")));
        std::thread::spawn(|| {
            assert_eq!(last_error(), "");
            guard(|| Err(Failure::null("other", "b")));
            assert!(last_error().starts_with("other"));
        })
        .join()
        .unwrap();
        assert!(last_error().starts_with("main"));
    }

    #[test]
    fn overlapping_buffers_are_refused() {
        let ok = [("a", 100, 8), ("b", 108, 8), ("c", 0, 100)];
        assert!(check_disjoint("f", &ok).is_ok());
        let e = check_disjoint("f", &[("a", 100, 8), ("b", 107, 8)]).unwrap_err();
        assert_eq!(e.code, tileredact_result::InvalidParameter);
        assert!(e.message.contains("`a` and `b` overlap"), "{}", e.message);
        // Empty buffers overlap nothing.
        assert!(check_disjoint("f", &[("a", 100, 0), ("b", 100, 8)]).is_ok());
    }

    #[test]
    fn core_errors_keep_their_numbers() {
        use tileredact_core::{MaskOptions, Policy, TileId, ZoneSet};
        let cases: Vec<(tileredact_core::Error, tileredact_result)> = vec![
            (
                MaskOptions::new(99).unwrap_err(),
                tileredact_result::InvalidParameter,
            ),
            (
                TileId::new(31, 0, 0).unwrap_err(),
                tileredact_result::InvalidTile,
            ),
            (
                "9/x".parse::<TileId>().unwrap_err(),
                tileredact_result::TileSyntax,
            ),
            (
                ZoneSet::from_geojson_str("{").unwrap_err(),
                tileredact_result::ZoneSyntax,
            ),
            (
                ZoneSet::from_geojson_str(
                    r#"{"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 0], [0, 0]]]}"#,
                )
                .unwrap_err(),
                tileredact_result::InvalidZone,
            ),
            (
                ZoneSet::from_geojson_path("/nonexistent/zones.geojson").unwrap_err(),
                tileredact_result::Io,
            ),
            (
                Policy::from_json_str("[]").unwrap_err(),
                tileredact_result::InvalidParameter,
            ),
        ];
        for (e, want) in cases {
            let code = e.code();
            let f = Failure::from(e);
            assert_eq!(f.code, want, "{}", f.message);
            assert_eq!(f.code as u32, code);
        }
    }

    #[test]
    fn enum_arguments_are_validated() {
        let all = [(0, 'a'), (1, 'b')];
        assert_eq!(enum_arg("f", "k", 1, &all, "0 or 1").unwrap(), 'b');
        let e = enum_arg("f", "k", 2, &all, "0 or 1").unwrap_err();
        assert_eq!(e.code, tileredact_result::InvalidEnum);
        assert_eq!(e.message, "f: `k` is 2; expected 0 or 1");
    }
}
