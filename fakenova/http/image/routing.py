"""Glance's routes: one blueprint under devstack's ``/image``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("image", __name__, url_prefix="/image")
