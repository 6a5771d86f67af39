"""Numbers and booleans read from request text as upstream reads them, with oslo.utils'
``strutils`` (``validate_integer``, ``bool_from_string``).

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


TRUE_STRINGS = ("1", "t", "true", "on", "y", "yes")
FALSE_STRINGS = ("0", "f", "false", "off", "n", "no")


def bool_from_string(value: object, strict: bool = False) -> bool:
    """True for one of TRUE_STRINGS (any case, spaces around); with ``strict``, anything
    that is in neither table is a 400, worded as Nova words InvalidInput."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_STRINGS:
        return True
    if strict and text not in FALSE_STRINGS:
        acceptable = ", ".join(f"'{s}'" for s in sorted(TRUE_STRINGS + FALSE_STRINGS))
        raise BadRequest(f"Invalid input received: Unrecognized value '{value}', acceptable "
                         f"values are: {acceptable}")
    return False
