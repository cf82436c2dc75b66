"""Ledger, evidence, results.json and the report: everything that turns test outcomes into a record."""
