"""Dry-run parts that need no chain: the paper fill model and the fork guard."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr

from agent.errors import ConfigError
from agent.model import Side
from connectors.cex.paper import walk_book
from connectors.evm.fork import ForkRpc
from rehearsal.dry_run import fork_sources

BOOK = [[3000.0, 1.0], [3001.0, 2.0], [3005.0, 5.0]]


def test_paper_fill_walks_levels_up_to_the_limit() -> None:
    filled, average = walk_book(BOOK, 2.5, 3002.0, Side.BUY)
    assert filled == 2.5
    assert average == pytest.approx((3000.0 * 1 + 3001.0 * 1.5) / 2.5)
    filled, _ = walk_book(BOOK, 10.0, 3002.0, Side.BUY)
    assert filled == 3.0, "levels beyond the limit are not taken"
    assert walk_book([[2990.0, 1.0]], 1.0, 2995.0, Side.SELL) == (0.0, 0.0)


class Answers:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        self.asked.append(method)
        return self.answers[method]


async def test_a_remote_execution_target_is_refused_before_any_request() -> None:
    rpc = Answers({})
    fork = ForkRpc(rpc, account="0x" + "11" * 20, url="https://mainnet.example/rpc")
    with pytest.raises(ConfigError, match="only on a local fork"):
        await fork.verify(1)
    assert rpc.asked == []


async def test_a_local_node_that_is_not_a_fork_or_on_another_chain_is_refused() -> None:
    account = "0x" + "11" * 20
    plain = Answers({"anvil_nodeInfo": {"forkConfig": {}}, "eth_chainId": "0x1"})
    with pytest.raises(ConfigError, match="not a fork"):
        await ForkRpc(plain, account=account, url="http://127.0.0.1:8545").verify(1)
    other = Answers({"anvil_nodeInfo": {"forkConfig": {"forkUrl": "x"}}, "eth_chainId": "0xa"})
    with pytest.raises(ConfigError, match="chain 10, the config on 1"):
        await ForkRpc(other, account=account, url="http://127.0.0.1:8545").verify(1)


def _chains(*names: str) -> Any:
    """A config's ``chains`` only: what ``fork_sources`` reads."""
    return SimpleNamespace(
        chains={
            n: SimpleNamespace(rpc_urls=[SecretStr(f"https://{n}.example/rpc?key=s")])
            for n in names
        }
    )


def test_each_chain_forks_its_own_rpc_unless_told_otherwise() -> None:
    config = _chains("ethereum", "arbitrum")
    assert fork_sources(config, []) == {
        "ethereum": "https://ethereum.example/rpc?key=s",
        "arbitrum": "https://arbitrum.example/rpc?key=s",
    }
    chosen = fork_sources(config, ["arbitrum=http://127.0.0.1:8545/?a=b"])
    assert chosen["arbitrum"] == "http://127.0.0.1:8545/?a=b"
    with pytest.raises(ConfigError, match="NAME=URL"):
        fork_sources(config, ["http://127.0.0.1:8545"])
    with pytest.raises(ConfigError, match="no chain named 'base'"):
        fork_sources(config, ["base=http://127.0.0.1:8545"])
    assert fork_sources(_chains("arbitrum"), ["http://127.0.0.1:1"]) == {
        "arbitrum": "http://127.0.0.1:1"
    }
