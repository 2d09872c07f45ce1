"""The sandbox's latency is the least time a Graph request takes, its own work included."""

from __future__ import annotations

import time

from recall_assistant.sandbox.faults import Faults
from recall_assistant.sandbox.options import SandboxOptions


def test_latency_counts_from_the_requests_arrival():
    slept: list[float] = []
    faults = Faults(SandboxOptions(latency_ms=1000), sleep=slept.append)
    faults.latency(since=time.monotonic() - 0.150)  # 150 ms already spent answering
    assert len(slept) == 1 and 0.5 < slept[0] <= 0.850


def test_no_wait_once_the_work_took_longer_than_the_latency():
    slept: list[float] = []
    faults = Faults(SandboxOptions(latency_ms=50), sleep=slept.append)
    faults.latency(since=time.monotonic() - 0.080)
    assert slept == []


def test_without_an_arrival_time_the_whole_latency_is_waited():
    slept: list[float] = []
    Faults(SandboxOptions(latency_ms=50), sleep=slept.append).latency()
    Faults(SandboxOptions(latency_ms=0), sleep=slept.append).latency()
    assert slept == [0.05]
