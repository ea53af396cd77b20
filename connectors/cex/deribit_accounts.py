"""A Deribit account's health in its margin model, and the models Ballast supports.

Deribit's API reference (2.1.1, ``private/get_account_summary``): ``margin_model`` names
the account's model; in standard margin a segregated account ("segregated_sm") margins
each currency on its own, while with cross collateral ("cross_sm",
``cross_collateral_enabled`` true) ``maintenance_margin``, ``initial_margin`` and
``margin_balance`` are aggregated over every cross-collateral currency (converted to the
asked currency by index) and ``total_margin_balance_usd`` /
``total_maintenance_margin_usd`` / ``total_initial_margin_usd`` give the account in USD.
Pairing one currency's ``equity`` with the aggregated maintenance (what Ballast did) gets
health wrong both ways, so a cross account is one Health: the totals.

Portfolio margin ("segregated_pm", "cross_pm") computes margin from Deribit's risk
scenarios, which Ballast's risk engine does not model: a connector refuses to start on
it, naming the venue and the setting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from agent.errors import ConfigError, TransientError
from agent.model import Health
from connectors.cex.markets import number

SUPPORTED_MODELS = ("segregated_sm", "cross_sm")


def check_margin_model(venue: str, summary: Mapping[str, Any]) -> str:
    """The account's margin model; ConfigError when Ballast cannot judge its health."""
    model = str(summary.get("margin_model") or "segregated_sm")
    if model not in SUPPORTED_MODELS or summary.get("portfolio_margining_enabled"):
        raise ConfigError(
            f"{venue}: the account's margin model is {model!r} (Deribit setting margin_model);"
            f" Ballast supports {', '.join(SUPPORTED_MODELS)}: change it on Deribit first",
            source=venue,
            field="margin_model",
        )
    return model


def by_currency(
    venue: str, result: Mapping[str, Any], currencies: Sequence[str]
) -> dict[str, Mapping[str, Any]]:
    """The summaries of ``currencies``, in their order, from ``private/
    get_account_summaries`` (``summaries[]``, one per currency account, each naming its
    ``currency``: Deribit API 2.1.1 reference); TransientError when one is missing."""
    found = {str(s.get("currency")): s for s in result.get("summaries") or []}
    missing = [code for code in currencies if code not in found]
    if missing:
        raise TransientError(f"{venue}: the account summaries lack {', '.join(missing)}")
    return {code: found[code] for code in currencies}


def account_health(
    venue: str, summaries: Mapping[str, Mapping[str, Any]], usd_per: Callable[[str], float]
) -> list[Health]:
    """One Health per segregated currency account, or one for a cross account."""
    cross = next((s for s in summaries.values() if s.get("cross_collateral_enabled")), None)
    if cross is not None:
        return [
            Health.from_margin(
                venue,
                equity_usd=number(cross.get("total_margin_balance_usd"), 0.0) or 0.0,
                maintenance_margin_usd=number(cross.get("total_maintenance_margin_usd"), 0.0)
                or 0.0,
                initial_margin_usd=number(cross.get("total_initial_margin_usd")),
                account="cross",
            )
        ]
    found = []
    for code, summary in summaries.items():
        equity = number(summary.get("equity"), 0.0) or 0.0
        maintenance = number(summary.get("maintenance_margin"), 0.0) or 0.0
        if equity == 0 and maintenance == 0:
            continue
        usd = usd_per(code)
        found.append(
            Health.from_margin(
                venue,
                equity_usd=equity * usd,
                maintenance_margin_usd=maintenance * usd,
                initial_margin_usd=(number(summary.get("initial_margin"), 0.0) or 0.0) * usd,
                account=code,
            )
        )
    return found
