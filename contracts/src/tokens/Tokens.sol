// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

// Tokens of the local world. WETH mirrors WETH9's external interface
// (gnosis/canonical-weth, contracts/WETH9.sol: deposit, withdraw, Deposit, Withdrawal);
// the others are plain ERC20 (OpenZeppelin) with the real assets' decimals.

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// An ERC20 with fixed decimals whose owner (the world's deployer) can mint.
contract TestToken is ERC20, Ownable {
    uint8 private immutable _decimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        ERC20(name_, symbol_)
        Ownable(msg.sender)
    {
        _decimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// Faucet for the local world: only the deployer mints.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}

/// Wrapped ether with WETH9's interface: fully backed by ether sent in.
contract WETH9 is ERC20 {
    event Deposit(address indexed dst, uint256 wad);
    event Withdrawal(address indexed src, uint256 wad);

    constructor() ERC20("Wrapped Ether", "WETH") {}

    receive() external payable {
        deposit();
    }

    function deposit() public payable {
        _mint(msg.sender, msg.value);
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw(uint256 wad) external {
        _burn(msg.sender, wad);
        emit Withdrawal(msg.sender, wad);
        (bool ok,) = msg.sender.call{value: wad}("");
        require(ok, "WETH: ether transfer failed");
    }
}
