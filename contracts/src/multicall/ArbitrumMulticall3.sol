// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Multicall3} from "./Multicall3.sol";

// Multicall3 as it behaves on Arbitrum, for the local world's "arbitrum" chain profile: it models
// ArbOS, where `block.number` inside a contract "will return a value close to (but not necessarily
// exactly) the L1 block number at which the sequencer received the transaction", while the L2
// block numbers the RPC serves are distinct and sequential (https://docs.arbitrum.io/time, "Block
// numbers: Arbitrum vs. Ethereum"; the L2 number is ArbSys(0x64).arbBlockNumber()). So on Arbitrum
// One getBlockNumber() answers about 2.4e7 while eth_blockNumber answers about 4e8.
//
// The L1-like number is Ethereum mainnet's block at this block's timestamp: the Merge's first
// proof-of-stake block, 15537394 at 2022-09-15 06:42:59 UTC (ethereum.org, "History of Ethereum",
// Paris), plus one block per 12-second slot since (missed slots ignored). Like ArbOS's, it rises in
// steps shared by many L2 blocks and has nothing to do with the RPC's block numbers. blockhash() of
// it is not an L2 block hash either (zero here, a pseudo-random hash on ArbOS).
// Written for Ballast; no code copied.
contract ArbitrumMulticall3 is Multicall3 {
    uint256 private constant MERGE_BLOCK = 15_537_394;
    uint256 private constant MERGE_TIMESTAMP = 1_663_224_179;
    uint256 private constant L1_SLOT_SECONDS = 12;

    function _blockNumber() internal view override returns (uint256) {
        if (block.timestamp < MERGE_TIMESTAMP) return MERGE_BLOCK;
        return MERGE_BLOCK + (block.timestamp - MERGE_TIMESTAMP) / L1_SLOT_SECONDS;
    }
}
