"""The README's curl walk-through, run as written against a served demo cloud."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_serve import serving

ROOT = Path(__file__).resolve().parents[1]


def walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A walk through with curl", 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "the walk-through's shell block is missing"
    return match.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.slow  # a served cloud and a dozen curl processes
def test_curl_walkthrough_works_as_written(tmp_path: Path) -> None:
    with serving([sys.executable, "-m", "fakenova", "serve", "--port", "0"], tmp_path) as (
            _, url):
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough()],
                                env={**os.environ, "FAKENOVA": url}, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    listed, attached, shown, detach_status, missing = result.stdout.strip().split("\n")
    assert [a["tag"] for a in json.loads(listed)["volumeAttachments"]] == ["logs"]
    assert json.loads(attached)["volumeAttachment"]["device"] == "/dev/vdc"
    assert json.loads(shown)["volumeAttachment"]["device"] == "/dev/vdc"
    assert detach_status == "202"
    assert json.loads(missing)["itemNotFound"]["code"] == 404
