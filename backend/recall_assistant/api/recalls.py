"""``/api/recalls``: recall a sent message, and follow what happened to each recipient."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from ..graph.client import GraphClient
from ..runtime import Runtime, runtime
from ..services.eligibility import Caller, ItemRef
from ..services.once import before_action, checked_key, run_once
from ..services.recall import action_summary
from .context import current_caller, require_user
from .validation import json_body, load

recalls = Blueprint("recalls", __name__, url_prefix="/api")


class ReplaceWith(Schema):
    templateId = fields.String(required=True, validate=validate.Length(min=1, max=100))
    values = fields.Dict(data_key="fields", keys=fields.String(validate=validate.Length(max=64)),
                         values=fields.String(validate=validate.Length(max=10_000)),
                         load_default=dict)


class RecallRequest(Schema):
    messageId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))
    replaceWith = fields.Nested(ReplaceWith, allow_none=True, load_default=None)


class RecallQuery(Schema):
    messageId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))


def graph_clients(rt: Runtime) -> tuple[GraphClient, GraphClient | None]:
    """The caller's Graph client, and the app's when the deep check is on."""
    graph = GraphClient.from_settings(rt.http, rt.settings, g.graph_token)
    app_graph = (GraphClient.from_settings(rt.http, rt.settings, rt.graph_tokens.for_app)
                 if rt.settings.deep_check else None)
    return graph, app_graph


def eligibility_caller() -> Caller:
    caller = current_caller()
    return Caller(tenant_id=caller.tid, user_id=caller.oid, address=caller.address or "")


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
        replace = body["replaceWith"]
        if replace is not None:
            before_action(lambda: rt.corrections.check_fields(replace["templateId"],
                                                              replace["values"]))
        action = rt.recalls.recall(caller, checked, claim=claim, graph=graph,
                                   request_id=g.get("request_id"),
                                   replace_with=replace["templateId"] if replace else None)
        answer = action_summary(action)
        if replace is not None:
            correction = rt.corrections.send_after_recall(
                caller, checked, replace["templateId"], replace["values"], graph=graph,
                parent_id=action.id, request_id=g.get("request_id"))
            answer["correction"] = {"id": correction.id, "status": correction.state}
        return 202, answer

    status, answer = run_once(rt.store, caller.oid, key, "POST /api/recalls", raw, act,
                              lambda action: (202, action_summary(action)))
    response = jsonify(answer)
    response.status_code = status
    return response


@recalls.get("/recalls/<action_id>")
@require_user
def recall_status(action_id: str):
    """Per-recipient outcomes, read from the recall report(s) as they arrive."""
    rt = runtime()
    graph, app_graph = graph_clients(rt)
    return jsonify(rt.recalls.status(current_caller().oid, action_id[:64], graph, app_graph,
                                     request_id=g.get("request_id")))


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
    return jsonify(recalls=[rt.recalls.status(caller_oid, a.id, graph, app_graph)
                            for a in found[:5]])
