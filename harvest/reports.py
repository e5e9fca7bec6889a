"""What harvest writes after a run: one JUnit file, the counts, the timings."""

import json
import shutil
import tempfile
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

from harvest.outcomes import location


def temporary_dir():
    return Path(tempfile.mkdtemp(prefix="harvest-junit-"))


def merge_junit(folder, target):
    """behave writes a file per feature; CI systems (and Lettuce users) expect one file."""
    suites = ET.Element("testsuites")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for path in sorted(Path(folder).glob("*.xml")):
        suite = ET.parse(path).getroot()
        for name in totals:
            totals[name] += int(suite.get(name, 0))
        suites.append(suite)
    for name, value in totals.items():
        suites.set(name, str(value))
    target.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suites).write(target, encoding="utf-8", xml_declaration=True)
    for path in Path(folder).glob("*.xml"):
        path.unlink()
    Path(folder).rmdir()
    return target


def count_scenarios(features, chosen):
    """Counts of the chosen scenarios (by file and line) by outcome; the failed ones' locations."""
    wanted = {(str(s.filename), s.line) for s in chosen}
    counts = {"passed": 0, "failed": 0, "skipped": 0, "failed_locations": []}
    for feature in features:
        for scenario in feature.walk_scenarios():
            if (str(scenario.filename), scenario.line) not in wanted:
                continue
            status = scenario.status.name
            if status == "passed":
                counts["passed"] += 1
            elif status in ("failed", "error", "undefined", "hook_error", "cleanup_error"):
                counts["failed"] += 1
                counts["failed_locations"].append(location(scenario))
            else:
                counts["skipped"] += 1
    return counts


def timing_line(timings, features, total, browser=None):
    """Where the run's time went: set-up, the stack, the browser (and which), each feature, the whole run."""
    parts = [f"{name} {seconds:.1f} s" for name, seconds in timings.items()]
    if browser:
        parts.append(f"browser {browser}")
    seconds = {Path(f.filename).stem: sum(s.duration for s in f.walk_scenarios()) for f in features}
    ran = ", ".join(f"{name} {spent:.1f} s" for name, spent in seconds.items() if spent)
    summary = "harvest: " + ", ".join([*parts, f"whole run {total:.1f} s"])
    return f"harvest: features: {ran}\n{summary}" if ran else summary


@contextmanager
def record_file():
    """A file for the run to write its timings and set-up error to (terrain's run record)."""
    folder = Path(tempfile.mkdtemp(prefix="harvest-run-"))
    try:
        yield folder / "run.json"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def read_record(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}  # the run never got as far as writing it


def mark_flaky(features, flaky, options):
    """Say which scenarios were flaky (passed on a retry) in the JUnit and JSON reports.

    flaky: attempts by location. JUnit: properties flaky=true and attempts=N on the testcase;
    JSON: "flaky": true and "attempts": N on the scenario. (The HTML report says it in the
    scenario, replayed.)
    """
    scenarios = [s for f in features for s in f.walk_scenarios() if location(s) in flaky]
    junit = Path(options.xunit_file)
    if options.with_xunit and junit.exists():
        tree = ET.parse(junit)
        for scenario in scenarios:
            for case in tree.getroot().iter("testcase"):
                classname = case.get("classname", "")
                if case.get("name") == scenario.name and classname.endswith("." + scenario.feature.name):
                    properties = case.find("properties")
                    if properties is None:
                        properties = ET.Element("properties")
                        case.insert(0, properties)
                    ET.SubElement(properties, "property", name="flaky", value="true")
                    attempts = str(flaky[location(scenario)])
                    ET.SubElement(properties, "property", name="attempts", value=attempts)
        tree.write(junit, encoding="utf-8", xml_declaration=True)
    report = Path(options.jsonreport_file)
    if options.with_jsonreport and report.exists():
        data = json.loads(report.read_text())
        by_location = {str(s.location): flaky[location(s)] for s in scenarios}
        for feature in data:
            for element in feature.get("elements", []):
                if element.get("location") in by_location:
                    element["flaky"] = True
                    element["attempts"] = by_location[element["location"]]
        report.write_text(json.dumps(data, indent=2))
