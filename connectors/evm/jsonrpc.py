"""A thin JSON-RPC transport to one Ethereum endpoint.

One HTTP POST per request (or per batch), no middleware: web3.py's default stack adds
eth_chainId round trips to every call. Errors are mapped once, here, into
``agent.errors`` by what the caller must do:

- connection refused / DNS: TransientError (nothing reached the node);
- timeout or broken reply on a *send*: OutcomeUnknown (the node may have it);
- timeout on a read: TransientError;
- a JSON-RPC error object: RpcError (a RejectedError), or TransientError for
  rate limits and "header not found"-style lag;
- an execution revert: ExecutionReverted (a RejectedError) carrying the revert data.

URLs are never put into messages whole: they may carry API tokens.

A request is written by orjson when it holds only strings, booleans, null, 64-bit
integers, arrays and string-keyed objects (every request the tick sends: a batch's
calldata is a megabyte of hex that ``json`` spends milliseconds escaping), otherwise
by ``json``, as aiohttp's ``json=`` did: both give the same JSON for such values.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from agent.errors import OutcomeUnknown, RejectedError, TransientError

_SENDS = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
_TRANSIENT_CODES = frozenset({-32005, 429})  # limit exceeded / rate limited
_TRANSIENT_MESSAGES = ("header not found", "rate limit", "too many requests", "timeout")
_JSON = {"Content-Type": "application/json"}
_INT64 = 1 << 63


def _plain(value: object) -> bool:
    """Whether orjson writes ``value`` exactly as ``json.dumps`` means it."""
    if value is None or isinstance(value, str | bool):
        return True
    if isinstance(value, int):
        return -_INT64 <= value < _INT64
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(type(key) is str and _plain(item) for key, item in value.items())
    return False  # floats (NaN), other types: json, as before


def request_body(payload: object) -> bytes:
    """The JSON of a request (see the module's docstring)."""
    if _plain(payload):
        try:
            return orjson.dumps(payload)
        except orjson.JSONEncodeError:  # e.g. a string that is not valid UTF-8
            pass
    return json.dumps(payload).encode()


def redact_url(url: str) -> str:
    """``scheme://host:port`` only: paths and queries often hold provider API keys."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class RpcError(RejectedError):
    """The node answered with a JSON-RPC error object."""

    def __init__(self, method: str, code: int, message: str, data: object = None):
        super().__init__(f"{method}: {message} (code {code})")
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data


class ExecutionReverted(RpcError):
    """A call or gas estimate reverted; ``revert_data`` holds the raw revert bytes."""

    @property
    def revert_data(self) -> bytes:
        data = self.data
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        return b""


def _error_from_reply(method: str, error: dict[str, Any]) -> Exception:
    code = int(error.get("code", 0))
    message = str(error.get("message", ""))
    lowered = message.lower()
    if code in _TRANSIENT_CODES or any(text in lowered for text in _TRANSIENT_MESSAGES):
        return TransientError(f"{method}: {message} (code {code})")
    if code == 3 or "revert" in lowered:
        return ExecutionReverted(method, code, message, error.get("data"))
    return RpcError(method, code, message, error.get("data"))


class JsonRpcTransport:
    """Requests to one endpoint over a shared aiohttp session.

    ``request_count`` counts HTTP round trips and ``method_counts`` the calls by method
    (a batch counts each of its calls), so tests and benchmarks can prove that a tick
    costs what it should.
    """

    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self.label = redact_url(url)
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)
        self.request_count = 0
        self.method_counts: Counter[str] = Counter()

    async def __aenter__(self) -> JsonRpcTransport:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def request(self, method: str, params: Sequence[Any] = ()) -> Any:
        """One JSON-RPC call; returns ``result`` or raises a mapped error."""
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        self.method_counts[method] += 1
        reply = await self._post(payload, method)
        if not isinstance(reply, dict):
            raise TransientError(f"{method}: malformed reply from {self.label}")
        if reply.get("error"):
            raise _error_from_reply(method, reply["error"])
        return reply.get("result")

    async def batch(
        self, calls: Sequence[tuple[str, Sequence[Any]]], *, errors_in_place: bool = False
    ) -> list[Any]:
        """Several calls in one HTTP round trip; raises the first error in call order, or
        with ``errors_in_place`` returns each call's error (mapped) as its result."""
        first_id = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first_id + offset, "method": method, "params": params}
            for offset, (method, params) in enumerate(calls)
        ]
        for _ in calls[1:]:
            next(self._ids)
        self.method_counts.update(method for method, _ in calls)
        label = ",".join(sorted({method for method, _ in calls}))
        replies = await self._post(payload, label)
        if not isinstance(replies, list) or len(replies) != len(calls):
            raise TransientError(f"batch: malformed reply from {self.label}")
        by_id = {reply.get("id"): reply for reply in replies if isinstance(reply, dict)}
        results = []
        for offset, (method, _) in enumerate(calls):
            reply = by_id.get(first_id + offset)
            if not isinstance(reply, dict):
                error: Exception = TransientError(f"{method}: no reply in the batch")
            elif reply.get("error"):
                error = _error_from_reply(method, reply["error"])
            else:
                results.append(reply.get("result"))
                continue
            if not errors_in_place:
                raise error
            results.append(error)
        return results

    async def _post(self, payload: object, method: str) -> Any:
        self.request_count += 1
        is_send = method in _SENDS
        try:
            body = request_body(payload)
            async with self._session_now().post(self.url, data=body, headers=_JSON) as response:
                if response.status == 429:
                    retry_after = response.headers.get("Retry-After")
                    raise TransientError(
                        f"{method}: rate limited by {self.label}",
                        retry_after_s=float(retry_after) if retry_after else None,
                    )
                if response.status >= 500:
                    raise TransientError(f"{method}: HTTP {response.status} from {self.label}")
                return await response.json(content_type=None)
        except aiohttp.ClientConnectorError as error:
            raise TransientError(f"{method}: cannot connect to {self.label}") from error
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            if is_send:
                raise OutcomeUnknown(
                    f"{method}: no usable reply from {self.label}; it may have been accepted"
                ) from error
            raise TransientError(f"{method}: no usable reply from {self.label}") from error
