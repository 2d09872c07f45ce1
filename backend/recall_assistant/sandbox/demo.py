"""What the demo page's pickers list: the users who can sign in, and their messages.

Sandbox only, like everything under ``/sandbox``: ``GET /sandbox/demo/mailboxes`` →
``{"users": [{"mail", "displayName", "messages": [{"id", "ewsId", "subject", "folder",
"sentDateTime", "from": {"address", "name"}, "to": [addresses], "body": text, "seeded"}]}],
"start": {"user", "message"}}``, messages in Sent Items first, newest first; ``start`` is
the message the demo opens on (the fixture's ``demoStart``, else the first user's first seeded
sent message), the same however much was sent since. ``POST /sandbox/demo/reset`` puts every
mailbox back as the fixture seeds it and empties the demo's database with it. The body lets a
person read what actually landed in each mailbox (a correction, a recall report) in the demo's
reading pane. It reads the sandbox's state directly (no token, no latency, no injected
faults), so the demo's pickers work even while a test makes Graph fail.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .html_text import html_to_text
from .mailstore import StoredMessage, ews_id
from .state import Sandbox, sandbox

demo = Blueprint("sandbox_demo", __name__)


@demo.get("/demo/mailboxes")
def mailboxes() -> Response:
    sb = sandbox()
    now = sb.clock()
    users = []
    seeded = {m.id for m in sb.tenant.messages}
    for user in sb.tenant.users:
        if user.mailbox_type != "user":
            continue  # a shared mailbox's account cannot sign in
        found = sb.mail.messages(user.mail, None, now)
        found.sort(key=lambda m: m.folder != "sentitems")  # stable: newest first within
        users.append({"mail": user.mail, "displayName": user.display_name,
                      "messages": [_message(m, m.id in seeded) for m in found]})
    response = jsonify(users=users, start=_start(sb))
    response.headers["Cache-Control"] = "no-store"
    return response


@demo.post("/demo/reset")
def reset() -> tuple[Response, int]:
    # A page elsewhere must not wipe someone's demo: same origin, and a JSON body (which a
    # cross-site form cannot send without a preflight).
    origin = request.headers.get("Origin")
    if (origin and origin.rstrip("/") != request.host_url.rstrip("/")) or not request.is_json:
        return jsonify(error={"code": "forbidden",
                              "message": "Reset the sandbox from the demo page."}), 403
    sandbox().reset()
    return jsonify(reset=True), 200


def _start(sb: Sandbox) -> dict:
    tenant = sb.tenant
    wanted = tenant.demo_start
    seeded = [m for m in tenant.messages if m.folder == "sentitems"]
    first = next((m for m in seeded if m.id == wanted), seeded[0] if seeded else None)
    return {"user": first.owner, "message": first.id} if first else {"user": None, "message": None}


def _message(m: StoredMessage, seeded: bool) -> dict:
    return {"id": m.id, "ewsId": ews_id(m.id), "subject": m.subject, "folder": m.folder,
            "seeded": seeded, "internetMessageId": m.internet_message_id,
            "sentDateTime": m.sent,
            "from": {"address": m.sender.address, "name": m.sender.name},
            "to": [r.address for r in (*m.to, *m.cc, *m.bcc)],
            "body": html_to_text(m.body) if m.body_type == "html" else m.body}
