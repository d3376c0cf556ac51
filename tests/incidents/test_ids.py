"""Incident IDs: per UTC day, three digits, unique under concurrent creation on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

from codeblue.incidents import ids
from codeblue.incidents.schemas import IncidentCreate
from codeblue.incidents import service as incidents
from tests import factories

from codeblue.auth.actor import SYSTEM


def test_format_ref__pads_to_three_digits():
    assert ids.format_ref("2026-03-10", 7) == "INC-2026-03-10-007"
    assert ids.format_ref("2026-03-10", 1234) == "INC-2026-03-10-1234"


def test_next_ref__counts_per_day_and_restarts_after_midnight_utc(session):
    late = datetime(2026, 3, 10, 23, 59, 59, tzinfo=UTC)
    assert ids.next_ref(session, now=late) == "INC-2026-03-10-001"
    assert ids.next_ref(session, now=late) == "INC-2026-03-10-002"
    assert ids.next_ref(session, now=late + timedelta(seconds=1)) == "INC-2026-03-11-001"
    assert ids.next_ref(session, now=late) == "INC-2026-03-10-003"


def test_next_ref__uses_the_utc_day_not_the_local_one(session):
    # 20:30 on 10 March in New York is already 11 March in UTC.
    new_york = timezone(timedelta(hours=-4))
    assert ids.next_ref(session, now=datetime(2026, 3, 10, 20, 30, tzinfo=new_york)) == "INC-2026-03-11-001"


def test_create__fifty_concurrent_creations_get_fifty_distinct_sequential_ids(db, clock):
    factories.seed(db, clock.now())

    def create_one(i: int) -> str:
        with db.unit_of_work() as s:
            data = IncidentCreate(service=factories.CRM, title=f"parallel {i}", severity="P2", type="general")
            return incidents.create(s, data=data, actor=SYSTEM, now=clock.now()).ref

    with ThreadPoolExecutor(max_workers=50) as pool:
        refs = list(pool.map(create_one, range(50)))
    assert sorted(refs) == [f"INC-2026-03-10-{n:03d}" for n in range(1, 51)]
