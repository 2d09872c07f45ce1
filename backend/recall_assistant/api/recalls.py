"""``/api/recalls``: recall a sent message, and follow what happened to each recipient."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..recall import outcomes as outcome_rules
from ..recall.audience import AUDIENCES
from ..services.eligibility import ItemRef
from ..services.recall_request import Replacement
from .context import current_caller, current_session, language, reader, require_user, said_in
from .once import checked_key, reply_response, run_once
from .runtime import runtime
from .validation import json_body, load, time_zone_field

recalls = Blueprint("recalls", __name__, url_prefix="/api")


class ReplaceWith(Schema):
    templateId = fields.String(required=True, validate=validate.Length(min=1, max=100))
    values = fields.Dict(data_key="fields", keys=fields.String(validate=validate.Length(max=64)),
                         values=fields.String(validate=validate.Length(max=10_000)),
                         load_default=dict)
    # The correction's own audience, as for POST /api/corrections (everyone unless chosen).
    audience = fields.String(load_default="all", validate=validate.OneOf(AUDIENCES))
    recipients = fields.List(fields.String(validate=validate.Length(min=3, max=320)),
                             load_default=list, validate=validate.Length(max=500))
    timeZone = time_zone_field()


class RecallRequest(Schema):
    messageId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))
    replaceWith = fields.Nested(ReplaceWith, allow_none=True, load_default=None)
    retry = fields.Boolean(load_default=False, metadata={
        "description": "Ask Exchange again for the people an earlier, settled recall may not "
                       "have reached (409 nothing_to_retry when there are none)."})


class RecallQuery(Schema):
    """The message by the id the pane has (its Graph id), or by its Internet message id, which
    Outlook gives the pane too: then the answer comes without reading the message again."""

    messageId = fields.String(validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))
    internetMessageId = fields.String(validate=validate.Length(min=3, max=998))

    @validates_schema
    def _one_of_the_ids(self, data, **kwargs):
        if ("messageId" in data) == ("internetMessageId" in data):
            raise ValidationError("Give messageId or internetMessageId (one of them).",
                                  "messageId")


# The answers, for the OpenAPI document (the service writes the JSON; the reliability suite
# checks every answer against the document).
ACTION_STATES = ("recorded", "submitted", "completed", "failed", "unknown")


class ActionError(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True, allow_none=True)


class ActionRef(Schema):
    id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATES))
    error = fields.Nested(ActionError, metadata={
        "description": "Why the correction after the recall failed, or is unknown."})


class RecallAccepted(Schema):
    """``202``: the recall is recorded and was handed to Exchange (or its state, on a replay).
    ``200``: the message was already recalled; ``id`` is that recall, nothing was asked."""

    id = fields.String(required=True, metadata={
        "description": "The recall to follow (for a retry: still the first recall's id)."})
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATES))
    messageId = fields.String(required=True)
    correction = fields.Nested(ActionRef, metadata={
        "description": "With replaceWith: the correction sent after the recall."})
    alreadyRecalled = fields.Boolean(metadata={
        "description": "200 only: this is the earlier recall of the message, shown again."})
    attemptId = fields.String(metadata={"description": "A retry: the id of this attempt."})
    retried = fields.Integer(metadata={"description": "A retry: how many people it covers."})


class OutcomeReason(Schema):
    code = fields.String(required=True, allow_none=True)
    text = fields.String(required=True, allow_none=True, metadata={
        "description": "In the caller's language (Accept-Language: en, de or fr)."})
    params = fields.Dict(keys=fields.String(), values=fields.String(), required=True, metadata={
        "description": "The values filled into the text (no_report: wait_s, the wait in "
                       "seconds)."})


class RecipientOutcomeSchema(Schema):
    address = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(outcome_rules.STATUSES),
                           metadata={"description": "no_report: no report came within "
                                                    "RA_RECALL_REPORT_WAIT_S."})
    reason = fields.Nested(OutcomeReason, required=True, allow_none=True, metadata={
        "description": "Always given for failed and no_report."})
    source = fields.String(required=True, allow_none=True,
                           validate=validate.OneOf(outcome_rules.SOURCES))
    mayNeverConfirm = fields.Boolean(required=True, attribute="may_never_confirm", metadata={
        "description": "A partner-tenant recipient: their tenant may act without telling us."})
    retryable = fields.Boolean(required=True, metadata={
        "description": "Settled recall only: their copy may still be there, and trying "
                       "again could remove it."})


class OutcomeCounts(Schema):
    succeeded = fields.Integer(required=True)
    failed = fields.Integer(required=True)
    pending = fields.Integer(required=True)
    noReport = fields.Integer(required=True)


class CorrectionLine(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATES))
    error = fields.Nested(ActionError, required=True, allow_none=True)
    recipients = fields.Integer(required=True, allow_none=True,
                                metadata={"description": "How many people it was sent to."})


class UtcTime(fields.String):
    """A moment written in UTC, ``2026-12-03T14:40:00Z`` (the store keeps UTC, naive on
    SQLite)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(metadata=None, **options):
    return UtcTime(required=True, metadata={"format": "date-time", **(metadata or {})},
                   **options)


class RecallStatus(Schema):
    """A recall as it stands: what ``RecallService.status`` answers (a ``RecallProgress``)."""

    id = fields.String(required=True, attribute="action.id")
    status = fields.String(required=True, attribute="action.state",
                           validate=validate.OneOf(ACTION_STATES), metadata={
        "description": "unknown: the process stopped between recording the recall and hearing "
                       "back from Microsoft 365; check the recall report. Never repeated."})
    messageId = fields.String(required=True, attribute="action.message_id")
    internetMessageId = fields.String(required=True, allow_none=True,
                                      attribute="action.internet_message_id")
    requestedAt = _utc(attribute="action.created_at")
    lastCheckedAt = _utc(attribute="checked_at")
    reportReceived = fields.Boolean(required=True, attribute="report_received")
    settled = fields.Boolean(required=True, metadata={
        "description": "No recipient is pending any more, in the recall nor in its retries: "
                       "the pane stops polling."})
    waitUntil = _utc(attribute="wait_until", metadata={
        "description": "requestedAt + RA_RECALL_REPORT_WAIT_S (of the latest retry, if any): "
                       "who is still pending then reads no_report."})
    summary = fields.Nested(OutcomeCounts, required=True)
    notReached = fields.Integer(required=True, attribute="not_reached", metadata={
        "description": "People a correction should go to: failed, no_report, or pending and "
                       "mayNeverConfirm."})
    retryable = fields.Integer(required=True, metadata={
        "description": "People \"Try again\" (retry: true) would cover."})
    recipients = fields.List(fields.Nested(RecipientOutcomeSchema), required=True, metadata={
        "description": "Merged over retries: the newest attempt's line, except that a "
                       "removed copy stays removed."})
    correction = fields.Nested(CorrectionLine, required=True, allow_none=True, metadata={
        "description": "Delete and replace's correction, else the latest correction sent for "
                       "this message."})
    error = fields.Nested(ActionError, required=True, allow_none=True)
    statusMessage = fields.String(required=True, allow_none=True, attribute="status_message")


class RecallList(Schema):
    recalls = fields.List(fields.Nested(RecallStatus), required=True,
                          metadata={"description": "Newest first, at most five."})


@recalls.post("/recalls")
@require_user
def request_recall():
    """Recall one of the caller's sent messages (exactly once per Idempotency-Key)."""
    key = checked_key(request.headers.get("Idempotency-Key"))
    raw = json_body()
    body = load(RecallRequest(), raw)
    rt = runtime()
    caller = current_caller()
    replace = body["replaceWith"]
    replacement = replace and Replacement(
        replace["templateId"], replace["values"], replace["audience"], replace["recipients"],
        reader(replace["timeZone"]))

    def act(claim):
        return _answer(rt.recall_requests.request(
            caller, current_session(), ItemRef(body["messageId"], body["idType"]), claim=claim,
            request_id=g.get("request_id"), retry=body["retry"], replace=replacement))

    return reply_response(run_once(rt.store, caller.oid, key, "POST /api/recalls", raw, act,
                                  lambda action: (202, action_summary(action))))


def action_summary(action) -> dict[str, Any]:
    """The short answer to a recall request (also what a replay of it returns)."""
    if action.parent_id is not None:  # a retry: the pane keeps following the first recall
        return {"id": action.parent_id, "attemptId": action.id, "status": action.state,
                "messageId": action.message_id,
                "retried": len((action.request or {}).get("people", []))}
    return {"id": action.id, "status": action.state, "messageId": action.message_id}


def _answer(result) -> tuple[int, dict[str, Any]]:
    """200 with the first recall when the message was recalled before, else 202."""
    body = action_summary(result.action)
    if result.already:
        return 200, {**body, "alreadyRecalled": True}
    correction = result.correction
    if correction is not None:
        body["correction"] = {"id": correction.id, "status": correction.status}
        if correction.error is not None:
            body["correction"]["error"] = {"code": correction.error.code,
                                           "message": correction.error.message}
    return 202, body


_STATUS = RecallStatus()
_LIST = RecallList()


@recalls.get("/recalls/<action_id>")
@require_user
def recall_status(action_id: str):
    """Per-recipient outcomes, read from the recall report(s) as they arrive."""
    session = current_session()
    reader_language = language()
    status = runtime().recalls.status(session.sender.user_id, action_id[:64], session.graph,
                                      session.app_graph, language=reader_language,
                                      request_id=g.get("request_id"))
    return said_in(reader_language, jsonify(_STATUS.dump(status)))


@recalls.get("/recalls")
@require_user
def recalls_for_message():
    """The caller's recalls of one message, newest first (a reopened pane resumes them)."""
    query = load(RecallQuery(), request.args.to_dict())
    item = ItemRef(query["messageId"], query["idType"]) if "messageId" in query else None
    reader_language = language()
    found = runtime().recalls.latest(current_session(), item=item,
                                     internet_message_id=query.get("internetMessageId"),
                                     language=reader_language)
    return said_in(reader_language, jsonify(_LIST.dump({"recalls": found})))
