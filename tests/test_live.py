"""The live status of a run of workers: on a terminal, below behave's output and never in it;
in a log, plain lines of their own."""

import io
import re
import sys

from harvest import live
from harvest.live import Live

TIMINGS = {"a:1": 4.0, "a:2": 2.0, "b:1": 6.0}


def screen(raw):
    """What a terminal shows for raw output: \\r\\033[K clears the line being written."""
    lines = [""]
    for part in re.split(r"(\r\033\[K|\n)", raw):
        if part == "\r\033[K":
            lines[-1] = ""
        elif part == "\n":
            lines.append("")
        else:
            lines[-1] += part
    return lines


def test_on_a_terminal_the_status_is_the_bottom_line_and_leaves_behaves_output_as_it_was(monkeypatch):
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stdout", terminal)
    monkeypatch.setenv("COLUMNS", "200")
    status = Live(list(TIMINGS), TIMINGS, stream=io.StringIO(), tty=True)
    status.update(workers=2, busy=2)
    with status.above():
        print("features/a.feature  ", end="")
        status.update(outcome={"location": "a:1", "status": "failed"})
        bottom = screen(terminal.getvalue())[-1]
        assert bottom.startswith("features/a.feature  ")
        assert "[1/3 done, 1 failed, 2 of 2 worker(s) busy, about 4 s left]" in bottom
        print(".F")
        print("features/b.feature  .")
        status.update(outcome={"location": "b:1", "status": "passed"}, busy=0)
        assert "2/3 done" in screen(terminal.getvalue())[-1]
    assert screen(terminal.getvalue()) == ["features/a.feature  .F", "features/b.feature  .", ""]


def test_in_a_log_the_status_comes_as_plain_lines_of_its_own(monkeypatch):
    monkeypatch.setattr(live, "INTERVAL", 0.0)
    log = io.StringIO()
    status = Live(list(TIMINGS), TIMINGS, stream=log, tty=False)
    status.update(workers=2, busy=1)
    status.update(outcome={"location": "b:1", "status": "passed"})
    assert log.getvalue().splitlines() == [
        "harvest: 0/3 done, 1 of 2 worker(s) busy, about 6 s left",
        "harvest: 1/3 done, 1 of 2 worker(s) busy, about 3 s left",
    ]
    before = sys.stdout
    with status.above():
        assert sys.stdout is before  # off a terminal, harvest's output is not touched
