"""What the incident page's communications section and the preview pages show: one context object each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from codeblue.auth.permissions import Perm
from codeblue.comms import service as comms
from codeblue.comms.models import StatusUpdate
from codeblue.incidents import lifecycle
from codeblue.incidents import service as incidents
from codeblue.incidents.models import Incident
from codeblue.web.viewer import Viewer


@dataclass(frozen=True)
class Section:
    """The incident page's communications: the composer, the updates posted, the chat channel, templates."""

    ref: str
    updates: list[StatusUpdate]
    next_due_at: datetime | None
    channel_name: str | None
    channel_url: str | None
    templates: list[tuple[str, str]]
    can_post: bool


@dataclass
class Preview:
    viewer: Viewer
    ref: str
    title: str
    subject: str
    body: str
    templates: list[tuple[str, str]]
    chosen: str = ""
    form: dict[str, str] = field(default_factory=dict)  # the composer's values, for "post this"
    nav_current: str = "/"


def section(session: Session, *, incident: Incident, viewer: Viewer) -> Section:
    channel = comms.chat_channel(session, incident=incident)
    return Section(
        ref=incident.ref, updates=list(reversed(comms.list_updates(session, incident=incident))),
        next_due_at=comms.next_due(session, incident=incident),
        channel_name=f"#{channel.name}" if channel else None, channel_url=comms.channel_url(channel) if channel else None,
        templates=templates(incident),
        can_post=viewer.can(Perm.INCIDENT_RESPOND) and lifecycle.is_open(incident.status),
    )


def templates(incident: Incident) -> list[tuple[str, str]]:
    return [(t.id, t.name) for t in incidents.pack_of(incident).templates]
