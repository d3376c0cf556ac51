"""Alerts: integrations, normalisation, deduplication, grouping into incidents."""
