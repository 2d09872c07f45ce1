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

from ..recall.model import MessageRecipient, SentMessage
from .batch import BatchRequest, run_batch
from .client import GraphClient, encode_query, odata_string, path_segment
from .errors import GraphError, GraphNotFound

MESSAGE_FIELDS = ("id", "subject", "sentDateTime", "internetMessageId", "toRecipients",
                  "ccRecipients", "bccRecipients", "hasAttachments", "parentFolderId",
                  "conversationId", "from")
COPY_FIELDS = ("id", "isRead", "parentFolderId")
# What deciding whether an Inbox mail is a recall report needs, without its body. Graph
# returns internetMessageHeaders only when $select names it (v1.0, message resource type).
INBOX_FIELDS = ("id", "subject", "receivedDateTime", "from", "sender", "conversationId",
                "internetMessageHeaders")
# PR_MESSAGE_CLASS (MAPI tag 0x001A, a string), read as a single-value extended property:
# Graph v1.0, "Get singleValueLegacyExtendedProperty" ($expand with $filter on id).
MESSAGE_CLASS_ID = "String 0x001A"
MESSAGE_CLASS_EXPAND = f"singleValueExtendedProperties($filter=id eq '{MESSAGE_CLASS_ID}')"
MAX_INBOX_ITEMS = 500  # bounds one poll; far above the mail a sender receives in a day
MAX_TRANSLATE_IDS = 1000  # translateExchangeIds takes at most 1000 ids a call


@dataclass(frozen=True)
class EmailAddress:
    """An address with the display name the message carried for it."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class FoundCopy:
    """A recipient's copy of a message, found by its internetMessageId."""

    id: str
    is_read: bool | None
    folder_id: str | None


@dataclass(frozen=True)
class CopyLookup:
    """What searching one mailbox found: a copy, no copy (None), or an error."""

    mailbox: str
    copy: FoundCopy | None
    error: GraphError | None = None


@dataclass(frozen=True)
class InboxItem:
    """A message received in the Inbox, without its body (recall reports are found in these).

    ``sender`` is the From address, ``account`` Graph's ``sender`` (the account that made it);
    ``headers`` the internet headers as (name, value) pairs; ``message_class`` PR_MESSAGE_CLASS.
    """

    id: str
    subject: str
    received_at: datetime | None
    sender: str | None = None
    account: str | None = None
    conversation_id: str | None = None
    message_class: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ItemBody:
    """A message's body as read (Graph's itemBody)."""

    content: str
    content_type: str  # "html" | "text"


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


_RECIPIENT_FIELDS = (("to", "toRecipients"), ("cc", "ccRecipients"), ("bcc", "bccRecipients"))


def parse_message(body: Mapping[str, Any]) -> SentMessage:
    """The domain's :class:`SentMessage` from Graph's message JSON: addresses lower-cased, a
    recipient with no name named by their address, entries without an address left out."""
    sender = _address(body.get("from"))
    return SentMessage(
        id=str(body.get("id") or ""),
        subject=str(body.get("subject") or ""),
        sent_at=parse_datetime(body.get("sentDateTime")),
        internet_message_id=str(body.get("internetMessageId") or ""),
        sender=sender.address.lower() if sender else "",
        recipients=tuple(MessageRecipient(a.address.lower(), a.name or a.address, field)
                         for field, key in _RECIPIENT_FIELDS
                         for a in _addresses(body.get(key)) if a.address),
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


def parse_copy(body: Any) -> FoundCopy | None:
    """The first copy in a ``find_copy_request`` answer, or None when there is none."""
    values = body.get("value") if isinstance(body, Mapping) else None
    if not values:
        return None
    first = values[0]
    is_read = first.get("isRead")
    return FoundCopy(id=str(first.get("id") or ""),
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
    Inbox is a different case for recall (docs/microsoft-facts.md).
    """
    unique = list(dict.fromkeys(mailboxes))
    with client.stage("inbox_folders"):
        results = run_batch(client, [
            BatchRequest("GET", f"{mailbox_root(m)}/mailFolders/inbox?$select=id") for m in unique
        ])
    return {m: (str(r.body.get("id")) if r.ok and isinstance(r.body, Mapping)
                and r.body.get("id") else None)
            for m, r in zip(unique, results, strict=True)}


def _extended(entries: Any, wanted: str) -> str | None:
    """A single-value extended property's value. Graph gives the id back in its own spelling
    ("String 0x1a" for "String 0x001A"), so ids are compared by type and number."""
    def key(text: str) -> tuple[str, int] | None:
        kind, _, tag = text.strip().partition(" ")
        try:
            return kind.lower(), int(tag, 16)
        except ValueError:
            return None

    target = key(wanted)
    for entry in entries if isinstance(entries, list) else ():
        if _is_mapping(entry) and key(str(entry.get("id") or "")) == target:
            value = entry.get("value")
            return str(value) if value is not None else None
    return None


def parse_inbox_item(item: Mapping[str, Any]) -> InboxItem:
    """Our :class:`InboxItem` from one entry of an ``inbox_since`` answer."""
    sender, account = _address(item.get("from")), _address(item.get("sender"))
    headers = tuple((str(h.get("name") or ""), str(h.get("value") or ""))
                    for h in item.get("internetMessageHeaders") or () if _is_mapping(h))
    return InboxItem(
        id=str(item.get("id") or ""), subject=str(item.get("subject") or ""),
        received_at=parse_datetime(item.get("receivedDateTime")),
        sender=sender.address or None if sender else None,
        account=account.address or None if account else None,
        conversation_id=item.get("conversationId") or None,
        message_class=_extended(item.get("singleValueExtendedProperties"), MESSAGE_CLASS_ID),
        headers=headers)


def inbox_since(client: GraphClient, since: datetime, *, max_items: int = MAX_INBOX_ITEMS,
                user: str | None = None) -> list[InboxItem]:
    """Inbox messages received at or after ``since`` (at most ``max_items``), with what tells a
    recall report apart (sender, class, conversation, headers) and no body: a poll reads the
    bodies of candidates only (``message_bodies``)."""
    params = {"$filter": f"receivedDateTime ge {graph_datetime(since)}",
              "$select": ",".join(INBOX_FIELDS), "$expand": MESSAGE_CLASS_EXPAND, "$top": 50}
    found: list[InboxItem] = []
    with client.stage("inbox_messages"):
        pages = client.iter_pages(f"{mailbox_root(user)}/mailFolders/inbox/messages",
                                  params=params)
        for page in pages:
            for item in page.items:
                if _is_mapping(item):
                    found.append(parse_inbox_item(item))
                if len(found) >= max_items:
                    pages.close()
                    return found
    return found


def message_bodies(client: GraphClient, message_ids: Sequence[str], *,
                   user: str | None = None) -> dict[str, ItemBody]:
    """The bodies of the given messages, keyed by id: one ``GET`` for one, a ``$batch`` for
    several. A message that could not be read (moved, deleted meanwhile) is left out."""
    unique = list(dict.fromkeys(i for i in message_ids if i))
    if not unique:
        return {}
    query = encode_query({"$select": "body"})
    with client.stage("message_bodies"):
        if len(unique) == 1:
            try:
                answers = [(unique[0], client.get(
                    f"{mailbox_root(user)}/messages/{path_segment(unique[0])}",
                    params={"$select": "body"}))]
            except GraphNotFound:
                answers = []
        else:
            results = run_batch(client, [BatchRequest(
                "GET", f"{mailbox_root(user)}/messages/{path_segment(i)}?{query}")
                for i in unique])
            answers = [(i, r.body) for i, r in zip(unique, results, strict=True) if r.ok]
    bodies: dict[str, ItemBody] = {}
    for message_id, answer in answers:
        body = answer.get("body") if _is_mapping(answer) else None
        if _is_mapping(body):
            bodies[message_id] = ItemBody(str(body.get("content") or ""),
                                             str(body.get("contentType") or "text").lower())
    return bodies
