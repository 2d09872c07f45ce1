"""Reading "Message Recall Report" mail: whom a recall reached, whom it missed, who is pending.

Microsoft documents neither the report's wording nor its layout (docs/recall-reports.md:
unconfirmed), so the parser goes by evidence, not by one exact shape: the **message class**
``IPM.Recall.Report`` (Outlook VBA reference, *Item Types and Message Classes*: "Message
recall reports") or the **subject** (``report_words``) says what the mail is; the **body**
(HTML or text) is cut into rows (``report_table``), which are read for outcomes and for the
original message's id and subject (``report_rows``). Nothing here raises on bad mail: an
unreadable report comes back with no recipients and ``problems`` saying why.

Who may speak (``report_source``) and which message a report is about (``report_is_for``) are
separate rules: anyone can mail the sender a "Recall Report" subject, so a report counts only
from the tenant's own Exchange system mailbox (or, for a classic notice, from the recipient it
speaks for), and only when it names the recalled message by id or conversation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from .report_rows import RowReader, cut_text, message_id_in
from .report_table import MAX_ROWS, BodyType, body_blocks
from .report_words import (
    RecallOutcome,
    ReportKind,
    ReportSubject,
    address_in,
    class_kind,
    classify_status,
    collapse,
    folded,
    is_report_class,
    subject_kind,
)

# Far above any real report; it bounds the work on hostile mail.
MAX_BODY_CHARS = 1_000_000


@dataclass(frozen=True)
class InboxMessage:
    """A mail from the sender's Inbox, as Graph returns it. ``received_at`` must be aware.

    ``sender`` is the From address: a classic recall notice names its recipient only there;
    ``account`` is Graph's ``sender`` (the account that generated the mail, when it differs).
    ``body_type`` ``None`` means "guess from the body". ``message_class`` is PR_MESSAGE_CLASS,
    ``headers`` the ``internetMessageHeaders`` (name, value) pairs.
    """

    subject: str
    body: str
    body_type: BodyType | None = None
    received_at: dt.datetime | None = None
    sender: str | None = None
    message_class: str | None = None
    conversation_id: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    account: str | None = None


@dataclass(frozen=True)
class ReportedOutcome:
    """What a report says recall did for one address (lower-cased)."""

    address: str
    status: RecallOutcome
    status_text: str
    reason: str | None = None
    reported_at: dt.datetime | None = None


@dataclass(frozen=True)
class RecallReport:
    """One parsed report (or several merged). ``kind`` is ``None`` when the subject is not a
    recall report's; ``sender`` is the From address, lower-cased; ``problems`` are plain lines
    for the log, never shown as outcomes."""

    subject: str
    kind: ReportKind | None
    received_at: dt.datetime | None
    original_subject: str | None
    internet_message_id: str | None
    recipients: tuple[ReportedOutcome, ...]
    problems: tuple[str, ...] = ()
    sender: str | None = None
    conversation_id: str | None = None
    # Every message id the report names: the body's "Message ID" and In-Reply-To/References.
    message_ids: tuple[str, ...] = ()


# Exchange's system mailbox sends recall reports (and other system notices) as "Microsoft
# Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@<tenant domain>>". The local part
# is matched by its prefix only: no Microsoft page states the suffix (docs/recall-reports.md).
SYSTEM_MAILBOX_PREFIX = "microsoftexchange"
ReportSource = Literal["exchange", "recipient"]

_RANK: dict[RecallOutcome, int] = {"pending": 0, "failed": 1, "succeeded": 2}


def parse_recall_report(message: InboxMessage) -> RecallReport:
    """Read one mail as a recall report. Never raises for what the mail holds.

    Raises ``ValueError`` only for a naive ``received_at`` (a caller's mistake).
    """
    if message.received_at is not None and message.received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    subject = message.subject or ""
    sender = address_in(message.sender or "")
    matched = subject_kind(subject)
    by_class = class_kind(message.message_class)
    if matched is None and by_class is not None:
        # The class says it is a report though the subject is in a language we do not know.
        matched = by_class
    elif matched is not None and by_class is not None and matched.implied is None:
        matched = ReportSubject(matched.kind, by_class.implied, matched.prefix, matched.tail)
    header_ids = _header_ids(message.headers)
    if matched is None:
        return RecallReport(subject=subject, kind=None, received_at=message.received_at,
                            original_subject=None, internet_message_id=None, recipients=(),
                            problems=("the subject is not a recall report's",), sender=sender,
                            conversation_id=message.conversation_id, message_ids=header_ids)
    reader = RowReader()
    body = message.body or ""
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        reader.problems.append(f"the body was cut to its first {MAX_BODY_CHARS} characters")
    try:
        found = body_blocks(body, message.body_type)
        if sum(map(len, found)) > MAX_ROWS:
            reader.problems.append(f"only the first {MAX_ROWS} rows were read")
        blocks, budget = [], MAX_ROWS
        for rows in found:
            blocks.append(rows[:budget])
            budget -= len(blocks[-1])
        for rows in blocks:
            reader.block(rows)
    except Exception as error:  # noqa: BLE001 - a mail must never break the caller
        reader.problems.append(f"the body could not be read ({type(error).__name__}: {error})")
    if matched.kind == "notice" and not reader.found:
        # Classic recall: one notice per recipient, from that recipient, status in the subject.
        if sender is None:
            reader.problems.append("a classic recall notice without a sender address")
        else:
            reader.found.append((sender, matched.prefix, None))
    recipients, problems = _outcomes(reader, matched.implied, message.received_at)
    meta = reader.meta
    internet_message_id = message_id_in(meta["message_id"]) if "message_id" in meta else None
    if "message_id" in meta and internet_message_id is None:
        problems.append(f"unreadable message id: {meta['message_id']!r}")
    if not recipients:
        problems.append("no per-recipient results found in the body")
    original_subject = meta.get("subject")
    quoted = subject_kind(original_subject) if original_subject else None
    if quoted is not None:  # the body quoted the report's own header ("Subject: Message Re...")
        original_subject = quoted.tail
    ids = tuple(dict.fromkeys((*((internet_message_id,) if internet_message_id else ()),
                               *header_ids)))
    return RecallReport(
        subject=subject, kind=matched.kind, received_at=message.received_at,
        original_subject=original_subject or matched.tail,
        internet_message_id=internet_message_id, recipients=tuple(recipients),
        problems=tuple(problems), sender=sender, conversation_id=message.conversation_id,
        message_ids=ids)


# In-Reply-To and References name the messages a mail answers (RFC 5322 section 3.6.4).
_ID_HEADERS = frozenset({"in-reply-to", "references"})


def _header_ids(headers: Iterable[tuple[str, str]]) -> tuple[str, ...]:
    found: list[str] = []
    for name, value in headers:
        if str(name).strip().casefold() in _ID_HEADERS:
            found.extend(re.findall(r"<[^<>\s]{1,500}@[^<>\s]{1,500}>", str(value)[:10_000]))
    return tuple(dict.fromkeys(found))


def _outcomes(reader: RowReader, implied: RecallOutcome | None,
              received_at: dt.datetime | None) -> tuple[list[ReportedOutcome], list[str]]:
    problems = list(reader.problems)
    by_address: dict[str, ReportedOutcome] = {}
    counts: dict[str, int] = {}
    for address, raw, reason in reader.found:
        status_text, reason = cut_text(collapse(raw)), cut_text(reason) if reason else None
        status, known = classify_status(status_text)
        if implied is not None and not known:
            status, known = implied, True
        if not known:
            problems.append(f"{address}: status {status_text!r} not recognised, taken as pending"
                            if status_text else f"{address}: no status given; taken as pending")
        outcome = ReportedOutcome(address, status, status_text, reason, received_at)
        counts[address] = counts.get(address, 0) + 1
        # Listed twice in one report: the most definite answer stands (a deleted copy is gone).
        current = by_address.get(address)
        if current is None or _RANK[outcome.status] > _RANK[current.status]:
            by_address[address] = outcome
    for address, count in counts.items():
        if count > 1:
            problems.append(f"{address} is listed {count} times; kept "
                            f"{by_address[address].status_text!r}")
    return list(by_address.values()), problems


def merge_reports(reports: Iterable[RecallReport]) -> RecallReport:
    """Fold several reports of one message into one, oldest first: a later report's line for a
    recipient replaces an earlier one, except that a success stays a success.

    Why success is final: the copy is gone, and a later report (a repeated recall, a retry)
    can only say "not found" or "pending" for it. Reports without ``received_at`` count as the
    oldest; equal times keep the given order. A report about another ``internet_message_id``
    than the newest known one is left out, with a problem.
    """
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = [r for _, r in sorted(enumerate(reports), key=lambda p: (
        p[1].received_at is not None, p[1].received_at or epoch, p[0]))]
    message_id = next((r.internet_message_id for r in reversed(ordered)
                       if r.internet_message_id), None)
    merged: dict[str, ReportedOutcome] = {}
    problems: list[str] = []
    used: list[RecallReport] = []
    for report in ordered:
        if report.internet_message_id and message_id \
                and _id_key(report.internet_message_id) != _id_key(message_id):
            problems.append(f"report {report.subject!r} is about {report.internet_message_id}, "
                            f"not {message_id}: left out")
            continue
        used.append(report)
        problems.extend(report.problems)
        for outcome in report.recipients:
            current = merged.get(outcome.address)
            if current is None or current.status != "succeeded":
                merged[outcome.address] = outcome
    newest = used[-1] if used else None
    return RecallReport(
        subject=newest.subject if newest else "",
        kind=next((r.kind for r in reversed(used) if r.kind), None),
        received_at=newest.received_at if newest else None,
        original_subject=next((r.original_subject for r in reversed(used)
                               if r.original_subject), None),
        internet_message_id=message_id, recipients=tuple(merged.values()),
        problems=tuple(dict.fromkeys(problems)), sender=newest.sender if newest else None)


def _same_subject(reported: str, original: str) -> bool:
    reported, original = folded(reported), folded(original)
    if reported == original:
        return True
    # Long subjects may come back cut short with an ellipsis.
    for ellipsis in ("…", "..."):
        if reported.endswith(ellipsis) and len(reported) > len(ellipsis) + 10:
            return original.startswith(reported.removesuffix(ellipsis).rstrip())
    return False


def _id_key(value: str) -> str:
    return value.strip().strip("<>").strip().casefold()


def _domains(verified_domains: Iterable[str]) -> frozenset[str]:
    return frozenset(d.strip().lower() for d in verified_domains if d and d.strip())


def is_exchange_sender(address: str | None, verified_domains: Iterable[str]) -> bool:
    """Whether ``address`` is the tenant's Exchange system mailbox: local part starting
    ``MicrosoftExchange``, on one of the tenant's verified domains."""
    local, at, domain = (address or "").strip().lower().rpartition("@")
    return bool(at) and local.startswith(SYSTEM_MAILBOX_PREFIX) \
        and domain in _domains(verified_domains)


def report_source(message: InboxMessage, verified_domains: Iterable[str]) -> ReportSource | None:
    """Who may have written this mail, as far as a recall report goes; ``None``: nobody whose
    word counts.

    ``"exchange"``: From (and Graph's ``sender``, when given) is the tenant's Exchange system
    mailbox. ``"recipient"``: a classic per-recipient notice (message class
    ``IPM.Recall.Report...``) from an internal address of a verified domain, which speaks
    only for that address (see ``trusted_report``). Anything else, whatever its subject or
    body says, is not a report: anyone can mail the sender "x@org Recall Success".
    """
    domains = _domains(verified_domains)
    addresses = [a for a in (message.sender, message.account) if a]
    if not addresses:
        return None
    if all(is_exchange_sender(a, domains) for a in addresses):
        return "exchange"
    own = {address_in(a) for a in addresses}
    if len(own) == 1 and None not in own and is_report_class(message.message_class):
        address = next(iter(own))
        assert address is not None
        if address.rpartition("@")[2] in domains and not is_exchange_sender(address, domains):
            return "recipient"
    return None


def might_be_report(message: InboxMessage, verified_domains: Iterable[str]) -> bool:
    """Whether a mail is worth reading the body of: from a source whose word counts, and
    marked as a report by its message class or its subject. Decided without the body."""
    if report_source(message, verified_domains) is None:
        return False
    return is_report_class(message.message_class) or \
        subject_kind(message.subject or "") is not None


def report_is_for(report: RecallReport, *, internet_message_id: str | None,
                  conversation_id: str | None = None,
                  original_subject: str | None = None) -> bool:
    """Whether a parsed report concerns the given original message. Never by subject alone.

    A message id the report names (body, In-Reply-To, References) decides: it must be the
    original's. A report naming none counts when it is in the original's conversation; then a
    subject it quotes must be the original's too, so that a report about another message of
    the same conversation is not taken for this one. A ``Recall:`` mail counts only when it
    lists outcomes: on its own it is the recall request, not a report.
    """
    if report.kind is None or (report.kind == "request" and not report.recipients):
        return False
    if report.message_ids:
        return bool(internet_message_id) and _id_key(internet_message_id or "") in {
            _id_key(i) for i in report.message_ids}
    if not conversation_id or not report.conversation_id \
            or conversation_id.strip() != report.conversation_id.strip():
        return False
    return (report.original_subject is None or original_subject is None
            or _same_subject(report.original_subject, original_subject))


def trusted_report(report: RecallReport, source: ReportSource) -> RecallReport:
    """The part of a report its source may speak for: all of it from Exchange; from a
    recipient (a classic notice), only that recipient's own line."""
    if source == "exchange":
        return report
    own = tuple(r for r in report.recipients if r.address == report.sender)
    dropped = len(report.recipients) - len(own)
    problems = report.problems + ((f"{dropped} line(s) about other people left out: a notice "
                                   "from a recipient speaks only for them",) if dropped else ())
    return replace(report, recipients=own, problems=problems)


def accept_report(message: InboxMessage, *, verified_domains: Iterable[str],
                  internet_message_id: str | None, conversation_id: str | None = None,
                  original_subject: str | None = None) -> RecallReport | None:
    """The report this Inbox mail gives about the original, or ``None`` when it gives none
    we believe: from nobody whose word counts, or about another message."""
    source = report_source(message, verified_domains)
    if source is None:
        return None
    report = parse_recall_report(message)
    if not report_is_for(report, internet_message_id=internet_message_id,
                         conversation_id=conversation_id, original_subject=original_subject):
        return None
    return trusted_report(report, source)


def is_recall_report(message: InboxMessage, *, internet_message_id: str | None = None,
                     conversation_id: str | None = None,
                     original_subject: str | None = None) -> bool:
    """Whether an Inbox mail reads as a recall report for the given original (see
    ``report_is_for``; who sent it is ``report_source``'s question).

    Cheap for ordinary mail: the body is read only when the class or subject looks like a
    report's.
    """
    if subject_kind(message.subject or "") is None and not is_report_class(
            message.message_class):
        return False
    return report_is_for(parse_recall_report(message), internet_message_id=internet_message_id,
                         conversation_id=conversation_id, original_subject=original_subject)
