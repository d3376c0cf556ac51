"""Who is looking at a page: their name, role, CSRF token and the parts of the UI their role opens."""

from __future__ import annotations

from dataclasses import dataclass, field

from codeblue.auth.actor import Actor
from codeblue.auth.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    perm: Perm


NAV: tuple[NavItem, ...] = (
    NavItem("Dashboard", "/", Perm.INCIDENT_READ),
    NavItem("Alerts", "/alerts", Perm.INCIDENT_READ),
    NavItem("On call", "/oncall", Perm.INCIDENT_READ),
    NavItem("Schedules", "/schedules", Perm.INCIDENT_READ),
    NavItem("Escalation", "/escalation-policies", Perm.INCIDENT_READ),
    NavItem("Integrations", "/integrations", Perm.INCIDENT_READ),
    NavItem("Metrics", "/response-metrics", Perm.INCIDENT_READ),
    NavItem("Readiness", "/readiness", Perm.INCIDENT_READ),
    NavItem("Users", "/users", Perm.ADMIN),
)


@dataclass(frozen=True)
class Viewer:
    actor: Actor
    display_name: str
    csrf_token: str
    session_id: str = field(repr=False)

    @property
    def role(self) -> str:
        return str(self.actor.role)

    def can(self, perm: Perm) -> bool:
        return self.actor.can(perm)

    @property
    def nav(self) -> list[NavItem]:
        return [item for item in NAV if self.can(item.perm)]
