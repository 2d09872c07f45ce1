"""Plain data for the eligibility check: what goes in, what comes out.

No behaviour and no I/O here: the service layer fills the inputs from Graph and the settings,
``recall.eligibility.assess_eligibility`` turns them into verdicts, the API serialises those.
Addresses may come in any case; the rules compare them lower-cased.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

Field = Literal["to", "cc", "bcc"]
Kind = Literal["internal_user", "internal_group", "shared_mailbox", "external", "unresolved"]
Verdict = Literal["likely", "unlikely", "impossible", "unknown"]
# "none" is only given to the sender's own copy (nothing to do about it).
Suggestion = Literal["recall", "correction", "contact", "none"]
SummaryVerdict = Literal["recallable", "partly_recallable", "not_recallable", "unknown"]
CheckMode = Literal["delegated", "deep"]

# The order in which recipient fields are read; it decides who wins a duplicate.
FIELDS: tuple[Field, ...] = ("to", "cc", "bcc")


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class MessageRecipient:
    """One address on the sent message, as Graph lists it."""

    address: str
    name: str = ""
    field: Field = "to"


@dataclass(frozen=True)
class SentMessage:
    """The message in the sender's Sent Items, as Graph gives it. ``sent_at`` is
    timezone-aware, or None for a message never sent (refused before any rule runs)."""

    id: str
    subject: str
    sent_at: dt.datetime | None
    internet_message_id: str
    sender: str
    recipients: tuple[MessageRecipient, ...] = ()
    folder_id: str | None = None
    conversation_id: str | None = None
    has_attachments: bool = False


@dataclass(frozen=True)
class DirectoryUser:
    """A user object the directory returned for an address.

    ``mailbox_purpose`` is Graph's ``mailboxSettings/userPurpose`` (``user``, ``shared``,
    ``room``, ``equipment``, ``linked``, ``others``). Only the deep check can read it for other
    people; ``None`` means "not known", and a shared mailbox then looks like a person.
    """

    id: str
    address: str
    display_name: str = ""
    business_phones: tuple[str, ...] = ()
    mailbox_purpose: str | None = None


@dataclass(frozen=True)
class GroupMember:
    """A person found by expanding a group (transitively, by the service).

    ``path`` lists the nested groups between the recipient group and this member, outermost
    first; it is empty for a direct member. ``user`` is ``None`` for a member the directory has
    no user for (a mail contact, for example): the rules then go by the address alone.
    """

    address: str
    user: DirectoryUser | None = None
    path: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryGroup:
    """A group the directory returned for an address, with its members already expanded.

    ``total_members`` is how many people the group holds in all; ``capped`` says the service
    stopped listing them early, so ``members`` is only the first part. ``nested_groups`` names
    the groups inside it.
    """

    id: str
    address: str
    display_name: str = ""
    members: tuple[GroupMember, ...] = ()
    total_members: int = 0
    capped: bool = False
    nested_groups: tuple[str, ...] = ()


DirectoryEntry = DirectoryUser | DirectoryGroup


@dataclass(frozen=True)
class RecallPolicy:
    """The tenant's recall settings, mirrored by the administrator (Graph cannot read them).

    Defaults follow Exchange Online's: cloud recall on, read copies recalled too.
    """

    recall_enabled: bool = True
    recall_read_enabled: bool = True
    max_recallable_age_days: int | None = None
    cross_tenant_domains: frozenset[str] = frozenset()


@dataclass(frozen=True)
class MailboxCopy:
    """A recipient's copy as the deep check found it. A copy not found is passed as ``None``."""

    is_read: bool
    in_inbox: bool = True


# ---------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Reason:
    """Why a verdict is what it is: a stable ``code``, its English ``text``, and the values
    filled into that text (so that the pane can translate the template by code)."""

    code: str
    text: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RecipientVerdict:
    """What recall will probably do for one person (or, informationally, for one group).

    ``counted`` is false for group entries and for the sender's own copy: they are not among
    the people that ``EligibilitySummary.total`` counts. ``via`` is the recipient group the
    person got the message through, ``via_path`` the nested groups inside it. A group's own
    entry carries ``member_count`` (people in it, nested groups included) and
    ``nested_groups`` (their names); a person's has ``None`` and ``()``.
    """

    address: str
    name: str
    field: Field
    kind: Kind
    verdict: Verdict
    reasons: tuple[Reason, ...]
    suggestion: Suggestion
    via: str | None = None
    via_path: tuple[str, ...] = ()
    directory_id: str | None = None
    display_name: str | None = None
    business_phone: str | None = None
    counted: bool = True
    member_count: int | None = None
    nested_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilitySummary:
    """The message as a whole. ``total`` counts people, ``recallable`` the likely ones;
    ``unchecked`` is how many members of capped groups were not looked at; ``notes`` are
    general caveats (reasons that concern no one person)."""

    verdict: SummaryVerdict
    recallable: int
    total: int
    headline: str
    unchecked: int = 0
    notes: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class EligibilityResult:
    """Everything ``POST /api/eligibility`` answers, before serialisation."""

    message: SentMessage
    summary: EligibilitySummary
    recipients: tuple[RecipientVerdict, ...]
    checked_with: CheckMode
