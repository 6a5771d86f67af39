"""Nova's printable characters: the test its ``name`` format applies to each character, and
the regex character class upstream builds from the same test for its schemas' patterns."""

from __future__ import annotations

import functools
import re
import unicodedata


def is_printable(char: str) -> bool:
    """Upstream's parameter_types._is_printable: no control, format or separator character
    other than a plain space (Zs)."""
    category = unicodedata.category(char)
    return not category.startswith("C") and (not category.startswith("Z") or category == "Zs")


@functools.cache
def printable_class() -> str:
    """The character class of printable characters below U+FFFF, built as upstream's
    parameter_types._build_regex_range builds it (so pattern errors quote the same regex).

    Built from the running Python's Unicode tables, as upstream's is: that is why schema files
    hold the ``<printable>`` placeholder and the loader fills it in, rather than the regex."""
    regex, in_range, last, last_added, char = "", False, "", "", ""
    for char in map(chr, range(0xFFFF)):
        if is_printable(char):
            if not in_range:
                regex += re.escape(char)
                last_added = char
            in_range = True
        else:
            if in_range and last != last_added:
                regex += "-" + re.escape(last)
            in_range = False
        last = char
    if in_range:
        regex += "-" + re.escape(char)
    return regex
