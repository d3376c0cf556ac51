"""The review as a report: the pack's Post-Incident Report template in Markdown, and the same text as PDF."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF

from codeblue.errors import Conflict
from codeblue.policy import templating
from codeblue.policy.schema import Pack

# The seed's "Post-Incident Report Template", for packs that name none, with the sections the review adds.
DEFAULT_TEMPLATE = """\
# Post-Incident Report - {{ incident.id }}

## Incident Summary
- **Date**: {{ incident.detected_at | when }}
- **Duration**: {{ incident.detected_at | when }} - {{ incident.resolved_at | when }} ({{ incident.duration }})
- **Severity**: {{ incident.severity }}
- **Root Cause**: {{ review.root_cause }}
- **Impact**: {{ incident.impact }}

{{ review.summary }}

## Timeline
{% for entry in review.timeline -%}
- {{ entry.at | when }} - {{ entry.text }}
{% endfor %}
## Root Cause Analysis
{{ review.analysis }}

### Contributing Factors
{{ review.contributing_factors }}

## Actions Taken
{% for action in incident.actions -%}
- {{ action }}
{% endfor %}
## Lessons Learned
{{ review.lessons_learned }}

## Follow-up Actions
{% for item in review.follow_ups -%}
- [ ] {{ item }}
{% endfor %}
## Prevention Measures
{{ review.prevention }}

## Compliance Impact
{{ review.compliance_impact }}
"""


def context(*, review: Any, incident: Any, pack: Pack, duration: str, commander: str, url: str) -> dict[str, Any]:
    """Every name the templating contract offers (codeblue.policy.templating.sample_context), filled for real."""
    severity = pack.severity(incident.severity)
    itype = pack.incident_type(incident.type)
    follow_ups = [f"{f.title} ({f.owner.name}, due {f.due_on}, {f.priority})"
                  + ("" if f.status == "open" else f" [{f.status.replace('_', ' ')}]") for f in review.follow_ups]
    timeline = [{"at": datetime.fromisoformat(h["at"]).astimezone(UTC), "text": h["text"]} for h in review.timeline]
    ctx = templating.sample_context()
    ctx["incident"] = {
        "id": incident.ref, "title": incident.title, "severity": incident.severity, "severity_name": severity.name,
        "status": incident.status, "service": incident.service.slug, "service_name": incident.service.name,
        "affected_services": [incident.service.name], "type": incident.type,
        "type_name": itype.name if itype else incident.type, "impact": review.impact,
        "detected_at": incident.detected_at, "acknowledged_at": incident.acknowledged_at,
        "resolved_at": incident.resolved_at, "duration": duration, "commander": commander, "oncall": commander,
        "url": url, "channel": f"#incident-{incident.ref.lower()}", "actions": list(review.actions_taken),
        "user_facing": incident.user_facing,
    }
    ctx["resolution"] = {"root_cause": review.root_cause, "actions": "; ".join(review.actions_taken),
                         "prevention": review.prevention}
    ctx["review"] = {
        "summary": review.summary, "root_cause": review.root_cause, "analysis": review.analysis,
        "contributing_factors": review.contributing_factors, "lessons_learned": review.lessons_learned,
        "prevention": review.prevention, "compliance_impact": review.compliance_impact, "follow_ups": follow_ups,
        "timeline": timeline,
    }
    return ctx


def markdown(pack: Pack, ctx: dict[str, Any]) -> str:
    """The report in the pack's review template (the built-in one if the pack names none)."""
    template = pack.template(pack.review.template) if pack.review else None
    try:
        return templating.render(template.body if template else DEFAULT_TEMPLATE, ctx)
    except templating.TemplateProblem as problem:
        raise Conflict(f"the review template of pack '{pack.pack}' cannot be rendered: {problem.message}") from None


# The PDF's built-in Helvetica covers Latin-1 only; other characters are spelled out or approximated.
_SPELLED = {"→": "->", "←": "<-", "—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...",
            "•": "-", "✓": "v", "✔": "v", "🚨": "", "🔄": "", "\u00a0": " ", "\t": "    "}


def _latin1(text: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if unicodedata.combining(ch):
            continue
        spelled = _SPELLED.get(ch, ch)
        if spelled != ch or ord(ch) >= 256:
            if spelled == ch:
                spelled = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1") or "?"
            out.append(spelled)
        elif ch == "\n" or (32 <= ord(ch) < 127) or ord(ch) >= 160:
            out.append(ch)
        else:
            out.append(" ")  # control characters
    return "".join(out)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.cell(0, 8, f"Page {self.page_no()}/{{nb}}", align="C")


def pdf(text: str, *, title: str) -> bytes:
    """Lay out the Markdown report as a PDF: headings, bullets, paragraphs, **bold** labels; the rest as text."""
    doc = _Report(format="A4")
    doc.set_title(_latin1(title))
    doc.set_creator("Code Blue")
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    width = doc.epw
    for raw in text.splitlines():
        line = _latin1(raw.rstrip())
        if not line.strip():
            doc.ln(2)
            continue
        heading = re.match(r"^(#{1,3})\s+(.*)$", line)
        if heading:
            level = len(heading.group(1))
            doc.ln(2)
            doc.set_font("helvetica", "B", {1: 16, 2: 13, 3: 11}[level])
            doc.multi_cell(width, 7, heading.group(2), new_x="LMARGIN", new_y="NEXT")
            continue
        bullet = re.match(r"^\s*[-*]\s+(\[[ xX]\]\s+)?(.*)$", line)
        if bullet:
            box, body = bullet.group(1), bullet.group(2)
            line = ("[ ] " if box else "- ") + body
        for i, part in enumerate(_BOLD.split(line)):  # odd parts were inside **...**
            doc.set_font("helvetica", "B" if i % 2 else "", 10)
            doc.write(5, part)
        doc.ln(5)
    return bytes(doc.output())
