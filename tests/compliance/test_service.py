"""Breach cases at the service level: one per incident however often PHI is flagged, kept when cleared."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from codeblue.auth.permissions import Role
from codeblue.compliance import service as breaches
from codeblue.compliance.models import BreachCase
from codeblue.compliance.schemas import BreachCasePatch, DecisionIn, NoticePatch
from codeblue.errors import BadInput, Forbidden
from codeblue.incidents import service as incidents
from tests import factories


@pytest.fixture
def people(db, session, clock):
    factories.seed(db, clock.now())
    return {role.value: factories.actor_for(factories.user(session, role, clock.now())) for role in Role}


def cases(session):
    return session.query(BreachCase).all()


def test_set_flag__opens_one_case_however_often_it_is_raised(session, clock, people):
    inc = factories.incident(session, clock.now(), actor=people["responder"])
    assert cases(session) == []
    incidents.set_flag(session, incident=inc, flag="phi_suspected", value=True, actor=people["responder"],
                       now=clock.now(), reason="export seen")
    incidents.set_flag(session, incident=inc, flag="phi_suspected", value=False, actor=people["compliance"],
                       now=clock.now() + timedelta(hours=1))
    incidents.set_flag(session, incident=inc, flag="phi_suspected", value=True, actor=people["responder"],
                       now=clock.now() + timedelta(hours=2))
    (case,) = cases(session)
    assert case.incident_id == inc.id and "export seen" in case.opened_reason


def test_set_flag__other_flags_open_no_case(session, clock, people):
    inc = factories.incident(session, clock.now(), actor=people["commander"], user_facing=False)
    incidents.set_flag(session, incident=inc, flag="user_facing", value=True, actor=people["commander"],
                       now=clock.now())
    assert cases(session) == []


def test_services__refuse_roles_without_compliance(session, clock, people):
    inc = factories.incident(session, clock.now(), actor=people["responder"], phi_suspected=True)
    case = cases(session)[0]
    for role in ("viewer", "responder", "commander"):
        with pytest.raises(Forbidden):
            breaches.get_case(session, case_id=case.id, actor=people[role], now=clock.now())
        with pytest.raises(Forbidden):
            breaches.update_case(session, case_id=case.id, actor=people[role], now=clock.now(),
                                 patch=BreachCasePatch(individuals_total=1))
    assert breaches.case_for_incident(session, ref=inc.ref, actor=people["admin"], now=clock.now()).id == case.id


def test_decide__exception_must_be_recorded_first_and_closes_the_notices(session, clock, people):
    factories.incident(session, clock.now(), actor=people["responder"], phi_suspected=True)
    case = cases(session)[0]
    officer = people["compliance"]
    with pytest.raises(BadInput, match="record which exception"):
        breaches.decide(session, case_id=case.id, actor=officer, now=clock.now(),
                        data=DecisionIn(decision="exception", rationale="good faith"))
    breaches.update_case(session, case_id=case.id, actor=officer, now=clock.now(), patch=BreachCasePatch(
        exception="i", exception_notes="a nurse opened the wrong chart, in good faith, and closed it"))
    breaches.decide(session, case_id=case.id, actor=officer, now=clock.now(),
                    data=DecisionIn(decision="exception", rationale="164.402(1)(i)"))
    assert case.status == "decided" and {n.status for n in case.notices} == {"not_required"}
    # A later decision that it was a breach after all brings the notices back.
    breaches.decide(session, case_id=case.id, actor=officer, now=clock.now(),
                    data=DecisionIn(decision="breach", rationale="the chart was copied"))
    assert {n.status for n in case.notices if n.kind == "individuals"} == {"pending"}


def test_recompute__a_sent_notice_is_never_changed(session, clock, people):
    factories.incident(session, clock.now(), actor=people["responder"], phi_suspected=True)
    case = cases(session)[0]
    officer = people["compliance"]
    breaches.update_case(session, case_id=case.id, actor=officer, now=clock.now(), patch=BreachCasePatch(
        individuals_total=10, actual_knowledge_on=date(2026, 3, 2), reasonable_diligence_on=date(2026, 3, 2)))
    notice = next(n for n in case.notices if n.kind == "individuals")
    breaches.update_notice(session, notice_id=notice.id, actor=officer, now=clock.now(),
                           patch=NoticePatch(status="sent", sent_on=date(2026, 3, 9), method="email (agreed)"))
    breaches.update_case(session, case_id=case.id, actor=officer, now=clock.now(), patch=BreachCasePatch(
        actual_knowledge_on=date(2026, 3, 1), reasonable_diligence_on=date(2026, 3, 1)))
    assert (notice.status, notice.due_on) == ("sent", date(2026, 5, 1))
    hhs = next(n for n in case.notices if n.kind == "hhs")
    assert hhs.due_on == date(2027, 3, 1)
