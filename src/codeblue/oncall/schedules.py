"""Schedules stored as rows, answered by the pure rotation functions."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.errors import NotFound
from codeblue.oncall import rotation
from codeblue.oncall.models import Schedule


def get(session: Session, *, slug: str) -> Schedule:
    found = session.scalar(select(Schedule).where(Schedule.slug == slug))
    if found is None:
        raise NotFound(f"no schedule '{slug}'")
    return found


def plan(session: Session, schedule: Schedule) -> rotation.Schedule:
    """The pure schedule for a stored one: layers from its JSON, overrides from its rows (by email)."""
    emails = dict(session.execute(select(User.id, User.email)).all())
    layers = []
    for layer in schedule.layers:
        rot = layer["rotation"]
        hh, mm = (int(x) for x in rot.get("handoff", "09:00").split(":"))
        layers.append(rotation.Layer(
            rotation=rotation.Rotation(
                id=rot.get("id", schedule.slug), participants=tuple(rot["participants"]), kind=rot["kind"],
                shift=timedelta(seconds=rot["shift_seconds"]) if rot.get("shift_seconds") else None,
                start=datetime.fromisoformat(rot["start"]), tz=schedule.tz, handoff=time(hh, mm),
            ),
            restrictions=tuple(rotation.TimeWindow(**w) for w in layer.get("restrictions", [])),
        ))
    overrides = tuple(
        rotation.Override(start=o.start, end=o.end, user=emails[o.user_id],
                          replaces=emails.get(o.replaces_user_id) if o.replaces_user_id else None,
                          created_at=o.created_at)
        for o in schedule.overrides
    )
    return rotation.Schedule(id=schedule.slug, tz=schedule.tz, layers=tuple(layers), overrides=overrides)


def on_call_users(session: Session, *, slug: str, at: datetime) -> list[User]:
    """Who is on call on the schedule at this instant (nobody if the schedule does not exist)."""
    schedule = session.scalar(select(Schedule).where(Schedule.slug == slug))
    if schedule is None:
        return []
    emails = rotation.on_call(plan(session, schedule), at)
    return list(session.scalars(select(User).where(User.email.in_(emails)))) if emails else []
