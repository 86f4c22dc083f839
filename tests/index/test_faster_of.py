"""FasterOf: each way timed once, then the faster one, the other every explore_every-th pick."""
from __future__ import annotations

import pytest

from index.faster_of import FasterOf


def test_each_way_is_tried_before_any_is_preferred() -> None:
    choice = FasterOf()
    assert choice.pick() == 0
    choice.record(0, 0.010)
    assert choice.pick() == 1
    choice.record(1, 0.005)
    assert choice.means == [0.010, 0.005]


def test_the_faster_way_most_of_the_time_and_the_other_every_nth_pick() -> None:
    choice = FasterOf(explore_every=4)
    choice.record(0, 0.010)
    choice.record(1, 0.005)
    picks = [choice.pick() for _ in range(12)]
    assert picks.count(1) == 9 and picks.count(0) == 3
    assert [i for i, way in enumerate(picks) if way == 0] == [3, 7, 11]


def test_the_choice_follows_a_change_in_the_times() -> None:
    choice = FasterOf(explore_every=4, weight=0.5)
    choice.record(0, 0.010)
    choice.record(1, 0.005)
    for _ in range(5):  # the machine got busy: way 1 now takes 20 ms
        choice.record(1, 0.020)
    assert choice.means[1] is not None and choice.means[1] > 0.010
    assert [choice.pick() for _ in range(3)] == [0, 0, 0]


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="explore_every"):
        FasterOf(explore_every=1)
    with pytest.raises(ValueError, match="weight"):
        FasterOf(weight=0)
