"""Graph's Outlook mail resources in the sandbox, changing side: update, delete, reply-all,
send and (beta) recall. Sending needs Mail.Send; the others Mail.ReadWrite.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Any

from .fixture import Recipient
from .graph_http import GraphError, GraphResponse
from .graph_mail import (
    MESSAGE_ITEM_PATHS,
    folder_of,
    malformed,
    message_json,
    message_of,
    not_found,
    respond,
    wants_text,
)
from .graph_router import Call, Handler, Router
from .mailstore import MailError, MessageNotFound, StoredMessage

MAIL_WRITE = frozenset({"Mail.ReadWrite"})
MAIL_SEND = frozenset({"Mail.Send"})
_PATCHABLE = {"subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "isRead",
              "importance", "categories"}


def _recipients(value: Any) -> tuple[Recipient, ...]:
    if not isinstance(value, list):
        raise GraphError(400, "ErrorInvalidRecipients", "Recipients must be a collection.")
    result = []
    for entry in value:
        inner = entry.get("emailAddress") if isinstance(entry, dict) else None
        address = str((inner or {}).get("address") or "").strip().lower()
        if "@" not in address:
            raise GraphError(400, "ErrorInvalidRecipients",
                             f"At least one recipient is not valid., Recipient '{address}' is "
                             "not resolved. All recipients must be resolved before a message "
                             "can be submitted.")
        result.append(Recipient(address, str((inner or {}).get("name") or address)))
    return tuple(result)


def _body_html(value: Any) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
        raise GraphError.bad_request("The body must be an itemBody object.")
    content = value.get("content", "")
    if str(value.get("contentType", "text")).lower() == "html":
        return content
    return "<div>" + escape(content).replace("\n", "<br>") + "</div>"


def _changes(fields: Any) -> dict[str, object]:
    """StoredMessage changes from a Graph message object (PATCH or the ``message`` parameter)."""
    if not isinstance(fields, dict):
        raise GraphError.bad_request("The request body must be a JSON object.")
    changes: dict[str, object] = {}
    for key, value in fields.items():
        if key.startswith("@odata."):
            continue
        if key not in _PATCHABLE:
            raise GraphError.bad_request(
                f"The property '{key}' does not exist on type 'microsoft.graph.message'. Make "
                "sure to only use property names that are defined by the type or mark the type "
                "as open type.")
        if key in ("toRecipients", "ccRecipients", "bccRecipients"):
            changes[{"toRecipients": "to", "ccRecipients": "cc",
                     "bccRecipients": "bcc"}[key]] = _recipients(value)
        elif key == "subject":
            changes["subject"] = str(value or "")
        elif key == "body":
            changes["body"], changes["body_type"] = _body_html(value), "html"
        elif key == "isRead":
            changes["is_read"] = bool(value)
    return changes


def _mail_call(call: Call, action):
    assert call.owner is not None
    try:
        return action(call.owner.mail)
    except MessageNotFound:
        raise not_found() from None
    except MailError as error:
        raise GraphError(400, error.code, error.message) from None


def patch_message(call: Call) -> GraphResponse:
    message = message_of(call)
    changes = _changes(call.req.body or {})
    updated = _mail_call(call, lambda box: call.state.mail.update(box, message.id, changes,
                                                                   call.now))
    return respond(call, {"@odata.context": call.owner_context("messages/$entity"),
                          **message_json(updated, as_text=wants_text(call))})


def delete_message(call: Call) -> GraphResponse:
    message = message_of(call)
    _mail_call(call, lambda box: call.state.mail.delete(box, message.id, call.now))
    return GraphResponse(204)


def _reply(call: Call, send: bool) -> StoredMessage:
    """createReplyAll (a draft) or replyAll (sent at once) with Graph's request body."""
    original = message_of(call)
    payload = call.req.body if call.req.body is not None else {}
    if not isinstance(payload, dict) or set(payload) - {"comment", "message"}:
        raise GraphError.bad_request("The request body may only have 'comment' and 'message'.")
    changes = _changes(payload.get("message") or {})
    if "comment" in payload and "body" in changes:
        # Graph: give a comment or message.body, not both (message-createreplyall docs).
        raise GraphError(400, "ErrorInvalidRequest",
                         "Specify either a comment or the body property of the message "
                         "parameter, not both.")
    body = changes.pop("body", None)
    if body is None:
        comment = str(payload.get("comment") or "")
        body = "<div>" + escape(comment).replace("\n", "<br>") + "</div>" if comment else ""
    changes.pop("body_type", None)
    action = call.state.mail.reply_all if send else call.state.mail.create_reply_all
    return _mail_call(call, lambda box: action(box, original.id, body_html=str(body),
                                               changes=changes, now=call.now))


def create_reply_all(call: Call) -> GraphResponse:
    draft = _reply(call, send=False)
    return respond(call, {"@odata.context": call.owner_context("messages/$entity"),
                          **message_json(draft, as_text=wants_text(call))}, 201)


def reply_all(call: Call) -> GraphResponse:
    _reply(call, send=True)
    return GraphResponse(202)


def send_message(call: Call) -> GraphResponse:
    message = message_of(call)
    _mail_call(call, lambda box: call.state.mail.send(box, message.id, call.now))
    return GraphResponse(202)


def recall_message(call: Call) -> GraphResponse:
    """Beta: recall a message of Sent Items (202 with an opaque string; 400 for a bad id)."""
    try:
        if folder_of(call) != "sentitems":
            raise malformed()
        message = message_of(call)
    except GraphError:
        raise GraphError(400, "ErrorInvalidRequest", "The specified message id is invalid or "
                                                     "the message is not in Sent Items.") from None
    state = call.state
    _mail_call(call, lambda box: state.mail.recall(
        box, message.id, state.tenant.policy, now=call.now,
        report_delay_s=state.options.report_delay_s))
    hub = f"SANDBOX{secrets.randbelow(9000) + 1000}.PROD.OUTLOOK.COM"
    text = (f"Successfully submitted recall request to Hub server {hub}, MessageId is "
            f"{secrets.token_hex(6).upper()}.{secrets.token_hex(6).upper()}@sandbox.")
    # The docs show Content-Type application/json with a bare text: sent as a JSON string.
    return GraphResponse.json(text, 202)


def register(router: Router) -> None:
    """Add the mail-changing routes below /me and /users/{id}."""
    def add(method: str, path: str, handler: Handler, permissions: frozenset[str],
            **extra: Any) -> None:
        router.add(method, path, handler, scoped=True, family="mail", permissions=permissions,
                   **extra)

    for item in MESSAGE_ITEM_PATHS:
        add("PATCH", item, patch_message, MAIL_WRITE)
        add("DELETE", item, delete_message, MAIL_WRITE)
        add("POST", f"{item}/createReplyAll", create_reply_all, MAIL_WRITE)
        add("POST", f"{item}/replyAll", reply_all, MAIL_SEND)
        add("POST", f"{item}/send", send_message, MAIL_SEND)
    add("POST", "mailFolders/{folder}/messages/{id}/recall", recall_message, MAIL_WRITE,
        versions=frozenset({"beta"}))
