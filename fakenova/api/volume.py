"""Cinder v3: version documents and volumes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("volume", __name__, url_prefix="/volume")
