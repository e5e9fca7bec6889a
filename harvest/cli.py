"""`harvest`: Lettuce's command line, run on behave, for the behave project in the current directory.

    harvest/options.py    the options, and the checks made before anything starts
    harvest/project.py    what harvest reads of the project (paths, default tags) and asks of it (hooks)
    harvest/selection.py  which scenarios run
    harvest/running.py    behave's arguments, a run in this process, the reports
    harvest/parallel.py   -j and --retry: workers (harvest/worker.py, harvest/messages.py)

Exit status: 0 when every scenario passed, 1 when one failed or a step has no definition,
2 on bad usage (an unknown option, a missing path, a feature file that does not parse, a
selection that matches no scenario), 130 when interrupted.
"""

import sys
import time
from pathlib import Path

from harvest import behave_compat, catalogue, impact, reports, schedule
from harvest import options as harvest_options
from harvest.errors import USAGE_ERROR, UsageError
from harvest.features import FeatureError
from harvest.outcomes import location
from harvest.project import Project, ProjectError
from harvest.queue import QueueError
from harvest.recording import CONTEXTS, recording
from harvest.running import behave_args, dry_run, execute, report, userdata
from harvest.selection import list_tags, select

__all__ = ["main", "run"]


def _failures(options):
    """--failed: the locations the last run recorded as failed (None without --failed)."""
    if not options.failed:
        return None
    return set(schedule.read_failures(Path(options.reports) / schedule.FAILED))


def _changed(options, project, selection):
    """--changed: the scenarios the changes can break (each said with why), as locations."""
    known = impact.ImpactMap.load(options.impact)
    changes, new = impact.changed_lines(options.changed, project.root)
    drifted = set()
    if known.commit != impact.git("rev-parse", options.changed, root=project.root).strip():
        since = impact.git("diff", "--name-only", known.commit, options.changed, root=project.root)
        drifted = set(since.split())  # their lines moved since the map: file by file
    by_file = {}
    for scenario in (s for f in selection.features for s in f.walk_scenarios()):
        by_file.setdefault(location(scenario).rpartition(":")[0], []).append(location(scenario))
    why = impact.choose(known, changes, new, lambda name: by_file.get(name, []), project.root, drifted)
    wanted = {location(s) for s in selection.chosen}
    why = {where: reason for where, reason in why.items() if where in wanted}
    impact.say(why)
    return set(why)


def _selected(options, project, prog):
    """The selection the options make: the paths, tags, -s, --failed, --changed, --shard."""
    only = _failures(options)
    if only is not None and not only:
        failures = Path(options.reports) / schedule.FAILED
        print(f"{prog}: the last run recorded no failures ({failures}): nothing to run")
        return None
    selection = select(options, project, only)
    if options.changed and not (options.list_tags or options.steps or options.steps_usage):
        only = _changed(options, project, selection)
        if not only:
            print(f"{prog}: --changed {options.changed}: no scenario can break: nothing to run")
            return None
        selection = select(options, project, only)
    return selection


def _run(options, project, selection, jobs, xunit_dir):
    """The selection run: in this process, on -j's workers or on a queue; a RunResult."""
    args = behave_args(options, selection.locations, selection.expression, xunit_dir)
    if options.queue:
        from harvest.coordinator import run_queue

        return run_queue(options, project, selection, args)
    if jobs > 1 or options.retry:
        from harvest.parallel import run_workers

        return run_workers(options, project, jobs, selection, args)
    if options.record_impact:
        args += ["--format", CONTEXTS]  # after the formatters with files: it writes nothing
    with reports.record_file() as record:
        result = execute(args + userdata(options, record))
        result.record = reports.read_record(record)
    return result


def run(argv=None, prog="harvest"):
    began = time.monotonic()
    options = harvest_options.build_parser(prog).parse_args(argv)
    harvest_options.check(options)
    project = Project.here()
    selection = _selected(options, project, prog)
    if selection is None:
        return 0
    if options.list_tags:
        list_tags(selection.features)
        return 0
    if options.steps or options.steps_usage:
        return catalogue.run(selection.locations, usage=options.steps_usage)
    if not selection.chosen:
        raise UsageError("no scenario matches the selection: nothing to run")
    jobs = harvest_options.workers(options, selection.chosen)
    if options.dry_run:
        return dry_run(options, selection)
    harvest_options.check_browser(options, selection.chosen)
    if options.html:
        Path(options.html).parent.mkdir(parents=True, exist_ok=True)
    xunit_dir = reports.temporary_dir() if options.with_xunit else None
    with recording(options, project, selection) as recorded:
        result = recorded.result = _run(options, project, selection, jobs, xunit_dir)
    status = report(options, result, selection, xunit_dir, prog, began)
    return 130 if result.interrupted else status


def main(argv=None, prog="harvest"):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["worker"]:
        from harvest.queue_worker import main as worker

        return worker(argv[1:], prog)
    try:
        if wrong_behave := behave_compat.check():
            raise UsageError(wrong_behave)
        return run(argv, prog)
    except (UsageError, FeatureError, ProjectError, QueueError) as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
