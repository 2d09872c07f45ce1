"""kill -9 of the gunicorn worker in the middle of a recall: the audit record survives, the
recall reads unknown after the grace period, and a retry does not recall again."""

from __future__ import annotations

from .crash import run_crash_drill


def test_a_worker_killed_mid_recall_loses_no_audit_record(folder, dev_certs):
    report = run_crash_drill(folder, dev_certs, hold_s=6)
    assert report.audit_before_kill == ["recall.requested"], report
    assert report.first_answer.startswith("lost"), report  # the worker died holding it
    assert report.worker_after and report.worker_after != report.worker_killed
    assert "recall.requested" in report.audit_after_restart
    assert report.status_after_grace["status"] == "unknown", report.status_after_grace
    assert "check the recall report" in report.status_after_grace["statusMessage"]
    assert report.retry_status == 202 and report.retry_replayed, report
    assert report.retry_body == {"id": report.action_id, "status": "unknown",
                                 "messageId": report.retry_body["messageId"]}
    # Graph saw the one request that reached it before the crash, and no other.
    assert report.sandbox_recalls == 1
