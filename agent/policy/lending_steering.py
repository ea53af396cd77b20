"""Every lending account's steering and health factor in one loop (the tick's hundreds).

``lending_steerings`` is ``steer`` over ``lending_figures``, account for account and
float for float, without a generator step, an exposure and a ``steer`` call for every
account: an account that no move of its underlyings liquidates (no debt, a move past
-100%, or nothing held that moves) has the static trigger and target, told here from
its terms (``lending_terms``); any other goes through ``steer_at`` with its exposure,
health and liquidation move (computed once).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from agent.config.models import HealthSettings
from agent.policy.inputs import LendingAccount
from agent.policy.probability_model import ProbabilityModel
from agent.policy.steering import (
    Exposure,
    Steering,
    lending_terms,
    liquidation_move,
    steer_at,
    steering_of,
)


def lending_steerings(
    accounts: Iterable[LendingAccount],
    vols: Mapping[str, float],
    settings: HealthSettings,
    model: ProbabilityModel,
) -> tuple[list[Steering], list[float]]:
    """Each account's ``steer(account.venue, exposure, vol, settings, model,
    account.market_priced)`` on ``lending_figures``' exposure and vol, and its health
    factor (``agent.policy.health.health_factor``, N and D by ``math.fsum``); ``vols``
    maps the moving underlyings to their vol."""
    inf = math.inf
    floor, target = settings.lending_trigger, settings.lending_target
    found: list[Steering] = []
    ours_all: list[float] = []
    for account in accounts:
        assets, moving_assets, debt, moving_debt, vol, ours = lending_terms(account, vols)
        ours_all.append(ours)
        health = inf if debt <= 0 else assets / debt  # Exposure.health, as written there
        move = liquidation_move(assets, moving_assets, debt, moving_debt)
        if move is not None and vol is not None and vol > 0:
            exposure = Exposure(assets, moving_assets, debt, moving_debt, True)
            priced = account.market_priced
            found.append(
                steer_at(account.venue, exposure, health, move, vol, settings, model, priced)
            )
            continue
        # steer's static case: nothing vol-aware applies
        cause = "trigger" if health < floor else ""
        probability = 1.0 if move == 0.0 else 0.0
        found.append(
            steering_of(
                account.venue,
                True,
                health,
                vol,
                move,
                probability,
                floor,
                target,
                cause,
                None,
                account.market_priced,
            )
        )
    return found, ours_all
