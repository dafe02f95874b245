//! [`RedactionKey`]: the secret behind every keyed choice of the crate (grid origins, noise,
//! displacements), and its keyed pseudo-random function.
//!
//! Redaction never uses fresh randomness: every "random" number is
//! `PRF(key, purpose, position)`, a BLAKE3 keyed hash. Asking for the same point or pixel a
//! thousand times gives the same answer, so averaging the answers gains nothing, and without
//! the key the choices cannot be predicted or undone.

use std::fmt;

use crate::error::{Error, Result};

/// The context string of [`RedactionKey::from_passphrase`] (BLAKE3 `derive_key`). Changing it
/// changes every derived key, so it is fixed forever.
const PASSPHRASE_CONTEXT: &str = "tileredact 2026-11-29 redaction key from passphrase v1";

/// A 32-byte secret redaction key.
///
/// Keep it secret and keep it stable: outputs made with one key are reproducible with that key
/// only. `Debug` prints a short fingerprint, never the key.
///
/// # Memory
///
/// The key bytes are erased (with `zeroize`, which the optimiser cannot remove) when a
/// `RedactionKey` is dropped, and so is every clone. That is all it can promise: a Rust move
/// is a copy of the bytes and the place moved from is not erased, the BLAKE3 hasher keeps a
/// key-derived state while it runs, and the text a key was parsed from (a hex string, a
/// passphrase, a key file read into memory) is the caller's to erase. Build the key once and
/// share it (`Arc`, or a redactor that owns it) instead of moving it around.
///
/// # Examples
///
/// ```
/// use tileredact::RedactionKey;
///
/// let key = RedactionKey::from_hex(&"ab".repeat(32)).unwrap();
/// assert!(!format!("{key:?}").contains("abab"));
/// let a = key.prf("example", b"cell 1");
/// assert_eq!(a, key.prf("example", b"cell 1"));
/// assert_ne!(a, key.prf("example", b"cell 2"));
/// ```
#[derive(Clone)]
pub struct RedactionKey {
    bytes: [u8; 32],
}

impl RedactionKey {
    /// The key with these 32 bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        RedactionKey { bytes }
    }

    /// Parses 64 hexadecimal digits (upper or lower case; surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad character or the wrong length. The
    /// message never repeats the input.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let hex = hex.trim();
        if hex.len() != 64 {
            return Err(Error::param(
                "redaction key",
                format!(
                    "{} characters; expected 64 hexadecimal digits (32 bytes)",
                    hex.chars().count()
                ),
            ));
        }
        let digit = |i: usize, c: u8| -> Result<u8> {
            match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                b'A'..=b'F' => Ok(c - b'A' + 10),
                _ => Err(Error::param(
                    "redaction key",
                    format!("character {i} is not a hexadecimal digit (0-9, a-f)"),
                )),
            }
        };
        let raw = hex.as_bytes();
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (digit(2 * i, raw[2 * i])? << 4) | digit(2 * i + 1, raw[2 * i + 1])?;
        }
        Ok(RedactionKey { bytes })
    }

    /// Derives a key from a passphrase with BLAKE3 `derive_key` and a fixed context string.
    ///
    /// BLAKE3 is fast, so a short passphrase can be guessed; prefer a random key
    /// ([`RedactionKey::from_hex`]) or a long passphrase.
    ///
    /// ```
    /// use tileredact::RedactionKey;
    /// let a = RedactionKey::from_passphrase("correct horse battery staple");
    /// let b = RedactionKey::from_passphrase("correct horse battery staple");
    /// assert_eq!(a.fingerprint(), b.fingerprint());
    /// ```
    pub fn from_passphrase(passphrase: &str) -> Self {
        RedactionKey {
            bytes: blake3::derive_key(PASSPHRASE_CONTEXT, passphrase.as_bytes()),
        }
    }

    /// A short public identifier of the key (8 hex digits of a keyed hash), for logs and
    /// reports. It reveals nothing usable about the key.
    pub fn fingerprint(&self) -> String {
        let h = self.prf("tileredact/key-fingerprint", &[]);
        h[..4].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The keyed pseudo-random function: 32 bytes of BLAKE3 keyed hash of (`purpose`, `data`).
    ///
    /// `purpose` separates the uses (e.g. `"points/snap/row-origin"`): the same `data` under
    /// two purposes gives unrelated outputs. The encoding is unambiguous (the purpose is
    /// length-prefixed).
    pub fn prf(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut h = blake3::Hasher::new_keyed(&self.bytes);
        h.update(&(purpose.len() as u64).to_le_bytes());
        h.update(purpose.as_bytes());
        h.update(data);
        *h.finalize().as_bytes()
    }

    /// Four independent uniform `u64` from [`RedactionKey::prf`].
    pub fn prf_u64s(&self, purpose: &str, data: &[u8]) -> [u64; 4] {
        let b = self.prf(purpose, data);
        let mut out = [0u64; 4];
        for (i, o) in out.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *o = u64::from_le_bytes(w);
        }
        out
    }
}

impl fmt::Debug for RedactionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactionKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl Drop for RedactionKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.bytes);
    }
}

/// A uniform number in `[0, 1)` from the top 53 bits of `x`.
pub(crate) fn unit_f64(x: u64) -> f64 {
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform number in `(0, 1]` from the top 53 bits of `x` (never 0, so `ln` is finite).
pub(crate) fn unit_f64_open0(x: u64) -> f64 {
    ((x >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let k = RedactionKey::from_hex(&"0F".repeat(32)).unwrap();
        assert_eq!(k.bytes, [0x0f; 32]);
        let e = RedactionKey::from_hex("abc").unwrap_err().to_string();
        assert!(e.contains("expected 64 hexadecimal digits"), "{e}");
        let mut bad = "00".repeat(32);
        bad.replace_range(10..11, "g");
        let e = RedactionKey::from_hex(&bad).unwrap_err().to_string();
        assert!(e.contains("character 10"), "{e}");
    }

    #[test]
    fn debug_hides_the_key() {
        let k = RedactionKey::from_bytes([0x5a; 32]);
        let d = format!("{k:?}");
        assert!(!d.contains("5a5a") && !d.contains("90, 90"), "{d}");
        assert!(d.contains("fingerprint"));
    }

    #[test]
    fn prf_separates_purposes_and_keys() {
        let a = RedactionKey::from_bytes([1; 32]);
        let b = RedactionKey::from_bytes([2; 32]);
        assert_ne!(a.prf("x", b"1"), a.prf("y", b"1"));
        assert_ne!(a.prf("x", b"1"), b.prf("x", b"1"));
        // The length prefix keeps ("ab", "c") apart from ("a", "bc").
        assert_ne!(a.prf("ab", b"c"), a.prf("a", b"bc"));
        assert!(unit_f64(u64::MAX) < 1.0);
        assert!(unit_f64_open0(0) > 0.0);
        assert_eq!(unit_f64_open0(u64::MAX), 1.0);
    }
}
