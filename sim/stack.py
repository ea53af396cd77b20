"""The whole local world for the agent: chain and protocols, exchange simulators on the
same market driver, the agent's config filled from the manifest, and a clock in chain
time. What ``ballast demo``, ``ballast simulate`` and the end-to-end tests run on."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from agent import config as config_module
from agent.config.models import Config
from sim.anvil import AnvilOptions
from sim.deploy.profiles import ChainProfile
from sim.local_config import (
    DERIBIT_CLIENT_ID,
    DERIBIT_CLIENT_SECRET,
    SimulatorUrls,
    local_document,
    move_gmx_to_second_chain,
)
from sim.market import MarketDriver
from sim.second_chain import SECOND_CHAIN_ID, ChainMirror
from sim.venues.deribit import DeribitSimulator
from sim.venues.hyperliquid import HyperliquidSimulator
from sim.world import LocalWorld, WorldOptions

LOCAL_CONFIG = Path(__file__).resolve().parent.parent / "config" / "local.toml"


class WorldClock:
    """The ``Clock`` port in the world's chain time: the market driver's current time."""

    def __init__(self, driver: MarketDriver) -> None:
        self.driver = driver

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.driver.state.timestamp, tz=UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class StackOptions:
    world: WorldOptions = field(default_factory=WorldOptions)
    config_path: Path = LOCAL_CONFIG
    run_dir: Path | None = None  # journal and admin socket; a temporary folder if None
    overrides: dict[str, Any] = field(default_factory=dict)  # merged into the config document
    deribit_balances: dict[str, float] = field(
        default_factory=lambda: {"ETH": 100.0, "BTC": 0.0, "USDC": 100_000.0}
    )
    hyperliquid_usdc: float = 500_000.0
    liquidity: float = 1.0  # the simulators' order-book depth, a multiple of normal
    # A second chain (its own anvil and protocols, the "arbitrum" profile) holding GMX.
    second_chain: bool = False


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


class LocalStack:
    """Enter to start everything; ``config`` is then the agent's validated config."""

    def __init__(self, options: StackOptions | None = None) -> None:
        self.options = options or StackOptions()
        self.world = LocalWorld(self.options.world)
        self._stack = AsyncExitStack()
        self.deribit: DeribitSimulator | None = None
        self.hyperliquid: HyperliquidSimulator | None = None
        self.config: Config | None = None
        self.second: LocalWorld | None = None

    @property
    def driver(self) -> MarketDriver:
        assert self.world.driver is not None, "stack not started"
        return self.world.driver

    async def __aenter__(self) -> LocalStack:
        try:
            await self._stack.enter_async_context(self.world)
            driver = self.driver
            self.deribit = DeribitSimulator(driver.state)
            self.hyperliquid = HyperliquidSimulator(driver.state)
            self.deribit.exchange.depth.liquidity = self.options.liquidity
            self.hyperliquid.house.depth.liquidity = self.options.liquidity
            driver.listeners[:0] = [self.deribit, self.hyperliquid]  # venues see each step first
            await self._stack.enter_async_context(self.deribit)
            await self._stack.enter_async_context(self.hyperliquid)
            if self.options.second_chain:
                await self._start_second_chain()
            self.config = self._config()
            self._open_accounts()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._stack.aclose()

    async def _start_second_chain(self) -> None:
        options = WorldOptions(
            anvil=AnvilOptions(chain_id=SECOND_CHAIN_ID),
            profile=ChainProfile.ARBITRUM,
            block_interval_s=self.options.world.block_interval_s,
        )
        self.second = await self._stack.enter_async_context(LocalWorld(options))
        self.driver.add_listener(ChainMirror(self.second))

    def _config(self) -> Config:
        assert self.world.manifest is not None
        assert self.deribit is not None
        assert self.hyperliquid is not None
        run_dir = self.options.run_dir or Path(self.world.manifest_path).parent
        document = config_module.read_toml(self.options.config_path)
        urls = SimulatorUrls(deribit=self.deribit.url, hyperliquid=self.hyperliquid.url)
        filled = local_document(document, self.world.manifest, urls)
        if self.second is not None:
            assert self.second.manifest is not None
            move_gmx_to_second_chain(filled, self.second.manifest)
        filled["agent"]["journal"] = str(run_dir / "journal.sqlite")
        filled["admin"]["socket"] = str(run_dir / "admin.sock")
        _merge(filled, self.options.overrides)
        return config_module.validate(filled, source=str(self.options.config_path))

    def _open_accounts(self) -> None:
        assert self.world.manifest is not None
        assert self.deribit is not None
        assert self.hyperliquid is not None
        balances = dict(self.options.deribit_balances)
        self.deribit.add_account(DERIBIT_CLIENT_ID, DERIBIT_CLIENT_SECRET, balances)
        self.hyperliquid.add_user(
            self.world.manifest.accounts["agent"], usdc=self.options.hyperliquid_usdc
        )
