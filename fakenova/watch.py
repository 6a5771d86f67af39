"""Watching a running fakenova from a terminal: ``fakenova journal`` (the requests, one line
each, as the pytest report's journal section prints them) and ``fakenova state`` (servers
with their attachments, volumes, the rules in force). Both read the control API over HTTP;
no flask here."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from fakenova.harness.access import HEADER
from fakenova.harness.journal import JournalEntry, describe


class Unreachable(RuntimeError):
    """The control API did not answer."""


class Refused(Unreachable):
    """The control API answered with an error."""


class ControlClient:
    """Calls to a served fakenova's control API (``/_fakenova``), JSON both ways."""

    def __init__(self, url: str, control_token: str | None = None, timeout: float = 30) -> None:
        self.base = url.rstrip("/") + "/_fakenova"
        self.headers = {"Content-Type": "application/json"}
        if control_token:
            self.headers[HEADER] = control_token
        self.timeout = timeout

    def call(self, method: str, route: str, body: Any = None,
             query: dict[str, Any] | None = None) -> Any:
        given = {k: v for k, v in (query or {}).items() if v is not None}
        url = f"{self.base}{route}" + (f"?{urlencode(given)}" if given else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, method=method, data=data, headers=self.headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as error:
            raise Refused(f"{method} {url} answered {error.code}: "
                          f"{error.read().decode(errors='replace').strip()}") from error
        except (urllib.error.URLError, OSError) as error:
            raise Unreachable(f"cannot reach {url} ({getattr(error, 'reason', error)}); "
                              "is fakenova serve running there?") from error
        return json.loads(raw) if raw else None

    def get(self, route: str, **query: Any) -> Any:
        return self.call("GET", route, query=query)

    def requests(self, **query: Any) -> list[JournalEntry]:
        return [JournalEntry.from_json(e) for e in self.get("/requests", **query)["requests"]]


def journal_lines(client: ControlClient, limit: int | None = None, follow: bool = False,
                  interval: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                  **criteria: Any) -> Iterator[str]:
    """The newest ``limit`` requests (all, without it), a line each; with ``follow``, then
    every new one as it comes, until the caller stops iterating."""
    entries = client.requests(limit=limit, **criteria)
    if entries:
        yield describe(entries)
    if not follow:
        return
    last = entries[-1].seq if entries else _newest_seq(client)
    while True:
        sleep(interval)
        entries = client.requests(since=last, **criteria)
        if entries:
            last = entries[-1].seq
            yield describe(entries)


def _newest_seq(client: ControlClient) -> int:
    newest = client.requests(limit=1)
    return newest[-1].seq if newest else 0


def state_text(client: ControlClient) -> str:
    """Servers with their attachments, volumes with their status, and the fault rules."""
    state, faults = client.get("/state"), client.get("/faults")["faults"]
    names = {v["id"]: v["name"] or v["id"] for v in state["volumes"]}
    lines = [f"servers ({len(state['servers'])})"]
    for server in state["servers"]:
        flags = [f"task {server['task_state']}"] if server["task_state"] else []
        flags += ["locked"] if server["locked"] else []
        lines.append(f"  {server['name']}  {server['id']}  {server['status']}"
                     + (f"  ({', '.join(flags)})" if flags else ""))
        for bdm in server["bdms"]:
            if bdm["volume_id"]:
                extra = (f"  tag={bdm['tag']}" if bdm["tag"] else "") + (
                    "  delete_on_termination" if bdm["delete_on_termination"] else "")
                lines.append(f"      {bdm['device_name'] or '(no device yet)'}  "
                             f"{names.get(bdm['volume_id'], bdm['volume_id'])}{extra}")
    lines.append(f"volumes ({len(state['volumes'])})")
    for volume in state["volumes"]:
        lines.append(f"  {volume['name'] or '-'}  {volume['id']}  {volume['status']}  "
                     f"{volume['size']} GiB" + ("  multiattach" if volume["multiattach"] else ""))
    lines.append(f"fault rules ({len(faults)})")
    for rule in faults:
        what = (f"{rule.get('status', rule.get('action'))} {rule.get('method') or '*'} "
                f"{rule.get('path') or '*'}")
        lines.append(f"  {rule['id']}  {rule.get('name') or 'rule'}  {what}  "
                     f"seen {rule['seen']}, fired {rule['fired']}")
    return "\n".join(lines)
