"""A short open-loop load over loopback against ``recall-assistant serve`` (gunicorn, two
workers, the sandbox tenant in the test process): no server errors (speed is measured, not
asserted: ``make bench`` runs benchmarks/load.py for the figures)."""

from __future__ import annotations

from .load import run_load_test


def test_fifty_requests_a_second_get_no_server_error(folder, dev_certs):
    report = run_load_test(folder, dev_certs, rps=50, seconds=5)
    figures = report.as_json()
    assert report.sent + report.not_sent == 250, figures
    assert report.sent > 0 and report.errors == 0, figures
    assert not [s for s in report.statuses if s == 0 or s >= 500], figures
