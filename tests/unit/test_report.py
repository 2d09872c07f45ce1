"""Recall report parsing (recall/report.py): the sandbox's report and other plausible shapes
(plain text, German, partial, malformed, unrelated, entity-encoded, duplicated), the status
vocabulary, merging several reports, and telling a report for a given message apart."""

from __future__ import annotations

import datetime as dt

import pytest

from recall_assistant.recall.report import (
    InboxMessage,
    RecallReport,
    ReportedOutcome,
    is_recall_report,
    merge_reports,
    parse_recall_report,
    report_source,
)
from recall_assistant.recall.report_words import classify_status
from recall_assistant.sandbox.recall_agent import FAILURE, PENDING, SUCCESS, Outcome
from recall_assistant.sandbox.recall_report import render_report

T0 = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)
MSG_ID = "<DB9PR01MB1234.5678@DB9PR01MB1234.eurprd01.prod.outlook.com>"
SUBJECT = "Q3 numbers <draft> & plans"
CONV = "AAQkAGconversation="


def parse(subject: str, body: str, body_type: str | None = None, *,
          received_at: dt.datetime | None = T0, sender: str | None = None) -> RecallReport:
    return parse_recall_report(InboxMessage(subject, body, body_type, received_at, sender))


def outcomes(report: RecallReport) -> dict[str, tuple[str, str, str | None]]:
    return {r.address: (r.status, r.status_text, r.reason) for r in report.recipients}


def statuses(report: RecallReport) -> dict[str, str]:
    return {r.address: r.status for r in report.recipients}


def sandbox_report(*results: Outcome) -> InboxMessage:
    content = render_report(subject=SUBJECT, internet_message_id=MSG_ID,
                            sent=T0.timestamp() - 600, requested=T0.timestamp() - 60,
                            outcomes=results)
    return InboxMessage(content.subject, content.html, "html", T0,
                        "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com")


SANDBOX = sandbox_report(
    Outcome("Alex@Contoso.com", "Alex Wilber", SUCCESS,
            "The message was deleted from the recipient's mailbox.", True),
    Outcome("jordan.miller@gmail.com", "Jordan", FAILURE,
            "The recipient is outside your organization; the message cannot be recalled "
            "from their mailbox."),
    Outcome("lee@fabrikam.com", "Lee", PENDING,
            "The recall request was passed to the recipient's organization, which has not "
            "reported a result."),
)


# ---------------------------------------------------------------------------- report shapes


def test_the_sandbox_report_gives_every_recipient_message_and_subject():
    report = parse_recall_report(SANDBOX)
    assert report.kind == "report"
    assert report.internet_message_id == MSG_ID
    assert report.original_subject == SUBJECT  # from the table, entities decoded
    assert report.received_at == T0
    assert report.problems == ()
    assert outcomes(report) == {
        "alex@contoso.com": ("succeeded", "Recall Success",
                             "The message was deleted from the recipient's mailbox."),
        "jordan.miller@gmail.com": ("failed", "Recall Failure",
                                    "The recipient is outside your organization; the message "
                                    "cannot be recalled from their mailbox."),
        "lee@fabrikam.com": ("pending", "Pending",
                             "The recall request was passed to the recipient's organization, "
                             "which has not reported a result."),
    }
    assert all(r.reported_at == T0 for r in report.recipients)


def test_a_plain_text_report_with_colon_dash_tab_and_name_forms():
    body = """Your recall request for the message below has been processed.

Subject: Budget 2027
Message-ID: <budget.2027@contoso.com>
Sent: Thursday, November 26, 2026 11:50 AM

alex@contoso.com: Recall Success
megan@contoso.com: Recall Failure - The recipient has already read the message.
Lee Gu <lee@contoso.com>: In progress
"Diego" <diego@contoso.com> - Could not recall (message not found)
jordan@gmail.com\tFailed\tOutside your organization
isaiah@contoso.com   Recalled
"""
    report = parse("Message Recall Report: Budget 2027", body, "text")
    assert report.original_subject == "Budget 2027"
    assert report.internet_message_id == "<budget.2027@contoso.com>"
    assert outcomes(report) == {
        "alex@contoso.com": ("succeeded", "Recall Success", None),
        "megan@contoso.com": ("failed", "Recall Failure",
                              "The recipient has already read the message."),
        "lee@contoso.com": ("pending", "In progress", None),
        "diego@contoso.com": ("failed", "Could not recall", "message not found"),
        "jordan@gmail.com": ("failed", "Failed", "Outside your organization"),
        "isaiah@contoso.com": ("succeeded", "Recalled", None),
    }
    assert report.problems == ()


def test_a_text_table_with_a_header_row_maps_its_columns():
    body = "Status | Recipient | Details\nSucceeded | alex@contoso.com | gone\n" \
           "Failed | megan@contoso.com | read already\n"
    report = parse("Message Recall Report", body, "text")
    assert outcomes(report) == {"alex@contoso.com": ("succeeded", "Succeeded", "gone"),
                                "megan@contoso.com": ("failed", "Failed", "read already")}
    assert report.original_subject is None  # neither the subject nor the body names it


def test_a_german_html_report_in_another_column_order_with_a_mailto_link():
    body = """<html><body><p>Betreff: Budget 2027</p>
<table><tr><th>Status</th><th>Details</th><th>Empfänger</th></tr>
<tr><td>Erfolgreich</td><td></td><td>alex@contoso.com</td></tr>
<tr><td>Fehlgeschlagen</td><td>Au&szlig;erhalb Ihrer Organisation</td><td>jordan@gmail.com</td></tr>
<tr><td>Ausstehend</td><td>Wird noch ausgeführt</td>
    <td><a href="mailto:lee@contoso.com">Lee Gu</a></td></tr>
</table></body></html>"""
    report = parse("Nachrichtenrückrufbericht für Nachricht: Budget 2027", body)
    assert report.kind == "report"
    assert report.original_subject == "Budget 2027"
    assert outcomes(report) == {
        "alex@contoso.com": ("succeeded", "Erfolgreich", None),
        "jordan@gmail.com": ("failed", "Fehlgeschlagen", "Außerhalb Ihrer Organisation"),
        "lee@contoso.com": ("pending", "Ausstehend", "Wird noch ausgeführt"),
    }


def test_a_partial_report_keeps_the_pending_recipients_pending():
    report = parse_recall_report(sandbox_report(
        Outcome("alex@contoso.com", "Alex", SUCCESS, "Deleted.", True),
        Outcome("megan@contoso.com", "Megan", PENDING, "Still trying."),
        Outcome("lee@fabrikam.com", "Lee", PENDING, "Passed on."),
    ))
    assert statuses(report) == {"alex@contoso.com": "succeeded",
                                "megan@contoso.com": "pending", "lee@fabrikam.com": "pending"}


def test_a_report_laid_out_one_cell_per_line_is_folded_back_into_rows():
    # What some HTML-to-text conversions make of the sandbox's tables.
    body = ("Subject:\n\nBudget\n\nMessage ID:\n\n<abc@contoso.com>\n\nRecipient\n\n"
            "Recall status\n\nDetails\n\nalex@contoso.com\n\nRecall Success\n\nDeleted.\n\n"
            "megan@contoso.com\n\nPending\n\nStill trying.\n\n"
            "Recipients marked Pending may still change.\n")
    report = parse("Message Recall Report for message: Budget", body, "text")
    assert report.internet_message_id == "<abc@contoso.com>"
    assert report.original_subject == "Budget"
    assert outcomes(report) == {"alex@contoso.com": ("succeeded", "Recall Success", "Deleted."),
                                "megan@contoso.com": ("pending", "Pending", "Still trying.")}


def test_labelled_records_make_one_outcome_each():
    body = ("Recipient: alex@contoso.com\nStatus: Recall Success\n\n"
            "Recipient: megan@contoso.com\nStatus: Recall Failure\nReason: already read\n")
    report = parse("Message Recall Report", body, "text")
    assert outcomes(report) == {"alex@contoso.com": ("succeeded", "Recall Success", None),
                                "megan@contoso.com": ("failed", "Recall Failure",
                                                      "already read")}


def test_the_original_messages_own_headers_are_not_taken_for_recipients():
    body = ("From: Adele Vance <adele@contoso.com>\nTo: alex@contoso.com;\n"
            "    megan@contoso.com; lee@contoso.com\n"  # a folded To line: a list of addresses
            "Cc: lee@contoso.com\nMessage ID: <abc@contoso.com>\n\n"
            "alex@contoso.com: Recall Success\n")
    report = parse("Message Recall Report", body, "text")
    assert statuses(report) == {"alex@contoso.com": "succeeded"}
    assert report.problems == ()
    table = ("<table><tr><th>From:</th><td>adele@contoso.com</td></tr>"
             "<tr><th>To:</th><td>alex@contoso.com</td></tr>"
             "<tr><th>Cc:</th><td>lee@contoso.com</td></tr></table>"
             "<p>alex@contoso.com: Recall Success</p>")
    report = parse("Message Recall Report", table)
    assert statuses(report) == {"alex@contoso.com": "succeeded"}
    assert report.problems == ()


def test_a_classic_recall_notice_names_its_recipient_as_the_sender():
    body = "Your message\nTo: Alex Wilber\nSubject: Budget\nSent: 26/11/2026 11:50\n\n" \
           "was recalled on 26/11/2026 11:55."
    success = parse("Message Recall Success: Budget", body, sender="Alex@Contoso.com")
    assert success.kind == "notice"
    assert success.original_subject == "Budget"
    assert outcomes(success) == {"alex@contoso.com": ("succeeded", "Message Recall Success",
                                                      None)}
    failure = parse("Message Recall Failure: Budget", "could not be recalled",
                    sender="megan@contoso.com")
    assert statuses(failure) == {"megan@contoso.com": "failed"}
    nobody = parse("Message Recall Failure: Budget", "could not be recalled")
    assert nobody.recipients == ()
    assert any("sender" in p for p in nobody.problems)


# ---------------------------------------------------------------------------- hostile and odd mail


def test_broken_html_without_a_table_gives_no_recipients_and_says_why():
    report = parse("Message Recall Report for message: x",
                   "<div><p>Your recall <b>was processed<div><span>see the web page</table>")
    assert report.kind == "report"
    assert report.recipients == ()
    assert "no per-recipient results found in the body" in report.problems


def test_unclosed_cells_rows_and_tables_still_read():
    body = ("<p>broken<table><tr><th>Recipient<th>Status<tr><td>alex@contoso.com"
            "<td>Recall Success<tr><td>megan@contoso.com<td>Recall&nbsp;&nbsp;Failure")
    report = parse("Message Recall Report: x", body)
    assert outcomes(report) == {"alex@contoso.com": ("succeeded", "Recall Success", None),
                                "megan@contoso.com": ("failed", "Recall Failure", None)}


def test_an_unrelated_mail_is_no_report_even_with_address_lines():
    message = InboxMessage("Lunch on Friday?", "alex@contoso.com: Recall Success\n", "text", T0)
    report = parse_recall_report(message)
    assert report.kind is None
    assert report.recipients == ()
    assert report.problems == ("the subject is not a recall report's",)
    assert not is_recall_report(message, original_subject="Lunch on Friday?")


@pytest.mark.parametrize("address_html", [
    "alex&#64;contoso.com",
    "alex&#x40;contoso&period;com",
    "&lt;alex@contoso.com&gt;",
    "Alex Wilber &lt;ALEX@CONTOSO.COM&gt;",
    "alex@&#8203;contoso.com",  # a zero-width space inside
    '<a href="mailto:alex%40contoso.com?subject=x">Alex Wilber</a>',
])
def test_entity_encoded_and_wrapped_addresses(address_html):
    body = (f"<table><tr><th>Recipient</th><th>Status</th></tr>"
            f"<tr><td>{address_html}</td><td>Recall Success</td></tr></table>")
    report = parse("Message Recall Report: x", body)
    assert statuses(report) == {"alex@contoso.com": "succeeded"}


def test_a_recipient_listed_twice_keeps_the_most_definite_answer_and_says_so():
    body = ("<table><tr><th>Recipient</th><th>Status</th></tr>"
            "<tr><td>alex@contoso.com</td><td>Pending</td></tr>"
            "<tr><td>megan@contoso.com</td><td>Failed</td></tr>"
            "<tr><td>ALEX@contoso.com</td><td>Recall Success</td></tr>"
            "<tr><td>megan@contoso.com</td><td>Pending</td></tr></table>")
    report = parse("Message Recall Report: x", body)
    assert [r.address for r in report.recipients] == ["alex@contoso.com", "megan@contoso.com"]
    assert statuses(report) == {"alex@contoso.com": "succeeded", "megan@contoso.com": "failed"}
    assert "alex@contoso.com is listed 2 times; kept 'Recall Success'" in report.problems


def test_unknown_status_words_are_pending_with_the_raw_text_kept():
    report = parse("Message Recall Report", "alex@contoso.com: Quarantined by policy\n"
                   "megan@contoso.com\t\tdetail only\n", "text")
    assert outcomes(report)["alex@contoso.com"] == ("pending", "Quarantined by policy", None)
    assert report.recipients[1].status == "pending"
    assert any("Quarantined by policy" in p and "pending" in p for p in report.problems)


@pytest.mark.parametrize("body", [
    "",
    "<",
    "<<<>>>&&&;;;",
    "<table><tr><td>",
    "<table>" * 500 + "alex@contoso.com" + "</td>" * 500,
    "<script>alex@contoso.com: Recall Success",
    "<!-- alex@contoso.com: Recall Success",
    "\x00\x1f\ufeff" * 100,
    "<a b='" * 10_000,  # minutes for html.parser (quadratic); the report tokenizer is linear
    "a" * 1_100_000,
])
def test_malformed_bodies_never_raise(body):
    report = parse("Message Recall Report: x", body)
    assert report.recipients == ()
    assert report.problems


def test_script_and_comment_text_is_never_read_as_an_outcome():
    body = ("<head><style>alex@contoso.com: Recall Success</style></head>"
            "<div><script>isaiah@contoso.com: Recall Success</script></div>"
            "<div><!-- megan@contoso.com: Recall Success --></div>"
            "<p>lee@contoso.com: Recall Failure</p>")
    assert statuses(parse("Message Recall Report: x", body)) == {"lee@contoso.com": "failed"}


def test_a_naive_received_time_is_a_programming_error():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse("Message Recall Report: x", "", received_at=dt.datetime(2026, 11, 26))


# ---------------------------------------------------------------------------- status words


@pytest.mark.parametrize(("text", "expected"), [
    ("Recall Success", ("succeeded", True)),
    ("Succeeded", ("succeeded", True)),
    ("Recalled", ("succeeded", True)),
    ("successfully recalled", ("succeeded", True)),
    ("Erfolgreich", ("succeeded", True)),
    ("Zurückgerufen", ("succeeded", True)),
    ("Recall Failure", ("failed", True)),
    ("FAILED", ("failed", True)),
    ("Could not recall", ("failed", True)),
    ("couldn't be recalled", ("failed", True)),
    ("Not recalled", ("failed", True)),
    ("Unsuccessful", ("failed", True)),
    ("Fehlgeschlagen", ("failed", True)),
    ("Nicht erfolgreich", ("failed", True)),
    ("Pending", ("pending", True)),
    ("In  progress", ("pending", True)),
    ("Ausstehend", ("pending", True)),
    ("Noch nicht zurückgerufen", ("pending", True)),
    ("Recall Failure - retrying", ("pending", True)),
    ("Quarantined", ("pending", False)),
    ("", ("pending", False)),
])
def test_status_vocabulary(text, expected):
    assert classify_status(text) == expected


# ---------------------------------------------------------------------------- merging


def report_at(minutes: int | None, *lines: tuple[str, str], message_id: str | None = MSG_ID,
              problems: tuple[str, ...] = ()) -> RecallReport:
    when = None if minutes is None else T0 + dt.timedelta(minutes=minutes)
    return RecallReport(
        subject=f"Message Recall Report for message: {SUBJECT}", kind="report", received_at=when,
        original_subject=SUBJECT, internet_message_id=message_id,
        recipients=tuple(ReportedOutcome(a, s, s.title(), None, when)  # type: ignore[arg-type]
                         for a, s in lines), problems=problems)


def test_a_later_report_wins_per_recipient_and_new_recipients_join():
    first = report_at(0, ("alex@contoso.com", "pending"), ("megan@contoso.com", "pending"))
    later = report_at(30, ("megan@contoso.com", "failed"), ("lee@contoso.com", "pending"))
    merged = merge_reports([later, first])  # order given does not matter, times do
    assert statuses(merged) == {"alex@contoso.com": "pending", "megan@contoso.com": "failed",
                                "lee@contoso.com": "pending"}
    assert merged.received_at == T0 + dt.timedelta(minutes=30)
    assert {r.address: r.reported_at for r in merged.recipients}["alex@contoso.com"] == T0


def test_a_success_is_never_downgraded():
    success = report_at(0, ("alex@contoso.com", "succeeded"), ("megan@contoso.com", "pending"))
    # A repeated recall reports the deleted copy as not found, a retry as pending again.
    later = report_at(10, ("alex@contoso.com", "failed"), ("megan@contoso.com", "succeeded"))
    latest = report_at(20, ("alex@contoso.com", "pending"), ("megan@contoso.com", "pending"))
    merged = merge_reports([latest, success, later])
    assert statuses(merged) == {"alex@contoso.com": "succeeded", "megan@contoso.com": "succeeded"}
    assert merge_reports([success, later]).recipients[0].reported_at == T0


def test_reports_without_a_time_count_as_the_oldest():
    undated = report_at(None, ("alex@contoso.com", "failed"))
    dated = report_at(5, ("alex@contoso.com", "pending"))
    assert statuses(merge_reports([dated, undated])) == {"alex@contoso.com": "pending"}


def test_a_report_about_another_message_is_left_out_with_a_problem():
    mine = report_at(0, ("alex@contoso.com", "succeeded"), problems=("p1",))
    other = report_at(5, ("alex@contoso.com", "failed"), ("eve@contoso.com", "failed"),
                      message_id="<other@contoso.com>")
    merged = merge_reports([mine, other, report_at(1, ("megan@contoso.com", "failed"),
                                                   message_id=None)])
    # The newest known id wins: here that is the other message's, so only it and the undated
    # one are kept. The caller is meant to pass reports of one message.
    assert merged.internet_message_id == "<other@contoso.com>"
    assert "eve@contoso.com" in statuses(merged)
    assert any("left out" in p for p in merged.problems)
    clean = merge_reports([mine, report_at(1, ("megan@contoso.com", "failed"))])
    assert statuses(clean) == {"alex@contoso.com": "succeeded", "megan@contoso.com": "failed"}
    assert clean.problems == ("p1",)


def test_merging_nothing_gives_an_empty_report():
    merged = merge_reports([])
    assert merged.recipients == () and merged.kind is None and merged.received_at is None


# ---------------------------------------------------------------------------- is it the report?


@pytest.mark.parametrize(("subject", "expected"), [
    (f"Message Recall Report for message: {SUBJECT}", True),
    (f"Message Recall Report: {SUBJECT}", True),
    (f"message recall report - {SUBJECT.upper()}", True),
    (f"Recall Report for message:   {SUBJECT}", True),
    (f"Nachrichtenrückrufbericht für Nachricht: {SUBJECT}", True),
    (f"Rückrufbericht: {SUBJECT}", True),
    (f"Message Recall Success: {SUBJECT}", True),
    (f"Message Recall Failure: {SUBJECT}", True),
    (f"Nachrichtenrückruf erfolgreich: {SUBJECT}", True),
    (f"Recall: {SUBJECT}", True),  # the body below lists outcomes
    (f"RE: Message Recall Report for message: {SUBJECT}", False),
    (f"Recall {SUBJECT}", False),
    ("Message Recall Report for message: another subject", False),
    (SUBJECT, False),
])
def test_within_the_conversation_the_subject_decides_whether_it_is_a_report(subject, expected):
    # Changed by issue 12: a subject alone never matches; with no message id named, the
    # conversation must be the original's, and then the quoted subject must be its too.
    body = "alex@contoso.com: Recall Success"
    message = InboxMessage(subject, body, "text", T0, "alex@contoso.com", conversation_id=CONV)
    assert is_recall_report(message, original_subject=SUBJECT, conversation_id=CONV) is expected
    assert not is_recall_report(message, original_subject=SUBJECT)  # the subject alone: never


def test_a_bare_recall_request_is_not_a_report():
    request = InboxMessage(f"Recall: {SUBJECT}", "Adele would like to recall the message.",
                           "text", T0)
    assert not is_recall_report(request, original_subject=SUBJECT)


def test_the_message_id_decides_when_both_sides_have_one():
    assert is_recall_report(SANDBOX, original_subject=SUBJECT, internet_message_id=MSG_ID)
    # Another message with the same subject: the id tells them apart.
    assert not is_recall_report(SANDBOX, original_subject=SUBJECT,
                                internet_message_id="<other@contoso.com>")
    # The id matches even with another subject, and in another case or without brackets.
    assert is_recall_report(SANDBOX, original_subject="renamed",
                            internet_message_id=MSG_ID.strip("<>").lower())
    # Changed by issue 12: no id on our side, while the report names one, is no match, even
    # with the same subject (it used to match by subject).
    assert not is_recall_report(SANDBOX, original_subject=SUBJECT)


def test_a_subject_cut_short_with_an_ellipsis_still_matches():
    long = "Quarterly numbers for the whole region, draft seven, please do not forward"
    message = InboxMessage(f"Message Recall Report for message: {long[:40]}…",
                           "alex@contoso.com: Recall Success", "text", T0, conversation_id=CONV)
    assert is_recall_report(message, original_subject=long, conversation_id=CONV)
    assert not is_recall_report(message, original_subject="Quarterly numbers for another team",
                                conversation_id=CONV)


def test_only_the_tenants_exchange_mailbox_speaks_for_a_report():
    # Replaces the old optional trusted_domains check: the sender is now always checked.
    report = parse_recall_report(SANDBOX)
    assert report.sender == "microsoftexchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com"
    assert report_source(SANDBOX, ["Contoso.com"]) == "exchange"
    forged = InboxMessage(SANDBOX.subject, SANDBOX.body, "html", T0,
                          "outlook@contoso-support.example")
    assert report_source(forged, ["contoso.com"]) is None
    unsigned = InboxMessage(SANDBOX.subject, SANDBOX.body, "html", T0)
    assert report_source(unsigned, ["contoso.com"]) is None
