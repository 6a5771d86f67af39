"""What a client call costs in-process (``fakenova.mock``'s transport, no socket) against
over a socket (a served fakenova on 127.0.0.1), measured side by side in one run: an
openstacksdk call, a tempest.lib call, and a whole test's worth of openstacksdk requests.

    python -m benchmarks.transport_costs [--rounds N] [--json FILE] [--quick]

The two transports take turns within each round, so that a noisy machine slows them alike;
each figure is the median over the rounds, and each ratio is paired within a round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import openstack
from tempest.lib import auth
from tempest.lib.services.compute.servers_client import ServersClient

from fakenova import create_app
from fakenova.serving import FakenovaServer
from fakenova.testing.handle import Fakenova, LocalBackend
from fakenova.testing.mock import InProcessServer

CALLS = 50  # calls timed in a row, per round


def handles() -> tuple[Fakenova, Fakenova, Callable[[], None]]:
    """A served cloud and an in-process one, each with a server to read."""
    served_app, inprocess_app = create_app(["demo"]), create_app(["demo"])
    server = FakenovaServer(served_app).start()
    inprocess = InProcessServer(inprocess_app, "http://bench.fakenova.test").start()
    found = (Fakenova(LocalBackend(served_app.extensions["fakenova"], server.url)),
             Fakenova(LocalBackend(inprocess_app.extensions["fakenova"], inprocess.url,
                                   in_process=True)))

    def stop() -> None:
        inprocess.stop()
        server.stop()

    return found[0], found[1], stop


def sdk_call(handle: Fakenova) -> Callable[[], float]:
    conn = openstack.connect(**handle.connect_kwargs())
    server = handle.add_server("web")
    conn.compute.get_server(server.id)  # logged in, endpoints found

    def run() -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            conn.compute.get_server(server.id)
        return (time.perf_counter() - started) / CALLS

    return run


def tempest_call(handle: Fakenova) -> Callable[[], float]:
    kwargs = handle.connect_kwargs()
    credentials = auth.KeystoneV3Credentials(
        username=kwargs["username"], password=kwargs["password"],
        project_name=kwargs["project_name"], user_domain_name="Default",
        project_domain_name="Default")
    client = ServersClient(auth.KeystoneV3AuthProvider(credentials,
                                                       f"{kwargs['auth_url']}/v3"),
                           "compute", "RegionOne")
    server = handle.add_server("web")
    client.show_server(server.id)

    def run() -> float:
        started = time.perf_counter()
        for _ in range(CALLS):
            client.show_server(server.id)
        return (time.perf_counter() - started) / CALLS

    return run


def sdk_test(handle: Fakenova) -> Callable[[], float]:
    """A test's worth: log in, then create an attachment, list, show and delete it."""

    def run() -> float:
        started = time.perf_counter()
        server, volume = handle.add_server("vm"), handle.add_volume("data")
        conn = openstack.connect(**handle.connect_kwargs())
        conn.compute.create_volume_attachment(server.id, volume_id=volume.id)
        list(conn.compute.volume_attachments(server.id))
        conn.compute.get_volume_attachment(server.id, volume.id)
        conn.compute.delete_volume_attachment(server.id, volume.id)
        return time.perf_counter() - started

    return run


def measure(rounds: int) -> dict[str, float]:
    socket_handle, inprocess_handle, stop = handles()
    try:
        figures: dict[str, float] = {}
        for name, make in (("openstacksdk call", sdk_call), ("tempest.lib call", tempest_call),
                           ("openstacksdk test (login and 4 requests)", sdk_test)):
            over_socket, in_process = make(socket_handle), make(inprocess_handle)
            pairs = [(over_socket(), in_process()) for _ in range(rounds)]
            figures[f"{name}, socket ms"] = statistics.median(p[0] for p in pairs) * 1000
            figures[f"{name}, in-process ms"] = statistics.median(p[1] for p in pairs) * 1000
            figures[f"{name}, socket/in-process"] = statistics.median(p[0] / p[1]
                                                                      for p in pairs)
        return figures
    finally:
        stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="benchmarks transport", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--quick", action="store_true", help="one round, for a smoke test")
    args = parser.parse_args()
    figures = measure(1 if args.quick else args.rounds)
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:8.3f}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=2)


if __name__ == "__main__":
    main()
