"""The recall's life against the sandbox tenant: one recall per message, every recall ends,
"Try again" only for those a retry could help, and the correction's "unrecallable" audience
from the merged outcome."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from pathlib import Path

import pytest

from recall_assistant.sandbox.fixture import default_fixture_path, parse_tenant
from recall_assistant.sandbox.options import SandboxOptions
from tests.integration.test_recall_api import ADELE, COPIES, PRICING, Pane


def sandbox_of(live):
    return live.sandbox_app.extensions["sandbox"]


def sent_count(live) -> int:
    return len(live.sandbox.mail.messages(ADELE, "sentitems", live.sandbox.clock()))


def follow(pane, recall_id, until, timeout=15.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = pane.get(f"/api/recalls/{recall_id}").json()
        if until(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def people(body) -> dict:
    return {r["address"]: r for r in body["recipients"]}


def test_a_second_recall_shows_the_first_and_changes_nothing(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3))
    pane = Pane(live)
    first = pane.recall(COPIES)
    assert first.status_code == 202
    settled = follow(pane, first.json()["id"], lambda b: b["settled"])
    assert settled["reportReceived"] and settled["status"] == "completed"
    sent = sent_count(live)

    second = pane.recall(COPIES, key="second-recall-1")
    assert second.status_code == 200, second.text
    assert second.json() == {"id": first.json()["id"], "status": "completed",
                             "messageId": COPIES, "alreadyRecalled": True}
    # With a replacement too: nothing recalled, nothing sent.
    replace = pane.recall(COPIES, replaceWith={"templateId": "please-disregard"})
    assert replace.status_code == 200 and replace.json()["alreadyRecalled"] is True
    assert len(live.sandbox.mail.recalls) == 1  # Graph was asked once
    assert sent_count(live) == sent
    time.sleep(0.5)  # a second report, had there been a second recall, would be in by now
    after = pane.get(f"/api/recalls/{first.json()['id']}").json()
    assert after["recipients"] == settled["recipients"]
    assert after["summary"] == settled["summary"] == {"succeeded": 2, "failed": 1,
                                                      "pending": 0, "noReport": 0}
    # The 200 is the key's answer, like any other.
    replayed = pane.recall(COPIES, key="second-recall-1")
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == second.json()
    listed = pane.get("/api/recalls", messageId=COPIES).json()["recalls"]
    assert [r["id"] for r in listed] == [first.json()["id"]]


def test_two_first_recalls_at_once_recall_once(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3))
    panes = [Pane(live), Pane(live)]
    answers = [None, None]
    start = threading.Barrier(2)

    def recall(index):
        start.wait()
        answers[index] = panes[index].recall(PRICING)

    threads = [threading.Thread(target=recall, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [200, 202]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert len(live.sandbox.mail.recalls) == 1


def test_with_a_short_wait_a_partner_tenant_recall_ends_with_nobody_pending(
        live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3),
                               RA_RECALL_REPORT_WAIT_S="6")
    pane = Pane(live)
    started = pane.recall(PRICING).json()
    early = pane.get(f"/api/recalls/{started['id']}").json()
    buyer = people(early)["buyer@fabrikam.com"]
    assert buyer["status"] == "pending" and buyer["mayNeverConfirm"] is True
    assert people(early)["alex@contoso.com"]["mayNeverConfirm"] is False
    assert early["notReached"] == 2  # gmail (impossible) and the partner, from the start
    assert early["waitUntil"] > early["requestedAt"]

    reported = follow(pane, started["id"], lambda b: b["reportReceived"])
    assert people(reported)["alex@contoso.com"]["status"] == "succeeded"
    assert people(reported)["buyer@fabrikam.com"]["status"] == "pending"  # the sandbox's word
    assert reported["settled"] is False

    ended = follow(pane, started["id"], lambda b: b["settled"], timeout=12)
    assert ended["settled"] is True and ended["status"] == "completed"
    assert [r["status"] for r in ended["recipients"]].count("pending") == 0
    buyer = people(ended)["buyer@fabrikam.com"]
    assert buyer["status"] == "no_report" and buyer["source"] == "wait_limit"
    assert buyer["reason"]["code"] == "no_report"
    assert "may still be in their mailbox" in buyer["reason"]["text"]
    assert ended["summary"] == {"succeeded": 1, "failed": 1, "pending": 0, "noReport": 1}
    assert ended["notReached"] == 2 and ended["retryable"] == 0
    store = live.app.extensions["recall_assistant"].store
    [done] = [e for e in store.iter_audit()
              if e.event == "recall.completed" and e.action_id == started["id"]]
    assert done.details["noReport"] == 1 and done.details["endedBy"] == "wait_limit"

    # Nobody a retry could help: the partner tenant and gmail are out of our reach.
    refused = pane.recall(PRICING, retry=True)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "nothing_to_retry"
    assert len(live.sandbox.mail.recalls) == 1


def test_retry_covers_only_the_retryable_and_not_found_never_reads_failed(live_server_factory):
    # No report ever comes for the first recall (alex's copy is removed all the same).
    live = live_server_factory(options=SandboxOptions(report_delay_s=3600),
                               RA_RECALL_REPORT_WAIT_S="1")
    pane = Pane(live)
    nothing = pane.recall(PRICING, retry=True)
    assert nothing.status_code == 409 and nothing.json()["error"]["code"] == "nothing_to_retry"
    started = pane.recall(PRICING).json()
    ended = follow(pane, started["id"], lambda b: b["settled"])
    assert {a: r["status"] for a, r in people(ended).items()} == {
        "alex@contoso.com": "no_report", "jordan.miller@gmail.com": "failed",
        "buyer@fabrikam.com": "no_report"}
    assert {a for a, r in people(ended).items() if r["retryable"]} == {"alex@contoso.com"}
    assert ended["retryable"] == 1 and ended["notReached"] == 3

    sandbox = sandbox_of(live)
    sandbox.options = dataclasses.replace(sandbox.options, report_delay_s=0.2)
    retried = pane.recall(PRICING, retry=True)
    assert retried.status_code == 202, retried.text
    answer = retried.json()
    assert answer["id"] == started["id"] and answer["retried"] == 1
    assert answer["status"] == "submitted" and answer["attemptId"] != started["id"]
    assert len(live.sandbox.mail.recalls) == 2
    # The sandbox (as Exchange) answers the second recall with "not found" for alex.
    assert {o.address: o.status for o in live.sandbox.mail.recalls[-1].outcomes}[
        "alex@contoso.com"] == "Recall Failure"

    merged = follow(pane, started["id"], lambda b: b["settled"] and b["reportReceived"])
    alex = people(merged)["alex@contoso.com"]
    assert alex["status"] == "succeeded" and alex["reason"]["code"] == "gone_before_retry"
    assert people(merged)["buyer@fabrikam.com"]["status"] == "no_report"  # not the retry's
    assert people(merged)["jordan.miller@gmail.com"]["status"] == "failed"
    assert merged["retryable"] == 0 and merged["notReached"] == 2
    # The first recall's own lines keep what was said of it: the retry's report is the retry's.
    store = live.app.extensions["recall_assistant"].store
    assert {o.address: o.status for o in store.outcomes(started["id"])}[
        "alex@contoso.com"] == "no_report"
    attempt = pane.get(f"/api/recalls/{answer['attemptId']}").json()
    assert [r["address"] for r in attempt["recipients"]] == ["alex@contoso.com"]
    listed = pane.get("/api/recalls", messageId=PRICING).json()["recalls"]
    assert [r["id"] for r in listed] == [started["id"]]

    again = pane.recall(PRICING, retry=True)
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_retry"

    # The unrecallable correction goes to those the merged view says were not reached.
    preview = pane.post("/api/corrections/preview", {
        "messageId": PRICING, "templateId": "please-disregard", "audience": "unrecallable"},
        key=None)
    assert preview.status_code == 200, preview.text
    to = {p["address"] for field in ("to", "cc", "bcc") for p in preview.json()["recipients"][field]}
    assert to == {"jordan.miller@gmail.com", "buyer@fabrikam.com"}


@pytest.mark.parametrize("value", ["0", "soon", "-5"])
def test_a_bad_report_wait_stops_the_start(tmp_path, value):
    from recall_assistant.errors import ConfigError
    from tests.support import sandbox_settings

    with pytest.raises(ConfigError, match="RA_RECALL_REPORT_WAIT_S"):
        sandbox_settings(tmp_path, 3000, RA_RECALL_REPORT_WAIT_S=value)


def test_the_report_wait_defaults_to_a_day(tmp_path):
    from tests.support import sandbox_settings

    assert sandbox_settings(tmp_path, 3000).recall_report_wait_s == 86_400


def test_the_status_carries_the_correction_line_of_delete_and_replace(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.3))
    pane = Pane(live)
    started = pane.recall(COPIES, replaceWith={"templateId": "please-disregard"})
    assert started.status_code == 202, started.text
    correction = started.json()["correction"]
    body = pane.get(f"/api/recalls/{started.json()['id']}").json()
    assert body["correction"] == {"id": correction["id"], "status": "completed", "error": None,
                                  "recipients": 3}
    plain = Pane(live).recall(PRICING).json()
    assert pane.get(f"/api/recalls/{plain['id']}").json()["correction"] is None


def test_a_retry_never_takes_the_first_recalls_report_for_its_own(live_server_factory):
    # Read copies are not recalled here, so Isaiah and Lynne are worth another try. Graph gives
    # receivedDateTime to the second: a report of the first recall received in the second the
    # retry was asked for must not read as the retry's answer.
    raw = json.loads(Path(default_fixture_path()).read_text(encoding="utf-8"))
    raw["tenant"]["policy"]["recallReadMessagesEnabled"] = False
    live = live_server_factory(tenant=parse_tenant(raw, source="test"),
                               options=SandboxOptions(report_delay_s=0.2))
    pane = Pane(live)
    started = pane.recall(COPIES).json()
    ended = follow(pane, started["id"], lambda b: b["settled"])
    assert {a for a, r in people(ended).items() if r["retryable"]} == {
        "isaiah@contoso.com", "lynne@contoso.com"}

    sandbox = sandbox_of(live)
    sandbox.options = dataclasses.replace(sandbox.options, report_delay_s=3600)
    mail = sandbox.mail
    first_report = next(m for m in mail.messages(ADELE, "inbox", sandbox.clock())
                        if m.message_class.startswith("IPM.Recall.Report"))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sandbox.clock()))
    # The same report again, received now (Exchange may deliver a late duplicate).
    mail.receive(dataclasses.replace(first_report, id="", received=stamp, sent=stamp))
    retried = pane.recall(COPIES, retry=True)
    assert retried.status_code == 202, retried.text

    now = pane.get(f"/api/recalls/{started['id']}").json()
    assert now["settled"] is False
    assert {a: r["status"] for a, r in people(now).items()} == {
        "isaiah@contoso.com": "pending", "johanna@contoso.com": "failed",
        "lynne@contoso.com": "pending"}
