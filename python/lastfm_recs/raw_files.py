"""The raw lines DuckDB's CSV reader cannot give as text, found in Python.

The sources read each raw file one line per row with DuckDB's reader
(models/staging/_lastfm__sources.yml), which skips a line that is not
valid UTF-8 or is longer than MAX_LINE_BYTES (ignore_errors) instead of
stopping the build. invalid_lines finds exactly those lines, with their
line numbers and their bytes shown safely, so that staging numbers the
other lines right and rejects these with a reason (macros/split_raw_lines.sql,
through the SQL function lastfm_invalid_lines of lastfm_recs.dbt_plugin).

The scan reads the file in large blocks and decodes each block at C speed;
only a block with a bad line is looked at line by line: one more
sequential pass, about as long as reading and decoding the file in Python.
"""
from __future__ import annotations

import functools
import gzip
import os
from pathlib import Path
from typing import IO

import numpy as np

#: The reader's max_line_size (set in the sources): longer lines are skipped.
MAX_LINE_BYTES = 2_097_152
#: Bytes read per block.
BLOCK_BYTES = 64 * 1024 * 1024
#: Longest raw text kept for a rejected line.
SHOWN_BYTES = 1000


def raw_file(data_dir: str, file_name: str) -> Path:
    """The file the source reads: `<file_name>` or, gzipped, `<file_name>.gz`
    (on-run-start has checked that exactly one of them exists)."""
    plain = Path(data_dir) / file_name
    return plain if plain.exists() else plain.with_name(file_name + ".gz")


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115


def _shown(line: bytes) -> str:
    """The line as text: valid UTF-8 as is, other bytes as \\xNN escapes."""
    text = line[:SHOWN_BYTES].decode("utf-8", errors="backslashreplace")
    return text + (f"... ({len(line):,} bytes)" if len(line) > SHOWN_BYTES else "")


def _may_have_long_lines(block: bytes) -> bool:
    """False when every line of ``block`` is at most MAX_LINE_BYTES long: a
    longer line would cover a whole aligned window of half that size."""
    window = MAX_LINE_BYTES // 2
    return any(block.find(b"\n", start, start + window) < 0 for start in range(0, len(block) - window + 1, window))


def _bad_lines(block: bytes, first_line: int) -> list[dict]:
    """The lines of ``block`` (whole lines, `\\n` separated, the first
    numbered ``first_line``) that are too long or not valid UTF-8."""
    if not _may_have_long_lines(block):
        try:
            str(block, "utf-8")
            return []  # the usual case, at C speed
        except UnicodeDecodeError:
            pass
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(block)]))
    reasons: dict[int, str] = {}
    for index in np.flatnonzero(stops - starts > MAX_LINE_BYTES):
        reasons[int(index)] = f"line longer than {MAX_LINE_BYTES:,} bytes ({stops[index] - starts[index]:,} bytes)"
    view = memoryview(block)
    position = 0
    while position < len(block):
        try:
            str(view[position:], "utf-8")  # decodes without copying the block
            break
        except UnicodeDecodeError as error:
            bad_at = position + error.start
        index = int(np.searchsorted(starts, bad_at, side="right")) - 1
        reasons.setdefault(index, f"not valid UTF-8: byte 0x{block[bad_at]:02X} at byte {bad_at - starts[index] + 1} "
                                  "of the line")
        position = int(stops[index]) + 1
    return [
        {"line_number": first_line + index, "raw_line": _shown(block[starts[index]:stops[index]].rstrip(b"\r")),
         "reason": reasons[index]}
        for index in sorted(reasons)
    ]


@functools.lru_cache(maxsize=8)
def _invalid_lines_cached(path: str, size: int, mtime_ns: int) -> tuple[tuple[int, str, str], ...]:
    found: list[dict] = []
    lines_before = 0
    carry = b""
    with _open(Path(path)) as handle:
        while True:
            data = handle.read(BLOCK_BYTES)
            block = carry + data
            if not data:
                if block:
                    found += _bad_lines(block, lines_before + 1)
                break
            cut = block.rfind(b"\n")
            if cut < 0:
                carry = block
                continue
            block, carry = block[:cut], block[cut + 1:]
            found += _bad_lines(block, lines_before + 1)
            lines_before += block.count(b"\n") + 1
    return tuple((row["line_number"], row["raw_line"], row["reason"]) for row in found)


def invalid_lines(data_dir: str, file_name: str) -> list[dict]:
    """The lines of the raw file that DuckDB's reader skips: line_number
    (1-based, as the reader counts: `\\n` ends a line), raw_line (the bytes
    shown safely) and reason, in file order. Cached per file version."""
    path = raw_file(data_dir, file_name)
    stat = os.stat(path)
    rows = _invalid_lines_cached(str(path), stat.st_size, stat.st_mtime_ns)
    return [{"line_number": n, "raw_line": raw, "reason": reason} for n, raw, reason in rows]
