"""PHI-safe rendering: which fields may leave Code Blue, and a net for text that looks like patient data."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

SAFE_FIELDS = ("incident_id", "severity", "service", "title", "link", "ack_url")
WITHHELD = "[withheld: may contain PHI]"

_PATTERNS = [
    re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),  # SSN
    # A medical record number: the label followed by an identifier with a digit in it.
    re.compile(r"\b(?:MRN|med(?:ical)?[\s._-]*rec(?:ord)?[\s._-]*(?:number|num|no|nbr|#))\.?"
               r"\s*(?:[:#=]|is)?\s*[A-Z]{0,4}[-\s]?\d[\d-]{2,}", re.IGNORECASE),
    # A date of birth: the label followed by a date in a usual form.
    re.compile(r"\b(?:DOB|D\.O\.B\.?|date[\s_-]+of[\s_-]+birth|birth[\s_-]*date|born(?:\s+on)?)\s*[:=]?\s*"
               r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}"
               r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
               r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{4})",
               re.IGNORECASE),
    # A patient's name as a labelled field: "patient name: Jane Roe", "patient_name=...", '"patientName": "..."'.
    re.compile(r"\b(?:patient|pt|member)[\s_-]*(?:full[\s_-]*|first[\s_-]*|last[\s_-]*)?name\b[\"']?\s*(?:[:=]|is\b)",
               re.IGNORECASE),
    re.compile(r"\bpatient[\"']?\s*[:=]\s*[\"']?\w", re.IGNORECASE),  # "patient: Jane Roe"
]


def safe_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields a page may carry on any channel; alert payloads and details are dropped."""
    return {k: data[k] for k in SAFE_FIELDS if k in data}


def contains_phi_like(text: str) -> bool:
    """Whether text has something shaped like an SSN, or a labelled MRN, date of birth or patient name."""
    # A heuristic net, not a guarantee: it catches the common accidental leaks and errs toward true.
    return any(p.search(text) for p in _PATTERNS)


def scrub(text: str) -> str:
    """The text itself, or WITHHELD when any of it looks like patient data."""
    # Withheld whole rather than redacted span by span: where a name or an address ends is guesswork,
    # and half a name still identifies someone. The page keeps its ID, severity, service and link.
    return WITHHELD if contains_phi_like(text) else text
