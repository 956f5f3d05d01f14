"""gunicorn settings for the Procfile's web process.

- The worker is stickybot's (bot/serving.py): gunicorn's asyncio worker reads each request whole, within
  STICKY_REQUEST_TIMEOUT_S, before one of `--threads` threads runs Flask on it; slow clients cost a socket only.
- Prometheus multiprocess metrics: in PROMETHEUS_MULTIPROC_DIR when the operator names a folder (never deleted
  here: empty it between runs yourself), else in a fresh folder of this server's own, removed when it stops.
- Each worker finishes or hands back the outbox rows it has in flight before it exits.
"""
import os
import shutil
import tempfile

worker_class = "bot.serving.Worker"

_MADE = "STICKY_METRICS_DIR_MADE"  # the folder this server made for itself (kept across a reload, SIGHUP)

# Set before gunicorn loads the worker class (which imports the app and prometheus_client), and inherited by
# the workers. A re-exec (SIGUSR2) starts from the original environment, so a new master makes its own folder.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ[_MADE] = tempfile.mkdtemp(prefix="stickybot-metrics-")

from bot.metrics import multiprocess_folder  # noqa: E402  (after the folder is named)

multiprocess_folder()  # made if missing, or what is wrong said, exit 2


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    from bot.serving import worker_exit as close_worker

    close_worker(server, worker)


def on_exit(server):
    made = os.environ.get(_MADE)
    if made and made == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(made, ignore_errors=True)


def on_starting(server):
    from bot.config import Config, ConfigError
    from bot.serving import request_timeout_s

    try:
        request_timeout_s()  # a bad STICKY_REQUEST_TIMEOUT_S stops the server here, with what to fix
        config = Config.from_env()  # and so does a bad setting (e.g. STICKY_TRUSTED_PROXIES)
    except ConfigError as exc:
        on_exit(server)
        raise SystemExit(f"stickybot: {exc}") from None
    except SystemExit:
        on_exit(server)
        raise
    for warning in config.warnings():
        server.log.warning(warning)
