"""Reading packs: every problem reported with its file and line, in plain words; durations; conditions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from codeblue.policy import loader
from codeblue.policy.durations import format_duration, parse_duration
from codeblue.policy.rules import holds
from codeblue.policy.schema import AllOf, AnyOf, FactCondition, NotOf

CRM = loader.BUILTIN_DIR / "telehealth-crm.yaml"


def crm_lines() -> list[str]:
    return CRM.read_text(encoding="utf-8").splitlines()


def line_of(lines: list[str], text: str, after: int = 0) -> int:
    """1-based number of the first line after line `after` that contains text."""
    return next(i for i, line in enumerate(lines, 1) if i > after and text in line)


def problems(lines: list[str]) -> list[loader.PackProblem]:
    return loader.parse("\n".join(lines) + "\n", "pack.yaml").problems


def test_parse__the_unedited_pack_has_no_problems():
    result = loader.parse(CRM.read_text(encoding="utf-8"), "pack.yaml")
    assert result.problems == [] and result.pack is not None and result.pack.pack == "telehealth-crm"


def test_missing_severity__names_it():
    data = yaml.safe_load(CRM.read_text(encoding="utf-8"))
    data["severities"] = [s for s in data["severities"] if s["id"] != "P2"]
    found = loader.parse(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "pack.yaml").problems
    assert [p.message for p in found] == ["severity P2 is missing; a pack defines P0, P1, P2 and P3"]
    assert found[0].file == "pack.yaml" and found[0].line == 1 + yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False).splitlines().index("severities:")


def test_missing_severity__cut_from_the_text_is_reported_at_severities():
    lines = crm_lines()
    start, end = line_of(lines, "  - id: P2"), line_of(lines, "  - id: P3")
    edited = lines[: start - 1] + lines[end - 1:]
    [problem] = problems(edited)
    assert "severity P2 is missing" in problem.message
    assert problem.line == line_of(edited, "severities:")


def test_unknown_field__reported_on_its_line():
    lines = crm_lines()
    at = line_of(lines, "    response_target: 5m")
    lines.insert(at, "    xyz: 1")  # becomes line at + 1
    [problem] = problems(lines)
    assert (problem.file, problem.line, problem.message) == (
        "pack.yaml", at + 1, "severities.0.xyz: unknown field 'xyz'")


def test_bad_duration__reported_on_its_line():
    lines = crm_lines()
    at = line_of(lines, "    response_target: 5m")
    lines[at - 1] = "    response_target: 5 minutes"
    [problem] = problems(lines)
    assert problem.line == at
    assert problem.message.startswith("severities.0.response_target: not a duration: '5 minutes'")


def test_rule_naming_an_unknown_type__reported_on_the_rules_line():
    lines = crm_lines()
    rule = line_of(lines, "  - id: high-error-rate")
    at = line_of(lines, "    type: high_error_rate", after=rule)
    lines[at - 1] = "    type: volcano_eruption"
    [problem] = problems(lines)
    assert (problem.line, problem.message) == (
        at, "rule 'high-error-rate' names unknown incident type 'volcano_eruption'")


def test_template_with_an_unknown_field__fails_validation():
    lines = crm_lines()
    at = line_of(lines, "**Impact**: {{ incident.impact }}")
    lines.insert(at, "      **Pager**: {{ incident.nonexistent }}")
    [problem] = problems(lines)
    assert "template 'incident_alert' body: template names an unknown field" in problem.message
    assert "nonexistent" in problem.message
    assert problem.line >= line_of(lines, "  - id: incident_alert")


def test_template_with_an_unknown_field_in_the_subject__reported_on_the_subject_line():
    lines = crm_lines()
    at = line_of(lines, "    subject:", after=line_of(lines, "  - id: customer_communication"))
    lines[at - 1] = '    subject: "{{ incident.nonexistent }} Service Disruption"'
    [problem] = problems(lines)
    assert problem.line == at and "template 'customer_communication' subject" in problem.message


def test_template_syntax_error__points_at_the_line_inside_the_body():
    lines = crm_lines()
    body = line_of(lines, "    body: |", after=line_of(lines, "  - id: status_update"))
    lines.insert(body + 1, "      {% if %}")  # the body's second line
    [problem] = problems(lines)
    assert problem.line == body + 2 and "template syntax error" in problem.message


def test_invalid_yaml__reported_with_its_line():
    lines = crm_lines()
    at = line_of(lines, "default_type: general")
    lines[at - 1] = "default_type: general: again"
    [problem] = problems(lines)
    assert problem.line == at and problem.message.startswith("not valid YAML: mapping values are not allowed")


def test_invalid_yaml__unclosed_flow_reported_with_a_line():
    [problem] = loader.parse("pack: x\nseverities: [\n  - a: b\n", "bad.yaml").problems
    assert problem.file == "bad.yaml" and problem.line == 3 and "not valid YAML" in problem.message


def test_not_a_mapping__reported():
    [problem] = loader.parse("- just\n- a list\n", "list.yaml").problems
    assert (problem.line, problem.message) == (1, "a pack is a YAML mapping with 'pack', 'severities', …")


def test_references__checked_once_the_schema_holds():
    lines = crm_lines()
    lines[line_of(lines, "default_type: general") - 1] = "default_type: nothing"
    lines[line_of(lines, "    stakeholders: [engineering_manager, cto]") - 1] = "    stakeholders: [ghost]"
    messages = [p.message for p in problems(lines)]
    assert "default_type 'nothing' is not an incident type of this pack" in messages
    assert "severity P0 names unknown contact 'ghost'" in messages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("24h", timedelta(hours=24)),
        ("1d", timedelta(days=1)),
        ("1w", timedelta(weeks=1)),
        ("1h30m", timedelta(minutes=90)),
        (" 1H 30M ", timedelta(minutes=90)),
        ("immediate", timedelta(0)),
        ("0", timedelta(0)),
        (300, timedelta(minutes=5)),
    ],
)
def test_parse_duration__reads_playbook_durations(text, expected):
    assert parse_duration(text) == expected
    assert parse_duration(format_duration(expected)) == expected


@pytest.mark.parametrize("value", ["5 minutes", "m5", "", "-5m", "1.5h", "soon", -1, True])
def test_parse_duration__refuses_anything_else(value):
    with pytest.raises(ValueError):
        parse_duration(value)


@pytest.mark.parametrize(
    ("delta", "text"),
    [(timedelta(0), "0s"), (timedelta(minutes=90), "1h30m"), (timedelta(days=1, seconds=5), "1d5s")],
)
def test_format_duration__shortest_form(delta, text):
    assert format_duration(delta) == text


@pytest.mark.parametrize(
    ("op", "value", "facts", "expected"),
    [
        ("eq", "down", {"x": "DOWN"}, True),
        ("eq", True, {"x": "true"}, True),
        ("eq", True, {"x": "no"}, False),
        ("eq", False, {"x": False}, True),
        ("eq", 5, {"x": "5"}, True),
        ("eq", "down", {}, False),
        ("ne", "down", {"x": "up"}, True),
        ("ne", "down", {}, False),
        ("gt", 10, {"x": 10.5}, True),
        ("gt", 10, {"x": 10}, False),
        ("gt", 10, {"x": "12%"}, True),
        ("gt", 10, {"x": "not a number"}, False),
        ("gt", 0, {"x": True}, False),
        ("gte", 10, {"x": "10%"}, True),
        ("lt", 50, {"x": 49}, True),
        ("lte", 50, {"x": 50}, True),
        ("lte", 50, {"x": 51}, False),
        ("in", ["FAILED", "ABORTED"], {"x": "aborted"}, True),
        ("in", ["FAILED", "ABORTED"], {"x": "COMPLETED"}, False),
        ("not_in", ["FAILED"], {"x": "COMPLETED"}, True),
        ("not_in", ["FAILED"], {}, False),
        ("contains", "Exfiltration", {"x": "Effects/Data Exfiltration"}, True),
        ("contains", "a", {"x": ["b", "A"]}, True),
        ("contains", "c", {"x": ["b", "A"]}, False),
        ("matches", r"^Unauthorized", {"x": "UnauthorizedAccess:EC2/SSHBruteForce"}, True),
        ("matches", r"^Unauthorized", {"x": "Recon:EC2/PortProbeUnprotectedPort"}, False),
        ("exists", None, {"x": 0}, True),
        ("exists", None, {"x": None}, False),
        ("exists", None, {}, False),
        ("missing", None, {}, True),
        ("missing", None, {"x": None}, True),
        ("missing", None, {"x": "y"}, False),
    ],
)
def test_holds__operators(op, value, facts, expected):
    assert holds(FactCondition(fact="x", op=op, value=value), facts) is expected


A = FactCondition(fact="a", op="eq", value=True)
B = FactCondition(fact="b", op="eq", value=True)


@pytest.mark.parametrize(
    ("cond", "facts", "expected"),
    [
        (AllOf(all=[A, B]), {"a": True, "b": True}, True),
        (AllOf(all=[A, B]), {"a": True}, False),
        (AnyOf(any=[A, B]), {"b": True}, True),
        (AnyOf(any=[A, B]), {}, False),
        (NotOf.model_validate({"not": A}), {}, True),
        (NotOf.model_validate({"not": A}), {"a": True}, False),
        (FactCondition(fact="label.severity", op="eq", value="critical"), {"label": {"severity": "critical"}}, True),
        (FactCondition(fact="label.severity", op="exists"), {"label": "critical"}, False),
    ],
)
def test_holds__combinators_and_dotted_facts(cond, facts, expected):
    assert holds(cond, facts) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"fact": "x", "op": "exists", "value": 1}, "operator 'exists' takes no value"),
        ({"fact": "x", "op": "eq"}, "operator 'eq' needs a value"),
        ({"fact": "x", "op": "gt", "value": "ten"}, "operator 'gt' needs a number"),
        ({"fact": "x", "op": "in", "value": "FAILED"}, "operator 'in' needs a list of values"),
    ],
)
def test_fact_condition__refuses_a_value_that_does_not_fit_the_operator(condition, message):
    with pytest.raises(ValueError, match=message):
        FactCondition.model_validate(condition)


def test_every_problem__schema_and_references_in_one_run():
    lines = crm_lines()
    bad_duration = line_of(lines, "response_target:")
    lines[bad_duration - 1] = "    response_target: fifteen minutes"
    unknown_field = line_of(lines, "response_target:", after=bad_duration)
    lines.insert(unknown_field, "    colour: red")
    unknown_type = line_of(lines, "    type: high_error_rate")
    lines[unknown_type - 1] = "    type: no_such_type"
    ghost = line_of(lines, "    stakeholders: [engineering_manager, cto]")
    lines[ghost - 1] = "    stakeholders: [ghost]"
    found = [(p.line, p.message) for p in problems(lines)]

    def reported(line: int, text: str) -> bool:
        return any(at == line and text in message for at, message in found)

    assert reported(unknown_field + 1, "unknown field 'colour'")
    assert reported(bad_duration, "not a duration: 'fifteen minutes'")
    assert reported(unknown_type, "rule 'high-error-rate' names unknown incident type 'no_such_type'")
    # The P0 entry itself was invalid, so its missing definition is not reported again as "P0 is missing".
    assert not any("P0 is missing" in msg for _, msg in found)
