"""harvest's command line: the options, their types, and the checks made before anything starts."""

import argparse
import os
from pathlib import Path
from shutil import which

from harvest import schedule
from harvest.errors import UsageError


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
    _impact_options(parser)
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
        "--steps", action="store_true",
        help="the step catalogue: every step sentence, its parameters, its doc and file:line, by module",
    )  # fmt: skip
    parser.add_argument(
        "--steps-usage", action="store_true",
        help="the catalogue with each step's uses; exit 1 on a step no scenario uses or a scenario "
        "step no definition matches",
    )  # fmt: skip
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


def _impact_options(parser):
    """Which scenarios a change can break."""
    parser.add_argument(
        "--changed", nargs="?", const="HEAD", metavar="REF",
        help="run only the scenarios the changes since REF (default: the working tree against HEAD) can "
        "break, by the impact map, saying why each was chosen",
    )  # fmt: skip
    parser.add_argument(
        "--record-impact", action="store_true",
        help="measure which lines each scenario runs, in every process of the run, into the impact map",
    )  # fmt: skip
    parser.add_argument(
        "--impact", default="reports/impact.json", metavar="FILE",
        help="the impact map --record-impact writes and --changed reads (default: reports/impact.json)",
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
    parser.add_argument(
        "--queue", metavar="URL",
        help="queue mode: put the scenarios on this Redis (redis://host:6379/3) for `harvest worker` "
        "processes on any machines, and report their outcomes here",
    )  # fmt: skip
    parser.add_argument(
        "--run", metavar="ID", default=os.environ.get("HARVEST_RUN"),
        help="queue mode: the run's name on the broker (default: $HARVEST_RUN, else a fresh one)",
    )  # fmt: skip


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
    parser.add_argument(
        "--messages", metavar="FILE",
        help="write the run as Cucumber Messages (NDJSON), for Cucumber's own reports and tools",
    )  # fmt: skip
    parser.add_argument("--no-color", action="store_true")
    parser.add_argument(
        "--reports", default="reports", metavar="DIR",
        help="where a failed scenario's evidence, timings and failures are kept (default: reports/)",
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


def check(options):
    """Options that cannot go together, said before anything starts."""
    if options.scale_app > 1 and options.stack != "compose":
        raise UsageError("--scale-app needs --stack compose")
    parallel = options.jobs == "auto" or options.jobs > 1
    if options.queue and parallel:
        raise UsageError("--queue hands the scenarios to `harvest worker` processes: leave -j out")
    if options.queue and (options.stack != "local" or options.port):
        raise UsageError("--queue: each worker starts its own local stack: leave --stack and --port out")
    if options.record_impact and (options.queue or options.stack != "local" or options.changed):
        raise UsageError(
            "--record-impact measures a whole local run: leave --queue, --stack and --changed out"
        )
    if options.changed and options.failed:
        raise UsageError("--changed and --failed each choose the scenarios: give one")
    if options.run and not options.queue:
        raise UsageError("--run names a queue-mode run: give --queue too")
    if parallel and options.stack != "local":
        raise UsageError("-j runs workers on the local stack; with --stack compose leave -j out")
    if parallel and options.port:
        raise UsageError("--port names one nginx port; each of -j's workers has its own: leave --port out")
    if options.timings and not Path(options.timings).is_file():
        raise UsageError(f"--timings: no such file: {options.timings}")


def workers(options, chosen):
    """How many workers -j asks for, for this many scenarios."""
    if options.jobs == "auto":
        return min(os.cpu_count() or 1, len(chosen))
    if options.jobs > len(chosen):
        raise UsageError(
            f"-j {options.jobs}: only {len(chosen)} scenario(s) selected; use at most -j {len(chosen)}"
        )
    return options.jobs


def check_browser(options, chosen):
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
