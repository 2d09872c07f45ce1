"""The directory cache: entries expire, the oldest go first past the cap, 0 turns it off."""

from __future__ import annotations

from recall_assistant.services.directory_cache import TtlCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_an_entry_lives_for_its_ttl_then_is_gone():
    clock = Clock()
    cache = TtlCache(ttl_s=300, clock=clock)
    cache.put(("t1", "alex@contoso.com"), "Alex")
    clock.now += 299
    assert cache.get(("t1", "alex@contoso.com")) == "Alex"
    assert cache.get(("t2", "alex@contoso.com")) is None  # another tenant's key
    clock.now += 2
    assert cache.get(("t1", "alex@contoso.com"), "gone") == "gone"


def test_past_the_cap_the_least_recently_used_entry_goes():
    cache = TtlCache(ttl_s=300, max_entries=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)


def test_a_ttl_of_zero_caches_nothing_and_clear_empties_it():
    off = TtlCache(ttl_s=0, clock=Clock())
    off.put("a", 1)
    assert off.get("a") is None
    on = TtlCache(ttl_s=60, clock=Clock())
    on.put("a", 1)
    on.clear()
    assert on.get("a") is None
