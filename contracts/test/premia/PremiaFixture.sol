// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TestToken} from "../../src/tokens/Tokens.sol";
import {PriceFeed} from "../../src/chainlink/PriceFeed.sol";
import {UD60x18} from "../../src/premia/libraries/FixedPoint.sol";
import {ChainlinkAdapter} from "../../src/premia/ChainlinkAdapter.sol";
import {IFeedRegistry} from "../../src/premia/interfaces/IOracleAdapter.sol";
import {IPoolFactory} from "../../src/premia/interfaces/IPoolFactory.sol";
import {VolatilityOracle} from "../../src/premia/VolatilityOracle.sol";
import {PoolFactory} from "../../src/premia/PoolFactory.sol";
import {PremiaPool} from "../../src/premia/PremiaPool.sol";

/// The Premia v3 world as the Python deployer builds it: WETH/USDC, ETH/USD and USDC/USD feeds,
/// the adapter, the IV oracle, the factory, and seeded call and put pools.
abstract contract PremiaFixture is Test {
    // Friday 2027-01-15 08:00 UTC
    uint256 internal constant NOW = 1_800_000_000;
    // Friday 2027-02-12 08:00 UTC: 28 days out
    uint256 internal constant MATURITY = NOW + 28 days;
    uint256 internal constant ETH_VOL = 0.7e18;
    uint256 internal constant SPREAD = 0.05e18;

    address internal constant TAKER = address(0xA11CE);
    address internal constant WRITER = address(0xB0B);
    address internal constant KEEPER = address(0xCEE);
    address internal constant FEE_RECEIVER = address(0xFEE);

    TestToken internal weth;
    TestToken internal usdc;
    PriceFeed internal ethUsd;
    PriceFeed internal usdcUsd;
    ChainlinkAdapter internal adapter;
    VolatilityOracle internal volatilityOracle;
    PoolFactory internal factory;
    address internal router;

    PremiaPool internal call3200;
    PremiaPool internal put2800;
    PremiaPool internal put3200;

    function setUp() public virtual {
        vm.warp(NOW);
        weth = new TestToken("Wrapped Ether", "WETH", 18);
        usdc = new TestToken("USD Coin", "USDC", 6);

        ethUsd = new PriceFeed(8, "ETH / USD", 1e8, 1_000_000e8);
        usdcUsd = new PriceFeed(8, "USDC / USD", 0.01e8, 10e8);
        ethUsd.transmit(3000e8);
        usdcUsd.transmit(1e8);

        adapter = new ChainlinkAdapter();
        IFeedRegistry.FeedMappingArgs[] memory feeds = new IFeedRegistry.FeedMappingArgs[](2);
        feeds[0] = IFeedRegistry.FeedMappingArgs(address(weth), adapter.USD(), address(ethUsd));
        feeds[1] = IFeedRegistry.FeedMappingArgs(address(usdc), adapter.USD(), address(usdcUsd));
        adapter.batchRegisterFeedMappings(feeds);

        volatilityOracle = new VolatilityOracle();
        volatilityOracle.setVolatility(address(weth), UD60x18.wrap(ETH_VOL));

        factory = new PoolFactory(address(new PremiaPool()), address(volatilityOracle), FEE_RECEIVER, UD60x18.wrap(SPREAD));
        router = factory.ROUTER();

        call3200 = _deployPool(3200e18, MATURITY, true);
        put2800 = _deployPool(2800e18, MATURITY, false);
        put3200 = _deployPool(3200e18, MATURITY, false);
        _seed(call3200, 100e18);
        _seed(put2800, 500_000e6);
        _seed(put3200, 500_000e6);

        _fund(TAKER);
        _fund(WRITER);
    }

    function _key(uint256 strike, uint256 maturity, bool isCall) internal view returns (IPoolFactory.PoolKey memory) {
        return IPoolFactory.PoolKey(address(weth), address(usdc), address(adapter), UD60x18.wrap(strike), maturity, isCall);
    }

    function _deployPool(uint256 strike, uint256 maturity, bool isCall) internal returns (PremiaPool) {
        return PremiaPool(factory.deployPool(_key(strike, maturity, isCall)));
    }

    /// The non-real LP seeding the deployer does: approve the router, then seedLiquidity.
    function _seed(PremiaPool pool, uint256 amount) internal {
        (, , , , , bool isCall) = pool.getPoolSettings();
        TestToken token = isCall ? weth : usdc;
        token.mint(address(this), amount);
        token.approve(router, amount);
        pool.seedLiquidity(amount);
    }

    function _fund(address account) internal {
        weth.mint(account, 1_000e18);
        usdc.mint(account, 10_000_000e6);
        vm.startPrank(account);
        weth.approve(router, type(uint256).max);
        usdc.approve(router, type(uint256).max);
        vm.stopPrank();
    }

    function _ud(uint256 value) internal pure returns (UD60x18) {
        return UD60x18.wrap(value);
    }

    /// Publish the ETH price at the current time.
    function _setEthPrice(int256 price8) internal {
        ethUsd.transmit(price8);
    }
}
