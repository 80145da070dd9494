"""``snigi serve``: serve SNIGI over HTTP.

One process (the default, and what ``snigi demo`` uses) is served by waitress, a pure-Python
WSGI server. ``--workers N`` (N > 1) serves it with gunicorn instead: N worker processes of
``--threads`` threads each, behind one listening socket. A Python process runs one request's
Python at a time (the GIL), so on a machine of several cores a national service wants about
one worker per core; with one process the requests wait for each other, and under concurrent
load their latency is that queue (``benchmarks/rights_check.py``).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"un nombre entier positif est attendu (--workers, --threads, SNIGI_WEB_WORKERS), "
            f"pas {text!r}"
        )
    return value


class Command(BaseCommand):
    help = "Serve SNIGI over HTTP (waitress; gunicorn with --workers N > 1)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=_positive, default=8, help="threads per process")
        parser.add_argument(
            "--workers",
            type=_positive,
            default=os.environ.get("SNIGI_WEB_WORKERS") or "1",  # argparse applies the type
            help="worker processes (default SNIGI_WEB_WORKERS, else 1); about one per core",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        serve(
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            workers=options["workers"],
            out=self,
        )


def serve(
    *, host: str, port: int, threads: int = 8, workers: int = 1, out: BaseCommand | None = None
) -> None:
    from snigi.wsgi import application

    if out is not None:
        processes = f", {workers} processes" if workers > 1 else ""
        out.stdout.write(f"SNIGI is served on http://{host}:{port}/{processes} (Ctrl+C to stop)")
        out.stdout.flush()
    if workers == 1:
        from waitress import serve as waitress_serve

        waitress_serve(application, host=host, port=port, threads=threads, ident="SNIGI")
        return
    # The workers are forked from this process: none may inherit its database connection.
    from django.db import connections

    connections.close_all()
    _Gunicorn(
        application,
        {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "proc_name": "snigi",
            "accesslog": None,
            "errorlog": "-",
            "keepalive": 5,
            "graceful_timeout": 30,
            "timeout": 120,
        },
    ).run()


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn's documented custom application: the WSGI callable and options given here."""

    def __init__(self, application: Any, options: dict[str, Any]):
        self.options = options
        self.application = application
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application
