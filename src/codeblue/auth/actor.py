"""Who did something: a person, an integration, the engine or the command line."""

from __future__ import annotations

from dataclasses import dataclass

from codeblue.auth.permissions import Perm, Role, allows
from codeblue.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    kind: str  # user | integration | system | cli
    name: str
    user_id: int | None = None
    role: Role | None = None

    @property
    def label(self) -> str:
        return self.name if self.kind == "user" else f"{self.kind}:{self.name}"

    def can(self, perm: Perm) -> bool:
        # The engine, integrations and local operators act with the system's authority.
        return self.role is None or allows(self.role, perm)

    def require(self, perm: Perm) -> None:
        if not self.can(perm):
            raise Forbidden(f"role '{self.role}' may not do this (needs {perm.value})")


SYSTEM = Actor(kind="system", name="codeblue")
