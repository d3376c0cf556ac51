"""Customer notices and the public status page."""
