"""Names for contract terms shared by the pricing kernels and the book."""

from __future__ import annotations

from enum import StrEnum


class OptionType(StrEnum):
    """Right of a European option."""

    CALL = "call"
    PUT = "put"


class Settlement(StrEnum):
    """What an instrument pays in.

    ``LINEAR``: USD (or a USD stablecoin). ``INVERSE``: the underlying coin, as Deribit's
    BTC and ETH options and inverse futures; the USD value is the coin amount times the
    underlying price.
    """

    LINEAR = "linear"
    INVERSE = "inverse"


class PricingModel(StrEnum):
    """Which Black formula prices an option.

    ``BLACK_SCHOLES``: on spot with a continuous rate (forward = spot * exp(rate * T)).
    ``BLACK76``: on a quoted future or forward for the option's expiry, discounted at rate.
    """

    BLACK_SCHOLES = "black_scholes"
    BLACK76 = "black76"


DAYS_PER_YEAR = 365.0
SECONDS_PER_YEAR = DAYS_PER_YEAR * 86400.0
VOL_POINT = 0.01
RATE_POINT = 0.01
