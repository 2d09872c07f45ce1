"""What a recall did for each person: the pure rules behind the recall status.

No I/O and no clock here (``now`` is passed in). The service reads reports and mailboxes, the
rules below decide which answer stands, when the wait for a report is over, who a retry could
help, and how a retry's answers fold into the first recall's.

Why the wait ends: Exchange keeps retrying a recall for about a day and says nothing more
after that (docs/microsoft-facts.md, "Cloud-based Message Recall"), so a person still pending
then reads ``no_report`` instead of waiting forever.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["pending", "succeeded", "failed", "no_report"]
Source = Literal["report", "deep_check", "eligibility", "wait_limit"]

STATUSES: tuple[Status, ...] = ("pending", "succeeded", "failed", "no_report")
SOURCES: tuple[Source, ...] = ("report", "deep_check", "eligibility", "wait_limit")
DEFAULT_WAIT_S = 86_400

# Which answer wins for a person: the mailbox itself, then the report, then the forecast or
# the end of the wait (both say only "we did not hear otherwise").
_RANK: dict[str, int] = {"deep_check": 3, "report": 2, "eligibility": 1, "wait_limit": 1}
# Mailboxes of our own tenant: the only ones a second recall could still reach.
INTERNAL_KINDS = frozenset({"internal_user", "shared_mailbox"})
# Eligibility reason of a partner-tenant recipient: the other tenant may act on the recall
# without ever telling us (docs/microsoft-facts.md, "Cross-tenant recall").
PARTNER_TENANT = "cross_tenant_listed"
NOT_FOUND = "report_not_found"
GONE_BEFORE_RETRY = "gone_before_retry"
NO_REPORT = "no_report"

# "Not found in the mailbox", as the report words it (English, German, French).
_NOT_FOUND = re.compile(r"not\s+found|nicht\s+gefunden|introuvable|pas\s+(?:été\s+)?trouv",
                        re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One person's answer from one attempt: what happened, who said so, and why."""

    status: Status
    source: Source | None = None
    reason_code: str | None = None

    @property
    def settled(self) -> bool:
        return self.status != "pending"


PENDING = Line("pending")


@dataclass(frozen=True)
class PersonFacts:
    """What the forecast knew of a person when the recall was asked for."""

    kind: str
    verdict: str
    reason_code: str | None


def prefer(current: Line | None, candidate: Line) -> Line:
    """The line that stands when ``candidate`` comes in over ``current``.

    - the stronger source wins; between equals the newer answer wins;
    - a copy reported removed stays removed, except that the mailbox itself (the deep check)
      may say otherwise;
    - "pending" never reopens a settled line (every recall ends once).
    """
    if current is None or current.status == "pending":
        return candidate
    if candidate.status == "pending":
        return current
    if current.status == "succeeded" and candidate.source != "deep_check":
        return current
    if current.source == "eligibility" and current.status == candidate.status == "failed":
        return current  # the same answer: the forecast says why (consumer mail, no mailbox)
    if _RANK.get(candidate.source or "", 0) >= _RANK.get(current.source or "", 0):
        return candidate
    return current


def report_line(status: str, reason_text: str | None, *, retry: bool) -> Line:
    """A report's answer for a person. On a retry, "not found" means no copy is left to
    remove (the first recall took it, or they deleted it): it must not read as failed."""
    if status == "failed" and reason_text and _NOT_FOUND.search(reason_text):
        if retry:
            return Line("succeeded", "report", GONE_BEFORE_RETRY)
        return Line("failed", "report", NOT_FOUND)
    if status not in ("pending", "succeeded", "failed"):
        status = "pending"
    return Line(status, "report", f"report_{status}")  # type: ignore[arg-type]


def wait_until(requested_at: dt.datetime, wait_s: float) -> dt.datetime:
    return requested_at + dt.timedelta(seconds=wait_s)


def past_wait(requested_at: dt.datetime, wait_s: float, now: dt.datetime) -> bool:
    return now >= wait_until(requested_at, wait_s)


def at_wait_limit(line: Line | None, *, over: bool) -> Line:
    """A person's line once the wait is over: whoever is still pending reads ``no_report``."""
    if line is None or line.status == "pending":
        return Line("no_report", "wait_limit", NO_REPORT) if over else (line or PENDING)
    return line


def may_never_confirm(person: PersonFacts) -> bool:
    return person.reason_code == PARTNER_TENANT


def retryable(person: PersonFacts, line: Line) -> bool:
    """Whether asking Exchange again could still take this person's copy away: not removed
    and not known to be gone, in one of our own mailboxes, and not a recall the forecast
    already called impossible."""
    return (line.status in ("failed", "no_report")
            and person.kind in INTERNAL_KINDS
            and person.verdict != "impossible"
            and line.source != "eligibility"
            and line.reason_code != NOT_FOUND)


def not_reached(person: PersonFacts, line: Line) -> bool:
    """Who a correction should go to: recall did not take their copy away, or may never say."""
    if line.status in ("failed", "no_report"):
        return True
    return line.status == "pending" and may_never_confirm(person)


def merge_attempts(attempts: Sequence[Mapping[str, Line]]) -> dict[str, Line]:
    """One line per person over a recall and its retries (oldest first, each holding the
    people it covers): the newest attempt's line, except that a removed copy stays removed."""
    merged: dict[str, Line] = {}
    for attempt in attempts:
        for address, line in attempt.items():
            current = merged.get(address)
            if current is None or current.status != "succeeded":
                merged[address] = line
    return merged


def summary(lines: Sequence[Line]) -> dict[str, int]:
    return {"succeeded": sum(line.status == "succeeded" for line in lines),
            "failed": sum(line.status == "failed" for line in lines),
            "pending": sum(line.status == "pending" for line in lines),
            "noReport": sum(line.status == "no_report" for line in lines)}
