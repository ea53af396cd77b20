"""Local venue API simulators (aiohttp on loopback), driven by the market driver.

``sim.venues.deribit.DeribitSimulator`` and ``sim.venues.hyperliquid.HyperliquidSimulator``
speak the subsets of those venues' HTTP APIs that ccxt uses; ``faults.FaultPlan`` makes
them misbehave on purpose for reliability tests.
"""
