"""The manual clock: clients wait for as long as the test holds time still."""

from __future__ import annotations

import json
import threading
import urllib.request

import pytest
from openstack import exceptions as sdk_exc

from .conftest import Live
from .test_openstacksdk import connect


@pytest.fixture
def live(manual_server: Live) -> Live:
    manual_server.cloud.reset()
    return manual_server


def advance(live: Live, seconds: float) -> dict[str, object]:
    request = urllib.request.Request(f"{live.url}/_fakenova/clock", method="POST",
                                     data=json.dumps({"advance": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        return json.loads(answer.read())


def test_a_wait_loop_blocks_until_the_clock_moves(live: Live) -> None:
    conn = connect(live)
    server = live.cloud.state.add_server("vm")
    volume = live.cloud.state.add_volume("data")
    conn.compute.create_volume_attachment(server.id, volume=volume.id)
    waited: list[str] = []
    waiter = threading.Thread(target=lambda: waited.append(
        conn.block_storage.wait_for_status(conn.block_storage.get_volume(volume.id), "in-use",
                                           interval=0.02, wait=30).status))
    waiter.start()
    waiter.join(timeout=0.5)
    assert waiter.is_alive(), "the wait should still be polling a reserved volume"
    assert live.volume_status(volume.id) == "reserved"
    assert advance(live, 1)["now"] == 1
    assert live.volume_status(volume.id) == "attaching"
    advance(live, 1)
    waiter.join(timeout=5)
    assert waited == ["in-use"]


def test_detaching_a_still_attaching_volume_is_refused_as_upstream(live: Live) -> None:
    conn = connect(live)
    server = live.cloud.state.add_server("vm")
    volume = live.cloud.state.add_volume("data")
    conn.compute.create_volume_attachment(server.id, volume=volume.id)
    advance(live, 1)
    assert live.volume_status(volume.id) == "attaching"
    with pytest.raises(sdk_exc.BadRequestException) as refused:
        conn.compute.delete_volume_attachment(server.id, volume.id, ignore_missing=False)
    assert "Volume status must be 'in-use' and attach_status must be 'attached'" in str(
        refused.value)
    advance(live, 1)
    conn.compute.delete_volume_attachment(server.id, volume.id, ignore_missing=False)
    assert live.volume_status(volume.id) == "detaching"
    advance(live, 1)
    assert live.volume_status(volume.id) == "available"
