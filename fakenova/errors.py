"""Errors raised by the domain and the API layer.

Each error carries an HTTP status and a message only; how it is rendered (Nova's
``{"itemNotFound": {...}}``, Keystone's ``{"error": {...}}``) is decided in one place,
``fakenova.http.error_bodies``. No flask or werkzeug imports here.
"""

from __future__ import annotations


class FakenovaError(Exception):
    """Base of every error fakenova answers with a fault body."""

    status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(FakenovaError):
    status = 400


class Unauthorized(FakenovaError):
    status = 401

    def __init__(self, message: str, why: str | None = None) -> None:
        super().__init__(message)
        self.why = why  # for the journal: "no token", "unknown token", ... (never answered)


class Forbidden(FakenovaError):
    status = 403


class NotFound(FakenovaError):
    status = 404


class NotAcceptable(FakenovaError):
    status = 406


class Conflict(FakenovaError):
    status = 409


class RequestEntityTooLarge(FakenovaError):
    status = 413


class UnsupportedMediaType(FakenovaError):
    status = 415


class InvalidVersion(BadRequest):
    """A microversion header that is not of the form X.Y (answered without version headers)."""


class VersionNotSupported(NotAcceptable):
    """A well-formed microversion outside the served range; the answer echoes it."""

    def __init__(self, message: str, requested: str) -> None:
        super().__init__(message)
        self.requested = requested
