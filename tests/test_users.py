"""`tracker user`: review desk users, their roles, passwords and API tokens, each change an
audit event that never holds a secret."""

from __future__ import annotations

import json
from pathlib import Path

from web_support import PASSWORD

from conftest import Tracker
from tracker.registry import Registry
from tracker.registry.users import authenticate, user_by_token


def _add(tracker: Tracker, name: str, role: str, *, expect: int = 0, password: str = PASSWORD):
    return tracker(f"user add {name} --role {role} --password-stdin", input=password + "\n",
                   expect=expect)


def _session(tracker: Tracker):  # type: ignore[no-untyped-def]
    from tracker.db import resolve_url

    return Registry(resolve_url(tracker.db))


def test_users_are_added_listed_and_audited_without_secrets(tracker: Tracker) -> None:
    _add(tracker, "ana", "reviewer")
    _add(tracker, "bo", "viewer")
    listed = json.loads(tracker("user list --json").stdout)
    assert [(u["name"], u["role"], u["disabled"], u["tokens"]) for u in listed] == \
        [("ana", "reviewer", False, 0), ("bo", "viewer", False, 0)]
    secret = tracker("user token ana").stdout.strip()
    assert secret.startswith("trk_") and len(secret) > 40
    tracker("user set-role bo editor")
    tracker("user reset-password bo --password-stdin", input="a new long password\n")
    tracker("user disable ana")
    log = tracker("log --json").stdout
    events = [e for e in json.loads(log) if e["entity"] in ("app_user", "api_token")]
    assert [e["label"] for e in events] == [
        "user ana (reviewer)", "user bo (viewer)", "user ana: new API token #1",
        "user bo: role editor", "user bo: password reset", "user ana: disabled",
        "user ana: token #1 revoked (user disabled)"]
    assert all(e["actor"] == "tester" for e in events)
    assert len(json.loads(tracker("log --entity app_user --json").stdout)) == 5
    # Neither a password, nor its hash, nor a token or its hash is in the log.
    assert PASSWORD not in log and "argon2" not in log and secret not in log
    assert "token_hash" not in log and "password_hash" not in log
    tracker("verify")


def test_passwords_are_argon2id_and_tokens_stored_hashed(tracker: Tracker) -> None:
    _add(tracker, "ana", "admin")
    secret = tracker("user token ana").stdout.strip()
    registry = _session(tracker)
    try:
        with registry.reading() as session:
            from sqlmodel import select

            from tracker.db.models import ApiToken, AppUser

            user = session.exec(select(AppUser)).one()
            assert user.password_hash.startswith("$argon2id$")
            stored = session.exec(select(ApiToken.token_hash)).one()
            assert stored != secret and secret not in stored
            assert authenticate(session, "ana", PASSWORD).name == "ana"  # type: ignore[union-attr]
            assert authenticate(session, "ana", "wrong password") is None
            assert authenticate(session, "nobody", PASSWORD) is None
            assert user_by_token(session, secret).name == "ana"  # type: ignore[union-attr]
            assert user_by_token(session, secret[:-1] + "x") is None
    finally:
        registry.close()


def test_bad_user_input_is_one_line_and_changes_nothing(sqlite_tracker: Tracker) -> None:
    _add(sqlite_tracker, "ana", "admin")
    before = sqlite_tracker.digest()
    cases = [
        (lambda: _add(sqlite_tracker, "bo", "superuser", expect=1), "role"),
        (lambda: _add(sqlite_tracker, "ana", "viewer", expect=1), "taken"),
        (lambda: _add(sqlite_tracker, "cy", "viewer", expect=1, password="short"), "password"),
        (lambda: sqlite_tracker("user disable nobody", expect=1), "nobody"),
        (lambda: sqlite_tracker("user set-role ana wizard", expect=1), "wizard"),
        (lambda: sqlite_tracker("user token nobody", expect=1), "nobody"),
    ]
    for run, named in cases:
        result = run()
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
        assert named in lines[0]
        assert "Traceback" not in result.output
    assert sqlite_tracker.digest() == before


def test_a_password_is_never_taken_from_a_pipe_unasked(sqlite_tracker: Tracker) -> None:
    result = sqlite_tracker("user add ana --role admin", input=PASSWORD + "\n", expect=2)
    assert "--password-stdin" in result.stderr


def test_serve_warns_off_loopback_without_tls(sqlite_tracker: Tracker) -> None:
    """Listening beyond loopback without TLS names the reverse-proxy setup; several workers
    need PostgreSQL."""
    import subprocess
    import sys

    from web_support import free_port

    port = free_port()
    # From the registry's folder, not the repository's: there `tracker/` would shadow the
    # installed package, as for any script run from a checkout.
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", sqlite_tracker.db,
                             "serve", "--host", "0.0.0.0", "--port", str(port)],
                            stderr=subprocess.PIPE, text=True,
                            cwd=Path(sqlite_tracker.db).parent)
    try:
        first = proc.stderr.readline()  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert first.startswith("warning: serving on 0.0.0.0 without TLS")
    assert "reverse proxy with TLS" in first and "Review desk" in first
    result = sqlite_tracker("serve --workers 2", expect=2)
    assert "PostgreSQL" in result.stderr


def test_a_password_reset_revokes_the_users_tokens(sqlite_tracker: Tracker) -> None:
    _add(sqlite_tracker, "ana", "editor")
    _add(sqlite_tracker, "bo", "editor")
    secrets = [sqlite_tracker("user token ana").stdout.strip() for _ in range(2)]
    others = sqlite_tracker("user token bo").stdout.strip()
    sqlite_tracker("user reset-password ana --password-stdin", input="a new long password\n")
    registry = _session(sqlite_tracker)
    try:
        with registry.reading() as session:
            assert [user_by_token(session, s) for s in secrets] == [None, None]
            assert user_by_token(session, others).name == "bo"  # type: ignore[union-attr]
    finally:
        registry.close()
    listed = {u["name"]: u["tokens"] for u in json.loads(sqlite_tracker("user list --json").stdout)}
    assert listed == {"ana": 0, "bo": 1}
    events = json.loads(sqlite_tracker("log --entity api_token --json").stdout)
    assert [e["label"] for e in events][-2:] == [
        f"user ana: token #{n} revoked (password reset)" for n in (1, 2)]
    sqlite_tracker("verify")
