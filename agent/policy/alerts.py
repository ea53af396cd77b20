"""Alerts: limits the book has passed, and venues whose Greeks disagree with ours.

A limit is passed when a value is strictly beyond it: ``|gamma| > max_abs_gamma``,
``|vega| > max_abs_vega_usd``, ``stress loss > max_stress_loss_usd``, ``liquidation
distance < min_liquidation_distance``. A value equal to its limit is within it.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType

from agent.config.models import AlertSettings
from agent.policy.inputs import GreekCheck, UnderlyingRisk
from agent.policy.settings import PolicyParameters


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for INFO up to 2 for CRITICAL."""
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)


class AlertCode(enum.StrEnum):
    GAMMA_LIMIT = "gamma_limit"
    VEGA_LIMIT = "vega_limit"
    STRESS_LOSS = "stress_loss"
    LIQUIDATION_DISTANCE = "liquidation_distance"
    VENUE_GREEKS = "venue_greeks"
    HEALTH_MODEL = "health_model"
    HEALTH_UNRESTORED = "health_unrestored"
    NO_HEDGE_ROUTE = "no_hedge_route"
    HEDGE_DEFERRED = "hedge_deferred"
    MISSING_RISK = "missing_risk"
    EXTERNAL_EVENT = "external_event"  # a position changed by something the agent did not do


@dataclass(frozen=True, slots=True)
class Alert:
    """Something an operator should know. ``subject`` names what it is about (an
    underlying, a venue account, a position); ``values`` the figures behind it."""

    code: AlertCode
    severity: Severity
    subject: str
    message: str
    values: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))

    @property
    def sort_key(self) -> tuple[int, str, str]:
        """Most severe first, then by code and subject: a deterministic order."""
        return (-self.severity.rank, self.code.value, self.subject)


def ordered(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """Most severe first, then by code and subject."""
    return tuple(sorted(alerts, key=lambda alert: alert.sort_key))


def _above(
    code: AlertCode, subject: str, name: str, value: float, limit: float | None
) -> Iterator[Alert]:
    if limit is not None and value > limit:
        yield Alert(
            code,
            Severity.WARNING,
            subject,
            f"{subject}: {name} {value:,.6g} is beyond its limit {limit:,.6g}",
            {name: value, "limit": limit},
        )


def _liquidation(risk: UnderlyingRisk, limit: float | None) -> Iterator[Alert]:
    distances = [
        d for d in (risk.liquidation_distance_down, risk.liquidation_distance_up) if d is not None
    ]
    if limit is None or not distances or min(distances) >= limit:
        return
    nearest = min(distances)
    yield Alert(
        AlertCode.LIQUIDATION_DISTANCE,
        Severity.CRITICAL,
        risk.underlying,
        f"{risk.underlying}: a {nearest:.2%} move reaches a liquidation (minimum {limit:.2%})",
        {"distance": nearest, "limit": limit},
    )


def risk_alerts(
    underlyings: Iterable[UnderlyingRisk],
    worst_stress_loss_usd: float | None,
    settings: AlertSettings,
) -> list[Alert]:
    """Gamma, vega and liquidation distance per underlying; the book's stress loss."""
    alerts: list[Alert] = []
    for risk in underlyings:
        name = risk.underlying
        gamma_limit = settings.max_abs_gamma.get(name)
        alerts += _above(AlertCode.GAMMA_LIMIT, name, "abs_gamma", abs(risk.gamma), gamma_limit)
        vega_limit = settings.max_abs_vega_usd.get(name)
        alerts += _above(AlertCode.VEGA_LIMIT, name, "abs_vega_usd", abs(risk.vega_usd), vega_limit)
        alerts += _liquidation(risk, settings.min_liquidation_distance)
    if worst_stress_loss_usd is not None:
        alerts += _above(
            AlertCode.STRESS_LOSS,
            "book",
            "stress_loss_usd",
            worst_stress_loss_usd,
            settings.max_stress_loss_usd,
        )
    return alerts


def relative_difference(ours: float, reported: float) -> float:
    """|ours - reported| / max(|ours|, |reported|): 0 when equal, 2 when opposite."""
    first, second = abs(ours), abs(reported)
    scale = second if second > first else first  # max(), as it picks (NaNs too), inline
    return 0.0 if scale == 0 else abs(ours - reported) / scale


_GREEKS = ("delta", "gamma", "vega")  # compared with the venue's, in this order
_GREEK_KEYS = tuple((name, f"{name}_ours", f"{name}_venue") for name in _GREEKS)
_greek_values = attrgetter(*_GREEKS)


def _differs(ours: float, reported: float, floor: float, tolerance: float) -> bool:
    """Whether one Greek disagrees: either is not finite, or the larger magnitude is over
    ``floor`` and ``relative_difference`` (written out here, sharing its scale with the
    floor's test: the same floats) over ``tolerance``."""
    first, second = abs(ours), abs(reported)
    scale = second if second > first else first  # max(), as it picks (NaNs too), inline
    finite = -math.inf < ours < math.inf and -math.inf < reported < math.inf  # no NaN passes
    return not finite or (
        scale > floor and (0.0 if scale == 0 else abs(ours - reported) / scale) > tolerance
    )


def _disagreements(
    check: GreekCheck, tolerance: float, floors: tuple[float, ...]
) -> tuple[list[str], dict[str, float]]:
    """The Greeks of ``check`` that disagree (``_differs``), by name, and ours and the
    venue's side by side; ``floors`` per name of ``_GREEKS``."""
    names: list[str] = []
    values: dict[str, float] = {}
    pairs = zip(_greek_values(check.ours), _greek_values(check.reported), strict=True)
    for (name, ours_key, venue_key), floor, (ours, reported) in zip(
        _GREEK_KEYS, floors, pairs, strict=True
    ):
        if _differs(ours, reported, floor, tolerance):
            names.append(name)
            values[ours_key], values[venue_key] = ours, reported
    return names, values


def greek_alerts(
    checks: Iterable[GreekCheck], tolerance: float, parameters: PolicyParameters
) -> list[Alert]:
    """One alert per position whose venue-reported delta, gamma or vega differs from ours
    by more than ``tolerance`` (relative), ignoring magnitudes under the floors."""
    floors = (
        parameters.greek_floor_delta,
        parameters.greek_floor_gamma,
        parameters.greek_floor_vega,
    )
    beyond = f"differ from ours by more than {tolerance:.1%}"
    delta_floor, gamma_floor, vega_floor = floors
    alerts = []
    for check in checks:
        ours, reported = check.ours, check.reported
        if not (  # a hundred checks a tick, nearly all agreeing: told without the lists
            _differs(ours.delta, reported.delta, delta_floor, tolerance)
            or _differs(ours.gamma, reported.gamma, gamma_floor, tolerance)
            or _differs(ours.vega, reported.vega, vega_floor, tolerance)
        ):
            continue
        names, values = _disagreements(check, tolerance, floors)
        subject = f"{check.venue}:{check.position}"
        alerts.append(
            Alert(
                AlertCode.VENUE_GREEKS,
                Severity.WARNING,
                subject,
                f"{subject}: the venue's {', '.join(names)} {beyond}",
                values,
            )
        )
    return alerts
