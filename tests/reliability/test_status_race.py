"""Two status reads of one recall that race to settle it: both answer 200, neither a 409.

Found by the load test: the pane polls ``GET /api/recalls/<id>`` (two panes, or a retry, can
overlap); when the report arrives, each poll sees a settled recall and moves it to
``completed``. The loser's move is refused (``action_state_conflict``) and surfaced as a 409
that the route does not document, where the recall is simply completed.
"""

from __future__ import annotations

import time

from recall_assistant.sandbox.options import SandboxOptions
from tests.support.reliability import COPIES, client, new_key


def test_a_status_read_that_loses_the_race_to_complete_still_answers(live_server_factory):
    live = live_server_factory(options=SandboxOptions(report_delay_s=0.2))
    pane = client(live)
    started = pane.post(f"{live.url}/api/recalls", json={"messageId": COPIES},
                        headers={"Idempotency-Key": new_key()}).json()
    time.sleep(0.5)  # the report is in the Inbox
    store = live.app.extensions["recall_assistant"].store
    stale = store.get_action(started["id"])
    assert stale.state == "submitted"
    real_get = store.get_action

    def get_action(action_id, **kwargs):
        # Another poll completes the recall between our read of it and our move.
        found = real_get(action_id, **kwargs)
        if found is not None and found.state == "submitted":
            store.complete(action_id)
        return found

    store.get_action = get_action
    try:
        answer = pane.get(f"{live.url}/api/recalls/{started['id']}")
    finally:
        store.get_action = real_get
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    assert answer.json()["settled"] is True
