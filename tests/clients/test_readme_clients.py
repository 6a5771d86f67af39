"""The README's client examples, run as written against a served demo cloud."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from fakenova import create_app
from fakenova.serving import FakenovaServer

ROOT = Path(__file__).resolve().parents[2]
README_URL = "http://127.0.0.1:8774"


def blocks(language: str) -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Real clients", 1)[1].split("\n## ")[0]
    return re.findall(rf"```{language}\n(.*?)```", section, re.S)


@pytest.fixture(scope="module")
def demo_server() -> Iterator[FakenovaServer]:
    with FakenovaServer(create_app(["demo"])) as server:
        yield server


@pytest.fixture
def demo_url(demo_server: FakenovaServer) -> str:
    """The served demo cloud, as fixtures/demo.json defines it."""
    demo_server.app.extensions["fakenova"].reset()
    return demo_server.url


def openstack_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OS_")}


@pytest.mark.parametrize("example", range(3), ids=["openstacksdk", "novaclient", "tempest"])
def test_python_examples_run(demo_url: str, example: int, tmp_path: Path) -> None:
    code = blocks("python")[example].replace(README_URL, demo_url)
    code = code.replace('interval=1)', 'interval=0.05)')
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path, env=openstack_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize("configuration", ["clouds.yaml", "environment"])
def test_cli_example_with_either_configuration(demo_url: str, configuration: str,
                                                tmp_path: Path) -> None:
    env = openstack_env()
    [clouds] = blocks("yaml")
    exports, commands = blocks("sh")
    if configuration == "clouds.yaml":
        (tmp_path / "clouds.yaml").write_text(clouds.replace(README_URL, demo_url))
        assert yaml.safe_load(clouds)["clouds"]["fakenova"]["auth"]["username"] == "demo"
        env["OS_CLOUD"] = "fakenova"
        script = commands
    else:
        script = exports.replace(README_URL, demo_url) + commands
    openstack_bin = str(Path(sys.executable).parent)
    env["PATH"] = f"{openstack_bin}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "scratch" in result.stdout
