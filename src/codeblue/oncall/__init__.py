"""On-call: people, schedules, escalation policies and paging."""
