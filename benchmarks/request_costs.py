"""What a request costs: fakenova against the floor it stands on, in one interleaved run.

    python -m benchmarks.request_costs [--seconds S] [--rounds R] [--json FILE]

Targets, each a server process pinned to the first core: fakenova (immediate clock) with
10, 1,000 and 10,000 servers and volumes, a bare Flask route returning the same JSON from
the same werkzeug server, a bare werkzeug WSGI app, and moto's EC2 server when moto is
installed. Load comes from four client processes pinned to the other core, each with a
connection kept alive as long as the server allows (werkzeug's closes it after every answer,
so each request comes on a new one, as it does for wrk). Every round gives each target a
short window in turn, so that a noisy machine affects them alike; rates are medians over
rounds, ratios are taken within each round, and latency percentiles pool all rounds.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any
from urllib.parse import urlencode

from .fixture_costs import populated_fixture

CLIENTS = 4
FLOOR_APPS = '''
import sys
from flask import Flask, Response
from werkzeug.serving import make_server, WSGIRequestHandler

class Quiet(WSGIRequestHandler):
    def log_request(self, *args): pass

body = open(sys.argv[2], "rb").read()
if sys.argv[1] == "flask":
    app = Flask("floor")
    @app.get("/<path:anything>")
    def answer(anything):
        return Response(body, content_type="application/json")
else:
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(body)))])
        return [body]
server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
print(f"listening on http://127.0.0.1:{server.port}", flush=True)
server.serve_forever()
'''


def _pin(core: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {core})


def start_server(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                               preexec_fn=lambda: _pin(0))
    assert process.stdout is not None
    url = process.stdout.readline().split()[-1]
    return process, url.removeprefix("http://")


Request = tuple[str, str, bytes | None]


def _wire(address: str, request: Request, headers: dict[str, str]) -> bytes:
    method, path, body = request
    lines = [f"{method} {path} HTTP/1.1", f"Host: {address}",
             *(f"{name}: {value}" for name, value in headers.items())]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")


def _answer(reader: Any) -> tuple[int, bool]:
    """Read one answer off the connection: its status, and whether the server closes it."""
    status = int(reader.readline().split(b" ", 2)[1])
    length, closing = 0, False
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            closing = value.strip().lower() == b"close"
    reader.read(length)
    return status, closing


class _Connection:
    """A client connection that sends prepared bytes and reads only what it must, so that
    the load generator's own cost (http.client's header parsing) stays out of the figures.
    Like wrk, it keeps the connection alive as long as the server does: werkzeug's server
    closes it after every answer, so each request there comes on a new one."""

    def __init__(self, address: str) -> None:
        host, port = address.split(":")
        self.where = (host, int(port))
        self.socket: socket.socket | None = None
        self.reader: Any = None

    def exchange(self, wire: bytes) -> int:
        if self.socket is None:
            self.socket = socket.create_connection(self.where)
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.reader = self.socket.makefile("rb")
        self.socket.sendall(wire)
        status, closing = _answer(self.reader)
        if closing:
            self.close()
        return status

    def close(self) -> None:
        if self.socket is not None:
            self.reader.close()
            self.socket.close()
            self.socket = None


def _client(address: str, requests: list[Request], headers: dict[str, str],
            seconds: float, out: Any) -> None:
    _pin(1)
    connection = _Connection(address)
    wires = [_wire(address, request, headers) for request in requests]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        for wire in wires:
            errors += connection.exchange(wire) >= 400
        latencies.append(time.perf_counter() - start)
    connection.close()
    out.put((latencies, errors))


def cpu_seconds(pid: int) -> float | None:
    """CPU time a process has used (user and system), where /proc tells it."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(address: str, requests: list[Request] | list[list[Request]], headers: dict[str, str],
         seconds: float, pid: int | None = None) -> dict[str, Any]:
    """Cycles per second over CLIENTS connections, with p50/p99 latency, and the server's
    CPU time per cycle; ``requests`` is one cycle for all clients, or one per client."""
    per_client = (requests if requests and isinstance(requests[0], list)
                  else [requests] * CLIENTS)
    queue: Any = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=_client,
                                       args=(address, mine, headers, seconds, queue))
               for mine in per_client]
    cpu_before = cpu_seconds(pid) if pid else None
    for worker in workers:
        worker.start()
    results = [queue.get() for _ in workers]
    cpu_after = cpu_seconds(pid) if pid else None
    for worker in workers:
        worker.join()
    latencies = sorted(lat for lats, _ in results for lat in lats)
    measured: dict[str, Any] = {"per_second": len(latencies) / seconds,
                                "latencies": latencies,
                                "errors": float(sum(errors for _, errors in results))}
    if cpu_before is not None and cpu_after is not None:
        measured["cpu_ms"] = (cpu_after - cpu_before) / len(latencies) * 1000
    return measured


MOTO_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded",
    # moto reads the region from the credential scope and checks no signature
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/"
                     "aws4_request, SignedHeaders=host, Signature=0",
}


def _ec2(address: str, action: str, **params: str) -> str:
    connection = http.client.HTTPConnection(*address.split(":"))
    body = urlencode({"Action": action, "Version": "2016-11-15", **params})
    connection.request("POST", "/", body=body, headers=MOTO_HEADERS)
    return connection.getresponse().read().decode()


def start_moto(processes: list[subprocess.Popen[str]],
               ) -> tuple[str, list[Request], list[list[Request]]] | None:
    """moto's server mode with an instance and a volume per client, or None without moto."""
    server = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if server is None:
        print("moto is not installed (pip install 'moto[server,ec2]'): not compared")
        return None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                               preexec_fn=lambda: _pin(0))
    processes.append(process)
    address = f"127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        time.sleep(0.1)
    image = re.findall(r"<imageId>(ami-\w+)</imageId>", _ec2(address, "DescribeImages"))[0]
    cycles = []
    for _ in range(CLIENTS):
        instance = re.findall(r"<instanceId>(i-\w+)</instanceId>", _ec2(
            address, "RunInstances", ImageId=image, MinCount="1", MaxCount="1",
            InstanceType="t2.micro"))[0]
        volume = re.findall(r"<volumeId>(vol-\w+)</volumeId>", _ec2(
            address, "CreateVolume", Size="1", AvailabilityZone="us-east-1a"))[0]
        where = {"VolumeId": volume, "InstanceId": instance, "Device": "/dev/sdh"}
        cycles.append([
            ("POST", "/", urlencode({"Action": "AttachVolume", "Version": "2016-11-15",
                                     **where}).encode()),
            ("POST", "/", urlencode({"Action": "DetachVolume", "Version": "2016-11-15",
                                     **where}).encode())])
    describe: list[Request] = [("POST", "/", b"Action=DescribeVolumes&Version=2016-11-15")]
    return address, describe, cycles


def token_for(address: str) -> str:
    connection = http.client.HTTPConnection(*address.split(":"))
    connection.request("POST", "/identity/v3/auth/tokens", body=json.dumps({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": "admin"}}},
        "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}),
        headers={"Content-Type": "application/json"})
    return connection.getresponse().getheader("X-Subject-Token") or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="per target and round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    processes: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        fakenova: dict[int, str] = {}
        for size in (10, 1000, 10000):
            path = f"{tmp}/state-{size}.json"
            with open(path, "w") as out:
                json.dump(populated_fixture(size), out)
            process, address = start_server([sys.executable, "-m", "fakenova", "serve",
                                             "--port", "0", "--clock", "immediate",
                                             "--fixture", path])
            processes.append(process)
            fakenova[size] = address
        server = "00000000-0000-4000-8000-000000000000"   # vm-0, attached to vol-0
        free = [f"10000000-0000-4000-8000-{2 * n + 1:012d}" for n in range(CLIENTS)]
        path = f"/compute/v2.1/servers/{server}/os-volume_attachments"
        token = token_for(fakenova[10])
        headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.89",
                   "Content-Type": "application/json"}
        answer_file = f"{tmp}/answer.json"
        connection = http.client.HTTPConnection(*fakenova[10].split(":"))
        connection.request("GET", path, headers=headers)
        with open(answer_file, "wb") as out:
            out.write(connection.getresponse().read())
        pids: dict[str, int] = {address: process.pid for process, address in
                                zip(processes, fakenova.values(), strict=True)}
        floors = {}
        for kind in ("flask", "werkzeug"):
            process, address = start_server([sys.executable, "-c", FLOOR_APPS, kind,
                                             answer_file])
            processes.append(process)
            floors[kind] = address
            pids[address] = process.pid
        show = [("GET", f"{path}/10000000-0000-4000-8000-000000000000", None)]
        listing = [("GET", path, None)]
        # each client attaches and detaches a free volume of its own
        cycle = [[("POST", path, json.dumps({"volumeAttachment": {"volumeId": volume}})
                   .encode()), ("DELETE", f"{path}/{volume}", None)] for volume in free]
        Target = tuple[str, str, "list[Request] | list[list[Request]]", dict[str, str]]
        targets: list[Target] = [("werkzeug", floors["werkzeug"], listing, headers),
                                 ("flask", floors["flask"], listing, headers)]
        moto = start_moto(processes)
        if moto is not None:
            address, describe, moto_cycle = moto
            pids[address] = processes[-1].pid
            targets += [("moto describe", address, describe, MOTO_HEADERS),
                        ("moto attach+detach", address, moto_cycle, MOTO_HEADERS)]
        for size, address in fakenova.items():
            own = {**headers, "X-Auth-Token": token_for(address)}
            targets += [(f"list[{size}]", address, listing, own),
                        (f"show[{size}]", address, show, own),
                        (f"attach+detach[{size}]", address, cycle, own)]
        rounds: list[dict[str, dict[str, Any]]] = []
        try:
            for number in range(args.rounds):
                # short windows, every target in each round: what a noisy neighbour does
                # to one target in a round, it does to the others too
                rounds.append({name: load(address, requests, sent, args.seconds,
                                          pids.get(address))
                               for name, address, requests, sent in targets})
                print(f"round {number + 1} of {args.rounds}", file=sys.stderr, flush=True)
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    report(rounds, args.json)


def report(rounds: list[dict[str, dict[str, Any]]], json_file: str | None) -> None:
    def median(name: str, key: str) -> float:
        return statistics.median(r[name][key] for r in rounds if key in r[name])

    def percentile_ms(name: str, fraction: float) -> float:
        """Over every cycle of every round: a round's few slowest cycles say little."""
        pooled = sorted(latency for r in rounds for latency in r[name]["latencies"])
        return pooled[min(len(pooled) - 1, int(len(pooled) * fraction))] * 1000

    def ratio(upper: str, lower: str) -> float:
        """How many times ``upper`` costs what ``lower`` does, paired within each round."""
        return statistics.median(r[lower]["per_second"] / r[upper]["per_second"]
                                 for r in rounds)

    measured = {name: {"per_second": round(median(name, "per_second"), 1),
                       "p50_ms": round(percentile_ms(name, 0.5), 3),
                       "p99_over_p50": round(percentile_ms(name, 0.99)
                                             / percentile_ms(name, 0.5), 2),
                       "server_cpu_ms": (round(median(name, "cpu_ms"), 3)
                                         if "cpu_ms" in rounds[0][name] else None),
                       "errors": sum(r[name]["errors"] for r in rounds)}
                for name in rounds[0]}
    ratios: dict[str, tuple[float, str]] = {
        "list cost / bare Flask": (ratio("list[10]", "flask"), "<= 1.3"),
        "show cost / bare Flask": (ratio("show[10]", "flask"), "<= 1.3"),
        "attach+detach cycle / one bare Flask request": (
            ratio("attach+detach[10]", "flask"), "<= 2.5"),
        "bare Flask cost / bare werkzeug": (ratio("flask", "werkzeug"), ""),
    }
    if "moto describe" in rounds[0]:
        ratios["fakenova list speed / moto DescribeVolumes"] = (
            1 / ratio("list[10]", "moto describe"), ">= 4")
        ratios["fakenova attach+detach speed / moto's"] = (
            1 / ratio("attach+detach[10]", "moto attach+detach"), ">= 4")
    for op, limit in (("list", "1.10"), ("show", "1.10"), ("attach+detach", "1.15")):
        ratios[f"{op} cost at 10000 / at 10"] = (
            ratio(f"{op}[10000]", f"{op}[10]"), f"<= {limit}")

    print(f"{len(rounds)} rounds; medians over rounds (a cycle counts once)")
    print(f"{'target':<22}{'per s':>9}{'p50 ms':>9}{'p99/p50':>9}{'CPU ms':>9}{'errors':>8}")
    for name, row in measured.items():
        cpu = f"{row['server_cpu_ms']:.3f}" if row["server_cpu_ms"] is not None else "-"
        print(f"{name:<22}{row['per_second']:>9.1f}{row['p50_ms']:>9.3f}"
              f"{row['p99_over_p50']:>9.2f}{cpu:>9}{row['errors']:>8.0f}")
    width = max(map(len, ratios))
    print(f"\n{'ratio':<{width}}  {'measured':>8}  target")
    for name, (value, target) in ratios.items():
        print(f"{name:<{width}}  {value:>8.2f}  {target}")
    if json_file:
        with open(json_file, "w") as out:
            json.dump({"targets": measured,
                       "ratios": {name: {"measured": round(value, 3), "target": target}
                                  for name, (value, target) in ratios.items()}},
                      out, indent=2)


if __name__ == "__main__":
    main()
