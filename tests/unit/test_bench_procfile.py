"""The bench serves what the Procfile's web line says, expanded as a shell would."""
from __future__ import annotations

import subprocess

import pytest

from bench.procfile import BASELINE_APP, ProcfileError, command, parse_serve, web_line, with_app

WEB = ("gunicorn -c gunicorn.conf.py 'bot:create_app()' --workers ${WEB_CONCURRENCY:-2} --threads "
       "${WEB_THREADS:-4} --worker-class gthread --bind 0.0.0.0:${PORT:-8000} --access-logfile -")


def sh_argv(line: str, env: dict[str, str]) -> list[str]:
    """What /bin/sh makes of the line: the arguments it would run."""
    out = subprocess.run(["sh", "-c", f"printf '%s\\0' {line}"], env=env, capture_output=True, check=True)
    return out.stdout.decode().split("\0")[:-1]


@pytest.mark.parametrize("env", [
    {},
    {"PORT": "5123"},
    {"PORT": "5123", "WEB_CONCURRENCY": "", "WEB_THREADS": "8"},
    {"WEB_CONCURRENCY": "3", "WEB_THREADS": "1", "PORT": "9"},
])
def test_the_web_line_expands_to_the_arguments_sh_would_run(env):
    assert command(WEB, env) == sh_argv(WEB, env)


@pytest.mark.parametrize("line", [
    "run ${A-unset} ${B-unset} $A ${A} '$A ${A:-x}' \"$A ${B:-b c}\" tail",
    "run x${A:-d}y \"it's $A\" plain",
])
def test_dash_defaults_quotes_and_bare_names_expand_as_in_sh(line):
    env = {"A": "", "PATH": "/usr/bin:/bin"}
    assert command(line, env) == sh_argv(line, env)


def test_the_baseline_runs_the_same_command_with_only_the_app_replaced():
    argv = command(WEB, {"PORT": "5000"})
    baseline = with_app(argv, BASELINE_APP)
    changed = [(a, b) for a, b in zip(argv, baseline) if a != b]
    assert len(baseline) == len(argv)
    assert changed == [("bot:create_app()", BASELINE_APP)]


def test_a_command_naming_no_stickybot_app_is_refused_with_what_to_fix():
    with pytest.raises(ProcfileError, match="names 0 stickybot apps"):
        with_app(["gunicorn", "other:app"], BASELINE_APP)


def test_the_web_line_is_read_from_the_procfile(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("release: stickybot db upgrade\nweb: gunicorn 'bot:create_app()'\nworker: x\n")
    assert web_line(procfile) == "gunicorn 'bot:create_app()'"
    procfile.write_text("worker: x\n")
    with pytest.raises(ProcfileError, match="no `web:` line"):
        web_line(procfile)


def test_a_serve_spec_sets_worker_class_workers_and_threads_after_the_procfiles_own():
    argv = parse_serve("gthread:2x1").argv(WEB, {"PORT": "5000"})
    assert argv[:len(command(WEB, {}))] == command(WEB, {"PORT": "5000"})
    assert argv[-6:] == ["--worker-class", "gthread", "--workers", "2", "--threads", "1"]
    assert parse_serve("procfile").argv(WEB, {"PORT": "5000"}) == command(WEB, {"PORT": "5000"})


@pytest.mark.parametrize("spec", ["gthread", "gthread:2", "gthread:0x4", "2x1"])
def test_a_malformed_serve_spec_says_how_to_write_one(spec):
    with pytest.raises(ProcfileError, match="CLASS:WORKERSxTHREADS"):
        parse_serve(spec)


def test_a_serve_spec_is_refused_when_the_web_command_is_not_gunicorn():
    with pytest.raises(ProcfileError, match="use --serve procfile"):
        parse_serve("gthread:2x1").argv("uvicorn 'bot:create_app()' --port $PORT", {"PORT": "1"})
