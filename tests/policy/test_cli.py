"""codeblue policy validate / show, as an operator runs them."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from codeblue.cli import app
from codeblue.policy import loader

CRM = loader.BUILTIN_DIR / "telehealth-crm.yaml"


def crm_lines() -> list[str]:
    return CRM.read_text().splitlines()


def line_of(lines: list[str], text: str) -> int:
    return next(i for i, line in enumerate(lines, 1) if text in line)


runner = CliRunner()


def test_cli_validate__accepts_both_builtin_packs():
    result = runner.invoke(app, ["policy", "validate", str(loader.BUILTIN_DIR)])
    assert result.exit_code == 0, result.output
    assert "telehealth-crm" in result.output and "healthcare-ivr" in result.output


def test_cli_validate__rejects_a_broken_file_with_file_and_line(tmp_path: Path):
    lines = crm_lines()
    at = line_of(lines, "    response_target: 5m")
    lines.insert(at, "    xyz: 1")
    broken = tmp_path / "broken.yaml"
    broken.write_text("\n".join(lines))
    result = runner.invoke(app, ["policy", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:{at + 1}: severities.0.xyz: unknown field 'xyz'" in result.output


def test_cli_show__prints_a_pack_as_json():
    result = runner.invoke(app, ["policy", "show", "telehealth-crm", "--json"])
    assert result.exit_code == 0
    assert '"response_target": "5m"' in result.output




def test_cli_validate__a_template_naming_an_unknown_field_fails_with_its_line(tmp_path: Path):
    lines = crm_lines()
    at = line_of(lines, "**Incident ID**: {{ incident.id }}")
    lines[at - 1] = lines[at - 1].replace("incident.id", "incident.patient_name")
    broken = tmp_path / "broken-template.yaml"
    broken.write_text("\n".join(lines))
    result = runner.invoke(app, ["policy", "validate", str(broken)])
    assert result.exit_code == 1
    assert "template 'incident_alert' body: template names an unknown field" in result.output
    assert "patient_name" in result.output and f"{broken}:" in result.output


def test_cli_validate__a_template_naming_an_unknown_section_fails(tmp_path: Path):
    broken = tmp_path / "broken-section.yaml"
    broken.write_text(CRM.read_text().replace("{{ customer.status_page_url }}", "{{ patient.chart_url }}"))
    result = runner.invoke(app, ["policy", "validate", str(broken)])
    assert result.exit_code == 1
    assert "template 'customer_communication' body" in result.output and "patient" in result.output
