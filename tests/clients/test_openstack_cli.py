"""The ``openstack`` CLI in a subprocess, configured only by OS_* variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import Live

OPENSTACK = str(Path(sys.executable).parent / "openstack")
# each command is a new process that imports the whole SDK, and reaches fakenova by socket
pytestmark = [pytest.mark.slow, pytest.mark.subprocess]


def openstack(live: Live, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(OS_AUTH_URL=live.auth_url, OS_USERNAME="demo", OS_PASSWORD="demo",
               OS_PROJECT_NAME="demo", OS_USER_DOMAIN_NAME="Default",
               OS_PROJECT_DOMAIN_NAME="Default", OS_REGION_NAME="RegionOne",
               OS_IDENTITY_API_VERSION="3")
    result = subprocess.run([OPENSTACK, *args], env=env, capture_output=True, text=True,
                            timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def test_create_attach_list_detach_delete(live: Live) -> None:
    root = as_json(openstack(live, "volume", "create", "--size", "1", "root", "-f", "json"))
    data = as_json(openstack(live, "volume", "create", "--size", "1", "data", "-f", "json"))
    server = as_json(openstack(live, "server", "create", "--flavor", "m1.tiny", "--volume",
                               root["id"], "--nic", "none", "--wait", "vm", "-f", "json"))
    assert server["status"] == "ACTIVE"

    added = as_json(openstack(live, "server", "add", "volume", "vm", "data", "--tag", "db",
                              "--os-compute-api-version", "2.79", "-f", "json"))
    assert (added["Device"], added["Tag"]) == ("/dev/vdb", "db")

    listed = as_json(openstack(live, "server", "volume", "list", "vm", "-f", "json"))
    assert {row["Volume ID"]: row["Device"] for row in listed} == {
        root["id"]: "/dev/vda", data["id"]: "/dev/vdb"}
    assert all(row["Attachment ID"] for row in listed)  # the 2.89 columns by default

    openstack(live, "server", "remove", "volume", "vm", "data")
    live.wait_for_volume(data["id"], "available")

    openstack(live, "server", "delete", "--wait", "vm")
    openstack(live, "volume", "delete", "data", "root")
    assert as_json(openstack(live, "volume", "list", "-f", "json")) == []


@pytest.mark.parametrize("live", ["immediate"], indirect=True)
def test_errors_exit_1_with_the_fault_message(live: Live) -> None:
    live.cloud.state.add_server("vm", locked=True)
    live.cloud.state.add_volume("data")
    result = openstack(live, "server", "add", "volume", "vm", "data", check=False)
    assert result.returncode == 1
    assert "ConflictException: 409" in result.stderr
    assert "is locked" in result.stderr
    missing = openstack(live, "server", "remove", "volume", "vm", "nothing", check=False)
    assert missing.returncode == 1
    assert "No Volume found for nothing" in missing.stderr
