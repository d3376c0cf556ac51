"""Communications: templates, status updates on cadence, stakeholder notices, the incident chat channel."""
