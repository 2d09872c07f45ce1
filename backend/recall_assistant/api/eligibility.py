"""``POST /api/eligibility``: who would lose this message if it were recalled now."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, jsonify
from marshmallow import Schema, fields, validate

from .. import i18n
from ..services.eligibility import ItemRef
from .context import current_session, language, require_user, said_in
from .runtime import runtime
from .validation import json_body, load

eligibility = Blueprint("eligibility", __name__, url_prefix="/api")


class EligibilityRequest(Schema):
    itemId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))


class ReasonSchema(Schema):
    code = fields.String(required=True)
    text = fields.String(required=True)
    params = fields.Method("_params", metadata={
        "type": "object", "additionalProperties": {"type": "string"}})

    def _params(self, reason) -> dict[str, str]:
        return dict(reason.params)


# The validators below only describe the values (in the OpenAPI document): dump ignores them.
KINDS = ("internal_user", "internal_group", "shared_mailbox", "external", "unresolved")
VERDICTS = ("likely", "unlikely", "impossible", "unknown")
SUGGESTIONS = ("recall", "correction", "contact", "none")
SUMMARY_VERDICTS = ("recallable", "partly_recallable", "not_recallable", "unknown")
_NULLABLE_TEXT = {"type": ["string", "null"]}


def _members(r) -> dict | None:
    if r.member_count is None:
        return None
    return {"count": r.member_count, "nestedGroups": list(r.nested_groups)}


class RecipientSchema(Schema):
    address = fields.String(required=True)
    name = fields.String(required=True)
    field = fields.String(required=True, validate=validate.OneOf(("to", "cc", "bcc")))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    verdict = fields.String(required=True, validate=validate.OneOf(VERDICTS))
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    suggestion = fields.String(required=True, validate=validate.OneOf(SUGGESTIONS))
    via = fields.String(required=True, allow_none=True)
    viaPath = fields.List(fields.String(), attribute="via_path", required=True)
    counted = fields.Boolean(required=True)
    # What the contact fallback needs: the directory's name and phone (None when unknown).
    contact = fields.Function(lambda r: {"displayName": r.display_name,
                                         "businessPhone": r.business_phone},
                              required=True, metadata={
                                  "type": "object", "required": ["displayName", "businessPhone"],
                                  "properties": {"displayName": _NULLABLE_TEXT,
                                                 "businessPhone": _NULLABLE_TEXT},
                                  "additionalProperties": False})
    # A group's own entry: how many people it holds (nested groups included) and the names of
    # the groups inside it; null for a person.
    members = fields.Function(_members, required=True, metadata={
        "type": ["object", "null"], "required": ["count", "nestedGroups"],
        "properties": {"count": {"type": "integer"},
                       "nestedGroups": {"type": "array", "items": {"type": "string"}}},
        "additionalProperties": False})


class SummarySchema(Schema):
    verdict = fields.String(required=True, validate=validate.OneOf(SUMMARY_VERDICTS))
    recallable = fields.Integer(required=True)
    total = fields.Integer(required=True)
    headline = fields.String(required=True)
    unchecked = fields.Integer(required=True)
    notes = fields.List(fields.Nested(ReasonSchema), required=True)


class MessageSchema(Schema):
    id = fields.String(required=True)
    subject = fields.String(required=True)
    sentDateTime = fields.Function(
        lambda m: m.sent_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        required=True, metadata={"type": "string", "format": "date-time"})
    internetMessageId = fields.String(attribute="internet_message_id", required=True)


class EligibilityResponse(Schema):
    message = fields.Nested(MessageSchema, required=True)
    summary = fields.Nested(SummarySchema, required=True)
    recipients = fields.List(fields.Nested(RecipientSchema), required=True)
    checkedWith = fields.String(attribute="checked_with", required=True,
                                validate=validate.OneOf(("delegated", "deep")))


def eligibility_json(result, said_in: str = "en") -> dict:
    """The response body: exactly what ``EligibilityResponse().dump(result)`` gives (a test
    holds the two together), written out by hand: marshmallow's dump made the answer for 500
    recipients 5 ms slower (126.6 against 121.3 ms at 50 ms of Graph latency,
    benchmarks/eligibility.py), past the 1.25 ratio to Graph's floor. Reason texts are
    in ``said_in`` (the headline stays English: the pane writes its own from the counts)."""
    message = result.message
    texts = _texts(said_in)
    return {
        "message": {"id": message.id, "subject": message.subject,
                    "sentDateTime": message.sent_at.astimezone(dt.UTC).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"),
                    "internetMessageId": message.internet_message_id},
        "summary": _summary_json(result.summary, texts),
        "recipients": [_recipient_json(r, texts) for r in result.recipients],
        "checkedWith": result.checked_with,
    }


def _texts(said_in: str):
    """A reason's text in ``said_in`` (as made, in English, for English)."""
    if said_in == "en":
        return lambda r: r.text
    return lambda r: i18n.reason_text(r.code, dict(r.params), said_in, r.text)


def _reasons_json(reasons, texts) -> list[dict]:
    return [{"code": r.code, "text": texts(r), "params": dict(r.params)} for r in reasons]


def _summary_json(summary, texts) -> dict:
    return {"verdict": summary.verdict, "recallable": summary.recallable,
            "total": summary.total, "headline": summary.headline,
            "unchecked": summary.unchecked, "notes": _reasons_json(summary.notes, texts)}


def _recipient_json(r, texts) -> dict:
    return {"address": r.address, "name": r.name, "field": r.field, "kind": r.kind,
            "verdict": r.verdict, "reasons": _reasons_json(r.reasons, texts),
            "suggestion": r.suggestion, "via": r.via, "viaPath": list(r.via_path),
            "counted": r.counted,
            "contact": {"displayName": r.display_name, "businessPhone": r.business_phone},
            "members": _members(r)}


# One instance for every request: a schema's load keeps no state, and building one per
# request cost as much as the validation itself.
_REQUEST = EligibilityRequest()


@eligibility.post("/eligibility")
@require_user
def check_eligibility():
    """The verdict per recipient for one of the caller's sent messages."""
    body = load(_REQUEST, json_body())
    session = current_session()
    result = runtime().eligibility.check(session.sender, ItemRef(body["itemId"], body["idType"]),
                                         session.graph, session.app_graph)
    reader_language = language()
    return said_in(reader_language, jsonify(eligibility_json(result, reader_language)))
