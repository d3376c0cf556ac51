"""The services a team runs, each bound to a policy pack."""
