"""The deployer: builds the local world from forge artifacts and writes its manifest.

One module per protocol (tokens and oracles here, then aave, uniswap, gmx, premia);
each takes the ``Deployment`` being built, deploys and configures its contracts, and
records their addresses by role.
"""
