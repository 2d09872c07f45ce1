"""``/api/recalls``: recall a sent message, and follow what happened to each recipient."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from marshmallow import Schema, fields, validate

from .. import i18n
from ..errors import RecallAssistantError
from ..graph.client import GraphClient
from ..recall import outcomes as outcome_rules
from ..recall.audience import AUDIENCES
from ..services.eligibility import Caller, ItemRef
from ..services.once import Outcome, before_action, checked_key, run_once
from ..services.recall import NothingToRetry, action_summary, already_recalled
from ..store import AlreadyRecalled
from .context import current_caller, language, reader, require_user, said_in
from .runtime import Runtime, runtime
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
    messageId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))


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
    mayNeverConfirm = fields.Boolean(required=True, metadata={
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


class RecallStatus(Schema):
    """A recall as it stands: what ``RecallService.status`` answers."""

    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(ACTION_STATES), metadata={
        "description": "unknown: the process stopped between recording the recall and hearing "
                       "back from Microsoft 365; check the recall report. Never repeated."})
    messageId = fields.String(required=True)
    internetMessageId = fields.String(required=True, allow_none=True)
    requestedAt = fields.String(required=True, metadata={"format": "date-time"})
    lastCheckedAt = fields.String(required=True, metadata={"format": "date-time"})
    reportReceived = fields.Boolean(required=True)
    settled = fields.Boolean(required=True, metadata={
        "description": "No recipient is pending any more, in the recall nor in its retries: "
                       "the pane stops polling."})
    waitUntil = fields.String(required=True, metadata={
        "format": "date-time",
        "description": "requestedAt + RA_RECALL_REPORT_WAIT_S (of the latest retry, if any): "
                       "who is still pending then reads no_report."})
    summary = fields.Nested(OutcomeCounts, required=True)
    notReached = fields.Integer(required=True, metadata={
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
    statusMessage = fields.String(required=True, allow_none=True)


class RecallList(Schema):
    recalls = fields.List(fields.Nested(RecallStatus), required=True,
                          metadata={"description": "Newest first, at most five."})


def graph_clients(rt: Runtime) -> tuple[GraphClient, GraphClient | None]:
    """The caller's Graph client, and the app's when the deep check is on."""
    graph = GraphClient.from_settings(rt.http, rt.settings, g.graph_token)
    app_graph = (GraphClient.from_settings(rt.http, rt.settings, rt.graph_tokens.for_app)
                 if rt.settings.deep_check else None)
    return graph, app_graph


def eligibility_caller() -> Caller:
    caller = current_caller()
    return Caller(tenant_id=caller.tid, user_id=caller.oid, address=caller.address or "")


def once_response(outcome: Outcome) -> Response:
    """The answer to a mutating request; a replay says so (``Idempotent-Replayed: true``) so
    that a client retrying after a lost answer knows this is the first request's outcome."""
    body = outcome.body
    if isinstance(body.get("error"), dict):
        # A stored error is replayed with this request's id, as every error carries one.
        body = {**body, "error": {**body["error"], "requestId": g.get("request_id")}}
    response = jsonify(body)
    response.status_code = outcome.status
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@recalls.post("/recalls")
@require_user
def request_recall():
    """Recall one of the caller's sent messages (exactly once per Idempotency-Key)."""
    key = checked_key(request.headers.get("Idempotency-Key"))
    raw = json_body()
    body = load(RecallRequest(), raw)
    rt = runtime()
    caller = current_caller()
    graph, app_graph = graph_clients(rt)

    def act(claim):
        item = ItemRef(body["messageId"], body["idType"])
        checked = before_action(lambda: rt.recalls.prepare(eligibility_caller(), item, graph,
                                                           app_graph))
        earlier = rt.recalls.earlier_recall(caller.oid, checked.message.internet_message_id)
        if body["retry"]:
            return _retry(rt, caller, checked, earlier, claim, graph, app_graph)
        if earlier is not None:
            # One recall per message: show the first, ask Exchange nothing (replaceWith too).
            return 200, already_recalled(earlier)
        replace = body["replaceWith"]
        draft = None
        if replace is not None:
            # The correction's fields and audience are checked before anything is recalled.
            draft = before_action(lambda: rt.corrections.replacement(
                caller, checked, replace["templateId"], replace["values"], replace["audience"],
                replace["recipients"], reader(replace["timeZone"])))
        try:
            action = rt.recalls.recall(caller, checked, claim=claim, graph=graph,
                                       request_id=g.get("request_id"),
                                       replace_with=replace["templateId"] if replace else None)
        except AlreadyRecalled as first:
            # Another request recalled it since our look (two panes at once): show that one.
            return 200, already_recalled(first.action)
        answer = action_summary(action)
        if replace is not None:
            answer["correction"] = _correction_after(rt, caller, checked, replace, draft,
                                                     graph, action)
        return 202, answer

    return once_response(run_once(rt.store, caller.oid, key, "POST /api/recalls", raw, act,
                                  lambda action: (202, action_summary(action))))


def _retry(rt: Runtime, caller: Any, checked: Any, earlier: Any, claim: Any,
           graph: GraphClient, app_graph: GraphClient | None) -> tuple[int, dict[str, Any]]:
    """"Try again": only for the people a settled recall may not have reached."""
    if earlier is None:
        before_action(_nothing_to_retry)
    people = before_action(lambda: rt.recalls.retryable_people(caller.oid, earlier, graph,
                                                               app_graph))
    attempt = rt.recalls.retry(caller, earlier, people, message_id=checked.message.id,
                               claim=claim, graph=graph, request_id=g.get("request_id"))
    return 202, action_summary(attempt)


def _nothing_to_retry() -> None:
    raise NothingToRetry()


def _correction_after(rt: Runtime, caller: Any, checked: Any, replace: dict[str, Any],
                      draft: Any, graph: GraphClient, recall: Any) -> dict[str, Any]:
    """Send the correction of "delete and replace"; its failure is reported beside the
    recall, which went through (an error here must not read as the recall's outcome)."""
    try:
        correction = rt.corrections.send_after_recall(
            caller, checked, replace["templateId"], replace["values"], graph=graph,
            parent_id=recall.id, request_id=g.get("request_id"),
            audience=replace["audience"], selected=replace["recipients"], draft=draft)
    except RecallAssistantError as error:
        recorded = [a for a in rt.store.actions_for_message(caller.oid,
                                                            recall.internet_message_id or "")
                    if a.kind == "correction" and a.parent_id == recall.id]
        return {"id": recorded[-1].id if recorded else None,
                "status": recorded[-1].state if recorded else "failed",
                "error": {"code": error.code, "message": error.message}}
    return {"id": correction.id, "status": correction.state}


@recalls.get("/recalls/<action_id>")
@require_user
def recall_status(action_id: str):
    """Per-recipient outcomes, read from the recall report(s) as they arrive."""
    rt = runtime()
    graph, app_graph = graph_clients(rt)
    status = rt.recalls.status(current_caller().oid, action_id[:64], graph, app_graph,
                               request_id=g.get("request_id"))
    reader_language = language()
    return said_in(reader_language, jsonify(_localised(status, reader_language)))


@recalls.get("/recalls")
@require_user
def recalls_for_message():
    """The caller's recalls of one message, newest first (a reopened pane resumes them)."""
    query = load(RecallQuery(), request.args.to_dict())
    rt = runtime()
    graph, app_graph = graph_clients(rt)
    message, _ = rt.eligibility.sent_message(eligibility_caller(),
                                             ItemRef(query["messageId"], query["idType"]), graph)
    caller_oid = current_caller().oid
    found = rt.recalls.for_message(caller_oid, message.internet_message_id or "")
    found.sort(key=lambda a: a.created_at, reverse=True)
    reader_language = language()
    return said_in(reader_language, jsonify(recalls=[
        _localised(rt.recalls.status(caller_oid, a.id, graph, app_graph), reader_language)
        for a in found[:5]]))


def _localised(status: dict[str, Any], said_in: str) -> dict[str, Any]:
    """A recall's status with each person's reason in the caller's language."""
    for person in status["recipients"]:
        reason = person.get("reason")
        if reason:
            reason["text"] = i18n.reason_text(reason["code"], reason.get("params") or {},
                                              said_in, reason["text"])
    return status

