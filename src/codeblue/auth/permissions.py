"""The role matrix: one table says which role may do what; everything else asks it."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    COMMANDER = "commander"
    COMPLIANCE = "compliance"
    ADMIN = "admin"


class Perm(StrEnum):
    INCIDENT_READ = "incident:read"
    INCIDENT_CREATE = "incident:create"
    INCIDENT_RESPOND = "incident:respond"  # acknowledge, note, status, resolve
    INCIDENT_COMMAND = "incident:command"  # severity, type, roles, close
    PHI_FLAG_SET = "phi:flag"  # anyone responding may raise the PHI flag
    PHI_FLAG_CLEAR = "phi:clear"  # only compliance may lower it
    COMPLIANCE = "compliance"  # breach cases and PHI details
    ADMIN = "admin"


_READ = {Perm.INCIDENT_READ}
_RESPOND = _READ | {Perm.INCIDENT_CREATE, Perm.INCIDENT_RESPOND, Perm.PHI_FLAG_SET}

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.VIEWER: frozenset(_READ),
    Role.RESPONDER: frozenset(_RESPOND),
    Role.COMMANDER: frozenset(_RESPOND | {Perm.INCIDENT_COMMAND}),
    Role.COMPLIANCE: frozenset(_READ | {Perm.INCIDENT_CREATE, Perm.PHI_FLAG_SET, Perm.PHI_FLAG_CLEAR, Perm.COMPLIANCE}),
    Role.ADMIN: frozenset(Perm),
}

# A token may carry its user's role or a narrower one, never a wider one.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.VIEWER: frozenset({Role.VIEWER}),
    Role.RESPONDER: frozenset({Role.RESPONDER, Role.VIEWER}),
    Role.COMMANDER: frozenset({Role.COMMANDER, Role.RESPONDER, Role.VIEWER}),
    Role.COMPLIANCE: frozenset({Role.COMPLIANCE, Role.VIEWER}),
    Role.ADMIN: frozenset(Role),
}


def allows(role: Role | str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS[Role(role)]
