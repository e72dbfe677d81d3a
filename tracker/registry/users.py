"""Review desk users: roles, Argon2id passwords, personal API tokens.

Every change is an audit event written by the Writer in the change's own
transaction. The events carry a user's public state only: a password hash or
a token's hash never reaches the log, which `tracker log` prints to anyone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from tracker.db.models import ApiToken, AppUser
from tracker.registry import Writer
from tracker.values import parse
from tracker.values.errors import InvalidValue, NotFound, TrackerError

# Each role may do what the roles before it may, and more.
ROLES = ("viewer", "editor", "reviewer", "admin")
MIN_PASSWORD = 10
TOKEN_PREFIX = "trk_"

_hasher = PasswordHasher()  # Argon2id with the library's (RFC 9106 low-memory) parameters
# Checked when the name is unknown, so that an unknown user costs what a wrong password does.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def allows(role: str, needed: str) -> bool:
    """Whether `role` may do what `needed` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def public_state(user: AppUser) -> dict[str, Any]:
    """What the audit log and listings show of a user: never the password hash."""
    return {"id": user.id, "name": user.name, "role": user.role, "disabled": user.disabled,
            "session_epoch": user.session_epoch, "created_at": user.created_at}


def _token_state(token: ApiToken) -> dict[str, Any]:
    return {"id": token.id, "user_id": token.user_id, "created_at": token.created_at,
            "revoked_at": token.revoked_at}


def _password(value: str) -> str:
    if len(value) < MIN_PASSWORD:
        raise InvalidValue("password", "*" * len(value),
                           f"needs at least {MIN_PASSWORD} characters")
    parse.check_utf8(value, "password")
    return value


def find_user(session: Session, name: str) -> AppUser:
    """The desk user of that name, or NotFound pointing to `tracker user list`."""
    found = session.exec(select(AppUser).where(AppUser.name == name)).first()
    if found is None:
        raise NotFound(f"user: no user named {name!r} (see `tracker user list`)")
    return found


def _changed(writer: Writer, user: AppUser, label: str, before: dict[str, Any]) -> None:
    writer.session.add(user)
    writer.session.flush()
    writer.event("update", "app_user", user.id, label, before,  # type: ignore[arg-type]
                 public_state(user))


def add_user(writer: Writer, name: str, role: str, password: str) -> AppUser:
    """A new user; the name must be free."""
    cleaned = parse.name(name, "name", limit=200)
    if writer.session.exec(select(AppUser.id).where(AppUser.name == cleaned)).first():
        raise InvalidValue("name", cleaned, "is taken by another user")
    user = AppUser(name=cleaned, role=parse.choice(role, "role", ROLES),
                   password_hash=_hasher.hash(_password(password)), created_at=_now())
    writer.session.add(user)
    writer.session.flush()
    writer.event("create", "app_user", user.id, f"user {cleaned} ({user.role})",  # type: ignore[arg-type]
                 None, public_state(user))
    return user


def set_role(writer: Writer, name: str, role: str) -> bool:
    """Give NAME another role; False when it already has it."""
    user = find_user(writer.session, name)
    choice = parse.choice(role, "role", ROLES)
    if user.role == choice:
        return False
    before = public_state(user)
    user.role = choice
    _changed(writer, user, f"user {name}: role {choice}", before)
    return True


def disable_user(writer: Writer, name: str) -> None:
    """Stop NAME signing in; their sessions and tokens stop working at once."""
    user = find_user(writer.session, name)
    if user.disabled:
        raise TrackerError(f"user {name} is disabled already")
    before = public_state(user)
    user.disabled = True
    user.session_epoch += 1
    _changed(writer, user, f"user {name}: disabled", before)
    _revoke_tokens(writer, user, "user disabled")


def _revoke_tokens(writer: Writer, user: AppUser, why: str) -> None:
    """Revoke every live API token of the user, an event each."""
    for token in writer.session.exec(select(ApiToken).where(ApiToken.user_id == user.id)
                                     .where(col(ApiToken.revoked_at).is_(None))):
        _revoke(writer, token, f"user {user.name}: token #{token.id} revoked ({why})")


def _revoke(writer: Writer, token: ApiToken, label: str) -> None:
    before = _token_state(token)
    token.revoked_at = _now()
    writer.session.add(token)
    writer.session.flush()
    writer.event("update", "api_token", token.id, label, before,  # type: ignore[arg-type]
                 _token_state(token))


def reset_password(writer: Writer, name: str, password: str) -> None:
    """A new password for NAME; the sessions signed in with the old one end, and their API
    tokens are revoked: a reset is what follows a leak, and a token may have leaked too."""
    user = find_user(writer.session, name)
    before = public_state(user)
    user.password_hash = _hasher.hash(_password(password))
    user.session_epoch += 1
    _changed(writer, user, f"user {name}: password reset", before)
    _revoke_tokens(writer, user, "password reset")


def end_sessions(writer: Writer, user_id: int) -> None:
    """End every session of the user (signing out): a cookie signed before, even one copied
    elsewhere, no longer names a session. Kept in the registry, so every worker and every
    restart agree."""
    user = writer.session.get(AppUser, user_id)
    if user is None:
        raise NotFound(f"user: no user #{user_id}")
    before = public_state(user)
    user.session_epoch += 1
    _changed(writer, user, f"user {user.name}: signed out", before)


def _token_digest(token: str) -> str:
    # A token is 256 random bits: a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(writer: Writer, name: str) -> str:
    """A new personal API token for NAME, returned once: only its hash is kept."""
    user = find_user(writer.session, name)
    if user.disabled:
        raise TrackerError(f"user {name} is disabled (`tracker user enable {name}` first)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_digest(token),  # type: ignore[arg-type]
                   created_at=_now())
    writer.session.add(row)
    writer.session.flush()
    writer.event("create", "api_token", row.id, f"user {name}: new API token #{row.id}",  # type: ignore[arg-type]
                 None, _token_state(row))
    return token


def enable_user(writer: Writer, name: str) -> None:
    """Let a disabled user sign in again (their old tokens stay revoked)."""
    user = find_user(writer.session, name)
    if not user.disabled:
        return
    before = public_state(user)
    user.disabled = False
    _changed(writer, user, f"user {name}: enabled", before)


def list_users(session: Session) -> list[dict[str, Any]]:
    """Every user with role, state and the number of live tokens, by name."""
    live = (select(ApiToken.user_id, func.count().label("n"))
            .where(col(ApiToken.revoked_at).is_(None)).group_by(ApiToken.user_id).subquery())
    rows = session.exec(select(AppUser, live.c.n).outerjoin(live, live.c.user_id == AppUser.id)
                        .order_by(AppUser.name)).all()
    return [{"name": u.name, "role": u.role, "disabled": u.disabled, "tokens": n or 0,
             "created_at": u.created_at} for u, n in rows]


def authenticate(session: Session, name: str, password: str) -> AppUser | None:
    """The user whose name and password these are, or None: the same work and the same
    answer whether the name is unknown, disabled or the password wrong."""
    user = session.exec(select(AppUser).where(AppUser.name == name)).first()
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled:
        return None
    return user


def user_by_token(session: Session, token: str) -> AppUser | None:
    """The live user a bearer token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = _token_digest(token)
    found = session.exec(select(ApiToken, AppUser).join(AppUser, AppUser.id == ApiToken.user_id)
                         .where(ApiToken.token_hash == digest)).first()
    if found is None:
        return None
    row, user = found
    # The lookup is by hash; compare again in constant time all the same.
    if not hmac.compare_digest(row.token_hash, digest) or row.revoked_at or user.disabled:
        return None
    return user


def user_for_session(session: Session, user_id: int, epoch: int) -> AppUser | None:
    """The live user a session cookie names, if the session was signed since the last reset."""
    user = session.get(AppUser, user_id)
    if user is None or user.disabled or user.session_epoch != epoch:
        return None
    return user
