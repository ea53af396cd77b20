"""Guarded, journaled execution of intents.

guard.py (limits.py, rules.py, proposal.py, exposure.py)  the checks, pure but for logs
fees.py          EIP-1559 offers and >= 12.5 % replacements within caps
journal.py       intents, signed transactions, client orders, kill transitions
journal_db.py    its databases' one interface, and SQLite's (the embedded default)
journal_postgres.py  PostgreSQL's (psycopg 3; one schema per book), for leader and standby
lease.py         the book's leader lease and fencing epoch, and the hosts' heartbeats
transactions.py  the one writer per account: nonces, sign, journal, broadcast
tracking.py      receipts, confirmation depth by block hash, reorgs, replacements
orders.py        exchange orders by deterministic client id, looked up before retries
reconcile.py     start-up recovery and the read-only gate
executor.py      the entry point the daemon calls
"""
