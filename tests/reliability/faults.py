"""Recalls and corrections while the sandbox's Graph fails 30% of requests.

Faults (429 with Retry-After, 503, gateway time-outs) are drawn before the sandbox does
anything, so a faulted request never half-happens; the Graph client retries 429/503 itself
within its budget. Each logical request here is one recall or one correction of its own sent
message, sent by a client that does what the pane does: retry with the same Idempotency-Key
until the answer is final (a success, an answer marked ``Idempotent-Replayed``, or a 4xx).

Then the sandbox is counted (recalls per message, corrections per conversation in Sent Items)
and the audit log read: nothing is done twice, everything answered as done was done exactly
once, and every action has its audit rows, ending in the state the client was told.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from recall_assistant.ops.devcerts import DevCertificates
from recall_assistant.sandbox.fixture import parse_tenant
from recall_assistant.sandbox.options import SandboxOptions
from tests.support import LiveServer
from tests.support.reliability import SENDER, client, new_key, start_server

TENANT_ID = "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60"
COLLEAGUES = 6
FINAL_IF_REPLAYED = "Idempotent-Replayed"


def drill_tenant(recalls: int, corrections: int, replacements: int = 0) -> Any:
    """A sender with one sent message per logical request, each to three colleagues."""
    users = [{"id": f"00000000-0000-4000-8000-{i:012d}", "mail": f"colleague{i}@contoso.com",
              "displayName": f"Colleague {i}"} for i in range(COLLEAGUES)]
    users.append({"id": "00000000-0000-4000-9000-000000000001", "mail": SENDER,
                  "displayName": "Adele Vance"})
    messages = []
    for kind, count in (("recall", recalls), ("correction", corrections),
                        ("replace", replacements)):
        for n in range(count):
            messages.append({
                "id": f"AAMkAGRyaWxs-{kind}-{n}", "owner": SENDER, "folder": "sentitems",
                "subject": f"Drill {kind} {n}", "sentDateTime": "now-5m",
                "internetMessageId": f"<drill-{kind}-{n}@contoso.com>",
                "toRecipients": [f"colleague{(n + i) % COLLEAGUES}@contoso.com"
                                 for i in range(3)]})
    return parse_tenant({"tenant": {"id": TENANT_ID, "verifiedDomains": ["contoso.com"]},
                         "users": users, "groups": [], "messages": messages},
                        source="fault drill")


@dataclass
class Attempted:
    kind: str
    message_id: str
    key: str
    status: int = 0
    body: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


@dataclass
class FaultReport:
    requests: int = 0
    attempts: int = 0
    outcomes: Counter = field(default_factory=Counter)  # what the client was told at the end
    done: Counter = field(default_factory=Counter)  # per kind: done exactly once
    done_twice: list[str] = field(default_factory=list)
    answered_done_not_done: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    audit_mismatch: list[str] = field(default_factory=list)
    duplicate_actions: list[str] = field(default_factory=list)
    graph_retries: int = 0
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return (self.done_twice + self.answered_done_not_done + self.unaudited
                + self.audit_mismatch + self.duplicate_actions)

    def as_json(self) -> dict[str, Any]:
        return {"requests": self.requests, "client_attempts": self.attempts,
                "done_exactly_once": dict(self.done), "final_answers": dict(self.outcomes),
                "done_twice": len(self.done_twice),
                "answered_done_but_not_done": len(self.answered_done_not_done),
                "unaudited": len(self.unaudited), "audit_mismatches": len(self.audit_mismatch),
                "duplicate_actions": len(self.duplicate_actions),
                "seconds": round(self.seconds, 1)}


def run_fault_drill(folder: Path, certs: DevCertificates, *, recalls: int, corrections: int,
                    replacements: int = 0, fault_rate: float = 0.3, seed: int = 8,
                    workers: int = 4, max_attempts: int = 40) -> FaultReport:
    """``replacements`` are recalls with ``replaceWith`` (delete and replace): a recall and
    then a correction in one request."""
    options = SandboxOptions(fault_rate=fault_rate, fault_seed=seed, report_delay_s=0.5,
                             timeout_fault_s=1.0)
    live, stop = start_server(folder, certs,
                              tenant=drill_tenant(recalls, corrections, replacements),
                              options=options, RA_HTTP_TIMEOUT_S="5",
                              RA_DIRECTORY_CACHE_TTL_S="0")
    try:
        return _drill(live, recalls, corrections, replacements, workers, max_attempts)
    finally:
        stop()


def _drill(live: LiveServer, recalls: int, corrections: int, replacements: int, workers: int,
           max_attempts: int) -> FaultReport:
    report = FaultReport()
    started = time.perf_counter()
    planned = [Attempted("recall", f"AAMkAGRyaWxs-recall-{n}", new_key())
               for n in range(recalls)]
    planned += [Attempted("correction", f"AAMkAGRyaWxs-correction-{n}", new_key())
                for n in range(corrections)]
    planned += [Attempted("replace", f"AAMkAGRyaWxs-replace-{n}", new_key())
                for n in range(replacements)]
    session = client(live)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda a: _until_final(live, session, a, max_attempts), planned))
    report.seconds = time.perf_counter() - started
    _count(live, planned, report)
    return report


def _until_final(live: LiveServer, session: requests.Session, request: Attempted,
                 max_attempts: int) -> None:
    if request.kind == "recall":
        path, body = "/api/recalls", {"messageId": request.message_id}
    elif request.kind == "replace":
        path, body = "/api/recalls", {"messageId": request.message_id,
                                      "replaceWith": {"templateId": "please-disregard"}}
    else:
        path, body = "/api/corrections", {"messageId": request.message_id,
                                          "templateId": "please-disregard", "audience": "all"}
    for _ in range(max_attempts):
        request.attempts += 1
        try:
            answer = session.post(f"{live.url}{path}", json=body, timeout=60,
                                  headers={"Idempotency-Key": request.key})
        except requests.RequestException:
            time.sleep(0.5)  # the answer was lost: ask again with the same key
            continue
        request.status, request.body = answer.status_code, _json(answer)
        code = (request.body.get("error") or {}).get("code")
        final = (answer.status_code < 300 or answer.headers.get(FINAL_IF_REPLAYED) == "true"
                 or (answer.status_code < 500 and answer.status_code != 429
                     and code != "request_in_progress"))
        if final:
            return
        time.sleep(min(float(answer.headers.get("Retry-After") or 0.5), 2.0))


def _json(answer: requests.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _count(live: LiveServer, planned: list[Attempted], report: FaultReport) -> None:
    sandbox = live.sandbox
    mail = sandbox.mail
    recalled = Counter(r.message_id for r in mail.recalls)
    sent = mail.messages(SENDER, "sentitems", sandbox.clock())
    originals = {m.id: m for m in sent}
    corrected = Counter(m.conversation_id for m in sent if not m.id.startswith("AAMkAGRyaWxs"))
    store = live.app.extensions["recall_assistant"].store
    events = list(store.iter_audit())
    report.requests = len(planned)
    for request in planned:
        report.attempts += request.attempts
        original = originals[request.message_id]
        code = (request.body.get("error") or {}).get("code")
        told = "done" if request.status < 300 else code or f"http_{request.status}"
        report.outcomes[f"{request.kind}:{told}"] += 1
        parts = [("recall", recalled[request.message_id], told)] if request.kind != "correction" \
            else [("correction", corrected[original.conversation_id], told)]
        if request.kind == "replace":
            # The correction after the recall: its own outcome is in the answer.
            followed = (request.body.get("correction") or {}).get("status")
            told_correction = ("done" if followed == "completed" else followed
                               or (told if told != "done" else "not_sent"))
            parts.append(("correction", corrected[original.conversation_id], told_correction))
        for kind, done, told_part in parts:
            label = (f"{request.kind}/{kind} {request.message_id} "
                     f"(told {told_part}, done {done}x)")
            if done > 1:
                report.done_twice.append(label)
            if told_part == "done" and done != 1:
                report.answered_done_not_done.append(label)
            if told_part == "done" and done == 1:
                report.done[kind if request.kind != "replace" else f"replace/{kind}"] += 1
            mine = [e for e in events if e.internet_message_id == original.internet_message_id
                    and e.event.startswith(kind + ".")]
            actions = {e.action_id for e in mine if e.event.endswith(".requested")}
            if len(actions) > 1:
                report.duplicate_actions.append(label)
            if done and not actions:
                report.unaudited.append(label)
            if actions:
                last = [e for e in mine if e.action_id in actions][-1].event.split(".", 1)[1]
                expected = ({"submitted", "completed"} if told_part == "done"
                            else {"failed", "unknown"})
                if last not in expected or (last == "failed" and done):
                    report.audit_mismatch.append(f"{label}: audit ends {last}")
