"""Code Blue: incident response for teams that run healthcare systems."""

__version__ = "0.1.0"
