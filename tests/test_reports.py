"""Reports people read: the HTML report in a real browser, the dry run, the tag list, JUnit."""

import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import harvest_env, processes_marked, run_harvest
from tests.test_browser import FAILING_IN_BROWSER

CHROMIUM = Path("/usr/bin/chromedriver").exists()


@pytest.mark.skipif(not CHROMIUM, reason="chromium-driver is not installed")
def test_html_report_shows_the_failure_its_step_and_screenshot_in_a_browser(features, tmp_path):
    import terrain  # noqa: F401  (puts features/ on the path)
    from support import browsers, waits

    env = harvest_env(tmp_path)
    report = tmp_path / "report.html"
    path = features("browse.feature", FAILING_IN_BROWSER)
    result = run_harvest(["--browser", "chromium", str(path), "--html", str(report)], env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    browser = browsers.start("chromium")
    try:
        browser.visit(report.as_uri())
        text = browser.find_all("tag name", "body")[0].text
        assert "fails in the browser" in text
        assert "a step that fails" in text
        assert "failing on purpose" in text
        assert browser.find_all("css selector", "img"), "the report embeds no screenshot"
        # The report decompresses its embeds in the page's own script: wait for a real picture.
        width = "var i = document.images[0]; return i.complete && i.offsetWidth > 0 ? i.naturalWidth : 0"
        waits.until(browser, lambda b: b.run_script(width) > 100, lambda: "the screenshot does not show")
    finally:
        browser.quit()


def test_dry_run_prints_the_specs_and_starts_nothing(tmp_path):
    env = harvest_env(tmp_path)
    began = time.monotonic()
    result = run_harvest(["--dry-run"], env=env)
    elapsed = time.monotonic() - began
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Feature: Pages are served by nginx straight from memcached" in result.stdout
    assert "  In order to serve every reader quickly and cheaply" in result.stdout
    assert (
        "  Rule: The portal is open to those who log in, and only while they are logged in" in result.stdout
    )
    assert "    @browser @slow\n    Scenario: I enter my password correctly" in result.stdout
    assert "stack start" not in result.stdout
    assert processes_marked(env["HARVEST_LEAK_MARK"]) == []
    print(f"dry run took {elapsed:.2f} s")


def test_dry_run_flags_undefined_steps(features, tmp_path):
    path = features(
        "u.feature", "Feature: U\n  Scenario: u\n    Given a step that passes\n    And a step nobody wrote\n"
    )
    result = run_harvest(["--dry-run", str(path)], env=harvest_env(tmp_path))
    assert result.returncode == 1
    assert "And a step nobody wrote   <- no step definition" in result.stdout
    assert "Given a step that passes\n" in result.stdout
    assert "1 steps with no definition" in result.stdout


def test_list_tags_counts_scenarios(features, tmp_path):
    text = (
        "@cache\nFeature: T\n  Scenario: a\n    Given a step that passes\n"
        "  @slow\n  Scenario: b\n    Given a step that passes\n"
    )
    result = run_harvest(["--list-tags", str(features("t.feature", text))], env=harvest_env(tmp_path))
    assert result.returncode == 0
    assert "@cache          2 scenarios" in result.stdout
    assert "@slow           1 scenario\n" in result.stdout


def test_junit_has_a_test_case_per_scenario_and_the_feature_as_suite(features, tmp_path):
    text = (
        "Feature: Two\n  Scenario: one\n    Given a step that passes\n"
        "  Scenario: two\n    Then a step that fails\n"
    )
    junit = tmp_path / "junit.xml"
    result = run_harvest(
        [str(features("two.feature", text)), "--with-xunit", "--xunit-file", str(junit)],
        env=harvest_env(tmp_path),
    )
    assert result.returncode == 1
    suites = ET.parse(junit).getroot()
    assert suites.tag == "testsuites" and suites.get("tests") == "2" and suites.get("failures") == "1"
    (suite,) = suites.findall("testsuite")
    assert "Two" in suite.get("name")
    assert [case.get("name") for case in suite.findall("testcase")] == ["one", "two"]
