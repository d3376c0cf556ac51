"""`codeblue breach` end to end through Typer: the JSON contract, the table, and refused input."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from codeblue.compliance.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}  # keep each Rich table row on one line
DOCUMENTED_KEYS = ["notice_required", "discovery_date", "individuals", "hhs", "media", "substitute_notice",
                   "business_associate", "states", "earliest_individual_due"]


def run(*args: str):
    return runner.invoke(app, list(args), env=WIDE)


def deadlines_json(*args: str) -> dict:
    result = run("deadlines", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_deadlines_json__has_the_documented_shape_with_iso_dates():
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "1200", "--state", "CA=600",
                          "--state", "TX=300", "--state", "NV=300", "--insufficient-contact", "12",
                          "--ba-discovered", "2026-02-27", "--ba-independent", "--ba-notified", "2026-03-02")
    assert list(data)[:len(DOCUMENTED_KEYS)] == DOCUMENTED_KEYS
    assert data["notice_required"] is True and data["discovery_date"] == "2026-03-02"
    assert data["individuals"] == {"due": "2026-05-01", "base_due": "2026-05-01",
                                        "citation": "45 CFR 164.404(b)", "delayed": False}
    assert {k: data["hhs"][k] for k in ("mode", "due", "citation")} == {
        "mode": "contemporaneous", "due": "2026-05-01", "citation": "45 CFR 164.408(b)"}
    assert [(m["state"], m["due"], m["citation"]) for m in data["media"]] == [("CA", "2026-05-01", "45 CFR 164.406")]
    assert data["substitute_notice"] == "web_or_media"
    assert data["substitute_notice_citation"] == "45 CFR 164.404(d)(2)"
    assert (data["business_associate"]["due"], data["business_associate"]["citation"]) == ("2026-04-28",
                                                                                            "45 CFR 164.410")
    assert [{k: s[k] for k in ("state", "due", "regulator_due", "citation")} for s in data["states"]] == [
        {"state": "CA", "due": "2026-04-01", "regulator_due": "2026-04-16", "citation": "Cal. Civ. Code 1798.82"},
        {"state": "TX", "due": "2026-05-01", "regulator_due": "2026-04-01",
         "citation": "Tex. Bus. & Com. Code 521.053"},
    ]
    assert data["states_without_rules"] == ["NV"]
    assert data["earliest_individual_due"] == "2026-04-01"
    assert data["earliest_individual_citation"] == "Cal. Civ. Code 1798.82"


@pytest.mark.parametrize(("args", "mode", "due", "citation"), [
    pytest.param(["--individuals", "499"], "annual", "2027-03-01", "45 CFR 164.408(c)", id="499-annual"),
    pytest.param(["--individuals", "500"], "contemporaneous", "2026-05-01", "45 CFR 164.408(b)", id="500-now"),
    pytest.param(["--individuals", "10", "--discovered", "2027-06-01"], "annual", "2028-02-29", "45 CFR 164.408(c)",
                 id="2027-leap"),
    pytest.param(["--individuals", "10", "--discovered", "2023-06-01"], "annual", "2024-02-29", "45 CFR 164.408(c)",
                 id="2023-leap"),
])
def test_deadlines_json__hhs_mode_and_due(args, mode, due, citation):
    if "--discovered" not in args:
        args = [*args, "--discovered", "2026-03-02"]
    hhs = deadlines_json(*args)["hhs"]
    assert (hhs["mode"], hhs["due"], hhs["citation"]) == (mode, due, citation)


@pytest.mark.parametrize(("states", "media"), [
    pytest.param(["CA=500"], [], id="500-none"),
    pytest.param(["CA=501"], ["CA"], id="501-media"),
    pytest.param(["CA=300", "NV=300"], [], id="never-summed"),
])
def test_deadlines_json__media_per_state(states, media):
    args = [a for s in states for a in ("--state", s)]
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "1000", *args)
    assert [m["state"] for m in data["media"]] == media


@pytest.mark.parametrize(("n", "expected"), [("0", None), ("9", "alternative"), ("10", "web_or_media")])
def test_deadlines_json__substitute_notice_at_9_and_10(n, expected):
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "100", "--insufficient-contact", n)
    assert data["substitute_notice"] == expected


@pytest.mark.parametrize(("flags", "required"), [
    pytest.param(["--encrypted"], False, id="encrypted"),
    pytest.param(["--encrypted", "--key-compromised"], True, id="key-compromised"),
    pytest.param(["--destroyed"], False, id="destroyed"),
])
def test_deadlines_json__safe_harbor_prints_null_dates_and_a_reason(flags, required):
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "900", "--state", "CA=900", *flags)
    assert list(data)[:len(DOCUMENTED_KEYS)] == DOCUMENTED_KEYS
    assert data["notice_required"] is required
    if not required:
        assert "secured" in data["reason"]
        assert data["discovery_date"] is None and data["earliest_individual_due"] is None
        assert data["individuals"]["due"] is None and data["individuals"]["base_due"] is None
        assert data["hhs"]["due"] is None and data["media"] == [] and data["states"] == []
        assert data["business_associate"] is None and data["substitute_notice"] is None
    else:
        assert data["reason"] is None and data["individuals"]["due"] == "2026-05-01"


@pytest.mark.parametrize(("flags", "discovery", "relationship", "assumed"), [
    pytest.param(["--ba-agent"], "2026-02-20", "agent", False, id="agent"),
    pytest.param([], "2026-02-20", "agent", True, id="default-agent"),
    pytest.param(["--ba-independent", "--ba-notified", "2026-03-20"], "2026-03-20", "independent", False,
                 id="independent-notified"),
    pytest.param(["--ba-independent"], None, "independent", False, id="independent-unknown"),
])
def test_deadlines_json__business_associate(flags, discovery, relationship, assumed):
    data = deadlines_json("--individuals", "10", "--ba-discovered", "2026-02-20", *flags)
    ba = data["business_associate"]
    assert (ba["due"], ba["relationship"], ba["relationship_assumed"]) == ("2026-04-21", relationship, assumed)
    assert data["discovery_date"] == discovery
    if discovery is None:
        assert data["individuals"]["due"] is None and data["earliest_individual_due"] is None


@pytest.mark.parametrize(("flags", "due"), [
    pytest.param(["--le-oral", "2026-04-21"], "2026-05-21", id="oral-30-day-cap"),
    pytest.param(["--le-oral", "2026-04-21", "--le-written", "2026-05-11", "--le-until", "2026-07-31"], "2026-07-31",
                 id="oral-then-written-in-window"),
    pytest.param(["--le-written", "2026-03-10", "--le-until", "2026-06-30"], "2026-06-30", id="written-period"),
])
def test_deadlines_json__law_enforcement_delay_keeps_the_base_due(flags, due):
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "10", *flags)
    assert (data["individuals"]["due"], data["individuals"]["base_due"]) == (due, "2026-05-01")
    assert data["law_enforcement_delay"]["citation"] == "45 CFR 164.412"


def test_deadlines_json__discovery_is_the_earlier_of_knowledge_and_diligence():
    data = deadlines_json("--actual-knowledge", "2026-03-09", "--reasonable-diligence", "2026-03-02",
                          "--individuals", "10")
    assert (data["discovery_date"], data["discovery_basis"]) == ("2026-03-02", "reasonable diligence")


def test_deadlines_json__california_business_days_for_licensed_facilities():
    data = deadlines_json("--discovered", "2026-03-06", "--individuals", "10", "--state", "ca=10",
                          "--licensed-facility")
    assert [(s["citation"], s["due"]) for s in data["states"]] == [
        ("Cal. Civ. Code 1798.82", "2026-04-05"), ("Cal. Health & Safety Code 1280.15", "2026-03-27")]
    assert data["earliest_individual_due"] == "2026-03-27"


def test_deadlines_table__shows_the_citation_beside_every_date():
    result = run("deadlines", "--discovered", "2026-03-02", "--individuals", "600", "--state", "CA=600",
                 "--ba-discovered", "2026-03-02", "--le-oral", "2026-04-21")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    for due, citation in [("2026-03-02", "45 CFR 164.404(a)(2)"), ("2026-05-21", "45 CFR 164.404(b)"),
                          ("2026-05-21", "45 CFR 164.408(b)"), ("2026-05-21", "45 CFR 164.406"),
                          ("2026-05-21", "45 CFR 164.410"), ("2026-04-01", "Cal. Civ. Code 1798.82"),
                          ("2026-04-16", "Cal. Civ. Code 1798.82")]:
        assert any(due in line and citation in line for line in lines), (due, citation)
    assert "delayed per 45 CFR 164.412" in result.stdout


def test_deadlines_table__not_required_gives_the_reason():
    result = run("deadlines", "--discovered", "2026-03-02", "--individuals", "10", "--destroyed")
    assert result.exit_code == 0 and "Notice not required" in result.stdout and "destroyed" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    pytest.param(["--discovered", "2026-02-30", "--individuals", "1"], "--discovered: '2026-02-30' is not a date",
                 id="bad-date"),
    pytest.param(["--discovered", "03/02/2026", "--individuals", "1"], "is not a date", id="not-iso"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "-1"], "--individuals must be 0 or more",
                 id="negative-individuals"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--insufficient-contact", "-3"],
                 "--insufficient-contact must be 0 or more", id="negative-insufficient"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--state", "CA"], "should be XX=N",
                 id="state-without-equals"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "9", "--state", "CA=-1"], "should be XX=N",
                 id="state-negative"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "9", "--state", "CA=1", "--state", "CA=2"],
                 "CA is given twice", id="state-twice"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--key-compromised"],
                 "--key-compromised needs --encrypted", id="key-without-encryption"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--le-written", "2026-03-05"],
                 "--le-written needs --le-until", id="written-without-until"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--le-until", "2026-03-05"],
                 "--le-until needs --le-written", id="until-without-written"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "1", "--ba-agent"], "need --ba-discovered",
                 id="ba-flag-without-date"),
    pytest.param(["--individuals", "1", "--ba-discovered", "2026-03-02", "--ba-agent", "--ba-independent"],
                 "not both", id="ba-both"),
    pytest.param(["--individuals", "1"], "give --discovered", id="no-discovery"),
    pytest.param(["--discovered", "2026-03-02", "--individuals", "5", "--state", "CA=6"], "add up to 6",
                 id="states-exceed-total"),
])
def test_deadlines__bad_input_is_refused_with_exit_2_and_no_traceback(args, message):
    result = run("deadlines", *args)
    assert result.exit_code == 2
    assert message in result.stderr and result.stderr.startswith("error: ")
    assert "Traceback" not in result.stdout + result.stderr
    assert isinstance(result.exception, SystemExit)


def test_states__lists_the_rules_on_file():
    result = run("states")
    assert result.exit_code == 0
    for citation in ("Cal. Civ. Code 1798.82", "Cal. Health & Safety Code 1280.15", "Colo. Rev. Stat. 6-1-716",
                     "Fla. Stat. 501.171", "RCW 19.255", "Tex. Bus. & Com. Code 521.053", "N.Y. Gen. Bus. Law 899-aa"):
        assert citation in result.stdout
    rules = json.loads(run("states", "--json").stdout)
    assert [r["state"] for r in rules] == ["CA", "CA", "CO", "FL", "WA", "TX", "NY"]


def test_rules_option__uses_an_edited_file_and_refuses_a_broken_one(tmp_path):
    good = tmp_path / "rules.yaml"
    good.write_text("version: 1\nrules:\n  - {state: OH, name: Ohio, citation: Ohio Rev. Code 1349.19,"
                    " individuals: {days: 45, after: discovery}}\n")
    data = deadlines_json("--discovered", "2026-03-02", "--individuals", "10", "--state", "OH=10",
                          "--rules", str(good))
    assert [(s["state"], s["due"]) for s in data["states"]] == [("OH", "2026-04-16")]
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\nrules: []\n")
    result = run("states", "--rules", str(bad))
    assert result.exit_code == 2 and "bad.yaml" in result.stderr


def test_app__deadlines_stays_a_subcommand():
    result = run("--help")
    assert result.exit_code == 0 and "deadlines" in result.stdout and "states" in result.stdout
    assert "HIPAA breach tools" in result.stdout


def test_app__mounts_as_codeblue_breach():
    import typer

    main = typer.Typer()
    main.add_typer(app, name="breach")

    @main.command()
    def init() -> None:  # the real CLI has other commands too, so "breach" stays a named group
        pass

    result = runner.invoke(main, ["breach", "deadlines", "--discovered", "2026-03-02", "--individuals", "1", "--json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["individuals"]["due"] == "2026-05-01"


# --- `codeblue breach` as installed: the real command, the issue's JSON contract -------------------

def codeblue(*args: str):
    from codeblue.cli import app as main

    return runner.invoke(main, list(args), env=WIDE)


DATE = r"^\d{4}-\d{2}-\d{2}$"


def _is_date(value) -> bool:
    import re

    return isinstance(value, str) and re.match(DATE, value) is not None


def test_codeblue_breach__is_registered_on_the_real_cli():
    result = codeblue("breach", "deadlines", "--discovered", "2026-03-02", "--individuals", "501", "--state",
                      "CA=501", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["media"][0]["state"] == "CA"
    assert "breach" in codeblue("--help").stdout and "audit" in codeblue("--help").stdout


def test_codeblue_breach__json_has_the_issues_shape_every_documented_key_first_and_typed():
    result = codeblue("breach", "deadlines", "--discovered", "2026-03-02", "--individuals", "1200",
                      "--state", "CA=600", "--state", "TX=300", "--insufficient-contact", "12",
                      "--ba-discovered", "2026-03-01", "--ba-agent", "--le-oral", "2026-04-21", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert list(data)[:len(DOCUMENTED_KEYS)] == DOCUMENTED_KEYS
    assert isinstance(data["notice_required"], bool) and _is_date(data["discovery_date"])
    assert list(data["individuals"])[:3] == ["due", "base_due", "citation"]
    assert all(_is_date(data["individuals"][k]) for k in ("due", "base_due"))
    assert list(data["hhs"])[:3] == ["mode", "due", "citation"] and data["hhs"]["mode"] in ("contemporaneous",
                                                                                              "annual")
    assert all(list(m)[:2] == ["state", "due"] and _is_date(m["due"]) for m in data["media"])
    assert data["substitute_notice"] in (None, "alternative", "web_or_media")
    assert list(data["business_associate"])[:1] == ["due"] and _is_date(data["business_associate"]["due"])
    assert all(list(s)[:4] == ["state", "due", "regulator_due", "citation"] for s in data["states"])
    assert all(s["regulator_due"] is None or _is_date(s["regulator_due"]) for s in data["states"])
    assert _is_date(data["earliest_individual_due"])
    # every computed date has its citation beside it
    assert all(isinstance(n["citation"], str) and n["citation"] for n in
               [data["individuals"], data["hhs"], data["business_associate"], *data["media"], *data["states"]])


@pytest.mark.parametrize(("individuals", "mode"), [("499", "annual"), ("500", "contemporaneous"),
                                                   ("501", "contemporaneous")])
def test_codeblue_breach__hhs_threshold_at_499_500_501(individuals, mode):
    data = json.loads(codeblue("breach", "deadlines", "--discovered", "2026-03-02", "--individuals", individuals,
                               "--json").stdout)
    assert data["hhs"]["mode"] == mode


@pytest.mark.parametrize(("states", "media"), [(["CA=499"], []), (["CA=500"], []), (["CA=501"], ["CA"]),
                                               (["CA=400", "TX=400"], [])])
def test_codeblue_breach__media_threshold_at_499_500_501_never_summed(states, media):
    args = [a for s in states for a in ("--state", s)]
    data = json.loads(codeblue("breach", "deadlines", "--discovered", "2026-03-02", "--individuals", "1000", *args,
                               "--json").stdout)
    assert [m["state"] for m in data["media"]] == media


def test_codeblue_breach__written_law_enforcement_statement_alone_delays_for_its_period():
    data = json.loads(codeblue("breach", "deadlines", "--discovered", "2026-03-02", "--individuals", "10",
                               "--le-written", "2026-03-10", "--le-until", "2026-06-30", "--json").stdout)
    assert (data["individuals"]["due"], data["individuals"]["base_due"]) == ("2026-06-30", "2026-05-01")
    assert data["law_enforcement_delay"]["basis"] == "written statement"


def test_codeblue_breach__leap_year_annual_deadline_without_json_shows_feb_29():
    result = codeblue("breach", "deadlines", "--discovered", "2027-06-01", "--individuals", "10")
    assert result.exit_code == 0 and any("2028-02-29" in line and "164.408(c)" in line
                                         for line in result.stdout.splitlines())
