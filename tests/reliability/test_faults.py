"""30% of Graph requests fail: every recall and correction (and "delete and replace", both in
one request) is done at most once, exactly once when the client was told so, and audited."""

from __future__ import annotations

from .faults import run_fault_drill


def test_with_graph_failing_thirty_percent_nothing_is_done_twice_or_unaudited(folder,
                                                                              dev_certs):
    report = run_fault_drill(folder, dev_certs, recalls=5, corrections=5, replacements=4,
                             fault_rate=0.3, seed=8)
    assert report.problems == [], (report.as_json(), report.problems)
    assert report.requests == 14
    # Most get through despite the faults (the Graph client retries 429/503 itself).
    assert report.done["recall"] >= 1 and report.done["correction"] >= 1, report.as_json()
    told = sum(report.outcomes.values())
    assert told == 14, report.as_json()
