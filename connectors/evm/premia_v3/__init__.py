"""Premia v3 options: ``pools`` (pool configs, read from getPoolSettings) and ``connector``
(positions, quotes and IV read sans-I/O; trades with a premium limit).

Wiring from the local world's manifest::

    configs = await read_pools(reader, [a for r, a in manifest.contracts.items()
                                        if r.startswith("premia.pool.")], [weth, usdc])
    PremiaV3Connector(chain_id=manifest.chain_id, account=account,
                      router=manifest.contract("premia.router"),
                      oracle_adapter=manifest.contract("premia.oracle_adapter"),
                      volatility_oracle=manifest.contract("premia.vol_oracle"), pools=configs)

then ``await connector.discover(reader)`` once, and register it on the chain's session.
"""

from connectors.evm.premia_v3.connector import PremiaV3Connector
from connectors.evm.premia_v3.pools import OptionPoolConfig, read_pools

__all__ = ["OptionPoolConfig", "PremiaV3Connector", "read_pools"]
