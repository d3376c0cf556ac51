"""Communications routes: status updates, template previews and the chat channel of an incident."""

from __future__ import annotations

from fastapi import APIRouter

from codeblue.comms import service as comms
from codeblue.comms.schemas import ChannelOut, PreviewIn, PreviewOut, UpdateIn, UpdateList, UpdateOut
from codeblue.deps import AppSettings, CurrentIncident, DbSession, Now, Reader, ReadSession, Responder, ViewedIncident
from codeblue.errors import NotFound

router = APIRouter(prefix="/api/v1/incidents", tags=["communications"])


@router.post("/{ref}/updates", response_model=UpdateOut, status_code=201)
def post_update(data: UpdateIn, incident: CurrentIncident, session: DbSession, actor: Responder, now: Now,
                settings: AppSettings) -> UpdateOut:
    """Post the next numbered status update; it goes to the stakeholders and the incident's chat channel."""
    return UpdateOut.model_validate(comms.post_update(session, incident=incident, data=data, actor=actor, now=now,
                                                      base_url=settings.public_url))


@router.get("/{ref}/updates", response_model=UpdateList)
def list_updates(incident: ViewedIncident, session: ReadSession, _: Reader) -> UpdateList:
    due = comms.next_due(session, incident=incident)
    return UpdateList(items=[UpdateOut.model_validate(u) for u in comms.list_updates(session, incident=incident)],
                      next_update_due_at=due, cadence_seconds=int(comms.cadence_of(incident).total_seconds()))


@router.post("/{ref}/messages/preview", response_model=PreviewOut)
def preview(data: PreviewIn, incident: ViewedIncident, session: ReadSession, _: Reader, now: Now,
            settings: AppSettings) -> PreviewOut:
    """Render a template of the incident's pack for this incident, sending nothing; 400 names a bad field."""
    template, subject, body = comms.preview(session, incident=incident, template_id=data.template, fields=data.fields,
                                            now=now, base_url=settings.public_url)
    return PreviewOut(template=template.id, name=template.name, subject=subject, body=body)


@router.get("/{ref}/channel", response_model=ChannelOut)
def chat_channel(incident: ViewedIncident, session: ReadSession, _: Reader) -> ChannelOut:
    channel = comms.chat_channel(session, incident=incident)
    if channel is None:
        raise NotFound(f"{incident.ref} has no chat channel")
    return ChannelOut(provider=channel.provider, id=channel.channel_id, name=f"#{channel.name}",
                      url=comms.channel_url(channel), created_at=channel.created_at)
