"""Deployment papercuts, through the real `stickybot` command in a fresh process: a metrics folder that does not
exist yet, commands whose output is their answer, a bad setting, a short admin token warned about at start."""
from __future__ import annotations

import runpy
import signal
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.e2e.test_processes import BIN, env_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "directory.example.yaml"


def stickybot(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [("--help",), ("db", "upgrade")])
def test_a_metrics_folder_that_does_not_exist_yet_is_made_and_the_command_runs(tmp_path, args):
    folder = tmp_path / "release" / "metrics"
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}", PROMETHEUS_MULTIPROC_DIR=folder)
    done = stickybot(*args, env=env, cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert folder.is_dir()


def test_the_worker_runs_with_a_metrics_folder_that_does_not_exist_yet(db_url, tmp_path):
    folder = tmp_path / "metrics"
    env = env_for(db_url, PROMETHEUS_MULTIPROC_DIR=folder, STICKY_EXPIRE_EVERY_S=3600, STICKY_SWEEP_EVERY_S=3600)
    worker = subprocess.Popen([str(BIN), "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in worker.stdout:  # it says so once its jobs are scheduled (or it dies, and the pipe ends)
            lines.append(line)
            if "worker started" in line:
                break
    finally:
        worker.send_signal(signal.SIGTERM)
        rest, _ = worker.communicate(timeout=30)
    out = "".join(lines) + rest
    assert worker.returncode == 0 and "worker started" in out and "Traceback" not in out, out
    assert folder.is_dir()


@pytest.mark.parametrize("args", [("--help",), ("db", "upgrade"), ("worker",)])
def test_a_metrics_folder_that_cannot_be_made_is_named_with_the_reason_and_exit_status_2(tmp_path, args):
    (tmp_path / "a-file").write_text("")
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}", PROMETHEUS_MULTIPROC_DIR=tmp_path / "a-file" / "metrics")
    done = stickybot(*args, env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("stickybot: PROMETHEUS_MULTIPROC_DIR=") and "Not a directory" in done.stderr


def test_directory_load_prints_only_its_answer_and_its_logs_with_verbose(tmp_path):
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgraded = stickybot("db", "upgrade", env=env, cwd=tmp_path)
    assert (upgraded.stdout, upgraded.stderr) == ("database is up to date\n", "")
    loaded = stickybot("directory", "load", str(EXAMPLE), env=env, cwd=tmp_path)
    assert (loaded.stdout, loaded.stderr) == (f"loaded 2 teams and 3 agents from {EXAMPLE}\n", "")
    for verbose in (("--verbose", "directory", "load", str(EXAMPLE)), ("directory", "load", str(EXAMPLE), "-v")):
        told = stickybot(*verbose, env=env, cwd=tmp_path)
        assert told.stdout == f"loaded 2 teams and 3 agents from {EXAMPLE}\n" and "INFO" in told.stderr


def test_outbox_retry_prints_only_its_answer(db_url, tmp_path):
    done = stickybot("outbox", "retry", env=env_for(db_url), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "" and done.stdout.startswith("0 failed deliveries are due")


def test_an_error_is_still_said_without_verbose(tmp_path):
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    done = stickybot("directory", "load", str(EXAMPLE), env=env, cwd=tmp_path)
    assert done.returncode == 1 and "run `stickybot db upgrade` first" in done.stderr


def test_a_bad_trusted_proxy_setting_stops_a_command_saying_what_to_write(tmp_path):
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}", STICKY_TRUSTED_PROXIES="10.0.0.1, proxy.internal")
    done = stickybot("db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "STICKY_TRUSTED_PROXIES: 'proxy.internal' is not an IP address" in done.stderr
    assert stickybot("--help", env=env, cwd=tmp_path).returncode == 0  # help needs no setting


def test_gunicorn_warns_at_start_about_a_short_admin_token_and_stops_on_a_bad_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    warned: list[str] = []
    server = SimpleNamespace(log=SimpleNamespace(warning=warned.append))
    monkeypatch.setenv("STICKY_ADMIN_TOKEN", "short-token")
    conf["on_starting"](server)
    assert len(warned) == 1 and "STICKY_ADMIN_TOKEN is shorter than 24 characters" in warned[0]
    assert "short-token" not in warned[0]
    monkeypatch.setenv("STICKY_ADMIN_TOKEN", "a-long-random-token-of-32-characters")
    warned.clear()
    conf["on_starting"](server)
    assert warned == []
    monkeypatch.setenv("STICKY_TRUSTED_PROXIES", "nope")
    with pytest.raises(SystemExit, match="STICKY_TRUSTED_PROXIES: 'nope'"):
        conf["on_starting"](server)


def test_stickybot_serve_warns_at_start_about_a_short_admin_token(db_url, tmp_path):
    from tests.e2e.test_processes import free_port, wait_until, _ok

    port = free_port()
    env = env_for(db_url, STICKY_ADMIN_TOKEN="short-token", STICKY_SCHEDULER="off")
    proc = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert wait_until(lambda: _ok(f"http://127.0.0.1:{port}/healthz")), "serve did not come up"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert "WARNING" in out and "STICKY_ADMIN_TOKEN is shorter than 24 characters" in out
    assert "short-token" not in out


def test_an_unknown_default_time_zone_stops_a_command_saying_what_to_write(tmp_path):
    env = env_for(f"sqlite:///{tmp_path / 'fresh.db'}", STICKY_DEFAULT_TIME_ZONE="Europe/Atlantis")
    done = stickybot("db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "STICKY_DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Berlin, not 'Europe/Atlantis'" \
        in done.stderr
