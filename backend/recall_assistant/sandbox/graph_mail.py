"""Graph's Outlook mail resources in the sandbox, reading side: messages, folders, ids.

Routes exist below ``/me`` (delegated) and ``/users/{id | userPrincipalName}``; the router has
already refused other people's mailboxes to delegated callers. Lists are newest first, 10 a
page by default (``$top`` up to 1000), with an ``@odata.nextLink`` carrying ``$skip``, as
Outlook's APIs do. ``Prefer: outlook.body-content-type="text"`` turns HTML bodies into text.

As Graph does, ``internetMessageHeaders`` comes back only when ``$select`` names it (Graph
v1.0, *message resource type*), and extended properties only through
``$expand=singleValueExtendedProperties($filter=id eq 'String 0x001A')`` (Graph v1.0, *Get
singleValueLegacyExtendedProperty*); the sandbox knows one of them, PR_MESSAGE_CLASS. Any other
``$expand`` is refused with Graph's error.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import re
from typing import Any

from . import odata
from .fixture import Recipient
from .graph_http import GraphError, GraphResponse
from .graph_router import Call, Handler, Router
from .html_text import html_to_text, preview
from .mailstore import (
    WELL_KNOWN_FOLDERS,
    MessageNotFound,
    StoredMessage,
    ews_id,
    folder_id,
    rest_id,
)

MAIL_READ = frozenset({"Mail.ReadBasic", "Mail.Read", "Mail.ReadWrite", "Mail.ReadBasic.All"})
TRANSLATE = frozenset({"User.ReadBasic.All", "User.Read", "User.ReadWrite", "User.Read.All",
                       "User.ReadWrite.All"})
PAGE_DEFAULT, PAGE_MAX = 10, 1000
MESSAGE_ITEM_PATHS = ("messages/{id}", "mailFolders/{folder}/messages/{id}")
MAX_TRANSLATE = 1000
_REST_ID = re.compile(r"^[A-Za-z0-9_=-]+$")
_EWS_ID = re.compile(r"^[A-Za-z0-9+/=]+$")
_MESSAGE_PROPS = {p.lower(): p for p in (
    "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
    "receivedDateTime", "sentDateTime", "hasAttachments", "internetMessageId", "subject",
    "bodyPreview", "importance", "parentFolderId", "conversationId", "isDeliveryReceiptRequested",
    "isReadReceiptRequested", "isRead", "isDraft", "webLink", "inferenceClassification", "body",
    "sender", "from", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "flag",
    "internetMessageHeaders")}
# Returned only when $select names them, as in Graph.
_ON_SELECT_ONLY = ("internetMessageHeaders",)
# The extended properties the sandbox holds: PR_MESSAGE_CLASS (MAPI tag 0x001A, a string).
_MESSAGE_CLASS_TAG = 0x001A
_EXPAND = re.compile(
    r"^\s*singleValueExtendedProperties\s*\(\s*\$filter\s*=\s*(?P<filter>.+)\)\s*$",
    re.IGNORECASE | re.DOTALL)
_PROPERTY_ID = re.compile(r"^\s*(?P<type>\w+)\s+0x(?P<tag>[0-9a-f]{1,4})\s*$", re.IGNORECASE)
_FILTERABLE = {p.lower(): p for p in (
    "id", "internetMessageId", "subject", "isRead", "isDraft", "receivedDateTime",
    "sentDateTime", "hasAttachments", "conversationId", "parentFolderId", "importance",
    "from/emailAddress/address", "sender/emailAddress/address")}
_FOLDER_PROPS = {p.lower(): p for p in (
    "id", "displayName", "parentFolderId", "childFolderCount", "unreadItemCount",
    "totalItemCount", "isHidden")}


def _address(r: Recipient) -> dict[str, Any]:
    return {"emailAddress": {"name": r.name, "address": r.address}}


def _rfc2822(value: str | None) -> str:
    moment = dt.datetime.fromisoformat((value or "1970-01-01T00:00:00Z").replace("Z", "+00:00"))
    return email.utils.format_datetime(moment.astimezone(dt.UTC))


def internet_headers(m: StoredMessage) -> list[dict[str, str]]:
    """The message's internet headers as Graph lists them (name/value pairs); a draft has
    none, as it has not been through transport."""
    if m.is_draft:
        return []

    def people(rs: tuple[Recipient, ...]) -> str:
        return ", ".join(email.utils.formataddr((r.name, r.address)) for r in rs)

    pairs = [("From", people((m.sender,))), ("To", people(m.to))]
    if m.cc:
        pairs.append(("Cc", people(m.cc)))
    pairs += [("Subject", m.subject), ("Date", _rfc2822(m.sent or m.created)),
              ("Message-ID", m.internet_message_id), *m.headers,
              ("Content-Type", f"text/{'html' if m.body_type == 'html' else 'plain'}; "
                               'charset="utf-8"'), ("MIME-Version", "1.0")]
    return [{"name": name, "value": value} for name, value in pairs]


def message_json(m: StoredMessage, *, as_text: bool = False) -> dict[str, Any]:
    body_type, content = m.body_type, m.body
    if as_text and body_type == "html":
        body_type, content = "text", html_to_text(content)
    digest = hashlib.sha256(f"{m.id}|{m.modified}".encode()).digest()[:12]
    change_key = "CQAAABYAAAA" + base64.b64encode(digest).decode()
    return {
        "@odata.etag": f'W/"{change_key}"', "id": m.id,
        "createdDateTime": m.created, "lastModifiedDateTime": m.modified, "changeKey": change_key,
        "categories": [], "receivedDateTime": m.received, "sentDateTime": m.sent,
        "hasAttachments": m.has_attachments, "internetMessageId": m.internet_message_id,
        "subject": m.subject, "bodyPreview": preview(m.body, m.body_type), "importance": "normal",
        "parentFolderId": folder_id(m.mailbox, m.folder), "conversationId": m.conversation_id,
        "isDeliveryReceiptRequested": False, "isReadReceiptRequested": False,
        "isRead": m.is_read, "isDraft": m.is_draft,
        "webLink": f"https://outlook.office365.com/owa/?ItemID={m.id}&exvsurl=1"
                   "&viewmodel=ReadMessageItem",
        "inferenceClassification": "focused",
        "body": {"contentType": body_type, "content": content},
        "sender": _address(m.sender), "from": _address(m.sender),
        "toRecipients": [_address(r) for r in m.to], "ccRecipients": [_address(r) for r in m.cc],
        "bccRecipients": [_address(r) for r in m.bcc], "replyTo": [],
        "flag": {"flagStatus": "notFlagged"}, "internetMessageHeaders": internet_headers(m),
    }


def _expanded_ids(call: Call) -> frozenset[int] | None:
    """The MAPI property tags a ``$expand=singleValueExtendedProperties($filter=...)`` asks
    for (ids of the form ``'String 0x001A'``, joined by ``or``); None without ``$expand``."""
    raw = call.req.query.get("$expand")
    if raw is None or not raw.strip():
        return None
    found = _EXPAND.match(raw)
    if found is None:
        name = re.split(r"[(/,\s]", raw.strip(), maxsplit=1)[0]
        if name.lower() == "singlevalueextendedproperties":
            raise GraphError(400, "BadRequest",
                             "The $expand of singleValueExtendedProperties needs a $filter "
                             "on id.")
        raise GraphError(400, "RequestBroker--ParseUri",
                         f"Could not find a property named '{name}' on type "
                         "'microsoft.graph.message'.")
    try:
        tree = odata.parse_filter(found["filter"].strip())
    except odata.FilterSyntaxError as exc:
        raise GraphError(400, "BadRequest", f"Invalid filter clause: {exc}") from None
    tags: set[int] = set()
    for clause in (tree[1] if tree[0] == "or" else [tree]):
        ok = (clause[0] == "cmp" and str(clause[1]).lower() == "id" and clause[2] == "eq"
              and isinstance(clause[3], str))
        parsed = _PROPERTY_ID.match(clause[3]) if ok else None
        if parsed is None:
            raise GraphError(400, "BadRequest", "Invalid filter clause: filter extended "
                                                "properties by id eq '<type> 0x<tag>'.")
        tags.add(int(parsed["tag"], 16))
    return frozenset(tags)


def _with_extended(record: dict[str, Any], m: StoredMessage,
                   tags: frozenset[int] | None) -> dict[str, Any]:
    if tags is None:
        return record
    values = [{"id": f"String {hex(_MESSAGE_CLASS_TAG)}", "value": m.message_class}] \
        if _MESSAGE_CLASS_TAG in tags else []
    # Graph leaves the collection out when no requested property is set on the item.
    return {**record, "singleValueExtendedProperties": values} if values else record


def _shaped(record: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    picked = odata.pick(record, select, always=("id", "singleValueExtendedProperties"))
    if select is None:
        picked = {k: v for k, v in picked.items() if k not in _ON_SELECT_ONLY}
    return picked


def wants_text(call: Call) -> bool:
    prefer = call.req.headers.get("prefer", "")
    return re.search(r'outlook\.body-content-type\s*=\s*"?text"?', prefer, re.I) is not None


def _render(call: Call, m: StoredMessage, select: list[str] | None) -> dict[str, Any]:
    return _shaped(_with_extended(message_json(m, as_text=wants_text(call)), m,
                                  _expanded_ids(call)), select)


def respond(call: Call, body: dict[str, Any], status: int = 200) -> GraphResponse:
    response = GraphResponse.json(body, status)
    if wants_text(call):
        response.headers["Preference-Applied"] = 'outlook.body-content-type="text"'
    return response


def not_found() -> GraphError:
    return GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def malformed() -> GraphError:
    return GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")


def folder_of(call: Call) -> str | None:
    """The well-known name of the ``{folder}`` in the path (None when the route has none)."""
    key = call.params.get("folder")
    if key is None:
        return None
    assert call.owner is not None
    if key.lower() in WELL_KNOWN_FOLDERS:
        return key.lower()
    for name in WELL_KNOWN_FOLDERS:
        if folder_id(call.owner.mail, name) == key:
            return name
    raise not_found() if _REST_ID.match(key) and len(key) > 20 else malformed()


def message_of(call: Call) -> StoredMessage:
    assert call.owner is not None
    message_id = call.params["id"]
    if not _REST_ID.match(message_id):
        raise malformed()
    folder = folder_of(call)
    try:
        message = call.state.mail.message(call.owner.mail, message_id, call.now)
    except MessageNotFound:
        raise not_found() from None
    if folder is not None and message.folder != folder:
        raise not_found()
    return message


def _select(call: Call) -> list[str] | None:
    def unknown(name: str) -> GraphError:
        return GraphError(400, "RequestBroker--ParseUri",
                          f"Could not find a property named '{name}' on type "
                          "'microsoft.graph.message'.")

    return odata.parse_select(call.req.query.get("$select"), _MESSAGE_PROPS, unknown)


def _getter(record: dict[str, Any]):
    def get(prop: str) -> Any:
        value: Any = record
        for part in _FILTERABLE[prop.lower()].split("/"):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return get


def list_messages(call: Call) -> GraphResponse:
    assert call.owner is not None
    folder = folder_of(call)
    select = _select(call)
    tree = None
    if "$filter" in call.req.query:
        try:
            tree = odata.parse_filter(call.req.query["$filter"])
        except odata.FilterSyntaxError as exc:
            raise GraphError(400, "BadRequest", f"Invalid filter clause: {exc}") from None
        for prop in odata.filter_properties(tree):
            if prop.lower() not in _FILTERABLE:
                raise GraphError(400, "BadRequest", f"Could not find a property named '{prop}' "
                                                    "on type 'microsoft.graph.message'.")
    tags = _expanded_ids(call)
    stored = call.state.mail.messages(call.owner.mail, folder, call.now)
    records = [_with_extended(message_json(m, as_text=wants_text(call)), m, tags)
               for m in stored]
    if tree is not None:
        records = [r for r in records if odata.matches(tree, _getter(r))]
    records = _order(records, call.req.query.get("$orderby"))
    top = odata.parse_top(call.req.query.get("$top"), PAGE_DEFAULT, PAGE_MAX, strict=False)
    try:
        skip = int(call.req.query.get("$skip", "0"))
    except ValueError:
        raise GraphError.bad_request("Invalid value for $skip.") from None
    base = "messages" if folder is None else f"mailFolders('{call.params['folder']}')/messages"
    body: dict[str, Any] = {"@odata.context": call.owner_context(base)}
    if skip + top < len(records):
        body["@odata.nextLink"] = odata.next_link(call.req.own_url(),
                                                  call.req.query, **{"$skip": str(skip + top)})
    body["value"] = [_shaped(r, select) for r in records[skip:skip + top]]
    return respond(call, body)


def _order(records: list[dict[str, Any]], raw: str | None) -> list[dict[str, Any]]:
    if not raw:
        return records  # the store already lists newest first, Graph's default
    name, _, direction = raw.strip().partition(" ")
    prop = _MESSAGE_PROPS.get(name.lower())
    if prop is None or direction.strip().lower() not in ("", "asc", "desc"):
        raise GraphError(400, "BadRequest", f"Could not find a property named '{name}' on type "
                                            "'microsoft.graph.message'.")
    return sorted(records, key=lambda r: str(r.get(prop) or ""),
                  reverse=direction.strip().lower() == "desc")


def get_message(call: Call) -> GraphResponse:
    record = _render(call, message_of(call), _select(call))
    return respond(call, {"@odata.context": call.owner_context("messages/$entity"), **record})


def translate_ids(call: Call) -> GraphResponse:
    """Translate ids between ``ewsId`` and ``restId``.

    Like Graph, translation only re-encodes an id: a well-formed id of an unknown item still
    translates (and then 404s when used); an id that is not valid in the source format gets an
    ``errorDetails`` entry (ErrorInvalidIdMalformed) and no ``targetId``.
    """
    body = call.req.body if isinstance(call.req.body, dict) else {}
    ids, source, target = body.get("inputIds"), body.get("sourceIdType"), body.get("targetIdType")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise GraphError.bad_request("inputIds must be a non-empty collection of strings.",
                                     "ErrorInvalidArgument")
    if len(ids) > MAX_TRANSLATE:
        raise GraphError.bad_request(f"inputIds can have at most {MAX_TRANSLATE} ids.",
                                     "ErrorInvalidArgument")
    formats = {"ewsId": (_EWS_ID, rest_id), "restId": (_REST_ID, ews_id)}
    if source not in formats or target not in formats:
        raise GraphError.bad_request("The sandbox translates between ewsId and restId only.",
                                     "ErrorInvalidArgument")
    pattern, convert = formats[source]
    value = []
    for item in ids:
        if not pattern.match(item):
            value.append({"sourceId": item, "errorDetails": {
                "code": "ErrorInvalidIdMalformed", "message": "Id is malformed."}})
        else:
            value.append({"sourceId": item, "targetId": item if source == target else
                          convert(item)})
    return GraphResponse.json({"@odata.context": call.context(
        "Collection(microsoft.graph.convertIdResult)"), "value": value})


def _folder_json(call: Call, name: str) -> dict[str, Any]:
    assert call.owner is not None
    messages = call.state.mail.messages(call.owner.mail, name, call.now)
    return {"id": folder_id(call.owner.mail, name), "displayName": WELL_KNOWN_FOLDERS[name],
            "parentFolderId": folder_id(call.owner.mail, "msgfolderroot"),
            "childFolderCount": 0, "unreadItemCount": sum(not m.is_read for m in messages),
            "totalItemCount": len(messages), "isHidden": False}


def _folder_select(call: Call) -> list[str] | None:
    return odata.parse_select(call.req.query.get("$select"), _FOLDER_PROPS, lambda name: GraphError(
        400, "RequestBroker--ParseUri",
        f"Could not find a property named '{name}' on type 'microsoft.graph.mailFolder'."))


def get_folder(call: Call) -> GraphResponse:
    name = folder_of(call)
    assert name is not None
    record = odata.pick(_folder_json(call, name), _folder_select(call), always=("id",))
    return GraphResponse.json({"@odata.context": call.owner_context("mailFolders/$entity"),
                               **record})


def register(router: Router) -> None:
    """Add the mail reading routes below /me and /users/{id}."""
    def add(method: str, path: str, handler: Handler, permissions: frozenset[str]) -> None:
        router.add(method, path, handler, scoped=True, family="mail", permissions=permissions)

    add("GET", "messages", list_messages, MAIL_READ)
    add("GET", "mailFolders/{folder}", get_folder, MAIL_READ)
    add("GET", "mailFolders/{folder}/messages", list_messages, MAIL_READ)
    add("POST", "translateExchangeIds", translate_ids, TRANSLATE)
    for item in MESSAGE_ITEM_PATHS:
        add("GET", item, get_message, MAIL_READ)
