"""The sandbox tenant's mailboxes: every message Graph would show, in every user's folders.

Seeded from the fixture: each message sits in its owner's folder, and each of its ``copies``
is a real message in the recipient's mailbox (a copy filed as ``"deleted"`` is gone). Ids:

* a message's REST id (what Graph uses) is URL-safe base64-like text (``AAMkAG...``);
* its **EWS id** (what Office.js's ``item.itemId`` gives) is the REST id with ``-`` → ``/``
  and ``_`` → ``+``: the same relation real EWS and REST ids have (it is what Office.js's
  ``convertToRestId`` undoes);
* like Exchange without immutable ids, an item gets a new id when it moves folder (a draft
  that is sent turns up in Sent Items under a new id).

Thread-safe: one lock guards the whole store; readers get snapshots, never live objects.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from html import escape

from .directory import Directory, Reached
from .fixture import Policy, Recipient, TenantFixture
from .graph_http import iso, parse_iso
from .recall_agent import CopyState, Outcome, judge
from .recall_report import MESSAGE_CLASS, SENDER_LOCAL_PART, SENDER_NAME, language_of, render_report

WELL_KNOWN_FOLDERS = {
    "inbox": "Inbox", "sentitems": "Sent Items", "drafts": "Drafts",
    "deleteditems": "Deleted Items", "archive": "Archive",
}
MAX_RECIPIENTS = 500  # To + Cc + Bcc per message in Exchange Online (docs/microsoft-facts.md)


class MailError(Exception):
    """A mailbox operation Graph refuses with a 400 (code and message as Graph's)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class MessageNotFound(LookupError):
    pass


@dataclass
class StoredMessage:
    id: str
    mailbox: str
    folder: str
    subject: str
    internet_message_id: str
    conversation_id: str
    sender: Recipient
    to: tuple[Recipient, ...] = ()
    cc: tuple[Recipient, ...] = ()
    bcc: tuple[Recipient, ...] = ()
    body: str = ""
    body_type: str = "text"
    sent: str | None = None
    received: str | None = None
    created: str = ""
    modified: str = ""
    has_attachments: bool = False
    is_read: bool = False
    is_draft: bool = False
    message_class: str = "IPM.Note"  # PR_MESSAGE_CLASS, shown as "String 0x001A"
    headers: tuple[tuple[str, str], ...] = ()  # extra internet headers, beyond the basic ones


@dataclass(frozen=True)
class RecallRecord:
    """One recall request: what the agent did, and when its report is due."""

    mailbox: str
    message_id: str
    subject: str
    internet_message_id: str
    sent: float
    requested: float
    due: float
    outcomes: tuple[Outcome, ...]
    delivered: bool = False


@dataclass
class MailStore:
    """All mailboxes of the sandbox tenant."""

    tenant: TenantFixture
    seeded_at: float  # when the fixture's messages were filed (their created time)
    directory: Directory = field(init=False)
    external_deliveries: list[tuple[str, str]] = field(default_factory=list)  # (imid, address)
    undeliverable: list[tuple[str, str]] = field(default_factory=list)
    recalls: list[RecallRecord] = field(default_factory=list)
    _messages: dict[str, StoredMessage] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.directory = Directory(self.tenant)
        self._seed()

    # -- reading ---------------------------------------------------------------------------

    def messages(self, mailbox: str, folder: str | None, now: float) -> list[StoredMessage]:
        """Snapshots of a mailbox's messages (one folder, or all), newest first."""
        with self._lock:
            self._deliver_due(now)
            found = [dataclasses.replace(m) for m in self._messages.values()
                     if m.mailbox == mailbox.lower() and (folder is None or m.folder == folder)]
        return sorted(found, key=lambda m: m.received or m.created, reverse=True)

    def message(self, mailbox: str, message_id: str, now: float) -> StoredMessage:
        with self._lock:
            self._deliver_due(now)
            return dataclasses.replace(self._owned(mailbox, message_id))

    # -- changing --------------------------------------------------------------------------

    def update(self, mailbox: str, message_id: str, changes: dict[str, object],
               now: float) -> StoredMessage:
        """Apply ``changes`` (StoredMessage field names); content only changes on drafts."""
        with self._lock:
            self._deliver_due(now)
            message = self._owned(mailbox, message_id)
            if not message.is_draft and set(changes) - {"is_read"}:
                raise MailError("ErrorInvalidPropertyUpdateSentMessage",
                                "Update operation is not supported on this property of a "
                                "message that has been sent.")
            for name, value in changes.items():
                setattr(message, name, value)
            message.modified = iso(now)
            return dataclasses.replace(message)

    def delete(self, mailbox: str, message_id: str, now: float) -> None:
        """Graph's DELETE: into Deleted Items (new id); from Deleted Items, gone for good."""
        with self._lock:
            self._deliver_due(now)
            message = self._owned(mailbox, message_id)
            del self._messages[message.id]
            if message.folder != "deleteditems":
                moved = dataclasses.replace(message, id=_new_id(), folder="deleteditems",
                                            modified=iso(now))
                self._messages[moved.id] = moved

    def create_reply_all(self, mailbox: str, message_id: str, *, body_html: str,
                         changes: dict[str, object], now: float) -> StoredMessage:
        """A reply-all draft in Drafts: sender and all recipients but oneself, same thread."""
        with self._lock:
            self._deliver_due(now)
            original = self._owned(mailbox, message_id)
            me = mailbox.lower()
            to = _unique([original.sender, *original.to], exclude=me)
            if not to:  # replying to one's own message sent only to oneself
                to = (original.sender,)
            subject = original.subject
            if not subject.lower().startswith("re:"):
                subject = f"RE: {subject}"
            owner = self.directory.user(me)
            draft = StoredMessage(
                id=_new_id(), mailbox=me, folder="drafts", subject=subject,
                internet_message_id=_new_internet_id(self.directory.initial_domain),
                conversation_id=original.conversation_id,
                sender=Recipient(me, owner.display_name if owner else me),
                to=to, cc=_unique(original.cc, exclude=me),
                body=body_html + _quoted(original), body_type="html",
                sent=iso(now), received=iso(now), created=iso(now), modified=iso(now),
                is_read=True, is_draft=True,
            )
            for name, value in changes.items():
                setattr(draft, name, value)
            self._messages[draft.id] = draft
            return dataclasses.replace(draft)

    def reply_all(self, mailbox: str, message_id: str, *, body_html: str,
                  changes: dict[str, object], now: float) -> StoredMessage:
        """Graph's one-call replyAll: create the draft and send it, or do nothing at all."""
        with self._lock:
            draft = self.create_reply_all(mailbox, message_id, body_html=body_html,
                                          changes=changes, now=now)
            try:
                return self.send(mailbox, draft.id, now)
            except MailError:
                del self._messages[draft.id]
                raise

    def send(self, mailbox: str, draft_id: str, now: float) -> StoredMessage:
        """Send a draft: it moves to Sent Items (new id) and copies reach internal inboxes."""
        with self._lock:
            self._deliver_due(now)
            draft = self._owned(mailbox, draft_id)
            if not draft.is_draft:
                raise MailError("ErrorInvalidRequest", "Only a draft message can be sent.")
            recipients = draft.to + draft.cc + draft.bcc
            if not recipients:
                raise MailError("ErrorInvalidRecipients",
                                "At least one recipient is not valid., A message can't be "
                                "sent because it contains no recipients.")
            if len(recipients) > MAX_RECIPIENTS:
                raise MailError("ErrorTooManyRecipients",
                                f"A message can't have more than {MAX_RECIPIENTS} recipients.")
            del self._messages[draft.id]
            sent = dataclasses.replace(draft, id=_new_id(), folder="sentitems", is_draft=False,
                                       sent=iso(now), received=iso(now), modified=iso(now))
            self._messages[sent.id] = sent
            for reached in self.directory.expand(recipients):
                if reached.user is not None:
                    copy = dataclasses.replace(sent, id=_new_id(), mailbox=reached.user.mail,
                                               folder="inbox", bcc=(), is_read=False)
                    self._messages[copy.id] = copy
                elif reached.internal:
                    self.undeliverable.append((sent.internet_message_id, reached.address))
                else:
                    self.external_deliveries.append((sent.internet_message_id,
                                                     reached.address))
            return dataclasses.replace(sent)

    def recall(self, mailbox: str, message_id: str, policy: Policy, *, now: float,
               report_delay_s: float) -> RecallRecord:
        """Recall a message from Sent Items: apply the agent's decisions, schedule the report.

        Recalling twice is accepted each time (Graph keeps no recall state either); copies
        removed by the first recall are then "not found", so the second report says failure.
        """
        with self._lock:
            self._deliver_due(now)
            original = self._owned(mailbox, message_id)
            if original.folder != "sentitems":
                raise MailError("ErrorInvalidRequest",
                                "The message is not in the Sent Items folder; only sent "
                                "messages can be recalled.")
            sent = parse_iso(original.sent or original.created)
            outcomes = []
            for target in self._recall_targets(original):
                copies = self._copies(target, original)
                state = CopyState(copies[0].is_read, copies[0].folder) if copies else None
                outcome = judge(target, state, policy, age_days=(now - sent) / 86400)
                if outcome.delete:
                    for copy in copies:  # hard delete: not even in Deleted Items
                        del self._messages[copy.id]
                outcomes.append(outcome)
            record = RecallRecord(
                mailbox=original.mailbox, message_id=original.id, subject=original.subject,
                internet_message_id=original.internet_message_id, sent=sent, requested=now,
                due=now + report_delay_s, outcomes=tuple(outcomes))
            self.recalls.append(record)
            return record

    # -- internals -------------------------------------------------------------------------

    def _owned(self, mailbox: str, message_id: str) -> StoredMessage:
        message = self._messages.get(message_id)
        # Another mailbox's message is as invisible as a missing one: never leak it.
        if message is None or message.mailbox != mailbox.lower():
            raise MessageNotFound(message_id)
        return message

    def _recall_targets(self, original: StoredMessage) -> list[Reached]:
        return self.directory.expand(original.to + original.cc + original.bcc)

    def _copies(self, target: Reached, original: StoredMessage) -> list[StoredMessage]:
        if target.user is None:
            return []
        return [m for m in self._messages.values()
                if m.mailbox == target.user.mail and m.id != original.id and not m.is_draft
                and m.folder != "sentitems"
                and m.internet_message_id == original.internet_message_id]

    def receive(self, message: StoredMessage) -> StoredMessage:
        """File a mail that arrived from elsewhere (a test's stand-in for inbound SMTP) as it
        is given: whatever its From says, as a forged mail would."""
        with self._lock:
            filed = dataclasses.replace(message, id=message.id or _new_id(),
                                        mailbox=message.mailbox.lower())
            self._messages[filed.id] = filed
            return dataclasses.replace(filed)

    def _deliver_due(self, now: float) -> None:
        """File every recall report whose time has come (lazily: no background thread).

        The report comes from the tenant's Exchange system mailbox, with the recall report's
        message class, in the sender mailbox's language (its ``preferredLanguage``).
        """
        for index, record in enumerate(self.recalls):
            if record.delivered or record.due > now:
                continue
            owner = self.directory.user(record.mailbox)
            content = render_report(subject=record.subject,
                                    internet_message_id=record.internet_message_id,
                                    sent=record.sent, requested=record.requested,
                                    outcomes=record.outcomes,
                                    language=language_of(owner.preferred_language
                                                         if owner else None))
            system = Recipient(f"{SENDER_LOCAL_PART}@{self.directory.initial_domain}",
                               SENDER_NAME)
            report = StoredMessage(
                id=_new_id(), mailbox=record.mailbox, folder="inbox", subject=content.subject,
                internet_message_id=_new_internet_id(self.directory.initial_domain),
                conversation_id=_conversation_id(f"report:{record.internet_message_id}"),
                sender=system,
                to=(Recipient(record.mailbox, owner.display_name if owner else record.mailbox),),
                body=content.html, body_type="html", sent=iso(record.due),
                received=iso(record.due), created=iso(record.due), modified=iso(record.due),
                message_class=MESSAGE_CLASS)
            self._messages[report.id] = report
            self.recalls[index] = dataclasses.replace(record, delivered=True)

    def _seed(self) -> None:
        created = iso(self.seeded_at)
        for m in self.tenant.messages:
            owner = self.directory.user(m.owner)
            sender = m.sender or Recipient(m.owner, owner.display_name if owner else m.owner)
            base = StoredMessage(
                id=m.id, mailbox=m.owner, folder=m.folder, subject=m.subject,
                internet_message_id=m.internet_message_id,
                conversation_id=_conversation_id(m.internet_message_id), sender=sender,
                to=m.to_recipients, cc=m.cc_recipients, bcc=m.bcc_recipients, body=m.body,
                sent=m.sent_date_time, received=m.sent_date_time, created=created,
                modified=created, has_attachments=m.has_attachments,
                is_read=m.folder != "inbox")
            if m.folder != "deleted":
                self._messages[base.id] = base
            for copy in m.copies:
                if copy.folder == "deleted":
                    continue
                copy_id = _derived_id(f"{m.id}/{copy.mailbox}")
                self._messages[copy_id] = dataclasses.replace(
                    base, id=copy_id, mailbox=copy.mailbox, folder=copy.folder, bcc=(),
                    is_read=copy.is_read)


def folder_id(mailbox: str, folder: str) -> str:
    """A folder's opaque id, stable per mailbox (like Exchange's, different per mailbox)."""
    digest = hashlib.sha256(f"{mailbox.lower()}/{folder}".encode()).digest()[:30]
    return "AQMkAD" + base64.urlsafe_b64encode(digest).decode() + "AAA="


def ews_id(rest_id: str) -> str:
    return rest_id.replace("-", "/").replace("_", "+")


def rest_id(ews: str) -> str:
    return ews.replace("/", "-").replace("+", "_")


def _new_id() -> str:
    return "AAMkAG" + secrets.token_urlsafe(30) + "AAA="


def _derived_id(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()[:30]
    return "AAMkAG" + base64.urlsafe_b64encode(digest).decode() + "AAA="


def _conversation_id(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()[:24]
    return "AAQkAG" + base64.urlsafe_b64encode(digest).decode() + "="


def _new_internet_id(domain: str) -> str:
    return f"<{secrets.token_hex(8).upper()}.{secrets.token_hex(4)}@sandbox.{domain}>"


def _unique(recipients: tuple[Recipient, ...] | list[Recipient], *,
            exclude: str) -> tuple[Recipient, ...]:
    seen = {exclude}
    result = []
    for recipient in recipients:
        if recipient.address.lower() not in seen:
            seen.add(recipient.address.lower())
            result.append(recipient)
    return tuple(result)


def _quoted(original: StoredMessage) -> str:
    """The original below a reply, as Outlook quotes it."""
    def people(rs: tuple[Recipient, ...]) -> str:
        return "; ".join(escape(f"{r.name} <{r.address}>") for r in rs)

    content = original.body if original.body_type == "html" else (
        "<p>" + escape(original.body).replace("\n", "<br>") + "</p>")
    cc = f"<br><b>Cc:</b> {people(original.cc)}" if original.cc else ""
    return (f'<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
            f"<b>From:</b> {people((original.sender,))}<br><b>Sent:</b> {original.sent}<br>"
            f"<b>To:</b> {people(original.to)}{cc}<br><b>Subject:</b> "
            f"{escape(original.subject)}</div>{content}")
