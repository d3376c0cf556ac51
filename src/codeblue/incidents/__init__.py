"""The incident: identity, lifecycle, roles, severity and its timeline."""
