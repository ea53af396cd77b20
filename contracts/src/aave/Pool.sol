// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Aave v3 Pool of the local world: supply, borrow (variable rate), repay, withdraw,
// collateral flags, health factor and liquidations, with Aave v3.0/v3.1 semantics.
// Split over three files: Pool.sol (this, the user and admin entry points), PoolLiquidation.sol
// (liquidationCall) and PoolState.sol (storage, index accrual, rates, account data).
//
// Mirrors, with identical selectors, argument order, return tuples, struct layouts and events:
//   aave/aave-v3-core, contracts/interfaces/IPool.sol and
//   aave-dao/aave-v3-origin (v3.1.0), src/core/contracts/interfaces/IPool.sol
//     supply(address,uint256,address,uint16)
//     deposit(address,uint256,address,uint16)                         (deprecated alias of supply)
//     withdraw(address,uint256,address) returns (uint256)
//     borrow(address,uint256,uint256,uint16,address)
//     repay(address,uint256,uint256,address) returns (uint256)
//     repayWithATokens(address,uint256,uint256) returns (uint256)
//     setUserUseReserveAsCollateral(address,bool)
//     liquidationCall(address,address,address,uint256,bool)          (PoolLiquidation.sol)
//     getUserAccountData(address) returns (uint256,uint256,uint256,uint256,uint256,uint256)
//     getReserveData(address) returns (DataTypes.ReserveDataLegacy)
//     getConfiguration(address) returns (DataTypes.ReserveConfigurationMap)
//     getUserConfiguration(address) returns (DataTypes.UserConfigurationMap)
//     getReserveNormalizedIncome(address) returns (uint256)
//     getReserveNormalizedVariableDebt(address) returns (uint256)
//     getReservesList() returns (address[])
//     getReserveAddressById(uint16) returns (address)
//     getUserEMode(address) returns (uint256)                         (always 0: no eMode)
//     finalizeTransfer(address,address,address,uint256,uint256,uint256)
//     mintToTreasury(address[])
//     ADDRESSES_PROVIDER() returns (address)
//     initReserve(address,address,address,address,address)           (admin, see below)
//     setConfiguration(address,(uint256))                            (admin, see below)
//   events Supply, Withdraw, Borrow, Repay, LiquidationCall, ReserveUsedAsCollateralEnabled,
//     ReserveUsedAsCollateralDisabled, ReserveDataUpdated, MintedToTreasury (same signatures).
// Rules follow aave-v3-core's SupplyLogic, BorrowLogic, LiquidationLogic, GenericLogic,
// ValidationLogic and ReserveLogic: indexes accrue with block.timestamp on every action
// (liquidity index linear, variable borrow index compounded with MathUtils' 3-term
// approximation), rates are recomputed after every action, the reserve factor accrues to
// the treasury, health factor = sum(collateral x LT) / debt in WAD, liquidation allowed below
// 1e18 with a 50% close factor while HF > 0.95e18 (CLOSE_FACTOR_HF_THRESHOLD) and 100% at or
// below it (the real comparison is strict: HF == 0.95e18 exactly already allows 100%).
// Errors: Aave's v3.0-v3.3 string codes (see Errors.sol), e.g. revert("35").
//
// Deviations from real Aave (compact reference, same client-visible behaviour otherwise):
//   - Not upgradeable: a plain contract, constructed with the addresses provider.
//   - Variable rate only. Stable mode (1) reverts with STABLE_BORROWING_NOT_ENABLED ('31'),
//     which is what v3.0/v3.1 markets do since stable borrowing is disabled everywhere;
//     stableDebtTokenAddress and currentStableBorrowRate are 0, as v3.2 reports them.
//   - No eMode, isolation mode, siloed borrowing, caps, flash loans, portals (unbacked),
//     price oracle sentinel, permit variants, swapBorrowRateMode or rebalanceStableBorrowRate.
//   - No liquidation protocol fee: the whole bonus goes to the liquidator.
//   - Borrowing more than the aToken holds fails with INVALID_AMOUNT ('26') as in v3.1.
//   - Admin: the deployer (not an ACLManager/PoolConfigurator) calls initReserve and
//     setConfiguration (real signatures, restricted to the configurator in real Aave) and
//     configureReserve, a helper that is NOT part of the real interface (it stands in for
//     PoolConfigurator.configureReserveAsCollateral / setReserveBorrowing / setReserveFactor).
//
// Deployment order (the Python deployer follows it; `deployer` is the admin everywhere):
//   1. provider = PoolAddressesProvider(marketId, deployer)
//   2. pool = Pool(provider);                       provider.setPoolImpl(pool)
//   3. oracle = AaveOracle(provider, assets, chainlinkFeeds, address(0), address(0), 1e8)
//                                                   provider.setPriceOracle(oracle)
//   4. dataProvider = AaveProtocolDataProvider(provider); provider.setPoolDataProvider(dataProvider)
//   5. per reserve (WETH, USDC, WBTC):
//        aToken   = AToken(pool, asset, treasury, "Aave Ethereum WETH", "aEthWETH")
//        debt     = VariableDebtToken(pool, asset, "Aave Ethereum Variable Debt WETH", "variableDebtEthWETH")
//        strategy = DefaultReserveInterestRateStrategy(provider, optimalUsageRatio, base, slope1, slope2)  (ray)
//        pool.initReserve(asset, aToken, address(0), debt, strategy)   // sets decimals + active
//        pool.configureReserve(asset, ltv, liquidationThreshold, liquidationBonus, reserveFactor, true)
//      with (basis points)  WETH  18 dec: 8000, 8250, 10500, reserveFactor 1500
//                           USDC   6 dec: 7500, 7800, 10450, reserveFactor 1000
//                           WBTC   8 dec: 7300, 7800, 10500, reserveFactor 2000
//      and rate strategies close to Aave v3 Ethereum's (ray: optimal, base, slope1, slope2)
//                           WETH  0.90e27, 0, 0.027e27, 0.80e27
//                           USDC  0.90e27, 0, 0.060e27, 0.60e27
//                           WBTC  0.80e27, 0, 0.040e27, 3.00e27
//   Prices come from the Chainlink feeds (USD, 8 decimals) through the oracle; `treasury` is any
//   address that should receive the reserve factor's aTokens (Pool.mintToTreasury).

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {DataTypes} from "./DataTypes.sol";
import {PoolState} from "./PoolState.sol";
import {PoolLiquidation} from "./PoolLiquidation.sol";
import {Errors} from "./Errors.sol";
import {WadRayMath, PercentageMath} from "./Math.sol";
import {ReserveConfiguration, UserConfiguration} from "./ReserveConfiguration.sol";
import {IScaledBalanceToken, IAToken, IVariableDebtToken} from "./Interfaces.sol";

contract Pool is PoolLiquidation {
    using WadRayMath for uint256;
    using PercentageMath for uint256;
    using SafeERC20 for IERC20;
    using ReserveConfiguration for DataTypes.ReserveConfigurationMap;
    using UserConfiguration for DataTypes.UserConfigurationMap;

    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
    event Borrow(
        address indexed reserve,
        address user,
        address indexed onBehalfOf,
        uint256 amount,
        DataTypes.InterestRateMode interestRateMode,
        uint256 borrowRate,
        uint16 indexed referralCode
    );
    event Repay(
        address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens
    );
    event MintedToTreasury(address indexed reserve, uint256 amountMinted);

    address private immutable _admin;

    /// The deployer becomes the admin of reserve listing and configuration.
    constructor(address provider) PoolState(provider) {
        _admin = msg.sender;
    }

    modifier onlyAdmin() {
        require(msg.sender == _admin, Errors.CALLER_NOT_POOL_ADMIN);
        _;
    }

    // ---------------------------------------------------------------- user actions

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) public {
        DataTypes.ReserveDataLegacy storage reserve = _usableReserve(asset);
        require(amount != 0, Errors.INVALID_AMOUNT);
        require(!reserve.configuration.getFrozen(), Errors.RESERVE_FROZEN);
        _updateState(reserve);
        IERC20(asset).safeTransferFrom(msg.sender, reserve.aTokenAddress, amount);
        bool isFirstSupply = IAToken(reserve.aTokenAddress).mint(msg.sender, onBehalfOf, amount, reserve.liquidityIndex);
        _updateInterestRates(asset, reserve);
        if (isFirstSupply && reserve.configuration.getLtv() != 0) {
            _usersConfig[onBehalfOf].setUsingAsCollateral(reserve.id, true);
            emit ReserveUsedAsCollateralEnabled(asset, onBehalfOf);
        }
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    /// Deprecated name of supply, kept by real Aave v3 for v2 clients.
    function deposit(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        supply(asset, amount, onBehalfOf, referralCode);
    }

    function withdraw(address asset, uint256 amount, address to) external returns (uint256) {
        DataTypes.ReserveDataLegacy storage reserve = _usableReserve(asset);
        _updateState(reserve);
        uint256 userBalance =
            IScaledBalanceToken(reserve.aTokenAddress).scaledBalanceOf(msg.sender).rayMul(reserve.liquidityIndex);
        uint256 amountToWithdraw = amount == type(uint256).max ? userBalance : amount;
        require(amountToWithdraw != 0, Errors.INVALID_AMOUNT);
        require(amountToWithdraw <= userBalance, Errors.NOT_ENOUGH_AVAILABLE_USER_BALANCE);

        DataTypes.UserConfigurationMap storage userConfig = _usersConfig[msg.sender];
        bool isCollateral = userConfig.isUsingAsCollateral(reserve.id);
        if (isCollateral && amountToWithdraw == userBalance) {
            userConfig.setUsingAsCollateral(reserve.id, false);
            emit ReserveUsedAsCollateralDisabled(asset, msg.sender);
        }
        IAToken(reserve.aTokenAddress).burn(msg.sender, to, amountToWithdraw, reserve.liquidityIndex);
        _updateInterestRates(asset, reserve);
        if (isCollateral && userConfig.isBorrowingAny()) _validateHealthFactorAndLtv(asset, msg.sender);
        emit Withdraw(asset, msg.sender, to, amountToWithdraw);
        return amountToWithdraw;
    }

    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
    {
        DataTypes.ReserveDataLegacy storage reserve = _usableReserve(asset);
        _updateState(reserve);
        _validateBorrow(asset, reserve, amount, interestRateMode, onBehalfOf);
        (bool isFirstBorrowing,) = IVariableDebtToken(reserve.variableDebtTokenAddress)
            .mint(msg.sender, onBehalfOf, amount, reserve.variableBorrowIndex);
        if (isFirstBorrowing) _usersConfig[onBehalfOf].setBorrowing(reserve.id, true);
        IAToken(reserve.aTokenAddress).transferUnderlyingTo(msg.sender, amount);
        _updateInterestRates(asset, reserve);
        emit Borrow(
            asset,
            msg.sender,
            onBehalfOf,
            amount,
            DataTypes.InterestRateMode.VARIABLE,
            reserve.currentVariableBorrowRate,
            referralCode
        );
    }

    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256)
    {
        return _repay(asset, amount, interestRateMode, onBehalfOf, false);
    }

    function repayWithATokens(address asset, uint256 amount, uint256 interestRateMode) external returns (uint256) {
        return _repay(asset, amount, interestRateMode, msg.sender, true);
    }

    function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external {
        DataTypes.ReserveDataLegacy storage reserve = _usableReserve(asset);
        require(
            IScaledBalanceToken(reserve.aTokenAddress).scaledBalanceOf(msg.sender) != 0, Errors.UNDERLYING_BALANCE_ZERO
        );
        DataTypes.UserConfigurationMap storage userConfig = _usersConfig[msg.sender];
        if (useAsCollateral == userConfig.isUsingAsCollateral(reserve.id)) return;
        if (useAsCollateral) {
            require(reserve.configuration.getLtv() != 0, Errors.USER_IN_ISOLATION_MODE_OR_LTV_ZERO);
            userConfig.setUsingAsCollateral(reserve.id, true);
            emit ReserveUsedAsCollateralEnabled(asset, msg.sender);
        } else {
            userConfig.setUsingAsCollateral(reserve.id, false);
            _validateHealthFactorAndLtv(asset, msg.sender);
            emit ReserveUsedAsCollateralDisabled(asset, msg.sender);
        }
    }

    /// Called by an aToken after it moved balances: checks the sender stays healthy and moves
    /// the collateral flags (SupplyLogic.executeFinalizeTransfer).
    function finalizeTransfer(
        address asset,
        address from,
        address to,
        uint256 amount,
        uint256 balanceFromBefore,
        uint256 balanceToBefore
    ) external {
        DataTypes.ReserveDataLegacy storage reserve = _reserves[asset];
        require(msg.sender == reserve.aTokenAddress, Errors.CALLER_NOT_ATOKEN);
        require(!reserve.configuration.getPaused(), Errors.RESERVE_PAUSED);
        if (from == to || amount == 0) return;
        DataTypes.UserConfigurationMap storage fromConfig = _usersConfig[from];
        if (fromConfig.isUsingAsCollateral(reserve.id)) {
            if (fromConfig.isBorrowingAny()) _validateHealthFactorAndLtv(asset, from);
            if (balanceFromBefore == amount) {
                fromConfig.setUsingAsCollateral(reserve.id, false);
                emit ReserveUsedAsCollateralDisabled(asset, from);
            }
        }
        if (balanceToBefore == 0 && reserve.configuration.getLtv() != 0) {
            DataTypes.UserConfigurationMap storage toConfig = _usersConfig[to];
            if (!toConfig.isUsingAsCollateral(reserve.id)) {
                toConfig.setUsingAsCollateral(reserve.id, true);
                emit ReserveUsedAsCollateralEnabled(asset, to);
            }
        }
    }

    /// Mint the reserve factor's accrued share of interest to each reserve's treasury as aTokens.
    function mintToTreasury(address[] calldata assets) external {
        for (uint256 i = 0; i < assets.length; i++) {
            DataTypes.ReserveDataLegacy storage reserve = _reserves[assets[i]];
            if (!reserve.configuration.getActive()) continue;
            uint256 accrued = reserve.accruedToTreasury;
            if (accrued == 0) continue;
            reserve.accruedToTreasury = 0;
            uint256 normalizedIncome = _normalizedIncome(reserve);
            uint256 amountToMint = accrued.rayMul(normalizedIncome);
            IAToken(reserve.aTokenAddress).mintToTreasury(amountToMint, normalizedIncome);
            emit MintedToTreasury(assets[i], amountToMint);
        }
    }

    // ---------------------------------------------------------------- views

    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        )
    {
        AccountData memory account = _accountData(user);
        uint256 borrowable = account.totalCollateralBase.percentMul(account.ltv);
        availableBorrowsBase = borrowable > account.totalDebtBase ? borrowable - account.totalDebtBase : 0;
        return (
            account.totalCollateralBase,
            account.totalDebtBase,
            availableBorrowsBase,
            account.liquidationThreshold,
            account.ltv,
            account.healthFactor
        );
    }

    function getReserveData(address asset) external view returns (DataTypes.ReserveDataLegacy memory) {
        return _reserves[asset];
    }

    function getConfiguration(address asset) external view returns (DataTypes.ReserveConfigurationMap memory) {
        return _reserves[asset].configuration;
    }

    function getUserConfiguration(address user) external view returns (DataTypes.UserConfigurationMap memory) {
        return _usersConfig[user];
    }

    function getReserveNormalizedIncome(address asset) external view returns (uint256) {
        return _normalizedIncome(_reserves[asset]);
    }

    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256) {
        return _normalizedDebt(_reserves[asset]);
    }

    function getReservesList() external view returns (address[] memory reserves) {
        reserves = new address[](_reservesCount);
        for (uint256 i = 0; i < reserves.length; i++) {
            reserves[i] = _reservesList[i];
        }
    }

    function getReserveAddressById(uint16 id) external view returns (address) {
        return _reservesList[id];
    }

    /// No eMode in this market: every user is in category 0.
    function getUserEMode(address) external pure returns (uint256) {
        return 0;
    }

    // ---------------------------------------------------------------- admin (deployer)

    /// Real signature (PoolConfigurator-only there). Lists `asset` with its tokens and rate
    /// strategy, active, with the asset's decimals; pass address(0) as the stable debt token.
    function initReserve(
        address asset,
        address aTokenAddress,
        address stableDebtAddress,
        address variableDebtAddress,
        address interestRateStrategyAddress
    ) external onlyAdmin {
        DataTypes.ReserveDataLegacy storage reserve = _reserves[asset];
        require(asset != address(0) && aTokenAddress != address(0), Errors.ZERO_ADDRESS_NOT_VALID);
        require(reserve.aTokenAddress == address(0), Errors.RESERVE_ALREADY_INITIALIZED);
        require(_reservesCount < MAX_RESERVES_COUNT, Errors.NO_MORE_RESERVES_ALLOWED);
        reserve.liquidityIndex = uint128(WadRayMath.RAY);
        reserve.variableBorrowIndex = uint128(WadRayMath.RAY);
        reserve.aTokenAddress = aTokenAddress;
        reserve.stableDebtTokenAddress = stableDebtAddress;
        reserve.variableDebtTokenAddress = variableDebtAddress;
        reserve.interestRateStrategyAddress = interestRateStrategyAddress;
        // Real initReserve leaves the timestamp at 0; starting it now changes nothing (rates are 0).
        reserve.lastUpdateTimestamp = uint40(block.timestamp);
        reserve.id = _reservesCount;
        _reservesList[_reservesCount] = asset;
        _reservesCount += 1;

        DataTypes.ReserveConfigurationMap memory configuration = reserve.configuration;
        configuration.setDecimals(IERC20Metadata(asset).decimals());
        configuration.setActive(true);
        reserve.configuration = configuration;
    }

    /// Real signature (PoolConfigurator-only there): overwrite the whole configuration bitmap.
    function setConfiguration(address asset, DataTypes.ReserveConfigurationMap calldata configuration)
        external
        onlyAdmin
    {
        DataTypes.ReserveDataLegacy storage reserve = _listedReserve(asset);
        _updateState(reserve);
        reserve.configuration = configuration;
        _updateInterestRates(asset, reserve);
    }

    /// NOT part of the real IPool: the deployer's stand-in for PoolConfigurator's
    /// configureReserveAsCollateral + setReserveBorrowing + setReserveFactor.
    /// Percentages in basis points: ltv 8000 = 80%, liquidationBonus 10500 = 5% bonus.
    function configureReserve(
        address asset,
        uint256 ltv,
        uint256 liquidationThreshold,
        uint256 liquidationBonus,
        uint256 reserveFactor,
        bool borrowingEnabled
    ) external onlyAdmin {
        // PoolConfigurator.configureReserveAsCollateral's validation.
        require(ltv <= liquidationThreshold, Errors.INVALID_RESERVE_PARAMS);
        if (liquidationThreshold != 0) {
            require(liquidationBonus > PercentageMath.PERCENTAGE_FACTOR, Errors.INVALID_RESERVE_PARAMS);
            require(
                liquidationThreshold.percentMul(liquidationBonus) <= PercentageMath.PERCENTAGE_FACTOR,
                Errors.INVALID_RESERVE_PARAMS
            );
        } else {
            require(liquidationBonus == 0, Errors.INVALID_RESERVE_PARAMS);
        }
        require(reserveFactor <= PercentageMath.PERCENTAGE_FACTOR, Errors.INVALID_RESERVE_FACTOR);

        DataTypes.ReserveDataLegacy storage reserve = _listedReserve(asset);
        _updateState(reserve);
        DataTypes.ReserveConfigurationMap memory configuration = reserve.configuration;
        configuration.setLtv(ltv);
        configuration.setLiquidationThreshold(liquidationThreshold);
        configuration.setLiquidationBonus(liquidationBonus);
        configuration.setReserveFactor(reserveFactor);
        configuration.setBorrowingEnabled(borrowingEnabled);
        reserve.configuration = configuration;
        _updateInterestRates(asset, reserve);
    }

    // ---------------------------------------------------------------- internals: actions

    function _repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf, bool useATokens)
        private
        returns (uint256)
    {
        DataTypes.ReserveDataLegacy storage reserve = _usableReserve(asset);
        _updateState(reserve);
        uint256 variableDebt = IERC20(reserve.variableDebtTokenAddress).balanceOf(onBehalfOf);
        require(amount != 0, Errors.INVALID_AMOUNT);
        require(amount != type(uint256).max || msg.sender == onBehalfOf, Errors.NO_EXPLICIT_AMOUNT_TO_REPAY_ON_BEHALF);
        require(
            variableDebt != 0 && interestRateMode == uint256(DataTypes.InterestRateMode.VARIABLE),
            Errors.NO_DEBT_OF_SELECTED_TYPE
        );

        // With aTokens, "max" means as much as the repayer's aTokens cover, leaving no dust.
        if (useATokens && amount == type(uint256).max) {
            amount = IERC20(reserve.aTokenAddress).balanceOf(msg.sender);
        }
        uint256 paybackAmount = amount < variableDebt ? amount : variableDebt;

        IVariableDebtToken(reserve.variableDebtTokenAddress)
            .burn(onBehalfOf, paybackAmount, reserve.variableBorrowIndex);
        DataTypes.UserConfigurationMap storage userConfig = _usersConfig[onBehalfOf];
        if (variableDebt == paybackAmount) userConfig.setBorrowing(reserve.id, false);

        if (useATokens) {
            IAToken(reserve.aTokenAddress)
                .burn(msg.sender, reserve.aTokenAddress, paybackAmount, reserve.liquidityIndex);
            if (
                IScaledBalanceToken(reserve.aTokenAddress).scaledBalanceOf(msg.sender) == 0
                    && userConfig.isUsingAsCollateral(reserve.id)
            ) {
                userConfig.setUsingAsCollateral(reserve.id, false);
                emit ReserveUsedAsCollateralDisabled(asset, msg.sender);
            }
        } else {
            IERC20(asset).safeTransferFrom(msg.sender, reserve.aTokenAddress, paybackAmount);
            IAToken(reserve.aTokenAddress).handleRepayment(msg.sender, onBehalfOf, paybackAmount);
        }
        _updateInterestRates(asset, reserve);
        emit Repay(asset, onBehalfOf, msg.sender, paybackAmount, useATokens);
        return paybackAmount;
    }

    /// ValidationLogic.validateBorrow, in the real order of checks, minus caps/eMode/isolation.
    function _validateBorrow(
        address asset,
        DataTypes.ReserveDataLegacy storage reserve,
        uint256 amount,
        uint256 interestRateMode,
        address onBehalfOf
    ) private view {
        DataTypes.ReserveConfigurationMap memory configuration = reserve.configuration;
        require(amount != 0, Errors.INVALID_AMOUNT);
        require(!configuration.getFrozen(), Errors.RESERVE_FROZEN);
        require(configuration.getBorrowingEnabled(), Errors.BORROWING_NOT_ENABLED);
        require(amount <= IERC20(asset).balanceOf(reserve.aTokenAddress), Errors.INVALID_AMOUNT);
        require(
            interestRateMode == uint256(DataTypes.InterestRateMode.VARIABLE)
                || interestRateMode == uint256(DataTypes.InterestRateMode.STABLE),
            Errors.INVALID_INTEREST_RATE_MODE_SELECTED
        );

        AccountData memory account = _accountData(onBehalfOf);
        require(account.totalCollateralBase != 0, Errors.COLLATERAL_BALANCE_IS_ZERO);
        require(account.ltv != 0, Errors.LTV_VALIDATION_FAILED);
        require(
            account.healthFactor > HEALTH_FACTOR_LIQUIDATION_THRESHOLD,
            Errors.HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD
        );
        uint256 amountInBase = (_oracle().getAssetPrice(asset) * amount) / 10 ** configuration.getDecimals();
        uint256 collateralNeeded = (account.totalDebtBase + amountInBase).percentDiv(account.ltv);
        require(collateralNeeded <= account.totalCollateralBase, Errors.COLLATERAL_CANNOT_COVER_NEW_BORROW);

        // Stable borrowing is disabled on every reserve of this market (as on v3.0/v3.1 mainnets),
        // whatever bit 59 of the configuration says: there is no stable debt token.
        require(interestRateMode == uint256(DataTypes.InterestRateMode.VARIABLE), Errors.STABLE_BORROWING_NOT_ENABLED);
    }
}
