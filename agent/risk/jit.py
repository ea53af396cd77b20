"""How every numba kernel in ``agent.risk`` is compiled and cached.

Kernels are plain module-level functions wrapped here, never built by a factory: numba's
on-disk cache keys a kernel by its module and qualified name, so kernels made by a
factory would share one cache entry and load each other's machine code.

numba checks a cached kernel only against its own source file, yet our kernels inline
functions from other modules (``elementary``, ``black``): after an upgrade that changes
only ``elementary.py`` it would happily load machine code built from the old version.
So every cache key here also carries a digest of all of ``agent/risk``'s sources.

Parallel kernels (``parallel_kernel``) run on numba's threading layer, here OpenMP, which
may be entered from several Python threads at once; numba's fallback "workqueue" layer
may not, so a deployment without OpenMP or TBB must call them from one thread.

``error_model="numpy"`` makes a float division by zero give inf/nan instead of raising,
which keeps the loops free of exception branches so LLVM can vectorise them; inputs are
validated before they reach a kernel. ``fastmath`` is never used: ``elementary`` relies
on IEEE rounding.

Intel's SVML (the ``icc_rt`` wheel) would let numba vectorise loops calling ``math.exp``
and the like, but only with an llvmlite built with SVML support: the llvmlite 0.50.0
wheel reports ``llvmlite.binding.config.has_svml`` False (checked with icc_rt 2020.0.133
installed, whose libsvml.so also needs a libintlc.so.5 it does not ship). So the kernels
keep ``elementary``'s own functions, which vectorise without it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba
from numba.core.caching import FunctionCache

Function = TypeVar("Function", bound=Callable[..., Any])


def _package_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


_PACKAGE_DIGEST = _package_digest()


class _PackageCache(FunctionCache):
    """numba's per-function cache, invalidated by any change to ``agent/risk``."""

    def _index_key(self, signature: Any, codegen: Any) -> Any:
        key = super()._index_key(signature, codegen)  # type: ignore[no-untyped-call]
        return (*key, _PACKAGE_DIGEST)


def _compile(function: Function, **options: Any) -> Function:
    dispatcher = numba.njit(nogil=True, error_model="numpy", **options)(function)
    dispatcher._cache = _PackageCache(function)  # type: ignore[no-untyped-call]
    return cast(Function, dispatcher)


def kernel(function: Function) -> Function:
    """Compile ``function`` with numba (cached on disk, no GIL, numpy error model)."""
    return _compile(function)


def inline_kernel(function: Function) -> Function:
    """Like ``kernel``, inlined into its callers before LLVM sees them.

    LLVM's inliner gives up on functions as long as ``elementary.erfc``; a loop that
    calls one it has not inlined cannot be vectorised.
    """
    return _compile(function, inline="always")


def parallel_kernel(function: Function) -> Function:
    """Like ``kernel``, with ``numba.prange`` loops spread over the CPU cores."""
    return _compile(function, parallel=True)
