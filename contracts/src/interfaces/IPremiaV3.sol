// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Transcribed subsets of the Premia v3 interfaces the Ballast connector calls, from
/// Premian-Labs/v3-contracts (rev fe3b821ab87a0b98cb6f1142134e2ddaadbc4c4d):
///   contracts/pool/IPoolTrade.sol     getQuoteAMM, trade
///   contracts/pool/IPoolCore.sol      getPoolSettings, marketPrice, exercise, settle, exerciseFor,
///                                     settleFor, getSettlementPrice, getTokenIds
///   contracts/pool/IPoolBase.sol      name, ERC1155 balanceOf/balanceOfBatch (solidstate), and the
///                                     enumerable accountsByToken/tokensByAccount/totalSupply
///   contracts/pool/IPoolEvents.sol    Trade, Exercise, Settle
///   contracts/pool/IPoolInternal.sol  the errors a trade or a settlement fails with
///   contracts/factory/IPoolFactory.sol PoolKey, getPoolAddress, isPool, PoolDeployed
///   contracts/adapter/IOracleAdapter.sol getPrice, getPriceAt
///   contracts/oracle/IVolatilityOracle.sol getVolatility, getRiskFreeRate
/// UD60x18 and SD59x18 (prb-math) are uint256 / int256 in the ABI; token ids: SHORT = 0, LONG = 1.

interface IPremiaV3Pool {
    struct Delta {
        int256 collateral;
        int256 longs;
        int256 shorts;
    }

    error Pool__AboveMaxSlippage(uint256 value, uint256 minimum, uint256 maximum);
    error Pool__CostExceedsPayout(uint256 cost, uint256 payout);
    error Pool__CostNotAuthorized(uint256 costInWrappedNative, uint256 authorizedCostInWrappedNative);
    error Pool__InsufficientAskLiquidity();
    error Pool__InsufficientBidLiquidity();
    error Pool__InsufficientFunds();
    error Pool__OptionExpired();
    error Pool__OptionNotExpired();
    error Pool__SettlementFailed();
    error Pool__ZeroSize();

    event Trade(
        address indexed user,
        uint256 contractSize,
        Delta delta,
        uint256 premium,
        uint256 takerFee,
        uint256 protocolFee,
        uint256 marketPrice,
        uint256 liquidityRate,
        uint256 currentTick,
        uint256 totalReferralRebate,
        bool isBuy
    );
    event Exercise(
        address indexed operator,
        address indexed holder,
        uint256 contractSize,
        uint256 exerciseValue,
        uint256 settlementPrice,
        uint256 fee,
        uint256 operatorCost
    );
    event Settle(
        address indexed operator,
        address indexed holder,
        uint256 contractSize,
        uint256 exerciseValue,
        uint256 settlementPrice,
        uint256 fee,
        uint256 operatorCost
    );

    function name() external view returns (string memory);
    function getPoolSettings()
        external
        view
        returns (address base, address quote, address oracleAdapter, uint256 strike, uint256 maturity, bool isCallPool);
    function marketPrice() external view returns (uint256);
    function getQuoteAMM(address taker, uint256 size, bool isBuy)
        external
        view
        returns (uint256 premiumNet, uint256 takerFee);
    function trade(uint256 size, bool isBuy, uint256 premiumLimit, address referrer)
        external
        returns (uint256 totalPremium, Delta memory delta);
    function exercise() external returns (uint256 exerciseValue, uint256 exerciseFee);
    function exerciseFor(address[] calldata holders, uint256 costPerHolder)
        external
        returns (uint256[] memory exerciseValues, uint256[] memory exerciseFees);
    function settle() external returns (uint256 collateral);
    function settleFor(address[] calldata holders, uint256 costPerHolder) external returns (uint256[] memory);
    function getSettlementPrice() external view returns (uint256);
    function getTokenIds() external view returns (uint256[] memory);
    function balanceOf(address account, uint256 id) external view returns (uint256);
    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids)
        external
        view
        returns (uint256[] memory);
    function totalSupply(uint256 id) external view returns (uint256);
    function accountsByToken(uint256 id) external view returns (address[] memory);
    function tokensByAccount(address account) external view returns (uint256[] memory);
}

interface IPremiaV3PoolFactory {
    struct PoolKey {
        address base;
        address quote;
        address oracleAdapter;
        uint256 strike;
        uint256 maturity;
        bool isCallPool;
    }

    event PoolDeployed(
        address indexed base,
        address indexed quote,
        address oracleAdapter,
        uint256 strike,
        uint256 maturity,
        bool isCallPool,
        address poolAddress
    );

    function isPool(address contractAddress) external view returns (bool);
    function getPoolAddress(PoolKey calldata k) external view returns (address pool, bool isDeployed);
}

interface IPremiaV3OracleAdapter {
    function getPrice(address tokenIn, address tokenOut) external view returns (uint256);
    function getPriceAt(address tokenIn, address tokenOut, uint256 target) external view returns (uint256);
}

interface IPremiaV3VolatilityOracle {
    function getVolatility(address token, uint256 spot, uint256 strike, uint256 timeToMaturity)
        external
        view
        returns (uint256);
    function getRiskFreeRate() external view returns (uint256);
}
