"""URL pieces the services share."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class ProjectIdConverter(BaseConverter):
    """A project id segment, as Nova's router and Cinder's ``project_id_regex`` take it:
    hex digits and dashes only."""

    regex = "[0-9a-f-]+"


CONVERTERS = {"project_id": ProjectIdConverter}
