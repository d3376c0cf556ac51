"""Breach rows as the API and the exports show them: deadlines computed, citations beside each date."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from codeblue.compliance import render
from codeblue.compliance import service as breaches
from codeblue.compliance.deadlines import CITE_DISCOVERY
from codeblue.compliance.models import BreachCase, BreachNotice
from codeblue.compliance.schemas import (
    BreachCaseOut,
    BreachCaseSummary,
    Discovery,
    EvidenceOut,
    NoticeOut,
    SignedDecision,
)

_FACTS = ("occurred_on", "breach_type", "phi_location", "entity_role", "ba_relationship", "ba_discovered_on",
          "ba_notified_ce_on", "licensed_facility", "exception", "exception_notes", "encrypted",
          "encryption_standard", "key_compromised", "destroyed", "destruction_method", "factor_nature",
          "factor_recipient", "factor_acquired", "factor_mitigation", "individuals_total", "individuals_per_state",
          "deceased", "insufficient_contact", "le_oral_on", "le_official", "le_written_on", "le_written_until",
          "counsel_decision")


def notice_out(n: BreachNotice, now: datetime) -> NoticeOut:
    return NoticeOut(
        id=n.id, case_id=n.case_id, kind=n.kind, recipient=n.recipient, state=n.state, due=n.due_on,
        base_due=n.base_due_on, citation=n.citation, note=n.note, status=n.status,
        overdue=breaches.is_overdue(n, now), sent_on=n.sent_on,
        on_time=None if n.sent_on is None or n.due_on is None else n.sent_on <= n.due_on,
        method=n.method, sent_by=n.sent_by, reminder_days=list(n.reminder_days or []), escalated_at=n.escalated_at,
        evidence=[EvidenceOut(id=e.id, description=e.description, reference=e.reference, sha256=e.sha256,
                              added_by=e.added_by, created_at=e.created_at) for e in n.evidence],
        retained_until=breaches.retained_until(n),
    )


def case_out(case: BreachCase, now: datetime) -> BreachCaseOut:
    report, problem, assumptions = breaches.deadlines(case)
    data = render.to_json(report) if report else None
    return BreachCaseOut(
        id=case.id, incident=case.incident.ref, incident_title=case.incident.title, status=case.status,
        opened_reason=case.opened_reason,
        discovery=Discovery(
            actual_knowledge_on=case.actual_knowledge_on, reasonable_diligence_on=case.reasonable_diligence_on,
            discovery_on=report.discovery_date if report else None,
            basis=report.discovery_basis if report else None, discovered_by=case.discovered_by,
            citation=CITE_DISCOVERY),
        facts={k: getattr(case, k) for k in _FACTS},
        decision=SignedDecision(decision=case.decision, rationale=case.decision_rationale,
                                decided_by=case.decided_by, decided_at=case.decided_at),
        assumptions=list(assumptions), deadlines=data, deadlines_problem=problem,
        notices=[notice_out(n, now) for n in case.notices],
        created_at=case.created_at, updated_at=case.updated_at, retained_until=breaches.retained_until(case),
    )


def case_summary(case: BreachCase, now: datetime) -> BreachCaseSummary:
    pending = [n for n in case.notices if n.status == "pending"]
    dues = [n.due_on for n in pending if n.due_on]
    report, _, _ = breaches.deadlines(case)
    return BreachCaseSummary(
        id=case.id, incident=case.incident.ref, status=case.status, decision=case.decision,
        discovery_on=report.discovery_date if report else None, next_due=min(dues) if dues else None,
        open_notices=len(pending), overdue_notices=sum(breaches.is_overdue(n, now) for n in pending),
        updated_at=case.updated_at,
    )


def log_row(case: BreachCase) -> dict[str, Any]:
    """One line of the annual HHS log."""
    report, _, _ = breaches.deadlines(case)
    by_key = {n.key: n for n in case.notices}
    individuals, hhs = by_key.get("individuals"), by_key.get("hhs")
    safeguards = []
    if case.encrypted:
        safeguards.append(f"encrypted ({case.encryption_standard or 'standard not given'})"
                          + (", key compromised" if case.key_compromised else ""))
    if case.destroyed:
        safeguards.append(f"destroyed ({case.destruction_method or 'method not given'})")
    return {
        "case_id": case.id, "incident": case.incident.ref, "breach_occurred_on": case.occurred_on,
        "discovery_on": report.discovery_date if report else None, "individuals": case.individuals_total,
        "individuals_by_state": ";".join(f"{k}={v}" for k, v in sorted(case.individuals_per_state.items())),
        "breach_type": case.breach_type, "phi_location": case.phi_location, "safeguards": "; ".join(safeguards),
        "decision": case.decision, "decided_by": case.decided_by,
        "decided_at": case.decided_at.astimezone(UTC).isoformat() if case.decided_at else None,
        "individual_notice_due": individuals.due_on if individuals else None,
        "individual_notice_sent_on": individuals.sent_on if individuals else None,
        "hhs_due": report.hhs.due if report else None, "hhs_status": hhs.status if hhs else None,
        "hhs_citation": report.hhs.citation if report else None,
    }
