"""Small ports that connectors and the local world implement.

Each port is a handful of async methods. Optional abilities are separate Protocols
(``OrderVenue`` beside ``Venue``), checked once at start-up, never probed per call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from agent.errors import Withdrawn
from agent.in_flight import InFlight
from agent.intents import Intent
from agent.model import Side, VenueSnapshot

LastLook = Callable[[], str | None]
"""Asked just before an order is submitted: None to go ahead, else why not."""


def take_last_look(last_look: LastLook | None, venue: str, client_order_id: str) -> None:
    """Raise ``Withdrawn`` (nothing has left: definitely not placed) if ``last_look``
    gives a reason not to submit the order now."""
    reason = last_look() if last_look is not None else None
    if reason is not None:
        raise Withdrawn(f"{venue}: order {client_order_id} withdrawn: {reason}")


class Clock(Protocol):
    """Time, injected so simulation and live run the same code."""

    def now(self) -> datetime:
        """Wall-clock (or chain/simulated) time, timezone-aware UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, for measuring intervals."""
        ...

    async def sleep(self, seconds: float) -> None: ...


@runtime_checkable
class Venue(Protocol):
    """Anything the agent reads positions, health and prices from."""

    @property
    def name(self) -> str: ...

    async def snapshot(self) -> VenueSnapshot:
        """Read the venue now. Raises TransientError when it cannot be read."""
        ...


class VenueGroup(Protocol):
    """Venues whose reads are one read (an EVM chain's connectors: one batched call)."""

    async def read_all(self) -> Mapping[str, VenueSnapshot | BaseException]:
        """Every member's snapshot, or the exception its own part failed with, by member
        name. Raises when the read as a whole fails: then every member has failed."""
        ...


@runtime_checkable
class GroupedVenue(Venue, Protocol):
    """A venue read as a member of ``group`` (under its ``name``); its ``snapshot`` reads
    the group and returns its own part, for callers that want one venue."""

    @property
    def group(self) -> VenueGroup: ...


# --- EVM: sans-I/O reads, batched by one ChainReader per chain --------------------


@dataclass(frozen=True, slots=True)
class Call:
    """One contract call inside a Multicall3 ``aggregate3`` batch."""

    target: str
    data: bytes
    allow_failure: bool = True


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    data: bytes


@dataclass(frozen=True, slots=True)
class BlockRef:
    """The block a batch was read at; chain time comes from here, not the local clock.

    ``parent_hash`` is the hash the EVM could see while reading (blockhash(number - 1));
    it changes if the block read was reorganised away.
    """

    number: int
    timestamp: int
    parent_hash: str


class ChainReader(Protocol):
    """Executes batches of calls on one chain, pinned to one block."""

    @property
    def chain_id(self) -> int: ...

    async def read(self, calls: Sequence[Call]) -> tuple[BlockRef, Sequence[CallResult]]:
        """Run every call in one ``aggregate3`` at one block; results in call order."""
        ...


class Rpc(Protocol):
    """JSON-RPC to one chain, already checked to be the right chain.

    ``connectors.evm.rpc.ChainClient`` satisfies it (failover, chainId proof). Errors
    follow ``agent.errors``: TransientError (nothing reached a node), OutcomeUnknown (a
    send may have been accepted), RejectedError (the node answered with an error).
    """

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """Call ``method`` and return its ``result``."""
        ...


@dataclass(frozen=True, slots=True)
class TxRequest:
    """An unsigned contract interaction an EVM connector wants sent.

    ``function`` is the human signature (``supply(address,uint256,address,uint16)``),
    kept for the guard's allowlist and for the journal.
    """

    chain_id: int
    to: str
    data: bytes
    function: str
    value: int = 0


class EvmActions(Protocol):
    """An EVM connector's ability to turn intents into transactions."""

    def build(self, intent: Intent, in_flight: Sequence[InFlight] = ()) -> Sequence[TxRequest]:
        """Transactions that carry out ``intent``, in order (approvals first).

        ``in_flight`` is our work whose transactions are not all mined yet: an approval
        sets the allowance (it does not add to it), so it must also cover what that work
        will still pull through the same spender.
        """
        ...


@dataclass(frozen=True, slots=True)
class SignedTransaction:
    raw: bytes
    hash: str
    nonce: int
    chain_id: int


class Signer(Protocol):
    """Holds a key; checks the chain id before every signature."""

    @property
    def address(self) -> str: ...

    async def sign_transaction(self, transaction: dict[str, object]) -> SignedTransaction: ...


# --- Exchanges: orders with deterministic client ids ---------------------------------


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A limit (or IOC) order. ``quantity`` is in coin of the underlying, for every
    venue and instrument kind; the venue's connector converts it to its order amount."""

    client_order_id: str
    symbol: str
    side: Side
    quantity: float
    limit_price: float | None
    reduce_only: bool = False
    time_in_force: str = "IOC"


@dataclass(frozen=True, slots=True)
class OrderState:
    """What a venue shows of one order; ``filled_quantity`` in coin, like the request."""

    client_order_id: str
    venue_order_id: str | None
    symbol: str
    status: str  # "open" | "closed" | "canceled" | "rejected"
    filled_quantity: float
    average_price: float | None
    fee_usd: float = 0.0


class OrderVenue(Protocol):
    """An exchange's ability to place, find and cancel orders by client id."""

    async def place_order(
        self, order: OrderRequest, *, last_look: LastLook | None = None
    ) -> OrderState:
        """Place ``order``. Raises OutcomeUnknown when the reply is lost. ``last_look`` is
        asked immediately before each submission (after any sizing call or retry wait);
        a reason from it means: do not submit, raise ``Withdrawn`` with that reason."""
        ...

    async def find_order(self, client_order_id: str, symbol: str) -> OrderState | None:
        """Look an order up by its client id; None if the venue has never seen it."""
        ...

    async def cancel_order(self, client_order_id: str, symbol: str) -> OrderState: ...

    async def open_orders(self) -> Sequence[OrderState]: ...
