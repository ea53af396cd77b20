"""Building the guarded executor, the kill switch and the admin server from the config."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from agent.config.models import ChainSettings, Config
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
from agent.execution.transactions import TxManager, TxSettings
from agent.ports import Clock, Rpc, Signer
from agent.wiring.venues import Chain, Venues
from connectors.evm.fork import ForkRpc, ImpersonatingSigner
from connectors.evm.signer import LocalKeySigner

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


def guard_limits(config: Config, built: Venues) -> GuardLimits:
    """The guard's limits: the config's, plus the allowlist the connectors declare."""
    limits = config.limits
    chains = list(config.chains.values())
    if len({(c.gas.max_fee_gwei, c.gas.emergency_max_fee_gwei) for c in chains}) > 1:
        raise ConfigError("chains with different gas caps are not supported yet", field="chains")
    gas = chains[0].gas if chains else None
    normal = GasCaps(
        max_fee_per_gas_wei=int((gas.max_fee_gwei if gas else 1) * GWEI),
        max_priority_fee_per_gas_wei=int((gas.max_priority_fee_gwei if gas else 0) * GWEI),
    )
    emergency = GasCaps(
        max_fee_per_gas_wei=int((gas.emergency_max_fee_gwei if gas else 1) * GWEI),
        max_priority_fee_per_gas_wei=int(
            (gas.emergency_max_priority_fee_gwei if gas else 0) * GWEI
        ),
    )
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
        allowlist={address: frozenset(functions) for address, functions in built.allowlist.items()},
        max_input_age_s=limits.max_input_age_s,
        max_intent_age_s=limits.max_intent_age_s,
    )


def signer_for(chain: ChainSettings) -> Signer:
    """The chain's key: a raw key by reference (keystores and remote signers: issue 10)."""
    account = chain.account
    if account.private_key is None:
        raise ConfigError(
            "only private_key accounts are supported so far", field="account.keystore"
        )
    signer = LocalKeySigner(account.private_key, chain_id=chain.chain_id)
    if signer.address.lower() != account.address.lower():
        raise ConfigError(f"the key does not belong to {account.address}", field="account.address")
    return signer


async def _chain_access(chain: Chain, *, dry_run: bool) -> tuple[Rpc, Signer]:
    """Live: the chain's client and the account's key. Dry run: the fork, impersonating
    the account, after proving the target is a local fork of that chain."""
    if not dry_run:
        return chain.client, signer_for(chain.settings)
    url = chain.settings.rpc_urls[0].get_secret_value()
    fork = ForkRpc(chain.client, account=chain.settings.account.address, url=url)
    await fork.verify(chain.settings.chain_id)
    return fork, ImpersonatingSigner(
        chain.settings.account.address, chain_id=chain.settings.chain_id
    )


async def build_execution(
    config: Config, built: Venues, clock: Clock, stack: AsyncExitStack, *, dry_run: bool = False
) -> Execution:
    path = Path(config.agent.journal)
    path.parent.mkdir(parents=True, exist_ok=True)
    journal = stack.enter_context(Journal.open(path))
    killswitch = KillSwitch(journal, clock)
    guard = Guard(guard_limits(config, built))
    managers = []
    for chain in built.chains.values():
        settings = TxSettings(
            chain_id=chain.settings.chain_id,
            confirmations=chain.settings.confirmations,
            replace_after_s=chain.settings.replace_after_s,
        )
        rpc, signer = await _chain_access(chain, dry_run=dry_run)
        manager = TxManager(
            rpc=rpc, signer=signer, journal=journal,
            killswitch=killswitch, guard=guard, clock=clock, settings=settings,
        )  # fmt: skip
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
        chains=managers, orders=orders, gate=gate,
    )  # fmt: skip
    await stack.enter_async_context(executor)
    controls = Controls(killswitch, actions=executor)
    return Execution(
        journal, killswitch, guard, executor, controls, gate, JournalStatus(journal, gate, clock)
    )


async def serve_admin(
    config: Config, controls: Controls, status: StatusProvider, stack: AsyncExitStack
) -> AdminServer:
    admin = config.admin
    tcp = None
    if admin.tcp_port is not None and admin.tcp_token is not None:
        tcp = TcpListen(
            admin.tcp_host or "127.0.0.1", admin.tcp_port, admin.tcp_token.get_secret_value()
        )
    Path(admin.socket).parent.mkdir(parents=True, exist_ok=True)
    server = AdminServer(controls, status, socket_path=Path(admin.socket), tcp=tcp)
    await stack.enter_async_context(server)
    return server
