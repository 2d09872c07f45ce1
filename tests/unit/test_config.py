"""Settings: every bad or missing value is reported, one clear line each."""

from __future__ import annotations

import pytest

from recall_assistant.config import (
    SANDBOX_CLIENT_ID,
    SANDBOX_TENANT_ID,
    load_settings,
)
from recall_assistant.errors import ConfigError
from recall_assistant.sandbox.options import load_sandbox_options

TENANT_ENV = {
    "RA_MODE": "tenant",
    "RA_TENANT_ID": "11111111-2222-3333-4444-555555555555",
    "RA_CLIENT_ID": "66666666-7777-8888-9999-000000000000",
    "RA_CLIENT_SECRET": "s3cret",
    "RA_API_AUDIENCE": "api://addin.contoso.com/66666666-7777-8888-9999-000000000000",
    "RA_PUBLIC_URL": "https://addin.contoso.com",
    "RA_DATA_DIR": "/tmp/ra-test-data",
}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    return caught.value.problems


def test_sandbox_defaults_point_at_the_local_stand_in():
    settings = load_settings({"RA_DATA_DIR": "/tmp/x"})
    assert settings.mode == "sandbox"
    assert settings.tenant_id == SANDBOX_TENANT_ID
    assert settings.client_id == SANDBOX_CLIENT_ID
    assert settings.authority_host == "https://localhost:3000/sandbox/identity"
    assert settings.graph_url == "https://localhost:3000/sandbox/graph"
    assert settings.api_audience == f"api://localhost:3000/{SANDBOX_CLIENT_ID}"
    assert settings.database_url == "sqlite:////tmp/x/recall-assistant.db"


def test_tenant_mode_uses_microsoft_endpoints():
    settings = load_settings(TENANT_ENV)
    assert settings.authority == (
        "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555"
    )
    assert settings.graph_url == "https://graph.microsoft.com"
    assert settings.openid_configuration_url.endswith("/v2.0/.well-known/openid-configuration")


@pytest.mark.parametrize("missing", ["RA_TENANT_ID", "RA_CLIENT_ID", "RA_CLIENT_SECRET",
                                     "RA_API_AUDIENCE"])
def test_tenant_mode_requires_each_identity_setting(missing):
    env = {k: v for k, v in TENANT_ENV.items() if k != missing}
    found = problems(env)
    assert any(line.startswith(f"{missing} is missing") for line in found), found


def test_every_problem_is_reported_at_once():
    env = dict(TENANT_ENV, RA_CLIENT_ID="not-a-guid", RA_GRAPH_URL="http://graph.example",
               RA_DEEP_CHECK="maybe", RA_LOG_LEVEL="LOUD")
    found = problems(env)
    assert len(found) == 4
    assert "RA_CLIENT_ID='not-a-guid' is not a GUID." in found
    assert any(p.startswith("RA_GRAPH_URL='http://graph.example' is not an https URL") for p in found)
    assert any(p.startswith("RA_DEEP_CHECK='maybe' is not a boolean") for p in found)
    assert any(p.startswith("RA_LOG_LEVEL='LOUD' is not one of") for p in found)


@pytest.mark.parametrize("url", ["not a url", "https://", "ftp://x.example", "https://x?y=1"])
def test_malformed_urls_are_refused(url):
    found = problems(dict(TENANT_ENV, RA_AUTHORITY_HOST=url))
    assert len(found) == 1 and found[0].startswith("RA_AUTHORITY_HOST=")


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("RA_MODE", "prod", "RA_MODE='prod' is not one of sandbox, tenant."),
    ("RA_MAX_RECALLABLE_AGE_DAYS", "ten", "RA_MAX_RECALLABLE_AGE_DAYS='ten' is not a number."),
    ("RA_MAX_RECALLABLE_AGE_DAYS", "0", "RA_MAX_RECALLABLE_AGE_DAYS=0 is out of range (1 to 3650)."),
    ("RA_CA_BUNDLE", "/nonexistent/ca.pem",
     "RA_CA_BUNDLE='/nonexistent/ca.pem' is not a readable file."),
    ("DATABASE_URL", "mysql://db/x", "DATABASE_URL starts with 'mysql': use sqlite:// or postgresql://."),
    ("RA_ALLOWED_ORIGINS", "http://outlook.office.com",
     "RA_ALLOWED_ORIGINS entry 'http://outlook.office.com' is not an https origin."),
])
def test_single_bad_values(name, value, expected):
    assert problems(dict(TENANT_ENV, **{name: value})) == [expected]


def test_database_password_never_appears_in_a_problem():
    found = problems(dict(TENANT_ENV, DATABASE_URL="mysql://user:hunter2@db/x"))
    assert "hunter2" not in found[0]


def test_lists_and_flags_are_parsed():
    settings = load_settings(dict(TENANT_ENV, RA_CROSS_TENANT_DOMAINS=" Fabrikam.com, ,tailspin.com",
                                  RA_DEEP_CHECK="1", RA_RECALL_READ_ENABLED="false"))
    assert settings.cross_tenant_domains == ("fabrikam.com", "tailspin.com")
    assert settings.deep_check is True
    assert settings.recall_read_enabled is False


def test_sandbox_options():
    options = load_sandbox_options({"RA_SANDBOX_LATENCY_MS": "50", "RA_SANDBOX_FAULT_RATE": "0.3"})
    assert (options.latency_ms, options.fault_rate) == (50, 0.3)
    with pytest.raises(ConfigError) as caught:
        load_sandbox_options({"RA_SANDBOX_FAULT_RATE": "1.5"})
    assert caught.value.problems == ["RA_SANDBOX_FAULT_RATE=1.5 is out of range (0 to 1)."]
