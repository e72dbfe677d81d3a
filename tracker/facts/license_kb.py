"""The packaged licence knowledge base file, and the digest that says whether a registry
holds its current version (checked on every open, so it stays free of the ORM)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from tracker.db.records import sha256_text

KB_DIGEST_KEY = "license_kb_digest"


@cache
def kb_text() -> str:
    return resources.files("tracker.data").joinpath("licenses.toml").read_text("utf-8")


def kb_digest() -> str:
    return sha256_text(kb_text())
