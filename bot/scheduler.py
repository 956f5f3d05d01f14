"""APScheduler 3: in-process for `stickybot serve`, alone for `stickybot worker`."""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from .jobs import make_jobs
from .runtime import Runtime

log = logging.getLogger(__name__)


def configure(scheduler, rt: Runtime, stop: threading.Event) -> None:
    cfg = rt.config
    every = {"expire_links": cfg.expire_every_s, "deliver_outbox": cfg.outbox_every_s,
             "sweep_queue": cfg.sweep_every_s, "retention": cfg.retention_every_s}
    for name, job in make_jobs(rt, stop).items():
        # The outbox and the sweep run at boot (work may have waited while we were down); expiry and
        # retention wait for their first interval.
        first = {} if name in ("expire_links", "retention") else {"next_run_time": datetime.now(timezone.utc)}
        scheduler.add_job(job, "interval", seconds=every[name], id=name, name=name, coalesce=True,
                          max_instances=1, misfire_grace_time=max(30, int(every[name])), **first)


def start_in_process(app: Flask, rt: Runtime) -> None:
    if not rt.config.scheduler:
        log.info("STICKY_SCHEDULER=off: this process runs no scheduled jobs")
        return
    stop = threading.Event()
    scheduler = BackgroundScheduler(timezone="UTC")
    configure(scheduler, rt, stop)
    scheduler.start()
    rt.scheduler = (scheduler, stop)
    log.info("scheduler started in-process")


def stop_in_process(rt: Runtime) -> None:
    held, rt.scheduler = rt.scheduler, None
    if held:
        scheduler, stop = held
        stop.set()
        scheduler.shutdown(wait=True)  # the job in flight finishes its current batch
    rt.close()


def run_forever(app: Flask) -> None:
    """The jobs, on the scheduler's threads, until SIGTERM or SIGINT, whenever it comes (even while starting)."""
    rt: Runtime = app.extensions["stickybot"]
    if not rt.config.scheduler:
        raise SystemExit("STICKY_SCHEDULER=off: a worker with no jobs has nothing to do; unset it to run jobs")
    stop = threading.Event()
    scheduler = BackgroundScheduler(timezone="UTC")
    configure(scheduler, rt, stop)
    received: list[int] = []

    def on_signal(signum, _frame):  # only this: the signal may have interrupted the main thread mid-write
        received.append(signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler.start()
    log.info("worker started: expire every %ss, outbox every %ss, sweep every %ss",
             rt.config.expire_every_s, rt.config.outbox_every_s, rt.config.sweep_every_s)
    while not stop.wait(1.0):  # woken now and then: a signal that reached another thread is handled here
        pass
    log.info("signal %s: finishing the job in flight, then stopping", received[0] if received else "?")
    scheduler.shutdown(wait=True)  # the job in flight finishes its current batch
    rt.close()
    log.info("worker stopped")
