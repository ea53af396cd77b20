// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Read side of the local Aave v3 market: the configuration bitmap's real bit positions,
// getReserveData decoded with the real ReserveDataLegacy layout, the data provider's tuples
// against pool and token state, the oracle and the addresses provider.

import {AaveFixture} from "./AaveFixture.sol";
import {AaveOracle} from "../../src/aave/AaveOracle.sol";
import {AaveProtocolDataProvider} from "../../src/aave/AaveProtocolDataProvider.sol";
import {DataTypes} from "../../src/aave/DataTypes.sol";
import {PriceFeed} from "../../src/chainlink/PriceFeed.sol";
import {TestToken} from "../../src/tokens/Tokens.sol";

contract AaveViewsTest is AaveFixture {
    function setUp() public override {
        super.setUp();
        _supply(bob, address(usdc), 1_000_000e6);
        _supply(alice, address(weth), 100e18);
        _borrow(alice, address(usdc), 100_000e6);
        vm.warp(block.timestamp + 30 days);
        _supply(bob, address(usdc), 1e6); // store the accrued state
        vm.warp(block.timestamp + 1 days); // and let balances run ahead of the stored indexes
    }

    function test_configurationBitmapUsesTheRealBitPositions() public view {
        uint256 expected = 8000 | (8250 << 16) | (10_500 << 32) | (18 << 48) | (1 << 56) | (1 << 58) | (1500 << 64);
        assertEq(pool.getConfiguration(address(weth)).data, expected, "WETH bitmap");
        assertEq(pool.getReserveData(address(weth)).configuration.data, expected, "same in getReserveData");
        uint256 usdcExpected = 7500 | (7800 << 16) | (10_450 << 32) | (6 << 48) | (1 << 56) | (1 << 58) | (1000 << 64);
        assertEq(pool.getConfiguration(address(usdc)).data, usdcExpected, "USDC bitmap");
        uint256 wbtcExpected = 7300 | (7800 << 16) | (10_500 << 32) | (8 << 48) | (1 << 56) | (1 << 58) | (2000 << 64);
        assertEq(pool.getConfiguration(address(wbtc)).data, wbtcExpected, "WBTC bitmap");
    }

    function test_userConfigurationUsesTheRealBitPairs() public view {
        // WETH is reserve 0 (collateral: bit 1), USDC reserve 1 (borrowing: bit 2).
        assertEq(pool.getUserConfiguration(alice).data, (1 << 1) | (1 << 2), "alice");
        assertEq(pool.getUserConfiguration(bob).data, 1 << 3, "bob: USDC collateral");
    }

    // The real return layouts, written out field by field from aave-v3-origin's
    // DataTypes.ReserveDataLegacy and IPoolDataProvider (a static struct decodes like a tuple).
    struct RealReserveDataLegacy {
        uint256 configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    struct RealProviderReserveData {
        uint256 unbacked;
        uint256 accruedToTreasuryScaled;
        uint256 totalAToken;
        uint256 totalStableDebt;
        uint256 totalVariableDebt;
        uint256 liquidityRate;
        uint256 variableBorrowRate;
        uint256 stableBorrowRate;
        uint256 averageStableBorrowRate;
        uint256 liquidityIndex;
        uint256 variableBorrowIndex;
        uint40 lastUpdateTimestamp;
    }

    struct RealUserReserveData {
        uint256 currentATokenBalance;
        uint256 currentStableDebt;
        uint256 currentVariableDebt;
        uint256 principalStableDebt;
        uint256 scaledVariableDebt;
        uint256 stableBorrowRate;
        uint256 liquidityRate;
        uint40 stableRateLastUpdated;
        bool usageAsCollateralEnabled;
    }

    struct RealReserveConfigurationData {
        uint256 decimals;
        uint256 ltv;
        uint256 liquidationThreshold;
        uint256 liquidationBonus;
        uint256 reserveFactor;
        bool usageAsCollateralEnabled;
        bool borrowingEnabled;
        bool stableBorrowRateEnabled;
        bool isActive;
        bool isFrozen;
    }

    function _call(address target, bytes memory data, uint256 words) internal view returns (bytes memory raw) {
        bool ok;
        (ok, raw) = target.staticcall(data);
        assertTrue(ok, "call succeeded");
        assertEq(raw.length, words * 32, "static words returned");
    }

    function _userReserveData(address asset, address user) internal view returns (RealUserReserveData memory) {
        bytes memory raw = _call(
            address(dataProvider), abi.encodeWithSignature("getUserReserveData(address,address)", asset, user), 9
        );
        return abi.decode(raw, (RealUserReserveData));
    }

    function test_getReserveDataDecodesWithTheRealLayout() public view {
        bytes memory raw = _call(address(pool), abi.encodeWithSignature("getReserveData(address)", address(usdc)), 15);
        RealReserveDataLegacy memory real = abi.decode(raw, (RealReserveDataLegacy));
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(address(usdc));
        assertEq(real.configuration, reserve.configuration.data, "configuration");
        assertGt(real.liquidityIndex, RAY, "liquidityIndex grew");
        assertEq(real.liquidityIndex, reserve.liquidityIndex, "liquidityIndex position");
        assertGt(real.currentLiquidityRate, 0, "currentLiquidityRate");
        assertLt(real.currentLiquidityRate, real.currentVariableBorrowRate, "supply rate below borrow rate");
        assertGt(real.variableBorrowIndex, real.liquidityIndex, "borrow index ahead of the liquidity index");
        assertEq(real.currentStableBorrowRate, 0, "no stable rate");
        assertEq(real.lastUpdateTimestamp, START_TIME + 30 days, "last update");
        assertEq(real.id, 1, "USDC is the second reserve");
        assertEq(real.aTokenAddress, address(aTokenOf[address(usdc)]), "aToken");
        assertEq(real.stableDebtTokenAddress, address(0), "no stable debt token");
        assertEq(real.variableDebtTokenAddress, address(debtTokenOf[address(usdc)]), "debt token");
        assertEq(real.interestRateStrategyAddress, address(strategyOf[address(usdc)]), "strategy");
        assertGt(real.accruedToTreasury, 0, "treasury accrual");
        assertEq(real.unbacked, 0, "unbacked");
        assertEq(real.isolationModeTotalDebt, 0, "isolation debt");
    }

    function test_dataProviderReserveDataMatchesThePool() public view {
        DataTypes.ReserveDataLegacy memory reserve = pool.getReserveData(address(usdc));
        bytes memory raw =
            _call(address(dataProvider), abi.encodeWithSignature("getReserveData(address)", address(usdc)), 12);
        RealProviderReserveData memory data = abi.decode(raw, (RealProviderReserveData));
        assertEq(data.unbacked, 0, "unbacked");
        assertEq(data.accruedToTreasuryScaled, reserve.accruedToTreasury, "accrued to treasury");
        assertEq(data.totalAToken, aTokenOf[address(usdc)].totalSupply(), "aToken supply");
        assertGt(data.totalAToken, 1_000_001e6, "includes interest to now");
        assertEq(data.totalStableDebt, 0, "stable debt");
        assertEq(data.totalVariableDebt, debtTokenOf[address(usdc)].totalSupply(), "variable debt");
        assertEq(data.totalVariableDebt, debtTokenOf[address(usdc)].balanceOf(alice), "all alice's");
        assertEq(data.liquidityRate, reserve.currentLiquidityRate, "liquidity rate");
        assertEq(data.variableBorrowRate, reserve.currentVariableBorrowRate, "variable rate");
        assertEq(data.stableBorrowRate, 0, "stable rate");
        assertEq(data.averageStableBorrowRate, 0, "average stable rate");
        assertEq(data.liquidityIndex, reserve.liquidityIndex, "stored liquidity index");
        assertEq(data.variableBorrowIndex, reserve.variableBorrowIndex, "stored borrow index");
        assertEq(data.lastUpdateTimestamp, reserve.lastUpdateTimestamp, "timestamp");
        assertEq(dataProvider.getATokenTotalSupply(address(usdc)), data.totalAToken, "getATokenTotalSupply");
        assertEq(dataProvider.getTotalDebt(address(usdc)), data.totalVariableDebt, "getTotalDebt");
    }

    function test_dataProviderUserReserveDataMatchesTheTokens() public view {
        RealUserReserveData memory data = _userReserveData(address(usdc), alice);
        assertEq(data.currentATokenBalance, 0, "alice supplies no USDC");
        assertEq(data.currentStableDebt, 0, "stable debt");
        assertEq(data.currentVariableDebt, debtTokenOf[address(usdc)].balanceOf(alice), "variable debt");
        assertGt(data.currentVariableDebt, 100_000e6, "accrued to now");
        assertEq(data.principalStableDebt, 0, "principal stable");
        assertEq(data.scaledVariableDebt, debtTokenOf[address(usdc)].scaledBalanceOf(alice), "scaled debt");
        assertEq(data.stableBorrowRate, 0, "stable rate");
        assertEq(data.liquidityRate, pool.getReserveData(address(usdc)).currentLiquidityRate, "liquidity rate");
        assertEq(data.stableRateLastUpdated, 0, "stable timestamp");
        assertTrue(!data.usageAsCollateralEnabled, "not collateral");

        data = _userReserveData(address(weth), alice);
        assertEq(data.currentATokenBalance, aTokenOf[address(weth)].balanceOf(alice), "aWETH balance");
        assertTrue(data.usageAsCollateralEnabled, "WETH is collateral");
        data = _userReserveData(address(usdc), bob);
        assertEq(data.currentATokenBalance, aTokenOf[address(usdc)].balanceOf(bob), "bob's aUSDC");
        assertTrue(data.usageAsCollateralEnabled, "bob's USDC is collateral");
    }

    function test_dataProviderConfigurationAndTokens() public view {
        bytes memory raw = _call(
            address(dataProvider), abi.encodeWithSignature("getReserveConfigurationData(address)", address(usdc)), 10
        );
        RealReserveConfigurationData memory data = abi.decode(raw, (RealReserveConfigurationData));
        assertEq(data.decimals, 6, "decimals");
        assertEq(data.ltv, 7500, "ltv");
        assertEq(data.liquidationThreshold, 7800, "threshold");
        assertEq(data.liquidationBonus, 10_450, "bonus");
        assertEq(data.reserveFactor, 1000, "reserve factor");
        assertTrue(data.usageAsCollateralEnabled, "collateral");
        assertTrue(data.borrowingEnabled, "borrowing");
        assertTrue(!data.stableBorrowRateEnabled, "no stable");
        assertTrue(data.isActive, "active");
        assertTrue(!data.isFrozen, "not frozen");

        (address aToken, address stableDebt, address variableDebt) =
            dataProvider.getReserveTokensAddresses(address(wbtc));
        assertEq(aToken, address(aTokenOf[address(wbtc)]), "aToken");
        assertEq(stableDebt, address(0), "stable debt token");
        assertEq(variableDebt, address(debtTokenOf[address(wbtc)]), "debt token");
        assertEq(
            dataProvider.getInterestRateStrategyAddress(address(wbtc)), address(strategyOf[address(wbtc)]), "strategy"
        );

        AaveProtocolDataProvider.TokenData[] memory tokens = dataProvider.getAllReservesTokens();
        assertEq(tokens.length, 3, "three reserves");
        assertEq(keccak256(bytes(tokens[0].symbol)), keccak256("WETH"), "WETH symbol");
        assertEq(tokens[0].tokenAddress, address(weth), "WETH address");
        assertEq(keccak256(bytes(tokens[1].symbol)), keccak256("USDC"), "USDC symbol");
        assertEq(tokens[2].tokenAddress, address(wbtc), "WBTC address");
        AaveProtocolDataProvider.TokenData[] memory aTokens = dataProvider.getAllATokens();
        assertEq(keccak256(bytes(aTokens[1].symbol)), keccak256("aLocUSDC"), "aToken symbol");
        assertEq(aTokens[1].tokenAddress, address(aTokenOf[address(usdc)]), "aToken address");

        address[] memory reserves = pool.getReservesList();
        assertEq(reserves.length, 3, "reserves list");
        assertEq(reserves[2], address(wbtc), "listing order");
        assertEq(pool.getReserveAddressById(1), address(usdc), "by id");
    }

    function test_tokenMetadataMirrorsTheUnderlying() public view {
        assertEq(uint256(aTokenOf[address(usdc)].decimals()), 6, "aUSDC decimals");
        assertEq(uint256(debtTokenOf[address(wbtc)].decimals()), 8, "debt WBTC decimals");
        assertEq(aTokenOf[address(usdc)].UNDERLYING_ASSET_ADDRESS(), address(usdc), "underlying");
        assertEq(address(aTokenOf[address(usdc)].POOL()), address(pool), "pool");
        assertEq(aTokenOf[address(usdc)].RESERVE_TREASURY_ADDRESS(), treasury, "treasury");
        assertEq(debtTokenOf[address(usdc)].UNDERLYING_ASSET_ADDRESS(), address(usdc), "debt underlying");
        (uint256 scaled, uint256 supply) = aTokenOf[address(usdc)].getScaledUserBalanceAndSupply(bob);
        assertEq(scaled, aTokenOf[address(usdc)].scaledBalanceOf(bob), "scaled balance");
        assertEq(supply, aTokenOf[address(usdc)].scaledTotalSupply(), "scaled supply");
    }

    function test_oracleReadsChainlinkInUsdWith8Decimals() public {
        assertEq(oracle.BASE_CURRENCY(), address(0), "USD base currency");
        assertEq(oracle.BASE_CURRENCY_UNIT(), 1e8, "8 decimals");
        assertEq(oracle.getAssetPrice(address(weth)), 2000e8, "ETH");
        assertEq(oracle.getAssetPrice(address(0)), 1e8, "the base currency prices at its unit");
        assertEq(oracle.getSourceOfAsset(address(wbtc)), address(btcFeed), "source");
        ethFeed.transmit(2500e8);
        address[] memory assets = new address[](3);
        (assets[0], assets[1], assets[2]) = (address(weth), address(usdc), address(wbtc));
        uint256[] memory prices = oracle.getAssetsPrices(assets);
        assertEq(prices[0], 2500e8, "follows the feed");
        assertEq(prices[1], 1e8, "USDC");
        assertEq(prices[2], 60_000e8, "BTC");
        (uint256 collateral,,,,,) = pool.getUserAccountData(alice);
        assertEq(collateral, aTokenOf[address(weth)].balanceOf(alice) * 2500e8 / 1e18, "pool uses it");
    }

    function test_oracleAdminAndFallback() public {
        TestToken dai = new TestToken("Dai", "DAI", 18);
        address[] memory assets = new address[](1);
        address[] memory sources = new address[](1);
        assets[0] = address(dai);
        vm.prank(alice);
        vm.expectRevert(_code("1"));
        oracle.setAssetSources(assets, sources);

        vm.expectRevert(); // no source and no fallback
        oracle.getAssetPrice(address(dai));

        PriceFeed daiFeed = new PriceFeed(8, "DAI / USD", 1, type(int192).max);
        daiFeed.transmit(0.999e8);
        sources[0] = address(daiFeed);
        AaveOracle fallbackOracle = new AaveOracle(address(provider), assets, sources, address(0), address(0), 1e8);
        oracle.setFallbackOracle(address(fallbackOracle));
        assertEq(oracle.getFallbackOracle(), address(fallbackOracle), "fallback set");
        assertEq(oracle.getAssetPrice(address(dai)), 0.999e8, "answered by the fallback");

        oracle.setAssetSources(assets, sources);
        assertEq(oracle.getSourceOfAsset(address(dai)), address(daiFeed), "own source now");
        vm.expectRevert(_code("76")); // INCONSISTENT_PARAMS_LENGTH
        oracle.setAssetSources(assets, new address[](0));
    }

    function test_addressesProviderRegistersTheMarket() public {
        assertEq(provider.getPool(), address(pool), "pool");
        assertEq(provider.getPriceOracle(), address(oracle), "oracle");
        assertEq(provider.getPoolDataProvider(), address(dataProvider), "data provider");
        assertEq(provider.getAddress("POOL"), address(pool), "real id POOL");
        assertEq(provider.getAddress("PRICE_ORACLE"), address(oracle), "real id PRICE_ORACLE");
        assertEq(provider.getAddress("DATA_PROVIDER"), address(dataProvider), "real id DATA_PROVIDER");
        assertEq(keccak256(bytes(provider.getMarketId())), keccak256("Ballast Local"), "market id");
        assertEq(pool.ADDRESSES_PROVIDER(), address(provider), "pool knows its provider");
        assertEq(dataProvider.ADDRESSES_PROVIDER(), address(provider), "data provider too");

        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSignature("OwnableUnauthorizedAccount(address)", alice));
        provider.setPriceOracle(alice);
        provider.setMarketId("Renamed");
        assertEq(keccak256(bytes(provider.getMarketId())), keccak256("Renamed"), "renamed");
    }

    function test_rateStrategyGetters() public view {
        assertEq(strategyOf[address(usdc)].OPTIMAL_USAGE_RATIO(), 0.9e27, "optimal");
        assertEq(strategyOf[address(usdc)].MAX_EXCESS_USAGE_RATIO(), 0.1e27, "excess");
        assertEq(strategyOf[address(usdc)].getVariableRateSlope1(), 0.06e27, "slope1");
        assertEq(strategyOf[address(usdc)].getVariableRateSlope2(), 0.6e27, "slope2");
        assertEq(strategyOf[address(usdc)].getBaseVariableBorrowRate(), 0, "base");
        assertEq(strategyOf[address(usdc)].getMaxVariableBorrowRate(), 0.66e27, "max");
    }
}
