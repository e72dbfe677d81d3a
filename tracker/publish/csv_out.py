"""CSV the tool gives out (`--csv`, `export csv`, the review desk's budget download): one
writer, every cell safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV
# Injection"): =HYPERLINK(...) in a dataset's name would run on whoever opens the file.
_FORMULA_START = frozenset("=+-@\t\r")
# A plain number, signed or not, is data and runs nothing: -5 and -0.25 stay numbers.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell no spreadsheet will run: text starting with =, +, -, @, tab or
    carriage return gets a leading single quote, as OWASP recommends, unless it is a plain
    number. Lists and mappings are written as JSON."""
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if isinstance(value, str) and value and value[0] in _FORMULA_START \
            and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(handle: IO[str], rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV with a header, every cell through csv_cell: the one CSV writer of every
    CSV the tool gives out (--csv and export csv)."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
