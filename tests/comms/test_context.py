"""A real incident's template context keeps the contract of the sample one, and every template renders from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from codeblue.comms import context
from codeblue.comms import service as comms
from codeblue.comms.exceptions import TemplateRefused
from codeblue.comms.schemas import UpdateIn
from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from codeblue.policy import service as policy
from codeblue.policy import templating
from tests import factories
from tests.comms.conftest import open_incident

BASE = "https://codeblue.example.org"


@pytest.fixture
def incident_ref(db, clock):
    factories.seed(db, clock.now())
    return open_incident(db, clock, facts={"availability": "down"})


def test_real_context__has_exactly_the_names_and_shape_of_the_sample(db, clock, incident_ref):
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=incident_ref)
        bare = context.build(s, incident=incident, now=clock.now(), base_url=BASE)
        incidents.acknowledge(s, incident=incident, actor=SYSTEM, now=clock.now())
        comms.post_update(s, incident=incident, data=UpdateIn(status="identified", actions="Rolled back",
                                                              next_steps="Watch"), actor=SYSTEM, now=clock.now(),
                          base_url=BASE)
        clock.advance(timedelta(minutes=40))
        incidents.resolve(s, incident=incident, actor=SYSTEM, now=clock.now())
        full = context.build(s, incident=incident, now=clock.now(), base_url=BASE)
    sample = context.shape(templating.sample_context())
    assert context.shape(full) == sample
    # Before anything happened the lists are empty, so only their element shapes can differ.
    assert context.shape(bare).keys() == sample.keys()
    assert {k: set(v) for k, v in context.shape(bare).items() if isinstance(v, dict)} == \
        {k: set(v) for k, v in sample.items() if isinstance(v, dict)}
    assert full["incident"]["duration"] == "40m" and full["incident"]["actions"] == ["Rolled back"]
    assert full["update"]["number"] == 1 and full["incident"]["url"] == f"{BASE}/incidents/{incident_ref}"


@pytest.mark.parametrize("pack", ["telehealth-crm", "healthcare-ivr"])
def test_every_template_of_the_pack__renders_for_a_real_incident(db, clock, pack):
    factories.seed(db, clock.now())
    service = factories.CRM if pack == "telehealth-crm" else factories.IVR
    ref = open_incident(db, clock, service=service, severity="P1", type=policy.get_pack(pack).default_type)
    with db.unit_of_work(readonly=True) as s:
        incident = incidents.get(s, ref=ref)
        for template in policy.get_pack(pack).templates:
            _, subject, body = comms.preview(s, incident=incident, template_id=template.id, fields=None,
                                             now=clock.now(), base_url=BASE)
            assert subject.strip() and body.strip()
            assert ref in subject + body or template.kind == "customer"


def test_fields__override_a_name_and_refuse_an_unknown_one_by_its_name(db, clock, incident_ref):
    with db.unit_of_work(readonly=True) as s:
        incident = incidents.get(s, ref=incident_ref)
        _, _, body = comms.preview(s, incident=incident, template_id="customer_communication",
                                   fields={"update": {"eta": "16:00 UTC"}}, now=clock.now(), base_url=BASE)
        assert "**ETA**: 16:00 UTC" in body
        for bad in ({"update": {"colour": "red"}}, {"patient": "x"}, {"incident.nope": 1}):
            with pytest.raises(TemplateRefused) as refused:
                comms.preview(s, incident=incident, template_id="status_update", fields=bad, now=clock.now(),
                              base_url=BASE)
            assert "unknown field" in refused.value.message
        with pytest.raises(TemplateRefused, match="no template 'nope'"):
            comms.preview(s, incident=incident, template_id="nope", fields=None, now=clock.now(), base_url=BASE)


@pytest.mark.parametrize(("fields", "named"), [
    ({"next_update_at": "soon"}, "next_update_at"),
    ({"incident": {"actions": "one"}}, "incident.actions"),
    ({"update": {"number": "3"}}, "update.number"),
    ({"review": {"timeline": [1]}}, "review.timeline"),
    ({"update": {"eta": None}}, "update.eta"),
])
def test_fields__of_the_wrong_kind_are_refused_by_name(db, clock, incident_ref, fields, named):
    with db.unit_of_work(readonly=True) as s:
        with pytest.raises(TemplateRefused) as refused:
            comms.preview(s, incident=incidents.get(s, ref=incident_ref), template_id="status_update", fields=fields,
                          now=clock.now(), base_url=BASE)
    assert refused.value.details == {"field": named} and named in refused.value.message
