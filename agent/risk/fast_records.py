"""Records by the thousand: the records their classes build, for a third of the cost.

A tick builds an Aave account's supply and debt per reserve and an option per option
held, ~1,000 records for the bench's book. A frozen dataclass sets each field through
``object.__setattr__`` and checks each in a call of its own (``__post_init__``), 1.5 to
2.5 us a record. Here a record whose names ``agent.risk.positions`` has already found
valid, whose numbers are floats plainly in range and whose expiry is an aware datetime
has its fields laid into its slots at once (as ``object.__setattr__`` would lay them).
Any other record is built by its class, whose checks raise exactly as they always did:
the same inputs are refused with the same errors.
"""

from __future__ import annotations

import math
from datetime import datetime

from agent.risk import positions
from agent.risk.positions import LendingDebtPosition, LendingSupplyPosition, OptionPosition
from agent.risk.terms import OptionType, Settlement
from agent.slots import draft_class

_INF = math.inf
_new = object.__new__


def _known_names(
    identifier: str, venue: str, underlying: str, account: str | None, protocol: str
) -> bool:
    """Whether ``_validate_identity`` would pass these names without a look: each a str
    that ``_require_name`` has already found valid (``account`` may be None)."""
    names = positions._VALID_NAMES
    return (
        type(identifier) is str
        and identifier in names
        and type(venue) is str
        and venue in names
        and type(underlying) is str
        and underlying in names
        and (account is None or (type(account) is str and account in names))
        and type(protocol) is str
        and protocol in names
    )


# Filled by attribute, then made the record (``agent.slots.draft_class``).
_SupplyDraft = draft_class(LendingSupplyPosition)
_DebtDraft = draft_class(LendingDebtPosition)
_OptionDraft = draft_class(OptionPosition)


def lending_supply(
    identifier: str, venue: str, underlying: str, quantity: float, threshold: float, protocol: str
) -> LendingSupplyPosition:
    """``LendingSupplyPosition(identifier, venue, underlying, quantity, threshold,
    protocol=protocol)``, cheaper (see the module's doc)."""
    if (
        type(quantity) is float
        and 0.0 <= quantity < _INF  # require_non_negative
        and type(threshold) is float
        and 0.0 <= threshold <= 1.0  # require_fraction
        and _known_names(identifier, venue, underlying, None, protocol)
    ):
        record = _new(_SupplyDraft)
        record.id, record.venue, record.underlying = identifier, venue, underlying
        record.quantity, record.liquidation_threshold = quantity, threshold
        record.account, record.protocol = None, protocol
        record.__class__ = LendingSupplyPosition
        return record  # type: ignore[no-any-return]
    return LendingSupplyPosition(
        identifier, venue, underlying, quantity, threshold, protocol=protocol
    )


def lending_debt(
    identifier: str, venue: str, underlying: str, quantity: float, protocol: str
) -> LendingDebtPosition:
    """``LendingDebtPosition(identifier, venue, underlying, quantity, protocol=protocol)``,
    cheaper (see the module's doc)."""
    if (
        type(quantity) is float
        and 0.0 <= quantity < _INF
        and _known_names(identifier, venue, underlying, None, protocol)
    ):
        record = _new(_DebtDraft)
        record.id, record.venue, record.underlying = identifier, venue, underlying
        record.quantity, record.account, record.protocol = quantity, None, protocol
        record.__class__ = LendingDebtPosition
        return record  # type: ignore[no-any-return]
    return LendingDebtPosition(identifier, venue, underlying, quantity, protocol=protocol)


def option(
    identifier: str,
    venue: str,
    underlying: str,
    option_type: OptionType,
    strike: float,
    expiry: datetime,
    quantity: float,
    settlement: Settlement,
    vol: float | None,
    account: str | None,
    protocol: str,
    maintenance_margin_rate: float,
) -> OptionPosition:
    """``OptionPosition(identifier, venue, underlying, option_type, strike, expiry,
    quantity, settlement, vol, account=account, protocol=protocol,
    maintenance_margin_rate=maintenance_margin_rate)`` (no forward), cheaper (see the
    module's doc)."""
    if (
        type(strike) is float
        and 0.0 < strike < _INF  # require_positive
        and type(quantity) is float
        and -_INF < quantity < _INF  # require_finite
        and (vol is None or (type(vol) is float and 0.0 < vol < _INF))
        and type(maintenance_margin_rate) is float
        and 0.0 <= maintenance_margin_rate < _INF
        and type(expiry) is datetime
        and expiry.tzinfo is not None
        and expiry.utcoffset() is not None  # _require_aware
        and _known_names(identifier, venue, underlying, account, protocol)
    ):
        record = _new(_OptionDraft)
        record.id, record.venue, record.underlying = identifier, venue, underlying
        record.option_type, record.strike, record.expiry = option_type, strike, expiry
        record.quantity, record.settlement, record.vol = quantity, settlement, vol
        record.forward, record.account, record.protocol = None, account, protocol
        record.maintenance_margin_rate = maintenance_margin_rate
        record.__class__ = OptionPosition
        return record  # type: ignore[no-any-return]
    return OptionPosition(
        identifier, venue, underlying, option_type, strike, expiry, quantity, settlement, vol,
        account=account, protocol=protocol, maintenance_margin_rate=maintenance_margin_rate,
    )  # fmt: skip
