"""URL pieces the services share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import BaseConverter, Rule


class ProjectIdConverter(BaseConverter):
    """A project id segment, as Nova's router and Cinder's ``project_id_regex`` take it:
    hex digits and dashes only."""

    regex = "[0-9a-f-]+"


CONVERTERS = {"project_id": ProjectIdConverter}


class LazyBuildRule(Rule):
    """A werkzeug rule whose URL builders are compiled when first used to build a URL, not
    when the rule is added: werkzeug compiles two builder functions for every rule, which
    was most of a cold start's cost, and fakenova builds few URLs from its ~200 rules."""

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        compiled: Callable[..., tuple[str, str]] | None = None

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            nonlocal compiled
            if compiled is None:
                compiled = Rule._compile_builder(rule, append_unknown).__get__(rule, None)
            return compiled(*args, **kwargs)

        return build
