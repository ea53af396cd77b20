// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GmxFixture} from "./GmxFixture.sol";
import {
    Errors,
    IBaseOrderUtils,
    MarketUtils,
    Order,
    Position,
    PositionUtils,
    ReaderPositionUtils,
    ReaderUtils
} from "../../src/gmx/Types.sol";

/// Position accounting: Reader layout, fees accruing over time, realized PnL, liquidation boundary.
/// Expected numbers are worked out by hand in the comments (GMX units: USD * 1e30; a price is USD *
/// 1e30 per smallest token unit, so ETH at $3,000 is 3000e12 and USDC at $1 is 1e24).
contract GmxPositionsTest is GmxFixture {
    /// Position.Props flattened: a static tuple ABI-encodes as its fields in order, so this is the
    /// exact word layout a client of the real Reader decodes.
    struct FlatPosition {
        address account;
        address market;
        address collateralToken;
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
        bool isLong;
    }

    function _close(address user, address collateralToken, bool isLong, uint256 sizeDeltaUsd, uint256 acceptable)
        internal
        returns (bytes32 key)
    {
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, collateralToken, Order.OrderType.MarketDecrease, isLong, sizeDeltaUsd, 0, acceptable, user
        );
        key = createDecrease(user, params);
        execute(key);
    }

    function _feesOff() internal {
        config.setUint(POSITION_FEE_FACTOR, abi.encode(ethMarket, true), 0);
        config.setUint(POSITION_FEE_FACTOR, abi.encode(ethMarket, false), 0);
    }

    function test_getAccountPositionsReturnsRealLayout() public {
        openPosition(alice, ethMarket, address(weth), true, 6000 * USD, 1 ether);

        (bool ok, bytes memory ret) = address(reader).staticcall(
            abi.encodeWithSignature(
                "getAccountPositions(address,address,uint256,uint256)", address(dataStore), alice, 0, 10
            )
        );
        assertTrue(ok, "call by the real signature");
        FlatPosition[] memory positions = abi.decode(ret, (FlatPosition[]));
        assertEq(positions.length, 1, "one position");
        FlatPosition memory p = positions[0];
        assertEq(p.account, alice, "account");
        assertEq(p.market, ethMarket, "market");
        assertEq(p.collateralToken, address(weth), "collateralToken");
        assertEq(p.sizeInUsd, 6000 * USD, "sizeInUsd");
        assertEq(p.sizeInTokens, 2 ether, "sizeInTokens = 6000e30 / 3000e12");
        // position fee: 7 bps (long/short balance worsened) of $6000 = $4.20 = 4.2e30 / 3000e12 = 1.4e15 wei
        assertEq(p.collateralAmount, 1 ether - 1.4e15, "collateralAmount");
        assertEq(p.pendingImpactAmount, int256(0), "pendingImpactAmount");
        assertEq(p.borrowingFactor, 0, "borrowingFactor (cumulative was 0)");
        assertEq(p.fundingFeeAmountPerSize, 0, "fundingFeeAmountPerSize");
        assertEq(p.longTokenClaimableFundingAmountPerSize, 0, "longTokenClaimableFundingAmountPerSize");
        assertEq(p.shortTokenClaimableFundingAmountPerSize, 0, "shortTokenClaimableFundingAmountPerSize");
        assertEq(p.increasedAtTime, block.timestamp, "increasedAtTime");
        assertEq(p.decreasedAtTime, 0, "decreasedAtTime");
        assertEq(p.isLong, true, "isLong");
        assertEq(dataStore.getBytes32Count(POSITION_LIST), 1, "POSITION_LIST");
    }

    function test_fundingAndBorrowingAccrueOverADay() public {
        _feesOff();
        bytes32 longKey = openPosition(alice, ethMarket, address(weth), true, 60_000 * USD, 10 ether);
        bytes32 shortKey = openPosition(bob, ethMarket, address(usdc), false, 20_000 * USD, 5000e6);
        vm.warp(block.timestamp + 1 days);
        setPrices(ETH_PRICE * 1e8, BTC_PRICE * 1e8);
        MarketUtils.MarketPrices memory prices = marketPrices(ethMarket);

        ReaderUtils.MarketInfo memory info = reader.getMarketInfo(dataStore, prices, ethMarket);
        // longs: reserved 20 ETH * $3000 = $60,000 of a $3,000,000 WETH pool = 2%; 1e22 * 2% = 2e20 per second
        assertEq(info.borrowingFactorPerSecondForLongs, 2e20, "long borrowing factor per second");
        // shorts: $20,000 of a $3,000,000 USDC pool; toFactor floors to 6666666666666666666666666666
        assertEq(info.borrowingFactorPerSecondForShorts, 66_666_666_666_666_666_666, "short borrowing per second");
        // funding: 2e22 * |60,000 - 20,000| / 80,000 = 1e22 per second, longs pay
        assertEq(info.nextFunding.fundingFactorPerSecond, 1e22, "funding factor per second");
        assertTrue(info.nextFunding.longsPayShorts, "longs pay shorts");
        // $60,000 * 1e22 * 86,400 s / 1e30 = $51.84 paid by longs (all WETH-collateral):
        // per size: 51.84e30 * 1e45 / 60,000e30 / 3000e12 = 2.88e26; received: / 20,000e30 -> 8.64e26
        assertEq(info.nextFunding.fundingFeeAmountPerSizeDelta.long.longToken, 2.88e26, "paid per size");
        assertEq(info.nextFunding.claimableFundingAmountPerSizeDelta.short.longToken, 8.64e26, "received per size");

        ReaderPositionUtils.PositionInfo memory longInfo =
            reader.getPositionInfo(dataStore, address(0), longKey, prices, 0, address(0), true);
        // borrowing: $60,000 * 2e20 * 86,400 / 1e30 = $1.0368 = 3.456e14 wei at $3000
        assertEq(longInfo.fees.borrowing.borrowingFeeUsd, 1.0368e30, "long borrowing USD");
        assertEq(longInfo.fees.borrowing.borrowingFeeAmount, 3.456e14, "long borrowing WETH");
        // funding: $51.84 = 0.01728 WETH
        assertEq(longInfo.fees.funding.fundingFeeAmount, 1.728e16, "long funding fee WETH");
        assertEq(longInfo.fees.funding.claimableLongTokenAmount, 0, "long receives nothing");

        ReaderPositionUtils.PositionInfo memory shortInfo =
            reader.getPositionInfo(dataStore, address(0), shortKey, prices, 0, address(0), true);
        // $20,000 * (66,666,666,666,666,666,666 * 86,400) / 1e30
        assertEq(shortInfo.fees.borrowing.borrowingFeeUsd, 115_199_999_999_999_999_998_848_000_000, "short borrowing USD");
        assertEq(shortInfo.fees.borrowing.borrowingFeeAmount, 115_199, "short borrowing USDC (6 decimals)");
        assertEq(shortInfo.fees.funding.fundingFeeAmount, 0, "short pays no funding");
        assertEq(shortInfo.fees.funding.claimableLongTokenAmount, 1.728e16, "short receives the longs' 0.01728 WETH");
    }

    function test_closingSettlesFundingAndBorrowing() public {
        _feesOff();
        openPosition(alice, ethMarket, address(weth), true, 60_000 * USD, 10 ether);
        openPosition(bob, ethMarket, address(usdc), false, 20_000 * USD, 5000e6);
        vm.warp(block.timestamp + 1 days);
        setPrices(ETH_PRICE * 1e8, BTC_PRICE * 1e8);

        uint256 bobUsdc = usdc.balanceOf(bob);
        _close(bob, address(usdc), false, 20_000 * USD, ethPrice(3001));
        // size in tokens rounded up at open: 6,666,666,666,666,666,667 -> PnL -1e15 (1e-15 USD) -> 1 unit of USDC
        assertEq(usdc.balanceOf(bob) - bobUsdc, 5000e6 - 115_199 - 1, "collateral minus borrowing and dust loss");
        uint256 bobWeth = weth.balanceOf(bob);
        address[] memory markets = new address[](1);
        address[] memory tokens = new address[](1);
        markets[0] = ethMarket;
        tokens[0] = address(weth);
        vm.prank(bob);
        exchangeRouter.claimFundingFees(markets, tokens, bob);
        assertEq(weth.balanceOf(bob) - bobWeth, 1.728e16, "claimed funding");

        uint256 aliceWeth = weth.balanceOf(alice);
        _close(alice, address(weth), true, 60_000 * USD, ethPrice(2999));
        assertEq(weth.balanceOf(alice) - aliceWeth, 10 ether - 1.728e16 - 3.456e14, "collateral minus funding, borrowing");
    }

    function test_longProfitOnClose() public {
        bytes32 key = openPosition(alice, ethMarket, address(weth), true, 6000 * USD, 1 ether);
        setPrices(3300e8, BTC_PRICE * 1e8);
        ReaderPositionUtils.PositionInfo memory info =
            reader.getPositionInfo(dataStore, address(0), key, marketPrices(ethMarket), 0, address(0), true);
        assertEq(info.basePnlUsd, int256(600 * USD), "2 ETH * $3300 - $6000");

        uint256 aliceWeth = weth.balanceOf(alice);
        _close(alice, address(weth), true, 6000 * USD, ethPrice(3290));
        // profit 600e30 / 3300e12 = 181,818,181,818,181,818 wei; closing fee 5 bps (balance improved):
        // $3 / 3300e12 = 909,090,909,090,909 wei; collateral 0.9986 ETH
        assertEq(weth.balanceOf(alice) - aliceWeth, 1_179_509_090_909_090_909, "profit + collateral - fee");
        assertEq(poolAmount(ethMarket, address(weth)), 999_820_490_909_090_909_091, "pool: +open fee -profit +close fee");
        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10).length, 0, "closed");
        assertEq(dataStore.getBytes32Count(POSITION_LIST), 0, "POSITION_LIST empty");
    }

    function test_shortLossOnClose() public {
        openPosition(bob, ethMarket, address(usdc), false, 6000 * USD, 1000e6);
        setPrices(3150e8, BTC_PRICE * 1e8);
        uint256 bobUsdc = usdc.balanceOf(bob);
        _close(bob, address(usdc), false, 6000 * USD, ethPrice(3160));
        // loss $6000 - 2 ETH * $3150 = -$300; fees $4.20 (open, 7 bps) and $3 (close, 5 bps)
        assertEq(usdc.balanceOf(bob) - bobUsdc, 1000e6 - 4.2e6 - 300e6 - 3e6, "collateral - loss - fees");
        assertEq(poolAmount(ethMarket, address(usdc)), 3_000_000e6 + 4.2e6 + 300e6 + 3e6, "pool gains loss and fees");
    }

    function test_partialDecreaseWithWithdrawal() public {
        bytes32 key = openPosition(alice, ethMarket, address(weth), true, 6000 * USD, 1 ether);
        setPrices(3300e8, BTC_PRICE * 1e8);
        IBaseOrderUtils.CreateOrderParams memory params = orderParams(
            ethMarket, address(weth), Order.OrderType.MarketDecrease, true, 3000 * USD, 0.1 ether, ethPrice(3290), alice
        );
        uint256 aliceWeth = weth.balanceOf(alice);
        execute(createDecrease(alice, params));
        // half the tokens: PnL $300 = 90,909,090,909,090,909 wei; fee 5 bps of $3000 = 454,545,454,545,454 wei
        assertEq(weth.balanceOf(alice) - aliceWeth, 190_454_545_454_545_455, "profit - fee + 0.1 ETH withdrawn");
        Position.Props memory p = reader.getPosition(dataStore, key);
        assertEq(p.numbers.sizeInUsd, 3000 * USD, "size left");
        assertEq(p.numbers.sizeInTokens, 1 ether, "tokens left");
        assertEq(p.numbers.collateralAmount, 0.8986 ether, "collateral left");
        assertEq(p.numbers.decreasedAtTime, block.timestamp, "decreasedAtTime");
    }

    function test_liquidationBoundary() public {
        // 10x long: $30,000 on 1 WETH; open fee $21 = 0.007 WETH -> collateral 0.993 WETH, 10 ETH of size
        bytes32 key = openPosition(alice, ethMarket, address(weth), true, 30_000 * USD, 1 ether);
        // liquidatable when 0.993 P + 10 P - 30,000 - closing fee (5 bps = $15) < 1% * 30,000 = $300,
        // i.e. P < 30,315 / 10.993 = $2757.6639679796...; the feed has 8 decimals
        assertEq(reader.getLiquidationPrice(dataStore, key, marketPrices(ethMarket)), 2_757_663_967_979_623, "liq price");

        setPrices(2757_66396798, BTC_PRICE * 1e8);
        (bool liquidatable,,) = reader.isPositionLiquidatable(
            dataStore, address(0), key, reader.getMarket(dataStore, ethMarket), marketPrices(ethMarket), true, true
        );
        assertTrue(!liquidatable, "healthy at $2757.66396798");
        vm.prank(liquidator);
        // remaining collateral is $300 + 4.14e-9 (4,140,002,296,927,922,520,000 in 1e30 units) above the bar
        vm.expectRevert(
            abi.encodeWithSelector(
                Errors.PositionShouldNotBeLiquidated.selector,
                "",
                int256(300 * USD + 4_140_002_296_927_922_520_000),
                int256(10 * USD),
                int256(300 * USD)
            )
        );
        liquidationHandler.executeLiquidation(alice, ethMarket, address(weth), true, noOracleParams());

        setPrices(2757_66396797, BTC_PRICE * 1e8);
        string memory reason;
        PositionUtils.IsPositionLiquidatableInfo memory info;
        (liquidatable, reason, info) = reader.isPositionLiquidatable(
            dataStore, address(0), key, reader.getMarket(dataStore, ethMarket), marketPrices(ethMarket), true, true
        );
        assertTrue(liquidatable, "liquidatable one tick lower");
        assertEq(keccak256(bytes(reason)), keccak256("min collateral for leverage"), "reason");
        assertEq(info.minCollateralUsdForLeverage, int256(300 * USD), "1% of size");

        uint256 aliceWeth = weth.balanceOf(alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(Errors.Unauthorized.selector, alice, "LIQUIDATION_KEEPER"));
        liquidationHandler.executeLiquidation(alice, ethMarket, address(weth), true, noOracleParams());
        vm.prank(liquidator);
        liquidationHandler.executeLiquidation(alice, ethMarket, address(weth), true, noOracleParams());

        assertEq(reader.getAccountPositions(dataStore, alice, 0, 10).length, 0, "liquidated");
        // at P = 2757.66396797e12: loss 878,772,884,748,502,900 wei, fee 5,439,386,442,374,251 wei
        assertEq(weth.balanceOf(alice) - aliceWeth, 108_787_728_809_122_849, "what is left goes back to the owner");
        assertEq(poolAmount(ethMarket, address(weth)), 1_000_891_212_271_190_877_151, "pool: fees and loss");
    }

    function test_btcMarketShortWithUsdc() public {
        bytes32 key = openPosition(bob, btcMarket, address(usdc), false, 60_000 * USD, 10_000e6);
        Position.Props memory p = reader.getPosition(dataStore, key);
        // BTC at $60,000 with 8 decimals: price 60,000e22 per satoshi -> 1e8 satoshi
        assertEq(p.numbers.sizeInTokens, 1e8, "1 BTC");
        assertEq(p.numbers.collateralAmount, 10_000e6 - 42e6, "7 bps of $60,000");
        assertEq(p.addresses.market, btcMarket, "market");
    }

    function test_selectorsMatchRealSignatures() public view {
        string memory createOrderSig = "createOrder(((address,address,address,address,address,address,address[]),"
            "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256),uint8,uint8,bool,bool,bool,bytes32,bytes32[]))";
        string memory prices = "((uint256,uint256),(uint256,uint256),(uint256,uint256))";
        _sel(exchangeRouter.createOrder.selector, createOrderSig);
        _sel(exchangeRouter.multicall.selector, "multicall(bytes[])");
        _sel(exchangeRouter.sendWnt.selector, "sendWnt(address,uint256)");
        _sel(exchangeRouter.sendTokens.selector, "sendTokens(address,address,uint256)");
        _sel(exchangeRouter.cancelOrder.selector, "cancelOrder(bytes32)");
        _sel(exchangeRouter.claimFundingFees.selector, "claimFundingFees(address[],address[],address)");
        _sel(router.pluginTransfer.selector, "pluginTransfer(address,address,address,uint256)");
        _sel(orderHandler.executeOrder.selector, "executeOrder(bytes32,(address[],address[],bytes[]))");
        _sel(
            liquidationHandler.executeLiquidation.selector,
            "executeLiquidation(address,address,address,bool,(address[],address[],bytes[]))"
        );
        _sel(reader.getAccountPositions.selector, "getAccountPositions(address,address,uint256,uint256)");
        _sel(reader.getAccountOrders.selector, "getAccountOrders(address,address,uint256,uint256)");
        _sel(reader.getOrder.selector, "getOrder(address,bytes32)");
        _sel(reader.getPosition.selector, "getPosition(address,bytes32)");
        _sel(reader.getMarket.selector, "getMarket(address,address)");
        _sel(reader.getMarkets.selector, "getMarkets(address,uint256,uint256)");
        _sel(
            reader.getPositionInfo.selector,
            string.concat("getPositionInfo(address,address,bytes32,", prices, ",uint256,address,bool)")
        );
        _sel(
            reader.isPositionLiquidatable.selector,
            string.concat("isPositionLiquidatable(address,address,bytes32,(address,address,address,address),", prices, ",bool,bool)")
        );
        _sel(reader.getMarketInfo.selector, string.concat("getMarketInfo(address,", prices, ",address)"));
        _sel(dataStore.getUint.selector, "getUint(bytes32)");
        _sel(dataStore.getBytes32ValuesAt.selector, "getBytes32ValuesAt(bytes32,uint256,uint256)");
        _sel(marketFactory.createMarket.selector, "createMarket(address,address,address,bytes32)");
        _sel(config.setUint.selector, "setUint(bytes32,bytes,uint256)");
        _sel(roleStore.grantRole.selector, "grantRole(address,bytes32)");
    }

    function _sel(bytes4 actual, string memory signature) private pure {
        assertEq(bytes32(actual), bytes32(bytes4(keccak256(bytes(signature)))), signature);
    }
}
