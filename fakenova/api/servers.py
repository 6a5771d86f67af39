"""Nova servers and flavors, the subset clients use around attachments."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("servers", __name__)
