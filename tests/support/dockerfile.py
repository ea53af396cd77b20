"""Just enough of a Dockerfile reader to run the image's commands outside Docker.

``Image.read(path)`` returns the final stage's ENV, ENTRYPOINT, CMD and HEALTHCHECK
(exec forms only, as the Ballast image uses); ``mapped`` rewrites container paths to
host paths the way bind mounts would.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    result = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _env(rest: str, env: dict[str, str]) -> None:
    for assignment in shlex.split(rest):
        name, _, value = assignment.partition("=")
        env[name] = re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


@dataclass
class Image:
    env: dict[str, str] = field(default_factory=dict)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path, *, base_env: Mapping[str, str]) -> Image:
        """The last stage of ``path``; ``base_env`` stands for the base image's ENV."""
        image = cls()
        for keyword, rest in _instructions(path.read_text()):
            if keyword == "FROM":
                image = cls(env=dict(base_env))
            elif keyword == "ENV":
                _env(rest, image.env)
            elif keyword == "ENTRYPOINT":
                image.entrypoint = json.loads(rest)
            elif keyword == "CMD":
                image.cmd = json.loads(rest)
            elif keyword == "HEALTHCHECK":
                image.healthcheck = json.loads(rest[rest.index("CMD ") + 4 :])
        return image


def mapped(value: str, mounts: Mapping[str, Path]) -> str:
    """``value`` with each container path prefix replaced by its host path."""
    for inside, outside in sorted(mounts.items(), key=lambda item: -len(item[0])):
        value = value.replace(inside, str(outside))
    return value
