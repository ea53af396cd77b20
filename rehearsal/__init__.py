"""The agent rehearsed in the local world: the composition root of the commands that join
``agent.wiring`` (config -> connectors -> daemon) to ``sim`` (anvil, the deployed
protocols, the exchange simulators, scenarios): ``ballast demo``, ``simulate``,
``compare``, ``chain up`` and ``run --dry-run``.

Layering: ``agent`` (its wiring included) never imports ``sim``, and ``sim`` never
imports ``agent.wiring``; this package is the one place that imports both
(``tests/unit/test_layering.py`` holds that).
"""
