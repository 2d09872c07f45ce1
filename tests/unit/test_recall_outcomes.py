"""The pure rules of a recall's outcomes: which answer stands, when the wait ends, who a retry
could help, and how a retry folds into the first recall."""

from __future__ import annotations

import datetime as dt

import pytest

from recall_assistant.recall import outcomes as rules
from recall_assistant.recall.outcomes import Line, PersonFacts

REMOVED = Line("succeeded", "report", "report_succeeded")
FAILED = Line("failed", "report", "report_failed")
NOT_FOUND = Line("failed", "report", "report_not_found")
PENDING_REPORT = Line("pending", "report", "report_pending")
IMPOSSIBLE = Line("failed", "eligibility", "consumer_mail")
NO_REPORT = Line("no_report", "wait_limit", "no_report")
GONE = Line("succeeded", "deep_check", "copy_removed")
PRESENT = Line("pending", "deep_check", "copy_present")

ALEX = PersonFacts("internal_user", "likely", None)
SHARED = PersonFacts("shared_mailbox", "likely", None)
GMAIL = PersonFacts("external", "impossible", "consumer_mail")
PARTNER = PersonFacts("external", "unknown", "cross_tenant_listed")


@pytest.mark.parametrize(("current", "candidate", "stands"), [
    (None, PENDING_REPORT, PENDING_REPORT),
    (rules.PENDING, FAILED, FAILED),
    (PENDING_REPORT, REMOVED, REMOVED),
    (IMPOSSIBLE, REMOVED, REMOVED),            # the report beats the forecast
    (IMPOSSIBLE, FAILED, IMPOSSIBLE),          # agreeing: the forecast's reason is clearer
    (FAILED, REMOVED, REMOVED),                # the newer report wins between equals
    (REMOVED, FAILED, REMOVED),                # a removed copy stays removed
    (REMOVED, NOT_FOUND, REMOVED),
    (REMOVED, GONE, GONE),
    (FAILED, PRESENT, FAILED),                 # pending never reopens a settled line
    (NO_REPORT, PENDING_REPORT, NO_REPORT),    # every recall ends once
    (NO_REPORT, PRESENT, NO_REPORT),
    (NO_REPORT, REMOVED, REMOVED),             # a late report is still believed
    (NO_REPORT, FAILED, FAILED),
    (GONE, FAILED, GONE),                      # the mailbox beats the report
])
def test_which_answer_stands(current, candidate, stands):
    assert rules.prefer(current, candidate) == stands


@pytest.mark.parametrize(("status", "text", "retry", "line"), [
    ("succeeded", None, False, Line("succeeded", "report", "report_succeeded")),
    ("failed", "The recipient has already read the message.", False, FAILED),
    ("failed", "The message was not found in the recipient's mailbox.", False, NOT_FOUND),
    ("failed", "Die Nachricht wurde im Postfach nicht gefunden.", False, NOT_FOUND),
    ("failed", "Le message est introuvable dans la boîte aux lettres.", False, NOT_FOUND),
    # A retry's "not found": nothing was left to remove, never "failed".
    ("failed", "The message was not found in the recipient's mailbox.", True,
     Line("succeeded", "report", rules.GONE_BEFORE_RETRY)),
    ("failed", "The recipient has already read the message.", True, FAILED),
    ("pending", None, True, PENDING_REPORT),
])
def test_a_reports_line(status, text, retry, line):
    assert rules.report_line(status, text, retry=retry) == line


def test_the_wait_ends_at_requested_plus_the_setting():
    at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert rules.wait_until(at, 86_400) == dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
    assert not rules.past_wait(at, 6, at + dt.timedelta(seconds=5.9))
    assert rules.past_wait(at, 6, at + dt.timedelta(seconds=6))


@pytest.mark.parametrize(("line", "over", "after"), [
    (None, False, rules.PENDING),
    (None, True, NO_REPORT),
    (PENDING_REPORT, True, NO_REPORT),
    (PRESENT, True, NO_REPORT),
    (PENDING_REPORT, False, PENDING_REPORT),
    (REMOVED, True, REMOVED),
    (FAILED, True, FAILED),
])
def test_at_the_wait_limit_only_the_pending_change(line, over, after):
    assert rules.at_wait_limit(line, over=over) == after


@pytest.mark.parametrize(("person", "line", "retryable"), [
    (ALEX, NO_REPORT, True),
    (ALEX, FAILED, True),
    (SHARED, FAILED, True),
    (ALEX, NOT_FOUND, False),      # the copy is not there: nothing to remove
    (ALEX, REMOVED, False),
    (ALEX, PENDING_REPORT, False),
    (GMAIL, IMPOSSIBLE, False),
    (GMAIL, FAILED, False),
    (PARTNER, NO_REPORT, False),   # another tenant's mailbox: our recall is all there is
    (PersonFacts("internal_user", "impossible", "no_mailbox"), FAILED, False),
])
def test_who_a_retry_could_help(person, line, retryable):
    assert rules.retryable(person, line) is retryable


@pytest.mark.parametrize(("person", "line", "not_reached"), [
    (ALEX, REMOVED, False),
    (ALEX, PENDING_REPORT, False),
    (ALEX, FAILED, True),
    (ALEX, NO_REPORT, True),
    (PARTNER, rules.PENDING, True),   # may never be confirmed: offered the correction at once
    (PARTNER, REMOVED, False),
    (GMAIL, IMPOSSIBLE, True),
])
def test_who_a_correction_should_reach(person, line, not_reached):
    assert rules.not_reached(person, line) is not_reached
    assert rules.may_never_confirm(person) is (person is PARTNER)


def test_retries_fold_in_newest_first_but_a_removed_copy_stays_removed():
    first = {"alex@c": REMOVED, "lee@c": FAILED, "max@c": NO_REPORT, "gmail@x": IMPOSSIBLE}
    retry = {"lee@c": Line("succeeded", "report", rules.GONE_BEFORE_RETRY),
             "max@c": rules.PENDING}
    again = {"max@c": FAILED, "alex@c": FAILED}
    merged = rules.merge_attempts([first, retry, again])
    assert merged == {"alex@c": REMOVED, "lee@c": retry["lee@c"], "max@c": FAILED,
                      "gmail@x": IMPOSSIBLE}
    assert rules.merge_attempts([first]) == first


def test_the_summary_counts_each_status():
    assert rules.summary([REMOVED, FAILED, NO_REPORT, rules.PENDING, NOT_FOUND]) == {
        "succeeded": 1, "failed": 2, "pending": 1, "noReport": 1}
