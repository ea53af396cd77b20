"""Running Ballast for real: what operators see and what watches the daemon.

redaction.py   secrets registered at load and scrubbed from every output
logs.py        structlog JSON logging (and the standard library's) for ``ballast run``
metrics.py     Prometheus exposition of each tick, the chains and the kill switch
gas.py         gas actually paid, from the receipts the executor already fetches
notify.py      systemd's sd_notify protocol (READY, WATCHDOG, STOPPING)
alerts/        webhook notices: what is worth telling, formats, rate-limited delivery
"""
