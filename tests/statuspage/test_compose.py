"""The customer context is deliberately small: a customer template that names an internal field cannot render."""

from __future__ import annotations

import pytest

from codeblue.errors import BadInput
from codeblue.policy import service as policy
from codeblue.policy.schema import Template
from codeblue.statuspage import compose
from codeblue.statuspage.schemas import CustomerFields

FIELDS = CustomerFields(description="slow calls", affected_functionality="the clinic line")


@pytest.fixture(scope="module")
def crm():
    policy.install(None)
    return policy.get_pack("telehealth-crm")


def with_customer_template(pack, body):
    other = [t for t in pack.templates if t.kind != "customer"]
    mine = Template(id="leaky", name="Leaky", kind="customer", audience="customers", body=body)
    return pack.model_copy(update={"templates": [*other, mine]})


@pytest.mark.parametrize("field", ["incident.title", "incident.id", "incident.commander", "incident.oncall",
                                   "incident.url", "incident.channel", "incident.actions", "resolution.root_cause"])
def test_render__a_template_naming_an_internal_field_is_refused(crm, field):
    with pytest.raises(BadInput, match="customer-facing fields only"):
        compose.render(pack=with_customer_template(crm, "{{ " + field + " }}"), severity="P1",
                       public_name="Telehealth", fields=FIELDS, status_page_url="https://status.example")


def test_context__holds_only_customer_facing_names(crm):
    ctx = compose.context(pack=crm, severity="P0", public_name="Telehealth", fields=FIELDS,
                          status_page_url="https://status.example")
    assert {k: sorted(v) for k, v in ctx.items()} == {
        "incident": ["impact", "service_name", "severity", "severity_name", "status"],
        "update": ["eta"],
        "customer": ["affected_functionality", "description", "status_page_url", "update_frequency"]}


def test_render__a_pack_without_a_customer_template_says_so(crm):
    bare = crm.model_copy(update={"templates": [t for t in crm.templates if t.kind != "customer"]})
    with pytest.raises(Exception, match="no customer template"):
        compose.render(pack=bare, severity="P1", public_name="x", fields=FIELDS, status_page_url="u")
