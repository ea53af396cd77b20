// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// A local-world Premia v3 option pool: one per (base, quote, oracleAdapter, strike, maturity, call/put).
// Named PremiaPool so that its forge artifact does not collide with Aave v3's Pool.
// Mirrors Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
//   contracts/pool/IPoolTrade.sol  getQuoteAMM, trade           (PoolInternal._getQuoteAMM, _trade)
//   contracts/pool/IPoolCore.sol   marketPrice, takerFee, _takerFeeLowLevel, annihilate, exercise,
//                                  exerciseFor, settle, settleFor, tryCacheSettlementPrice,
//                                  getSettlementPrice                (PoolInternal / PoolCore)
// Kept exactly as real: the taker fee (AMM: min(12.5% of premium, max(3% of premium, 0.3% of
// notional)), on normalized amounts; 50% of it to the protocol), premium rounding (up when buying,
// down when selling, fee up), the taker's delta (closing the opposite side first) and its collateral,
// the slippage rule and error, exercise value ((S - K)/S base per call, K - S quote per put), the
// exercise fee (min(0.3% of notional, 12.5% of intrinsic value)) and the settlement price read once
// through oracleAdapter.getPriceAt(base, quote, maturity) and cached.
// Deviations, each because the local world needs a counterparty rather than a range-order book:
// * Price: no ticks. The AMM quotes Black-Scholes (libraries/OptionMath.sol) at the spot of
//   oracleAdapter.getPrice(base, quote) and the vol of VolatilityOracle.getVolatility, with the rate
//   of getRiskFreeRate, times (1 + spread) when the taker buys and (1 - spread) when the taker sells;
//   the spread is the factory's ammSpread(). The quote does not depend on size.
// * Counterparty: the pool itself, with capital seeded through seedLiquidity (non-real). Taking the
//   other side of a buy, the pool first gives up LONG inventory, then writes SHORTs backed by its
//   free capital; of a sell, it first closes its SHORTs, then holds LONGs. A trade that would leave
//   the pool's balance below the collateral it owes reverts with Pool__InsufficientAskLiquidity
//   (buy) or Pool__InsufficientBidLiquidity (sell). getQuoteAMM does not check capacity.
// * Trade event: marketPrice is the normalized Black-Scholes mid; liquidityRate and currentTick are 0.
// * No referrals (referrer is accepted and ignored), no vxPREMIA discount, protocol fees are paid
//   to the fee receiver at once instead of accrued.
// * exerciseFor / settleFor: without UserSettings, anyone may exercise or settle for a holder at
//   zero cost (the payout always goes to the holder); a non-zero cost for another holder reverts
//   with Pool__CostNotAuthorized. This is what the settlement keeper uses; it skips the pool's own
//   address, which appears in accountsByToken as the holder of the pool's inventory (that inventory
//   needs no settling: availableLiquidity counts it).
// * Non-real liquidity helpers: seedLiquidity, withdrawLiquidity, availableLiquidity (PoolSettlement).
// * A taker sale whose fee would exceed its premium (dust premiums) pays the fee down to the premium.

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {UD60x18, SD59x18} from "./libraries/FixedPoint.sol";
import {OptionMath} from "./libraries/OptionMath.sol";
import {Position} from "./libraries/PremiaPosition.sol";
import {IOracleAdapter} from "./interfaces/IOracleAdapter.sol";
import {IVolatilityOracle} from "./interfaces/IVolatilityOracle.sol";
import {IERC20Router} from "./interfaces/IERC20Router.sol";
import {PoolSettlement} from "./PoolSettlement.sol";

contract PremiaPool is PoolSettlement {
    using SafeERC20 for IERC20;

    UD60x18 internal constant PROTOCOL_FEE_PERCENTAGE = UD60x18.wrap(0.5e18); // 50%
    UD60x18 internal constant AMM_PREMIUM_FEE_PERCENTAGE = UD60x18.wrap(0.03e18); // 3% of premium
    UD60x18 internal constant AMM_NOTIONAL_FEE_PERCENTAGE = UD60x18.wrap(0.003e18); // 0.3% of notional
    UD60x18 internal constant ORDERBOOK_NOTIONAL_FEE_PERCENTAGE = UD60x18.wrap(0.0008e18); // 0.08% of notional
    UD60x18 internal constant MAX_PREMIUM_FEE_PERCENTAGE = UD60x18.wrap(0.125e18); // 12.5% of premium

    // ------------------------------------------------------------------ IPoolTrade

    function getQuoteAMM(address taker, UD60x18 size, bool isBuy)
        external
        view
        returns (uint256 premiumNet, uint256 takerFee)
    {
        _revertIfZeroSize(UD60x18.unwrap(size));
        _revertIfOptionExpired();
        (uint256 premium, uint256 fee,) = _quoteAMM(taker, UD60x18.unwrap(size), isBuy);
        return (_toPoolTokenDecimals(isBuy ? premium + fee : premium - fee), _toPoolTokenDecimals(fee));
    }

    function trade(UD60x18 size, bool isBuy, uint256 premiumLimit, address referrer)
        external
        nonReentrant
        returns (uint256 totalPremium, Position.Delta memory delta)
    {
        referrer; // referrals are not mirrored
        uint256 contracts = UD60x18.unwrap(size);
        _revertIfZeroSize(contracts);
        _revertIfOptionExpired();

        TradeVars memory vars;
        (vars.premium, vars.fee, vars.mid) = _quoteAMM(msg.sender, contracts, isBuy);
        vars.premiumWithFees = isBuy ? vars.premium + vars.fee : vars.premium - vars.fee;
        totalPremium = _toPoolTokenDecimals(vars.premiumWithFees);
        _revertIfTradeAboveMaxSlippage(totalPremium, premiumLimit, isBuy);

        delta = _tradeDelta(msg.sender, contracts, isBuy, vars.premiumWithFees);
        vars.protocolFee = _roundDown(vars.fee * UD60x18.unwrap(PROTOCOL_FEE_PERCENTAGE) / WAD);
        _updateUserAssets(msg.sender, delta, contracts, vars.protocolFee, isBuy);
        _emitTrade(size, delta, vars, isBuy);
    }

    // ------------------------------------------------------------------ IPoolCore: prices and fees

    /// Normalized Black-Scholes mid (premium per contract / collateral per contract). After maturity:
    /// the normalized exercise value once the settlement price is cached, else 0.
    function marketPrice() external view returns (UD60x18) {
        if (block.timestamp < _maturity) return UD60x18.wrap(_midPrice());
        if (_settlementPrice == 0) return UD60x18.wrap(0);
        uint256 exerciseValue = _exerciseValue(WAD, _settlementPrice);
        return UD60x18.wrap(_isCallPool ? exerciseValue : exerciseValue * WAD / _strike);
    }

    function takerFee(address taker, UD60x18 size, uint256 premium, bool isPremiumNormalized, bool isOrderbook)
        external
        view
        returns (uint256)
    {
        uint256 fee = _takerFee(
            taker, UD60x18.unwrap(size), _fromPoolTokenDecimals(premium), isPremiumNormalized, _strike, _isCallPool, isOrderbook
        );
        return _toPoolTokenDecimals(fee);
    }

    function _takerFeeLowLevel(
        address taker,
        UD60x18 size,
        UD60x18 premium,
        bool isPremiumNormalized,
        bool isOrderbook,
        UD60x18 strike,
        bool isCallPool
    ) external pure returns (UD60x18) {
        return UD60x18.wrap(
            _takerFee(
                taker,
                UD60x18.unwrap(size),
                UD60x18.unwrap(premium),
                isPremiumNormalized,
                UD60x18.unwrap(strike),
                isCallPool,
                isOrderbook
            )
        );
    }

    // ------------------------------------------------------------------ non-real: the pool's capital

    /// Non-real: add counterparty capital (pool token decimals), pulled through the ERC20Router.
    /// The capital belongs to the factory owner, who alone can withdraw it.
    function seedLiquidity(uint256 amount) external nonReentrant {
        IERC20Router(_config().ROUTER()).safeTransferFrom(_poolToken(), msg.sender, address(this), amount);
        emit LiquiditySeeded(msg.sender, amount);
    }

    /// Non-real: withdraw free capital (pool token decimals); factory owner only.
    function withdrawLiquidity(uint256 amount, address to) external nonReentrant {
        if (msg.sender != _config().owner()) revert Pool__NotLiquidityOwner(msg.sender);
        if (block.timestamp >= _maturity) _tryCacheSettlementPrice();
        uint256 available = _availableLiquidity(_settlementPrice);
        if (amount > available) revert Pool__InsufficientFreeCapital(amount, available);
        IERC20(_poolToken()).safeTransfer(to, amount);
        emit LiquidityWithdrawn(to, amount);
    }

    // ------------------------------------------------------------------ pricing internals

    /// Premium and taker fee in pool token units (18 decimals, rounded as the real pool rounds) and
    /// the normalized mid price.
    function _quoteAMM(address taker, uint256 contracts, bool isBuy)
        internal
        view
        returns (uint256 premium, uint256 fee, uint256 mid)
    {
        mid = _midPrice();
        uint256 spread = UD60x18.unwrap(_config().ammSpread());
        uint256 price = isBuy ? mid * (WAD + spread) / WAD : mid * (WAD - spread) / WAD;
        uint256 premiumNormalized = price * contracts / WAD;
        fee = _takerFee(taker, contracts, premiumNormalized, true, _strike, _isCallPool, false);
        premium = _isCallPool ? premiumNormalized : premiumNormalized * _strike / WAD;

        premium = isBuy ? _roundUp(premium) : _roundDown(premium);
        fee = _roundUp(fee);
        if (!isBuy && fee > premium) fee = premium;
    }

    /// Black-Scholes price per contract, normalized (18 decimals).
    function _midPrice() internal view returns (uint256) {
        uint256 spot = UD60x18.unwrap(IOracleAdapter(_oracleAdapter).getPrice(_base, _quote));
        uint256 timeToMaturity = OptionMath.yearsUntil(_maturity, block.timestamp);
        IVolatilityOracle oracle = IVolatilityOracle(_config().VOLATILITY_ORACLE());
        uint256 vol = UD60x18.unwrap(
            oracle.getVolatility(_base, UD60x18.wrap(spot), UD60x18.wrap(_strike), UD60x18.wrap(timeToMaturity))
        );
        uint256 rate = UD60x18.unwrap(oracle.getRiskFreeRate());
        return OptionMath.normalizedPrice(spot, _strike, timeToMaturity, vol, rate, _isCallPool);
    }

    /// PoolInternal._takerFee without the vxPREMIA discount; returns the fee denormalized, 18 decimals.
    function _takerFee(
        address,
        uint256 size,
        uint256 premium,
        bool isPremiumNormalized,
        uint256 strike,
        bool isCallPool,
        bool isOrderbook
    ) internal pure returns (uint256) {
        if (!isPremiumNormalized) premium = isCallPool ? premium : premium * WAD / strike;
        uint256 fee;
        if (isOrderbook) {
            fee = Math.min(_mul(premium, MAX_PREMIUM_FEE_PERCENTAGE), _mul(size, ORDERBOOK_NOTIONAL_FEE_PERCENTAGE));
        } else {
            uint256 notionalFee = _mul(size, AMM_NOTIONAL_FEE_PERCENTAGE);
            uint256 premiumFee = premium == 0 ? notionalFee : _mul(premium, AMM_PREMIUM_FEE_PERCENTAGE);
            uint256 maxFee = premium == 0 ? notionalFee : _mul(premium, MAX_PREMIUM_FEE_PERCENTAGE);
            fee = Math.min(maxFee, Math.max(premiumFee, notionalFee));
        }
        return isCallPool ? fee : fee * strike / WAD;
    }

    function _mul(uint256 value, UD60x18 percentage) private pure returns (uint256) {
        return value * UD60x18.unwrap(percentage) / WAD;
    }

    // ------------------------------------------------------------------ trade internals

    /// 18-decimal amounts of one trade (a struct to keep the stack shallow without via-IR).
    struct TradeVars {
        uint256 premium;
        uint256 fee;
        uint256 mid;
        uint256 premiumWithFees;
        uint256 protocolFee;
    }

    function _emitTrade(UD60x18 size, Position.Delta memory delta, TradeVars memory vars, bool isBuy) internal {
        emit Trade(
            msg.sender,
            size,
            delta,
            UD60x18.wrap(vars.premiumWithFees),
            UD60x18.wrap(vars.fee),
            UD60x18.wrap(vars.protocolFee),
            UD60x18.wrap(vars.mid),
            UD60x18.wrap(0),
            UD60x18.wrap(0),
            UD60x18.wrap(0),
            isBuy
        );
    }

    /// PoolInternal._getTradeDelta + _calculateAssetsUpdate: close the opposite side first; the
    /// collateral change nets the premium against the short collateral released or posted.
    function _tradeDelta(address user, uint256 contracts, bool isBuy, uint256 premiumWithFees)
        internal
        view
        returns (Position.Delta memory delta)
    {
        int256 size = int256(contracts);
        int256 collateral;
        if (isBuy) {
            int256 closed = int256(Math.min(balanceOf(user, SHORT), contracts));
            delta.shorts = SD59x18.wrap(-closed);
            delta.longs = SD59x18.wrap(size - closed);
            collateral = int256(_contractsToCollateral(uint256(closed))) - int256(premiumWithFees);
        } else {
            int256 closed = int256(Math.min(balanceOf(user, LONG), contracts));
            delta.longs = SD59x18.wrap(-closed);
            delta.shorts = SD59x18.wrap(size - closed);
            collateral = int256(premiumWithFees) - int256(_contractsToCollateral(uint256(size - closed)));
        }
        delta.collateral = SD59x18.wrap(_roundDownSigned(collateral));
    }

    /// Move the taker's collateral and options, take the other side into the pool's inventory,
    /// check the pool can still pay what it owes, then pay the taker and the protocol.
    function _updateUserAssets(
        address user,
        Position.Delta memory delta,
        uint256 contracts,
        uint256 protocolFee,
        bool isBuy
    ) internal {
        int256 collateral = SD59x18.unwrap(delta.collateral);
        if (collateral < 0) {
            uint256 owed = _toPoolTokenDecimals(uint256(-collateral));
            IERC20Router(_config().ROUTER()).safeTransferFrom(_poolToken(), user, address(this), owed);
        }
        _applyOptionDelta(user, SD59x18.unwrap(delta.longs), LONG);
        _applyOptionDelta(user, SD59x18.unwrap(delta.shorts), SHORT);
        _takeOtherSide(contracts, isBuy);

        uint256 paidToUser = collateral > 0 ? _toPoolTokenDecimals(uint256(collateral)) : 0;
        uint256 paidToProtocol = _toPoolTokenDecimals(protocolFee);
        uint256 balance = IERC20(_poolToken()).balanceOf(address(this));
        if (balance < paidToUser + paidToProtocol + _reserved(0)) {
            if (isBuy) revert Pool__InsufficientAskLiquidity();
            revert Pool__InsufficientBidLiquidity();
        }
        if (paidToUser > 0) IERC20(_poolToken()).safeTransfer(user, paidToUser);
        if (paidToProtocol > 0) IERC20(_poolToken()).safeTransfer(_config().FEE_RECEIVER(), paidToProtocol);
    }

    function _applyOptionDelta(address user, int256 amount, uint256 id) internal {
        if (amount > 0) _mint(user, id, uint256(amount), "");
        else if (amount < 0) _burn(user, id, uint256(-amount));
    }

    /// The pool takes `contracts` of the opposite exposure: inventory of the side it gives up first.
    function _takeOtherSide(uint256 contracts, bool isBuy) internal {
        (uint256 givenUpId, uint256 writtenId) = isBuy ? (LONG, SHORT) : (SHORT, LONG);
        uint256 fromInventory = Math.min(balanceOf(address(this), givenUpId), contracts);
        _burnFromPool(givenUpId, fromInventory);
        _mintToPool(writtenId, contracts - fromInventory);
    }

    function _revertIfTradeAboveMaxSlippage(uint256 totalPremium, uint256 premiumLimit, bool isBuy) internal pure {
        if (isBuy && totalPremium > premiumLimit) revert Pool__AboveMaxSlippage(totalPremium, 0, premiumLimit);
        if (!isBuy && totalPremium < premiumLimit) {
            revert Pool__AboveMaxSlippage(totalPremium, premiumLimit, type(uint256).max);
        }
    }
}
