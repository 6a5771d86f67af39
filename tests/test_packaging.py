"""fakenova as another project gets it: a wheel, installed into a clean environment with
openstacksdk, serving a downstream test suite that only names the ``fakenova`` fixture."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

DOWNSTREAM = '''
import json, os
import openstack
import pytest


@pytest.mark.parametrize("n", range(4))
def test_attach_and_detach(fakenova, n):
    server = fakenova.add_server(f"vm-{n}")
    volume = fakenova.add_volume("data")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.create_volume_attachment(server.id, volume=volume.id)
    assert [s.name for s in conn.compute.servers()] == [f"vm-{n}"]
    conn.compute.delete_volume_attachment(server.id, volume.id)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    out = os.path.join(os.environ["SEEN_DIR"], f"seen-{worker}-{n}.json")
    with open(out, "w") as f:
        json.dump({"worker": worker, "url": fakenova.url}, f)


def test_deliberately_failing(fakenova):
    if os.environ.get("DOWNSTREAM_FAIL") != "1":
        pytest.skip("only when asked to fail")
    conn = openstack.connect(**fakenova.connect_kwargs())
    conn.compute.get_server("no-such-server")
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the built wheel, openstacksdk, pytest and pytest-xdist."""
    base = tmp_path_factory.mktemp("packaging")
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                    "--disable-pip-version-check", "-w", str(dist), str(ROOT)],
                   check=True, timeout=300)
    [wheel] = dist.glob("fakenova-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "fakenova/fixtures/demo.json" in names
    assert "fakenova/schemas/compute/volume_attachments.create.request.2.1-2.48.json" in names
    environment = base / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel), "openstacksdk", "pytest",
                    "pytest-xdist"], check=True, timeout=600)
    return python


def downstream(python: Path, tmp_path: Path, *args: str,
               fail: bool = False) -> subprocess.CompletedProcess[str]:
    project = tmp_path / "downstream"
    project.mkdir()
    (project / "test_with_fakenova.py").write_text(DOWNSTREAM)
    (project / "pytest.ini").write_text("[pytest]\nfilterwarnings = ignore::Warning\n")
    env = {"PATH": str(python.parent), "HOME": str(tmp_path), "SEEN_DIR": str(tmp_path),
           "DOWNSTREAM_FAIL": "1" if fail else "0"}
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def seen(tmp_path: Path) -> list[dict[str, str]]:
    return [json.loads(p.read_text()) for p in sorted(tmp_path.glob("seen-*.json"))]


def test_the_wheel_serves_a_downstream_suite_serially(installed: Path, tmp_path: Path) -> None:
    result = downstream(installed, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed, 1 skipped" in result.stdout
    assert {s["worker"] for s in seen(tmp_path)} == {"main"}


def test_the_wheel_serves_two_xdist_workers_that_share_nothing(installed: Path,
                                                               tmp_path: Path) -> None:
    result = downstream(installed, tmp_path, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed, 1 skipped" in result.stdout
    runs = seen(tmp_path)
    urls = {s["worker"]: s["url"] for s in runs}
    assert len(urls) == 2 and len(set(urls.values())) == 2, runs


def test_a_failing_downstream_test_reports_its_journal(installed: Path, tmp_path: Path) -> None:
    result = downstream(installed, tmp_path, "-k", "deliberately", fail=True)
    assert result.returncode == 1
    assert "fakenova journal" in result.stdout
    assert "GET    /compute/v2.1/servers/no-such-server -> 404" in result.stdout
