"""Runbooks and checklists attached to an incident, step completion, evidence capture."""
