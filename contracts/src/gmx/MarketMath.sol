// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Market state of the local GMX v2 world: oracle prices, open interest, pool amounts, borrowing and
// funding. The formulas follow gmx-io/gmx-synthetics v2.2:
//   contracts/oracle/ChainlinkPriceFeedUtils.sol  price = answer * PRICE_FEED_MULTIPLIER / 1e30,
//       stale when older than PRICE_FEED_HEARTBEAT_DURATION
//   contracts/market/MarketUtils.sol
//     getReservedUsd, getBorrowingFactorPerSecond (no kink; exponent 1),
//     getNextCumulativeBorrowingFactor, updateCumulativeBorrowingFactor,
//     getNextFundingFactorPerSecond (static funding: FUNDING_FACTOR * |longOI - shortOI| / totalOI,
//       capped by MAX_FUNDING_FACTOR_PER_SECOND; exponent 1; no adaptive funding),
//     getNextFundingAmountPerSize (the paying side's funding split by collateral token; amounts per
//       size stored with FLOAT_PRECISION_SQRT), getFundingAmountPerSizeDelta, updateFundingState
// All storage is in DataStore under the real keys, so the same numbers can be read with
// DataStore.getUint(key). Written for Ballast; no code copied.

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {DataStore} from "./DataStore.sol";
import {Errors, Market, MarketUtils, Price} from "./Types.sol";
import {Keys, Precision} from "./Keys.sol";

interface IChainlinkFeed {
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

library MarketMath {
    // ---------------------------------------------------------------- prices

    function getTokenPrice(DataStore dataStore, address token) internal view returns (uint256) {
        address feed = dataStore.getAddress(Keys.priceFeedKey(token));
        if (feed == address(0)) revert Errors.EmptyChainlinkPriceFeed(token);
        (, int256 answer,, uint256 updatedAt,) = IChainlinkFeed(feed).latestRoundData();
        if (answer <= 0) revert Errors.InvalidFeedPrice(token, answer);
        uint256 heartbeat = dataStore.getUint(Keys.priceFeedHeartbeatDurationKey(token));
        // forge-lint: disable-next-line(block-timestamp) staleness against the heartbeat is the intent
        if (block.timestamp > updatedAt && block.timestamp - updatedAt > heartbeat) {
            revert Errors.ChainlinkPriceFeedNotUpdated(token, updatedAt, heartbeat);
        }
        uint256 multiplier = dataStore.getUint(Keys.priceFeedMultiplierKey(token));
        if (multiplier == 0) revert Errors.EmptyChainlinkPriceFeedMultiplier(token);
        return Precision.mulDiv(SafeCast.toUint256(answer), multiplier, Precision.FLOAT_PRECISION);
    }

    /// Oracle prices of a market's tokens; min == max (no spread in the local world).
    function getMarketPrices(DataStore dataStore, Market.Props memory market)
        internal
        view
        returns (MarketUtils.MarketPrices memory prices)
    {
        uint256 index = getTokenPrice(dataStore, market.indexToken);
        uint256 long = market.longToken == market.indexToken ? index : getTokenPrice(dataStore, market.longToken);
        uint256 short = getTokenPrice(dataStore, market.shortToken);
        prices.indexTokenPrice = Price.Props(index, index);
        prices.longTokenPrice = Price.Props(long, long);
        prices.shortTokenPrice = Price.Props(short, short);
    }

    function getCollateralTokenPrice(Market.Props memory market, MarketUtils.MarketPrices memory prices, address token)
        internal
        pure
        returns (Price.Props memory)
    {
        if (token == market.longToken) return prices.longTokenPrice;
        if (token == market.shortToken) return prices.shortTokenPrice;
        revert Errors.InvalidCollateralTokenForMarket(market.marketToken, token);
    }

    // ---------------------------------------------------------------- open interest and pool

    function getOpenInterest(DataStore dataStore, Market.Props memory market, bool isLong)
        internal
        view
        returns (uint256)
    {
        return dataStore.getUint(Keys.openInterestKey(market.marketToken, market.longToken, isLong))
            + dataStore.getUint(Keys.openInterestKey(market.marketToken, market.shortToken, isLong));
    }

    function getOpenInterestInTokens(DataStore dataStore, Market.Props memory market, bool isLong)
        internal
        view
        returns (uint256)
    {
        return dataStore.getUint(Keys.openInterestInTokensKey(market.marketToken, market.longToken, isLong))
            + dataStore.getUint(Keys.openInterestInTokensKey(market.marketToken, market.shortToken, isLong));
    }

    function applyDeltaToOpenInterest(
        DataStore dataStore,
        address market,
        address collateralToken,
        bool isLong,
        int256 sizeDeltaUsd,
        int256 sizeDeltaInTokens
    ) internal {
        dataStore.applyDeltaToUint(
            Keys.openInterestKey(market, collateralToken, isLong), sizeDeltaUsd, "negative open interest"
        );
        dataStore.applyDeltaToUint(
            Keys.openInterestInTokensKey(market, collateralToken, isLong),
            sizeDeltaInTokens,
            "negative open interest in tokens"
        );
    }

    function getPoolAmount(DataStore dataStore, address market, address token) internal view returns (uint256) {
        return dataStore.getUint(Keys.poolAmountKey(market, token));
    }

    function applyDeltaToPoolAmount(DataStore dataStore, address market, address token, int256 delta) internal {
        if (delta == 0) return;
        if (delta < 0) {
            uint256 pool = getPoolAmount(dataStore, market, token);
            if (SignedMath.abs(delta) > pool) revert Errors.InsufficientPoolAmount(pool, SignedMath.abs(delta));
        }
        dataStore.applyDeltaToUint(Keys.poolAmountKey(market, token), delta, "negative pool amount");
    }

    /// Whether a change of `sizeDeltaUsd` on one side shrinks the long/short imbalance (the
    /// balanceWasImproved flag of the real price-impact calculation; selects the position fee factor).
    function balanceWasImproved(DataStore dataStore, Market.Props memory market, bool isLong, int256 sizeDeltaUsd)
        internal
        view
        returns (bool)
    {
        uint256 longOi = getOpenInterest(dataStore, market, true);
        uint256 shortOi = getOpenInterest(dataStore, market, false);
        uint256 initialDiff = longOi > shortOi ? longOi - shortOi : shortOi - longOi;
        if (isLong) longOi = _applyDelta(longOi, sizeDeltaUsd);
        else shortOi = _applyDelta(shortOi, sizeDeltaUsd);
        uint256 nextDiff = longOi > shortOi ? longOi - shortOi : shortOi - longOi;
        return nextDiff < initialDiff;
    }

    // ---------------------------------------------------------------- borrowing

    /// USD reserved for the side's profits: longs reserve their tokens at the index price,
    /// shorts their USD size.
    function getReservedUsd(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal view returns (uint256) {
        if (isLong) return getOpenInterestInTokens(dataStore, market, true) * prices.indexTokenPrice.max;
        return getOpenInterest(dataStore, market, false);
    }

    /// USD value of the pool backing the side: the long token for longs, the short token for shorts.
    function getPoolUsd(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal view returns (uint256) {
        if (isLong) return getPoolAmount(dataStore, market.marketToken, market.longToken) * prices.longTokenPrice.min;
        return getPoolAmount(dataStore, market.marketToken, market.shortToken) * prices.shortTokenPrice.min;
    }

    function validateReserve(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal view {
        uint256 reservedUsd = getReservedUsd(dataStore, market, prices, isLong);
        uint256 maxReservedUsd = Precision.applyFactor(
            getPoolUsd(dataStore, market, prices, isLong),
            dataStore.getUint(Keys.reserveFactorKey(market.marketToken, isLong))
        );
        if (reservedUsd > maxReservedUsd) revert Errors.InsufficientReserve(reservedUsd, maxReservedUsd);
    }

    /// BORROWING_FACTOR(market, isLong) * reservedUsd / poolUsd, per second, 30 decimals.
    function getBorrowingFactorPerSecond(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal view returns (uint256) {
        uint256 reservedUsd = getReservedUsd(dataStore, market, prices, isLong);
        if (reservedUsd == 0) return 0;
        uint256 poolUsd = getPoolUsd(dataStore, market, prices, isLong);
        if (poolUsd == 0) return 0;
        return Precision.applyFactor(
            Precision.toFactor(reservedUsd, poolUsd),
            dataStore.getUint(Keys.borrowingFactorKey(market.marketToken, isLong))
        );
    }

    function getCumulativeBorrowingFactor(DataStore dataStore, address market, bool isLong)
        internal
        view
        returns (uint256)
    {
        return dataStore.getUint(Keys.cumulativeBorrowingFactorKey(market, isLong));
    }

    /// The cumulative borrowing factor as it would be after an update now.
    function getNextCumulativeBorrowingFactor(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal view returns (uint256 next, uint256 delta) {
        uint256 updatedAt = dataStore.getUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(market.marketToken, isLong));
        uint256 duration = updatedAt == 0 ? 0 : block.timestamp - updatedAt;
        delta = duration * getBorrowingFactorPerSecond(dataStore, market, prices, isLong);
        next = getCumulativeBorrowingFactor(dataStore, market.marketToken, isLong) + delta;
    }

    function updateCumulativeBorrowingFactor(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool isLong
    ) internal {
        (, uint256 delta) = getNextCumulativeBorrowingFactor(dataStore, market, prices, isLong);
        if (delta != 0) {
            dataStore.incrementUint(Keys.cumulativeBorrowingFactorKey(market.marketToken, isLong), delta);
        }
        dataStore.setUint(Keys.cumulativeBorrowingFactorUpdatedAtKey(market.marketToken, isLong), block.timestamp);
    }

    // ---------------------------------------------------------------- funding

    /// FUNDING_FACTOR * |longOI - shortOI| / (longOI + shortOI), capped; the larger side pays.
    function getFundingFactorPerSecond(DataStore dataStore, address market, uint256 longOi, uint256 shortOi)
        internal
        view
        returns (uint256 factorPerSecond, bool longsPayShorts)
    {
        uint256 diff = longOi > shortOi ? longOi - shortOi : shortOi - longOi;
        uint256 total = longOi + shortOi;
        if (diff == 0 || total == 0) return (0, true);
        factorPerSecond =
            Precision.applyFactor(Precision.toFactor(diff, total), dataStore.getUint(Keys.fundingFactorKey(market)));
        uint256 maxFactor = dataStore.getUint(Keys.maxFundingFactorPerSecondKey(market));
        if (factorPerSecond > maxFactor) factorPerSecond = maxFactor;
        longsPayShorts = longOi > shortOi;
    }

    struct FundingCache {
        MarketUtils.PositionType openInterest;
        uint256 longOpenInterest;
        uint256 shortOpenInterest;
        uint256 fundingUsd;
        uint256 fundingUsdForLongCollateral;
        uint256 fundingUsdForShortCollateral;
    }

    /// Changes of the per-size funding accumulators accrued since FUNDING_UPDATED_AT.
    function getNextFundingAmountPerSize(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) internal view returns (MarketUtils.GetNextFundingAmountPerSizeResult memory result) {
        FundingCache memory cache;
        cache.openInterest = _openInterestByCollateral(dataStore, market);
        cache.longOpenInterest = cache.openInterest.long.longToken + cache.openInterest.long.shortToken;
        cache.shortOpenInterest = cache.openInterest.short.longToken + cache.openInterest.short.shortToken;
        if (cache.longOpenInterest == 0 || cache.shortOpenInterest == 0) return result;

        uint256 updatedAt = dataStore.getUint(Keys.fundingUpdatedAtKey(market.marketToken));
        uint256 duration = updatedAt == 0 ? 0 : block.timestamp - updatedAt;
        (result.fundingFactorPerSecond, result.longsPayShorts) = getFundingFactorPerSecond(
            dataStore, market.marketToken, cache.longOpenInterest, cache.shortOpenInterest
        );

        uint256 payingOi = result.longsPayShorts ? cache.longOpenInterest : cache.shortOpenInterest;
        uint256 receivingOi = result.longsPayShorts ? cache.shortOpenInterest : cache.longOpenInterest;
        MarketUtils.CollateralType memory payers = result.longsPayShorts ? cache.openInterest.long : cache.openInterest.short;
        cache.fundingUsd = Precision.applyFactor(payingOi, duration * result.fundingFactorPerSecond);
        cache.fundingUsdForLongCollateral = Precision.mulDiv(cache.fundingUsd, payers.longToken, payingOi);
        cache.fundingUsdForShortCollateral = Precision.mulDiv(cache.fundingUsd, payers.shortToken, payingOi);

        MarketUtils.CollateralType memory paid;
        paid.longToken = _perSizeDelta(cache.fundingUsdForLongCollateral, payers.longToken, prices.longTokenPrice.max, true);
        paid.shortToken =
            _perSizeDelta(cache.fundingUsdForShortCollateral, payers.shortToken, prices.shortTokenPrice.max, true);
        MarketUtils.CollateralType memory received;
        received.longToken =
            _perSizeDelta(cache.fundingUsdForLongCollateral, receivingOi, prices.longTokenPrice.max, false);
        received.shortToken =
            _perSizeDelta(cache.fundingUsdForShortCollateral, receivingOi, prices.shortTokenPrice.max, false);
        if (result.longsPayShorts) {
            result.fundingFeeAmountPerSizeDelta.long = paid;
            result.claimableFundingAmountPerSizeDelta.short = received;
        } else {
            result.fundingFeeAmountPerSizeDelta.short = paid;
            result.claimableFundingAmountPerSizeDelta.long = received;
        }
    }

    function updateFundingState(DataStore dataStore, Market.Props memory market, MarketUtils.MarketPrices memory prices)
        internal
    {
        MarketUtils.GetNextFundingAmountPerSizeResult memory result = getNextFundingAmountPerSize(dataStore, market, prices);
        address m = market.marketToken;
        _increment(dataStore, Keys.fundingFeeAmountPerSizeKey(m, market.longToken, true), result.fundingFeeAmountPerSizeDelta.long.longToken);
        _increment(dataStore, Keys.fundingFeeAmountPerSizeKey(m, market.shortToken, true), result.fundingFeeAmountPerSizeDelta.long.shortToken);
        _increment(dataStore, Keys.fundingFeeAmountPerSizeKey(m, market.longToken, false), result.fundingFeeAmountPerSizeDelta.short.longToken);
        _increment(dataStore, Keys.fundingFeeAmountPerSizeKey(m, market.shortToken, false), result.fundingFeeAmountPerSizeDelta.short.shortToken);
        _increment(dataStore, Keys.claimableFundingAmountPerSizeKey(m, market.longToken, true), result.claimableFundingAmountPerSizeDelta.long.longToken);
        _increment(dataStore, Keys.claimableFundingAmountPerSizeKey(m, market.shortToken, true), result.claimableFundingAmountPerSizeDelta.long.shortToken);
        _increment(dataStore, Keys.claimableFundingAmountPerSizeKey(m, market.longToken, false), result.claimableFundingAmountPerSizeDelta.short.longToken);
        _increment(dataStore, Keys.claimableFundingAmountPerSizeKey(m, market.shortToken, false), result.claimableFundingAmountPerSizeDelta.short.shortToken);
        dataStore.setUint(Keys.fundingUpdatedAtKey(m), block.timestamp);
    }

    /// Funding fee per size for (collateralToken, isLong) including what accrued since the last update.
    function getNextFundingFeeAmountPerSize(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.GetNextFundingAmountPerSizeResult memory pending,
        address collateralToken,
        bool isLong
    ) internal view returns (uint256) {
        uint256 stored = dataStore.getUint(Keys.fundingFeeAmountPerSizeKey(market.marketToken, collateralToken, isLong));
        return stored + _pick(pending.fundingFeeAmountPerSizeDelta, market, collateralToken, isLong);
    }

    function getNextClaimableFundingAmountPerSize(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.GetNextFundingAmountPerSizeResult memory pending,
        address token,
        bool isLong
    ) internal view returns (uint256) {
        uint256 stored = dataStore.getUint(Keys.claimableFundingAmountPerSizeKey(market.marketToken, token, isLong));
        return stored + _pick(pending.claimableFundingAmountPerSizeDelta, market, token, isLong);
    }

    /// Token amount owed (or claimable) for `sizeInUsd` between two per-size accumulator values.
    function getFundingAmount(uint256 latestPerSize, uint256 positionPerSize, uint256 sizeInUsd, bool roundUp)
        internal
        pure
        returns (uint256)
    {
        uint256 denominator = Precision.FLOAT_PRECISION * Precision.FLOAT_PRECISION_SQRT;
        uint256 diff = latestPerSize - positionPerSize;
        return roundUp
            ? Precision.mulDivUp(sizeInUsd, diff, denominator)
            : Precision.mulDiv(sizeInUsd, diff, denominator);
    }

    /// Update funding and both sides' borrowing before any position change, as every real execution does.
    function updateFundingAndBorrowingState(
        DataStore dataStore,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices
    ) internal {
        updateFundingState(dataStore, market, prices);
        updateCumulativeBorrowingFactor(dataStore, market, prices, true);
        updateCumulativeBorrowingFactor(dataStore, market, prices, false);
    }

    // ---------------------------------------------------------------- private helpers

    function _openInterestByCollateral(DataStore dataStore, Market.Props memory market)
        private
        view
        returns (MarketUtils.PositionType memory oi)
    {
        address m = market.marketToken;
        oi.long.longToken = dataStore.getUint(Keys.openInterestKey(m, market.longToken, true));
        oi.long.shortToken = dataStore.getUint(Keys.openInterestKey(m, market.shortToken, true));
        oi.short.longToken = dataStore.getUint(Keys.openInterestKey(m, market.longToken, false));
        oi.short.shortToken = dataStore.getUint(Keys.openInterestKey(m, market.shortToken, false));
    }

    /// fundingUsd per USD of open interest, in tokens, scaled by FLOAT_PRECISION_SQRT.
    function _perSizeDelta(uint256 fundingUsd, uint256 openInterest, uint256 tokenPrice, bool roundUp)
        private
        pure
        returns (uint256)
    {
        if (fundingUsd == 0 || openInterest == 0) return 0;
        uint256 scale = Precision.FLOAT_PRECISION * Precision.FLOAT_PRECISION_SQRT;
        if (roundUp) return Precision.roundUpDivision(Precision.mulDivUp(fundingUsd, scale, openInterest), tokenPrice);
        return Precision.mulDiv(fundingUsd, scale, openInterest) / tokenPrice;
    }

    function _pick(MarketUtils.PositionType memory values, Market.Props memory market, address token, bool isLong)
        private
        pure
        returns (uint256)
    {
        MarketUtils.CollateralType memory side = isLong ? values.long : values.short;
        if (token == market.longToken) return side.longToken;
        if (token == market.shortToken) return side.shortToken;
        return 0;
    }

    function _increment(DataStore dataStore, bytes32 key, uint256 delta) private {
        if (delta != 0) dataStore.incrementUint(key, delta);
    }

    function _applyDelta(uint256 value, int256 delta) private pure returns (uint256) {
        uint256 magnitude = SignedMath.abs(delta);
        if (delta >= 0) return value + magnitude;
        return magnitude > value ? 0 : value - magnitude;
    }
}
