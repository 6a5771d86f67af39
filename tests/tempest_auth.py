"""tempest.lib clients against a fakenova cloud: credentials from the ``fakenova`` fixture's
handle, and tempest's compute microversion (a module global) set for a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tempest.lib import auth
from tempest.lib.services.compute import base_compute_client

from fakenova.testing.handle import Fakenova


def provider(fakenova: Fakenova) -> auth.KeystoneV3AuthProvider:
    """The test's own member user, scoped to its project."""
    connect = fakenova.connect_kwargs()
    credentials = auth.KeystoneV3Credentials(
        username=connect["username"], password=connect["password"],
        project_name=connect["project_name"], user_domain_name="Default",
        project_domain_name="Default")
    return auth.KeystoneV3AuthProvider(credentials, f"{connect['auth_url']}/v3")


@contextmanager
def compute_microversion(version: str | None) -> Iterator[None]:
    before = base_compute_client.COMPUTE_MICROVERSION
    base_compute_client.COMPUTE_MICROVERSION = version
    try:
        yield
    finally:
        base_compute_client.COMPUTE_MICROVERSION = before
