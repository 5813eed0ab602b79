"""The pay run's collector pause: off inside, back as it was after (also after an error, also nested)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gateway.pay.gc_pause import gc_paused, with_gc_paused


@pytest.fixture
def collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after(collector_on: None) -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause leaves it to the outer one
    assert gc.isenabled()


def test_an_error_inside_still_turns_the_collector_on_again(collector_on: None) -> None:
    @with_gc_paused
    def step(value: int) -> int:
        assert not gc.isenabled()
        raise ValueError(value)

    with pytest.raises(ValueError, match="7"):
        step(7)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off(collector_on: None) -> None:
    gc.disable()
    assert with_gc_paused(lambda: gc.isenabled())() is False
    assert not gc.isenabled()
