// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// The reference contracts' selectors and event topics against the real Aave v3 signatures,
// copied as text from aave/aave-v3-core contracts/interfaces (IPool, IPoolDataProvider,
// IAaveOracle, IPriceOracleGetter, IPoolAddressesProvider, IAToken, IVariableDebtToken,
// IScaledBalanceToken, ICreditDelegationToken, IDefaultInterestRateStrategy). A renamed
// function, a reordered or retyped argument, or an enum turned into uint256 fails here.
// Functions are looked up on the final contract types (so inherited members count); events
// through the contract that declares them.

import {Test} from "../utils/Test.sol";
import {Pool} from "../../src/aave/Pool.sol";
import {PoolState} from "../../src/aave/PoolState.sol";
import {PoolLiquidation} from "../../src/aave/PoolLiquidation.sol";
import {AToken} from "../../src/aave/AToken.sol";
import {VariableDebtToken} from "../../src/aave/VariableDebtToken.sol";
import {ScaledBalanceToken} from "../../src/aave/ScaledBalanceToken.sol";
import {AaveOracle} from "../../src/aave/AaveOracle.sol";
import {AaveProtocolDataProvider} from "../../src/aave/AaveProtocolDataProvider.sol";
import {PoolAddressesProvider} from "../../src/aave/PoolAddressesProvider.sol";
import {DefaultReserveInterestRateStrategy} from "../../src/aave/DefaultReserveInterestRateStrategy.sol";

contract AaveSignaturesTest is Test {
    function _is(bytes4 selector, string memory signature) internal pure {
        assertEq(bytes32(selector), bytes32(bytes4(keccak256(bytes(signature)))), signature);
    }

    function _topic(bytes32 topic, string memory signature) internal pure {
        assertEq(topic, keccak256(bytes(signature)), signature);
    }

    function test_poolSelectors() public view {
        _is(Pool(address(0)).supply.selector, "supply(address,uint256,address,uint16)");
        _is(Pool(address(0)).deposit.selector, "deposit(address,uint256,address,uint16)");
        _is(Pool(address(0)).withdraw.selector, "withdraw(address,uint256,address)");
        _is(Pool(address(0)).borrow.selector, "borrow(address,uint256,uint256,uint16,address)");
        _is(Pool(address(0)).repay.selector, "repay(address,uint256,uint256,address)");
        _is(Pool(address(0)).repayWithATokens.selector, "repayWithATokens(address,uint256,uint256)");
        _is(Pool(address(0)).setUserUseReserveAsCollateral.selector, "setUserUseReserveAsCollateral(address,bool)");
        _is(Pool(address(0)).liquidationCall.selector, "liquidationCall(address,address,address,uint256,bool)");
        _is(Pool(address(0)).getUserAccountData.selector, "getUserAccountData(address)");
        _is(Pool(address(0)).getReserveData.selector, "getReserveData(address)");
        _is(Pool(address(0)).getConfiguration.selector, "getConfiguration(address)");
        _is(Pool(address(0)).getUserConfiguration.selector, "getUserConfiguration(address)");
        _is(Pool(address(0)).getReserveNormalizedIncome.selector, "getReserveNormalizedIncome(address)");
        _is(Pool(address(0)).getReserveNormalizedVariableDebt.selector, "getReserveNormalizedVariableDebt(address)");
        _is(Pool(address(0)).getReservesList.selector, "getReservesList()");
        _is(Pool(address(0)).getReserveAddressById.selector, "getReserveAddressById(uint16)");
        _is(Pool(address(0)).getUserEMode.selector, "getUserEMode(address)");
        _is(
            Pool(address(0)).finalizeTransfer.selector,
            "finalizeTransfer(address,address,address,uint256,uint256,uint256)"
        );
        _is(Pool(address(0)).mintToTreasury.selector, "mintToTreasury(address[])");
        _is(Pool(address(0)).ADDRESSES_PROVIDER.selector, "ADDRESSES_PROVIDER()");
        _is(Pool(address(0)).initReserve.selector, "initReserve(address,address,address,address,address)");
        _is(Pool(address(0)).setConfiguration.selector, "setConfiguration(address,(uint256))");
    }

    function test_poolEventTopics() public pure {
        _topic(Pool.Supply.selector, "Supply(address,address,address,uint256,uint16)");
        _topic(Pool.Withdraw.selector, "Withdraw(address,address,address,uint256)");
        _topic(Pool.Borrow.selector, "Borrow(address,address,address,uint256,uint8,uint256,uint16)");
        _topic(Pool.Repay.selector, "Repay(address,address,address,uint256,bool)");
        _topic(Pool.MintedToTreasury.selector, "MintedToTreasury(address,uint256)");
        _topic(
            PoolLiquidation.LiquidationCall.selector,
            "LiquidationCall(address,address,address,uint256,uint256,address,bool)"
        );
        _topic(PoolState.ReserveUsedAsCollateralEnabled.selector, "ReserveUsedAsCollateralEnabled(address,address)");
        _topic(PoolState.ReserveUsedAsCollateralDisabled.selector, "ReserveUsedAsCollateralDisabled(address,address)");
        _topic(
            PoolState.ReserveDataUpdated.selector, "ReserveDataUpdated(address,uint256,uint256,uint256,uint256,uint256)"
        );
    }

    function test_tokenSelectorsAndEvents() public view {
        _is(AToken(address(0)).mint.selector, "mint(address,address,uint256,uint256)");
        _is(AToken(address(0)).burn.selector, "burn(address,address,uint256,uint256)");
        _is(AToken(address(0)).mintToTreasury.selector, "mintToTreasury(uint256,uint256)");
        _is(AToken(address(0)).transferOnLiquidation.selector, "transferOnLiquidation(address,address,uint256)");
        _is(AToken(address(0)).transferUnderlyingTo.selector, "transferUnderlyingTo(address,uint256)");
        _is(AToken(address(0)).handleRepayment.selector, "handleRepayment(address,address,uint256)");
        _is(AToken(address(0)).RESERVE_TREASURY_ADDRESS.selector, "RESERVE_TREASURY_ADDRESS()");
        _is(AToken(address(0)).UNDERLYING_ASSET_ADDRESS.selector, "UNDERLYING_ASSET_ADDRESS()");
        _is(AToken(address(0)).POOL.selector, "POOL()");
        _is(AToken(address(0)).transfer.selector, "transfer(address,uint256)");
        _is(AToken(address(0)).transferFrom.selector, "transferFrom(address,address,uint256)");
        _is(AToken(address(0)).allowance.selector, "allowance(address,address)");
        _is(AToken(address(0)).balanceOf.selector, "balanceOf(address)");
        _is(AToken(address(0)).totalSupply.selector, "totalSupply()");
        _is(AToken(address(0)).scaledBalanceOf.selector, "scaledBalanceOf(address)");
        _is(AToken(address(0)).scaledTotalSupply.selector, "scaledTotalSupply()");
        _is(AToken(address(0)).getScaledUserBalanceAndSupply.selector, "getScaledUserBalanceAndSupply(address)");
        _is(AToken(address(0)).getPreviousIndex.selector, "getPreviousIndex(address)");
        _is(VariableDebtToken(address(0)).mint.selector, "mint(address,address,uint256,uint256)");
        _is(VariableDebtToken(address(0)).burn.selector, "burn(address,uint256,uint256)");
        _is(VariableDebtToken(address(0)).approveDelegation.selector, "approveDelegation(address,uint256)");
        _is(VariableDebtToken(address(0)).borrowAllowance.selector, "borrowAllowance(address,address)");
        _topic(AToken.BalanceTransfer.selector, "BalanceTransfer(address,address,uint256,uint256)");
        _topic(ScaledBalanceToken.Mint.selector, "Mint(address,address,uint256,uint256,uint256)");
        _topic(ScaledBalanceToken.Burn.selector, "Burn(address,address,uint256,uint256,uint256)");
        _topic(ScaledBalanceToken.Transfer.selector, "Transfer(address,address,uint256)");
        _topic(
            VariableDebtToken.BorrowAllowanceDelegated.selector,
            "BorrowAllowanceDelegated(address,address,address,uint256)"
        );
    }

    function test_oracleDataProviderAndProviderSelectors() public view {
        _is(AaveOracle(address(0)).getAssetPrice.selector, "getAssetPrice(address)");
        _is(AaveOracle(address(0)).getAssetsPrices.selector, "getAssetsPrices(address[])");
        _is(AaveOracle(address(0)).getSourceOfAsset.selector, "getSourceOfAsset(address)");
        _is(AaveOracle(address(0)).getFallbackOracle.selector, "getFallbackOracle()");
        _is(AaveOracle(address(0)).setAssetSources.selector, "setAssetSources(address[],address[])");
        _is(AaveOracle(address(0)).setFallbackOracle.selector, "setFallbackOracle(address)");
        _is(AaveOracle(address(0)).BASE_CURRENCY.selector, "BASE_CURRENCY()");
        _is(AaveOracle(address(0)).BASE_CURRENCY_UNIT.selector, "BASE_CURRENCY_UNIT()");
        _topic(AaveOracle.AssetSourceUpdated.selector, "AssetSourceUpdated(address,address)");
        _topic(AaveOracle.BaseCurrencySet.selector, "BaseCurrencySet(address,uint256)");
        _topic(AaveOracle.FallbackOracleUpdated.selector, "FallbackOracleUpdated(address)");

        _is(AaveProtocolDataProvider(address(0)).getUserReserveData.selector, "getUserReserveData(address,address)");
        _is(
            AaveProtocolDataProvider(address(0)).getReserveConfigurationData.selector,
            "getReserveConfigurationData(address)"
        );
        _is(AaveProtocolDataProvider(address(0)).getReserveData.selector, "getReserveData(address)");
        _is(
            AaveProtocolDataProvider(address(0)).getReserveTokensAddresses.selector,
            "getReserveTokensAddresses(address)"
        );
        _is(AaveProtocolDataProvider(address(0)).getAllReservesTokens.selector, "getAllReservesTokens()");
        _is(AaveProtocolDataProvider(address(0)).getAllATokens.selector, "getAllATokens()");
        _is(
            AaveProtocolDataProvider(address(0)).getInterestRateStrategyAddress.selector,
            "getInterestRateStrategyAddress(address)"
        );
        _is(AaveProtocolDataProvider(address(0)).getATokenTotalSupply.selector, "getATokenTotalSupply(address)");
        _is(AaveProtocolDataProvider(address(0)).getTotalDebt.selector, "getTotalDebt(address)");
        _is(AaveProtocolDataProvider(address(0)).getReserveCaps.selector, "getReserveCaps(address)");
        _is(AaveProtocolDataProvider(address(0)).getPaused.selector, "getPaused(address)");
        _is(AaveProtocolDataProvider(address(0)).getReserveEModeCategory.selector, "getReserveEModeCategory(address)");
        _is(
            AaveProtocolDataProvider(address(0)).getLiquidationProtocolFee.selector,
            "getLiquidationProtocolFee(address)"
        );
        _is(AaveProtocolDataProvider(address(0)).getDebtCeilingDecimals.selector, "getDebtCeilingDecimals()");

        _is(PoolAddressesProvider(address(0)).getPool.selector, "getPool()");
        _is(PoolAddressesProvider(address(0)).getPriceOracle.selector, "getPriceOracle()");
        _is(PoolAddressesProvider(address(0)).getPoolDataProvider.selector, "getPoolDataProvider()");
        _is(PoolAddressesProvider(address(0)).getMarketId.selector, "getMarketId()");
        _is(PoolAddressesProvider(address(0)).setMarketId.selector, "setMarketId(string)");
        _is(PoolAddressesProvider(address(0)).getAddress.selector, "getAddress(bytes32)");
        _is(PoolAddressesProvider(address(0)).setAddress.selector, "setAddress(bytes32,address)");
        _is(PoolAddressesProvider(address(0)).setPoolImpl.selector, "setPoolImpl(address)");
        _is(PoolAddressesProvider(address(0)).setPriceOracle.selector, "setPriceOracle(address)");
        _is(PoolAddressesProvider(address(0)).setPoolDataProvider.selector, "setPoolDataProvider(address)");
        _topic(PoolAddressesProvider.PoolUpdated.selector, "PoolUpdated(address,address)");
        _topic(PoolAddressesProvider.PriceOracleUpdated.selector, "PriceOracleUpdated(address,address)");
        _topic(PoolAddressesProvider.MarketIdSet.selector, "MarketIdSet(string,string)");

        _is(
            DefaultReserveInterestRateStrategy.calculateInterestRates.selector,
            "calculateInterestRates((uint256,uint256,uint256,uint256,uint256,uint256,uint256,address,address))"
        );
        _is(DefaultReserveInterestRateStrategy(address(0)).OPTIMAL_USAGE_RATIO.selector, "OPTIMAL_USAGE_RATIO()");
        _is(DefaultReserveInterestRateStrategy(address(0)).getVariableRateSlope1.selector, "getVariableRateSlope1()");
        _is(
            DefaultReserveInterestRateStrategy(address(0)).getMaxVariableBorrowRate.selector,
            "getMaxVariableBorrowRate()"
        );
    }
}
