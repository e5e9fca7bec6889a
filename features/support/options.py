"""The run's options, as behave userdata (`-D name=value`): harvest sets them, plain behave may too."""

from dataclasses import dataclass
from pathlib import Path

from stack.paths import ROOT


@dataclass(frozen=True)
class Options:
    stack: str = "local"  # the launcher: local processes or docker compose
    port: int | None = None  # nginx's port; a free one when None or taken
    scale_app: int = 1  # app replicas behind nginx (compose: 1 or 2)
    memcached_nodes: int = 1  # one memcached, or a pool on nginx's consistent-hash ring
    browser: str = "auto"  # auto, chromium, firefox or remote
    headed: bool = False  # show the browser window
    debug: bool = False  # the site with DEBUG on
    reports: Path = ROOT / "reports"  # where a failed scenario's evidence goes
    record: Path | None = None  # where the run's timings and set-up error are written (for harvest)
    database: str | None = None  # a test database made already (harvest -j: the worker's clone)

    @classmethod
    def from_userdata(cls, userdata):
        def path(name):
            return Path(userdata[name]) if userdata.get(name) else None

        return cls(
            stack=userdata.get("stack", cls.stack),
            port=userdata.getint("port", 0) or None,
            scale_app=userdata.getint("scale_app", 1),
            memcached_nodes=userdata.getint("memcached_nodes", 1),
            browser=userdata.get("browser", cls.browser),
            headed=userdata.getbool("headed", False),
            debug=userdata.getbool("debug", False),
            reports=path("reports") or cls.reports,
            record=path("record"),
            database=userdata.get("database") or None,
        )
