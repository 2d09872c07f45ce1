"""Correlation ids are version-4 UUIDs, distinct, made without a system call."""

from __future__ import annotations

import os
import uuid

from recall_assistant.ids import correlation_id


def test_ids_are_version_4_uuids_and_distinct():
    ids = [correlation_id() for _ in range(10_000)]
    assert all(i.version == 4 and i.variant == uuid.RFC_4122 for i in ids)
    assert len(set(ids)) == len(ids)


def test_no_system_call_is_made(monkeypatch):
    # os.urandom lets go of the interpreter lock: a busy request then waits to get it back.
    def refuse(n: int) -> bytes:
        raise AssertionError("os.urandom was called")

    monkeypatch.setattr(os, "urandom", refuse)
    assert correlation_id().version == 4


def test_a_forked_worker_does_not_repeat_its_parents_ids():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn worker is
        try:
            os.write(write, correlation_id().bytes)
        finally:
            os._exit(0)
    os.close(write)
    child = os.read(read, 16)
    os.close(read)
    os.waitpid(pid, 0)
    assert child != correlation_id().bytes
