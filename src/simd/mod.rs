//! CPU-level dispatch shared by every fast kernel of the crate (datum batches today; the
//! redaction operators and the tile warp next).
//!
//! Design (after rav1e): each kernel is written once as plain Rust over fixed-size lane arrays,
//! with a scalar reference beside it. It is compiled once per CPU level and the level is chosen
//! at run time through [`pulp`], which holds the `unsafe` of calling a function compiled for
//! AVX2+FMA or AVX-512: this crate itself has no `unsafe`. Levels: baseline x86-64 (SSE2),
//! x86-64-v3 (AVX2, FMA) and x86-64-v4 (AVX-512); on other targets, the baseline.
//!
//! Setting the environment variable `TILEREDACT_FORCE_SCALAR` (to anything) forces the
//! baseline build, as a check. Tests run every kernel at every level this machine has
//! (`levels`) and compare it with its scalar reference.

use std::sync::LazyLock;

pub(crate) use pulp::Arch;

/// The CPU level used by every kernel (detected once).
static ARCH: LazyLock<Arch> = LazyLock::new(|| {
    if std::env::var_os("TILEREDACT_FORCE_SCALAR").is_some() {
        Arch::Scalar
    } else {
        Arch::new()
    }
});

/// The CPU level kernels run at: the best this machine has, or the baseline when
/// `TILEREDACT_FORCE_SCALAR` is set.
#[inline]
pub(crate) fn arch() -> Arch {
    *ARCH
}

/// Every CPU level this machine can run, baseline first (for tests and benches).
#[cfg(any(test, feature = "bench"))]
pub(crate) fn levels() -> Vec<Arch> {
    let mut v = vec![Arch::Scalar];
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if let Some(s) = pulp::x86::V3::try_new() {
            v.push(Arch::V3(s));
        }
        if let Some(s) = pulp::x86::V4::try_new() {
            v.push(Arch::V4(s));
        }
    }
    v
}

/// The CPU level named `scalar` (baseline), `avx2` (x86-64-v3) or `avx512` (x86-64-v4), if
/// this machine has it (for benches).
#[cfg(feature = "bench")]
pub(crate) fn level(name: &str) -> Option<Arch> {
    levels().into_iter().find(|a| match (name, a) {
        ("scalar", Arch::Scalar) => true,
        #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
        ("avx2", Arch::V3(_)) | ("avx512", Arch::V4(_)) => true,
        _ => false,
    })
}
