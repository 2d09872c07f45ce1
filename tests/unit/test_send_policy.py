"""The on-send policy: ``RA_POLICY_FILE`` checked at start-up, ``GET /api/policy`` behind sign-in,
and the files Outlook loads for the on-send runtime (well-known list, script, page, icons)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from recall_assistant.app import create_app
from recall_assistant.cli import EXIT_CONFIG, main
from recall_assistant.config import load_settings
from recall_assistant.errors import ConfigError
from recall_assistant.send_policy import DEFAULT_SEND_POLICY, policy_document
from tests.support.entra import FakeEntra, tenant_env, tenant_settings

ORGANIZATION_URL = "https://graph.microsoft.com/v1.0/organization"
CONTOSO_DOMAINS = {"value": [{"verifiedDomains": [{"name": "contoso.com"},
                                                  {"name": "Contoso.onmicrosoft.com"}]}]}


@pytest.fixture
def mocked_http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def policy_file(tmp_path, content) -> str:
    path = tmp_path / "policy.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def client_for(tmp_path, mocked_http, **env):
    settings = tenant_settings(tmp_path, **env)
    entra = FakeEntra(settings, mocked_http)
    return create_app(settings).test_client(), entra


def bearer(entra: FakeEntra) -> dict[str, str]:
    return {"Authorization": f"Bearer {entra.mint()}"}


# -- GET /api/policy ------------------------------------------------------------------------

def test_the_policy_needs_a_signed_in_caller(tmp_path, mocked_http):
    client, entra = client_for(tmp_path, mocked_http)
    response = client.get("/api/policy")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "missing_token"
    bad = client.get("/api/policy", headers={"Authorization": "Bearer not-a-jwt"})
    assert bad.status_code == 401


def test_the_built_in_policy_with_the_tenants_domains(tmp_path, mocked_http):
    client, entra = client_for(tmp_path, mocked_http)
    mocked_http.add(responses.GET, ORGANIZATION_URL, json=CONTOSO_DOMAINS)
    response = client.get("/api/policy", headers=bearer(entra))
    assert response.status_code == 200
    body = response.get_json()
    expected = policy_document(DEFAULT_SEND_POLICY)
    expected["internalDomains"] = ["contoso.com", "contoso.onmicrosoft.com"]
    assert body == expected
    assert {"confidential", "password", "salary"} <= set(body["keywords"])
    assert [p["name"] for p in body["patterns"]] == ["IBAN", "credit card number"]
    assert (body["holdMinutes"], body["holdFor"], body["maxRecipients"]) == (0, "external", 25)
    assert response.headers["Cache-Control"] == "no-store"
    # The domains are asked once per tenant, then cached.
    client.get("/api/policy", headers=bearer(entra))
    assert len(entra.calls("GET", ORGANIZATION_URL)) == 1


def test_the_built_in_policy_matches_the_handlers_defaults():
    # launchevent.js carries the same defaults for when the backend cannot be reached.
    script = (Path(__file__).resolve().parents[2] / "frontend" / "launchevent.js").read_text()
    for word in DEFAULT_SEND_POLICY.keywords + DEFAULT_SEND_POLICY.attachment_words:
        assert f'"{word}"' in script, word
    for pattern in DEFAULT_SEND_POLICY.patterns:
        assert json.dumps(pattern.pattern) in script, pattern.name
    assert f"maxRecipients: {DEFAULT_SEND_POLICY.max_recipients}," in script


def test_graph_down_still_gives_a_policy(tmp_path, mocked_http):
    client, entra = client_for(tmp_path, mocked_http)
    mocked_http.add(responses.GET, ORGANIZATION_URL, status=403,
                    json={"error": {"code": "Authorization_RequestDenied", "message": "no"}})
    response = client.get("/api/policy", headers=bearer(entra))
    assert response.status_code == 200
    assert response.get_json()["internalDomains"] == []  # the handler falls back to the sender's


def test_the_policy_from_the_file(tmp_path, mocked_http):
    path = policy_file(tmp_path, {
        "keywords": ["Project Falcon", "  salary "], "internalDomains": ["Contoso.com", "fabrikam.com"],
        "patterns": [{"name": "Employee id", "pattern": "\\bE[0-9]{6}\\b"}],
        "holdMinutes": 5, "holdFor": "always", "maxRecipients": 0, "warnExternal": False,
    })
    client, entra = client_for(tmp_path, mocked_http, RA_POLICY_FILE=path)
    body = client.get("/api/policy", headers=bearer(entra)).get_json()
    assert body["keywords"] == ["project falcon", "salary"]
    assert body["internalDomains"] == ["contoso.com", "fabrikam.com"]
    assert body["patterns"] == [{"name": "Employee id", "pattern": "\\bE[0-9]{6}\\b",
                                 "check": "none", "ignoreCase": False}]
    assert (body["holdMinutes"], body["holdFor"], body["maxRecipients"], body["warnExternal"]) \
        == (5, "always", 0, False)
    # Keys the file does not give keep their defaults.
    assert body["attachmentWords"] == list(DEFAULT_SEND_POLICY.attachment_words)
    # The file lists the domains: Graph is not asked.
    assert entra.calls("GET", ORGANIZATION_URL) == []


# -- a bad file stops the start ---------------------------------------------------------------

BAD_FILES = {
    "not json": ("{keywords: [}", ["not valid JSON (line 1, column 2"]),
    "not an object": ("[]", ["must hold a JSON object"]),
    "bad values": ({"keywords": "password", "holdMinutes": -1, "holdFor": "weekends",
                    "typo": True},
                   ["keywords: Not a valid list.", "holdMinutes: Must be greater than or equal to 0",
                    "holdFor: Must be one of: external, always.", "typo: Unknown field."]),
    "bad pattern": ({"patterns": [{"name": "x", "pattern": "(unclosed"},
                                  {"name": "y", "pattern": "a?"},
                                  {"name": "z", "pattern": "z", "check": "crc"}]},
                    ["patterns.0.pattern: Not a valid regular expression",
                     "patterns.1.pattern: Matches empty text",
                     "patterns.2.check: Must be one of: none, iban, luhn."]),
    "bad domain": ({"internalDomains": ["contoso"]}, ["internalDomains: Not domain names: 'contoso'"]),
}


@pytest.mark.parametrize(("content", "lines"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_policy_file_is_refused_at_start_up(tmp_path, content, lines):
    path = policy_file(tmp_path, content)
    settings = tenant_settings(tmp_path)  # the file is not in the environment here...
    with pytest.raises(ConfigError) as caught:
        create_app(settings.replace(policy_file=path))  # ...create_app still refuses it
    problems = caught.value.problems
    assert len(problems) == len(lines), problems
    for problem, start in zip(problems, lines, strict=True):
        assert problem.startswith(f"RA_POLICY_FILE={path}: {start}"), problem


def test_the_settings_report_a_bad_file_and_a_missing_one(tmp_path):
    path = policy_file(tmp_path, {"holdFor": "never"})
    with pytest.raises(ConfigError) as caught:
        load_settings(tenant_env(tmp_path, RA_POLICY_FILE=path))
    assert caught.value.problems == [
        f"RA_POLICY_FILE={path}: holdFor: Must be one of: external, always."]
    missing = tmp_path / "nope.json"
    with pytest.raises(ConfigError) as caught:
        load_settings(tenant_env(tmp_path, RA_POLICY_FILE=str(missing)))
    assert caught.value.problems == [
        f"RA_POLICY_FILE={missing}: cannot be read (FileNotFoundError)."]


def test_check_config_prints_the_policy_problems(tmp_path, monkeypatch, capsys):
    for name, value in tenant_env(tmp_path, RA_POLICY_FILE=policy_file(
            tmp_path, {"maxRecipients": "lots"})).items():
        monkeypatch.setenv(name, value)
    assert main(["check-config"]) == EXIT_CONFIG
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 1 and errors[0].endswith("maxRecipients: Not a valid integer.")


# -- what Outlook loads for the on-send runtime ---------------------------------------------------

def test_the_well_known_file_lists_the_handlers_script(client):
    response = client.get("/.well-known/microsoft-officeaddins-allowed.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {"allowed": ["https://localhost:3000/launchevent.js"]}


def test_the_script_is_served_with_the_public_origin_written_in(client):
    response = client.get("/launchevent.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    text = response.get_data(as_text=True)
    assert 'var SERVED_ORIGIN = "https://localhost:3000";' in text
    assert "__RECALL_ASSISTANT_ORIGIN__" not in text
    assert 'associate("onMessageSendHandler", onMessageSendHandler)' in text
    assert "import " not in text and "export " not in text  # classic Outlook runs it bare


def test_the_commands_page_loads_office_js_from_the_cdn_then_the_handler(client):
    page = client.get("/commands.html").get_data(as_text=True)
    office = page.index('src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"')
    assert office < page.index('src="launchevent.js"')


def test_the_icons_are_served(client):
    response = client.get("/assets/icon-80.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert client.get("/assets/../launchevent.js").status_code == 404
