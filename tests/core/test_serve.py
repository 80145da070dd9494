"""``snigi serve``: one waitress process, or gunicorn's worker processes with ``--workers N``."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = stat.read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if ppid == str(pid):
            found.append(int(stat.parent.name))
    return found


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _serve(tmp_path: Path, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "SNIGI_VAR_DIR": str(tmp_path)}
    env.pop("SNIGI_DATABASE_URL", None)  # an SQLite database of its own
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "snigi", "serve", "--port", str(port), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode() if server.stdout else ""
            pytest.fail(f"snigi serve stopped ({server.returncode}): {output}")
        try:
            if _get(port, "/health")[0] == 200:
                return server, port
        except OSError:
            pass
        time.sleep(0.2)
    server.kill()
    pytest.fail("snigi serve did not answer /health within 60 s")


def _stop(server: subprocess.Popen[bytes]) -> int:
    server.terminate()
    try:
        return server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_workers_serve_from_several_processes_and_stop_together(tmp_path):
    server, port = _serve(tmp_path, "--workers", "2", "--threads", "2")
    try:
        deadline = time.monotonic() + 30  # gunicorn forks its workers after binding
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(server.pid)
        assert len(workers) == 2
        for _ in range(10):
            status, body = _get(port, "/health")
            assert status == 200
            assert json.loads(body)["database"]["status"] == "ok"
    finally:
        code = _stop(server)
    assert code == 0
    time.sleep(0.5)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "a worker outlived"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_one_worker_is_one_process(tmp_path):
    server, port = _serve(tmp_path)
    try:
        assert _get(port, "/health")[0] == 200
        assert _children(server.pid) == []
    finally:
        _stop(server)


def _refused(tmp_path: Path, *options: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """``snigi serve`` run with options that must stop it before it listens."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "snigi", "serve", *options],
        env={**os.environ, "SNIGI_VAR_DIR": str(tmp_path), **variables},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("value", ["0", "-2", "deux"])
def test_a_number_of_workers_that_is_not_positive_is_refused(tmp_path, value):
    done = _refused(tmp_path, "--workers", value)
    assert done.returncode != 0
    assert "nombre entier positif" in done.stderr
    assert value in done.stderr


def test_a_malformed_workers_variable_is_refused_by_name(tmp_path):
    done = _refused(tmp_path, SNIGI_WEB_WORKERS="beaucoup")
    assert done.returncode != 0
    assert "nombre entier positif" in done.stderr
    assert "beaucoup" in done.stderr
    assert "Traceback" not in done.stderr
