"""Guarantees and risk sharing: compensation on default, recovery and its distribution."""
