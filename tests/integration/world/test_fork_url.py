"""An unreachable --fork-url says which URL (redacted) and why, not just that anvil
exited (issue 14, part 5)."""

from __future__ import annotations

import pytest

from agent.errors import TransientError
from sim.anvil import Anvil, AnvilOptions, free_port

pytestmark = pytest.mark.integration


def test_an_unreachable_fork_url_names_the_url_redacted_and_anvils_reason() -> None:
    url = f"http://127.0.0.1:{free_port()}/v2/canary-api-key-7f3a9c"  # nothing listens
    with pytest.raises(TransientError) as raised:
        Anvil(AnvilOptions(fork_url=url)).start(ready_timeout_s=60)
    message = str(raised.value)
    assert "forking http://127.0.0.1:" in message
    assert "canary-api-key-7f3a9c" not in message
    assert "error sending request" in message.lower() or "connect" in message.lower(), message
