"""The fast static decoder returns exactly what eth_abi returns, on the real ABIs."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import get_abi_output_types
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.evm.abi import ABI_DIR, ContractAbi
from connectors.evm.static_abi import compile_decoder

CASES = [
    ("IPool", "getUserAccountData"),
    ("IPool", "getReserveData"),  # a static struct
    ("IPoolDataProvider", "getUserReserveData"),
    ("IPoolDataProvider", "getReserveData"),
    ("IChainlinkFeed", "latestRoundData"),  # int256 and uint80
    ("IUniswapV3Pool", "slot0"),  # int24 and bool
    ("IQuoterV2", "quoteExactInputSingle"),
]


def _strategy(kind: str) -> st.SearchStrategy[Any]:
    if kind.startswith("uint"):
        return st.integers(0, 2 ** int(kind[4:] or 256) - 1)
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    if kind == "address":
        return st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
    if kind == "bool":
        return st.booleans()
    if kind.startswith("("):
        inner = kind[1:-1].split(",")
        return st.tuples(*(_strategy(k) for k in inner))
    return st.binary(min_size=int(kind[5:]), max_size=int(kind[5:]))


@pytest.mark.parametrize(("contract", "function"), CASES)
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_fast_decode_equals_eth_abi(contract: str, function: str, data: st.DataObject) -> None:
    abi = ContractAbi.load(contract)
    entry = next(e for e in abi.raw if e.get("name") == function)
    types = get_abi_output_types(entry)  # type: ignore[arg-type]
    values = [data.draw(_strategy(t)) for t in types]
    encoded = abi_encode(types, values)
    fast = compile_decoder(entry["outputs"])
    assert fast is not None
    assert fast(encoded) == tuple(abi_decode(types, encoded))
    assert abi.decode(function, encoded) == tuple(abi_decode(types, encoded))


def test_dynamic_outputs_fall_back_to_eth_abi() -> None:
    abi = ContractAbi.load("IMulticall3")
    entry = next(e for e in abi.raw if e.get("name") == "aggregate3")
    assert compile_decoder(entry["outputs"]) is None
    assert (ABI_DIR / "IMulticall3.json").exists()


def test_short_data_is_a_decoding_error() -> None:
    with pytest.raises(Exception, match="needs 192"):
        ContractAbi.load("IPool").decode("getUserAccountData", b"\0" * 64)
