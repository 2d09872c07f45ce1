"""Fuzz the API from its own OpenAPI document (schemathesis 4, in process).

Each case is generated from ``/openapi.json`` (valid inputs, and invalid ones), sent through
the app in process with a valid sandbox token, and its answer checked against the document:
no 5xx, a documented status and content type, a body that fits the response schema. The app's
Graph calls go over loopback HTTPS to the live server's sandbox, as in production.

``conformance_cases`` adds hand-picked requests that reach the success paths (real messages,
a real recall and correction), which random ids almost never do.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis.errors import HypothesisException
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support import LiveServer
from tests.support.reliability import COPIES, PRICING, new_key, token

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass
class FuzzReport:
    cases: int = 0
    server_errors: int = 0
    schema_violations: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_operation: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # one line each, with a curl to rerun
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def record(self, case: Any, response: Any) -> None:
        self.cases += 1
        self.by_status[response.status_code] += 1
        self.by_operation[case.operation.label] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                if type(failure).__name__ == "ServerError":
                    self.server_errors += 1
                else:
                    self.schema_violations += 1
            if len(self.failures) < 20:
                self.failures.append(f"{case.operation.label} → {response.status_code}: "
                                     f"{[type(f).__name__ for f in group.exceptions]} "
                                     f"{response.text[:300]!r}\n  {case.as_curl_command()}")

    def as_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "server_errors": self.server_errors,
                "schema_violations": self.schema_violations,
                "statuses": {str(k): v for k, v in sorted(self.by_status.items())},
                "operations": len(self.by_operation), "seconds": round(self.seconds, 1)}


def load_schema(live: LiveServer) -> Any:
    return schemathesis.openapi.from_wsgi("/openapi.json", live.app)


def run_fuzz(live: LiveServer, *, examples: int, derandomize: bool = True) -> FuzzReport:
    """Up to ``examples`` generated cases per operation and mode (valid, invalid)."""
    schema = load_schema(live)
    headers = {"Authorization": f"Bearer {token(live, admin=True)}"}
    report = FuzzReport()
    started = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in MODES if _has_inputs(operation) else MODES[:1]:
            _fuzz_operation(operation, mode, headers, examples, derandomize, report)
    report.seconds = time.perf_counter() - started
    return report


def _has_inputs(operation: Any) -> bool:
    # No invalid request exists for an operation that takes nothing (the token is ours).
    return any(len(part) for part in (operation.path_parameters, operation.query,
                                      operation.headers, operation.body))


def _fuzz_operation(operation: Any, mode: Any, headers: dict[str, str], examples: int,
                    derandomize: bool, report: FuzzReport) -> None:
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         derandomize=derandomize, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        # Every case carries a valid token (a negative case may have dropped or mangled it).
        case.headers = {**(case.headers or {}), **headers}
        report.record(case, case.call())

    try:
        one()
    except (HypothesisException, schemathesis.errors.SchemathesisError) as exc:
        # e.g. no invalid input exists for an operation without parameters.
        report.skipped.append(f"{operation.label} {mode.value}: {type(exc).__name__}")


def conformance_cases(live: LiveServer) -> FuzzReport:
    """The success paths, checked against the document like the generated cases."""
    schema = load_schema(live)
    auth = {"Authorization": f"Bearer {token(live, admin=True)}"}
    report = FuzzReport()

    def send(path: str, method: str, **parts: Any) -> Any:
        headers = {**auth, **parts.pop("headers", {})}
        case = schema[path][method].Case(headers=headers, **parts)
        response = case.call()
        report.record(case, response)
        return response

    for path in ("/healthz", "/readyz", "/openapi.json", "/api/config", "/api/me",
                 "/api/me/profile", "/api/templates", "/api/policy"):
        send(path, "GET")
    for item in (PRICING, COPIES, "AAMkAGRlbW8-sent04_groups"):
        send("/api/eligibility", "POST", body={"itemId": item})
    recall = send("/api/recalls", "POST", body={"messageId": COPIES},
                  headers={"Idempotency-Key": new_key()}).json()
    send("/api/recalls/{action_id}", "GET", path_parameters={"action_id": recall["id"]})
    send("/api/recalls", "GET", query={"messageId": COPIES})
    replace = {"messageId": PRICING, "replaceWith": {"templateId": "please-disregard"}}
    send("/api/recalls", "POST", body=replace, headers={"Idempotency-Key": new_key()})
    correction = {"messageId": PRICING, "templateId": "please-disregard", "audience": "all"}
    send("/api/corrections/preview", "POST", body=correction)
    key = new_key()
    for _ in range(2):  # the second one is a replay
        send("/api/corrections", "POST", body=correction, headers={"Idempotency-Key": key})
    send("/api/corrections", "POST", body={**correction, "audience": "selected",
                                           "recipients": ["nobody@contoso.com"]},
         headers={"Idempotency-Key": new_key()})
    for fmt in ("json", "csv"):
        send("/api/audit", "GET", query={"format": fmt, "limit": 2})
    return report
