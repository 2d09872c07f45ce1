"""Per-user rate limits: 429 ``rate_limited`` with Retry-After, per user and route."""

from __future__ import annotations

import pytest

from recall_assistant.api.ratelimits import LIMITED_ROUTES
from recall_assistant.app import create_app
from recall_assistant.config import load_settings
from recall_assistant.errors import ConfigError
from tests.support.entra import FakeEntra, tenant_env, tenant_settings

OTHER_OID = "0a1b2c3d-0000-4000-8000-0000000megan"


@pytest.fixture
def settings(tmp_path):
    return tenant_settings(tmp_path, RA_RATE_LIMIT_MUTATING="2/minute",
                           RA_RATE_LIMIT_READ="3/minute")


@pytest.fixture
def entra(settings, mocked_http):
    return FakeEntra(settings, mocked_http)


@pytest.fixture
def client(settings):
    return create_app(settings).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def recall(client, headers):
    # No Idempotency-Key: the view answers 400 at once, after the limit is counted.
    return client.post("/api/recalls", json={"messageId": "AAMk"}, headers=headers)


def test_the_limit_answers_429_with_retry_after_and_our_error_model(client, entra):
    headers = bearer(entra.mint())
    assert [recall(client, headers).status_code for _ in range(2)] == [400, 400]
    response = recall(client, headers)
    assert response.status_code == 429
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "rate_limited"
    assert error["message"]
    assert error["requestId"] == response.headers["X-Request-ID"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert error["details"] == {"retryAfterSeconds": retry_after}


def test_each_user_has_their_own_allowance(client, entra):
    adele = bearer(entra.mint())
    for _ in range(2):
        recall(client, adele)
    assert recall(client, adele).status_code == 429
    # A fresh token of the same user is the same user.
    assert recall(client, bearer(entra.mint())).status_code == 429
    assert recall(client, bearer(entra.mint(oid=OTHER_OID))).status_code == 400


def test_a_forged_token_cannot_spend_someone_elses_allowance(client, entra):
    forged = entra.mint().rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    for _ in range(3):
        assert recall(client, bearer(forged)).status_code in (401, 429)
    assert recall(client, bearer(entra.mint())).status_code == 400


def test_without_a_valid_token_the_remote_address_is_counted(client, entra):
    assert [recall(client, {}).status_code for _ in range(3)] == [401, 401, 429]
    other = {"REMOTE_ADDR": "192.0.2.7"}
    assert client.post("/api/recalls", json={}, environ_base=other).status_code == 401


def test_reading_routes_have_the_looser_limit_and_a_counter_of_their_own(client, entra):
    headers = bearer(entra.mint())
    statuses = [client.post("/api/eligibility", json={}, headers=headers).status_code
                for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    # The mutating route's counter is untouched.
    assert recall(client, headers).status_code == 400


def test_corrections_and_preview_are_limited_too(client, entra):
    headers = bearer(entra.mint())
    sends = [client.post("/api/corrections", json={}, headers=headers).status_code
             for _ in range(3)]
    assert sends[-1] == 429
    previews = [client.post("/api/corrections/preview", json={}, headers=headers).status_code
                for _ in range(4)]
    assert previews[-1] == 429


def test_other_routes_are_not_limited(client, entra):
    headers = bearer(entra.mint())
    assert {client.get("/api/me", headers=headers).status_code for _ in range(6)} == {200}


def test_every_limited_route_exists(client):
    rules = {(method, rule.rule) for rule in client.application.url_map.iter_rules()
             for method in rule.methods}
    assert {(method, path) for method, path, _ in LIMITED_ROUTES} <= rules


def test_defaults(tmp_path):
    settings = load_settings(tenant_env(tmp_path))
    assert settings.rate_limit_storage == "memory://"
    assert settings.rate_limit_mutating == "30/minute"
    assert settings.rate_limit_read == "120/minute"


@pytest.mark.parametrize(("name", "value", "says"), [
    ("RA_RATE_LIMIT_MUTATING", "lots", "RA_RATE_LIMIT_MUTATING='lots' is not a rate limit"),
    ("RA_RATE_LIMIT_READ", "5 per fortnight", "RA_RATE_LIMIT_READ='5 per fortnight' is not"),
    ("RA_RATE_LIMIT_STORAGE", "ftp://user:pw@host", "RA_RATE_LIMIT_STORAGE has the scheme 'ftp'"),
    ("RA_RATE_LIMIT_STORAGE", "localhost:6379", "RA_RATE_LIMIT_STORAGE has the scheme ''"),
])
def test_bad_settings_are_refused_at_start(tmp_path, name, value, says):
    with pytest.raises(ConfigError) as caught:
        load_settings(tenant_env(tmp_path, **{name: value}))
    assert any(says in problem for problem in caught.value.problems)
    assert "pw@" not in str(caught.value)  # a storage URI's password is never echoed


def test_redis_storage_without_its_driver_is_a_clear_start_up_error(tmp_path):
    pytest.importorskip("limits")
    try:
        import redis  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("the redis driver is installed here")
    settings = tenant_settings(tmp_path, RA_RATE_LIMIT_STORAGE="redis://:secret@cache:6379/0")
    with pytest.raises(ConfigError) as caught:
        create_app(settings)
    assert "recall-assistant[redis]" in str(caught.value)
    assert "secret" not in str(caught.value)


# -- the in-memory counters -------------------------------------------------------------------

def test_in_memory_counters_use_our_storage_and_others_are_left_as_configured(client):
    from recall_assistant.api.ratelimits import EXTENSION, QuietMemoryStorage, storage_uri

    assert storage_uri("memory://") == "ra-memory://"
    assert storage_uri("redis://cache:6379/0") == "redis://cache:6379/0"
    assert isinstance(client.application.extensions[EXTENSION].storage, QuietMemoryStorage)


def test_counting_a_request_starts_no_thread(monkeypatch):
    import limits.storage.memory as memory
    from limits import parse, strategies

    from recall_assistant.api.ratelimits import QuietMemoryStorage

    # The hook we replace must still exist in limits, or the override silently does nothing.
    assert hasattr(memory.MemoryStorage, "_MemoryStorage__schedule_expiry")
    storage = QuietMemoryStorage()
    storage.timer.join()  # the one timer the base class starts when it is made
    started = []
    monkeypatch.setattr(memory.threading, "Timer",
                        lambda *a, **k: started.append(a) or pytest.fail("a timer started"))
    limiter = strategies.SlidingWindowCounterRateLimiter(storage)
    limit = parse("3/minute")
    assert [limiter.hit(limit, "user:t:o") for _ in range(4)] == [True, True, True, False]
    assert started == []


def test_expired_counters_are_forgotten_without_a_thread(monkeypatch):
    import limits.storage.memory as memory

    from recall_assistant.api.ratelimits import QuietMemoryStorage

    now = [1000.0]
    monkeypatch.setattr(memory.time, "time", lambda: now[0])
    storage = QuietMemoryStorage()
    storage.SWEEP_EVERY_S = 0  # sweep on every count, for the test
    storage.incr("old", expiry=10)
    assert "old" in storage.storage
    now[0] += 11
    storage.incr("new", expiry=10)  # counting anything sweeps what expired
    assert "old" not in storage.storage and "old" not in storage.expirations
    assert storage.get("new") == 1


def test_only_the_limited_routes_are_counted(client, entra, monkeypatch):
    from recall_assistant.api.ratelimits import EXTENSION

    limits = client.application.extensions[EXTENSION]
    counted = []
    real_wait = limits.wait
    monkeypatch.setattr(limits, "wait", lambda *a: counted.append(a[:2]) or real_wait(*a))
    headers = bearer(entra.mint())
    client.get("/api/me", headers=headers)
    client.get("/healthz")
    assert counted == []
    # Counted before the view: even a request the view then refuses (400, no Graph call).
    assert client.post("/api/eligibility", json={}, headers=headers).status_code == 400
    assert counted == [("POST", "eligibility.check_eligibility")]


def test_an_unreachable_shared_storage_means_counting_alone_for_a_while(settings, caplog):
    from recall_assistant.api.ratelimits import RateLimits

    now = [100.0]
    limits = RateLimits(settings.replace(rate_limit_read="2/minute"), clock=lambda: now[0])
    limits.limit("POST", "eligibility.check_eligibility", "read")
    tried = []

    class Down:
        def hit(self, *args):
            tried.append(now[0])
            raise ConnectionError("redis went away")

    limits._shared = Down()
    with caplog.at_level("WARNING", logger="recall_assistant.api.ratelimits"):
        answers = [limits.wait("POST", "eligibility.check_eligibility", "user:t:o")
                   for _ in range(3)]
    # Nobody is refused for the storage's sake; the process's own counters still hold the
    # limit, and the shared storage is not asked again until the pause is over.
    assert answers[:2] == [None, None] and answers[2] is not None and answers[2] >= 1
    assert tried == [100.0]
    assert "rate-limit storage unreachable (ConnectionError)" in caplog.text
    now[0] += RateLimits.RETRY_STORAGE_AFTER_S
    limits.wait("POST", "eligibility.check_eligibility", "user:t:o")
    assert tried == [100.0, 100.0 + RateLimits.RETRY_STORAGE_AFTER_S]
