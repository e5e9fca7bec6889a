"""Shards and the workers' order (harvest/schedule.py): pure functions, checked on made-up suites."""

import pytest

from harvest.schedule import ShardError, longest_first, parse_shard, shard

LOCATIONS = [f"features/f{n % 4}.feature:{n}" for n in range(1, 41)]
TIMINGS = {loc: float((n * 7) % 13 + 1) for n, loc in enumerate(LOCATIONS)}


@pytest.mark.parametrize("timings", [None, TIMINGS], ids=["by count", "by timings"])
@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_are_disjoint_covering_and_keep_the_files_order(count, timings):
    shards = [shard(LOCATIONS, index, count, timings) for index in range(1, count + 1)]
    together = [loc for each in shards for loc in each]
    assert sorted(together) == sorted(LOCATIONS)
    assert len(together) == len(set(together))
    for each in shards:
        assert each == [loc for loc in LOCATIONS if loc in each]
    again = [shard(list(LOCATIONS), index, count, timings and dict(timings)) for index in range(1, count + 1)]
    assert shards == again  # the same on every machine


def test_shards_by_timings_are_balanced_by_time():
    shards = [shard(LOCATIONS, index, 3, TIMINGS) for index in range(1, 4)]
    totals = [sum(TIMINGS[loc] for loc in each) for each in shards]
    assert max(totals) - min(totals) <= max(TIMINGS.values())


def test_a_scenario_never_timed_counts_as_an_average_one():
    timings = {loc: 1.0 for loc in LOCATIONS[:-1]}
    shards = [shard(LOCATIONS, index, 2, timings) for index in (1, 2)]
    assert sorted(len(each) for each in shards) == [20, 20]


def test_workers_take_the_never_timed_first_then_the_longest():
    timings = {"a:1": 1.0, "b:2": 5.0, "c:3": 3.0}
    assert longest_first(["a:1", "b:2", "new:9", "c:3"], timings) == ["new:9", "b:2", "c:3", "a:1"]


@pytest.mark.parametrize("text", ["x", "3/2", "0/2", "1/0", "1/", "/2", "1.5/2"])
def test_a_shard_that_is_not_i_of_n_is_refused(text):
    with pytest.raises(ShardError):
        parse_shard(text)


def test_a_shard_is_i_of_n():
    assert parse_shard("2/3") == (2, 3)
