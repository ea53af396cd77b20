"""The whole deployment sequence of the local world, in dependency order."""

from __future__ import annotations

from sim.chain import DevChain
from sim.deploy.aave import deploy_aave
from sim.deploy.base import Deployment, new_deployment
from sim.deploy.gmx import deploy_gmx
from sim.deploy.oracles import deploy_feeds, deploy_tokens
from sim.deploy.premia import deploy_premia
from sim.deploy.profiles import ChainProfile, apply_profile
from sim.deploy.uniswap import deploy_uniswap, install_multicall3


async def build_world(
    chain: DevChain, rpc_url: str, profile: ChainProfile = ChainProfile.ETHEREUM
) -> Deployment:
    """Deploy and seed every protocol of the local world on ``chain``, as on ``profile``."""
    world = await new_deployment(chain, rpc_url)
    await deploy_tokens(world)
    await install_multicall3(world)
    if profile is not ChainProfile.ETHEREUM:
        world.artifacts["multicall3"] = await apply_profile(chain, profile)
    await deploy_feeds(world)
    await deploy_uniswap(world)
    await deploy_aave(world)
    await deploy_gmx(world)
    await deploy_premia(world)
    await fund_keepers(world)
    return world


KEEPER_FUNDS = {"USDC": 100_000_000.0, "WETH": 20_000.0, "WBTC": 1_000.0}


async def fund_keepers(world: Deployment) -> None:
    """The liquidator and the arbitrageur need deep pockets in every token."""
    for role in ("liquidator", "arbitrageur"):
        for symbol, amount in KEEPER_FUNDS.items():
            await world.fund(world.accounts[role], symbol, world.units(symbol, amount))
