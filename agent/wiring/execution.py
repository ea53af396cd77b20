"""Building the guarded executor, the kill switch and the admin server from the config."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from agent.config.models import ChainSettings, Config, GasSettings
from agent.control.admin import AdminServer, TcpListen
from agent.control.commands import Controls
from agent.control.killswitch import KillSwitch
from agent.control.status import JournalStatus, StatusProvider
from agent.errors import ConfigError
from agent.execution.executor import Executor
from agent.execution.guard import Guard
from agent.execution.journal import Journal
from agent.execution.limits import ExposureCap, GasCaps, GuardLimits
from agent.execution.orders import OrderExecutor, OrderSettings
from agent.execution.reconcile import ReadOnlyGate
from agent.execution.stress_gate import StressLimits
from agent.execution.transactions import TxManager, TxSettings
from agent.leadership import LeaderOnlyActions, Leadership
from agent.ops.gas import GasMeter
from agent.ports import Clock, Rpc, Signer
from agent.wiring.venues import Chain, Venues
from connectors.evm.fork import ForkRpc, ImpersonatingSigner
from connectors.evm.keystore import keystore_signer
from connectors.evm.remote_signer import RemoteSigner
from connectors.evm.signer import LocalKeySigner

log = structlog.get_logger(__name__)

GWEI = 10**9


@dataclass
class Execution:
    journal: Journal
    killswitch: KillSwitch
    guard: Guard
    executor: Executor
    controls: Controls
    gate: ReadOnlyGate
    journal_status: JournalStatus
    gas_meters: list[GasMeter] = field(default_factory=list)
    leadership: Leadership | None = None  # a shared journal: leader or standby


def _gas_caps(gas: GasSettings) -> tuple[GasCaps, GasCaps]:
    """A chain's (normal, emergency) fee caps in wei."""
    normal = GasCaps(
        max_fee_per_gas_wei=int(gas.max_fee_gwei * GWEI),
        max_priority_fee_per_gas_wei=int(gas.max_priority_fee_gwei * GWEI),
    )
    emergency = GasCaps(
        max_fee_per_gas_wei=int(gas.emergency_max_fee_gwei * GWEI),
        max_priority_fee_per_gas_wei=int(gas.emergency_max_priority_fee_gwei * GWEI),
    )
    return normal, emergency


def guard_limits(config: Config, built: Venues) -> GuardLimits:
    """The guard's limits: the config's, plus the allowlist the connectors declare."""
    limits = config.limits
    chain_gas = {chain.chain_id: _gas_caps(chain.gas) for chain in config.chains.values()}
    one_wei = GasCaps(max_fee_per_gas_wei=1, max_priority_fee_per_gas_wei=0)
    normal, emergency = next(iter(chain_gas.values()), (one_wei, one_wei))
    protocol_caps = {p: ExposureCap(**c.model_dump()) for p, c in limits.protocol_caps.items()}
    return GuardLimits(
        max_notional_per_action_usd=limits.max_notional_per_action_usd,
        max_notional_per_hour_usd=limits.max_notional_per_hour_usd,
        venue_caps={v: ExposureCap(**c.model_dump()) for v, c in limits.venue_caps.items()},
        protocol_caps=protocol_caps,
        protocol_of_venue={
            v: p.protocol for v, p in built.profiles.items() if p.protocol in protocol_caps
        },
        max_slippage=limits.max_slippage,
        max_reference_deviation=limits.max_reference_deviation,
        gas=normal,
        emergency_gas=emergency,
        chain_gas=chain_gas,
        allowlist={address: frozenset(functions) for address, functions in built.allowlist.items()},
        max_input_age_s=limits.max_input_age_s,
        max_intent_age_s=limits.max_intent_age_s,
    )


def signer_for(chain: ChainSettings) -> Signer:
    """The chain's key: a remote signer, an encrypted keystore, or a raw key by reference.

    Every one of them checks the chainId before each signature. A remote signer is not
    contacted here: ``open_signer`` proves it holds the account's key.
    """
    account = chain.account
    signer: Signer
    if account.remote_signer is not None:
        signer = RemoteSigner(
            account.remote_signer, address=account.address, chain_id=chain.chain_id,
            api=account.remote_signer_api, token=account.remote_signer_token,
            timeout_s=account.remote_signer_timeout_s,
        )  # fmt: skip
    elif account.keystore is not None:
        assert account.keystore_password is not None  # the config requires it
        signer = keystore_signer(
            account.keystore, account.keystore_password, chain_id=chain.chain_id
        )
    else:
        assert account.private_key is not None  # the config requires exactly one source
        signer = LocalKeySigner(account.private_key, chain_id=chain.chain_id)
    if signer.address.lower() != account.address.lower():
        raise ConfigError(f"the key does not belong to {account.address}", field="account.address")
    return signer


async def open_signer(chain: ChainSettings, stack: AsyncExitStack) -> Signer:
    """``signer_for``, with a remote signer's session on ``stack`` and its key proven."""
    signer = signer_for(chain)
    if isinstance(signer, RemoteSigner):
        stack.push_async_callback(signer.aclose)
        await signer.verify()
    return signer


async def _chain_access(
    chain: Chain, stack: AsyncExitStack, *, dry_run: bool
) -> tuple[Rpc, Signer]:
    """Live: the chain's client and the account's key. Dry run: the fork, impersonating
    the account, after proving the target is a local fork of that chain."""
    if not dry_run:
        return chain.client, await open_signer(chain.settings, stack)
    url = chain.settings.rpc_urls[0].get_secret_value()
    fork = ForkRpc(chain.client, account=chain.settings.account.address, url=url)
    await fork.verify(chain.settings.chain_id)
    return fork, ImpersonatingSigner(
        chain.settings.account.address, chain_id=chain.settings.chain_id
    )


def open_journal(config: Config) -> Journal:
    """The journal ``agent.journal`` names: a SQLite file, or ``agent.book`` on the
    PostgreSQL database at that URL with ``agent.journal_password``; every call to it
    bounded by ``agent.venue_timeout_s``."""
    settings = config.agent
    password = settings.journal_password
    return Journal.open(
        settings.journal,
        book=settings.book,
        password=password.get_secret_value() if password else None,
        timeout_s=settings.venue_timeout_s,
    )


async def build_execution(
    config: Config, built: Venues, clock: Clock, stack: AsyncExitStack, *, dry_run: bool = False
) -> Execution:
    journal = open_journal(config)
    where = str(journal.path) if journal.path else f"postgresql book {journal.book}"
    stack.callback(log.info, "journal_closed", path=where)  # runs after the close below
    stack.callback(journal.close)
    killswitch = KillSwitch(journal, clock)
    guard = Guard(guard_limits(config, built), StressLimits.of(config.limits))
    managers, meters = [], []
    for chain in built.chains.values():
        settings = TxSettings(
            chain_id=chain.settings.chain_id,
            confirmations=chain.settings.confirmations,
            replace_after_s=chain.settings.replace_after_s,
            finality_depth=chain.settings.finality_depth,
        )
        rpc, signer = await _chain_access(chain, stack, dry_run=dry_run)
        meter = GasMeter(rpc, account=signer.address, chain_id=chain.settings.chain_id)
        meters.append(meter)
        manager = TxManager(
            rpc=meter, signer=signer, journal=journal,
            killswitch=killswitch, guard=guard, clock=clock, settings=settings,
        )  # fmt: skip
        manager.receipt_observers.extend(built.receipt_observers.get(chain.settings.chain_id, []))
        stack.callback(manager.close)
        managers.append(manager)
    orders = (
        OrderExecutor(built.orders, journal, killswitch, clock, OrderSettings())
        if built.orders
        else None
    )
    gate = ReadOnlyGate()
    executor = Executor(
        guard=guard, journal=journal, killswitch=killswitch, clock=clock,
        chains=managers, orders=orders, gate=gate, wait_timeout_s=config.agent.intent_wait_s,
    )  # fmt: skip
    await stack.enter_async_context(executor)
    leadership = _leadership(config, journal, killswitch, executor, clock, stack)
    actions = LeaderOnlyActions(executor, leadership) if leadership else executor
    controls = Controls(killswitch, actions=actions)
    return Execution(
        journal, killswitch, guard, executor, controls, gate, JournalStatus(journal, gate, clock),
        meters, leadership,
    )  # fmt: skip


def _leadership(
    config: Config,
    journal: Journal,
    killswitch: KillSwitch,
    executor: Executor,
    clock: Clock,
    stack: AsyncExitStack,
) -> Leadership | None:
    """On a shared journal: the role machine, holding the kill switch under its ceiling
    and stopping the executor's work when it steps down; the lease given up on exit."""
    if journal.path is not None:  # a SQLite file: one process, no lease to take turns at
        return None
    leadership = Leadership(journal, config.leadership, clock)
    killswitch.ceiling = leadership.ceiling
    executor.on_lease_lost = leadership.lost
    leadership.on_step_down.append(executor.stand_down)
    stack.callback(leadership.release)  # before the executor and the journal close
    log.info("standing_by", book=leadership.book, holder=leadership.holder)
    return leadership


async def serve_admin(
    config: Config,
    controls: Controls,
    status: StatusProvider,
    stack: AsyncExitStack,
    *,
    metrics: Callable[[], bytes] | None = None,
    liveness: Callable[[], tuple[bool, str]] | None = None,
) -> AdminServer:
    admin = config.admin
    tcp = None
    if admin.tcp_port is not None and admin.tcp_token is not None:
        tcp = TcpListen(
            admin.tcp_host or "127.0.0.1", admin.tcp_port, admin.tcp_token.get_secret_value()
        )
    Path(admin.socket).parent.mkdir(parents=True, exist_ok=True)
    server = AdminServer(
        controls, status, socket_path=Path(admin.socket), tcp=tcp, metrics=metrics,
        liveness=liveness,
    )  # fmt: skip
    await stack.enter_async_context(server)
    return server
