// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestToken} from "../../src/tokens/Tokens.sol";
import {UD60x18} from "../../src/premia/libraries/FixedPoint.sol";
import {IPoolFactory, IPoolFactoryEvents} from "../../src/premia/interfaces/IPoolFactory.sol";
import {IOracleAdapter, IFeedRegistry} from "../../src/premia/interfaces/IOracleAdapter.sol";
import {IVolatilityOracle} from "../../src/premia/interfaces/IVolatilityOracle.sol";
import {IERC20Router} from "../../src/premia/interfaces/IERC20Router.sol";
import {IPremiaPool, IPoolEvents} from "../../src/premia/interfaces/IPremiaPool.sol";
import {PoolBase} from "../../src/premia/PoolBase.sol";
import {PoolFactory} from "../../src/premia/PoolFactory.sol";
import {ERC20Router} from "../../src/premia/ERC20Router.sol";
import {PremiaFixture} from "./PremiaFixture.sol";

interface IGetVolatility {
    function getVolatility(address token, UD60x18 spot, UD60x18 strike, UD60x18 timeToMaturity)
        external
        view
        returns (UD60x18);
}

interface IGetVolatilities {
    function getVolatility(address token, UD60x18 spot, UD60x18[] memory strike, UD60x18[] memory timeToMaturity)
        external
        view
        returns (UD60x18[] memory);
}

contract PremiaFactoryTest is PremiaFixture {
    function test_getPoolAddressPredictsThenFindsTheDeployedPool() public {
        IPoolFactory.PoolKey memory k = _key(3000e18, MATURITY, true);
        (address predicted, bool deployedBefore) = factory.getPoolAddress(k);
        assertEq(deployedBefore, false, "not deployed yet");
        assertTrue(!factory.isPool(predicted), "not a pool yet");

        vm.expectEmit(true, true, false, true, address(factory));
        emit IPoolFactoryEvents.PoolDeployed(
            address(weth), address(usdc), address(adapter), _ud(3000e18), MATURITY, true, predicted
        );
        address deployed = factory.deployPool(k);

        assertEq(deployed, predicted, "deployed where predicted");
        (address found, bool deployedAfter) = factory.getPoolAddress(k);
        assertEq(found, deployed, "found");
        assertEq(deployedAfter, true, "deployed");
        assertTrue(factory.isPool(deployed), "isPool");
        (,,, UD60x18 strike, uint256 maturity, bool isCall) = IPremiaPool(deployed).getPoolSettings();
        assertEq(UD60x18.unwrap(strike), 3000e18, "strike round trip");
        assertEq(maturity, MATURITY, "maturity round trip");
        assertEq(isCall, true, "call round trip");
        assertEq(factory.poolCount(), 4, "listed after the fixture's three");
        assertEq(factory.poolAt(3), deployed, "in deployment order");
        assertEq(factory.getPools()[0], address(call3200), "first pool");
    }

    function test_deployPoolRefundsNativeValue() public {
        vm.deal(TAKER, 1 ether);
        vm.prank(TAKER);
        factory.deployPool{value: 1 ether}(_key(3100e18, MATURITY, false));
        assertEq(TAKER.balance, 1 ether, "refunded");
        assertEq(UD60x18.unwrap(factory.initializationFee(_key(3100e18, MATURITY, false))), 0, "no fee");
    }

    function test_deployingTwiceReverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(IPoolFactory.PoolFactory__PoolAlreadyDeployed.selector, address(call3200))
        );
        factory.deployPool(_key(3200e18, MATURITY, true));
    }

    function test_invalidKeysRevertWithRealErrors() public {
        _expectInvalid(
            _key(3250e18, MATURITY, true),
            abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionStrikeInvalid.selector, 3250e18, 100e18)
        );
        _expectInvalid(
            _key(0, MATURITY, true), abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionStrikeEqualsZero.selector)
        );
        _expectInvalid(
            _key(3000e18, NOW, true), abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionExpired.selector, NOW)
        );
        uint256 nineAm = NOW + 1 days + 1 hours;
        _expectInvalid(
            _key(3000e18, nineAm, true),
            abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionMaturityNot8UTC.selector, nineAm)
        );
        uint256 monday = NOW + 10 days;
        _expectInvalid(
            _key(3000e18, monday, true),
            abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionMaturityNotFriday.selector, monday)
        );
        uint256 notLastFriday = NOW + 63 days; // Fri 19 Mar 2027
        _expectInvalid(
            _key(3000e18, notLastFriday, true),
            abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionMaturityNotLastFriday.selector, notLastFriday)
        );
        uint256 tooFar = NOW + 378 days; // Fri 28 Jan 2028, a last Friday
        _expectInvalid(
            _key(3000e18, tooFar, true),
            abi.encodeWithSelector(IPoolFactory.PoolFactory__OptionMaturityExceedsMax.selector, tooFar)
        );
        IPoolFactory.PoolKey memory same = _key(3000e18, MATURITY, true);
        same.quote = address(weth);
        _expectInvalid(same, abi.encodeWithSelector(IPoolFactory.PoolFactory__IdenticalAddresses.selector));
        IPoolFactory.PoolKey memory noOracle = _key(3000e18, MATURITY, true);
        noOracle.oracleAdapter = address(0);
        _expectInvalid(noOracle, abi.encodeWithSelector(IPoolFactory.PoolFactory__ZeroAddress.selector));
    }

    function _expectInvalid(IPoolFactory.PoolKey memory k, bytes memory error_) internal {
        vm.expectRevert(error_);
        factory.deployPool(k);
        vm.expectRevert(error_);
        factory.getPoolAddress(k);
    }

    function test_validMaturities() public {
        factory.deployPool(_key(3000e18, NOW + 1 days, true)); // daily: Saturday is fine under 3 days
        factory.deployPool(_key(3000e18, NOW + 35 days, true)); // a Friday within 35 days
        factory.deployPool(_key(3000e18, NOW + 70 days, false)); // Fri 26 Mar 2027, last Friday
        factory.deployPool(_key(950e18, NOW + 70 days, false)); // strike grid 10 below 1000
        assertEq(factory.poolCount(), 7, "all deployed");
    }

    function test_pairWithoutFeedsCannotBeSupported() public {
        TestToken unknown = new TestToken("Unknown", "UNK", 18);
        IPoolFactory.PoolKey memory k = _key(3000e18, MATURITY, true);
        k.base = address(unknown);
        vm.expectRevert(
            abi.encodeWithSelector(
                IOracleAdapter.OracleAdapter__PairCannotBeSupported.selector, address(unknown), address(usdc)
            )
        );
        factory.deployPool(k);
    }

    function test_routerServesOnlyPools() public {
        vm.prank(TAKER);
        vm.expectRevert(IERC20Router.ERC20Router__NotAuthorized.selector);
        ERC20Router(router).safeTransferFrom(address(weth), WRITER, TAKER, 1);
    }

    function test_poolsCannotBeReinitialized() public {
        vm.expectRevert(PoolBase.Pool__AlreadyInitialized.selector);
        PoolBase(address(call3200)).initialize(_key(3000e18, MATURITY, true));
        PoolBase implementation = PoolBase(factory.POOL_IMPLEMENTATION());
        vm.expectRevert(PoolBase.Pool__AlreadyInitialized.selector);
        implementation.initialize(_key(3000e18, MATURITY, true));
    }

    function test_spreadIsOwnerSettableBelowOne() public {
        factory.setAmmSpread(_ud(0.1e18));
        assertEq(UD60x18.unwrap(factory.ammSpread()), 0.1e18, "spread");
        vm.expectRevert(abi.encodeWithSelector(PoolFactory.PoolFactory__SpreadTooLarge.selector, 1e18));
        factory.setAmmSpread(_ud(1e18));
        vm.prank(TAKER);
        vm.expectRevert();
        factory.setAmmSpread(_ud(0));
    }

    /// The real Premia v3 signatures these contracts mirror: UD60x18 is uint256 in the ABI.
    function test_selectorsAndTopicsMatchTheRealSignatures() public pure {
        _sel(IPoolFactory.deployPool.selector, "deployPool((address,address,address,uint256,uint256,bool))");
        _sel(IPoolFactory.getPoolAddress.selector, "getPoolAddress((address,address,address,uint256,uint256,bool))");
        _sel(IPoolFactory.isPool.selector, "isPool(address)");
        _sel(IPremiaPool.getPoolSettings.selector, "getPoolSettings()");
        _sel(IPremiaPool.getQuoteAMM.selector, "getQuoteAMM(address,uint256,bool)");
        _sel(IPremiaPool.trade.selector, "trade(uint256,bool,uint256,address)");
        _sel(IPremiaPool.exercise.selector, "exercise()");
        _sel(IPremiaPool.exerciseFor.selector, "exerciseFor(address[],uint256)");
        _sel(IPremiaPool.settle.selector, "settle()");
        _sel(IPremiaPool.settleFor.selector, "settleFor(address[],uint256)");
        _sel(IPremiaPool.annihilate.selector, "annihilate(uint256)");
        _sel(IPremiaPool.marketPrice.selector, "marketPrice()");
        _sel(IPremiaPool.takerFee.selector, "takerFee(address,uint256,uint256,bool,bool)");
        _sel(IPremiaPool.getSettlementPrice.selector, "getSettlementPrice()");
        _sel(IPremiaPool.tryCacheSettlementPrice.selector, "tryCacheSettlementPrice()");
        _sel(IPremiaPool.accountsByToken.selector, "accountsByToken(uint256)");
        _sel(IOracleAdapter.getPrice.selector, "getPrice(address,address)");
        _sel(IOracleAdapter.getPriceAt.selector, "getPriceAt(address,address,uint256)");
        _sel(IOracleAdapter.upsertPair.selector, "upsertPair(address,address)");
        _sel(IFeedRegistry.batchRegisterFeedMappings.selector, "batchRegisterFeedMappings((address,address,address)[])");
        _sel(IVolatilityOracle.getRiskFreeRate.selector, "getRiskFreeRate()");
        assertEq(
            IPoolFactoryEvents.PoolDeployed.selector,
            keccak256("PoolDeployed(address,address,address,uint256,uint256,bool,address)"),
            "PoolDeployed topic"
        );
        assertEq(
            IPoolEvents.Trade.selector,
            keccak256(
                "Trade(address,uint256,(int256,int256,int256),uint256,uint256,uint256,uint256,uint256,uint256,uint256,bool)"
            ),
            "Trade topic"
        );
        assertEq(
            IPoolEvents.Exercise.selector,
            keccak256("Exercise(address,address,uint256,uint256,uint256,uint256,uint256)"),
            "Exercise topic"
        );
        assertEq(
            IPoolEvents.Settle.selector,
            keccak256("Settle(address,address,uint256,uint256,uint256,uint256,uint256)"),
            "Settle topic"
        );
    }

    /// Overloads cannot be named by selector in Solidity: call the oracle through one-function
    /// interfaces declaring each real signature instead.
    function test_volatilityOracleOverloadsMatchTheRealSignatures() public view {
        _sel(IGetVolatility.getVolatility.selector, "getVolatility(address,uint256,uint256,uint256)");
        _sel(IGetVolatilities.getVolatility.selector, "getVolatility(address,uint256,uint256[],uint256[])");
        UD60x18 vol = IGetVolatility(address(volatilityOracle)).getVolatility(
            address(weth), _ud(3000e18), _ud(3200e18), _ud(0.1e18)
        );
        assertEq(UD60x18.unwrap(vol), ETH_VOL, "single");
        UD60x18[] memory strikes = new UD60x18[](2);
        UD60x18[] memory times = new UD60x18[](2);
        (strikes[0], strikes[1], times[0], times[1]) = (_ud(2800e18), _ud(3200e18), _ud(0.1e18), _ud(0.5e18));
        UD60x18[] memory vols =
            IGetVolatilities(address(volatilityOracle)).getVolatility(address(weth), _ud(3000e18), strikes, times);
        assertEq(UD60x18.unwrap(vols[1]), ETH_VOL, "batch");
    }

    function _sel(bytes4 actual, string memory signature) internal pure {
        assertEq(bytes32(actual), bytes32(bytes4(keccak256(bytes(signature)))), signature);
    }
}
