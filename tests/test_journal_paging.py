"""``GET /_fakenova/requests?since=SEQ&limit=N``: a follower's view of the journal. ``since``
gives the entries after a sequence number, ``limit`` at most N of them (without ``since``,
the newest N); anything but a whole number is a 400 that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import pytest

from .test_faults import LIST, World, make_world
from .test_journal_and_snapshots import journal


@pytest.fixture
def five(api: Any) -> World:
    """A journal of five listings, seq 1 to 5 once cleared of the set-up's requests."""
    world = make_world(api)
    start = world.cloud.journal.last_seq
    world.cloud.journal.clear()
    for _ in range(5):
        LIST.send(world)
    assert [e["seq"] - start for e in journal(world)] == [1, 2, 3, 4, 5]
    world.start = start  # type: ignore[attr-defined]
    return world


@pytest.mark.parametrize(("since", "limit", "expected"), [
    (None, None, [1, 2, 3, 4, 5]),
    (None, 2, [4, 5]),
    (None, 0, []),
    (None, 9, [1, 2, 3, 4, 5]),
    (0, None, [1, 2, 3, 4, 5]),
    (3, None, [4, 5]),
    (1, 2, [2, 3]),
    (5, None, []),
    (5, 1, []),
    (99, 3, []),
])
def test_since_and_limit_page_through_the_journal(five: World, since: int | None,
                                                  limit: int | None, expected: list[int],
                                                  ) -> None:
    start = five.start  # type: ignore[attr-defined]
    query: dict[str, Any] = {}
    if since is not None:
        query["since"] = since + start if since else 0
    if limit is not None:
        query["limit"] = limit
    assert [e["seq"] - start for e in journal(five, **query)] == expected


def test_since_follows_new_requests_and_filters_still_apply(five: World) -> None:
    last = journal(five)[-1]["seq"]
    LIST.send(five)
    five.api.client.get("/compute/v2.1/servers")  # no token: 401
    newer = journal(five, since=last)
    assert [(e["seq"], e["status"]) for e in newer] == [(last + 1, 200), (last + 2, 401)]
    assert [e["seq"] for e in journal(five, since=last, status=401)] == [last + 2]


@pytest.mark.parametrize("query", [{"since": "x"}, {"limit": "-1"}, {"since": "1.5"},
                                   {"limit": "٣"}, {"since": "9" * 5000}, {"limit": ""}])
def test_since_and_limit_must_be_whole_numbers(five: World, query: dict[str, str]) -> None:
    before = journal(five)
    answer = five.api.client.get(f"/_fakenova/requests?{urlencode(query)}")
    name = next(iter(query))
    assert answer.status_code == 400
    assert answer.get_json() == {"error": {"code": 400, "message": f"{name} must be a number"}}
    assert journal(five) == before


def test_a_401_in_the_journal_says_why(five: World) -> None:
    """No token, a token Keystone never issued, an expired one and a revoked one are all
    refused alike (keystonemiddleware's 401); only the journal tells them apart."""
    client, state = five.api.client, five.cloud.state
    expired, revoked = five.api.token("demo", project="demo"), five.api.token("admin")
    state.tokens[expired].expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert client.delete("/identity/v3/auth/tokens", headers={
        "X-Auth-Token": revoked, "X-Subject-Token": revoked}).status_code == 204
    last = journal(five)[-1]["seq"]
    for token in (None, "gAAAAAnever-issued", expired, revoked):
        headers = {"X-Auth-Token": token} if token else {}
        assert client.get("/compute/v2.1/servers", headers=headers).status_code == 401
    entries = journal(five, since=last)
    assert [(e["status"], e["why"]) for e in entries] == [
        (401, "no token"), (401, "unknown token"), (401, "expired token"),
        (401, "revoked token")]
    assert "-> 401 (revoked token)" in five.cloud.journal.describe()
    assert all(e["why"] is None for e in journal(five) if e["status"] != 401)
