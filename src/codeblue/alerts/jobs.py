"""Engine work owned by the alerts domain."""

from codeblue.alerts import heartbeats

TIMER_HANDLERS = {heartbeats.TIMER: heartbeats.on_timer}
