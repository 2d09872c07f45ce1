"""check-config's pieces without a network: the report's lines, and what a refused mailbox or
a surprise in a check turns into."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
import requests
import responses

from recall_assistant.ops.check_results import CheckResult
from recall_assistant.ops.checks import Checkup
from tests.support import sandbox_settings

GRAPH = "https://graph.example"


@pytest.mark.parametrize(("result", "line"), [
    (CheckResult("database", "ok", "sqlite, schema at head 0001"),
     "database              ok (sqlite, schema at head 0001)"),
    (CheckResult("settings", "ok"), "settings              ok"),
    (CheckResult("on-behalf-of", "FAILED", "app_credentials_rejected: ..."),
     "on-behalf-of          FAILED: app_credentials_rejected: ..."),
    (CheckResult("Graph /me", "skipped", "needs a test token"),
     "Graph /me             skipped: needs a test token"),
])
def test_one_line_per_check(result, line):
    assert result.line() == line


class AppTokens:
    def for_app(self) -> str:
        return "app-token"


def deep_checkup(tmp_path, **env: str) -> Checkup:
    settings = sandbox_settings(tmp_path, 3000, RA_DEEP_CHECK="1", RA_GRAPH_URL=GRAPH, **env)
    session = requests.Session()
    checkup = Checkup(settings, session, mailbox="board@contoso.com")
    checkup._app_token_ok = True  # as if the app-only token check had passed
    checkup._tokens = AppTokens()
    return checkup


@responses.activate
def test_a_mailbox_outside_the_apps_scope_says_how_to_fix_it(tmp_path):
    # What Exchange answers when RBAC for Applications leaves the mailbox out of scope.
    responses.get(re.compile(rf"{GRAPH}/v1.0/users/board@contoso.com/messages.*"), status=403,
                  json={"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}})
    checkup = deep_checkup(tmp_path)
    results = {r.name: r for r in checkup.run()}
    failed = results["Graph as the app"]
    assert failed.status == "FAILED"
    assert failed.detail.startswith("the app may not read board@contoso.com's mailbox")
    assert "RBAC scope" in failed.detail
    # The probe asked for a message id no mailbox holds, with the deep check's own fields.
    probe = unquote(next(c.request.url for c in responses.calls
                         if c.request.url.startswith(GRAPH)))
    assert "$filter=internetMessageId eq '<check-config@recall-assistant.invalid>'" in probe
    assert "$select=id,isRead,parentFolderId" in probe


@responses.activate
def test_a_surprise_inside_a_check_is_a_failed_line_not_a_crash(tmp_path, monkeypatch):
    checkup = deep_checkup(tmp_path)

    def broken() -> str:
        raise KeyError("issuer")

    monkeypatch.setattr(checkup, "front_end", broken)
    results = {r.name: r for r in checkup.run()}
    assert results["front end"].status == "FAILED"
    assert results["front end"].detail == "unexpected KeyError: 'issuer'"
    assert results["database"].status in ("ok", "FAILED")  # the later checks still ran
