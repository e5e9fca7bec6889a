"""Lettuce's tag rules translated to behave's tag expressions."""

import pytest
from behave.tag_expression import make_tag_expression

from harvest.tags import TagError, to_expression


def runs(values, tags, known=()):
    expression = to_expression(values, known)
    return expression is None or make_tag_expression(expression).check(tags)


def test_no_tag_runs_everything():
    assert to_expression([]) is None


def test_positive_tag_runs_only_tagged():
    assert runs(["cache"], ["cache"])
    assert not runs(["cache"], ["auth"])
    assert not runs(["cache"], [])


def test_repeated_positive_tags_are_ored():
    assert runs(["cache", "auth"], ["auth"])
    assert runs(["-t", "cache"][1:] + ["auth"], ["cache"])


def test_exclusion_runs_untagged_and_others():
    assert runs(["-slow"], [])
    assert runs(["-slow"], ["cache"])
    assert not runs(["-slow"], ["slow"])


def test_exclusion_always_wins_unlike_lettuce_bug_498():
    assert not runs(["cache", "-slow"], ["cache", "slow"])
    assert runs(["cache", "-slow"], ["cache"])


def test_at_sign_is_optional():
    assert runs(["@cache"], ["cache"])
    assert not runs(["-@slow"], ["slow"])


def test_behave_expression_is_accepted_and_anded():
    assert runs(["cache and not slow"], ["cache"])
    assert not runs(["cache and not slow"], ["cache", "slow"])
    assert not runs(["auth or cache", "-browser"], ["auth", "browser"])


def test_fuzzy_tag_matches_similar_names():
    assert runs(["~cach"], ["cache"], known={"cache", "auth"})
    assert not runs(["~cach"], ["auth"], known={"cache", "auth"})


def test_empty_tag_is_an_error():
    with pytest.raises(TagError):
        to_expression([" "])
