"""Law-enforcement delay of breach notices (45 CFR 164.412): how far a statement moves a due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CITE_LAW_ENFORCEMENT = "45 CFR 164.412"
ORAL_DELAY_DAYS = 30  # an oral statement delays notice at most this long, unless a written one follows in time


@dataclass(frozen=True)
class Statements:
    """What law enforcement said: an oral statement's date, a written one's date and the end of its period."""

    oral: date | None = None
    written: date | None = None
    written_until: date | None = None

    def oral_window_end(self) -> date | None:
        return self.oral + timedelta(days=ORAL_DELAY_DAYS) if self.oral else None

    def written_in_oral_window(self) -> bool:
        return bool(self.oral and self.written and self.oral <= self.written <= self.oral_window_end())


@dataclass(frozen=True, kw_only=True)
class LawEnforcementDelay:
    basis: str
    ends: date
    citation: str = CITE_LAW_ENFORCEMENT


def delayed(base: date | None, said: Statements) -> date | None:
    """max(base, end of any delay asked for on or before the day the notice fell due)."""
    if base is None:
        return None
    due = base
    if said.oral and said.oral <= due:
        if said.written_in_oral_window():
            return max(due, said.written_until)  # the written statement replaces the 30-day cap
        due = max(due, said.oral_window_end())
    if said.written and said.written <= due:
        due = max(due, said.written_until)
    # A statement made after a notice fell due does not move that due date: it cannot cure lateness.
    return due


def summarise(said: Statements) -> tuple[LawEnforcementDelay | None, list[str]]:
    """The delay law enforcement asked for, and what to record about it."""
    oral, written, until = said.oral, said.written, said.written_until
    if oral is None and written is None:
        return None, []
    notes = ["how a law-enforcement delay combines with the 60-day limit is a legal judgement: due dates "
             f"show max(base deadline, end of delay); record counsel's decision ({CITE_LAW_ENFORCEMENT})"]
    if oral:
        notes.append("document the oral statement and the identity of the official who made it (164.412(b))")
    if not oral:
        return LawEnforcementDelay(basis="written statement", ends=until), notes
    if not written:
        return LawEnforcementDelay(basis="oral statement (at most 30 days)", ends=said.oral_window_end()), notes
    if said.written_in_oral_window():
        return LawEnforcementDelay(basis="oral statement, then a written one within 30 days", ends=until), notes
    notes.append(f"the written statement of {written.isoformat()} is outside the oral statement's 30-day window "
                 f"({oral.isoformat()} to {said.oral_window_end().isoformat()}): it delays only notices not yet "
                 "due when it was made")
    return LawEnforcementDelay(basis="oral and written statements", ends=max(said.oral_window_end(), until)), notes
