"""Vectorisable exp/log/erfc/normal law against mpmath at 40 digits."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from agent.risk import elementary

mpmath.mp.dps = 40
DOUBLE_EPSILON = 2.220446049250313e-16
SMALLEST_NORMAL = 2.2250738585072014e-308


def _reference(function, values: np.ndarray) -> np.ndarray:
    return np.array([float(function(mpmath.mpf(float(value)))) for value in values])


def _ulp_error(result: np.ndarray, reference: np.ndarray) -> float:
    normal = np.abs(reference) >= SMALLEST_NORMAL
    relative = np.abs(result[normal] - reference[normal]) / np.abs(reference[normal])
    subnormal_error = np.abs(result[~normal] - reference[~normal])
    assert np.all(subnormal_error <= 4 * 5e-324), "subnormal results off by more than 4 ulp"
    return float(np.max(relative) / DOUBLE_EPSILON)


RANDOM = np.random.default_rng(20261121)


@pytest.mark.parametrize(
    ("name", "reference", "values", "max_ulp"),
    [
        (
            "exp",
            mpmath.exp,
            np.r_[RANDOM.uniform(-745, 709.7, 4000), RANDOM.uniform(-2, 2, 2000)],
            1.5,
        ),
        (
            "log",
            mpmath.log,
            np.r_[
                np.exp(RANDOM.uniform(-700, 700, 4000)),
                1 + RANDOM.uniform(-1e-3, 1e-3, 1000),
                RANDOM.uniform(1e-320, 1e-308, 200),
            ],
            2.0,
        ),
        (
            "erfc",
            mpmath.erfc,
            np.r_[RANDOM.uniform(-6, 27.2, 4000), RANDOM.uniform(-1, 1, 1000)],
            5.0,
        ),
        ("erfcx", lambda z: mpmath.exp(z * z) * mpmath.erfc(z), RANDOM.uniform(0, 1e4, 3000), 5.0),
        (
            "norm_cdf",
            mpmath.ncdf,
            np.r_[RANDOM.uniform(-38.4, 9, 4000), RANDOM.uniform(-1, 1, 1000)],
            5.0,
        ),
        ("norm_pdf", mpmath.npdf, RANDOM.uniform(-38.5, 38.5, 4000), 2.0),
    ],
)
def test_matches_mpmath_to_a_few_ulp(elementwise, name, reference, values, max_ulp):
    assert _ulp_error(elementwise(name, values), _reference(reference, values)) <= max_ulp


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("exp", 0.0, 1.0),
        ("exp", -800.0, 0.0),
        ("exp", 710.0, math.inf),
        ("exp", -745.0, 5e-324),
        ("log", 1.0, 0.0),
        ("log", 5e-324, math.log(5e-324)),
        ("erfc", 0.0, 1.0),
        ("erfc", 40.0, 0.0),
        ("erfc", -40.0, 2.0),
        ("norm_cdf", 0.0, 0.5),
        ("norm_cdf", -50.0, 0.0),
        ("norm_cdf", 50.0, 1.0),
        ("norm_pdf", 60.0, 0.0),
        ("erfcx", math.inf, 0.0),
    ],
)
def test_edges(elementwise, name, value, expected):
    assert elementwise(name, np.array([value]))[0] == pytest.approx(expected, rel=1e-15, abs=0)


def test_erfcx_polynomial_is_the_chebyshev_interpolant_of_its_definition():
    """Recompute the stored coefficients from their definition (provenance check)."""
    mpmath.mp.dps = 60
    try:
        count = 80

        def exponent(y):
            t = (y + 1) / 2
            if t == 0:
                return 1 / (2 * mpmath.sqrt(mpmath.pi))
            z = 2 / t - 2
            return mpmath.exp(z * z) * mpmath.erfc(z) / t

        nodes = [mpmath.cos(mpmath.pi * (k + mpmath.mpf(1) / 2) / count) for k in range(count)]
        samples = [exponent(node) for node in nodes]
        chebyshev = [
            2
            * mpmath.fsum(
                samples[k] * mpmath.cos(mpmath.pi * j * (k + mpmath.mpf(1) / 2) / count)
                for k in range(count)
            )
            / count
            for j in range(30)
        ]
        chebyshev[0] /= 2
        assert max(abs(c) for c in chebyshev[26:30]) < 4e-17
        monomial = [mpmath.mpf(0)] * 30
        for j, coefficient in enumerate(chebyshev):
            for power, value in enumerate(_chebyshev_monomials(j)):
                monomial[power] += coefficient * value
    finally:
        mpmath.mp.dps = 40
    stored = np.array(elementary._ERFCX_POLYNOMIAL)
    assert np.allclose(stored, [float(value) for value in monomial], rtol=1e-15, atol=1e-19)


def _chebyshev_monomials(degree: int) -> list[int]:
    previous, current = [1], [0, 1]
    if degree == 0:
        return previous
    for _ in range(degree - 1):
        following = [0, *[2 * value for value in current]]
        for power, value in enumerate(previous):
            following[power] -= value
        previous, current = current, following
    return current
