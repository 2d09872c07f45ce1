"""Reading mail: the sent message, its folder, id translation, copies, recall reports.

Every function takes a :class:`GraphClient` and returns our own dataclasses; Graph's JSON
shapes stay in this module. ``user=None`` means the signed-in user (``/me``); pass a user id
or address for another mailbox (application permissions, deep check).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..values import quick_init
from .batch import BatchRequest, run_batch
from .client import GraphClient, encode_query, odata_string, path_segment
from .errors import GraphError

MESSAGE_FIELDS = ("id", "subject", "sentDateTime", "internetMessageId", "toRecipients",
                  "ccRecipients", "bccRecipients", "hasAttachments", "parentFolderId",
                  "conversationId", "from")
COPY_FIELDS = ("id", "isRead", "parentFolderId")
INBOX_FIELDS = ("id", "subject", "receivedDateTime", "body")
MAX_TRANSLATE_IDS = 1000  # translateExchangeIds takes at most 1000 ids a call


@quick_init
@dataclass(frozen=True)
class EmailAddress:
    """An address with the display name the message carried for it."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class SentMessage:
    """The fields of a sent message the eligibility check needs."""

    id: str
    subject: str
    sent_at: datetime | None
    internet_message_id: str | None
    sender: EmailAddress | None
    to: tuple[EmailAddress, ...]
    cc: tuple[EmailAddress, ...]
    bcc: tuple[EmailAddress, ...]
    has_attachments: bool
    folder_id: str | None
    conversation_id: str | None


@dataclass(frozen=True)
class MailboxCopy:
    """A recipient's copy of a message, found by its internetMessageId."""

    id: str
    is_read: bool | None
    folder_id: str | None


@dataclass(frozen=True)
class CopyLookup:
    """What searching one mailbox found: a copy, no copy (None), or an error."""

    mailbox: str
    copy: MailboxCopy | None
    error: GraphError | None = None


@dataclass(frozen=True)
class InboxMessage:
    """A message received in the Inbox (recall reports are read from these)."""

    id: str
    subject: str
    received_at: datetime | None
    body: str
    body_type: str


def mailbox_root(user: str | None) -> str:
    """``/me`` or ``/users/{user}``: the root of a mailbox's paths."""
    return "/me" if user is None else f"/users/{path_segment(user)}"


def parse_datetime(value: Any) -> datetime | None:
    """Graph's ISO 8601 UTC timestamp as an aware datetime (None when absent or bad)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def graph_datetime(value: datetime) -> str:
    """An aware datetime as Graph's UTC literal for ``$filter`` (``2024-05-01T10:00:00Z``)."""
    if value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _address(entry: Any) -> EmailAddress | None:
    # JSON objects arrive as dicts: test for dict first, the Mapping ABC's check is slower
    # (a message with 500 recipients asks 1,000 times).
    inner = entry.get("emailAddress") if _is_mapping(entry) else None
    if not _is_mapping(inner):
        return None
    address = str(inner.get("address") or "").strip()
    name = str(inner.get("name") or "").strip()
    return EmailAddress(address, name) if address or name else None


def _is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def _addresses(entries: Any) -> tuple[EmailAddress, ...]:
    found = (_address(entry) for entry in entries or ())
    return tuple(item for item in found if item is not None)


def recipients_json(addresses: Sequence[EmailAddress]) -> list[dict[str, Any]]:
    """Graph's recipient collection for ``addresses``."""
    return [{"emailAddress": {"address": item.address, **({"name": item.name} if item.name
                                                          else {})}}
            for item in addresses]


def parse_message(body: Mapping[str, Any]) -> SentMessage:
    """Our :class:`SentMessage` from Graph's message JSON."""
    return SentMessage(
        id=str(body.get("id") or ""),
        subject=str(body.get("subject") or ""),
        sent_at=parse_datetime(body.get("sentDateTime")),
        internet_message_id=body.get("internetMessageId") or None,
        sender=_address(body.get("from")),
        to=_addresses(body.get("toRecipients")),
        cc=_addresses(body.get("ccRecipients")),
        bcc=_addresses(body.get("bccRecipients")),
        has_attachments=bool(body.get("hasAttachments")),
        folder_id=body.get("parentFolderId") or None,
        conversation_id=body.get("conversationId") or None,
    )


def message_path(message_id: str, *, user: str | None = None) -> tuple[str, dict[str, str]]:
    """Path and query of a ``GET`` for the message with REST id ``message_id``."""
    return (f"{mailbox_root(user)}/messages/{path_segment(message_id)}",
            {"$select": ",".join(MESSAGE_FIELDS)})


def get_message(client: GraphClient, message_id: str, *, user: str | None = None) -> SentMessage:
    """The message with REST id ``message_id`` (raises ``GraphNotFound`` if it is gone)."""
    path, params = message_path(message_id, user=user)
    with client.stage("get_message"):
        body = client.get(path, params=params)
    return parse_message(body or {})


def sent_items_path(*, user: str | None = None) -> tuple[str, dict[str, str]]:
    """Path and query of a ``GET`` for the well-known Sent Items folder's id."""
    return f"{mailbox_root(user)}/mailFolders/sentitems", {"$select": "id"}


def sent_items_folder_id(client: GraphClient, *, user: str | None = None) -> str:
    """The id of the well-known Sent Items folder, to compare with ``folder_id``."""
    path, params = sent_items_path(user=user)
    with client.stage("sent_items_folder"):
        body = client.get(path, params=params)
    return parse_folder_id(body)


def parse_folder_id(body: Any) -> str:
    """The ``id`` of a folder answer ("" when there is none)."""
    return str((body or {}).get("id") or "")


def ews_to_rest_ids(client: GraphClient, ews_ids: Sequence[str], *,
                    user: str | None = None) -> dict[str, str]:
    """Map Office.js (EWS) item ids to Graph REST ids; ids Graph cannot translate are left out."""
    translated: dict[str, str] = {}
    unique = list(dict.fromkeys(ews_ids))
    with client.stage("translate_ids"):
        for start in range(0, len(unique), MAX_TRANSLATE_IDS):
            chunk = unique[start:start + MAX_TRANSLATE_IDS]
            # A pure translation changes nothing, so the POST may be retried after a time-out.
            body = client.post(f"{mailbox_root(user)}/translateExchangeIds",
                               {"inputIds": chunk, "sourceIdType": "ewsId",
                                "targetIdType": "restId"}, idempotent=True)
            for item in (body or {}).get("value") or []:
                if item.get("sourceId") and item.get("targetId"):
                    translated[str(item["sourceId"])] = str(item["targetId"])
    return translated


def find_copy_request(mailbox: str, internet_message_id: str) -> BatchRequest:
    """The request that looks for ``internet_message_id`` in ``mailbox`` (for ``run_batch``)."""
    query = encode_query({
        "$filter": f"internetMessageId eq {odata_string(internet_message_id)}",
        "$select": ",".join(COPY_FIELDS),
    })
    return BatchRequest("GET", f"{mailbox_root(mailbox)}/messages?{query}")


def parse_copy(body: Any) -> MailboxCopy | None:
    """The first copy in a ``find_copy_request`` answer, or None when there is none."""
    values = body.get("value") if isinstance(body, Mapping) else None
    if not values:
        return None
    first = values[0]
    is_read = first.get("isRead")
    return MailboxCopy(id=str(first.get("id") or ""),
                       is_read=is_read if isinstance(is_read, bool) else None,
                       folder_id=first.get("parentFolderId") or None)


def find_copies(client: GraphClient, mailboxes: Sequence[str],
                internet_message_id: str) -> dict[str, CopyLookup]:
    """Search each mailbox for its copy of the message, batched; keyed by mailbox."""
    unique = list(dict.fromkeys(mailboxes))
    with client.stage("find_copies"):
        results = run_batch(client, [find_copy_request(m, internet_message_id) for m in unique])
    return {mailbox: CopyLookup(mailbox, None if result.error else parse_copy(result.body),
                                result.error)
            for mailbox, result in zip(unique, results, strict=True)}


def inbox_folder_ids(client: GraphClient, mailboxes: Sequence[str]) -> dict[str, str | None]:
    """Each mailbox's Inbox folder id (None when it could not be read), batched.

    The deep check compares a copy's ``parentFolderId`` with it: a copy moved out of the
    Inbox is a different case for recall (FACTS.md).
    """
    unique = list(dict.fromkeys(mailboxes))
    with client.stage("inbox_folders"):
        results = run_batch(client, [
            BatchRequest("GET", f"{mailbox_root(m)}/mailFolders/inbox?$select=id") for m in unique
        ])
    return {m: (str(r.body.get("id")) if r.ok and isinstance(r.body, Mapping)
                and r.body.get("id") else None)
            for m, r in zip(unique, results, strict=True)}


def inbox_messages_since(client: GraphClient, since: datetime, *,
                         subject_contains: str | None = None, max_items: int = 200,
                         body_as_text: bool = False,
                         user: str | None = None) -> list[InboxMessage]:
    """Inbox messages received at or after ``since``, at most ``max_items`` of them.

    Graph filters on ``receivedDateTime``; the subject is matched here, case-insensitively,
    because Outlook's ``$filter`` support for ``contains(subject, ...)`` is not dependable.
    """
    params = {"$filter": f"receivedDateTime ge {graph_datetime(since)}",
              "$select": ",".join(INBOX_FIELDS), "$top": 50}
    headers = {"Prefer": 'outlook.body-content-type="text"'} if body_as_text else None
    needle = (subject_contains or "").casefold()
    found: list[InboxMessage] = []
    with client.stage("inbox_messages"):
        pages = client.iter_pages(f"{mailbox_root(user)}/mailFolders/inbox/messages",
                                  params=params, headers=headers)
        for page in pages:
            for item in page.items:
                subject = str(item.get("subject") or "")
                if needle and needle not in subject.casefold():
                    continue
                body = item.get("body") if isinstance(item.get("body"), Mapping) else {}
                found.append(InboxMessage(
                    id=str(item.get("id") or ""), subject=subject,
                    received_at=parse_datetime(item.get("receivedDateTime")),
                    body=str(body.get("content") or ""),
                    body_type=str(body.get("contentType") or "text").lower()))
                if len(found) >= max_items:
                    pages.close()
                    return found
    return found
