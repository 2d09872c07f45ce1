"""GET /api/audit end to end: the demo server over HTTPS, tokens from the sandbox tenant."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import parse_qs, urlsplit

import pytest

from recall_assistant.config import SANDBOX_TENANT_ID
from recall_assistant.store import Actor, Store
from tests.support.store import FakeClock

ADMIN_ROLE = "RecallAssistant.Admin"
ADELE = Actor("adele-oid", SANDBOX_TENANT_ID, "adele@contoso.com")


class Admin:
    """A caller of the audit API with a token minted by the sandbox."""

    def __init__(self, live, user: str = "adele@contoso.com", roles: str | None = ADMIN_ROLE):
        self.live = live
        self.session = live.session()
        params = {"user": user, **({"roles": roles} if roles else {})}
        token = self.session.get(f"{live.url}/sandbox/token", params=params).json()
        self.session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def get(self, url: str | None = None, **params):
        return self.session.get(url or f"{self.live.url}/api/audit", params=params)


@pytest.fixture
def seeded(live_server):
    """Seven events, one a day from 2026-11-01 09:00 UTC, written through the app's own store."""
    runtime = live_server.app.extensions["recall_assistant"]
    clock = FakeClock(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    store = Store(runtime.engine, clock=clock, audit_subjects=True)
    for day in range(7):
        store.record_event(f"recall.day{day + 1}", actor=ADELE, result="ok",
                           internet_message_id=f"<m{day}@contoso.com>", request_id=f"req-{day}",
                           details={"day": day + 1})
        clock.advance(days=1)
    return live_server


@pytest.fixture
def admin(seeded):
    return Admin(seeded)


def names(response) -> list[str]:
    return [event["event"] for event in response.json()["events"]]


def test_without_a_token_it_is_401(seeded):
    response = seeded.session().get(f"{seeded.url}/api/audit")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "missing_token"


def test_a_normal_user_is_refused_with_403_admin_required(seeded):
    response = Admin(seeded, user="alex@contoso.com", roles=None).get()
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "admin_required"


def test_json_newest_first_with_every_field(admin):
    response = admin.get()
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert names(response) == [f"recall.day{d}" for d in range(7, 0, -1)]
    assert body["next"] is None and "Link" not in response.headers
    newest = body["events"][0]
    assert newest == {
        "id": newest["id"], "occurredAt": "2026-11-07T09:00:00.000000Z",
        "event": "recall.day7", "result": "ok", "actorOid": "adele-oid",
        "actorTid": SANDBOX_TENANT_ID, "actorAddress": "adele@contoso.com",
        "internetMessageId": "<m6@contoso.com>", "subject": None, "actionId": None,
        "requestId": "req-6", "details": {"day": 7},
    }


def test_date_range_from_inclusive_to_exclusive(admin):
    response = admin.get(**{"from": "2026-11-03T09:00:00Z", "to": "2026-11-05"})
    assert names(response) == ["recall.day4", "recall.day3"]
    # A date alone is midnight UTC; an offset is honoured (11:00+02:00 is 09:00 UTC).
    response = admin.get(**{"from": "2026-11-06T11:00:00+02:00"})
    assert names(response) == ["recall.day7", "recall.day6"]


def test_paging_follows_next_and_link_to_the_end(admin, seeded):
    seen, url, pages = [], None, 0
    params = {"limit": 3, "from": "2026-11-01"}
    while True:
        response = admin.get(url, **({} if url else params))
        assert response.status_code == 200
        pages += 1
        seen += names(response)
        url = response.json()["next"]
        if url is None:
            assert "Link" not in response.headers
            break
        assert response.headers["Link"] == f'<{url}>; rel="next"'
        assert url.startswith(f"{seeded.settings.public_url}/api/audit?")
        query = parse_qs(urlsplit(url).query)
        assert query["limit"] == ["3"] and query["from"] == ["2026-11-01T00:00:00.000000Z"]
    assert pages == 3
    assert seen == [f"recall.day{d}" for d in range(7, 0, -1)]


def test_csv_with_header_quoting_and_paging(admin):
    response = admin.get(format="csv", limit=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'rel="next"' in response.headers["Link"]
    assert response.text.startswith("id,occurredAt,event,result,")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["event"] for row in rows] == [f"recall.day{d}" for d in range(7, 2, -1)]
    assert rows[0]["details"] == '{"day": 7}'  # JSON in one quoted cell
    assert '"{""day"": 7}"' in response.text
    following = admin.get(response.links["next"]["url"])
    assert [row["event"] for row in csv.DictReader(io.StringIO(following.text))] == [
        "recall.day2", "recall.day1"]


def test_csv_cells_cannot_become_formulas(seeded, admin):
    runtime = seeded.app.extensions["recall_assistant"]
    store = Store(runtime.engine, audit_subjects=True)
    store.record_event("recall.requested", actor=Actor("x", SANDBOX_TENANT_ID, "=HYPERLINK(\"http://evil\")"),
                       result="recorded", subject="+1 call me, then -2 @once",
                       internet_message_id="@evil")
    response = admin.get(format="csv", limit=1)
    [row] = list(csv.DictReader(io.StringIO(response.text)))
    assert row["actorAddress"] == "'=HYPERLINK(\"http://evil\")"
    assert row["subject"] == "'+1 call me, then -2 @once"
    assert row["internetMessageId"] == "'@evil"


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "yesterday"}, "from"),
    ({"to": "2026-13-01"}, "to"),
    ({"from": "2026-11-05", "to": "2026-11-01"}, "to"),
    ({"from": "2026-11-05", "to": "2026-11-05"}, "to"),
    ({"format": "xml"}, "format"),
    ({"limit": "0"}, "limit"),
    ({"limit": "501"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"page": "2"}, "page"),
])
def test_bad_parameters_are_400_naming_the_field(admin, params, field):
    response = admin.get(**params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["details"]["fields"]


# Garbage, and an unsigned cursor whose id is past every integer column (once a 500 on both
# databases); a signed cursor with its signature changed.
@pytest.mark.parametrize("cursor", [
    "bm90LW91cnM",
    "WyIyMDI2LTExLTIwVDA5OjA1OjAwKzAwOjAwIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ",
    "tampered"])
def test_a_cursor_we_did_not_give_is_400(admin, cursor):
    if cursor == "tampered":
        given = parse_qs(urlsplit(admin.get(limit=2).json()["next"]).query)["cursor"][0]
        cursor = given[:-3] + ("AAA" if not given.endswith("AAA") else "BBB")
    response = admin.get(cursor=cursor)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_subjects_appear_only_when_turned_on(live_server_factory):
    for flag, expected in (("0", None), ("1", "Q3 numbers")):
        live = live_server_factory(RA_AUDIT_SUBJECTS=flag)
        runtime = live.app.extensions["recall_assistant"]
        assert runtime.settings.audit_subjects is (flag == "1")
        runtime.store.record_event("recall.requested", actor=ADELE, result="recorded",
                                   subject="Q3 numbers")
        [event] = Admin(live).get().json()["events"]
        assert event["subject"] == expected
