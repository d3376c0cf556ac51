"""The packs this process runs with: the built-in ones and any from the configured folder."""

from __future__ import annotations

from pathlib import Path

from codeblue.errors import NotFound
from codeblue.policy.loader import load_all
from codeblue.policy.schema import Pack

_packs: dict[str, Pack] | None = None


def install(extra_dir: Path | None = None) -> dict[str, Pack]:
    """Load and validate every pack; a broken pack stops start-up with its problems."""
    global _packs
    _packs = load_all(extra_dir)
    return _packs


def packs() -> dict[str, Pack]:
    return _packs if _packs is not None else install()


def get_pack(name: str) -> Pack:
    found = packs().get(name)
    if found is None:
        raise NotFound(f"no policy pack '{name}'; loaded: {', '.join(sorted(packs()))}")
    return found
