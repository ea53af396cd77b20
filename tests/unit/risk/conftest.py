"""Shared helpers for the risk engine tests: compiled loops over scalar kernels.

They use ``agent.risk.jit.kernel`` so that their cache entries are invalidated when
``agent/risk`` changes (numba alone would keep code inlined from an older version).
"""

from __future__ import annotations

import numpy as np
import pytest

from agent.risk import elementary
from agent.risk.jit import kernel


@kernel
def _map_exp(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.exp(values[index])


@kernel
def _map_log(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.log(values[index])


@kernel
def _map_erfc(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.erfc(values[index])


@kernel
def _map_erfcx(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.erfcx_nonnegative(values[index])


@kernel
def _map_norm_cdf(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.norm_cdf(values[index])


@kernel
def _map_norm_pdf(values, out):
    for index in range(values.shape[0]):
        out[index] = elementary.norm_pdf(values[index])


_MAPS = {
    "exp": _map_exp,
    "log": _map_log,
    "erfc": _map_erfc,
    "erfcx": _map_erfcx,
    "norm_cdf": _map_norm_cdf,
    "norm_pdf": _map_norm_pdf,
}


@pytest.fixture(scope="session")
def elementwise():
    """Return f(name, array) applying an ``elementary`` function in a compiled loop."""

    def apply(name: str, values: np.ndarray) -> np.ndarray:
        values = np.ascontiguousarray(values, dtype=np.float64)
        out = np.empty_like(values)
        _MAPS[name](values, out)
        return out

    return apply
