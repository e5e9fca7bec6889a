"""Running behave for harvest: its arguments, the run in this process, the reports and the exit status."""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from harvest import behave_compat, document, reports, schedule
from harvest.errors import USAGE_ERROR, UsageError
from harvest.outcomes import location

PROGRESS = "harvest.progress:Progress"
HTML_FORMATTER = "behave_html_pretty_formatter:PrettyHTMLFormatter"
MESSAGES_FORMATTER = "harvest.cucumber:CucumberMessages"


@dataclass
class RunResult:
    """What a run gives back: behave's runner (its features and formatters), whether it failed or
    was interrupted, its record (timings, browser, set-up error, seconds by location) and the
    flaky scenarios (attempts by location)."""

    runner: object
    failed: bool
    interrupted: bool = False
    record: dict = field(default_factory=dict)
    flaky: dict = field(default_factory=dict)


def _title(options):
    return "specs " + (" ".join(f"--tag={t}" for t in options.tags) or "(all)")


def behave_args(options, locations, tag_expression, xunit_dir=None):
    """behave's own arguments for these options."""
    tty = sys.stdout.isatty() and not options.no_color
    formatter = {0: "null", 1: PROGRESS, 2: f"{PROGRESS}WithSteps", 3: "pretty", 4: "pretty"}
    args = []
    if options.messages:
        # behave pairs --outfile with the formatters in order: the files' formatters come first.
        args += ["--format", MESSAGES_FORMATTER, "--outfile", str(Path(options.messages).resolve())]
    if options.html:
        # behave pairs --outfile with the formatters in order: the files' formatters come first.
        args += ["--format", HTML_FORMATTER, "--outfile", str(Path(options.html).resolve())]
        args += ["-D", f"behave.formatter.html-pretty.title_string=The Publication: {_title(options)}"]
        # A failure's message and screenshot open with the page, no click needed.
        args += ["-D", "behave.formatter.html-pretty.collapse=none"]
    if options.with_jsonreport:
        # behave pairs --outfile with the formatters in order: the file's formatter comes first.
        args += ["--format", "json.pretty", "--outfile", str(Path(options.jsonreport_file).resolve())]
    for extra in options.formats:
        args += ["--format", extra]
    args += ["--format", formatter[options.verbosity], "--no-skipped", "--snippets"]
    args += ["--color", "always" if tty else "never"]
    if options.verbosity >= 4:
        args += ["--no-capture", "--no-capture-log"]
    if options.verbosity == 0:
        args += ["--no-summary"]
    if options.failfast:
        args.append("--stop")
    if options.dry_run:
        # behave only finds the undefined steps here; harvest prints the document itself.
        args = ["--format", "null", "--dry-run", "--no-summary", "--no-snippets"]
    if tag_expression:
        args += ["--tags", tag_expression]
    if xunit_dir:
        args += ["--junit", "--junit-directory", str(xunit_dir)]
    return args + [str(loc) for loc in locations]


def run_values(options):
    """The run's options that the suite reads as behave userdata (see harvest/project.py)."""
    return {
        "stack": options.stack,
        "port": options.port or 0,
        "scale_app": options.scale_app,
        "memcached_nodes": options.memcached_nodes,
        "browser": options.browser,
        "headed": options.headed,
        "debug": options.debug_mode,
        "reports": str(Path(options.reports).resolve()),
    }


def userdata_args(values):
    """Values as behave's `-D name=value` arguments."""
    return [arg for name, value in values.items() for arg in ("-D", f"{name}={value}")]


def userdata(options, record, extra=None):
    """The run's userdata arguments: its options, where its record goes, and extra (a worker's own)."""
    return userdata_args({**run_values(options), "record": record, **(extra or {})})


def execute(args, make_runner=None):
    """Run behave in this process: a RunResult (its record still to be read).

    make_runner: a function of behave's configuration that makes the runner (-j: the replay).
    """
    from behave.configuration import Configuration
    from behave.step_registry import AmbiguousStep

    from harvest.quiet import QuietSetupRunner

    config = Configuration(command_args=args, load_config=True)
    runner = (make_runner or QuietSetupRunner)(config)
    try:
        failed = runner.run()
        return RunResult(runner, failed, bool(make_runner and runner.aborted))
    except KeyboardInterrupt:
        # Interrupted outside a scenario (a teardown, say): the remaining teardowns still run.
        if runner.context is not None:
            behave_compat.remaining_cleanups(runner.context)
        return RunResult(runner, True, True)
    except AmbiguousStep as error:
        raise UsageError(
            f"two step definitions match the same steps: {' '.join(str(error).split())}"
        ) from None


def report(options, result, selection, xunit_dir, prog, began):
    """Reports, the timings line and the counts; the files for --failed and the schedule; the
    exit status."""
    from behave.runner_util import print_undefined_step_snippets

    runner, run, flaky = result.runner, result.record, result.flaky
    if runner.undefined_steps:
        print_undefined_step_snippets(runner.undefined_steps, colored=False)
    if xunit_dir:
        reports.merge_junit(xunit_dir, Path(options.xunit_file))
    if flaky:
        reports.mark_flaky(runner.features, flaky, options)
    if run.get("setup_error"):
        print(f"{prog}: the stack could not start: {run['setup_error']}", file=sys.stderr)
        return USAGE_ERROR
    chosen = selection.chosen
    counts = reports.count_scenarios(runner.features, chosen)
    elapsed = time.monotonic() - began
    print(reports.timing_line(run.get("timings", {}), runner.features, elapsed, run.get("browser")))
    so = f" ({len(flaky)} flaky)" if flaky else ""
    print(f"harvest: {counts['passed']} passed{so}, {counts['failed']} failed, {counts['skipped']} skipped")
    folder = Path(options.reports)
    schedule.record_failures(folder / schedule.FAILED, counts["failed_locations"])
    wanted = {location(s) for s in chosen}
    ran = [s for f in runner.features for s in f.walk_scenarios() if location(s) in wanted]
    seconds = run.get("seconds") or {location(s): s.duration for s in ran if s.status.name != "untested"}
    if not options.record_impact:  # under coverage every scenario runs slower: not a schedule's timings
        schedule.record_timings(folder / schedule.TIMINGS, seconds)
    if flaky and options.strict_flaky:
        print(f"{prog}: --strict-flaky: {len(flaky)} scenario(s) passed only on a retry", file=sys.stderr)
        return 1
    return 1 if result.failed else 0


def dry_run(options, selection):
    """The specs as a document, flagging steps with no definition; nothing starts.

    With --shard or --failed, the scenarios that would run, one location a line.
    """
    chosen = selection.chosen
    runner = execute(behave_args(options, selection.locations, selection.expression)).runner
    if options.shard or options.failed:
        print("\n".join(f"{location(s)}  {s.name}" for s in chosen))
    else:
        print("\n".join(document.render(selection.features, runner.undefined_steps)))
    undefined = len({(str(s.filename), s.line) for s in runner.undefined_steps})
    print(f"harvest: dry run: {len(chosen)} scenarios, {undefined} steps with no definition")
    return 1 if undefined else 0
