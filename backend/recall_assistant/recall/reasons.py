"""The reason codes of the eligibility check: stable codes, their English texts, their verdicts.

Codes are part of the API (the pane translates by code, using ``params`` to fill the
``{placeholders}``): never rename one, add new ones. ``docs/reasons.md`` documents each code
with its source (docs/microsoft-facts.md); a unit test keeps that table and this module in step.
"""

from __future__ import annotations

import functools

from .model import Reason, Verdict

# What a recall's progress says of one person, by outcome code (recall.outcomes' reason codes
# and report_<status>); {wait} is how long the report was waited for, in words.
OUTCOME_TEXTS: dict[str, str] = {
    "copy_removed": "Their copy is gone from their mailbox.",
    "copy_present": "Their copy is still in their mailbox.",
    "report_failed": "The recall report says recall failed for this recipient.",
    "report_not_found": "The recall report says their copy was not found: they may have "
                        "deleted it themselves, after reading it or not.",
    "report_succeeded": "The recall report says the message was removed.",
    "report_pending": "The recall report says recall is still being tried.",
    "gone_before_retry": "Trying again found no copy left to remove: the first recall most "
                         "likely removed it.",
    "no_report": "No recall report came within {wait}; the message may still be in their "
                 "mailbox.",
}

# One dict of texts, addressed to the sender, in plain words.
REASON_TEXTS: dict[str, str] = {
    # --- in your organisation, cloud recall on
    "internal_mailbox": (
        "In your organisation: recall deletes this copy, even if it has already been opened."
    ),
    "read_state_unknown": (
        "Your organisation recalls only unopened copies, and this quick check cannot see "
        "whether this copy was opened. If it was, it will stay."
    ),
    "unread_copy": "Not opened yet: recall deletes this copy.",
    "read_copy_kept": (
        "Already opened, and your organisation recalls only unopened copies: this copy will stay."
    ),
    "moved_copy": (
        "Moved out of the Inbox. Microsoft has not confirmed that recall reaches moved copies."
    ),
    "copy_gone": (
        "Their copy is already gone (deleted, or never delivered): there is nothing left to "
        "recall. If they read it first, only a correction or a word with them reaches them."
    ),
    "shared_mailbox": (
        "A shared mailbox: Microsoft has not confirmed that recall reaches shared mailboxes, "
        "and everyone with access may have seen it."
    ),
    "special_mailbox": (
        "A room, equipment or other special mailbox: Microsoft has not confirmed that recall "
        "reaches it."
    ),
    "too_old": (
        "This message is {age_days} days old; your organisation recalls messages only up to "
        "{max_days} days old."
    ),
    # --- cloud recall switched off: Outlook's old, client-side recall
    "classic_recall": (
        "Your organisation has switched cloud recall off, so Outlook's old recall is used: it "
        "fails once the message is opened, moved, or read outside classic Outlook (about 4 in "
        "10 recalls work)."
    ),
    "classic_read_copy": (
        "Already opened: the old Outlook recall your organisation uses cannot remove an opened "
        "copy."
    ),
    "classic_moved_copy": (
        "Moved out of the Inbox: the old Outlook recall your organisation uses cannot reach a "
        "moved copy."
    ),
    # --- addresses we cannot place
    "unresolved_internal": (
        "{address} is not in your directory (perhaps a contact, a list we cannot see, or "
        "someone who has left): we cannot tell whether recall reaches it."
    ),
    "unreadable_address": (
        "This is not an email address we can check, so we cannot tell whether recall reaches it."
    ),
    # --- outside the organisation
    "consumer_mail": (
        "{domain} is outside Microsoft 365: recall cannot reach it. Send a correction instead."
    ),
    "other_organisation": (
        "{domain} is outside your organisation, and recall does not reach other organisations "
        "today (unless theirs has switched on the new cross-tenant recall). Send a correction "
        "instead."
    ),
    "cross_tenant_listed": (
        "Your administrator lists {domain} for cross-tenant recall. That is new and not "
        "confirmed: recall may or may not reach it."
    ),
    # --- groups
    "via_group": "Got it through the group {group}.",
    "via_nested_group": "Got it through the group {group} (as a member of {path}).",
    "group_expanded": "Sent to a group: its {count} members are listed one by one.",
    "group_capped": (
        "{group} has {total} members; only the first {checked} were checked. We cannot say "
        "what recall does for the others."
    ),
    "group_no_members": (
        "We could not see who is in {group}, so we cannot say who got the message through it."
    ),
    # --- the sender among the recipients
    "sender_own_copy": "This is you: your own copy. You are not counted among the recipients.",
    # --- notes for the whole message (summary)
    "forwards_not_followed": (
        "Recall does not follow forwards: a forwarded copy is a new message that recall cannot "
        "reach."
    ),
    "quick_check_limits": (
        "Quick check: it cannot look inside recipients' mailboxes (opened, moved or deleted "
        "copies) and cannot tell a shared mailbox from a person. Your administrator can turn "
        "on the deep check."
    ),
}

# The verdict each reason stands for; ``None`` marks reasons that only inform. A person's
# verdict is the most cautious of their reasons' verdicts (see ``most_cautious``).
REASON_VERDICTS: dict[str, Verdict | None] = {
    "internal_mailbox": "likely",
    "read_state_unknown": "unknown",
    "unread_copy": "likely",
    "read_copy_kept": "impossible",
    "moved_copy": "unknown",
    "copy_gone": "likely",
    "shared_mailbox": "unknown",
    "special_mailbox": "unknown",
    "too_old": "impossible",
    "classic_recall": "unlikely",
    "classic_read_copy": "impossible",
    "classic_moved_copy": "impossible",
    "unresolved_internal": "unknown",
    "unreadable_address": "unknown",
    "consumer_mail": "impossible",
    "other_organisation": "unlikely",
    "cross_tenant_listed": "unknown",
    "via_group": None,
    "via_nested_group": None,
    "group_expanded": "likely",
    "group_capped": "unknown",
    "group_no_members": "unknown",
    "sender_own_copy": None,
    "forwards_not_followed": None,
    "quick_check_limits": None,
}

# Codes that never describe one person: they go into ``EligibilitySummary.notes``.
NOTE_CODES: frozenset[str] = frozenset({"forwards_not_followed", "quick_check_limits"})

# From the most hopeful to the most final; "unknown" outranks "likely" because a single
# unconfirmed rule is enough to stop us promising anything.
_CAUTION: dict[Verdict, int] = {"likely": 0, "unknown": 1, "unlikely": 2, "impossible": 3}


def make_reason(code: str, **params: object) -> Reason:
    """Build the ``Reason`` for ``code``, filling its text with ``params``.

    Raises ``KeyError`` for an unknown code or a missing parameter: both are programming errors.
    """
    if not params:
        return _plain_reason(code)
    values = {key: str(value) for key, value in params.items()}
    text = REASON_TEXTS[code].format_map(values)
    return Reason(code=code, text=text, params=tuple(sorted(values.items())))


@functools.cache
def _plain_reason(code: str) -> Reason:
    # A reason without values is the same (immutable) object every time: most people's.
    return Reason(code=code, text=REASON_TEXTS[code].format_map({}))


def most_cautious(reasons: tuple[Reason, ...] | list[Reason]) -> Verdict:
    """The verdict of a list of reasons: the most cautious one any of them stands for.

    A list with no verdict-bearing reason says nothing, hence ``unknown``.
    """
    if len(reasons) == 1:  # most people: one reason
        return REASON_VERDICTS[reasons[0].code] or "unknown"
    known = [v for v in (REASON_VERDICTS[r.code] for r in reasons) if v is not None]
    if not known:
        return "unknown"
    return max(known, key=_CAUTION.__getitem__)
