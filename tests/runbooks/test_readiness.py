"""Readiness: a pure report over preloaded schedules, contacts and packs, and its loader, API and page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.oncall import rotation
from codeblue.policy import service as policy
from codeblue.policy.schema import FactCondition, Rule, Template
from codeblue.runbooks import readiness
from codeblue.runbooks.readiness import Contact, Inputs, Method
from tests import factories
from tests.conftest import T0

PACKS = {"healthcare-ivr": policy.get_pack("healthcare-ivr"), "telehealth-crm": policy.get_pack("telehealth-crm")}
SERVICES = {factories.IVR: "healthcare-ivr", factories.CRM: "telehealth-crm"}


def weekly(start, *people, slug="primary") -> rotation.Schedule:
    rot = rotation.Rotation(id=slug, participants=tuple(people), kind="weekly", start=start)
    return rotation.Schedule(id=slug, tz="UTC", layers=(rotation.Layer(rotation=rot),), overrides=())


def ready_inputs(**changes) -> Inputs:
    base = dict(schedules={"primary": weekly(T0 - timedelta(days=1), "dana@example.org")},
                contacts=[Contact("on-call user dana@example.org", (Method("sms", "+15550100", True),))],
                packs=PACKS, service_packs=SERVICES)
    return Inputs(**{**base, **changes})


def problems(report, check_id):
    return next(c for c in report.checks if c.id == check_id).problems


def test_report__everything_in_place_is_ready():
    report = readiness.report(ready_inputs(), now=T0)
    assert report.ok and [c.id for c in report.checks] == ["oncall_coverage", "contacts_verified", "types_exist",
                                                           "templates_render"]


def test_report__a_gap_in_the_next_14_days_is_a_problem():
    late = weekly(T0 + timedelta(days=3), "dana@example.org")
    report = readiness.report(ready_inputs(schedules={"primary": late}), now=T0)
    assert not report.ok
    assert problems(report, "oncall_coverage") == [
        "schedule 'primary' has nobody on call from 2026-03-10 14:00 to 2026-03-13 14:00 UTC"]


def test_report__no_schedule_at_all_is_a_problem():
    assert problems(readiness.report(ready_inputs(schedules={}), now=T0), "oncall_coverage") == [
        "there is no on-call schedule"]


@pytest.mark.parametrize(("methods", "expected"), [
    ((), "has no usable contact method"),
    ((Method("phone", "[Emergency Phone]", True),), "has no usable contact method (only placeholders)"),
    ((Method("email", "sam@placeholder.codeblue.local", True),), "only placeholders"),
    ((Method("sms", "+15550100", False), Method("email", "sam@example.org", False)),
     "has no verified contact method (sms, email not verified)"),
])
def test_report__a_contact_without_a_verified_usable_method_is_a_problem(methods, expected):
    report = readiness.report(ready_inputs(contacts=[Contact("contact 'cto' (CTO)", methods)]), now=T0)
    [problem] = problems(report, "contacts_verified")
    assert problem.startswith("contact 'cto' (CTO)") and expected in problem


def test_report__a_template_that_does_not_render_is_a_problem():
    bad = Template(id="broken", name="Broken", kind="update", audience="stakeholders", body="ETA {{ incident.eta }}")
    pack = PACKS["telehealth-crm"].model_copy(update={"templates": [*PACKS["telehealth-crm"].templates, bad]})
    report = readiness.report(ready_inputs(packs={**PACKS, "telehealth-crm": pack}), now=T0)
    [problem] = problems(report, "templates_render")
    assert problem.startswith("pack 'telehealth-crm': template 'broken' body") and "eta" in problem


def test_report__a_rule_or_service_naming_what_does_not_exist_is_a_problem():
    ghost = Rule(id="ghost-rule", reason="x", when=FactCondition(fact="a", op="exists"), type="ghost_type")
    pack = PACKS["healthcare-ivr"].model_copy(update={"classification": [ghost]})
    report = readiness.report(ready_inputs(packs={**PACKS, "healthcare-ivr": pack},
                                           service_packs={**SERVICES, "billing": "no-such-pack"}), now=T0)
    assert problems(report, "types_exist") == [
        "service 'billing' uses pack 'no-such-pack', which is not loaded",
        "pack 'healthcare-ivr': classification rule 'ghost-rule' names unknown type 'ghost_type'"]


def test_report__the_built_in_packs_reference_only_what_exists_and_render():
    report = readiness.report(ready_inputs(), now=T0)
    assert problems(report, "types_exist") == [] and problems(report, "templates_render") == []


def test_load__a_seeded_install_is_not_ready_until_its_placeholder_people_are_replaced(db, clock, client):
    factories.seed(db, clock.now())
    tokens = factories.tokens(db, clock.now())
    headers = {"Authorization": f"Bearer {tokens['viewer']}"}
    body = client.get("/api/v1/readiness", headers=headers).json()
    assert body["ok"] is False
    contacts = next(c for c in body["checks"] if c["id"] == "contacts_verified")
    assert contacts["problems"] and not contacts["ok"]

    # The seeded on-call schedules start with placeholder people, who cannot be reached.
    assert any(p.startswith("on-call user ") and "no usable contact method" in p for p in contacts["problems"])
    with db.unit_of_work() as s:
        inputs = readiness.load(s)
    assert inputs.service_packs == SERVICES and inputs.schedules
    assert readiness.report(inputs, now=clock.now()).ok is False
