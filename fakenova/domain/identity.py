"""Keystone's part: password authentication, project-scoped tokens, token validation."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..errors import Unauthorized
from .model import Context, Project, Token, User, expand_roles
from .state import State

DEFAULT_ACCOUNTS = (
    # user, password, project, roles
    ("admin", "admin", "admin", ("admin",)),
    ("demo", "demo", "demo", ("member",)),
)
TOKEN_LIFETIME = timedelta(hours=1)
_AUTH_FAILED = "The request you have made requires authentication."


@dataclass(frozen=True)
class PasswordAuth:
    """What a password request names; either a name with a domain, or an id, for each."""

    password: str
    user_id: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    project_domain: str | None = None


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


def issue_token(state: State, auth: PasswordAuth) -> tuple[Token, User, Project]:
    with state.lock:
        user = _find_user(state, auth)
        if user is None or not secrets.compare_digest(user.password, auth.password):
            raise Unauthorized(_AUTH_FAILED)
        project = _find_project(state, auth)
        if project is None or project.id not in user.roles:
            raise Unauthorized(_AUTH_FAILED)
        issued = datetime.now(timezone.utc)
        context = Context(user_id=user.id, project_id=project.id,
                          roles=expand_roles(user.roles[project.id]))
        token = Token(id="gAAAAA" + secrets.token_urlsafe(48), context=context,
                      issued_at=issued, expires_at=issued + TOKEN_LIFETIME)
        state.tokens[token.id] = token
        return token, user, project


def validate_token(state: State, token_id: str | None) -> Context:
    """The context a token stands for; Unauthorized if absent, unknown or expired."""
    if not token_id:
        raise Unauthorized(_AUTH_FAILED)
    with state.lock:
        token = state.tokens.get(token_id)
        if token is None or token.expires_at <= datetime.now(timezone.utc):
            raise Unauthorized(_AUTH_FAILED)
        return token.context
