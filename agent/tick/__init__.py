"""One tick of the daemon, in the order it runs (``agent.daemon.Daemon.plan``):

1. ``reading``: read every venue at once, each bounded by its timeout.
2. ``checks``: what the reads are worth (stale, failed, inconsistent) and what that allows.
3. ``book_builder``: the snapshots as one book for the risk engine.
4. ``assessment``: the book's Greeks, health and limits, and the alerts they raise.
5. ``exposures``, ``decision_inputs`` and ``hedge_routes``: what the policy decides from.
6. ``acting``: the decision's intents, one by one, through the guard and the executor
   (only while this process may act: ``agent.leadership``).
7. ``report``: what the tick produced (``Plan``, ``TickReport``).
8. ``pacing``: when the next tick starts.

Around them: ``phases`` times each step (the bench prints them), ``warm_up`` runs the
first-time paths at start-up so the first tick does not pay for them.

Decisions and execution live in ``agent.policy`` and ``agent.execution``.
"""
