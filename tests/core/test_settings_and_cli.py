"""Settings fail loudly; the `snigi` command reports configuration and database errors in one
readable line. Each case runs the real command in a subprocess with its own environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from snigi.envvars import ConfigurationError, env_bool, env_choice, env_int, env_list, env_str

PROD_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCD"


def run_snigi(*args: str, env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SNIGI_")}
    base.update({"SNIGI_VAR_DIR": str(tmp_path / "var")}, **env)
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "snigi", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_typed_env_helpers(monkeypatch):
    monkeypatch.setenv("SNIGI_X", "yes")
    assert env_bool("SNIGI_X") is True
    monkeypatch.setenv("SNIGI_X", "maybe")
    with pytest.raises(ConfigurationError, match="SNIGI_X='maybe' is not valid"):
        env_bool("SNIGI_X")
    monkeypatch.setenv("SNIGI_X", "12a")
    with pytest.raises(ConfigurationError, match="an integer"):
        env_int("SNIGI_X")
    monkeypatch.setenv("SNIGI_X", "a.example, b.example")
    assert env_list("SNIGI_X") == ["a.example", "b.example"]
    monkeypatch.setenv("SNIGI_X", "staging")
    with pytest.raises(ConfigurationError, match="one of demo, production"):
        env_choice("SNIGI_X", ("demo", "production"))
    monkeypatch.delenv("SNIGI_X")
    with pytest.raises(ConfigurationError, match="SNIGI_X is required"):
        env_str("SNIGI_X")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_snigi("check", env={"SNIGI_ENV": "production"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "SNIGI_SECRET_KEY is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_variable_is_reported_clearly(tmp_path):
    result = run_snigi("check", env={"SNIGI_DEBUG": "perhaps"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "SNIGI_DEBUG='perhaps' is not valid" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "SNIGI_ENV": "production",
        "SNIGI_SECRET_KEY": PROD_KEY,
        "SNIGI_ALLOWED_HOSTS": "snigi.example.ma",
        "SNIGI_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = run_snigi("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_database_gives_one_readable_error(tmp_path):
    port = _free_port()  # nothing listens there
    env = {"SNIGI_DATABASE_URL": f"postgres://snigi:secret@127.0.0.1:{port}/snigi"}
    result = run_snigi("migrate", env=env, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "cannot use the database (PostgreSQL 127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert "secret" not in result.stderr  # the password is never printed
    assert len(result.stderr.strip().splitlines()) == 1


def test_demo_command_refuses_production(tmp_path):
    env = {
        "SNIGI_ENV": "production",
        "SNIGI_SECRET_KEY": PROD_KEY,
        "SNIGI_ALLOWED_HOSTS": "snigi.example.ma",
        "SNIGI_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }
    result = run_snigi("demo", "--no-serve", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SNIGI_ENV=demo" in result.stderr


def test_health_reports_an_unreachable_database(tmp_path):
    port = _free_port()
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/health'); print(r.status_code, json.dumps(r.json()))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("SNIGI_")}
    base.update(
        SNIGI_VAR_DIR=str(tmp_path / "var"),
        SNIGI_DATABASE_URL=f"postgres://snigi@127.0.0.1:{port}/snigi",
        DJANGO_SETTINGS_MODULE="snigi.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=base, capture_output=True, text=True, timeout=60
    )
    status, _, body = result.stdout.strip().partition(" ")
    assert status == "503", result.stderr
    assert '"status": "error"' in body
    assert '"vendor": "postgresql"' in body
