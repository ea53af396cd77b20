"""The JSON-RPC fault proxy lives in ``sim.rpc_proxy`` (scenarios use it too)."""

from sim.rpc_proxy import Faults, Forwarded, RpcFaultProxy

__all__ = ["Faults", "Forwarded", "RpcFaultProxy"]
