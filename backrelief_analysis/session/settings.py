"""The session's sound switches (voice, tones, fewer words), remembered between sessions.

A small JSON file, ``settings.json``, beside the log (owner-only, like the log). A missing or
unreadable file gives the defaults, both on: a broken settings file must never stop a session.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .. import paths
from ..log.store import DIR_MODE, FILE_MODE


@dataclass(frozen=True)
class SoundSettings:
    """Which cues a session gives: spoken words, tones, or both; and how many words.

    ``fewer_words`` leaves the rep in progress out of each hold's cue ("Hold." rather than
    "Hold, 3 of 10."), for someone who knows the programme by heart.
    """

    voice: bool = True
    tones: bool = True
    fewer_words: bool = False


def settings_path(directory: Path | None = None) -> Path:
    """``settings.json`` in ``directory`` (default: the log folder)."""
    return (directory if directory is not None else paths.log_dir()) / paths.SETTINGS_NAME


def load_settings(directory: Path | None = None) -> SoundSettings:
    """The remembered switches, or the defaults when there are none (or they cannot be read)."""
    try:
        data = json.loads(settings_path(directory).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return SoundSettings()
    if not isinstance(data, dict):
        return SoundSettings()
    known = {f.name for f in fields(SoundSettings)}
    return SoundSettings(**{k: v for k, v in data.items() if k in known and isinstance(v, bool)})


def save_settings(settings: SoundSettings, directory: Path | None = None) -> Path:
    """Write the switches atomically, readable by the owner only; return the file."""
    path = settings_path(directory)
    path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(asdict(settings), file)
        Path(temporary).chmod(FILE_MODE)  # mkstemp's 0600 already; said here, not assumed
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


__all__ = ["SoundSettings", "load_settings", "save_settings", "settings_path"]
