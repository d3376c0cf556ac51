"""The engine: durable timers and the worker loop that acts on them."""
