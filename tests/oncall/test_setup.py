"""The paging set-up `codeblue init` seeds: someone is always on call, the chain is the playbook's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from codeblue.auth.models import User
from codeblue.bootstrap import ADMIN_EMAIL
from codeblue.catalog import service as catalog
from codeblue.oncall import schedules
from codeblue.oncall.models import ContactMethod, EscalationPolicy, NamedContact, ServicePolicy
from codeblue.oncall.setup import last_handoff
from tests import factories

PRIMARY = "telehealth-crm-primary-oncall"
SECONDARY = "telehealth-crm-secondary-oncall"
EARLY = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)  # six hours before the 09:00 UTC handoff


def on_call(db, slug, at):
    with db.unit_of_work(readonly=True) as s:
        return [u.email for u in schedules.on_call_users(s, slug=slug, at=at)]


@pytest.mark.parametrize(("now", "expected"), [
    (datetime(2026, 3, 10, 3, 0, tzinfo=UTC), datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
    (datetime(2026, 3, 10, 8, 59, 59, tzinfo=UTC), datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
    (datetime(2026, 3, 10, 9, 0, tzinfo=UTC), datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
    (datetime(2026, 3, 10, 23, 30, tzinfo=UTC), datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
    (datetime(2026, 3, 1, 0, 0, tzinfo=UTC), datetime(2026, 2, 28, 9, 0, tzinfo=UTC)),
])
def test_last_handoff__is_at_or_before_now(now, expected):
    assert last_handoff(now) == expected


def test_init_before_the_handoff__the_primary_is_on_call_at_once(db):
    factories.seed(db, EARLY)
    for later in (timedelta(0), timedelta(hours=5, minutes=59), timedelta(hours=6), timedelta(days=9)):
        assert on_call(db, PRIMARY, EARLY + later) == [ADMIN_EMAIL]


def test_secondary_schedule__has_a_placeholder_person_with_placeholder_addresses(db):
    factories.seed(db, EARLY)
    [email] = on_call(db, SECONDARY, EARLY)
    assert email == f"{SECONDARY}@placeholder.codeblue.local"
    with db.unit_of_work(readonly=True) as s:
        user = s.scalar(select(User).where(User.email == email))
        methods = [(m.type, m.address) for m in s.scalars(select(ContactMethod).where(ContactMethod.user_id == user.id))]
        name, password = user.name, user.password_hash
    assert "placeholder" in name and password is None
    assert methods == [("voice", "[Emergency Phone]")]  # the seed's phone; not deliverable until filled in


def test_init_twice__adds_no_second_placeholder(db):
    factories.seed(db, EARLY)
    factories.seed(db, EARLY + timedelta(days=1))
    with db.unit_of_work(readonly=True) as s:
        count = s.scalar(select(func.count()).select_from(User).where(User.email.like("%@placeholder.codeblue.local")))
    # One per on-call slot that is not the first responder's: CRM secondary and IVR secondary.
    assert count == 2


def test_seeded_chain__primary_secondary_engineering_manager_cto_twice(db):
    factories.seed(db, EARLY)
    with db.unit_of_work(readonly=True) as s:
        policy = s.scalar(select(EscalationPolicy).where(EscalationPolicy.slug == "crm-oncall"))
        bound = s.get(ServicePolicy, catalog.get(s, slug=factories.CRM).id).policy_id
        named = {c.slug: c.name for c in s.scalars(select(NamedContact))}
        steps, repeat, policy_id = policy.steps, policy.repeat, policy.id
    assert [[(t["type"], t["ref"]) for t in step["targets"]] for step in steps] == [
        [("schedule", PRIMARY)], [("schedule", SECONDARY)], [("contact", "engineering_manager")], [("contact", "cto")]]
    assert all(step["delay_seconds"] is None for step in steps)  # each waits the severity's response target
    assert repeat == 1 and bound == policy_id
    assert (named["engineering_manager"], named["cto"]) == ("Engineering Manager", "CTO")
