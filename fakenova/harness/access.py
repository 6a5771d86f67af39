"""Who may use the control API: anyone on loopback, or whoever holds the control token.

With a control token, every ``/_fakenova`` request must carry it in
``X-Fakenova-Control-Token`` (401 otherwise), from any address. Without one, the control
API answers callers on loopback only (403 for the rest). The caller's address is the
socket's peer (``REMOTE_ADDR``); forwarding headers are never trusted. No flask imports:
``fakenova.http.control.guard`` applies these rules to requests, and the command line
checks its options with them.
"""

from __future__ import annotations

import ipaddress
import secrets

from fakenova.errors import FakenovaError, Forbidden

HEADER = "X-Fakenova-Control-Token"
# A browser cannot send the header: the dashboard, opened once as /_fakenova/?token=TOKEN,
# keeps the token in this cookie (HttpOnly, SameSite=Strict, for /_fakenova only).
COOKIE = "fakenova_control_token"
_MISSING = f"The control API needs the {HEADER} header: fakenova was started with a control token."
_WRONG = f"The {HEADER} header does not match the control token fakenova was started with."
_NOT_LOOPBACK = ("The control API answers only callers on loopback, and {address} is not. "
                 f"Start fakenova with --control-token TOKEN and send the token in {HEADER} "
                 "to use it from elsewhere.")


class ControlTokenRequired(FakenovaError):
    """401 in the control API's own error shape (``Unauthorized`` would render Keystone's)."""

    status = 401


def is_loopback(host: str | None) -> bool:
    """Whether an address (or the name ``localhost``) is loopback: 127.0.0.0/8 or ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # a dual-stack socket's view of an IPv4 caller
    return address.is_loopback


def check_control_token(token: str) -> str:
    """A control token must fit in a header as it is: printable ASCII, no spaces."""
    if not token or not all("!" <= char <= "~" for char in token):
        raise ValueError("a control token must be non-empty printable ASCII without spaces")
    return token


class ControlAccess:
    """The control API's rule for one server: its control token, or loopback without one."""

    def __init__(self, control_token: str | None) -> None:
        if control_token is not None:
            check_control_token(control_token)
        self._expected = control_token.encode() if control_token else None

    def check(self, address: str | None, given: str | None) -> None:
        """Raise unless a caller at ``address`` that sent ``given`` in the header may pass."""
        if self._expected is None:
            if not is_loopback(address):
                raise Forbidden(_NOT_LOOPBACK.format(address=address or "unknown"))
            return
        if given is None:
            raise ControlTokenRequired(_MISSING)
        if not secrets.compare_digest(given.encode("utf-8", "replace"), self._expected):
            raise ControlTokenRequired(_WRONG)
