"""Reviews and follow-ups as the API shows them."""

from __future__ import annotations

from datetime import datetime

from codeblue.reviews import followups
from codeblue.reviews import service as reviews
from codeblue.reviews.models import FollowUp, Review
from codeblue.reviews.schemas import FollowUpOut, HighlightOut, ReviewOut


def follow_up_out(f: FollowUp, now: datetime) -> FollowUpOut:
    return FollowUpOut(
        id=f.id, incident=f.incident.ref, title=f.title, description=f.description, owner=f.owner.email,
        owner_name=f.owner.name, due_on=f.due_on, priority=f.priority, status=f.status,
        overdue=followups.overdue(f, now), resolution=f.resolution, created_by=f.created_by,
        created_at=f.created_at, updated_at=f.updated_at, closed_at=f.closed_at,
    )


def review_out(r: Review, now: datetime) -> ReviewOut:
    i = r.incident
    seconds = int((i.resolved_at - i.detected_at).total_seconds()) if i.resolved_at else None
    return ReviewOut(
        incident=i.ref, incident_title=i.title, status=r.status, due_at=r.due_at, overdue=reviews.overdue(r, now),
        severity=i.severity, detected_at=i.detected_at, resolved_at=i.resolved_at, duration_seconds=seconds,
        summary=r.summary, impact=r.impact,
        timeline=[HighlightOut(at=datetime.fromisoformat(h["at"]), text=h["text"]) for h in r.timeline],
        actions_taken=list(r.actions_taken), root_cause=r.root_cause, analysis=r.analysis,
        contributing_factors=r.contributing_factors, lessons_learned=r.lessons_learned, prevention=r.prevention,
        compliance_impact=r.compliance_impact, follow_ups=[follow_up_out(f, now) for f in r.follow_ups],
        completed_at=r.completed_at, completed_by=r.completed_by, created_at=r.created_at, updated_at=r.updated_at,
    )
