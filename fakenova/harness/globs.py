"""Path globs for fault rules and journal filters: ``*`` stays within one path segment,
``**`` crosses segments, ``?`` is one character of a segment.

A glob is matched by walking the set of path positions each of its parts can reach, in time
proportional to the glob's length times the path's, whatever the glob: a regular expression
of many stars would backtrack for seconds on a path it does not match.
"""

from __future__ import annotations

import functools
import re

_TOKENS = re.compile(r"\*\*|\*|\?|[^*?]+")


@functools.lru_cache(maxsize=1024)
def _tokens(pattern: str) -> tuple[str, ...]:
    return tuple(_TOKENS.findall(pattern))


def glob_match(pattern: str, path: str) -> bool:
    reachable = {0}
    end = len(path)
    for token in _tokens(pattern):
        after: set[int] = set()
        if token == "**":
            after.update(range(min(reachable), end + 1))
        elif token == "*":
            for start in sorted(reachable):
                position = start
                while position not in after:
                    after.add(position)
                    if position == end or path[position] == "/":
                        break
                    position += 1
        elif token == "?":
            after = {p + 1 for p in reachable if p < end and path[p] != "/"}
        else:
            after = {p + len(token) for p in reachable if path.startswith(token, p)}
        if not after:
            return False
        reachable = after
    return end in reachable
