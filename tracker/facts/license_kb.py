"""The packaged licence knowledge base: its file, its licences as facts, and the digest that
says whether a registry holds its current version (checked on every open, so it stays free
of the ORM)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from tracker.facts.snapshot import LicenseFacts
from tracker.values.canonical import sha256_text

KB_DIGEST_KEY = "license_kb_digest"


@cache
def kb_text() -> str:
    """The knowledge base file (TOML) shipped in tracker.data."""
    return resources.files("tracker.data").joinpath("licenses.toml").read_text("utf-8")


def kb_digest() -> str:
    """SHA-256 of the knowledge base file: a registry stores it once synced."""
    return sha256_text(kb_text())


@cache
def builtin_terms() -> tuple[LicenseFacts, ...]:
    """The licences of the packaged knowledge base, as facts."""
    entries = tomllib.loads(kb_text())["license"]
    return tuple(
        LicenseFacts(
            key=e["id"],
            name=e["name"],
            url=e.get("url") or None,
            category=e["category"],
            commercial_use=e["commercial_use"],
            attribution=bool(e["attribution"]),
            share_alike=bool(e["share_alike"]),
            no_derivatives=bool(e["no_derivatives"]),
            restricts_models=bool(e["restricts_models"]),
            restricts_outputs=bool(e["restricts_outputs"]),
            ai_training=e["ai_training"],
            builtin=True,
            aliases=",".join(e.get("aliases", [])),
            notes=e.get("notes", ""),
        )
        for e in entries
    )
