"""Reading files nobody here wrote: bounded in size, line length, nesting and YAML aliases.

Every importer reads through these, so `/dev/zero`, a FIFO, a 5 GB file, a YAML alias
bomb or JSON nested 100,000 deep ends in one clear error instead of a hang, an exhausted
memory or a RecursionError.
"""

from __future__ import annotations

import io
import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from tracker.interop.limits import MiB
from tracker.values.errors import TrackerError

# What one line of a CSV or JSON Lines file may hold: far beyond a real record.
MAX_LINE = 16 * MiB
# Values a YAML document may expand to through its aliases: real cards have hundreds.
MAX_NODES = 100_000
_CHUNK = MiB


def size_label(limit: int) -> str:
    return f"{limit:,} bytes" + (f" ({limit // MiB:,} MiB)" if limit >= MiB else "")


def _too_big(name: str, limit: int) -> TrackerError:
    return TrackerError(f"{name}: larger than the limit of {size_label(limit)} "
                        "(raise it with --max-bytes)")


class _Bounded(io.RawIOBase):
    """A file's bytes, refused past `limit`. A FIFO with no writer reads as empty rather
    than waiting for one."""

    def __init__(self, path: Path, limit: int) -> None:
        self.name, self.limit, self.seen = str(path), limit, 0
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode) and os.fstat(fd).st_size > limit:
            os.close(fd)
            raise _too_big(self.name, limit)
        if stat.S_ISFIFO(mode):
            os.set_blocking(fd, True)
        self.fd = fd

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            count = os.readv(self.fd, [buffer])
        except BlockingIOError:
            return 0
        self.seen += count
        if self.seen > self.limit:
            raise _too_big(self.name, self.limit)
        return count

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


def read_bytes(path: Path, limit: int) -> bytes:
    """A whole file, up to `limit` bytes."""
    with _Bounded(path, limit) as raw:
        parts = []
        while chunk := raw.read(_CHUNK):
            parts.append(chunk)
    return b"".join(parts)


def read_text(path: Path, limit: int) -> str:
    """A whole UTF-8 file (a byte-order mark is dropped), up to `limit` bytes."""
    try:
        return read_bytes(path, limit).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TrackerError(f"{path}: not UTF-8 text") from exc


def text_lines(path: Path, limit: int) -> Iterator[str]:
    """A UTF-8 file's lines, streamed; the file and each line are bounded."""
    name = str(path)
    with io.TextIOWrapper(io.BufferedReader(_Bounded(path, limit), _CHUNK),
                          encoding="utf-8-sig", newline="") as handle:
        while line := handle.readline(MAX_LINE):
            if len(line) >= MAX_LINE and not line.endswith(("\n", "\r")):
                raise TrackerError(f"{name}: a line longer than {size_label(MAX_LINE)}")
            yield line


def load_json(text: str, name: str, line: int | None = None) -> Any:
    """A JSON document (or line `line` of JSON Lines), or an error naming the file and the
    line, or the path where it nests too deeply."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TrackerError(f"{name} line {line or exc.lineno}: malformed JSON ({exc.msg})"
                           ) from exc
    except RecursionError:
        where = f"{name} line {line}" if line else name
        raise TrackerError(f"{where}: {deep_path(text)}: nested too deeply") from None


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{},]')
_SHOWN_LEVELS = 8


def deep_path(text: str, depth: int = 200) -> str:
    """The JSON path at which `text` first nests `depth` levels, shortened for a message."""
    path: list[list[Any]] = []  # per level: [bracket, index or key]
    for token in _TOKEN.finditer(text):
        value = token.group()
        if value in "[{":
            path.append([value, 0 if value == "[" else "?"])
            if len(path) >= depth:
                break
        elif value in "]}":
            if path:
                path.pop()
        elif value == ",":
            if path and path[-1][0] == "[":
                path[-1][1] += 1
        elif value.endswith(":") and path:
            try:
                path[-1][1] = json.loads(value.rstrip(": \t\r\n"))
            except ValueError:
                path[-1][1] = "?"
    shown = "".join(f"[{step!r}]" if isinstance(step, str) else f"[{step}]"
                    for _, step in path[:_SHOWN_LEVELS])
    more = len(path) - _SHOWN_LEVELS
    return f"${shown}... ({depth}+ levels)" if more > 0 else f"${shown}"


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes `node` stands for once every alias is expanded; a node reached again
    counts again, a node inside itself counts without end."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_NODES + 1  # until done: an alias back into it is unbounded
    total = 1
    if isinstance(node, yaml.SequenceNode):
        children: list[yaml.Node] = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    else:
        children = []
    for child in children:
        total += _expanded_size(child, sizes)
        if total > MAX_NODES:
            break
    sizes[id(node)] = total
    return total


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Safe YAML whose aliases expand to at most MAX_NODES nodes (a few nested aliases,
    "billion laughs", would otherwise expand beyond any memory); RecursionError becomes
    "nested too deeply". Lines in messages count from `first_line`."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node, {}) > MAX_NODES:
            raise TrackerError(f"line {node.start_mark.line + first_line}: YAML aliases "
                               f"expand to more than {MAX_NODES:,} values (refused)")
        return loader.construct_document(node)
    except RecursionError:
        mark = loader.get_mark()
        raise TrackerError(f"line {mark.line + first_line}: nested too deeply") from None
    finally:
        loader.dispose()
