"""The eligibility summary: one verdict and one honest sentence for the whole message.

Pure, like the rules it sums up (``recall.eligibility``). docs/api.md fixes the
verdict: all likely → recallable; some likely → partly_recallable; none likely and some
unknown → unknown; otherwise not_recallable. ``total`` counts people, never groups, and not
the sender's own copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import CheckMode, EligibilitySummary, Reason, RecipientVerdict, SummaryVerdict, Verdict
from .reasons import make_reason


@dataclass(frozen=True)
class GroupSeen:
    """A recipient group as the summary needs it: how many members were listed of how many."""

    name: str
    listed: int
    total: int
    capped: bool

    @property
    def unseen(self) -> bool:
        """True when some (or all) of its members could not be looked at."""
        return self.capped or self.listed == 0


def summarise(recipients: Sequence[RecipientVerdict], groups: Sequence[GroupSeen], *,
              mode: CheckMode, recall_enabled: bool,
              too_old: Reason | None) -> EligibilitySummary:
    """Sum up the verdicts of the counted people, the groups' gaps, and the general caveats.

    ``too_old`` is the message-wide ``too_old`` reason when the age cap applies.
    """
    people = [r for r in recipients if r.counted]
    total = len(people)
    likely = sum(r.verdict == "likely" for r in people)
    unknown = sum(r.verdict == "unknown" for r in people)
    keep = total - likely - unknown
    capped = [g for g in groups if g.capped]
    hidden = [g for g in groups if not g.capped and g.listed == 0]
    unchecked = sum(max(0, g.total - g.listed) for g in capped)
    # People we could not list are not counted, but they stop a promise: no "recallable" while
    # some were never checked. The age cap and classic recall decide for them as for everyone.
    unseen: Verdict | None = None
    if too_old is None and any(g.unseen for g in groups):
        unseen = "unknown" if recall_enabled else "unlikely"
    verdict = _verdict(total, likely, unknown, unseen)
    only_sender = total == 0 and any(r.suggestion == "none" for r in recipients)
    headline = _headline(verdict, total, likely, unknown, keep, only_sender=only_sender,
                         partial=unseen is not None, recall_enabled=recall_enabled,
                         too_old=too_old)
    if too_old is None:
        headline = " ".join([headline, *_group_caveats(capped, unchecked, hidden)])
    # Facts: "A forwarded copy is a new message: recall does not follow it."
    notes = [make_reason("forwards_not_followed")]
    if mode == "delegated":
        # Facts: userPurpose and other people's mailboxes need the deep check.
        notes.append(make_reason("quick_check_limits"))
    return EligibilitySummary(verdict=verdict, recallable=likely, total=total,
                              headline=headline, unchecked=unchecked, notes=tuple(notes))


def _verdict(total: int, likely: int, unknown: int, unseen: Verdict | None) -> SummaryVerdict:
    if total and likely == total and unseen is None:
        return "recallable"
    if likely:
        return "partly_recallable"
    if unknown or unseen == "unknown":
        return "unknown"
    return "not_recallable"


def _recipients(n: int) -> str:
    return "recipient" if n == 1 else "recipients"


def _headline(verdict: SummaryVerdict, total: int, likely: int, unknown: int, keep: int, *,
              only_sender: bool, partial: bool, recall_enabled: bool,
              too_old: Reason | None) -> str:
    """One plain sentence that gives each count once, the people to act on first; it never
    promises more than the verdicts do."""
    checked = " checked" if partial else ""
    if verdict == "recallable":
        if total == 1:
            return "Recall will probably delete your recipient's copy."
        return f"Recall will probably delete the copies of all {total} recipients."
    if verdict == "partly_recallable":
        if not keep and not unknown:
            # Everyone listed is likely, but some groups could not be listed in full.
            return (f"Recall will probably delete the copies of all {total}{checked} "
                    f"{_recipients(total)}.")
        rest = []
        if keep:
            rest.append(f"{keep} will probably keep this message")
        if unknown:
            rest.append(f"for {unknown} we cannot tell")
        copies = "copy" if likely == 1 else f"{likely} copies"
        return (f"Of {total}{checked} {_recipients(total)}, {' and '.join(rest)}; recall will "
                f"probably delete the other {copies}.")
    if verdict == "unknown":
        if total == 0:
            return "We cannot tell who got this message, so we cannot say what recall will do."
        if unknown == total:
            if total == 1:
                return "We cannot tell whether recall will reach your recipient."
            return f"We cannot tell whether recall will reach any of the {total} recipients."
        others = "one" if unknown == 1 else str(unknown)
        return (f"Of {total} recipients, {keep} will probably keep this message; for the other "
                f"{others} we cannot tell what recall will do.")
    if only_sender:
        return "You are the only recipient: there is no one to recall this message from."
    if too_old is not None:
        params = dict(too_old.params)
        return (f"This message is {params['age_days']} days old and your organisation recalls "
                f"messages only up to {params['max_days']} days old: recall will not reach "
                "anyone. Send a correction or get in touch instead.")
    if total == 0:
        return "This message has no recipients to recall it from."
    who = "your recipient" if total == 1 else f"any of the {total} recipients"
    why = "" if recall_enabled else " (your organisation uses Outlook's old recall)"
    return (f"Recall will probably not reach {who}{why}: send a correction or get in touch "
            "instead.")


def _group_caveats(capped: list[GroupSeen], unchecked: int, hidden: list[GroupSeen]) -> list[str]:
    """Sentences for the groups we could not list in full."""
    out = []
    if len(capped) == 1:
        g = capped[0]
        out.append(f"{g.name} has {g.total} members; only the first {g.listed} were checked.")
    elif capped:
        out.append(f"{unchecked} members of {len(capped)} large groups were not checked.")
    if len(hidden) == 1:
        out.append(f"We could not see who is in {hidden[0].name}.")
    elif hidden:
        out.append(f"We could not see who is in {len(hidden)} of the groups.")
    return out
