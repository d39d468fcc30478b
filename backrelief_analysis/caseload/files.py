"""Finding a caseload's patients and reading a log folder's files: regular files only.

A link, a device or a FIFO where a file should be is refused in one sentence naming the folder
(:func:`~backrelief_analysis.share.bundle.read_regular`), so nothing outside the folder is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .. import paths
from ..log.plans import is_kept_name
from ..share.bundle import (
    LOG_NAMES,
    MAX_MEMBER_BYTES,
    OPTIONAL_NAMES,
    PLAN_NAME,
    BundleError,
    read_regular,
)


def folder_files(folder: Path) -> dict[str, bytes]:
    """The files of a log folder a caseload reads (logs and plan), by name.

    Only regular files are read (:func:`~.share.bundle.read_regular`): a link, a device or a
    FIFO in their place raises :class:`~.share.bundle.BundleError` naming the folder.
    """
    files = {}
    for name in (*LOG_NAMES, *OPTIONAL_NAMES, PLAN_NAME):
        try:
            files[name] = read_regular(folder / name, MAX_MEMBER_BYTES)
        except FileNotFoundError:
            continue
        except BundleError as error:
            raise BundleError(f"in the folder {folder.name}, {error}") from None
    return files


def kept_plan_files(folder: Path) -> dict[str, bytes]:
    """The plans a log folder keeps in ``plans/`` (those the patient accepted), by file name.

    Read as :func:`folder_files` reads (regular files only); a ``plans`` that is a link
    raises :class:`~.share.bundle.BundleError` naming the folder.
    """
    plans = folder / paths.PLANS_DIR_NAME
    if not is_folder(plans):
        if plans.is_symlink():
            raise BundleError(f"in the folder {folder.name}, {paths.PLANS_DIR_NAME} is a link, "
                              "and links are not followed")
        return {}
    files = {}
    for entry in sorted(plans.iterdir()):
        if is_kept_name(entry.name):
            try:
                files[entry.name] = read_regular(entry, MAX_MEMBER_BYTES)
            except BundleError as error:
                raise BundleError(f"in the folder {folder.name}/{paths.PLANS_DIR_NAME}, "
                                  f"{error}") from None
    return files


def is_folder(path: Path) -> bool:
    """A real folder, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def find_sources(directory: Path) -> list[Path]:
    """The bundles (``*.zip``) and folders directly inside ``directory``, by name.

    ``directory`` itself counts as one patient when it holds a log. Hidden entries are skipped.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise FileNotFoundError(f"there is no caseload folder at {folder}")
    found = [entry for entry in sorted(folder.iterdir())
             if not entry.name.startswith(".")
             and (entry.is_dir() or entry.suffix.lower() == ".zip")]
    if any((folder / name).is_file() for name in LOG_NAMES):
        found.insert(0, folder)
    return found


__all__ = [
    "find_sources",
    "folder_files",
    "is_folder",
    "kept_plan_files",
]
