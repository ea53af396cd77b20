"""The ``ballast`` command line.

Each subcommand is a small function that parses its arguments and hands over to the
module that owns the behaviour; anything that needs connectors or the local world goes
through ``agent.wiring``, the composition root.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from agent.errors import BallastError

Handler = Callable[[argparse.Namespace], int]


def _chain_up(args: argparse.Namespace) -> int:
    import agent.wiring as wiring

    return wiring.chain_up(port=args.port, manifest=args.manifest, seconds=args.seconds)


def _demo(args: argparse.Namespace) -> int:
    import agent.wiring as wiring

    return wiring.demo(seconds=args.seconds)


def _add_chain(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chain = commands.add_parser("chain", help="the local world: anvil with the reference protocols")
    chain_commands = chain.add_subparsers(dest="chain_command", required=True)
    up = chain_commands.add_parser("up", help="start anvil, deploy and seed the world, wait")
    up.add_argument("--port", type=int, default=None, help="RPC port (default: a free one)")
    up.add_argument("--manifest", default=None, help="where to write the deployment manifest")
    up.add_argument("--seconds", type=float, default=None, help="stop after this long")
    up.set_defaults(handler=_chain_up)


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser("demo", help="the embedded default: the local world, live")
    demo.add_argument("--seconds", type=float, default=20.0, help="how long to run")
    demo.set_defaults(handler=_demo)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ballast", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    _add_chain(commands)
    _add_demo(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except BallastError as error:
        print(f"ballast: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
