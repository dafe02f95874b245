//! `tileredact_result`: the stable result codes, their messages, and the thread-local detail
//! message of the last failure.
//!
//! Codes are grouped by origin in hundreds and never renumbered; a retired code stays
//! reserved (as a comment). The 1xx..6xx codes are the core's [`Error::code`] numbers, so a
//! Rust and a C user see the same number for the same mistake; the C ABI adds its own
//! argument checks (NULL pointers, enum values, strides) in the 1xx group and the panic code
//! in 9xx.

use std::cell::RefCell;
use std::ffi::c_char;

use tileredact_core::Error;

/// The result of a fallible tileredact call: `TILEREDACT_RESULT_OK` (0) or an error code.
///
/// The numbers are stable. `tileredact_result_message` gives a fixed message per code;
/// `tileredact_last_error_message` gives the details of the last failure on the calling
/// thread (what was wrong, where, and what was expected).
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum tileredact_result {
    /// Success.
    Ok = 0,
    /// A parameter is out of its valid range (a tile size that is not 256 or 512, a policy
    /// that is not valid, an image size, ...). Core error 100.
    InvalidParameter = 100,
    /// A buffer is too small or has the wrong size for what it must hold (a key that is not
    /// 32 bytes, ...). Core error 101.
    BufferSize = 101,
    /// A required pointer argument is NULL.
    NullPointer = 102,
    /// An enum-like `uint32_t` argument has an unknown value, or a flags argument has an
    /// unknown bit set.
    InvalidEnum = 103,
    /// A stride (bytes per row) is smaller than a row of the image or mask.
    StrideTooSmall = 104,
    /// A tile address is out of range (zoom above 30, x or y not below 2^zoom). Core error 200.
    InvalidTile = 200,
    /// A tile address could not be parsed. Core error 201.
    TileSyntax = 201,
    /// A longitude or latitude is not finite or out of range. Core error 300.
    InvalidCoordinate = 300,
    /// The zone input is not valid JSON or not UTF-8. Core error 400.
    ZoneSyntax = 400,
    /// A zone is not valid GeoJSON geometry or has invalid properties. Core error 401.
    InvalidZone = 401,
    /// An I/O error. Core error 500.
    Io = 500,
    /// An encoded tile could not be decoded (or is not a PNG, JPEG or WebP). Core error 600.
    Decode = 600,
    /// A redacted tile could not be encoded. Core error 601.
    Encode = 601,
    /// The library panicked (a bug): the call was abandoned and its outputs not written.
    Panic = 900,
    /// An error of the core that this version of the C ABI has no code for (a bug).
    Other = 901,
}

impl tileredact_result {
    /// Every code, in number order.
    pub(crate) const ALL: [tileredact_result; 16] = [
        Self::Ok,
        Self::InvalidParameter,
        Self::BufferSize,
        Self::NullPointer,
        Self::InvalidEnum,
        Self::StrideTooSmall,
        Self::InvalidTile,
        Self::TileSyntax,
        Self::InvalidCoordinate,
        Self::ZoneSyntax,
        Self::InvalidZone,
        Self::Io,
        Self::Decode,
        Self::Encode,
        Self::Panic,
        Self::Other,
    ];

    /// The code with this number.
    pub(crate) fn from_u32(n: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|r| *r as u32 == n)
    }

    /// The fixed message of the code.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Self::Ok => "success",
            Self::InvalidParameter => "a parameter is out of its valid range",
            Self::BufferSize => "a buffer has the wrong size",
            Self::NullPointer => "a required pointer argument is NULL",
            Self::InvalidEnum => "an enum or flags argument has an unknown value",
            Self::StrideTooSmall => "a stride is smaller than a row",
            Self::InvalidTile => "a tile address is out of range",
            Self::TileSyntax => "a tile address cannot be parsed",
            Self::InvalidCoordinate => "a coordinate is not finite or out of range",
            Self::ZoneSyntax => "the zone input is not valid GeoJSON text",
            Self::InvalidZone => "a zone is invalid",
            Self::Io => "an I/O error",
            Self::Decode => "an encoded tile cannot be decoded",
            Self::Encode => "a redacted tile cannot be encoded",
            Self::Panic => "the library panicked (a bug; please report it)",
            Self::Other => "an error without a C result code (a bug; please report it)",
        }
    }
}

/// A failed call: its code and the detail message.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: tileredact_result,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(code: tileredact_result, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }

    /// A NULL pointer argument `name` of `function`.
    pub(crate) fn null(function: &str, name: &str) -> Self {
        Failure::new(
            tileredact_result::NullPointer,
            format!("{function}: argument `{name}` is NULL; expected a valid pointer"),
        )
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = tileredact_result::from_u32(e.code())
            .filter(|c| (100..900).contains(&(*c as u32)))
            .unwrap_or(tileredact_result::Other);
        Failure::new(code, e.to_string())
    }
}

thread_local! {
    /// The detail message of the last failure on this thread.
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records `f` as this thread's last failure and returns its code.
pub(crate) fn fail(f: Failure) -> tileredact_result {
    let Failure { code, message } = f;
    LAST_ERROR.with_borrow_mut(|m| *m = message);
    code
}

/// Copies `text` into `buf` (`len` bytes) with `snprintf` semantics: at most `len - 1` bytes
/// (cut at a UTF-8 character boundary) and a NUL; returns the full length of `text`.
///
/// # Safety
/// `buf` must be valid for `len` bytes of writes, or `len` must be 0.
unsafe fn copy_message(text: &str, buf: *mut c_char, len: usize) -> usize {
    if len > 0 {
        let mut n = text.len().min(len - 1);
        while !text.is_char_boundary(n) {
            n -= 1;
        }
        // SAFETY: the caller guarantees `buf` is valid for `len` bytes and `n < len`; `text`
        // is a Rust string that cannot overlap caller memory the caller lets us write.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
            *buf.add(n) = 0;
        }
    }
    text.len()
}

/// Checks the message arguments and copies `text`.
///
/// # Safety
/// As [`tileredact_result_message`].
unsafe fn message_out(
    function: &str,
    text: &str,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> Result<(), Failure> {
    if out_n.is_null() {
        return Err(Failure::null(function, "out_n"));
    }
    if buf.is_null() && len > 0 {
        return Err(Failure::null(function, "buf"));
    }
    // SAFETY: `buf` is non-NULL with `len` bytes as the caller promises, or `len` is 0.
    let n = unsafe { copy_message(text, buf, len) };
    // SAFETY: `out_n` is non-NULL and, as the caller promises, valid for a write.
    unsafe { out_n.write(n) };
    Ok(())
}

/// Copies the fixed English message of a result code into `buf`.
///
/// `result` is a `tileredact_result` value; an unknown number gives the message
/// "unknown result code N". Works like `snprintf`: at most `len - 1` bytes of the message and
/// a terminating NUL are written (nothing when `len` is 0, and then `buf` may be NULL), and
/// `*out_n` receives the full length of the message without the NUL, so the message was cut
/// when `*out_n >= len`.
///
/// Returns `TILEREDACT_RESULT_NULL_POINTER` (writing nothing) when `out_n` is NULL, or `buf`
/// is NULL while `len` is not 0. Ownership: the message is copied; `buf` stays the caller's.
/// Thread-safe.
///
/// # Safety
/// `buf` must be valid for `len` bytes of writes (or `len` 0); `out_n` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_result_message(
    result: u32,
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> tileredact_result {
    crate::boundary::guard(|| {
        let text = match tileredact_result::from_u32(result) {
            Some(r) => r.message().to_string(),
            None => format!("unknown result code {result}"),
        };
        // SAFETY: the caller's promises are the same as `message_out`'s.
        unsafe { message_out("tileredact_result_message", &text, buf, len, out_n) }
    })
}

/// Copies the detail message of the last failed call on the calling thread into `buf`: what
/// was wrong, where (argument, feature, ring, position, point index) and what was expected.
///
/// Every failing call records its message for its thread; successful calls leave it as it
/// is, so read it right after the failure. Before any failure it is the empty string. Same
/// buffer rules as `tileredact_result_message` (`snprintf` semantics, `*out_n` gets the full
/// length). Ownership: the message is copied; `buf` stays the caller's. Thread-safe: each
/// thread has its own message.
///
/// # Safety
/// `buf` must be valid for `len` bytes of writes (or `len` 0); `out_n` must be valid for a
/// write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tileredact_last_error_message(
    buf: *mut c_char,
    len: usize,
    out_n: *mut usize,
) -> tileredact_result {
    crate::boundary::guard(|| {
        let text = LAST_ERROR.with_borrow(|m| m.clone());
        // SAFETY: the caller's promises are the same as `message_out`'s.
        unsafe { message_out("tileredact_last_error_message", &text, buf, len, out_n) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_distinct_and_have_messages() {
        let numbers: Vec<u32> = tileredact_result::ALL.iter().map(|r| *r as u32).collect();
        assert_eq!(
            numbers,
            [
                0, 100, 101, 102, 103, 104, 200, 201, 300, 400, 401, 500, 600, 601, 900, 901
            ]
        );
        let mut messages: Vec<&str> = tileredact_result::ALL.iter().map(|r| r.message()).collect();
        messages.sort();
        messages.dedup();
        assert_eq!(messages.len(), tileredact_result::ALL.len());
        for r in tileredact_result::ALL {
            assert_eq!(tileredact_result::from_u32(r as u32), Some(r));
        }
        assert_eq!(tileredact_result::from_u32(1), None);
    }

    #[test]
    fn messages_are_cut_at_a_character_boundary_like_snprintf() {
        let mut buf = [b'x'; 8];
        // "zoné": the 'é' takes bytes 3 and 4; 4 bytes of room hold "zon" and the NUL.
        // SAFETY: `buf` holds 8 bytes.
        let n = unsafe { copy_message("zoné!", buf.as_mut_ptr().cast(), 4) };
        assert_eq!(n, 6);
        assert_eq!(&buf[..5], b"zon\0x");
        // SAFETY: as above.
        let n = unsafe { copy_message("zoné!", buf.as_mut_ptr().cast(), 8) };
        assert_eq!(n, 6);
        assert_eq!(&buf[..7], "zoné!\0".as_bytes());
        // SAFETY: `len` 0 writes nothing.
        assert_eq!(unsafe { copy_message("abc", std::ptr::null_mut(), 0) }, 3);
    }
}
