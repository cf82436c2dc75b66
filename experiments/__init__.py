"""Empirical claims under pre-registered protocols (S19: does ELU converge faster?)."""
