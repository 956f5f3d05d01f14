"""gunicorn settings read by the Procfile's web process: Prometheus multiprocess mode across workers."""
import os
import shutil
import tempfile

_dir = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "stickybot-metrics"))
shutil.rmtree(_dir, ignore_errors=True)  # counters start from zero with each master
os.makedirs(_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
