"""Source trees and the servers run from them.

A tree is measured as it is: its own Procfile, its own `bot` package. When it is not the tree holding this
bench, it runs from an overlay: a temporary directory of links to the tree's files, with `bench` pointing at
this bench, so the baseline and the in-process helpers are the same code for every tree compared.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.procfile import BASELINE_APP, DURABLE_APP, Serve, web_line, with_app
from bench.workload import ADMIN_TOKEN, SECRET

BENCH_ROOT = Path(__file__).resolve().parents[1]
# Settings the bench gives its servers itself, or leaves unset: no Slack, no Chatwoot (it measures stickybot
# alone), no settings from the shell it runs in, and no PYTHON* variables that would change what is imported.
_NOT_PASSED = ("STICKY_", "SLACK_", "CHATWOOT_", "DATABASE_URL", "PYTHON", "PROMETHEUS_")


class ServerError(Exception):
    pass


@dataclass
class Tree:
    source: Path      # the tree as given
    run_dir: Path     # where its processes start (the tree itself, or its overlay)
    python: str       # the interpreter (its bin directory also gives `gunicorn`)

    @classmethod
    def open(cls, source: Path, python: str, scratch: Path) -> "Tree":
        source = source.resolve()
        if not (source / "bot" / "__init__.py").is_file():
            raise ServerError(f"{source} is not a stickybot source tree (no bot/__init__.py)")
        if source == BENCH_ROOT:
            return cls(source, source, python)
        overlay = Path(tempfile.mkdtemp(prefix="tree-", dir=scratch))
        for entry in source.iterdir():
            if entry.name not in ("bench", ".git", ".venv"):
                (overlay / entry.name).symlink_to(entry)
        (overlay / "bench").symlink_to(BENCH_ROOT / "bench")
        return cls(source, overlay, python)

    def check(self, serves: list[Serve]) -> None:
        """Fail before any run, saying what to fix, when a serving setting cannot run from this tree."""
        line = web_line(self.run_dir / "Procfile")
        for serve in serves:
            with_app(serve.argv(line, self.env(PORT="8000")), BASELINE_APP)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_PASSED)}
        env["PATH"] = str(Path(self.python).parent) + os.pathsep + env.get("PATH", "")
        return {**env, **extra}

    def describe(self) -> dict:
        """Which code this is: the tree, its commit, whether it has changes, and where `bot` is imported from."""
        git = ["git", "-C", str(self.source)]
        commit = subprocess.run(git + ["rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout
        dirty = subprocess.run(git + ["status", "--porcelain", "--", ".", ":!bench"], capture_output=True,
                               text=True).stdout
        return {"tree": str(self.source), "commit": commit.strip() or None, "changed_files": bool(dirty.strip()),
                "bot_imported_from": self.inproc("where", {})["bot"]}

    def spawn(self, task: str, args: dict, wait_for_start: bool = False) -> subprocess.Popen:
        """Start one bench.inproc task with this tree's code; with `wait_for_start`, return once the task says
        (a first line) that its work begins, so the time it takes to import and connect is not counted."""
        proc = subprocess.Popen([self.python, "-m", "bench.inproc", task, json.dumps(args)], cwd=self.run_dir,
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if wait_for_start and not proc.stdout.readline():
            proc.wait(10)
            raise ServerError(f"bench.inproc {task} ended before it started in {self.source}:\n"
                              f"{proc.stderr.read().strip()[-3000:]}")
        return proc

    def finish(self, proc: subprocess.Popen, task: str, timeout: float = 3600) -> dict:
        """Its answer: the last line it printed."""
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise ServerError(f"bench.inproc {task} failed in {self.source}:\n{err.strip()[-3000:]}")
        return json.loads(out.strip().splitlines()[-1])

    def inproc(self, task: str, args: dict, timeout: float = 3600) -> dict:
        return self.finish(self.spawn(task, args), task, timeout)

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The web command of a tree's Procfile (with a serve spec), with stickybot's app or the baseline's."""

    def __init__(self, tree: Tree, serve: Serve, app: str, db_url: str, log: Path):
        """`app` is "stickybot" (the command as it is), "baseline" or "durable" (the same command with the
        baseline's app, or its durable floor: bench/baseline.py)."""
        self.port = free_port()
        env = tree.env(PORT=str(self.port), DATABASE_URL=db_url, STICKY_WEBHOOK_SECRET=SECRET,
                       STICKY_ADMIN_TOKEN=ADMIN_TOKEN,
                       PROMETHEUS_MULTIPROC_DIR=tempfile.mkdtemp(prefix="prom-", dir=log.parent))
        argv = serve.argv(web_line(tree.run_dir / "Procfile"), env)
        self.argv = argv if app == "stickybot" else with_app(argv, DURABLE_APP if app == "durable" else BASELINE_APP)
        self.log = log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(self.argv, cwd=tree.run_dir, env=env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    @property
    def command(self) -> str:
        return shlex.join(self.argv)

    def _wait_ready(self, within: float = 60.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"the server exited ({self.proc.returncode}): {self.command}\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise ServerError(f"the server did not answer /healthz within {within:.0f} s: {self.command}\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group this server was started in, and only it
            self.proc.wait(10)
