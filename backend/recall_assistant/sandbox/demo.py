"""What the demo page's pickers list: the users who can sign in, and their messages.

Sandbox only, like everything under ``/sandbox``: ``GET /sandbox/demo/mailboxes`` →
``{"users": [{"mail", "displayName", "messages": [{"id", "ewsId", "subject", "folder",
"sentDateTime", "from": {"address", "name"}, "to": [addresses], "body": text}]}]}``, messages
in Sent Items first, newest first. The body lets a person read what actually landed in each
mailbox (a correction, a recall report) in the demo's reading pane. It reads
the sandbox's state directly (no token, no latency, no injected faults), so the demo's pickers
work even while a test makes Graph fail.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from .app import sandbox
from .html_text import html_to_text
from .mailstore import StoredMessage, ews_id

demo = Blueprint("sandbox_demo", __name__)


@demo.get("/demo/mailboxes")
def mailboxes() -> Response:
    sb = sandbox()
    now = sb.clock()
    users = []
    for user in sb.tenant.users:
        if user.mailbox_type != "user":
            continue  # a shared mailbox's account cannot sign in
        found = sb.mail.messages(user.mail, None, now)
        found.sort(key=lambda m: m.folder != "sentitems")  # stable: newest first within
        users.append({"mail": user.mail, "displayName": user.display_name,
                      "messages": [_message(m) for m in found]})
    response = jsonify(users=users)
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(m: StoredMessage) -> dict:
    return {"id": m.id, "ewsId": ews_id(m.id), "subject": m.subject, "folder": m.folder,
            "sentDateTime": m.sent,
            "from": {"address": m.sender.address, "name": m.sender.name},
            "to": [r.address for r in (*m.to, *m.cc, *m.bcc)],
            "body": html_to_text(m.body) if m.body_type == "html" else m.body}
