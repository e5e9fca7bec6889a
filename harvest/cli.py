"""`harvest`: Lettuce's command line, run on behave.

Exit status: 0 when every scenario passed, 1 when one failed or a step has no definition,
2 on bad usage (an unknown option, a missing path, a feature file that does not parse, a
selection that matches no scenario), 130 when interrupted.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path
from shutil import which

from harvest import behave_compat, document, reports, schedule
from harvest.features import FeatureError, load_features, selected_scenarios
from harvest.outcomes import location, location_of
from harvest.tags import TagError, named_tags, to_expression

ROOT = Path(__file__).resolve().parent.parent
PROGRESS = "harvest.progress:Progress"
HTML_FORMATTER = "behave_html_pretty_formatter:PrettyHTMLFormatter"
USAGE_ERROR = 2


class UsageError(Exception):
    """Bad input: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see harvest --help)")


def build_parser(prog="harvest"):
    parser = Parser(
        prog=prog,
        description="Run the acceptance suite (Lettuce's interface on behave).",
        epilog="Tags: repeated -t are OR'd, -t -x excludes x and always wins, "
        "-t ~x is fuzzy; a behave expression such as 'cache and not slow' is accepted too.",
    )
    _selection_options(parser)
    _run_options(parser)
    _report_options(parser)
    _stack_options(parser)
    return parser


def _selection_options(parser):
    """Which scenarios run."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="feature files or folders (default: features/); FILE:LINE runs the scenario at that line",
    )
    parser.add_argument("-t", "--tag", "--tags", dest="tags", action="append", default=[], metavar="TAG")
    parser.add_argument(
        "-s", "--scenarios", metavar="N[,N...]", help="run only these scenarios (1-based) of each feature"
    )
    parser.add_argument(
        "-v", "--verbosity", type=int, choices=range(5), default=1, metavar="0-4",
        help="0 summary only, 1 a progress line per feature (default), 2 scenario names, "
        "3 the Gherkin, 4 the Gherkin and all output",
    )  # fmt: skip
    parser.add_argument("--failfast", action="store_true", help="stop at the first failing scenario")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the specs, flag undefined steps, start nothing"
    )
    parser.add_argument(
        "--list-tags", action="store_true", help="list each tag with how many scenarios carry it"
    )
    parser.add_argument(
        "--failed", action="store_true",
        help="run the scenarios the last run recorded as failed (reports/failed.txt)",
    )  # fmt: skip
    parser.add_argument(
        "--shard", type=_shard, metavar="I/N",
        help="run shard I of N: a split of the selected scenarios, the same on every machine",
    )  # fmt: skip
    parser.add_argument(
        "--timings", metavar="FILE",
        help="scenario durations (a run's reports/timings.json) that --shard balances by",
    )  # fmt: skip


def _run_options(parser):
    """How the scenarios run."""
    parser.add_argument(
        "-j", "--processes", dest="jobs", type=_jobs, default=1, metavar="N",
        help="N workers, each with its own stack and database (auto: one a CPU; default 1)",
    )  # fmt: skip
    parser.add_argument(
        "--retry", type=_retries, default=0, metavar="N",
        help="run a failed scenario again, up to N times; one that then passes is flaky",
    )  # fmt: skip
    parser.add_argument("--strict-flaky", action="store_true", help="a flaky scenario fails the run")


def _report_options(parser):
    """What the run writes."""
    parser.add_argument(
        "--format", dest="formats", action="append", default=[], metavar="FORMATTER",
        help="also run this behave formatter (a name behave knows, or module:Class), to stdout",
    )  # fmt: skip
    parser.add_argument("--with-xunit", action="store_true", help="write a JUnit XML report")
    parser.add_argument("--xunit-file", default="lettucetests.xml", metavar="FILE")
    parser.add_argument("--with-jsonreport", action="store_true", help="write a JSON report")
    parser.add_argument("--jsonreport-file", default="lettucetests.json", metavar="FILE")
    parser.add_argument(
        "--html", nargs="?", const="reports/index.html", metavar="FILE",
        help="write a self-contained HTML report (default file: reports/index.html)",
    )  # fmt: skip
    parser.add_argument("--no-color", action="store_true")
    parser.add_argument(
        "--reports", default=str(ROOT / "reports"), metavar="DIR",
        help="where a failed scenario's evidence is kept (default: reports/)",
    )  # fmt: skip


def _stack_options(parser):
    """What the scenarios run against."""
    parser.add_argument("-P", "--port", type=int, help="nginx's port (default: a free one)")
    parser.add_argument("-d", "--debug-mode", action="store_true", help="run the site with DEBUG on")
    parser.add_argument(
        "--stack", choices=["local", "compose"], default="local",
        help="local processes (default) or docker compose (Docker installed and started if need be)",
    )  # fmt: skip
    parser.add_argument(
        "--memcached-nodes", type=_nodes, default=1, metavar="N",
        help="memcached servers: 1 (default), or a pool that nginx and the site share on one ring",
    )  # fmt: skip
    parser.add_argument(
        "--scale-app", type=int, choices=[1, 2], default=1, metavar="{1,2}",
        help="app replicas behind nginx, with --stack compose (default: 1)",
    )  # fmt: skip
    parser.add_argument("--browser", choices=["auto", "chromium", "firefox", "remote"], default="auto")
    parser.add_argument("--headed", action="store_true", help="show the browser window")


def _whole(low, high, what):
    """An argparse type: a whole number from low to high (None: no bound), else `what` is said."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{text!r}: {what}")
        return value

    return parse


_nodes = _whole(1, 8, "a whole number of memcached servers, 1 to 8")
_retries = _whole(0, None, "a whole number of retries from 0")


def _jobs(text):
    return "auto" if text == "auto" else _whole(1, None, "a whole number of workers from 1, or auto")(text)


def _shard(text):
    try:
        return schedule.parse_shard(text)
    except schedule.ShardError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("--shard ")) from None


def _scenario_numbers(text):
    try:
        numbers = {int(n) for n in text.split(",") if n.strip()}
    except ValueError:
        raise UsageError(f"-s takes scenario numbers such as 1,3; got {text!r}") from None
    if not numbers or min(numbers) < 1:
        raise UsageError(f"-s takes scenario numbers from 1; got {text!r}")
    return numbers


def _title(options):
    return "specs " + (" ".join(f"--tag={t}" for t in options.tags) or "(all)")


def list_tags(features, out=sys.stdout):
    """Each tag with how many scenarios carry it (their own tags or their feature's)."""
    counts = {}
    for feature in features:
        for scenario in feature.walk_scenarios():
            for tag in set(scenario.effective_tags):
                counts[tag] = counts.get(tag, 0) + 1
    for tag, count in sorted(counts.items()):
        print(f"@{tag:<12} {count:>3} scenario{'s' if count != 1 else ''}", file=out)


def behave_args(options, locations, tag_expression, xunit_dir=None):
    """behave's own arguments for these options."""
    tty = sys.stdout.isatty() and not options.no_color
    formatter = {0: "null", 1: PROGRESS, 2: f"{PROGRESS}WithSteps", 3: "pretty", 4: "pretty"}
    args = []
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


def select(options, only=None):
    """The features and the scenarios the options select: (features, chosen, locations, expression).

    only: the locations (`features/x.feature:12`) to keep of those (--failed).
    """
    paths, lines = [], set()
    default = [str(ROOT / "features")]
    if only and not options.paths:  # --failed: the files its scenarios are in
        default = list(dict.fromkeys(str(ROOT / loc.rpartition(":")[0]) for loc in sorted(only)))
    for text in options.paths or default:
        at_line = re.fullmatch(r"(.+\.feature):(\d+)", text)
        path = Path(at_line[1] if at_line and not Path(text).exists() else text)
        if not path.exists():
            raise UsageError(f"no such feature file or folder: {path}")
        if at_line and path != Path(text):
            lines.add(location_of(path, int(at_line[2])))  # FILE:LINE, as --failed records them
        if path not in paths:
            paths.append(path)
    if lines:
        only = lines if only is None else only & lines
    features = load_features(paths)
    known = {tag for feature in features for s in feature.walk_scenarios() for tag in s.effective_tags}
    try:
        expression = to_expression(options.tags, known)
    except TagError as error:
        raise UsageError(str(error)) from None
    for name in named_tags(options.tags):
        if name.lstrip("@") not in known:
            print(f"harvest: tag @{name.lstrip('@')} is on no scenario: it matched nothing", file=sys.stderr)
    numbers = _scenario_numbers(options.scenarios) if options.scenarios else None
    chosen = selected_scenarios(features, expression, numbers)
    if only is not None:
        chosen = [s for s in chosen if location(s) in only]
    if options.shard:
        timings = schedule.read_timings(options.timings) if options.timings else None
        mine = set(schedule.shard([location(s) for s in chosen], *options.shard, timings))
        chosen = [s for s in chosen if location(s) in mine]
    subset = numbers is not None or only is not None or options.shard
    locations = [f"{s.filename}:{s.line}" for s in chosen] if subset else paths
    return features, chosen, locations, expression


def userdata(options, record, database=None):
    """The run's options, as behave userdata for terrain.py (`-D name=value`)."""
    values = {
        "stack": options.stack,
        "port": options.port or 0,
        "scale_app": options.scale_app,
        "memcached_nodes": options.memcached_nodes,
        "browser": options.browser,
        "headed": options.headed,
        "debug": options.debug_mode,
        "reports": Path(options.reports).resolve(),
        "record": record,
        "database": database or "",
    }
    return [arg for name, value in values.items() for arg in ("-D", f"{name}={value}")]


def execute(args, make_runner=None):
    """Run behave in this process; (runner, failed, interrupted).

    make_runner: a function of behave's configuration that makes the runner (-j: the replay).
    """
    from behave.configuration import Configuration
    from behave.step_registry import AmbiguousStep

    from harvest.quiet import QuietSetupRunner

    config = Configuration(command_args=args, load_config=False)
    runner = (make_runner or QuietSetupRunner)(config)
    try:
        failed = runner.run()
        return runner, failed, bool(make_runner and runner.aborted)
    except KeyboardInterrupt:
        # Interrupted outside a scenario (a teardown, say): the remaining teardowns still run.
        if runner.context is not None:
            behave_compat.remaining_cleanups(runner.context)
        return runner, True, True
    except AmbiguousStep as error:
        raise UsageError(
            f"two step definitions match the same steps: {' '.join(str(error).split())}"
        ) from None


def report(options, runner, failed, chosen, run, xunit_dir, prog, began, flaky=None):
    """Reports, the timings line and the counts; the files for --failed and the schedule; the
    exit status. run: the run record (timings, browser, set-up error); flaky: attempts by location."""
    from behave.runner_util import print_undefined_step_snippets

    if runner.undefined_steps:
        print_undefined_step_snippets(runner.undefined_steps, colored=False)
    flaky = flaky or {}
    if xunit_dir:
        reports.merge_junit(xunit_dir, Path(options.xunit_file))
    if flaky:
        reports.mark_flaky(runner.features, flaky, options)
    if run.get("setup_error"):
        print(f"{prog}: the stack could not start: {run['setup_error']}", file=sys.stderr)
        return USAGE_ERROR
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
    schedule.record_timings(folder / schedule.TIMINGS, seconds)
    if flaky and options.strict_flaky:
        print(f"{prog}: --strict-flaky: {len(flaky)} scenario(s) passed only on a retry", file=sys.stderr)
        return 1
    return 1 if failed else 0


def dry_run(options, features, chosen, locations, expression):
    """The specs as a document, flagging steps with no definition; nothing starts.

    With --shard or --failed, the scenarios that would run, one location a line.
    """
    runner, _, _ = execute(behave_args(options, locations, expression))
    if options.shard or options.failed:
        print("\n".join(f"{location(s)}  {s.name}" for s in chosen))
    else:
        print("\n".join(document.render(features, runner.undefined_steps)))
    undefined = len({(str(s.filename), s.line) for s in runner.undefined_steps})
    print(f"harvest: dry run: {len(chosen)} scenarios, {undefined} steps with no definition")
    return 1 if undefined else 0


def _check_browser(options, chosen):
    """--browser firefox with no Firefox: say so before anything starts."""
    wants_browser = any("browser" in s.effective_tags for s in chosen)
    local = options.stack == "local"  # compose runs its own Firefox
    if (
        wants_browser
        and local
        and options.browser == "firefox"
        and not (which("firefox-esr") or which("firefox"))
    ):
        raise UsageError("--browser firefox: Firefox is not installed: apt-get install -y firefox-esr")


def _check_options(options):
    if options.scale_app > 1 and options.stack != "compose":
        raise UsageError("--scale-app needs --stack compose")
    parallel = options.jobs == "auto" or options.jobs > 1
    if parallel and options.stack != "local":
        raise UsageError("-j runs workers on the local stack; with --stack compose leave -j out")
    if parallel and options.port:
        raise UsageError("--port names one nginx port; each of -j's workers has its own: leave --port out")
    if options.timings and not Path(options.timings).is_file():
        raise UsageError(f"--timings: no such file: {options.timings}")


def _workers(options, chosen):
    if options.jobs == "auto":
        return min(os.cpu_count() or 1, len(chosen))
    if options.jobs > len(chosen):
        raise UsageError(
            f"-j {options.jobs}: only {len(chosen)} scenario(s) selected; use at most -j {len(chosen)}"
        )
    return options.jobs


def run(argv=None, prog="harvest"):
    began = time.monotonic()
    options = build_parser(prog).parse_args(argv)
    _check_options(options)
    only = None
    if options.failed:
        failures = Path(options.reports) / schedule.FAILED
        only = set(schedule.read_failures(failures))
        if not only:
            print(f"{prog}: the last run recorded no failures ({failures}): nothing to run")
            return 0
    features, chosen, locations, expression = select(options, only)
    if options.list_tags:
        list_tags(features)
        return 0
    if not chosen:
        raise UsageError("no scenario matches the selection: nothing to run")
    jobs = _workers(options, chosen)
    if options.dry_run:
        return dry_run(options, features, chosen, locations, expression)
    _check_browser(options, chosen)
    if options.html:
        Path(options.html).parent.mkdir(parents=True, exist_ok=True)
    xunit_dir = reports.temporary_dir() if options.with_xunit else None
    args = behave_args(options, locations, expression, xunit_dir)
    if jobs > 1 or options.retry:
        from harvest.parallel import run_workers

        quiet = ["--format", "null", "--no-summary", "--no-snippets", "--color", "never"]
        tags = ["--tags", expression] if expression else []
        runner, failed, interrupted, run_record, flaky = run_workers(
            options, jobs, chosen, execute, args,
            lambda url: quiet + tags + [str(loc) for loc in locations] + userdata(options, "", url),
        )  # fmt: skip
        status = report(options, runner, failed, chosen, run_record, xunit_dir, prog, began, flaky)
        return 130 if interrupted else status
    with reports.record_file() as record:
        runner, failed, interrupted = execute(args + userdata(options, record))
        run_record = reports.read_record(record)
        status = report(options, runner, failed, chosen, run_record, xunit_dir, prog, began)
    return 130 if interrupted else status


def main(argv=None, prog="harvest"):
    try:
        if wrong_behave := behave_compat.check():
            raise UsageError(wrong_behave)
        return run(argv, prog)
    except (UsageError, FeatureError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
