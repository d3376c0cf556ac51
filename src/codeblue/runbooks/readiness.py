"""Pre-incident preparation as a computed report: on-call coverage, reachable contacts, sound packs.

`report` is a pure function of preloaded data and `now`; `load` reads that data from the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from codeblue.auth.models import User
from codeblue.catalog.models import Service
from codeblue.oncall import rotation, schedules
from codeblue.oncall.models import ContactMethod, NamedContact, Schedule
from codeblue.oncall.setup import PLACEHOLDER_DOMAIN
from codeblue.policy import service as policy
from codeblue.policy import templating
from codeblue.policy.schema import Pack
from codeblue.runbooks.render import PLACEHOLDER

HORIZON = timedelta(days=14)


@dataclass(frozen=True)
class Method:
    type: str
    address: str
    verified: bool

    @property
    def usable(self) -> bool:
        # The seeds leave some addresses as "[Emergency Phone]"; setup gives placeholder people a local domain.
        text = self.address.strip()
        return bool(text) and not (text.startswith("[") and text.endswith("]")) \
            and not text.endswith("@" + PLACEHOLDER_DOMAIN)


@dataclass(frozen=True)
class Contact:
    label: str  # "user dana@example.org" or "contact security_team"
    methods: tuple[Method, ...]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Report:
    at: datetime
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)


@dataclass(frozen=True)
class Inputs:
    schedules: Mapping[str, rotation.Schedule]
    contacts: list[Contact]
    packs: Mapping[str, Pack]
    service_packs: Mapping[str, str]  # service slug → pack name


def _coverage(schedule_map: Mapping[str, rotation.Schedule], now: datetime) -> Check:
    problems = [] if schedule_map else ["there is no on-call schedule"]
    for slug, plan in sorted(schedule_map.items()):
        for lo, hi in rotation.gaps(plan, now, now + HORIZON):
            problems.append(f"schedule '{slug}' has nobody on call from {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC")
    return Check("oncall_coverage", "Every on-call schedule covers the next 14 days without gaps", problems)


def _contacts(contacts: list[Contact]) -> Check:
    problems = []
    for contact in contacts:
        usable = [m for m in contact.methods if m.usable]
        if not usable:
            problems.append(f"{contact.label} has no usable contact method"
                            + (" (only placeholders)" if contact.methods else ""))
        elif not any(m.verified for m in usable):
            problems.append(f"{contact.label} has no verified contact method "
                            f"({', '.join(m.type for m in usable)} not verified)")
    return Check("contacts_verified", "Every contact has a verified contact method", problems)


def _types(packs: Mapping[str, Pack], service_packs: Mapping[str, str]) -> Check:
    problems = []
    for slug, name in sorted(service_packs.items()):
        if name not in packs:
            problems.append(f"service '{slug}' uses pack '{name}', which is not loaded")
    for name, pack in sorted(packs.items()):
        types = {t.id for t in pack.incident_types}
        lists = {c.id for c in pack.checklists}
        if pack.default_type not in types:
            problems.append(f"pack '{name}': default_type '{pack.default_type}' is not an incident type")
        for rule in pack.classification:
            if rule.type is not None and rule.type not in types:
                problems.append(f"pack '{name}': classification rule '{rule.id}' names unknown type '{rule.type}'")
        for itype in pack.incident_types:
            for checklist in itype.checklists:
                if checklist not in lists:
                    problems.append(f"pack '{name}': runbook '{itype.id}' names unknown checklist '{checklist}'")
            for command in itype.commands:
                for placeholder in PLACEHOLDER.findall(command.run):
                    if placeholder not in pack.placeholders:
                        problems.append(f"pack '{name}': runbook '{itype.id}' command '{command.title}' uses "
                                        f"[{placeholder}], which no placeholder maps to a fact")
    return Check("types_exist", "Every runbook and classification references a type that exists", problems)


def _templates(packs: Mapping[str, Pack]) -> Check:
    problems = []
    for name, pack in sorted(packs.items()):
        for template in pack.templates:
            for part, source in (("subject", template.subject), ("body", template.body)):
                found = templating.check(source) if source else None
                if found is not None:
                    line = f" (line {found.lineno})" if found.lineno else ""
                    problems.append(f"pack '{name}': template '{template.id}' {part}{line}: {found.message}")
    return Check("templates_render", "Every template renders", problems)


def report(inputs: Inputs, *, now: datetime) -> Report:
    """Readiness from preloaded data: each check with the problems it found."""
    return Report(at=now, checks=[_coverage(inputs.schedules, now), _contacts(inputs.contacts),
                                  _types(inputs.packs, inputs.service_packs), _templates(inputs.packs)])


def load(session: Session) -> Inputs:
    """What `report` reads: schedules as the pure rotation computes them, everyone paged, every pack."""
    stored = list(session.scalars(select(Schedule).order_by(Schedule.slug)))
    plans = {s.slug: schedules.plan(session, s) for s in stored}
    methods = list(session.scalars(select(ContactMethod)))
    by_user: dict[int, list[Method]] = {}
    by_contact: dict[int, list[Method]] = {}
    for m in methods:
        target = by_user.setdefault(m.user_id, []) if m.user_id else by_contact.setdefault(m.contact_id, [])
        target.append(Method(m.type, m.address, m.verified))
    on_call = {email for s in stored for layer in s.layers for email in layer["rotation"]["participants"]}
    override_ids = {o.user_id for s in stored for o in s.overrides}
    people = select(User).where(User.email.in_(sorted(on_call)) | User.id.in_(sorted(override_ids)))
    contacts = [Contact(f"on-call user {u.email}", tuple(by_user.get(u.id, [])))
                for u in session.scalars(people.order_by(User.email))]
    for named in session.scalars(select(NamedContact).order_by(NamedContact.slug)):
        own = by_contact.get(named.id, []) + (by_user.get(named.user_id, []) if named.user_id else [])
        contacts.append(Contact(f"contact '{named.slug}' ({named.name})", tuple(own)))
    service_packs = dict(session.execute(select(Service.slug, Service.pack)).all())
    return Inputs(schedules=plans, contacts=contacts, packs=policy.packs(), service_packs=service_packs)
