"""An Aave v3 account's figures computed from its scaled balances, exactly as the Pool
answers them, without asking it.

Between the account's own events, what Aave reports for it moves only with the
reserves' indexes, prices and configuration, which every tick reads once per market. So
an account's last full read keeps what only its events change (``AccountState``: the
aToken's and the variable debt token's scaled balances, the configuration bitmap, the
e-mode category, the wallet's balance and allowance), and each tick's market figures
(``ReserveFigures``) give the rest, in the Pool's own integer arithmetic, for the
release the local world deploys (npm ``@aave/core-v3`` 1.19.3, Aave v3.0.2; paths below
are inside that package):

- aToken balance: ``scaledBalanceOf(user).rayMul(getReserveNormalizedIncome(asset))``
  (contracts/protocol/tokenization/AToken.sol, ``balanceOf``);
- variable debt: 0 if the scaled balance is 0, else
  ``scaled.rayMul(getReserveNormalizedVariableDebt(asset))``
  (contracts/protocol/tokenization/VariableDebtToken.sol, ``balanceOf``);
- ``Pool.getUserAccountData``'s six numbers: ``account_data`` (GenericLogic.sol,
  ``calculateUserAccountData`` and ``calculateAvailableBorrows``, through
  PoolLogic.sol, ``executeGetUserAccountData``).

What is not replicated raises ``NotReplicable``, and the account keeps the full read:
stable debt (its balance compounds at the user's own rate), a reserve in use that the
connector does not track, an e-mode category with its own price source, an arithmetic
overflow (where the Pool would revert).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# contracts/protocol/libraries/math/WadRayMath.sol and PercentageMath.sol
WAD = 10**18
RAY = 10**27
HALF_RAY = RAY // 2
PERCENTAGE_FACTOR = 10**4
HALF_PERCENTAGE_FACTOR = PERCENTAGE_FACTOR // 2
UINT256_MAX = 2**256 - 1


class NotReplicable(Exception):
    """The account's figures cannot be computed here exactly: read them from the Pool."""


def _checked(value: int) -> int:
    """Solidity 0.8's checked arithmetic: a result beyond uint256 reverts in the Pool."""
    if value > UINT256_MAX:
        raise NotReplicable("uint256 overflow (the Pool would revert)")
    return value


def ray_mul(a: int, b: int) -> int:
    """WadRayMath.rayMul: ``(a * b + HALF_RAY) / RAY``, half up; reverts on overflow."""
    value = a * b + HALF_RAY
    if value > UINT256_MAX:  # ``_checked``, inline: the hottest multiplication
        raise NotReplicable("uint256 overflow (the Pool would revert)")
    return value // RAY


def wad_div(a: int, b: int) -> int:
    """WadRayMath.wadDiv: ``(a * WAD + b / 2) / b``, half up; reverts on b == 0."""
    if b == 0:
        raise NotReplicable("wadDiv by zero (the Pool would revert)")
    return _checked(a * WAD + b // 2) // b


def percent_mul(value: int, percentage: int) -> int:
    """PercentageMath.percentMul: ``(value * percentage + 5e3) / 1e4``, half up."""
    return _checked(value * percentage + HALF_PERCENTAGE_FACTOR) // PERCENTAGE_FACTOR


@dataclass(frozen=True, slots=True)
class ReserveFigures:
    """One reserve's market-wide figures at the tick's block (the same for every account).

    ``reserve_id``: ``Pool.getReserveData(asset).id``, the reserve's bit pair in a user's
    configuration; ``decimals``, ``ltv_bps``, ``liquidation_threshold_bps``:
    ``getReserveConfigurationData``; ``emode_category``: ``getReserveEModeCategory``;
    ``price``: ``AaveOracle.getAssetPrice`` (base currency units); the two indexes in ray
    from ``Pool.getReserveNormalizedIncome`` / ``getReserveNormalizedVariableDebt``.
    """

    reserve_id: int
    decimals: int
    ltv_bps: int
    liquidation_threshold_bps: int
    emode_category: int
    price: int
    normalized_income: int
    normalized_variable_debt: int


@dataclass(frozen=True, slots=True)
class EModeRisk:
    """``Pool.getEModeCategoryData``: what GenericLogic takes from the user's category."""

    ltv_bps: int
    liquidation_threshold_bps: int
    price_source: int  # an address as an integer; 0 = the assets' own oracle prices


@dataclass(frozen=True, slots=True)
class AccountState:
    """What only the account's own events change, per tracked asset in the connector's
    order: scaled balances, wallet balance and allowance to the Pool (raw units)."""

    configuration: int  # Pool.getUserConfiguration(user).data
    emode: int  # Pool.getUserEMode(user)
    scaled_supply: tuple[int, ...]  # aToken.scaledBalanceOf(user)
    scaled_variable_debt: tuple[int, ...]  # getUserReserveData's scaledVariableDebt
    wallet: tuple[int, ...]
    allowance: tuple[int, ...]


def supplied(scaled: int, reserve: ReserveFigures) -> int:
    """AToken.balanceOf: the scaled balance times the normalized income."""
    return ray_mul(scaled, reserve.normalized_income)


def variable_debt(scaled: int, reserve: ReserveFigures) -> int:
    """VariableDebtToken.balanceOf: 0 without a scaled balance, else times the index."""
    return 0 if scaled == 0 else ray_mul(scaled, reserve.normalized_variable_debt)


def uses_as_collateral(configuration: int, reserve_id: int) -> bool:
    """UserConfiguration.isUsingAsCollateral: the high bit of the reserve's pair."""
    return (configuration >> ((reserve_id << 1) + 1)) & 1 != 0


def _check_tracked(configuration: int, reserves: Sequence[ReserveFigures]) -> None:
    """Every reserve the account uses (a bit pair set) must be one the connector reads."""
    tracked = 0
    for reserve in reserves:
        tracked |= 3 << (reserve.reserve_id << 1)
    if configuration & ~tracked:
        raise NotReplicable("the account uses a reserve the connector does not track")


# A user's figures without any reserve in use (userConfig.isEmpty()).
NO_POSITION = (0, 0, 0, 0, 0, UINT256_MAX)
# 10**decimals for every decimals a reserve's configuration can hold (8 bits): assetUnit
_UNITS = tuple(10**decimals for decimals in range(256))


def account_data(
    state: AccountState,
    reserves: Sequence[ReserveFigures],
    categories: Mapping[int, EModeRisk],
) -> tuple[int, int, int, int, int, int]:
    """``Pool.getUserAccountData(user)``: (totalCollateralBase, totalDebtBase,
    availableBorrowsBase, currentLiquidationThreshold, ltv, healthFactor), from
    GenericLogic.calculateUserAccountData and calculateAvailableBorrows.

    ``reserves`` are in the order of ``state``'s tuples. The loop's sums do not depend
    on the order GenericLogic visits the reserves in (reserve id): integer addition.
    """
    if state.configuration == 0:  # userConfig.isEmpty()
        return NO_POSITION
    return _totals(state, reserves, _emode_risk(state, reserves, categories), None)


def account_figures(
    state: AccountState,
    reserves: Sequence[ReserveFigures],
    categories: Mapping[int, EModeRisk],
) -> tuple[tuple[int, int, int, int, int, int], tuple[int, ...], tuple[int, ...]]:
    """``account_data``'s six numbers, and every reserve's aToken balance (``supplied``)
    and variable debt (``variable_debt``): ``LocalMarket.figures`` for one account."""
    return LocalMarket(reserves).figures(state, categories)[:3]


class LocalMarket:
    """One tick's reserves with what every account's figures take from them worked out
    once (bit positions, indexes, prices, units, LTVs, thresholds), so that what is left
    per account is its own ray arithmetic: ``figures``."""

    __slots__ = ("_rows", "_tracked", "reserves", "zeros")

    def __init__(self, reserves: Sequence[ReserveFigures]) -> None:
        self.reserves = reserves
        self.zeros = (0,) * len(reserves)  # no stable debt: never replicated
        tracked = 0
        rows = []
        for reserve in reserves:
            tracked |= 3 << (reserve.reserve_id << 1)
            rows.append(
                (
                    reserve.reserve_id << 1,
                    reserve.normalized_income,
                    reserve.normalized_variable_debt,
                    reserve.price,
                    _UNITS[reserve.decimals],
                    reserve.ltv_bps,
                    reserve.liquidation_threshold_bps,
                    reserve.emode_category,
                )
            )
        self._rows = tuple(rows)
        self._tracked = tracked

    def _emode_terms(
        self, state: AccountState, categories: Mapping[int, EModeRisk]
    ) -> tuple[int, int]:
        """``_emode_risk`` with the tracked reserves' bits worked out once; (0, 0) for an
        empty configuration, which is not checked (``account_data``)."""
        if state.configuration == 0:
            return 0, 0
        if state.configuration & ~self._tracked:
            raise NotReplicable("the account uses a reserve the connector does not track")
        return _emode_terms(state.emode, categories)

    def figures(
        self, state: AccountState, categories: Mapping[int, EModeRisk]
    ) -> tuple[
        tuple[int, int, int, int, int, int], tuple[int, ...], tuple[int, ...], tuple[bool, ...]
    ]:
        """``account_figures``' three, and whether each reserve is used as collateral
        (``uses_as_collateral``): the same integers as ``account_data``, ``supplied`` and
        ``variable_debt`` (and the same refusals), in one pass over the reserves.

        Every figure is a uint256, so never negative: a sum's partial sums never exceed
        the whole, and a sum is checked (``_checked``) once, at the end, exactly when
        GenericLogic's running sum would have reverted on the way.
        """
        configuration, emode = state.configuration, state.emode
        emode_ltv, emode_threshold = self._emode_terms(state, categories)
        balances, debts, flags = [], [], []
        collateral = debt = weighted_ltv = weighted_threshold = 0
        for row, scaled, owed_scaled in zip(
            self._rows, state.scaled_supply, state.scaled_variable_debt, strict=True
        ):
            shift, income, index, price, unit, ltv, threshold, category = row
            held = ray_mul(scaled, income)  # as ``supplied`` and ``variable_debt``
            owed = ray_mul(owed_scaled, index) if owed_scaled else 0
            balances.append(held)
            debts.append(owed)
            pair = (configuration >> shift) & 3
            flags.append(pair > 1)  # isUsingAsCollateral: the pair's high bit
            if pair == 0:  # as ``_totals`` from here
                continue
            in_emode = emode != 0 and emode == category
            if threshold != 0 and pair & 2:
                balance = _checked(held * price) // unit
                collateral += balance
                if ltv != 0:
                    weighted_ltv += balance * (emode_ltv if in_emode else ltv)
                weighted_threshold += balance * (emode_threshold if in_emode else threshold)
            if pair & 1:
                debt += _checked(price * owed) // unit
        if configuration == 0:
            return NO_POSITION, tuple(balances), tuple(debts), tuple(flags)
        for total in (collateral, debt, weighted_ltv, weighted_threshold):
            _checked(total)
        return (
            _closing(collateral, debt, weighted_ltv, weighted_threshold),
            tuple(balances),
            tuple(debts),
            tuple(flags),
        )


def _emode_risk(
    state: AccountState, reserves: Sequence[ReserveFigures], categories: Mapping[int, EModeRisk]
) -> tuple[int, int]:
    """The user's e-mode (LTV, liquidation threshold), (0, 0) outside e-mode, after the
    checks that the Pool's answer can be replicated (``NotReplicable``)."""
    _check_tracked(state.configuration, reserves)
    return _emode_terms(state.emode, categories)


def _emode_terms(emode: int, categories: Mapping[int, EModeRisk]) -> tuple[int, int]:
    """E-mode ``emode``'s (LTV, liquidation threshold), (0, 0) outside e-mode."""
    if emode == 0:
        return 0, 0
    category = categories.get(emode)
    if category is None:
        raise NotReplicable(f"e-mode category {emode} was not read")
    if category.price_source != 0:  # EModeLogic.getEModeConfiguration: its own price
        raise NotReplicable("the e-mode category has its own price source")
    return category.ltv_bps, category.liquidation_threshold_bps


def _totals(
    state: AccountState,
    reserves: Sequence[ReserveFigures],
    emode_risk: tuple[int, int],
    balances: tuple[Sequence[int], Sequence[int]] | None,
) -> tuple[int, int, int, int, int, int]:
    """GenericLogic's loop and what follows it (``account_data``); ``balances``: every
    reserve's aToken balance and variable debt, else computed here where needed."""
    configuration, emode = state.configuration, state.emode
    emode_ltv, emode_threshold = emode_risk
    collateral = debt = weighted_ltv = weighted_threshold = 0
    for index, reserve in enumerate(reserves):
        pair = (configuration >> (reserve.reserve_id << 1)) & 3
        if pair == 0:  # !isUsingAsCollateralOrBorrowing
            continue
        unit = _UNITS[reserve.decimals]  # assetUnit
        in_emode = emode != 0 and emode == reserve.emode_category
        if reserve.liquidation_threshold_bps != 0 and pair & 2:
            # _getUserBalanceInBaseCurrency: (scaled.rayMul(income) * price) / assetUnit
            held = (
                supplied(state.scaled_supply[index], reserve)
                if balances is None
                else balances[0][index]
            )
            balance = _checked(held * reserve.price) // unit
            collateral = _checked(collateral + balance)
            if reserve.ltv_bps != 0:  # else hasZeroLtvCollateral (not in the six numbers)
                ltv = emode_ltv if in_emode else reserve.ltv_bps
                weighted_ltv = _checked(weighted_ltv + _checked(balance * ltv))
            threshold = emode_threshold if in_emode else reserve.liquidation_threshold_bps
            weighted_threshold = _checked(weighted_threshold + _checked(balance * threshold))
        if pair & 1:  # isBorrowing
            # _getUserDebtInBaseCurrency: (variable + stable) * price / assetUnit; stable
            # debt is never replicated (``state_from_full_read`` refuses it), so it is 0.
            owed = (
                variable_debt(state.scaled_variable_debt[index], reserve)
                if balances is None
                else balances[1][index]
            )
            debt = _checked(debt + _checked(reserve.price * owed) // unit)
    return _closing(collateral, debt, weighted_ltv, weighted_threshold)


def _closing(
    collateral: int, debt: int, weighted_ltv: int, weighted_threshold: int
) -> tuple[int, int, int, int, int, int]:
    """What follows GenericLogic's loop: the averages, the health factor and
    calculateAvailableBorrows, from the loop's four sums."""
    # unchecked divisions by the total collateral, 0 without collateral
    average_ltv = weighted_ltv // collateral if collateral else 0
    average_threshold = weighted_threshold // collateral if collateral else 0
    health = UINT256_MAX if debt == 0 else wad_div(percent_mul(collateral, average_threshold), debt)
    # calculateAvailableBorrows: collateral.percentMul(ltv) - debt, floored at 0
    borrowable = percent_mul(collateral, average_ltv)
    available = borrowable - debt if borrowable >= debt else 0
    return (collateral, debt, available, average_threshold, average_ltv, health)


def reserve_figures(
    pool_reserve: Sequence[object], price: int, income: int, variable_index: int
) -> ReserveFigures:
    """The figures from ``Pool.getReserveData(asset)`` (the ReserveData struct: the
    configuration bitmap first, the id eighth), the oracle's price and the two indexes.

    The bitmap's fields as ReserveConfiguration.getParams reads them
    (contracts/protocol/libraries/configuration/ReserveConfiguration.sol): LTV bits 0-15,
    liquidation threshold 16-31, decimals 48-55, e-mode category 168-175.
    """
    bitmap: Sequence[object] = pool_reserve[0]  # type: ignore[assignment]
    configuration, reserve_id = bitmap[0], pool_reserve[7]
    if not isinstance(configuration, int) or not isinstance(reserve_id, int):
        raise TypeError(f"not a Pool.getReserveData result: {pool_reserve!r}")
    return ReserveFigures(
        reserve_id=reserve_id,
        decimals=(configuration >> 48) & 0xFF,
        ltv_bps=configuration & 0xFFFF,
        liquidation_threshold_bps=(configuration >> 16) & 0xFFFF,
        emode_category=(configuration >> 168) & 0xFF,
        price=price,
        normalized_income=income,
        normalized_variable_debt=variable_index,
    )
