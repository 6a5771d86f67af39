"""Where a request's time goes inside the app: each operation called straight through WSGI
(no server, no socket), timed against a bare Flask route, and profiled on request.

    python -m benchmarks.profile_requests [--profile list|show|cycle] [--top N]

Without a server the figures are smaller than over HTTP (no connection, no thread), but
they move with every change to fakenova's own code, which is what profiling is for.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response

from fakenova import create_app

from .fixture_costs import populated_fixture

SERVER = "00000000-0000-4000-8000-000000000000"
ATTACHED = "10000000-0000-4000-8000-000000000000"
FREE = "10000000-0000-4000-8000-000000000001"
PATH = f"/compute/v2.1/servers/{SERVER}/os-volume_attachments"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    _start_response.status = status  # type: ignore[attr-defined]


def call(app: WSGIApp, method: str, path: str, headers: dict[str, str],
         body: bytes = b"") -> None:
    """One request through ``app``, as werkzeug's server would hand it over."""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8774", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8774",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
               "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
               **{f"HTTP_{name.upper().replace('-', '_')}": value
                  for name, value in headers.items() if name != "Content-Type"},
               "CONTENT_TYPE": headers.get("Content-Type", "")}
    answer = app(environ, _start_response)
    b"".join(answer)
    getattr(answer, "close", lambda: None)()
    status: str = _start_response.status  # type: ignore[attr-defined]
    if not status.startswith("2"):
        raise RuntimeError(f"{method} {path} answered {status}")


def operations() -> dict[str, Callable[[], None]]:
    """The benchmark's operations on a cloud of 10 servers and volumes, and the floor."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fixture:
        json.dump(populated_fixture(10), fixture)
    app = create_app([fixture.name])
    token = app.test_client().post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}
    ).headers["X-Subject-Token"]
    headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.89",
               "Content-Type": "application/json"}
    listing = app.test_client().get(PATH, headers=headers).data
    floor = Flask("floor")
    floor.add_url_rule("/<path:anything>", "answer",
                       lambda anything: Response(listing, content_type="application/json"))
    attach = json.dumps({"volumeAttachment": {"volumeId": FREE}}).encode()

    def cycle() -> None:
        call(app, "POST", PATH, headers, attach)
        call(app, "DELETE", f"{PATH}/{FREE}", headers)

    return {
        "bare Flask": lambda: call(floor, "GET", PATH, headers),
        "list": lambda: call(app, "GET", PATH, headers),
        "show": lambda: call(app, "GET", f"{PATH}/{ATTACHED}", headers),
        "cycle": cycle,
    }


def best_microseconds(operation: Callable[[], None], number: int, repeat: int) -> float:
    """The fastest of ``repeat`` runs: what the code costs when the machine is not busy."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            operation()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def main() -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("list", "show", "cycle"))
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--number", type=int, default=2000)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    ops = operations()
    if args.profile:
        operation = ops[args.profile]
        for _ in range(200):
            operation()
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [operation() for _ in range(args.number)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)
        return {}
    results = {name: best_microseconds(op, args.number // (2 if name == "cycle" else 1), 7)
               for name, op in ops.items()}
    floor = results["bare Flask"]
    print(f"{'in the app, no server':<22}{'µs':>8}{'/ bare Flask':>14}")
    for name, micros in results.items():
        print(f"{name:<22}{micros:>8.1f}{micros / floor:>14.2f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({name: {"microseconds": round(micros, 1),
                              "over_bare_flask": round(micros / floor, 2)}
                       for name, micros in results.items()}, out, indent=2)
    return results


if __name__ == "__main__":
    main()
