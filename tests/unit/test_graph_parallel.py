"""The shared pool for Graph calls: order kept, the concurrency limit held, errors raised."""

from __future__ import annotations

import threading
import time

import pytest

from recall_assistant.graph import parallel


def test_results_come_back_in_input_order():
    assert parallel.map_bounded(lambda n: n * n, list(range(30)), 4) == [n * n for n in range(30)]


def test_never_more_than_the_limit_at_once():
    lock = threading.Lock()
    running, most = 0, 0
    four_at_once = threading.Event()

    def call(_: int) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            if running == 4:
                four_at_once.set()
        four_at_once.wait(timeout=5)  # hold the first calls until four run side by side
        time.sleep(0.005)
        with lock:
            running -= 1

    parallel.map_bounded(call, list(range(24)), 4)
    assert four_at_once.is_set()
    assert most == 4  # Graph's four concurrent requests per mailbox, and no more


def test_one_item_runs_in_the_calling_thread():
    seen = []
    parallel.map_bounded(lambda _: seen.append(threading.get_ident()), [1], 4)
    assert seen == [threading.get_ident()]


def test_an_error_is_raised_after_the_rest_ran():
    done = []

    def call(n: int) -> int:
        if n == 3:
            raise ValueError("three")
        done.append(n)
        return n

    with pytest.raises(ValueError, match="three"):
        parallel.map_bounded(call, list(range(8)), 2)
    assert sorted(done) == [0, 1, 2, 4, 5, 6, 7]


def test_a_forked_process_gets_a_pool_of_its_own(monkeypatch):
    first = parallel._executor()
    assert parallel._executor() is first
    monkeypatch.setattr(parallel.os, "getpid", lambda: -1)  # as in a gunicorn worker
    assert parallel._executor() is not first
