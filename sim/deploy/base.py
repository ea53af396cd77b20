"""Shared state of a deployment in progress, and the world's fixed parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.artifacts import Artifact
from sim.chain import Contract, DevChain
from sim.deploy.releases import release_source
from sim.manifest import FeedInfo, Manifest, TokenInfo

# Roles of anvil's development accounts (index into eth_accounts).
ACCOUNT_ROLES = {
    "deployer": 0,  # deploys, owns, mints, transmits oracle prices
    "agent": 1,  # the hedger's own account in the local world
    "liquidator": 2,
    "arbitrageur": 3,
    "keeper": 4,  # GMX order keeper and options settlement
    "lender": 5,  # supplies liquidity to Aave and pools
    "trader": 6,  # other market participants
}

# (symbol, name, decimals); WETH is WETH9, the others are TestTokens.
TOKENS = (("WETH", "Wrapped Ether", 18), ("USDC", "USD Coin", 6), ("WBTC", "Wrapped BTC", 8))
UNDERLYING_TOKEN = {"ETH": "WETH", "BTC": "WBTC", "USDC": "USDC"}
INITIAL_PRICES = {"ETH": 3000.0, "BTC": 60000.0, "USDC": 1.0}
INITIAL_IMPLIED_VOLS = {"ETH": 0.65, "BTC": 0.55}
FEED_DECIMALS = 8
# Ethereum mainnet's ETH/USD and BTC/USD heartbeat (1 h); the market driver republishes
# every step, so a round older than this means the feed really stopped.
FEED_HEARTBEAT_S = {"ETH": 3_600, "BTC": 3_600, "USDC": 86_400}
FEED_BOUNDS = {"ETH": (10.0, 1_000_000.0), "BTC": (100.0, 10_000_000.0), "USDC": (0.01, 100.0)}


@dataclass
class Deployment:
    """A world being built: the chain, its accounts, and everything deployed so far."""

    chain: DevChain
    rpc_url: str
    accounts: dict[str, str]
    tokens: dict[str, Contract] = field(default_factory=dict)
    token_info: dict[str, TokenInfo] = field(default_factory=dict)
    feeds: dict[str, Contract] = field(default_factory=dict)
    feed_info: dict[str, FeedInfo] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    pools: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)  # linked library -> address

    @property
    def deployer(self) -> str:
        return self.accounts["deployer"]

    async def deploy(
        self, role: str, contract: str, *args: object, source: str | None = None
    ) -> Contract:
        """Deploy ``contract`` from forge's build (``source``: its .sol file) or, with an
        ``@``-source, from an npm release, linking the libraries deployed so far."""
        artifact = Artifact.load(contract, source)
        if artifact.libraries:
            artifact = artifact.link(self.libraries)
        deployed = await self.chain.deploy(artifact, *args, sender=self.deployer)
        self.contracts[role] = deployed
        self.artifacts[role] = f"{source or contract + '.sol'}:{contract}"
        return deployed

    async def deploy_release(self, role: str, contract: str, *args: object) -> Contract:
        """Deploy ``contract`` from its protocol's compiled npm release."""
        return await self.deploy(role, contract, *args, source=release_source(contract))

    def chain_contract(self, contract: str, address: str, source: str | None = None) -> Contract:
        """A contract created by another contract (a market token from its factory)."""
        return Contract(self.chain, Artifact.load(contract, source).abi, address)

    def adopt(self, role: str, contract: str, address: str, source: str | None = None) -> Contract:
        """Record a contract that another contract created (a proxy, a pool)."""
        source = source or release_source(contract)
        adopted = Contract(self.chain, Artifact.load(contract, source).abi, address)
        self.contracts[role] = adopted
        self.artifacts[role] = f"{source}:{contract}"
        return adopted

    async def fund(self, account: str, symbol: str, raw_amount: int) -> None:
        """Give ``account`` ``raw_amount`` of ``symbol``: WETH by wrapping its own ether,
        the others minted by the deployer."""
        if symbol == "WETH":
            await self.token("WETH").send("deposit", sender=account, value=raw_amount)
        else:
            await self.token(symbol).send("mint", account, raw_amount, sender=self.deployer)

    def token(self, symbol: str) -> Contract:
        return self.tokens[symbol]

    def units(self, symbol: str, amount: float) -> int:
        """``amount`` of ``symbol`` in its smallest unit."""
        scale: int = 10 ** self.token_info[symbol].decimals
        return round(amount * scale)

    async def manifest(self) -> Manifest:
        block = await self.chain.block()
        return Manifest(
            chain_id=await self.chain.chain_id(),
            rpc_url=self.rpc_url,
            block=int(block["number"], 16),
            timestamp=int(block["timestamp"], 16),
            tokens=dict(self.token_info),
            feeds=dict(self.feed_info),
            contracts={role: c.address for role, c in sorted(self.contracts.items())},
            accounts=dict(self.accounts),
            pools=dict(self.pools),
            artifacts=dict(self.artifacts),
        )


async def new_deployment(chain: DevChain, rpc_url: str) -> Deployment:
    accounts = await chain.accounts()
    return Deployment(
        chain=chain,
        rpc_url=rpc_url,
        accounts={role: accounts[index] for role, index in ACCOUNT_ROLES.items()},
    )
