"""Risk engine: pure pricing, Greeks, health, liquidation and stress math (no I/O).

Units everywhere: USD values; delta in coins of the underlying (``delta_usd`` = delta *
spot); gamma per coin per USD; vega per vol point (sigma + 0.01) in USD; theta per
calendar day (dV/dt / 365) in USD; rho per rate point (r + 0.01) in USD. Time is always
an input (a book's ``valuation_time``, ``years``, ``periods_per_year``), never read.

Bad numbers raise ``RiskInputError`` (a ``BallastError`` and ``ValueError``) naming the
field; a bad book file raises ``ConfigError`` naming the file and the JSON path.

Typical use, once per tick::

    book = Book.from_records(now, market, positions, margin_accounts)
    greeks = book_greeks(book)              # per position and net per underlying
    health = account_health(book)           # every lending and margin account
    distance = liquidation_distance(book)   # nearest liquidation down/up per underlying
    stress = stress_test(book)              # spot x vol grid, liquidations per cell
"""

from __future__ import annotations

from agent.risk.attribution import PnlAttribution, attribute_pnl
from agent.risk.black import InverseGreeks, OptionGreeks, inverse_greeks, option_greeks
from agent.risk.book import Account, AccountKind, Book
from agent.risk.health import (
    AccountHealth,
    account_health,
    health_factor,
    isolated_liquidation_price,
)
from agent.risk.implied_volatility import implied_vol
from agent.risk.jump_diffusion import JumpDiffusion, MonteCarloEstimate, jump_diffusion_probability
from agent.risk.liquidation import LiquidationDistance, LiquidationLevel, liquidation_distance
from agent.risk.liquidation_probability import first_passage_probability
from agent.risk.portfolio import (
    BookGreeks,
    book_greeks,
    greeks_by,
    position_greeks,
    premium_adjusted_deltas,
    protocol_of,
    venue_of,
)
from agent.risk.positions import (
    FuturePosition,
    Kind,
    LendingDebtPosition,
    LendingSupplyPosition,
    MarginAccount,
    MarginBasis,
    MarketState,
    OptionPosition,
    PerpetualPosition,
    Position,
    SpotPosition,
)
from agent.risk.realized_vol import close_to_close_vol, ewma_vol, ewma_vol_series, parkinson_vol
from agent.risk.report import risk_report
from agent.risk.stress import StressGrid, StressResult, stress_test
from agent.risk.terms import OptionType, PricingModel, Settlement
from agent.risk.validation import RiskInputError

__all__ = [
    "Account",
    "AccountHealth",
    "AccountKind",
    "Book",
    "BookGreeks",
    "FuturePosition",
    "InverseGreeks",
    "JumpDiffusion",
    "Kind",
    "LendingDebtPosition",
    "LendingSupplyPosition",
    "LiquidationDistance",
    "LiquidationLevel",
    "MarginAccount",
    "MarginBasis",
    "MarketState",
    "MonteCarloEstimate",
    "OptionGreeks",
    "OptionPosition",
    "OptionType",
    "PerpetualPosition",
    "PnlAttribution",
    "Position",
    "PricingModel",
    "RiskInputError",
    "Settlement",
    "SpotPosition",
    "StressGrid",
    "StressResult",
    "account_health",
    "attribute_pnl",
    "book_greeks",
    "close_to_close_vol",
    "ewma_vol",
    "ewma_vol_series",
    "first_passage_probability",
    "greeks_by",
    "health_factor",
    "implied_vol",
    "inverse_greeks",
    "isolated_liquidation_price",
    "jump_diffusion_probability",
    "liquidation_distance",
    "option_greeks",
    "parkinson_vol",
    "position_greeks",
    "premium_adjusted_deltas",
    "protocol_of",
    "risk_report",
    "stress_test",
    "venue_of",
]
