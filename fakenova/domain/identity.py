"""Keystone's part: password authentication, project-scoped tokens, token validation and
revocation."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from typing import Literal, NamedTuple

from ..errors import NotFound, Unauthorized
from .model import Context, Project, Token, User, expand_roles
from .policy import authorize
from .store import State

DEFAULT_ACCOUNTS = (
    # user, password, project, roles
    ("admin", "admin", "admin", ("admin",)),
    ("demo", "demo", "demo", ("member",)),
)
DEFAULT_TOKEN_TTL = 3600  # seconds: Keystone's [token] expiration
_AUTH_FAILED = "The request you have made requires authentication."
# What Keystone (with its default fernet tokens) answers about an X-Subject-Token.
_NO_SUBJECT = "No token in the request"
_UNRECOGNIZED = "Could not recognize Fernet token"
_INVALID = "Failed to validate token"  # expired, revoked, or its user or project is gone

TokenAction = Literal["validate_token", "check_token", "revoke_token"]


class PasswordAuth(NamedTuple):
    """What a password request names; either a name with a domain, or an id, for each."""

    password: str
    user_id: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain: str | None = None


def utcnow() -> datetime:
    """The time tokens are issued and checked at (tests may patch it)."""
    return datetime.now(timezone.utc)


def checked_ttl(seconds: float) -> float:
    """A token lifetime, refused unless it is a positive number of seconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0:
        raise ValueError(f"token_ttl must be a positive number of seconds, not {seconds!r}")
    return seconds


def seed_default_accounts(state: State) -> None:
    for user, password, project, roles in DEFAULT_ACCOUNTS:
        if not any(p.name == project for p in state.projects.values()):
            state.add_project(project)
        if not any(u.name == user for u in state.users.values()):
            state.add_user(user, password, roles={project: list(roles)})


def _domain_matches(domain_id: str, requested: str | None) -> bool:
    return requested is None or requested.lower() == domain_id.lower()


def _find_user(state: State, auth: PasswordAuth) -> User | None:
    if auth.user_id is not None:
        return state.users.get(auth.user_id)
    return next((u for u in state.users.values()
                 if u.name == auth.user_name and _domain_matches(u.domain_id, auth.user_domain)),
                None)


def _find_project(state: State, auth: PasswordAuth) -> Project | None:
    if auth.project_id is not None:
        return state.projects.get(auth.project_id)
    return next((p for p in state.projects.values()
                 if p.name == auth.project_name
                 and _domain_matches(p.domain_id, auth.project_domain)), None)


def _utf8(text: str) -> bytes:
    """compare_digest takes ASCII text only: any password compares as its UTF-8 bytes (a
    lone surrogate from a JSON escape included)."""
    return text.encode("utf-8", "surrogatepass")


def issue_token(state: State, auth: PasswordAuth, ttl: float = DEFAULT_TOKEN_TTL,
                ) -> tuple[Token, User, Project]:
    """A new random token for ``auth``, valid for ``ttl`` seconds."""
    with state.lock:
        user = _find_user(state, auth)
        if user is None or not secrets.compare_digest(_utf8(user.password),
                                                   _utf8(auth.password)):
            raise Unauthorized(_AUTH_FAILED)
        project = _find_project(state, auth)
        if project is None or project.id not in user.roles:
            raise Unauthorized(_AUTH_FAILED)
        issued = utcnow()
        context = Context(user_id=user.id, project_id=project.id,
                          roles=expand_roles(user.roles[project.id]))
        token = Token(id="gAAAAA" + secrets.token_urlsafe(48), context=context,
                      issued_at=issued, expires_at=issued + timedelta(seconds=ttl))
        state.tokens[token.id] = token
        return token, user, project


def validate_token(state: State, token_id: str | None) -> Context:
    """The context a token stands for; Unauthorized if absent, unknown, expired or revoked."""
    if not token_id:
        raise Unauthorized(_AUTH_FAILED, why="no token")
    with state.lock:
        token = state.tokens.get(token_id)
        if token is None:
            raise Unauthorized(_AUTH_FAILED, why="unknown token")
        if token.expires_at <= utcnow():
            why = "revoked token" if token.revoked else "expired token"
            raise Unauthorized(_AUTH_FAILED, why=why)
        return token.context


def _subject(state: State, token_id: str) -> Token:
    """The token an X-Subject-Token names, or Keystone's 404."""
    if not token_id:
        raise NotFound(_NO_SUBJECT)
    token = state.tokens.get(token_id)
    if token is None:
        raise NotFound(_UNRECOGNIZED)
    if (token.expires_at <= utcnow() or token.context.user_id not in state.users
            or token.context.project_id not in state.projects):
        raise NotFound(_INVALID)
    return token


def inspect_token(state: State, caller_id: str | None, subject_id: str | None,
                  action: TokenAction) -> tuple[Token, User, Project]:
    """What ``GET``/``HEAD``/``DELETE /v3/auth/tokens`` may see of the subject token, in
    Keystone's order: the caller's token (401), the subject token if named (404), the policy
    (403), then a subject token that was never named (404)."""
    with state.lock:
        caller = validate_token(state, caller_id)
        subject = None if subject_id is None else _subject(state, subject_id)
        # Keystone's token policies: an admin, a service (validate only), or the token's user
        authorize(caller, f"identity:{action}",
                  target_user_id=None if subject is None else subject.context.user_id)
        if subject is None:
            raise NotFound(_NO_SUBJECT)
        return (subject, state.users[subject.context.user_id],
                state.projects[subject.context.project_id])


def revoke_token(state: State, caller_id: str | None, subject_id: str | None) -> None:
    """Revoke the subject token: from now on it is refused everywhere, as an expired one is
    (Keystone answers the two alike)."""
    with state.lock:
        subject, _, _ = inspect_token(state, caller_id, subject_id, "revoke_token")
        subject.expires_at = min(subject.expires_at, utcnow())
        subject.revoked = True
