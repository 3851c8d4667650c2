"""Launch files: the export format (CSV or JSON, every field) and importing it all-or-nothing.

Export and import are exact inverses: times are ISO 8601 UTC (``2025-12-03T04:00:00Z``), lists
(``sources``, ``user_fields``) are JSON lists or, in CSV, space-separated. A CSV text cell that a
spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first, after
any apostrophes) gets one leading apostrophe, which import takes off again; ``raw_csv`` writes
cells as stored (such a file imports the same unless a value itself starts with ``'=`` and the like). A file is checked
whole before anything is stored, and a bad row is named by its line (CSV) or position (JSON) and
its id, with the field at fault.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import datetime
from typing import Any

from tracker.launches.store import FIELDS, LIST_FIELDS, REQUIRED, InvalidLaunch, parse_value, plain, validate
from tracker.text import FORMULA_START

#: A text cell to neutralise on export (and to restore on import): a formula behind any apostrophes.
_FORMULA = re.compile("^'*" + FORMULA_START.removeprefix("^"))


def _to_csv(value: str, raw: bool) -> str:
    return value if raw or not _FORMULA.match(value) else "'" + value


def _from_csv(value: object) -> object:
    return value[1:] if isinstance(value, str) and value.startswith("'") and _FORMULA.match(value) else value


def export_text(records: list[dict[str, Any]], fmt: str, *, raw_csv: bool = False) -> str:
    """Every field of every record, ordered by id; import of this text restores them exactly
    (CSV formulas neutralised unless ``raw_csv``)."""
    rows = [plain(r) for r in sorted(records, key=lambda r: r["id"])]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({
            k: _to_csv(" ".join(v or []) if k in LIST_FIELDS else v, raw_csv) if isinstance(v, (str, list)) else "" if v is None else v
            for k, v in row.items()
        })
    return buffer.getvalue()


def decode(raw: bytes) -> str:
    """The text of a launch file's bytes: UTF-8, with or without a byte-order mark (Excel's "CSV
    UTF-8" starts with one). Anything else (UTF-16, GBK, a binary file) raises saying so."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InvalidLaunch("not UTF-8 but UTF-16 text; a launch file must be UTF-8 (in Excel: save as \"CSV UTF-8\")")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidLaunch("not UTF-8 text (GBK or another encoding, or not text); a launch file must be UTF-8") from None
    if "\0" in text:
        raise InvalidLaunch("not text (holds NUL bytes); a launch file must be UTF-8 text")
    return text


def parse_file(text: str, fmt: str, now: datetime) -> list[dict[str, Any]]:
    """Records from an export-format file; any bad row raises naming the row and the field."""
    if fmt == "json":
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidLaunch(f"not JSON: {exc}") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidLaunch("expected a JSON list of launch objects")
        first_row = 1
    else:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            missing = [f for f in REQUIRED if f not in (reader.fieldnames or [])]
            if missing:
                raise InvalidLaunch(f"header: missing column(s) {', '.join(missing)}")
            rows = [{k: _from_csv(v) for k, v in row.items()} for row in reader]
        except csv.Error as exc:  # a stray carriage return or NUL inside a cell
            raise InvalidLaunch(f"line {reader.line_num}: not CSV: {exc}") from None
        first_row = 2  # line 1 is the header
    records = []
    for number, row in enumerate(rows, first_row):
        where = f"line {number}" if fmt == "csv" else f"record {number}"
        try:
            missing = [f for f in REQUIRED if f not in row]
            if missing:
                raise InvalidLaunch(f"{missing[0]}: missing")
            if None in row:  # csv.DictReader's key for cells beyond the header
                raise InvalidLaunch("more cells than the header has columns")
            unknown = sorted(set(row) - set(FIELDS))
            if unknown:
                raise InvalidLaunch(f"{unknown[0]}: unknown field")
            rec = {f: parse_value(f, row.get(f)) for f in FIELDS}
            rec["origin"] = rec["origin"] or "user"
            validate(rec, now)
        except InvalidLaunch as exc:
            raise InvalidLaunch(f"{where} (id {row.get('id')!r}): {exc}") from None
        records.append(rec)
    ids = [r["id"] for r in records]
    if len(ids) != len(set(ids)):
        raise InvalidLaunch(f"duplicate id {next(i for i in ids if ids.count(i) > 1)!r}")
    return records
