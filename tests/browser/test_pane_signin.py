"""Signing the pane in: Office SSO errors, Entra ID's consent challenge, and MSAL.js's nested
app authentication, each through the sandbox's Office shim."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_pane, screenshot, shim_record, tenant_with, wait_for_verdict

pytestmark = pytest.mark.browser

FORECAST = "AAMkAGRlbW8-sent01_forecast"

# Office's getAccessToken errors (troubleshoot-sso-in-office-add-ins): each has its own words.
SSO_ERRORS = {
    13001: ("You are not signed in to Office.", "Try again"),
    13002: ("Sign-in was cancelled.", "Sign in"),
    13003: ("This kind of account cannot use Recall Assistant.", "Try again"),
    13004: ("Recall Assistant is set up wrongly in your organisation (error 13004).", "Try again"),
    13005: ("Recall Assistant has not been given permission to sign you in.", "Try again"),
    13006: ("Office ran into a problem while signing you in.", "Try again"),
    13007: ("Office could not get a sign-in for Recall Assistant.", "Try again"),
    13008: ("Another sign-in is still in progress.", "Try again"),
    13010: ("Your browser's security zones block the sign-in.", "Try again"),
    13012: ("Signing in is not supported here.", "Try again"),
    13013: ("Office is receiving too many sign-in requests.", "Try again"),
    50001: ("Office could not load what sign-in needs.", "Try again"),
}


def test_each_sso_error_has_its_own_message_and_next_step(live_server, page):
    nexts = set()
    for code, (title, button) in SSO_ERRORS.items():
        open_pane(page, live_server, FORECAST, sso=str(code))
        alert = page.get_by_role("alert")
        expect(alert.locator(".error-title")).to_have_text(title)
        expect(alert.get_by_role("button", name=button, exact=True)).to_be_visible()
        nexts.add(alert.locator(".error-next").inner_text())
        assert alert.get_attribute("data-code") == f"sso_{code}"
    assert len(nexts) == len(SSO_ERRORS)  # a next step of its own for each


def test_cancelled_sign_in_offers_sign_in_and_then_works(live_server, page):
    open_pane(page, live_server, FORECAST, sso="13002", ssoTimes="1")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sign-in was cancelled.")
    screenshot(page, "signin-cancelled-320")
    alert.get_by_role("button", name="Sign in").click()
    wait_for_verdict(page)
    calls = [c for c in shim_record(page)["calls"] if c["api"] == "getAccessToken"]
    assert calls[0]["options"] == {"allowSignInPrompt": True, "allowConsentPrompt": True,
                                   "forMSGraphAccess": False}


def _mfa_for_adele(raw):
    for user in raw["users"]:
        if user["mail"] == "adele@contoso.com":
            user["signInError"] = "interaction_required"


def _consent_for_adele(raw):
    for user in raw["users"]:
        if user["mail"] == "adele@contoso.com":
            user["signInError"] = "consent_required"


def test_a_claims_challenge_is_passed_to_sign_in_once(live_server_factory, page):
    live = live_server_factory(tenant=tenant_with(_mfa_for_adele))
    eligibility = []
    page.on("request", lambda r: eligibility.append(r) if r.url.endswith("/api/eligibility") else None)
    open_pane(page, live, FORECAST)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Recall Assistant needs your permission")
    expect(alert.get_by_role("button", name="Sign in")).to_be_visible()
    calls = [c["options"] for c in shim_record(page)["calls"] if c["api"] == "getAccessToken"]
    # First the plain sign-in, then once more with Entra ID's claims challenge; no loop.
    assert len(calls) == 2
    assert "authChallenge" not in calls[0]
    challenge = json.loads(calls[1]["authChallenge"])
    assert challenge["access_token"]["capolids"]["essential"] is True
    assert len(eligibility) == 2
    screenshot(page, "consent-required-320")


def test_missing_consent_retries_then_says_whom_to_ask(live_server_factory, page):
    live = live_server_factory(tenant=tenant_with(_consent_for_adele))
    open_pane(page, live, FORECAST)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Recall Assistant needs your permission")
    expect(alert).to_contain_text("ask your administrator to grant consent")
    calls = [c for c in shim_record(page)["calls"] if c["api"] == "getAccessToken"]
    assert len(calls) == 2  # the retry asked Office for a new token (consent prompt allowed)


def test_nested_app_authentication_gets_the_token_through_msal(live_server, page):
    open_pane(page, live_server, FORECAST, naa="1")
    wait_for_verdict(page)
    calls = shim_record(page)["calls"]
    assert not [c for c in calls if c["api"] == "getAccessToken"]
    tokens = [c for c in calls if c["api"] == "naa:GetToken"]
    assert len(tokens) == 1
    params = tokens[0]["tokenParams"]
    assert params["clientId"] == live_server.settings.client_id
    assert params["scope"] == f"{live_server.settings.api_audience}/access_as_user"
    assert page.evaluate("typeof window.msal.createNestablePublicClientApplication") == "function"


def test_nested_app_authentication_cancelled_offers_sign_in(live_server, page):
    open_pane(page, live_server, FORECAST, naa="1", sso="13002", ssoTimes="2")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sign-in was cancelled.")
    alert.get_by_role("button", name="Sign in").click()
    wait_for_verdict(page)
    methods = [c["api"] for c in shim_record(page)["calls"] if c["api"].startswith("naa:Get")]
    # silent, then the host's prompt (both cancelled); after "Sign in": silent succeeds.
    assert methods[:3] == ["naa:GetInitContext", "naa:GetToken", "naa:GetTokenPopup"]
    assert methods[-1] == "naa:GetToken"
