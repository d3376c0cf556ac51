"""The engine as this process runs it: inside `codeblue serve`, or alone as `codeblue worker`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from codeblue.alerts import jobs as alert_jobs
from codeblue.clock import Clock
from codeblue.comms import jobs as comms_jobs
from codeblue.comms import service as comms
from codeblue.compliance import jobs as compliance_jobs
from codeblue.db import Database
from codeblue.engine.loop import Engine, TimerModule
from codeblue.engine.selfcheck import SelfCheck
from codeblue.notify import config as notify_config
from codeblue.notify.sender import Sender
from codeblue.oncall import fence, notices, paging
from codeblue.reviews import jobs as review_jobs
from codeblue.settings import Settings
from codeblue.statuspage import jobs as statuspage_jobs


def timer_handlers(settings: Settings) -> dict:
    links = {"base_url": settings.public_url, "secret": settings.secret_key}
    return {
        **alert_jobs.TIMER_HANDLERS,
        **{kind: partial(handler, base_url=settings.public_url)
           for kind, handler in {**review_jobs.TIMER_HANDLERS, **compliance_jobs.TIMER_HANDLERS,
                                 **statuspage_jobs.TIMER_HANDLERS}.items()},
        fence.START: partial(paging.on_start, **links),
        fence.ESCALATE: partial(paging.on_timer, **links),
        comms.CADENCE_TIMER: partial(comms_jobs.on_update_due, base_url=settings.public_url,
                                     escalate_after=settings.update_escalate_after,
                                     manager=settings.update_manager_contact),
        notices.TIMER: partial(comms_jobs.on_notice, base_url=settings.public_url,
                               enabled=bool(settings.slack_bot_token.get_secret_value()),
                               severities=settings.chat_channel_severities),
    }


def timer_preparers() -> dict:
    """Batch reads for the kinds whose timers come in numbers: the paging ones."""
    return {fence.START: paging.prepare, fence.ESCALATE: paging.prepare}


def build_engine(db: Database, clock: Clock, settings: Settings, channels: Mapping[str, object] | None = None) -> Engine:
    """The engine with its modules; channels come from settings unless a test passes its own."""
    if channels is None:
        channels = notify_config.channels(settings)
    sender = Sender(db, clock, channels, max_attempts=settings.notify_max_attempts,
                    retry_base=settings.notify_retry_base_seconds,
                    throttle_per_minute=settings.notify_throttle_per_minute,
                    send_timeout=settings.notify_send_timeout_seconds)
    modules = [TimerModule(timer_handlers(settings), prepare=timer_preparers()), SelfCheck(settings.engine_selfcheck_seconds)]
    return Engine(db, clock, modules, sender=sender)
