"""Validation of the pane's bearer token against the authority's published keys."""

from __future__ import annotations

import jwt
import pytest
import responses

from recall_assistant.auth import tokens as tokens_module
from recall_assistant.auth.authority import Authority
from recall_assistant.auth.tokens import TokenValidator
from recall_assistant.errors import AuthorityUnavailable, InvalidToken
from tests.support.entra import (
    API_AUDIENCE,
    OTHER_TENANT_ID,
    TENANT_ID,
    USER_OID,
    Clock,
    FakeEntra,
    new_session,
    tenant_settings,
)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def settings(tmp_path):
    return tenant_settings(tmp_path, RA_ADMIN_ROLE="RecallAssistant.Admin")


@pytest.fixture
def entra(settings, mocked_http, clock):
    return FakeEntra(settings, mocked_http, clock=clock)


@pytest.fixture
def authority(settings, clock):
    return Authority(settings, new_session(), clock=clock)


@pytest.fixture
def validator(settings, authority, clock):
    return TokenValidator(settings, authority, clock=clock)


def rejected(validator: TokenValidator, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        validator.validate(token)
    assert caught.value.status == 401
    return caught.value.code


def test_a_valid_token_describes_the_caller(entra, validator):
    token = entra.mint(roles=["RecallAssistant.Admin", "Other"])
    caller = validator.validate(token)
    assert caller.oid == USER_OID
    assert caller.tid == TENANT_ID
    assert caller.address == "adele@contoso.com"
    assert caller.name == "Adele Vance"
    assert caller.roles == ("RecallAssistant.Admin", "Other")
    assert caller.is_admin is True
    assert "access_as_user" in caller.scopes
    assert caller.assertion == token
    assert token not in repr(caller)  # the raw token never reaches a log line by accident


def test_a_caller_without_the_admin_role_is_not_admin(entra, validator):
    assert validator.validate(entra.mint(roles=["Reader"])).is_admin is False
    assert validator.validate(entra.mint()).is_admin is False


def test_the_address_falls_back_to_upn_then_email(entra, validator):
    assert validator.validate(entra.mint(preferred_username=None, upn="a@x.com")).address == "a@x.com"
    assert validator.validate(
        entra.mint(preferred_username=None, email="e@x.com")).address == "e@x.com"


def test_both_our_audiences_are_accepted(entra, validator, settings):
    assert validator.validate(entra.mint(aud=settings.client_id)).oid == USER_OID
    assert validator.validate(entra.mint(aud=API_AUDIENCE)).oid == USER_OID


def test_v1_issuer_is_accepted_for_our_tenant(entra, validator):
    token = entra.mint(iss=f"https://sts.windows.net/{TENANT_ID}/", ver="1.0")
    assert validator.validate(token).tid == TENANT_ID


def test_v1_issuer_of_another_tenant_is_refused(entra, validator):
    assert rejected(validator, entra.mint(iss=f"https://sts.windows.net/{OTHER_TENANT_ID}/")) == "wrong_issuer"


def test_an_issuer_template_with_tenantid_placeholder_is_filled_in(entra, validator):
    entra.issuer_template = "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert validator.validate(entra.mint()).tid == TENANT_ID
    assert rejected(validator, entra.mint(iss="https://login.microsoftonline.com/{tenantid}/v2.0")) == "wrong_issuer"


def test_the_sandbox_issuer_shape_is_accepted(tmp_path, mocked_http, clock):
    # Sandbox mode differs only by configuration: same validator, local authority URL.
    from tests.support import sandbox_settings

    settings = sandbox_settings(tmp_path, 3443)
    entra = FakeEntra(settings, mocked_http, clock=clock)
    assert entra.issuer == f"https://localhost:3443/sandbox/identity/{settings.tenant_id}/v2.0"
    validator = TokenValidator(settings, Authority(settings, new_session(), clock=clock), clock=clock)
    assert validator.validate(entra.mint(aud=settings.api_audience)).tid == settings.tenant_id


def test_keys_are_fetched_once_and_kept(entra, validator):
    for _ in range(5):
        validator.validate(entra.mint())
    assert len(entra.calls("GET", entra.discovery_url)) == 1
    assert len(entra.calls("GET", entra.jwks_url)) == 1


def test_a_rotated_key_is_accepted_after_exactly_one_refetch(entra, validator):
    validator.validate(entra.mint())
    new_key = entra.rotate()
    caller = validator.validate(entra.mint(key=new_key))
    assert caller.oid == USER_OID
    assert len(entra.calls("GET", entra.jwks_url)) == 2
    validator.validate(entra.mint(key=new_key))
    assert len(entra.calls("GET", entra.jwks_url)) == 2


def test_garbage_key_ids_cannot_hammer_the_authority(entra, validator, clock):
    validator.validate(entra.mint())
    for i in range(50):
        assert rejected(validator, entra.mint(kid=f"garbage-{i}")) == "unknown_key"
    assert len(entra.calls("GET", entra.jwks_url)) == 2  # the first load and one refetch
    clock.advance(Authority.KEY_REFETCH_INTERVAL_S + 1)
    for i in range(50):
        assert rejected(validator, entra.mint(kid=f"again-{i}")) == "unknown_key"
    assert len(entra.calls("GET", entra.jwks_url)) == 3


def test_a_key_rotated_within_the_refetch_window_waits_for_the_window(entra, validator, clock):
    validator.validate(entra.mint())
    assert rejected(validator, entra.mint(kid="garbage")) == "unknown_key"  # uses the refetch
    new_key = entra.rotate()
    assert rejected(validator, entra.mint(key=new_key)) == "unknown_key"
    clock.advance(Authority.KEY_REFETCH_INTERVAL_S)
    assert validator.validate(entra.mint(key=new_key)).oid == USER_OID


def test_keys_are_refreshed_once_a_day(entra, validator, clock):
    validator.validate(entra.mint())
    clock.advance(Authority.KEY_MAX_AGE_S + 1)
    validator.validate(entra.mint())
    assert len(entra.calls("GET", entra.jwks_url)) == 2


def test_a_failed_daily_refresh_keeps_the_old_keys(entra, validator, clock):
    validator.validate(entra.mint())
    entra.down.add("jwks")
    clock.advance(Authority.KEY_MAX_AGE_S + 1)
    assert validator.validate(entra.mint()).oid == USER_OID


def test_an_unreachable_authority_is_503_not_401(entra, validator):
    entra.down.add("discovery")
    with pytest.raises(AuthorityUnavailable) as caught:
        validator.validate(entra.mint())
    assert caught.value.status == 503
    assert caught.value.code == "authority_unavailable"
    assert caught.value.headers["Retry-After"] == "5"


def test_unreadable_keys_are_503_and_retried_on_the_next_request(entra, validator, mocked_http):
    mocked_http.replace(responses.GET, entra.jwks_url, json={"no": "keys"})
    with pytest.raises(AuthorityUnavailable):
        validator.validate(entra.mint())
    mocked_http.replace(responses.GET, entra.jwks_url, json={"keys": [k.jwk() for k in entra.keys]})
    assert validator.validate(entra.mint()).oid == USER_OID


def test_leeway_tolerates_a_minute_of_clock_skew(entra, validator, clock):
    now = int(clock())
    assert validator.validate(entra.mint(exp=now - 30)).oid == USER_OID
    assert validator.validate(entra.mint(nbf=now + 30, iat=now + 30)).oid == USER_OID
    assert rejected(validator, entra.mint(exp=now - 90)) == "expired"
    assert rejected(validator, entra.mint(nbf=now + 90)) == "not_yet_valid"
    assert rejected(validator, entra.mint(iat=now + 90)) == "not_yet_valid"


def test_the_validators_clock_decides_expiry(entra, validator, clock):
    token = entra.mint()
    validator.validate(token)
    clock.advance(3600 + 61)
    assert rejected(validator, token) == "expired"


def test_a_token_seen_before_is_not_verified_again(entra, validator, monkeypatch):
    token = entra.mint()
    validator.validate(token)
    verified = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: verified.append(1) or real_decode(*a, **k))
    for _ in range(3):
        assert validator.validate(token).oid == USER_OID
    assert verified == []  # remembered: no signature check, no parsing
    validator.validate(entra.mint())  # another token is verified as usual
    assert verified == [1]


def test_a_remembered_token_is_only_as_good_as_its_exact_text(entra, validator):
    token = entra.mint()
    validator.validate(token)
    head, payload, signature = token.split(".")
    forged = ".".join([head, payload, signature[:-4] + ("AAAA" if signature[-4:] != "AAAA"
                                                         else "BBBB")])
    assert rejected(validator, forged) == "bad_signature"


def test_a_remembered_token_dies_with_its_withdrawn_key(entra, validator, clock):
    token = entra.mint()
    validator.validate(token)
    new_key = entra.rotate()
    entra.keys.remove(entra.keys[0])  # the authority stops publishing the old key
    clock.advance(Authority.KEY_MAX_AGE_S + 1)  # the daily refresh learns it
    validator.validate(entra.mint(key=new_key))
    assert rejected(validator, token) == "unknown_key"


def test_the_memory_of_verified_tokens_is_bounded(entra, validator, monkeypatch):
    monkeypatch.setattr(tokens_module, "VERIFIED_CACHE_SIZE", 3)
    first = entra.mint()
    validator.validate(first)
    for _ in range(3):
        validator.validate(entra.mint())
    verified = []
    real_decode = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: verified.append(1) or real_decode(*a, **k))
    validator.validate(first)  # forgotten (least recently used), so checked again
    assert verified == [1]


@pytest.mark.parametrize(("claims", "code"), [
    ({"exp": None}, "missing_claims"),
    ({"iat": None}, "missing_claims"),
    ({"tid": None}, "missing_claims"),
    ({"oid": None}, "missing_claims"),
    ({"exp": "tomorrow"}, "malformed_token"),
    ({"aud": [API_AUDIENCE, "other"]}, "wrong_audience"),
    ({"scp": "User.Read access_as_user_not"}, "missing_scope"),
    ({"scp": None, "roles": ["access_as_user"]}, "missing_scope"),  # app-only tokens are not users
])
def test_claim_problems_have_their_own_code(entra, validator, claims, code):
    assert rejected(validator, entra.mint(**claims)) == code


def test_multi_tenant_allow_list(tmp_path, mocked_http, clock):
    settings = tenant_settings(tmp_path, RA_ALLOWED_TENANTS=OTHER_TENANT_ID)
    entra = FakeEntra(settings, mocked_http, clock=clock)
    validator = TokenValidator(settings, Authority(settings, new_session(), clock=clock), clock=clock)
    other_iss = f"https://login.microsoftonline.com/{OTHER_TENANT_ID}/v2.0"
    assert validator.validate(entra.mint(tid=OTHER_TENANT_ID, iss=other_iss)).tid == OTHER_TENANT_ID
    assert validator.validate(entra.mint()).tid == TENANT_ID  # the home tenant stays allowed
    third = "12345678-1234-1234-1234-123456789abc"
    assert rejected(validator, entra.mint(
        tid=third, iss=f"https://login.microsoftonline.com/{third}/v2.0")) == "wrong_tenant"
    # An allowed tenant's id with the home tenant's issuer is not a token that tenant issued.
    assert rejected(validator, entra.mint(tid=OTHER_TENANT_ID)) == "wrong_issuer"

