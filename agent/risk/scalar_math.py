"""``elementary``'s functions compiled once as ordinary (not inlined) kernels.

Vectorised loops need ``elementary``'s functions inlined; branchy scalar code (implied
volatility, the normalised Black function, Monte Carlo) gains nothing from that and
would pay for it in compile time, every inlined copy being compiled again. It calls
these instead.
"""

from __future__ import annotations

from agent.risk import elementary
from agent.risk.jit import kernel


@kernel
def exp(value: float) -> float:
    """e**value (see ``elementary.exp``)."""
    return elementary.exp(value)


@kernel
def exp_split(high: float, low: float) -> float:
    """exp(high + low) without rounding the sum (see ``elementary.exp_split``)."""
    return elementary.exp_split(high, low)


@kernel
def log(value: float) -> float:
    """Natural logarithm of a positive double (see ``elementary.log``)."""
    return elementary.log(value)


@kernel
def norm_cdf(value: float) -> float:
    """Standard normal distribution function (see ``elementary.norm_cdf``)."""
    return elementary.norm_cdf(value)


@kernel
def norm_cdf_and_pdf(value: float) -> tuple[float, float]:
    """(Phi(value), phi(value)) sharing one exponential (see ``elementary``)."""
    return elementary.norm_cdf_and_pdf(value)


@kernel
def norm_pdf(value: float) -> float:
    """Standard normal density (see ``elementary.norm_pdf``)."""
    return elementary.norm_pdf(value)


@kernel
def erfcx_nonnegative(z: float) -> float:
    """exp(z**2) erfc(z) for z >= 0 (see ``elementary.erfcx_nonnegative``)."""
    return elementary.erfcx_nonnegative(z)


@kernel
def fma(a: float, b: float, c: float) -> float:
    """a * b + c with one rounding."""
    return elementary.fma(a, b, c)
