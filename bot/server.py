"""`stickybot serve`: the app under gunicorn in this process, with the scheduler beside it.

One asyncio worker (bot.serving) reads each request whole before one of `threads` threads runs Flask on it."""
from __future__ import annotations

from flask import Flask
from gunicorn.app.base import BaseApplication

from .runtime import Runtime
from .serving import WORKER_CLASS, worker_exit


class _Embedded(BaseApplication):
    def __init__(self, app: Flask, options: dict):
        self.app = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:  # e.g. control_socket_disable exists from gunicorn 27 on
                self.cfg.set(key, value)

    def load(self):
        return self.app


def serve(app: Flask, host: str, port: int, threads: int) -> None:
    rt: Runtime = app.extensions["stickybot"]

    def started(_worker):
        from .scheduler import start_in_process

        start_in_process(app, rt)

    options = {
        "bind": f"{host}:{port}", "workers": 1, "worker_class": WORKER_CLASS, "threads": threads,
        "accesslog": "-", "graceful_timeout": 20, "timeout": 60,
        "post_worker_init": started, "worker_exit": worker_exit, "control_socket_disable": True,
    }
    _Embedded(app, options).run()
