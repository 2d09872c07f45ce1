"""quick_init: the same values as a frozen dataclass's own __init__, made faster."""

from __future__ import annotations

import dataclasses

import pytest

from recall_assistant.values import quick_init


@dataclasses.dataclass(frozen=True)
class Slow:
    address: str
    name: str = ""
    phones: tuple[str, ...] = ()
    counted: bool = True


@quick_init
@dataclasses.dataclass(frozen=True)
class Quick:
    address: str
    name: str = ""
    phones: tuple[str, ...] = ()
    counted: bool = True


@pytest.mark.parametrize(("args", "kwargs"), [
    (("a@x",), {}),
    (("a@x", "A"), {"counted": False}),
    ((), {"address": "a@x", "phones": ("1",), "name": "A"}),
])
def test_the_same_fields_as_the_generated_init(args, kwargs):
    quick, slow = Quick(*args, **kwargs), Slow(*args, **kwargs)
    assert dataclasses.asdict(quick) == dataclasses.asdict(slow)
    assert repr(quick).replace("Quick", "Slow") == repr(slow)


def test_still_frozen_equal_and_hashable():
    value = Quick("a@x", "A")
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.name = "B"  # type: ignore[misc]
    assert value == Quick("a@x", "A") and value != Quick("a@x", "B")
    assert len({value, Quick("a@x", "A")}) == 1
    assert dataclasses.replace(value, name="B") == Quick("a@x", "B")


@pytest.mark.parametrize(("args", "kwargs"), [
    ((), {}),                                   # a field without default missing
    (("a@x",), {"address": "b@x"}),              # given twice
    (("a@x",), {"unknown": 1}),                  # no such field
    (("a@x", "A", (), True, "extra"), {}),       # too many
])
def test_wrong_arguments_fail_as_they_would(args, kwargs):
    with pytest.raises(TypeError):
        Quick(*args, **kwargs)
    with pytest.raises(TypeError):
        Slow(*args, **kwargs)


def test_what_it_cannot_copy_is_refused_at_import():
    with pytest.raises(TypeError, match="not a frozen dataclass"):
        quick_init(dataclasses.dataclass(type("Plain", (), {"__annotations__": {"a": int}})))
    with pytest.raises(TypeError, match="only plain fields"):
        @quick_init
        @dataclasses.dataclass(frozen=True)
        class WithFactory:
            items: list = dataclasses.field(default_factory=list)
    with pytest.raises(TypeError, match="slots"):
        @quick_init
        @dataclasses.dataclass(frozen=True, slots=True)
        class WithSlots:
            a: int
