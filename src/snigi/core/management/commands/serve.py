"""``snigi serve``: serve SNIGI with waitress (a production-grade pure-Python WSGI server)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve SNIGI over HTTP with waitress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(host=options["host"], port=options["port"], threads=options["threads"], out=self)


def serve(*, host: str, port: int, threads: int = 8, out: BaseCommand | None = None) -> None:
    from waitress import serve as waitress_serve

    from snigi.wsgi import application

    if out is not None:
        out.stdout.write(f"SNIGI is served on http://{host}:{port}/ (Ctrl+C to stop)")
        out.stdout.flush()
    waitress_serve(application, host=host, port=port, threads=threads, ident="SNIGI")
