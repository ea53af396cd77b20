"""Elementary functions that LLVM can vectorise: exp, log, erfc, erfcx and the normal law.

numba lowers ``math.exp``, ``math.log`` and ``math.erfc`` to one libm call per element,
and this machine's llvmlite has no SVML, so a loop over a million options calling them
runs one element at a time. These versions are branch-free arithmetic on doubles and
their bit patterns (integer shifts, selects), so a loop that inlines them is compiled to
AVX2 code four options at a time.

Accuracy, checked against mpmath in tests/unit/risk/test_elementary.py:
``exp`` and ``log`` within about 1.5 ulp; ``erfc``, ``erfcx`` and ``norm_cdf`` within a few
ulp relative over the whole double range (``erfc(z) = t * P(2t - 1) * exp(-z**2)`` with
``t = 2 / (2 + z)`` and ``P`` a 30-term Chebyshev interpolant of erfcx(z)/t computed with
mpmath at 60 digits and evaluated as a polynomial; the square ``z**2`` is split exactly so
large arguments keep full precision).

Domain: arguments are finite doubles; callers validate inputs before they get here.
Nothing here may be compiled with ``fastmath``: the range reductions rely on IEEE rounding
and would be destroyed by reassociation. Fused multiply-adds are explicit (``fma``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from agent.risk.jit import inline_kernel

# 1.5 * 2**52: adding it to a double below 2**51 in magnitude rounds to an integer and
# leaves that integer in the low mantissa bits.
_ROUNDING_MAGIC = 6755399441055744.0
_LOG2_E = 1.4426950408889634
# ln 2 split so that k * _LN2_HIGH is exact for |k| < 2**11 (Cody-Waite reduction).
_LN2_HIGH = 6.93147180369123816490e-01
_LN2_LOW = 1.90821492927058770002e-10
_SQRT2 = 1.4142135623730951
_INVERSE_SQRT2 = 0.7071067811865476
_INVERSE_SQRT_2PI = 0.3989422804014327
_EXPONENT_BIAS = 1023
_MANTISSA_MASK = 0x000FFFFFFFFFFFFF
_ONE_BITS = 0x3FF0000000000000
_EXPONENT_FIELD_MASK = 0x7FF
# 1/0!, 1/1!, ..., 1/13!: the exp series to the 13th power.
_EXP_TAYLOR = tuple(1.0 / math.factorial(order) for order in range(14))

# P(y) = erfcx(z) / t with t = 2 / (2 + z), z >= 0, y = 2t - 1 in [-1, 1], as a degree-29
# polynomial in y: the 30-term Chebyshev interpolant (computed with mpmath at 60 digits,
# truncation below 4e-17 relative) converted to monomials; the coefficients' magnitudes
# sum to 1.03 while P >= 0.28, so evaluating it in this basis loses nothing.
_ERFCX_POLYNOMIAL = (
    0.5107913526210115, 0.3435803422069053, 0.1397360462780275,
    0.01822111575343888, -0.010755330944755412, -0.0032395925338361393,
    0.001545306030057245, 0.00041864803037493595, -0.0003315367609712795,
    -1.7185705457489634e-05, 7.223545742893795e-05, -1.7074558568599983e-05,
    -1.0848610762481446e-05, 8.061065281170983e-06, -5.608703424323453e-07,
    -1.8240871668600587e-06, 9.961500261023896e-07, 4.367994801234002e-09,
    -2.7732007857270964e-07, 1.5292465340806385e-07, -1.1658608593196083e-08,
    -4.390206388171912e-08, 3.7320706434881306e-08, -4.4757029906032575e-09,
    -1.4244061512167162e-08, 6.859828818275023e-09, 2.6449441631835325e-09,
    -2.0716177810804306e-09, -2.0568250908502414e-10, 2.389973552575646e-10,
)  # fmt: skip


def _bits_to_float_intrinsic(typing_context: Any, bits: Any) -> Any:
    """Reinterpret an int64 bit pattern as a float64 (no conversion)."""
    signature = types.float64(types.int64)

    def codegen(context: Any, builder: Any, signature: Any, arguments: Any) -> Any:
        return builder.bitcast(arguments[0], ir.DoubleType())

    return signature, codegen


_bits_to_float = cast(Callable[[int], float], intrinsic(_bits_to_float_intrinsic))


def _float_to_bits_intrinsic(typing_context: Any, value: Any) -> Any:
    """Reinterpret a float64 as its int64 bit pattern (no conversion)."""
    signature = types.int64(types.float64)

    def codegen(context: Any, builder: Any, signature: Any, arguments: Any) -> Any:
        return builder.bitcast(arguments[0], ir.IntType(64))

    return signature, codegen


_float_to_bits = cast(Callable[[float], int], intrinsic(_float_to_bits_intrinsic))


def _fused_multiply_add_intrinsic(typing_context: Any, a: Any, b: Any, c: Any) -> Any:
    """a * b + c with a single rounding (llvm.fma: one instruction on FMA hardware)."""
    signature = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, signature: Any, arguments: Any) -> Any:
        double = ir.DoubleType()
        function_type = ir.FunctionType(double, [double, double, double])
        function = builder.module.declare_intrinsic("llvm.fma", [double], function_type)
        return builder.call(function, arguments)

    return signature, codegen


fma = cast(Callable[[float, float, float], float], intrinsic(_fused_multiply_add_intrinsic))


@inline_kernel
def _integral_float_to_int(value: float) -> int:
    """Convert a double holding an integer below 2**51 in magnitude to int64, vectorisably."""
    return _float_to_bits(value + _ROUNDING_MAGIC) - _float_to_bits(_ROUNDING_MAGIC)


@inline_kernel
def _power_of_two(exponent: float) -> float:
    """Return 2**exponent for an integral double exponent in [-1022, 1023]."""
    return _bits_to_float((_integral_float_to_int(exponent) + _EXPONENT_BIAS) << 52)


@inline_kernel
def exp_split(high: float, low: float) -> float:
    """Return exp(high + low) without rounding high + low first.

    ``high`` carries the magnitude (it may be the exactly rounded part of a product) and
    ``low`` a correction of at most a few units (e.g. the tail of an exact product).
    Results below the smallest normal double are gradual (subnormal), results above the
    largest double are +inf.
    """
    high = min(max(high, -746.0), 710.0)
    shifted = (high + low) * _LOG2_E + _ROUNDING_MAGIC
    multiple = shifted - _ROUNDING_MAGIC  # round(high / ln 2), as an integral double
    reduced = (high - multiple * _LN2_HIGH) + (low - multiple * _LN2_LOW)
    # Taylor series of exp on |reduced| <= 0.35: terms beyond the 13th are below 1e-17.
    # exp(r) = 1 + (r + r**2 P(r)), P by Estrin's scheme (a tree of products) rather
    # than Horner's 13-step chain: scalar callers are bound by latency, not throughput.
    # Adding the small terms first keeps the result within about one ulp.
    c = _EXP_TAYLOR
    r2 = reduced * reduced
    r4 = r2 * r2
    r8 = r4 * r4
    low = fma(
        fma(fma(c[9], reduced, c[8]), r2, fma(c[7], reduced, c[6])),
        r4,
        fma(fma(c[5], reduced, c[4]), r2, fma(c[3], reduced, c[2])),
    )
    high = fma(fma(c[13], reduced, c[12]), r2, fma(c[11], reduced, c[10]))
    series = 1.0 + fma(r2, fma(high, r8, low), reduced)
    # Scale by 2**multiple in two halves so that subnormal results and 2**1024 work.
    half = np.floor(0.5 * multiple)
    return series * _power_of_two(half) * _power_of_two(multiple - half)


@inline_kernel
def exp(value: float) -> float:
    """Return e**value for a finite double."""
    return exp_split(value, 0.0)


@inline_kernel
def log(value: float) -> float:
    """Return the natural logarithm of a positive finite double (normal or subnormal)."""
    subnormal = value < 2.2250738585072014e-308
    value = value * 18014398509481984.0 if subnormal else value  # * 2**54
    bits = _float_to_bits(value)
    biased_exponent = (bits >> 52) & _EXPONENT_FIELD_MASK
    mantissa = _bits_to_float((bits & _MANTISSA_MASK) | _ONE_BITS)  # in [1, 2)
    large = mantissa > _SQRT2
    mantissa = mantissa * 0.5 if large else mantissa  # now in (sqrt(1/2), sqrt(2)]
    # Integer-to-double conversion through the rounding magic (AVX2 has no vcvtqq2pd).
    exponent = _bits_to_float(biased_exponent + _float_to_bits(_ROUNDING_MAGIC)) - _ROUNDING_MAGIC
    exponent = exponent - _EXPONENT_BIAS + (1.0 if large else 0.0) - (54.0 if subnormal else 0.0)
    # ln(m) = 2 atanh(f), f = (m - 1) / (m + 1), |f| <= 0.1716: series to f**23.
    ratio = (mantissa - 1.0) / (mantissa + 1.0)
    square = ratio * ratio
    tail = square * (
        1.0 / 3 + square * (1.0 / 5 + square * (1.0 / 7 + square * (1.0 / 9 + square * (
            1.0 / 11 + square * (1.0 / 13 + square * (1.0 / 15 + square * (1.0 / 17 + square * (
                1.0 / 19 + square * (1.0 / 21 + square * (1.0 / 23))))))))))
    )  # fmt: skip
    twice_ratio = 2.0 * ratio
    return exponent * _LN2_HIGH + (twice_ratio + (twice_ratio * tail + exponent * _LN2_LOW))


@inline_kernel
def _erfcx(z: float) -> float:
    """Return erfcx(z) = exp(z**2) erfc(z) = t P(y) for z >= 0 (z may be +inf)."""
    t = 2.0 / (2.0 + z)
    y = 2.0 * t - 1.0
    # Estrin's scheme: a tree of independent products instead of one 29-step chain, so
    # the latency of a vector of four arguments is 5 multiply-adds rather than 29.
    a = _ERFCX_POLYNOMIAL
    y2 = y * y
    y4 = y2 * y2
    y8 = y4 * y4
    y16 = y8 * y8
    quads = (
        fma(fma(a[3], y, a[2]), y2, fma(a[1], y, a[0])),
        fma(fma(a[7], y, a[6]), y2, fma(a[5], y, a[4])),
        fma(fma(a[11], y, a[10]), y2, fma(a[9], y, a[8])),
        fma(fma(a[15], y, a[14]), y2, fma(a[13], y, a[12])),
        fma(fma(a[19], y, a[18]), y2, fma(a[17], y, a[16])),
        fma(fma(a[23], y, a[22]), y2, fma(a[21], y, a[20])),
        fma(fma(a[27], y, a[26]), y2, fma(a[25], y, a[24])),
        fma(a[29], y, a[28]),
    )
    low = fma(fma(quads[3], y4, quads[2]), y8, fma(quads[1], y4, quads[0]))
    high = fma(fma(quads[7], y4, quads[6]), y8, fma(quads[5], y4, quads[4]))
    return t * fma(high, y16, low)


@inline_kernel
def _square_split(value: float) -> tuple[float, float]:
    """Return (high, low) with high + low == value**2 exactly."""
    high = value * value
    return high, fma(value, value, -high)


@inline_kernel
def erfcx_nonnegative(z: float) -> float:
    """Return the scaled complementary error function exp(z**2) * erfc(z) for z >= 0."""
    return _erfcx(z)


@inline_kernel
def erfc(value: float) -> float:
    """Return the complementary error function of a finite double."""
    z = min(abs(value), 27.5)  # erfc(27.5) is below the smallest subnormal
    high, low = _square_split(z)
    tail = _erfcx(z) * exp_split(-high, -low)
    return 2.0 - tail if value < 0.0 else tail


@inline_kernel
def norm_cdf(value: float) -> float:
    """Return the standard normal cumulative distribution at a finite double."""
    clamped = min(max(value, -39.0), 39.0)  # Phi(-39) is below the smallest subnormal
    high, low = _square_split(clamped)
    tail = 0.5 * _erfcx(abs(clamped) * _INVERSE_SQRT2) * exp_split(-0.5 * high, -0.5 * low)
    return 1.0 - tail if clamped > 0.0 else tail


@inline_kernel
def norm_cdf_and_pdf(value: float) -> tuple[float, float]:
    """Return (Phi(value), phi(value)), sharing the one exponential both need."""
    clamped = min(max(value, -39.0), 39.0)
    high, low = _square_split(clamped)
    gaussian = exp_split(-0.5 * high, -0.5 * low)
    tail = 0.5 * _erfcx(abs(clamped) * _INVERSE_SQRT2) * gaussian
    return (1.0 - tail if clamped > 0.0 else tail), _INVERSE_SQRT_2PI * gaussian


@inline_kernel
def norm_pdf(value: float) -> float:
    """Return the standard normal density at a finite double."""
    clamped = min(max(value, -39.0), 39.0)
    high, low = _square_split(clamped)
    return _INVERSE_SQRT_2PI * exp_split(-0.5 * high, -0.5 * low)
