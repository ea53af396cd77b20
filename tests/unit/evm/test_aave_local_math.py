"""The integer arithmetic of ``aave_v3_local`` where the chain test cannot easily go: the
half-up rounding of WadRayMath and PercentageMath (aave-v3-core v1.19,
contracts/protocol/libraries/math/), the empty configuration, and every case the Pool
would answer differently or revert on, which must refuse (``NotReplicable``) rather than
guess. The figures themselves are checked against the real Pool in
tests/integration/evm/test_aave_local.py."""

from __future__ import annotations

import pytest

from connectors.evm.aave_v3_local import (
    RAY,
    UINT256_MAX,
    WAD,
    AccountState,
    EModeRisk,
    NotReplicable,
    ReserveFigures,
    account_data,
    percent_mul,
    ray_mul,
    reserve_figures,
    wad_div,
)


def test_rounding_is_half_up_as_in_solidity() -> None:
    assert ray_mul(3, RAY // 2) == 2  # 1.5 -> 2
    assert ray_mul(1, RAY // 2 - 1) == 0  # just below a half
    assert percent_mul(1, 5_000) == 1  # 0.5 -> 1
    assert percent_mul(1, 4_999) == 0
    assert wad_div(1, 2 * WAD) == 1  # 0.5 wei -> 1
    assert wad_div(1, 2 * WAD + 1) == 0


def test_overflow_and_division_by_zero_refuse() -> None:
    with pytest.raises(NotReplicable):
        ray_mul(UINT256_MAX, 2)
    with pytest.raises(NotReplicable):
        wad_div(1, 0)


def _reserve(reserve_id: int, **changes: int) -> ReserveFigures:
    values = {"reserve_id": reserve_id, "decimals": 18, "ltv_bps": 8_000,
              "liquidation_threshold_bps": 8_250, "emode_category": 0, "price": 2_000 * 10**8,
              "normalized_income": RAY, "normalized_variable_debt": RAY} | changes  # fmt: skip
    return ReserveFigures(**values)


def _state(configuration: int, emode: int = 0) -> AccountState:
    return AccountState(configuration, emode, (10**18,), (0,), (0,), (0,))


def test_an_empty_configuration_is_the_pools_answer() -> None:
    assert account_data(_state(0), [_reserve(0)], {}) == (0, 0, 0, 0, 0, UINT256_MAX)


def test_a_collateral_only_account() -> None:
    # reserve 0 used as collateral (bit 1): 1 token at $2,000 (8 decimals of base currency)
    found = account_data(_state(0b10), [_reserve(0)], {})
    assert found == (2_000 * 10**8, 0, 1_600 * 10**8, 8_250, 8_000, UINT256_MAX)


def test_what_cannot_be_replicated_refuses() -> None:
    with pytest.raises(NotReplicable, match="does not track"):
        account_data(_state(0b10 << 2), [_reserve(0)], {})  # reserve 1 in use
    with pytest.raises(NotReplicable, match="was not read"):
        account_data(_state(0b10, emode=1), [_reserve(0)], {})
    with pytest.raises(NotReplicable, match="price source"):
        account_data(_state(0b10, emode=1), [_reserve(0)], {1: EModeRisk(9_000, 9_300, 0xFEED)})


def test_reserve_figures_read_the_configuration_bitmap() -> None:
    # ReserveConfiguration.sol: LTV bits 0-15, threshold 16-31, decimals 48-55, e-mode 168-175
    bitmap = 7_500 | (8_000 << 16) | (10_500 << 32) | (6 << 48) | (3 << 168)
    pool_reserve = ((bitmap,), 0, 0, 0, 0, 0, 0, 4)
    found = reserve_figures(pool_reserve, 10**8, RAY + 1, RAY + 2)
    assert found == ReserveFigures(4, 6, 7_500, 8_000, 3, 10**8, RAY + 1, RAY + 2)
