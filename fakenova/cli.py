"""The ``fakenova`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from fakenova import __version__, client_settings
from fakenova.app import create_app
from fakenova.domain.clock import CLOCK_MODES
from fakenova.domain.identity import DEFAULT_TOKEN_TTL
from fakenova.harness.access import HEADER, check_control_token, is_loopback
from fakenova.harness.fixture_files import FixtureError
from fakenova.harness.journal import DEFAULT_CAP
from fakenova.harness.request_log import RequestLog
from fakenova.harness.scenarios import ScenarioError
from fakenova.serving import FakenovaServer, ServerError

CONTROL_TOKEN_ENV = "FAKENOVA_CONTROL_TOKEN"
_EXAMPLES = """\
examples:
  fakenova serve                          the demo cloud on http://127.0.0.1:8774
  fakenova serve --port 0                 on a free port (the first line says which)
  fakenova serve --fixture my-cloud.yaml  your own servers and volumes instead
  fakenova serve --clock immediate        transitions done before each answer
  fakenova serve --faults flaky-attach    inject the faults of a shipped scenario (or a file)
  fakenova serve --host 0.0.0.0 --control-token TOKEN
                                          reachable from elsewhere (no real security!)
  eval "$(fakenova env)"                  point the openstack CLI at it
  fakenova clouds-yaml > clouds.yaml      or write a clouds.yaml for cloud 'fakenova'
  fakenova journal --follow               every request, as it comes (Ctrl-C stops)
  fakenova state                          servers, attachments, volumes and fault rules
  fakenova routes                         the upstream routes it serves (Markdown)
  fakenova tempest-config --dir tempest   tempest.conf and accounts for upstream tempest
                                          (serve with --fixture demo --fixture tempest)
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with a mistake reported on one line (and where to look)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fakenova", description="A fake OpenStack cloud for testing Nova volume attachments.",
        epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"fakenova {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve", help="serve the fake cloud over HTTP", epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=_port, default=8774, help="port (default: 8774; 0 = any)")
    serve.add_argument("--fixture", action="append", default=[], metavar="FILE",
                       help="YAML or JSON fixture to load (repeatable; default: the demo cloud)")
    serve.add_argument("--faults", metavar="FILE",
                       help="scenario file of fault rules and presets (YAML or JSON)")
    serve.add_argument("--seed", type=int, default=None,
                       help="seed for ids and fault probabilities, so that runs repeat")
    serve.add_argument("--journal-cap", type=_positive, default=DEFAULT_CAP, metavar="N",
                       help=f"requests the journal keeps (default: {DEFAULT_CAP})")
    serve.add_argument("--clock", choices=CLOCK_MODES, default="timed",
                       help="how state transitions advance (default: timed)")
    serve.add_argument("--step", type=_seconds, default=1.0, metavar="SECONDS",
                       help="seconds one transition takes with --clock timed (default: 1)")
    serve.add_argument("--token-ttl", type=_positive, default=DEFAULT_TOKEN_TTL,
                       metavar="SECONDS",
                       help=f"how long a Keystone token is valid (default: {DEFAULT_TOKEN_TTL})")
    serve.add_argument("--control-token", type=_control_token, metavar="TOKEN",
                       default=os.environ.get(CONTROL_TOKEN_ENV) or None,
                       help=f"demand this token in {HEADER} on every /_fakenova request, "
                            f"from any address (default: ${CONTROL_TOKEN_ENV}; without one "
                            "the control API answers loopback callers only)")
    serve.add_argument("-v", "--verbose", action="store_true",
                       help="log every request (method, path, status, microversion, project, "
                            "fault, time taken) and every state transition, on stderr")
    for name, what in (("env", "the OS_* variables, as shell exports"),
                       ("clouds-yaml", "a clouds.yaml document naming the cloud 'fakenova'")):
        command = commands.add_parser(name, help=f"print {what} for a fakenova cloud")
        command.add_argument("--url", default=client_settings.DEFAULT_URL,
                             help=f"where fakenova serves (default: {client_settings.DEFAULT_URL})")
        command.add_argument("--user", choices=sorted(client_settings.DEFAULT_ACCOUNTS),
                             default="demo", help="which default account (default: demo)")
    watch = commands.add_parser(
        "journal", help="print the requests a running fakenova answered, one line each")
    watch.add_argument("--follow", "-f", action="store_true",
                       help="keep printing new requests until interrupted")
    watch.add_argument("--limit", type=_positive, metavar="N",
                       help="the newest N requests only (default: all the journal holds)")
    watch.add_argument("--method", metavar="M", help="only requests of this HTTP method")
    watch.add_argument("--path", metavar="GLOB",
                       help="only requests whose path matches, e.g. '/servers/*/action'")
    state = commands.add_parser(
        "state", help="print a running fakenova's servers, attachments, volumes and rules")
    for command in (watch, state):
        command.add_argument("--url", default=client_settings.DEFAULT_URL,
                             help=f"where fakenova serves (default: {client_settings.DEFAULT_URL})")
        command.add_argument("--control-token", metavar="TOKEN",
                             default=os.environ.get(CONTROL_TOKEN_ENV) or None,
                             help=f"the {HEADER} to send (default: ${CONTROL_TOKEN_ENV})")
    commands.add_parser("routes", help="print the table of upstream routes fakenova serves "
                                       "(Markdown, as the README has it)")
    tempest = commands.add_parser(
        "tempest-config", help="write tempest.conf and the accounts file of its pre-provisioned "
                               "credentials, for a cloud serving the 'tempest' fixture")
    tempest.add_argument("--url", default=client_settings.DEFAULT_URL,
                         help=f"where fakenova serves (default: {client_settings.DEFAULT_URL})")
    tempest.add_argument("--dir", default=".", metavar="DIR",
                         help="where to write them; tempest's locks and log go there too "
                              "(default: the current directory)")
    return parser


def _positive(text: str) -> int:
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0 to 65535; 0 = any free one)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 86400:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0")
    return value


def _control_token(text: str) -> str:
    try:
        return check_control_token(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def exposure_warning(host: str, port: int, control_token: bool) -> str:
    """What ``serve`` says on stderr when it listens beyond loopback."""
    control = ([f"The control API (/_fakenova) demands the {HEADER} header",
                "from every caller, loopback included."] if control_token else
               ["The control API (/_fakenova) answers callers on loopback only;",
                "pass --control-token TOKEN to use it from elsewhere."])
    return "\n  ".join([
        f"fakenova: WARNING: listening on {host}, which is not loopback.",
        f"fakenova is a test double with no real security: anyone who can reach port {port}",
        "can get tokens for admin/admin and demo/demo (their passwords are public), and",
        "read, change and delete every server and volume (/identity, /compute, /volume).",
        *control, "Use it only on a network you trust."])


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        app = create_app(args.fixture or ["demo"], clock=args.clock, step=args.step,
                         scenario=args.faults, seed=args.seed, journal_cap=args.journal_cap,
                         token_ttl=args.token_ttl, control_token=args.control_token)
        server = FakenovaServer(app, args.host, args.port)
    except (FixtureError, ScenarioError, ServerError) as error:
        print(f"fakenova: {error}", file=sys.stderr)
        return 2
    # What the fixtures built lives as long as the server: kept out of the collector's full
    # passes, which would otherwise stop every request for 70 ms at 10,000 servers and volumes.
    gc.freeze()
    if args.verbose:
        app.extensions["fakenova"].log_requests(RequestLog())
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if not is_loopback(args.host):
        print(exposure_warning(args.host, server.port, args.control_token is not None),
              file=sys.stderr, flush=True)
    print(f"fakenova listening on {server.url}", flush=True)
    server.serve_forever()
    return 0


def print_settings(args: argparse.Namespace) -> int:
    username, password = client_settings.DEFAULT_ACCOUNTS[args.user]
    if args.command == "env":
        env = client_settings.os_env(args.url, username, password, username)
        print(client_settings.shell_exports(env), end="")
    else:
        print(client_settings.clouds_yaml(args.url, username, password, username), end="")
    return 0


def write_tempest_config(args: argparse.Namespace) -> int:
    from fakenova import tempest_config

    for path in tempest_config.write(args.url, Path(args.dir)):
        print(path)
    return 0


def print_watch(args: argparse.Namespace) -> int:
    from fakenova import watch

    client = watch.ControlClient(args.url, args.control_token)
    try:
        if args.command == "state":
            print(watch.state_text(client))
            return 0
        for lines in watch.journal_lines(client, limit=args.limit, follow=args.follow,
                                         method=args.method, path=args.path):
            print(lines, flush=True)
    except watch.Unreachable as error:
        print(f"fakenova: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "tempest-config":
        return write_tempest_config(args)
    if args.command in ("journal", "state"):
        return print_watch(args)
    if args.command == "routes":
        from fakenova.http.control.document import document
        from fakenova.openapi import route_table

        print(route_table.markdown(document(create_app(["demo"]))), end="")
        return 0
    return print_settings(args)
