"""Actions that change mail: recall a sent message, reply-all with a correction (and the one
read a correction needs before it is sent: what a draft, or the original, holds).

None of these is idempotent: the client retries them only on 429/503 (Graph did not process
the request) and raises ``GraphOutcomeUnknown`` when an answer never came, so that a message is
never sent or recalled twice. The services write the audit row before calling them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .client import GraphClient, path_segment
from .mail import EmailAddress, mailbox_root, recipients_json


@dataclass(frozen=True)
class MessageBody:
    """A message body: HTML (the default) or plain text."""

    content: str
    content_type: str = "html"

    def as_json(self) -> dict[str, str]:
        """Graph's itemBody."""
        kind = "text" if self.content_type.lower() == "text" else "html"
        return {"contentType": kind, "content": self.content}


@dataclass(frozen=True)
class MessageContent:
    """What a message carries: its body as Graph stores it, and whether it has attachments."""

    body: str
    content_type: str
    has_attachments: bool


def get_content(client: GraphClient, message_id: str, *, user: str | None = None
                ) -> MessageContent:
    """A message's body (HTML as stored: no ``Prefer`` header) and ``hasAttachments``.

    A correction reads its draft back with this before ``send``, and the original it corrects,
    so that the two are compared in the same form.
    """
    with client.stage("get_content"):
        found = client.get(f"{mailbox_root(user)}/messages/{path_segment(message_id)}",
                           params={"$select": "body,hasAttachments"})
    found = found if isinstance(found, dict) else {}
    body = found.get("body") if isinstance(found.get("body"), dict) else {}
    return MessageContent(body=str(body.get("content") or ""),
                          content_type=str(body.get("contentType") or "text").lower(),
                          has_attachments=bool(found.get("hasAttachments")))


def recall_message(client: GraphClient, message_id: str, *, user: str | None = None) -> None:
    """Ask Exchange to recall a message of Sent Items (beta; 202 Accepted, no status API).

    Outcomes arrive later as a recall report in the sender's Inbox.
    """
    with client.stage("recall"):
        client.post(f"{mailbox_root(user)}/mailFolders/sentitems/messages/"
                    f"{path_segment(message_id)}/recall", version="beta")


def _message_json(*, body: MessageBody | None = None,
                  to: Sequence[EmailAddress] | None = None,
                  cc: Sequence[EmailAddress] | None = None,
                  bcc: Sequence[EmailAddress] | None = None,
                  subject: str | None = None) -> dict[str, Any]:
    # Only the fields given are sent: an absent field keeps the draft's own value.
    message: dict[str, Any] = {}
    if subject is not None:
        message["subject"] = subject
    if body is not None:
        message["body"] = body.as_json()
    for name, addresses in (("toRecipients", to), ("ccRecipients", cc), ("bccRecipients", bcc)):
        if addresses is not None:
            message[name] = recipients_json(addresses)
    return message


def _reply_payload(comment: str | None, body: MessageBody | None, **recipients: Any) -> dict:
    if comment is not None and body is not None:
        # Graph answers 400 when both are given (createReplyAll / replyAll docs).
        raise ValueError("give a comment or a body, not both")
    payload: dict[str, Any] = {}
    if comment is not None:
        payload["comment"] = comment
    message = _message_json(body=body, **recipients)
    if message:
        payload["message"] = message
    return payload


def create_reply_all_draft(client: GraphClient, message_id: str, *, comment: str | None = None,
                           body: MessageBody | None = None, user: str | None = None) -> str:
    """Create a reply-all draft in the same conversation (201); return the draft's id."""
    with client.stage("create_reply_draft"):
        created = client.post(
            f"{mailbox_root(user)}/messages/{path_segment(message_id)}/createReplyAll",
            _reply_payload(comment, body))
    return str((created or {}).get("id") or "")


def update_draft(client: GraphClient, draft_id: str, *,
                 to: Sequence[EmailAddress] | None = None,
                 cc: Sequence[EmailAddress] | None = None,
                 bcc: Sequence[EmailAddress] | None = None,
                 body: MessageBody | None = None, subject: str | None = None,
                 user: str | None = None) -> None:
    """Set a draft's recipients, subject and/or body (fields left as None are not touched)."""
    with client.stage("update_draft"):
        # Setting the same fields twice changes nothing more: safe to retry after a time-out.
        client.patch(f"{mailbox_root(user)}/messages/{path_segment(draft_id)}",
                     _message_json(body=body, to=to, cc=cc, bcc=bcc, subject=subject),
                     idempotent=True)


def send_draft(client: GraphClient, draft_id: str, *, user: str | None = None) -> None:
    """Send a draft (202 Accepted)."""
    with client.stage("send"):
        client.post(f"{mailbox_root(user)}/messages/{path_segment(draft_id)}/send")


def delete_draft(client: GraphClient, draft_id: str, *, user: str | None = None) -> None:
    """Delete a draft that will not be sent (e.g. after a failed update)."""
    with client.stage("delete_draft"):
        client.request("DELETE", f"{mailbox_root(user)}/messages/{path_segment(draft_id)}")


def reply_all(client: GraphClient, message_id: str, *, comment: str | None = None,
              body: MessageBody | None = None, to: Sequence[EmailAddress] | None = None,
              cc: Sequence[EmailAddress] | None = None,
              bcc: Sequence[EmailAddress] | None = None, user: str | None = None) -> None:
    """Reply to all in one call (202): create and send, optionally with other recipients."""
    with client.stage("reply_all"):
        client.post(f"{mailbox_root(user)}/messages/{path_segment(message_id)}/replyAll",
                    _reply_payload(comment, body, to=to, cc=cc, bcc=bcc))
