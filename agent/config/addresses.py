"""Addresses in the config: 20 bytes in hex, and checksummed when written in mixed case."""

from __future__ import annotations

from typing import Annotated

from eth_utils.address import is_checksum_address
from pydantic import AfterValidator, StringConstraints


def _checksummed(value: str) -> str:
    """A mixed-case address must carry its EIP-55 checksum: a typo in a checksummed address
    is caught here instead of sending money to it. All-lower or all-upper case carries no
    checksum and is taken as written."""
    digits = value[2:]
    if digits != digits.lower() and digits != digits.upper() and not is_checksum_address(value):
        raise ValueError(
            f"{value} fails its EIP-55 checksum: a character is wrong or its case was edited; "
            "copy it again from its source"
        )
    return value


Address = Annotated[
    str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$"), AfterValidator(_checksummed)
]
