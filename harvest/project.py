"""What harvest reads of the behave project it runs in (the current directory), and what it asks of it.

As behave does, harvest runs the project of the current directory: its `features/` (or the
`paths` of its behave configuration: behave.ini, .behaverc, setup.cfg, tox.ini or pyproject.toml's
[tool.behave]) and its `default_tags` when no --tag is given.

A suite that needs more of `-j` and `--retry` names a hook module in pyproject.toml:

    [tool.harvest]
    hooks = "features/harvest_hooks.py"

which may define either of:

    workers(count, userdata)  a context manager, entered once in harvest before the workers start
                              and left after they stop, that yields one dict for each worker: more
                              behave userdata for it (a database of its own, say). userdata: the
                              run's, as `-D` gives it.
    evidence(context, scenario)  in a worker, after each attempt of a scenario: the folder where
                              the suite kept what it shows of a failure, or None. A screenshot.png
                              there goes into the HTML report.

And behave userdata that harvest sets for the suite to read (`context.config.userdata`):

    harvest.worker   the worker's number, 1 to N (with -j or --retry)
    harvest.attempt  the attempt at the scenario now running, from 1 (with --retry)
    record           a file for the run's JSON record: {"timings": {name: seconds}, "browser":
                     name, "setup_error": text}, said in harvest's timings line and, for a
                     set-up error, in one line with exit status 2
"""

import contextlib
import functools
import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path

from behave.configuration import Configuration

HOOKS_TABLE = "harvest"


class ProjectError(Exception):
    """The project's hook module cannot be used: one line, exit 2."""


@dataclass(frozen=True)
class Project:
    """The behave project in a folder: where its features are, its default tags, its hooks."""

    root: Path
    paths: tuple[Path, ...]
    default_tags: str | None
    hooks_path: Path | None  # the hook module's file, when the project names one

    @classmethod
    def here(cls, root=None):
        root = Path(root or Path.cwd()).resolve()
        try:
            with contextlib.chdir(root):
                config = Configuration(command_args=[], load_config=True)
        except (tomllib.TOMLDecodeError, ValueError) as error:  # behave reads the files as they are
            raise ProjectError(f"{root}: behave's configuration does not parse: {error}") from None
        paths = tuple((root / p).resolve() for p in (config.paths or ["features"]))
        tags = config.config_tags or config.default_tags
        if isinstance(tags, list | tuple):
            tags = " and ".join(f"({t})" for t in tags if t) or None
        return cls(root, paths, tags or None, _hooks_path(root))

    @functools.cached_property
    def hooks(self):
        """The hook module, loaded at first use (it may start Django: a dry run need not)."""
        if self.hooks_path is None:
            return None
        spec = importlib.util.spec_from_file_location("harvest_hooks", self.hooks_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def workers(self, count, userdata):
        """The context that yields each worker's extra userdata (none when the suite asks nothing)."""
        hook = getattr(self.hooks, "workers", None)
        if hook is None:
            return contextlib.nullcontext([{} for _ in range(count)])
        return hook(count, userdata)

    def evidence(self, context, scenario):
        hook = getattr(self.hooks, "evidence", None)
        folder = hook(context, scenario) if hook else None
        return Path(folder) if folder else None


def _hooks_path(root):
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    try:
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get(HOOKS_TABLE, {})
    except tomllib.TOMLDecodeError as error:
        raise ProjectError(f"{pyproject}: {error}") from None
    name = table.get("hooks")
    if not name:
        return None
    path = root / name
    if not path.is_file():
        raise ProjectError(f"{pyproject}: [tool.{HOOKS_TABLE}] hooks: no such file: {path}")
    return path
