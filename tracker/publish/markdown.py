"""Markdown that shows user text as text: no links, images, headings or HTML from a name.

Only what could start markup where it stands is escaped, so that the file stays
pleasant to read as plain text: brackets, backticks, emphasis, pipes and angle
brackets anywhere; an underscore only at the edge of a word (CommonMark never
reads one inside a word as emphasis); an ampersand only where it would start an
entity; and a heading, list or quote marker only at the start of the text.
"""

from __future__ import annotations

import re

_ANYWHERE = re.compile(r"([\\`*\[\]|<>~])")
_WORD_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_BLOCK_MARKER = re.compile(r"^(?=#{1,6}(?:\s|$)|>|[-+=](?:\s|$))")
_ORDERED_ITEM = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")


def md_escape(value: object) -> str:
    """One line of literal text: line breaks folded, markup characters escaped."""
    text = " ".join(str(value).split())
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _WORD_EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    text = _BLOCK_MARKER.sub(r"\\", text, count=1)
    return _ORDERED_ITEM.sub(r"\1\\\2", text)
