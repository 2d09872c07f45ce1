"""Who may speak for a recall report, which message it is about, and French reports
(recall/report.py): the rules that keep an email anyone can send from changing outcomes."""

from __future__ import annotations

import datetime as dt

import pytest

from recall_assistant.recall.report import (
    InboxMessage,
    accept_report,
    is_exchange_sender,
    might_be_report,
    parse_recall_report,
    report_is_for,
    report_source,
)
from recall_assistant.recall.report_words import classify_status, is_report_class

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
DOMAINS = ("contoso.com", "contoso.onmicrosoft.com")
EXCHANGE = "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.onmicrosoft.com"
MSG_ID = "<DB9PR01MB1234.5678@DB9PR01MB1234.eurprd01.prod.outlook.com>"
CONV = "AAQkAGoriginal="
SUBJECT = "Q3 numbers"
SPOOF_BODY = "alex@contoso.com Recall Success"


def mail(sender: str | None, *, subject: str = f"Recall Report for message: {SUBJECT}",
         body: str = f"Message ID: {MSG_ID}\nalex@contoso.com: Recall Success",
         message_class: str | None = "IPM.Note", account: str | None = None,
         conversation_id: str | None = None, headers=()) -> InboxMessage:
    return InboxMessage(subject, body, "text", T0, sender, message_class=message_class,
                        conversation_id=conversation_id, headers=tuple(headers),
                        account=account)


def accept(message: InboxMessage, **kwargs):
    return accept_report(message, verified_domains=DOMAINS,
                         internet_message_id=kwargs.get("imid", MSG_ID),
                         conversation_id=kwargs.get("conv", CONV), original_subject=SUBJECT)


# ---------------------------------------------------------------------------- the trust rule


@pytest.mark.parametrize(("address", "expected"), [
    (EXCHANGE, True),
    ("microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@CONTOSO.com", True),
    ("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso-support.example", False),
    ("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@evil.contoso.com", False),
    ("postmaster@contoso.com", False),
    ("alex@contoso.com", False),
    ("", False),
    (None, False),
])
def test_the_exchange_system_mailbox_is_its_local_part_on_a_verified_domain(address, expected):
    assert is_exchange_sender(address, DOMAINS) is expected


def test_an_email_anyone_can_send_is_no_report():
    for sender in ("outsider@gmail.com", "alex@contoso.com", "helpdesk@contoso.com", None):
        spoof = mail(sender, subject=f"Recall Report for message: {SUBJECT}",
                     body=SPOOF_BODY, conversation_id=CONV)
        assert report_source(spoof, DOMAINS) is None
        assert not might_be_report(spoof, DOMAINS)
        assert accept(spoof) is None


def test_a_look_alike_system_address_on_another_domain_is_no_report():
    spoof = mail("MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.example")
    assert report_source(spoof, DOMAINS) is None
    assert accept(spoof) is None


def test_from_and_sender_must_both_be_exchange():
    on_behalf = mail(EXCHANGE, account="mallory@contoso.com")
    assert report_source(on_behalf, DOMAINS) is None
    assert report_source(mail(EXCHANGE, account=EXCHANGE), DOMAINS) == "exchange"


def test_a_genuine_report_naming_the_message_is_read():
    report = accept(mail(EXCHANGE))
    assert report is not None
    assert {r.address: r.status for r in report.recipients} == {"alex@contoso.com": "succeeded"}


def test_a_report_for_another_message_of_the_same_subject_is_ignored():
    other = mail(EXCHANGE, body="Message ID: <other@contoso.com>\nalex@contoso.com: Recall Success",
                 conversation_id=CONV)
    assert accept(other) is None


def test_without_a_message_id_the_conversation_decides_and_never_the_subject():
    body = "alex@contoso.com: Recall Success"
    same = mail(EXCHANGE, body=body, conversation_id=CONV)
    assert accept(same) is not None
    assert accept(mail(EXCHANGE, body=body, conversation_id="AAQkAGother=")) is None
    assert accept(mail(EXCHANGE, body=body)) is None  # no id, no conversation: subject alone
    # Same conversation, but the report quotes another message's subject (a reply's recall).
    sibling = mail(EXCHANGE, subject=f"Recall Report for message: RE: {SUBJECT}", body=body,
                   conversation_id=CONV)
    assert accept(sibling) is None


def test_in_reply_to_and_references_headers_name_the_message():
    body = "alex@contoso.com: Recall Success"
    headers = [("In-Reply-To", MSG_ID), ("References", "<a@x.com> " + MSG_ID)]
    report = parse_recall_report(mail(EXCHANGE, body=body, headers=headers))
    assert MSG_ID in report.message_ids and "<a@x.com>" in report.message_ids
    assert report_is_for(report, internet_message_id=MSG_ID)
    assert not report_is_for(report, internet_message_id="<other@contoso.com>")
    assert accept(mail(EXCHANGE, body=body, headers=[("References", "<other@contoso.com>")]),
                  conv=CONV) is None


def test_a_classic_notice_from_an_internal_recipient_speaks_only_for_them():
    notice = mail("Alex@Contoso.com", subject=f"Message Recall Success: {SUBJECT}",
                  body=f"Message ID: {MSG_ID}\nmegan@contoso.com: Recall Success",
                  message_class="IPM.Recall.Report.Success")
    assert report_source(notice, DOMAINS) == "recipient"
    report = accept(notice)
    assert report is not None and report.recipients == ()  # megan's line is not alex's to give
    own = mail("alex@contoso.com", subject=f"Message Recall Success: {SUBJECT}",
               body=f"Message ID: {MSG_ID}", message_class="IPM.Recall.Report.Success")
    assert {r.address: r.status for r in accept(own).recipients} == {
        "alex@contoso.com": "succeeded"}


def test_a_notice_needs_the_report_class_and_an_internal_sender():
    plain = mail("alex@contoso.com", subject=f"Message Recall Success: {SUBJECT}",
                 body=f"Message ID: {MSG_ID}", message_class="IPM.Note")
    assert report_source(plain, DOMAINS) is None
    outside = mail("alex@fabrikam.com", subject=f"Message Recall Success: {SUBJECT}",
                   body=f"Message ID: {MSG_ID}", message_class="IPM.Recall.Report.Success")
    assert report_source(outside, DOMAINS) is None


@pytest.mark.parametrize(("value", "expected"), [
    ("IPM.Recall.Report", True), ("IPM.Recall.Report.Success", True),
    ("ipm.recall.report.failure", True), ("IPM.Recall.ReportX", False),
    ("IPM.Outlook.Recall", False), ("IPM.Note", False), (None, False), ("", False),
])
def test_the_report_message_class(value, expected):
    assert is_report_class(value) is expected


def test_the_message_class_makes_a_report_of_a_subject_in_an_unknown_language():
    message = mail(EXCHANGE, subject=f"メッセージの取り消しレポート: {SUBJECT}",
                   message_class="IPM.Recall.Report")
    assert might_be_report(message, DOMAINS)
    report = accept(message)
    assert report is not None and report.kind == "report"
    # Without the class, a subject we cannot read is not worth the body.
    assert not might_be_report(mail(EXCHANGE, subject="メッセージ", message_class="IPM.Note"),
                               DOMAINS)


def test_a_failure_notice_class_implies_failure_for_an_unknown_status_word():
    notice = mail("alex@contoso.com", subject="Xyz", body=f"Message ID: {MSG_ID}",
                  message_class="IPM.Recall.Report.Failure")
    report = accept(notice)
    assert [(r.address, r.status) for r in report.recipients] == [("alex@contoso.com", "failed")]


# ---------------------------------------------------------------------------- French


FRENCH_HTML = f"""<html><body><p>Votre demande de rappel du message ci-dessous a été traitée.</p>
<table><tr><th>Objet&nbsp;:</th><td>{SUBJECT}</td></tr>
<tr><th>ID du message&nbsp;:</th><td>{MSG_ID.replace('<', '&lt;').replace('>', '&gt;')}</td></tr>
</table>
<table><tr><th>Destinataire</th><th>Statut du rappel</th><th>Détails</th></tr>
<tr><td>alex@contoso.com</td><td>Rappel réussi</td><td>Le message a été supprimé.</td></tr>
<tr><td>jordan@gmail.com</td><td>Échec du rappel</td><td>Destinataire externe.</td></tr>
<tr><td>lee@fabrikam.com</td><td>En attente</td><td>Pas encore de réponse.</td></tr>
</table></body></html>"""


def test_a_french_report_is_read():
    message = InboxMessage(f"Rapport de rappel du message : {SUBJECT}", FRENCH_HTML, "html", T0,
                           EXCHANGE)
    report = parse_recall_report(message)
    assert report.kind == "report"
    assert report.original_subject == SUBJECT
    assert report.internet_message_id == MSG_ID
    assert {r.address: r.status for r in report.recipients} == {
        "alex@contoso.com": "succeeded", "jordan@gmail.com": "failed",
        "lee@fabrikam.com": "pending"}
    assert accept(message) is not None


@pytest.mark.parametrize(("subject", "kind", "tail"), [
    (f"Rapport de rappel du message : {SUBJECT}", "report", SUBJECT),
    (f"Rapport de rappel de message pour le message : {SUBJECT}", "report", SUBJECT),
    (f"Rappel du message réussi : {SUBJECT}", "notice", SUBJECT),
    (f"Échec du rappel du message : {SUBJECT}", "notice", SUBJECT),
    (f"Rappel du message échoué : {SUBJECT}", "notice", SUBJECT),
])
def test_french_subjects(subject, kind, tail):
    report = parse_recall_report(InboxMessage(subject, "alex@contoso.com : Rappel réussi",
                                              "text", T0, "alex@contoso.com"))
    assert (report.kind, report.original_subject) == (kind, tail)


@pytest.mark.parametrize(("text", "expected"), [
    ("Rappel réussi", "succeeded"), ("Succès", "succeeded"), ("Message rappelé", "succeeded"),
    ("Échec du rappel", "failed"), ("Le rappel a échoué", "failed"),
    ("Le message n'a pas pu être rappelé", "failed"), ("Impossible de rappeler", "failed"),
    ("En attente", "pending"), ("En cours", "pending"), ("Pas encore rappelé", "pending"),
])
def test_french_status_words(text, expected):
    assert classify_status(text) == (expected, True)
