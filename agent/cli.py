"""The ``ballast`` command line.

Each subcommand is a small function that parses its arguments and hands over to the
module that owns the behaviour; anything that needs connectors goes through
``agent.wiring``, the composition root, and anything that needs the local world through
``rehearsal``, which composes the agent with ``sim``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from agent.errors import BallastError, ConfigError

Handler = Callable[[argparse.Namespace], int]


def _chain_up(args: argparse.Namespace) -> int:
    from rehearsal import commands

    return commands.chain_up(
        port=args.port, manifest=args.manifest, seconds=args.seconds, profile=args.profile
    )


def _run(args: argparse.Namespace) -> int:
    if args.dry_run:
        from rehearsal import commands

        return commands.run_dry(config_path=args.config, fork_urls=args.fork_url, ticks=args.ticks)
    if args.fork_url:
        raise ConfigError("--fork-url only makes sense with --dry-run", field="--fork-url")
    from agent import service  # reads the config before importing the heavy wiring

    return service.run(
        config_path=args.config, log_format=args.log_format, log_level=args.log_level
    )


def _config_check(args: argparse.Namespace) -> int:
    import agent.wiring as wiring

    return wiring.config_check(args.file)


def _add_run(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser("run", help="the daemon: keep the book inside its limits")
    run.add_argument("--config", required=True, help="config file (TOML)")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="read the real venues, execute only on a local anvil fork and a paper book",
    )
    run.add_argument(
        "--fork-url",
        action="append",
        default=[],
        help="with --dry-run: what to fork, NAME=URL per chain (a bare URL with one chain); "
        "default: each chain's own first RPC URL",
    )
    run.add_argument("--ticks", type=int, default=None, help="with --dry-run: stop after N ticks")
    run.add_argument(
        "--log-format", choices=("json", "console"), default="json", help="log lines (stderr)"
    )
    run.add_argument("--log-level", choices=("debug", "info", "warning", "error"), default="info")
    run.set_defaults(handler=_run)
    config = commands.add_parser("config", help="configuration tools")
    config_commands = config.add_subparsers(dest="config_command", required=True)
    check = config_commands.add_parser("check", help="validate a config; name every error")
    check.add_argument("file", help="config file (TOML)")
    check.set_defaults(handler=_config_check)


def _demo(args: argparse.Namespace) -> int:
    from rehearsal import commands

    if not args.minutes > 0:
        raise ConfigError(f"must be a positive number, got {args.minutes}", field="--minutes")
    return commands.demo(minutes=args.minutes, headless=args.headless)


def _simulate(args: argparse.Namespace) -> int:
    from rehearsal import commands

    return commands.simulate(
        scenario_path=args.scenario,
        out=args.out,
        hedge=not args.no_hedge,
        seed=args.seed,
        short=args.short,
        policy=args.policy,
        interval_s=args.interval_s,
    )


def _compare(args: argparse.Namespace) -> int:
    from rehearsal import commands

    return commands.compare(
        scenario_path=args.scenario, out=args.out, seed=args.seed, short=args.short
    )


def _status(args: argparse.Namespace) -> int:
    from agent.control import client

    target = client.AdminTarget.from_arguments(args.socket, args.url, args.token_file)
    document = client.run(client.AdminClient(target).status())
    print(json.dumps(document, indent=2) if args.json else client.format_status(document))
    return 0


def _health(args: argparse.Namespace) -> int:
    from agent.control import client

    target = client.AdminTarget.from_arguments(args.socket, args.url, args.token_file)
    try:
        document = client.run(client.AdminClient(target, timeout_s=args.timeout).health())
    except client.AdminUnavailable as error:
        print(f"unhealthy: {error}")
        return 1  # Docker reserves exit code 2; anything unreachable is simply unhealthy
    print(f"{'healthy' if document.get('ok') else 'unhealthy'}: {document.get('detail')}")
    return 0 if document.get("ok") else 1


def _operator_command(args: argparse.Namespace) -> int:
    from agent.control import client

    target = client.AdminTarget.from_arguments(args.socket, args.url, args.token_file)
    call = client.AdminClient(target).command(
        args.command,
        reason=args.reason,
        operator=client.operator_name(),
        cancel_transactions=getattr(args, "cancel_transactions", False),
    )
    print(client.format_command(client.run(call)))
    return 0


def _add_admin_target(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--socket", help="the daemon's admin socket (default: run/admin.sock)")
    where.add_argument("--url", help="the daemon's admin URL over TCP (needs --token-file)")
    parser.add_argument("--token-file", help="file holding the admin API's bearer token")


def _add_operator(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = commands.add_parser("status", help="kill switch, Greeks, health, pending work")
    status.add_argument("--json", action="store_true", help="print the raw JSON")
    _add_admin_target(status)
    status.set_defaults(handler=_status)
    health = commands.add_parser(
        "health", help="exit 0 if the daemon's ticks keep finishing (container health checks)"
    )
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for it")
    _add_admin_target(health)
    health.set_defaults(handler=_health)
    helps = {
        "pause": "REDUCE_ONLY: only risk-reducing intents from now on",
        "kill": "HALTED: nothing new, open orders cancelled",
        "resume": "ACTIVE again (the only way back)",
        "flatten": "FLATTEN: cancel orders and unwind hedges",
        "ack": "acknowledge external events (a REDUCE_ONLY they caused becomes ACTIVE)",
    }
    for name, text in helps.items():
        command = commands.add_parser(name, help=text)
        if name in ("resume", "ack"):  # re-arming is deliberate; stopping must not wait
            command.add_argument("--reason", required=True, help="why (kept in the journal)")
        else:
            command.add_argument("--reason", default="operator command", help="why (journaled)")
        _add_admin_target(command)
        command.set_defaults(handler=_operator_command)
    kill = commands.choices["kill"]
    kill.add_argument(
        "--cancel-transactions",
        action="store_true",
        help="also replace pending transactions with 0-value self-transfers",
    )


def _risk(args: argparse.Namespace) -> int:
    import json
    import math

    from agent.errors import ConfigError
    from agent.risk.book import Book
    from agent.risk.report import risk_report
    from agent.risk.report_text import render_text

    if not (math.isfinite(args.horizon_days) and args.horizon_days > 0.0):
        raise ConfigError(
            f"must be a positive number of days, got {args.horizon_days}", field="--horizon-days"
        )
    try:
        with open(args.book, encoding="utf-8") as file:
            document = file.read()
    except OSError as error:
        raise ConfigError(
            f"cannot read the book file: {error.strerror or error}", source=args.book
        ) from None
    report = risk_report(Book.from_json(document, source=args.book), horizon_days=args.horizon_days)
    print(
        json.dumps(report, indent=2, allow_nan=False) if args.json else render_text(report),
        end="\n" if args.json else "",
    )
    return 0


def _add_chain(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chain = commands.add_parser("chain", help="the local world: anvil with the reference protocols")
    chain_commands = chain.add_subparsers(dest="chain_command", required=True)
    up = chain_commands.add_parser("up", help="start anvil, deploy and seed the world, wait")
    up.add_argument("--port", type=int, default=None, help="RPC port (default: a free one)")
    up.add_argument("--manifest", default=None, help="where to write the deployment manifest")
    up.add_argument("--seconds", type=float, default=None, help="stop after this long")
    up.add_argument(
        "--profile",
        choices=("ethereum", "arbitrum"),
        default="ethereum",
        help="chain profile (arbitrum: block.number in contracts is an L1-like number)",
    )
    up.set_defaults(handler=_chain_up)


def _add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="the embedded default: the agent defends a book through a selloff, live"
    )
    demo.add_argument(
        "--minutes", type=float, default=3.0, help="wall-clock minutes to run (default 3)"
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="print log lines instead of the live view (automatic without a terminal)",
    )
    demo.set_defaults(handler=_demo)
    simulate = commands.add_parser(
        "simulate", help="run a scenario file in the local world; write report.json and plots"
    )
    simulate.add_argument("--scenario", required=True, help="scenario file (TOML)")
    simulate.add_argument("--out", required=True, help="folder for report.json and the PNGs")
    simulate.add_argument(
        "--no-hedge",
        action="store_true",
        help="the agent reads and reports but sends nothing (kill switch held)",
    )
    simulate.add_argument(
        "--seed", type=int, default=None, help="seed of a GBM path (default: the file's)"
    )
    simulate.add_argument(
        "--short", action="store_true", help="the file's quick version ([short], or ~8 steps)"
    )
    simulate.add_argument(
        "--policy",
        choices=("agent", "periodic", "static"),
        default="agent",
        help="the agent, a periodic hedger (with --interval-s) or a fixed band, no vol",
    )
    simulate.add_argument(
        "--interval-s", type=int, default=None, help="the periodic hedger's interval (s)"
    )
    simulate.set_defaults(handler=_simulate)
    compare = commands.add_parser(
        "compare", help="the agent beside periodic and static hedging on one scenario; a plot"
    )
    compare.add_argument("--scenario", required=True, help="scenario file (TOML)")
    compare.add_argument("--out", required=True, help="folder for each run and compare.png")
    compare.add_argument("--seed", type=int, default=None, help="seed of a GBM path")
    compare.add_argument("--short", action="store_true", help="the file's quick version")
    compare.set_defaults(handler=_compare)


def _add_risk(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    risk = commands.add_parser(
        "risk", help="Greeks, health, liquidation distance and stress of a book file (no network)"
    )
    risk.add_argument(
        "--book", required=True, help="book file (JSON), see config/books/example.json"
    )
    risk.add_argument(
        "--json", action="store_true", help="print one JSON document instead of tables"
    )
    risk.add_argument(
        "--horizon-days",
        type=float,
        default=1.0,
        help="horizon of the liquidation probability (days)",
    )
    risk.set_defaults(handler=_risk)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ballast", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    _add_chain(commands)
    _add_demo(commands)
    _add_run(commands)
    _add_operator(commands)
    _add_risk(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except BallastError as error:
        from agent.ops.redaction import redact

        print(f"ballast: {redact(str(error))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
