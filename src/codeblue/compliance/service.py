"""Breach cases: opened by the PHI flag, assessed and decided by compliance, their notices tracked.

Every read and change is audited; nothing here commits.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from codeblue.audit import service as audit
from codeblue.auth.actor import Actor
from codeblue.auth.models import User
from codeblue.auth.permissions import Perm, Role
from codeblue.compliance import notices as plans
from codeblue.compliance import retention
from codeblue.compliance.deadlines import DeadlineReport, InvalidFacts, compute_deadlines
from codeblue.compliance.models import BreachCase, BreachNotice, NoticeEvidence
from codeblue.compliance.schemas import BreachCasePatch, DecisionIn, EvidenceIn, NoticePatch
from codeblue.engine import reminders, timers
from codeblue.errors import BadInput, Conflict, Forbidden, NotFound
from codeblue.incidents.models import Incident

TIMER = "breach_notice"
OVERDUE_EVERY = timedelta(days=1)
_NOT_NULL = ("licensed_facility", "encrypted", "key_compromised", "destroyed", "entity_role")
_COUNTS = ("deceased", "insufficient_contact")


def _snapshot(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after[k] and k != "updated_at"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _audit(session: Session, *, actor: Actor, action: str, row: Any, now: datetime, before: Any = None,
           after: Any = None) -> None:
    subject = {BreachCase: "breach_case", BreachNotice: "breach_notice", NoticeEvidence: "breach_evidence"}
    audit.record(session, actor=actor, action=action, subject_type=subject[type(row)], subject_id=row.id, now=now,
                 before=before, after=after)


def _touch(case: BreachCase, now: datetime) -> None:
    case.updated_at = now  # a change to a notice or its evidence is a change to the case's documentation


# --- Opening and reading --------------------------------------------------------------------------


def open_case(session: Session, *, incident: Incident, actor: Actor, now: datetime, reason: str) -> BreachCase:
    """The incident's breach case, opened now if it has none; discovery is pre-filled conservatively."""
    existing = session.scalar(select(BreachCase).where(BreachCase.incident_id == incident.id))
    if existing is not None:
        return existing
    case = BreachCase(
        incident_id=incident.id, status="assessing", opened_reason=reason[:2000],
        # The clock starts when the breach is first known, not when the investigation ends: the incident's
        # detection is when it would have been known with reasonable diligence; confirm both dates.
        actual_knowledge_on=now.astimezone(UTC).date(),
        reasonable_diligence_on=incident.detected_at.astimezone(UTC).date(),
        discovered_by=actor.label, individuals_per_state={}, created_at=now, updated_at=now,
    )
    case.incident = incident
    session.add(case)
    session.flush()
    _audit(session, actor=actor, action="breach_case.opened", row=case, now=now, after=_snapshot(case))
    sync_notices(session, case=case, actor=actor, now=now)
    return case


def _load(session: Session, case_id: int) -> BreachCase:
    case = session.get(BreachCase, case_id) if 0 < case_id < 2**31 else None
    if case is None:
        raise NotFound(f"no breach case {case_id}")
    return case


def get_case(session: Session, *, case_id: int, actor: Actor, now: datetime) -> BreachCase:
    actor.require(Perm.COMPLIANCE)
    case = _load(session, case_id)
    _audit(session, actor=actor, action="breach_case.read", row=case, now=now)
    return case


def case_for_incident(session: Session, *, ref: str, actor: Actor, now: datetime) -> BreachCase:
    actor.require(Perm.COMPLIANCE)
    case = session.scalar(select(BreachCase).join(Incident).where(Incident.ref == ref))
    if case is None:
        raise NotFound(f"no breach case for incident '{ref}' (one opens when the incident is flagged PHI suspected)")
    _audit(session, actor=actor, action="breach_case.read", row=case, now=now)
    return case


def list_cases(session: Session, *, actor: Actor, now: datetime, status: str | None = None,
               limit: int = 50, offset: int = 0) -> tuple[list[BreachCase], int]:
    actor.require(Perm.COMPLIANCE)
    query = select(BreachCase)
    if status:
        query = query.where(BreachCase.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(BreachCase.created_at.desc(), BreachCase.id.desc())
                                .limit(limit).offset(offset)))
    audit.record(session, actor=actor, action="breach_case.listed", subject_type="breach_case", subject_id="*",
                 now=now, after={"ids": [c.id for c in rows], "status": status})
    return rows, total


# --- Facts, deadlines and the decision ------------------------------------------------------------


def deadlines(case: BreachCase) -> tuple[DeadlineReport | None, str | None, tuple[str, ...]]:
    """The calculator's report for the case, or why it cannot be computed; and what was assumed."""
    try:
        facts = plans.facts_for(case)
    except InvalidFacts as exc:
        return None, str(exc), ()
    return compute_deadlines(facts.facts), None, facts.assumptions


def update_case(session: Session, *, case_id: int, patch: BreachCasePatch, actor: Actor, now: datetime) -> BreachCase:
    """Record facts of the assessment; contradictory facts are refused and change nothing."""
    actor.require(Perm.COMPLIANCE)
    case = _load(session, case_id)
    before = _snapshot(case)
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if value is None and name in _NOT_NULL:
            raise BadInput(f"{name} cannot be null" + (": give true or false" if name != "entity_role" else
                                                       ": give covered_entity or business_associate"),
                           details={"field": name})
        if value is None and name in _COUNTS:
            value = 0
        if value is None and isinstance(before[name], str):
            value = ""
        setattr(case, name, dict(value) if isinstance(value, dict) else value)
    _check(case)
    after = _snapshot(case)
    old, new = _changed(before, after)
    if not new:
        return case
    case.updated_at = now
    _audit(session, actor=actor, action="breach_case.updated", row=case, now=now, before=old, after=new)
    sync_notices(session, case=case, actor=actor, now=now)
    return case


def _check(case: BreachCase) -> None:
    problems = []
    total = case.individuals_total
    if total is not None and case.deceased > total:
        problems.append("deceased cannot exceed individuals_total")
    if total is None and (case.deceased or case.insufficient_contact):
        problems.append("give individuals_total with deceased or insufficient_contact")
    if case.le_oral_on and not case.le_official.strip():
        problems.append("an oral law-enforcement statement needs le_official, the identity of the official "
                        "who made it (45 CFR 164.412(b))")
    if case.entity_role == "business_associate" and case.ba_discovered_on:
        problems.append("as the business associate, give our own discovery in actual_knowledge_on / "
                        "reasonable_diligence_on, not ba_discovered_on")
    if not (case.actual_knowledge_on or case.reasonable_diligence_on or case.ba_discovered_on):
        problems.append("keep at least one discovery date (actual_knowledge_on or reasonable_diligence_on)")
    if not problems:
        try:
            plans.facts_for(case)
        except InvalidFacts as exc:
            problems.append(str(exc))
    if problems:
        raise BadInput("; ".join(problems), details={"problems": problems})


def decide(session: Session, *, case_id: int, data: DecisionIn, actor: Actor, now: datetime) -> BreachCase:
    """The signed decision: a breach, or not one (low probability of compromise, or an exception)."""
    actor.require(Perm.COMPLIANCE)
    if actor.kind != "user" or actor.role != Role.COMPLIANCE:
        raise Forbidden("the decision must be signed by a named compliance officer (a user with the compliance role)")
    case = _load(session, case_id)
    if data.decision == "low_probability":
        missing = [f for f in ("factor_nature", "factor_recipient", "factor_acquired", "factor_mitigation")
                   if not getattr(case, f).strip()]
        if missing:
            raise BadInput("a low probability of compromise must rest on the documented four-factor risk "
                           f"assessment (45 CFR 164.402(2)); missing: {', '.join(missing)}",
                           details={"missing": missing})
        if case.exception:
            raise BadInput(f"exception ({case.exception}) is recorded: decide 'exception', or clear it first")
    if data.decision == "exception" and not case.exception:
        raise BadInput("record which exception applies (exception: i, ii or iii, 45 CFR 164.402(1)) first")
    before = _snapshot(case)
    case.decision, case.decision_rationale = data.decision, data.rationale
    signer = session.get(User, actor.user_id)
    case.decided_by_user_id, case.decided_by, case.decided_at = actor.user_id, f"{signer.name} <{signer.email}>", now
    case.status, case.updated_at = "decided", now
    old, new = _changed(before, _snapshot(case))
    _audit(session, actor=actor, action="breach_case.decided", row=case, now=now, before=old, after=new)
    sync_notices(session, case=case, actor=actor, now=now)
    return case


# --- Notices --------------------------------------------------------------------------------------


def overdue_at(due: date) -> datetime:
    """A notice due on a day is overdue from the start of the next (UTC)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=UTC)


def is_overdue(notice: BreachNotice, now: datetime) -> bool:
    return notice.status == "pending" and notice.due_on is not None and now >= overdue_at(notice.due_on)


def arm(session: Session, *, notice: BreachNotice, now: datetime) -> None:
    """Set the notice's next reminder, or drop it once the notice needs none."""
    if notice.status != "pending" or notice.due_on is None:
        timers.cancel(session, kind=TIMER, subject_id=notice.id)
        return
    nxt = reminders.next_reminder(due_at=overdue_at(notice.due_on), now=now, overdue_every=OVERDUE_EVERY,
                                  leads=[timedelta(days=d) for d in notice.reminder_days])
    if nxt is None:
        timers.cancel(session, kind=TIMER, subject_id=notice.id)
    else:
        timers.arm(session, kind=TIMER, subject_id=notice.id, due_at=nxt.at, now=now, payload={"stage": nxt.stage})


def sync_notices(session: Session, *, case: BreachCase, actor: Actor, now: datetime) -> None:
    """Bring the tracked notices in line with the case's deadlines; sent notices are never touched."""
    report, _, _ = deadlines(case)
    wanted = [] if report is None or case.decision in plans.NOT_A_BREACH else plans.plan(
        report, entity_role=case.entity_role, deceased=case.deceased)
    existing = {n.key: n for n in case.notices}
    for p in wanted:
        notice = existing.pop(p.key, None)
        fields = dict(kind=p.kind, recipient=p.recipient, state=p.state, due_on=p.due, base_due_on=p.base_due,
                      citation=p.citation, note=p.note)
        if notice is None:
            notice = BreachNotice(case_id=case.id, key=p.key, status="pending",
                                  reminder_days=list(plans.DEFAULT_REMINDER_DAYS), auto_closed=False,
                                  created_at=now, updated_at=now, **fields)
            case.notices.append(notice)
            session.flush()
            _audit(session, actor=actor, action="breach_notice.created", row=notice, now=now, after=_snapshot(notice))
        elif notice.status == "sent":
            continue
        else:
            before = _snapshot(notice)
            for k, v in fields.items():
                setattr(notice, k, v)
            if notice.auto_closed:
                notice.status, notice.auto_closed = "pending", False
            old, new = _changed(before, _snapshot(notice))
            if not new:
                continue
            notice.updated_at = now
            _audit(session, actor=actor, action="breach_notice.recomputed", row=notice, now=now, before=old, after=new)
        arm(session, notice=notice, now=now)
    for notice in existing.values():
        if notice.status != "pending":
            continue
        notice.status, notice.auto_closed, notice.updated_at = "not_required", True, now
        _audit(session, actor=actor, action="breach_notice.not_required", row=notice, now=now,
               before={"status": "pending"}, after={"status": "not_required",
                                                    "why": "no longer called for by the case's facts or decision"})
        arm(session, notice=notice, now=now)


def _notice(session: Session, notice_id: int) -> BreachNotice:
    notice = session.get(BreachNotice, notice_id) if 0 < notice_id < 2**31 else None
    if notice is None:
        raise NotFound(f"no breach notice {notice_id}")
    return notice


def get_notice(session: Session, *, notice_id: int, actor: Actor, now: datetime) -> BreachNotice:
    actor.require(Perm.COMPLIANCE)
    notice = _notice(session, notice_id)
    _audit(session, actor=actor, action="breach_notice.read", row=notice, now=now)
    return notice


def update_notice(session: Session, *, notice_id: int, patch: NoticePatch, actor: Actor, now: datetime) -> BreachNotice:
    """Record that a notice was sent (when, how, by whom), or change its reminders."""
    actor.require(Perm.COMPLIANCE)
    notice = _notice(session, notice_id)
    before = _snapshot(notice)
    fields = patch.model_fields_set
    for name, empty in (("sent_on", None), ("method", ""), ("sent_by", ""), ("reminder_days", [])):
        if name in fields:
            value = getattr(patch, name)
            if name == "reminder_days" and value:
                value = sorted(set(value), reverse=True)
            setattr(notice, name, empty if value is None else value)
    if patch.status is not None:
        notice.status = patch.status
        notice.auto_closed = False
    if notice.status == "sent":
        notice.sent_by = notice.sent_by or actor.label
        missing = [f for f in ("sent_on", "method") if not getattr(notice, f)]
        if missing:
            raise BadInput(f"a sent notice needs {' and '.join(missing)} (proof it was made on time, 45 CFR 164.414)",
                           details={"missing": missing})
        if notice.sent_on > now.astimezone(UTC).date():
            raise BadInput(f"sent_on {notice.sent_on} is in the future")
    elif patch.status is not None and notice.sent_on is not None and "sent_on" not in fields:
        notice.sent_on = None
    old, new = _changed(before, _snapshot(notice))
    if not new:
        return notice
    notice.updated_at = now
    _touch(notice.case, now)
    _audit(session, actor=actor, action="breach_notice.updated", row=notice, now=now, before=old, after=new)
    arm(session, notice=notice, now=now)
    return notice


def add_evidence(session: Session, *, notice_id: int, data: EvidenceIn, actor: Actor, now: datetime) -> NoticeEvidence:
    actor.require(Perm.COMPLIANCE)
    notice = _notice(session, notice_id)
    digest = hashlib.sha256(data.content.encode("utf-8")).hexdigest() if data.content is not None else None
    evidence = NoticeEvidence(notice_id=notice.id, description=data.description, reference=data.reference,
                              content=data.content, sha256=digest, added_by=actor.label, created_at=now)
    notice.evidence.append(evidence)
    notice.updated_at = now
    _touch(notice.case, now)
    session.flush()
    _audit(session, actor=actor, action="breach_evidence.added", row=evidence, now=now,
           after={"notice_id": notice.id, "description": data.description, "reference": data.reference,
                  "sha256": digest})
    return evidence


# --- Retention ------------------------------------------------------------------------------------


def retained_until(row: BreachCase | BreachNotice | NoticeEvidence) -> datetime:
    changed = row.created_at if isinstance(row, NoticeEvidence) else row.updated_at
    return retention.retained_until(created_at=row.created_at, last_changed=changed)


def _delete(session: Session, *, row: Any, what: str, actor: Actor, now: datetime) -> None:
    changed = row.created_at if isinstance(row, NoticeEvidence) else row.updated_at
    subject = {BreachCase: "breach_case", BreachNotice: "breach_notice", NoticeEvidence: "breach_evidence"}
    try:
        retention.check_deletable(what, created_at=row.created_at, last_changed=changed, now=now)
    except Conflict as exc:
        # The request fails and rolls back; the refusal must still be on record.
        audit.record_refusal(session, actor=actor, action=f"{subject[type(row)]}.delete_refused",
                             subject_type=subject[type(row)], subject_id=row.id, now=now,
                             after={"reason": exc.message})
        raise
    _audit(session, actor=actor, action=f"{subject[type(row)]}.deleted", row=row, now=now, before=_snapshot(row))
    if isinstance(row, BreachNotice):
        timers.cancel(session, kind=TIMER, subject_id=row.id)
    if isinstance(row, BreachCase):
        for notice in row.notices:
            timers.cancel(session, kind=TIMER, subject_id=notice.id)
    session.delete(row)
    session.flush()


def delete_case(session: Session, *, case_id: int, actor: Actor, now: datetime) -> None:
    actor.require(Perm.COMPLIANCE)
    case = _load(session, case_id)
    _delete(session, row=case, what=f"breach case {case.id} ({case.incident.ref})", actor=actor, now=now)


def delete_notice(session: Session, *, notice_id: int, actor: Actor, now: datetime) -> None:
    actor.require(Perm.COMPLIANCE)
    notice = _notice(session, notice_id)
    _delete(session, row=notice, what=f"breach notice {notice.id} ({notice.recipient})", actor=actor, now=now)


def delete_evidence(session: Session, *, evidence_id: int, actor: Actor, now: datetime) -> None:
    actor.require(Perm.COMPLIANCE)
    evidence = session.get(NoticeEvidence, evidence_id) if 0 < evidence_id < 2**31 else None
    if evidence is None:
        raise NotFound(f"no breach evidence {evidence_id}")
    _delete(session, row=evidence, what=f"evidence {evidence.id} of breach notice {evidence.notice_id}",
            actor=actor, now=now)


# --- The annual HHS log ---------------------------------------------------------------------------


def hhs_log(session: Session, *, year: int, actor: Actor, now: datetime) -> list[BreachCase]:
    """Breaches of fewer than 500 individuals discovered in `year`: the log HHS receives after year end."""
    actor.require(Perm.COMPLIANCE)
    cases = []
    for case in session.scalars(select(BreachCase).where(BreachCase.decision == "breach")
                                .order_by(BreachCase.id)):
        report, _, _ = deadlines(case)
        if report and report.notice_required and report.hhs.mode == "annual" and report.discovery_date \
                and report.discovery_date.year == year:
            cases.append(case)
    audit.record(session, actor=actor, action="breach_log.exported", subject_type="breach_case", subject_id="*",
                 now=now, after={"year": year, "ids": [c.id for c in cases]})
    return cases
