"""Post-incident reviews: the report from the timeline, root cause, follow-up actions."""
