"""Many patients' log files read at once, with the store's own parser and checks.

Reading a caseload one :func:`~backrelief_analysis.store.load_log` at a time costs about 25 ms
a patient, nearly all of it the fixed cost of each pandas call on a small file. Here the files
of a batch of patients are joined, table by table, into one CSV that the store's own
``read_fast`` parses and ``validate_frame`` checks once; a patient number (``np.repeat`` of each
file's row count) splits the typed frame again.

Only files that the store would read the same way take this path: whole (ending in a newline),
beginning with exactly the header, UTF-8 and without carriage returns; quoted notes are fine,
since a marker row after each file shows where one file's rows end (see :func:`_parse`). A
patient any of whose files is otherwise, whose rows have any problem or
repeat another row, or whose batch made pandas warn, gets ``None``: the caller reads that
patient with the store on its own, so every problem sentence and every note stays the store's.
"""

from __future__ import annotations

import secrets
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import EXERCISE, OUTCOMES, PAIN, TABLES, Table
from .store import Log, empty_frame, read_fast, validate_frame


def _usable(data: bytes, header: bytes) -> bool:
    """Whether ``data`` is a whole file (header, rows, final newline) in UTF-8."""
    if (len(data) <= len(header) or not data.startswith(header) or not data.endswith(b"\n")
            or b"\r" in data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parse(table: Table, header: bytes, bodies: list[bytes], members: list[int]
           ) -> list[tuple[list[int], pd.DataFrame, np.ndarray]]:
    """``read_fast`` of the members' rows joined, each file followed by a marker row.

    A marker read back as a row of its own, once per file and nowhere else, shows the parser
    was between records at the end of each file (no quote left open), so each file's rows are
    the rows the store would read from it alone. The marker holds a random token, so no file
    can hold a copy of it to make up for one it swallowed.

    Returns groups of (members, rows without the markers, row count of each member); a group
    that fails is halved until each failing file stands alone and is left out (the store
    reads it on its own).
    """
    mark = f"~end of one patient's file {secrets.token_hex(16)}~"
    end = (mark + "," * (len(table.names) - 1) + "\n").encode("utf-8")
    frame = read_fast(header + b"".join(bodies[i] + end for i in members), table)
    if frame is not None:
        marks = np.flatnonzero((frame[table.names[0]] == mark).to_numpy(dtype=bool))
        if len(marks) == len(members) and marks[-1] == len(frame) - 1:
            rows = np.diff(marks, prepend=-1) - 1
            kept = np.ones(len(frame), dtype=bool)
            kept[marks] = False
            return [(members, frame.loc[kept].reset_index(drop=True), rows)]
    if len(members) == 1:
        return []
    half = len(members) // 2
    return (_parse(table, header, bodies, members[:half])
            + _parse(table, header, bodies, members[half:]))


def _short_or_long(raw: pd.DataFrame, table: Table, bodies: list[bytes], members: list[int],
                   rows: np.ndarray) -> set[int]:
    """Members whose own file ``read_fast`` would refuse by its count of separators, each
    file on its own (a short row, padded by pandas, in one file could hide a quoted comma in a
    column of fixed values in another)."""
    text = [raw[c.name].to_numpy(dtype=object) for c in table.columns
            if c.kind == "text" and c.choices is None]
    width = len(table.names) - 1
    refused, start = set(), 0
    for index in members:
        body, count = bodies[index], int(rows[index])
        commas = body.count(b",") - width * count
        if b'"' in body:  # as read_fast: commas inside quoted free text are no separators
            try:
                commas -= sum("".join(cells[start:start + count]).count(",") for cells in text)
            except TypeError:  # a cell pandas padded (a short row): not the store's fast read
                commas = -1
        if commas != 0:
            refused.add(index)
        start += count
    return refused


def _repeating(raw: pd.DataFrame, table: Table, keys: np.ndarray) -> set[int]:
    """Patients with a row that repeats another of theirs exactly (as ``store._note_repeats``
    finds them: same last timestamp first, then the whole row)."""
    last_time = [c.name for c in table.columns if c.kind == "timestamp"][-1]
    keyed = raw.assign(_p=keys)
    candidates = keyed.duplicated(subset=["_p", last_time], keep=False).to_numpy()
    if not candidates.any():
        return set()
    repeated = keyed.loc[candidates].duplicated(keep=False).to_numpy()
    return {int(p) for p in keys[candidates][repeated]}


def _table(table: Table, sources: list[dict[str, bytes]], failed: set[int]
           ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """One table of every patient: the typed rows, and each patient's offset into them and
    row count; adds to ``failed`` the patients the store must read on its own."""
    header = (",".join(table.names) + "\n").encode("utf-8")
    bodies: list[bytes] = [b""] * len(sources)
    rows = np.zeros(len(sources), dtype="int64")
    members = []
    for index, files in enumerate(sources):
        data = files.get(table.file_name)
        if index in failed or data is None:
            continue
        if not _usable(data, header):
            failed.add(index)
            continue
        bodies[index] = data[len(header):]
        members.append(index)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        groups = _parse(table, header, bodies, members) if members else []
    parsed = [index for group, _, _ in groups for index in group]
    failed.update(set(members) - set(parsed))
    if caught:  # the store's own read would keep these as notes: let it say them
        failed.update(parsed)
    if not groups:
        return empty_frame(table), np.zeros(len(sources), "int64"), rows
    raw = pd.concat([frame for _, frame, _ in groups], ignore_index=True) if len(groups) > 1 \
        else groups[0][1]
    for group, _, counts in groups:
        rows[group] = counts
    keys = np.repeat(np.asarray(parsed, dtype="int64"), rows[parsed])
    failed.update(_short_or_long(raw, table, bodies, parsed, rows))
    checked = raw
    if table is OUTCOMES:
        # a questionnaire set is one patient's: keep equal set ids of two patients apart
        # while the set rules run, then show each patient's own ids again
        ids = raw["set_id"].astype(str)
        prefixed = pd.Series(keys, dtype="int64").map("{:09d}\x1f".format) + ids
        checked = raw.assign(set_id=prefixed.where(ids != "", ""))
    problems: list = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        typed = validate_frame(checked, table, None, problems)
    if caught:  # the store's own read would keep these as notes: let it say them
        failed.update(parsed)
    if table is OUTCOMES:
        typed["set_id"] = raw["set_id"]
    failed.update(int(keys[problem.line - 2]) for problem in problems)
    failed.update(_repeating(raw, table, keys))
    offsets = np.zeros(len(sources), dtype="int64")
    offsets[parsed] = np.cumsum(rows[parsed]) - rows[parsed]
    return typed, offsets, rows


def load_many(sources: list[dict[str, bytes]], labels: list[str] | None = None
              ) -> list[Log | None]:
    """The logs of many patients' files (name to bytes, as a bundle holds them) at once.

    ``labels`` name each patient's ``Log.directory`` (by default none).

    Returns
    -------
    list
        One :class:`~backrelief_analysis.store.Log` per patient, equal to the store's own
        reading of the same files, or ``None`` for a patient the store must read on its own
        (see the module's description).
    """
    failed: set[int] = set()
    read = {table.file_name: _table(table, sources, failed) for table in TABLES}
    logs: list[Log | None] = []
    empty: dict[str, pd.DataFrame] = {}
    for index, files in enumerate(sources):
        if index in failed:
            logs.append(None)
            continue
        frames = {}
        for table in TABLES:
            name = table.file_name
            if name not in files:  # as the store reads a missing file
                if name not in empty:
                    empty[name] = empty_frame(table)
                frames[name] = empty[name].copy()
                continue
            typed, offsets, rows = read[name]
            start = int(offsets[index])
            frames[name] = typed.iloc[start:start + int(rows[index])].reset_index(drop=True)
        logs.append(Log(exercise=frames[EXERCISE.file_name], pain=frames[PAIN.file_name],
                        directory=Path(labels[index] if labels else ""),
                        outcomes=frames[OUTCOMES.file_name]))
    return logs


__all__ = ["load_many"]
