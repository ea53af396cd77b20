"""A second chain in the local world: another anvil with its own protocols, moved by the
first world's market driver, so a book spread over two chains can be run end to end.

``ChainMirror`` listens to the driver: after each step it brings the second chain's time
up to the step's, publishes the step's prices on its Chainlink feeds, and runs its keepers
(arbitrage, GMX orders, liquidations, settlement), so both chains see one market.
"""

from __future__ import annotations

from sim.market import MarketState
from sim.world import ChainOracles, Keepers, LocalWorld

SECOND_CHAIN_ID = 31338  # a local chain id of its own (the first world's is anvil's 31337)


class ChainMirror:
    """A MarketListener that carries every market step to ``world``'s chain."""

    def __init__(self, world: LocalWorld) -> None:
        assert world.manifest is not None, "world not started"
        self.world = world
        self.oracles = ChainOracles.attach(world.chain, world.manifest)
        self.keepers = Keepers.attach(world.chain, world.manifest)

    async def on_market(self, state: MarketState) -> None:
        # A step that does not move time past this chain's own (it was deployed after the
        # first) publishes prices at this chain's time instead.
        if state.timestamp > await self.world.chain.timestamp():
            await self.oracles.set_time(state.timestamp)
        await self.oracles.publish_prices(state.prices)
        for keeper in self.keepers.in_order():
            await keeper.on_market(state)
