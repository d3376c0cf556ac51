"""Customer-notice deadlines per severity, for both packs, as the pure rule gives them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codeblue.policy import service as policy
from codeblue.statuspage import rules

T0 = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
M, H = timedelta(minutes=1), timedelta(hours=1)

CASES = [
    # pack, severity, user_facing, owed, due after owed_since, mode
    ("telehealth-crm", "P0", True, True, 5 * M, "immediate"),  # "Immediate notification if user-facing"
    ("telehealth-crm", "P0", False, False, None, "immediate"),
    ("telehealth-crm", "P1", True, True, 1 * H, "within"),  # "Notification within 1 hour"
    ("telehealth-crm", "P1", False, True, 1 * H, "within"),
    ("telehealth-crm", "P2", True, False, None, "regular_updates"),  # "Include in regular status updates"
    ("telehealth-crm", "P3", True, False, None, "regular_updates"),
    ("healthcare-ivr", "P0", True, True, 15 * M, "immediate"),  # the IVR's "Immediate (< 15 minutes)"
    ("healthcare-ivr", "P0", False, False, None, "immediate"),
    ("healthcare-ivr", "P1", True, True, 1 * H, "within"),
    ("healthcare-ivr", "P1", False, True, 1 * H, "within"),
    ("healthcare-ivr", "P2", True, False, None, "regular_updates"),
    ("healthcare-ivr", "P3", True, False, None, "regular_updates"),
]


@pytest.fixture(scope="module", autouse=True)
def packs():
    policy.install(None)


@pytest.mark.parametrize(("pack", "sev", "user_facing", "owed", "after", "mode"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{'uf' if c[2] else 'internal'}" for c in CASES])
def test_customer_notice__deadline_per_severity(pack, sev, user_facing, owed, after, mode):
    result = rules.customer_notice(policy.get_pack(pack).severity(sev), user_facing=user_facing, owed_since=T0)
    assert (result.owed, result.mode) == (owed, mode)
    assert result.due_at == (T0 + after if after is not None else None)
    assert result.reason.startswith(sev)


def test_customer_notice__not_user_facing_says_why():
    result = rules.customer_notice(policy.get_pack("telehealth-crm").severity("P0"), user_facing=False, owed_since=T0)
    assert result.reason == "P0: Immediate notification if user-facing; the incident is not user-facing"
