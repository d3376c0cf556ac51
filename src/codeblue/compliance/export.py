"""The annual HHS log of breaches under 500 individuals (45 CFR 164.408(c)) as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

COLUMNS = ["case_id", "incident", "breach_occurred_on", "discovery_on", "individuals", "individuals_by_state",
           "breach_type", "phi_location", "safeguards", "decision", "decided_by", "decided_at",
           "individual_notice_due", "individual_notice_sent_on", "hhs_due", "hhs_status", "hhs_citation"]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet would run a cell starting with these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in COLUMNS])
    return out.getvalue()
