"""The README's fault examples, run as written."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fakenova import create_app
from fakenova.serving import FakenovaServer

ROOT = Path(__file__).resolve().parents[1]


def blocks(language: str) -> list[str]:
    section = (ROOT / "README.md").read_text().split("## Faults, the journal and snapshots")[1]
    return re.findall(rf"```{language}\n(.*?)```", section.split("\n## ")[0], re.S)


def documents(text: str) -> list[Any]:
    """The JSON documents curl printed one after another."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while at < len(text.strip()):
        document, at = decoder.raw_decode(text, at)
        found.append(document)
        while at < len(text) and text[at].isspace():
            at += 1
    return found


def test_the_python_example_runs(tmp_path: Path) -> None:
    [example] = blocks("python")
    result = subprocess.run([sys.executable, "-c", example], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_the_curl_example_runs() -> None:
    [example] = blocks("sh")
    app = create_app(["demo"])
    with FakenovaServer(app) as server:
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", example],
                                env={**os.environ, "FAKENOVA": server.url},
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    rule, listed, journal, snapshot = documents(result.stdout)
    assert rule["name"] == "drop"
    assert listed["faults"][0]["probability"] == 0.2
    assert journal == {"requests": []}
    assert snapshot == {"name": "prepared"}
    assert app.extensions["fakenova"].faults.rules() == []
