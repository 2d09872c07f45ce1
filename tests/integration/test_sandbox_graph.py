"""The sandbox's Microsoft Graph stand-in, over real HTTPS (backend + sandbox on a free port)."""

from __future__ import annotations

import json
import re
import threading
import time
from html import unescape
from typing import Any

import pytest

from recall_assistant.sandbox.fixture import default_fixture_path, parse_tenant
from recall_assistant.sandbox.mailstore import ews_id
from recall_assistant.sandbox.options import SandboxOptions
from recall_assistant.sandbox.tokens import GRAPH_APP_ID, TokenIssuer

DELEGATED = "Mail.ReadWrite Mail.Send User.Read User.ReadBasic.All GroupMember.Read.All"
APP_ROLES = ["Mail.ReadWrite", "Mail.Send", "User.Read.All", "GroupMember.Read.All",
             "MailboxSettings.Read"]
ADELE = "adele@contoso.com"
SALES = "0005a1e5-0000-0000-0000-000000000001"
SALES_EMEA = "0005a1e5-0000-0000-0000-000000000002"


# --- helpers ------------------------------------------------------------------------------

class FakeClock:
    """The sandbox's clock, under the test's control (Graph reads it on every request)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Graph:
    """A tiny Graph client for one token against one live sandbox."""

    def __init__(self, live, token: str):
        self.live = live
        self.session = live.session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def url(self, path: str, version: str = "v1.0") -> str:
        return f"{self.live.url}/sandbox/graph/{version}{path}"

    def get(self, path: str, version: str = "v1.0", **kw: Any):
        return self.session.get(self.url(path, version), **kw)

    def post(self, path: str, body: Any = None, version: str = "v1.0", **kw: Any):
        return self.session.post(self.url(path, version), json=body, **kw)

    def patch(self, path: str, body: Any, **kw: Any):
        return self.session.patch(self.url(path), json=body, **kw)

    def batch(self, requests: list[dict[str, Any]]):
        return self.post("/$batch", {"requests": requests})


def delegated(live, mail: str = ADELE, scopes: str = DELEGATED) -> Graph:
    user = live.tenant.user_by_mail(mail)
    return Graph(live, live.sandbox.issuer.mint({
        "aud": GRAPH_APP_ID, "scp": scopes, "oid": user.id, "preferred_username": mail,
        "azp": live.settings.client_id}))


def app_only(live, roles: list[str] = APP_ROLES) -> Graph:
    return Graph(live, live.sandbox.issuer.mint({
        "aud": GRAPH_APP_ID, "roles": roles, "azp": live.settings.client_id}))


def assert_graph_error(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error["innerError"]) == {"date", "request-id", "client-request-id"}
    assert response.headers["request-id"] == error["innerError"]["request-id"]
    assert response.headers["client-request-id"] == error["innerError"]["client-request-id"]
    return error


def find_copy(graph: Graph, mailbox: str, internet_message_id: str) -> dict[str, Any] | None:
    """The deep check's look-up: a mailbox's copy by internetMessageId (OData quoting)."""
    quoted = internet_message_id.replace("'", "''")
    response = graph.get(f"/users/{mailbox}/messages", params={
        "$filter": f"internetMessageId eq '{quoted}'", "$select": "id,isRead,parentFolderId"})
    assert response.status_code == 200, response.text
    values = response.json()["value"]
    return values[0] if values else None


def default_raw() -> dict[str, Any]:
    return json.loads(default_fixture_path().read_text(encoding="utf-8"))


RECALL_IMID = "<recall.test.0001@contoso.com>"


def recall_tenant(*, cloud: bool, read: bool):
    """A tenant whose one sent message reached copies in every state recall cares about."""
    raw = default_raw()
    raw["tenant"]["policy"].update(messageRecallEnabled=cloud, recallReadMessagesEnabled=read)
    raw["messages"] = [{
        "id": "AAMkAGRlbW8-recall_test", "owner": ADELE, "folder": "sentitems",
        "subject": "Salaries (wrong list)", "internetMessageId": RECALL_IMID,
        "sentDateTime": "now-10m",
        "toRecipients": ["alex@contoso.com", "megan@contoso.com", "lee@contoso.com",
                         "nestor@contoso.com", "support@contoso.com"],
        "ccRecipients": ["friend@gmail.com", "buyer@fabrikam.com", "gone@contoso.com"],
        "copies": [
            {"mailbox": "alex@contoso.com", "isRead": False, "folder": "inbox"},
            {"mailbox": "megan@contoso.com", "isRead": True, "folder": "inbox"},
            {"mailbox": "lee@contoso.com", "isRead": False, "folder": "archive"},
            {"mailbox": "nestor@contoso.com", "isRead": False, "folder": "deleted"},
            {"mailbox": "support@contoso.com", "isRead": False, "folder": "inbox"},
        ],
    }]
    return parse_tenant(raw)


def report_rows(html: str) -> dict[str, str]:
    """Recipient → status, from the report's results table."""
    table = html.split('<table id="recall-results"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", table)
    return {unescape(address): unescape(status) for address, status in rows}


def reports(graph: Graph) -> list[dict[str, Any]]:
    response = graph.get("/me/mailFolders/inbox/messages", params={
        "$filter": "startswith(subject,'Message Recall Report')", "$top": "50"})
    assert response.status_code == 200, response.text
    return response.json()["value"]


# --- authentication and routing -----------------------------------------------------------

def test_tokens_the_sandbox_did_not_issue_or_that_expired_get_401(live_server):
    live = live_server
    user = live.tenant.user_by_mail(ADELE)
    claims = {"aud": GRAPH_APP_ID, "scp": DELEGATED, "oid": user.id}
    stranger = TokenIssuer(live.sandbox.issuer.issuer, live.tenant.id)  # same name, other key
    expired = live.sandbox.issuer.mint(claims, lifetime_s=-3600)
    for token, message in ((stranger.mint(claims), "Access token validation failure."),
                           (expired, "Lifetime validation failed, the token is expired.")):
        response = Graph(live, token).get("/me/messages",
                                          headers={"client-request-id": "my-correlation-1"})
        error = assert_graph_error(response, 401, "InvalidAuthenticationToken")
        assert error["message"] == message
        assert error["innerError"]["client-request-id"] == "my-correlation-1"
        assert "Bearer" in response.headers["WWW-Authenticate"]
    bare = live.session().get(f"{live.url}/sandbox/graph/v1.0/me")
    assert assert_graph_error(bare, 401, "InvalidAuthenticationToken")["message"] == \
        "Access token is empty."
    # A token for our own API (not for Graph) is no Graph token either.
    wrong_audience = live.sandbox.issuer.mint({**claims, "aud": live.settings.api_audience})
    assert_graph_error(Graph(live, wrong_audience).get("/me"), 401, "InvalidAuthenticationToken")


def test_who_may_use_which_mailbox_and_unknown_routes(live_server):
    live = live_server
    adele, app = delegated(live), app_only(live)
    assert adele.get("/me").json()["mail"] == ADELE
    error = assert_graph_error(app.get("/me/messages"), 400, "Request_BadRequest")
    assert error["message"] == "/me request is only valid with delegated authentication flow."
    assert_graph_error(adele.get("/users/alex@contoso.com/messages"), 403, "ErrorAccessDenied")
    assert adele.get(f"/users/{ADELE}/messages").status_code == 200  # one's own, by address
    assert app.get("/users/alex@contoso.com/messages").status_code == 200
    assert_graph_error(app.get("/users/nobody@contoso.com/messages"), 404, "ErrorInvalidUser")
    no_mail = delegated(live, scopes="User.Read")
    assert_graph_error(no_mail.get("/me/messages"), 403, "ErrorAccessDenied")
    assert_graph_error(no_mail.get("/users"), 403, "Authorization_RequestDenied")
    assert no_mail.get("/me").status_code == 200
    error = assert_graph_error(adele.get("/me/mailFolders/inbox/foo"), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'foo'."
    # Recall exists in beta only.
    sent = "/me/mailFolders/sentitems/messages/AAMkAGRlbW8-sent01_forecast/recall"
    error = assert_graph_error(adele.post(sent), 400, "BadRequest")
    assert error["message"] == "Resource not found for the segment 'recall'."
    assert adele.get("/me/messages('AAMkAGRlbW8-sent01_forecast')").status_code == 200


def test_another_users_message_is_not_found_through_me(live_server):
    live = live_server
    adele, alex = delegated(live), delegated(live, "alex@contoso.com")
    megans = "AAMkAGRlbW8-megan01_budget"
    assert_graph_error(adele.get(f"/me/messages/{megans}"), 404, "ErrorItemNotFound")
    assert_graph_error(adele.get(f"/me/mailFolders/sentitems/messages/{megans}"), 404,
                       "ErrorItemNotFound")
    alex_copy = find_copy(app_only(live), "alex@contoso.com",
                          "<DM6PR11MB4001.0001@DM6PR11MB4001.namprd11.prod.outlook.com>")
    assert alex_copy is not None
    assert alex.get(f"/me/messages/{alex_copy['id']}").status_code == 200
    assert_graph_error(adele.get(f"/me/messages/{alex_copy['id']}"), 404, "ErrorItemNotFound")
    assert_graph_error(adele.patch(f"/me/messages/{megans}", {"isRead": False}), 404,
                       "ErrorItemNotFound")


# --- $batch -------------------------------------------------------------------------------

def test_batch_limits_and_depends_on(live_server):
    graph = delegated(live_server)
    twenty = [{"id": str(i), "method": "GET", "url": "/me"} for i in range(1, 21)]
    response = graph.batch(twenty)
    assert response.status_code == 200
    answers = response.json()["responses"]
    assert sorted(int(a["id"]) for a in answers) == list(range(1, 21))
    assert all(a["status"] == 200 and a["body"]["mail"] == ADELE for a in answers)

    too_many = twenty + [{"id": "21", "method": "GET", "url": "/me"}]
    error = assert_graph_error(graph.batch(too_many), 400, "BadRequest")
    assert "exceed the limit" in error["message"]
    assert_graph_error(graph.batch([{"id": "a", "method": "GET", "url": "/me"},
                                    {"id": "A", "method": "GET", "url": "/me"}]), 400,
                       "BadRequest")
    no_type = [{"id": "1", "method": "PATCH", "url": "/me/messages/x", "body": {}}]
    error = assert_graph_error(graph.batch(no_type), 400, "BadRequest")
    assert "Content-Type" in error["message"]

    response = graph.batch([
        {"id": "missing", "method": "GET", "url": "/me/messages/AAMkAGnothere"},
        {"id": "after-missing", "dependsOn": ["missing"], "method": "GET", "url": "/me"},
        {"id": "found", "method": "GET",
         "url": "/me/messages/AAMkAGRlbW8-sent01_forecast?$select=subject"},
        {"id": "after-found", "dependsOn": ["found"], "method": "GET",
         "url": "users?$filter=mail eq 'alex@contoso.com'&$select=id"},
    ])
    assert response.status_code == 200
    by_id = {a["id"]: a for a in response.json()["responses"]}
    assert by_id["missing"]["status"] == 404
    assert by_id["missing"]["body"]["error"]["code"] == "ErrorItemNotFound"
    assert by_id["after-missing"]["status"] == 424
    assert by_id["found"]["body"]["subject"] == "Q4 forecast — draft numbers"
    assert by_id["after-found"]["status"] == 200
    assert by_id["after-found"]["body"]["value"] == [
        {"id": "1a2b3c4d-0000-0000-0000-000000000002"}]


def test_every_graph_request_takes_at_least_the_configured_latency(live_server_factory):
    live = live_server_factory(options=SandboxOptions(latency_ms=300, report_delay_s=0))
    graph = delegated(live)
    for call in (lambda: graph.get("/organization"),
                 lambda: graph.batch([{"id": str(i), "method": "GET", "url": "/me"}
                                      for i in range(3)])):
        started = time.monotonic()
        assert call().status_code == 200
        assert time.monotonic() - started >= 0.3


def test_fifth_concurrent_request_on_one_mailbox_is_throttled(live_server_factory):
    live = live_server_factory(options=SandboxOptions(latency_ms=1000, report_delay_s=0))
    graph = delegated(live)
    statuses: list[Any] = []
    barrier = threading.Barrier(5)

    def one() -> None:
        session = delegated(live)  # its own connection, opened before the race starts
        assert session.get("/organization").status_code == 200  # no mailbox: no slot taken
        barrier.wait()
        statuses.append(session.get("/me/messages", params={"$top": "1"}))

    threads = [threading.Thread(target=one) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(r.status_code for r in statuses)
    assert codes == [200, 200, 200, 200, 429]
    throttled = next(r for r in statuses if r.status_code == 429)
    error = assert_graph_error(throttled, 429, "ApplicationThrottled")
    assert "MailboxConcurrency" in error["message"]
    assert int(throttled.headers["Retry-After"]) >= 1

    # Inner requests of a batch meet the limit one by one; other mailboxes are unaffected.
    response = graph.batch([{"id": str(i), "method": "GET", "url": "/me/messages?$top=1"}
                            for i in range(6)] + [
        {"id": "directory", "method": "GET", "url": "/organization"}])
    answers = {a["id"]: a for a in response.json()["responses"]}
    assert answers.pop("directory")["status"] == 200
    assert sorted(a["status"] for a in answers.values()) == [200] * 4 + [429] * 2
    assert all(int(a["headers"]["Retry-After"]) >= 1 for a in answers.values()
               if a["status"] == 429)


# --- recall -------------------------------------------------------------------------------

# Expected status per recipient: unread in Inbox, read in Inbox, unread moved to Archive,
# already deleted, shared mailbox (unread), Gmail, cross-tenant-listed domain, no mailbox.
RECALL_CASES = {
    (True, True): ("Recall Success", "Recall Success", "Recall Success", "Recall Failure",
                   "Recall Success"),
    (True, False): ("Recall Success", "Recall Failure", "Recall Success", "Recall Failure",
                    "Recall Success"),
    (False, True): ("Recall Success", "Recall Failure", "Recall Failure", "Recall Failure",
                    "Recall Success"),
    (False, False): ("Recall Success", "Recall Failure", "Recall Failure", "Recall Failure",
                     "Recall Success"),
}
INTERNAL = ("alex@contoso.com", "megan@contoso.com", "lee@contoso.com", "nestor@contoso.com",
            "support@contoso.com")


@pytest.mark.parametrize(("cloud", "read"), sorted(RECALL_CASES, reverse=True))
def test_recall_applies_the_tenant_policy_and_reports_after_the_delay(
        live_server_factory, cloud: bool, read: bool):
    live = live_server_factory(tenant=recall_tenant(cloud=cloud, read=read),
                               options=SandboxOptions(report_delay_s=30))
    clock = FakeClock()
    live.sandbox.clock = clock
    adele, app = delegated(live), app_only(live)
    before = {box: find_copy(app, box, RECALL_IMID) for box in INTERNAL}
    assert before["nestor@contoso.com"] is None and all(
        before[b] for b in INTERNAL if b != "nestor@contoso.com")

    requested_at = clock.now
    response = adele.post("/me/mailFolders/sentitems/messages/AAMkAGRlbW8-recall_test/recall",
                          version="beta")
    assert response.status_code == 202
    assert response.json().startswith("Successfully submitted recall request")

    expected = dict(zip(INTERNAL, RECALL_CASES[(cloud, read)], strict=True))
    for box, status in expected.items():
        left = find_copy(app, box, RECALL_IMID)
        assert (left is None) == (status == "Recall Success" or box == "nestor@contoso.com"), box
    assert adele.get("/me/messages/AAMkAGRlbW8-recall_test").status_code == 200  # sender's stays

    assert reports(adele) == []
    clock.advance(29)
    assert reports(adele) == []
    clock.advance(2)
    [report] = reports(adele)
    assert report["subject"] == "Message Recall Report for message: Salaries (wrong list)"
    assert report["receivedDateTime"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                       time.gmtime(requested_at + 30))
    assert report["body"]["contentType"] == "html"
    html = report["body"]["content"]
    assert unescape(RECALL_IMID) in unescape(html)
    assert report_rows(html) == {**expected, "friend@gmail.com": "Recall Failure",
                                 "buyer@fabrikam.com": "Pending",
                                 "gone@contoso.com": "Recall Failure"}
    text = adele.get(f"/me/messages/{report['id']}",
                     headers={"Prefer": 'outlook.body-content-type="text"'})
    assert text.headers["Preference-Applied"] == 'outlook.body-content-type="text"'
    assert "alex@contoso.com\tRecall Success" in text.json()["body"]["content"]


def test_recalling_twice_and_recalling_what_is_not_in_sent_items(live_server_factory):
    live = live_server_factory(tenant=recall_tenant(cloud=True, read=True),
                               options=SandboxOptions(report_delay_s=0))
    adele = delegated(live)
    path = "/me/mailFolders/sentitems/messages/AAMkAGRlbW8-recall_test/recall"
    assert adele.post(path, version="beta").status_code == 202
    assert adele.post(path, version="beta").status_code == 202  # accepted again, like Graph
    statuses = [report_rows(r["body"]["content"])["alex@contoso.com"] for r in reports(adele)]
    assert sorted(statuses) == ["Recall Failure", "Recall Success"]  # gone after the first

    inbox_item = "/me/mailFolders/sentitems/messages/AAMkAGRlbW8-inbox01_lunch/recall"
    assert_graph_error(adele.post(inbox_item, version="beta"), 400, "ErrorInvalidRequest")
    unknown = "/me/mailFolders/sentitems/messages/AAMkAGunknown/recall"
    assert_graph_error(adele.post(unknown, version="beta"), 400, "ErrorInvalidRequest")
    alex = delegated(live, "alex@contoso.com")  # adele's message is not in alex's mailbox
    assert_graph_error(alex.post(path, version="beta"), 400, "ErrorInvalidRequest")
    app = app_only(live)
    by_app = f"/users/{ADELE}/mailFolders/sentitems/messages/AAMkAGRlbW8-recall_test/recall"
    assert app.post(by_app, version="beta").status_code == 202


# --- messages, folders, ids ---------------------------------------------------------------

def test_filter_by_internet_message_id_with_quotes_select_and_paging(live_server_factory):
    raw = default_raw()
    tricky = "<o'brien+1@contoso.com>"
    raw["messages"].append({
        "id": "AAMkAGRlbW8-quote01", "owner": ADELE, "folder": "sentitems",
        "subject": "Quotes", "internetMessageId": tricky, "sentDateTime": "now-1m",
        "toRecipients": ["lynne@contoso.com"],
        "copies": [{"mailbox": "lynne@contoso.com", "isRead": True, "folder": "archive"}]})
    live = live_server_factory(tenant=parse_tenant(raw))
    adele, app = delegated(live), app_only(live)
    found = adele.get("/me/mailFolders('sentitems')/messages", params={
        "$filter": "internetMessageId eq '<o''brien+1@contoso.com>'",
        "$select": "id,internetMessageId,toRecipients"}).json()["value"]
    assert found == [{"@odata.etag": found[0]["@odata.etag"], "id": "AAMkAGRlbW8-quote01",
                      "internetMessageId": tricky, "toRecipients": [
                          {"emailAddress": {"name": "lynne@contoso.com",
                                            "address": "lynne@contoso.com"}}]}]
    assert adele.get("/me/mailFolders/inbox/messages", params={
        "$filter": f"internetMessageId eq '{tricky.replace(chr(39), 2 * chr(39))}'"}
    ).json()["value"] == []
    unbalanced = adele.get("/me/messages", params={"$filter": "internetMessageId eq '<o'brien>'"})
    assert_graph_error(unbalanced, 400, "BadRequest")

    lynne_copy = find_copy(app, "lynne@contoso.com", tricky)
    archive = app.get("/users/lynne@contoso.com/mailFolders/archive", params={"$select": "id"})
    assert lynne_copy["isRead"] is True
    assert lynne_copy["parentFolderId"] == archive.json()["id"]
    assert set(lynne_copy) == {"@odata.etag", "id", "isRead", "parentFolderId"}

    pages, url = [], adele.url("/me/mailFolders/sentitems/messages")
    params: dict[str, str] | None = {"$top": "4", "$select": "subject,receivedDateTime",
                                     "$orderby": "receivedDateTime desc"}
    while url:
        body = adele.session.get(url, params=params).json()
        pages.append(body["value"])
        url, params = body.get("@odata.nextLink"), None
    received = [m["receivedDateTime"] for page in pages for m in page]
    assert [len(p) for p in pages] == [4, 4, 3]
    assert received == sorted(received, reverse=True)
    assert_graph_error(adele.get("/me/messages", params={"$select": "nope"}), 400,
                       "RequestBroker--ParseUri")


def test_user_and_group_lookups(live_server):
    live = live_server
    graph, app = delegated(live), app_only(live)
    known = ["ALEX@contoso.com", "megan@contoso.com", "support@contoso.com"]
    unknown = [f"nobody{i}@contoso.com" for i in range(12)]
    clause = "mail in (" + ",".join(f"'{a}'" for a in known + unknown) + ")"
    response = graph.get("/users", params={"$filter": clause, "$select": "id,mail,displayName"})
    assert response.status_code == 200, response.text
    users = response.json()["value"]
    assert sorted(u["mail"] for u in users) == sorted(a.lower() for a in known)
    assert all(set(u) == {"id", "mail", "displayName"} for u in users)
    sixteen = "mail in (" + ",".join(f"'{a}'" for a in known + unknown + ["x@y.z"]) + ")"
    error = assert_graph_error(graph.get("/users", params={"$filter": sixteen}), 400,
                               "Request_UnsupportedQuery")
    assert "Max allowed: 15" in error["message"]
    one = graph.get("/users", params={"$filter": "mail eq 'Patti@Contoso.com'"}).json()["value"]
    assert [u["displayName"] for u in one] == ["Patti Fernandez"]
    assert graph.get("/users/alex@contoso.com").json()["id"].endswith("0002")

    groups = graph.get("/groups", params={
        "$filter": "mail in ('sales@contoso.com','nope@contoso.com')", "$select": "id,mail"})
    assert groups.json()["value"] == [{"id": SALES, "mail": "sales@contoso.com"}]
    direct = graph.get(f"/groups/{SALES}/members", params={"$select": "mail"}).json()["value"]
    assert [m["mail"] for m in direct] == ["alex@contoso.com", "megan@contoso.com",
                                           "isaiah@contoso.com", "sales-emea@contoso.com"]
    members, url, params = [], graph.url(f"/groups/{SALES}/transitiveMembers"), {"$top": "2"}
    while url:
        body = graph.session.get(url, params=params).json()
        members += body["value"]
        url, params = body.get("@odata.nextLink"), None
    kinds = {m["mail"]: m["@odata.type"] for m in members}
    assert len(members) == len(kinds) == 6  # Megan is in both groups, listed once
    assert kinds == {"alex@contoso.com": "#microsoft.graph.user",
                     "megan@contoso.com": "#microsoft.graph.user",
                     "isaiah@contoso.com": "#microsoft.graph.user",
                     "sales-emea@contoso.com": "#microsoft.graph.group",
                     "lee@contoso.com": "#microsoft.graph.user",
                     "johanna@contoso.com": "#microsoft.graph.user"}
    assert_graph_error(graph.get("/groups/not-a-group/members"), 404, "Request_ResourceNotFound")

    purpose = "/users/support@contoso.com/mailboxSettings/userPurpose"
    assert app.get(purpose).json()["value"] == "shared"
    assert_graph_error(graph.get(purpose), 403, "ErrorAccessDenied")
    own = delegated(live, scopes="MailboxSettings.Read")
    assert own.get("/me/mailboxSettings/userPurpose").json()["value"] == "user"
    assert_graph_error(own.get(purpose), 403, "ErrorAccessDenied")

    org = graph.get("/organization", params={"$select": "verifiedDomains"}).json()["value"][0]
    assert set(org) == {"verifiedDomains"}
    assert {(d["name"], d["isDefault"], d["isInitial"]) for d in org["verifiedDomains"]} == {
        ("contoso.com", True, False), ("contoso.onmicrosoft.com", False, True)}


def test_translate_exchange_ids(live_server):
    graph = delegated(live_server)
    rest = "AAMkAGRlbW8-sent01_forecast"
    ews = ews_id(rest)
    assert ews == "AAMkAGRlbW8/sent01+forecast"
    body = {"inputIds": [ews, "AAMkAG/unknown+item=", "not an id!"],
            "sourceIdType": "ewsId", "targetIdType": "restId"}
    values = graph.post("/me/translateExchangeIds", body).json()["value"]
    assert values[0] == {"sourceId": ews, "targetId": rest}
    assert values[1] == {"sourceId": "AAMkAG/unknown+item=", "targetId": "AAMkAG-unknown_item="}
    assert values[2]["errorDetails"]["code"] == "ErrorInvalidIdMalformed"
    assert "targetId" not in values[2]
    assert graph.get(f"/me/messages/{values[0]['targetId']}").json()["id"] == rest
    too_many = {**body, "inputIds": [ews] * 1001}
    assert graph.post("/me/translateExchangeIds", too_many).status_code == 400


# --- corrections --------------------------------------------------------------------------

def test_reply_all_draft_patch_and_send_deliver_to_the_right_mailboxes(live_server):
    live = live_server
    adele, app = delegated(live), app_only(live)
    original = adele.get("/me/messages/AAMkAGRlbW8-sent01_forecast").json()
    both = adele.post("/me/messages/AAMkAGRlbW8-sent01_forecast/createReplyAll",
                      {"comment": "x", "message": {"body": {"contentType": "text",
                                                            "content": "y"}}})
    assert_graph_error(both, 400, "ErrorInvalidRequest")

    created = adele.post("/me/messages/AAMkAGRlbW8-sent01_forecast/createReplyAll",
                         {"comment": "Please ignore the numbers below."})
    assert created.status_code == 201, created.text
    draft = created.json()
    assert draft["isDraft"] is True and draft["subject"] == "RE: Q4 forecast — draft numbers"
    assert draft["conversationId"] == original["conversationId"]
    assert [r["emailAddress"]["address"] for r in draft["toRecipients"]] == ["alex@contoso.com"]
    assert [r["emailAddress"]["address"] for r in draft["ccRecipients"]] == ["megan@contoso.com"]
    assert "Please ignore the numbers below." in draft["body"]["content"]
    drafts = adele.get("/me/mailFolders/drafts").json()["id"]
    assert draft["parentFolderId"] == drafts

    patched = adele.patch(f"/me/messages/{draft['id']}", {
        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}},
                         {"emailAddress": {"address": "sam@gmail.com", "name": "Sam"}}],
        "ccRecipients": [],
        "bccRecipients": [{"emailAddress": {"address": "sales-emea@contoso.com"}}]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["ccRecipients"] == []
    assert adele.post(f"/me/messages/{draft['id']}/send").status_code == 202
    assert_graph_error(adele.get(f"/me/messages/{draft['id']}"), 404, "ErrorItemNotFound")

    imid = draft["internetMessageId"]
    sent = adele.get("/me/mailFolders/sentitems/messages", params={
        "$filter": f"internetMessageId eq '{imid}'"}).json()["value"]
    assert len(sent) == 1 and sent[0]["isDraft"] is False
    reached = {box for box in ("alex@contoso.com", "megan@contoso.com", "lee@contoso.com",
                               "johanna@contoso.com", "isaiah@contoso.com")
               if find_copy(app, box, imid)}
    assert reached == {"alex@contoso.com", "lee@contoso.com", "johanna@contoso.com",
                       "megan@contoso.com"}  # Megan via the Sales EMEA group (Bcc)
    lee = app.get(f"/users/lee@contoso.com/messages/{find_copy(app, 'lee@contoso.com', imid)['id']}")
    assert lee.json()["bccRecipients"] == []  # Bcc shows only on the sender's copy
    assert (imid, "sam@gmail.com") in live.sandbox.mail.external_deliveries

    # Reply-all in one call, with a body of its own.
    assert adele.post("/me/messages/AAMkAGRlbW8-sent02_pricing/replyAll", {
        "message": {"body": {"contentType": "html", "content": "<p>Correction</p>"}}}
    ).status_code == 202
    replies = adele.get("/me/mailFolders/sentitems/messages", params={
        "$filter": "subject eq 'RE: Pricing for the Fabrikam renewal'"}).json()["value"]
    assert len(replies) == 1
    assert find_copy(app, "alex@contoso.com", replies[0]["internetMessageId"]) is not None
    no_send = delegated(live, scopes="Mail.ReadWrite")
    assert_graph_error(no_send.post("/me/messages/AAMkAGRlbW8-sent02_pricing/replyAll", {}),
                       403, "ErrorAccessDenied")


# --- faults -------------------------------------------------------------------------------

def test_fault_injection_at_rate_one(live_server_factory):
    live = live_server_factory(options=SandboxOptions(
        fault_rate=1.0, fault_seed=7, timeout_fault_s=0.1, report_delay_s=0))
    graph = delegated(live)
    seen: dict[int, Any] = {}
    drafts_before = len(live.sandbox.mail.messages(ADELE, "drafts", time.time()))
    for _ in range(30):
        response = graph.post("/me/messages/AAMkAGRlbW8-sent01_forecast/createReplyAll", {})
        assert response.status_code in (429, 503, 504), response.text
        seen.setdefault(response.status_code, response)
        if len(seen) == 3:
            break
    assert sorted(seen) == [429, 503, 504]
    assert_graph_error(seen[429], 429, "TooManyRequests")
    assert_graph_error(seen[503], 503, "serviceNotAvailable")
    assert_graph_error(seen[504], 504, "GatewayTimeout")
    assert int(seen[429].headers["Retry-After"]) >= 1
    assert int(seen[503].headers["Retry-After"]) >= 1
    # A faulted request never half-happens: no draft was created.
    assert len(live.sandbox.mail.messages(ADELE, "drafts", time.time())) == drafts_before

    response = graph.batch([{"id": str(i), "method": "GET", "url": "/me"} for i in range(5)])
    assert response.status_code == 200  # the envelope is not faulted; each inner request is
    assert {a["status"] for a in response.json()["responses"]} <= {429, 503, 504}


def test_fixture_is_not_shared_between_servers(live_server_factory):
    """Each server's mail store starts from the fixture (state never leaks across tests)."""
    first = live_server_factory(options=SandboxOptions(report_delay_s=0))
    path = "/me/mailFolders/sentitems/messages/AAMkAGRlbW8-sent01_forecast/recall"
    assert delegated(first).post(path, version="beta").status_code == 202
    second = live_server_factory(options=SandboxOptions(report_delay_s=0))
    imid = "<DM6PR11MB4001.0001@DM6PR11MB4001.namprd11.prod.outlook.com>"
    assert find_copy(app_only(first), "alex@contoso.com", imid) is None
    assert find_copy(app_only(second), "alex@contoso.com", imid) is not None
