"""PHI-safe rendering helpers."""

from __future__ import annotations

import pytest

from codeblue.notify.channels.phi import WITHHELD, contains_phi_like, safe_fields, scrub


def test_safe_fields_keeps_only_incident_identity() -> None:
    data = {"incident_id": "INC-7", "severity": "P1", "service": "ehr", "title": "HL7 feed stalled",
            "link": "https://cb.example/incidents/INC-7", "ack_url": "https://cb.example/ack/t",
            "alert_payload": {"patient": "Jane Doe"}, "details": "MRN 12345678", "ack_code": "123456"}
    assert safe_fields(data) == {k: data[k] for k in ("incident_id", "severity", "service", "title", "link",
                                                      "ack_url")}
    assert safe_fields({"details": "x"}) == {}


@pytest.mark.parametrize("text", [
    "patient 123-45-6789 affected", "SSN:123-45-6789",
    "MRN: 00123456", "mrn 12345", "MRN#A-99812", "Medical record number: 7788123", "med rec no. 556677",
    "DOB: 01/02/1980", "dob 2/3/80", "D.O.B. 1980-01-02", "Date of birth: Jan 2, 1980", "birthdate 3 March 1980",
    "patient_name=Jane Roe", "Patient name: Jane Roe", '{"patientName": "Jane Roe"}', "patient: Jane Roe",
    "pt name is J. Roe", "patient_last_name=Roe",
])
def test_phi_like_text_is_detected(text: str) -> None:
    assert contains_phi_like(text)


@pytest.mark.parametrize("text", [
    "[P1] INC-7 ehr: HL7 feed stalled", "MRN lookup service down", "dob-service latency high",
    "call 555-123-4567", "since 2026-03-10 14:00", "order 123-456-7890 failed", "5xx rate 12.5% on /api/v2",
    "Patient Portal login failing", "patient-api: 5xx rate high", "Patient name lookup slow", "script name: deploy",
])
def test_ordinary_incident_text_is_not_flagged(text: str) -> None:
    assert not contains_phi_like(text)


def test_scrub__withholds_the_whole_text_when_any_of_it_looks_like_phi() -> None:
    assert scrub("Export failed for patient_name=Jane Roe") == WITHHELD
    assert scrub("Record 123-45-6789 rejected") == WITHHELD
    assert scrub("HL7 feed stalled") == "HL7 feed stalled"
