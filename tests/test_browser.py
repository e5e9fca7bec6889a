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


BROWSERS = ["chromium", "firefox"]


@pytest.mark.parametrize("browser", BROWSERS)
def test_failed_browser_scenario_leaves_a_screenshot_and_no_process(features, tmp_path, browser):
    env = harvest_env(tmp_path)
    result = run_harvest(["--browser", browser, str(features("browse.feature", FAILING_IN_BROWSER))], env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    evidence = tmp_path / "reports" / "Browsing" / "fails-in-the-browser"
    assert (evidence / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "The Publication" in (evidence / "page.html").read_text()
    assert (evidence / "console.log").exists()
    assert "browser start" in result.stdout
    assert {"chromium": "browser Chromium ", "firefox": "browser Mozilla Firefox "}[browser] in result.stdout
    gone(env["HARVEST_LEAK_MARK"])


def test_auto_is_firefox_where_it_is_installed(features, tmp_path):
    env = harvest_env(tmp_path)
    result = run_harvest([str(features("browse.feature", FAILING_IN_BROWSER))], env=env)
    assert "browser Mozilla Firefox " in result.stdout and "(Marionette)" in result.stdout, result.stdout
    gone(env["HARVEST_LEAK_MARK"])


def test_run_without_browser_scenarios_starts_no_browser(features, tmp_path):
    env = harvest_env(tmp_path)
    passing = "Feature: Plain\n  Scenario: passes\n    Given a step that passes\n"
    result = run_harvest([str(features("plain.feature", passing))], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "browser start" not in result.stdout


def test_missing_firefox_is_one_line_naming_the_package_before_anything_starts(features, tmp_path):
    env = harvest_env(tmp_path)
    programs = tmp_path / "bin"  # memcached, but no Firefox
    programs.mkdir()
    (programs / "memcached").symlink_to("/usr/bin/memcached")
    env["PATH"] = str(programs)
    result = run_harvest(
        ["--browser", "firefox", str(features("browse.feature", FAILING_IN_BROWSER))], env=env
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.strip() == (
        "harvest: --browser firefox: Firefox is not installed: apt-get install -y firefox-esr"
    )
    assert "stack start" not in result.stdout
    assert processes_marked(env["HARVEST_LEAK_MARK"]) == []


@pytest.mark.parametrize("browser", BROWSERS)
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL])
def test_stopped_run_leaves_no_browser(features, tmp_path, signum, browser):
    env = harvest_env(tmp_path)
    path = features("wait.feature", WAITING_IN_BROWSER)
    argv = harvest_argv(["--browser", browser, str(path)], env)
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
