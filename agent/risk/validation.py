"""The one error the risk engine raises for bad numbers, and the checks that raise it.

Convention: a pricing or risk input outside the model's domain (a non-positive or NaN
price or strike, a volatility <= 0, an infinite time) raises ``RiskInputError``. It is a
``BallastError`` (the caller must not act on a book it cannot measure; in the daemon this
means skipping the tick and reporting, like stale data) and a ``ValueError`` (the usual
Python meaning for a bad argument). ``field`` is the dotted path of the bad value, e.g.
``strike[3]`` for arrays or ``positions[2].strike`` for a book, so a book-file parser can
re-raise it as a ``ConfigError`` naming the file and the JSON path.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from agent.errors import BallastError

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class RiskInputError(BallastError, ValueError):
    """A number handed to the risk engine is outside its domain."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(f"{field}: {message}" if field else message)
        self.reason = message
        self.field = field

    def under(self, prefix: str) -> RiskInputError:
        """Return the same error with ``prefix`` prepended to its field path."""
        if self.field is None:
            return RiskInputError(self.reason, field=prefix)
        joiner = "" if self.field.startswith("[") else "."
        return RiskInputError(self.reason, field=f"{prefix}{joiner}{self.field}")


def require_positive(value: float, field: str) -> float:
    """Return ``value`` if it is a finite number > 0, else raise ``RiskInputError``."""
    if not (math.isfinite(value) and value > 0.0):
        raise RiskInputError(f"must be a finite number > 0, got {value!r}", field=field)
    return value


def require_non_negative(value: float, field: str) -> float:
    """Return ``value`` if it is a finite number >= 0, else raise ``RiskInputError``."""
    if not (math.isfinite(value) and value >= 0.0):
        raise RiskInputError(f"must be a finite number >= 0, got {value!r}", field=field)
    return value


def require_finite(value: float, field: str) -> float:
    """Return ``value`` if it is a finite number, else raise ``RiskInputError``."""
    if not math.isfinite(value):
        raise RiskInputError(f"must be a finite number, got {value!r}", field=field)
    return value


def require_fraction(value: float, field: str) -> float:
    """Return ``value`` if it lies in [0, 1], else raise ``RiskInputError``."""
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise RiskInputError(f"must be in [0, 1], got {value!r}", field=field)
    return value


def as_float_arrays(
    flags: ArrayLike, *values: ArrayLike
) -> tuple[tuple[int, ...], BoolArray, list[FloatArray]]:
    """Broadcast boolean ``flags`` and ``values`` together; return the common shape, the
    flags and the values as flat contiguous arrays (bool and float64).

    Inputs that are already contiguous arrays of the common shape are not copied.
    """
    booleans = np.asarray(flags, dtype=np.bool_)
    numbers = [np.asarray(value, dtype=np.float64) for value in values]
    shape = np.broadcast_shapes(booleans.shape, *(array.shape for array in numbers))
    flat_flags = np.ascontiguousarray(np.broadcast_to(booleans, shape)).reshape(-1)
    flat = [np.ascontiguousarray(np.broadcast_to(array, shape)).reshape(-1) for array in numbers]
    return shape, flat_flags, flat


def first_violation(name: str, values: FloatArray, valid: BoolArray) -> RiskInputError | None:
    """Return an error naming the first index where ``valid`` is false, if any."""
    bad = np.flatnonzero(~valid)
    if bad.size == 0:
        return None
    index = int(bad[0])
    return RiskInputError(f"invalid value {values[index]!r}", field=f"{name}[{index}]")


def positive_finite(values: FloatArray) -> BoolArray:
    """Elementwise: finite and > 0."""
    return np.isfinite(values) & (values > 0.0)


def finite(values: FloatArray) -> BoolArray:
    """Elementwise: finite."""
    return np.isfinite(values)
