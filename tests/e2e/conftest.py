"""The daemon against the whole local world (chain, protocols, keepers, exchanges)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from rehearsal.seed import seed_book
from sim.paths import Keyframe, KeyframePath
from sim.stack import LocalStack, StackOptions
from sim.world import WorldOptions

VOLS = {"ETH": 0.65, "BTC": 0.55}
# ETH -30% over 30 minutes with implied vol nearly doubling, then a partial rebound.
CRASH = KeyframePath(
    [
        Keyframe(0, {"ETH": 3000.0, "BTC": 60_000.0}, VOLS),
        Keyframe(1800, {"ETH": 2100.0, "BTC": 50_000.0}, {"ETH": 1.2, "BTC": 0.9}),
        Keyframe(3600, {"ETH": 2700.0, "BTC": 58_000.0}, {"ETH": 0.8, "BTC": 0.6}),
    ]
)
BAND_HALF_WIDTH = 2.0


def overrides(**extra: Any) -> dict[str, Any]:
    """A fixed band, and a Hyperliquid cap that leaves room for only part of the hedging."""
    base: dict[str, Any] = {
        "underlyings": {"ETH": {"band": {"mode": "fixed", "half_width_coin": BAND_HALF_WIDTH}}},
        "limits": {"venue_caps": {"hyperliquid": {"max_usd": 100_000}}},
    }
    base.update(extra)
    return base


@pytest.fixture
async def seeded_stack(tmp_path: Path) -> AsyncIterator[LocalStack]:
    options = StackOptions(world=WorldOptions(path=CRASH), run_dir=tmp_path, overrides=overrides())
    async with LocalStack(options) as stack:
        assert stack.world.manifest is not None
        assert stack.config is not None
        await seed_book(stack.world.chain, stack.world.manifest, stack.config)
        await stack.driver.publish()  # the GMX keeper executes the seeded order
        yield stack
