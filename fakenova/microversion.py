"""Microversions: ``X.Y`` as upstream's microversion_parse reads it, and compute's range."""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from fakenova.errors import InvalidVersion

VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")  # microversion_parse's X.Y


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
