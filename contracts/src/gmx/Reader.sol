// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Read-only views of the local GMX v2 world. Mirrors, with identical selectors, arguments and
// return layouts, gmx-io/gmx-synthetics v2.2 contracts/reader/Reader.sol:
//   getMarket(DataStore, address key) -> Market.Props
//   getMarkets(DataStore, uint256 start, uint256 end) -> Market.Props[]
//   getPosition(DataStore, bytes32 key) -> Position.Props
//   getOrder(DataStore, bytes32 key) -> Order.Props
//   getAccountPositions(DataStore, address account, uint256 start, uint256 end) -> Position.Props[]
//   getAccountOrders(DataStore, address account, uint256 start, uint256 end) -> ReaderUtils.OrderInfo[]
//   getPositionInfo(DataStore, IReferralStorage, bytes32 positionKey, MarketUtils.MarketPrices prices,
//       uint256 sizeDeltaUsd, address uiFeeReceiver, bool usePositionSizeAsSizeDeltaUsd)
//       -> ReaderPositionUtils.PositionInfo (pending borrowing and funding, position fee, PnL)
//   isPositionLiquidatable(DataStore, IReferralStorage, bytes32 positionKey, Market.Props market,
//       MarketUtils.MarketPrices prices, bool shouldValidateMinCollateralUsd, bool forLiquidation)
//       -> (bool, string, PositionUtils.IsPositionLiquidatableInfo)
//   getMarketInfo(DataStore, MarketUtils.MarketPrices prices, address marketKey) -> ReaderUtils.MarketInfo
//       (borrowing factor per second per side, stored and pending funding per size)
// The referral storage argument is accepted and ignored (no referrals here). Price-impact fields
// are zero, executionPrice is the index price.
// Ballast-only extras (not in the real Reader): getMarketPrices (the Chainlink prices the keepers
// execute at, in GMX units) and getLiquidationPrice. Written for Ballast; no code copied.

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DataStore} from "./DataStore.sol";
import {
    Errors,
    Market,
    MarketUtils,
    Order,
    Position,
    PositionUtils,
    ReaderPositionUtils,
    ReaderUtils
} from "./Types.sol";
import {Keys} from "./Keys.sol";
import {MarketMath} from "./MarketMath.sol";
import {PositionMath} from "./PositionMath.sol";

contract Reader {
    function getMarket(DataStore dataStore, address key) external view returns (Market.Props memory) {
        return dataStore.getMarket(key);
    }

    function getMarkets(DataStore dataStore, uint256 start, uint256 end)
        external
        view
        returns (Market.Props[] memory markets)
    {
        address[] memory keys = dataStore.getAddressValuesAt(Keys.MARKET_LIST, start, end);
        markets = new Market.Props[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            markets[i] = dataStore.getMarket(keys[i]);
        }
    }

    function getPosition(DataStore dataStore, bytes32 key) external view returns (Position.Props memory) {
        return dataStore.getPosition(key);
    }

    function getOrder(DataStore dataStore, bytes32 key) external view returns (Order.Props memory) {
        return dataStore.getOrder(key);
    }

    function getAccountPositions(DataStore dataStore, address account, uint256 start, uint256 end)
        external
        view
        returns (Position.Props[] memory positions)
    {
        bytes32[] memory keys = dataStore.getBytes32ValuesAt(Keys.accountPositionListKey(account), start, end);
        positions = new Position.Props[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            positions[i] = dataStore.getPosition(keys[i]);
        }
    }

    function getAccountOrders(DataStore dataStore, address account, uint256 start, uint256 end)
        external
        view
        returns (ReaderUtils.OrderInfo[] memory orders)
    {
        bytes32[] memory keys = dataStore.getBytes32ValuesAt(Keys.accountOrderListKey(account), start, end);
        orders = new ReaderUtils.OrderInfo[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            orders[i] = ReaderUtils.OrderInfo(keys[i], dataStore.getOrder(keys[i]));
        }
    }

    function getPositionInfo(
        DataStore dataStore,
        address, /* referralStorage */
        bytes32 positionKey,
        MarketUtils.MarketPrices memory prices,
        uint256 sizeDeltaUsd,
        address, /* uiFeeReceiver */
        bool usePositionSizeAsSizeDeltaUsd
    ) external view returns (ReaderPositionUtils.PositionInfo memory info) {
        info.positionKey = positionKey;
        info.position = dataStore.getPosition(positionKey);
        if (info.position.addresses.account == address(0)) revert Errors.EmptyPosition();
        Market.Props memory market = dataStore.getMarket(info.position.addresses.market);
        if (usePositionSizeAsSizeDeltaUsd) sizeDeltaUsd = info.position.numbers.sizeInUsd;

        bool isLong = info.position.flags.isLong;
        uint256 price = PositionMath.indexPriceFor(prices, isLong, false);
        info.executionPriceResult.executionPrice = price;
        info.executionPriceResult.balanceWasImproved =
            MarketMath.balanceWasImproved(dataStore, market, isLong, -SafeCast.toInt256(sizeDeltaUsd));
        info.fees = PositionMath.getPositionFees(
            dataStore, info.position, market, prices, sizeDeltaUsd, info.executionPriceResult.balanceWasImproved
        );
        (info.basePnlUsd,) = PositionMath.getPositionPnlUsd(info.position, price, sizeDeltaUsd);
        info.uncappedBasePnlUsd = info.basePnlUsd;
        info.pnlAfterPriceImpactUsd = info.basePnlUsd;
    }

    function isPositionLiquidatable(
        DataStore dataStore,
        address, /* referralStorage */
        bytes32 positionKey,
        Market.Props memory market,
        MarketUtils.MarketPrices memory prices,
        bool shouldValidateMinCollateralUsd,
        bool forLiquidation
    ) external view returns (bool, string memory, PositionUtils.IsPositionLiquidatableInfo memory) {
        Position.Props memory position = dataStore.getPosition(positionKey);
        if (position.addresses.account == address(0)) revert Errors.EmptyPosition();
        return PositionMath.isPositionLiquidatable(
            dataStore, position, market, prices, shouldValidateMinCollateralUsd, forLiquidation
        );
    }

    function getMarketInfo(DataStore dataStore, MarketUtils.MarketPrices memory prices, address marketKey)
        external
        view
        returns (ReaderUtils.MarketInfo memory info)
    {
        Market.Props memory market = dataStore.getMarket(marketKey);
        info.market = market;
        info.borrowingFactorPerSecondForLongs = MarketMath.getBorrowingFactorPerSecond(dataStore, market, prices, true);
        info.borrowingFactorPerSecondForShorts = MarketMath.getBorrowingFactorPerSecond(dataStore, market, prices, false);
        info.baseFunding = _baseFunding(dataStore, market);
        info.nextFunding = MarketMath.getNextFundingAmountPerSize(dataStore, market, prices);
        info.isDisabled = dataStore.getBool(Keys.isMarketDisabledKey(marketKey));
    }

    /// Ballast-only: the oracle prices (GMX units: USD * 1e30 per smallest token unit) that an
    /// execution would use now; reverts like the keeper would when a feed is stale.
    function getMarketPrices(DataStore dataStore, address marketKey)
        external
        view
        returns (MarketUtils.MarketPrices memory)
    {
        Market.Props memory market = dataStore.getMarket(marketKey);
        if (market.marketToken == address(0)) revert Errors.EmptyMarket();
        return MarketMath.getMarketPrices(dataStore, market);
    }

    /// Ballast-only: index price (GMX units) at which the position becomes liquidatable, fees as of
    /// now and the collateral token's price held fixed (unless it is the index token); 0 if none.
    function getLiquidationPrice(DataStore dataStore, bytes32 positionKey, MarketUtils.MarketPrices memory prices)
        external
        view
        returns (uint256)
    {
        Position.Props memory position = dataStore.getPosition(positionKey);
        if (position.addresses.account == address(0)) revert Errors.EmptyPosition();
        Market.Props memory market = dataStore.getMarket(position.addresses.market);
        return PositionMath.getLiquidationPrice(dataStore, position, market, prices);
    }

    function _baseFunding(DataStore dataStore, Market.Props memory market)
        private
        view
        returns (ReaderUtils.BaseFundingValues memory values)
    {
        address m = market.marketToken;
        address lt = market.longToken;
        address st = market.shortToken;
        values.fundingFeeAmountPerSize.long.longToken = dataStore.getUint(Keys.fundingFeeAmountPerSizeKey(m, lt, true));
        values.fundingFeeAmountPerSize.long.shortToken = dataStore.getUint(Keys.fundingFeeAmountPerSizeKey(m, st, true));
        values.fundingFeeAmountPerSize.short.longToken = dataStore.getUint(Keys.fundingFeeAmountPerSizeKey(m, lt, false));
        values.fundingFeeAmountPerSize.short.shortToken = dataStore.getUint(Keys.fundingFeeAmountPerSizeKey(m, st, false));
        values.claimableFundingAmountPerSize.long.longToken =
            dataStore.getUint(Keys.claimableFundingAmountPerSizeKey(m, lt, true));
        values.claimableFundingAmountPerSize.long.shortToken =
            dataStore.getUint(Keys.claimableFundingAmountPerSizeKey(m, st, true));
        values.claimableFundingAmountPerSize.short.longToken =
            dataStore.getUint(Keys.claimableFundingAmountPerSizeKey(m, lt, false));
        values.claimableFundingAmountPerSize.short.shortToken =
            dataStore.getUint(Keys.claimableFundingAmountPerSizeKey(m, st, false));
    }
}
