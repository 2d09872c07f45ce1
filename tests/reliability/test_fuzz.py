"""schemathesis over /openapi.json: no 5xx, and every answer as the document says."""

from __future__ import annotations

import pytest

from tests.support.reliability import start_server

from .fuzzing import conformance_cases, run_fuzz


@pytest.fixture
def live(folder, dev_certs):
    live, stop = start_server(folder, dev_certs)
    yield live
    stop()


def test_generated_requests_get_no_server_error_and_documented_answers(live):
    report = run_fuzz(live, examples=8)
    assert report.cases >= 150, report.as_json()
    assert report.server_errors == 0, "\n".join(report.failures)
    assert report.schema_violations == 0, "\n".join(report.failures)


def test_the_success_paths_answer_as_documented(live):
    report = conformance_cases(live)
    assert {"200", "201", "202"} <= {str(s) for s in report.by_status}, report.as_json()
    assert report.server_errors == 0, "\n".join(report.failures)
    assert report.schema_violations == 0, "\n".join(report.failures)
