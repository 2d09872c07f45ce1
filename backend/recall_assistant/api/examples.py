"""One example request and answer per route, shown in ``/docs`` and ``/openapi.json``.

Written against the sandbox tenant that ``make demo`` serves (Adele Vance's Sent Items), and
held to it: a test sends every request here to the sandbox and checks that the status is the
one given and that the answer has the keys shown (lists are cut to their first items), and
that each answer here fits the route's documented schema. Ids and times are those of one run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

PRICING = "AAMkAGRlbW8-sent02_pricing"
FORECAST = "AAMkAGRlbW8-sent01_forecast"
ADELE_OID = "1a2b3c4d-0000-0000-0000-000000000001"
TENANT = "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60"
IMID = "<DM6PR11MB4001.0001@DM6PR11MB4001.namprd11.prod.outlook.com>"
RECALL_ID = "228d5c70-bfed-461f-9cba-04bc701e6ddd"
IDEMPOTENCY_KEY = "0b7e6c3a-5d2f-4f8e-9a61-3c1d2e4f5a6b"


@dataclass(frozen=True)
class Example:
    """``path`` with its query; ``body`` for a POST; ``caller``: who signs in (None, "user"
    or "admin")."""

    method: str
    path: str
    status: int
    response: Any
    body: Any = None
    caller: str | None = "user"
    headers: dict[str, str] = field(default_factory=dict)


_RECIPIENT = {"address": "jordan.miller@gmail.com", "name": "Jordan Miller"}
_PREVIEW_BODY = ("Please disregard my message “Pricing for the Fabrikam renewal” (sent Thursday "
                 "3 December 2026, 11:30 UTC). It was sent by mistake.")
_RECALL_STATUS = {
    "id": RECALL_ID, "status": "submitted", "messageId": FORECAST, "internetMessageId": IMID,
    "requestedAt": "2026-12-03T11:57:43Z", "lastCheckedAt": "2026-12-03T11:57:44Z",
    "reportReceived": False, "settled": False, "waitUntil": "2026-12-04T11:57:43Z",
    "summary": {"succeeded": 0, "failed": 0, "pending": 2, "noReport": 0},
    "notReached": 0, "retryable": 0,
    "recipients": [{"address": "alex@contoso.com", "name": "Alex Wilber", "status": "pending",
                    "reason": None, "source": None, "mayNeverConfirm": False,
                    "retryable": False}],
    "correction": None, "error": None, "statusMessage": None,
}
_CORRECTION = {"messageId": PRICING, "templateId": "please-disregard", "fields": {},
               "audience": "unrecallable"}

EXAMPLES: dict[str, Example] = {
    "health.healthz": Example("GET", "/healthz", 200, {"status": "ok"}, caller=None),
    "health.readyz": Example("GET", "/readyz", 200, {
        "status": "ready", "checks": {"database": "ok", "authority": "ok"}}, caller=None),
    "config.get_config": Example("GET", "/api/config", 200, {
        "clientId": "3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c",
        "apiScope": "api://localhost:3000/3f6a9c2e-8b1d-4e7f-a2c5-6d9e0f1a2b3c/access_as_user",
        "authority": f"https://localhost:3000/sandbox/identity/{TENANT}"}, caller=None),
    "me.get_me": Example("GET", "/api/me", 200, {
        "oid": ADELE_OID, "tid": TENANT, "address": "adele@contoso.com", "name": "Adele Vance",
        "isAdmin": False}),
    "me.get_profile": Example("GET", "/api/me/profile", 200, {
        "id": ADELE_OID, "displayName": "Adele Vance", "mail": "adele@contoso.com",
        "businessPhones": ["+1 425 555 0100"]}),
    "policy.get_policy": Example("GET", "/api/policy", 200, {
        "keywords": ["confidential", "password"],
        "patterns": [{"name": "IBAN", "check": "iban", "ignoreCase": False,
                      "pattern": "\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}"
                                 "(?: ?[A-Z0-9]{1,4})?\\b"}],
        "attachmentWords": ["attached", "attachment"],
        "internalDomains": ["contoso.com", "contoso.onmicrosoft.com"],
        "warnExternal": True, "maxRecipients": 25, "holdMinutes": 0, "holdFor": "external"}),
    "eligibility.check_eligibility": Example("POST", "/api/eligibility", 200, body={
        "itemId": PRICING}, response={
        "message": {"id": PRICING, "subject": "Pricing for the Fabrikam renewal",
                    "sentDateTime": "2026-12-03T11:30:16Z",
                    "internetMessageId": "<DM6PR11MB4002.0002@DM6PR11MB4002.namprd11.prod"
                                         ".outlook.com>"},
        "summary": {"verdict": "partly_recallable", "recallable": 1, "total": 3,
                    "headline": "Of 3 recipients, 1 will probably keep this message and for 1 "
                                "we cannot tell; recall will probably delete the other copy.",
                    "unchecked": 0,
                    "notes": [{"code": "forwards_not_followed", "params": {},
                               "text": "Recall does not follow forwards: a forwarded copy is a "
                                       "new message that recall cannot reach."}]},
        "recipients": [{
            "address": "jordan.miller@gmail.com", "name": "Jordan Miller", "field": "to",
            "kind": "external", "verdict": "impossible",
            "reasons": [{"code": "consumer_mail", "params": {"domain": "gmail.com"},
                         "text": "gmail.com is outside Microsoft 365: recall cannot reach it. "
                                 "Send a correction instead."}],
            "suggestion": "correction", "via": None, "viaPath": [], "counted": True,
            "contact": {"displayName": None, "businessPhone": None}, "members": None}],
        "checkedWith": "delegated"}),
    "corrections.list_templates": Example("GET", "/api/templates", 200, {"templates": [{
        "id": "please-disregard", "title": "Please disregard",
        "description": "The message was sent by mistake; ask everyone to ignore it.",
        "subject": "Please disregard: {{ original_subject }}", "origin": "builtin",
        "fields": [{"name": "note", "label": "Anything to add (optional)", "required": False,
                    "maxLength": 1000, "multiline": True}]}]}),
    "corrections.preview": Example("POST", "/api/corrections/preview", 200, body=_CORRECTION,
                                   response={
        "subject": "Please disregard: Pricing for the Fabrikam renewal",
        "html": f"<p>Hello,</p>\n<p>{_PREVIEW_BODY}</p>\n\n<p>Thank you,<br>Adele Vance</p>",
        "text": f"Hello,\n\n{_PREVIEW_BODY}\n\nThank you,\nAdele Vance",
        "recipients": {"to": [_RECIPIENT], "cc": [], "bcc": []}}),
    "corrections.send": Example("POST", "/api/corrections", 201, body=_CORRECTION,
                                headers={"Idempotency-Key": IDEMPOTENCY_KEY}, response={
        "id": "15690234-e943-4b17-959f-8be5d5610db7", "status": "sent",
        "recipients": {"to": [_RECIPIENT], "cc": [], "bcc": []}}),
    "recalls.request_recall": Example("POST", "/api/recalls", 202, body={"messageId": FORECAST},
                                      headers={"Idempotency-Key": IDEMPOTENCY_KEY}, response={
        "id": RECALL_ID, "status": "submitted", "messageId": FORECAST}),
    "recalls.recall_status": Example("GET", f"/api/recalls/{RECALL_ID}", 200, _RECALL_STATUS),
    "recalls.recalls_for_message": Example("GET", f"/api/recalls?messageId={FORECAST}", 200,
                                           {"recalls": [_RECALL_STATUS]}),
    "audit.list_events": Example("GET", "/api/audit?limit=1", 200, caller="admin", response={
        "events": [{"id": 4, "occurredAt": "2026-12-03T11:57:43.324712Z",
                    "event": "recall.submitted", "result": "ok", "actorOid": ADELE_OID,
                    "actorTid": TENANT, "actorAddress": "adele@contoso.com",
                    "internetMessageId": IMID, "subject": None, "actionId": RECALL_ID,
                    "requestId": "adde51e0bf85424fb5c65024d57eab57", "details": None}],
        "next": "https://localhost:3000/api/audit?format=json&limit=1&cursor=.eJwNyrsNwCAMA.1Wg5P"}),
}

SANDBOX_SIGN_IN = """\
* A token in the sandbox (`make demo`): `curl -k
  "https://localhost:3000/sandbox/token?user=adele@contoso.com"` answers
  `{"access_token", "token_type", "expires_in"}`; add `&roles=RecallAssistant.Admin` for
  `/api/audit`. Then `TOKEN=<access_token>` makes each example below work as written. In a
  real tenant the add-in gets its token from Office by single sign-on; `/sandbox` is not there.
"""


def curl(example: Example, base: str = "https://localhost:3000") -> str:
    """The example as a curl command a newcomer can paste (with ``$TOKEN`` for the token)."""
    parts = ["curl -k"]
    if example.method != "GET":
        parts.append(f"-X {example.method}")
    if example.caller:
        parts.append('-H "Authorization: Bearer $TOKEN"')
    for name, value in example.headers.items():
        parts.append(f'-H "{name}: {value}"')
    if example.body is not None:
        parts.append("-H 'Content-Type: application/json'")
        parts.append(f"-d '{json.dumps(example.body, ensure_ascii=False)}'")
    parts.append(f'"{base}{example.path}"')
    return " ".join(parts)
