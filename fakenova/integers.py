"""Reading integers from request text as upstream does, without the 500s Python would give.

Python refuses to read a decimal string of more than 4,300 digits
(``sys.get_int_max_str_digits``) with a ValueError; every such string is answered as any other
value that is not an integer.
"""

from __future__ import annotations

from fakenova.errors import BadRequest


def parse_int(value: object) -> int | None:
    """``int(value)`` for an int or a decimal string; None when it cannot be read as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None


def require_int(value: object, name: str) -> int:
    """The integer ``value`` names, or 400 in oslo's ``strutils.validate_integer`` words."""
    number = parse_int(value)
    if number is None:
        raise BadRequest(f"{name} must be an integer")
    return number
