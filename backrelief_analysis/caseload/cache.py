"""The caseload's cache: each patient's row kept under the SHA-256 of its files.

The cache (:data:`CACHE_NAME`, JSON, owner-only) sits beside the bundles with a secret key
(:data:`CACHE_KEY_NAME`) that signs each entry, so an edited entry is read again. A second
opening hashes only the files whose sizes, times or inode changed (or that changed within two
seconds of being looked at, as git does: :data:`RECENT_CHANGE_NS`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .. import __version__, paths
from ..log.plans import is_kept_name
from ..log.store import write_private
from ..share.bundle import (
    LOG_NAMES,
    MAX_BUNDLE_BYTES,
    OPTIONAL_NAMES,
    PLAN_NAME,
    read_regular,
)
from .files import folder_files, is_folder, kept_plan_files

CACHE_NAME = ".backrelief-caseload.json"
CACHE_KEY_NAME = ".backrelief-caseload.key"  # the cache's secret key, owner-only, beside it
CACHE_KEY_BYTES = 32  # 256 bits, as HMAC-SHA-256 takes them
CACHE_VERSION = 8  # 2: rows carry pain_text; 3: rows run to the caseload's as_of day; 4: and
# carry the outcome verdicts; 5: the days since the last entry and each reason's size; 6: each
# entry carries its HMAC; 7: the exercise that hurt most and the largest open flag's size; 8: a
# folder's kept plans (plans/) give its plan in force
# a file changed this recently may change again within the same mtime: hash it (as git does)
RECENT_CHANGE_NS = 2 * 10**9
MAX_CACHE_BYTES = MAX_BUNDLE_BYTES  # a cache of thousands of rows is a few MB


def content_key(files: dict[str, bytes] | bytes, fallback_plan: str = "") -> str:
    """SHA-256 over a source's bytes (and the plan it is read with), with the kit's version."""
    digest = hashlib.sha256(f"{__version__}\0{CACHE_VERSION}\0".encode())
    if isinstance(files, bytes):
        digest.update(files)
    else:
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        if PLAN_NAME not in files:
            digest.update(b"plan\0" + fallback_plan.encode())
    return digest.hexdigest()


def folder_key(files: dict[str, bytes], kept: dict[str, bytes], fallback_plan: str) -> str:
    """:func:`content_key` of a log folder: its files, its kept plans and the fallback plan."""
    kept_by_path = {f"{paths.PLANS_DIR_NAME}/{name}": data for name, data in kept.items()}
    return content_key({**files, **kept_by_path}, fallback_plan)


@dataclass(frozen=True)
class Result:
    """What reading one source gives: its row, weekly series and content key (JSON-ready)."""

    source: str
    key: str
    row: dict
    weekly: list

    def as_json(self) -> dict:
        return {"key": self.key, "row": _json_row(self.row), "weekly": self.weekly}


def _json_row(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}


def from_json(source: str, entry: dict) -> Result:
    row = {k: (float("nan") if v is None else v) for k, v in entry["row"].items()}
    return Result(source, entry["key"], row, entry["weekly"])


def _owner_only(path: Path) -> bool:
    """A regular file (not a link) of this user that no one else may read or write."""
    info = os.lstat(path)
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & 0o077)


def _cache_key(folder: Path, *, create: bool) -> bytes | None:
    """The secret the cache's entries are signed with, kept owner-only beside the cache; a
    new one when there is none to trust and ``create`` (the old entries then no longer count)."""
    path = folder / CACHE_KEY_NAME
    with contextlib.suppress(Exception):
        if _owner_only(path):
            key = read_regular(path, CACHE_KEY_BYTES)
            if len(key) == CACHE_KEY_BYTES:
                return key
    if not create:
        return None
    key = secrets.token_bytes(CACHE_KEY_BYTES)
    try:
        write_private(key, path)
    except (OSError, ValueError):
        return None  # a read-only caseload folder still opens, only without a cache
    return key


def _signature(key: bytes, name: str, as_of: date, entry: dict) -> str:
    """HMAC-SHA-256 of one cache entry, its source's name and the day it runs to."""
    text = json.dumps([name, as_of.isoformat(), entry], sort_keys=True)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def load_cache(path: Path, as_of: date) -> dict[str, dict]:
    """The cache's entries that can be trusted: from an owner-only cache of this kit's
    version, each signed with the owner-only key (an edited entry is read again)."""
    try:
        key = _cache_key(path.parent, create=False)
        if key is None or not _owner_only(path):
            return {}
        cached = json.loads(read_regular(path, MAX_CACHE_BYTES).decode("utf-8"))
        if (cached.get("version") == CACHE_VERSION and cached.get("kit") == __version__
                and cached.get("as_of") == as_of.isoformat()):
            trusted = {}
            for name, signed in dict(cached["entries"]).items():
                entry = {k: v for k, v in signed.items() if k != "mac"}
                if hmac.compare_digest(str(signed.get("mac")),
                                       _signature(key, name, as_of, entry)):
                    trusted[name] = entry
            return trusted
    except Exception:  # no cache, one from another version, or not ours: read everything
        pass
    return {}


def save_cache(path: Path, results: Iterable[Result], as_of: date,
                stats: dict[str, str]) -> None:
    key = _cache_key(path.parent, create=True)
    if key is None:
        return
    entries = {result.source: {**result.as_json(), "stat": stats.get(result.source)}
               for result in results}
    record = {"version": CACHE_VERSION, "kit": __version__, "as_of": as_of.isoformat(),
              "entries": {name: {**entry, "mac": _signature(key, name, as_of, entry)}
                          for name, entry in entries.items()}}
    # a read-only caseload folder still opens, only without a cache
    with contextlib.suppress(OSError, ValueError):
        write_private(json.dumps(record).encode("utf-8"), path)


def stat_key(path: Path, fallback_plan: str) -> str | None:
    """Size, times and inode of a source's files (and the plan a folder is read with): while
    they stay the same the files do too, and the cache need not hash them again. None when a
    file changed too recently to tell a later change by its time."""
    folder = is_folder(path)
    files = [path / name for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME)] \
        if folder else [path]
    parts = [hashlib.sha256(fallback_plan.encode()).hexdigest() if folder else ""]
    plans = path / paths.PLANS_DIR_NAME
    if folder and os.path.lexists(plans):
        if not is_folder(plans):
            return None
        kept = sorted(entry for entry in plans.iterdir() if is_kept_name(entry.name))
        parts.append(",".join(entry.name for entry in kept))
        files += kept
    now = time.time_ns()
    for file in files:
        try:
            info = os.lstat(file)  # a link's own times: a link is never read, nor cached
        except FileNotFoundError:
            parts.append("-")
            continue
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        if now - max(info.st_mtime_ns, info.st_ctime_ns) < RECENT_CHANGE_NS:
            return None
        parts.append(f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}")
    return "/".join(parts)


def source_key(path: Path, fallback_plan: str) -> str | None:
    try:
        if Path(path).is_symlink():
            return None
        if is_folder(path):
            return folder_key(folder_files(path), kept_plan_files(path), fallback_plan)
        return content_key(read_regular(path, MAX_BUNDLE_BYTES))
    except Exception:  # a source that cannot be read is read again, and says why in its row
        return None


__all__ = [
    "CACHE_KEY_NAME",
    "CACHE_NAME",
    "CACHE_VERSION",
    "RECENT_CHANGE_NS",
    "Result",
    "content_key",
    "folder_key",
    "from_json",
    "load_cache",
    "save_cache",
    "source_key",
    "stat_key",
]
