"""The metrics page: the numbers in the tables, and charts that carry the same numbers beside their bars."""

from __future__ import annotations

from datetime import timedelta

from codeblue.auth.actor import SYSTEM
from codeblue.incidents import service as incidents
from tests import factories
from tests.web.conftest import people, seeded  # noqa: F401  (fixtures)


def test_metrics_page__mtta_mttr_and_attainment_per_severity_and_service(db, clock, people):  # noqa: F811
    start = clock.now()
    with db.unit_of_work() as s:  # two P0 incidents (5 minute target): acknowledged after 2 and 10 minutes
        for ack, res in ((2, 30), (10, 90)):
            clock.set(start)
            incident = factories.incident(s, clock.now(), actor=SYSTEM, severity="P0", type="api_down")
            incidents.acknowledge(s, incident=incident, actor=SYSTEM, now=start + timedelta(minutes=ack))
            incidents.resolve(s, incident=incident, actor=SYSTEM, now=start + timedelta(minutes=res))
    clock.set(start + timedelta(hours=3))
    page = people["viewer"].get("/response-metrics").text
    p0_row = page[page.index('<th scope="row">P0</th>'):][:400]
    assert "<td>2</td>" in p0_row and "6m 00s" in p0_row and "1h 00m" in p0_row and "50% (1 of 2)" in p0_row
    assert '<th scope="row">P3</th><td>0</td><td>no data</td>' in page.replace("\n", "").replace("  ", "")
    assert '<th scope="row">Telehealth CRM API</th>' in page
    assert page.count("<svg") == 6 and 'role="img"' in page
    assert "Mean time to acknowledge, by severity" in page and ">6m 00s</text>" in page and ">50%</text>" in page
    assert "Incidents per week" in page and ">2</text>" in page


def test_metrics_page__an_empty_period_says_so(people):  # noqa: F811
    page = people["viewer"].get("/response-metrics?days=7").text
    assert "0 incidents detected in the last 7 days" in page and "No incidents in this period." in page
