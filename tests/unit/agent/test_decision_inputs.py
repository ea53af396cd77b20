"""The policy input's lending accounts from reserves shared by every account of a market
(their facts checked once a tick): each account keeps its own amounts, every asset is the
constructor's, a bad reserve or amount is refused as before, and each nets only its own
venue's work in flight. Only the hedge venues' exposure is summed."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from agent.config.models import Config
from agent.in_flight import InFlight, InFlightKind, InFlightView
from agent.intents import Action
from agent.model import (
    Balance,
    Health,
    HealthKind,
    Instrument,
    Kind,
    Position,
    ReserveState,
    VenueSnapshot,
)
from agent.policy.inputs import (
    LendingAccount,
    LendingAsset,
    PolicyState,
    ReserveFacts,
    reserve_facts,
)
from agent.profiles import profile_for
from agent.tick.assessment import assess
from agent.tick.book_builder import build_book
from agent.tick.decision_inputs import (
    SnapshotBlocks,
    hedge_snapshots,
    lending_account,
    policy_input,
    usable_snapshots,
)
from agent.tick.exposures import gross_exposure_usd
from agent.tick.hedge_routes import underlying_of
from tests.unit.policy.builders import rules

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _reserve(symbol: str, price: float, ltv: float = 0.8) -> ReserveState:
    return ReserveState(
        symbol, price, supply_apr=0.01, borrow_apr=0.03, utilization=0.5,
        available_liquidity=1e9, ltv=ltv, liquidation_threshold=0.85, liquidation_bonus=1.05,
        supply_room=1e6 if symbol == "WBTC" else math.inf, frozen=symbol == "USDC",
    )  # fmt: skip


RESERVES = (_reserve("WETH", 3000.0), _reserve("USDC", 1.0), _reserve("WBTC", 60_000.0, 0.0))


def _position(venue: str, symbol: str, kind: Kind, quantity: float, collateral: float) -> Position:
    instrument = Instrument(venue, symbol, underlying_of(symbol) or symbol, kind)
    return Position(instrument, quantity, collateral_usd=collateral)


def _account(
    venue: str,
    supplied: dict[str, tuple[float, float]],
    debts: dict[str, float],
    wallet: dict[str, float],
    reserves: tuple[ReserveState, ...] = RESERVES,
) -> VenueSnapshot:
    positions = [
        _position(venue, s, Kind.LENDING_SUPPLY, q, c) for s, (q, c) in supplied.items()
    ] + [_position(venue, s, Kind.LENDING_DEBT, -q, 0.0) for s, q in debts.items()]
    ratio = math.inf if not debts else 1.5
    health = (Health(venue, HealthKind.LENDING, ratio, collateral_usd=1.0),)
    balances = tuple(Balance(s, a) for s, a in wallet.items())
    return VenueSnapshot(
        venue, NOW, positions=tuple(positions), balances=balances, health=health,
        reserves=reserves,
    )  # fmt: skip


def _expected(
    snapshot: VenueSnapshot, changes: dict[str, tuple[float, float, float]]
) -> tuple[LendingAsset, ...]:
    """The assets by the constructor, from the positions read plainly."""
    assets = []
    for reserve in snapshot.reserves:
        supply = [
            p
            for p in snapshot.positions
            if p.instrument.symbol == reserve.symbol and p.instrument.kind is Kind.LENDING_SUPPLY
        ]
        debt = sum(
            -p.quantity
            for p in snapshot.positions
            if p.instrument.symbol == reserve.symbol and p.instrument.kind is Kind.LENDING_DEBT
        )
        wallet = sum(b.amount for b in snapshot.balances if b.asset == reserve.symbol)
        more = changes.get(reserve.symbol, (0.0, 0.0, 0.0))
        enabled = (supply[0].collateral_usd or 0.0) > 0 if supply else reserve.ltv > 0
        assets.append(
            LendingAsset(
                reserve.symbol, reserve.price_usd, reserve.liquidation_threshold,
                max((supply[0].quantity if supply else 0.0) + more[0], 0.0), enabled,
                max(debt + more[1], 0.0), max(wallet + more[2], 0.0), reserve.supply_apr,
                reserve.borrow_apr, reserve.supply_room, reserve.frozen, reserve.paused,
                underlying_of(reserve.symbol),
            )
        )  # fmt: skip
    return tuple(assets)


ACCOUNTS = (
    # ETH collateral, USDC debt, wallet in both
    _account("aave:1", {"WETH": (10.0, 30_000.0)}, {"USDC": 12_000.0}, {"WETH": 1.0, "USDC": 5.0}),
    # no debt: the reported health is inf
    _account("aave:2", {"WETH": (2.0, 6_000.0), "WBTC": (0.1, 6_000.0)}, {}, {}),
    # collateral switched off on its WETH; owes WETH and WBTC
    _account("aave:3", {"WETH": (4.0, 0.0)}, {"WETH": 1.0, "WBTC": 0.01}, {"USDC": 100.0}),
)


def test_accounts_sharing_reserves_keep_their_own_amounts() -> None:
    shared: dict[int, tuple[ReserveState, ReserveFacts]] = {}
    view = InFlightView()
    for snapshot in ACCOUNTS:
        found = lending_account(snapshot, 2.0, view, shared)
        alone = lending_account(snapshot, 2.0, view)
        assert found == alone
        assert found == LendingAccount(
            snapshot.venue, _expected(snapshot, {}), snapshot.health[0].ratio, 2.0
        )
    assert len(shared) == 3  # one entry a reserve object, whatever the accounts
    assert lending_account(ACCOUNTS[1], 2.0, view).health_factor == math.inf


def test_work_in_flight_is_netted_with_shared_reserves() -> None:
    repay = InFlight(
        "i1", "aave:1", Action.REPAY, "USDC", 2_000.0, 2_000.0, InFlightKind.ORDER, 0.0
    )
    supply = InFlight(
        "i2", "aave:1", Action.SUPPLY, "WETH", 0.5, 1_500.0, InFlightKind.TRANSACTION, 0.0
    )
    view = InFlightView((repay, supply))
    shared: dict[int, tuple[ReserveState, ReserveFacts]] = {}
    lending_account(ACCOUNTS[0], 2.0, view, shared)
    found = lending_account(ACCOUNTS[0], 2.0, view, shared)
    changes = {"USDC": (0.0, -2_000.0, -2_000.0), "WETH": (0.5, 0.0, -0.5)}
    assert found.assets == _expected(ACCOUNTS[0], changes)
    assert found.health_factor == math.inf  # the venue's figure predates the work
    assert lending_account(ACCOUNTS[1], 2.0, view, shared).assets == _expected(ACCOUNTS[1], {})


def test_a_stale_entry_for_a_reused_id_is_not_taken() -> None:
    # an entry left by a reserve object since freed, whose id the WETH reserve now has
    gone = _reserve("USDC", 0.5)
    facts = reserve_facts("USDC", 0.5, 0.85, 0.01, 0.03, math.inf, True, False, None)
    stale = {id(RESERVES[0]): (gone, facts)}
    found = lending_account(ACCOUNTS[0], 2.0, InFlightView(), stale)
    assert found.assets == _expected(ACCOUNTS[0], {})
    assert stale[id(RESERVES[0])][0] is RESERVES[0]


def test_a_bad_reserve_is_refused_on_every_account() -> None:
    bad = (RESERVES[0], _reserve("USDC", 0.0), RESERVES[2])
    shared: dict[int, tuple[ReserveState, ReserveFacts]] = {}
    for venue in ("aave:1", "aave:2"):
        snapshot = _account(venue, {"WETH": (1.0, 3000.0)}, {"USDC": 10.0}, {}, bad)
        with pytest.raises(ValueError, match="USDC: price_usd must be positive"):
            lending_account(snapshot, 2.0, InFlightView(), shared)


def test_a_bad_amount_is_refused_after_its_reserve_was_checked() -> None:
    shared: dict[int, tuple[ReserveState, ReserveFacts]] = {}
    lending_account(ACCOUNTS[0], 2.0, InFlightView(), shared)
    broken = _account("aave:4", {"WETH": (1.0, 3000.0)}, {}, {"USDC": math.nan})
    with pytest.raises(ValueError, match="USDC: wallet must not be negative"):
        lending_account(broken, 2.0, InFlightView(), shared)


def test_only_the_hedge_venues_exposure_is_summed() -> None:
    perp = Instrument("hyperliquid", "ETH", "ETH", Kind.PERP)
    hyperliquid = VenueSnapshot(
        "hyperliquid", NOW, positions=(Position(perp, -2.0, mark_price=3000.0),)
    )
    snapshots = {"hyperliquid": hyperliquid, **{s.venue: s for s in ACCOUNTS}}
    config = Config.model_construct(underlyings={"ETH": rules(hedge_venues=["hyperliquid", "gmx"])})
    hedging = hedge_snapshots(snapshots, config)
    assert hedging == {"hyperliquid": hyperliquid}  # gmx read nothing this tick
    prices = {"ETH": 3100.0, "BTC": 60_000.0}
    assert (
        gross_exposure_usd(hedging, prices)["hyperliquid"]
        == (gross_exposure_usd(snapshots, prices)["hyperliquid"])
    )


def test_each_account_nets_only_its_own_venues_work_in_flight() -> None:
    # (aave:3 with its WETH as collateral: the book refuses a supply that is not one)
    third = _account("aave:3", {"WETH": (4.0, 12_000.0)}, {"WETH": 1.0}, {"USDC": 100.0})
    accounts = (*ACCOUNTS[:2], third)
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0, "BTC": 60_000.0})
    snapshots = {"chainlink": oracle, **{s.venue: s for s in accounts}}
    profiles = {s.venue: profile_for(s.venue, "aave_v3") for s in accounts}
    profiles["chainlink"] = profile_for("chainlink", "chainlink")
    book = build_book(snapshots, profiles, now=NOW, oracle_venue="chainlink")
    work = (
        InFlight("a", "aave:3", Action.REPAY, "WETH", 0.25, 750.0, InFlightKind.ORDER, 0.0),
        InFlight("b", "aave:1", Action.REPAY, "USDC", 2_000.0, 2_000.0, InFlightKind.ORDER, 0.0),
        InFlight("c", "hyperliquid", Action.SELL, "ETH", 1.0, 3_000.0, InFlightKind.ORDER, 0.0),
        InFlight("d", "aave:3", Action.SUPPLY, "USDC", 50.0, 50.0, InFlightKind.ORDER, 0.0),
    )
    view = InFlightView(work)
    found = policy_input(
        now=NOW, assessment=assess(book), snapshots=snapshots, profiles=profiles,
        config=Config.model_construct(underlyings={}), exposure_usd={},
        gas_price_gwei={}, state=PolicyState(), in_flight=view,
    )  # fmt: skip
    # as each account reads the whole view by itself
    assert found.lending == tuple(lending_account(s, 0.0, view) for s in accounts)
    assert found.lending[1] == lending_account(accounts[1], 0.0, InFlightView())
    assert found.lending[2].asset("USDC").supplied == 50.0


def test_repairable_and_usable_accounts_come_in_the_venues_order() -> None:
    oracle = VenueSnapshot("chainlink", NOW, marks={"ETH": 3000.0, "BTC": 60_000.0})
    everything = {"chainlink": oracle, **{s.venue: s for s in ACCOUNTS}}
    profiles = {s.venue: profile_for(s.venue, "aave_v3") for s in ACCOUNTS}
    profiles["chainlink"] = profile_for("chainlink", "chainlink")
    book = build_book(everything, profiles, now=NOW, oracle_venue="chainlink")
    usable = {"aave:3": ACCOUNTS[2], "chainlink": oracle, "aave:1": ACCOUNTS[0]}  # unsorted
    for repairable in ({"aave:2": ACCOUNTS[1]}, {}, None):
        found = policy_input(
            now=NOW, assessment=assess(book), snapshots=usable, profiles=profiles,
            config=Config.model_construct(underlyings={}), exposure_usd={},
            gas_price_gwei={}, state=PolicyState(), repairable=repairable,
        )  # fmt: skip
        venues = sorted({**(repairable or {}), **usable}.keys() - {"chainlink"})
        assert [a.venue for a in found.lending] == venues
        assert found.lending == tuple(
            lending_account(everything[v], 0.0, InFlightView()) for v in venues
        )


def test_the_usable_snapshots_are_the_usable_venues_ones() -> None:
    snapshots = {s.venue: s for s in ACCOUNTS}
    some = usable_snapshots(snapshots, frozenset({"aave:1", "aave:3"}))
    assert some == {"aave:1": ACCOUNTS[0], "aave:3": ACCOUNTS[2]}
    assert usable_snapshots(snapshots, frozenset(snapshots)) == snapshots
    assert usable_snapshots(snapshots, frozenset()) == {}


def test_the_blocks_are_each_snapshots_asked_by_venue() -> None:
    snapshots = {
        s.venue: replace(s, block_number=block)
        for s, block in zip(ACCOUNTS, (7, None, 9), strict=True)
    }
    blocks = SnapshotBlocks(snapshots)
    assert blocks == {"aave:1": 7, "aave:2": None, "aave:3": 9}  # a Mapping, item for item
    assert blocks.get("aave:3") == 9
    assert blocks.get("gmx") is None  # a venue read nothing this tick
    assert "aave:2" in blocks
    assert "gmx" not in blocks
