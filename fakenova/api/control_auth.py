"""Who may use the control API: anyone on loopback, or whoever holds the control token."""

from __future__ import annotations

from flask import Flask


def register(app: Flask, control_token: str | None) -> None:
    """Nothing to enforce yet."""
