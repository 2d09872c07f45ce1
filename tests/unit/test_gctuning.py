"""A serving process freezes what start-up made and collects young objects less often."""

from __future__ import annotations

import gc

import pytest

from recall_assistant import gctuning


@pytest.fixture
def restored_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_start_up_objects_leave_every_later_collection(restored_gc):
    made_at_start_up = {"a": [1, 2, 3]}
    gctuning.tune_for_server()
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(made_at_start_up)
    assert not any(obj is made_at_start_up for obj in gc.get_objects())  # frozen: not scanned


def test_young_collections_are_rarer_and_the_older_ones_unchanged(restored_gc):
    _, middle, old = gc.get_threshold()
    gctuning.tune_for_server()
    assert gc.get_threshold() == (gctuning.YOUNG_THRESHOLD, middle, old)
    assert gctuning.YOUNG_THRESHOLD > 700  # CPython's default
