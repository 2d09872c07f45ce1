"""Corrections: templates, a preview, and the one-click send (a reply-all, exactly once)."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import Schema, fields, validate

from ..recall.audience import AUDIENCES
from ..services.eligibility import ItemRef
from ..services.once import before_action
from .context import current_caller, current_session, language, reader, require_user, said_in
from .once import checked_key, reply_response, run_once
from .runtime import runtime
from .validation import json_body, load, time_zone_field

corrections = Blueprint("corrections", __name__, url_prefix="/api")


class CorrectionRequest(Schema):
    messageId = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    idType = fields.String(load_default="rest", validate=validate.OneOf(("rest", "ews")))
    templateId = fields.String(required=True, validate=validate.Length(min=1, max=100))
    values = fields.Dict(data_key="fields", keys=fields.String(validate=validate.Length(max=64)),
                         values=fields.Raw(), load_default=dict,
                         validate=validate.Length(max=50))
    audience = fields.String(load_default="unrecallable", validate=validate.OneOf(AUDIENCES))
    recipients = fields.List(fields.String(validate=validate.Length(min=3, max=320)),
                             load_default=list, validate=validate.Length(max=500))
    timeZone = time_zone_field()


class TemplateFieldSchema(Schema):
    name = fields.String(required=True)
    label = fields.String(required=True)
    required = fields.Boolean(required=True)
    maxLength = fields.Integer(required=True, attribute="max_length")
    multiline = fields.Boolean(required=True)


class TemplateSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    subject = fields.String(required=True)
    origin = fields.String(required=True, metadata={"example": "builtin"})
    fields_ = fields.List(fields.Nested(TemplateFieldSchema), data_key="fields", attribute="fields",
                          required=True)


_TEMPLATE = TemplateSchema()


class TemplatesResponse(Schema):
    templates = fields.List(fields.Nested(TemplateSchema), required=True)


class AddresseeSchema(Schema):
    address = fields.String(required=True)
    name = fields.String(required=True)


class CorrectionRecipients(Schema):
    to = fields.List(fields.Nested(AddresseeSchema), required=True)
    cc = fields.List(fields.Nested(AddresseeSchema), required=True)
    bcc = fields.List(fields.Nested(AddresseeSchema), required=True)


class PreviewResponse(Schema):
    subject = fields.String(required=True)
    html = fields.String(required=True)
    text = fields.String(required=True)
    recipients = fields.Nested(CorrectionRecipients, required=True)


class CorrectionSent(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ("sent", "recorded", "submitted", "failed", "unknown")), metadata={
        "description": "sent (201); on a replay of a correction that did not finish, its state "
                       "(202)."})
    recipients = fields.Nested(CorrectionRecipients, required=True, allow_none=True)


@corrections.get("/templates")
@require_user
def list_templates():
    """The built-in and organisation templates, for the pane's picker (the built-ins in the
    caller's language)."""
    rt = runtime()
    catalog = rt.corrections.catalog()
    reader_language = language()
    response = said_in(reader_language, jsonify(templates=[
        _TEMPLATE.dump(t) for t in rt.corrections.templates_for(reader_language)]))
    response.headers["ETag"] = f'"{catalog.version}-{reader_language}"'
    return response


def _draft(body):
    session = current_session()
    draft, checked = runtime().corrections.draft(
        session.sender, ItemRef(body["messageId"], body["idType"]), body["templateId"],
        body["values"], body["audience"], body["recipients"], session.graph, session.app_graph,
        sender_name=current_caller().name or "", reader=reader(body["timeZone"]))
    return draft, checked, session.graph


@corrections.post("/corrections/preview")
@require_user
def preview():
    """What the correction will say, and to whom; nothing is sent."""
    body = load(CorrectionRequest(), json_body())
    draft, _, _ = _draft(body)
    return jsonify(subject=draft.rendered.subject, html=draft.rendered.html_body,
                   text=draft.rendered.text_body, recipients=draft.recipients_json())


@corrections.post("/corrections")
@require_user
def send():
    """Send the correction as a reply-all in the original conversation."""
    key = checked_key(request.headers.get("Idempotency-Key"))
    raw = json_body()
    body = load(CorrectionRequest(), raw)
    rt = runtime()
    caller = current_caller()

    def act(claim):
        draft, checked, graph = before_action(lambda: _draft(body))
        action = rt.corrections.send(caller, checked, draft, claim=claim, graph=graph,
                                     template_id=body["templateId"], audience=body["audience"],
                                     request_id=g.get("request_id"))
        return 201, {"id": action.id, "status": "sent", "recipients": draft.recipients_json()}

    return reply_response(run_once(
        rt.store, caller.oid, key, "POST /api/corrections", raw, act,
        lambda action: (201 if action.state == "completed" else 202,
                        {"id": action.id, "status": "sent" if action.state == "completed"
                         else action.state,
                         "recipients": (action.request or {}).get("recipients")})))
