// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Expiry side of a local-world Premia v3 pool. Mirrors Premian-Labs/v3-contracts
// (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d), contracts/pool/PoolCore.sol and PoolInternal.sol:
// annihilate, exercise, exerciseFor, settle, settleFor, tryCacheSettlementPrice, getSettlementPrice,
// with the real payout math (_calculateExerciseValue, _calculateCollateralValue, _exerciseFee),
// return values, events and errors. Payouts are truncated to the pool token's decimals and sent with
// the real "ignore dust" rule (PoolStorage.safeTransferIgnoreDust: pay the balance if it is at most
// 0.01% short). See PremiaPool.sol for the exerciseFor/settleFor authorization deviation.
// Non-real: availableLiquidity() and the accounting of what the pool owes (_reserved), which exist
// because the pool itself is the counterparty.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {UD60x18} from "./libraries/FixedPoint.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {PoolBase} from "./PoolBase.sol";

abstract contract PoolSettlement is PoolBase, ReentrancyGuard {
    using SafeERC20 for IERC20;

    UD60x18 internal constant EXERCISE_FEE_PERCENTAGE = UD60x18.wrap(0.003e18); // 0.3% of notional
    UD60x18 internal constant MAX_EXERCISE_FEE_PERCENTAGE = UD60x18.wrap(0.125e18); // 12.5% of intrinsic value
    uint256 internal constant DUST_TOLERANCE = 0.0001e18; // 0.01%

    /// Non-real: capital added to the pool (pool token decimals).
    event LiquiditySeeded(address indexed provider, uint256 amount);
    /// Non-real: free capital withdrawn by the factory owner (pool token decimals).
    event LiquidityWithdrawn(address indexed to, uint256 amount);

    error Pool__NotLiquidityOwner(address sender);
    error Pool__InsufficientFreeCapital(uint256 amount, uint256 available);

    // ------------------------------------------------------------------ IPoolCore

    function annihilate(UD60x18 size) external nonReentrant {
        uint256 contracts = UD60x18.unwrap(size);
        _revertIfZeroSize(contracts);
        _burn(msg.sender, SHORT, contracts);
        _burn(msg.sender, LONG, contracts);
        _safeTransferIgnoreDust(msg.sender, _contractsToCollateral(contracts));
        emit Annihilate(msg.sender, size, 0);
    }

    function exercise() external nonReentrant returns (uint256 exerciseValue, uint256 exerciseFee) {
        (exerciseValue, exerciseFee,) = _exercise(msg.sender, 0);
    }

    function exerciseFor(address[] calldata holders, uint256 costPerHolder)
        external
        nonReentrant
        returns (uint256[] memory exerciseValues, uint256[] memory exerciseFees)
    {
        uint256 cost = _fromPoolTokenDecimals(costPerHolder);
        exerciseValues = new uint256[](holders.length);
        exerciseFees = new uint256[](holders.length);
        for (uint256 i = 0; i < holders.length; i++) {
            _revertIfCostNotAuthorized(holders[i], cost);
            bool success;
            (exerciseValues[i], exerciseFees[i], success) = _exercise(holders[i], cost);
            if (!success) revert Pool__SettlementFailed();
        }
        if (costPerHolder > 0) IERC20(_poolToken()).safeTransfer(msg.sender, holders.length * costPerHolder);
    }

    function settle() external nonReentrant returns (uint256 collateral) {
        (collateral,) = _settle(msg.sender, 0);
    }

    function settleFor(address[] calldata holders, uint256 costPerHolder)
        external
        nonReentrant
        returns (uint256[] memory collateral)
    {
        uint256 cost = _fromPoolTokenDecimals(costPerHolder);
        collateral = new uint256[](holders.length);
        for (uint256 i = 0; i < holders.length; i++) {
            _revertIfCostNotAuthorized(holders[i], cost);
            bool success;
            (collateral[i], success) = _settle(holders[i], cost);
            if (!success) revert Pool__SettlementFailed();
        }
        if (costPerHolder > 0) IERC20(_poolToken()).safeTransfer(msg.sender, holders.length * costPerHolder);
    }

    function tryCacheSettlementPrice() external {
        _revertIfOptionNotExpired();
        if (_settlementPrice != 0) revert Pool__SettlementPriceAlreadyCached();
        _tryCacheSettlementPrice();
    }

    /// Settlement price (18 decimals), 0 until cached.
    function getSettlementPrice() external view returns (UD60x18) {
        return UD60x18.wrap(_settlementPrice);
    }

    /// Non-real: the pool's free capital in pool token decimals (balance minus what it owes to
    /// holders other than itself). After maturity it uses the settlement price, cached or not.
    function availableLiquidity() external view returns (uint256) {
        uint256 price = _settlementPrice;
        if (block.timestamp >= _maturity && price == 0) {
            price = UD60x18.unwrap(IOracleAdapter(_oracleAdapter).getPriceAt(_base, _quote, _maturity));
        }
        return _availableLiquidity(price);
    }

    // ------------------------------------------------------------------ internals

    /// PoolInternal._exercise; values returned in pool token decimals.
    function _exercise(address holder, uint256 cost)
        internal
        returns (uint256 exerciseValue, uint256 exerciseFee, bool success)
    {
        _revertIfOptionNotExpired();
        uint256 size = balanceOf(holder, LONG);
        if (size == 0) return (0, 0, false);
        uint256 price = _tryCacheSettlementPrice();
        uint256 value = _exerciseValue(size, price);
        uint256 fee = _exerciseFee(size, value);
        value -= fee;
        _burn(holder, LONG, size);
        _revertIfCostExceedsPayout(cost, value);

        emit Exercise(
            msg.sender,
            holder,
            UD60x18.wrap(size),
            UD60x18.wrap(value),
            UD60x18.wrap(price),
            UD60x18.wrap(fee),
            UD60x18.wrap(cost)
        );
        if (fee > 0) _safeTransferIgnoreDust(_config().FEE_RECEIVER(), fee);
        if (value > cost) _safeTransferIgnoreDust(holder, value - cost);
        return (_toPoolTokenDecimals(value), _toPoolTokenDecimals(fee), true);
    }

    /// PoolInternal._settle; collateral returned in pool token decimals.
    function _settle(address holder, uint256 cost) internal returns (uint256 collateral, bool success) {
        _revertIfOptionNotExpired();
        uint256 size = balanceOf(holder, SHORT);
        if (size == 0) return (0, false);
        uint256 price = _tryCacheSettlementPrice();
        uint256 value = _exerciseValue(size, price);
        uint256 remaining = _contractsToCollateral(size) - value;
        _burn(holder, SHORT, size);
        _revertIfCostExceedsPayout(cost, remaining);

        emit Settle(
            msg.sender,
            holder,
            UD60x18.wrap(size),
            UD60x18.wrap(value),
            UD60x18.wrap(price),
            UD60x18.wrap(0),
            UD60x18.wrap(cost)
        );
        if (remaining > cost) _safeTransferIgnoreDust(holder, remaining - cost);
        return (_toPoolTokenDecimals(remaining), true);
    }

    /// Read and cache the price in force at maturity (PoolInternal._tryCacheSettlementPrice).
    function _tryCacheSettlementPrice() internal returns (uint256 price) {
        price = _settlementPrice;
        if (price == 0) {
            price = UD60x18.unwrap(IOracleAdapter(_oracleAdapter).getPriceAt(_base, _quote, _maturity));
            _settlementPrice = price;
            emit SettlementPriceCached(UD60x18.wrap(price));
        }
    }

    /// Collateral owed to the long side of `size` contracts (18 decimals): size * (S - K) / S base for
    /// calls, size * (K - S) quote for puts (PoolInternal._calculateExerciseValue).
    function _exerciseValue(uint256 size, uint256 price) internal view returns (uint256) {
        // The real pool rounds in this order (UD60x18 mul, then div); keep it to match payouts to the wei.
        // forge-lint: disable-next-line(divide-before-multiply)
        if (_isCallPool && price > _strike) return (size * (price - _strike) / WAD) * WAD / price;
        if (!_isCallPool && price < _strike) return size * (_strike - price) / WAD;
        return 0;
    }

    /// min(0.3% of notional collateral, 12.5% of intrinsic value) (PoolInternal._exerciseFee).
    function _exerciseFee(uint256 size, uint256 intrinsicValue) internal view returns (uint256) {
        uint256 notionalFee = _contractsToCollateral(size) * UD60x18.unwrap(EXERCISE_FEE_PERCENTAGE) / WAD;
        uint256 intrinsicValueFee = intrinsicValue * UD60x18.unwrap(MAX_EXERCISE_FEE_PERCENTAGE) / WAD;
        return Math.min(notionalFee, intrinsicValueFee);
    }

    /// What the pool owes to holders other than itself, pool token decimals, rounded up: before
    /// maturity the collateral of every SHORT (its own included); after it, each outside LONG's
    /// exercise value and each outside SHORT's remaining collateral at `settlementPrice`, plus one
    /// unit per holder for per-holder rounding.
    function _reserved(uint256 settlementPrice) internal view returns (uint256) {
        if (block.timestamp < _maturity) return _toPoolTokenDecimals(_roundUp(_contractsToCollateral(totalSupply(SHORT))));
        uint256 outsideLongs = totalSupply(LONG) - balanceOf(address(this), LONG);
        uint256 outsideShorts = totalSupply(SHORT) - balanceOf(address(this), SHORT);
        uint256 owed = _exerciseValue(outsideLongs, settlementPrice) + _contractsToCollateral(outsideShorts)
            - _exerciseValue(outsideShorts, settlementPrice);
        return _toPoolTokenDecimals(_roundUp(owed)) + totalHolders(LONG) + totalHolders(SHORT);
    }

    function _availableLiquidity(uint256 settlementPrice) internal view returns (uint256) {
        uint256 balance = IERC20(_poolToken()).balanceOf(address(this));
        uint256 reserved = _reserved(settlementPrice);
        return balance > reserved ? balance - reserved : 0;
    }

    /// Send `value` (18 decimals) of the pool token; if the pool is at most 0.01% short, send what it has.
    function _safeTransferIgnoreDust(address to, uint256 value) internal {
        uint256 amount = _toPoolTokenDecimals(value);
        if (amount == 0) return;
        uint256 balance = IERC20(_poolToken()).balanceOf(address(this));
        if (balance < amount) {
            if ((amount - balance) * WAD / amount > DUST_TOLERANCE) revert Pool__InsufficientFunds();
            amount = balance;
        }
        IERC20(_poolToken()).safeTransfer(to, amount);
    }

    function _revertIfCostNotAuthorized(address holder, uint256 cost) internal view {
        if (holder != msg.sender && cost > 0) revert Pool__CostNotAuthorized(UD60x18.wrap(cost), UD60x18.wrap(0));
    }

    function _revertIfCostExceedsPayout(uint256 cost, uint256 payout) internal pure {
        if (cost > payout) revert Pool__CostExceedsPayout(UD60x18.wrap(cost), UD60x18.wrap(payout));
    }

    function _revertIfZeroSize(uint256 size) internal pure {
        if (size == 0) revert Pool__ZeroSize();
    }

    function _revertIfOptionExpired() internal view {
        if (block.timestamp >= _maturity) revert Pool__OptionExpired();
    }

    function _revertIfOptionNotExpired() internal view {
        if (block.timestamp < _maturity) revert Pool__OptionNotExpired();
    }
}
