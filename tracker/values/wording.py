"""Counts and lists as a person writes them in a sentence."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 dataset', '2 datasets', '1,200 entries' (with many='entries'): the count and the
    noun agree."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"
