"""One Aave v3 account's figures for a tick: read in full from the Pool, or computed from
its kept state (``aave_v3_local``), and the two compared field by field.

A full read is the account's calls in ``AaveV3Connector.plan``: ``Pool.getUserAccountData``,
``getUserEMode``, ``getUserConfiguration``, and per asset the data provider's
``getUserReserveData``, the wallet's ``balanceOf`` and ``allowance`` to the Pool, and the
aToken's ``scaledBalanceOf``. It gives the figures the snapshot reports (exactly as the
Pool and its tokens answer them) and the state (``AccountState``) later ticks compute from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

from agent.ports import CallResult
from connectors.evm.aave_v3_local import (
    AccountState,
    EModeRisk,
    LocalMarket,
    NotReplicable,
)
from connectors.evm.abi import ContractAbi
from connectors.evm.tokens import ERC20
from connectors.evm.venue import require

POOL = ContractAbi.load("IPool")
DATA_PROVIDER = ContractAbi.load("IPoolDataProvider")
SCALED = ContractAbi.load("IScaledBalanceToken")
ACCOUNT_CALLS = 3  # getUserAccountData, getUserEMode, getUserConfiguration
CALLS_PER_ASSET = 4  # getUserReserveData, balanceOf, allowance, aToken.scaledBalanceOf
_LABELS = ("user reserve", "balance", "allowance", "scaled supply")


@dataclass(frozen=True, slots=True)
class AccountFigures:
    """What the snapshot reports of the account, per asset in the connector's order
    (raw units): the six numbers of ``getUserAccountData`` and getUserReserveData's."""

    account_data: tuple[int, int, int, int, int, int]
    emode: int
    supplied: tuple[int, ...]  # aToken balance
    stable_debt: tuple[int, ...]
    variable_debt: tuple[int, ...]
    collateral: tuple[bool, ...]  # usageAsCollateralEnabled
    wallet: tuple[int, ...]
    allowance: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FullRead:
    """The account's full read: its figures, and its state when it can be computed from
    (None: stable debt, which compounds at the user's own rate)."""

    figures: AccountFigures
    state: AccountState | None


def read_full(results: Sequence[CallResult], symbols: Sequence[str]) -> FullRead:
    """The account's calls' ``results`` (every one must have succeeded)."""
    data = POOL.decode("getUserAccountData", require(results[0], "getUserAccountData"))
    emode = POOL.decode_one("getUserEMode", require(results[1], "getUserEMode"))
    (configuration,) = POOL.decode_one(
        "getUserConfiguration", require(results[2], "getUserConfiguration")
    )
    columns: list[list[int]] = [[] for _ in range(8)]
    for index, symbol in enumerate(symbols):
        start = ACCOUNT_CALLS + index * CALLS_PER_ASSET
        part = results[start : start + CALLS_PER_ASSET]
        for label, result in zip(_LABELS, part, strict=True):
            require(result, f"{symbol} {label}")
        user = DATA_PROVIDER.decode("getUserReserveData", part[0].data)
        values = (
            user[0], user[1], user[2], int(user[8]),  # supplied, stable, variable, collateral
            ERC20.decode_one("balanceOf", part[1].data),
            ERC20.decode_one("allowance", part[2].data),
            SCALED.decode_one("scaledBalanceOf", part[3].data),
            user[4],  # scaledVariableDebt
        )  # fmt: skip
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    figures = AccountFigures(
        account_data=tuple(data),
        emode=emode,
        supplied=tuple(columns[0]),
        stable_debt=tuple(columns[1]),
        variable_debt=tuple(columns[2]),
        collateral=tuple(bool(flag) for flag in columns[3]),
        wallet=tuple(columns[4]),
        allowance=tuple(columns[5]),
    )
    state = None
    if not any(figures.stable_debt):
        state = AccountState(
            configuration=configuration,
            emode=emode,
            scaled_supply=tuple(columns[6]),
            scaled_variable_debt=tuple(columns[7]),
            wallet=figures.wallet,
            allowance=figures.allowance,
        )
    return FullRead(figures, state)


def computed(
    state: AccountState,
    market: LocalMarket,
    categories: Mapping[int, EModeRisk],
) -> AccountFigures:
    """The figures a full read would give at the block ``market``'s reserves were read
    at, from ``state`` (``NotReplicable`` when they cannot be computed exactly)."""
    data, balances, debts, collateral = market.figures(state, categories)
    return AccountFigures(
        account_data=data,
        emode=state.emode,
        supplied=balances,
        stable_debt=market.zeros,
        variable_debt=debts,
        collateral=collateral,
        wallet=state.wallet,
        allowance=state.allowance,
    )


def differences(
    local: AccountFigures, chain: AccountFigures, symbols: Sequence[str]
) -> list[tuple[str, object, object]]:
    """Every field where ``local`` and ``chain`` differ: (field, local, chain)."""
    found: list[tuple[str, object, object]] = []
    names = ("collateral_base", "debt_base", "available_borrows_base",
             "liquidation_threshold", "ltv", "health_factor")  # fmt: skip
    for name, mine, theirs in zip(names, local.account_data, chain.account_data, strict=True):
        if mine != theirs:
            found.append((name, mine, theirs))
    for field in fields(AccountFigures)[1:]:
        mine_all, theirs_all = getattr(local, field.name), getattr(chain, field.name)
        if field.name == "emode":
            if mine_all != theirs_all:
                found.append(("emode", mine_all, theirs_all))
            continue
        for symbol, mine, theirs in zip(symbols, mine_all, theirs_all, strict=True):
            if mine != theirs:
                found.append((f"{symbol} {field.name}", mine, theirs))
    return found


__all__ = ["AccountFigures", "FullRead", "NotReplicable", "computed", "differences", "read_full"]
