// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "../utils/Test.sol";
import {TestToken, WETH9} from "../../src/tokens/Tokens.sol";
import {PriceFeed} from "../../src/chainlink/PriceFeed.sol";
import {RoleStore} from "../../src/gmx/RoleStore.sol";
import {DataStore} from "../../src/gmx/DataStore.sol";
import {EventEmitter} from "../../src/gmx/EventEmitter.sol";
import {OrderVault} from "../../src/gmx/Bank.sol";
import {Config, MarketFactory, PoolSeeder} from "../../src/gmx/MarketFactory.sol";
import {IncreaseOrderExecutor} from "../../src/gmx/IncreaseOrderExecutor.sol";
import {DecreaseOrderExecutor} from "../../src/gmx/DecreaseOrderExecutor.sol";
import {OrderHandler} from "../../src/gmx/OrderHandler.sol";
import {LiquidationHandler} from "../../src/gmx/LiquidationHandler.sol";
import {ExchangeRouter, Router} from "../../src/gmx/ExchangeRouter.sol";
import {Reader} from "../../src/gmx/Reader.sol";
import {IBaseOrderUtils, Market, MarketUtils, OracleUtils, Order, Position} from "../../src/gmx/Types.sol";

/// Cheatcodes beyond the shared Vm interface (signatures from foundry-rs/forge-std src/Vm.sol).
interface VmExtra {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function txGasPrice(uint256 newGasPrice) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// The local GMX v2 world deployed and configured the way the Python deployer must do it.
abstract contract GmxFixture is Test {
    VmExtra internal constant vmx = VmExtra(address(uint160(uint256(keccak256("hevm cheat code")))));

    // Real base keys, as the deployer computes them: keccak256(abi.encode("NAME")).
    bytes32 internal constant WNT = keccak256(abi.encode("WNT"));
    bytes32 internal constant REQUEST_EXPIRATION_TIME = keccak256(abi.encode("REQUEST_EXPIRATION_TIME"));
    bytes32 internal constant MIN_COLLATERAL_USD = keccak256(abi.encode("MIN_COLLATERAL_USD"));
    bytes32 internal constant MIN_POSITION_SIZE_USD = keccak256(abi.encode("MIN_POSITION_SIZE_USD"));
    bytes32 internal constant ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1 =
        keccak256(abi.encode("ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1"));
    bytes32 internal constant ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR =
        keccak256(abi.encode("ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR"));
    bytes32 internal constant EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1 =
        keccak256(abi.encode("EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1"));
    bytes32 internal constant EXECUTION_GAS_FEE_MULTIPLIER_FACTOR =
        keccak256(abi.encode("EXECUTION_GAS_FEE_MULTIPLIER_FACTOR"));
    bytes32 internal constant INCREASE_ORDER_GAS_LIMIT = keccak256(abi.encode("INCREASE_ORDER_GAS_LIMIT"));
    bytes32 internal constant DECREASE_ORDER_GAS_LIMIT = keccak256(abi.encode("DECREASE_ORDER_GAS_LIMIT"));
    bytes32 internal constant PRICE_FEED = keccak256(abi.encode("PRICE_FEED"));
    bytes32 internal constant PRICE_FEED_MULTIPLIER = keccak256(abi.encode("PRICE_FEED_MULTIPLIER"));
    bytes32 internal constant PRICE_FEED_HEARTBEAT_DURATION = keccak256(abi.encode("PRICE_FEED_HEARTBEAT_DURATION"));
    bytes32 internal constant MIN_COLLATERAL_FACTOR = keccak256(abi.encode("MIN_COLLATERAL_FACTOR"));
    bytes32 internal constant MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION =
        keccak256(abi.encode("MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION"));
    bytes32 internal constant POSITION_FEE_FACTOR = keccak256(abi.encode("POSITION_FEE_FACTOR"));
    bytes32 internal constant RESERVE_FACTOR = keccak256(abi.encode("RESERVE_FACTOR"));
    bytes32 internal constant BORROWING_FACTOR = keccak256(abi.encode("BORROWING_FACTOR"));
    bytes32 internal constant FUNDING_FACTOR = keccak256(abi.encode("FUNDING_FACTOR"));
    bytes32 internal constant MAX_FUNDING_FACTOR_PER_SECOND = keccak256(abi.encode("MAX_FUNDING_FACTOR_PER_SECOND"));
    bytes32 internal constant POOL_AMOUNT = keccak256(abi.encode("POOL_AMOUNT"));
    bytes32 internal constant ORDER_LIST = keccak256(abi.encode("ORDER_LIST"));
    bytes32 internal constant POSITION_LIST = keccak256(abi.encode("POSITION_LIST"));

    bytes32 internal constant CONTROLLER = keccak256(abi.encode("CONTROLLER"));
    bytes32 internal constant ROUTER_PLUGIN = keccak256(abi.encode("ROUTER_PLUGIN"));
    bytes32 internal constant MARKET_KEEPER = keccak256(abi.encode("MARKET_KEEPER"));
    bytes32 internal constant CONFIG_KEEPER = keccak256(abi.encode("CONFIG_KEEPER"));
    bytes32 internal constant ORDER_KEEPER = keccak256(abi.encode("ORDER_KEEPER"));
    bytes32 internal constant LIQUIDATION_KEEPER = keccak256(abi.encode("LIQUIDATION_KEEPER"));

    uint256 internal constant USD = 1e30; // GMX USD precision
    uint256 internal constant ETH_PRICE = 3000; // dollars
    uint256 internal constant BTC_PRICE = 60_000;
    uint256 internal constant EXECUTION_FEE = 0.01 ether;

    WETH9 internal weth;
    TestToken internal usdc;
    TestToken internal wbtc;
    PriceFeed internal ethFeed;
    PriceFeed internal btcFeed;
    PriceFeed internal usdcFeed;

    RoleStore internal roleStore;
    DataStore internal dataStore;
    EventEmitter internal eventEmitter;
    Router internal router;
    OrderVault internal orderVault;
    IncreaseOrderExecutor internal increaseExecutor;
    DecreaseOrderExecutor internal decreaseExecutor;
    OrderHandler internal orderHandler;
    LiquidationHandler internal liquidationHandler;
    ExchangeRouter internal exchangeRouter;
    Reader internal reader;
    MarketFactory internal marketFactory;
    Config internal config;
    PoolSeeder internal poolSeeder;

    address internal ethMarket;
    address internal btcMarket;

    address internal keeper = address(0xC0FFEE);
    address internal liquidator = address(0x11C0);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function setUp() public virtual {
        vm.warp(1_800_000_000);
        _deployTokensAndFeeds();
        _deployProtocol();
        _grantRoles();
        _configure();
        _createAndSeedMarkets();
        _fund(alice);
        _fund(bob);
    }

    function _deployTokensAndFeeds() private {
        weth = new WETH9();
        usdc = new TestToken("USD Coin", "USDC", 6);
        wbtc = new TestToken("Wrapped BTC", "WBTC", 8);
        ethFeed = new PriceFeed(8, "ETH / USD", 1, 1e15);
        btcFeed = new PriceFeed(8, "BTC / USD", 1, 1e15);
        usdcFeed = new PriceFeed(8, "USDC / USD", 1, 1e15);
        setPrices(ETH_PRICE * 1e8, BTC_PRICE * 1e8);
    }

    function _deployProtocol() private {
        roleStore = new RoleStore();
        dataStore = new DataStore(roleStore);
        eventEmitter = new EventEmitter(roleStore);
        router = new Router(roleStore);
        orderVault = new OrderVault(roleStore, dataStore);
        increaseExecutor = new IncreaseOrderExecutor(roleStore, dataStore, eventEmitter);
        decreaseExecutor = new DecreaseOrderExecutor(roleStore, dataStore, eventEmitter);
        orderHandler =
            new OrderHandler(roleStore, dataStore, eventEmitter, orderVault, increaseExecutor, decreaseExecutor);
        liquidationHandler = new LiquidationHandler(roleStore, dataStore, eventEmitter, decreaseExecutor);
        exchangeRouter = new ExchangeRouter(router, roleStore, dataStore, eventEmitter, orderHandler);
        reader = new Reader();
        marketFactory = new MarketFactory(roleStore, dataStore, eventEmitter);
        config = new Config(roleStore, dataStore);
        poolSeeder = new PoolSeeder(roleStore, dataStore);
    }

    function _grantRoles() private {
        roleStore.grantRole(address(orderHandler), CONTROLLER);
        roleStore.grantRole(address(liquidationHandler), CONTROLLER);
        roleStore.grantRole(address(increaseExecutor), CONTROLLER);
        roleStore.grantRole(address(decreaseExecutor), CONTROLLER);
        roleStore.grantRole(address(exchangeRouter), CONTROLLER);
        roleStore.grantRole(address(marketFactory), CONTROLLER);
        roleStore.grantRole(address(config), CONTROLLER);
        roleStore.grantRole(address(poolSeeder), CONTROLLER);
        roleStore.grantRole(address(exchangeRouter), ROUTER_PLUGIN);
        roleStore.grantRole(address(this), CONFIG_KEEPER);
        roleStore.grantRole(address(this), MARKET_KEEPER);
        roleStore.grantRole(keeper, ORDER_KEEPER);
        roleStore.grantRole(liquidator, LIQUIDATION_KEEPER);
    }

    function _configure() private {
        config.setAddress(WNT, "", address(weth));
        config.setUint(REQUEST_EXPIRATION_TIME, "", 300);
        config.setUint(MIN_COLLATERAL_USD, "", 10 * USD);
        config.setUint(MIN_POSITION_SIZE_USD, "", 1 * USD);
        config.setUint(ESTIMATED_GAS_FEE_BASE_AMOUNT_V2_1, "", 600_000);
        config.setUint(ESTIMATED_GAS_FEE_MULTIPLIER_FACTOR, "", 1e30);
        config.setUint(EXECUTION_GAS_FEE_BASE_AMOUNT_V2_1, "", 600_000);
        config.setUint(EXECUTION_GAS_FEE_MULTIPLIER_FACTOR, "", 1e30);
        config.setUint(INCREASE_ORDER_GAS_LIMIT, "", 1_500_000);
        config.setUint(DECREASE_ORDER_GAS_LIMIT, "", 1_500_000);
        _configureFeed(address(weth), ethFeed, 18);
        _configureFeed(address(wbtc), btcFeed, 8);
        _configureFeed(address(usdc), usdcFeed, 6);
    }

    /// price = answer * multiplier / 1e30 with multiplier = 10^(60 - tokenDecimals - feedDecimals).
    function _configureFeed(address token, PriceFeed feed, uint256 tokenDecimals) private {
        config.setAddress(PRICE_FEED, abi.encode(token), address(feed));
        config.setUint(PRICE_FEED_MULTIPLIER, abi.encode(token), 10 ** (60 - tokenDecimals - 8));
        config.setUint(PRICE_FEED_HEARTBEAT_DURATION, abi.encode(token), 3600);
    }

    function _configureMarket(address market) private {
        config.setUint(MIN_COLLATERAL_FACTOR, abi.encode(market), 1e28); // 1%
        config.setUint(MIN_COLLATERAL_FACTOR_FOR_LIQUIDATION, abi.encode(market), 1e28); // 1%
        config.setUint(POSITION_FEE_FACTOR, abi.encode(market, true), 5e26); // 5 bps, balance improved
        config.setUint(POSITION_FEE_FACTOR, abi.encode(market, false), 7e26); // 7 bps, balance worsened
        config.setUint(RESERVE_FACTOR, abi.encode(market, true), 1e30);
        config.setUint(RESERVE_FACTOR, abi.encode(market, false), 1e30);
        config.setUint(BORROWING_FACTOR, abi.encode(market, true), 1e22); // per second at 100% usage
        config.setUint(BORROWING_FACTOR, abi.encode(market, false), 1e22);
        config.setUint(FUNDING_FACTOR, abi.encode(market), 2e22); // per second at 100% imbalance
        config.setUint(MAX_FUNDING_FACTOR_PER_SECOND, abi.encode(market), 1e23);
    }

    function _createAndSeedMarkets() private {
        bytes32 marketType = keccak256(abi.encode("basic-v1"));
        ethMarket = marketFactory.createMarket(address(weth), address(weth), address(usdc), marketType).marketToken;
        btcMarket = marketFactory.createMarket(address(wbtc), address(wbtc), address(usdc), marketType).marketToken;
        _configureMarket(ethMarket);
        _configureMarket(btcMarket);

        vm.deal(address(this), 1000 ether);
        weth.deposit{value: 1000 ether}();
        usdc.mint(address(this), 6_000_000e6);
        wbtc.mint(address(this), 50e8);
        weth.approve(address(poolSeeder), type(uint256).max);
        usdc.approve(address(poolSeeder), type(uint256).max);
        wbtc.approve(address(poolSeeder), type(uint256).max);
        poolSeeder.seedPool(ethMarket, address(weth), 1000 ether);
        poolSeeder.seedPool(ethMarket, address(usdc), 3_000_000e6);
        poolSeeder.seedPool(btcMarket, address(wbtc), 50e8);
        poolSeeder.seedPool(btcMarket, address(usdc), 3_000_000e6);
    }

    function _fund(address user) private {
        vm.deal(user, 100 ether);
        vm.startPrank(user);
        weth.deposit{value: 50 ether}();
        weth.approve(address(router), type(uint256).max);
        usdc.approve(address(router), type(uint256).max);
        wbtc.approve(address(router), type(uint256).max);
        vm.stopPrank();
        usdc.mint(user, 100_000e6);
        wbtc.mint(user, 1e8);
    }

    // ------------------------------------------------------------------ helpers

    function setPrices(uint256 ethAnswer, uint256 btcAnswer) internal {
        ethFeed.transmit(int256(ethAnswer));
        btcFeed.transmit(int256(btcAnswer));
        usdcFeed.transmit(1e8);
    }

    /// GMX price of one wei of ETH for a price in whole dollars.
    function ethPrice(uint256 dollars) internal pure returns (uint256) {
        return dollars * 1e12;
    }

    function orderParams(
        address market,
        address collateralToken,
        Order.OrderType orderType,
        bool isLong,
        uint256 sizeDeltaUsd,
        uint256 collateralDeltaAmount,
        uint256 acceptablePrice,
        address receiver
    ) internal pure returns (IBaseOrderUtils.CreateOrderParams memory params) {
        params.addresses.receiver = receiver;
        params.addresses.market = market;
        params.addresses.initialCollateralToken = collateralToken;
        params.numbers.sizeDeltaUsd = sizeDeltaUsd;
        params.numbers.initialCollateralDeltaAmount = collateralDeltaAmount;
        params.numbers.acceptablePrice = acceptablePrice;
        params.numbers.executionFee = EXECUTION_FEE;
        params.orderType = orderType;
        params.isLong = isLong;
    }

    /// The user's one transaction: multicall[sendWnt(vault, fee), sendTokens(collateral, vault, amount), createOrder].
    function createIncrease(address user, IBaseOrderUtils.CreateOrderParams memory params, uint256 collateralAmount)
        internal
        returns (bytes32 key)
    {
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(exchangeRouter.sendWnt, (address(orderVault), params.numbers.executionFee));
        calls[1] = abi.encodeCall(
            exchangeRouter.sendTokens, (params.addresses.initialCollateralToken, address(orderVault), collateralAmount)
        );
        calls[2] = abi.encodeCall(exchangeRouter.createOrder, (params));
        vm.prank(user);
        bytes[] memory results = exchangeRouter.multicall{value: params.numbers.executionFee}(calls);
        key = abi.decode(results[2], (bytes32));
    }

    function createDecrease(address user, IBaseOrderUtils.CreateOrderParams memory params)
        internal
        returns (bytes32 key)
    {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(exchangeRouter.sendWnt, (address(orderVault), params.numbers.executionFee));
        calls[1] = abi.encodeCall(exchangeRouter.createOrder, (params));
        vm.prank(user);
        bytes[] memory results = exchangeRouter.multicall{value: params.numbers.executionFee}(calls);
        key = abi.decode(results[1], (bytes32));
    }

    function execute(bytes32 key) internal {
        vm.prank(keeper);
        orderHandler.executeOrder(key, noOracleParams());
    }

    function noOracleParams() internal pure returns (OracleUtils.SetPricesParams memory params) {
        params.tokens = new address[](0);
        params.providers = new address[](0);
        params.data = new bytes[](0);
    }

    function positionKey(address account, address market, address collateralToken, bool isLong)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(account, market, collateralToken, isLong));
    }

    function marketPrices(address market) internal view returns (MarketUtils.MarketPrices memory) {
        return reader.getMarketPrices(dataStore, market);
    }

    function poolAmount(address market, address token) internal view returns (uint256) {
        return dataStore.getUint(keccak256(abi.encode(POOL_AMOUNT, market, token)));
    }

    /// Open a position with one order and execute it; returns the position key.
    function openPosition(
        address user,
        address market,
        address collateralToken,
        bool isLong,
        uint256 sizeDeltaUsd,
        uint256 collateralAmount
    ) internal returns (bytes32) {
        IBaseOrderUtils.CreateOrderParams memory params;
        params.addresses.receiver = user;
        params.addresses.market = market;
        params.addresses.initialCollateralToken = collateralToken;
        params.numbers.sizeDeltaUsd = sizeDeltaUsd;
        params.numbers.acceptablePrice = isLong ? type(uint256).max : 0;
        params.numbers.executionFee = EXECUTION_FEE;
        params.orderType = Order.OrderType.MarketIncrease;
        params.isLong = isLong;
        execute(createIncrease(user, params, collateralAmount));
        return positionKey(user, market, collateralToken, isLong);
    }
}
