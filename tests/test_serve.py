"""``fakenova serve`` as a user runs it: a real process, a real socket, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO_SERVER = "2f9a6b1e-0c59-4d7e-9d7b-3a1f5e8c0a01"


@contextmanager
def serving(command: list[str], cwd: Path,
            env: dict[str, str] | None = None) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Run ``fakenova serve``, yield it with the URL its first line names, then end it."""
    with subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            first_line = process.stdout.readline()
            assert first_line.startswith("fakenova listening on http://127.0.0.1:"), (
                first_line, process.stderr.read() if process.poll() is not None else "")
            yield process, first_line.split()[-1]
        finally:
            if process.poll() is None:
                process.kill()


def stop(process: subprocess.Popen[str], signum: int = signal.SIGTERM) -> int:
    process.send_signal(signum)
    return process.wait(timeout=10)


def call(url: str, method: str = "GET", body: object = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], object]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", "Accept": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as answer:
        raw = answer.read()
        return answer.status, dict(answer.headers), json.loads(raw) if raw else None


def demo_session(base: str) -> None:
    """Token, then the demo cloud's web-1 server and its attachment, as a client sees them."""
    status, headers, _ = call(f"{base}/identity/v3/auth/tokens", "POST", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "demo"}}},
        "scope": {"project": {"name": "demo", "domain": {"name": "Default"}}}}})
    assert status == 201
    token = headers["X-Subject-Token"]
    status, _, body = call(f"{base}/compute/v2.1/servers/{DEMO_SERVER}/os-volume_attachments",
                           headers={"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.89"})
    assert status == 200
    assert [a["tag"] for a in body["volumeAttachments"]] == ["logs"]  # type: ignore[index]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serves_the_demo_cloud_and_stops_cleanly(tmp_path: Path, signum: int) -> None:
    with serving([sys.executable, "-m", "fakenova", "serve", "--port", "0"], tmp_path) as (
            process, url):
        demo_session(url)
        assert stop(process, signum) == 0


def test_busy_port_is_a_clear_error_not_a_hang(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "fakenova", "serve", "--port", str(port)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_a_named_fixture_replaces_the_demo_cloud(tmp_path: Path) -> None:
    fixture = tmp_path / "mine.json"
    fixture.write_text(json.dumps({"servers": [{"id": DEMO_SERVER, "name": "only"}]}))
    command = [sys.executable, "-m", "fakenova", "serve", "--port", "0", "--fixture", str(fixture)]
    with serving(command, tmp_path) as (_, url):
        status, _, state = call(f"{url}/_fakenova/state")
    assert status == 200
    assert [s["name"] for s in state["servers"]] == ["only"]  # type: ignore[index]
    assert state["volumes"] == []  # type: ignore[index]


def test_a_broken_fixture_is_reported(tmp_path: Path) -> None:
    fixture = tmp_path / "broken.yaml"
    fixture.write_text("servers:\n  - name: x\n    colour: blue\n")
    result = subprocess.run([sys.executable, "-m", "fakenova", "serve", "--port", "0",
                             "--fixture", str(fixture)], cwd=tmp_path, capture_output=True,
                            text=True, timeout=20)
    assert result.returncode == 2
    assert "unknown keys ['colour']" in result.stderr


@pytest.mark.slow
def test_installed_from_a_clean_build_serves_the_demo_cloud(tmp_path: Path) -> None:
    """``pip install .`` into a fresh venv, then serve from a directory outside the source."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(ROOT)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with serving([str(environment / "bin" / "fakenova"), "serve", "--port", "0"], elsewhere,
                 env) as (process, url):
        demo_session(url)
        assert stop(process) == 0
    packaged = subprocess.run(
        [str(python), "-c", "import fakenova.resources as r; print(r.schemas_dir())"],
        cwd=elsewhere, capture_output=True, text=True, check=True).stdout
    assert str(environment) in packaged, "schemas must come from the installed package"


@pytest.mark.slow  # starts the CLI and a server
@pytest.mark.parametrize("user", ["demo", "admin"])
def test_env_and_clouds_yaml_print_working_settings(user: str) -> None:
    import yaml

    from fakenova import create_app
    from fakenova.serving import FakenovaServer

    def fakenova(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "fakenova", *args], check=True,
                              capture_output=True, text=True, timeout=30).stdout

    with FakenovaServer(create_app(["demo"])) as server:
        exports = fakenova("env", "--url", server.url, "--user", user)
        env = dict(line.removeprefix("export ").split("=", 1)
                   for line in exports.splitlines())
        clouds = yaml.safe_load(fakenova("clouds-yaml", "--url", server.url, "--user", user))
        auth = clouds["clouds"]["fakenova"]["auth"]
        assert auth["auth_url"] == env["OS_AUTH_URL"] == f"{server.url}/identity"
        status, headers, _ = call(f"{server.url}/identity/v3/auth/tokens", "POST", {"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": env["OS_USERNAME"], "domain": {"name": env["OS_USER_DOMAIN_NAME"]},
                "password": env["OS_PASSWORD"]}}},
            "scope": {"project": {"name": auth["project_name"],
                                  "domain": {"name": auth["project_domain_name"]}}}}})
    assert status == 201 and headers["X-Subject-Token"]
