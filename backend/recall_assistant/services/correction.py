"""Use case: send a short correction to exactly the right people, as a reply-all.

The correction goes out in the original conversation: ``createReplyAll``, then one ``PATCH``
that sets the chosen recipients, the template's subject and the whole body, then ``send``.
Graph's draft quotes the original under its body (docs/microsoft-facts.md), so the body is
replaced, and before ``send`` the draft is read back: if it still holds text of the original
(``recall/quoting.py``) or has attachments, it is deleted and nothing is sent. Recipients come
from the pure audience rules (``recall/audience.py``), templates from ``recall/templates.py``;
a Bcc recipient of the original stays Bcc.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import i18n, metrics
from ..errors import BadRequest, NotFound, RecallAssistantError, Unprocessable
from ..graph import mail as graph_mail
from ..graph import mail_actions
from ..graph.client import GraphClient
from ..graph.errors import GraphError, GraphOutcomeUnknown
from ..recall import audience as audiences
from ..recall import quoting, templates
from ..recall.model import EligibilityResult
from ..store import ActionRecord, Store
from .eligibility import EligibilityService, ItemRef
from .recall_progress import reached_by_recall
from .session import Sender
from .template_files import load_templates

log = logging.getLogger(__name__)


class TemplateNotFound(NotFound):
    code = "template_not_found"
    message = "There is no correction template with this id."


class CorrectionRefused(Unprocessable):
    """The draft read back is not what the preview showed: it was deleted, nothing was sent."""


class CorrectionQuotesOriginal(CorrectionRefused):
    code = "correction_quotes_original"
    message = ("The correction still held text of the original message, so it was not sent. "
               "Nothing was sent.")


class CorrectionNotAsPreviewed(CorrectionRefused):
    code = "correction_not_as_previewed"
    message = ("The correction Microsoft 365 prepared did not hold the text of the preview, so "
               "it was not sent. Nothing was sent.")


@dataclass(frozen=True)
class Draft:
    """A rendered correction and who it goes to: what the preview shows, what is sent."""

    rendered: templates.RenderedCorrection
    audience: audiences.CorrectionAudience

    def recipients_json(self) -> dict[str, list[dict[str, str]]]:
        return {field: [{"address": p.address, "name": p.name}
                        for p in getattr(self.audience, field)]
                for field in ("to", "cc", "bcc")}


class CorrectionService:
    """Previews and sends corrections for a caller's sent message."""

    def __init__(self, store: Store, eligibility: EligibilityService,
                 templates_dir: Path | None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)):
        self.store = store
        self.eligibility = eligibility
        self.templates_dir = templates_dir
        self.clock = clock
        self._logged_version = ""

    # -- templates ------------------------------------------------------------------------
    def catalog(self) -> templates.TemplateCatalog:
        """Built-in and organisation templates; the folder is re-read when it changes."""
        catalog = load_templates(self.templates_dir)
        if catalog.version != self._logged_version:
            self._logged_version = catalog.version
            for problem in catalog.problems:
                log.warning("correction templates: %s", problem)
        return catalog

    def template(self, template_id: str, language: str = "en") -> templates.CorrectionTemplate:
        """The template, a built-in one in ``language``."""
        found = self.catalog().get(template_id)
        if found is None:
            raise TemplateNotFound()
        return i18n.localise_template(found, language)

    def templates_for(self, language: str) -> list[templates.CorrectionTemplate]:
        """Every template on offer, the built-ins in ``language``."""
        return [i18n.localise_template(t, language) for t in self.catalog().templates]

    def check_fields(self, template_id: str, fields: dict[str, Any]) -> dict[str, str]:
        """The template's field values, checked (400 ``template_fields`` says what is wrong)."""
        try:
            return templates.validate_fields(self.template(template_id), fields)
        except templates.TemplateFieldError as exc:
            raise BadRequest("Some fields of the correction are missing or not valid.",
                             code="template_fields", details=exc.details()) from exc

    # -- preview and send -----------------------------------------------------------------
    def draft(self, caller: Sender, item: ItemRef, template_id: str,
              fields: dict[str, Any], audience: str, selected: list[str], graph: GraphClient,
              app_graph: GraphClient | None, *, sender_name: str = "",
              reader: i18n.Reader = i18n.ENGLISH_UTC) -> tuple[Draft, EligibilityResult]:
        """Render the correction (for ``reader``: the sender's language and zone) and choose
        its recipients; nothing is sent."""
        values = self.check_fields(template_id, fields)
        checked = self.eligibility.check(caller, item, graph, app_graph)
        reached = self._reached(caller.user_id, checked)
        return self._draft(checked, template_id, values, audience, selected, reached,
                           caller.address, sender_name, reader), checked

    def send(self, actor: Any, checked: EligibilityResult, draft: Draft, *, claim: Any,
             graph: GraphClient, template_id: str, audience: str,
             request_id: str | None, parent_id: str | None = None) -> ActionRecord:
        """Record the correction, then create, address and send the reply-all draft."""
        message = checked.message
        action = self.store.begin_action(
            kind="correction", actor=actor, message_id=message.id,
            internet_message_id=message.internet_message_id, claim=claim,
            request_id=request_id, parent_id=parent_id, subject=message.subject,
            request={"messageId": message.id, "templateId": template_id,
                     "audience": audience, "recipients": draft.recipients_json()})
        draft_id = None
        try:
            original = mail_actions.get_content(graph, message.id)
            draft_id = mail_actions.create_reply_all_draft(graph, message.id)
            a = draft.audience
            # One PATCH: the body replaces Graph's (which quotes the original) as a whole.
            mail_actions.update_draft(
                graph, draft_id, to=[_address(p) for p in a.to], cc=[_address(p) for p in a.cc],
                bcc=[_address(p) for p in a.bcc], subject=draft.rendered.subject,
                body=mail_actions.MessageBody(draft.rendered.html_body, "html"))
            _check_draft(mail_actions.get_content(graph, draft_id), original,
                         draft.rendered.html_body)
            mail_actions.send_draft(graph, draft_id)
        except CorrectionRefused as refused:
            _discard(graph, draft_id)
            self.store.fail(action.id, error_code=refused.code, error_message=refused.message,
                            request_id=request_id, details=refused.details)
            metrics.CORRECTIONS.labels("failed").inc()
            raise
        except GraphOutcomeUnknown as exc:
            # The send may have gone out: never send again on our own.
            self.store.mark_unknown(action.id, reason=exc.code, request_id=request_id)
            metrics.CORRECTIONS.labels("unknown").inc()
            raise
        except GraphError as exc:
            if draft_id:
                _discard(graph, draft_id)
            self.store.fail(action.id, error_code=exc.code, error_message=exc.message,
                            request_id=request_id)
            metrics.CORRECTIONS.labels("failed").inc()
            raise
        metrics.CORRECTIONS.labels("sent").inc()
        sent_to = {"recipients": len(draft.audience)}
        return self.store.complete(action.id, request_id=request_id, response=sent_to,
                                   details=sent_to)

    def replacement(self, actor: Any, checked: EligibilityResult, template_id: str,
                    fields: dict[str, Any], audience: str = "all",
                    selected: list[str] | None = None,
                    reader: i18n.Reader = i18n.ENGLISH_UTC) -> Draft:
        """"Delete and replace"'s correction, rendered and addressed (400/422 when it cannot
        be): checked before the recall, so that bad input recalls nothing."""
        values = self.check_fields(template_id, fields)
        reached = self._reached(actor.oid, checked) if audience == "unrecallable" else {}
        return self._draft(checked, template_id, values, audience, list(selected or []),
                           reached, actor.address or "", actor.name or "", reader)

    def send_after_recall(self, actor: Any, checked: EligibilityResult, template_id: str,
                          fields: dict[str, Any], *, graph: GraphClient, parent_id: str,
                          request_id: str | None, audience: str = "all",
                          selected: list[str] | None = None,
                          draft: Draft | None = None) -> ActionRecord:
        """"Delete and replace": the correction to its own audience (everyone by default),
        once the recall is accepted; sent and checked exactly as any correction. ``draft`` is
        the one ``replacement`` made before the recall, so that what was checked is sent."""
        if draft is None:
            draft = self.replacement(actor, checked, template_id, fields, audience, selected)
        return self.send(actor, checked, draft, claim=None, graph=graph,
                         template_id=template_id, audience=audience, request_id=request_id,
                         parent_id=parent_id)

    # -- helpers --------------------------------------------------------------------------
    def _draft(self, checked: EligibilityResult, template_id: str, values: dict[str, str],
               audience: str, selected: list[str], reached: dict[str, bool],
               sender: str, sender_name: str, reader: i18n.Reader) -> Draft:
        message = checked.message
        original = [audiences.Addressee(r.address, r.name, r.field)
                    for r in _original_recipients(checked)]
        people = [audiences.Addressee(r.address, r.display_name or r.name, r.field)
                  for r in checked.recipients if r.counted]
        try:
            chosen = audiences.choose_audience(original, audience,  # type: ignore[arg-type]
                                               sender=sender or message.sender,
                                               people=people, reached=reached,
                                               selected=selected)
        except audiences.AudienceError as exc:
            raise Unprocessable(str(exc), code=exc.code,
                                details={"addresses": list(exc.addresses)}) from exc
        context = templates.CorrectionContext(original_subject=message.subject,
                                              sender_name=sender_name,
                                              sent_at=message.sent_at,
                                              sent_date=reader.when(message.sent_at))
        try:
            rendered = templates.render(self.template(template_id, reader.language), values,
                                        context)
        except templates.TemplateRenderError as exc:
            raise RecallAssistantError(
                "This correction template is broken; tell your administrator.",
                code="template_broken") from exc
        return Draft(rendered, chosen)

    def _reached(self, caller_oid: str, checked: EligibilityResult) -> dict[str, bool]:
        """Per person: did recall take the message away? The recall's merged view where there
        is one (failed, no report, or a partner tenant still pending: not reached), else the
        eligibility forecast (only a likely verdict counts)."""
        reached = {r.address.lower(): r.verdict == "likely"
                   for r in checked.recipients if r.counted}
        by_recall = reached_by_recall(self.store, caller_oid,
                                      checked.message.internet_message_id, self.clock())
        if by_recall is not None:
            reached = {address: by_recall.get(address, False) for address in reached}
        return reached


def _original_recipients(checked: EligibilityResult):
    # The message as sent: direct recipients and groups (not the members groups reached).
    return [r for r in checked.recipients if r.via is None]


def _address(person: audiences.Addressee) -> graph_mail.EmailAddress:
    return graph_mail.EmailAddress(person.address, person.name)


def _check_draft(held: mail_actions.MessageContent, original: mail_actions.MessageContent,
                 previewed_html: str) -> None:
    """Raise ``CorrectionRefused`` unless the draft is the previewed body and nothing else."""
    text = quoting.body_text(held.body, held.content_type)
    previewed = quoting.body_text(previewed_html, "html")
    runs = quoting.quoted_runs(text, quoting.body_text(original.body, original.content_type),
                               previewed)
    if runs or held.has_attachments:
        # Counts only: the audit never holds a word of the original.
        raise CorrectionQuotesOriginal(details={"quotedRuns": runs,
                                                "attachments": held.has_attachments})
    if not quoting.holds_preview(text, previewed):
        raise CorrectionNotAsPreviewed()


def _discard(graph: GraphClient, draft_id: str | None) -> None:
    if not draft_id:
        return
    try:
        mail_actions.delete_draft(graph, draft_id)
    except GraphError as exc:  # the failure that matters is already being reported
        log.warning("could not delete the unsent correction draft: %s", exc.code)
