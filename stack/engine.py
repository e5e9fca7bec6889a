"""The Docker engine under `harvest --stack compose`: its Debian packages installed when missing,
dockerd started when no engine answers, and stopped at the end when it was started here.

As root, the packages come from apt-get and the engine is started (`dockerd --iptables=false`:
the containers talk to each other and to published loopback ports, never through NAT). As
anyone else, the exact command to run instead, and harvest exits 2.
"""

import os
import signal
import subprocess
import time

from stack.interface import StackError
from stack.paths import ROOT, VAR

PACKAGES = ROOT / "stack" / "compose-packages.txt"
INSTALLER = ROOT / "stack" / "install-debian-packages"
LOG = VAR / "docker" / "dockerd.log"
START_TIMEOUT = 60.0


class ComposeUnavailable(StackError):
    """No Docker engine or Compose, and none could be installed or started."""


def _answers(run):
    return run(["docker", "info"], capture_output=True, text=True).returncode == 0


def install(run=subprocess.run):
    """docker.io, docker-compose and debootstrap, when missing (as root; else the exact command)."""
    result = run([str(INSTALLER), str(PACKAGES)], capture_output=True, text=True)
    if result.returncode != 0:
        lines = (result.stderr.strip() or result.stdout.strip() or "apt-get failed").splitlines()
        raise ComposeUnavailable(f"--stack compose: {lines[-1]}")


class Engine:
    """A Docker engine that answers; stop() stops it only if start() started it."""

    def __init__(self, run=subprocess.run, popen=subprocess.Popen):
        self.run, self.popen = run, popen
        self.process = None

    def answers(self):
        return _answers(self.run)

    def start(self):
        if _answers(self.run):
            return self
        if os.geteuid() != 0:
            raise ComposeUnavailable(
                "--stack compose: no Docker engine answers; start one: sudo dockerd --iptables=false &"
            )
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(LOG, "ab") as log:
            self.process = self.popen(["dockerd", "--iptables=false"], stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(self.run):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = LOG.read_text(errors="replace").splitlines()[-1:] or ["no log"]
                self.stop()
                raise ComposeUnavailable(f"--stack compose: dockerd did not start ({LOG}): {tail[0]}")
            time.sleep(0.2)
        return self

    def stop(self):
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # dockerd stops its containers, then containerd
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
