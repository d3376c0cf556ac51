"""Notice reminders through the engine: compliance officers at each lead time, admins too once overdue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from codeblue.audit.models import AuditEntry
from codeblue.auth import service as auth
from codeblue.notify.models import Notification
from codeblue.oncall.models import ContactMethod
from tests import factories


@pytest.fixture
def tokens(db, clock):
    factories.seed(db, clock.now())
    out = factories.tokens(db, clock.now())
    with db.unit_of_work() as s:
        for role in ("compliance", "admin", "responder"):
            user = auth.get_user(s, email=f"tok-{role}@example.org")
            s.add(ContactMethod(user_id=user.id, type="email", address=f"{role}@clinic.example",
                                created_at=clock.now()))
    return out


def auth_(tokens, role="compliance"):
    return {"Authorization": f"Bearer {tokens[role]}"}


def sent_to(db, address):
    with db.unit_of_work(readonly=True) as s:
        return [(n.subject, n.text) for n in s.scalars(select(Notification).where(
            Notification.purpose == "reminder", Notification.address == address).order_by(Notification.id))]


def actions(db, prefix):
    with db.unit_of_work(readonly=True) as s:
        return [a for a in s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)) if a.startswith(prefix)]


@pytest.fixture
def notice(client, tokens):
    """A pending individual notice, due 2026-05-01, reminded 7 and 1 days before."""
    ref = client.post("/api/v1/incidents", headers=auth_(tokens, "responder"),
                      json={"service": factories.CRM, "title": "Records exported", "phi_suspected": True}).json()["id"]
    case = client.get(f"/api/v1/incidents/{ref}/breach-case", headers=auth_(tokens)).json()
    case = client.patch(f"/api/v1/breach-cases/{case['id']}", headers=auth_(tokens), json={
        "individuals_total": 20, "actual_knowledge_on": "2026-03-02", "reasonable_diligence_on": "2026-03-02"}).json()
    n = next(n for n in case["notices"] if n["kind"] == "individuals")
    assert n["due"] == "2026-05-01" and n["reminder_days"] == [30, 14, 7, 3, 1]
    r = client.patch(f"/api/v1/breach-notices/{n['id']}", headers=auth_(tokens), json={"reminder_days": [1, 7]})
    assert r.status_code == 200 and r.json()["reminder_days"] == [7, 1]
    return {"ref": ref, **r.json()}


def at(clock, y, m, d, hour=0):
    clock.set(datetime(y, m, d, hour, tzinfo=UTC))


def test_reminders__at_each_lead_then_escalated_to_admins_when_overdue(app, client, tokens, notice, clock, db):
    engine = app.state.engine
    at(clock, 2026, 4, 24, 23)
    engine.run_once()
    assert sent_to(db, "compliance@clinic.example") == []
    at(clock, 2026, 4, 25)  # 7 days before May 1 (reminders count to the end of the due day, UTC)
    engine.run_once()
    assert len(sent_to(db, "compliance@clinic.example")) == 1
    subject, text = sent_to(db, "compliance@clinic.example")[0]
    assert f"breach notice for {notice['ref']}: Affected individuals" == subject
    assert "due 2026-05-01" in text and "45 CFR 164.404(b)" in text
    assert sent_to(db, "admin@clinic.example") == [] and sent_to(db, "responder@clinic.example") == []
    at(clock, 2026, 5, 1)
    engine.run_once()
    assert len(sent_to(db, "compliance@clinic.example")) == 2
    at(clock, 2026, 5, 2)  # overdue: escalate
    engine.run_once()
    assert sent_to(db, "admin@clinic.example")[0][0].startswith("OVERDUE: breach notice")
    got = client.get(f"/api/v1/breach-notices/{notice['id']}", headers=auth_(tokens)).json()
    assert got["overdue"] is True and got["escalated_at"].startswith("2026-05-02")
    assert [a for a in actions(db, "breach_notice.") if a in ("breach_notice.reminded", "breach_notice.escalated")] \
        == ["breach_notice.reminded", "breach_notice.reminded", "breach_notice.escalated"]
    assert sent_to(db, "responder@clinic.example") == []  # breach details stay with compliance and admins


def test_reminders__stop_once_the_notice_is_sent(app, client, tokens, notice, clock, db):
    at(clock, 2026, 4, 20)
    r = client.patch(f"/api/v1/breach-notices/{notice['id']}", headers=auth_(tokens),
                     json={"status": "sent", "sent_on": "2026-04-20", "method": "first-class mail"})
    assert r.status_code == 200
    for day in (25, 30):
        at(clock, 2026, 4, day)
        app.state.engine.run_once()
    at(clock, 2026, 5, 3)
    app.state.engine.run_once()
    assert sent_to(db, "compliance@clinic.example") == [] and sent_to(db, "admin@clinic.example") == []


def test_reminders__move_with_a_recomputed_deadline(app, client, tokens, notice, clock, db):
    case_id = notice["case_id"]
    client.patch(f"/api/v1/breach-cases/{case_id}", headers=auth_(tokens), json={"actual_knowledge_on": "2026-03-01",
                                                                               "reasonable_diligence_on": "2026-03-01"})
    got = client.get(f"/api/v1/breach-notices/{notice['id']}", headers=auth_(tokens)).json()
    assert got["due"] == "2026-04-30"
    at(clock, 2026, 4, 24)
    app.state.engine.run_once()
    assert "due 2026-04-30" in sent_to(db, "compliance@clinic.example")[0][1]
