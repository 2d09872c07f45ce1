"""The "Message Recall Report" the sandbox delivers to the sender's Inbox after a recall.

Microsoft does not document the report's exact wording (docs/recall-reports.md: unconfirmed),
so this is a realistic stand-in with a stable structure for the backend's (tolerant) parser:

* sent from ``Microsoft Outlook <MicrosoftExchange329e...@<initial domain>>`` with the message
  class ``IPM.Recall.Report``, in the sender mailbox's language (``preferredLanguage``:
  English, German or French; ``WORDINGS``);
* subject: ``Message Recall Report for message: <original subject>`` (or its translation)
* HTML body with two tables:
  - ``<table id="original-message">``: rows ``Subject:``, ``Sent:``, ``Message ID:`` (the
    original's internetMessageId, HTML-escaped, so ``&lt;...&gt;``), ``Recall requested:``;
  - ``<table id="recall-results">``: a header row ``Recipient | Recall status | Details``, then
    one row per recipient: the address, one of ``Recall Success`` / ``Recall Failure`` /
    ``Pending`` (translated), and a sentence saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .recall_agent import FAILURE, PENDING, SUCCESS, Outcome

SENDER_NAME = "Microsoft Outlook"
# Exchange's system mailbox sends such notices; its local part is fixed across tenants.
SENDER_LOCAL_PART = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e"
# PR_MESSAGE_CLASS of a recall report (Outlook VBA reference, "Item Types and Message
# Classes"); Graph shows it as the single-value extended property "String 0x001A".
MESSAGE_CLASS = "IPM.Recall.Report"


@dataclass(frozen=True)
class _Wording:
    subject_prefix: str
    summary: str  # format: recalled, failed, pending, total
    labels: tuple[str, str, str, str]  # subject, sent, message id, recall requested
    columns: tuple[str, str, str]
    statuses: dict[str, str]
    details: dict[str, str] | None  # per status; None: the agent's own (English) sentence
    footer: str
    when: str  # strftime format


WORDINGS = {
    "en": _Wording(
        "Message Recall Report for message: ",
        "Your request to recall the message below was processed. {0} recalled, {1} failed, "
        "{2} pending, of {3} recipients.",
        ("Subject:", "Sent:", "Message ID:", "Recall requested:"),
        ("Recipient", "Recall status", "Details"),
        {SUCCESS: SUCCESS, FAILURE: FAILURE, PENDING: PENDING}, None,
        "Recipients marked Pending may still change: recall keeps trying for up to 24 hours.",
        "%A, %B %d, %Y %H:%M UTC"),
    "de": _Wording(
        "Nachrichtenrückrufbericht für Nachricht: ",
        "Ihre Anforderung zum Rückruf der folgenden Nachricht wurde verarbeitet. {0} "
        "zurückgerufen, {1} fehlgeschlagen, {2} ausstehend, von {3} Empfängern.",
        ("Betreff:", "Gesendet:", "Nachrichten-ID:", "Rückruf angefordert:"),
        ("Empfänger", "Rückrufstatus", "Details"),
        {SUCCESS: "Rückruf erfolgreich", FAILURE: "Rückruf fehlgeschlagen",
         PENDING: "Ausstehend"},
        {SUCCESS: "Die Nachricht wurde aus dem Postfach des Empfängers gelöscht.",
         FAILURE: "Die Nachricht konnte nicht aus dem Postfach des Empfängers entfernt werden.",
         PENDING: "Es liegt noch kein Ergebnis vor."},
        "Ausstehende Empfänger können sich noch ändern: Der Rückruf wird bis zu 24 Stunden "
        "lang versucht.", "%d.%m.%Y %H:%M UTC"),
    "fr": _Wording(
        "Rapport de rappel du message : ",
        "Votre demande de rappel du message ci-dessous a été traitée. {0} rappelé(s), {1} en "
        "échec, {2} en attente, sur {3} destinataires.",
        ("Objet :", "Envoyé :", "ID du message :", "Rappel demandé :"),
        ("Destinataire", "Statut du rappel", "Détails"),
        {SUCCESS: "Rappel réussi", FAILURE: "Échec du rappel", PENDING: "En attente"},
        {SUCCESS: "Le message a été supprimé de la boîte aux lettres du destinataire.",
         FAILURE: "Le message n'a pas pu être supprimé de la boîte aux lettres du destinataire.",
         PENDING: "Aucun résultat pour l'instant."},
        "Les destinataires en attente peuvent encore changer : le rappel est retenté pendant "
        "24 heures au plus.", "%d/%m/%Y %H:%M UTC"),
}


def language_of(preferred_language: str | None) -> str:
    """The report language for a mailbox's ``preferredLanguage`` ("de-DE" → "de"); English
    when the sandbox has no wording for it."""
    code = (preferred_language or "").split("-")[0].strip().lower()
    return code if code in WORDINGS else "en"


@dataclass(frozen=True)
class ReportContent:
    subject: str
    html: str


def render_report(*, subject: str, internet_message_id: str, sent: float,
                  requested: float, outcomes: Sequence[Outcome],
                  language: str = "en") -> ReportContent:
    """The report for one recall request of the message described by the arguments, in the
    sender mailbox's ``language`` (``en``, ``de`` or ``fr``)."""
    words = WORDINGS[language_of(language)]

    def when(moment: float) -> str:
        return dt.datetime.fromtimestamp(moment, dt.UTC).strftime(words.when)

    counts = {status: sum(1 for o in outcomes if o.status == status)
              for status in (SUCCESS, FAILURE, PENDING)}
    summary = words.summary.format(counts[SUCCESS], counts[FAILURE], counts[PENDING],
                                   len(outcomes))
    rows = "\n".join(
        f"<tr><td>{escape(o.address)}</td><td>{escape(words.statuses[o.status])}</td>"
        f"<td>{escape(words.details[o.status] if words.details else o.detail)}</td></tr>"
        for o in outcomes
    )
    label = [escape(text) for text in words.labels]
    head = "".join(f"<th>{escape(text)}</th>" for text in words.columns)
    html = f"""<html>
<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>
<body>
<p>{escape(summary)}</p>
<table id="original-message">
<tr><th align="left">{label[0]}</th><td>{escape(subject)}</td></tr>
<tr><th align="left">{label[1]}</th><td>{when(sent)}</td></tr>
<tr><th align="left">{label[2]}</th><td>{escape(internet_message_id)}</td></tr>
<tr><th align="left">{label[3]}</th><td>{when(requested)}</td></tr>
</table>
<table id="recall-results" border="1" cellpadding="4">
<tr>{head}</tr>
{rows}
</table>
<p>{escape(words.footer)}</p>
</body>
</html>
"""
    return ReportContent(subject=f"{words.subject_prefix}{subject}", html=html)
