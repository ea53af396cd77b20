"""Aave accounts computed from their kept state between their own events equal the full
read of the real Aave v3.0.2 bytecode (npm @aave/core-v3 1.19.3), tick after tick: new
blocks, time passing, price moves, e-mode, a changed account, a joining account, aToken
and wallet transfers, a gap too long for the logs, a rewind. And a local figure that
disagrees with the chain is caught, named and never reported.

Two sessions read the same accounts at the same head: ``local`` computes every account
the logs do not name (no rotation), ``checked`` reads every account in full every tick
and cross-checks its kept state against the chain in integers (``aave_v3_checks``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from eth_utils.address import to_checksum_address
from structlog.testing import capture_logs

from agent.model import VenueSnapshot
from connectors.evm.aave_v3 import AaveV3Connector
from connectors.evm.aave_v3_checks import MarketChecks
from connectors.evm.aave_v3_local import AccountState
from connectors.evm.multicall import BatchedReader, Multicall3Reader
from connectors.evm.rpc import ChainClient
from connectors.evm.venue import ChainSession
from sim.world import ChainOracles
from tests.integration.conftest import World
from tests.integration.evm.helpers import read_aave

pytestmark = pytest.mark.integration

DAY = 86_400


@pytest.fixture
async def client(world: World) -> AsyncIterator[ChainClient]:
    async with ChainClient([world.anvil.url], chain_id=world.manifest.chain_id) as chain_client:
        yield chain_client


class Market:
    """The same accounts in a ``local`` and a ``checked`` session."""

    def __init__(self, world: World, client: ChainClient, first: AaveV3Connector) -> None:
        self.world = world
        self.first = first
        self.local_checks = MarketChecks(per_tick=0)
        self.full_checks = MarketChecks(per_tick=1_000)
        self.local = ChainSession(BatchedReader(Multicall3Reader(client)))
        self.checked = ChainSession(BatchedReader(Multicall3Reader(client)))
        self.connectors: dict[str, AaveV3Connector] = {}

    def watch(self, name: str, account: str) -> None:
        for session, checks, prefix in (
            (self.local, self.local_checks, ""),
            (self.checked, self.full_checks, "checked "),
        ):
            connector = self.first.for_account(account, name)
            connector.checks = checks
            checks.join(name)
            session.register(connector)
            self.connectors[prefix + name] = connector

    async def tick(self) -> dict[str, VenueSnapshot]:
        """Both sessions at the same head (an empty block first, so that every tick has a
        block of its own); their snapshots must be equal."""
        await self.world.chain.mine()
        local = await self.local.read_all()
        checked = await self.checked.read_all()
        assert set(local) == set(checked)
        for name, snapshot in local.items():
            assert not isinstance(snapshot, BaseException), (name, snapshot)
            assert snapshot == checked[name], name
        assert self.full_checks.mismatches == 0
        assert self.local_checks.mismatches == 0
        return local  # type: ignore[return-value]

    def local_reads(self) -> dict[str, int]:
        return {n: c.kept.local_reads for n, c in self.connectors.items() if " " not in n}


def _session(
    client: ChainClient, first: AaveV3Connector, checks: MarketChecks, accounts: dict[str, str]
) -> tuple[ChainSession, dict[str, AaveV3Connector]]:
    """One session reading ``accounts`` (name -> address, in that order) of ``first``'s
    market, with ``checks``."""
    session = ChainSession(BatchedReader(Multicall3Reader(client)))
    connectors = {}
    for name, account in accounts.items():
        connector = connectors[name] = first.for_account(account, name)
        connector.checks = checks
        checks.join(name)
        session.register(connector)
    return session, connectors


async def _fund(world: World, account: str) -> None:
    await world.chain.set_balance(account, 10**21)
    await world.contract("token.WETH").send("deposit", sender=account, value=50 * 10**18)
    await world.contract("token.WBTC").send(
        "mint", account, 10**8, sender=world.account("deployer")
    )


async def _supply(world: World, account: str, symbol: str, amount: int) -> None:
    pool, token = world.contract("aave.pool"), world.contract(f"token.{symbol}")
    await token.send("approve", pool.address, amount, sender=account)
    await pool.send("supply", token.address, amount, account, 0, sender=account)


async def _borrow(world: World, account: str, symbol: str, amount: int) -> None:
    pool = world.contract("aave.pool")
    asset = world.manifest.token(symbol).address
    await pool.send("borrow", asset, amount, 2, 0, account, sender=account)


async def test_local_figures_equal_the_full_read(world: World, client: ChainClient) -> None:
    await world.chain.rpc.request("anvil_autoImpersonateAccount", [True])
    a, b, c, d = (to_checksum_address(f"0x{0xA11CE0 + i:040x}") for i in range(4))
    for account in (a, b, c, d):
        await _fund(world, account)
    configurator = world.contract("aave.configurator")
    deployer = world.account("deployer")
    weth = world.manifest.token("WETH").address
    # An ETH-correlated e-mode category (no price source of its own): LTV 90%, LT 93%.
    await configurator.send(
        "setEModeCategory", 1, 9000, 9300, 10100, "0x" + "00" * 20, "ETH", sender=deployer
    )
    await configurator.send("setAssetEModeCategory", weth, 1, sender=deployer)
    await _supply(world, a, "WETH", 5 * 10**18)
    await _borrow(world, a, "USDC", 4_000 * 10**6)
    await _supply(world, b, "WBTC", 10**7)
    await _supply(world, b, "WETH", 10**18)
    await _borrow(world, b, "WETH", 5 * 10**17)
    await world.contract("aave.pool").send("setUserEMode", 1, sender=c)
    await _supply(world, c, "WETH", 10 * 10**18)
    await _borrow(world, c, "WETH", 8 * 10**18)

    first = await read_aave(world.manifest, a, client, name="aave:a")
    market = Market(world, client, first)
    for name, account in (("aave:a", a), ("aave:b", b), ("aave:c", c)):
        market.watch(name, account)
    await market.tick()  # the first read: every account in full
    assert market.local_reads() == {"aave:a": 0, "aave:b": 0, "aave:c": 0}

    chain = world.chain
    await chain.mine(await chain.timestamp() + DAY)  # a day of interest, no event
    await market.tick()
    assert market.local_reads() == {"aave:a": 1, "aave:b": 1, "aave:c": 1}

    oracles = ChainOracles.attach(chain, world.manifest)
    await oracles.publish_prices({"ETH": 2_650.0, "BTC": 61_000.0})
    await chain.mine(await chain.timestamp() + 3 * DAY)
    await market.tick()
    assert market.local_reads() == {"aave:a": 2, "aave:b": 2, "aave:c": 2}

    # a's own event: a is read in full, the others computed
    await _borrow(world, a, "WETH", 10**17)
    await market.tick()
    assert market.local_reads() == {"aave:a": 2, "aave:b": 3, "aave:c": 3}

    # d joins (read in full first); b sends aTokens to d; c's wallet receives WETH
    await _supply(world, d, "WETH", 2 * 10**18)
    market.watch("aave:d", d)
    await world.contract("aave.aToken.WBTC").send("transfer", d, 10**6, sender=b)
    await world.contract("token.WETH").send("transfer", c, 10**18, sender=a)
    await market.tick()
    assert market.local_reads() == {"aave:a": 2, "aave:b": 3, "aave:c": 3, "aave:d": 0}
    await chain.mine(await chain.timestamp() + DAY)
    await market.tick()
    assert market.local_reads() == {"aave:a": 3, "aave:b": 4, "aave:c": 4, "aave:d": 1}

    # a rewind (anvil's evm_revert) below the last read: every account in full
    snapshot = world.anvil.snapshot()
    await _borrow(world, b, "USDC", 100 * 10**6)
    await market.tick()
    assert market.local_reads() == {"aave:a": 4, "aave:b": 4, "aave:c": 5, "aave:d": 2}
    world.anvil.revert(snapshot)
    await _supply(world, c, "WETH", 10**17)  # the same height again, another block
    await market.tick()
    assert market.local_reads() == {"aave:a": 4, "aave:b": 4, "aave:c": 5, "aave:d": 2}

    # a gap longer than one eth_getLogs may span: every account in full
    market.local.news.max_blocks = 3
    for _ in range(5):
        await chain.mine()
    await market.tick()
    assert market.local_reads() == {"aave:a": 4, "aave:b": 4, "aave:c": 5, "aave:d": 2}
    market.local.news.max_blocks = 1_000
    await chain.mine(await chain.timestamp() + 30 * DAY)
    await oracles.publish_prices({"ETH": 2_400.0, "BTC": 58_000.0})
    await market.tick()
    assert market.local_reads() == {"aave:a": 5, "aave:b": 5, "aave:c": 6, "aave:d": 3}
    assert market.full_checks.clean_checks >= 4 * 8


async def test_a_local_figure_that_disagrees_is_caught(world: World, client: ChainClient) -> None:
    await world.chain.rpc.request("anvil_autoImpersonateAccount", [True])
    a, b = (to_checksum_address(f"0x{0xB0B0 + i:040x}") for i in range(2))
    for account in (a, b):
        await _fund(world, account)
        await _supply(world, account, "WETH", 5 * 10**18)
        await _borrow(world, account, "USDC", 1_000 * 10**6)
    first = await read_aave(world.manifest, a, client, name="aave:a")
    checks = MarketChecks(per_tick=1)
    session, connectors = _session(client, first, checks, {"aave:b": b, "aave:a": a})
    await session.read_all()
    # a's kept wallet balance is wrong (as if a Transfer had been missed); b is
    # registered first, so it is computed before a's cross-check fails

    state = connectors["aave:a"].kept.state
    assert state is not None
    connectors["aave:a"].kept.state = AccountState(
        state.configuration, state.emode, state.scaled_supply, state.scaled_variable_debt,
        (state.wallet[0] + 1, *state.wallet[1:]), state.allowance,
    )  # fmt: skip
    with capture_logs() as logs:
        for _ in range(2):  # the rotation reaches a within two ticks
            await world.chain.mine()
            before = connectors["aave:b"].kept.full_reads
            reads = await session.read_all()
            if checks.suspect:
                break
    [error] = [entry for entry in logs if entry["event"] == "aave_local_figure_mismatch"]
    assert error["account"] == a
    assert error["field"] == "WETH wallet"
    assert checks.mismatches == 1
    # every account of the market is reported as the chain gives it, in the same tick:
    # b, computed before the cross-check failed, was read again in full at that block
    assert not any(isinstance(r, BaseException) for r in reads.values())
    assert connectors["aave:b"].kept.full_reads == before + 1
    wallet = await world.contract("token.WETH").read_one("balanceOf", a)
    assert reads["aave:a"].balances[0].amount == wallet / 10**18  # type: ignore[union-attr]
    reference = first.for_account(b, "aave:b")
    block, results = await Multicall3Reader(client).read(reference.plan())
    assert reads["aave:b"] == reference.decode(block, results)
    # the next tick reads every account in full; clean, so the market is trusted again
    await world.chain.mine()
    before = connectors["aave:b"].kept.full_reads
    reads = await session.read_all()
    assert not any(isinstance(r, BaseException) for r in reads.values())
    assert connectors["aave:b"].kept.full_reads == before + 1
    assert checks.suspect  # judged at the next tick's start, on this one's clean checks
    await world.chain.mine()
    before = connectors["aave:b"].kept.local_reads + connectors["aave:a"].kept.local_reads
    await session.read_all()
    assert not checks.suspect
    after = connectors["aave:b"].kept.local_reads + connectors["aave:a"].kept.local_reads
    assert after == before + 1  # one computed again, the other the rotation's check


async def test_what_cannot_be_computed_keeps_the_full_read(
    world: World, client: ChainClient
) -> None:
    """Stable debt (it compounds at the user's own rate) and a reserve in use that the
    connector does not track: read in full every tick, never computed."""
    await world.chain.rpc.request("anvil_autoImpersonateAccount", [True])
    stable, untracked = (to_checksum_address(f"0x{0x57AB1E + i:040x}") for i in range(2))
    usdc = world.manifest.token("USDC").address
    await world.contract("aave.configurator").send(
        "setReserveStableRateBorrowing", usdc, True, sender=world.account("deployer")
    )
    for account in (stable, untracked):
        await _fund(world, account)
        await _supply(world, account, "WETH", 5 * 10**18)
    await world.contract("aave.pool").send(
        "borrow", usdc, 1_000 * 10**6, 1, 0, stable, sender=stable
    )  # interest rate mode 1: stable (DataTypes.InterestRateMode)
    await _supply(world, untracked, "WBTC", 10**7)
    first = await read_aave(world.manifest, stable, client, name="aave:stable")
    partial = AaveV3Connector(
        chain_id=first.chain_id, account=untracked, name="aave:untracked",
        assets=[asset for asset in first.assets if asset.symbol != "WBTC"],
        addresses_provider=world.manifest.contract("aave.addresses_provider"),
    )  # fmt: skip
    await partial.discover(Multicall3Reader(client))
    session = ChainSession(BatchedReader(Multicall3Reader(client)))
    connectors = {"aave:stable": first, "aave:untracked": partial}
    for connector in connectors.values():
        session.register(connector)
    for _ in range(3):
        await world.chain.mine(await world.chain.timestamp() + DAY)
        reads = await session.read_all()
        for name, connector in connectors.items():
            assert not isinstance(reads[name], BaseException), reads[name]
            assert connector.kept.state is None
            reference = connector.for_account(connector.account, name)
            block, results = await Multicall3Reader(client).read(reference.plan())
            assert reads[name] == reference.decode(block, results)
    assert first.kept.local_reads == partial.kept.local_reads == 0
    assert first.kept.full_reads == partial.kept.full_reads == 3


class LateLogs(ChainClient):
    """A node answering the tick's eth_getLogs as if the head's block had not arrived yet
    (a block landing between the requests of one JSON-RPC batch): the logs end one block
    before the head the batch reads at."""

    async def batch(
        self, calls: Sequence[tuple[str, Sequence[Any]]], *, errors_in_place: bool = False
    ) -> list[Any]:
        late = []
        for method, params in calls:
            if method == "eth_getLogs" and params[0].get("toBlock") == "latest":
                head = int(await self.request("eth_blockNumber"), 16)
                params = [{**params[0], "toBlock": hex(head - 1)}]
            late.append((method, params))
        return await super().batch(late, errors_in_place=errors_in_place)


async def test_logs_answered_before_the_head_are_caught_in_the_same_tick(
    world: World,
) -> None:
    await world.chain.rpc.request("anvil_autoImpersonateAccount", [True])
    a, b = (to_checksum_address(f"0x{0x1A7E + i:040x}") for i in range(2))
    for account in (a, b):
        await _fund(world, account)
        await _supply(world, account, "WETH", 5 * 10**18)
    async with LateLogs([world.anvil.url], chain_id=world.manifest.chain_id) as client:
        first = await read_aave(world.manifest, a, client, name="aave:a")
        checks = MarketChecks(per_tick=0)
        session, connectors = _session(client, first, checks, {"aave:a": a, "aave:b": b})
        await world.chain.mine()  # the first read's block holds no event of theirs
        await session.read_all()
        await world.chain.mine()
        await session.read_all()  # both computed: nothing happened
        assert [c.kept.local_reads for c in connectors.values()] == [1, 1]
        await _borrow(world, a, "USDC", 500 * 10**6)  # in the head block the logs miss
        reads = await session.read_all()
        # a was computed from the late logs, then the exact logs named it: read again in
        # full at the same block, within the tick
        assert connectors["aave:a"].kept.full_reads == 2
        assert connectors["aave:b"].kept.full_reads == 1
        reference = first.for_account(a, "aave:a")
        block, results = await Multicall3Reader(client).read(reference.plan())
        assert reads["aave:a"] == reference.decode(block, results)
        [debt] = [p for p in reads["aave:a"].positions if p.quantity < 0]  # type: ignore[union-attr]
        assert debt.quantity == pytest.approx(-500.0)
