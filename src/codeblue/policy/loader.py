"""Reading packs from YAML, reporting every problem with its file and line."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from codeblue.policy import templating
from codeblue.policy.checks import check_pack
from codeblue.policy.schema import Pack

BUILTIN_DIR = Path(__file__).parent / "packs"


@dataclass(frozen=True)
class PackProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class LoadResult:
    file: str
    pack: Pack | None = None
    problems: list[PackProblem] = field(default_factory=list)


def _line_map(node: yaml.Node, path: tuple[Any, ...] = (), lines: dict | None = None) -> dict:
    """Each path inside the document → the 1-based line where it starts."""
    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, key.value)
            lines[child] = key.start_mark.line + 1
            _line_map(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _line_map(item, (*path, i), lines)
    return lines


def _line_for(loc: tuple[Any, ...], lines: dict) -> int:
    path: tuple[Any, ...] = ()
    for part in loc:
        if (*path, part) in lines:
            path = (*path, part)
    return lines.get(path, 1)


def _where(loc: tuple[Any, ...]) -> str:
    known = [str(p) for p in loc if isinstance(p, int) or "[" not in str(p)]
    return ".".join(known)


def _schema_problem(file: str, err: Any, lines: dict) -> PackProblem:
    where = _where(err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = f"unknown field '{err['loc'][-1]}'"
    elif err["type"] == "missing":
        msg = f"missing required field '{err['loc'][-1]}'"
    return PackProblem(file, _line_for(err["loc"], lines), f"{where}: {msg}" if where else msg)


def _without_invalid_parts(data: dict, exc: ValidationError) -> tuple[Pack | None, set[str]]:
    """The pack with each invalid list item or field left out, and the ids of the items left out
    (references to those are not reported again as unknown); None when what is left is no pack."""
    data, pruned = copy.deepcopy(data), set()
    for _ in range(5):
        for err in exc.errors():
            loc = list(err["loc"])
            # Cut at the innermost list item holding the error, or else at the field itself.
            cut = max((i for i, part in enumerate(loc) if isinstance(part, int)), default=len(loc) - 1)
            parent: Any = data
            try:
                for part in loc[:cut]:
                    parent = parent[part]
                item = parent[loc[cut]]
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                pruned.add(item["id"])
            if isinstance(parent, list):
                parent[loc[cut]] = None  # keep indexes (and so line numbers) of the items after it
            elif isinstance(parent, dict):
                parent.pop(loc[cut], None)
        for value in data.values():
            if isinstance(value, list):
                value[:] = [v for v in value if v is not None]
        try:
            return Pack.model_validate(data), pruned
        except ValidationError as again:
            exc = again
    return None, pruned


def parse(text: str, file: str) -> LoadResult:
    """Validate one pack's YAML text."""
    result = LoadResult(file=file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        result.problems.append(PackProblem(file, line, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return result
    if not isinstance(data, dict) or root is None:
        result.problems.append(PackProblem(file, 1, "a pack is a YAML mapping with 'pack', 'severities', …"))
        return result
    lines = _line_map(root)
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            result.problems.append(_schema_problem(file, err, lines))
        # Still check references across what is valid, so one run names every problem.
        partial, pruned = _without_invalid_parts(data, exc)
        if partial is not None:
            for problem in check_pack(partial):
                if not pruned & set(re.findall(r"[\w-]+", problem.message)):
                    result.problems.append(PackProblem(file, _line_for(problem.path, lines), problem.message))
        return result
    for problem in check_pack(pack):
        result.problems.append(PackProblem(file, _line_for(problem.path, lines), problem.message))
    for i, tmpl in enumerate(pack.templates):
        for part in ("subject", "body"):
            source = getattr(tmpl, part)
            if source is None:
                continue
            found = templating.check(source)
            if found is not None:
                base = _line_for(("templates", i, part), lines)
                # A block scalar's text starts on the line after its key.
                offset = found.lineno if (found.lineno and part == "body") else 0
                result.problems.append(PackProblem(file, base + offset, f"template '{tmpl.id}' {part}: {found.message}"))
    if not result.problems:
        result.pack = pack
    return result


def load_file(path: Path) -> LoadResult:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return LoadResult(file=str(path), problems=[PackProblem(str(path), 1, f"cannot read: {exc}")])
    return parse(text, str(path))


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.yaml"))


class PackError(Exception):
    def __init__(self, problems: list[PackProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_all(extra_dir: Path | None = None) -> dict[str, Pack]:
    """The built-in packs plus any in extra_dir; a pack there with a built-in's id replaces it."""
    files = builtin_files() + (sorted(extra_dir.glob("*.yaml")) if extra_dir else [])
    packs: dict[str, Pack] = {}
    problems: list[PackProblem] = []
    for path in files:
        result = load_file(path)
        problems.extend(result.problems)
        if result.pack is not None:
            packs[result.pack.pack] = result.pack
    if problems:
        raise PackError(problems)
    return packs
