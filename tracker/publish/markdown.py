"""Markdown that shows user text as text: no links, images, headings or HTML from a name."""

from __future__ import annotations

import re

# CommonMark backslash-escapes any ASCII punctuation; these are the ones that build markup.
_SPECIAL = re.compile(r"([\\`*_\[\](){}#!|<>&~])")


def md_escape(value: object) -> str:
    """One line of literal text: line breaks folded, markup characters escaped."""
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)
