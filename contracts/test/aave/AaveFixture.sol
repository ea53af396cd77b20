// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Deploys the local world's Aave v3 market the way the Python deployer will (see the
// deployment order in src/aave/Pool.sol), with WETH9, USDC (6) and WBTC (8), Chainlink feeds
// at ETH $2000, USDC $1, BTC $60000, and helpers to act as users.

import {Test} from "../utils/Test.sol";
import {TestToken, WETH9} from "../../src/tokens/Tokens.sol";
import {PriceFeed} from "../../src/chainlink/PriceFeed.sol";
import {PoolAddressesProvider} from "../../src/aave/PoolAddressesProvider.sol";
import {Pool} from "../../src/aave/Pool.sol";
import {AaveOracle} from "../../src/aave/AaveOracle.sol";
import {AaveProtocolDataProvider} from "../../src/aave/AaveProtocolDataProvider.sol";
import {AToken} from "../../src/aave/AToken.sol";
import {VariableDebtToken} from "../../src/aave/VariableDebtToken.sol";
import {DefaultReserveInterestRateStrategy} from "../../src/aave/DefaultReserveInterestRateStrategy.sol";
import {IPool} from "../../src/aave/Interfaces.sol";

abstract contract AaveFixture is Test {
    uint256 internal constant RAY = 1e27;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant VARIABLE = 2;
    uint256 internal constant START_TIME = 1_700_000_000;

    PoolAddressesProvider internal provider;
    Pool internal pool;
    AaveOracle internal oracle;
    AaveProtocolDataProvider internal dataProvider;

    WETH9 internal weth;
    TestToken internal usdc;
    TestToken internal wbtc;
    PriceFeed internal ethFeed;
    PriceFeed internal usdcFeed;
    PriceFeed internal btcFeed;

    mapping(address => AToken) internal aTokenOf;
    mapping(address => VariableDebtToken) internal debtTokenOf;
    mapping(address => DefaultReserveInterestRateStrategy) internal strategyOf;

    address internal treasury = address(0x7EA5);
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    address internal liquidator = address(0x11D);

    function setUp() public virtual {
        vm.warp(START_TIME);
        weth = new WETH9();
        usdc = new TestToken("USD Coin", "USDC", 6);
        wbtc = new TestToken("Wrapped BTC", "WBTC", 8);
        ethFeed = new PriceFeed(8, "ETH / USD", 1, type(int192).max);
        usdcFeed = new PriceFeed(8, "USDC / USD", 1, type(int192).max);
        btcFeed = new PriceFeed(8, "BTC / USD", 1, type(int192).max);
        ethFeed.transmit(2000e8);
        usdcFeed.transmit(1e8);
        btcFeed.transmit(60_000e8);

        provider = new PoolAddressesProvider("Ballast Local", address(this));
        pool = new Pool(address(provider));
        provider.setPoolImpl(address(pool));

        address[] memory assets = new address[](3);
        address[] memory sources = new address[](3);
        (assets[0], assets[1], assets[2]) = (address(weth), address(usdc), address(wbtc));
        (sources[0], sources[1], sources[2]) = (address(ethFeed), address(usdcFeed), address(btcFeed));
        oracle = new AaveOracle(address(provider), assets, sources, address(0), address(0), 1e8);
        provider.setPriceOracle(address(oracle));

        dataProvider = new AaveProtocolDataProvider(address(provider));
        provider.setPoolDataProvider(address(dataProvider));

        _listReserve(address(weth), "WETH", 8000, 8250, 10500, 1500, 0.9e27, 0, 0.027e27, 0.8e27);
        _listReserve(address(usdc), "USDC", 7500, 7800, 10450, 1000, 0.9e27, 0, 0.06e27, 0.6e27);
        _listReserve(address(wbtc), "WBTC", 7300, 7800, 10500, 2000, 0.8e27, 0, 0.04e27, 3e27);
    }

    function _listReserve(
        address asset,
        string memory symbol,
        uint256 ltv,
        uint256 threshold,
        uint256 bonus,
        uint256 reserveFactor,
        uint256 optimal,
        uint256 base,
        uint256 slope1,
        uint256 slope2
    ) internal {
        AToken aToken = new AToken(
            IPool(address(pool)), asset, treasury, string.concat("Aave Local ", symbol), string.concat("aLoc", symbol)
        );
        VariableDebtToken debtToken = new VariableDebtToken(
            IPool(address(pool)),
            asset,
            string.concat("Aave Local Variable Debt ", symbol),
            string.concat("variableDebtLoc", symbol)
        );
        DefaultReserveInterestRateStrategy strategy =
            new DefaultReserveInterestRateStrategy(address(provider), optimal, base, slope1, slope2);
        pool.initReserve(asset, address(aToken), address(0), address(debtToken), address(strategy));
        pool.configureReserve(asset, ltv, threshold, bonus, reserveFactor, true);
        aTokenOf[asset] = aToken;
        debtTokenOf[asset] = debtToken;
        strategyOf[asset] = strategy;
    }

    /// Give `user` `amount` of `asset` (wrapping ether for WETH) and approve the pool.
    function _fund(address user, address asset, uint256 amount) internal {
        if (asset == address(weth)) {
            vm.deal(user, amount);
            vm.prank(user);
            weth.deposit{value: amount}();
        } else {
            TestToken(asset).mint(user, amount);
        }
        vm.prank(user);
        TestToken(asset).approve(address(pool), type(uint256).max);
    }

    function _supply(address user, address asset, uint256 amount) internal {
        _fund(user, asset, amount);
        vm.prank(user);
        pool.supply(asset, amount, user, 0);
    }

    function _borrow(address user, address asset, uint256 amount) internal {
        vm.prank(user);
        pool.borrow(asset, amount, VARIABLE, 0, user);
    }

    function _healthFactor(address user) internal view returns (uint256 healthFactor) {
        (,,,,, healthFactor) = pool.getUserAccountData(user);
    }

    function _isCollateral(address user, address asset) internal view returns (bool) {
        uint256 id = pool.getReserveData(asset).id;
        return (pool.getUserConfiguration(user).data >> (id * 2 + 1)) & 1 == 1;
    }

    function _isBorrowing(address user, address asset) internal view returns (bool) {
        uint256 id = pool.getReserveData(asset).id;
        return (pool.getUserConfiguration(user).data >> (id * 2)) & 1 == 1;
    }

    /// The reason Aave reverts with: its numeric string code, ABI-encoded as Error(string).
    function _code(string memory code) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("Error(string)", code);
    }
}
