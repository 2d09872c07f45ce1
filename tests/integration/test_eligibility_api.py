"""POST /api/eligibility end to end: the real backend against the sandbox tenant over HTTPS."""

from __future__ import annotations

import pytest

SENDER = "adele@contoso.com"


def ews_id(rest_id: str) -> str:
    # The sandbox's EWS form of a REST id (see sandbox/graph_mail.py).
    return rest_id.replace("-", "/").replace("_", "+")


class Pane:
    """What the task pane does: get a token for the user, then call the API."""

    def __init__(self, live, user: str = SENDER):
        self.live = live
        self.session = live.session()
        token = self.session.get(f"{live.url}/sandbox/token", params={"user": user}).json()
        self.session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def check(self, item_id: str, id_type: str = "rest"):
        return self.session.post(f"{self.live.url}/api/eligibility",
                                 json={"itemId": item_id, "idType": id_type})


def people(body) -> dict[str, dict]:
    return {r["address"]: r for r in body["recipients"] if r["counted"]}


def codes(recipient) -> set[str]:
    return {reason["code"] for reason in recipient["reasons"]}


@pytest.fixture
def pane(live_server):
    return Pane(live_server)


def test_all_internal_unread_is_recallable(pane):
    response = pane.check("AAMkAGRlbW8-sent01_forecast")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["message"]["subject"] == "Q4 forecast — draft numbers"
    assert body["message"]["internetMessageId"].startswith("<DM6PR11MB")
    assert body["summary"]["verdict"] == "recallable"
    assert (body["summary"]["recallable"], body["summary"]["total"]) == (2, 2)
    found = people(body)
    assert found["alex@contoso.com"]["field"] == "to"
    assert found["megan@contoso.com"]["field"] == "cc"
    assert all(r["verdict"] == "likely" and r["kind"] == "internal_user" for r in found.values())
    assert found["alex@contoso.com"]["contact"] == {"displayName": "Alex Wilber",
                                                    "businessPhone": "+1 858 555 0110"}
    assert body["checkedWith"] == "delegated"


def test_external_and_cross_tenant_make_it_partly_recallable(pane):
    body = pane.check("AAMkAGRlbW8-sent02_pricing").json()
    assert body["summary"]["verdict"] == "partly_recallable"
    assert (body["summary"]["recallable"], body["summary"]["total"]) == (1, 3)
    found = people(body)
    gmail = found["jordan.miller@gmail.com"]
    assert (gmail["kind"], gmail["verdict"], gmail["suggestion"]) == ("external", "impossible",
                                                                       "correction")
    assert "consumer_mail" in codes(gmail)
    partner = found["buyer@fabrikam.com"]
    assert partner["verdict"] == "unknown" and "cross_tenant_listed" in codes(partner)


def test_only_external_recipients_is_not_recallable(pane):
    body = pane.check("AAMkAGRlbW8-sent03_external").json()
    assert body["summary"]["verdict"] == "not_recallable"
    assert body["summary"]["recallable"] == 0
    other = people(body)["ceo@northwind.example"]
    assert other["verdict"] == "unlikely" and "other_organisation" in codes(other)


def test_groups_are_expanded_nested_and_the_direct_bcc_recipient_wins(pane):
    body = pane.check("AAMkAGRlbW8-sent04_groups").json()
    found = people(body)
    assert set(found) == {"alex@contoso.com", "megan@contoso.com", "isaiah@contoso.com",
                          "johanna@contoso.com", "lee@contoso.com"}
    assert found["lee@contoso.com"]["via"] is None and found["lee@contoso.com"]["field"] == "bcc"
    assert found["johanna@contoso.com"]["via"] == "sales@contoso.com"
    assert found["megan@contoso.com"]["via"] == "sales@contoso.com"  # in both groups, once
    assert body["summary"]["total"] == 5
    group = next(r for r in body["recipients"] if r["kind"] == "internal_group")
    assert group["address"] == "sales@contoso.com" and group["counted"] is False
    # Alex, Isaiah, Lee, Megan, Johanna (Isaiah in both): five people, one nested group.
    assert group["members"] == {"count": 5, "nestedGroups": ["Sales EMEA"]}
    assert all(r["members"] is None for r in body["recipients"] if r["counted"])


def test_unknown_internal_address_is_unknown(pane):
    body = pane.check("AAMkAGRlbW8-sent06_unknown").json()
    assert body["summary"]["verdict"] == "unknown"
    former = people(body)["former.employee@contoso.com"]
    assert (former["kind"], former["verdict"]) == ("unresolved", "unknown")


def test_message_older_than_the_maximum_age_is_not_recallable(pane):
    body = pane.check("AAMkAGRlbW8-sent07_old").json()
    assert body["summary"]["verdict"] == "not_recallable"
    assert "too_old" in codes(people(body)["diego@contoso.com"])


def test_the_sender_among_the_recipients_is_not_counted(pane):
    body = pane.check("AAMkAGRlbW8-sent08_self").json()
    own = next(r for r in body["recipients"] if r["address"] == SENDER)
    assert own["counted"] is False and "sender_own_copy" in codes(own)
    assert body["summary"]["total"] == 1


def test_an_ews_id_gives_the_same_answer(pane):
    rest = pane.check("AAMkAGRlbW8-sent01_forecast").json()
    ews = pane.check(ews_id("AAMkAGRlbW8-sent01_forecast"), "ews")
    assert ews.status_code == 200, ews.text
    assert ews.json() == rest


@pytest.mark.parametrize(("item_id", "status", "code"), [
    ("AAMkAGRlbW8-inbox01_lunch", 422, "not_in_sent_items"),     # a received message
    ("AAMkAGRlbW8-megan01_budget", 404, "message_not_found"),    # another user's message
    ("AAMkAGRlbW8-does-not-exist", 404, "message_not_found"),
    ("'; DROP TABLE messages; --", 400, "invalid_item_id"),       # Graph: malformed id
    ("../../users/megan@contoso.com/messages/x", 400, "invalid_item_id"),
])
def test_messages_the_caller_cannot_recall(pane, item_id, status, code):
    response = pane.check(item_id)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize("body", [
    {}, {"itemId": ""}, {"itemId": 42}, {"itemId": "x", "idType": "exchange"},
    {"itemId": "x" * 1025}, [], "text",
])
def test_bad_requests_are_400(pane, body):
    response = pane.session.post(f"{pane.live.url}/api/eligibility", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_garbage_ews_id_is_4xx(pane):
    response = pane.check("!!not-an-ews-id!!", "ews")
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] in {"message_not_found", "invalid_item_id"}


def test_no_token_is_401(live_server):
    response = live_server.session().post(f"{live_server.url}/api/eligibility",
                                          json={"itemId": "AAMkAGRlbW8-sent01_forecast"})
    assert response.status_code == 401


def test_deep_check_sees_shared_mailboxes_and_copies(live_server_factory):
    live = live_server_factory(RA_DEEP_CHECK="1")
    pane = Pane(live)
    shared = pane.check("AAMkAGRlbW8-sent05_shared").json()
    assert shared["checkedWith"] == "deep"
    support = people(shared)["support@contoso.com"]
    assert (support["kind"], support["verdict"]) == ("shared_mailbox", "unknown")
    copies = people(pane.check("AAMkAGRlbW8-sent09_copies").json())
    assert "copy_gone" in codes(copies["johanna@contoso.com"])
    assert "moved_copy" in codes(copies["lynne@contoso.com"])
    assert copies["lynne@contoso.com"]["verdict"] == "unknown"


def count_graph_requests(live) -> dict[str, int]:
    """Count the HTTP requests that reach the sandbox's Graph (a $batch counts once)."""
    sandbox_app = live.sandbox_app
    inner = sandbox_app.wsgi_app
    counter = {"requests": 0}

    def counting(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/graph/"):
            counter["requests"] += 1
        return inner(environ, start_response)

    sandbox_app.wsgi_app = counting
    return counter


def test_a_repeated_check_costs_one_graph_call(live_server):
    pane = Pane(live_server)
    counter = count_graph_requests(live_server)
    first = pane.check("AAMkAGRlbW8-sent04_groups").json()
    cold = counter["requests"]
    # message + Sent Items folder + domains, the look-ups, the group expansion
    assert 3 <= cold <= 6
    second = pane.check("AAMkAGRlbW8-sent04_groups").json()
    assert first == second
    # Domains, the folder id and directory answers come from the cache; the message does not.
    assert counter["requests"] - cold == 1
