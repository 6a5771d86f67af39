"""Compute microversions: parsing the request headers as upstream's microversion_parse does."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from fakenova.errors import InvalidVersion, VersionNotSupported

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


class APIVersion(NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        major, minor = text.split(".")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = APIVersion(2, 1)
MAX_VERSION = APIVersion(2, 104)


def parse_version(text: str) -> APIVersion:
    """An X.Y the pattern accepted; one whose numbers Python cannot read (thousands of
    digits) is as invalid as one of another form."""
    try:
        return APIVersion.parse(text)
    except ValueError:
        raise InvalidVersion(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        ) from None


@functools.cache
def v(text: str) -> APIVersion:
    """Shorthand for gates in code: ``version >= v("2.89")``."""
    return APIVersion.parse(text)


def _requested_text(openstack_api_version: str | None, legacy_header: str | None) -> str | None:
    if openstack_api_version:
        chosen = None
        for entry in openstack_api_version.split(","):
            parts = entry.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == "compute":
                chosen = parts[1].strip()
        if chosen is not None:
            return chosen
    if legacy_header and legacy_header.strip():
        return legacy_header.split(",")[-1].strip()
    return None


@functools.lru_cache(maxsize=256)  # clients send the same few headers over and over
def compute_version(openstack_api_version: str | None, legacy_header: str | None) -> APIVersion:
    """The compute microversion a request asks for; no header means the minimum."""
    text = _requested_text(openstack_api_version, legacy_header)
    if text is None:
        return MIN_VERSION
    if text == "latest":
        return MAX_VERSION
    if not _VERSION_RE.match(text):
        raise InvalidVersion(
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        )
    version = parse_version(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise VersionNotSupported(
            f"Version {version} is not supported by the API. "
            f"Minimum is {MIN_VERSION} and maximum is {MAX_VERSION}.",
            requested=str(version),
        )
    return version
