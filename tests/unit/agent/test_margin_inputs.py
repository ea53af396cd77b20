"""A cross-margin venue's accounts in the policy input, their members grouped by pool in
one pass, against each position tried against each account as the input read them
before (the reference below): Deribit's account per currency, Hyperliquid's one cross
account beside isolated positions named after their symbols, an account with no name.
And the venue's Greeks checked on the options of every venue, a lending one's too."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.config.models import Config
from agent.model import (
    Greeks,
    Health,
    HealthKind,
    Instrument,
    Kind,
    OptionType,
    Position,
    ReserveState,
    Settlement,
    VenueSnapshot,
)
from agent.policy.inputs import GreekCheck, MarginAccount, MarginPosition, PolicyState
from agent.profiles import VenueProfile, profile_for
from agent.tick import decision_inputs
from agent.tick.assessment import assess
from agent.tick.book_builder import build_book

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
EXPIRY = datetime(2026, 6, 26, 8, 0, tzinfo=UTC)


def _option(venue: str, underlying: str, strike: float, quantity: float, mark: float) -> Position:
    instrument = Instrument(
        venue, f"{underlying}-26JUN26-{strike:.0f}-C", underlying, Kind.OPTION,
        Settlement.INVERSE, OptionType.CALL, strike, EXPIRY,
    )  # fmt: skip
    greeks = Greeks(delta=0.5 * quantity, gamma=0.001, vega=2.0)
    return Position(instrument, quantity, mark_price=mark, venue_greeks=greeks)


def _perp(venue: str, symbol: str, quantity: float, mark: float | None) -> Position:
    return Position(Instrument(venue, symbol, "ETH", Kind.PERP), quantity, mark_price=mark)


def _margin(venue: str, account: str | None, equity: float, maintenance: float) -> Health:
    ratio = equity / maintenance if maintenance else 0.0
    return Health(
        venue, HealthKind.MARGIN, ratio, collateral_usd=equity, equity_usd=equity,
        maintenance_margin_usd=maintenance, account=account,
    )  # fmt: skip


def _reference(
    snapshot: VenueSnapshot, profile: VenueProfile, gas_usd: float
) -> list[MarginAccount]:
    """Each position tried against each account (the input's reading before)."""
    margin = [
        h for h in snapshot.health if h.kind is HealthKind.MARGIN and h.equity_usd is not None
    ]
    isolated = {h.account for h in margin} & {p.instrument.symbol for p in snapshot.positions}

    def member(position: Position, account: str | None, whole_venue: bool) -> bool:
        symbol = position.instrument.symbol
        if account in isolated or symbol in isolated:
            return account == symbol
        if account is None or whole_venue:
            return True
        inverse = position.instrument.settlement is Settlement.INVERSE
        return (position.instrument.underlying if inverse else "USDC") == account

    accounts = []
    for health in margin:
        assert health.equity_usd is not None
        whole_venue = len(margin) - len(isolated) == 1
        members = [p for p in snapshot.positions if member(p, health.account, whole_venue)]
        notional = sum(abs(p.quantity) * (p.mark_price or 0.0) for p in members)
        maintenance = health.maintenance_margin_usd or 0.0
        rate = maintenance / notional if notional > 0 else profile.maintenance_rate
        positions = tuple(
            MarginPosition(
                p.instrument, p.quantity, p.mark_price or 0.0, rate, profile.taker_fee_rate
            )
            for p in members
            if p.mark_price
        )
        accounts.append(
            MarginAccount(
                venue=snapshot.venue, equity_usd=health.equity_usd,
                maintenance_margin_usd=maintenance, positions=positions, gas_usd=gas_usd,
                account=health.account,
            )
        )  # fmt: skip
    return accounts


DERIBIT = VenueSnapshot(
    "deribit",
    NOW,
    positions=(
        _option("deribit", "BTC", 60_000.0, 1.5, 0.05),
        _option("deribit", "ETH", 3_000.0, -4.0, 0.04),
        _perp("deribit", "ETH_USDC-PERPETUAL", 2.0, 3_000.0),
        _option("deribit", "BTC", 70_000.0, 0.5, 0.0),  # no mark: not a member's position
        _option("deribit", "ETH", 3_500.0, 2.0, 0.02),
    ),
    health=(
        _margin("deribit", "BTC", 1e6, 2e4),
        _margin("deribit", "ETH", 5e5, 1e4),
        _margin("deribit", "USDC", 1e5, 0.0),
    ),
)
HYPERLIQUID = VenueSnapshot(
    "hyperliquid",
    NOW,
    positions=(
        _perp("hyperliquid", "ETH", -3.0, 3_000.0),
        _perp("hyperliquid", "BTC", 0.2, 60_000.0),
        _perp("hyperliquid", "SOL", 10.0, 150.0),
    ),
    # one cross account (named by its address) and an isolated one named after its symbol
    health=(_margin("hyperliquid", "0xabc", 5e5, 1e4), _margin("hyperliquid", "BTC", 2e3, 6e2)),
)
UNNAMED = VenueSnapshot(
    "hyperliquid",
    NOW,
    positions=HYPERLIQUID.positions,
    health=(_margin("hyperliquid", None, 5e5, 1e4), _margin("hyperliquid", "SOL", 9e2, 1e2)),
)
TWO_POOLS = VenueSnapshot(
    "deribit",
    NOW,
    positions=DERIBIT.positions,
    health=(*DERIBIT.health[:2], _margin("deribit", "ETH_USDC-PERPETUAL", 9e2, 1e2)),
)


@pytest.mark.parametrize("snapshot", [DERIBIT, HYPERLIQUID, UNNAMED, TWO_POOLS])
def test_each_account_holds_the_positions_it_held_before(snapshot: VenueSnapshot) -> None:
    profile = profile_for(snapshot.venue, snapshot.venue)
    assert profile.margin == "cross"
    found = decision_inputs._margin_accounts(snapshot, profile, 3.0)
    assert found == _reference(snapshot, profile, 3.0)
    assert all(account.positions for account in found[:2])  # the cases hold something


class _Assessment:
    """What the Greek checks read of an assessment: our Greeks per position id."""

    def __init__(self, positions: dict[str, Greeks]) -> None:
        self.positions = positions


def test_greek_checks_are_the_venues_options_we_know() -> None:
    ours = Greeks(delta=0.75, gamma=0.002, vega=3.0)
    known = {f"{p.key}:option": ours for p in DERIBIT.positions[:3]}
    checks = decision_inputs._greek_checks(DERIBIT, _Assessment(known))
    options = [p for p in DERIBIT.positions[:3] if p.instrument.kind is Kind.OPTION]
    assert checks == [GreekCheck("deribit", p.key, ours, p.venue_greeks) for p in options]
    assert [type(c) for c in checks] == [GreekCheck, GreekCheck]


def test_a_lending_venue_holding_an_option_has_its_greeks_checked() -> None:
    # (its lending pass says it holds more than loans: the check is not skipped)
    supply = Instrument("aave:1", "WETH", "ETH", Kind.LENDING_SUPPLY)
    option = _option("aave:1", "ETH", 3_000.0, 1.0, 0.05)
    reserve = ReserveState("WETH", 3000.0, 0.01, 0.03, 0.5, 1e9, 0.8, 0.85, 1.05)
    lending = VenueSnapshot(
        "aave:1", NOW, positions=(Position(supply, 1.0, collateral_usd=3e3), option),
        health=(Health("aave:1", HealthKind.LENDING, 9.0, collateral_usd=3e3),),
        reserves=(reserve,),
    )  # fmt: skip
    snapshots = {
        "aave:1": lending,
        "chainlink": VenueSnapshot("chainlink", NOW, marks={"ETH": 3e3}),
    }
    profiles = {
        name: profile_for(name, kind)
        for name, kind in (("aave:1", "aave_v3"), ("chainlink", "chainlink"))
    }
    book = build_book(snapshots, profiles, now=NOW, oracle_venue="chainlink")
    assessment = assess(book)
    found = decision_inputs.policy_input(
        now=NOW, assessment=assessment, snapshots=snapshots, profiles=profiles,
        config=Config.model_construct(underlyings={}), exposure_usd={}, gas_price_gwei={},
        state=PolicyState(),
    )  # fmt: skip
    ours = assessment.positions[f"{option.key}:option"]
    assert found.greek_checks == (GreekCheck("aave:1", option.key, ours, option.venue_greeks),)
    assert found.lending[0].asset("WETH").supplied == 1.0
