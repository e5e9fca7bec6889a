"""The browser's lifecycle: evidence of a failure, no process left, a clear line when none exists."""

import signal
import subprocess
from pathlib import Path

import pytest

from stack.processes import wait_until
from tests.conftest import ROOT, harvest_argv, harvest_env, processes_marked, run_harvest
from tests.test_no_leaks import gone

FAILING_IN_BROWSER = """\
Feature: Browsing
  @browser
  Scenario: fails in the browser
    Given the browser shows the front page
    Then a step that fails
"""

WAITING_IN_BROWSER = """\
Feature: Browsing
  @browser
  Scenario: waits in the browser
    Given the browser shows the front page
    And the suite waits to be stopped
"""

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromedriver").exists(), reason="chromium-driver is not installed"
)


def test_failed_browser_scenario_leaves_a_screenshot_and_no_process(features, tmp_path):
    env = harvest_env(tmp_path)
    result = run_harvest(
        ["--browser", "chromium", str(features("browse.feature", FAILING_IN_BROWSER))], env=env
    )
    assert result.returncode == 1, result.stdout + result.stderr
    evidence = tmp_path / "reports" / "Browsing" / "fails-in-the-browser"
    assert (evidence / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "The Publication" in (evidence / "page.html").read_text()
    assert (evidence / "console.log").exists()
    assert "browser start" in result.stdout
    gone(env["HARVEST_LEAK_MARK"])


def test_run_without_browser_scenarios_starts_no_browser(features, tmp_path):
    env = harvest_env(tmp_path)
    passing = "Feature: Plain\n  Scenario: passes\n    Given a step that passes\n"
    result = run_harvest([str(features("plain.feature", passing))], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "browser start" not in result.stdout


def test_unavailable_browser_fails_the_scenario_with_one_clear_line(features, tmp_path):
    env = harvest_env(tmp_path)
    env["PATH"] = "/usr/bin:/bin"  # no geckodriver here
    result = run_harvest(
        ["--browser", "firefox", str(features("browse.feature", FAILING_IN_BROWSER))], env=env
    )
    assert result.returncode == 1
    assert "Firefox needs firefox-esr and geckodriver" in result.stdout
    assert "harvest: 0 passed, 1 failed" in result.stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL])
def test_stopped_run_leaves_no_browser(features, tmp_path, signum):
    env = harvest_env(tmp_path)
    path = features("wait.feature", WAITING_IN_BROWSER)
    argv = harvest_argv(["--browser", "chromium", str(path)], env)
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        wait_until((tmp_path / "ready").exists, timeout=60, what="the scenario to start")
        process.send_signal(signum)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
    gone(env["HARVEST_LEAK_MARK"])
    assert not processes_marked(env["HARVEST_LEAK_MARK"])
