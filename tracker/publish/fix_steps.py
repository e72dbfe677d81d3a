"""A finding's "how to fix" split into what to do, in words, and the commands that do it.

Findings name the command a terminal user needs ("record it with `tracker license
claim`"); a report for compliance says what to do and keeps the command apart,
where an engineer can open it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A command in backticks, or a bare one running to the end of the sentence.
_QUOTED = r"`(?P<quoted>tracker [^`]*)`"
_BARE = r"(?P<bare>tracker [^()`]*?)"
# How a command is attached to the words around it, longest form first.
_FORMS = (
    re.compile(rf"\s+with\s+{_QUOTED}"),
    re.compile(rf"\s*\(\s*{_QUOTED}\s*\)"),
    re.compile(rf"\s*\(\s*{_BARE}\s*\)"),
    re.compile(rf":\s+{_BARE}\s*$"),
    re.compile(_QUOTED),
)

# What is left of a sentence once its command is gone, said in full.
_PLAINER = {
    "Review it.": "Have a compliance reviewer review the dataset and record the decision.",
    "Review it again.": "Have the dataset reviewed again.",
    "add it and re-claim": "add it to the licence knowledge base and record the claim again",
}


@dataclass(frozen=True)
class FixSteps:
    words: str
    commands: tuple[str, ...]


def split(fix: str) -> FixSteps:
    """The words of `fix` with every `tracker ...` command taken out, and those commands."""
    commands: list[str] = []

    def take(match: re.Match[str]) -> str:
        found = match.groupdict()
        commands.append((found.get("quoted") or found.get("bare") or "").strip())
        return ""

    words = fix
    for form in _FORMS:
        words = form.sub(take, words)
    words = words.strip()
    for terse, plain in _PLAINER.items():
        words = words.replace(terse, plain)
    if words and words[-1] not in ".!?":
        words += "."
    return FixSteps(words, tuple(commands))
