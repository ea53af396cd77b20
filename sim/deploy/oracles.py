"""Tokens, Chainlink price feeds and the L2 sequencer uptime feed."""

from __future__ import annotations

from sim.deploy.base import (
    FEED_BOUNDS,
    FEED_DECIMALS,
    FEED_HEARTBEAT_S,
    INITIAL_PRICES,
    TOKENS,
    Deployment,
)
from sim.manifest import FeedInfo, TokenInfo


async def deploy_tokens(world: Deployment) -> None:
    for symbol, name, decimals in TOKENS:
        if symbol == "WETH":
            token = await world.deploy("token.WETH", "WETH9", source="Tokens.sol")
        else:
            token = await world.deploy(
                f"token.{symbol}", "TestToken", name, symbol, decimals, source="Tokens.sol"
            )
        world.tokens[symbol] = token
        world.token_info[symbol] = TokenInfo(
            symbol=symbol, address=token.address, decimals=decimals
        )


async def deploy_feeds(world: Deployment) -> None:
    """One <UNDERLYING>/USD feed per price, each seeded with its initial price."""
    scale = 10**FEED_DECIMALS
    for underlying, price in INITIAL_PRICES.items():
        low, high = FEED_BOUNDS[underlying]
        description = f"{underlying} / USD"
        feed = await world.deploy(
            f"chainlink.{underlying}_USD",
            "PriceFeed",
            FEED_DECIMALS,
            description,
            round(low * scale),
            round(high * scale),
            source="PriceFeed.sol",
        )
        await feed.send("transmit", round(price * scale), sender=world.deployer)
        world.feeds[underlying] = feed
        world.feed_info[underlying] = FeedInfo(
            underlying=underlying,
            address=feed.address,
            decimals=FEED_DECIMALS,
            heartbeat_s=FEED_HEARTBEAT_S[underlying],
            description=description,
        )
    started = await world.chain.timestamp() - 86_400
    await world.deploy(
        "chainlink.sequencer_uptime", "SequencerUptimeFeed", started, source="PriceFeed.sol"
    )
