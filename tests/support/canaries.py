"""The canary check (RELIABILITY row 18): which planted secrets a text shows."""

from __future__ import annotations

from collections.abc import Iterable


def leaks(text: str, canaries: Iterable[str]) -> list[str]:
    """The canaries found in ``text`` (with or without ``0x``, in any letter case), each
    shortened so that a failing test does not print the secret it caught."""
    lowered = text.lower()
    found = []
    for canary in canaries:
        forms = {canary.lower(), canary.lower().removeprefix("0x")}
        if any(form in lowered for form in forms):
            found.append(canary[:12] + "...")
    return found
