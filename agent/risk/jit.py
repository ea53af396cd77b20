"""How every numba kernel in ``agent.risk`` is compiled.

Kernels are plain module-level functions wrapped here, never built by a factory: numba's
on-disk cache keys a kernel by its module and qualified name, so kernels made by a
factory would share one cache entry and load each other's machine code.

``error_model="numpy"`` makes a float division by zero give inf/nan instead of raising,
which keeps the loops free of exception branches so LLVM can vectorise them; inputs are
validated before they reach a kernel. ``fastmath`` is never used: ``elementary`` relies
on IEEE rounding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

Function = TypeVar("Function", bound=Callable[..., Any])


def kernel(function: Function) -> Function:
    """Compile ``function`` with numba (cached on disk, no GIL, numpy error model)."""
    return cast(Function, numba.njit(cache=True, nogil=True, error_model="numpy")(function))


def inline_kernel(function: Function) -> Function:
    """Like ``kernel``, inlined into its callers before LLVM sees them.

    LLVM's inliner gives up on functions as long as ``elementary.erfc``; a loop that
    calls one it has not inlined cannot be vectorised.
    """
    compiled = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")(function)
    return cast(Function, compiled)


def parallel_kernel(function: Function) -> Function:
    """Like ``kernel``, with ``numba.prange`` loops spread over the CPU cores."""
    compiled = numba.njit(cache=True, nogil=True, error_model="numpy", parallel=True)(function)
    return cast(Function, compiled)
