"""Risk engine: pure pricing, Greeks, health, liquidation and stress math (no I/O)."""
