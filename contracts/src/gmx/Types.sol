// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// GMX v2 data types of the local world, with the field order and ABI layout of
// gmx-io/gmx-synthetics release v2.2 (tag v2.2, commit ee721b7e2d1891312dde52964d774144208cd1a0):
//   contracts/market/Market.sol            Market.Props
//   contracts/position/Position.sol        Position.Props {Addresses, Numbers, Flags}, getPositionKey
//   contracts/order/Order.sol              Order.Props, OrderType, DecreasePositionSwapType, SecondaryOrderType
//   contracts/order/IBaseOrderUtils.sol    CreateOrderParams {Addresses, Numbers, ...}
//   contracts/price/Price.sol              Price.Props
//   contracts/market/MarketUtils.sol       MarketPrices, CollateralType, PositionType,
//                                          GetNextFundingAmountPerSizeResult
//   contracts/oracle/OracleUtils.sol       SetPricesParams
//   contracts/pricing/PositionPricingUtils.sol  PositionFees and its parts
//   contracts/position/PositionUtils.sol   IsPositionLiquidatableInfo
//   contracts/reader/ReaderPricingUtils.sol ExecutionPriceResult
//   contracts/reader/ReaderPositionUtils.sol PositionInfo
//   contracts/reader/ReaderUtils.sol       OrderInfo, MarketInfo, BaseFundingValues, VirtualInventory
// Library names are kept so that struct names read like the real code; the ABI only sees
// the tuple layouts, which are identical. Written for Ballast; no code copied.

library Market {
    struct Props {
        address marketToken;
        address indexToken;
        address longToken;
        address shortToken;
    }
}

library Price {
    /// Price of one smallest unit of a token in USD with 30 decimals (GMX convention):
    /// ETH at $3,000 (18 decimals) is 3000e12; USDC at $1 (6 decimals) is 1e24.
    struct Props {
        uint256 min;
        uint256 max;
    }
}

library Position {
    struct Props {
        Addresses addresses;
        Numbers numbers;
        Flags flags;
    }

    struct Addresses {
        address account;
        address market;
        address collateralToken;
    }

    struct Numbers {
        uint256 sizeInUsd;
        uint256 sizeInTokens;
        uint256 collateralAmount;
        int256 pendingImpactAmount;
        uint256 borrowingFactor;
        uint256 fundingFeeAmountPerSize;
        uint256 longTokenClaimableFundingAmountPerSize;
        uint256 shortTokenClaimableFundingAmountPerSize;
        uint256 increasedAtTime;
        uint256 decreasedAtTime;
    }

    struct Flags {
        bool isLong;
    }

    function getPositionKey(address account, address market, address collateralToken, bool isLong)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(account, market, collateralToken, isLong));
    }
}

library Order {
    enum OrderType {
        MarketSwap,
        LimitSwap,
        MarketIncrease,
        LimitIncrease,
        MarketDecrease,
        LimitDecrease,
        StopLossDecrease,
        Liquidation,
        StopIncrease
    }

    enum SecondaryOrderType {
        None,
        Adl
    }

    enum DecreasePositionSwapType {
        NoSwap,
        SwapPnlTokenToCollateralToken,
        SwapCollateralTokenToPnlToken
    }

    struct Props {
        Addresses addresses;
        Numbers numbers;
        Flags flags;
        bytes32[] _dataList;
    }

    struct Addresses {
        address account;
        address receiver;
        address cancellationReceiver;
        address callbackContract;
        address uiFeeReceiver;
        address market;
        address initialCollateralToken;
        address[] swapPath;
    }

    struct Numbers {
        OrderType orderType;
        DecreasePositionSwapType decreasePositionSwapType;
        uint256 sizeDeltaUsd;
        uint256 initialCollateralDeltaAmount;
        uint256 triggerPrice;
        uint256 acceptablePrice;
        uint256 executionFee;
        uint256 callbackGasLimit;
        uint256 minOutputAmount;
        uint256 updatedAtTime;
        uint256 validFromTime;
        uint256 srcChainId;
    }

    struct Flags {
        bool isLong;
        bool shouldUnwrapNativeToken;
        bool isFrozen;
        bool autoCancel;
    }

    function isIncreaseOrder(OrderType orderType) internal pure returns (bool) {
        return orderType == OrderType.MarketIncrease || orderType == OrderType.LimitIncrease
            || orderType == OrderType.StopIncrease;
    }

    function isDecreaseOrder(OrderType orderType) internal pure returns (bool) {
        return orderType == OrderType.MarketDecrease || orderType == OrderType.LimitDecrease
            || orderType == OrderType.StopLossDecrease || orderType == OrderType.Liquidation;
    }

    function isMarketOrder(OrderType orderType) internal pure returns (bool) {
        return orderType == OrderType.MarketSwap || orderType == OrderType.MarketIncrease
            || orderType == OrderType.MarketDecrease || orderType == OrderType.Liquidation;
    }
}

interface IBaseOrderUtils {
    struct CreateOrderParams {
        CreateOrderParamsAddresses addresses;
        CreateOrderParamsNumbers numbers;
        Order.OrderType orderType;
        Order.DecreasePositionSwapType decreasePositionSwapType;
        bool isLong;
        bool shouldUnwrapNativeToken;
        bool autoCancel;
        bytes32 referralCode;
        bytes32[] dataList;
    }

    struct CreateOrderParamsAddresses {
        address receiver;
        address cancellationReceiver;
        address callbackContract;
        address uiFeeReceiver;
        address market;
        address initialCollateralToken;
        address[] swapPath;
    }

    struct CreateOrderParamsNumbers {
        uint256 sizeDeltaUsd;
        uint256 initialCollateralDeltaAmount;
        uint256 triggerPrice;
        uint256 acceptablePrice;
        uint256 executionFee;
        uint256 callbackGasLimit;
        uint256 minOutputAmount;
        uint256 validFromTime;
    }
}

library OracleUtils {
    struct SetPricesParams {
        address[] tokens;
        address[] providers;
        bytes[] data;
    }
}

library MarketUtils {
    struct MarketPrices {
        Price.Props indexTokenPrice;
        Price.Props longTokenPrice;
        Price.Props shortTokenPrice;
    }

    /// Per collateral token (the market's long and short token).
    struct CollateralType {
        uint256 longToken;
        uint256 shortToken;
    }

    /// Per position side, per collateral token.
    struct PositionType {
        CollateralType long;
        CollateralType short;
    }

    struct GetNextFundingAmountPerSizeResult {
        bool longsPayShorts;
        uint256 fundingFactorPerSecond;
        int256 nextSavedFundingFactorPerSecond;
        PositionType fundingFeeAmountPerSizeDelta;
        PositionType claimableFundingAmountPerSizeDelta;
    }
}

library PositionPricingUtils {
    struct PositionFees {
        PositionReferralFees referral;
        PositionProFees pro;
        PositionFundingFees funding;
        PositionBorrowingFees borrowing;
        PositionUiFees ui;
        PositionLiquidationFees liquidation;
        Price.Props collateralTokenPrice;
        uint256 positionFeeFactor;
        uint256 protocolFeeAmount;
        uint256 positionFeeReceiverFactor;
        uint256 feeReceiverAmount;
        uint256 feeAmountForPool;
        uint256 positionFeeAmountForPool;
        uint256 positionFeeAmount;
        uint256 totalCostAmountExcludingFunding;
        uint256 totalCostAmount;
        uint256 totalDiscountAmount;
    }

    struct PositionProFees {
        uint256 traderTier;
        uint256 traderDiscountFactor;
        uint256 traderDiscountAmount;
    }

    struct PositionLiquidationFees {
        uint256 liquidationFeeUsd;
        uint256 liquidationFeeAmount;
        uint256 liquidationFeeReceiverFactor;
        uint256 liquidationFeeAmountForFeeReceiver;
    }

    struct PositionReferralFees {
        bytes32 referralCode;
        address affiliate;
        address trader;
        uint256 totalRebateFactor;
        uint256 affiliateRewardFactor;
        uint256 adjustedAffiliateRewardFactor;
        uint256 traderDiscountFactor;
        uint256 totalRebateAmount;
        uint256 traderDiscountAmount;
        uint256 affiliateRewardAmount;
    }

    struct PositionBorrowingFees {
        uint256 borrowingFeeUsd;
        uint256 borrowingFeeAmount;
        uint256 borrowingFeeReceiverFactor;
        uint256 borrowingFeeAmountForFeeReceiver;
    }

    struct PositionFundingFees {
        uint256 fundingFeeAmount;
        uint256 claimableLongTokenAmount;
        uint256 claimableShortTokenAmount;
        uint256 latestFundingFeeAmountPerSize;
        uint256 latestLongTokenClaimableFundingAmountPerSize;
        uint256 latestShortTokenClaimableFundingAmountPerSize;
    }

    struct PositionUiFees {
        address uiFeeReceiver;
        uint256 uiFeeReceiverFactor;
        uint256 uiFeeAmount;
    }
}

library PositionUtils {
    struct IsPositionLiquidatableInfo {
        int256 remainingCollateralUsd;
        int256 minCollateralUsd;
        int256 minCollateralUsdForLeverage;
    }
}

library ReaderPricingUtils {
    struct ExecutionPriceResult {
        int256 priceImpactUsd;
        uint256 executionPrice;
        bool balanceWasImproved;
        int256 proportionalPendingImpactUsd;
        int256 totalImpactUsd;
        uint256 priceImpactDiffUsd;
    }
}

library ReaderPositionUtils {
    struct PositionInfo {
        bytes32 positionKey;
        Position.Props position;
        PositionPricingUtils.PositionFees fees;
        ReaderPricingUtils.ExecutionPriceResult executionPriceResult;
        int256 basePnlUsd;
        int256 uncappedBasePnlUsd;
        int256 pnlAfterPriceImpactUsd;
    }
}

library ReaderUtils {
    struct OrderInfo {
        bytes32 orderKey;
        Order.Props order;
    }

    struct VirtualInventory {
        uint256 virtualPoolAmountForLongToken;
        uint256 virtualPoolAmountForShortToken;
        int256 virtualInventoryForPositions;
    }

    struct BaseFundingValues {
        MarketUtils.PositionType fundingFeeAmountPerSize;
        MarketUtils.PositionType claimableFundingAmountPerSize;
    }

    struct MarketInfo {
        Market.Props market;
        uint256 borrowingFactorPerSecondForLongs;
        uint256 borrowingFactorPerSecondForShorts;
        BaseFundingValues baseFunding;
        MarketUtils.GetNextFundingAmountPerSizeResult nextFunding;
        VirtualInventory virtualInventory;
        bool isDisabled;
    }
}

/// Custom errors with the names and arguments of contracts/error/Errors.sol (v2.2), plus a few
/// Ballast-only ones (marked) for features the local world does not model.
library Errors {
    error Unauthorized(address msgSender, string role);
    error EmptyReceiver();
    error EmptyAccount();
    error InvalidReceiver(address receiver);
    error SelfTransferNotSupported(address receiver);
    error InvalidNativeTokenSender(address msgSender);
    error TokenTransferError(address token, address receiver, uint256 amount);
    error RequestNotYetCancellable(uint256 requestAge, uint256 requestExpirationAge, string requestType);
    error InsufficientExecutionFee(uint256 minExecutionFee, uint256 executionFee);
    error InsufficientWntAmountForExecutionFee(uint256 wntAmount, uint256 executionFee);
    error MarketAlreadyExists(bytes32 salt, address existingMarketAddress);
    error EmptyMarket();
    error DisabledMarket(address market);
    error InvalidPositionMarket(address market);
    error InvalidCollateralTokenForMarket(address market, address token);
    error InsufficientPoolAmount(uint256 poolAmount, uint256 amount);
    error InsufficientReserve(uint256 reservedUsd, uint256 maxReservedUsd);
    error EmptyChainlinkPriceFeedMultiplier(address token);
    error InvalidFeedPrice(address token, int256 price);
    error ChainlinkPriceFeedNotUpdated(address token, uint256 timestamp, uint256 heartbeatDuration);
    error EmptyChainlinkPriceFeed(address token);
    error EmptyOrder();
    error UnsupportedOrderType(uint256 orderType);
    error OrderTypeCannotBeCreated(uint256 orderType);
    error OrderNotFulfillableAtAcceptablePrice(uint256 price, uint256 acceptablePrice);
    error InvalidOrderPrices(uint256 primaryPriceMin, uint256 primaryPriceMax, uint256 triggerPrice, uint256 orderType);
    error OrderValidFromTimeNotReached(uint256 validFromTime, uint256 currentTimestamp);
    error UnexpectedValidFromTime(uint256 orderType);
    error EmptySizeDeltaInTokens();
    error InsufficientFundsToPayForCosts(uint256 remainingCostUsd, string step);
    error InvalidDecreaseOrderSize(uint256 sizeDeltaUsd, uint256 positionSizeInUsd);
    error UnableToWithdrawCollateral(int256 estimatedRemainingCollateralUsd);
    error PositionShouldNotBeLiquidated(
        string reason, int256 remainingCollateralUsd, int256 minCollateralUsd, int256 minCollateralUsdForLeverage
    );
    error InsufficientCollateralAmount(uint256 collateralAmount, int256 collateralDeltaAmount);
    error LiquidatablePosition(
        string reason, int256 remainingCollateralUsd, int256 minCollateralUsd, int256 minCollateralUsdForLeverage
    );
    error EmptyPosition();
    error InvalidPositionSizeValues(uint256 sizeInUsd, uint256 sizeInTokens);
    error MinPositionSize(uint256 positionSizeInUsd, uint256 minPositionSizeUsd);
    error InvalidClaimFundingFeesInput(uint256 marketsLength, uint256 tokensLength);
    error InsufficientOutputAmount(uint256 outputAmount, uint256 minOutputAmount);
    // Ballast-only: the local world has no swap markets, so swapPath must be empty.
    error SwapPathNotSupported(uint256 swapPathLength);
}
