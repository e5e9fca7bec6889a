"""Scenarios never share state: a page one scenario stored is not what the next one's reader gets."""

import shutil

from tests.conftest import ROOT, harvest_env, run_harvest

TWO_SCENARIOS = """\
Feature: Isolation
  Scenario: the first stores a page
    Given a published post "First version" at "/blog/same/"
    And readers have seen "/blog/same/" served from memcached
    When another reader visits "/blog/same/"
    Then the page is served from nginx's first level

  Scenario: the second, with other content at the same address, gets its own page
    Given a published post "Second version" at "/blog/same/"
    When a reader visits "/blog/same/"
    Then the page is rendered by Django
    And the reader sees "Second version"
"""


def test_no_page_outlives_its_scenario(features, tmp_path):
    for step_module in (ROOT / "features" / "steps").glob("*.py"):
        shutil.copy(step_module, features.folder / "steps" / step_module.name)
    path = features("isolation.feature", TWO_SCENARIOS)
    result = run_harvest([str(path)], env=harvest_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "harvest: 2 passed, 0 failed" in result.stdout
